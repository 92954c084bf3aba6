"""Big files cut at fiche boundaries, so that every worker reads a share of one file.

A national export often comes as one file, and a build reading it whole kept one core busy. It is cut
into spans that each start at a fiche's title line, where the parser reading the whole file is in the
state a fresh parser starts in, but for the years the index tables before the first fiche gave: every
span starts from those. So each span gives the fiches and notices that the whole file gives for its
lines, in the same order, and a build on any number of workers writes the same bytes. Two things are
checked or put together as the spans come back, in order: a span that did not start from the years the
span before it ended with is read again from those, and the file's one notice of lines read as
Windows-1252 is made from every span's lines.
"""

from __future__ import annotations

import itertools
import mmap
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from csgraph.fiches import SpanEnd, classify, preamble_years
from csgraph.model import Notice
from csgraph.reading import (
    LEGACY,
    SNIFF_BYTES,
    UTF16_BOMS,
    InputFile,
    Span,
    legacy_notice,
    looks_binary,
    utf16_without_bom,
)

Record = TypeVar("Record")

SPLIT_FROM_BYTES = 4 << 20  # smaller files are read whole
SPAN_BYTES = (1 << 20, 16 << 20)  # the smallest and biggest span: a few in flight per worker stay small
SPANS_PER_WORKER = 4  # spans come back in order: more of them than workers keeps every worker busy
LINE_START_ACTIONS = re.compile(rb"\n[ \t]*Actions")
BARE_CR = re.compile(rb"\r(?!\n)")  # old Mac line ends: the reader counts lines otherwise than `\n` does


@dataclass(frozen=True)
class SpanTask:
    """One span of a file to read, and the years (title key, year) its fiches are read with."""

    entry: InputFile
    span: Span
    years: tuple[tuple[str, int], ...]


@dataclass
class SpanRecords(Generic[Record]):
    """What a worker gives back for a span: its records and SpanEnd, in reading order."""

    task: SpanTask
    records: list[Record | Notice | SpanEnd]


def parts(entries: Sequence[InputFile], workers: int) -> list[InputFile | SpanTask]:
    """The files to read, big ones cut into spans when there are several workers to share them."""
    found: list[InputFile | SpanTask] = []
    for entry in entries:
        tasks = spans(entry, workers) if workers > 1 else None
        found.extend(tasks or [entry])
    return found


def spans(entry: InputFile, workers: int) -> list[SpanTask] | None:
    """The spans of a big plain file (UTF-8 or Windows-1252, LF or CRLF); None to read it whole.

    UTF-16 files, binary ones and bare CR line ends are read whole: their lines are not where `\\n` says.
    """
    try:
        size = entry.path.stat().st_size
        if size < SPLIT_FROM_BYTES:
            return None
        with open(entry.path, "rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            head = data[:SNIFF_BYTES]
            if head.startswith(UTF16_BOMS) or utf16_without_bom(head) or looks_binary(head):
                return None
            if data.find(b"\r") >= 0 and BARE_CR.search(data):  # most exports hold no CR: looked for first
                return None
            span_bytes = min(max(size // (workers * SPANS_PER_WORKER), SPAN_BYTES[0]), SPAN_BYTES[1])
            cuts = [0]
            while (cut := boundary(data, cuts[-1] + span_bytes)) is not None:
                cuts.append(cut)
            if len(cuts) == 1:
                return None
            lines = [0]
            for start, end in itertools.pairwise(cuts):
                lines.append(lines[-1] + line_ends(data, start, end))
            cuts.append(size)
    except (OSError, ValueError):  # read whole, which reports what is wrong with the file
        return None
    years = tuple(sorted(preamble_years(entry).items()))
    count = len(cuts) - 1
    return [
        SpanTask(entry, Span(cuts[index], cuts[index + 1], lines[index], index == count - 1), years)
        for index in range(count)
    ]


def line_ends(data: mmap.mmap, start: int, end: int) -> int:
    """The `\n` bytes between two offsets, counted in the mapped file itself: counting copies of the spans
    kept one core busy before the workers started (a 393 MB file: 0.3 s, and 0.06 s so)."""
    import numpy as np  # the build's indexes import it anyway

    return int(np.count_nonzero(np.frombuffer(data, np.uint8, end - start, start) == ord("\n")))


def boundary(data: mmap.mmap, offset: int) -> int | None:
    """The first line start at or after `offset` where a span may begin, if any."""
    while (found := LINE_START_ACTIONS.search(data, max(offset - 1, 0))) is not None:
        start = found.start() + 1
        if starts_span(data, start):
            return start
        offset = found.end()
    return None


def line_text(data: mmap.mmap, start: int) -> tuple[str, int]:
    """The line starting at byte `start` as the reader decodes it, and where the next line starts."""
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    raw = data[start:end].removesuffix(b"\r")
    return raw.decode("utf-8", errors=LEGACY).replace("\x00", ""), end + 1


def previous_line_start(data: mmap.mmap, start: int) -> int:
    return data.rfind(b"\n", 0, max(start - 1, 0)) + 1


def starts_span(data: mmap.mmap, start: int) -> bool:
    """A title line that ends the fiche before it and starts one, whatever came before.

    `Actions "TITLE"` with a title, or `Actions` followed at once by a line (the listing layout's title);
    not right after a lone `Actions`, which would take this line for its title. An empty title's notice
    comes before the fiche it ends, so such a line is no place to cut either.
    """
    text, following = line_text(data, start)
    line = classify(text)
    if line.kind == "title-next":
        if following >= len(data) or not line_text(data, following)[0].strip():
            return False
    elif line.kind != "title" or not line.text:
        return False
    before = start
    while before > 0:
        before = previous_line_start(data, before)
        previous = line_text(data, before)[0]
        if previous.strip():
            return classify(previous).kind != "title-next"
    return False  # nothing before it: no span ends there


def joined(
    results: Iterable[Record | Notice | SpanRecords[Record]],
    again: Callable[[SpanTask], list[Record | Notice | SpanEnd]],
) -> Iterator[Record | Notice]:
    """The records of whole files and spans as the whole files give them.

    `again` reads a span anew, from the years the span before it ended with, when it started from others.
    """
    ended: tuple[tuple[str, int], ...] = ()
    legacy: list[int] = []
    for result in results:
        if not isinstance(result, SpanRecords):
            yield result
            continue
        task, records = result.task, result.records
        if task.span.start == 0:
            legacy = []
        elif task.years != ended:
            records = again(replace(task, years=ended))
        for record in records:
            if not isinstance(record, SpanEnd):
                yield record
                continue
            ended = record.years
            legacy.extend(record.legacy_lines)
            if task.span.last and legacy:
                yield legacy_notice(task.entry.name, legacy)
