"""Fiche text on the terminal: shown, never obeyed.

A fiche may hold ANSI escapes, bidi marks (U+202E) or rich markup (`[/x]`); printed raw they could
drive the terminal, reorder a line, or crash the printer. Every label that reaches the screen goes
through `inert` (for rich Text cells) or `shown` (for strings rich reads as markup).
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from csgraph.catalogue import StoredQuery
from csgraph.networks import KIND_NAMES, View
from csgraph.results import NUMERIC_DATATYPES, Results, Term
from csgraph.vocabulary import PREFIXES

# C0/C1 controls (ANSI escapes, newlines) and the bidi marks that reorder what a reader sees (U+202E).
UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SHOWN_CHARS = 500  # a warning quoting a 5 MB line shows its start; --report keeps it whole


def inert(text: object) -> str:
    """One line, controls and bidi marks written as `\\u001b`, cut at SHOWN_CHARS."""
    line = str(text)
    line = line if len(line) <= SHOWN_CHARS else line[:SHOWN_CHARS] + "…"
    return UNSHOWN.sub(lambda match: f"\\u{ord(match.group()):04x}", line)


def shown(text: object) -> str:
    """`inert`, with rich markup escaped, for strings printed as markup."""
    return escape(inert(text))


def display(term: Term | None) -> str:
    """What a person reads: the value, IRIs shortened with the project's prefixes."""
    if term is None:
        return ""
    if term.type == "bnode":
        return f"_:{term.value}"
    if term.type == "uri":
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
    return term.value


def results_table(results: Results, title: str | None = None) -> Table:
    """Rows for people; numbers right-aligned; cells are Text, so fiche text is never read as markup."""
    table = Table(title=Text(title) if title else None, caption=f"{len(results.rows)} row(s)")
    for index, name in enumerate(results.variables):
        column = [row[index] for row in results.rows if row[index] is not None]
        numeric = bool(column) and all(term.datatype in NUMERIC_DATATYPES for term in column)
        table.add_column(name, justify="right" if numeric else "left")
    for row in results.rows:
        table.add_row(*(Text(inert(display(term))) for term in row))
    return table


def queries_table(queries: list[StoredQuery]) -> Table:
    table = Table(title="Questions (csgraph query NAME)")
    table.add_column("name", no_wrap=True)
    table.add_column("title")
    table.add_column("parameters")
    for query in queries:
        parameters = ", ".join(map(str, query.parameters))
        table.add_row(Text(query.name), Text(query.title), Text(parameters))
    return table


def central_table(projected: View) -> Table:
    """The most central nodes of each kind, for the terminal; labels stay text, never rich markup."""
    table = Table(title=f"Most central in {projected.name}", title_justify="left")
    for heading in ("kind", "name", "degree", "betweenness"):
        table.add_column(heading, justify="right" if heading in ("degree", "betweenness") else "left")
    for kind, label, degree, betweenness in projected.central():
        table.add_row(KIND_NAMES[kind][0], Text(inert(label)), str(degree), f"{betweenness:.3f}")
    return table
