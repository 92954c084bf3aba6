"""Networks as files: a self-contained HTML page (vis-network inlined), GraphML or GEXF for Gephi, and
still pictures (SVG, PNG) for reports.

The page carries its JavaScript inline, so it opens offline (a USB key, an intranet) with no `lib/` folder and
no CDN; a Content-Security-Policy lets only those exact scripts run and forbids every fetch. We own the
template rather than use pyvis's: pyvis switches tooltips to innerHTML as soon as a title holds `href` and
inserts its heading raw. Here fiche text reaches the page only as autoescaped HTML, as JSON with `<`, `>`,
`&` escaped inside a non-executable script block, and as tooltips built with textContent.

Positions come from a seeded networkx layout, so the page draws at once and the same graph gives the same
bytes; vis-network's physics only nudges small views apart, then stops. The still pictures draw that same
layout, with the labels of the biggest nodes wherever the others would overlap them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import networkx as nx
import numpy as np
from markupsafe import Markup
from networkx.readwrite.gexf import GEXFWriter

from csgraph import svg
from csgraph.errors import InputError
from csgraph.formatting import tr
from csgraph.graph_actions import Narrowing
from csgraph.networks import (
    SEED,
    View,
    at_the_core,
    community_names,
    count_of,
    unlinked,
    view,
)
from csgraph.store import open_graph
from csgraph.svg import coordinate, document, element, serialised, shortened, text_width, wrapped
from csgraph.view_words import (
    PAGE_MEANINGS,
    PAGE_TITLES,
    amount_line,
    community_words,
    edge_tip,
    kinds_drawn,
    narrowing_words,
    node_tip,
    number_words,
    page_summary,
)
from csgraph.writing import write_bytes

SPACING = 90
"""Pixels per node in the initial layout; the spread grows with the square root of the node count."""

FONT_SIZE = 26
"""Label size in layout units; the page zooms to fit, so labels read at about 12 to 20 pixels."""

PHYSICS_UP_TO = 300
"""Larger views keep the networkx layout as is: physics on thousands of nodes takes minutes to settle."""

LAYOUT_BLOCK = 256
"""Rows of the node-to-node distance matrix computed at once: memory stays near 256 × nodes × 2 floats."""

LABEL_CELL = 256
"""Side of the squares the label placer files boxes under, in layout units."""

SVG_MARGIN = 30.0

SVG_TITLE = 34.0

SVG_TEXT = 20.0

SVG_LINE = 30.0

SVG_LEGEND = 560.0
"""Sizes of the still picture's header and legend, in layout units (labels are FONT_SIZE)."""


@dataclass(frozen=True)
class Style:
    colour: str
    shape: str


KIND_STYLES = {
    "structure": Style("#3b82c4", "dot"),
    "partner": Style("#e07b22", "diamond"),
    "funder": Style("#2f9e5b", "square"),
    "keyword": Style("#8e5cc9", "triangle"),
}

COMMUNITY_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

OTHER_COMMUNITIES = "#cbd5e0"


def draw(graph_path: Path, name: str, out: Path, narrowing: Narrowing | None = None) -> View:
    """Project the view `name` from a built graph and write it to `out`, in the format its suffix names."""
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        suffixes = ", ".join(sorted(WRITERS))
        raise InputError(f"cannot write {out.name}: the output must end in one of {suffixes}")
    projected = view(open_graph(graph_path), name, narrowing)
    write_bytes(out, writer(projected))
    return projected


def column_gap(graph: nx.Graph) -> float:
    """Room for the longest label in the row of unlinked nodes, so their labels never overlap."""
    longest = max((len(graph.nodes[node]["label"]) for node in unlinked(graph)), default=0)
    return max(SPACING, round(0.6 * FONT_SIZE * longest))


