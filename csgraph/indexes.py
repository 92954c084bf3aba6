"""What `csgraph build` makes beside the store once the graph is written, on every core at once.

The lists' and similar actions' indexes (csgraph.similar) and the bundled questions' answers
(csgraph.answers) each read the store on their own and take about as long at national scale, so each
has a worker process of its own rather than waiting for the other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from csgraph.pool import in_order

KINDS = ("similar", "answers")


def make(kind_and_graph: tuple[str, Path]) -> Iterator[None]:
    """One kind of index for one graph: a worker's unit of work."""
    kind, graph = kind_and_graph
    if kind == "similar":
        from csgraph.similar import index_graph

        index_graph(graph)
    else:
        from csgraph.engines import answer_bundled

        answer_bundled(graph)
    yield from ()


def index_built(graph: Path, workers: int | None = None) -> None:
    """Every index beside the store of `graph`, each from this very graph (they are stamped with it)."""
    cores = workers or os.cpu_count() or 1
    for _ in in_order(make, [(kind, graph) for kind in KINDS], min(cores, len(KINDS))):
        pass
