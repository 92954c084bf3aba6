"""Open-data export of a built graph: Turtle, N-Triples, JSON-LD, CSV tables, and DCAT-AP metadata.

Reads the graph only, and streams, so that a national graph fits in a few hundred megabytes: graph.ttl is
parsed to N-Triples on disk, sorted in runs and merged (`sorting`); every format of the table in `formats`
is then written from those sorted lines in one pass, subject by subject, looking other nodes up in a small
index of names (`nodes`); last, catalog.ttl describes the files written (`catalog`). Everything emitted is
sorted, so exporting the same graph twice gives the same bytes.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from csgraph.errors import InputError
from csgraph.export.catalog import (
    CATALOG_FILE,
    CatalogSettings,
    ExportedFile,
    Survey,
    catalog_description,
    catalog_graph,
    checked_settings,
)
from csgraph.export.formats import FORMATS, Format
from csgraph.export.nodes import grouped
from csgraph.export.sorting import SORTED_FILE, sort_graph
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


def export(
    graph_path: Path,
    out_dir: Path,
    formats: Sequence[str] | None = None,
    settings: CatalogSettings | None = None,
) -> ExportReport:
    """Write the chosen formats (default: all) into `out_dir`, then `catalog.ttl` describing the files."""
    outputs = chosen(formats)
    settings = checked_settings(settings or CatalogSettings())
    if any((out_dir / name).resolve() == graph_path.resolve() for output in outputs for name in output.files):
        raise InputError(f"{out_dir} holds the graph itself; export to another folder (--out)")
    with scratch_folder(out_dir) as work, contextlib.ExitStack() as writers:
        graph = sort_graph(graph_path, work / SORTED_FILE, work)
        sinks = [writers.enter_context(output.write(graph, out_dir)) for output in outputs]
        survey = Survey(graph.index)
        consumers = [sink.add for sink in sinks if sink.add] + [survey.add]
        for subject, properties in grouped(ox.parse(path=graph.path, format=ox.RdfFormat.N_TRIPLES)):
            for consume in consumers:
                consume(subject, properties)
    files = [
        ExportedFile.of(out_dir / name, distribution)
        for output in outputs
        for name, distribution in output.files.items()
    ]
    rows = {name: count for sink in sinks for name, count in sink.rows.items()}
    report = ExportReport(out_dir, files, rows, graph.triples)
    catalog = catalog_graph(catalog_description(survey.coverage(), report.files, settings))
    write_bytes(report.catalog, catalog.serialize(format="turtle", encoding="utf-8"))
    return report
