"""The coverage questions of queries/*.rq: answers checked against counts made in Python from the parsed
fiches, the same rows from Oxigraph and from plain rdflib, bound parameters, output formats, endpoints."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import combinations, product
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from csgraph.build import build
from csgraph.catalogue import bundled_queries, find_query, parameter_values, parse_assignments, parse_query
from csgraph.cli import app
from csgraph.engines import (
    load_rdflib,
    run_query,
    select_endpoint,
    select_oxigraph,
    select_rdflib,
    with_values,
)
from csgraph.errors import InputError, QueryError, RemoteError, UnknownValue
from csgraph.fiches import read_fiches
from csgraph.model import Fiche, Funding
from csgraph.results import NUMERIC_DATATYPES, XSD, Results, Term, render
from csgraph.store import open_graph
from csgraph.terminal import results_table
from csgraph.vocabulary import Vocabulary
from tests.conftest import ROOT

Row = tuple[object, ...]
HOSTILE = 'Pas-de-Calais" } UNION { ?s ?p ?o } #'
CATEGORIES = ("Usagers", "Autofinancement")  # funder types that are not partner types
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# Two fiches written for the edges the sample lacks: values outside the published lists, a département
# other than 62, an action without structure, a title that looks like markup.
HOSTILE_FICHES = """Les actions des centres sociaux
Actions "Jardin [bold]partagé[/bold] </script>"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Dimension
- Services
- Mots clés associés à l'action
-
- Jardinage
- Environnement
- Résumé
Un jardin.
- Structure organisatrice
- CENTRE SOCIAL DU TEST - Nord
RAISON D'ETRE DE L' ACTION
- Qui est à l'initiative de l'action ?
-
- Le centre social
METHODOLOGIE DE L' ACTION
- Public
- Étudiants
- Avec qui cette action a-t-elle été menée ?
-
Partenaires d'action:
- Caf
- Banque du quartier
- Territoire concerné
- Un quartier
- Ressources financières mobilisées pour cette action
CAF : 1 000 €
AUTO-EVALUATION DE L’ACTION
FICHIERS ASSOCIES
- Fichier(s) associé(s)
Actions "Sans structure"
DESCRIPTION DE L'ACTION
- Statut de l'action
- Terminée
- Mots clés associés à l'action
-
- Logement
- Résumé
Une action sans structure.
METHODOLOGIE DE L' ACTION
- Public
- Seniors
AUTO-EVALUATION DE L’ACTION
FICHIERS ASSOCIES
- Fichier(s) associé(s)
"""


# --- helpers -------------------------------------------------------------------------------------------


def label(scheme: str, value: str) -> str:
    """The concept label a fiche value stands for (`CAF` → `Caf`)."""
    return Vocabulary.load().lookup(scheme, value).label


def funder_label(funder_type: str) -> str:
    return label("funder-category" if funder_type in CATEGORIES else "partner", funder_type)


def listed(scheme: str) -> list[str]:
    return [concept.label for concept in Vocabulary.load().concepts(scheme)]


def labels(fiche: Fiche, attribute: str, scheme: str) -> set[str]:
    values = getattr(fiche, attribute)
    return {label(scheme, value) for value in ((values,) if isinstance(values, str) else values or ())}


def python_value(term: Term | None) -> object:
    if term is None:
        return None
    return Decimal(term.value) if term.datatype in NUMERIC_DATATYPES else term.value


def rows_of(results: Results) -> list[Row]:
    return [tuple(python_value(term) for term in row) for row in results.rows]


def structure_key(fiche: Fiche) -> tuple[str, str | None]:
    return (fiche.structure or "", fiche.departement_code)


@pytest.fixture(scope="module")
def engines(sample_graph: Path) -> tuple[ox.Store, object]:
    return open_graph(sample_graph), load_rdflib(sample_graph)


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Fiche]]:
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "hostile.txt"
    source.write_text(HOSTILE_FICHES, encoding="utf-8")
    report = build([source], folder / "out")
    return report.graph, list(read_fiches([source], []))


@pytest.fixture(scope="module")
def hostile_engines(hostile_graph: tuple[Path, list[Fiche]]) -> tuple[ox.Store, object]:
    return open_graph(hostile_graph[0]), load_rdflib(hostile_graph[0])


def load_empty_rdflib() -> object:
    import rdflib

    return rdflib.Graph()


def ask(engines: tuple[ox.Store, object], name: str, **parameters: str) -> list[Row]:
    """The rows of a bundled question, after checking that Oxigraph and rdflib agree on them."""
    store, graph = engines
    query = find_query(name)
    values = parameter_values(query, parameters)
    answer = select_oxigraph(store, query, values)
    assert select_rdflib(graph, query, values) == answer
    return rows_of(answer)


# --- expected answers, counted from the parsed fiches --------------------------------------------------


def counts_per_concept(attribute: str, scheme: str) -> Callable[[list[Fiche]], list[Row]]:
    def expected(fiches: list[Fiche]) -> list[Row]:
        counts = Counter(name for fiche in fiches for name in labels(fiche, attribute, scheme))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))

    return expected


def actions_per_departement(fiches: list[Fiche]) -> list[Row]:
    structures: defaultdict[tuple[str, str], set] = defaultdict(set)
    actions: Counter[tuple[str, str]] = Counter()
    for fiche in fiches:
        if fiche.structure and fiche.departement_code:
            place = (fiche.departement or "", fiche.departement_code)
            structures[place].add(structure_key(fiche))
            actions[place] += 1
    rows = [(*place, len(structures[place]), actions[place]) for place in structures]
    return sorted(rows, key=lambda row: (-row[3], row[1]))


def actions_per_structure(fiches: list[Fiche]) -> list[Row]:
    counts = Counter(structure_key(fiche) for fiche in fiches if fiche.structure)
    return sorted(((*key, n) for key, n in counts.items()), key=lambda row: (-row[2], row[0].lower(), row[1]))


def publics_per_keyword(fiches: list[Fiche]) -> list[Row]:
    pairs = Counter(
        (keyword, public)
        for fiche in fiches
        for keyword in labels(fiche, "keywords", "keyword")
        for public in labels(fiche, "publics", "public")
    )
    rows = [(*pair, n) for pair, n in pairs.items()]
    return sorted(rows, key=lambda row: (row[0].lower(), -row[2], row[1].lower()))


def without_action(attribute: str, scheme: str, code: str | None) -> Callable[[list[Fiche]], list[Row]]:
    def expected(fiches: list[Fiche]) -> list[Row]:
        covered = {
            name
            for fiche in fiches
            if code is None or fiche.departement_code == code
            for name in labels(fiche, attribute, scheme)
        }
        return [(name,) for name in sorted(set(listed(scheme)) - covered, key=str.lower)]

    return expected


def actions_in_departement(code: str) -> Callable[[list[Fiche]], list[Row]]:
    def expected(fiches: list[Fiche]) -> list[Row]:
        rows = [
            (
                fiche.structure,
                fiche.title,
                fiche.status and label("status", fiche.status),
                fiche.dimension and label("dimension", fiche.dimension),
                f"{fiche.source.file}:{fiche.source.line}",
            )
            for fiche in fiches
            if fiche.structure and fiche.departement_code == code
        ]
        return sorted(rows, key=lambda row: (row[0].lower(), (row[1] or "").lower(), row[4]))

    return expected


def partners_per_structure(fiches: list[Fiche]) -> list[Row]:
    counts = Counter(
        (*structure_key(fiche), partner)
        for fiche in fiches
        if fiche.structure
        for partner in labels(fiche, "partners", "partner")
    )
    rows = [(*key, n) for key, n in counts.items()]
    return sorted(rows, key=lambda row: (row[0].lower(), row[1], -row[3], row[2].lower()))


def structures_per_partner(fiches: list[Fiche]) -> list[Row]:
    structures: defaultdict[str, set] = defaultdict(set)
    actions: Counter[str] = Counter()
    for fiche in fiches:
        for partner in labels(fiche, "partners", "partner"):
            structures[partner].add(structure_key(fiche))
            actions[partner] += 1
    rows = [(partner, len(structures[partner]), actions[partner]) for partner in structures]
    return sorted(rows, key=lambda row: (-row[1], -row[2], row[0].lower()))


def co_partners(fiches: list[Fiche]) -> list[Row]:
    """Pairs as the graph orders them: by concept IRI."""
    vocabulary = Vocabulary.load()
    pairs: Counter[tuple[str, str]] = Counter()
    for fiche in fiches:
        concepts = sorted(
            {vocabulary.lookup("partner", value) for value in fiche.partners}, key=lambda c: c.iri
        )
        pairs.update((first.label, second.label) for first, second in combinations(concepts, 2))
    rows = [(*pair, n) for pair, n in pairs.items()]
    return sorted(rows, key=lambda row: (-row[2], row[0].lower(), row[1].lower()))


def structures_without_partner(fiches: list[Fiche]) -> list[Row]:
    actions = Counter(structure_key(fiche) for fiche in fiches if fiche.structure)
    partnered = {structure_key(fiche) for fiche in fiches if fiche.partners}
    rows = [(*key, n) for key, n in actions.items() if key not in partnered]
    return sorted(rows, key=lambda row: (row[0].lower(), row[1]))


def funder_types(funding: Funding) -> list[str | None]:
    """The funder type labels a contribution names, each once; [None] when it names no known type."""
    return sorted({funder_label(funder.type) for funder in funding.funders if funder.type}) or [None]


def cents(value: Decimal) -> Decimal:
    """SPARQL's ROUND(100 * x) / 100 on amounts (halves go up), as a value: `2783.33`, `100`."""
    return ((value * 100).quantize(Decimal(1), ROUND_HALF_UP) / 100).normalize()


