"""Networks of the site in a real browser (Debian's Chromium, headless), served by uvicorn over the
sample with every request to another host refused: a filter redraws the network with fewer nodes, the
search finds and focuses a node, clicks open the side panel and lead to an action's page; nothing logs an
error.

Run as a script, the module takes the README's screenshot instead:
`python -m tests.test_site_networks_browser docs/` (from the project's root).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from csgraph.build import build
from csgraph.graph_actions import Narrowing
from csgraph.networks import view
from csgraph.store import open_graph

from .conftest import ARGS, CHROMIUM, SAMPLE
from .test_networks import PAYLOADS, hostile_graph
from .test_site_browser import INLINE_CODE, Visit
from .test_site_networks import app_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

SETTLE_MS = 15_000
EVERY_ELEMENT = "document.querySelectorAll('*')"
NETWORK_INLINE_CODE = INLINE_CODE.replace(
    EVERY_ELEMENT, "document.querySelectorAll(\"*:not(#network *):not(script[type='application/json'])\")"
)
assert EVERY_ELEMENT in INLINE_CODE


@contextmanager
def served(graph: Path) -> Iterator[str]:
    """The site with its network routes, on a loopback port the system picks, in a thread of this process."""
    app = app_for(graph, "127.0.0.1")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


class NetworkVisit(Visit):
    """A tab on the site (every request elsewhere refused) that waits for a network page to be drawn."""

    def open(self, path: str) -> None:
        super().open(path)
        self.settled()

    def assert_clean(self) -> None:
        """As on every page of the site, but for the data block (JSON, never run) and the style attributes
        vis-network sets from its script (through the CSSOM, which the policy allows)."""
        assert self.errors == [] and self.elsewhere == [] and self.failed == [], self.page.url
        assert self.page.evaluate(NETWORK_INLINE_CODE) == [], self.page.url

    def settled(self) -> None:
        self.page.wait_for_selector("body[data-settled=true]", state="attached", timeout=SETTLE_MS)

    def nodes(self) -> int:
        return self.page.evaluate("network.body.nodeIndices.length")

    def labels(self) -> int:
        """How many labels the page shows at this zoom (the others would overlap them)."""
        return int(self.page.locator("#network").get_attribute("data-labels"))

    def node_id(self, label: str) -> int:
        return self.page.evaluate("(label) => networkNodes.find((node) => node.label === label).id", label)

    def click_canvas(self, javascript_point: str, argument: object) -> None:
        box = self.page.locator("#network").bounding_box()
        x, y = self.page.evaluate(
            "(argument) => { const point = network.canvasToDOM("
            + javascript_point
            + "); return [point.x, point.y]; }",
            argument,
        )
        self.page.mouse.click(box["x"] + x, box["y"] + y)


def test_filter_search_and_click_through(browser: Browser, sample_graph: Path) -> None:
    store = open_graph(sample_graph)
    whole = len(view(store, "partnership").graph)
    health = len(view(store, "partnership", Narrowing(keyword="Santé")).graph)
    with served(sample_graph) as address:
        visit = NetworkVisit(browser, address)
        visit.open("/networks/partnership")
        assert visit.nodes() == whole == 38
        labelled, scale = visit.labels(), visit.page.evaluate("network.getScale()")
        assert 0 < labelled < whole
        box = visit.page.locator("#network").bounding_box()
        visit.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(4):
            visit.page.mouse.wheel(0, -300)
        visit.page.wait_for_timeout(600)  # the labels are placed again 120 ms after the last wheel step
        assert visit.page.evaluate("network.getScale()") > 1.2 * scale
        assert visit.labels() > labelled
        with visit.page.expect_navigation():
            visit.page.select_option("#keyword", "Santé")
        visit.settled()
        assert "keyword=Sant%C3%A9" in visit.page.url
        assert visit.nodes() == health < whole

        visit.page.fill("#network-q", "caf")
        visit.page.press("#network-q", "Enter")
        panel = visit.page.locator("#network-panel")
        panel.wait_for(state="visible")
        assert panel.locator("h2").text_content() == "Caf"
        assert "type de partenaire" in panel.text_content()
        assert visit.page.evaluate("network.getSelectedNodes()") == [visit.node_id("Caf")]
        assert visit.page.locator("#network-found").text_content() == "Trouvé : Caf"

        visit.click_canvas("network.getPosition(argument)", visit.node_id("Commune"))
        assert panel.locator("h2").text_content() == "Commune"
        assert panel.get_by_role("link", name="Ouvrir sa page").get_attribute("href") == "/partner/commune"
        edge = visit.page.evaluate("network.body.data.edges.getIds()[0]")
        visit.click_canvas(
            "(([a, b]) => ({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2}))"
            "(network.getConnectedNodes(argument).map((node) => network.getPosition(node)))",
            edge,
        )
        assert " — " in panel.locator("h2").text_content()
        assert "Les actions qui font ce lien" in panel.text_content()

        first = panel.locator("ul.panel-actions a").first
        title = first.text_content().rsplit(" (", 1)[0]
        with visit.page.expect_navigation():
            first.click()
        assert "/action/" in visit.page.url
        assert visit.page.locator("h1").text_content().strip() == title
        visit.assert_clean()
        visit.page.close()


def test_hostile_labels_run_nothing(browser: Browser, tmp_path: Path) -> None:
    graph = hostile_graph(tmp_path)
    with served(graph) as address:
        visit = NetworkVisit(browser, address)
        for name in ("partnership", "funding"):
            visit.open(f"/networks/{name}")
            labels = visit.page.evaluate("networkNodes.map((node) => node.label)")
            assert any(payload in label for payload in PAYLOADS for label in labels), name
            for label in labels:
                visit.page.fill("#network-q", label)
                visit.page.press("#network-q", "Enter")
                assert visit.page.locator("#network-panel h2").text_content() == label
            assert visit.page.evaluate("window.__pwned") is None
            assert (
                visit.page.evaluate(
                    "document.querySelectorAll('#network-panel img, #network-panel svg').length"
                )
                == 0
            )
        visit.assert_clean()
        visit.page.close()


def screenshot(folder: Path) -> None:
    """The README's picture: the partnership view with the Caf's side panel open."""
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        graph = build([SAMPLE], Path(work) / "out").graph
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        with served(graph) as address:
            visit = NetworkVisit(chromium, address)
            visit.page.set_viewport_size({"width": 1280, "height": 860})
            visit.open("/networks/partnership")
            visit.page.evaluate("document.getElementById('network-summary').scrollIntoView()")
            visit.click_canvas("network.getPosition(argument)", visit.node_id("Caf"))
            visit.page.locator("#network-panel").wait_for(state="visible")
            visit.page.screenshot(path=str(folder / "site-network.png"), full_page=False)
        chromium.close()


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]))
