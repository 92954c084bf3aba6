"""`/actions`: facet counts against the parsed fiches, narrowing, search, pagination and the downloads."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from starlette.testclient import TestClient

from csgraph.action_index import (
    INDEX_FILE,
    SEARCH_FILE,
    SavedRows,
    TextSearch,
    load_index,
    read_index,
    save_index,
)
from csgraph.build import BuildReport, build
from csgraph.mapping import FUNDER_CATEGORIES
from csgraph.model import Fiche, Funder
from csgraph.names import plain
from csgraph.site.actions import COLUMNS, PAGE_SIZE
from csgraph.site.app import Site, create_app
from csgraph.store import open_graph
from csgraph.vocabulary import Vocabulary

CONCEPT_FACETS = {
    "keyword": ("keywords", "keyword"),
    "public": ("publics", "public"),
    "partner": ("partners", "partner"),
    "territory": ("territories", "territory"),
    "status": ("status", "status"),
    "dimension": ("dimension", "dimension"),
}


def local_name(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def fiche_keys(fiche: Fiche, facet: str) -> set[str]:
    """The facet's keys of one fiche, read from its text through the vocabulary as the mapper does."""
    vocabulary = Vocabulary.load()
    if facet == "departement":
        return {fiche.departement_code} if fiche.departement_code else set()
    if facet == "funder":
        return {
            local_name(
                vocabulary.lookup(
                    "funder-category" if funder.type in FUNDER_CATEGORIES else "partner", funder.type
                ).iri
            )
            if funder.type
            else "non-nomme"
            for funding in fiche.money.funding
            for funder in funding.funders or (Funder("", None),)
        }
    attribute, scheme = CONCEPT_FACETS[facet]
    values = getattr(fiche, attribute)
    values = (values,) if isinstance(values, str) else values or ()
    return {local_name(vocabulary.lookup(scheme, value).iri) for value in values}


def expected_counts(fiches: list[Fiche], facet: str) -> dict[str, int]:
    return dict(Counter(key for fiche in fiches for key in fiche_keys(fiche, facet)))


def shown_counts(page: str, facet: str) -> dict[str, int]:
    """{key: count} of one facet beside the list, the key read from each value's link (the value added
    last to the query string)."""
    section = re.search(rf'<section class="facet" id="facet-{facet}">(.*?)</section>', page, re.S)
    if section is None:
        return {}
    found = {}
    for href, count in re.findall(
        r'<a href="([^"]+)"[^>]*>[^<]*</a> <span class="count">([^<]+)</span>', section[1]
    ):
        keys = [value for name, value in parse_qsl(urlsplit(html.unescape(href)).query) if name == facet]
        found[keys[-1]] = int(re.sub(r"\D", "", count))
    return found