def spring(graph: nx.Graph, iterations: int = 60) -> np.ndarray:
    """Fruchterman–Reingold positions in the unit square, seeded, with repulsion computed by blocks of rows.

    networkx's spring_layout switches above 500 nodes to a per-node Python loop (25 s for 1,600 nodes);
    this is the same force model in whole-array steps (about a second for 2,000 nodes).
    """
    count = len(graph)
    positions = np.random.default_rng(SEED).random((count, 2))
    number = {node: index for index, node in enumerate(graph)}
    ends = np.array([(number[one], number[other]) for one, other in graph.edges], dtype=int).reshape(-1, 2)
    ideal = 1 / math.sqrt(count)
    step = 0.1
    for _ in range(iterations):
        displacement = np.zeros_like(positions)
        for start in range(0, count, LAYOUT_BLOCK):
            block = slice(start, start + LAYOUT_BLOCK)
            across = positions[block, 0, None] - positions[None, :, 0]
            down = positions[block, 1, None] - positions[None, :, 1]
            push = ideal**2 / np.maximum(across**2 + down**2, 1e-4)
            displacement[block] = np.stack(((across * push).sum(axis=1), (down * push).sum(axis=1)), axis=1)
        delta = positions[ends[:, 0]] - positions[ends[:, 1]]
        pull = delta * (np.linalg.norm(delta, axis=1, keepdims=True) / ideal)
        np.add.at(displacement, ends[:, 0], -pull)
        np.add.at(displacement, ends[:, 1], pull)
        length = np.maximum(np.linalg.norm(displacement, axis=1, keepdims=True), 0.01)
        positions += displacement * (step / length)
        step -= 0.1 / (iterations + 1)
    return positions


def layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Seeded spring layout of the linked nodes, centred; nodes without links lined up in rows below."""
    # A graph of its own, not a subgraph view: a view fewer than half as big as its graph lists its nodes
    # in set order, which changes with the hash seed, and so did the layout, from one run to the next.
    linked = nx.Graph()
    linked.add_nodes_from(node for node in graph if graph.degree(node))
    linked.add_edges_from(graph.edges)
    spread = SPACING * math.sqrt(max(len(linked), 1))
    positions: dict[str, tuple[float, float]] = {}
    if len(linked):
        placed = spring(linked)
        placed -= placed.mean(axis=0)
        placed *= spread / max(np.abs(placed).max(), 1e-9)
        positions = {
            node: (round(float(x), 1), round(float(y), 1))
            for node, (x, y) in zip(linked, placed, strict=True)
        }
    top = max((y for _, y in positions.values()), default=0) + SPACING
    gap = column_gap(graph)
    apart = unlinked(graph)
    # As wide as the network, or wider when many nodes stand apart: a square block, not a long column,
    # centred under the network.
    per_row = max(1, int(2 * spread // gap) + 1, math.ceil(math.sqrt(len(apart))))
    left = min(min((x for x, _ in positions.values()), default=0), -(min(per_row, len(apart)) - 1) * gap / 2)
    for index, node in enumerate(apart):
        row, column = divmod(index, per_row)
        positions[node] = (left + column * gap, top + row * SPACING)
    return positions


def colours(projected: View) -> dict[str, str]:
    graph = projected.graph
    if projected.spec.colour_by == "community":
        return {node: community_colour(data["community"]) for node, data in graph.nodes(data=True)}
    return {node: KIND_STYLES[data["kind"]].colour for node, data in graph.nodes(data=True)}


def community_colour(number: int) -> str:
    return COMMUNITY_COLOURS[number - 1] if number <= len(COMMUNITY_COLOURS) else OTHER_COMMUNITIES


def node_sizes(projected: View) -> dict[str, float]:
    """Radius grows with the square root of the measure (actions or euros): area, not width, tells amounts."""
    measures = dict(projected.graph.nodes(data=projected.spec.size_by))
    biggest = max(measures.values(), default=0)
    return {
        node: round(12 + 28 * math.sqrt(value / biggest), 1) if biggest else 12
        for node, value in measures.items()
    }


def ordered_edges(graph: nx.Graph) -> list[tuple[str, str]]:
    """Links with their ends in IRI order, sorted: networkx keeps them in insertion order otherwise."""
    return sorted((min(one, other), max(one, other)) for one, other in graph.edges)


def edge_widths(graph: nx.Graph) -> dict[tuple[str, str], float]:
    """Link widths in IRI order: 1.5 for the lightest, 11.5 for the heaviest."""
    heaviest = max((weight for _, _, weight in graph.edges(data="weight")), default=0)
    return {
        (one, other): round(1.5 + 10 * graph.edges[one, other]["weight"] / heaviest, 1)
        for one, other in ordered_edges(graph)
    }


def page_data(projected: View) -> dict[str, object]:
    """What the page script draws: nodes and links in IRI order, numbered, with positions and tooltips."""
    graph = projected.graph
    order = sorted(graph)
    number = {node: index for index, node in enumerate(order)}
    positions, fill, sizes = layout(graph), colours(projected), node_sizes(projected)
    core, groups = set(at_the_core(graph)), community_names(graph)
    nodes = []
    for node in order:
        data = graph.nodes[node]
        nodes.append(
            {
                "id": number[node],
                "label": data["label"],
                "shape": KIND_STYLES[data["kind"]].shape,
                "color": fill[node],
                "size": sizes[node],
                "x": positions[node][0],
                "y": positions[node][1],
                "physics": bool(graph.degree(node)),
                "tip": node_tip(projected, node, core, groups),
            }
        )
    edges = []
    for (one, other), width in edge_widths(graph).items():
        edges.append(
            {
                "from": number[one],
                "to": number[other],
                "width": width,
                "tip": edge_tip(projected, one, other, graph.edges[one, other]),
            }
        )
    return {
        "nodes": nodes,
        "edges": edges,
        "apart": [number[node] for node in unlinked(graph)],
        "gap": column_gap(graph),
        "rowGap": SPACING,
        "options": vis_options(len(nodes)),
    }


def vis_options(node_count: int) -> dict[str, object]:
    settle = 0 < node_count <= PHYSICS_UP_TO
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": SEED},
        "nodes": {
            "borderWidth": 1,
            "font": {
                "size": FONT_SIZE,
                "face": "system-ui, sans-serif",
                "strokeWidth": 4,
                "strokeColor": "#ffffff",
            },
        },
        "edges": {
            "smooth": False,
            "color": {"color": "#a0aec0", "highlight": "#2d3748", "hover": "#4a5568", "opacity": 0.75},
        },
        "interaction": {"hover": True, "tooltipDelay": 80, "hideEdgesOnDrag": node_count > PHYSICS_UP_TO},
        "physics": {
            "enabled": settle,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -200,
                "centralGravity": 0.004,
                "springLength": 120,
                "springConstant": 0.04,
                "avoidOverlap": 1,
            },
            "stabilization": {"enabled": settle, "iterations": 200, "updateInterval": 50, "fit": True},
        },
    }


def legend(projected: View) -> tuple[str, list[dict[str, str]]]:
    graph = projected.graph
    if projected.spec.colour_by == "kind":
        return "Colour: what a node is", [
            {
                "colour": KIND_STYLES[kind].colour,
                "shape": KIND_STYLES[kind].shape,
                "text": count_of(kind, count),
            }
            for kind, count in projected.kinds().items()
        ]
    members: dict[int, list[dict]] = {}
    for _, data in graph.nodes(data=True):
        members.setdefault(data["community"], []).append(data)
    entries = []
    for number in sorted(members)[: len(COMMUNITY_COLOURS)]:
        group = sorted(members[number], key=lambda data: (-data["actions"], data["label"]))
        names = ", ".join(data["label"] for data in group[:3]) + (" …" if len(group) > 3 else "")
        entries.append(
            {"colour": community_colour(number), "shape": "dot", "text": f"{names} ({len(group)})"}
        )
    if len(members) > len(COMMUNITY_COLOURS):
        rest = len(members) - len(COMMUNITY_COLOURS)
        entries.append({"colour": OTHER_COMMUNITIES, "shape": "dot", "text": f"{rest} smaller groups"})
    return "Colour: groups that link more among themselves", entries


def page_legend(projected: View, lang: str) -> tuple[str, list[dict[str, str]]]:
    """What the colours of a page say: kinds, or the largest communities named after their central node."""
    if projected.spec.colour_by == "kind":
        return tr(lang, "Couleur : ce qu'est un nœud", "Colour: what a node is"), [
            {"colour": KIND_STYLES[kind].colour, "shape": KIND_STYLES[kind].shape, "text": text}
            for kind, text in kinds_drawn(projected, lang).items()
        ]
    sizes: defaultdict[int, int] = defaultdict(int)
    for _, community in projected.graph.nodes(data="community"):
        sizes[community] += 1
    names = community_names(projected.graph)
    shown = sorted(sizes)[: len(COMMUNITY_COLOURS)]
    entries = [
        {
            "colour": community_colour(community),
            "shape": "dot",
            "text": f"{community_words(names[community], lang)} ({number_words(sizes[community], lang)})",
        }
        for community in shown
    ]
    if len(sizes) > len(shown):
        rest = len(sizes) - len(shown)
        entries.append(
            {
                "colour": OTHER_COMMUNITIES,
                "shape": "dot",
                "text": tr(lang, f"{rest} petits groupes", f"{rest} smaller groups"),
            }
        )
    return tr(
        lang,
        "Couleur : des groupes qui se relient surtout entre eux",
        "Colour: groups that link more among themselves",
    ), entries


def script_json(data: object) -> Markup:
    """JSON that cannot end its <script> block: `<`, `>`, `&` and the JS line separators as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return Markup(text)


