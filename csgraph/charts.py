"""Bar charts of a question's answer, as SVG: sorted bars, French numbers, no script.

A chart shows one numeric column of the answer (the first by default) against a label made of its text
columns, the largest value first. It is drawn from the same `Results` the table shows, so the site's
question pages, `csgraph chart` and `csgraph query` agree on every number.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from csgraph.catalogue import StoredQuery, find_query
from csgraph.engines import run_query
from csgraph.errors import QueryError
from csgraph.formatting import THIN, count, euros, number, tr
from csgraph.results import NUMERIC_DATATYPES, Results, Term
from csgraph.svg import (
    check_image,
    document,
    element,
    serialised,
    shortened,
    text_width,
    wrapped,
    write_image,
)

MOST_BARS = 40
"""Bars drawn at most: a chart of 3,000 structures reads as a texture, so the largest are shown, and said."""

VALUE_NAMES = {
    "actions": ("actions", "actions", ""),
    "structures": ("structures", "structures", ""),
    "contributions": ("contributions", "contributions", ""),
    "people": ("personnes", "people", ""),
    "amount": ("montant", "amount", "euros"),
    "budget": ("budget", "budget", "euros"),
    "funding": ("financements", "funding", "euros"),
    "jointly": ("dont avec d'autres financeurs", "of which with other funders", "euros"),
    "share": ("part (parts égales)", "share (equal parts)", "euros"),
    "without_reason": ("sans raison de fin", "without end reason", ""),
    "percent": ("part", "share", "percent"),
}
"""The numeric columns of the bundled questions: French and English names, and how their values read."""

WIDTH = 760.0
MARGIN = 12.0
ROW = 22.0
BAR = 14.0
LABEL_SIZE = 11.0
LABEL_ROOM = 300.0
DESCRIPTION_LINES = 2
BAR_FILL = "#3182bd"
INK = "#1a202c"
GREY = "#4a5568"
GRID = "#e2e8f0"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal


@dataclass(frozen=True)
class Chart:
    """What a chart draws: the largest bars of one column, and what was left out."""

    title: str
    description: str
    column: str
    bars: tuple[Bar, ...]
    valued: int  # rows with a value in the column; more than len(bars) when the chart keeps the largest
    unvalued: int  # rows without one (an unbound cell), not drawn

    def amount(self, value: Decimal, lang: str = "fr") -> str:
        """`1 234,5 €` for amounts, `12,5 %` for shares, `1 234` for counts."""
        kind = VALUE_NAMES.get(self.column, ("", "", ""))[2]
        if kind == "euros":
            return euros(value, lang)
        if kind == "percent":
            return number(value, lang) + (f"{THIN}%" if lang == "fr" else "%")
        return number(value, lang)

    def axis_name(self, lang: str = "fr") -> str:
        french, english, kind = VALUE_NAMES.get(self.column, (self.column, self.column, ""))
        unit = {"euros": " (€)", "percent": " (%)"}.get(kind, "")
        return tr(lang, french, english) + unit


def numeric_value(term: Term | None) -> Decimal | None:
    if term is None or term.type != "literal" or term.datatype not in NUMERIC_DATATYPES:
        return None
    try:
        value = Decimal(term.value)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def numeric_columns(results: Results) -> list[str]:
    """Columns whose every bound value is a number (and at least one is bound): what a chart can draw."""
    found = []
    for index, column in enumerate(results.variables):
        cells = [row[index] for row in results.rows if row[index] is not None]
        if cells and all(numeric_value(cell) is not None for cell in cells):
            found.append(column)
    return found


def chart_of(
    results: Results, query: StoredQuery, value_column: str | None = None, lang: str = "fr"
) -> Chart:
    """The bars of `value_column` (the first numeric column by default), labelled by the text columns.

    An answer without a single value (no rows, say, for a département with no action) is an empty chart,
    not an error: which of its columns would hold numbers cannot be told, and nothing would be drawn.
    """
    title = query.title_fr if lang == "fr" else query.title
    description = query.description_en if lang == "en" else query.description_fr
    if all(cell is None for row in results.rows for cell in row):
        return Chart(title, description, value_column or "", (), 0, len(results.rows))
    numeric = numeric_columns(results)
    if value_column is None and not numeric:
        raise QueryError(f"{query.name}: its answer has no numeric column to draw as bars")
    column = value_column or numeric[0]
    if column not in numeric:
        choices = ", ".join(numeric) or "none"
        raise QueryError(
            f"{query.name}: {column!r} is not a numeric column of its answer (numeric: {choices})"
        )
    value_index = results.variables.index(column)
    label_indexes = [index for index, name in enumerate(results.variables) if name not in numeric]
    bars, unvalued = [], 0
    for row in results.rows:
        value = numeric_value(row[value_index])
        if value is None:
            unvalued += 1
            continue
        label = " · ".join(row[index].value for index in label_indexes if row[index] is not None)
        bars.append(Bar(label or tr(lang, "(sans libellé)", "(no label)"), value))
    bars.sort(key=lambda bar: (-bar.value, bar.label.casefold(), bar.label))
    return Chart(title, description, column, tuple(bars[:MOST_BARS]), len(bars), unvalued)


def bar_chart_svg(
    results: Results, query: StoredQuery, value_column: str | None = None, lang: str = "fr"
) -> str:
    """A horizontal bar chart of a question's answer, as an SVG document (what the site inlines)."""
    return chart_svg(chart_of(results, query, value_column, lang), lang)


