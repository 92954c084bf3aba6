"""CSV downloads that a French spreadsheet opens as they are: UTF-8 with BOM, `;` between cells, `3,5`.

A person double-clicks these files, so, unlike the published exports (`csgraph.export.tables`), a text
cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is
written with a leading `'`, which spreadsheets take as "this is text". Numbers are numbers, not text:
they get a decimal comma and no prefix, a minus sign included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | int | Decimal | None


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")  # `f`: 1E+3 is written 1000
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(map(cell_text, header))
    writer.writerows(map(cell_text, row) for row in rows)
    return (BOM + stream.getvalue()).encode("utf-8")
