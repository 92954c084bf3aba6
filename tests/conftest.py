"""Shared fixtures: the real sample shipped in data/, parsed and built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from starlette.testclient import TestClient

from csgraph.build import BuildReport, build
from csgraph.fiches import read_fiches
from csgraph.model import Fiche, Notice

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "pas-de-calais-actions.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; browser tests skip without it, never download one
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def french_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI speaks French unless LANG=en…: tests read what a French user gets, whatever the machine's
    locale (commands run in a subprocess inherit this environment too); English is asked with --lang en."""
    monkeypatch.delenv("LANG", raising=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_fiches() -> list[Fiche]:
    notices: list[Notice] = []
    return list(read_fiches([SAMPLE], notices))


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """The sample built once (graph.ttl + persistent store) in a private folder; treat as read-only."""
    return build([SAMPLE], tmp_path_factory.mktemp("sample-build"))


@pytest.fixture(scope="session")
def sample_graph(sample_build: BuildReport) -> Path:
    return sample_build.graph


@pytest.fixture(scope="session")
def site_client(sample_build: BuildReport) -> TestClient:
    """The site over the sample build, as the test client's host `testserver` would reach it."""
    from csgraph.site.app import Site, create_app
    from csgraph.store import open_graph

    site = Site(
        sample_build.graph, open_graph(sample_build.graph), hosts=("testserver", "127.0.0.1", "localhost")
    )
    return TestClient(create_app(site))
