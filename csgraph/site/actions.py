"""`/actions`: every action, narrowed by facets and a search, paginated, and downloadable as CSV or JSON.

The three addresses read the same query string (`departement=62&keyword=sante&q=école`), so a link to the
page, to its `.csv` or to its `.json` gives the same actions. A value that names nothing (a mistyped
département) is an error naming the nearest values, never an empty list that looks like an answer.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote_plus

import numpy as np
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from csgraph import formatting
from csgraph.action_index import (
    FACETS,
    POSITION,
    ActionIndex,
    ActionRow,
    FacetSpec,
    Filters,
    UnknownFilter,
    Value,
    load_index,
)
from csgraph.formatting import tr
from csgraph.model import number
from csgraph.similar import similar_index
from csgraph.site.app import Site, render, site_of
from csgraph.site.i18n import lang_of
from csgraph.site.links import link
from csgraph.spreadsheet import Cell, spreadsheet_csv

CACHE_KEY = "actions-index"


def actions_index(site: Site) -> ActionIndex:
    """The site's index, read (or made) once per process; concurrent first requests wait for one."""
    return site.once(CACHE_KEY, lambda: load_index(site.graph, site.store))


PAGE_SIZE = 50
LONG_FACET = 12  # values shown before the rest folds away under "autres valeurs"
PAGE_LINKS = 2  # page numbers shown on each side of the current one
FACET_PARAMETERS = tuple(spec.name for spec in FACETS)
PARAMETERS = (*FACET_PARAMETERS, "q", "page", "lang")


@dataclass(frozen=True)
class Column:
    """A column of the downloads: its key in JSON, its French header in CSV, and its value."""

    key: str
    header: str
    value: Callable[[ActionRow], Cell | list[str]]


def labels(facet: str) -> Callable[[ActionRow], list[str]]:
    return lambda row: [value.label for value in row.of(facet)]


def joined(
    facet: str, part: Callable[[Value], str] = lambda value: value.label
) -> Callable[[ActionRow], str | None]:
    """A one-value field (status, dimension) as text; an action read twice with two values keeps both."""
    return lambda row: " | ".join(map(part, row.of(facet))) or None


def year(row: ActionRow) -> int | None:
    return min((int(value.key) for value in row.of("year")), default=None)


COLUMNS = (
    Column("iri", "IRI", lambda row: row.iri),
    Column("title", "titre", lambda row: row.title),
    Column("structure", "structure", lambda row: row.structure.label if row.structure else None),
    Column("departement", "département", joined("departement")),
    Column("departement_code", "code", joined("departement", lambda value: value.key)),
    Column("year", "année", year),
    Column("status", "statut", joined("status")),
    Column("dimension", "dimension", joined("dimension")),
    Column("keywords", "mots clés", labels("keyword")),
    Column("publics", "publics", labels("public")),
    Column("partner_types", "partenaires", labels("partner")),
    Column("funder_types", "financeurs", labels("funder")),
    Column("declared_amount", "montant déclaré", lambda row: row.amount),
    Column("source_file", "fichier", lambda row: row.source_file),
    Column("source_line", "ligne", lambda row: row.source_line),
)
"""One row per action in both downloads; `montant déclaré` is the total budget the fiche states."""


def json_row(row: ActionRow) -> dict[str, object]:
    found = {}
    for column in COLUMNS:
        value = column.value(row)
        found[column.key] = number(value) if isinstance(value, Decimal) else value
    return found


def csv_row(row: ActionRow) -> list[Cell]:
    cells: list[Cell] = []
    for column in COLUMNS:
        value = column.value(row)
        cells.append(" | ".join(value) if isinstance(value, list) else value)
    return cells


class BadRequest(Exception):
    """A query string the list cannot answer: a message in both languages, and links that would."""

    def __init__(
        self, french: str, english: str, suggestions: Sequence[tuple[str, str]] = (), status: int = 400
    ) -> None:
        super().__init__(french)
        self.french = french
        self.english = english
        self.suggestions = list(suggestions)  # (label, href)
        self.status = status


@dataclass(frozen=True)
class Asked:
    """What the query string asks for, read but not yet resolved against the index."""

    given: dict[str, list[str]]
    query: str
    page: int


