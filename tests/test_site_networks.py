"""Networks in the site: the page draws what `networks.view` projects, filters narrow it, unknown values
are refused naming the nearest, large views are summarised, and hostile fiche text stays text."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import networkx as nx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from csgraph import networks, render
from csgraph.build import build
from csgraph.graph_actions import Narrowing
from csgraph.model import Fiche
from csgraph.networks import view
from csgraph.site import networks as site_networks
from csgraph.site.app import Site, create_app
from csgraph.store import open_graph
from csgraph.vocabulary import Vocabulary
from tests.conftest import ROOT

from .test_networks import PAYLOADS, hostile_graph

DATA_BLOCK = re.compile(r'<script type="application/json" id="network-data">(.*?)</script>', re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>")


def app_for(graph: Path, host: str) -> Starlette:
    return create_app(Site(graph, open_graph(graph), hosts=(host,)))


def client_for(graph: Path) -> TestClient:
    return TestClient(app_for(graph, "testserver"))


@pytest.fixture(scope="module")
def client(sample_graph: Path) -> TestClient:
    return client_for(sample_graph)


def drawn(client: TestClient, address: str) -> dict:
    response = client.get(address)
    assert response.status_code == 200, response.text
    return json.loads(DATA_BLOCK.search(response.text)[1])


def node(data: dict, label: str) -> dict:
    return next(item for item in data["nodes"] if item["label"] == label)


@pytest.mark.parametrize("name", list(networks.VIEWS))
def test_each_page_draws_the_view_the_library_projects(
    client: TestClient, sample_graph: Path, name: str
) -> None:
    projected = view(open_graph(sample_graph), name)
    data = drawn(client, f"/networks/{name}")
    assert len(data["nodes"]) == len(projected.graph)
    assert len(data["edges"]) == projected.graph.number_of_edges()
    assert sorted(item["label"] for item in data["nodes"]) == sorted(
        label for _, label in projected.graph.nodes(data="label")
    )
    assert data["options"]["physics"] == {"enabled": False}
    assert all(isinstance(item["x"], float) and isinstance(item["y"], float) for item in data["nodes"])


def test_the_partnership_page_counts_what_the_fiches_name(
    client: TestClient, sample_fiches: list[Fiche]
) -> None:
    vocabulary = Vocabulary.load()
    partners = {vocabulary.lookup("partner", p).label for fiche in sample_fiches for p in fiche.partners}
    structures = {fiche.structure for fiche in sample_fiches}
    data = drawn(client, "/networks/partnership")
    assert len(data["nodes"]) == len(structures) + len(partners) == 38
    caf = node(data, "Caf")
    with_caf = [
        fiche
        for fiche in sample_fiches
        if "Caf" in {vocabulary.lookup("partner", p).label for p in fiche.partners}
    ]
    assert caf["kind"] == "type de partenaire"
    assert f"{len(with_caf)} actions" in caf["facts"]
    assert f"relie {len({fiche.structure for fiche in with_caf})} structures" in caf["facts"]
    assert caf["page"] == "/partner/caf"
    assert not any(
        "betweenness" in fact or "group" in fact for item in data["nodes"] for fact in item["facts"]
    )


def test_a_filter_narrows_the_network(
    client: TestClient, sample_graph: Path, sample_fiches: list[Fiche]
) -> None:
    whole = drawn(client, "/networks/partnership")
    health = drawn(client, "/networks/partnership?keyword=Sant%C3%A9")
    expected = view(open_graph(sample_graph), "partnership", Narrowing(keyword="Santé"))
    assert len(health["nodes"]) == len(expected.graph) < len(whole["nodes"])
    with_health = {fiche.structure for fiche in sample_fiches if "Santé" in fiche.keywords}
    assert with_health <= {item["label"] for item in health["nodes"]}
    page = client.get("/networks/partnership?keyword=Sant%C3%A9").text
    assert '<option value="Santé" selected>' in page
    both = drawn(client, "/networks/keywords?public=Jeunesse&partner=Caf")
    expected = view(open_graph(sample_graph), "keywords", Narrowing(public="Jeunesse", partner="Caf"))
    assert len(both["nodes"]) == len(expected.graph)
    in_62 = drawn(client, "/networks/partnership?departement=62")["nodes"]
    assert [(item["label"], item["facts"]) for item in in_62] == [
        (item["label"], item["facts"]) for item in whole["nodes"]
    ]


def test_a_funder_type_narrows_to_the_actions_it_funds(client: TestClient) -> None:
    """The same actions as the list's funder facet, which the actions index counts on its own."""
    for funder, view_name in (("Caf", "partnership"), ("Commune", "keywords"), ("usagers", "funding")):
        listed = client.get(f"/actions.json?funder={funder}").json()["actions"]
        data = drawn(client, f"/networks/{view_name}?funder={funder}")
        behind = {address for item in data["nodes"] for _, address in item["actions"]}
        assert behind == {f"/action/{row['iri'].rsplit('/', 1)[-1]}" for row in listed}, funder
        summary = re.search(
            r'<p class="summary" id="network-summary">([^<]*)',
            client.get(f"/networks/{view_name}?funder={funder}").text,
        )[1]
        assert summary.startswith(f"{len(listed)} action"), summary
    both = drawn(client, "/networks/partnership?funder=Caf&keyword=Mixit%C3%A9+sociale")
    listed = client.get("/actions.json?funder=Caf&keyword=Mixit%C3%A9+sociale").json()["actions"]
    assert {address for item in both["nodes"] for _, address in item["actions"]} == {
        f"/action/{row['iri'].rsplit('/', 1)[-1]}" for row in listed
    }
    narrowed_list = urlsplit(node(both, "Caf")["list"])
    assert narrowed_list.path == "/actions"
    assert dict(parse_qsl(narrowed_list.query)) == {
        "funder": "Caf",
        "keyword": "Mixité sociale",
        "partner": "caf",
    }
    assert drawn(client, "/networks/partnership?funder=Caf&keyword=Sant%C3%A9")["nodes"] == []
    assert "Aucune action ne répond" in client.get("/networks/partnership?funder=Caf&keyword=Sant%C3%A9").text
    refused = client.get("/networks/partnership?funder=Cafe")
    assert refused.status_code == 400 and ">Caf</a>" in refused.text


