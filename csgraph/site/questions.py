"""`/questions`: the bundled questions as forms, their answers as tables, `.csv` and `.json` downloads.

A question's answer is what `csgraph query NAME` prints: the same catalogue binds the parameters (an
unknown département is an error naming the nearest, never an empty answer) and the same engine function
(`csgraph.engines.select_oxigraph`) answers, in a query worker under the site's time limit. Answers are
kept per process: the graph does not change while it is served.

The questions answer with labels, not IRIs; a label links to its page when its column names a kind of
thing (`keyword`, `structure`, `departement`…) and exactly one thing of that kind carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from csgraph.answers import saved_answer
from csgraph.catalogue import LISTED_PARAMETERS, StoredQuery, bundled_queries, normalised, parameter_values
from csgraph.charts import bar_chart_svg, numeric_columns
from csgraph.departements import all_departements
from csgraph.engines import select_oxigraph, with_values
from csgraph.errors import CsgraphError, UnknownValue
from csgraph.formatting import euros, tr
from csgraph.names import closest
from csgraph.results import NUMERIC_DATATYPES, Results, Term, render
from csgraph.site.app import NotFound, Site, site_of
from csgraph.site.app import render as render_page
from csgraph.site.i18n import lang_of
from csgraph.site.links import link
from csgraph.site.sparql import ROW_CAP, Cell, failure, in_worker, term_cell
from csgraph.vocabulary import PREFIXES, SCHEME_PREFIXES, Vocabulary, scheme_iri

KEPT_ANSWERS = 256


@dataclass(frozen=True)
class Column:
    """How a page shows a column (or a parameter) of the bundled questions."""

    french: str
    english: str
    kind: str | None = None  # the kind of thing its labels name (a key of LABEL_QUERIES)
    money: bool = False


COLUMNS: dict[str, Column] = {
    "action": Column("Action", "Action", "action"),
    "structure": Column("Structure", "Structure", "structure"),
    "departement": Column("Département", "Département", "departement"),
    "code": Column("Code", "Code", "departement"),
    "keyword": Column("Mot clé", "Keyword", "keyword"),
    "public": Column("Public", "Public", "public"),
    "partner": Column("Type de partenaire", "Partner type", "partner"),
    "other_partner": Column("Autre type de partenaire", "Other partner type", "partner"),
    "dimension": Column("Dimension", "Dimension", "dimension"),
    "territory": Column("Échelle de territoire", "Territory scale", "territory"),
    "initiative": Column("Initiative", "Initiative", "initiative"),
    "status": Column("Statut", "Status", "status"),
    "funder_type": Column("Type de financeur", "Funder type", "funder-type"),
    "funder_types": Column("Types de financeurs", "Funder types"),
    "actions": Column("Actions", "Actions"),
    "structures": Column("Structures", "Structures"),
    "contributions": Column("Contributions", "Contributions"),
    "amount": Column("Montant", "Amount", money=True),
    "budget": Column("Budget", "Budget", money=True),
    "funding": Column("Financements", "Funding", money=True),
    "jointly": Column("Dont avec d'autres financeurs", "Of which with other funders", money=True),
    "share": Column("Part (parts égales)", "Share (equal parts)", money=True),
    "percent": Column("Part (%)", "Share (%)"),
    "people": Column("Personnes", "People"),
    "role": Column("Rôle", "Role"),
    "end_reasons": Column("Raisons de fin (actions)", "End reasons (actions)"),
    "without_reason": Column("Sans raison de fin", "Without end reason"),
    "check": Column("Vérification", "Check"),
    "list": Column("Liste", "List"),
    "value": Column("Valeur", "Value"),
    "source": Column("Source", "Source"),
}

FUNDER_TYPE_SCHEMES = ("partner", "funder-category")  # csg:funderType: a partner type or a funder category


def concept_labels(*schemes: str) -> str:
    """The labels of the concepts of some schemes (scheme IRIs from the vocabulary, checked by Oxigraph)."""
    iris = " ".join(str(ox.NamedNode(scheme_iri(scheme))) for scheme in schemes)
    return (
        f"SELECT ?iri ?label WHERE {{ VALUES ?scheme {{ {iris} }} "
        "?iri skos:inScheme ?scheme ; skos:prefLabel ?label }"
    )


LABEL_QUERIES: dict[str, str] = {
    **{scheme: concept_labels(scheme) for scheme in SCHEME_PREFIXES},
    "funder-type": concept_labels(*FUNDER_TYPE_SCHEMES),
    "structure": "SELECT ?iri ?label WHERE { ?iri a csg:Structure ; skos:prefLabel ?label }",
    "departement": "SELECT ?iri ?label WHERE { ?iri a csg:Departement . "
    "{ ?iri skos:prefLabel ?label } UNION { ?iri skos:notation ?label } }",
    "action": "SELECT ?iri ?label WHERE { ?iri a csg:Action ; dcterms:title ?label }",
}
"""The labels of each kind of thing (the project's prefixes are given to Oxigraph with the query)."""

PRESENT_DEPARTEMENTS = """SELECT DISTINCT ?code ?label
WHERE { ?structure csg:departement ?place . ?place skos:notation ?code ; skos:prefLabel ?label }
ORDER BY ?code"""


def questions_of(site: Site) -> dict[str, StoredQuery]:
    return site.once("questions", lambda: {query.name: query for query in bundled_queries()})


def label_index(site: Site, kind: str) -> dict[str, str | None]:
    """Label → IRI for one kind of thing, once per process; None marks a label that several things carry."""

    def build() -> dict[str, str | None]:
        index: dict[str, str | None] = {}
        for solution in site.store.query(LABEL_QUERIES[kind], prefixes=PREFIXES):
            label, iri = solution["label"].value, solution["iri"].value
            index[label] = iri if index.get(label, iri) == iri else None
        return index

    return site.once(f"labels-{kind}", build)


def present_departements(site: Site) -> list[tuple[str, str]]:
    """(code, name) of the départements that structures of the graph belong to, by code."""

    def build() -> list[tuple[str, str]]:
        return [
            (row["code"].value, row["label"].value)
            for row in site.store.query(PRESENT_DEPARTEMENTS, prefixes=PREFIXES)
        ]

    return site.once("present-departements", build)


def column_label(name: str, lang: str) -> str:
    column = COLUMNS.get(name)
    return tr(lang, column.french, column.english) if column else name


def question_cell(site: Site, term: Term | None, name: str, lang: str) -> Cell:
    """Numbers as `term_cell` shows them, amounts in euros, a label linked to the one thing it names.

    Unlike the SPARQL table, no language tag: every label of the bundled questions is French.
    """
    if term is None or term.type != "literal":
        return term_cell(term, lang)
    column = COLUMNS.get(name)
    if term.datatype in NUMERIC_DATATYPES:
        return (
            Cell(euros(term.value, lang), numeric=True) if column and column.money else term_cell(term, lang)
        )
    iri = label_index(site, column.kind).get(term.value) if column and column.kind else None
    return Cell(term.value, link(iri, lang) if iri else None)


# --- parameters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a question cannot be answered as asked, and the values that would work (label, value)."""

    french: str
    english: str
    parameter: str | None = None  # the parameter whose value the suggestions replace
    suggestions: tuple[tuple[str, str], ...] = ()


def given_values(request: Request, query: StoredQuery) -> tuple[dict[str, str], Problem | None]:
    """The parameters of the address, `lang` aside; an empty value (« tous ») is no value."""
    given: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name == "lang":
            continue
        if name in given:
            return given, Problem(f"« {name} » est donné deux fois.", f"{name!r} is given twice.")
        if value.strip():
            given[name] = value
    return given, None


def near_values(name: str, value: str) -> tuple[tuple[str, str], ...]:
    """What the user may have meant: `Pas-de-Calai` → (`Pas-de-Calais (62)`, `62`)."""
    if name == "departement":
        spellings = {f"{item.name} ({item.code})": item.code for item in all_departements()}
    elif name in LISTED_PARAMETERS:
        scheme = LISTED_PARAMETERS[name][0]
        spellings = {item.label: item.label for item in Vocabulary.load().concepts(scheme) if item.listed}
    else:
        return ()
    return tuple((label, spellings[label]) for label in closest(value, spellings))


def bound_values(query: StoredQuery, given: Mapping[str, str]) -> tuple[dict[str, str], Problem | None]:
    """The values to bind, or the problem: a value naming nothing gets the nearest ones as suggestions."""
    try:
        return parameter_values(query, given), None
    except UnknownValue as error:
        for name, value in given.items():
            try:
                normalised(name, value)
            except UnknownValue:
                label = column_label(name, "fr")
                return {}, Problem(
                    f"Valeur inconnue pour « {label} » : « {value} ». Rien n'est répondu plutôt qu'une "
                    "réponse vide qui aurait l'air vraie.",
                    str(error),
                    name,
                    near_values(name, value),
                )
        return {}, Problem(f"Valeur inconnue : {error}", str(error))
    except CsgraphError as error:
        declared = ", ".join(parameter.name for parameter in query.parameters) or "aucun"
        return {}, Problem(
            f"Paramètre refusé ({error}). Paramètres de cette question : {declared}.", str(error)
        )


def missing(query: StoredQuery, given: Mapping[str, str]) -> list[str]:
    return [
        parameter.name for parameter in query.parameters if parameter.required and parameter.name not in given
    ]


# --- pages ---------------------------------------------------------------------------------------------


async def answer_of(site: Site, query: StoredQuery, values: dict[str, str]) -> Results:
    """The answer saved by the build, or from a query worker the first time; kept afterwards."""
    answers: dict[tuple[object, ...], Results] = site.once("question-answers", dict)
    key = (query.name, *sorted(values.items()))
    if key not in answers:
        if len(answers) >= KEPT_ANSWERS:
            answers.pop(next(iter(answers)), None)
        saved = await run_in_threadpool(saved_answer, site.graph, with_values(query, values))
        answers[key] = saved or await in_worker(site, select_oxigraph, query, values)
    return answers[key]


def question_list(request: Request) -> Response:
    queries = sorted(questions_of(site_of(request)).values(), key=lambda query: query.name)
    return render_page(request, "site/questions.html", {"queries": queries})


def unknown_question(site: Site, name: str) -> NotFound:
    queries = questions_of(site)
    near = closest(name, queries)
    return NotFound(
        f"Aucune question ne s'appelle « {name} ».",
        [(queries[item].title, f"/questions/{item}") for item in near] or [("Questions", "/questions")],
    )


async def question(request: Request) -> Response:
    site = site_of(request)
    name, dot, suffix = request.path_params["name"].partition(".")
    query = questions_of(site).get(name)
    if query is None or (dot and suffix not in ("csv", "json")):
        raise unknown_question(site, request.path_params["name"])
    given, problem = given_values(request, query)
    values: dict[str, str] = {}
    needed = missing(query, given)
    if problem is None and not needed:
        values, problem = bound_values(query, given)
    if suffix:
        return await download(request, query, values, problem or needed_problem(needed), suffix)
    results: Results | None = None
    status = 200
    if problem is not None:
        status = 400
    elif not needed:
        try:
            results = await answer_of(site, query, values)
        except (CsgraphError, OSError) as error:
            status, french, english = failure(error, site)
            problem = Problem(french, english)
    return render_page(
        request, "site/question.html", page_context(request, query, given, values, results, problem), status
    )


def needed_problem(needed: list[str]) -> Problem | None:
    if not needed:
        return None
    names = ", ".join(needed)
    return Problem(f"Paramètre requis : {names}.", f"Required parameter: {names}.")


async def download(
    request: Request, query: StoredQuery, values: dict[str, str], problem: Problem | None, suffix: str
) -> Response:
    site = site_of(request)
    lang = lang_of(request)
    if problem is None:
        try:
            results = await answer_of(site, query, values)
        except (CsgraphError, OSError) as error:
            status, french, english = failure(error, site)
            return PlainTextResponse(tr(lang, french, english) + "\n", status_code=status)
    else:
        hint = ", ".join(label for label, _ in problem.suggestions)
        suggestion = tr(lang, f" Vouliez-vous dire : {hint} ?", f" Did you mean: {hint}?") if hint else ""
        return PlainTextResponse(
            tr(lang, problem.french, problem.english) + suggestion + "\n", status_code=400
        )
    disposition = {"Content-Disposition": f'attachment; filename="{query.name}.{suffix}"'}
    if suffix == "csv":
        return Response(
            render(results, "spreadsheet"), media_type="text/csv; charset=utf-8", headers=disposition
        )
    return Response(
        render(results, "json"), media_type="application/sparql-results+json", headers=disposition
    )


def chart_of(query: StoredQuery, results: Results | None, lang: str) -> Markup | None:
    """Bars of the answer's first numeric column, drawn here as SVG (no script), for answers that have one."""
    if not results or not results.rows or not numeric_columns(results):
        return None
    return Markup(bar_chart_svg(results, query, lang=lang))  # built as XML elements: every label escaped


def page_context(
    request: Request,
    query: StoredQuery,
    given: Mapping[str, str],
    values: Mapping[str, str],
    results: Results | None,
    problem: Problem | None,
) -> dict[str, object]:
    site = site_of(request)
    lang = lang_of(request)
    shown = results.rows[:ROW_CAP] if results else ()
    variables = results.variables if results else ()
    rows = [
        [question_cell(site, term, column, lang) for term, column in zip(row, variables, strict=True)]
        for row in shown
    ]
    present = present_departements(site)
    absent = "departement" in values and values["departement"] not in {code for code, _ in present}
    fields = [
        {
            "name": parameter.name,
            "label": column_label(parameter.name, lang),
            "value": given.get(parameter.name, ""),
            "optional": not parameter.required,
            "default": parameter.default,
            "choices": present if parameter.name == "departement" else None,
        }
        for parameter in query.parameters
    ]
    suggestions = (
        [
            (label, link(f"/questions/{query.name}", lang, **{**given, problem.parameter: value}))
            for label, value in problem.suggestions
            if problem.parameter
        ]
        if problem
        else []
    )
    return {
        "query": query,
        "fields": fields,
        "problem": problem,
        "suggestions": suggestions,
        "needed": missing(query, given),
        "absent": absent,
        "columns": [column_label(name, lang) for name in variables],
        "rows": rows,
        "total": len(results.rows) if results else 0,
        "results": results,
        "chart": chart_of(query, results, lang),
        "downloads": [
            (suffix.upper(), link(f"/questions/{query.name}.{suffix}", lang, **given))
            for suffix in ("csv", "json")
        ],
        "sparql": link("/sparql", lang, query=with_values(query, values)) if not problem else None,
    }


routes: list[BaseRoute] = [
    Route("/questions", question_list, name="questions"),
    Route("/questions/{name}", question, name="question"),
]
