"""Faults around the commands: two builds at once, full disks, query files that would call other hosts,
endpoints that never answer, DESCRIBE queries, and terminal messages that must show fiche text as written.

Each case runs the real command (in its own process where exit codes, stdout and signals matter) and
states what a user gets: the right graph, or one line naming what failed and a documented exit code.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from csgraph import build as build_module
from csgraph.build import build
from csgraph.catalogue import parse_query
from csgraph.engines import run_query
from csgraph.errors import RemoteError
from csgraph.remote import sparql_select
from csgraph.store import STAMP_FILE, fresh_store, open_graph

from .conftest import SAMPLE

ACTIONS = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/csgraph/ontology#Action> }"
ONE_FICHE = """Actions "Atelier cuisine"
DESCRIPTION DE L'ACTION
- Résumé
Des repas préparés ensemble.
- Structure organisatrice
- Centre social Éclaté - Pas-de-Calais
"""


def run(
    *arguments: str,
    stdout: int | object = subprocess.PIPE,
    file_size: int | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The command in its own process; `file_size` caps every file it writes (a disk that fills up)."""

    def limit() -> None:
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [sys.executable, "-m", "csgraph", *arguments],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=limit,
        env={**os.environ, **(environment or {})},
    )


def actions_in_store(graph: Path) -> int:
    return int(next(iter(open_graph(graph).query(ACTIONS)))["n"].value)


# --- 1. two builds into one folder --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample 200 times under new titles (5000 fiches): a build that runs for seconds."""
    text = SAMPLE.read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("big")
    copies = [text.replace('Actions "', f'Actions "{copy} ') for copy in range(200)]
    (folder / "big.txt").write_text("\n".join(copies), encoding="utf-8")
    return folder


def test_a_second_build_into_a_busy_folder_stops_at_once_and_the_first_one_wins(
    tmp_path: Path, big_input: Path
) -> None:
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "csgraph", "build", str(big_input), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".store-building-*")):  # the first build is at work
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = run("build", str(SAMPLE), "--out", str(out))
    assert first.poll() is None, "the second build did not wait for the first one to end"
    assert second.returncode == 3
    assert second.stderr == (
        f"erreur : {out}: another csgraph build (pid {first.pid}) is writing here; wait for it to end, "
        "or build into another --out\n"
    )
    assert first.wait(timeout=120) == 0, first.communicate()
    assert actions_in_store(out / "graph.ttl") == 25 * 200
    assert fresh_store(out / "graph.ttl") == out / "store"
    assert run("build", str(SAMPLE), "--out", str(out)).returncode == 0, "the folder is free again"
    assert actions_in_store(out / "graph.ttl") == 25


def test_the_stamp_describes_the_store_even_when_graph_ttl_changes_under_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_graph: Path
) -> None:
    """A writer that ignores the lock puts another graph.ttl in place before the store is swapped in."""
    other = tmp_path / "other"
    other_report = build([other_input(tmp_path)], other)
    out = tmp_path / "out"
    save_store = build_module.save_store

    def graph_replaced_first(*arguments: object) -> None:
        (out / "graph.ttl").write_bytes(other_report.graph.read_bytes())
        save_store(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "save_store", graph_replaced_first)
    build([SAMPLE], out)
    stamp = json.loads((out / STAMP_FILE).read_text(encoding="utf-8"))
    assert stamp["sha256"] == hashlib.sha256(sample_graph.read_bytes()).hexdigest()
    assert fresh_store(out / "graph.ttl") is None, "the store was made from the sample, not this graph.ttl"
    assert actions_in_store(out / "graph.ttl") == 1, "answers come from the graph.ttl beside the store"


def other_input(tmp_path: Path) -> Path:
    path = tmp_path / "one.txt"
    path.write_text(ONE_FICHE, encoding="utf-8")
    return path


# --- 2. writes that fail ------------------------------------------------------------------------------------

OUTPUT_COMMANDS = {
    "parse": ["parse", "{sample}"],
    "build": ["build", "{sample}", "--out", "{tmp}/out"],
    "queries": ["queries"],
    "query-table": ["query", "actions-per-keyword", "--graph", "{graph}"],
    "query-csv": ["query", "partners-per-structure", "--graph", "{graph}", "--format", "csv"],
    "query-json": ["query", "partners-per-structure", "--graph", "{graph}", "--format", "json"],
    "viz": ["viz", "partnership", "--graph", "{graph}", "--out", "{tmp}/partnership.html"],
    "export": ["export", "--graph", "{graph}", "--out", "{tmp}/export"],
    "validate": ["validate", "--graph", "{graph}"],
}


