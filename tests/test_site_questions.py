"""`/questions`: the bundled questions as forms and tables, with CSV and JSON downloads, over the sample."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from csgraph.build import build
from csgraph.catalogue import bundled_queries, find_query
from csgraph.engines import run_query
from csgraph.formatting import euros, number
from csgraph.results import NUMERIC_DATATYPES, Results, render
from csgraph.site.app import Site, create_app
from csgraph.site.questions import COLUMNS
from csgraph.site.sparql import workers_of
from csgraph.store import open_graph
from tests.html_tables import table_rows

QUESTIONS = [query.name for query in bundled_queries()]
HOSTILE_TITLE = "<script>alert(1)</script> & </textarea><img src=x onerror=alert(1)>"
HOSTILE_STRUCTURE = '=HYPERLINK("http://evil.example") <b>Centre</b>'
HOSTILE_FICHE = f"""Actions "{HOSTILE_TITLE}"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Résumé
Des repas préparés ensemble.
- Structure organisatrice
- {HOSTILE_STRUCTURE} - Pas-de-Calais
- Public
- Familles
"""


def parameters_for(name: str) -> dict[str, str]:
    """Every question that takes a département is asked about the sample's, Pas-de-Calais (62)."""
    takes = any(parameter.name == "departement" for parameter in find_query(name).parameters)
    return {"departement": "62"} if takes else {}


def shown(results: Results) -> list[list[str]]:
    """What a French page must show for these results: numbers in French, amounts in euros."""
    rows = []
    for row in results.rows:
        cells = []
        for name, term in zip(results.variables, row, strict=True):
            if term is None:
                cells.append("")
            elif term.datatype in NUMERIC_DATATYPES:
                cells.append(euros(term.value) if COLUMNS[name].money else number(term.value))
            else:
                cells.append(term.value)
        rows.append(cells)
    return rows


def test_the_list_names_every_bundled_question(site_client: TestClient) -> None:
    page = site_client.get("/questions")
    assert page.status_code == 200
    for query in bundled_queries():
        assert f'href="/questions/{query.name}"' in page.text
        assert query.description_fr.replace("'", "&#39;") in page.text
    english = site_client.get("/questions", params={"lang": "en"})
    assert (
        "Actions per keyword" in english.text
        and 'href="/questions/actions-per-keyword?lang=en"' in english.text
    )


@pytest.mark.parametrize("name", QUESTIONS)
def test_a_question_page_shows_the_numbers_of_run_query(
    name: str, site_client: TestClient, sample_graph: Path
) -> None:
    parameters = parameters_for(name)
    expected = run_query(find_query(name), parameters, graph=sample_graph)
    page = site_client.get(f"/questions/{name}", params=parameters)
    assert page.status_code == 200
    assert table_rows(page.text) == shown(expected)
    rows = len(expected.rows)
    assert (f"{number(rows)} ligne(s)" if rows else "0 ligne(s)") in page.text


@pytest.mark.parametrize("name", QUESTIONS)
def test_downloads_hold_the_same_rows(name: str, site_client: TestClient, sample_graph: Path) -> None:
    parameters = parameters_for(name)
    expected = run_query(find_query(name), parameters, graph=sample_graph)
    document = site_client.get(f"/questions/{name}.json", params=parameters)
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/sparql-results+json"
    assert document.text == render(expected, "json")
    table = site_client.get(f"/questions/{name}.csv", params=parameters)
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="{name}.csv"' in table.headers["content-disposition"]
    assert table.content.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(table.content.decode("utf-8-sig")), delimiter=";")
    assert header == list(expected.variables)
    assert len(rows) == len(expected.rows)
    for row, terms in zip(rows, expected.rows, strict=True):
        for cell, term in zip(row, terms, strict=True):
            if term is None:
                assert cell == ""
            elif term.datatype in NUMERIC_DATATYPES:
                assert Decimal(cell.replace(",", ".")) == Decimal(term.value)
            else:
                assert cell == term.value


def test_csv_has_decimal_commas(site_client: TestClient) -> None:
    """People per structure counts full-time equivalents, so a fraction: 3,4 in a French spreadsheet."""
    table = site_client.get("/questions/people-per-structure.csv").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(table), delimiter=";") for cell in row]
    assert "3,4" in cells and "3.4" not in cells


def test_labels_link_to_their_pages(site_client: TestClient, sample_graph: Path) -> None:
    page = site_client.get("/questions/actions-per-structure").text
    assert '<a href="/departement/62">62</a>' in page
    assert (
        '<a href="/keyword/emploi-economie">Emploi, économie</a>'
        in site_client.get("/questions/actions-per-keyword").text
    )
    funders = site_client.get("/questions/funding-per-funder-type").text
    assert '<a href="/partner/msa">MSA</a>' in funders, "a funder type may be a partner type"
    assert '<a href="/funder-category/usagers">Usagers</a>' in funders
    english = site_client.get("/questions/actions-per-keyword", params={"lang": "en"}).text
    assert '<a href="/keyword/emploi-economie?lang=en">Emploi, économie</a>' in english
    assert '<th scope="col">Keyword</th>' in english


