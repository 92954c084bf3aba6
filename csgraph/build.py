"""The whole `build`: fiche files -> records -> N-Triples -> store -> graph.ttl (+ persistent store).

Outputs appear only once complete: the Turtle is written atomically and the store is built in
a scratch folder and swapped in, so an interrupted build leaves the previous outputs usable.
"""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from csgraph.errors import InputError
from csgraph.fiches import label_key, read_entries
from csgraph.mapping import GraphWriter
from csgraph.model import Fiche, Notice
from csgraph.reading import InputFile, find_input_files
from csgraph.store import STAMP_FILE, fill_store, save_store, vocabulary_lines
from csgraph.turtle import TurtleWriter
from csgraph.vocabulary import PREFIXES, Vocabulary
from csgraph.writing import atomic_write, process_running, remove_dead_temporaries

GRAPH_FILE = "graph.ttl"
SCRATCH_PREFIX = ".store-building-"  # + the pid of the build that owns it
PARALLEL_FROM_BYTES = 8 * 1024 * 1024  # below this, starting worker processes costs more than it saves


@dataclass
class BuildReport:
    """What a build read and wrote: the figures its summary prints."""

    graph: Path
    fiches: int = 0
    actions: int = 0
    structures: int = 0
    departements: int = 0
    partner_types: int = 0
    keywords: int = 0
    triples: int = 0
    notices: list[Notice] = field(default_factory=list)


def distinct(fiches: Iterable[Fiche], attribute: str) -> int:
    return len({label_key(value) for fiche in fiches for value in getattr(fiche, attribute)})


def remove_dead_leftovers(out_dir: Path) -> None:
    """Scratch stores and half-written files left by builds killed outright (SIGKILL, a power cut).

    Ctrl-C and SIGTERM clean up after themselves; these can weigh gigabytes and are removed by the
    next build, unless the build that owns them is still running.
    """
    for scratch in out_dir.glob(f"{SCRATCH_PREFIX}*"):
        owner = scratch.name.removeprefix(SCRATCH_PREFIX)
        if owner.isdigit() and not process_running(int(owner)):
            shutil.rmtree(scratch, ignore_errors=True)
    for name in (GRAPH_FILE, STAMP_FILE):
        remove_dead_temporaries(out_dir, name)


def no_fiche_message(notices: list[Notice]) -> str:
    """The failure says why on its one line (`binary file…`), since the warnings are not printed after it."""
    if not notices:
        return "no fiche found"
    more = f"; and {len(notices) - 1} more warning(s)" if len(notices) > 1 else ""
    return f"no fiche found ({notices[0]}{more})"


def build(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    keep_store: bool = True,
    workers: int | None = None,
    on_start: Callable[[list[InputFile]], None] | None = None,
    on_fiche: Callable[[Fiche], None] | None = None,
) -> BuildReport:
    """Read every fiche under `paths` and write `out_dir/graph.ttl` (and `out_dir/store/`).

    `workers` defaults to every core once the input is big enough for worker processes to pay.
    """
    report = BuildReport(graph=out_dir / GRAPH_FILE)
    writer = GraphWriter(Vocabulary.load(), report.notices)
    entries = find_input_files(list(paths), report.notices)
    if workers is None:
        size = sum(entry.path.stat().st_size for entry in entries)
        workers = (os.cpu_count() or 1) if size > PARALLEL_FROM_BYTES else 1
    if on_start:
        on_start(entries)

    out_dir.mkdir(parents=True, exist_ok=True)
    remove_dead_leftovers(out_dir)
    scratch = out_dir / f"{SCRATCH_PREFIX}{os.getpid()}"
    try:
        with atomic_write(report.graph) as stream:
            turtle = TurtleWriter(stream, PREFIXES)

            def lines() -> Iterator[str]:
                for block in vocabulary_lines():
                    turtle.write(block)
                    yield from block
                for fiche in read_entries(entries, report.notices, workers):
                    report.fiches += 1
                    if on_fiche:
                        on_fiche(fiche)
                    block = list(writer.fiche_triples(fiche))
                    turtle.write(block)
                    yield from block

            if keep_store:
                fill_store(lines(), scratch)
            else:
                deque(lines(), maxlen=0)
            if report.fiches == 0:
                raise InputError(no_fiche_message(report.notices), ", ".join(str(path) for path in paths))
        report.triples = turtle.triples
        if keep_store:
            save_store(scratch, report.graph)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    actions = list(writer.seen_actions.values())
    report.actions = len(actions)
    report.structures = len(writer.structures)
    report.departements = len(writer.departements)
    report.partner_types = distinct(actions, "partners")
    report.keywords = distinct(actions, "keywords")
    return report
