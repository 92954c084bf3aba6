"""The site's pages over the sample: counts from the parsed fiches, negotiation, language, safety, `serve`."""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from markupsafe import escape
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from csgraph.build import build
from csgraph.formatting import euros
from csgraph.mapping import action_key, structure_key
from csgraph.model import Fiche
from csgraph.site import describe
from csgraph.site.app import Site, create_app
from csgraph.site.tally import Tally
from csgraph.store import open_graph
from csgraph.vocabulary import BASE, Vocabulary

DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
CSG = rdflib.Namespace(BASE + "ontology#")


def figures(page: str) -> list[str]:
    """The `<strong>N</strong> word` figures of a page, as `N word`."""
    return [
        f"{number} {word}" for number, word in re.findall(r"<li><strong>([^<]+)</strong> ([^<]+)</li>", page)
    ]


def counted_links(page: str) -> dict[str, str]:
    """`<a href="/keyword/x">label</a> <span class="count">(N …)</span>` → {path: "N …"}."""
    pattern = r'<a href="(/[^"?]+)">[^<]*</a> <span class="count">\(([^)]+)\)</span>'
    return dict(re.findall(pattern, page))


def counted(number: int, word: str) -> str:
    """How a French page writes a count: the plural from two on."""
    return f"{number} {word}{'s' if number > 1 else ''}"


def keyword_counts(fiches: list[Fiche]) -> Counter[str]:
    vocabulary = Vocabulary.load()
    return Counter(
        iri
        for fiche in fiches
        for iri in {vocabulary.lookup("keyword", keyword).iri for keyword in fiche.keywords}
    )


def path(iri: str) -> str:
    return "/" + iri.removeprefix(BASE)


# Counts on the pages against the parsed fiches