def test_a_departement_is_chosen_from_those_of_the_graph(site_client: TestClient) -> None:
    page = site_client.get("/questions/keywords-without-action").text
    assert '<select id="departement" name="departement">' in page
    assert '<option value="" selected>tous</option>' in page
    assert '<option value="62">Pas-de-Calais (62)</option>' in page
    assert page.count("<option") == 2, "only the départements the graph holds"
    required = site_client.get("/questions/actions-in-departement")
    assert required.status_code == 200
    assert "tous" not in required.text and "Choisissez une valeur" in required.text
    assert "<tbody>" not in required.text
    assert site_client.get("/questions/actions-in-departement.csv").status_code == 400


def test_a_departement_named_or_coded_gives_the_same_answer(site_client: TestClient) -> None:
    by_code = site_client.get("/questions/actions-in-departement", params={"departement": "62"})
    by_name = site_client.get("/questions/actions-in-departement", params={"departement": "pas de calais"})
    assert table_rows(by_code.text) == table_rows(by_name.text) and table_rows(by_code.text)
    assert '<option value="62" selected>' in by_code.text


def test_an_unknown_departement_names_the_nearest_never_an_empty_table(site_client: TestClient) -> None:
    page = site_client.get("/questions/keywords-without-action", params={"departement": "Pas-de-Calai"})
    assert page.status_code == 400
    assert "Valeur inconnue pour « Département » : « Pas-de-Calai »" in page.text
    assert '<a href="/questions/keywords-without-action?departement=62">Pas-de-Calais (62)</a>' in page.text
    assert "<tbody>" not in page.text
    for suffix in ("csv", "json"):
        download = site_client.get(
            f"/questions/keywords-without-action.{suffix}", params={"departement": "Pas-de-Calai"}
        )
        assert download.status_code == 400
        assert download.headers["content-type"].startswith("text/plain")
        assert "Pas-de-Calais (62)" in download.text
    english = site_client.get(
        "/questions/keywords-without-action.csv", params={"departement": "Pas-de-Calai", "lang": "en"}
    )
    assert "did you mean Pas-de-Calais (62)?" in english.text


def test_a_departement_without_structures_says_so(site_client: TestClient, sample_graph: Path) -> None:
    """Paris exists, the sample has nothing there: every keyword is uncovered, and the page says why."""
    page = site_client.get("/questions/keywords-without-action", params={"departement": "75"})
    assert page.status_code == 200
    assert "Aucune structure de ce département" in page.text
    expected = run_query(find_query("keywords-without-action"), {"departement": "75"}, graph=sample_graph)
    assert table_rows(page.text) == shown(expected) and len(expected.rows) > 0


def test_unknown_questions_and_parameters(site_client: TestClient) -> None:
    missing = site_client.get("/questions/actions-per-keywrd")
    assert missing.status_code == 404
    assert 'href="/questions/actions-per-keyword"' in missing.text
    assert site_client.get("/questions/actions-per-keyword.xlsx").status_code == 404
    assert site_client.get("/questions/..%2F..%2Fetc%2Fpasswd.rq").status_code == 404
    typo = site_client.get("/questions/actions-per-keyword", params={"departemnt": "62"})
    assert typo.status_code == 400 and "<tbody>" not in typo.text
    twice = site_client.get("/questions/keywords-without-action?departement=62&departement=59")
    assert twice.status_code == 400


def test_hostile_parameter_values_stay_text(site_client: TestClient) -> None:
    value = '"><script>alert(1)</script>'
    page = site_client.get("/questions/keywords-without-action", params={"departement": value})
    assert page.status_code == 400
    assert "<script>alert" not in page.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("hostile-site")
    (folder / "hostile.txt").write_text(HOSTILE_FICHE, encoding="utf-8")
    graph = build([folder / "hostile.txt"], folder / "out").graph
    site = Site(graph, open_graph(graph), hosts=("testserver",))
    yield TestClient(create_app(site))
    workers_of(site).close()


def test_hostile_fiche_text_stays_text(hostile_client: TestClient) -> None:
    page = hostile_client.get("/questions/actions-in-departement", params={"departement": "62"})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text and "<b>Centre" not in page.text
    assert table_rows(page.text)[0][:2] == [HOSTILE_STRUCTURE, HOSTILE_TITLE]
    table = hostile_client.get("/questions/actions-in-departement.csv", params={"departement": "62"})
    (row,) = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig")), delimiter=";"))[1:]
    assert row[:2] == ["'" + HOSTILE_STRUCTURE, HOSTILE_TITLE]
    document = hostile_client.get("/questions/actions-in-departement.json", params={"departement": "62"})
    binding = json.loads(document.text)["results"]["bindings"][0]
    assert binding["structure"]["value"] == HOSTILE_STRUCTURE, "JSON is for machines: the value as written"


def test_a_question_with_numbers_has_its_bar_chart_and_a_list_has_none(site_client: TestClient) -> None:
    page = site_client.get("/questions/actions-per-keyword").text
    chart = page[page.index('<figure class="chart">') : page.index("</figure>")]
    assert "<svg" in chart and "Actions par mot clé" in chart
    assert '<figure class="chart">' not in site_client.get("/questions/keywords-without-action").text


def test_a_keyword_page_maps_its_departements(site_client: TestClient) -> None:
    page = site_client.get("/keyword/culture").text
    drawn = page[page.index('<figure class="map">') : page.index("</figure>")]
    assert drawn.count('<a href="/departement/') == 101
    assert "Pas-de-Calais (62) : " in drawn