def draw_chart(
    reference: str,
    parameters: Mapping[str, str],
    graph: Path,
    out: Path,
    value_column: str | None = None,
) -> Chart:
    """Answer a bundled question (or a .rq file) from a built graph and write its chart (.svg or .png)."""
    check_image(out)
    query = find_query(reference)
    chart = chart_of(run_query(query, parameters, graph=graph), query, value_column)
    write_image(out, chart_svg(chart, "fr"))
    return chart


def tick_step(span: Decimal, whole: bool) -> Decimal:
    """1, 2 or 5 times a power of ten, for about five grid lines; never below 1 for counts."""
    rough = float(span) / 5 if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(rough))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough)
    step_value = Decimal(str(step))
    return max(step_value, Decimal(1)) if whole else step_value


def chart_svg(chart: Chart, lang: str) -> str:
    bars = chart.bars
    description = wrapped(chart.description, WIDTH - 2 * MARGIN, LABEL_SIZE, DESCRIPTION_LINES)
    top = 40.0 + 15 * len(description) + 8
    notes = chart_notes(chart, lang)
    plot_height = ROW * max(len(bars), 1)
    height = top + plot_height + 34 + 15 * len(notes) + 8
    root = document(WIDTH, height, chart.title)
    element(root, "text", chart.title, x=MARGIN, y=24.0, font_size=16, font_weight="bold", fill=INK)
    for index, line in enumerate(description):
        element(root, "text", line, x=MARGIN, y=44.0 + 15 * index, font_size=LABEL_SIZE, fill=GREY)
    if not bars:
        nothing = tr(lang, "Aucune ligne à représenter.", "No row to draw.")
        element(root, "text", nothing, x=MARGIN, y=top + 15, font_size=12, fill=GREY)
    else:
        plot(root, chart, top, lang)
    for index, note in enumerate(notes):
        y = top + plot_height + 34 + 15 * index + 8
        element(root, "text", note, x=MARGIN, y=y, font_size=10, fill=GREY)
    return serialised(root)


def plot(root: ET.Element, chart: Chart, top: float, lang: str) -> None:
    """Grid, bars, labels (right-aligned, cut to fit, whole in each bar's tooltip) and values."""
    bars = chart.bars
    label_room = min(LABEL_ROOM, max(text_width(bar.label, LABEL_SIZE) for bar in bars))
    value_room = max(text_width(chart.amount(bar.value, lang), LABEL_SIZE) for bar in bars) + 10
    left = MARGIN + label_room + 8
    room = WIDTH - MARGIN - value_room - left
    low = min(Decimal(0), min(bar.value for bar in bars))
    high = max(Decimal(0), max(bar.value for bar in bars))
    span = (high - low) or Decimal(1)

    def x_of(value: Decimal) -> float:
        return left + float((value - low) / span) * room

    whole = all(bar.value == bar.value.to_integral_value() for bar in bars)
    step = tick_step(span, whole)
    bottom = top + ROW * len(bars)
    tick = math.ceil(low / step) * step
    while tick <= high:
        x = x_of(tick)
        element(root, "line", x1=x, y1=top, x2=x, y2=bottom, stroke=GRID, stroke_width=1)
        label = chart.amount(tick, lang)
        element(root, "text", label, x=x, y=bottom + 14, font_size=10, fill=GREY, text_anchor="middle")
        tick += step
    axis = chart.axis_name(lang)
    element(
        root, "text", axis, x=left + room / 2, y=bottom + 28, font_size=10, fill=GREY, text_anchor="middle"
    )
    for index, bar in enumerate(bars):
        y = top + ROW * index
        group = element(root, "g")
        element(group, "title", f"{bar.label} : {chart.amount(bar.value, lang)}")
        start, end = sorted((x_of(Decimal(0)), x_of(bar.value)))
        element(
            group,
            "rect",
            x=start,
            y=y + (ROW - BAR) / 2,
            width=max(end - start, 0.5),
            height=BAR,
            fill=BAR_FILL,
        )
        label = shortened(bar.label, LABEL_SIZE, label_room)
        element(group, "text", label, x=left - 8, y=y + 15, font_size=LABEL_SIZE, fill=INK, text_anchor="end")
        shown = chart.amount(bar.value, lang)
        element(group, "text", shown, x=end + 4, y=y + 15, font_size=LABEL_SIZE, fill=INK)


def chart_notes(chart: Chart, lang: str) -> list[str]:
    notes = []
    if chart.valued > len(chart.bars):
        notes.append(
            tr(
                lang,
                f"Les {len(chart.bars)} plus grandes valeurs sur {number(chart.valued)}.",
                f"The {len(chart.bars)} largest values of {number(chart.valued, 'en')}.",
            )
        )
    if chart.unvalued:
        notes.append(
            tr(
                lang,
                f"{count(chart.unvalued, 'fr', 'ligne')} sans valeur "
                + ("ne sont pas dessinées." if chart.unvalued > 1 else "n'est pas dessinée."),
                f"{count(chart.unvalued, 'en', 'row')} without a value, not drawn.",
            )
        )
    return notes