def asked(request: Request) -> Asked:
    """The query string, checked: a parameter that is no filter (`departemnt=62`) would otherwise be
    ignored without a word, and the list would look like an answer to it."""
    lang = lang_of(request)
    params = request.query_params
    unknown = [name for name in params if name not in PARAMETERS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], PARAMETERS, n=1)
        hint_fr = f" ; vouliez-vous dire « {close[0]} » ?" if close else "."
        hint_en = f"; did you mean “{close[0]}”?" if close else "."
        names = ", ".join(FACET_PARAMETERS)
        raise BadRequest(
            f"Paramètre inconnu : « {unknown[0]} »{hint_fr} Les filtres sont : {names}, q et page.",
            f"Unknown parameter: “{unknown[0]}”{hint_en} The filters are: {names}, q and page.",
            [
                (
                    tr(lang, "la liste sans ce paramètre", "the list without this parameter"),
                    without(request, unknown[0]),
                )
            ],
        )
    page_text = params.get("page", "1").strip() or "1"
    if not page_text.isdigit() or int(page_text) < 1:
        raise BadRequest(
            f"Numéro de page invalide : « {page_text} » (un nombre entier à partir de 1).",
            f"Invalid page number: “{page_text}” (a whole number from 1).",
            [(tr(lang, "première page", "first page"), without(request, "page"))],
        )
    given = {name: params.getlist(name) for name in FACET_PARAMETERS if name in params}
    return Asked(given, params.get("q", ""), int(page_text))


def without(request: Request, name: str) -> str:
    params = [(key, value) for key, value in request.query_params.multi_items() if key != name]
    return address(request.url.path, params)


def replaced(request: Request, name: str, old: str, new: str) -> str:
    """The same address with one value of one parameter replaced (a typo by the value meant)."""
    params = [
        (key, new if key == name and value == old else value)
        for key, value in request.query_params.multi_items()
    ]
    return address(request.url.path, params)


def address(path: str, params: Sequence[tuple[str, str]]) -> str:
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if key != "lang":
            grouped.setdefault(key, []).append(value)
    english = ("lang", "en") in params
    return link(path, "en" if english else "fr", **grouped)


def resolved(request: Request, index: ActionIndex, wanted: Asked) -> Filters:
    """The filters, or a BadRequest naming the values nearest to an unknown one, each a working link."""
    lang = lang_of(request)
    try:
        return index.resolve(wanted.given, wanted.query)
    except UnknownFilter as error:
        facet = error.facet
        suggestions = [
            (value.shown(lang), replaced(request, facet.name, error.text, value.key)) for value in error.near
        ]
        raise BadRequest(
            f"{facet.label} inconnu : « {error.text} ». Aucune action n'est listée pour une valeur qui "
            "n'existe pas dans ce graphe.",
            f"Unknown {facet.label_en.lower()}: “{error.text}”. No action is listed for a value that this "
            "graph does not hold.",
            suggestions,
        ) from None


def listing_href(filters: Filters, lang: str, page: int = 1, suffix: str = "") -> str:
    """The address of a list, its parameters in FACETS order; built by hand rather than with `link`, as a
    page holds some 300 of them (one per facet value) and `urlencode` made a third of its time."""
    pairs = [f"{name}={quoted(value)}" for name, value in filters.parameters()]
    if page > 1:
        pairs.append(f"page={page}")
    if lang == "en":
        pairs.append("lang=en")
    return f"/actions{suffix}?{'&'.join(pairs)}" if pairs else f"/actions{suffix}"


@lru_cache(maxsize=1 << 12)
def quoted(text: str) -> str:
    return quote_plus(text)


