"""What `csgraph build` makes beside the store once the graph is written, on every core at once.

The lists' and similar actions' indexes (csgraph.action_index, csgraph.similar) and the bundled
questions' answers (csgraph.answers) each read the graph on their own, so each has a worker process of its
own rather than waiting for the other (`tasks` says which go together).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from csgraph.answers import SAVED_FROM_BYTES, discard_answers
from csgraph.heap import give_back
from csgraph.pool import in_order

Task = tuple[str, Path, Path | None]  # the kind of index, the graph, the build's facts


def make(task: Task) -> Iterator[None]:
    """One kind of index for one graph: a worker's unit of work."""
    kind, graph, facts = task
    if kind == "answers":
        from csgraph.engines import answer_bundled

        answer_bundled(graph)
    elif kind == "lists" and facts is not None:
        from csgraph.action_index import index_lists

        index_lists(graph, facts)
    else:
        from csgraph.similar import index_graph

        index_graph(graph, facts=facts, lists=kind == "lists+similar")
    yield from ()


def tasks(graph: Path, answers: bool, cores: int, facts: Path | None) -> list[Task]:
    """With answers, they and both actions' indexes from one reading (the answers first: quicker, their
    worker stops and frees its memory while the other goes on). Without, each actions' index on a core of
    its own when there are two and the build's facts to read twice (10k fiches: 3.0 → 2.3 s)."""
    if answers:
        return [("answers", graph, facts), ("lists+similar", graph, facts)]
    if cores > 1 and facts is not None:
        return [("similar", graph, facts), ("lists", graph, facts)]
    return [("lists+similar", graph, facts)]


def index_built(
    graph: Path, workers: int | None = None, answers_from: int = SAVED_FROM_BYTES, facts: Path | None = None
) -> None:
    """Every index beside the store of `graph`, each from this very graph (they are stamped with it);
    the answers only for a graph.ttl of `answers_from` bytes or more. The actions' `facts` that the build
    wrote (csgraph.build) stand in for reading the actions back out of the store, and are removed."""
    answers = graph.stat().st_size >= answers_from
    if not answers:
        discard_answers(graph)
    cores = workers or os.cpu_count() or 1
    give_back()  # the build's freed pages, before the workers inherit them
    try:
        todo = tasks(graph, answers, cores, facts)
        for _ in in_order(make, todo, min(cores, len(todo))):
            pass
    finally:
        if facts is not None:
            facts.unlink(missing_ok=True)
