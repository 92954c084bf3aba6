"""Fiche text on the terminal: shown, never obeyed.

A fiche may hold ANSI escapes, bidi marks (U+202E) or rich markup (`[/x]`); printed raw they could
drive the terminal, reorder a line, or crash the printer. Every label that reaches the screen goes
through `inert` (for rich Text cells) or `shown` (for strings rich reads as markup).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from csgraph.catalogue import StoredQuery
from csgraph.formatting import count, number, tr
from csgraph.results import NUMERIC_DATATYPES, Results, Term
from csgraph.vocabulary import PREFIXES

if TYPE_CHECKING:  # networkx takes a tenth of a second to import: only `viz` pays for it
    from csgraph.networks import View

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


def results_table(results: Results, title: str | None = None, lang: str = "fr") -> Table:
    """Rows for people; numbers right-aligned; cells are Text, so fiche text is never read as markup."""
    rows = tr(lang, count(len(results.rows), "fr", "ligne"), f"{len(results.rows)} row(s)")
    table = Table(title=Text(title) if title else None, caption=rows)
    for index, name in enumerate(results.variables):
        column = [row[index] for row in results.rows if row[index] is not None]
        numeric = bool(column) and all(term.datatype in NUMERIC_DATATYPES for term in column)
        table.add_column(name, justify="right" if numeric else "left")
    for row in results.rows:
        table.add_row(*(Text(inert(display(term))) for term in row))
    return table


def queries_table(queries: list[StoredQuery], lang: str = "fr") -> Table:
    table = Table(title=tr(lang, "Questions (csgraph query NOM)", "Questions (csgraph query NAME)"))
    table.add_column(tr(lang, "nom", "name"), no_wrap=True)
    table.add_column(tr(lang, "titre", "title"))
    table.add_column(tr(lang, "paramètres", "parameters"))
    for query in queries:
        parameters = ", ".join(
            f"{parameter.name} ({tr(lang, 'facultatif', 'optional')})"
            if parameter.optional
            else parameter.name
            for parameter in query.parameters
        )
        title = tr(lang, query.title_fr or query.title, query.title)
        table.add_row(Text(query.name), Text(title), Text(parameters))
    return table


def central_table(projected: View, lang: str = "fr") -> Table:
    """The most central nodes of each kind, for the terminal; labels stay text, never rich markup.

    In French, degree is `liens` (how many nodes a node is linked to) and betweenness `intermédiarité`
    (how often it lies on the shortest paths between others), the words French network studies use."""
    title = tr(lang, f"Au cœur du réseau ({projected.name})", f"Most central in {projected.name}")
    table = Table(title=title, title_justify="left")
    table.add_column(tr(lang, "type", "kind"))
    table.add_column(tr(lang, "nom", "name"))
    table.add_column(tr(lang, "liens", "degree"), justify="right")
    table.add_column(tr(lang, "intermédiarité", "betweenness"), justify="right")
    from csgraph.networks import KIND_NAMES, KIND_NAMES_FR

    kinds = KIND_NAMES_FR if lang == "fr" else KIND_NAMES
    for kind, label, degree, betweenness in projected.central():
        table.add_row(
            kinds[kind][0], Text(inert(label)), number(degree, lang), number(f"{betweenness:.3f}", lang)
        )
    return table