def arguments(name: str, tmp_path: Path, graph: Path) -> list[str]:
    return [part.format(sample=SAMPLE, tmp=tmp_path, graph=graph) for part in OUTPUT_COMMANDS[name]]


@pytest.mark.parametrize("name", OUTPUT_COMMANDS)
def test_every_command_says_when_stdout_refuses_its_output(
    name: str, tmp_path: Path, sample_graph: Path
) -> None:
    with open("/dev/full", "w") as full:
        result = run(*arguments(name, tmp_path, sample_graph), stdout=full)
    assert (result.returncode, result.stderr) == (3, "erreur : <stdout>: No space left on device\n")


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["PYTHONUNBUFFERED", "buffered"])
def test_an_answer_cut_by_a_filling_disk_is_an_error_not_a_short_file(
    unbuffered: str, tmp_path: Path, sample_graph: Path
) -> None:
    """A disk with 4 KB left takes part of a write, then refuses: the answer is 5 times as long."""
    answer = tmp_path / "answer.json"
    command = arguments("query-json", tmp_path, sample_graph)
    with open(answer, "w") as stream:
        result = run(*command, stdout=stream, file_size=4096, environment={"PYTHONUNBUFFERED": unbuffered})
    assert len(run(*command).stdout.encode()) > 5 * 4096
    assert (result.returncode, result.stderr) == (3, "erreur : <stdout>: File too large\n")


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (["build", "{sample}", "--out", "{tmp}/out", "--no-store"], "{tmp}/out/graph.ttl"),
        (["viz", "partnership", "--graph", "{graph}", "--out", "{tmp}/p.html"], "{tmp}/p.html"),
        (["parse", "{sample}", "--report", "{tmp}/warnings.json"], "{tmp}/warnings.json"),
    ],
    ids=["graph", "page", "report"],
)
def test_a_file_the_disk_refuses_is_named(
    command: list[str], refused: str, tmp_path: Path, sample_graph: Path
) -> None:
    """Named as the user asked for it, not by the temporary file it was being written to."""
    values = {"sample": SAMPLE, "tmp": tmp_path, "graph": sample_graph}
    result = run(*(part.format(**values) for part in command), stdout=subprocess.DEVNULL, file_size=300)
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1] == f"erreur : {refused.format(**values)}: File too large"
    assert not list(tmp_path.rglob(".*.tmp")), "the temporary file is removed"


# --- 6. fiche text on the terminal --------------------------------------------------------------------------

EMOJI_FICHE = """Actions "Atelier :x: <urn:x:evil> [bold]gras[/bold] :smile:"
DESCRIPTION DE L'ACTION
- Mots clés associés à l'action
- mot :x: clé
- Structure organisatrice
- Centre :x: social - Pas-de-Calais
"""


def test_messages_and_tables_show_fiche_text_as_written(tmp_path: Path) -> None:
    """Neither emoji codes (`:x:` is ❌ to rich) nor markup in a fiche change what the terminal shows."""
    path = tmp_path / "emoji.txt"
    path.write_text(EMOJI_FICHE, encoding="utf-8")
    built = run("build", str(path), "--out", str(tmp_path / "out"))
    assert "avertissement : emoji.txt:3: `mot :x: clé` is not in the keyword list; kept as a new concept" in (
        built.stderr.splitlines()
    )
    graph = str(tmp_path / "out" / "graph.ttl")
    wide = {"COLUMNS": "250"}  # a table cell is wrapped to the width, not rewritten
    table = run("query", "actions-in-departement", "-p", "departement=62", "--graph", graph, environment=wide)
    assert "Atelier :x: <urn:x:evil> [bold]gras[/bold] :smile:" in table.stdout
    assert "Centre :x: social" in table.stdout
    assert "❌" not in built.stderr + table.stdout and "😄" not in table.stdout


# --- 3. SERVICE in a query file -----------------------------------------------------------------------------

DISTANT = {
    "head": {"vars": ["name"]},
    "results": {"bindings": [{"name": {"type": "literal", "value": "loin"}}]},
}


