"""Answers to SPARQL queries as values (`Term`, `Results`) and in the W3C SPARQL 1.1 result formats.

The CLI, the site and the endpoint client all read and write answers through this module, so a table on a
page, a `--format csv` file and a JSON download hold the same values.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from csgraph.errors import QueryError
from csgraph.spreadsheet import Cell, machine_cell, number_of, spreadsheet_csv
from csgraph.vocabulary import PREFIXES

XSD = PREFIXES["xsd"]

PLAIN_DATATYPES = (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")

NUMERIC_DATATYPES = {XSD + name for name in ("integer", "decimal", "double", "float", "long", "int")}

BARE_TURTLE = {XSD + "integer": r"[+-]?\d+", XSD + "decimal": r"[+-]?\d*\.\d+", XSD + "boolean": "true|false"}

ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


@dataclass(frozen=True)
class Term:
    """One value of a result row, as the SPARQL JSON results format describes it."""

    type: str  # "uri", "literal" or "bnode"
    value: str
    language: str | None = None
    datatype: str | None = None  # left out for plain and language-tagged strings, as in the W3C format

    def turtle(self) -> str:
        """The term in Turtle syntax, as the SPARQL TSV format and VALUES blocks write it."""
        if self.type == "uri":
            return f"<{self.value}>"
        if self.type == "bnode":
            return f"_:{self.value}"
        if self.datatype in BARE_TURTLE and re.fullmatch(BARE_TURTLE[self.datatype], self.value):
            return self.value
        quoted = '"' + self.value.translate(ESCAPES) + '"'
        if self.language:
            return f"{quoted}@{self.language}"
        return f"{quoted}^^<{self.datatype}>" if self.datatype else quoted


@dataclass(frozen=True)
class Results:
    """The answer to a SELECT query: column names and rows of terms (None where a variable is unbound)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]


def literal(value: str, language: str | None = None, datatype: str | None = None) -> Term:
    plain = bool(language) or datatype in PLAIN_DATATYPES
    return Term("literal", value, language or None, None if plain else datatype)


FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/sparql-results+json",
    "spreadsheet": "text/csv; charset=utf-8",
}
"""The formats `render` writes, with their media types: the W3C machine formats, and the CSV a French
spreadsheet opens (csgraph.spreadsheet); the CLI's `--format` and the site read it."""


def render(results: Results, output_format: str) -> str:
    """CSV, TSV or JSON as the W3C SPARQL 1.1 result formats define them, or the spreadsheet CSV.

    The W3C CSV is meant for spreadsheets and already drops datatypes and languages, so its text cells
    are neutralised against formulas like every CSV csgraph writes; TSV and JSON keep every term exactly.
    """
    if output_format == "csv":
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(results.variables)
        writer.writerows([csv_value(term) for term in row] for row in results.rows)
        return stream.getvalue()
    if output_format == "spreadsheet":
        return spreadsheet_csv(results.variables, ([cell_of(term) for term in row] for row in results.rows))
    if output_format == "tsv":
        lines = ["\t".join(f"?{name}" for name in results.variables)]
        lines += ["\t".join(term.turtle() if term else "" for term in row) for row in results.rows]
        return "\n".join(lines) + "\n"
    if output_format == "json":
        # One binding a line, each written by json's C encoder: `indent` runs its pure-Python encoder, which
        # took half of the 1.2 s `csgraph query --format json` spent on 6,300 rows at 10k fiches.
        head = json.dumps({"vars": list(results.variables)}, ensure_ascii=False)
        bindings = ",\n".join(
            json.dumps(
                {name: json_node(term) for name, term in zip(results.variables, row, strict=True) if term},
                ensure_ascii=False,
            )
            for row in results.rows
        )
        if bindings:
            bindings = f"\n{bindings}\n"
        return f'{{"head": {head}, "results": {{"bindings": [{bindings}]}}}}\n'
    raise QueryError(f"unknown output format {output_format!r}; use {', '.join(FORMATS)}")


def plain(term: Term) -> str:
    return f"_:{term.value}" if term.type == "bnode" else term.value


def numeric(term: Term) -> bool:
    return term.type == "literal" and term.datatype in NUMERIC_DATATYPES


def csv_value(term: Term | None) -> str:
    return "" if term is None else machine_cell(plain(term), numeric(term))


def cell_of(term: Term | None) -> Cell:
    """A spreadsheet cell: a number for a numeric literal (an ill-typed one stays text), else text."""
    if term is None:
        return None
    amount = number_of(term.value) if numeric(term) else None
    return plain(term) if amount is None else amount


def json_node(term: Term) -> dict[str, str]:
    node = {"type": term.type, "value": term.value}
    if term.language:
        node["xml:lang"] = term.language
    if term.datatype:
        node["datatype"] = term.datatype
    return node


def json_results(document: dict[str, Any]) -> Results:
    """Rows of terms; a value repeated row after row (a label, a count) is read once."""
    variables = tuple(document["head"]["vars"])
    bindings = document["results"]["bindings"]
    read: dict[tuple[tuple[str, str], ...], Term | None] = {}

    def term(node: dict[str, str] | None) -> Term | None:
        if node is None:
            return None
        seen = tuple(node.items())
        if seen not in read:
            read[seen] = json_term(node)
        return read[seen]

    return Results(variables, tuple(tuple(term(row.get(name)) for name in variables) for row in bindings))


def json_term(node: dict[str, str] | None) -> Term | None:
    if node is None:
        return None
    if node["type"] in ("uri", "bnode"):
        return Term(node["type"], node["value"])
    if node["type"] in ("literal", "typed-literal"):
        return literal(node["value"], node.get("xml:lang"), node.get("datatype"))
    raise ValueError(f"unexpected term type {node['type']!r}")
