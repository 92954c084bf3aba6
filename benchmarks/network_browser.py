"""Time a big network view in a real browser: from opening the page to a settled drawing.

Projects a view of a built graph (default: the partnership view of every action, with no limit on links),
writes it as the offline HTML page `csgraph viz` writes, then opens it in headless Chromium (Debian's, as
the browser tests use) with the network cut, and waits until vis-network has drawn it and its positions no
longer move. Prints the node and link counts, the page size and the seconds to a settled drawing.

    python benchmarks/network_browser.py GRAPH.ttl [--view partnership] [--departement …] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import sync_playwright

from csgraph import networks
from csgraph.graph_actions import Narrowing
from csgraph.render import html_bytes
from csgraph.store import open_graph

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SETTLED = """() => {
  if (typeof network === "undefined" || !network.body || !network.body.nodeIndices.length) return false;
  const now = JSON.stringify(network.getPositions());
  const still = window.__last === now;
  window.__last = now;
  return still && !network.physics.physicsEnabled;
}"""


def settle_seconds(page_file: Path) -> float:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route(
            "**/*",
            lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
        )
        start = time.perf_counter()
        page.goto(page_file.resolve().as_uri())
        page.wait_for_function(SETTLED, polling=100, timeout=600_000)
        seconds = time.perf_counter() - start - 0.1  # the last poll only confirmed that nothing moved
        browser.close()
    return seconds


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", type=Path)
    parser.add_argument("--view", default="partnership")
    parser.add_argument("--departement")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    networks.LINKS_LIMIT = 10**9  # measured here, not refused: the site summarises such views instead
    projected = networks.view(open_graph(options.graph), options.view, Narrowing(options.departement))
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "view.html"
        page_file.write_bytes(html_bytes(projected))
        times = [settle_seconds(page_file) for _ in range(options.runs)]
        size = page_file.stat().st_size
    graph = projected.graph
    print(
        f"{options.view}: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} links, "
        f"page {size / 1e6:.1f} MB; settled in {statistics.median(times):.2f} s "
        f"(median of {len(times)}: {', '.join(f'{seconds:.2f}' for seconds in times)})"
    )


if __name__ == "__main__":
    main()