def funding_per_funder_type(fiches: list[Fiche]) -> list[Row]:
    grants: Counter[str | None] = Counter()
    actions: defaultdict[str | None, set[int]] = defaultdict(set)
    amounts: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    jointly: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    shares: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    for index, fiche in enumerate(fiches):
        for funding in fiche.money.funding:
            kinds = funder_types(funding)
            for kind in kinds:
                grants[kind] += 1
                actions[kind].add(index)
                amounts[kind] += funding.amount
                jointly[kind] += funding.amount if len(kinds) > 1 else 0
                shares[kind] += funding.amount / len(kinds)
    rows = [
        (kind, grants[kind], len(actions[kind]), amounts[kind], jointly[kind], cents(shares[kind]))
        for kind in grants
    ]
    return sorted(rows, key=lambda row: (-row[3], (row[0] or "").lower()))


def budget(fiche: Fiche) -> Decimal | None:
    """The README's budget: the stated total, else the sum of the stated expenses, else none."""
    if fiche.money.budget_total is not None:
        return fiche.money.budget_total
    expenses = [expense.amount for expense in fiche.money.expenses]
    return sum(expenses, Decimal(0)) if expenses else None


def funding_per_keyword(fiches: list[Fiche]) -> list[Row]:
    actions: Counter[str] = Counter()
    budgets: dict[str, Decimal] = {}
    funded: dict[str, Decimal] = {}
    for fiche in fiches:
        for keyword in labels(fiche, "keywords", "keyword"):
            actions[keyword] += 1
            cost = budget(fiche)
            if cost is not None:
                budgets[keyword] = budgets.get(keyword, Decimal(0)) + cost
            for funding in fiche.money.funding:
                funded[keyword] = funded.get(keyword, Decimal(0)) + funding.amount
    rows = [(keyword, n, budgets.get(keyword), funded.get(keyword)) for keyword, n in actions.items()]
    return sorted(rows, key=lambda row: (-(row[2] or 0), -row[1], row[0].lower()))


