"""The export formats, in one table: what `--format` accepts, which module writes it, the files it gives
and how the catalog describes each file.

`export()` writes from this table and the CLI's `--format` help is made from it, so a format is added here
and nowhere else (as datasette keeps its output renderers in one registry).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass

from csgraph.export import jsonld, ntriples, tables, turtle
from csgraph.export.catalog import Distribution
from csgraph.export.nodes import Sink

Writer = Callable[..., AbstractContextManager[Sink]]  # (graph, folder), and `forms=` for the tables


@dataclass(frozen=True)
class Format:
    """One choice of `--format`."""

    name: str
    description: str  # for the `--format` help
    write: Writer  # writes `files` into the folder it is given
    files: Mapping[str, Distribution]  # file name → what a portal must know of it, in the order reported
    cost: int  # tenths of a second of CPU it took at 10k fiches beyond reading graph.nt: how formats are
    # shared between workers (the catalog's survey took 3)
    table_form: str | None = None  # a form of the CSV tables: its `write` takes the forms to write, and the
    # forms asked share one gathering of the rows


FORMATS = {
    entry.name: entry
    for entry in (
        Format(
            "turtle",
            "the graph in Turtle (graph.ttl)",
            turtle.write,
            {
                turtle.FILE: Distribution(
                    "text/turtle", "RDF_TURTLE", "Graphe complet (Turtle)", "Full graph (Turtle)", True
                )
            },
            4,
        ),
        Format(
            "ntriples",
            "the graph as sorted N-Triples (graph.nt)",
            ntriples.write,
            {
                ntriples.FILE: Distribution(
                    "application/n-triples",
                    "RDF_N_TRIPLES",
                    "Graphe complet (N-Triples)",
                    "Full graph (N-Triples)",
                    True,
                )
            },
            0,
        ),
        Format(
            "jsonld",
            "the graph as compact JSON-LD (graph.jsonld)",
            jsonld.write,
            {
                jsonld.FILE: Distribution(
                    "application/ld+json", "JSON_LD", "Graphe complet (JSON-LD)", "Full graph (JSON-LD)", True
                )
            },
            11,
        ),
        Format(
            "csv",
            f"{len(tables.TABLES)} tables ({', '.join(table.file_name for table in tables.TABLES)})",
            tables.write,
            {
                table.file_name: Distribution("text/csv", "CSV", table.title_fr, table.title_en)
                for table in tables.TABLES
            },
            9,
            "csv",
        ),
        Format(
            "spreadsheet",
            "the same tables for a French spreadsheet (BOM, ';', decimal comma)",
            tables.write,
            {
                table.spreadsheet_name: Distribution(
                    "text/csv",
                    "CSV",
                    f"{table.title_fr}, pour tableur (« ; », virgule décimale)",
                    f"{table.title_en}, for spreadsheets (';', decimal comma)",
                )
                for table in tables.TABLES
            },
            7,  # beyond the rows it shares with csv (13 alone)
            "spreadsheet",
        ),
    )
}


def format_help() -> str:
    """`turtle: the graph in Turtle (graph.ttl); …`, for the CLI."""
    return "; ".join(f"{entry.name}: {entry.description}" for entry in FORMATS.values())
