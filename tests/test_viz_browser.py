"""The HTML networks in a real browser (Debian's Chromium, headless, network cut): they draw the expected
nodes and links, stop moving, log no error, fetch nothing, and show hostile fiche text as text."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from csgraph import render
from csgraph.model import Fiche
from csgraph.vocabulary import Vocabulary

from .conftest import CHROMIUM
from .test_networks import PAYLOADS, hostile_graph

SETTLE_MS = 10_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


class Opened:
    """A page loaded from a file:// URL with every other request refused, and what it logged."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.errors: list[str] = []
        self.fetches: list[str] = []
        self.page.on(
            "console", lambda message: self.errors.append(message.text) if message.type == "error" else None
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self.route)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-settled=true]", state="attached", timeout=SETTLE_MS)

    def route(self, route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.fetches.append(route.request.url)
            route.abort()

    def counts(self) -> tuple[int, int]:
        return tuple(self.page.evaluate("[network.body.nodeIndices.length, network.body.edgeIndices.length]"))

    def still(self) -> bool:
        """Physics off and no node moving over half a second."""
        before = self.page.evaluate("JSON.stringify(network.getPositions())")
        self.page.wait_for_timeout(500)
        after = self.page.evaluate("JSON.stringify(network.getPositions())")
        return before == after and not self.page.evaluate("network.physics.physicsEnabled")

    def hover(self, javascript_point: str, argument: object) -> str:
        """Move the mouse off everything, then onto a point computed in the page; the tooltip's text."""
        box = self.page.locator("#network").bounding_box()
        self.page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
        self.page.wait_for_selector("div.vis-tooltip", state="hidden", timeout=3000)
        point = self.page.evaluate(
            f"""(argument) => {{
              const point = network.canvasToDOM({javascript_point});
              return [point.x, point.y];
            }}""",
            argument,
        )
        self.page.mouse.move(box["x"] + point[0], box["y"] + point[1], steps=4)
        return self.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=3000).text_content()

    def hover_node(self, label: str) -> str:
        node = self.page.evaluate(
            "(label) => network.body.data.nodes.get().find((n) => n.label === label).id", label
        )
        return self.hover("network.getPosition(argument)", node)

    def hover_first_link(self) -> str:
        return self.hover(
            "(([a, b]) => ({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2}))"
            "(network.getConnectedNodes(argument).map((node) => network.getPosition(node)))",
            self.page.evaluate("network.body.data.edges.getIds()[0]"),
        )


def canonical(scheme: str, label: str) -> str:
    return Vocabulary.load().lookup(scheme, label).label


def expected_counts(fiches: list[Fiche]) -> dict[str, tuple[int, int]]:
    """Nodes and links of three views, counted from the fiches themselves."""
    structures = {fiche.structure for fiche in fiches}
    partners_of = {
        structure: {canonical("partner", p) for f in fiches if f.structure == structure for p in f.partners}
        for structure in structures
    }
    keywords = {canonical("keyword", keyword) for fiche in fiches for keyword in fiche.keywords}
    together = {
        pair
        for fiche in fiches
        for pair in itertools.combinations(sorted({canonical("keyword", k) for k in fiche.keywords}), 2)
    }
    sharing = [
        pair
        for pair in itertools.combinations(sorted(structures), 2)
        if partners_of[pair[0]] & partners_of[pair[1]]
    ]
    partner_types = set().union(*partners_of.values())
    return {
        "partnership": (len(structures) + len(partner_types), sum(map(len, partners_of.values()))),
        "keywords": (len(keywords), len(together)),
        "structures": (len(structures), len(sharing)),
    }


def test_views_draw_settle_and_stay_offline(
    browser: Browser, sample_graph: Path, sample_fiches: list[Fiche], tmp_path: Path
) -> None:
    expected = expected_counts(sample_fiches)
    assert expected["partnership"] == (38, 71)
    for name in ("partnership", "funding", "keywords", "structures"):
        path = tmp_path / f"{name}.html"
        drawn = render.draw(sample_graph, name, path)
        opened = Opened(browser, path)
        counts = expected.get(name, (len(drawn.graph), drawn.graph.number_of_edges()))
        assert opened.counts() == counts, name
        assert opened.still(), name
        assert opened.errors == [], name
        assert opened.fetches == [], name
        opened.page.close()


def test_tooltips_list_the_actions_behind_a_node(
    browser: Browser, sample_graph: Path, tmp_path: Path
) -> None:
    path = tmp_path / "partnership.html"
    render.draw(sample_graph, "partnership", path)
    opened = Opened(browser, path)
    text = opened.hover_node("Caf")
    assert (
        "Type de partenaire" in text
        and "relie 11 structures" in text
        and "Accès au numérique (Pas-de-Calais)" in text
    )
    opened.page.close()


def test_hostile_text_shows_as_text_and_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    graph = hostile_graph(tmp_path)
    shown: list[str] = []
    for name in ("partnership", "funding"):
        path = tmp_path / f"{name}.html"
        drawn = render.draw(graph, name, path)
        opened = Opened(browser, path)
        for label in sorted({data["label"] for _, data in drawn.graph.nodes(data=True)}):
            shown.append(opened.hover_node(label))
        shown.append(opened.hover_first_link())
        assert opened.page.evaluate("window.__pwned") is None
        assert (
            opened.page.evaluate(
                "document.querySelectorAll('.vis-tooltip *:not(div, strong, ul, li)').length"
            )
            == 0
        )
        assert opened.page.locator("p.summary").text_content() is not None
        assert opened.errors == [] and opened.fetches == []
        opened.page.close()
    text = "\n".join(shown)
    for payload in PAYLOADS:
        assert payload in text