def listing(request: Request) -> Response:
    lang = lang_of(request)
    index = actions_index(site_of(request))
    try:
        wanted = asked(request)
        filters = resolved(request, index, wanted)
        chosen = index.select(filters)
        total = chosen.bit_count()
        pages = max(1, math.ceil(total / PAGE_SIZE))
        if wanted.page > pages:
            raise BadRequest(
                f"Ces filtres donnent {pages} page(s) d'actions ; la page {wanted.page} n'existe pas.",
                f"These filters give {pages} page(s) of actions; page {wanted.page} does not exist.",
                [(tr(lang, "dernière page", "last page"), listing_href(filters, lang, pages))],
                status=404,
            )
    except BadRequest as error:
        return problem_page(request, error)
    start = (wanted.page - 1) * PAGE_SIZE
    context = {
        "filters": filters,
        "query": filters.query,
        "total": total,
        "rows": [listed(row, lang) for row in index.chosen_rows(chosen, start, start + PAGE_SIZE)],
        "first": start + 1,
        "page": wanted.page,
        "pages": pages,
        "page_links": page_links(filters, lang, wanted.page, pages),
        "facets": facet_lists(index, filters, lang),
        "active": [
            (spec_of(name), value, listing_href(filters.toggled(name, value), lang))
            for name, value in filters.active()
        ],
        "without_query": listing_href(filters.without_query(), lang),
        "clear": listing_href(Filters(), lang),
        "permalink": listing_href(filters, lang, wanted.page),
        "csv": listing_href(filters, lang, suffix=".csv"),
        "json": listing_href(filters, lang, suffix=".json"),
        "hidden": [(name, value) for name, value in filters.parameters() if name != "q"],
    }
    return render(request, "site/actions.html", context)


def spec_of(name: str) -> FacetSpec:
    return next(spec for spec in FACETS if spec.name == name)


@dataclass(frozen=True)
class Choice:
    """A facet value beside the list: its count with the other filters, and the link that toggles it.

    Label and count are written here, not in the template: a page shows some 300 of them."""

    value: Value
    label: str  # in the page's language
    count: str  # as the page writes it
    href: str
    chosen: bool


def facet_lists(index: ActionIndex, filters: Filters, lang: str) -> list[tuple[FacetSpec, list[Choice]]]:
    """Facets with at least one value to show (the year facet vanishes from graphs without years)."""
    found = []
    for name, counted in index.counts(filters).items():
        chosen = filters.chosen.get(name, ())
        toggle = toggle_links(filters, lang, name)
        choices = [
            Choice(value, value.shown(lang), counted_text(count, lang), toggle(value), value in chosen)
            for value, count in counted
        ]
        if choices:
            found.append((spec_of(name), choices))
    return found


def counted_text(count: int, lang: str) -> str:
    """Most counts have no thousands to group: written as they are, they skip a Decimal each."""
    return str(count) if count < 1000 else formatting.number(count, lang)


def toggle_links(filters: Filters, lang: str, facet: str) -> Callable[[Value], str]:
    """`listing_href(filters.toggled(facet, value), lang)` for every value of a facet, from the parts of
    the address before and after that facet: a few string joins per value instead of new filters."""
    pairs = [(name, f"{name}={quoted(key)}") for name, key in filters.parameters()]
    before = [pair for name, pair in pairs if name in FACET_PARAMETERS and POSITION[name] < POSITION[facet]]
    after = [pair for name, pair in pairs if name not in FACET_PARAMETERS or POSITION[name] > POSITION[facet]]
    after += ["lang=en"] if lang == "en" else []
    current = filters.chosen.get(facet, ())

    def href(value: Value) -> str:
        own = [other for other in current if other != value] if value in current else [*current, value]
        parts = [*before, *(f"{facet}={quoted(other.key)}" for other in own), *after]
        return f"/actions?{'&'.join(parts)}" if parts else "/actions"

    return href


@dataclass(frozen=True)
class Listed:
    """A row of the list as the page shows it, with its links made."""

    title: str
    href: str
    structure: str | None
    structure_href: str | None
    departements: list[tuple[str, str, str]]  # label, code, href
    years: str
    keywords: str
    status: str


def listed(row: ActionRow, lang: str) -> Listed:
    structure = row.structure
    return Listed(
        row.title,
        link(row.iri, lang),
        structure.label if structure else None,
        link(structure.iri, lang) if structure and structure.iri else None,
        [(value.label, value.key, link(value.iri or "", lang)) for value in row.of("departement")],
        ", ".join(value.label for value in row.of("year")),
        ", ".join(value.shown(lang) for value in row.of("keyword")),
        ", ".join(value.shown(lang) for value in row.of("status")),
    )


def page_links(filters: Filters, lang: str, page: int, pages: int) -> list[tuple[str, str | None]]:
    """(label, href) for the first, nearby and last pages; href None for the current page and gaps."""
    if pages == 1:
        return []
    shown = sorted({1, pages, *range(max(1, page - PAGE_LINKS), min(pages, page + PAGE_LINKS) + 1)})
    links: list[tuple[str, str | None]] = []
    if page > 1:
        links.append((tr(lang, "« précédente", "« previous"), listing_href(filters, lang, page - 1)))
    for position, number_shown in enumerate(shown):
        if position and number_shown - shown[position - 1] > 1:
            links.append(("…", None))
        links.append(
            (str(number_shown), None if number_shown == page else listing_href(filters, lang, number_shown))
        )
    if page < pages:
        links.append((tr(lang, "suivante »", "next »"), listing_href(filters, lang, page + 1)))
    return links


