"""The map of France: a shape per département, shades that agree with the questions, hostile text as text."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from csgraph.build import build
from csgraph.catalogue import find_query
from csgraph.cli import app
from csgraph.departements import all_departements
from csgraph.engines import run_query
from csgraph.errors import UnknownValue
from csgraph.fiches import read_fiches
from csgraph.graph_actions import Narrowing, read_actions, read_names
from csgraph.maps import (
    GAP_FILL,
    MEASURES,
    RAMP,
    FranceMap,
    MapIndex,
    Measure,
    Scale,
    draw_map,
    narrowed_map,
)
from csgraph.site import maps as site_maps
from csgraph.site.app import Site, create_app
from csgraph.store import open_graph
from csgraph.svg import png_size

ROOT = Path(__file__).resolve().parent.parent
NS = {"svg": "http://www.w3.org/2000/svg"}
THIN = "\u202f"
TABLE_ROW = re.compile(
    r'<tr><td><a href="/departement/(\w+)">([^<]+)</a></td><td>\w+</td><td class="number">([^<]+)</td></tr>'
)

HOSTILE = """Les actions des centres sociaux
Actions "<script>alert(1)</script> & Cie"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Mots clés associés à l'action
-
- <script>alert(2)</script> & co
- Culture
- Résumé
Un atelier.
- Structure organisatrice
- <script>alert(3)</script> & fils - Pas-de-Calais
METHODOLOGIE DE L' ACTION
- Public
- Familles
- Avec qui cette action a-t-elle été menée ?
-
Partenaires d'action:
- Commune
- Ressources financières mobilisées pour cette action
Caf : 3 000 €
Commune : 1 500,50 €
"""
"""One action whose title, keyword and structure carry markup, with two amounts (4 500,5 € in all)."""


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-map")
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    return build([folder / "hostile.txt"], folder / "out").graph


def shapes(svg: str) -> dict[str, ET.Element]:
    """Each département's path by the code its title names (`Pas-de-Calais (62) : 25 actions`)."""
    found: dict[str, ET.Element] = {}
    for path in ET.fromstring(svg).iter(f"{{{NS['svg']}}}path"):
        title = path.find("svg:title", NS)
        assert title is not None and title.text
        code = re.match(r".* \((\w+)\) : ", title.text)
        assert code, title.text
        assert code[1] not in found, f"two shapes for {code[1]}"
        found[code[1]] = path
    return found


def title_of(path: ET.Element) -> str:
    title = path.find("svg:title", NS)
    assert title is not None and title.text
    return title.text


def sample_map(
    sample_graph: Path, measure: Measure, narrowing: Narrowing | None = None
) -> tuple[str, FranceMap]:
    store = open_graph(sample_graph)
    names = read_names(store)
    drawn = narrowed_map(read_actions(store, names), names.spellings, measure, narrowing or Narrowing())
    return drawn.svg(), drawn


def test_one_shape_per_departement_overseas_included(sample_graph: Path) -> None:
    svg, _ = sample_map(sample_graph, "actions")
    found = shapes(svg)
    codes = [departement.code for departement in all_departements()]
    assert len(found) == len(codes) == 101
    assert set(found) == set(codes)
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= set(found)
    texts = [text.text for text in ET.fromstring(svg).iter(f"{{{NS['svg']}}}text")]
    for inset in (
        "Guadeloupe (971)",
        "Martinique (972)",
        "Guyane (973)",
        "La Réunion (974)",
        "Mayotte (976)",
    ):
        assert inset in texts
    assert any("CC BY 4.0" in (text or "") and "creativecommons.org" in (text or "") for text in texts)
    assert any("MapSVG" in (text or "") for text in texts)
    assert len(svg.encode("utf-8")) < 300_000


def test_shades_match_the_actions_per_departement_question(sample_graph: Path) -> None:
    results = run_query(find_query("actions-per-departement"), graph=sample_graph)
    column = results.variables.index
    answered = {
        row[column("code")].value: (int(row[column("structures")].value), int(row[column("actions")].value))
        for row in results.rows
    }
    assert answered == {"62": (17, 25)}  # the sample: 25 fiches of 17 structures, all in Pas-de-Calais
    for measure, index, words in (("actions", 1, "actions"), ("structures", 0, "structures")):
        svg, drawn = sample_map(sample_graph, measure)
        found = shapes(svg)
        assert drawn.values == {code: Decimal(counts[index]) for code, counts in answered.items()}
        assert title_of(found["62"]) == f"Pas-de-Calais (62) : {answered['62'][index]} {words}"
        assert found["62"].get("fill") == RAMP[-1]
        gaps = {code: path for code, path in found.items() if code != "62"}
        assert len(gaps) == 100
        assert all(path.get("fill") == GAP_FILL for path in gaps.values())
        assert title_of(found["59"]) == f"Nord (59) : aucune {words.removesuffix('s')}"


