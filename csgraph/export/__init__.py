"""Open-data export of a built graph: Turtle, N-Triples, JSON-LD, CSV tables, and DCAT-AP metadata.

Reads the graph only, and streams, so that a national graph fits in a few hundred megabytes: graph.ttl is
parsed to N-Triples on disk, sorted in runs and merged (`sorting`); every format of the table in `formats`
is then written from those sorted lines in one pass, subject by subject, looking other nodes up in a small
index of names (`nodes`); last, catalog.ttl describes the files written (`catalog`). Everything emitted is
sorted, so exporting the same graph twice gives the same bytes.

The formats are shared between the cores (`shares`), each share written by one worker from a reading of
graph.nt of its own, into a staging folder: the files reach `out_dir` only once every share is written.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from csgraph.errors import InputError
from csgraph.export.catalog import (
    CATALOG_FILE,
    CatalogSettings,
    Coverage,
    ExportedFile,
    Survey,
    catalog_description,
    catalog_graph,
    checked_settings,
)
from csgraph.export.formats import FORMATS, Format
from csgraph.export.nodes import grouped
from csgraph.export.sorting import SORTED_FILE, SortedGraph, sort_graph
from csgraph.pool import in_order
from csgraph.writing import write_bytes

__all__ = ["EXPORT_DIR", "FORMATS", "CatalogSettings", "ExportReport", "export"]

EXPORT_DIR = "export"  # beside graph.ttl, where `csgraph export` writes by default


@dataclass
class ExportReport:
    """What an export wrote: every file with its size, the catalog describing them, the table sizes."""

    out_dir: Path
    files: list[ExportedFile] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    triples: int = 0

    @property
    def catalog(self) -> Path:
        return self.out_dir / CATALOG_FILE


def chosen(formats: Sequence[str] | None) -> list[Format]:
    """The formats asked for (default: all), in the order of the table, or an InputError for a wrong name."""
    names = set(formats or FORMATS)
    unknown = sorted(names - FORMATS.keys())
    if unknown:
        raise InputError(f"unknown format {', '.join(unknown)}; choose among {', '.join(FORMATS)}")
    return [output for name, output in FORMATS.items() if name in names]


@contextlib.contextmanager
def scratch_folder(out_dir: Path) -> Iterator[Path]:
    """A hidden folder in `out_dir` (made if missing) for sorting; a folder made for nothing is removed."""
    made = not out_dir.is_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".export-", dir=out_dir) as work:
            yield Path(work)
    except BaseException:
        if made and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise


@dataclass(frozen=True)
class Share:
    """What one worker writes: some formats from one reading of graph.nt, and the survey for the catalog."""

    graph: SortedGraph
    folder: Path
    formats: tuple[str, ...]
    survey: bool


def shares(outputs: list[Format], workers: int) -> list[tuple[tuple[str, ...], bool]]:
    """The formats in at most `workers` groups of about equal cost (the costliest first, each to the
    group that costs least so far), each with whether it also makes the survey for the catalog: the
    group that costs least once every format is placed. The forms of the CSV tables stay together, so
    that their rows are gathered once."""
    units = [[output] for output in outputs if not output.table_form]
    tabled = [output for output in outputs if output.table_form]
    units += [tabled] if tabled else []
    groups: list[list[Format]] = [[] for _ in range(max(1, min(workers, len(units))))]
    for unit in sorted(units, key=lambda formats: -sum(entry.cost for entry in formats)):
        min(groups, key=lambda group: sum(entry.cost for entry in group)).extend(unit)
    costs = [sum(entry.cost for entry in group) for group in groups]
    lightest = costs.index(min(costs))
    return [
        (tuple(entry.name for entry in group), number == lightest)
        for number, group in enumerate(groups)
        if group or number == lightest
    ]


def write_share(share: Share) -> Iterator[tuple[dict[str, int], Coverage | None]]:
    """One share's files, each subject of graph.nt handed to every format of the share that wants it."""
    with contextlib.ExitStack() as writers:
        chosen = [FORMATS[name] for name in share.formats]
        write = [output.write for output in chosen if not output.table_form]
        tabled = [output for output in chosen if output.table_form]
        if tabled:  # csv and spreadsheet from one gathering of the rows
            forms = tuple(output.table_form for output in tabled)
            write.append(functools.partial(tabled[0].write, forms=forms))
        sinks = [writers.enter_context(writer(share.graph, share.folder)) for writer in write]
        survey = Survey(share.graph.index) if share.survey else None
        consumers = [sink.add for sink in sinks if sink.add] + ([survey.add] if survey else [])
        if consumers:
            for subject, properties in grouped(
                ox.parse(path=share.graph.path, format=ox.RdfFormat.N_TRIPLES)
            ):
                for consume in consumers:
                    consume(subject, properties)
    yield (
        {name: count for sink in sinks for name, count in sink.rows.items()},
        survey.coverage() if survey else None,
    )


def export(
    graph_path: Path,
    out_dir: Path,
    formats: Sequence[str] | None = None,
    settings: CatalogSettings | None = None,
    workers: int | None = None,
) -> ExportReport:
    """Write the chosen formats (default: all) into `out_dir`, then `catalog.ttl` describing the files.

    `workers` defaults to every core; the files are the same bytes whatever their number.
    """
    outputs = chosen(formats)
    settings = checked_settings(settings or CatalogSettings())
    if any((out_dir / name).resolve() == graph_path.resolve() for output in outputs for name in output.files):
        raise InputError(f"{out_dir} holds the graph itself; export to another folder (--out)")
    with scratch_folder(out_dir) as work:
        cores = workers or os.cpu_count() or 1
        graph = sort_graph(graph_path, work / SORTED_FILE, work, cores)
        staging = work / "files"
        staging.mkdir()
        groups = shares(outputs, cores)
        tasks = [Share(graph, staging, group, survey) for group, survey in groups]
        results = list(in_order(write_share, tasks, len(tasks)))
        for name in (name for output in outputs for name in output.files):
            os.replace(staging / name, out_dir / name)
    rows = {name: count for written, _ in results for name, count in written.items()}
    coverage = next(surveyed for _, surveyed in results if surveyed is not None)
    files = [
        ExportedFile.of(out_dir / name, distribution)
        for output in outputs
        for name, distribution in output.files.items()
    ]
    report = ExportReport(out_dir, files, rows, graph.triples)
    catalog = catalog_graph(catalog_description(coverage, report.files, settings))
    write_bytes(report.catalog, catalog.serialize(format="turtle", encoding="utf-8"))
    return report