def test_a_node_links_to_its_page_and_to_its_actions_in_the_list(client: TestClient) -> None:
    data = drawn(client, "/networks/partnership?keyword=Sant%C3%A9")
    for item in data["nodes"]:
        assert client.get(item["page"]).status_code == 200, item["page"]
        for _, address in item["actions"]:
            assert address.startswith("/action/")
    caf = node(data, "Caf")
    assert caf["list"] == "/actions?keyword=Sant%C3%A9&partner=caf"
    listed = client.get(caf["list"].replace("/actions?", "/actions.json?")).json()
    assert sorted(row["iri"].rsplit("/", 1)[-1] for row in listed["actions"]) == sorted(
        address.rsplit("/", 1)[-1] for _, address in caf["actions"]
    )
    structure = next(item for item in data["nodes"] if item["kind"] == "structure")
    assert structure["list"] is None and structure["page"].startswith("/structure/")
    edge = data["edges"][0]
    assert edge["heading"].count(" — ") == 1 and edge["actions"]


def test_funders_list_the_actions_they_fund(client: TestClient) -> None:
    data = drawn(client, "/networks/funding")
    caf = next(item for item in data["nodes"] if item["label"] == "Caf" and item["kind"] == "financeur")
    assert caf["list"] == "/actions?funder=caf" and caf["page"] == "/partner/caf"
    listed = client.get("/actions.json?funder=caf").json()["actions"]
    assert [row["title"] for row in listed] == [title.rsplit(" (", 1)[0] for title, _ in caf["actions"]]
    as_written = [item for item in data["nodes"] if item["kind"] == "financeur" and item["page"] is None]
    # `subvention 7000` names no funder: it is the unnamed funder, never one called `subvention`.
    assert [item["label"] for item in as_written] == ["financeur non nommé"]
    for item in data["nodes"]:
        if item["page"]:
            assert client.get(item["page"]).status_code == 200, item["page"]


