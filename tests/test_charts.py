"""Bar charts of the questions: sorted bars, French numbers, escaped labels, SVG and PNG files."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgraph.catalogue import find_query, parse_query
from csgraph.charts import MOST_BARS, bar_chart_svg, numeric_columns
from csgraph.cli import app
from csgraph.engines import run_query
from csgraph.errors import QueryError
from csgraph.model import Fiche
from csgraph.names import name_key
from csgraph.results import XSD, Results, Term
from csgraph.svg import png_size

NS = {"svg": "http://www.w3.org/2000/svg"}
THIN = "\u202f"

MONEY = parse_query(
    "# title: Money per funder type\n# title-fr: Argent par type de financeur\n"
    "# description-fr: Montants déclarés.\nSELECT ?funder_type ?amount WHERE { ?s ?p ?o }\n",
    "money",
    "money.rq",
)


def text(value: str) -> Term:
    return Term("literal", value)


def decimal(value: str) -> Term:
    return Term("literal", value, datatype=XSD + "decimal")


def bars(svg: str) -> list[tuple[str, str, str]]:
    """(tooltip, label shown, value shown) of each bar, top to bottom."""
    found = []
    for group in ET.fromstring(svg).iter(f"{{{NS['svg']}}}g"):
        title = group.find("svg:title", NS)
        label, value = (element.text or "" for element in group.findall("svg:text", NS))
        assert title is not None and title.text and group.find("svg:rect", NS) is not None
        found.append((title.text, label, value))
    return found


def test_bars_are_the_keywords_of_the_fiches_largest_first(
    sample_graph: Path, sample_fiches: list[Fiche]
) -> None:
    counted = Counter(name_key(keyword) for fiche in sample_fiches for keyword in set(fiche.keywords))
    query = find_query("actions-per-keyword")
    svg = bar_chart_svg(run_query(query, graph=sample_graph), query)
    drawn = bars(svg)
    assert {name_key(title.rsplit(" : ", 1)[0]): int(value) for title, _, value in drawn} == counted
    values = [int(value) for _, _, value in drawn]
    assert values == sorted(values, reverse=True)
    tied = [label for _, label, value in drawn if int(value) == values[-1]]
    assert tied == sorted(tied, key=str.casefold)
    root = ET.fromstring(svg)
    assert root.find("svg:title", NS).text == "Actions par mot clé"  # type: ignore[union-attr]
    assert any(element.text == "actions" for element in root.iter(f"{{{NS['svg']}}}text"))


def test_amounts_read_in_french_and_hostile_labels_stay_text() -> None:
    hostile = "<script>alert(1)</script> & co"
    results = Results(
        ("funder_type", "amount"),
        (
            (text("Caf"), decimal("1234.5")),
            (text(hostile), decimal("20000")),
            (text("Commune"), None),
            (None, decimal("12")),
        ),
    )
    svg = bar_chart_svg(results, MONEY)
    assert bars(svg) == [
        (f"{hostile} : 20{THIN}000{THIN}€", hostile, f"20{THIN}000{THIN}€"),
        (f"Caf : 1{THIN}234,5{THIN}€", "Caf", f"1{THIN}234,5{THIN}€"),
        (f"(sans libellé) : 12{THIN}€", "(sans libellé)", f"12{THIN}€"),
    ]
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    texts = [element.text for element in ET.fromstring(svg).iter(f"{{{NS['svg']}}}text")]
    assert "Argent par type de financeur" in texts and "Montants déclarés." in texts
    assert "1 ligne sans valeur n'est pas dessinée." in texts
    assert "montant (€)" in texts
    english = bar_chart_svg(results, MONEY, lang="en")
    assert "Money per funder type" in english and "€1,234.5" in english


def test_value_column_is_chosen_or_refused(sample_graph: Path) -> None:
    query = find_query("actions-per-departement")
    results = run_query(query, graph=sample_graph)
    assert numeric_columns(results) == ["structures", "actions"]
    assert bars(bar_chart_svg(results, query))[0][1:] == ("Pas-de-Calais · 62", "17")  # the first one
    assert bars(bar_chart_svg(results, query, "actions"))[0][1:] == ("Pas-de-Calais · 62", "25")
    with pytest.raises(QueryError, match="'code' is not a numeric column"):
        bar_chart_svg(results, query, "code")
    listing = find_query("keywords-without-action")
    with pytest.raises(QueryError, match="no numeric column"):
        bar_chart_svg(run_query(listing, graph=sample_graph), listing)


def test_shares_read_as_percent(sample_graph: Path) -> None:
    query = find_query("initiative-share")
    results = run_query(query, graph=sample_graph)
    shares = {row[0].value: row[2].value for row in results.rows}
    drawn = bars(bar_chart_svg(results, query, "percent"))
    assert drawn[0][1:] == (
        "Le centre social",
        f"{shares['Le centre social']}{THIN}%",
    )


def test_a_long_answer_keeps_its_largest_bars_and_says_so() -> None:
    rows = tuple((text(f"Structure {index:02}"), decimal(str(index))) for index in range(1, 61))
    svg = bar_chart_svg(Results(("funder_type", "amount"), rows), MONEY)
    drawn = bars(svg)
    assert len(drawn) == MOST_BARS
    assert drawn[0][1] == "Structure 60" and drawn[-1][1] == "Structure 21"
    assert "Les 40 plus grandes valeurs sur 60." in svg


def test_an_empty_answer_draws_a_note_not_a_failure() -> None:
    svg = bar_chart_svg(Results(("funder_type", "amount"), ()), MONEY)
    assert bars(svg) == [] and "Aucune ligne à représenter." in svg
    with pytest.raises(QueryError, match="no numeric column"):
        bar_chart_svg(Results(("funder_type", "amount"), ((text("Caf"), None),)), MONEY)


def test_chart_command_writes_svg_and_png(sample_graph: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("one.svg", "two.svg", "chart.png"):
        arguments = [
            "chart",
            "actions-per-structure",
            "--graph",
            str(sample_graph),
            "--out",
            str(tmp_path / name),
        ]
        result = runner.invoke(app, arguments)
        assert result.exit_code == 0, result.output
    assert "Actions par structure : 17 barres (actions)" in result.stdout
    svg = (tmp_path / "one.svg").read_bytes()
    assert svg == (tmp_path / "two.svg").read_bytes()
    png = (tmp_path / "chart.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == png_size(svg.decode("utf-8"))
    refused = runner.invoke(
        app,
        [
            "chart",
            "actions-per-keyword",
            "--graph",
            str(sample_graph),
            "--value",
            "keyword",
            "--out",
            str(tmp_path / "x.svg"),
        ],
    )
    assert refused.exit_code == 2 and "not a numeric column" in refused.stderr
    assert not (tmp_path / "x.svg").exists()
