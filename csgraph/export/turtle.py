"""Turtle: graph.ttl with the project's prefixes, subjects grouped, written by Oxigraph from graph.nt."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from csgraph.export.nodes import Sink
from csgraph.export.sorting import SortedGraph, lines_backwards
from csgraph.store import GRAPH_FILE
from csgraph.vocabulary import PREFIXES
from csgraph.writing import atomic_write

FILE = GRAPH_FILE  # the export's Turtle is named as the graph it copies


class SortedPrefixes:
    """Turtle passed on to `target`, with the @prefix lines Oxigraph writes first (in hash order) sorted."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.head: bytearray | None = bytearray()

    def write(self, data: bytes) -> int:
        if self.head is None:
            return self.target.write(data)
        self.head += data
        start = 0
        while (end := self.head.find(b"\n", start)) >= 0:
            if not self.head.startswith(b"@prefix", start):
                self.close(start)
                break
            start = end + 1
        return len(data)

    def flush(self) -> None:
        """Oxigraph flushes when done; the header is held until the body shows where it ends."""

    def close(self, end: int | None = None) -> None:
        """Write the header, sorted, and whatever followed it."""
        if self.head is not None:
            head, self.head = self.head, None
            end = len(head) if end is None else end
            self.target.write(b"".join(sorted(head[:end].splitlines(keepends=True))) + head[end:])


def write_turtle(ntriples: Path, path: Path) -> None:
    """Turtle from sorted N-Triples, read last line first.

    Subjects, properties and values thus come in descending order, the order graph.ttl is published in:
    its checksum, which portals keep, changes only when the data does.
    """
    with atomic_write(path) as stream:
        sink = SortedPrefixes(stream)
        triples = (
            triple
            for block in lines_backwards(ntriples)
            for triple in ox.parse(block, format=ox.RdfFormat.N_TRIPLES)
        )
        ox.serialize(triples, sink, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        sink.close()


@contextlib.contextmanager
def write(graph: SortedGraph, out_dir: Path) -> Iterator[Sink]:
    """graph.ttl, written whole before the pass over the subjects."""
    write_turtle(graph.path, out_dir / FILE)
    yield Sink()
