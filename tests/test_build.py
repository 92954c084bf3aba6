"""`build` end to end: the graph of the sample, stable IRIs, byte-identical rebuilds, the persistent store,
duplicates and failures that leave previous outputs alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS
from typer.testing import CliRunner

from csgraph import store as store_module
from csgraph.build import LOCK_FILE, BuildReport, build
from csgraph.cli import app
from csgraph.fiches import read_fiches
from csgraph.model import Fiche
from csgraph.store import STAMP_FILE, STORE_DIR, fresh_store, open_graph

from .conftest import FIXTURES, SAMPLE

CSG = Namespace("https://w3id.org/csgraph/ontology#")
DCTERMS = Namespace("http://purl.org/dc/terms/")


def count(store: ox.Store, query: str) -> int:
    (row,) = list(store.query(f"PREFIX csg: <{CSG}> SELECT (COUNT(*) AS ?n) WHERE {{ {query} }}"))
    return int(row["n"].value)


def test_sample_graph_counts(sample_build: BuildReport, sample_fiches: list[Fiche]) -> None:
    graph = Graph().parse(sample_build.graph)
    actions = set(graph.subjects(RDF.type, CSG.Action))
    structures = set(graph.subjects(RDF.type, CSG.Structure))
    assert len(actions) == len(sample_fiches) == 25
    assert len(structures) == len({(f.structure or "").casefold() for f in sample_fiches}) == 17
    assert (sample_build.fiches, sample_build.actions, sample_build.structures) == (25, 25, 17)
    assert (sample_build.partner_types, sample_build.keywords, sample_build.departements) == (21, 17, 1)
    partner_links = {(a, p) for a in actions for p in graph.objects(a, CSG.partnerType)}
    assert len(partner_links) == sum(len(f.partners) for f in sample_fiches)
    titles = {str(graph.value(a, DCTERMS.title)) for a in actions}
    assert titles == {f.title for f in sample_fiches}


def test_commune_and_caf_counts_in_graph(sample_graph: Path, sample_fiches: list[Fiche]) -> None:
    store = open_graph(sample_graph)
    for label in ("Commune", "Caf"):
        expected = sum(label in f.partners for f in sample_fiches)
        query = f'?a csg:partnerType ?p . ?p <{SKOS.prefLabel}> "{label}"@fr'
        assert count(store, query) == expected


def test_worker_processes_change_nothing(tmp_path: Path) -> None:
    """Files read in parallel come back in input order: same Turtle bytes, same notices, same figures."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SAMPLE, inputs / "a-sample.txt")
    for fixture in sorted(FIXTURES.glob("*.txt")):
        shutil.copy(fixture, inputs / fixture.name)
    shutil.copy(SAMPLE, inputs / "z-sample-again.txt")  # every fiche read twice: duplicates across files
    serial = build([inputs], tmp_path / "serial", workers=1)
    parallel = build([inputs], tmp_path / "parallel", workers=2)
    assert serial.graph.read_bytes() == parallel.graph.read_bytes()
    assert serial.notices == parallel.notices
    assert any("same fiche as in/a-sample.txt" in notice.message for notice in serial.notices)
    assert (serial.fiches, serial.actions, serial.triples) == (
        parallel.fiches,
        parallel.actions,
        parallel.triples,
    )
    fixture_fiches = len(list(read_fiches(sorted(FIXTURES.glob("*.txt")), [])))
    assert serial.fiches == 2 * 25 + fixture_fiches
    assert serial.actions == serial.fiches - 25
    assert serial.triples == len(open_graph(parallel.graph))


