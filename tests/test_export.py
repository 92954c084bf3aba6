"""The open-data export: every file parses back to the graph, tables count what the fiches hold, the catalog
describes the very bytes written, and the same graph always gives the same files."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import itertools
import json
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD
from typer.testing import CliRunner

from csgraph.build import build
from csgraph.cli import app
from csgraph.errors import InputError
from csgraph.export import ExportReport, export, shares, sorting, tables
from csgraph.export.catalog import CATALOG_FILE, CatalogSettings
from csgraph.export.formats import FORMATS
from csgraph.export.nodes import indexed_lines, label
from csgraph.export.tables import TABLES
from csgraph.model import Fiche
from csgraph.vocabulary import BASE

from .conftest import FIXTURES, SAMPLE

SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
CSG = rdflib.Namespace("https://w3id.org/csgraph/ontology#")
BASE_URL = "https://data.example.fr/centres-sociaux/"


@pytest.fixture(scope="module")
def exported(sample_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> ExportReport:
    out_dir = tmp_path_factory.mktemp("export")
    return export(sample_graph, out_dir, settings=CatalogSettings(base_url=BASE_URL))


def table(report: ExportReport, name: str) -> list[dict[str, str]]:
    with open(report.out_dir / name, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def same_graphs(expected: rdflib.Graph, actual: rdflib.Graph) -> None:
    """Equal sets of triples: the graphs have no blank nodes, so this is isomorphism, only faster."""
    assert not [term for triple in expected for term in triple if isinstance(term, rdflib.BNode)]
    missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    assert not missing and not extra, f"missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"


# Every RDF file gives the graph back


def test_turtle_ntriples_and_jsonld_hold_the_triples_of_the_graph(sample_graph: Path, exported: ExportReport):
    graph = rdflib.Graph().parse(sample_graph, format="turtle")
    for name, syntax in (("graph.ttl", "turtle"), ("graph.nt", "nt"), ("graph.jsonld", "json-ld")):
        same_graphs(graph, rdflib.Graph().parse(exported.out_dir / name, format=syntax))


def test_ntriples_are_sorted_lines_of_the_graph(sample_graph: Path, exported: ExportReport):
    lines = (exported.out_dir / "graph.nt").read_bytes().splitlines()
    assert lines == sorted(set(lines))
    original = ox.serialize(
        ox.parse(path=sample_graph, format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES
    )
    assert set(lines) == set(original.splitlines())
    assert exported.triples == len(lines)


def test_a_triple_written_twice_is_exported_once(tmp_path: Path):
    graph = tmp_path / "in" / "graph.ttl"
    graph.parent.mkdir()
    triple = "<https://w3id.org/csgraph/action/x> a <https://w3id.org/csgraph/ontology#Action> .\n"
    graph.write_text(triple * 2, encoding="utf-8")
    report = export(graph, tmp_path / "out")
    assert (report.out_dir / "graph.nt").read_bytes().count(b"\n") == report.triples == 1
    assert (report.out_dir / "graph.ttl").read_text(encoding="utf-8").count("csg:Action") == 1
    assert len(table(report, "actions.csv")) == 1


def test_turtle_uses_the_project_prefixes(exported: ExportReport):
    turtle = (exported.out_dir / "graph.ttl").read_text(encoding="utf-8")
    assert "@prefix csg: <https://w3id.org/csgraph/ontology#> ." in turtle
    assert "a csg:Action" in turtle
    header = list(itertools.takewhile(lambda line: line.startswith("@prefix"), turtle.splitlines()))
    assert len(header) > 10 and header == sorted(header)


def test_jsonld_is_laid_out_as_json_dumps_would(exported: ExportReport):
    """Written node by node, the document has the bytes of one json.dumps(indent=1) of the whole."""
    written = (exported.out_dir / "graph.jsonld").read_text(encoding="utf-8")
    assert written == json.dumps(json.loads(written), ensure_ascii=False, indent=1) + "\n"


def test_many_small_sorted_runs_give_the_same_files(
    sample_graph: Path, exported: ExportReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Runs of a few lines merged, and lines longer than the blocks graph.nt is read back in."""
    monkeypatch.setattr(sorting, "RUN_BYTES", 2000)
    monkeypatch.setattr(sorting, "BACKWARDS_BLOCK", 100)
    again = export(sample_graph, tmp_path / "again", settings=CatalogSettings(base_url=BASE_URL))
    assert file_bytes(again.out_dir) == file_bytes(exported.out_dir)