class Distant:
    """A SPARQL endpoint on loopback that answers every request with one row, and counts them."""

    def __init__(self) -> None:
        self.requests = 0
        distant = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                distant.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps(DISTANT).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *arguments: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def distant() -> Iterator[Distant]:
    server = Distant()
    yield server
    server.server.shutdown()
    server.server.server_close()


def service_query(tmp_path: Path, distant: Distant, written: str | None = None) -> Path:
    path = tmp_path / ("prefixed.rq" if written else "federated.rq")
    prologue = f"PREFIX far: <{distant.url.rpartition('/')[0]}/>\n"
    target = written or f"<{distant.url}>"
    path.write_text(
        f"{prologue}SELECT ?name WHERE {{ SERVICE {target} {{ ?s ?p ?name }} }}\n", encoding="utf-8"
    )
    return path


def test_a_query_file_makes_no_request_to_a_service_it_was_not_allowed(
    tmp_path: Path, distant: Distant, sample_graph: Path
) -> None:
    query = service_query(tmp_path, distant)
    refused = run("query", str(query), "--graph", str(sample_graph), "--format", "csv")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        f"erreur : {query}: SERVICE <{distant.url}> would send a request to another server; "
        f"allow it with --allow-service {distant.url}\n"
    )
    other = run("query", str(query), "--graph", str(sample_graph), "--allow-service", "http://127.0.0.1:1/")
    prefixed = service_query(tmp_path, distant, "far:sparql")
    expanded = run("query", str(prefixed), "--graph", str(sample_graph))
    through_endpoint = run("query", str(query), "--endpoint", distant.url)
    assert other.returncode == expanded.returncode == through_endpoint.returncode == 2
    assert f"prefixed.rq: SERVICE <{distant.url}> would send a request" in expanded.stderr
    assert distant.requests == 0
    allowed = run(
        "query", str(query), "--graph", str(sample_graph), "--format", "csv", "--allow-service", distant.url
    )
    assert (allowed.returncode, allowed.stdout) == (0, "name\nloin\n"), allowed.stderr
    assert distant.requests >= 1


def test_service_in_a_comment_or_a_string_is_text(sample_graph: Path) -> None:
    query = parse_query(
        '# SERVICE <http://127.0.0.1:1/>\nSELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:1/>" AS ?x) }',
        "quoted",
        "quoted.rq",
    )
    assert run_query(query, graph=sample_graph).rows[0][0].value == "SERVICE <http://127.0.0.1:1/>"  # type: ignore[union-attr]


# --- 4. endpoints that accept and never answer --------------------------------------------------------------


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections (the kernel does, from its backlog) and never answers."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(16)
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"


def test_a_silent_endpoint_is_given_up_after_the_timeout_and_not_tried_again(silent: str) -> None:
    started = time.monotonic()
    result = run("query", "actions-per-keyword", "--endpoint", f"{silent}/query", "--timeout", "1")
    assert time.monotonic() - started < 10
    assert (result.returncode, result.stderr) == (
        4,
        f"erreur : {silent}/query did not answer the POST within 1 s (--timeout SECONDS waits longer)\n",
    )
    started = time.monotonic()
    with pytest.raises(RemoteError, match=r"did not answer the POST within 0\.5 s"):
        sparql_select(f"{silent}/query", "ASK {}", timeout=0.5)  # three retries by default
    assert time.monotonic() - started < 1.5


