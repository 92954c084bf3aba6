"""`csgraph similar`: the hand-made set's pairs find each other, filters hold, hostile text stays text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgraph.build import build
from csgraph.cli import app
from csgraph.similar import index_graph, load_similar

ROOT = Path(__file__).parent.parent
SET = ROOT / "benchmarks" / "similar" / "fiches.txt"
HOSTILE = """Les actions des centres sociaux
Actions "=HYPERLINK(\\"x\\") <script>alert(1)</script> ateliers informatiques"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Mots clés associés à l'action
-
- Emploi, économie
- Résumé
Ateliers informatiques et démarches administratives en ligne <b>pour tous</b> \x1b[31m
- Structure organisatrice
- CENTRE SOCIAL <img src=x> - Oise
"""


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("similar")
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    report = build([ROOT / "data", SET, folder / "hostile.txt"], folder / "out")
    index_graph(report.graph)
    return report.graph


def similar(graph: Path, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(app, ["similar", *args, "--graph", str(graph), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_near_duplicates_find_each_other(graph: Path) -> None:
    found = similar(graph, "Adolescentes en mouvement", "--limit", "3")
    assert found[0]["title"] == "ALLEZ LES FILLES"
    assert "éducation / scolarité" in found[0]["shared"]["keyword"]  # type: ignore[index]
    back = similar(graph, "ALLEZ LES FILLES", "--limit", "3")
    assert "Adolescentes en mouvement" in [one["title"] for one in back]
    decoy = similar(graph, "Chantier vert de la vallée", "--limit", "10")
    twin = next(one for one in decoy if one["title"] == "Accès au numérique")
    assert "mots clés communs : Démocratie & citoyenneté, Emploi, économie, Santé" in str(twin["why"])


def test_other_departements(graph: Path) -> None:
    index = load_similar(graph)
    assert index is not None
    for number, line in enumerate(index.lines):
        own = json.loads(line)[2]
        found = index.similar(number, limit=50, other_departements=True)
        assert own is None or all(one.departement != own for one in found)
    found = similar(graph, "Accès au numérique", "--other-departements", "--limit", "3")
    assert [one["departement"] for one in found] == ["62", "60", "02"]  # the title names the 80 one first


def test_hostile_text_is_text(graph: Path) -> None:
    found = similar(graph, "Dépannage informatique et démarches en ligne", "--limit", "30")
    hostile = next(one for one in found if "<script>" in str(one["title"]))
    assert str(hostile["title"]).startswith("=HYPERLINK(")
    table = CliRunner().invoke(
        app,
        ["similar", "Dépannage informatique et démarches en ligne", "--graph", str(graph), "--limit", "30"],
    )
    assert table.exit_code == 0 and "\x1b" not in table.stdout


def test_csv_neutralises_formulas(graph: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "similar",
            "Dépannage informatique et démarches en ligne",
            "--graph",
            str(graph),
            "-f",
            "csv",
            "--limit",
            "30",
        ],
    )
    assert result.exit_code == 0
    assert "'=HYPERLINK" in result.stdout and ",=HYPERLINK" not in result.stdout


def test_unknown_action_is_a_clear_error(graph: Path) -> None:
    result = CliRunner().invoke(app, ["similar", "Acces au numerik", "--graph", str(graph)])
    assert result.exit_code == 2
    assert "action inconnue : « Acces au numerik »" in result.output
    assert "« Accès au numérique »" in result.output
    assert "Traceback" not in result.output


def test_index_is_deterministic(graph: Path, tmp_path: Path) -> None:
    saved = {path.name: path.read_bytes() for path in (graph.parent / "similar").rglob("*") if path.is_file()}
    index_graph(graph)
    again = {path.name: path.read_bytes() for path in (graph.parent / "similar").rglob("*") if path.is_file()}
    assert saved == again
