"""Network views as still pictures: the page's layout, colours and sizes, labels that never overlap."""

from __future__ import annotations

import itertools
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from csgraph import render
from csgraph.build import build
from csgraph.cli import app
from csgraph.networks import view
from csgraph.store import open_graph
from csgraph.svg import png_size
from tests.test_maps import HOSTILE

NS = {"svg": "http://www.w3.org/2000/svg"}
SHAPES = {"circle": "dot", "rect": "square", "polygon": "other"}


def node_shapes(svg: str) -> list[ET.Element]:
    """The shapes of the nodes: every circle, square and polygon of the drawing that has a tooltip."""
    drawing = ET.fromstring(svg).findall("svg:g", NS)[0]
    return [
        shape
        for shape in drawing.iter()
        if shape.tag.split("}")[1] in SHAPES and shape.find("svg:title", NS) is not None
    ]


def test_svg_draws_the_page_nodes_with_their_colours_sizes_and_places(sample_graph: Path) -> None:
    projected = view(open_graph(sample_graph), "partnership")
    page = render.page_data(projected)
    svg = render.svg_text(projected)
    shapes = node_shapes(svg)
    assert len(shapes) == len(page["nodes"]) == projected.graph.number_of_nodes()
    for shape, node in zip(shapes, page["nodes"], strict=True):  # both in IRI order
        assert shape.get("fill") == node["color"]
        assert shape.find("svg:title", NS).text.startswith(node["label"] + ": ")  # type: ignore[union-attr]
        if node["shape"] == "dot":
            assert shape.tag.endswith("circle")
            assert abs(float(shape.get("cx")) - node["x"]) <= 0.05  # type: ignore[arg-type]
            assert abs(float(shape.get("cy")) - node["y"]) <= 0.05  # type: ignore[arg-type]
            assert abs(float(shape.get("r")) - node["size"]) <= 0.05  # type: ignore[arg-type]
    lines = [
        line
        for line in ET.fromstring(svg).iter(f"{{{NS['svg']}}}line")
        if line.find("svg:title", NS) is not None
    ]
    assert len(lines) == len(page["edges"])
    assert sorted(float(line.get("stroke-width")) for line in lines) == sorted(  # type: ignore[arg-type]
        edge["width"] for edge in page["edges"]
    )


def test_labels_of_the_biggest_nodes_first_and_never_overlapping(sample_graph: Path) -> None:
    projected = view(open_graph(sample_graph), "structures")
    graph = projected.graph
    positions, sizes = render.layout(graph), render.node_sizes(projected)
    placed = render.placed_labels(projected, positions, sizes)
    heaviest = max(graph, key=lambda node: (graph.nodes[node]["actions"], graph.nodes[node]["label"]))
    assert heaviest in placed
    assert 0 < len(placed) < len(graph), "the crowded view of 17 structures cannot show every label"
    for one, other in itertools.combinations(placed.values(), 2):
        assert not one.overlaps(other)
    for node in set(graph) - set(placed):
        box = render.label_box(graph.nodes[node]["label"], positions[node], sizes[node])
        assert any(box.overlaps(shown) for shown in placed.values()), "a label was left out though it fit"
    texts = {
        element.text
        for element in ET.fromstring(render.svg_text(projected)).iter(f"{{{NS['svg']}}}text")
        if element.get("x") is not None
    }
    assert {graph.nodes[node]["label"] for node in placed} <= texts


def test_viz_writes_svg_and_png_for_reports(sample_graph: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("one.svg", "two.svg", "funding.png"):
        result = runner.invoke(
            app, ["viz", "funding", "--graph", str(sample_graph), "--out", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
    svg = (tmp_path / "one.svg").read_bytes()
    assert svg == (tmp_path / "two.svg").read_bytes()
    ET.fromstring(svg)
    png = (tmp_path / "funding.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == png_size(svg.decode("utf-8"))
    root = ET.fromstring(svg)
    assert (width, height) == (2 * int(float(root.get("width"))), 2 * int(float(root.get("height"))))  # type: ignore[arg-type]


def test_hostile_names_stay_text_in_the_svg(tmp_path: Path) -> None:
    (tmp_path / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    graph = build([tmp_path / "hostile.txt"], tmp_path / "out").graph
    for name in ("partnership", "keywords", "funding"):
        svg = render.svg_text(view(open_graph(graph), name))
        assert "<script" not in svg
        texts = [element.text or "" for element in ET.fromstring(svg).iter(f"{{{NS['svg']}}}title")]
        assert any("<script>alert(" in text for text in texts), name
