"""The graph as sorted, distinct N-Triples lines on disk, which every export format is written from.

Sorting in runs of RUN_BYTES merged from disk keeps a national graph within a few hundred megabytes, and
sorted lines come grouped by subject, so that writers can take the graph one subject at a time. A graph of
one run (10k fiches) is that run, renamed; lines are written and searched in blocks, not one by one.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from csgraph.errors import InputError
from csgraph.export.nodes import Nodes, indexed_lines
from csgraph.store import require_graph
from csgraph.writing import atomic_write

SORTED_FILE = "graph.nt"
RUN_BYTES = 128 << 20  # N-Triples sorted in memory at a time
MERGED_LINES = 1 << 16  # lines of a merge written at a time
BACKWARDS_BLOCK = 1 << 20


@dataclass(frozen=True)
class SortedGraph:
    """graph.nt as written, with its size and the index of names that the other files look up."""

    path: Path
    triples: int
    index: Nodes


def sort_graph(graph_path: Path, target: Path, work: Path) -> SortedGraph:
    """Write the graph as sorted, distinct N-Triples lines to `target`, using `work` for sorted runs."""
    runs = sorted_runs(graph_path, work)
    if not runs:
        raise InputError("the graph holds no triple; rebuild it with `csgraph build`", str(graph_path))
    triples, indexed = 0, []
    if len(runs) == 1:
        os.replace(runs[0], target)
        with open(target, "rb") as stream:
            while block := b"".join(stream.readlines(RUN_BYTES)):
                triples += block.count(b"\n")
                indexed.extend(indexed_lines(block))
    else:
        with atomic_write(target) as stream:
            for block in merged(runs):
                stream.write(block)
                triples += block.count(b"\n")
                indexed.extend(indexed_lines(block))
        for run in runs:
            run.unlink()
    return SortedGraph(target, triples, Nodes.parse(b"".join(indexed)))


def sorted_runs(graph_path: Path, work: Path) -> list[Path]:
    """The graph's N-Triples lines in sorted files of distinct lines, RUN_BYTES each at most.

    Read from graph.ttl rather than the store: Oxigraph parses Turtle ~8 times faster than its on-disk
    store gives triples back, and the store holds the same triples (its stamp says so).
    """
    require_graph(graph_path)
    unsorted = work / "unsorted.nt"
    with open(graph_path, "rb") as turtle:  # an unreadable graph is named; a full disk is not blamed on it
        try:
            ox.serialize(
                ox.parse(turtle, format=ox.RdfFormat.TURTLE), unsorted, format=ox.RdfFormat.N_TRIPLES
            )
        except SyntaxError as error:
            raise InputError(f"not valid Turtle: {error}", str(graph_path)) from None
    runs: list[Path] = []
    with open(unsorted, "rb") as stream:
        while lines := stream.readlines(RUN_BYTES):
            runs.append(work / f"run-{len(runs)}.nt")
            with open(runs[-1], "wb") as run:
                run.write(b"".join(sorted(set(lines))))
    unsorted.unlink()
    return runs


def merged(runs: Sequence[Path]) -> Iterator[bytes]:
    """The distinct lines of sorted files, in byte order, in blocks of MERGED_LINES lines.

    Oxigraph escapes every control character in N-Triples, so sorting lines with their `\\n` is sorting
    them without it.
    """
    with contextlib.ExitStack() as stack:
        streams = [stack.enter_context(open(run, "rb")) for run in runs]
        previous = b""
        block: list[bytes] = []
        for line in heapq.merge(*streams):
            if line != previous:
                block.append(line)
                previous = line
                if len(block) == MERGED_LINES:
                    yield b"".join(block)
                    block = []
        if block:
            yield b"".join(block)


def lines_backwards(path: Path) -> Iterator[bytes]:
    """The lines of a file that ends in a line break, last first, in blocks of whole lines."""
    with open(path, "rb") as stream:
        end = stream.seek(0, os.SEEK_END)
        rest = b""  # the start of a line begun before the block read last
        while end:
            start = max(0, end - BACKWARDS_BLOCK)
            stream.seek(start)
            data = stream.read(end - start) + rest
            end = start
            cut = data.find(b"\n") + 1 if start else 0
            rest, block = data[:cut], data[cut:]
            if block:
                lines = block[:-1].split(b"\n")
                lines.reverse()
                yield b"\n".join(lines) + b"\n"


def graph_ntriples(graph_path: Path) -> bytes:
    """The built graph as sorted N-Triples, whole in memory, for validation (rdflib holds it all anyway)."""
    with tempfile.TemporaryDirectory() as work:
        return sort_graph(graph_path, Path(work) / SORTED_FILE, Path(work)).path.read_bytes()
