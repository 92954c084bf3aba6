"""SHACL validation: the graph against ontology/shapes.ttl, its metadata against the DCAT-AP 3.0.1 shapes.

The DCAT-AP shapes check the catalog of the export folder when there is one (`export/catalog.ttl` beside
the graph, or the file given); otherwise a catalog made on the fly for the graph file alone, so that
`validate` always checks both the data and the way it would be described to a portal.

The published DCAT-AP 3.0.1 files link five property shapes that neither of them defines; pySHACL refuses
a shapes graph with such links, so they are dropped when loading (the files stay as published).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import DCTERMS, FOAF, RDFS, SH, SKOS

from csgraph.errors import InputError
from csgraph.export import EXPORT_DIR, turtle
from csgraph.export.catalog import (
    CATALOG_FILE,
    CATALOG_PREFIXES,
    CatalogSettings,
    ExportedFile,
    catalog_graph,
    catalog_triples,
)
from csgraph.export.formats import FORMATS
from csgraph.export.nodes import Nodes
from csgraph.export.sorting import graph_ntriples
from csgraph.resources import project_file
from csgraph.vocabulary import PREFIXES

DATA_SHAPES = "csgraph"
DCAT_AP_SHAPES = "DCAT-AP 3.0.1"
DCAT_AP_FILES = ("dcat-ap-3.0.1-SHACL.ttl", "dcat-ap-3.0.1-ranges.ttl")
NAMESPACES = sorted({**PREFIXES, **CATALOG_PREFIXES}.items(), key=lambda item: -len(item[1]))


@dataclass(frozen=True, order=True)
class Problem:
    """One SHACL result, in the words a reader needs: what, where, why."""

    severity: str  # Violation, Warning or Info
    focus: str
    path: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        where = f"{self.focus} · {self.path}" if self.path else self.focus
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {where}: {self.message}{value}"


@dataclass
class Check:
    """One shapes graph run on one data graph."""

    shapes: str
    target: str
    problems: list[Problem] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(problem.severity == severity for problem in self.problems)

    @property
    def conforms(self) -> bool:
        return self.count("Violation") == 0

    def __str__(self) -> str:
        verdict = "conforms" if self.conforms else f"{self.count('Violation')} violation(s)"
        warnings = f", {self.count('Warning')} warning(s)" if self.count("Warning") else ""
        return f"{self.shapes} shapes on {self.target}: {verdict}{warnings}"


@dataclass
class ValidationReport:
    checks: list[Check]

    @property
    def conforms(self) -> bool:
        return all(check.conforms for check in self.checks)

    @property
    def violations(self) -> int:
        return sum(check.count("Violation") for check in self.checks)


def short(term: rdflib.term.Node) -> str:
    """A prefixed name when a project prefix fits, else the term as written in N-Triples."""
    if isinstance(term, rdflib.URIRef):
        for prefix, namespace in NAMESPACES:
            if term.startswith(namespace) and len(term) > len(namespace):
                return f"{prefix}:{term[len(namespace) :]}"
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return repr(str(term))
    return term.n3()


def label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """`"CENTRE SOCIAL ARRAS SUD" (structure:62-…)`: the name readers know, then the node."""
    for predicate in (SKOS.prefLabel, DCTERMS.title, RDFS.label, FOAF.name):
        names = sorted(
            graph.objects(node, predicate), key=lambda name: (getattr(name, "language", "") != "fr", name)
        )
        if names:
            return f'"{names[0]}" ({short(node)})'
    return short(node)


def check(data: rdflib.Graph, shapes: rdflib.Graph, name: str, target: str) -> Check:
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inplace=True, allow_warnings=True)
    problems = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        problems.append(
            Problem(
                severity=str(severity).removeprefix(str(SH)) if severity else "Violation",
                focus=label(data, results.value(result, SH.focusNode)),
                path=short(path) if path is not None else "",
                message="; ".join(
                    sorted(str(message) for message in results.objects(result, SH.resultMessage))
                ),
                value=short(value) if value is not None else "",
            )
        )
    return Check(name, target, sorted(problems))


def turtle_graph(path: Path) -> rdflib.Graph:
    """Shapes or data from the project's Turtle files, in rdflib (which pySHACL needs)."""
    return rdflib.Graph(bind_namespaces="none").parse(path, format="turtle")


@cache
def data_shapes() -> rdflib.Graph:
    return turtle_graph(project_file("ontology", "shapes.ttl"))


@cache
def dcat_ap_shapes() -> rdflib.Graph:
    shapes = rdflib.Graph(bind_namespaces="none")
    for name in DCAT_AP_FILES:
        shapes.parse(project_file("ontology", "dcat-ap", name), format="turtle")
    for shape, property_shape in list(shapes.subject_objects(SH.property)):
        if (property_shape, None, None) not in shapes:
            shapes.remove((shape, SH.property, property_shape))
    return shapes


def catalog_to_check(graph_path: Path, catalog_path: Path | None, nodes: Nodes) -> tuple[rdflib.Graph, str]:
    """The exported catalog when there is one, else the catalog the graph file alone would get."""
    path = catalog_path or graph_path.parent / EXPORT_DIR / CATALOG_FILE
    if path.is_file():
        try:
            return catalog_graph(ox.parse(path=path, format=ox.RdfFormat.TURTLE)), str(path)
        except SyntaxError as error:
            raise InputError(f"not valid Turtle: {error}", str(path)) from None
    if catalog_path is not None:
        raise InputError("no catalog here; run `csgraph export` first", str(catalog_path))
    described = ExportedFile.of(graph_path, FORMATS["turtle"].files[turtle.FILE])
    generated = catalog_graph(catalog_triples(nodes, [described], CatalogSettings()))
    return generated, f"a catalog generated for {graph_path} (no export found)"


def validate(graph_path: Path, catalog_path: Path | None = None) -> ValidationReport:
    """Check the graph against the csgraph shapes and its catalog against DCAT-AP 3.0.1."""
    ntriples = graph_ntriples(graph_path)
    catalog, catalog_target = catalog_to_check(graph_path, catalog_path, Nodes.parse(ntriples))
    data = rdflib.Graph(bind_namespaces="none").parse(data=ntriples, format="nt")
    return ValidationReport(
        [
            check(data, data_shapes(), DATA_SHAPES, str(graph_path)),
            check(catalog, dcat_ap_shapes(), DCAT_AP_SHAPES, catalog_target),
        ]
    )