def test_euros_are_the_stated_amounts_of_the_chosen_actions(sample_graph: Path) -> None:
    query = """PREFIX schema: <http://schema.org/> PREFIX csg: <https://w3id.org/csgraph/ontology#>
    SELECT (SUM(?amount) AS ?total) WHERE {
      ?grant schema:fundedItem ?action ; schema:amount ?amount . ?action csg:keyword ?keyword .
      FILTER(?keyword = <https://w3id.org/csgraph/keyword/sante>) }"""
    (row,) = list(open_graph(sample_graph).query(query))
    stated = Decimal(row["total"].value)
    svg, drawn = sample_map(sample_graph, "euros", Narrowing(keyword="sante"))
    assert drawn.values == {"62": stated}
    assert drawn.given == (("keyword", "sante"),)
    whole = f"{stated:,.0f}".replace(",", THIN)
    assert title_of(shapes(svg)["62"]) == f"Pas-de-Calais (62) : {whole}{THIN}€"
    assert "Mot clé : sante — 1 département sur 101" in svg


def test_a_value_naming_nothing_is_an_error_not_a_blank_map(sample_graph: Path) -> None:
    with pytest.raises(UnknownValue, match="keyword"):
        sample_map(sample_graph, "actions", Narrowing(keyword="Sante publique imaginaire"))
    store = open_graph(sample_graph)
    names = read_names(store)
    index = MapIndex(read_actions(store, names), names.spellings)
    with pytest.raises(UnknownValue, match="public"):
        index.narrowed_map("actions", Narrowing(public="Martiens"))


def test_quantile_classes_hold_about_as_many_departements_each() -> None:
    scale = Scale.of([Decimal(value) for value in range(1, 11)])
    assert scale.classes == tuple((Decimal(low), Decimal(low + 1)) for low in (1, 3, 5, 7, 9))
    assert scale.colour(Decimal(1)) == RAMP[0] and scale.colour(Decimal(10)) == RAMP[-1]
    assert scale.colour(Decimal(0)) is None
    few = Scale.of([Decimal(5), Decimal(5), Decimal(40)])
    assert few.classes == ((Decimal(5), Decimal(5)), (Decimal(40), Decimal(40)))
    assert few.colours == RAMP[-2:]
    assert Scale.of([]).classes == ()


def test_hostile_text_stays_text_in_the_map(hostile_graph: Path, tmp_path: Path) -> None:
    keyword = "<script>alert(2)</script> & co"
    drawn = draw_map(hostile_graph, tmp_path / "map.svg", "euros", Narrowing(keyword=keyword))
    svg = (tmp_path / "map.svg").read_text(encoding="utf-8")
    assert drawn.values == {"62": Decimal("4500.5")}
    assert "<script" not in svg
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; co" in svg
    root = ET.fromstring(svg)
    assert any(keyword in (text.text or "") for text in root.iter(f"{{{NS['svg']}}}text"))
    assert title_of(shapes(svg)["62"]) == f"Pas-de-Calais (62) : 4{THIN}500,5{THIN}€"