def funders_per_keyword(fiches: list[Fiche]) -> list[Row]:
    actions: defaultdict[tuple[str, str | None], set[int]] = defaultdict(set)
    amounts: defaultdict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    jointly: defaultdict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    shares: defaultdict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for index, fiche in enumerate(fiches):
        keywords = labels(fiche, "keywords", "keyword")
        for funding in fiche.money.funding:
            kinds = funder_types(funding)
            for keyword, kind in product(keywords, kinds):
                actions[keyword, kind].add(index)
                amounts[keyword, kind] += funding.amount
                jointly[keyword, kind] += funding.amount if len(kinds) > 1 else 0
                shares[keyword, kind] += funding.amount / (len(keywords) * len(kinds))
    rows = [(*key, len(actions[key]), amounts[key], jointly[key], cents(shares[key])) for key in actions]
    return sorted(rows, key=lambda row: (row[0].lower(), -row[3], (row[1] or "").lower()))


def multi_funded_actions(fiches: list[Fiche]) -> list[Row]:
    rows = []
    for fiche in fiches:
        kinds = {kind for funding in fiche.money.funding for kind in funder_types(funding) if kind}
        if len(kinds) >= 2:
            amount = sum((funding.amount for funding in fiche.money.funding), Decimal(0))
            rows.append((fiche.title, fiche.structure, len(kinds), len(fiche.money.funding), amount))
    return sorted(rows, key=lambda row: (-row[2], -row[4], (row[0] or "").lower()))


def initiative_share(fiches: list[Fiche]) -> list[Row]:
    counts = Counter(name for fiche in fiches for name in labels(fiche, "initiatives", "initiative"))

    def percent(n: int) -> Decimal:
        return (Decimal(1000 * n) / len(fiches)).quantize(Decimal(1), ROUND_HALF_UP) / 10

    rows = [(name, n, percent(n)) for name, n in counts.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0].lower()))


def status_and_end_reasons(fiches: list[Fiche]) -> list[Row]:
    """One row per status: its actions, those without an end reason, and the reasons with their counts."""
    by_status: defaultdict[str, list[Fiche]] = defaultdict(list)
    for fiche in fiches:
        if fiche.status:
            by_status[label("status", fiche.status)].append(fiche)
    rows = []
    for status, found in by_status.items():
        reasons = Counter(fiche.end_reason for fiche in found if fiche.end_reason)
        ordered = sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0].lower(), pair[0]))
        listed = "; ".join(f"{reason} ({n})" for reason, n in ordered) or None
        rows.append((status, Decimal(len(found)), Decimal(len(found) - sum(reasons.values())), listed))
    return sorted(rows, key=lambda row: (-row[1], row[0].lower()))


def people_per_structure(fiches: list[Fiche]) -> list[Row]:
    people: defaultdict[tuple, Decimal] = defaultdict(Decimal)
    actions: defaultdict[tuple, set[int]] = defaultdict(set)
    for index, fiche in enumerate(fiches):
        for count in fiche.money.people if fiche.structure else ():
            key = (*structure_key(fiche), count.role)
            people[key] += count.count
            actions[key].add(index)
    rows = [(*key, people[key], len(actions[key])) for key in people]
    return sorted(rows, key=lambda row: (row[0].lower(), row[1], -row[3], row[2]))


CONCEPT_FIELDS = (
    ("status", "status"),
    ("dimension", "dimension"),
    ("keywords", "keyword"),
    ("initiatives", "initiative"),
    ("publics", "public"),
    ("territories", "territory"),
    ("partners", "partner"),
    ("themes", "theme"),
)


