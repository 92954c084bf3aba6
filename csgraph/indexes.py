"""What `csgraph build` makes beside the store once the graph is written, on every core at once.

The lists' and similar actions' indexes (csgraph.similar) and the bundled questions' answers
(csgraph.answers) each read the store on their own, so each has a worker process of its own rather than
waiting for the other; the answers, quicker (25 s against 45 s at 100k), stop and free their memory
first. A graph too small to need saved answers gets the similar actions' index alone, in this process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from csgraph.answers import SAVED_FROM_BYTES, discard_answers
from csgraph.heap import give_back
from csgraph.pool import in_order

KINDS = ("answers", "similar")  # the quicker first: heard from first, its worker stops as the other goes on


def make(task: tuple[str, Path, Path | None]) -> Iterator[None]:
    """One kind of index for one graph: a worker's unit of work."""
    kind, graph, facts = task
    if kind == "similar":
        from csgraph.similar import index_graph

        index_graph(graph, facts=facts)
    else:
        from csgraph.engines import answer_bundled

        answer_bundled(graph)
    yield from ()


def index_built(
    graph: Path, workers: int | None = None, answers_from: int = SAVED_FROM_BYTES, facts: Path | None = None
) -> None:
    """Every index beside the store of `graph`, each from this very graph (they are stamped with it);
    the answers only for a graph.ttl of `answers_from` bytes or more. The actions' `facts` that the build
    wrote (csgraph.build) stand in for reading the actions back out of the store, and are removed."""
    kinds = KINDS
    if graph.stat().st_size < answers_from:
        discard_answers(graph)
        kinds = tuple(kind for kind in KINDS if kind != "answers")
    cores = workers or os.cpu_count() or 1
    give_back()  # the build's freed pages, before the workers inherit them
    try:
        for _ in in_order(make, [(kind, graph, facts) for kind in kinds], min(cores, len(kinds))):
            pass
    finally:
        if facts is not None:
            facts.unlink(missing_ok=True)
