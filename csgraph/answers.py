"""The bundled questions answered once per build and kept beside the store, so that asking one is reading it.

A national graph takes seconds to count partners per structure; the answer only changes when the graph
does. So `csgraph build` answers (`engines.answer_bundled`) every bundled question that needs no
parameter and saves each answer in `answers/`, in the W3C SPARQL JSON results format, under the sha256 of
the exact query text the engine would run, the folder stamped with the sha256 of graph.ttl. An answer is
read back only when the store is fresh, the stamp is this graph's, and the query text is the same byte
for byte: a question edited since, or given other parameters, is computed as before. Nothing here is
published: graph.ttl is unchanged, and an endpoint (`--endpoint`) computes its own answers.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from csgraph.results import Results, json_results, render
from csgraph.store import graph_digest, replace_directory
from csgraph.writing import write_text

ANSWERS_DIR = "answers"
STAMP = "stamp.json"
FORMAT = 2
# Answers are saved for graphs from this size of graph.ttl (about 20,000 fiches): below it the slowest
# bundled question answers from the store in well under a second, and answering all of them would add a
# third to the build's time for nothing (benchmarks/RESULTS.md).
SAVED_FROM_BYTES = 90_000_000


def key(text: str) -> str:
    """The file name of an answer: the query as the engine receives it, parameters included."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".json"


def save_answers(graph: Path, digest: str, answers: Iterable[tuple[str, Results]]) -> int:
    """Each (query text, answer) saved; returns how many. Written in a folder aside and renamed into
    place, so that a reader never meets half of them."""
    folder = graph.parent / ANSWERS_DIR
    scratch = folder.with_name(f".{folder.name}.building")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    saved = 0
    try:
        for text, results in answers:
            write_text(scratch / key(text), render(results, "json"))
            saved += 1
        write_text(scratch / STAMP, json.dumps({"format": FORMAT, "graph_sha256": digest}) + "\n")
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    replace_directory(scratch, folder)
    return saved


def discard_answers(graph: Path) -> None:
    """No saved answers beside this graph: those of an earlier, bigger build would only be stale."""
    shutil.rmtree(graph.parent / ANSWERS_DIR, ignore_errors=True)


def saved_json(graph: Path, text: str) -> str | None:
    """The answer saved for exactly this query text from this very graph, as the SPARQL JSON text that
    `render(results, "json")` wrote: what `csgraph query --format json` prints, so printed as it is."""
    folder = graph.parent / ANSWERS_DIR
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        if stamp != {"format": FORMAT, "graph_sha256": graph_digest(graph)}:
            return None
        return (folder / key(text)).read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError):
        return None


def saved_answer(graph: Path, text: str) -> Results | None:
    """The saved answer (`saved_json`) read back into results."""
    saved = saved_json(graph, text)
    try:
        return None if saved is None else json_results(json.loads(saved))
    except (ValueError, KeyError):
        return None