def unlisted(fiche: Fiche) -> list[tuple[str, str]]:
    """(scheme, value) of every value of the fiche that the published lists lack."""
    vocabulary = Vocabulary.load()
    found = []
    for attribute, scheme in CONCEPT_FIELDS:
        values = getattr(fiche, attribute)
        for value in (values,) if isinstance(values, str) else values or ():
            concept = vocabulary.lookup(scheme, value)
            if not concept.listed:
                found.append((scheme, concept.label))
    for funder in (funder for funding in fiche.money.funding for funder in funding.funders):
        if funder.type:
            scheme = "funder-category" if funder.type in CATEGORIES else "partner"
            concept = vocabulary.lookup(scheme, funder.type)
            if not concept.listed:
                found.append((scheme, concept.label))
    return found


SCHEME_TITLES = {"keyword": "Mots clés", "public": "Public", "partner": "Types de partenaires"}


def unlisted_values(fiches: list[Fiche]) -> list[Row]:
    counts = Counter(pair for fiche in fiches for pair in set(unlisted(fiche)))
    rows = [(SCHEME_TITLES[scheme], value, n) for (scheme, value), n in counts.items()]
    return sorted(rows, key=lambda row: (row[0].lower(), -row[2], row[1].lower()))


DATA_CHECKS: dict[str, Callable[[Fiche], bool]] = {
    "no organising structure": lambda fiche: not fiche.structure,
    "no département": lambda fiche: not (fiche.structure and fiche.departement_code),
    "no status": lambda fiche: not fiche.status,
    "no dimension": lambda fiche: not fiche.dimension,
    "no keyword": lambda fiche: not fiche.keywords,
    "no initiator": lambda fiche: not fiche.initiatives,
    "no public": lambda fiche: not fiche.publics,
    "no territory": lambda fiche: not fiche.territories,
    "no partner type": lambda fiche: not fiche.partners,
    "no year": lambda fiche: not fiche.year,
    "no budget (total or expenses)": lambda fiche: budget(fiche) is None,
    "no contribution": lambda fiche: not fiche.money.funding,
    "contribution from an unnamed funder": lambda fiche: any(not f.funders for f in fiche.money.funding),
    "no money at all": lambda fiche: budget(fiche) is None and not fiche.money.funding,
    "amounts that do not add up": lambda fiche: bool(fiche.money.flags),
    "no people figures": lambda fiche: not fiche.money.people,
    "cut-off fiche": lambda fiche: fiche.truncated,
    "value outside the published lists": lambda fiche: bool(unlisted(fiche)),
}


