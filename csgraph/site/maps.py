"""`/map`: the map of France of the chosen actions, with the same numbers as a table below it.

The map is `csgraph.maps`' SVG, the file `csgraph map` writes, with each département linked to its page.
The actions are read once per process with `csgraph.graph_actions` (what the network views read too) and
chosen as `csgraph viz` chooses them, so a keyword, public or partner type spelled as any command accepts
it gives the same map; an unknown value is a 400 naming the nearest values, never an empty map. Each map
drawn is kept per process: the graph does not change while it is served.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csgraph.errors import UnknownValue
from csgraph.formatting import tr
from csgraph.graph_actions import (
    Action,
    Named,
    Names,
    Narrowing,
    matching,
    read_actions,
    read_names,
)
from csgraph.maps import MEASURES, WORDS, MapIndex, Measure
from csgraph.names import closest
from csgraph.site.app import Site, render, site_of
from csgraph.site.i18n import lang_of
from csgraph.site.links import link
from csgraph.vocabulary import concept_namespace

GRAPH_ACTIONS = "graph-actions"
"""Where `Site.cache` keeps the actions as `csgraph.graph_actions` reads them (a scan of the whole graph)."""

KEPT_MAPS = 256

Drawn = TypeVar("Drawn")


@dataclass(frozen=True)
class Filter:
    """A query parameter of `/map` that chooses actions, as `Narrowing` names it."""

    name: str
    what: str  # the `what` of Narrowing.given() and graph_actions.NARROWED_BY
    french: str
    english: str


FILTERS = (
    Filter("keyword", "keyword", "Mot clé", "Keyword"),
    Filter("public", "public", "Public", "Public"),
    Filter("partner", "partner type", "Type de partenaire", "Partner type"),
    Filter("year", "year", "Année", "Year"),
)
PARAMETERS = ("measure", *(item.name for item in FILTERS), "lang")
MEASURE_NAMES = {
    "actions": ("Actions", "Actions"),
    "structures": ("Structures", "Structures"),
    "euros": ("Euros déclarés", "Euros stated"),
}
CONCEPT_SCHEMES = {
    concept_namespace("keyword"): "keyword",
    concept_namespace("public"): "public",
    concept_namespace("partner"): "partner type",
    concept_namespace("funder-category"): "funder type",
}
"""The concepts a map can be drawn for: those the actions read by graph_actions name."""


@dataclass(frozen=True)
class GraphActions:
    """The actions of the served graph, their index for maps, and the values each filter can take."""

    names: Names
    actions: list[Action]
    index: MapIndex
    choices: dict[str, tuple[Named, ...]]

    @classmethod
    def read(cls, store: ox.Store) -> GraphActions:
        names = read_names(store)
        actions = read_actions(store, names)
        index = MapIndex(actions, names.spellings)
        choices = {
            item.name: tuple(
                sorted(index.known.get(item.what, ()), key=lambda thing: (thing.label.casefold(), thing.iri))
            )
            for item in FILTERS
        }
        return cls(names, actions, index, choices)


def graph_actions_of(site: Site) -> GraphActions:
    return site.once(GRAPH_ACTIONS, lambda: GraphActions.read(site.store))


def kept(site: Site, key: tuple[object, ...], draw: Callable[[], Drawn]) -> Drawn:
    """A map or its SVG, drawn once per process; the oldest half is dropped when too many are kept."""
    drawn: dict[tuple[object, ...], object] = site.once("maps", dict)
    if key not in drawn:
        if len(drawn) >= KEPT_MAPS:
            for old in list(drawn)[: KEPT_MAPS // 2]:
                drawn.pop(old, None)
        drawn[key] = draw()
    return drawn[key]  # type: ignore[return-value]


def departement_link(lang: str) -> Callable[[str], str]:
    return lambda code: link(f"/departement/{code}", lang)


class Refused(Exception):
    """A query string the map cannot answer, in both languages, with links that would answer."""

    def __init__(self, french: str, english: str, suggestions: list[tuple[str, str]] | None = None) -> None:
        super().__init__(french)
        self.french = french
        self.english = english
        self.suggestions = suggestions or []


def address(lang: str, measure: str, wanted: dict[str, str]) -> str:
    return link("/map", lang, **{"measure": None if measure == "actions" else measure, **wanted})


def refuse_unknown_parameters(request: Request, allowed: tuple[str, ...], page: tuple[str, str]) -> None:
    """A parameter a page does not take is refused, never ignored (`lang` is every page's, unnamed)."""
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        names = ", ".join(name for name in allowed if name != "lang")
        raise Refused(
            f"Paramètre inconnu : « {unknown[0]} ». {page[0]} se règle par : {names}.",
            f"Unknown parameter: “{unknown[0]}”. {page[1]} is set by: {names}.",
        )


def asked(request: Request, data: GraphActions) -> tuple[Measure, dict[str, str]]:
    """The measure and the filters asked for, checked: a parameter that is no filter is refused rather
    than ignored, and a value that names nothing in the graph is refused with the nearest ones."""
    lang = lang_of(request)
    params = request.query_params
    refuse_unknown_parameters(request, PARAMETERS, ("La carte", "The map"))
    measure = params.get("measure", "actions").strip() or "actions"
    wanted = {item.name: params[item.name].strip() for item in FILTERS if params.get(item.name, "").strip()}
    if measure not in MEASURES:
        raise Refused(
            f"Mesure inconnue : « {measure} ». La carte compte : {', '.join(MEASURES)}.",
            f"Unknown measure: “{measure}”. The map counts: {', '.join(MEASURES)}.",
            [(tr(lang, *MEASURE_NAMES[name]), address(lang, name, wanted)) for name in MEASURES],
        )
    for item in FILTERS:
        value = wanted.get(item.name)
        try:
            if value:
                matching(value, set(data.choices[item.name]), data.names.spellings, item.what)
        except UnknownValue:
            near = closest(value, [thing.label for thing in data.choices[item.name]])
            raise Refused(
                f"{item.french} inconnu dans ce graphe : « {value} ».",
                f"{item.english} not in this graph: “{value}”.",
                [(label, address(lang, measure, {**wanted, item.name: label})) for label in near],
            ) from None
    return measure, wanted  # type: ignore[return-value]


def map_page(request: Request) -> Response:
    site, lang = site_of(request), lang_of(request)
    data = graph_actions_of(site)
    try:
        measure, wanted = asked(request, data)
    except Refused as problem:
        typed = {item.name: request.query_params.get(item.name, "") for item in FILTERS}
        context = form_context(data, request.query_params.get("measure", ""), typed, lang)
        return render(request, "site/map.html", {**context, "problem": problem, "drawn": None}, 400)
    narrowing = Narrowing(**wanted)
    drawn = kept(
        site,
        ("map", measure, narrowing),
        lambda: data.index.narrowed_map(measure, narrowing),
    )
    svg = kept(site, ("svg", measure, narrowing, lang), lambda: drawn.svg(lang, departement_link(lang)))
    context = {
        **form_context(data, measure, wanted, lang),
        "problem": None,
        "drawn": drawn,
        "svg": Markup(svg),
        "heading": tr(lang, *WORDS[measure]["heading"]),
        "measure_heading": MEASURE_NAMES[measure],
        "rows": [(departement, drawn.shown(value, lang)) for departement, value in drawn.rows()],
        "gaps": drawn.gaps(),
        "gap_words": tr(lang, *WORDS[measure]["none"]),
    }
    return render(request, "site/map.html", context)


def form_context(data: GraphActions, measure: str, wanted: dict[str, str], lang: str) -> dict[str, object]:
    """The form above the map: the measure and each filter with the values the graph holds."""
    return {
        "measure": measure,
        "measures": [(name, tr(lang, *MEASURE_NAMES[name])) for name in MEASURES],
        "filters": [
            {
                "name": item.name,
                "label": tr(lang, item.french, item.english),
                "value": wanted.get(item.name, ""),
                "choices": [thing.label for thing in data.choices[item.name]],
            }
            for item in FILTERS
        ],
    }


def concept_map_svg(
    site: Site, concept: str, lang: str = "fr", measure: Measure = "actions"
) -> Markup | None:
    """The map of the actions that name one concept (keyword, public, partner type or funder type), as
    markup for a concept page; None for a concept of another scheme, which these actions do not carry."""
    namespace = next((space for space in CONCEPT_SCHEMES if concept.startswith(space)), None)
    if namespace is None:
        return None

    def draw() -> str:
        data = graph_actions_of(site)
        drawn = data.index.concept_map(data.names.named(concept), CONCEPT_SCHEMES[namespace], measure)
        return drawn.svg(lang, departement_link(lang))

    return Markup(kept(site, ("concept", concept, measure, lang), draw))


routes: list[BaseRoute] = [Route("/map", map_page)]