def test_home_counts_are_those_of_the_fiches(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    page = site_client.get("/").text
    structures = {structure_key(fiche) for fiche in sample_fiches if fiche.structure}
    departements = {fiche.departement_code for fiche in sample_fiches if fiche.departement_code}
    keywords = keyword_counts(sample_fiches)
    assert figures(page) == [
        counted(len(sample_fiches), "action"),
        counted(len(structures), "structure"),
        counted(len(departements), "département"),
        f"{len(keywords)} mots clés",
    ]
    shown = {link: count for link, count in counted_links(page).items() if link.startswith("/keyword/")}
    assert shown  # the top keywords, each with its count of actions
    for link, count in shown.items():
        assert count == str(keywords[BASE + link[1:]])
    lowest = min(int(count) for count in shown.values())
    assert {path(iri) for iri, count in keywords.items() if count > lowest} <= set(shown)
    assert 'action="/actions"' in page and 'name="q"' in page


def test_page_numbers_are_the_library_answers(site_client: TestClient, sample_graph: Path) -> None:
    tally = Tally.scan(open_graph(sample_graph))
    assert figures(site_client.get("/").text)[0] == counted(tally.actions, "action")
    (departement,) = tally.departements
    page = site_client.get(path(departement.ref.iri)).text
    assert figures(page) == [
        counted(departement.actions, "action"),
        counted(departement.structures, "structure"),
    ]


def test_keyword_page_counts_its_actions_structures_and_departements(
    site_client: TestClient, sample_fiches: list[Fiche]
) -> None:
    keywords = keyword_counts(sample_fiches)
    vocabulary = Vocabulary.load()
    for iri, count in keywords.items():
        with_it = [
            fiche
            for fiche in sample_fiches
            if iri in {vocabulary.lookup("keyword", keyword).iri for keyword in fiche.keywords}
        ]
        structures = {structure_key(fiche) for fiche in with_it}
        response = site_client.get(path(iri))
        assert response.status_code == 200
        assert figures(response.text) == [
            counted(count, "action"),
            counted(len(structures), "structure"),
            "1 département",
        ]
        titles = {escape(fiche.title or "") for fiche in with_it}
        assert all(title in response.text for title in titles)


def test_departement_page_shows_keyword_counts_and_gaps(
    site_client: TestClient, sample_fiches: list[Fiche]
) -> None:
    page = site_client.get("/departement/62").text
    keywords = keyword_counts(sample_fiches)
    shown = {link: count for link, count in counted_links(page).items() if link.startswith("/keyword/")}
    assert len(shown) == 10
    for link, count in shown.items():
        assert count == counted(keywords[BASE + link[1:]], "action")
    listed = [concept for concept in Vocabulary.load().concepts("keyword") if concept.iri not in keywords]
    assert listed  # the sample leaves some published keywords without an action
    gaps = page.split("sans aucune action ici", 1)[1].split("</section>", 1)[0]
    assert sorted(re.findall(r'href="/keyword/([^"]+)"', gaps)) == sorted(
        concept.iri.rsplit("/", 1)[1] for concept in listed
    )


def test_structure_page_lists_its_actions_and_funders(
    site_client: TestClient, sample_fiches: list[Fiche]
) -> None:
    by_structure = Counter(structure_key(fiche) for fiche in sample_fiches)
    key, count = by_structure.most_common(1)[0]
    response = site_client.get(f"/structure/{key}")
    assert response.status_code == 200
    page = response.text
    titles = [fiche.title for fiche in sample_fiches if structure_key(fiche) == key]
    assert figures(page)[0] == counted(count, "action")
    assert all(escape(title or "") in page for title in titles)
    assert '<svg class="network"' in page and "<script" not in page.split("<main>", 1)[1]
    funded = [fiche for fiche in sample_fiches if fiche.money.funding]
    with_money = max(funded, key=lambda fiche: len(fiche.money.funding))
    page = site_client.get(f"/structure/{structure_key(with_money)}").text
    total = sum(
        funding.amount
        for fiche in sample_fiches
        if structure_key(fiche) == structure_key(with_money)
        for funding in fiche.money.funding
    )
    assert f"<strong>{euros(total)}</strong> de contributions" in page


def test_action_page_has_fields_texts_money_and_source(
    site_client: TestClient, sample_fiches: list[Fiche]
) -> None:
    fiche = max(sample_fiches, key=lambda fiche: len(fiche.money.funding))
    response = site_client.get(f"/action/{action_key(fiche)}")
    assert response.status_code == 200
    page = response.text
    assert f"<title>{escape(fiche.title or '')} · csgraph</title>" in page
    for funding in fiche.money.funding:
        assert euros(funding.amount) in page
    assert f"/structure/{structure_key(fiche)}" in page
    assert f"ligne {fiche.source.line}" in page
    summary = fiche.texts.get("summary") or next(iter(fiche.texts.values()))
    assert escape(summary.splitlines()[0])[:60] in page
    for keyword in fiche.keywords:
        concept = Vocabulary.load().lookup("keyword", keyword)
        assert f'href="{path(concept.iri)}"' in page


@pytest.mark.parametrize(
    ("address", "title"),
    [
        ("/", "Accueil"),
        ("/departement/62", "Pas-de-Calais (62)"),
        ("/keyword/culture", "Culture"),
        ("/public/jeunesse", "Jeunesse"),
        ("/partner/caf", "Caf"),
        ("/status/en-cours", "En cours"),
        ("/funder-category/usagers", "Usagers"),
        ("/funder/cchpm", "CCHPM"),  # `MSA et CCHPM`: MSA is known by its type, CCHPM by its name
        ("/scheme/keyword", "Mots clés"),
        ("/structure/62-centre-social-jacques-brel", "CENTRE SOCIAL JACQUES BREL"),
        ("/action/allez-les-filles-540b9eb364", "ALLEZ LES FILLES"),
        ("/funding/acces-au-numerique-c189c80e3f-2", "MSA et CCHPM"),
        ("/funding/allez-les-filles-540b9eb364-1", "allez-les-filles-540b9eb364-1"),  # names no funder
    ],
)
def test_each_kind_of_page_answers_with_its_title(site_client: TestClient, address: str, title: str) -> None:
    response = site_client.get(address)
    assert response.status_code == 200
    assert f"<title>{title} · csgraph</title>" in response.text
    assert '<html lang="fr">' in response.text


def test_scheme_page_counts_every_keyword(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    page = site_client.get("/scheme/keyword").text
    rows = re.findall(r'<td><a href="/keyword/([^"]+)">[^<]*</a></td><td class="number">(\d+)</td>', page)
    keywords = keyword_counts(sample_fiches)
    assert {BASE + "keyword/" + name: int(count) for name, count in rows if int(count)} == dict(keywords)
    assert len(rows) >= len(Vocabulary.load().concepts("keyword"))


# Content negotiation


ACTION = "/action/allez-les-filles-540b9eb364"


def test_turtle_and_json_ld_hold_the_actions_triples(site_client: TestClient) -> None:
    turtle = site_client.get(ACTION, headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert turtle.headers["vary"] == "Accept"
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    action = rdflib.URIRef(BASE + ACTION[1:])
    assert (action, DCTERMS.title, rdflib.Literal("ALLEZ LES FILLES", lang="fr")) in graph
    assert (action, CSG.keyword, rdflib.URIRef(BASE + "keyword/education-scolarite")) in graph
    assert (action, CSG.sourceLine, rdflib.Literal(2)) in graph
    assert set(graph.subjects()) == {action}

    jsonld = site_client.get(ACTION, headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert isomorphic(rdflib.Graph().parse(data=jsonld.text, format="json-ld"), graph)
    by_link = site_client.get(ACTION + "?format=jsonld", headers={"Accept": "text/html"})
    assert by_link.text == jsonld.text
    assert site_client.get(ACTION + "?format=ttl").text == turtle.text
    assert site_client.get(ACTION + "?format=json").headers["content-type"] == "application/json"


def test_description_follows_the_actions_own_nodes(
    site_client: TestClient, sample_fiches: list[Fiche]
) -> None:
    fiche = next(fiche for fiche in sample_fiches if fiche.money.expenses and fiche.money.people)
    response = site_client.get(f"/action/{action_key(fiche)}?format=ttl")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    expenses = set(graph.objects(None, CSG.expense))
    assert len(expenses) == len(fiche.money.expenses)
    amounts = sorted(
        float(graph.value(expense, rdflib.URIRef("http://schema.org/amount"))) for expense in expenses
    )
    assert amounts == sorted(float(expense.amount) for expense in fiche.money.expenses)


def test_html_is_the_default_and_varies_by_accept(site_client: TestClient) -> None:
    for accept in ("", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8", "text/turtle;q=0.1,text/html"):
        response = site_client.get(ACTION, headers={"Accept": accept})
        assert response.headers["content-type"].startswith("text/html"), accept
        assert response.headers["vary"] == "Accept"
    assert site_client.get(ACTION + "?format=xml").status_code == 400


# Language, errors, safety headers


def test_english_chrome_keeps_the_data_french(site_client: TestClient) -> None:
    page = site_client.get("/keyword/culture?lang=en").text
    assert '<html lang="en">' in page
    assert "Home</a>" in page and "Accueil" not in page
    assert '<a href="/departement/62?lang=en">Pas-de-Calais</a>' in page
    assert 'href="/keyword/culture"' in page  # the way back to French


def test_unknown_host_is_refused(site_client: TestClient) -> None:
    response = site_client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "nom d'hôte" in html.unescape(response.text)


def test_writes_are_refused(site_client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = site_client.request(method, ACTION)
        assert response.status_code == 405
        assert "lecture seule" in response.text
    assert site_client.head(ACTION).status_code == 200


def test_unknown_iri_names_the_nearest(site_client: TestClient) -> None:
    response = site_client.get("/keyword/cultur")
    assert response.status_code == 404
    assert '<a href="/keyword/culture">Culture</a>' in response.text
    response = site_client.get("/structure/62-centre-social-jacques-bre")
    assert '<a href="/structure/62-centre-social-jacques-brel">' in response.text
    response = site_client.get("/departement/pas-de-calai")
    assert '<a href="/departement/62">Pas-de-Calais</a>' in response.text
    assert site_client.get("/keyword/culture", headers={"Accept": "text/turtle"}).status_code == 200
    assert site_client.get("/keyword/nothing-like-it?format=ttl").status_code == 404
    assert site_client.get("/nowhere").status_code == 404


def test_security_headers_on_every_answer(site_client: TestClient) -> None:
    for address in ("/", ACTION, "/static/site.css", "/keyword/cultur", ACTION + "?format=ttl"):
        headers = site_client.get(address).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


HOSTILE = """Les actions des centres sociaux
Actions "<script>alert(1)</script> & \\"><img src=x onerror=alert(2)>"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Mots clés associés à l'action
-
- Culture
- Résumé
</p><script>alert(4)</script> {{ 7*7 }}
- Structure organisatrice
- "><img src=x onerror=alert(3)> <script>alert(5)</script> - Pas-de-Calais
"""


def test_hostile_fiche_text_stays_text(tmp_path: Path) -> None:
    (tmp_path / "fiches").mkdir()
    (tmp_path / "fiches" / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    built = build([tmp_path / "fiches"], tmp_path / "out")
    site = Site(built.graph, open_graph(built.graph), hosts=("testserver",))
    client = TestClient(create_app(site))
    tally = Tally.scan(site.store)
    (structure,) = describe.names(site.store, "structure")
    (action,) = describe.names(site.store, "action")
    pages = [client.get(address).text for address in ("/", path(action.iri), path(structure.iri))]
    pages.append(client.get("/keyword/culture").text)
    pages.append(client.get("/departement/62").text)
    assert tally.actions == 1
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "49" not in re.sub(r"<svg.*?</svg>", "", page, flags=re.S)  # the map names Maine-et-Loire (49)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
    assert "&lt;img src=x onerror=alert(3)&gt;" in pages[2]
    assert "{{ 7*7 }}" in pages[1]


# The command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_and_stops_on_ctrl_c(sample_graph: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "csgraph", "serve", "--graph", str(sample_graph), "--port", str(port)]
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/departement/62", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.1)
        assert "<title>Pas-de-Calais (62) · csgraph</title>" in page
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    errors = server.stderr.read()
    assert code in (0, 130)
    assert "Traceback" not in errors
    assert f"http://127.0.0.1:{port}/" in errors


def test_serve_without_a_graph_says_to_build(tmp_path: Path) -> None:
    missing = tmp_path / "graph.ttl"
    command = [sys.executable, "-m", "csgraph", "serve", "--graph", str(missing)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "run `csgraph build` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_public_address_is_announced() -> None:
    from csgraph.site.app import allowed_hosts, public_notice

    assert public_notice("127.0.0.1", 8000) is None
    notice = public_notice("192.0.2.7", 8000)
    assert notice is not None and "lecture seule" in notice and "public" in notice
    assert set(allowed_hosts("127.0.0.1")) >= {"127.0.0.1", "localhost"}
    assert allowed_hosts("192.0.2.7") == ("192.0.2.7",)


def test_concept_structures_from_the_index_equal_the_store_answer(sample_graph: Path) -> None:
    """Concept pages count a concept's structures from the actions index; SPARQL must agree."""
    from csgraph.site import pages, things

    site = Site(sample_graph, open_graph(sample_graph), hosts=("testserver",))
    tally = Tally.scan(site.store)
    checked = 0
    for link, by_concept in tally.counts.items():
        if link not in pages.FILTERS:
            continue
        for concept in by_concept:
            assert pages.concept_structures(site, link, concept) == things.concept_structures(
                site.store, link, concept
            ), (link, concept)
            checked += 1
    assert checked >= 17 + 10  # the sample's 17 keywords, its publics, partner and funder types…
