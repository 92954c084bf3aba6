"""The graph on OpenLink Virtuoso, the server many national open-data portals run: a push through its
password-guarded Graph Store endpoint, and every bundled question answered there as it is locally.

Virtuoso runs from Debian's `virtuoso-opensource` package, on free loopback ports with a database of its own
in a temporary folder, and is stopped afterwards. A machine without the package skips these tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from csgraph.catalogue import StoredQuery, bundled_queries
from csgraph.cli import app
from csgraph.remote import sparql_select

from .conftest import FIXTURES, SAMPLE
from .test_remote import free_port, running

SERVER = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        SERVER is None or ISQL is None,
        reason="Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)",
    ),
]

GRAPH = "https://w3id.org/csgraph/graph"
USER, PASSWORD = "csgraph", "s3cret:pass"  # a ':' in the password: it must survive the URL
# The sample with structure pages and grants files, so that the questions about them have rows too.
INPUTS = [
    SAMPLE,
    FIXTURES / "structure_page_sample_structure.txt",
    FIXTURES / "structure_page_evs.txt",
    FIXTURES / "scdl_comma_utf8.csv",
    FIXTURES / "scdl_semicolon_cp1252.csv",
]
# A new database's administrator is dba/dba; the test gives a user of its own the right to write graphs
# through /sparql-graph-crud-auth (Digest authentication), as the README tells a federation to do.
GRANTS = f"""
DB.DBA.USER_CREATE('{USER}', '{PASSWORD}');
DB.DBA.USER_GRANT_ROLE('{USER}', 'SPARQL_UPDATE');
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{USER}', 7);
"""


@dataclass(frozen=True)
class Virtuoso:
    base: str

    @property
    def store(self) -> str:
        return f"http://{USER}:{PASSWORD.replace(':', '%3A')}@{self.base.removeprefix('http://')}/sparql-graph-crud-auth"

    @property
    def sparql(self) -> str:
        return f"{self.base}/sparql"


def configuration(folder: Path, sql_port: int, http_port: int) -> str:
    """The least a Virtuoso 7 server needs: its files in `folder`, SQL and HTTP on loopback only."""
    database = folder / "db"
    return f"""[Database]
DatabaseFile = {database}/virtuoso.db
ErrorLogFile = {database}/virtuoso.log
LockFile = {database}/virtuoso.lck
TransactionFile = {database}/virtuoso.trx
xa_persistent_file = {database}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {database}/virtuoso-temp.db
TransactionFile = {database}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder / "vsp"}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "db").mkdir()
    (folder / "vsp").mkdir()
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(configuration(folder, sql_port, http_port), encoding="utf-8")
    command = [str(SERVER), "+foreground", "+configfile", str(folder / "virtuoso.ini")]
    base = f"http://127.0.0.1:{http_port}"
    with running(command, f"{base}/sparql", "virtuoso-t", folder / "server.out", 90, cwd=folder):
        granted = subprocess.run(
            [str(ISQL), f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={GRANTS}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert granted.returncode == 0 and "Error" not in granted.stdout + granted.stderr, granted.stdout
        yield Virtuoso(base)


@pytest.fixture(scope="module")
def pushed(virtuoso: Virtuoso, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sample with pages and grants built and pushed once through the CLI; the graph and what it said."""
    out = tmp_path_factory.mktemp("virtuoso-build")
    inputs = [str(path) for path in INPUTS]
    command = ["build", *inputs, "--out", str(out), "--push", virtuoso.store, "--push-graph", GRAPH]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.stderr
    return out / "graph.ttl", result.stdout


def triples_in(virtuoso: Virtuoso, graph: str) -> int:
    answer = sparql_select(
        virtuoso.sparql, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    )
    return int(answer["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]


def test_build_push_loads_the_whole_graph_through_the_password_guarded_endpoint(
    virtuoso: Virtuoso, pushed: tuple[Path, str]
) -> None:
    graph, said = pushed
    expected = len(list(ox.parse(path=graph, format=ox.RdfFormat.TURTLE)))
    assert expected > 2000
    assert triples_in(virtuoso, GRAPH) == expected
    sent = f"{expected:,}".replace(",", "\u202f")
    assert f"{sent} triplets envoyés en 1 requête à {virtuoso.base}/sparql-graph-crud-auth?graph=" in said
    assert PASSWORD not in said


def test_pushing_again_replaces_the_graph(virtuoso: Virtuoso, pushed: tuple[Path, str]) -> None:
    graph, _ = pushed
    before = triples_in(virtuoso, GRAPH)
    result = CliRunner().invoke(
        app,
        [
            "build",
            *map(str, INPUTS),
            "--out",
            str(graph.parent),
            "--push",
            virtuoso.store,
            "--push-graph",
            GRAPH,
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert triples_in(virtuoso, GRAPH) == before


def test_a_wrong_password_is_refused_on_one_line_without_the_password(
    virtuoso: Virtuoso, tmp_path: Path
) -> None:
    wrong = virtuoso.store.replace(PASSWORD.replace(":", "%3A"), "not-the-password")
    result = CliRunner().invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path), "--push", wrong])
    assert result.exit_code == 4
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("erreur : ") and "401" in message and "not-the-password" not in message
    assert (tmp_path / "graph.ttl").is_file()  # the local build stands


QUESTIONS = bundled_queries()
PARAMETERS = {"departement": "62"}  # Pas-de-Calais, the sample's


@pytest.mark.parametrize("question", QUESTIONS, ids=[question.name for question in QUESTIONS])
def test_every_bundled_question_answers_the_same_on_virtuoso(
    question: StoredQuery, virtuoso: Virtuoso, pushed: tuple[Path, str]
) -> None:
    graph, _ = pushed
    given = [
        option
        for parameter in question.parameters
        for option in ("-p", f"{parameter.name}={PARAMETERS[parameter.name]}")
    ]
    asked = ["query", question.name, "--format", "json", *given]
    runner = CliRunner()
    local = runner.invoke(app, [*asked, "--graph", str(graph)])
    remote = runner.invoke(app, [*asked, "--endpoint", virtuoso.sparql])
    assert local.exit_code == remote.exit_code == 0, local.stderr + remote.stderr
    assert remote.stdout == local.stdout  # the same rows, order, values, datatypes and language tags


def test_the_questions_have_rows_to_compare(pushed: tuple[Path, str]) -> None:
    """An agreement on empty answers proves nothing: most questions answer something on this graph."""
    graph, _ = pushed
    runner = CliRunner()
    empty = []
    for question in QUESTIONS:
        given = [option for parameter in question.parameters for option in ("-p", f"{parameter.name}=62")]
        answer = runner.invoke(
            app, ["query", question.name, "--format", "json", "--graph", str(graph), *given]
        )
        if not json.loads(answer.stdout)["results"]["bindings"]:
            empty.append(question.name)
    # Every public of the published list has an action in the sample, and every value read is listed.
    assert set(empty) <= {"publics-without-action", "unlisted-values"}, empty
