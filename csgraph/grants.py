"""SCDL "subventions" CSV files (grants public bodies declare) -> `Grant` records.

Publishers write them with `;` or `,`, in UTF-8 or Windows-1252, amounts as `47800.2` or
`47 800,20`. A file is one when its header holds the schema's columns, whatever its name. A row
with no amount, a malformed SIRET or a date that is not a date is kept, with a notice naming file
and line: declared money is never dropped without a word.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from csgraph.errors import InputError
from csgraph.model import Notice
from csgraph.reading import InputFile, display_name
from csgraph.siret import valid_siret

COLUMNS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
)
REQUIRED = {"nomAttribuant", "idAttribuant", "nomBeneficiaire", "idBeneficiaire", "montant"}
SPACES = re.compile(r"[\s\u00a0\u202f]")
DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class Grant:
    """One row of an SCDL file; identifiers compacted when they are valid SIRETs, else as written."""

    file: str
    line: int
    funder: str
    funder_siret: str | None
    beneficiary: str
    beneficiary_siret: str | None
    amount: Decimal | None
    date: date | None = None
    reference: str | None = None
    object: str | None = None
    nature: str | None = None
    conditions: str | None = None
    payment_period: str | None = None
    eu_notification: bool | None = None
    percentage: Decimal | None = None
    scheme: str | None = None  # dispositifAide


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: the two encodings publishers use."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def header_of(text: str) -> tuple[list[str], str] | None:
    """The columns and separator when the first line is an SCDL header, else None."""
    first = text.split("\n", 1)[0].strip("\r")
    separator = ";" if first.count(";") > first.count(",") else ","
    columns = [column.strip().strip('"') for column in first.split(separator)]
    return (columns, separator) if set(columns) >= REQUIRED else None


def is_grants_file(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            return header_of(decode(stream.read(4096))) is not None
    except OSError:
        return False


def amount_of(value: str) -> Decimal | None:
    """`47800.2`, `47 800,20`, `1.234,5` and `1,234.5` alike: the last separator is the decimal one."""
    value = SPACES.sub("", value)
    if "," in value and "." in value:
        thousands = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    if not DECIMAL.fullmatch(value):
        return None  # Decimal() would also read `1e5`, `1_000`, `Infinity`: no publisher means those
    return Decimal(value)


def checked_siret(value: str, what: str, file: str, line: int, notices: list[Notice]) -> str | None:
    siret = valid_siret(value)
    if siret:
        return siret
    notices.append(
        Notice(file, line, f"{what} `{value}` is not a valid SIRET; the row joins no organisation")
    )
    return None


def read_grants(entry: InputFile, notices: list[Notice]) -> list[Grant]:
    """Every row of one SCDL file, each bad value a notice; blank rows are skipped."""
    with open(entry.path, "rb") as stream:
        text = decode(stream.read())
    found = header_of(text)
    if found is None:
        notices.append(Notice(entry.name, 1, "not an SCDL subventions header; file skipped"))
        return []
    columns, separator = found
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    next(rows)
    grants = []
    line = rows.line_num + 1
    try:
        for cells in rows:
            if any(cell.strip() for cell in cells):
                row = dict(zip(columns, (cell.strip() for cell in cells), strict=False))
                grants.append(grant_of(row, entry.name, line, notices))
                if len(cells) != len(columns):
                    notices.append(Notice(entry.name, line, f"{len(cells)} cells for {len(columns)} columns"))
            line = rows.line_num + 1
    except csv.Error as error:
        # A cell over the csv module's 131,072 characters, most often an unclosed quote that swallowed
        # the lines after it: the file stops here, with the line where the row began.
        raise InputError(f"row not readable as CSV ({error}; an unclosed quote?)", entry.name, line) from None
    return grants


def grant_of(row: dict[str, str], file: str, line: int, notices: list[Notice]) -> Grant:
    def warn(message: str) -> None:
        notices.append(Notice(file, line, message))

    written = row.get("montant", "")
    amount = amount_of(written)
    if amount is None:
        warn(f"amount `{written}` is not a number; the grant is kept without an amount")
    when = None
    if row.get("dateConvention"):
        try:
            when = date.fromisoformat(row["dateConvention"])
        except ValueError:
            warn(f"dateConvention `{row['dateConvention']}` is not a date (YYYY-MM-DD)")
    percentage = None
    if row.get("pourcentageSubvention"):
        percentage = amount_of(row["pourcentageSubvention"].rstrip("%"))
        if percentage is not None and (percentage > 1 or row["pourcentageSubvention"].endswith("%")):
            percentage = percentage / 100
        if percentage is None:
            warn(f"pourcentageSubvention `{row['pourcentageSubvention']}` is not a ratio or a percentage")
    for column, who in (("nomAttribuant", "awarding body"), ("nomBeneficiaire", "beneficiary")):
        if not row.get(column):
            warn(f"{column} is empty; the grant is kept, its {who} unnamed")
    notification = {"oui": True, "non": False}.get(row.get("notificationUE", "").lower())
    return Grant(
        file,
        line,
        funder=row.get("nomAttribuant", ""),
        funder_siret=checked_siret(row.get("idAttribuant", ""), "idAttribuant", file, line, notices),
        beneficiary=row.get("nomBeneficiaire", ""),
        beneficiary_siret=checked_siret(row.get("idBeneficiaire", ""), "idBeneficiaire", file, line, notices),
        amount=amount,
        date=when,
        reference=row.get("referenceDecision") or None,
        object=row.get("objet") or None,
        nature=row.get("nature") or None,
        conditions=row.get("conditionsVersement") or None,
        payment_period=row.get("datesPeriodeVersement") or None,
        eu_notification=notification,
        percentage=percentage,
        scheme=row.get("dispositifAide") or None,
    )


def grants_files_in(paths: Iterable[Path]) -> list[InputFile]:
    """SCDL files named on the command line or found in an input folder, told by their header."""
    found: list[InputFile] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    file = Path(root) / name
                    if name.lower().endswith(".csv") and is_grants_file(file):
                        found.append(InputFile(file, display_name(file.relative_to(path.parent).as_posix())))
        elif path.is_file() and is_grants_file(path):
            found.append(InputFile(path, display_name(path.name)))
    return found


def all_grants(entries: Iterable[InputFile], notices: list[Notice]) -> Iterator[Grant]:
    for entry in entries:
        yield from read_grants(entry, notices)
