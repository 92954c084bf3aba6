"""The answers saved at build time are the answers the queries give, and are read only for the same graph
and the same query text."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgraph.answers import ANSWERS_DIR, key, saved_answer
from csgraph.build import build
from csgraph.catalogue import bundled_queries, find_query, parameter_values, read_query
from csgraph.cli import app
from csgraph.engines import answer_bundled, run_query, select_oxigraph, with_values
from csgraph.errors import CsgraphError
from csgraph.results import render
from csgraph.similar import SIMILAR_DIR
from csgraph.store import graph_digest, open_graph

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built as `csgraph build` does, indexes and answers included."""
    folder = tmp_path_factory.mktemp("answered")
    # The sample is far below the size that saves answers; two workers, as a national build has.
    return build([SAMPLE], folder, indexes=True, answers_from=0, workers=2).graph


def test_a_graph_below_the_size_gets_no_answers_and_loses_stale_ones(answered: Path, tmp_path: Path) -> None:
    graph = copy_build(answered, tmp_path)
    assert (graph.parent / ANSWERS_DIR).is_dir()
    size = graph.stat().st_size
    build([SAMPLE], graph.parent, indexes=True, answers_from=size + 1)
    assert not (graph.parent / ANSWERS_DIR).exists()
    assert (graph.parent / SIMILAR_DIR).is_dir()
    build([SAMPLE], graph.parent, indexes=True, answers_from=size)
    assert (graph.parent / ANSWERS_DIR).is_dir()


def test_every_unbound_bundled_question_is_saved_as_it_is_computed(answered: Path) -> None:
    store = open_graph(answered)
    unbound = [query for query in bundled_queries() if not any(p.required for p in query.parameters)]
    assert len(list((answered.parent / ANSWERS_DIR).glob("*.json"))) == len(unbound) + 1  # and the stamp
    for query in unbound:
        values = parameter_values(query, {})
        saved = saved_answer(answered, with_values(query, values))
        assert saved == select_oxigraph(store, query, values), query.name
    by_name = {query.name: query for query in unbound}
    rows = saved_answer(answered, with_values(by_name["actions-per-departement"], {}))
    assert rows is not None and [term.value if term else None for term in rows.rows[0]][:2] == [
        "Pas-de-Calais",
        "62",
    ]


def test_questions_with_parameters_are_computed(answered: Path) -> None:
    query = find_query("actions-in-departement")
    values = parameter_values(query, {"departement": "62"})
    assert saved_answer(answered, with_values(query, values)) is None
    assert len(run_query(query, {"departement": "62"}, graph=answered).rows) == 25


def test_the_cli_reads_the_saved_answer(answered: Path, tmp_path: Path) -> None:
    """Shown by a saved answer made different on purpose: the CLI prints what was saved."""
    graph = copy_build(answered, tmp_path)
    query = find_query("actions-per-keyword")
    path = graph.parent / ANSWERS_DIR / key(with_values(query, {}))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["results"]["bindings"] = document["results"]["bindings"][:1]
    path.write_text(json.dumps(document), encoding="utf-8")
    shown = CliRunner().invoke(
        app, ["query", "actions-per-keyword", "--graph", str(graph), "--format", "csv"]
    )
    assert shown.exit_code == 0 and len(shown.stdout.splitlines()) == 2


def test_the_cli_prints_a_saved_json_answer_as_it_was_saved(answered: Path, tmp_path: Path) -> None:
    """The same bytes as the answer computed and rendered; and copied, not read again (a mark shows it)."""
    query = find_query("partners-per-structure")
    computed = render(select_oxigraph(open_graph(answered), query, {}), "json")
    asked = ["query", "partners-per-structure", "--format", "json"]
    shown = CliRunner().invoke(app, [*asked, "--graph", str(answered)])
    assert shown.exit_code == 0 and shown.stdout == computed
    graph = copy_build(answered, tmp_path)
    path = graph.parent / ANSWERS_DIR / key(with_values(query, {}))
    path.write_text(computed.replace('"head"', '"head" ', 1), encoding="utf-8")
    marked = CliRunner().invoke(app, [*asked, "--graph", str(graph)])
    assert marked.stdout == computed.replace('"head"', '"head" ', 1)


def test_an_edited_question_is_computed_again(answered: Path, tmp_path: Path) -> None:
    query = find_query("actions-per-keyword")
    edited = tmp_path / "actions-per-keyword.rq"
    edited.write_text(query.text.replace("ORDER BY", "# edited\nORDER BY"), encoding="utf-8")
    mine = read_query(edited)
    assert saved_answer(answered, with_values(mine, {})) is None
    assert run_query(mine, graph=answered) == run_query(query, graph=answered)


def test_answers_of_another_graph_are_not_read(answered: Path, tmp_path: Path) -> None:
    """A rebuild from other fiches, with the answers of the sample left beside it."""
    graph = copy_build(answered, tmp_path)
    saved = graph.parent / ANSWERS_DIR
    kept = tmp_path / "kept"
    shutil.copytree(saved, kept)
    few = tmp_path / "few.txt"
    few.write_text(first_fiches(2), encoding="utf-8")
    build([few], graph.parent)
    shutil.rmtree(saved, ignore_errors=True)
    shutil.copytree(kept, saved)
    query = find_query("actions-per-keyword")
    assert saved_answer(graph, with_values(query, {})) is None
    digest = graph_digest(graph)
    assert digest is not None and answer_bundled(open_graph(graph), graph, digest) > 0
    assert saved_answer(graph, with_values(query, {})) == run_query(query, graph=graph)


def test_a_stopped_build_saves_no_answer(answered: Path, tmp_path: Path) -> None:
    """Ctrl-C while a build answers: the next question stops it, and neither answers nor their scratch
    folder are left (the earlier answers stay as they were)."""
    graph = copy_build(answered, tmp_path)
    before = sorted(path.name for path in (graph.parent / ANSWERS_DIR).iterdir())
    stop = threading.Event()
    stop.set()
    with pytest.raises(CsgraphError, match="stopped"):
        answer_bundled(open_graph(graph), graph, "0" * 64, stop)
    assert sorted(path.name for path in (graph.parent / ANSWERS_DIR).iterdir()) == before
    assert sorted(path.name for path in graph.parent.iterdir() if "answers" in path.name) == [ANSWERS_DIR]


def first_fiches(count: int) -> str:
    """The sample's first `count` fiches, as a file of its own."""
    text = SAMPLE.read_text(encoding="utf-8")
    starts = [index for index in range(len(text)) if text.startswith('Actions "', index)]
    return text[: starts[count]]


def copy_build(graph: Path, tmp_path: Path) -> Path:
    copied = tmp_path / "build"
    shutil.copytree(graph.parent, copied)
    return copied / graph.name