def script_hash(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def vis_script() -> str:
    """vis-network as pyvis ships it, less the pointer to a source map that is not there.

    Tests check it holds no `</script`, so it can sit inline.
    """
    library = (
        resources.files("pyvis").joinpath("templates/lib/vis-9.1.2/vis-network.min.js").read_text("utf-8")
    )
    return library.replace("//# sourceMappingURL=vis-network.min.js.map", "")


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("csgraph", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def html_bytes(projected: View) -> bytes:
    environment = templates()
    vis_js = vis_script()
    view_js = environment.loader.get_source(environment, "network.js")[0]
    legend_heading, legend_entries = page_legend(projected, "fr")
    page = environment.get_template("network.html").render(
        title=PAGE_TITLES[projected.name][0],
        summary=page_summary(projected, "fr"),
        narrowing=narrowing_words(projected.narrowing, "fr"),
        legend_heading=legend_heading,
        legend=legend_entries,
        meaning=PAGE_MEANINGS[projected.name][0],
        apart=bool(unlinked(projected.graph)),
        data=script_json(page_data(projected)),
        vis_js=Markup(vis_js),
        view_js=Markup(view_js),
        script_hashes=Markup(" ".join(script_hash(script) for script in (vis_js, view_js))),
    )
    return page.encode("utf-8")


def flat(projected: View) -> nx.Graph:
    """The view with plain attributes only (what GraphML and GEXF hold): actions become lines of text."""
    graph = projected.graph
    plain = nx.Graph(name=projected.title)
    for node in sorted(graph):
        data = graph.nodes[node]
        plain.add_node(
            node,
            label=data["label"],
            kind=data["kind"],
            actions=data["actions"],
            euros=data["euros"],
            degree=data["degree"],
            betweenness=data["betweenness"],
            community=data["community"],
            titles="\n".join(action.place for action in data["behind"]),
        )
        if "funder_type" in data:
            plain.nodes[node]["funder_type"] = data["funder_type"]
    for one, other in ordered_edges(graph):
        data = graph.edges[one, other]
        plain.add_edge(
            one,
            other,
            weight=float(data["weight"]),
            actions=data["actions"],
            euros=data["euros"],
            shared=", ".join(data["shared"]),
            titles="\n".join(action.place for action in data["behind"]),
        )
    return plain


def graphml_bytes(projected: View) -> bytes:
    stream = io.BytesIO()
    nx.write_graphml(flat(projected), stream, encoding="utf-8")
    return stream.getvalue()


def gexf_bytes(projected: View) -> bytes:
    """GEXF with the page's colours, sizes and positions, so Gephi opens it looking the same."""
    plain = flat(projected)
    positions, fill, sizes = layout(projected.graph), colours(projected), node_sizes(projected)
    for node, data in plain.nodes(data=True):
        red, green, blue = (int(fill[node][index : index + 2], 16) for index in (1, 3, 5))
        data["viz"] = {
            "color": {"r": red, "g": green, "b": blue, "a": 1.0},
            "size": sizes[node],
            "position": {"x": positions[node][0], "y": -positions[node][1], "z": 0.0},
        }
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.xml.find("meta").attrib.pop("lastmodifieddate")  # a date would change the bytes every day
    writer.add_graph(plain)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


@dataclass(frozen=True)
class Box:
    """Where a label's text lies, in layout units."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def cells(self) -> list[tuple[int, int]]:
        """The squares of LABEL_CELL units the box touches: a label is only compared with its neighbours."""
        columns = range(math.floor(self.left / LABEL_CELL), math.floor(self.right / LABEL_CELL) + 1)
        rows = range(math.floor(self.top / LABEL_CELL), math.floor(self.bottom / LABEL_CELL) + 1)
        return [(column, row) for column in columns for row in rows]


def label_box(label: str, position: tuple[float, float], size: float) -> Box:
    """Under the node, centred, as vis-network writes it on the page."""
    x, y = position
    half = text_width(label, FONT_SIZE) / 2
    return Box(x - half, y + size + 2, x + half, y + size + 2 + 1.25 * FONT_SIZE)


def placed_labels(projected: View, positions: dict, sizes: dict[str, float]) -> dict[str, Box]:
    """Labels that fit, heaviest node first; one that would overlap a label already placed is left out.

    A still picture cannot zoom, so it shows the labels of the biggest nodes and keeps them legible.
    """
    graph = projected.graph
    measure = projected.spec.size_by
    order = sorted(graph, key=lambda node: (-graph.nodes[node][measure], graph.nodes[node]["label"], node))
    placed: dict[str, Box] = {}
    near: defaultdict[tuple[int, int], list[Box]] = defaultdict(list)
    for node in order:
        box = label_box(graph.nodes[node]["label"], positions[node], sizes[node])
        cells = box.cells()
        if any(box.overlaps(other) for cell in cells for other in near[cell]):
            continue
        placed[node] = box
        for cell in cells:
            near[cell].append(box)
    return placed


def shape_element(
    parent: ET.Element, shape: str, x: float, y: float, size: float, **paint: object
) -> ET.Element:
    """vis-network's shapes: `size` is a dot's radius and half the width of the others."""
    if shape == "dot":
        return element(parent, "circle", cx=x, cy=y, r=size, **paint)
    if shape == "square":
        return element(parent, "rect", x=x - size, y=y - size, width=2 * size, height=2 * size, **paint)
    if shape == "diamond":
        corners = [(x, y - size), (x + size, y), (x, y + size), (x - size, y)]
    else:  # triangle, point up
        corners = [(x, y - size), (x + size, y + 0.8 * size), (x - size, y + 0.8 * size)]
    points = " ".join(f"{coordinate(px)},{coordinate(py)}" for px, py in corners)
    return element(parent, "polygon", points=points, **paint)


def svg_text(projected: View) -> str:
    """The view as a still picture: the page's layout, colours, sizes and legend; labels that fit."""
    graph = projected.graph
    positions, fill, sizes = layout(graph), colours(projected), node_sizes(projected)
    labels = placed_labels(projected, positions, sizes)
    extents = [
        (x - sizes[node], y - sizes[node], x + sizes[node], y + sizes[node])
        for node, (x, y) in positions.items()
    ] + [(box.left, box.top, box.right, box.bottom) for box in labels.values()]
    left = min((extent[0] for extent in extents), default=0)
    top = min((extent[1] for extent in extents), default=0)
    drawing_width = max((extent[2] for extent in extents), default=0) - left
    drawing_height = max((extent[3] for extent in extents), default=0) - top
    width = 3 * SVG_MARGIN + max(drawing_width, SVG_LEGEND) + SVG_LEGEND
    summary = wrapped(projected.summary(), width - 2 * SVG_MARGIN, SVG_TEXT, 4)
    narrowing = [f"Narrowed to: {projected.narrowing.describe()}"] if projected.narrowing.describe() else []
    header_height = 2 * SVG_MARGIN + SVG_TITLE + SVG_LINE * (len(summary) + len(narrowing))
    legend_height = SVG_LINE * (len(legend(projected)[1]) + 4)
    height = header_height + max(drawing_height, legend_height) + SVG_MARGIN
    root = document(width, height, f"{projected.title}: {projected.summary()}")
    element(root, "rect", width=width, height=height, fill="#ffffff")
    element(
        root,
        "text",
        projected.title,
        x=SVG_MARGIN,
        y=SVG_MARGIN + SVG_TITLE,
        font_size=SVG_TITLE,
        font_weight="bold",
        fill="#1a202c",
    )
    for index, line in enumerate(summary + narrowing):
        y = SVG_MARGIN + SVG_TITLE + SVG_LINE * (index + 1)
        element(root, "text", line, x=SVG_MARGIN, y=y, font_size=SVG_TEXT, fill="#4a5568")
    drawing = element(
        root, "g", transform=f"translate({coordinate(SVG_MARGIN - left)} {coordinate(header_height - top)})"
    )
    links = element(drawing, "g", stroke="#a0aec0", stroke_opacity=0.75, stroke_linecap="round")
    for (one, other), line_width in edge_widths(graph).items():
        (x1, y1), (x2, y2) = positions[one], positions[other]
        line = element(links, "line", x1=x1, y1=y1, x2=x2, y2=y2, stroke_width=line_width)
        element(
            line,
            "title",
            f"{graph.nodes[one]['label']} — {graph.nodes[other]['label']}: "
            f"{amount_line(projected, graph.edges[one, other])}",
        )
    nodes = element(drawing, "g", stroke="#ffffff", stroke_width=2)
    for node in sorted(graph):
        data = graph.nodes[node]
        x, y = positions[node]
        shape = shape_element(nodes, KIND_STYLES[data["kind"]].shape, x, y, sizes[node], fill=fill[node])
        element(shape, "title", f"{data['label']}: {amount_line(projected, data)}")
    texts = element(
        drawing,
        "g",
        font_size=FONT_SIZE,
        text_anchor="middle",
        fill="#1a202c",
        stroke="#ffffff",
        stroke_width=4,
        stroke_linejoin="round",
        paint_order="stroke",
    )
    for node in sorted(labels):
        box = labels[node]
        element(
            texts, "text", graph.nodes[node]["label"], x=positions[node][0], y=box.bottom - 0.3 * FONT_SIZE
        )
    svg_legend(root, projected, width - SVG_LEGEND - SVG_MARGIN, header_height)
    return serialised(root)


def svg_legend(root: ET.Element, projected: View, x: float, y: float) -> None:
    heading, entries = legend(projected)
    box = element(
        root, "g", transform=f"translate({coordinate(x)} {coordinate(y)})", font_size=SVG_TEXT, fill="#1a202c"
    )
    element(box, "text", heading, x=0.0, y=0.0, font_weight="bold")
    for index, entry in enumerate(entries, start=1):
        row = SVG_LINE * index
        shape_element(
            box, entry["shape"], 10, row - 6, 8, fill=entry["colour"], stroke="#4a5568", stroke_width=0.5
        )
        element(box, "text", shortened(entry["text"], SVG_TEXT, SVG_LEGEND - 30), x=28.0, y=row)
    notes = [f"Size: {projected.spec.size_meaning}.", f"Width of a link: {projected.spec.width_meaning}."]
    for index, note in enumerate(notes, start=len(entries) + 2):
        element(
            box,
            "text",
            shortened(note, SVG_TEXT * 0.85, SVG_LEGEND),
            x=0.0,
            y=SVG_LINE * index,
            font_size=SVG_TEXT * 0.85,
            fill="#4a5568",
        )


def svg_bytes(projected: View) -> bytes:
    return svg_text(projected).encode("utf-8")


def png_bytes(projected: View) -> bytes:
    return svg.png_bytes(svg_text(projected))


WRITERS = {
    ".html": html_bytes,
    ".htm": html_bytes,
    ".graphml": graphml_bytes,
    ".gexf": gexf_bytes,
    ".svg": svg_bytes,
    ".png": png_bytes,
}
