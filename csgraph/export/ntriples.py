"""N-Triples: graph.nt is the sorted graph itself, one distinct triple a line in byte order."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from csgraph.export.nodes import Sink
from csgraph.export.sorting import SORTED_FILE, SortedGraph

FILE = SORTED_FILE


@contextlib.contextmanager
def write(graph: SortedGraph, out_dir: Path) -> Iterator[Sink]:
    """Link the sorted graph into `out_dir` once this pass is over.

    A link, not a move: the other formats may still be reading graph.nt in another worker. The sort
    writes in `out_dir`'s scratch folder, on the same disk, so the link costs nothing.
    """
    yield Sink()
    linked = out_dir / f".{FILE}.linking"
    linked.unlink(missing_ok=True)
    os.link(graph.path, linked)
    os.replace(linked, out_dir / FILE)
