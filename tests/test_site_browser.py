"""The site in a real browser (Debian's Chromium, headless): a real `csgraph serve` over the sample, every
request to another host refused and recorded. A visitor walks from the home page to a département, narrows
the actions list by a keyword facet, opens an action and then its structure; no page logs an error, loads
anything from elsewhere, or carries an inline script or style that the Content-Security-Policy would block.

Run as a script, the module takes the README's screenshots instead:
`python -m tests.test_site_browser docs/` (from the project's root).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Request, Response, Route, sync_playwright

from csgraph.build import build
from csgraph.mapping import action_key, structure_key
from csgraph.model import Fiche
from csgraph.vocabulary import Vocabulary

from .conftest import ARGS, CHROMIUM, SAMPLE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

ADDRESS = re.compile(r"sur (http://127\.0\.0\.1:\d+)/")
START_SECONDS = 30
KEYWORD = "éducation / scolarité"

# What a page must never carry: the CSP would block it, and Chromium would log the block as an error.
INLINE_CODE = """() => [...document.querySelectorAll('*')].filter((element) =>
    (element.tagName === 'SCRIPT' && !element.src) || element.tagName === 'STYLE'
    || [...element.attributes].some((attribute) => attribute.name === 'style'
                                     || attribute.name.startsWith('on'))
  ).map((element) => element.outerHTML.slice(0, 80))"""


@contextmanager
def served(graph: Path, log: Path) -> Iterator[str]:
    """`csgraph serve` on a port the system picks; its address, read from its own start-up line."""
    command = [sys.executable, "-m", "csgraph", "serve", "--graph", str(graph), "--port", "0"]
    with log.open("w", encoding="utf-8") as stderr:
        server = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        yield wait_for(server, log)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for(server: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while True:
        assert server.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
        found = ADDRESS.search(log.read_text(encoding="utf-8"))
        if found:
            try:
                with urllib.request.urlopen(found[1] + "/", timeout=5):
                    return found[1]
            except OSError:
                pass
        time.sleep(0.1)


@pytest.fixture(scope="module")
def site(sample_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(sample_graph, tmp_path_factory.mktemp("serve") / "stderr.txt") as address:
        yield address


class Visit:
    """A tab on the site with every request elsewhere refused, and what the tab logged and received."""

    def __init__(self, browser: Browser, site: str, width: int = 1280) -> None:
        self.site = site
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        self.failed: list[str] = []
        self.documents: list[Response] = []
        self.page.on(
            "console", lambda message: self.errors.append(message.text) if message.type == "error" else None
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", self.request_failed)
        self.page.on("response", self.response)
        self.page.route("**/*", self.route)

    def route(self, route: Route) -> None:
        if route.request.url.startswith(self.site + "/"):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def request_failed(self, request: Request) -> None:
        """A request the site did not answer; one the next page's navigation cancelled is not a failure."""
        if request.url.startswith(self.site + "/") and request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.failure} {request.url}")

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")
        if response.request.resource_type == "document":
            self.documents.append(response)

    def open(self, path: str) -> None:
        """Load a page and wait until the browser stops asking for anything (the icon comes after `load`)."""
        self.page.goto(self.site + path, wait_until="networkidle")

    def follow(self, link: str, within: str = "main") -> None:
        """Click the link named `link` inside `within`, as a visitor would, and wait for the next page."""
        before = self.page.url
        self.page.locator(within).get_by_role("link", name=link, exact=True).first.click()
        self.arrive(lambda url: url != before)

    def arrive(self, url: Callable[[str], bool]) -> None:
        self.page.wait_for_url(url)
        self.page.wait_for_load_state("networkidle")

    def text(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).first.inner_text().split())

    def figures(self) -> list[str]:
        return [
            " ".join(figure.split()) for figure in self.page.locator("main .figures li").all_inner_texts()
        ]

    def assert_clean(self) -> None:
        """Nothing logged, refused or failed so far, and the page carries no inline code."""
        assert self.errors == [], self.page.url
        assert self.elsewhere == [], self.page.url
        assert self.failed == [], self.page.url
        assert self.page.evaluate(INLINE_CODE) == [], self.page.url


def counted(number: int, word: str) -> str:
    return f"{number} {word}{'s' if number > 1 else ''}"


def keyword_labels(fiche: Fiche, vocabulary: Vocabulary) -> set[str]:
    return {vocabulary.lookup("keyword", keyword).label for keyword in fiche.keywords}


