"""The whole `build`: fiche files -> records -> N-Triples -> store -> graph.ttl (+ persistent store).

Outputs appear only once complete: the Turtle is written atomically and the store is built in
a scratch folder and swapped in, so an interrupted build leaves the previous outputs usable.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from csgraph.errors import InputError
from csgraph.fiches import label_key, read_entries
from csgraph.mapping import GraphWriter
from csgraph.model import Fiche, Notice
from csgraph.reading import InputFile, find_input_files
from csgraph.store import load_graph, save_store, write_turtle
from csgraph.vocabulary import Vocabulary

GRAPH_FILE = "graph.ttl"
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

    def lines() -> Iterator[str]:
        for fiche in read_entries(entries, report.notices, workers):
            report.fiches += 1
            if on_fiche:
                on_fiche(fiche)
            yield from writer.fiche_triples(fiche)

    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = out_dir / f".store-building-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        store = load_graph(lines(), scratch if keep_store else None)
        if report.fiches == 0:
            raise InputError("no fiche found", ", ".join(str(path) for path in paths))
        report.triples = write_turtle(store, report.graph)
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