@pytest.mark.parametrize("workers", [1, 3])
def test_the_files_are_the_same_bytes_whatever_the_workers(
    sample_graph: Path, exported: ExportReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
):
    """The formats shared between 1 or 3 workers (2 by default here), merged in blocks of 7 lines."""
    monkeypatch.setattr(sorting, "RUN_BYTES", 5000)
    monkeypatch.setattr(sorting, "MERGED_LINES", 7)
    again = export(sample_graph, tmp_path, settings=CatalogSettings(base_url=BASE_URL), workers=workers)
    assert file_bytes(again.out_dir) == file_bytes(exported.out_dir)
    assert again.rows == exported.rows and again.triples == exported.triples


def sorted_lines(turtle: Path, tmp_path: Path, workers: int) -> tuple[list[bytes], list[str]]:
    """graph.nt's lines as `sort_graph` writes them with `workers`, and what the work folder holds after."""
    work = tmp_path / f"work-{workers}"
    work.mkdir()
    graph = sorting.sort_graph(turtle, work / sorting.SORTED_FILE, work, workers)
    return graph.path.read_bytes().splitlines(), sorted(path.name for path in work.iterdir())


def expected_lines(turtle: Path) -> list[bytes]:
    triples = ox.parse(path=turtle, format=ox.RdfFormat.TURTLE)
    return sorted(set(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines()))