def data_quality(fiches: list[Fiche]) -> list[Row]:
    rows = [(check, sum(map(test, fiches))) for check, test in DATA_CHECKS.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


# Every bundled question, with the parameters it is asked with on the sample and its expected answer.
EXPECTED: dict[str, tuple[dict[str, str], Callable[[list[Fiche]], list[Row]]]] = {
    "actions-per-keyword": ({}, counts_per_concept("keywords", "keyword")),
    "actions-per-dimension": ({}, counts_per_concept("dimension", "dimension")),
    "actions-per-public": ({}, counts_per_concept("publics", "public")),
    "actions-per-territory": ({}, counts_per_concept("territories", "territory")),
    "actions-per-departement": ({}, actions_per_departement),
    "actions-per-structure": ({}, actions_per_structure),
    "publics-per-keyword": ({}, publics_per_keyword),
    "keywords-without-action": (
        {"departement": "Pas-de-Calais"},
        without_action("keywords", "keyword", "62"),
    ),
    "publics-without-action": ({"departement": "62"}, without_action("publics", "public", "62")),
    "actions-in-departement": ({"departement": "62"}, actions_in_departement("62")),
    "partners-per-structure": ({}, partners_per_structure),
    "structures-per-partner": ({}, structures_per_partner),
    "co-partners": ({}, co_partners),
    "structures-without-partner": ({}, structures_without_partner),
    "funding-per-funder-type": ({}, funding_per_funder_type),
    "funding-per-keyword": ({}, funding_per_keyword),
    "funders-per-keyword": ({}, funders_per_keyword),
    "multi-funded-actions": ({}, multi_funded_actions),
    "initiative-share": ({}, initiative_share),
    "status-and-end-reasons": ({}, status_and_end_reasons),
    "people-per-structure": ({}, people_per_structure),
    "unlisted-values": ({}, unlisted_values),
    "data-quality": ({}, data_quality),
    # Fiches alone give no structure page nor declared grant: every structure lacks its page
    # (tests/test_organisations.py asks these questions of a build with pages and grants files).
    "structures-without-page": ({}, actions_per_structure),
    "pages-without-actions": ({}, lambda fiches: []),
    "structures-in-priority-areas": ({}, lambda fiches: []),
    "actions-per-management-mode": ({}, lambda fiches: []),
    "declared-grants-per-structure": ({}, lambda fiches: []),
    "funders-by-declared-amount": ({}, lambda fiches: []),
}


# --- the questions on the sample -----------------------------------------------------------------------


def test_sample_fiches_are_distinct_actions(sample_fiches: list[Fiche]) -> None:
    """The expectations count one action per fiche; true only while no fiche repeats another."""
    assert len({(fiche.title, fiche.structure) for fiche in sample_fiches}) == len(sample_fiches) == 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_answer_on_the_sample(name: str, engines: tuple, sample_fiches: list[Fiche]) -> None:
    parameters, expected = EXPECTED[name]
    assert ask(engines, name, **parameters) == expected(sample_fiches)


def test_actions_per_keyword_reads_as_the_fiches_say(engines: tuple) -> None:
    rows = ask(engines, "actions-per-keyword")
    assert rows[:2] == [("éducation / scolarité", 7), ("Emploi, économie", 6)]


def test_gaps_in_pas_de_calais(engines: tuple) -> None:
    gaps = [row[0] for row in ask(engines, "keywords-without-action", departement="62")]
    assert {"Environnement", "développement durable"} <= set(gaps)
    assert "éducation / scolarité" not in gaps
    assert ask(engines, "publics-without-action", departement="Pas-de-Calais") == []


@pytest.mark.parametrize(
    "spelling", ["62", "Pas-de-Calais", "pas de calais", "PAS-DE-CALAIS", "Pas-de-Calais (62)"]
)
def test_a_departement_is_named_or_coded(spelling: str, engines: tuple, sample_fiches: list[Fiche]) -> None:
    assert ask(engines, "actions-in-departement", departement=spelling) == actions_in_departement("62")(
        sample_fiches
    )


def test_other_departements_have_nothing(engines: tuple) -> None:
    assert ask(engines, "actions-in-departement", departement="Nord") == []
    assert [row[0] for row in ask(engines, "keywords-without-action", departement="59")] == sorted(
        listed("keyword"), key=str.lower
    )


def test_optional_departement_left_out_means_every_action(engines: tuple, sample_fiches: list[Fiche]) -> None:
    assert ask(engines, "keywords-without-action") == without_action("keywords", "keyword", None)(
        sample_fiches
    )


# --- a graph with what the sample lacks ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_answer_on_hostile_fiches(name: str, hostile_engines: tuple, hostile_graph: tuple) -> None:
    parameters, expected = EXPECTED[name]
    assert ask(hostile_engines, name, **parameters) == expected(hostile_graph[1])


def test_unlisted_values_are_found(hostile_engines: tuple) -> None:
    rows = ask(hostile_engines, "unlisted-values")
    assert rows == [
        ("Mots clés", "Jardinage", 1),
        ("Public", "Étudiants", 1),
        ("Types de partenaires", "Banque du quartier", 1),
    ]


def test_without_action_per_departement(hostile_engines: tuple, hostile_graph: tuple) -> None:
    """`Logement` belongs to an action without structure: covered overall, by no département."""
    fiches = hostile_graph[1]
    for code in (None, "59", "62"):
        parameters = {"departement": code} if code else {}
        gaps = ask(hostile_engines, "keywords-without-action", **parameters)
        assert gaps == without_action("keywords", "keyword", code)(fiches)
        assert (("Logement",) in gaps) is (code is not None)
        assert (("Environnement",) in gaps) is (code == "62")
    assert ask(hostile_engines, "publics-without-action", departement="Nord") == without_action(
        "publics", "public", "59"
    )(fiches)


# --- parameters are bound, never pasted ----------------------------------------------------------------


def test_injection_is_an_unknown_departement(engines: tuple) -> None:
    with pytest.raises(UnknownValue, match="did you mean Pas-de-Calais \\(62\\)"):
        ask(engines, "actions-in-departement", departement=HOSTILE)


def test_injection_bound_as_a_literal_matches_nothing(engines: tuple) -> None:
    """Past the resolver (a user's own query binds any text), the value is still one literal."""
    store, graph = engines
    for name in ("actions-in-departement", "keywords-without-action"):
        query = find_query(name)
        answer = select_oxigraph(store, query, {"departement": HOSTILE})
        assert select_rdflib(graph, query, {"departement": HOSTILE}) == answer
        if name == "actions-in-departement":
            assert answer.rows == ()


@pytest.mark.parametrize(
    ("name", "value", "near"),
    [
        ("keywords-without-action", "Pas-de-Calai", "Pas-de-Calais (62)"),
        ("actions-in-departement", "Nord (62)", "Nord is département 59"),
        ("publics-without-action", "Seine", "Seine-Maritime (76)"),
    ],
)
def test_unknown_departement_is_an_error_with_near_matches(name: str, value: str, near: str) -> None:
    """A typo used to answer that all 26 keywords were uncovered, with exit 0."""
    result = CliRunner().invoke(app, ["query", name, "-p", f"departement={value}"])
    assert result.exit_code == 2
    assert near in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("parameter", "value", "bound"),
    [
        ("keyword", "vieillissement", "Viellissement"),
        ("public", "FAMILLES", "familles"),
        ("partner", "CAF", "Caf"),
    ],
)
def test_list_parameters_are_resolved_to_their_label(parameter: str, value: str, bound: str) -> None:
    query = parse_query(
        f"# param: {parameter} — a value\nSELECT ?x WHERE {{ BIND(?{parameter} AS ?x) }}\n", "q", "q.rq"
    )
    assert parameter_values(query, {parameter: value}) == {parameter: bound}
    with pytest.raises(UnknownValue, match="no "):
        parameter_values(query, {parameter: value + "zz-no-such"})


