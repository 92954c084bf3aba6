"""The build's indexes made from the facts the mapping gave: the lists and texts the store gives."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from csgraph.action_index import INDEX_FILE, SEARCH_FILE, actions_of_store, read_facts, read_saved
from csgraph.build import FACTS_PREFIX, build
from csgraph.errors import InputError
from csgraph.indexes import tasks
from csgraph.mapping import ActionFacts, facts_record
from csgraph.similar import load_similar
from csgraph.store import graph_digest, open_graph

from .conftest import FIXTURES, SAMPLE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, read twice (each fiche kept once), beside hand-made layouts and quirks, structure
    pages, grants files, and 300 synthetic fiches (markup in titles, unlisted keywords, money quirks)."""
    folder = tmp_path_factory.mktemp("facts") / "data"
    folder.mkdir()
    shutil.copy(SAMPLE, folder)
    shutil.copy(SAMPLE, folder / "copie.txt")
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, folder)
    generator = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(folder), "--fiches", "300"]
    subprocess.run([*generator, "--per-file", "300"], check=True, capture_output=True)
    return folder


def test_the_build_indexes_its_facts_as_the_store_would(inputs: Path, tmp_path: Path) -> None:
    """The indexes a build makes from the mapping's facts are those the store gives, row for row, made by
    two workers while a thread compacts the store."""
    report = build([inputs], tmp_path, indexes=True, workers=2)
    digest = graph_digest(report.graph)
    assert digest is not None
    saved = read_saved(tmp_path / INDEX_FILE, tmp_path / SEARCH_FILE, digest)
    similar = load_similar(report.graph)
    assert saved is not None and similar is not None
    from_store = actions_of_store(open_graph(report.graph))
    assert len(saved.rows) == len(from_store.rows) == report.actions > 300
    assert list(saved.rows) == from_store.rows
    assert list(similar.texts) == list(from_store.texts)
    assert {name: facet.values for name, facet in saved.facets.items()} == from_store.universe
    funders = {value.key for row in saved.rows for value in row.of("funder")}
    assert "non-nomme" in funders and len(funders) > 3  # money of no stated type, and of several
    assert any(row.structure is None for row in saved.rows)  # a fiche naming no structure


def test_facts_records_keep_texts_byte_for_byte(tmp_path: Path) -> None:
    """A text's newlines, quotes, brackets and characters beyond the BMP are data: the next record starts
    where the length says, never where a newline falls."""
    hostile = 'ligne 1\n\n"]}, {"x": 1}\r\nŒuvre 🎭\n'.encode()
    written = [
        ActionFacts("https://example.org/a", {"p": ["v", None]}, hostile),
        ActionFacts("https://example.org/b", {}, b""),
        ActionFacts("https://example.org/c", {"q": ["\n"]}, b"\n"),
    ]
    path = tmp_path / "facts"
    path.write_bytes(b"".join(facts_record(facts) for facts in written))
    assert [(iri, dict(values), texts) for iri, values, texts in read_facts(path)] == [
        (iri, {name: list(found) for name, found in values.items()}, texts) for iri, values, texts in written
    ]


def test_the_indexes_are_made_in_the_build_and_the_facts_removed(tmp_path: Path) -> None:
    build([SAMPLE], tmp_path / "plain")
    assert load_similar(tmp_path / "plain" / "graph.ttl") is None  # unless asked for
    report = build([SAMPLE], tmp_path, indexes=True)
    assert not list(tmp_path.glob(f"{FACTS_PREFIX}*"))
    index = load_similar(report.graph)
    assert index is not None and len(index.iris) == report.actions == 25


def test_a_failed_build_and_a_dead_build_leave_no_facts(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    with pytest.raises(InputError):
        build([empty], out, indexes=True)
    assert not list(out.glob(f"{FACTS_PREFIX}*"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    leftover = out / f"{FACTS_PREFIX}{int(dead.stdout)}"
    leftover.write_bytes(b"\x00" * 64)
    build([SAMPLE], out, keep_store=False)
    assert not leftover.exists() and not list(out.glob(f"{FACTS_PREFIX}*"))


def test_the_command_leaves_no_facts_behind(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "csgraph", "build", str(SAMPLE), "--out", str(tmp_path)], capture_output=True
    )
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob(f"{FACTS_PREFIX}*"))
    graph = tmp_path / "graph.ttl"
    digest = graph_digest(graph)
    assert (
        digest is not None and read_saved(tmp_path / INDEX_FILE, tmp_path / SEARCH_FILE, digest) is not None
    )
    similar = load_similar(graph)
    assert similar is not None and len(similar.iris) == 25


def test_each_actions_index_has_a_core_of_its_own_unless_answers_are_saved() -> None:
    assert tasks(answers=False, cores=2) == ["lists", "similar"]
    assert tasks(answers=True, cores=2) == ["lists+similar"]
    assert tasks(answers=False, cores=1) == ["lists+similar"]