def test_a_big_graph_is_read_in_pieces_by_every_worker(
    sample_graph: Path, exported: ExportReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The sample cut at its paragraphs into 3 pieces, each read by a worker: the same files."""
    monkeypatch.setattr(sorting, "SPLIT_FROM_BYTES", 0)
    assert [piece.number for piece in sorting.pieces(sample_graph, tmp_path, 3)] == [0, 1, 2]
    lines, left = sorted_lines(sample_graph, tmp_path, 3)
    assert lines == expected_lines(sample_graph) and left == [sorting.SORTED_FILE]
    again = export(sample_graph, tmp_path / "again", settings=CatalogSettings(base_url=BASE_URL), workers=3)
    assert file_bytes(again.out_dir) == file_bytes(exported.out_dir)


def test_a_prefix_declared_again_further_down_is_never_read_in_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A piece would read `ex:` with the head's meaning: such a file is read whole."""
    monkeypatch.setattr(sorting, "SPLIT_FROM_BYTES", 0)
    turtle = tmp_path / "graph.ttl"
    paragraphs = "".join(f'\nex:s{n} ex:p "{n}" .\n' for n in range(40))
    turtle.write_text(
        f"@prefix ex: <http://example.org/a/> .\n{paragraphs}\n@prefix ex: <http://example.org/b/> .\n"
        f"{paragraphs}",
        encoding="utf-8",
    )
    assert sorting.pieces(turtle, tmp_path, 2) == []
    lines, _ = sorted_lines(turtle, tmp_path, 2)
    assert lines == expected_lines(turtle) and len(lines) == 80


def test_a_piece_that_does_not_read_alone_sends_the_file_to_be_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A long string holding a blank line, where a cut falls: read whole, nothing lost, nothing left."""
    monkeypatch.setattr(sorting, "SPLIT_FROM_BYTES", 0)
    turtle = tmp_path / "graph.ttl"
    text = "line\n\n" * 200
    turtle.write_text(
        f'@prefix ex: <http://example.org/> .\n\nex:s ex:p """{text}""" .\n\nex:t ex:p "x" .\n',
        encoding="utf-8",
    )
    assert len(sorting.pieces(turtle, tmp_path, 2)) == 2
    lines, left = sorted_lines(turtle, tmp_path, 2)
    assert lines == expected_lines(turtle) and len(lines) == 2 and left == [sorting.SORTED_FILE]


def test_bad_turtle_read_in_pieces_is_named_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sorting, "SPLIT_FROM_BYTES", 0)
    turtle = tmp_path / "graph.ttl"
    good = "".join(f'\nex:s{n} ex:p "{n}" .\n' for n in range(20))
    turtle.write_text(f"@prefix ex: <http://example.org/> .\n{good}\nex:bad ex:p .\n{good}", encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid Turtle: .*line 43") as raised:
        sorted_lines(turtle, tmp_path, 2)
    assert str(turtle) in str(raised.value)


def failing_tables(*_: object, **__: object) -> None:
    raise InputError("the disk is full")


def test_a_share_that_fails_leaves_the_folder_as_it_was(
    sample_graph: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """One worker's formats fail after the other's are written: no file reaches the folder, old or new."""
    before = export(sample_graph, tmp_path, ["turtle"], workers=1)
    kept = file_bytes(before.out_dir)
    monkeypatch.setitem(FORMATS, "csv", dataclasses.replace(FORMATS["csv"], write=failing_tables))
    with pytest.raises(InputError, match="disk is full"):
        export(sample_graph, tmp_path, ["jsonld", "csv", "ntriples"], workers=2)
    assert file_bytes(tmp_path) == kept


def test_the_two_forms_of_the_tables_share_one_gathering_of_rows(
    sample_graph: Path, exported: ExportReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """csv and spreadsheet go to one worker and their rows are gathered once, giving the same files."""
    assert shares(list(FORMATS.values()), 2)[0][0] == ("csv", "spreadsheet")
    settings = CatalogSettings(base_url=BASE_URL)
    gathered: list[str] = []
    add = tables.Rows.add
    monkeypatch.setattr(
        tables.Rows, "add", lambda rows, subject, *rest: gathered.append(subject) or add(rows, subject, *rest)
    )
    export(sample_graph, tmp_path / "csv", ["csv"], settings=settings, workers=1)
    alone = len(gathered)
    both = export(sample_graph, tmp_path / "both", ["csv", "spreadsheet"], settings=settings, workers=1)
    assert alone > 0 and len(gathered) == 2 * alone  # one gathering per export, not one per form
    written = {name: data for name, data in file_bytes(both.out_dir).items() if name.endswith(".csv")}
    assert written == {
        name: data for name, data in file_bytes(exported.out_dir).items() if name.endswith(".csv")
    }


def test_a_predicate_written_in_a_literal_is_not_indexed():
    label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    block = (
        f'<https://x/a> {label} "A" .\n'
        f'<https://x/b> <https://x/title> "fake {label} \\"B\\" ." .\n'
        f'_:c {label} "C" .\n'
    ).encode()
    assert indexed_lines(block) == [block.splitlines(keepends=True)[0], block.splitlines(keepends=True)[2]]


def test_the_names_index_holds_the_nodes_rows_look_up_and_not_the_actions(
    sample_graph: Path, sample_fiches: list[Fiche], tmp_path: Path
):
    """Actions' titles and fundings' labels made most of a national index, and no row asks for them."""
    graph = sorting.sort_graph(sample_graph, tmp_path / sorting.SORTED_FILE, tmp_path)
    store = ox.Store()
    store.bulk_load(path=str(sample_graph), format=ox.RdfFormat.TURTLE)
    structures = {row[0].value for row in store.query(f"SELECT ?s WHERE {{ ?s a <{CSG}Structure> }}")}
    places = {row[0].value for row in store.query(f"SELECT DISTINCT ?d WHERE {{ ?s <{CSG}departement> ?d }}")}
    kinds = Counter(subject.removeprefix(BASE).split("/")[0] for subject in graph.index.subjects)
    assert structures and places and structures | places <= graph.index.subjects.keys()
    assert kinds["keyword"] > 0 and kinds["partner"] > 0
    assert kinds["action"] == kinds["funding"] == kinds["grant"] == 0
    assert {graph.index.label(structure) for structure in structures} >= {
        fiche.structure for fiche in sample_fiches if fiche.structure
    }
    titles = {label(properties) for properties in graph.index.subjects.values()}
    assert not titles & {fiche.title for fiche in sample_fiches}


def jsonld_nodes(report: ExportReport) -> dict[str, dict[str, object]]:
    document = json.loads((report.out_dir / "graph.jsonld").read_text(encoding="utf-8"))
    return {node["id"]: node for node in document["@graph"]}


def test_jsonld_reads_as_words_and_matches_the_fiches(exported: ExportReport, sample_fiches: list[Fiche]):
    nodes = jsonld_nodes(exported)
    actions = {node["title"]: node for node in nodes.values() if node.get("type") == "Action"}
    assert sorted(actions) == sorted(fiche.title for fiche in sample_fiches)
    for fiche in sample_fiches:
        action = actions[fiche.title]
        assert action["sourceLine"] == fiche.source.line
        assert action["truncated"] is False
        assert nodes[action["organiser"]]["prefLabel"] == {"fr": fiche.structure}
        keywords = action.get("keyword", [])
        keywords = [keywords] if isinstance(keywords, str) else keywords
        assert sorted(nodes[iri]["prefLabel"]["fr"] for iri in keywords) == sorted(fiche.keywords)


def test_jsonld_keys_are_words_not_iris(exported: ExportReport):
    nodes = jsonld_nodes(exported)
    action_keys = {key for node in nodes.values() if node.get("type") == "Action" for key in node}
    assert {"title", "organiser", "keyword", "partnerType", "status", "sourceFile"} <= action_keys
    assert not [key for key in action_keys if ":" in key]


def write_graph(graph: rdflib.Graph, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "graph.ttl"
    graph.serialize(path, format="turtle")
    return path


def test_jsonld_keeps_values_no_term_describes(tmp_path: Path):
    """Text that looks like JSON-LD, other languages and datatypes, odd IRIs: all come back unchanged."""
    action = rdflib.URIRef("https://w3id.org/csgraph/action/x")
    odd = rdflib.URIRef("https://w3id.org/csgraph/action/a:b")
    graph = rdflib.Graph()
    graph.add((action, RDF.type, CSG.Action))
    graph.add((action, DCTERMS.title, rdflib.Literal("Accès au numérique", lang="fr")))
    graph.add((action, DCTERMS.title, rdflib.Literal("Access to digital tools", lang="en")))
    graph.add((action, DCTERMS.title, rdflib.Literal("@id")))
    graph.add((action, CSG.endReason, rdflib.Literal('{"@context": null} </script>\u0007', lang="fr")))
    graph.add((action, CSG.sourceLine, rdflib.Literal("0012", datatype=XSD.integer)))
    graph.add((action, CSG.truncated, rdflib.Literal("1", datatype=XSD.boolean)))
    graph.add((action, CSG.layout, rdflib.Literal("mise en page", lang="fr")))
    graph.add((action, DCTERMS.date, rdflib.Literal("2019-03", datatype=XSD.gYearMonth)))
    graph.add((action, DCTERMS.relation, odd))
    graph.add((action, DCTERMS.relation, rdflib.URIRef("https://w3id.org/csgraph/")))
    graph.add((action, DCTERMS.relation, rdflib.URIRef("https://w3id.org/csgraph/action/.hidden")))
    graph.add((action, DCTERMS.relation, rdflib.URIRef("urn:isbn:2-07-036002-4")))
    graph.add((odd, RDF.type, rdflib.URIRef("https://w3id.org/csgraph/ontology#Unknown")))
    report = export(write_graph(graph, tmp_path / "in"), tmp_path / "out", ["jsonld"])
    same_graphs(graph, rdflib.Graph().parse(report.out_dir / "graph.jsonld", format="json-ld"))
    (node,) = [node for node in jsonld_nodes(report).values() if node["id"] == "action/x"]
    assert node["title"] == "Accès au numérique"  # the plain word where the term fits


# CSV tables


def test_tables_have_a_header_and_count_what_the_fiches_hold(
    exported: ExportReport, sample_fiches: list[Fiche]
):
    for spec in TABLES:
        with open(exported.out_dir / spec.file_name, encoding="utf-8", newline="") as stream:
            assert tuple(next(csv.reader(stream))) == spec.header
    assert len(table(exported, "actions.csv")) == len(sample_fiches) == 25
    structures = {(fiche.structure, fiche.departement_code) for fiche in sample_fiches}
    assert len(table(exported, "structures.csv")) == len(structures) == 17
    partner_rows = sum(len(set(fiche.partners)) for fiche in sample_fiches)
    assert len(table(exported, "action-partners.csv")) == partner_rows
    keyword_rows = sum(len(set(fiche.keywords)) for fiche in sample_fiches)
    assert len(table(exported, "action-keywords.csv")) == keyword_rows
    fundings = [funding for fiche in sample_fiches for funding in fiche.money.funding]
    assert len(table(exported, "fundings.csv")) == len(fundings)
    assert exported.rows["action-partners.csv"] == partner_rows


def test_table_ids_join(exported: ExportReport):
    actions = {row["action_id"] for row in table(exported, "actions.csv")}
    structures = {row["structure_id"] for row in table(exported, "structures.csv")}
    assert {row["structure_id"] for row in table(exported, "actions.csv")} == structures
    for name in ("action-partners.csv", "action-keywords.csv", "fundings.csv"):
        assert {row["action_id"] for row in table(exported, name)} <= actions
    counted = sum(int(row["actions"]) for row in table(exported, "structures.csv"))
    assert counted == len(actions)


def test_tables_keep_values_as_the_fiches_wrote_them(exported: ExportReport, sample_fiches: list[Fiche]):
    by_title = {row["title"]: row for row in table(exported, "actions.csv")}
    for fiche in sample_fiches:
        row = by_title[fiche.title]
        assert row["structure"] == fiche.structure
        assert row["departement_code"] == fiche.departement_code
        assert row["status"] == fiche.status
        assert row["summary"] == fiche.texts.get("summary", "")
        assert row["source_line"] == str(fiche.source.line)
    stated = sorted(funding.amount for fiche in sample_fiches for funding in fiche.money.funding)
    assert sorted(Decimal(row["amount"]) for row in table(exported, "fundings.csv")) == stated
    lines = {funding.line for fiche in sample_fiches for funding in fiche.money.funding}
    assert "- 542 euros: participation des usagers" in lines  # a formula to a spreadsheet: `-542…`
    assert {row["source_text"] for row in table(exported, "fundings.csv")} == {
        "'" + line if line.startswith("-") else line for line in lines
    }


def test_partner_rows_name_the_partner_types_of_each_fiche(
    exported: ExportReport, sample_fiches: list[Fiche]
):
    titles = {row["action_id"]: row["title"] for row in table(exported, "actions.csv")}
    named: dict[str, set[str]] = {}
    for row in table(exported, "action-partners.csv"):
        named.setdefault(titles[row["action_id"]], set()).add(row["partner_type"].casefold())
    for fiche in sample_fiches:
        assert named.get(fiche.title, set()) == {partner.casefold() for partner in fiche.partners}


# The catalog


@pytest.fixture(scope="module")
def catalog(exported: ExportReport) -> rdflib.Graph:
    return rdflib.Graph().parse(exported.catalog, format="turtle")


def test_catalog_describes_the_bytes_written(exported: ExportReport, catalog: rdflib.Graph):
    (dataset,) = catalog.subjects(RDF.type, DCAT.Dataset)
    distributions = list(catalog.objects(dataset, DCAT.distribution))
    written = sorted(path.name for path in exported.out_dir.iterdir() if path.name != CATALOG_FILE)
    assert len(distributions) == len(written) == 3 + 2 * len(TABLES)  # the tables in two forms
    for distribution in distributions:
        url = str(catalog.value(distribution, DCAT.downloadURL))
        assert url.startswith(BASE_URL)
        data = (exported.out_dir / url.removeprefix(BASE_URL)).read_bytes()
        size = catalog.value(distribution, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger and int(size) == len(data)
        checksum = catalog.value(distribution, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert catalog.value(distribution, DCAT.accessURL) is not None
        assert str(catalog.value(distribution, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/"
        )
        assert str(catalog.value(distribution, DCTERMS.format)).startswith(
            "http://publications.europa.eu/resource/authority/file-type/"
        )


def test_catalog_coverage_comes_from_the_graph(catalog: rdflib.Graph, sample_fiches: list[Fiche]):
    (dataset,) = catalog.subjects(RDF.type, DCAT.Dataset)
    keywords = {str(keyword) for keyword in catalog.objects(dataset, DCAT.keyword)}
    assert keywords == {keyword for fiche in sample_fiches for keyword in fiche.keywords}
    places = list(catalog.objects(dataset, DCTERMS.spatial))
    assert {str(catalog.value(place, DCTERMS.identifier)) for place in places} == {
        fiche.departement_code for fiche in sample_fiches
    }
    assert all((place, RDF.type, DCTERMS.Location) in catalog for place in places)
    assert {title.language for title in catalog.objects(dataset, DCTERMS.title)} == {"fr", "en"}
    assert all(fiche.year is None for fiche in sample_fiches)
    assert catalog.value(dataset, DCTERMS.temporal) is None
    assert catalog.value(dataset, DCTERMS.issued) is None  # no date option: no date, never the clock


def test_catalog_publisher_and_licence(catalog: rdflib.Graph):
    (dataset,) = catalog.subjects(RDF.type, DCAT.Dataset)
    publisher = catalog.value(dataset, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in catalog
    assert "centres sociaux" in str(catalog.value(publisher, FOAF.name))
    licences = set(catalog.objects(None, DCTERMS.license))
    assert licences == {rdflib.URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")}
    assert (next(iter(licences)), RDF.type, DCTERMS.LicenseDocument) in catalog


def test_catalog_takes_years_and_places_from_listing_fiches(tmp_path: Path):
    built = build([FIXTURES / "listing_layout.txt"], tmp_path / "built", keep_store=False)
    settings = CatalogSettings(issued=date(2024, 5, 1), publisher='Fédé "62" <b>\nNord')
    report = export(built.graph, tmp_path / "export", ["csv"], settings)
    catalog = rdflib.Graph().parse(report.catalog, format="turtle")
    (dataset,) = catalog.subjects(RDF.type, DCAT.Dataset)
    period = catalog.value(dataset, DCTERMS.temporal)
    assert (catalog.value(period, DCAT.startDate), catalog.value(period, DCAT.endDate)) == (
        rdflib.Literal("2019", datatype=XSD.gYear),
        rdflib.Literal("2021", datatype=XSD.gYear),
    )
    codes = {
        str(catalog.value(place, DCTERMS.identifier)) for place in catalog.objects(dataset, DCTERMS.spatial)
    }
    assert codes == {"24", "974"}
    assert catalog.value(dataset, DCTERMS.issued) == rdflib.Literal("2024-05-01", datatype=XSD.date)
    assert catalog.value(dataset, DCTERMS.modified) == rdflib.Literal("2024-05-01", datatype=XSD.date)
    publisher = catalog.value(dataset, DCTERMS.publisher)
    assert str(catalog.value(publisher, FOAF.name)) == 'Fédé "62" <b>\nNord'
    assert len(list(catalog.objects(dataset, DCAT.distribution))) == len(TABLES)


# Determinism and safety


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_same_graph_same_bytes_from_store_or_turtle(
    sample_graph: Path, exported: ExportReport, tmp_path: Path
):
    """The sample graph has a persistent store beside it; a bare copy of graph.ttl must export the same."""
    bare = tmp_path / "bare" / "graph.ttl"
    bare.parent.mkdir()
    shutil.copy(sample_graph, bare)
    again = export(bare, tmp_path / "again", settings=CatalogSettings(base_url=BASE_URL))
    assert file_bytes(again.out_dir) == file_bytes(exported.out_dir)


def test_two_builds_and_exports_are_byte_identical(tmp_path: Path):
    graphs, exports = [], []
    for run in ("one", "two"):
        built = build([SAMPLE], tmp_path / run, keep_store=False)
        graphs.append(built.graph.read_bytes())
        exports.append(file_bytes(export(built.graph, tmp_path / run / "export").out_dir))
    assert graphs[0] == graphs[1]
    assert exports[0] == exports[1]


def test_a_failed_export_leaves_no_half_file(sample_graph: Path, tmp_path: Path):
    with pytest.raises(InputError, match="--base-url"):
        export(sample_graph, tmp_path / "out", settings=CatalogSettings(base_url="https://exa mple.org/"))
    assert not (tmp_path / "out").exists()


def empty_graph(folder: Path) -> Path:
    folder.mkdir()
    (folder / "graph.ttl").write_text(
        "@prefix csg: <https://w3id.org/csgraph/ontology#> .\n", encoding="utf-8"
    )
    return folder / "graph.ttl"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda graph, out: export(graph, out, ["turtle", "xml"]), "unknown format xml"),
        (lambda graph, out: export(graph, out, settings=CatalogSettings(base_url="ftp://x/")), "http"),
        (lambda graph, out: export(graph, out, settings=CatalogSettings(licence="etalab")), "--licence"),
        (lambda graph, out: export(graph, out, settings=CatalogSettings(publisher="  ")), "--publisher"),
        (lambda graph, out: export(graph.parent / "missing.ttl", out), "csgraph build"),
        (lambda graph, out: export(graph, graph.parent), "holds the graph itself"),
        (lambda graph, out: export(empty_graph(out), out / "export"), "holds no triple"),
    ],
)
def test_bad_requests_are_input_errors(
    sample_graph: Path, tmp_path: Path, call: Callable[[Path, Path], object], message: str
):
    with pytest.raises(InputError, match=message):
        call(sample_graph, tmp_path / "out")
    assert not (tmp_path / "out" / "export").exists()


def test_a_graph_that_is_not_turtle_fails_on_one_line_and_leaves_no_folder(tmp_path: Path):
    graph = tmp_path / "graph.ttl"
    graph.write_text(
        '<https://w3id.org/csgraph/action/x> <https://w3id.org/csgraph/ontology#title> "x', "utf-8"
    )
    with pytest.raises(InputError, match=r"graph\.ttl: not valid Turtle"):
        export(graph, tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.ttl"]


def test_cli_exports_and_reports_each_file(sample_graph: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app,
        [
            "export",
            "--graph",
            str(sample_graph),
            "--out",
            str(tmp_path),
            "--format",
            "csv",
            "--issued",
            "2024-05-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "actions.csv" in result.output and "25 lignes" in result.output
    assert "https://example.org/csgraph/ est une adresse d'exemple" in result.output  # not publishable
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [CATALOG_FILE, *(spec.file_name for spec in TABLES)]
    )
    catalog = rdflib.Graph().parse(tmp_path / CATALOG_FILE, format="turtle")
    assert rdflib.Literal("2024-05-01", datatype=XSD.date) in set(catalog.objects(None, DCTERMS.issued))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_writes_the_files_its_table_entry_names(sample_graph: Path, tmp_path: Path, name: str):
    report = export(sample_graph, tmp_path, [name])
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted([CATALOG_FILE, *FORMATS[name].files])
    assert [file.name for file in report.files] == list(FORMATS[name].files)
    tables = {
        "csv": [spec.file_name for spec in TABLES],
        "spreadsheet": [spec.spreadsheet_name for spec in TABLES],
    }
    assert sorted(report.rows) == sorted(tables.get(name, []))


def test_cli_help_lists_every_format():
    result = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split()).replace("- ", "-")  # one line, as if unwrapped
    for name, entry in FORMATS.items():
        assert f"{name}: {entry.description}" in text


def test_cli_rejects_a_bad_base_url_in_one_line(sample_graph: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app, ["export", "--graph", str(sample_graph), "--out", str(tmp_path), "--base-url", "x"]
    )
    assert result.exit_code == 2
    assert "--base-url must be an http(s) URL" in result.output
    assert "Traceback" not in result.output


def test_csv_cells_round_trip_hostile_text(tmp_path: Path):
    """Quotes, commas and line breaks stay exactly as written; formula-like text gets a leading `'`."""
    hostile = '=HYPERLINK("http://x","clic"), "quoted"\r\nsecond line; -1+1'
    action = rdflib.URIRef("https://w3id.org/csgraph/action/x")
    graph = rdflib.Graph()
    graph.add((action, RDF.type, CSG.Action))
    graph.add((action, DCTERMS.abstract, rdflib.Literal(hostile, lang="fr")))
    graph.add((action, DCTERMS.title, rdflib.Literal("- 542 euros", lang="fr")))
    report = export(write_graph(graph, tmp_path / "in"), tmp_path / "out", ["csv"])
    (row,) = table(report, "actions.csv")
    assert (row["action_id"], row["title"], row["summary"]) == ("x", "'- 542 euros", "'" + hostile)