HOSTILE_ECHO = parse_query(
    "# param: place — free text\nSELECT ?d WHERE { BIND(STR(?place) AS ?d) }\n", "e", "e.rq"
)
"""A free-text parameter in a query of the user's own, to check what an endpoint receives."""

ECHO = parse_query(
    "# param: value — any text\nSELECT ?echo WHERE { BIND(?value AS ?echo) }\n", "echo", "echo.rq"
)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_value_arrives_as_one_literal(value: str) -> None:
    """Quotes, backslashes, `\\u0022`, newlines, braces, `#`: the value comes back unchanged, on both."""
    expected = Results(("echo",), ((Term("literal", value),),))
    assert select_oxigraph(ox.Store(), ECHO, {"value": value}) == expected
    assert select_rdflib(load_empty_rdflib(), ECHO, {"value": value}) == expected


def test_values_block_skips_comments_strings_and_iris() -> None:
    query = parse_query(
        "# a comment {\nPREFIX ex: <http://example.org/a#>\n"
        'SELECT (CONCAT("{", ?d) AS ?x) # {\nWHERE { ?s ?p ?d }\n',
        "q",
        "q.rq",
    )
    text = with_values(query, {"d": 'x" } #'})
    assert text.splitlines()[3] == 'WHERE { VALUES ?d { "x\\" } #" } ?s ?p ?d }'
    assert len(text.splitlines()) == len(query.text.splitlines())


def test_unknown_and_missing_parameters() -> None:
    with pytest.raises(QueryError, match="unknown parameter 'departemnt'; it takes departement"):
        parameter_values(find_query("actions-in-departement"), {"departemnt": "62"})
    with pytest.raises(QueryError, match="'departement' is required"):
        parameter_values(find_query("actions-in-departement"), {})
    with pytest.raises(QueryError, match="it takes none"):
        parameter_values(find_query("actions-per-keyword"), {"departement": "62"})
    assert parse_assignments(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    for bad in (["a"], ["=1"], ["a=1", "a=2"]):
        with pytest.raises(QueryError):
            parse_assignments(bad)


def test_parameter_defaults_and_header_errors() -> None:
    query = parse_query("# param: code = 62 — a code\nSELECT ?x WHERE { BIND(?code AS ?x) }", "q", "q.rq")
    assert parameter_values(query, {}) == {"code": "62"}
    assert str(query.parameters[0]) == "code = 62"
    bad_headers = [
        "# param: code\nSELECT ?code WHERE {}",
        "# param: other — not used\nSELECT ?x WHERE {}",
        "# title: a\n# title: b\nSELECT ?x WHERE {}",
        "# param: x — one\n# param: x — two\nSELECT ?x WHERE {}",
    ]
    for text in bad_headers:
        with pytest.raises(QueryError):
            parse_query(text, "q", "q.rq")


def test_ask_queries_give_no_rows() -> None:
    query = parse_query("ASK { ?s ?p ?o }", "q", "q.rq")
    with pytest.raises(
        QueryError, match=r"^q\.rq: only SELECT, DESCRIBE and CONSTRUCT queries give rows, not ASK$"
    ):
        select_oxigraph(ox.Store(), query, {})
    with pytest.raises(QueryError, match="only SELECT"):
        select_rdflib(load_empty_rdflib(), query, {})


def test_syntax_errors_say_where() -> None:
    """Oxigraph alone would point at the end of the query; the message points at the bad clause."""
    query = parse_query("# title: broken\nSELECT ?s\nWHERE { ?s ?p ?o ) }\n\n# end\n", "broken", "broken.rq")
    message = "broken.rq:3:18: SPARQL syntax error near `) }`"
    with pytest.raises(QueryError, match=f"^{re.escape(message)}$"):
        select_oxigraph(ox.Store(), query, {})
    with pytest.raises(QueryError, match=f"^{re.escape(message)}$"):
        select_rdflib(load_empty_rdflib(), query, {})
    unknown_prefix = parse_query("SELECT ?s WHERE {\n  ?s ex:p ?o }", "prefix", "prefix.rq")
    with pytest.raises(QueryError, match=r"^prefix\.rq:2:\d+: SPARQL syntax error"):
        select_oxigraph(ox.Store(), unknown_prefix, {})


# --- the library of questions --------------------------------------------------------------------------


def test_every_query_has_a_header_and_a_test(engines: tuple) -> None:
    """Each file says what it asks, in both languages, names the columns it gives, and is tested above."""
    bundled = bundled_queries()
    assert {query.name for query in bundled} == set(EXPECTED)
    store, _ = engines
    for query in bundled:
        assert query.title != query.name and query.description_fr and query.description_en, query.name
        assert query.title_fr not in ("", query.title, query.name), query.name
        values = parameter_values(query, EXPECTED[query.name][0])
        assert select_oxigraph(store, query, values).variables == query.columns, query.name


def test_every_query_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if "## Questions" not in readme:
        pytest.skip("README.md has no `## Questions` section yet")
    section = readme.split("## Questions", 1)[1].split("\n## ", 1)[0]
    assert [query.name for query in bundled_queries() if f"`{query.name}`" not in section] == []


def test_find_query_by_name_or_file(tmp_path: Path) -> None:
    assert find_query("co-partners").name == "co-partners"
    with pytest.raises(QueryError, match="did you mean actions-per-keyword"):
        find_query("actions-per-keywords")
    with pytest.raises(QueryError, match="no such query file"):
        find_query(str(tmp_path / "missing.rq"))
    own = tmp_path / "mine.rq"
    own.write_text("SELECT ?s WHERE { ?s a ?type } LIMIT 1\n", encoding="utf-8")
    assert (find_query(str(own)).name, find_query(str(own)).title) == ("mine", "mine")


# --- output formats ------------------------------------------------------------------------------------

RESULTS = Results(
    ("name", "count", "link"),
    (
        (Term("literal", 'Emploi, "économie"\n', "fr"), Term("literal", "6", None, XSD_INTEGER), None),
        (
            Term("literal", "a\tb"),
            Term("literal", "2.5", None, XSD + "decimal"),
            Term("uri", "http://e/x"),
        ),
    ),
)


def test_csv_is_rfc_4180() -> None:
    text = render(RESULTS, "csv")
    assert text.startswith("name,count,link\r\n")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["name", "count", "link"],
        ['Emploi, "économie"\n', "6", ""],
        ["a\tb", "2.5", "http://e/x"],
    ]


