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
    """Move the sorted graph into `out_dir` once the pass is over: the other writers read it until then.

    The sort writes beside `out_dir` (in its scratch folder), so the move is a rename.
    """
    yield Sink()
    os.replace(graph.path, out_dir / FILE)