def test_keywords_are_grouped_around_their_central_node(client: TestClient) -> None:
    data = drawn(client, "/networks/keywords")
    groups = {
        fact for item in data["nodes"] for fact in item["facts"] if fact.startswith("groupe autour de ")
    }
    labels = {item["label"] for item in data["nodes"]}
    assert groups and all(fact.removeprefix("groupe autour de ") in labels for fact in groups)
    cores = [item["label"] for item in data["nodes"] if "au cœur du réseau" in item["facts"]]
    assert len(cores) == networks.CORE
    page = client.get("/networks/keywords").text
    assert "autour de " in page.split('id="network-data"')[0]


@pytest.mark.parametrize(
    ("address", "nearest"),
    [
        ("/networks/partnership?keyword=Santee", "Santé"),
        ("/networks/partnership?departement=Pas-de-Calai", "Pas-de-Calais"),
        ("/networks/funding?partner=Cafe", "Caf"),
    ],
)
def test_an_unknown_value_is_refused_naming_the_nearest(
    client: TestClient, address: str, nearest: str
) -> None:
    response = client.get(address)
    assert response.status_code == 400
    assert "inconnu dans ce graphe" in response.text
    suggestions = re.findall(r'<ul class="suggestions">(.*?)</ul>', response.text, re.S)[0]
    assert f">{nearest}</a>" in suggestions
    assert 'id="network-data"' not in response.text


def test_what_is_no_filter_is_refused(client: TestClient) -> None:
    assert client.get("/networks/castles").status_code == 404
    assert client.get("/networks/partnership?colour=red").status_code == 400
    assert client.get("/networks/partnership?min_weight=-1").status_code == 400
    assert client.get("/networks/partnership?departement=59").status_code == 400
    heavy = drawn(client, "/networks/partnership?min_weight=2")
    assert all(link["width"] for link in heavy["edges"])
    expected = view(open_graph(client.app.state.site.graph), "partnership", Narrowing(min_weight=2))
    assert len(heavy["edges"]) == expected.graph.number_of_edges()