def test_tsv_keeps_rdf_terms() -> None:
    assert render(RESULTS, "tsv") == (
        '?name\t?count\t?link\n"Emploi, \\"économie\\"\\n"@fr\t6\t\n"a\\tb"\t2.5\t<http://e/x>\n'
    )


def test_json_is_the_w3c_shape() -> None:
    assert json.loads(render(RESULTS, "json")) == {
        "head": {"vars": ["name", "count", "link"]},
        "results": {
            "bindings": [
                {
                    "name": {"type": "literal", "value": 'Emploi, "économie"\n', "xml:lang": "fr"},
                    "count": {"type": "literal", "value": "6", "datatype": XSD_INTEGER},
                },
                {
                    "name": {"type": "literal", "value": "a\tb"},
                    "count": {"type": "literal", "value": "2.5", "datatype": XSD + "decimal"},
                    "link": {"type": "uri", "value": "http://e/x"},
                },
            ]
        },
    }
    with pytest.raises(QueryError, match="unknown output format"):
        render(RESULTS, "xml")


def test_json_gives_one_binding_a_line() -> None:
    """Each binding on its own line, a row of the answer as `grep` and `wc -l` see it."""
    lines = render(RESULTS, "json").splitlines()
    assert len(lines) == len(RESULTS.rows) + 2
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == json.loads(render(RESULTS, "json"))[
        "results"
    ]["bindings"]
    empty = Results(RESULTS.variables, [])
    assert json.loads(render(empty, "json"))["results"]["bindings"] == []


def test_table_cells_are_not_markup(hostile_graph: tuple[Path, list[Fiche]]) -> None:
    from rich.console import Console

    results = run_query(find_query("actions-in-departement"), {"departement": "59"}, graph=hostile_graph[0])
    console = Console(record=True, width=200)
    console.print(results_table(results, "t"))
    assert "Jardin [bold]partagé[/bold] </script>" in console.export_text()