def problem_page(request: Request, error: BadRequest) -> Response:
    lang = lang_of(request)
    context = {
        "message": tr(lang, error.french, error.english),
        "suggestions": error.suggestions,
        "clear": link("/actions", lang),
    }
    return render(request, "site/actions_error.html", context, error.status)


def downloaded(request: Request) -> tuple[Filters, list[ActionRow]]:
    index = actions_index(site_of(request))
    filters = resolved(request, index, asked(request))
    return filters, index.chosen_rows(index.select(filters))


def download_problem(request: Request, error: BadRequest, as_json: bool) -> Response:
    lang = lang_of(request)
    message = tr(lang, error.french, error.english)
    if as_json:
        near = [{"label": label, "href": href} for label, href in error.suggestions]
        body = json.dumps({"error": message, "suggestions": near}, ensure_ascii=False)
        return Response(body, status_code=error.status, media_type="application/json")
    hint = ", ".join(label for label, _ in error.suggestions)
    suggestion = tr(lang, f" Valeurs proches : {hint}.", f" Near values: {hint}.") if hint else ""
    return PlainTextResponse(message + suggestion + "\n", status_code=error.status)


def actions_csv(request: Request) -> Response:
    try:
        _, rows = downloaded(request)
    except BadRequest as error:
        return download_problem(request, error, as_json=False)
    body = spreadsheet_csv([column.header for column in COLUMNS], map(csv_row, rows))
    disposition = {"Content-Disposition": 'attachment; filename="actions.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=disposition)


def actions_json(request: Request) -> Response:
    try:
        filters, rows = downloaded(request)
    except BadRequest as error:
        return download_problem(request, error, as_json=True)
    document = {"total": len(rows), "filters": filters.as_json(), "actions": [json_row(row) for row in rows]}
    body = json.dumps(document, ensure_ascii=False)
    return Response(body, media_type="application/json")


routes: list[BaseRoute] = [
    Route("/actions", listing, name="actions"),
    Route("/actions.csv", actions_csv, name="actions-csv"),
    Route("/actions.json", actions_json, name="actions-json"),
]


SIMILAR_KEY = "similar-index"
SIMILAR_SHOWN = 5


@dataclass(frozen=True)
class Near:
    """One line of an action page's "Actions proches" block."""

    iri: str
    title: str
    departement: str
    why: str


@dataclass(frozen=True)
class NearBlock:
    found: list[Near]
    problem: str  # an unknown filter's message, the block then empty
    active: list[tuple[str, str]]  # (label, the page's address without it)


def near_block(request: Request, site: Site, iri: str) -> NearBlock:
    """The actions most like this one among those that the /actions filters of the page's query string
    leave (`?departement=59&keyword=sante`): the same parameters, the same bitsets."""
    lang = lang_of(request)
    index = actions_index(site)
    near = site.once(SIMILAR_KEY, lambda: similar_index(site.graph, site.store))
    number = near.number.get(iri)
    if number is None:
        return NearBlock([], "", [])
    try:
        filters = index.resolve(asked(request).given, request.query_params.get("q", ""))
    except (UnknownFilter, BadRequest) as error:
        problem = str(error) if isinstance(error, UnknownFilter) else tr(lang, error.french, error.english)
        return NearBlock([], problem, [])
    allowed = np.zeros(len(index.rows), dtype=bool)
    allowed[index.positions(index.select(filters))] = True  # both indexes hold the actions in list order
    found = near.similar(number, limit=SIMILAR_SHOWN, allowed=allowed)
    active = [
        (
            f"{spec_of(facet).label if lang != 'en' else spec_of(facet).label_en} : {value.shown(lang)}",
            without_value(request, facet, value.key),
        )
        for facet, value in filters.active()
    ]
    return NearBlock([Near(one.iri, one.title, one.departement, one.why(lang)) for one in found], "", active)


def without_value(request: Request, name: str, key: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if not (k == name and v == key)]
    return address(request.url.path, params)