def test_a_visitor_walks_from_home_to_a_structure(
    browser: Browser, site: str, sample_fiches: list[Fiche]
) -> None:
    vocabulary = Vocabulary.load()
    in_62 = [fiche for fiche in sample_fiches if fiche.departement_code == "62"]
    with_keyword = [fiche for fiche in in_62 if KEYWORD in keyword_labels(fiche, vocabulary)]
    chosen = min(with_keyword, key=lambda fiche: fiche.title or "")
    of_structure = {action_key(f) for f in sample_fiches if structure_key(f) == structure_key(chosen)}
    assert (len(in_62), len({structure_key(f) for f in in_62}), len(with_keyword)) == (25, 17, 7)

    visit = Visit(browser, site)
    visit.open("/")
    assert visit.text("h1") == "Les actions des centres sociaux"
    assert visit.figures()[0] == counted(len(sample_fiches), "action")
    visit.assert_clean()

    visit.follow("Pas-de-Calais")
    assert visit.page.url == site + "/departement/62"
    assert visit.text("h1") == "Pas-de-Calais (62)"
    assert visit.figures() == [
        counted(len(in_62), "action"),
        counted(len({structure_key(f) for f in in_62}), "structure"),
    ]
    visit.assert_clean()

    visit.follow("Les voir dans la liste des actions, avec ses filtres")
    assert visit.page.url == site + "/actions?departement=62"
    assert visit.text(".results .total") == counted(len(in_62), "action")
    facet = visit.page.locator("#facet-keyword li").filter(
        has=visit.page.get_by_role("link", name=KEYWORD, exact=True)
    )
    facet_count = int(facet.locator(".count").inner_text())
    assert facet_count == len(with_keyword)
    visit.assert_clean()

    visit.follow(KEYWORD, within="#facet-keyword")
    assert visit.text(".results .total") == counted(facet_count, "action")
    assert visit.page.locator("table.actions tbody tr").count() == facet_count
    assert visit.text("#facet-keyword li.chosen a") == f"✓ {KEYWORD}"
    active = visit.page.locator(".active-filters li").all_text_contents()
    assert [" ".join(text.split()) for text in active] == [
        "Département : Pas-de-Calais retirer ×",
        f"Mot clé : {KEYWORD} retirer ×",
    ]
    visit.assert_clean()

    visit.follow(chosen.title, within="table.actions")
    assert visit.text("h1") == chosen.title
    assert visit.page.url.startswith(site + "/action/")
    visit.assert_clean()

    visit.follow(chosen.structure)
    assert visit.page.url == f"{site}/structure/{structure_key(chosen)}"
    assert visit.text("h1") == chosen.structure
    assert visit.figures()[0] == counted(len(of_structure), "action")
    visit.assert_clean()

    assert len(visit.documents) == 6
    for document in visit.documents:
        policy = document.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy, document.url
        assert document.status == 200, document.url
    visit.page.close()


def test_questions_and_sparql_work_under_the_policy(
    browser: Browser, site: str, sample_fiches: list[Fiche]
) -> None:
    """The question form and the SPARQL editor (its Ctrl+Enter is the site's one script) in the browser."""
    visit = Visit(browser, site)
    visit.open("/questions")
    visit.follow("Actions d'un département")
    visit.page.get_by_label("Département").select_option("62")
    visit.page.get_by_role("button", name="Afficher").click()
    visit.arrive(lambda url: url.endswith("?departement=62"))
    in_62 = sum(fiche.departement_code == "62" for fiche in sample_fiches)
    assert visit.page.locator(".answer tbody tr").count() == in_62
    visit.assert_clean()

    visit.open("/sparql")
    query = visit.page.get_by_label("Requête")
    query.fill("SELECT (COUNT(?action) AS ?actions) WHERE { ?action a csg:Action }")
    query.press("Control+Enter")
    visit.arrive(lambda url: "query=" in url)
    assert visit.text(".answer td") == str(len(sample_fiches))
    visit.assert_clean()
    visit.page.close()


def test_the_policy_blocks_inline_code_and_the_console_says_so(browser: Browser, site: str) -> None:
    """The check behind every `assert_clean`: an inline script put in a page does not run, and is logged."""
    visit = Visit(browser, site)
    visit.open("/")
    visit.page.evaluate(
        """() => { const script = document.createElement('script');
                   script.textContent = 'window.inlineRan = true'; document.body.append(script); }"""
    )
    visit.page.wait_for_timeout(200)
    assert visit.page.evaluate("window.inlineRan") is None
    assert any("Content Security Policy" in error for error in visit.errors)
    visit.page.close()


def test_favicon_and_errors(browser: Browser, site: str) -> None:
    visit = Visit(browser, site)
    icon = visit.page.request.get(site + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    answer = visit.page.goto(site + "/structure/62-nulle-part")
    assert answer is not None and answer.status == 404
    assert visit.text("h1") == "Page introuvable (404)"
    assert visit.page.evaluate(INLINE_CODE) == [] and visit.elsewhere == []
    visit.page.close()


def test_no_page_is_wider_than_a_phone(browser: Browser, site: str) -> None:
    """At 400 px, wide tables scroll inside their box and the page itself never scrolls sideways."""
    visit = Visit(browser, site, width=400)
    for path in (
        "/",
        "/actions?departement=62",
        "/action/acces-au-numerique-c189c80e3f",
        "/structure/62-centre-socioculturel-intercommunal",
        "/questions/actions-in-departement?departement=62",
    ):
        visit.open(path)
        assert visit.page.evaluate("document.documentElement.scrollWidth") == 400, path
    visit.assert_clean()
    visit.page.close()


# The page, and how much of it a README reader needs to see (the action down to its money).
SCREENSHOTS = {
    "site-home.png": ("/", 1400),
    "site-action.png": ("/action/acces-au-numerique-c189c80e3f", 2215),
}


def take_screenshots(folder: Path) -> None:
    """Build the sample in a temporary folder, serve it and photograph the pages the README shows."""
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        graph = build([SAMPLE], Path(scratch) / "output").graph
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        with served(graph, Path(scratch) / "stderr.txt") as address:
            visit = Visit(chromium, address)
            for name, (path, most) in SCREENSHOTS.items():
                visit.open(path)
                visit.assert_clean()
                height = min(visit.page.evaluate("document.documentElement.scrollHeight"), most)
                clip = {"x": 0, "y": 0, "width": 1280, "height": height}
                visit.page.screenshot(path=folder / name, full_page=True, clip=clip)
                print(folder / name)
        chromium.close()


if __name__ == "__main__":
    take_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
