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
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SH, SKOS

from csgraph.errors import InputError
from csgraph.export import EXPORT_DIR, turtle
from csgraph.export.catalog import (
    CATALOG_FILE,
    CATALOG_PREFIXES,
    CatalogSettings,
    ExportedFile,
    catalog_graph,
    catalog_triples,
    placeholder,
)
from csgraph.export.formats import FORMATS
from csgraph.export.nodes import Nodes
from csgraph.export.sorting import graph_ntriples
from csgraph.formatting import count, tr
from csgraph.resources import project_file
from csgraph.vocabulary import PREFIXES

DATA_SHAPES = "csgraph"
DCAT_AP_SHAPES = "DCAT-AP 3.0.1"
PUBLICATION = "publication"
CHECK_NAMES = {  # what each check is called, in French and English
    DATA_SHAPES: ("formes csgraph", "csgraph shapes"),
    DCAT_AP_SHAPES: ("formes DCAT-AP 3.0.1", "DCAT-AP 3.0.1 shapes"),
    PUBLICATION: ("adresses de publication", "publication addresses"),
}
SEVERITIES_FR = {"Violation": "violation", "Warning": "avertissement", "Info": "information"}
ADDRESSES = (FOAF.homepage, DCAT.landingPage, DCAT.accessURL, DCAT.downloadURL)
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
        return self.text("en")

    def text(self, lang: str) -> str:
        where = f"{self.focus} · {self.path}" if self.path else self.focus
        value = tr(lang, f" (valeur : {self.value})", f" (value: {self.value})") if self.value else ""
        severity = tr(lang, SEVERITIES_FR.get(self.severity, self.severity), self.severity)
        return tr(
            lang,
            f"{severity} : {where} : {self.message}{value}",
            f"{severity}: {where}: {self.message}{value}",
        )


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

    def text(self, lang: str) -> str:
        violations, warnings = self.count("Violation"), self.count("Warning")
        verdict = tr(lang, "conforme", "conforms") if self.conforms else count(violations, lang, "violation")
        if warnings:
            verdict += ", " + tr(
                lang, count(warnings, "fr", "avertissement"), count(warnings, "en", "warning")
            )
        name = tr(lang, *CHECK_NAMES.get(self.shapes, (self.shapes, self.shapes)))
        return tr(lang, f"{name} sur {self.target} : {verdict}", f"{name} on {self.target}: {verdict}")

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class ValidationReport:
    checks: list[Check]

    @property
    def conforms(self) -> bool:
        return all(check.conforms for check in self.checks)

    @property
    def violations(self) -> int:
        return sum(check.count("Violation") for check in self.checks)

    @property
    def warnings(self) -> int:
        return sum(check.count("Warning") for check in self.checks)


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


def catalog_to_check(
    graph_path: Path, catalog_path: Path | None, nodes: Nodes, lang: str = "en"
) -> tuple[rdflib.Graph, str]:
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
    return generated, tr(
        lang,
        f"un catalogue fait pour {graph_path} (aucun export trouvé)",
        f"a catalog generated for {graph_path} (no export found)",
    )


def publication_check(catalog: rdflib.Graph, target: str, lang: str) -> Check:
    """A catalog under a placeholder base URL conforms to DCAT-AP, yet every link in it leads nowhere:
    a warning, so that it never passes as publishable (and fails under `validate --strict`)."""
    addresses = sorted(
        {
            str(url)
            for predicate in ADDRESSES
            for url in catalog.objects(None, predicate)
            if placeholder(str(url))
        }
    )
    if not addresses:
        return Check(PUBLICATION, target)
    catalogs = sorted(catalog.subjects(rdflib.RDF.type, DCAT.Catalog))
    focus = label(catalog, catalogs[0]) if catalogs else target
    message = tr(
        lang,
        f"{count(len(addresses), lang, 'adresse')} d'exemple, où rien ne sera publié : le catalogue "
        "n'est pas publiable tel quel ; exportez avec --base-url ADRESSE (là où les fichiers seront publiés)",
        f"{count(len(addresses), lang, 'placeholder URL')}, where nothing will be published: the catalog "
        "is not publishable as it is; export with --base-url URL (where the files will be published)",
    )
    return Check(PUBLICATION, target, [Problem("Warning", focus, "", message, f"<{addresses[0]}>")])


def validate(graph_path: Path, catalog_path: Path | None = None, lang: str = "en") -> ValidationReport:
    """Check the graph against the csgraph shapes, its catalog against DCAT-AP 3.0.1 and its addresses."""
    ntriples = graph_ntriples(graph_path)
    catalog, catalog_target = catalog_to_check(graph_path, catalog_path, Nodes.parse(ntriples), lang)
    data = rdflib.Graph(bind_namespaces="none").parse(data=ntriples, format="nt")
    return ValidationReport(
        [
            check(data, data_shapes(), DATA_SHAPES, str(graph_path)),
            check(catalog, dcat_ap_shapes(), DCAT_AP_SHAPES, catalog_target),
            publication_check(catalog, catalog_target, lang),
        ]
    )