# --- the command line ----------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_csv_opens_in_a_spreadsheet(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    result = runner.invoke(
        app, ["query", "actions-per-keyword", "--graph", str(sample_graph), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode("utf-8")
    assert text.startswith("keyword,actions\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == ["keyword", "actions"]
    expected = counts_per_concept("keywords", "keyword")(sample_fiches)
    assert [(row["keyword"], int(row["actions"])) for row in rows] == expected


def test_cli_json_and_table(sample_graph: Path) -> None:
    arguments = ["query", "keywords-without-action", "-p", "departement=62", "--graph", str(sample_graph)]
    document = json.loads(runner.invoke(app, [*arguments, "-f", "json"]).stdout)
    assert document["head"]["vars"] == ["keyword"]
    assert {"type": "literal", "value": "Environnement", "xml:lang": "fr"} in [
        binding["keyword"] for binding in document["results"]["bindings"]
    ]
    table = runner.invoke(app, arguments)
    assert (
        table.exit_code == 0 and "Mots clés sans action" in table.stdout and "Environnement" in table.stdout
    )


def test_cli_lists_the_questions() -> None:
    result = runner.invoke(app, ["queries"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for query in bundled_queries():
        assert query.name in result.stdout
    assert "departement (facultatif)" in result.stdout and "Actions d'un département" in result.stdout
    english = runner.invoke(app, ["--lang", "en", "queries"], env={"COLUMNS": "250"})
    assert "departement (optional)" in english.stdout and "Actions in a département" in english.stdout


def test_cli_malformed_query_file(tmp_path: Path, sample_graph: Path) -> None:
    broken = tmp_path / "broken.rq"
    broken.write_text("# title: Broken\nSELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER( }\n", encoding="utf-8")
    result = runner.invoke(app, ["query", str(broken), "--graph", str(sample_graph)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr == f"erreur : {broken}:4:3: SPARQL syntax error near `FILTER( }}`\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["actions-in-departement"], "'departement' is required"),
        (["actions-per-keyword", "-p", "nope=1"], "unknown parameter 'nope'"),
        (["actions-per-keyword", "-p", "nope"], "expected NAME=VALUE"),
        (["no-such-question"], "no query named 'no-such-question'"),
    ],
)
def test_cli_bad_requests(arguments: list[str], message: str, sample_graph: Path) -> None:
    result = runner.invoke(app, ["query", *arguments, "--graph", str(sample_graph)])
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_cli_missing_graph(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "actions-per-keyword", "--graph", str(tmp_path / "graph.ttl")])
    assert result.exit_code == 2 and "run `csgraph build` first" in result.stderr


# --- SPARQL endpoints ----------------------------------------------------------------------------------


class Endpoint:
    """A one-answer HTTP server standing in for a SPARQL endpoint; it records what it was sent."""

    def __init__(self, status: int, body: bytes, delay: float = 0) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                endpoint.requests.append((dict(self.headers), self.rfile.read(length).decode("utf-8")))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def endpoint(status: int, body: bytes, delay: float = 0) -> Iterator[Endpoint]:
    server = Endpoint(status, body, delay)
    try:
        yield server
    finally:
        server.close()


def test_endpoint_gets_bound_values_and_answers_json() -> None:
    answer = {
        "head": {"vars": ["structure", "action", "status", "dimension", "source"]},
        "results": {
            "bindings": [
                {
                    "structure": {"type": "literal", "value": "CS", "xml:lang": "fr"},
                    "action": {"type": "typed-literal", "value": "A", "datatype": XSD + "string"},
                    "source": {"type": "bnode", "value": "b0"},
                }
            ]
        },
    }
    with endpoint(200, json.dumps(answer).encode()) as server:
        results = run_query(HOSTILE_ECHO, {"place": HOSTILE}, endpoint=server.url)
        headers, body = server.requests[0]
    assert results.rows == (
        (Term("literal", "CS", "fr"), Term("literal", "A"), None, None, Term("bnode", "b0")),
    )
    assert headers["Accept"] == "application/sparql-results+json"
    sent = urllib.parse.parse_qs(body)["query"][0]
    assert 'VALUES ?place { "Pas-de-Calais\\" } UNION { ?s ?p ?o } #" }' in sent


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, b"Query failed\nat line 3", "refused the POST: HTTP 400 Bad Request: Query failed"),
        (200, b"<html>not json</html>", "did not answer with SPARQL JSON results"),
        (200, b'{"head": {}, "boolean": true}', "did not answer with SPARQL SELECT results"),
    ],
)
def test_endpoint_failures_are_one_line(status: int, body: bytes, message: str) -> None:
    with endpoint(status, body) as server, pytest.raises(RemoteError, match=message):
        run_query(find_query("actions-per-keyword"), endpoint=server.url)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_endpoint_and_other_schemes() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    result = runner.invoke(app, ["query", "actions-per-keyword", "--endpoint", url])
    assert result.exit_code == 4 and result.stderr.count("\n") == 1 and f"cannot reach {url}" in result.stderr
    with pytest.raises(InputError, match="not an http:// or https:// URL"):
        select_endpoint("file:///etc/passwd", find_query("actions-per-keyword"), {})


@pytest.mark.server
def test_every_query_on_a_real_oxigraph_server(sample_graph: Path, engines: tuple, tmp_path: Path) -> None:
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.skip("the oxigraph server is not installed")
    location = tmp_path / "db"
    subprocess.run(
        [binary, "load", "--location", location, "--file", sample_graph], check=True, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [binary, "serve-read-only", "--location", location, "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                time.sleep(0.05)
        store, _ = engines
        for name, (parameters, _expected) in sorted(EXPECTED.items()):
            query = find_query(name)
            local = select_oxigraph(store, query, parameter_values(query, parameters))
            assert run_query(query, parameters, endpoint=url) == local, name
        hostile = run_query(HOSTILE_ECHO, {"place": HOSTILE}, endpoint=url)
        assert hostile.rows == ((Term("literal", HOSTILE),),)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_run_query_reads_a_graph_file_with_either_engine(sample_graph: Path, tmp_path: Path) -> None:
    query = find_query("publics-per-keyword")
    assert run_query(query, graph=sample_graph, engine="rdflib") == run_query(query, graph=sample_graph)
    with pytest.raises(InputError, match="run `csgraph build` first"):
        run_query(query, graph=tmp_path / "graph.ttl", engine="rdflib")


def test_graph_and_endpoint_are_exclusive(sample_graph: Path) -> None:
    with pytest.raises(QueryError, match="not both"):
        run_query(find_query("actions-per-keyword"), graph=sample_graph, endpoint="http://127.0.0.1:1/")