def test_a_silent_push_target_fails_the_push_in_seconds(silent: str, tmp_path: Path) -> None:
    started = time.monotonic()
    result = run(
        "build", str(SAMPLE), "--out", str(tmp_path / "out"), "--push", f"{silent}/store", "--timeout", "1"
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 4
    assert result.stderr.splitlines()[-1] == (
        f"erreur : {silent}/store?default did not answer the PUT within 1 s (--timeout SECONDS waits longer)"
    )


def test_a_server_whose_backlog_is_full_fails_to_connect_within_the_timeout() -> None:
    """Linux drops connections beyond a full backlog: connecting waits, at most as long as the timeout."""
    with socket.socket() as listening, socket.socket() as first:
        listening.bind(("127.0.0.1", 0))
        listening.listen(0)
        url = f"http://127.0.0.1:{listening.getsockname()[1]}/query"
        first.connect(listening.getsockname())  # fills the backlog
        started = time.monotonic()
        with pytest.raises(
            RemoteError, match=f"^cannot reach {re.escape(url)}: no connection within 0\\.5 s$"
        ):
            sparql_select(url, "ASK {}", timeout=0.5)
        assert time.monotonic() - started < 1.5


# --- 5. DESCRIBE and CONSTRUCT ------------------------------------------------------------------------------

DESCRIBE = """# title: Le Pas-de-Calais
PREFIX departement: <https://w3id.org/csgraph/departement/>
DESCRIBE departement:62
"""


def test_describe_answers_the_triples_of_its_subject(tmp_path: Path, sample_graph: Path) -> None:
    path = tmp_path / "describe.rq"
    path.write_text(DESCRIBE, encoding="utf-8")
    csv = run("query", str(path), "--graph", str(sample_graph), "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines() == [
        "subject,predicate,object",
        "https://w3id.org/csgraph/departement/62,http://www.w3.org/1999/02/22-rdf-syntax-ns#type,"
        "https://w3id.org/csgraph/ontology#Departement",
        "https://w3id.org/csgraph/departement/62,http://www.w3.org/2004/02/skos/core#notation,62",
        "https://w3id.org/csgraph/departement/62,http://www.w3.org/2004/02/skos/core#prefLabel,Pas-de-Calais",
    ]
    table = run("query", str(path), "--graph", str(sample_graph), environment={"COLUMNS": "200"})
    assert "Le Pas-de-Calais : ses triplets, un par ligne" in table.stdout and "3 lignes" in table.stdout


def test_describe_and_construct_give_the_same_rows_on_both_engines(sample_graph: Path) -> None:
    bound = parse_query(
        "# param: code — a code\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "DESCRIBE ?place WHERE { ?place skos:notation ?code }",
        "bound",
        "bound.rq",
    )
    built = parse_query(
        "# param: code — a code\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "CONSTRUCT { ?place skos:altLabel ?name }\n"
        "WHERE { ?place skos:notation ?code ; skos:prefLabel ?name }",
        "built",
        "built.rq",
    )
    described = run_query(bound, {"code": "62"}, graph=sample_graph)
    assert len(described.rows) == 3 and described.variables == ("subject", "predicate", "object")
    assert run_query(bound, {"code": "62"}, graph=sample_graph, engine="rdflib") == described
    constructed = run_query(built, {"code": "62"}, graph=sample_graph)
    assert [term.value for term in constructed.rows[0]] == [  # type: ignore[union-attr]
        "https://w3id.org/csgraph/departement/62",
        "http://www.w3.org/2004/02/skos/core#altLabel",
        "Pas-de-Calais",
    ]
    assert run_query(built, {"code": "62"}, graph=sample_graph, engine="rdflib") == constructed
    assert run_query(built, {"code": "75"}, graph=sample_graph).rows == ()


# --- 12. build and validate agree ---------------------------------------------------------------------------


def test_a_structure_without_a_known_departement_builds_and_validates_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "atlantide.txt"
    path.write_text(ONE_FICHE.replace("Pas-de-Calais", "Atlantide"), encoding="utf-8")
    built = run("build", str(path), "--out", str(tmp_path / "out"))
    assert built.returncode == 0
    assert "avertissement : atlantide.txt:6: no known département at the end of" in built.stderr
    checked = run("validate", "--graph", str(tmp_path / "out" / "graph.ttl"), environment={"COLUMNS": "300"})
    assert checked.returncode == 0, checked.stdout
    assert "this structure has no known département" in checked.stdout


# --- 13. warnings people can read ---------------------------------------------------------------------------


def test_warnings_come_file_by_file_in_line_order_and_a_file_without_fiches_says_so_first(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "fiches"
    folder.mkdir()
    (folder / "notes.txt").write_text("".join(f"note {n}\n" for n in range(1, 58)), encoding="utf-8")
    (folder / "sample.txt").write_bytes(SAMPLE.read_bytes())
    report = tmp_path / "warnings.json"
    result = run("build", str(folder), "--out", str(tmp_path / "out"), "--report", str(report))
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("avertissement : ")]
    first = "fiches/notes.txt:0: no fiche found in this file; 57 warning(s) about its lines follow"
    assert warnings[0] == f"avertissement : {first}"
    assert warnings[1] == "avertissement : fiches/notes.txt:1: text before any fiche, kept here only: note 1"
    rows = [(row["file"], row["line"]) for row in json.loads(report.read_text(encoding="utf-8"))]
    assert rows == [("fiches/notes.txt", n) for n in range(58)] + [
        ("fiches/sample.txt", n) for n in (51, 52, 314)
    ]