def test_same_graph_same_bytes_and_png_of_the_stated_size(sample_graph: Path, tmp_path: Path) -> None:
    for name in ("one.svg", "two.svg", "map.png"):
        draw_map(sample_graph, tmp_path / name, "actions", Narrowing())
    svg = (tmp_path / "one.svg").read_bytes()
    assert svg == (tmp_path / "two.svg").read_bytes()
    png = (tmp_path / "map.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == png_size(svg.decode("utf-8")) == (1800, 1540)


def test_map_command_writes_the_file_and_refuses_other_formats(sample_graph: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "carte.svg"
    arguments = ["map", "--graph", str(sample_graph), "--measure", "structures", "--out", str(out)]
    written = runner.invoke(app, [*arguments, "--public", "Familles"])
    assert written.exit_code == 0, written.output
    assert "Public : Familles" in written.stdout
    assert "Public : Familles" in out.read_text(encoding="utf-8")
    refused = runner.invoke(app, ["map", "--graph", str(sample_graph), "--out", str(tmp_path / "carte.jpg")])
    assert refused.exit_code == 2
    assert "must end in .svg or .png" in refused.stderr
    unknown = runner.invoke(app, [*arguments, "--keyword", "Santé publique imaginaire"])
    assert unknown.exit_code == 2 and "keyword" in unknown.stderr


def test_every_departement_the_fiches_name_is_on_a_10k_map(tmp_path: Path) -> None:
    fiches = tmp_path / "fiches"
    generator = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(fiches), "--fiches", "10000"]
    subprocess.run(generator, check=True, capture_output=True)
    named = {fiche.departement_code for fiche in read_fiches([fiches], [])} - {None}
    graph = build([fiches], tmp_path / "out").graph
    drawn = draw_map(graph, tmp_path / "map.svg", "actions", Narrowing())
    assert len(named) > 90
    assert set(drawn.values) == named
    found = shapes((tmp_path / "map.svg").read_text(encoding="utf-8"))
    assert {code for code, path in found.items() if path.get("fill") != GAP_FILL} == named
    store = open_graph(graph)
    names = read_names(store)
    actions = read_actions(store, names)
    index = MapIndex(actions, names.spellings)
    narrowings = (
        Narrowing(keyword="sante"),
        Narrowing(keyword="Culture", public="Familles"),
        Narrowing(partner="Caf"),
    )
    for narrowing in (Narrowing(), *narrowings):
        for measure in MEASURES:
            assert index.narrowed_map(measure, narrowing) == narrowed_map(
                actions, names.spellings, measure, narrowing
            )


# The site's /map


@pytest.fixture(scope="module")
def map_client(sample_graph: Path) -> TestClient:
    return client_for(sample_graph)


def client_for(graph: Path) -> TestClient:
    return TestClient(create_app(Site(graph, open_graph(graph), hosts=("testserver",))))


def test_map_page_shows_the_svg_and_a_table_of_the_same_numbers(map_client: TestClient) -> None:
    page = map_client.get("/map")
    assert page.status_code == 200
    html = page.text
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    found = shapes(svg)
    assert len(found) == 101
    assert '<a href="/departement/62"><path' in svg
    assert title_of(found["62"]) == "Pas-de-Calais (62) : 25 actions"
    table = html[html.index('<table class="map-table">') : html.index("</table>")]
    rows = TABLE_ROW.findall(table)
    assert rows == [("62", "Pas-de-Calais", "25 actions")]
    assert "(100 : aucune action)" in html
    english = map_client.get("/map?lang=en&measure=structures").text
    assert (
        '<a href="/departement/62?lang=en"><path' in english
        and "Pas-de-Calais (62) : 17 structures" in english
    )


def test_map_page_refuses_what_it_cannot_answer_and_names_the_nearest(map_client: TestClient) -> None:
    typo = map_client.get("/map?keyword=Sant%C3%A9e")
    assert typo.status_code == 400
    assert "Mot clé inconnu dans ce graphe : « Santée »." in typo.text
    assert '<a href="/map?keyword=Sant%C3%A9">Santé</a>' in typo.text
    assert map_client.get("/map?measure=budget").status_code == 400
    assert map_client.get("/map?departemnt=62").status_code == 400
    spelled = map_client.get("/map?keyword=sante&measure=euros")
    assert spelled.status_code == 200 and "Mot clé : sante" in spelled.text


def test_hostile_text_stays_text_in_the_map_page_and_concept_map(hostile_graph: Path) -> None:
    client = client_for(hostile_graph)
    page = client.get("/map", params={"keyword": "<script>alert(2)</script> & co"})
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; co" in page.text
    site = client.app.state.site  # type: ignore[attr-defined]
    concept = site_maps.concept_map_svg(site, "https://w3id.org/csgraph/keyword/script-alert-2-script-co")
    assert concept is not None and "<script" not in concept
    assert "Mot clé : &lt;script&gt;alert(2)&lt;/script&gt; &amp; co" in concept
    assert title_of(shapes(str(concept))["62"]) == "Pas-de-Calais (62) : 1 action"


def test_concept_map_counts_the_actions_that_name_the_concept(
    map_client: TestClient, sample_graph: Path
) -> None:
    results = run_query(find_query("actions-per-keyword"), graph=sample_graph)
    culture = next(int(row[1].value) for row in results.rows if row[0].value == "Culture")
    site = map_client.app.state.site  # type: ignore[attr-defined]
    svg = site_maps.concept_map_svg(site, "https://w3id.org/csgraph/keyword/culture")
    assert svg is not None
    assert (
        title_of(shapes(str(svg))["62"])
        == f"Pas-de-Calais (62) : {culture} action{'s' if culture > 1 else ''}"
    )
    assert site_maps.concept_map_svg(site, "https://w3id.org/csgraph/status/en-cours") is None
