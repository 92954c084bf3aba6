"""SHACL validation: the sample and its export conform; graphs broken on purpose (copies of the sample edited
in tmp_path) fail with a message that names the node, the property and the rule."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH, SKOS
from typer.testing import CliRunner

from csgraph.cli import app
from csgraph.errors import InputError
from csgraph.export import EXPORT_DIR, export
from csgraph.export.catalog import CATALOG_FILE
from csgraph.export.nodes import Nodes
from csgraph.export.sorting import graph_ntriples
from csgraph.model import Fiche
from csgraph.validate import (
    DATA_SHAPES,
    DCAT_AP_SHAPES,
    PUBLICATION,
    Check,
    catalog_to_check,
    check,
    data_shapes,
    dcat_ap_shapes,
    validate,
)

CSG = rdflib.Namespace("https://w3id.org/csgraph/ontology#")
SCHEMA = rdflib.Namespace("http://schema.org/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
STATUS = rdflib.Namespace("https://w3id.org/csgraph/status/")


@pytest.fixture(scope="module")
def exported_catalog(sample_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(sample_graph, tmp_path_factory.mktemp("export")).catalog


@pytest.fixture(scope="module")
def sample_triples(sample_graph: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(sample_graph, format="turtle")


@pytest.fixture
def sample(sample_triples: rdflib.Graph) -> rdflib.Graph:
    """A fresh, editable copy of the sample graph."""
    copy = rdflib.Graph()
    copy += sample_triples
    return copy


def check_data(graph: rdflib.Graph) -> Check:
    return check(graph, data_shapes(), DATA_SHAPES, "edited graph")


def violations(result: Check, message: str) -> list[str]:
    return [
        str(problem)
        for problem in result.problems
        if problem.severity == "Violation" and message in problem.message
    ]


def test_the_sample_and_its_export_conform(sample_graph: Path, exported_catalog: Path):
    started = time.perf_counter()
    report = validate(sample_graph, exported_catalog)
    assert time.perf_counter() - started < 10
    assert report.conforms
    assert [(one.shapes, one.problems) for one in report.checks[:2]] == [
        (DATA_SHAPES, []),
        (DCAT_AP_SHAPES, []),
    ]
    (placeholder,) = report.checks[2].problems  # exported without --base-url: conforms, not publishable
    assert (report.checks[2].shapes, placeholder.severity) == (PUBLICATION, "Warning")
    assert placeholder.value == "<https://example.org/csgraph/>" and report.warnings == 1
    assert str(exported_catalog) in str(report.checks[1])


def test_the_catalog_beside_the_graph_is_checked_else_one_is_made(sample_graph: Path, tmp_path: Path):
    graph_path = tmp_path / "graph.ttl"
    graph_path.write_bytes(sample_graph.read_bytes())
    nodes = Nodes.parse(graph_ntriples(graph_path))
    generated, target = catalog_to_check(graph_path, None, nodes)
    assert "generated" in target
    assert check(generated, dcat_ap_shapes(), DCAT_AP_SHAPES, target).problems == []
    export(graph_path, tmp_path / EXPORT_DIR, ["csv"])
    assert catalog_to_check(graph_path, None, nodes)[1] == str(tmp_path / EXPORT_DIR / CATALOG_FILE)


def test_structures_without_names_fail(sample: rdflib.Graph, sample_fiches: list[Fiche]):
    for structure in sample.subjects(RDF.type, CSG.Structure):
        sample.remove((structure, SKOS.prefLabel, None))
    result = check_data(sample)
    found = violations(result, "a structure needs a name")
    assert len(found) == len({(fiche.structure, fiche.departement_code) for fiche in sample_fiches})
    assert all("structure:62-" in line and "skos:prefLabel" in line for line in found)
    assert not result.conforms


def test_an_action_with_two_statuses_fails_naming_the_action(sample: rdflib.Graph):
    action = next(sample.subjects(CSG.status, STATUS["en-cours"]))
    title = sample.value(action, DCTERMS.title)
    sample.add((action, CSG.status, STATUS.terminee))
    (line,) = violations(check_data(sample), "at most one status")
    assert f'"{title}"' in line and "csg:status" in line


def test_a_keyword_from_another_scheme_fails(sample: rdflib.Graph):
    action = next(sample.subjects(RDF.type, CSG.Action))
    sample.add((action, CSG.keyword, STATUS.terminee))
    (line,) = violations(check_data(sample), "keyword scheme")
    assert "status:terminee" in line


def test_amounts_that_are_not_decimals_fail(sample: rdflib.Graph):
    grant = next(sample.subjects(RDF.type, SCHEMA.MonetaryGrant))
    sample.set((grant, SCHEMA.amount, rdflib.Literal("6 700 €")))
    assert violations(check_data(sample), "decimal number of euros")


def test_negative_amounts_fail(sample: rdflib.Graph):
    grant = next(sample.subjects(RDF.type, SCHEMA.MonetaryGrant))
    sample.set((grant, SCHEMA.amount, rdflib.Literal(Decimal("-1"))))
    assert violations(check_data(sample), "not negative")


def test_a_funding_that_funds_nothing_fails(sample: rdflib.Graph):
    grant = next(sample.subjects(RDF.type, SCHEMA.MonetaryGrant))
    sample.remove((grant, SCHEMA.fundedItem, None))
    assert violations(check_data(sample), "points at exactly one action")


def test_actions_need_a_source_and_structures_without_departement_are_a_warning(sample: rdflib.Graph):
    """The build keeps a structure whose département it could not read, and warns: validation agrees."""
    structure = next(sample.subjects(RDF.type, CSG.Structure))
    sample.remove((structure, CSG.departement, None))
    action = next(sample.subjects(RDF.type, CSG.Action))
    sample.add((action, CSG.sourceFile, rdflib.Literal("other.txt")))
    result = check_data(sample)
    assert not violations(result, "département")
    warned = [problem for problem in result.problems if problem.severity == "Warning"]
    assert [problem.message for problem in warned if "département" in problem.message] == [
        "this structure has no known département (its fiche named none the list knows; the build warned)"
    ]
    assert violations(result, "exactly one source file")


def test_a_missing_title_is_only_a_warning(sample: rdflib.Graph):
    action = next(sample.subjects(RDF.type, CSG.Action))
    sample.remove((action, DCTERMS.title, None))
    result = check_data(sample)
    assert result.conforms
    assert [problem.severity for problem in result.problems] == ["Warning"]
    assert "has no title" in result.problems[0].message


def test_a_broken_catalog_fails_dcat_ap(sample_graph: Path, exported_catalog: Path, tmp_path: Path):
    catalog = rdflib.Graph().parse(exported_catalog, format="turtle")
    (publisher,) = set(catalog.objects(None, DCTERMS.publisher))
    catalog.remove((publisher, FOAF.name, None))
    (dataset,) = catalog.subjects(RDF.type, DCAT.Dataset)
    catalog.remove((dataset, DCTERMS.title, None))
    distribution = next(catalog.objects(dataset, DCAT.distribution))
    catalog.set((distribution, DCAT.byteSize, rdflib.Literal("12 ko")))
    broken = tmp_path / CATALOG_FILE
    catalog.serialize(broken, format="turtle")
    report = validate(sample_graph, broken)
    assert not report.conforms and report.checks[0].conforms
    paths = {problem.path for problem in report.checks[1].problems}
    assert {"foaf:name", "dcterms:title", "dcat:byteSize"} <= paths


def test_dcat_ap_shapes_load_without_their_dangling_links():
    shapes = dcat_ap_shapes()
    linked = set(shapes.objects(None, SH.property))
    assert linked and all((shape, None, None) in shapes for shape in linked)


def test_a_catalog_that_is_not_turtle_is_an_input_error(sample_graph: Path, tmp_path: Path):
    broken = tmp_path / CATALOG_FILE
    broken.write_text("<https://example.org/a> <https://example.org/b> .", encoding="utf-8")
    with pytest.raises(InputError, match="not valid Turtle"):
        validate(sample_graph, broken)
    with pytest.raises(InputError, match="no catalog here"):
        validate(sample_graph, tmp_path / "missing.ttl")


def test_cli_exit_codes_and_readable_report(
    sample: rdflib.Graph, sample_graph: Path, sample_fiches: list[Fiche], tmp_path: Path
):
    runner = CliRunner()
    good = runner.invoke(app, ["validate", "--graph", str(sample_graph)])
    assert good.exit_code == 0, good.output
    assert "formes csgraph sur" in good.output and "conforme" in good.output
    english = runner.invoke(app, ["--lang", "en", "validate", "--graph", str(sample_graph)])
    assert "csgraph shapes on" in english.output and "conforms" in english.output
    for structure in sample.subjects(RDF.type, CSG.Structure):
        sample.remove((structure, SKOS.prefLabel, None))
    broken = tmp_path / "graph.ttl"
    sample.serialize(broken, format="turtle")
    bad = runner.invoke(app, ["validate", "--graph", str(broken), "--limit", "3"])
    assert bad.exit_code == 1
    assert "violation : structure:62-" in bad.output and "a structure needs a name" in bad.output
    structures = len({(fiche.structure, fiche.departement_code) for fiche in sample_fiches})
    assert f"… et {structures - 3} autres" in bad.output
    assert f"{structures} violations : les données ne sont pas conformes" in bad.output
    assert "Traceback" not in bad.output


def test_cli_report_shows_fiche_text_inert(sample: rdflib.Graph, tmp_path: Path):
    """A structure name holding a terminal escape and rich markup is printed as plain characters."""
    structure = next(sample.subjects(RDF.type, CSG.Structure))
    sample.set((structure, SKOS.prefLabel, rdflib.Literal("\x1b[31mROUGE [bold]x[/bold]", lang="fr")))
    sample.remove((structure, CSG.departement, None))
    broken = tmp_path / "graph.ttl"
    sample.serialize(broken, format="turtle")
    result = CliRunner().invoke(app, ["validate", "--graph", str(broken)])
    assert result.exit_code == 0  # a structure without département is a warning
    assert "\x1b" not in result.output
    assert "\\u001b[31mROUGE [bold]x[/bold]" in result.output
