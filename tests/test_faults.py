"""Faults around the commands: two builds at once, full disks, query files that would call other hosts,
endpoints that never answer, DESCRIBE queries, and terminal messages that must show fiche text as written.

Each case runs the real command (in its own process where exit codes, stdout and signals matter) and
states what a user gets: the right graph, or one line naming what failed and a documented exit code.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csgraph import build as build_module
from csgraph.build import build
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


# --- 1. two builds into one folder ---------------------------------------------------------------------


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
        f"error: {out}: another csgraph build (pid {first.pid}) is writing here; wait for it to end, "
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


# --- 2. writes that fail ---------------------------------------------------------------------------------

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
    assert (result.returncode, result.stderr) == (3, "error: <stdout>: No space left on device\n")


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["PYTHONUNBUFFERED", "buffered"])
def test_an_answer_cut_by_a_filling_disk_is_an_error_not_a_short_file(
    unbuffered: str, tmp_path: Path, sample_graph: Path
) -> None:
    """A disk with 4 KB left takes part of a write, then refuses: the answer is 9 times as long."""
    answer = tmp_path / "answer.json"
    command = arguments("query-json", tmp_path, sample_graph)
    with open(answer, "w") as stream:
        result = run(*command, stdout=stream, file_size=4096, environment={"PYTHONUNBUFFERED": unbuffered})
    assert len(run(*command).stdout.encode()) > 9 * 4096
    assert (result.returncode, result.stderr) == (3, "error: <stdout>: File too large\n")


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
    assert result.stderr.splitlines()[-1] == f"error: {refused.format(**values)}: File too large"
    assert not list(tmp_path.rglob(".*.tmp")), "the temporary file is removed"


# --- 6. fiche text on the terminal -------------------------------------------------------------------------

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
    assert "warning: emoji.txt:3: `mot :x: clé` is not in the keyword list; kept as a new concept" in (
        built.stderr.splitlines()
    )
    graph = str(tmp_path / "out" / "graph.ttl")
    wide = {"COLUMNS": "250"}  # a table cell is wrapped to the width, not rewritten
    table = run("query", "actions-in-departement", "-p", "departement=62", "--graph", graph, environment=wide)
    assert "Atelier :x: <urn:x:evil> [bold]gras[/bold] :smile:" in table.stdout
    assert "Centre :x: social" in table.stdout
    assert "❌" not in built.stderr + table.stdout and "😄" not in table.stdout
