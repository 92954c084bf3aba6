"""Network views and their files: counts checked against the fiches, narrowing, exports, hostile text."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from csgraph import networks, render, view_words
from csgraph.build import build
from csgraph.cli import app
from csgraph.errors import InputError, QueryError
from csgraph.graph_actions import Narrowing
from csgraph.model import Fiche
from csgraph.names import name_key
from csgraph.networks import view
from csgraph.store import open_graph
from csgraph.vocabulary import Vocabulary

HOSTILE_FICHE = """Actions "<img src=x onerror="window.__pwned=1">"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Mots clés associés à l'action
-
- Santé
- <b>href</b><img src=x onerror="window.__pwned=3">
- Structure organisatrice
- </script><script>window.__pwned=2</script> - Pas-de-Calais
METHODOLOGIE DE L' ACTION
- Public
- Jeunesse
- Avec qui cette action a-t-elle été menée ?
-
Partenaires d'action:
- Caf
- <a href="javascript:window.__pwned=4">x</a>
- Ressources financières mobilisées pour cette action
Participation <svg onload="window.__pwned=5"> = 1 000 €
Participation CAF = 500 €
"""
"""One fiche whose every free value is a script payload; `href` in a label switched pyvis to innerHTML."""

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=2</script>",
    '<b>href</b><img src=x onerror="window.__pwned=3">',
    '<a href="javascript:window.__pwned=4">x</a>',
    '<svg onload="window.__pwned=5">',
)


def hostile_graph(folder: Path) -> Path:
    fiche = folder / "hostile.txt"
    fiche.write_text(HOSTILE_FICHE, encoding="utf-8")
    return build([fiche], folder / "out").graph


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_graph(tmp_path_factory.mktemp("hostile"))


def canonical(scheme: str, label: str) -> str:
    """The concept label the vocabulary gives a value as written, so fiche and graph labels meet."""
    return Vocabulary.load().lookup(scheme, label).label


def labels(projected: networks.View, kind: str) -> set[str]:
    return {data["label"] for _, data in projected.graph.nodes(data=True) if data["kind"] == kind}


def weights_by_label(projected: networks.View) -> dict[frozenset[str], float]:
    nodes = projected.graph.nodes
    return {
        frozenset((nodes[one]["label"], nodes[other]["label"])): weight
        for one, other, weight in projected.graph.edges(data="weight")
    }


def structure_partner_actions(fiches: list[Fiche]) -> Counter[tuple[str, str]]:
    return Counter(
        (fiche.structure, canonical("partner", partner))
        for fiche in fiches
        for partner in set(fiche.partners)
    )


def test_partnership_holds_structures_and_partner_types(
    sample_graph: Path, sample_fiches: list[Fiche]
) -> None:
    projected = view(open_graph(sample_graph), "partnership")
    partner_types = {partner for fiche in sample_fiches for partner in fiche.partners}
    pairs = {(fiche.structure, partner) for fiche in sample_fiches for partner in fiche.partners}
    structures = {fiche.structure for fiche in sample_fiches}
    without_partner = structures - {structure for structure, _ in pairs}
    assert (len(partner_types), len(structures), len(pairs)) == (21, 17, 71)
    assert projected.kinds() == {"structure": len(structures), "partner": len(partner_types)}
    assert projected.graph.number_of_edges() == len(pairs)
    assert labels(projected, "structure") == structures
    assert labels(projected, "partner") == {canonical("partner", partner) for partner in partner_types}
    assert projected.apart() == sorted(without_partner)
    assert "shown apart: " + ", ".join(sorted(without_partner)) in projected.summary()


def test_partnership_weights_are_action_counts(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    projected = view(open_graph(sample_graph), "partnership")
    expected = {frozenset(pair): count for pair, count in structure_partner_actions(sample_fiches).items()}
    assert weights_by_label(projected) == expected
    caf = next(data for _, data in projected.graph.nodes(data=True) if data["label"] == "Caf")
    caf_fiches = [fiche for fiche in sample_fiches if "caf" in {name_key(p) for p in fiche.partners}]
    assert caf["actions"] == len(caf_fiches)
    assert [action.title for action in caf["behind"]] == sorted(fiche.title for fiche in caf_fiches)


def test_keywords_link_what_one_action_carries(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    projected = view(open_graph(sample_graph), "keywords")
    together: Counter[frozenset[str]] = Counter()
    for fiche in sample_fiches:
        carried = sorted({canonical("keyword", keyword) for keyword in fiche.keywords})
        together.update(frozenset(pair) for pair in itertools.combinations(carried, 2))
    keywords = {canonical("keyword", keyword) for fiche in sample_fiches for keyword in fiche.keywords}
    assert labels(projected, "keyword") == keywords
    assert weights_by_label(projected) == dict(together)
    assert projected.apart() == sorted(keywords - {keyword for pair in together for keyword in pair})


def test_structures_link_by_shared_partner_types(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    projected = view(open_graph(sample_graph), "structures")
    partners_of: defaultdict[str, set[str]] = defaultdict(set)
    for fiche in sample_fiches:
        partners_of[fiche.structure].update(canonical("partner", partner) for partner in fiche.partners)
    shared = {
        frozenset((one, other)): len(partners_of[one] & partners_of[other])
        for one, other in itertools.combinations(sorted(partners_of), 2)
        if partners_of[one] & partners_of[other]
    }
    assert weights_by_label(projected) == shared
    for one, other, data in projected.graph.edges(data=True):
        names = (projected.graph.nodes[one]["label"], projected.graph.nodes[other]["label"])
        assert set(data["shared"]) == partners_of[names[0]] & partners_of[names[1]]


def test_funding_sums_euros_per_funder_type_and_keyword(
    sample_graph: Path, sample_fiches: list[Fiche]
) -> None:
    projected = view(open_graph(sample_graph), "funding")
    expected: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for fiche in sample_fiches:
        for funding in fiche.money.funding:
            kinds = {name_key(funder.type or "") for funder in funding.funders} or {""}
            for kind, keyword in itertools.product(kinds, fiche.keywords):  # in full for each funder
                expected[kind, canonical("keyword", keyword)] += funding.amount
    found: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    nodes = projected.graph.nodes
    for one, other, data in projected.graph.edges(data=True):
        funder, keyword = sorted((nodes[one], nodes[other]), key=lambda node: node["kind"])
        found[name_key(funder["funder_type"]), keyword["label"]] += Decimal(str(data["euros"]))
        assert data["weight"] == data["euros"]
    assert found == expected
    funded = {fiche.title for fiche in sample_fiches if fiche.money.funding}
    assert projected.summary().startswith(f"{len(funded)} of {len(sample_fiches)} actions drawn")


def test_narrowing_chooses_actions(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    store = open_graph(sample_graph)
    everything = view(store, "partnership")
    for departement in ("62", "pas de calais", "Pas-de-Calais"):
        assert view(store, "partnership", Narrowing(departement=departement)).actions == len(sample_fiches)
    with_health = [fiche for fiche in sample_fiches if "sante" in {name_key(k) for k in fiche.keywords}]
    narrowed = view(store, "partnership", Narrowing(keyword="SANTÉ"))
    assert narrowed.actions == len(with_health) > 0
    assert labels(narrowed, "structure") == {fiche.structure for fiche in with_health}
    youth_with_caf = [
        fiche
        for fiche in sample_fiches
        if "jeunesse" in {name_key(p) for p in fiche.publics}
        and "caf" in {name_key(p) for p in fiche.partners}
    ]
    assert view(store, "keywords", Narrowing(public="jeunesse", partner="CAF")).actions == len(youth_with_caf)
    assert everything.narrowing.describe() == ""
    assert Narrowing(keyword="Santé", min_weight=2).describe() == "keyword Santé, weight ≥ 2"


def test_min_weight_hides_light_links_and_says_so(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    projected = view(open_graph(sample_graph), "partnership", Narrowing(min_weight=2))
    strong = {pair for pair, count in structure_partner_actions(sample_fiches).items() if count >= 2}
    assert set(weights_by_label(projected)) == {frozenset(pair) for pair in strong}
    linked = {name for pair in structure_partner_actions(sample_fiches) for name in pair}
    kept = {name for pair in strong for name in pair}
    assert projected.hidden == len(linked - kept)
    assert f"{len(linked - kept)} nodes hidden, all links below weight 2" in projected.summary()
    assert projected.apart() == view(open_graph(sample_graph), "partnership").apart()


def test_unknown_values_are_errors_that_list_the_choices(sample_graph: Path) -> None:
    store = open_graph(sample_graph)
    with pytest.raises(QueryError, match="partnership, funding, keywords, structures"):
        view(store, "castles")
    with pytest.raises(QueryError, match=r"no département '59'.*Pas-de-Calais"):
        view(store, "partnership", Narrowing(departement="59"))
    with pytest.raises(QueryError, match=r"no keyword 'Astronomie' in this graph; there are 17, none near"):
        view(store, "partnership", Narrowing(keyword="Astronomie"))
    with pytest.raises(QueryError, match=r"no keyword 'Santee' in this graph; did you mean Santé\?"):
        view(store, "partnership", Narrowing(keyword="Santee"))
    with pytest.raises(QueryError, match=r"no département 'Pas-de-Calai'; did you mean Pas-de-Calais \(62\)"):
        view(store, "partnership", Narrowing(departement="Pas-de-Calai"))


def test_departement_is_named_as_query_names_it(sample_graph: Path) -> None:
    """`Pas-de-Calais (62)` used to fail in viz while query accepted it."""
    store = open_graph(sample_graph)
    whole = view(store, "partnership").graph
    for spelling in ("Pas-de-Calais (62)", "62", "pas de calais"):
        assert nx.utils.graphs_equal(view(store, "partnership", Narrowing(departement=spelling)).graph, whole)


def test_too_many_links_is_refused_with_advice(sample_graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(networks, "LINKS_LIMIT", 50)
    with pytest.raises(QueryError, match=r"94 links are more than a page can show.*--departement"):
        view(open_graph(sample_graph), "structures")
    with pytest.raises(QueryError, match="71 links"):
        view(open_graph(sample_graph), "partnership")
    assert view(open_graph(sample_graph), "structures", Narrowing(min_weight=3)).graph.number_of_edges() <= 50


def unread(*_: object) -> None:
    raise AssertionError("the actions were read")


@pytest.mark.parametrize("name", ["partnership", "keywords"])
@pytest.mark.parametrize(
    "narrowing",
    [
        Narrowing(),
        Narrowing(keyword="Santé"),
        Narrowing(public="jeunesse", partner="CAF"),
        Narrowing(departement="62", min_weight=2),
    ],
)
def test_links_are_counted_in_the_store_before_any_action_is_read(
    sample_graph: Path, monkeypatch: pytest.MonkeyPatch, name: str, narrowing: Narrowing
) -> None:
    """One link more than the limit is refused before the network is projected; exactly the limit is drawn."""
    store = open_graph(sample_graph)
    drawn = view(store, name, narrowing).graph.number_of_edges()
    monkeypatch.setattr(networks, "LINKS_LIMIT", drawn)
    assert view(store, name, narrowing).graph.number_of_edges() == drawn
    monkeypatch.setattr(networks, "LINKS_LIMIT", drawn - 1)
    monkeypatch.setattr(networks, "read_actions", unread)
    with pytest.raises(QueryError, match=rf"^{drawn:,} links are more than a page can show"):
        view(store, name, narrowing)


def test_bad_narrowing_values_are_refused_before_any_action_is_read(
    sample_graph: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(networks, "read_actions", unread)
    with pytest.raises(QueryError, match=r"no public 'Astronautes'.*Jeunesse"):
        view(open_graph(sample_graph), "partnership", Narrowing(public="Astronautes"))


def test_homonym_structures_get_their_departement(tmp_path: Path, sample_text: str) -> None:
    fiche = sample_text[
        sample_text.index('Actions "ALLEZ LES FILLES"') : sample_text.index('Actions "ACTION INNO')
    ]
    twin = fiche.replace("ALLEZ LES FILLES", "ALLEZ LES GARCONS").replace("- Pas-de-Calais", "- Nord")
    (tmp_path / "twins.txt").write_text(fiche + twin, encoding="utf-8")
    projected = view(open_graph(build([tmp_path / "twins.txt"], tmp_path / "out").graph), "partnership")
    assert labels(projected, "structure") == {
        "CENTRE SOCIOCULTUREL AUDREY BARTIER (Nord)",
        "CENTRE SOCIOCULTUREL AUDREY BARTIER (Pas-de-Calais)",
    }


def test_graphml_and_gexf_hold_the_same_network(sample_graph: Path, tmp_path: Path) -> None:
    drawn = render.draw(sample_graph, "partnership", tmp_path / "partnership.graphml")
    graphml = nx.read_graphml(tmp_path / "partnership.graphml")
    render.draw(sample_graph, "partnership", tmp_path / "partnership.gexf")
    gexf = nx.read_gexf(tmp_path / "partnership.gexf")
    for exported in (graphml, gexf):
        assert set(exported.nodes) == set(drawn.graph.nodes)
        assert {frozenset(edge) for edge in exported.edges} == {frozenset(edge) for edge in drawn.graph.edges}
    assert (len(graphml), graphml.number_of_edges()) == (38, 71)
    caf = next(node for node, data in graphml.nodes(data=True) if data["label"] == "Caf")
    assert graphml.nodes[caf]["titles"].splitlines() == [
        action.place for action in drawn.graph.nodes[caf]["behind"]
    ]


def test_outputs_are_byte_identical(sample_graph: Path, tmp_path: Path) -> None:
    for suffix in (".html", ".graphml", ".gexf"):
        first, second = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
        render.draw(sample_graph, "keywords", first)
        render.draw(sample_graph, "keywords", second)
        assert first.read_bytes() == second.read_bytes()
    assert b"lastmodifieddate" not in (tmp_path / "one.gexf").read_bytes()


def test_unknown_output_format_is_an_input_error(sample_graph: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"one of \.gexf, \.graphml, \.htm, \.html, \.png, \.svg$"):
        render.draw(sample_graph, "keywords", tmp_path / "keywords.jpg")
    assert not (tmp_path / "keywords.jpg").exists()


def page_parts(html: str) -> tuple[dict, list[str]]:
    """The JSON the page draws from, and the text of every inline script."""
    data = re.search(r'<script type="application/json" id="view-data">(.*?)</script>', html, re.S)
    assert data
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    return json.loads(data.group(1)), scripts


def test_page_is_self_contained_and_allows_only_its_own_scripts(sample_graph: Path) -> None:
    html = render.html_bytes(view(open_graph(sample_graph), "partnership")).decode("utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", html)
    assert "cdn" not in html.casefold() and "bootstrap" not in html.casefold()
    data, scripts = page_parts(html)
    assert len(scripts) == 2 and "vis.Network" in scripts[1]
    assert "sourceMappingURL" not in html
    allowed = re.search(r"script-src ([^;]+);", html)
    assert allowed
    hashes = {
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in scripts
    }
    assert set(allowed.group(1).split()) == hashes
    assert (len(data["nodes"]), len(data["edges"])) == (38, 71)


def test_vis_network_can_sit_inline() -> None:
    assert "</script" not in render.vis_script().casefold()


def test_hostile_text_reaches_the_page_only_as_text(hostile: Path) -> None:
    for name in networks.VIEWS:
        html = render.html_bytes(view(open_graph(hostile), name)).decode("utf-8")
        for payload in PAYLOADS:
            assert payload not in html
        assert html.count("</script>") == 3
    structures = render.html_bytes(view(open_graph(hostile), "structures")).decode("utf-8")
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;" in structures


def test_hostile_labels_and_titles_are_kept_literally(hostile: Path) -> None:
    data, _ = page_parts(render.html_bytes(view(open_graph(hostile), "funding")).decode("utf-8"))
    node_labels = {node["label"] for node in data["nodes"]}
    assert {PAYLOADS[2], PAYLOADS[4]} <= node_labels
    tooltip_actions = {action for node in data["nodes"] for action in node["tip"]["actions"]}
    assert f"{PAYLOADS[0]} (Pas-de-Calais)" in tooltip_actions


def test_script_json_cannot_close_its_block() -> None:
    text = render.script_json({"title": "</script><!-- & \u2028\u2029"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"title": "</script><!-- & \u2028\u2029"}


def test_euros_read_the_french_way() -> None:
    assert view_words.euros(16700) == "16\u202f700\u00a0€"
    assert view_words.euros(21280.5) == "21\u202f280,50\u00a0€"


def test_cli_writes_the_page_and_prints_the_central_nodes(sample_graph: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    result = CliRunner().invoke(app, ["viz", "partnership", "--graph", str(sample_graph), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "17 structures · 21 types de partenaire · 71 liens" in result.output
    assert "Au cœur du réseau (partnership)" in result.output and "Caf" in result.output
    assert "intermédiarité" in result.output and "type de partenaire" in result.output
    assert out.read_bytes().startswith(b"<!doctype html>")


def test_cli_errors_are_one_line(sample_graph: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["viz", "castles", "--graph", str(sample_graph), "--out", str(tmp_path / "x.html")]
    )
    assert result.exit_code == 2
    assert "partnership, funding, keywords, structures" in result.output
    assert not (tmp_path / "x.html").exists()
    result = runner.invoke(app, ["viz", "keywords", "--graph", str(tmp_path / "none.ttl")])
    assert result.exit_code == 2 and "csgraph build" in result.output


def test_layout_is_the_same_whatever_the_hash_seed() -> None:
    """Few linked nodes among many unlinked ones: the case where networkx lists a subgraph in set order."""
    script = (
        "import networkx as nx\n"
        "from csgraph.render import layout\n"
        "graph = nx.Graph()\n"
        "graph.add_nodes_from((f'n{i}', {'label': f'Node {i}'}) for i in range(40))\n"
        "graph.add_edges_from([('n3', 'n7'), ('n7', 'n9'), ('n9', 'n3'), ('n1', 'n9'), ('n20', 'n21')])\n"
        "print(sorted(layout(graph).items()))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0].count("('n") == 40
