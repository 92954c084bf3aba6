"""Pushing the graph to a SPARQL server and asking it: against a real Oxigraph server on loopback."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from csgraph import remote
from csgraph.catalogue import parse_query
from csgraph.cli import app
from csgraph.engines import run_query
from csgraph.errors import InputError, RemoteError
from csgraph.remote import Endpoint, push_graph, sparql_select

from .conftest import SAMPLE

COUNT = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
KEYWORDS_OF_ACTIONS = """
PREFIX csg: <https://w3id.org/csgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?action ?keyword WHERE {
  ?action a csg:Action ; csg:keyword ?concept .
  ?concept skos:prefLabel ?keyword FILTER(LANG(?keyword) = "fr")
}
"""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The server the `oxigraph` pip package installs beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


@contextlib.contextmanager
def running(
    command: list[str], sparql: str, name: str, log: Path, seconds: float, **options: Any
) -> Iterator[None]:
    """A server process, waited for until its endpoint `sparql` answers, stopped (killed if it must) after."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **options)
        try:
            deadline = time.monotonic() + seconds
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{name} exited: {log.read_text(errors='replace')[-2000:]}")
                try:
                    sparql_select(sparql, "ASK {}", timeout=2, retries=0)
                    break
                except RemoteError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{name} did not answer within {seconds:.0f} s")
                    time.sleep(0.1)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A fresh Oxigraph server on a free loopback port; yields its base URL and stops it afterwards."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the Oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    command = [binary, "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"]
    base = f"http://127.0.0.1:{port}"
    with running(command, f"{base}/query", "oxigraph serve", tmp_path / "server.log", 30):
        yield base