def test_rebuilds_are_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "csgraph", "build", str(SAMPLE), "--out", str(out)]
        subprocess.run(command, check=True, env=env, capture_output=True)
        outputs.append((out / "graph.ttl").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith(b"@prefix action: <https://w3id.org/csgraph/action/> .")


def test_action_iris_are_stable_and_readable(sample_graph: Path) -> None:
    graph = Graph().parse(sample_graph)
    iri = next(a for a in graph.subjects(DCTERMS.title, Literal("Halte répit", lang="fr")))
    assert str(iri).startswith("https://w3id.org/csgraph/action/halte-repit-")
    structure = graph.value(iri, CSG.organiser)
    assert str(structure) == "https://w3id.org/csgraph/structure/62-maison-pour-tous"


def test_same_fiche_in_two_files_is_one_action(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        shutil.copy(FIXTURES / "listing_layout.txt", tmp_path / name)
    report = build([tmp_path], tmp_path / "out")
    assert (report.fiches, report.actions) == (4, 2)
    duplicates = [n for n in report.notices if "same fiche as" in n.message]
    assert [(n.file, n.line) for n in duplicates] == [
        (f"{tmp_path.name}/b.txt", 5),
        (f"{tmp_path.name}/b.txt", 36),
    ]


def test_hostile_text_round_trips_byte_for_byte(tmp_path: Path) -> None:
    title = 'x" ; <a> <b> <c> . \\" """ \\\\ <script>alert(1)</script> \u202e\u0007 } UNION { ?s ?p ?o } #'
    fiche = tmp_path / "hostile.txt"
    fiche.write_text(f'Actions "{title}"\n- Résumé\n@prefix x: <y> .\n', encoding="utf-8")
    report = build([fiche], tmp_path / "out")
    graph = Graph().parse(report.graph)
    (action,) = graph.subjects(RDF.type, CSG.Action)
    assert str(graph.value(action, DCTERMS.title)) == title
    assert str(graph.value(action, DCTERMS.abstract)) == "@prefix x: <y> ."
    assert all(
        str(s).startswith("https://w3id.org/csgraph/") for s in graph.subjects() if isinstance(s, URIRef)
    )


def test_persistent_store_is_used_then_detected_stale(tmp_path: Path) -> None:
    report = build([FIXTURES / "listing_layout.txt"], tmp_path)
    assert (tmp_path / STORE_DIR).is_dir() and (tmp_path / STAMP_FILE).is_file()
    assert fresh_store(report.graph) == tmp_path / STORE_DIR
    assert count(open_graph(report.graph), "?a a csg:Action") == 2
    text = report.graph.read_text(encoding="utf-8")
    report.graph.write_text(text.replace('"Café des parents"@fr', '"Café des familles"@fr'), encoding="utf-8")
    assert fresh_store(report.graph) is None
    store = open_graph(report.graph)
    assert count(store, '?a <http://purl.org/dc/terms/title> "Café des familles"@fr') == 1


def test_store_loaded_in_many_segments_holds_exactly_the_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments end between paragraphs and each starts with the prefixes: nothing lost, nothing doubled."""
    monkeypatch.setattr(store_module, "SEGMENT_BYTES", (5_000, 5_000))
    monkeypatch.setattr(store_module, "BLOCK_BYTES", 1_000)
    monkeypatch.setattr(store_module, "QUEUED_BLOCKS", 2)
    report = build([SAMPLE], tmp_path)
    assert report.graph.stat().st_size > 30 * 5_000
    stored = ox.Store.read_only(str(tmp_path / STORE_DIR))
    written = ox.Store()
    written.bulk_load(path=str(report.graph), format=ox.RdfFormat.TURTLE)
    assert len(stored) == len(written) == report.triples
    assert set(stored) == set(written)


def test_store_failure_stops_the_build_and_keeps_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader thread failing (a full disk) fails the build with its error, instead of leaving it
    waiting for a loader that no longer reads."""
    build([FIXTURES / "listing_layout.txt"], tmp_path)
    before = (tmp_path / "graph.ttl").read_bytes()

    def disk_full(loader: store_module.StoreLoader) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "BLOCK_BYTES", 1_000)
    monkeypatch.setattr(store_module, "QUEUED_BLOCKS", 1)
    monkeypatch.setattr(store_module.StoreLoader, "_load_segments", disk_full)
    with pytest.raises(OSError, match="No space left"):
        build([SAMPLE], tmp_path)
    assert (tmp_path / "graph.ttl").read_bytes() == before
    assert fresh_store(tmp_path / "graph.ttl") == tmp_path / STORE_DIR
    assert not list(tmp_path.glob(".store-building-*"))


def test_no_fiche_fails_cleanly_and_keeps_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([FIXTURES / "listing_layout.txt"], out)
    before = (out / "graph.ttl").read_bytes()
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(empty), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("erreur : ")
    assert "no fiche found" in result.stderr
    assert (out / "graph.ttl").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == sorted(["graph.ttl", STAMP_FILE, STORE_DIR, LOCK_FILE])


def test_build_summary_and_report(tmp_path: Path) -> None:
    report_file = tmp_path / "warnings.json"
    result = CliRunner().invoke(
        app, ["build", str(SAMPLE), "--out", str(tmp_path / "out"), "--report", str(report_file)]
    )
    assert result.exit_code == 0, result.output
    assert "25 fiches → 25 actions, 17 structures" in " ".join(result.stdout.split())
    assert '"line": 51' in report_file.read_text(encoding="utf-8")
    strict = CliRunner().invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path / "out"), "--strict"])
    assert strict.exit_code == 1


def test_two_spellings_of_one_concept_make_one_triple(tmp_path: Path) -> None:
    fiche = tmp_path / "spellings.txt"
    fiche.write_text(
        'Actions "Aînés"\n- Mots clés associés à l\'action\n- Viellissement\n- Vieillissement\n- Santé\n',
        encoding="utf-8",
    )
    report = build([fiche], tmp_path / "out")
    graph = Graph().parse(report.graph)
    (action,) = graph.subjects(RDF.type, CSG.Action)
    assert len(list(graph.objects(action, CSG.keyword))) == 2
    assert report.triples == len(graph)


@pytest.mark.parametrize("order", ["three-dots-first", "two-dots-first"])
def test_spellings_that_differ_in_trailing_dots_share_a_canonical_label(tmp_path: Path, order: str) -> None:
    """`Autres ...` and `Autres ..` are one theme, `Autres`, whatever the order; both spellings stay."""
    spellings = ["Autres ...", "Autres .."] if order == "three-dots-first" else ["Autres ..", "Autres ..."]
    text = "".join(f'Actions "Fiche {n}"\nThèmes\n  • {spelling}\n' for n, spelling in enumerate(spellings))
    (tmp_path / "themes.txt").write_text(text, encoding="utf-8")
    report = build([tmp_path / "themes.txt"], tmp_path / "out")
    graph = Graph().parse(report.graph)
    themes = {
        theme for action in graph.subjects(RDF.type, CSG.Action) for theme in graph.objects(action, CSG.theme)
    }
    (theme,) = themes
    assert list(graph.objects(theme, SKOS.prefLabel)) == [Literal("Autres", lang="fr")]
    assert set(graph.objects(theme, SKOS.altLabel)) == {
        Literal("Autres ...", lang="fr"),
        Literal("Autres ..", lang="fr"),
    }
    assert report.triples == len(graph)
