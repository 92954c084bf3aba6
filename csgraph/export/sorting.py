"""The graph as sorted, distinct N-Triples lines on disk, which every export format is written from.

Sorting in runs of RUN_BYTES merged from disk keeps a national graph within a few hundred megabytes, and
sorted lines come grouped by subject, so that writers can take the graph one subject at a time. A graph of
one run (10k fiches) is that run, renamed; lines are written and searched in blocks, not one by one.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import itertools
import mmap
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from csgraph.errors import InputError
from csgraph.export.nodes import Nodes, indexed_lines
from csgraph.pool import in_order
from csgraph.store import require_graph
from csgraph.writing import atomic_write

SORTED_FILE = "graph.nt"
RUN_BYTES = 128 << 20  # N-Triples sorted in memory at a time
MERGED_LINES = 1 << 16  # lines of a merge written at a time
BACKWARDS_BLOCK = 1 << 20
SPLIT_FROM_BYTES = (
    8 << 20
)  # below this, starting workers costs more than reading the file in two halves saves
DIRECTIVE = re.compile(rb"\n[ \t]*(?:@prefix|@base|prefix[ \t]|base[ \t])", re.IGNORECASE)


@dataclass(frozen=True)
class SortedGraph:
    """graph.nt as written, with its size and the index of names that the other files look up."""

    path: Path
    triples: int
    index: Nodes


def sort_graph(graph_path: Path, target: Path, work: Path, workers: int = 1) -> SortedGraph:
    """Write the graph as sorted, distinct N-Triples lines to `target`, using `work` for sorted runs
    made by `workers` processes."""
    runs = sorted_runs(graph_path, work, workers)
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


def sorted_runs(graph_path: Path, work: Path, workers: int = 1) -> list[Path]:
    """The graph's N-Triples lines in sorted files of distinct lines, RUN_BYTES each at most.

    Read from graph.ttl rather than the store: Oxigraph parses Turtle ~8 times faster than its on-disk
    store gives triples back, and the store holds the same triples (its stamp says so). A big graph.ttl
    is cut into pieces of whole paragraphs, each read by a worker of its own; where a piece does not
    read alone (a file not written by `csgraph build`), the file is read whole, which names the error.
    """
    require_graph(graph_path)
    cut = pieces(graph_path, work, workers)
    if cut:
        try:
            return list(in_order(piece_runs, cut, workers))
        except SyntaxError:
            for leftover in [*work.glob("run-*.nt"), *work.glob("unsorted-*.nt")]:
                leftover.unlink()
    try:
        return list(piece_runs(Piece(graph_path, 0, 0, graph_path.stat().st_size, work, 0)))
    except SyntaxError as error:
        raise InputError(f"not valid Turtle: {error}", str(graph_path)) from None


@dataclass(frozen=True)
class Piece:
    """Bytes [start, end) of a Turtle file, read after the file's first `header` bytes (its prefixes)."""

    graph: Path
    header: int
    start: int
    end: int
    work: Path
    number: int


def pieces(graph_path: Path, work: Path, count: int) -> list[Piece]:
    """graph.ttl cut into `count` pieces at blank lines, where `csgraph build` ends a paragraph; none
    for a small file, or one whose prefixes are not all at its head (a piece would read them wrong)."""
    size = graph_path.stat().st_size
    if count < 2 or size < SPLIT_FROM_BYTES:
        return []
    with open(graph_path, "rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        header = data.find(b"\n\n") + 1
        if header <= 0 or not data[:header].startswith(b"@prefix") or DIRECTIVE.search(data, header):
            return []
        cuts = [header]
        for number in range(1, count):
            blank = data.find(b"\n\n", max(cuts[-1], header + (size - header) * number // count))
            if blank < 0:
                break
            cuts.append(blank + 1)
    cuts.append(size)
    return [
        Piece(graph_path, header, start, end, work, number)
        for number, (start, end) in enumerate(itertools.pairwise(cuts))
    ]


def piece_runs(piece: Piece) -> Iterator[Path]:
    """A piece's N-Triples lines in sorted runs of distinct lines: a worker's unit of work."""
    unsorted = piece.work / f"unsorted-{piece.number}.nt"
    with open(piece.graph, "rb") as turtle:  # an unreadable graph is named; a full disk is not blamed on it
        ox.serialize(
            ox.parse(PieceReader(turtle, piece), format=ox.RdfFormat.TURTLE),
            unsorted,
            format=ox.RdfFormat.N_TRIPLES,
        )
    with open(unsorted, "rb") as stream:
        runs = 0
        while lines := stream.readlines(RUN_BYTES):
            run = piece.work / f"run-{piece.number}-{runs}.nt"
            runs += 1
            with open(run, "wb") as written:
                written.write(b"".join(sorted(set(lines))))
            yield run
    unsorted.unlink()


class PieceReader(io.RawIOBase):
    """The file's head, then the piece's bytes, read as one stream: a national piece never sits in memory."""

    def __init__(self, stream: BinaryIO, piece: Piece) -> None:
        self.stream = stream
        self.ranges = [(0, piece.header), (piece.start, piece.end)]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        view = memoryview(buffer).cast("B")
        while self.ranges:
            start, end = self.ranges[0]
            if start >= end:
                self.ranges.pop(0)
                continue
            self.stream.seek(start)
            read = self.stream.readinto(view[: end - start])
            if not read:
                raise OSError(f"{self.stream.name}: changed while it was read")
            self.ranges[0] = (start + read, end)
            return read
        return 0


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