def count(base: str, graph: str | None = None) -> int:
    query = (
        COUNT
        if graph is None
        else f"SELECT (COUNT(*) AS ?triples) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    )
    answer = sparql_select(f"{base}/query", query)
    return int(answer["results"]["bindings"][0]["triples"]["value"])  # type: ignore[index]


def local_store(graph: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=graph, format=ox.RdfFormat.TURTLE)
    return store


def server_lines(base: str, graph: str = "default") -> set[str]:
    """The server's graph as N-Triples lines; csgraph graphs have no blank nodes, so lines compare as is."""
    query = "default" if graph == "default" else f"graph={graph}"
    request = urllib.request.Request(f"{base}/store?{query}", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return set(filter(None, response.read().decode("utf-8").splitlines()))


def local_lines(graph: Path) -> set[str]:
    triples = ox.parse(path=graph, format=ox.RdfFormat.TURTLE)
    return set(
        filter(None, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines())
    )


def build_and_push(tmp_path: Path, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path / "out"), *options])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.server
def test_build_push_puts_the_whole_graph_on_the_server(
    server: str, sample_graph: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = build_and_push(tmp_path, "--push", f"{server}/store")
    assert code == 0, stderr
    expected = len(local_store(sample_graph))
    triples = f"{expected:,}".replace(",", "\u202f")  # French thousands: a narrow no-break space
    assert f"{triples} triplets envoyés en 1 requête à {server}/store?default en " in stdout
    assert count(server) == expected
    assert server_lines(server) == local_lines(sample_graph)


@pytest.mark.server
def test_a_describe_gives_the_same_triples_on_the_server_and_locally(server: str, sample_graph: Path) -> None:
    push_graph(sample_graph, f"{server}/store")
    describe = parse_query(
        "# param: code — a code\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "DESCRIBE ?place WHERE { ?place skos:notation ?code }",
        "describe",
        "describe.rq",
    )
    remote_rows = run_query(describe, {"code": "62"}, endpoint=f"{server}/query")
    assert len(remote_rows.rows) == 3
    assert remote_rows == run_query(describe, {"code": "62"}, graph=sample_graph)


@pytest.mark.server
def test_a_select_gives_the_same_rows_on_the_server_and_locally(server: str, sample_graph: Path) -> None:
    push_graph(sample_graph, f"{server}/store")
    answer = sparql_select(f"{server}/query", KEYWORDS_OF_ACTIONS)
    remote_rows = sorted(
        (row["action"]["value"], row["keyword"]["value"])
        for row in answer["results"]["bindings"]  # type: ignore[index]
    )
    local_rows = sorted(
        (row["action"].value, row["keyword"].value)
        for row in local_store(sample_graph).query(KEYWORDS_OF_ACTIONS)
    )
    assert remote_rows == local_rows
    assert len(local_rows) > 25  # every sample fiche has a keyword, some several


@pytest.mark.server
def test_pushing_twice_replaces_rather_than_appends(server: str, sample_graph: Path) -> None:
    first = push_graph(sample_graph, f"{server}/store")
    push_graph(sample_graph, f"{server}/store")
    assert count(server) == first.triples


@pytest.mark.server
def test_a_push_replaces_what_was_there_before(server: str, sample_graph: Path) -> None:
    push_graph(b'<http://example.org/old> <http://example.org/p> "stale" .\n', f"{server}/store")
    push_graph(sample_graph, f"{server}/store")
    assert server_lines(server) == local_lines(sample_graph)


@pytest.mark.server
def test_tiny_chunks_give_the_same_graph(server: str, sample_graph: Path) -> None:
    report = push_graph(sample_graph, f"{server}/store", chunk_triples=97)
    assert report.requests == -(-report.triples // 97)
    assert server_lines(server) == local_lines(sample_graph)


@pytest.mark.server
def test_a_named_graph_is_replaced_and_the_default_graph_left_alone(
    server: str, sample_graph: Path, tmp_path: Path
) -> None:
    graph = "https://example.org/graphs/senacs?year=2024"
    code, _, stderr = build_and_push(tmp_path, "--push", f"{server}/store", "--push-graph", graph)
    assert code == 0, stderr
    assert count(server, graph) == len(local_store(sample_graph))
    assert count(server) == 0


@pytest.mark.server
def test_blank_nodes_stay_whole_across_chunks(server: str) -> None:
    ntriples = (
        b"<http://example.org/a> <http://example.org/p> _:shared .\n"
        b'_:shared <http://example.org/q> "one" .\n'
        b'<http://example.org/a> <http://example.org/r> "plain" .\n'
        b'<http://example.org/b> <http://example.org/r> "plain" .\n'
    )
    report = push_graph(ntriples, f"{server}/store", chunk_triples=1)
    assert (report.triples, report.requests) == (4, 3)
    joined = (
        "SELECT ?v WHERE { <http://example.org/a> <http://example.org/p> ?b . ?b <http://example.org/q> ?v }"
    )
    assert len(sparql_select(f"{server}/query", joined)["results"]["bindings"]) == 1  # type: ignore[index]


@pytest.mark.server
def test_an_empty_graph_empties_the_target(server: str) -> None:
    push_graph(b'<http://example.org/a> <http://example.org/p> "x" .\n', f"{server}/store")
    report = push_graph(b"", f"{server}/store")
    assert (report.triples, report.requests) == (0, 1)
    assert count(server) == 0


@pytest.mark.server
def test_a_refused_push_exits_4_with_one_line(server: str, tmp_path: Path) -> None:
    code, _, stderr = build_and_push(tmp_path, "--push", f"{server}/no-such-service")
    assert code == 4
    message = stderr.strip().splitlines()[-1]
    assert message.startswith("erreur : ") and "refused" in message and "404" in message
    assert (tmp_path / "out" / "graph.ttl").is_file()  # the local build stands


@pytest.mark.server
def test_a_bundled_query_answers_the_same_from_the_server(server: str, sample_graph: Path) -> None:
    push_graph(sample_graph, f"{server}/store")
    runner = CliRunner()
    asked = ["query", "actions-per-keyword", "--format", "json"]
    local = runner.invoke(app, [*asked, "--graph", str(sample_graph)])
    remote_answer = runner.invoke(app, [*asked, "--endpoint", f"{server}/query"])
    assert local.exit_code == remote_answer.exit_code == 0, local.stderr + remote_answer.stderr
    assert json.loads(remote_answer.stdout) == json.loads(local.stdout)


def test_an_unreachable_server_exits_4_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    code, _, stderr = build_and_push(tmp_path, "--push", f"http://127.0.0.1:{free_port()}/store")
    assert code == 4
    assert "cannot reach" in stderr and f"({remote.RETRIES + 1} attempts)" in stderr
    assert time.monotonic() - started < 20


def test_a_bad_url_fails_before_the_build(tmp_path: Path) -> None:
    code, _, stderr = build_and_push(tmp_path, "--push", "ftp://example.org/store")
    assert code == 2
    assert "not an http:// or https:// URL" in stderr
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_a_graph_without_a_url_fails_before_the_build(tmp_path: Path) -> None:
    code, _, stderr = build_and_push(tmp_path, "--push-graph", "https://example.org/g")
    assert code == 2
    assert "--push" in stderr
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_credentials_in_the_url_become_a_header_and_leave_the_url() -> None:
    endpoint = Endpoint.parse("http://admin:p%40ss@127.0.0.1:3030/ds/data").with_graph(None)
    assert endpoint.url == "http://127.0.0.1:3030/ds/data?default"
    assert endpoint.authorization == "Basic " + base64.b64encode(b"admin:p@ss").decode()


def test_a_graph_iri_is_encoded_and_a_graph_named_twice_refused() -> None:
    endpoint = Endpoint.parse("http://127.0.0.1:3030/ds/data").with_graph("https://example.org/g?a=1&b=2")
    assert endpoint.url == "http://127.0.0.1:3030/ds/data?graph=https%3A%2F%2Fexample.org%2Fg%3Fa%3D1%26b%3D2"
    with pytest.raises(InputError):
        Endpoint.parse("http://127.0.0.1:3030/ds/data?default").with_graph("https://example.org/g")


class FlakyStore(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first requests, then 204: what a busy server behind a proxy does."""

    failures = 2
    refuse_posts = False
    seen: list[tuple[str, str | None, int]] = []  # noqa: RUF012 — reset by the fixture

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FlakyStore.seen.append((self.command, self.headers.get("Authorization"), len(body)))
        if self.command == "POST" and FlakyStore.refuse_posts:
            self.send_response(413)
            self.end_headers()
            self.wfile.write(b"\nRequest body too large\nmore details\n")
        elif len(FlakyStore.seen) <= FlakyStore.failures:
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b"busy\n")
        else:
            self.send_response(204)
            self.end_headers()

    do_PUT = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(remote, "BACKOFF_SECONDS", 0.01)
    FlakyStore.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyStore)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://user:secret@127.0.0.1:{httpd.server_address[1]}/store"
    httpd.shutdown()
    httpd.server_close()


def test_server_errors_are_tried_again(flaky_store: str) -> None:
    report = push_graph(b'<http://example.org/a> <http://example.org/p> "x" .\n', flaky_store)
    assert report.requests == 1
    assert [method for method, _, _ in FlakyStore.seen] == ["PUT", "PUT", "PUT"]
    assert {auth for _, auth, _ in FlakyStore.seen} == {"Basic " + base64.b64encode(b"user:secret").decode()}


def test_a_server_that_keeps_failing_is_reported_with_its_answer(
    flaky_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FlakyStore, "failures", 10)
    with pytest.raises(RemoteError, match=r"HTTP 503 .*: busy \(3 attempts\)") as raised:
        push_graph(b"", flaky_store, retries=2)
    assert len(FlakyStore.seen) == 3
    assert "secret" not in str(raised.value)


def test_a_push_refused_halfway_says_the_server_graph_is_incomplete(
    flaky_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FlakyStore, "failures", 0)
    monkeypatch.setattr(FlakyStore, "refuse_posts", True)
    ntriples = b"".join(b'<http://example.org/a> <http://example.org/p> "%d" .\n' % n for n in range(3))
    with pytest.raises(RemoteError) as raised:
        push_graph(ntriples, flaky_store, chunk_triples=2)
    message = str(raised.value)
    assert "refused the POST: HTTP 413" in message and "Request body too large" in message
    assert "more details" not in message and "after 1 request(s)" in message and "incomplete" in message
    assert [method for method, _, _ in FlakyStore.seen] == ["PUT", "POST"]
