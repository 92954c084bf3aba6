"""`/sparql`: the SPARQL 1.1 Protocol endpoint of `csgraph serve` and its editor page, over the sample."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import uvicorn
from starlette.testclient import TestClient
from typer.testing import CliRunner

from csgraph.build import BuildReport
from csgraph.catalogue import bundled_queries, find_query
from csgraph.cli import app as cli_app
from csgraph.engines import run_query
from csgraph.formatting import number
from csgraph.model import Fiche
from csgraph.site.app import Site, create_app, listening_socket
from csgraph.site.endpoint import SOLUTION_FORMATS, Refused, accepted, check_query, negotiate, wants_html
from csgraph.site.sparql import EXAMPLE_QUERY, ROW_CAP, workers_of
from csgraph.store import open_graph
from tests.html_tables import table_rows

RESULTS = "{http://www.w3.org/2005/sparql-results#}"
ACTIONS = "SELECT (COUNT(DISTINCT ?action) AS ?actions) WHERE { ?action a csg:Action }"
TITLES = "CONSTRUCT { ?action dcterms:title ?title } WHERE { ?action a csg:Action ; dcterms:title ?title }"
# Every triple against every other, five times over: 1e16 rows on the sample, never finishes.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def sparql(client: TestClient, query: str, accept: str = "*/*", **params: str):
    return client.get("/sparql", params={"query": query, **params}, headers={"Accept": accept})


def test_select_answers_in_every_result_format(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    expected = str(len(sample_fiches))
    document = sparql(site_client, ACTIONS)  # a client that takes anything gets JSON
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/sparql-results+json"
    assert document.json()["head"]["vars"] == ["actions"]
    assert document.json()["results"]["bindings"][0]["actions"]["value"] == expected
    answer = sparql(site_client, ACTIONS, "application/sparql-results+xml")
    assert answer.headers["content-type"] == "application/sparql-results+xml"
    literal = ET.fromstring(answer.content).find(f".//{RESULTS}binding[@name='actions']/{RESULTS}literal")
    assert literal is not None and literal.text == expected
    table = sparql(site_client, ACTIONS, "text/csv")
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    assert table.text == f"actions\r\n{expected}\r\n"
    tabbed = sparql(site_client, ACTIONS, "text/tab-separated-values")
    assert tabbed.headers["content-type"].startswith("text/tab-separated-values")
    assert tabbed.text.splitlines() == ["?actions", expected]
    assert tabbed.headers["vary"] == "Accept"


def test_ask_is_a_boolean(site_client: TestClient) -> None:
    present = sparql(site_client, 'ASK { ?place skos:notation "62" }')
    absent = sparql(site_client, 'ASK { ?place skos:notation "975" }')
    assert present.json()["boolean"] is True and absent.json()["boolean"] is False
    xml = sparql(site_client, 'ASK { ?place skos:notation "62" }', "application/sparql-results+xml")
    assert ET.fromstring(xml.content).find(f"{RESULTS}boolean").text == "true"  # type: ignore[union-attr]


def test_construct_and_describe_are_graphs(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    turtle = sparql(site_client, TITLES, "text/turtle")
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    assert Counter(quad.object.value for quad in triples) == Counter(fiche.title for fiche in sample_fiches)
    lines = sparql(site_client, TITLES, "application/n-triples")
    assert lines.headers["content-type"] == "application/n-triples"
    assert len(list(ox.parse(lines.content, format=ox.RdfFormat.N_TRIPLES))) == len(triples)
    described = sparql(site_client, "DESCRIBE departement:62", "application/ld+json")
    assert described.headers["content-type"] == "application/ld+json"
    (node,) = described.json()
    assert node["@id"] == "https://w3id.org/csgraph/departement/62"
    labels = node["http://www.w3.org/2004/02/skos/core#prefLabel"]
    assert {"@language": "fr", "@value": "Pas-de-Calais"} in labels
    default = sparql(site_client, "DESCRIBE departement:62")  # anything accepted: Turtle
    assert default.headers["content-type"] == "text/turtle; charset=utf-8"


def test_post_as_form_and_as_query_body(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    expected = str(len(sample_fiches))
    form = site_client.post("/sparql", data={"query": ACTIONS})
    body = site_client.post(
        "/sparql",
        content=ACTIONS.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    for response in (form, body):
        assert response.status_code == 200
        assert response.json()["results"]["bindings"][0]["actions"]["value"] == expected
    other = site_client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert other.status_code == 415


def test_accept_weights_choose_the_format() -> None:
    assert accepted("text/csv;q=0.5, application/sparql-results+xml") == [
        ("text/csv", 0.5),
        ("application/sparql-results+xml", 1.0),
    ]
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml", SOLUTION_FORMATS).name == "xml"
    assert negotiate("text/*", SOLUTION_FORMATS).name == "csv"
    assert negotiate("application/json", SOLUTION_FORMATS).name == "json"
    assert negotiate("image/png", SOLUTION_FORMATS).name == "json"  # nothing taken: the default
    assert negotiate("text/csv;q=0, */*;q=0.1", SOLUTION_FORMATS).name == "json"
    assert wants_html(BROWSER["Accept"]) and not wants_html("*/*") and not wants_html("")


def test_updates_are_refused(site_client: TestClient, sample_build: BuildReport) -> None:
    before = len(open_graph(sample_build.graph))
    insert = "INSERT DATA { <https://example.org/a> <https://example.org/b> 'c' }"
    refusals = [
        site_client.post("/sparql", data={"update": insert}),
        site_client.post(
            "/sparql", content=insert.encode(), headers={"Content-Type": "application/sparql-update"}
        ),
        sparql(site_client, insert),
        sparql(site_client, f"PREFIX ex: <https://example.org/>\n# comment\n{insert}"),
        sparql(site_client, "DROP ALL"),
        site_client.post("/sparql", data={"query": "LOAD <https://example.org/data.ttl>"}),
    ]
    for response in refusals:
        assert response.status_code == 400, response.text
        assert "lecture seule" in response.text
    assert "INSERT" in refusals[2].text
    assert len(open_graph(sample_build.graph)) == before


def test_service_is_refused_but_the_word_in_a_string_is_data(site_client: TestClient) -> None:
    remote = sparql(site_client, "SELECT * WHERE { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert remote.status_code == 400
    assert "SERVICE" in remote.text and "autre serveur" in remote.text
    text = sparql(site_client, 'SELECT ?word WHERE { BIND("SERVICE INSERT" AS ?word) } # SERVICE')
    assert text.status_code == 200
    assert text.json()["results"]["bindings"][0]["word"]["value"] == "SERVICE INSERT"
    with pytest.raises(Refused):
        check_query("PREFIX : <https://example.org/>\nSELECT * { SERVICE SILENT :x { ?s ?p ?o } }")


def test_a_syntax_error_says_where(site_client: TestClient) -> None:
    response = sparql(site_client, "SELECT ?s\nWHERE {\n  ?s ?p\n}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert re.search(r"ligne 4, colonne \d+ : expected", response.text)  # where Oxigraph's parser gave up
    english = sparql(site_client, "SELECT ?s\nWHERE {\n  ?s ?p\n}", lang="en")
    assert re.search(r"line 4, column \d+: expected", english.text)
    page = sparql(site_client, "SELECT ?s WHERE { ?s ?p", BROWSER["Accept"])
    assert page.status_code == 400 and "Erreur de syntaxe SPARQL ligne 1" in page.text
    assert "<textarea" in page.text and "SELECT ?s WHERE { ?s ?p</textarea>" in page.text


def test_an_unknown_format_or_a_missing_query_is_a_400(site_client: TestClient) -> None:
    assert sparql(site_client, ACTIONS, format="xlsx").status_code == 400
    assert site_client.get("/sparql").status_code == 400  # a program that sent no query
    assert sparql(site_client, ACTIONS, format="csv").headers["content-type"] == "text/csv; charset=utf-8"


@pytest.fixture(scope="module")
def impatient_site(sample_build: BuildReport) -> Iterator[tuple[TestClient, Site]]:
    """The sample behind a 1 s time limit, with workers of its own that the test may see killed."""
    site = Site(sample_build.graph, open_graph(sample_build.graph), query_timeout=1.0, hosts=("testserver",))
    yield TestClient(create_app(site)), site
    workers_of(site).close()


def live_workers(site: Site, count: int) -> set[int]:
    deadline = time.monotonic() + 20
    while len(pids := workers_of(site).pids()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids


def test_a_runaway_query_is_stopped_and_its_worker_killed(impatient_site: tuple[TestClient, Site]) -> None:
    client, site = impatient_site
    assert sparql(client, "ASK { ?s ?p ?o }").status_code == 200
    size = len(live_workers(site, 2))
    before = live_workers(site, size)
    started = time.monotonic()
    stopped = client.post("/sparql", data={"query": RUNAWAY})
    elapsed = time.monotonic() - started
    assert stopped.status_code == 503
    assert "limite de 1 s" in stopped.text and "arrêtée" in stopped.text
    assert 1.0 <= elapsed < 3.0
    killed = before - workers_of(site).pids()
    assert len(killed) == 1
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process any more
        os.kill(killed.pop(), 0)
    assert len(live_workers(site, size)) == size, "a new worker took its place"
    assert sparql(client, "ASK { ?s ?p ?o }").json()["boolean"] is True
    page = client.get("/sparql", params={"query": RUNAWAY}, headers=BROWSER)
    assert page.status_code == 503 and "a été arrêtée" in page.text and "<textarea" in page.text


def test_the_editor_page(site_client: TestClient) -> None:
    page = site_client.get("/sparql", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "PREFIX csg: &lt;https://w3id.org/csgraph/ontology#&gt;" in page.text
    assert '<script src="/static/sparql.js"></script>' in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    assert site_client.get("/static/sparql.js").status_code == 200
    assert site_client.get("/static/sparql.css").status_code == 200
    english = site_client.get("/sparql", params={"lang": "en"}, headers=BROWSER)
    assert (
        '<html lang="en">' in english.text and '<input type="hidden" name="lang" value="en">' in english.text
    )


def test_the_example_gives_the_counts_of_actions_per_keyword(
    site_client: TestClient, sample_graph: Path
) -> None:
    """The sample is one département, so the example's counts are the bundled question's."""
    page = site_client.get("/sparql", params={"query": EXAMPLE_QUERY}, headers=BROWSER)
    assert page.status_code == 200
    expected = run_query(find_query("actions-per-keyword"), graph=sample_graph)
    shown = {(cells[0].removesuffix(" @fr"), cells[1]) for cells in table_rows(page.text)}
    assert shown == {(row[0].value, number(row[1].value)) for row in expected.rows}  # type: ignore[union-attr]


def test_the_html_table_is_capped_links_iris_and_escapes(site_client: TestClient, sample_graph: Path) -> None:
    triples = len(open_graph(sample_graph))
    assert triples > ROW_CAP
    everything = site_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=BROWSER)
    assert f"Les {number(ROW_CAP)} premières lignes sur {number(triples)}" in everything.text
    assert len(table_rows(everything.text)) == ROW_CAP
    linked = site_client.get(
        "/sparql", params={"query": "SELECT ?d WHERE { ?d a csg:Departement }"}, headers=BROWSER
    )
    assert '<a href="/departement/62">departement:62</a>' in linked.text
    hostile = "<script>alert(1)</script></textarea><img src=x onerror=alert(1)>"
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ {json.dumps(hostile)} <https://example.org/x> }} }}"
    page = site_client.get("/sparql", params={"query": query}, headers=BROWSER)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;" in page.text
    assert '<a href="https://example.org/x"' not in page.text, "IRIs outside the project are not links"


@pytest.fixture(scope="module")
def endpoint_url(sample_build: BuildReport) -> Iterator[str]:
    """The site served by uvicorn on a free loopback port, in a thread, as `csgraph serve` runs it."""
    site = Site(sample_build.graph, open_graph(sample_build.graph), hosts=("127.0.0.1",))
    listener = listening_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(site), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    server.should_exit = True
    thread.join(10)
    listener.close()
    workers_of(site).close()


@pytest.mark.parametrize("name", [query.name for query in bundled_queries()])
def test_csgraph_query_over_the_endpoint_gives_the_local_rows(
    name: str, endpoint_url: str, sample_graph: Path
) -> None:
    takes_departement = any(parameter.name == "departement" for parameter in find_query(name).parameters)
    parameters = ["-p", "departement=62"] if takes_departement else []
    runner = CliRunner()
    local = runner.invoke(cli_app, ["query", name, *parameters, "--graph", str(sample_graph), "-f", "json"])
    remote = runner.invoke(cli_app, ["query", name, *parameters, "--endpoint", endpoint_url, "-f", "json"])
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    assert json.loads(local.stdout)["head"]["vars"]


def test_the_served_endpoint_refuses_updates_to_the_command(endpoint_url: str, tmp_path: Path) -> None:
    update = tmp_path / "delete.rq"  # the command reads a user's own .rq file as well as a bundled name
    update.write_text("DELETE WHERE { ?s ?p ?o }\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["query", str(update), "--endpoint", endpoint_url])
    assert result.exit_code == 4
    assert "400" in result.output and "lecture seule" in result.output


def test_csv_of_the_endpoint_is_the_w3c_csv(site_client: TestClient) -> None:
    """Machine formats stay standard: `,` between cells, no BOM (the spreadsheet CSV is the questions')."""
    response = sparql(site_client, 'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("x;y" 1.5) } }', "text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [["a", "b"], ["x;y", "1.5"]]
    assert not response.content.startswith(b"\xef\xbb\xbf")