def test_the_page_runs_only_scripts_of_the_site(client: TestClient) -> None:
    page = client.get("/networks/partnership").text
    tags = SCRIPT_TAG.findall(page)
    assert tags == [
        ' type="application/json" id="network-data"',
        ' src="/networks/vis-network.js"',
        ' src="/static/network-site.js"',
    ]
    script = client.get("/networks/vis-network.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "vis-network" in script.text[:400]
    assert client.get("/static/network-site.js").status_code == 200
    assert "unsafe-inline" not in client.get("/networks/partnership").headers["content-security-policy"]


def test_english_pages_speak_english(client: TestClient) -> None:
    data = drawn(client, "/networks/partnership?lang=en")
    caf = node(data, "Caf")
    assert caf["kind"] == "partner type" and any(fact.startswith("links ") for fact in caf["facts"])
    assert caf["page"] == "/partner/caf?lang=en"


def test_a_large_view_is_summarised_with_a_note(sample_graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_networks, "NODE_BUDGET", 12)
    monkeypatch.setattr(site_networks, "LINK_BUDGET", 8)
    client = client_for(sample_graph)
    response = client.get("/networks/partnership")
    data = json.loads(DATA_BLOCK.search(response.text)[1])
    assert len(data["nodes"]) <= 12 and len(data["edges"]) == 8
    others = [item for item in data["nodes"] if item["label"].startswith("autres (")]
    assert {item["kind"] for item in others} == {"structure", "type de partenaire"}
    whole = view(open_graph(sample_graph), "partnership").graph
    grouped = sum(int(re.match(r"autres \((\d+)", item["label"])[1]) for item in others)
    assert grouped + len(data["nodes"]) - len(others) == len(whole)
    assert all(item["page"] is None and item["list"] is None for item in others)
    linked = {label for node, label in whole.nodes(data="label") if whole.degree(node)}
    assert {item["label"] for item in data["nodes"] if item not in others} <= linked
    assert "regroupés en un nœud « autres »" in html.unescape(response.text)
    assert "liens les plus faibles ne sont pas tracés" in response.text


def test_too_many_links_raise_the_minimum_weight(sample_graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(networks, "LINKS_LIMIT", 50)
    response = client_for(sample_graph).get("/networks/structures")
    assert response.status_code == 200
    data = json.loads(DATA_BLOCK.search(response.text)[1])
    assert 0 < len(data["edges"]) <= 50
    assert "seuls les liens de poids" in response.text


def test_hostile_labels_stay_text(tmp_path_factory: pytest.TempPathFactory) -> None:
    client = client_for(hostile_graph(tmp_path_factory.mktemp("hostile-networks")))
    for name in networks.VIEWS:
        response = client.get(f"/networks/{name}")
        assert response.status_code == 200, name
        for payload in PAYLOADS:
            assert payload not in response.text, name
        assert len(SCRIPT_TAG.findall(response.text)) == 3
        block = DATA_BLOCK.search(response.text)[1]
        assert "<" not in block and ">" not in block
        data = json.loads(block)
        shown = {item["label"] for item in data["nodes"]} | {
            title for item in data["nodes"] for title, _ in item["actions"]
        }
        assert any(payload in text for payload in PAYLOADS for text in shown), name
    funding = client.get("/networks/funding?keyword=" + PAYLOADS[2])
    assert funding.status_code in (200, 400)
    assert PAYLOADS[2] not in funding.text


def test_nodes_apart_form_a_block_under_the_network() -> None:
    """Two linked nodes and a hundred without links: ten rows of ten, centred, not one long column."""
    graph = nx.Graph()
    graph.add_edge("a", "b")
    graph.add_nodes_from((f"apart-{index:03}", {"label": f"Centre {index}"}) for index in range(100))
    for node in ("a", "b"):
        graph.nodes[node]["label"] = node
    positions = render.layout(graph)
    rows = {y for node, (_, y) in positions.items() if node.startswith("apart-")}
    columns = {x for node, (x, _) in positions.items() if node.startswith("apart-")}
    assert len(rows) == len(columns) == 10
    assert min(columns) == -max(columns)
    assert min(rows) > max(positions["a"][1], positions["b"][1])


def test_warming_draws_the_first_pages_once(sample_graph: Path) -> None:
    client = client_for(sample_graph)
    site = client.app.state.site
    site_networks.warm(site)
    drawn = site.cache["maps"]
    assert {key[1] for key in drawn if key[0] == "network"} == set(site_networks.WARMED)
    before = dict(drawn)
    page = client.get("/networks/partnership")
    assert page.status_code == 200 and site.cache["maps"] == before


def test_a_year_narrows_the_network_and_the_map(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Listing pages give a year (their index table): 2019 is one action of AJMR LALINDE, 2021 another."""
    folder = tmp_path_factory.mktemp("years")
    built = build([ROOT / "tests" / "fixtures" / "listing_layout.txt", ROOT / "data"], folder)
    years = client_for(built.graph)
    everything = drawn(years, "/networks/partnership")
    of_2019 = drawn(years, "/networks/partnership?year=2019")
    labels = {item["label"] for item in of_2019["nodes"]}
    assert "AJMR LALINDE - Actions Jeunes en Milieu Rural" in labels
    assert len(of_2019["nodes"]) < len(everything["nodes"])
    refused = years.get("/networks/partnership?year=2018")
    assert refused.status_code == 400 and "2019" in refused.text
    page = years.get("/map?year=2019").text
    assert "Dordogne (24) : 1 action" in page
    assert "Pas-de-Calais (62) : aucune action" in page
    assert "Année : 2019" in page  # the subtitle names the filter in French