def listed(client: TestClient, query: str) -> dict:
    response = client.get(f"/actions.json?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def lines(document: dict) -> set[int]:
    return {row["source_line"] for row in document["actions"]}


@pytest.mark.parametrize("facet", ["departement", *CONCEPT_FACETS, "funder"])
def test_facet_counts_are_the_fiches_counts(
    site_client: TestClient, sample_fiches: list[Fiche], facet: str
) -> None:
    page = site_client.get("/actions").text
    expected = expected_counts(sample_fiches, facet)
    assert expected, facet  # the sample names values of every facet
    assert shown_counts(page, facet) == expected


def test_the_sample_counts_as_read_from_the_text(site_client: TestClient) -> None:
    page = site_client.get("/actions").text
    assert shown_counts(page, "departement") == {"62": 25}
    assert shown_counts(page, "keyword")["education-scolarite"] == 7
    assert shown_counts(page, "funder")["non-nomme"] == 1  # `subvention 7000`
    assert "25 actions" in page
    assert 'id="facet-year"' not in page  # no fiche of the sample gives a year


def test_two_facets_narrow_to_the_intersection(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    both = listed(site_client, "keyword=education-scolarite&public=jeunesse")
    keyword = listed(site_client, "keyword=education-scolarite")
    public = listed(site_client, "public=Jeunesse")
    expected = {
        fiche.source.line
        for fiche in sample_fiches
        if "education-scolarite" in fiche_keys(fiche, "keyword") and "jeunesse" in fiche_keys(fiche, "public")
    }
    assert lines(both) == lines(keyword) & lines(public) == expected
    assert both["total"] == len(expected) > 0
    assert both["filters"] == {"keyword": ["education-scolarite"], "public": ["jeunesse"]}
    page = site_client.get("/actions?keyword=education-scolarite").text
    assert shown_counts(page, "public")["jeunesse"] == len(expected)


def test_values_of_one_facet_add_up(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    either = listed(site_client, "keyword=sante&keyword=culture")
    expected = {
        fiche.source.line for fiche in sample_fiches if fiche_keys(fiche, "keyword") & {"sante", "culture"}
    }
    assert lines(either) == expected


def test_a_departement_by_name_or_code(site_client: TestClient) -> None:
    by_code = listed(site_client, "departement=62")
    assert by_code["total"] == 25
    for spelling in ("Pas-de-Calais", "pas de calais", "PAS-DE-CALAIS", "Pas-de-Calais (62)"):
        assert lines(listed(site_client, f"departement={spelling}")) == lines(by_code)
    assert listed(site_client, "departement=Nord")["total"] == 0  # a real département, with no action here


def test_removing_a_filter(site_client: TestClient) -> None:
    page = site_client.get("/actions?keyword=education-scolarite&public=jeunesse").text
    active = re.search(r'<section class="active-filters".*?</section>', page, re.S)[0]
    assert "Mot clé :</span> éducation / scolarité" in active
    removals = dict(
        re.findall(r'<span class="category">([^<]+) :</span>[^<]*<a class="remove" href="([^"]+)"', active)
    )
    reduced = site_client.get(html.unescape(removals["Mot clé"])).text
    assert html.unescape(removals["Mot clé"]) == "/actions?public=jeunesse"
    assert f"{listed(site_client, 'public=jeunesse')['total']} actions" in reduced
    assert "Mot clé :</span>" not in reduced


def test_search_ignores_accents_and_case(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    expected = {
        fiche.source.line
        for fiche in sample_fiches
        if "education" in plain(" ".join([fiche.title or "", fiche.structure or "", *fiche.texts.values()]))
    }
    assert expected
    for spelling in ("education", "éducation", "ÉDUCATION", "Education"):
        assert lines(listed(site_client, f"q={spelling}")) == expected
    narrowed = listed(site_client, "q=education&keyword=sante")
    assert lines(narrowed) == expected & lines(listed(site_client, "keyword=sante"))
    assert listed(site_client, "q=xyzzyq")["total"] == 0


def test_search_keeps_the_filters(site_client: TestClient) -> None:
    page = site_client.get("/actions?keyword=sante&q=jeunes").text
    form = re.search(r'<form class="search".*?</form>', page, re.S)[0]
    assert '<input type="hidden" name="keyword" value="sante">' in form
    assert 'name="q" value="jeunes"' in form


def test_links_carry_the_filters(site_client: TestClient) -> None:
    page = html.unescape(site_client.get("/actions?departement=Pas-de-Calais&keyword=sante").text)
    assert '<a href="/actions.csv?departement=62&keyword=sante" download>' in page
    assert '<a href="/actions.json?departement=62&keyword=sante">' in page
    assert '<a href="/actions?departement=62&keyword=sante" rel="bookmark">' in page
    english = html.unescape(site_client.get("/actions?keyword=sante&lang=en").text)
    assert '<a href="/actions.csv?keyword=sante&lang=en" download>' in english
    assert "Keyword" in english


def test_rows_link_to_the_action_and_its_structure(site_client: TestClient) -> None:
    page = site_client.get("/actions?q=allez les filles").text
    assert '<a href="/action/allez-les-filles-540b9eb364">ALLEZ LES FILLES</a>' in page
    assert '<a href="/structure/62-centre-socioculturel-audrey-bartier">' in page


def csv_rows(response_bytes: bytes) -> list[list[str]]:
    assert response_bytes.startswith("\ufeff".encode())
    text = response_bytes.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def spreadsheet_cells(row: dict) -> list[str]:
    """A JSON row as the CSV writes it: lists joined, decimal comma, formulas neutralised."""
    cells = []
    for column in COLUMNS:
        value = row[column.key]
        if isinstance(value, list):
            value = " | ".join(value)
        elif isinstance(value, float):
            value = str(value).replace(".", ",")
        value = "" if value is None else str(value)
        cells.append("'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value)
    return cells


def test_csv_rows_are_the_json_rows(site_client: TestClient) -> None:
    query = "departement=62&keyword=education-scolarite"
    response = site_client.get(f"/actions.csv?{query}")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response.content)
    assert header == [column.header for column in COLUMNS]
    assert header[:3] == ["IRI", "titre", "structure"]
    document = listed(site_client, query)
    assert rows == [spreadsheet_cells(row) for row in document["actions"]]
    assert len(rows) == document["total"] == 7


def test_downloads_hold_every_row(site_client: TestClient) -> None:
    _, *rows = csv_rows(site_client.get("/actions.csv?page=1").content)
    assert len(rows) == listed(site_client, "")["total"] == 25


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """A graph of one hostile fiche (a formula title, markup in the structure name and the text) and 120
    plain ones over two départements: enough for three pages."""
    folder = tmp_path_factory.mktemp("hostile-fiches")
    parts = ["Les actions des centres sociaux\n"]
    hostile = (
        '=HYPERLINK("http://evil.example/?x=1","clic")',
        "@SUM(A1) <script>alert(1)</script> - Pas-de-Calais",
    )
    plain_ones = [(f"Atelier {n:03d}", f"CENTRE TEST {n % 7} - Nord") for n in range(120)]
    for number, (title, structure) in enumerate([hostile, *plain_ones]):
        keyword = "Culture" if number % 2 else "Santé"
        text = "-2+3 <b>gras</b> & café" if number == 0 else f"Texte {number}"
        parts.append(
            f"Actions \"{title}\"\nDESCRIPTION DE L'ACTION\n- Statut de l'action\n- En cours\n"
            f"- Mots clés associés à l'action\n-\n- {keyword}\n- Résumé\n{text}\n"
            f"- Structure organisatrice\n- {structure}\n"
            "- Ressources financières mobilisées pour cette action\ncout total : 1 500,50 €\n"
        )
    (folder / "fiches.txt").write_text("".join(parts), encoding="utf-8")
    report = build([folder], tmp_path_factory.mktemp("hostile-build"))
    return TestClient(create_app(Site(report.graph, open_graph(report.graph), hosts=("testserver",))))


def test_formulas_are_neutralised_in_the_csv(hostile_client: TestClient) -> None:
    header, *rows = csv_rows(hostile_client.get("/actions.csv?departement=62").content)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["titre"] == '\'=HYPERLINK("http://evil.example/?x=1","clic")'
    assert row["structure"] == "'@SUM(A1) <script>alert(1)</script>"
    assert row["montant déclaré"] == "1500,5"
    document = listed(hostile_client, "departement=62")
    assert document["actions"][0]["title"] == '=HYPERLINK("http://evil.example/?x=1","clic")'
    assert document["actions"][0]["declared_amount"] == 1500.5


def test_fiche_markup_stays_text(hostile_client: TestClient) -> None:
    page = hostile_client.get("/actions?q=gras café").text
    assert "<script>alert" not in page
    assert "@SUM(A1) &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&#34;http://evil.example/?x=1&#34;,&#34;clic&#34;)" in page


def test_an_unknown_departement_names_the_nearest(site_client: TestClient) -> None:
    response = site_client.get("/actions?departement=Pas-de-Calai&keyword=sante")
    assert response.status_code == 400
    assert "Département inconnu : « Pas-de-Calai »" in response.text
    assert '<a href="/actions?departement=62&amp;keyword=sante">Pas-de-Calais</a>' in response.text
    assert "<table" not in response.text
    for suffix in (".csv", ".json"):
        download = site_client.get(f"/actions{suffix}?departement=Pas-de-Calai")
        assert download.status_code == 400
        assert "Pas-de-Calais" in download.text
    assert site_client.get("/actions.json?departement=Pas-de-Calai").json()["suggestions"] == [
        {"label": "Pas-de-Calais", "href": "/actions.json?departement=62"}
    ]


def test_an_unknown_keyword_or_parameter_is_no_empty_list(site_client: TestClient) -> None:
    keyword = site_client.get("/actions?keyword=educaton")
    assert keyword.status_code == 400
    assert "éducation / scolarité" in keyword.text
    parameter = site_client.get("/actions.json?departemnt=62")
    assert parameter.status_code == 400
    assert "« departement »" in parameter.json()["error"]


def test_pages_of_fifty(hostile_client: TestClient) -> None:
    total = listed(hostile_client, "")["total"]
    assert total == 121
    seen = []
    for page in (1, 2, 3):
        text = hostile_client.get(f"/actions?page={page}").text
        seen += re.findall(r'<td><a href="/action/[^"]+">([^<]+)</a>', text)
        assert f"Page {page} / 3" in text
    assert len(seen) == len(set(seen)) == total
    assert seen[1:] == [f"Atelier {n:03d}" for n in range(120)]  # titles in order, the `=` one first
    second = html.unescape(hostile_client.get("/actions?page=2").text)
    assert "de 51 à 100" in second
    assert '<a href="/actions">1</a>' in second and '<a href="/actions?page=3">' in second
    assert len(re.findall(r"<tr>", hostile_client.get("/actions?page=3").text)) == 1 + total - 2 * PAGE_SIZE
    assert hostile_client.get("/actions?page=4").status_code == 404
    assert "la page 4 n'existe pas" in html.unescape(hostile_client.get("/actions?page=4").text)
    for wrong in ("0", "-1", "deux"):
        assert hostile_client.get(f"/actions?page={wrong}").status_code == 400
    assert hostile_client.get("/actions?keyword=xyz&page=1").status_code == 400


def test_the_index_is_saved_beside_the_store(sample_build: BuildReport, tmp_path: Path) -> None:
    folder = tmp_path / "built"
    shutil.copytree(sample_build.graph.parent, folder)  # mtimes kept: the store stays fresh
    graph = folder / "graph.ttl"
    (folder / INDEX_FILE).unlink(missing_ok=True)
    (folder / SEARCH_FILE).unlink(missing_ok=True)
    store = open_graph(graph)
    first = load_index(graph, store)
    saved = folder / INDEX_FILE
    digest = json.loads((folder / "store.json").read_text())["sha256"]
    assert json.loads(saved.read_bytes().split(b"\n", 1)[0])["graph_sha256"] == digest
    again = load_index(graph, store)
    assert isinstance(again.rows, SavedRows)
    assert list(again.rows) == list(first.rows) == list(read_index(store).rows)
    assert {name: facet.bits for name, facet in again.facets.items()} == {
        name: facet.bits for name, facet in first.facets.items()
    }
    for query in ("education", "ÉDUCATION", "jeun", "allez les filles", "xyzzyq"):
        assert again.search(query) == first.search(query), query
    assert (folder / SEARCH_FILE).is_file()


def test_search_reads_ligatures_and_prefixes_and_no_query_syntax(sample_build: BuildReport) -> None:
    """`coeur` finds `cœur`, `educ` finds `éducation`; FTS5 operators typed by a user are plain words."""
    index = load_index(sample_build.graph, open_graph(sample_build.graph))
    texts = TextSearch.of_texts(["Le cœur du quartier", "Éducation populaire", "NEAR OR NOT"])
    assert texts.matching("coeur") == texts.matching("CŒUR") == [0]
    assert texts.matching("educ pop") == [1]
    assert texts.matching('"near" OR (not') == [2]
    assert texts.matching("*") == []
    assert index.search("xyzzyq") == 0


def test_an_index_saved_for_another_graph_is_not_read(sample_build: BuildReport, tmp_path: Path) -> None:
    folder = tmp_path / "built"
    shutil.copytree(sample_build.graph.parent, folder)
    graph = folder / "graph.ttl"
    saved = folder / INDEX_FILE
    save_index(read_index(open_graph(sample_build.graph)), saved, "0" * 64)
    index = load_index(graph, open_graph(graph))
    assert not isinstance(index.rows, SavedRows)  # read from the store again
    assert len(index.rows) == 25
    assert json.loads(saved.read_bytes().split(b"\n", 1)[0])["graph_sha256"] != "0" * 64
