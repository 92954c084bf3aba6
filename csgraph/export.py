"""Open-data export of a built graph: Turtle, N-Triples, JSON-LD, CSV tables, and DCAT-AP metadata.

Reads the graph only. Everything emitted is sorted and the metadata takes its dates from options, never
from the clock, so exporting the same graph twice gives the same bytes, checksums included.

CSV cells hold the values exactly as the fiches wrote them, including text that starts with `-` or `=`
(`- 542 euros: participation des usagers`): prefixing such cells to stop spreadsheets from reading them as
formulas would change the published data for every other reader.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import rdflib

from csgraph.errors import CsgraphError, InputError
from csgraph.resources import project_file
from csgraph.store import file_stamp, open_graph, sorted_ntriples, write_turtle
from csgraph.vocabulary import BASE, CSG, PREFIXES, SKOS
from csgraph.writing import write_bytes

RDF = PREFIXES["rdf"]
RDF_TYPE = RDF + "type"
XSD = PREFIXES["xsd"]
DCTERMS = PREFIXES["dcterms"]
DCAT = PREFIXES["dcat"]
FOAF = PREFIXES["foaf"]
SCHEMA = PREFIXES["schema"]
RDFS = PREFIXES["rdfs"]
SPDX = "http://spdx.org/rdf/terms#"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGES = "http://publications.europa.eu/resource/authority/language/"
EU_DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme/"
ONTOLOGY = BASE + "ontology"

FORMATS = ("turtle", "ntriples", "jsonld", "csv")
EXPORT_DIR = "export"  # beside graph.ttl, where `csgraph export` writes by default
CATALOG_FILE = "catalog.ttl"
DEFAULT_BASE_URL = "https://example.org/csgraph/"
DEFAULT_PUBLISHER = "Fédération des centres sociaux et socioculturels de France"
ETALAB_LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ETALAB_LICENCE_TITLE = "Licence Ouverte / Open Licence version 2.0"
CATALOG_PREFIXES = {
    **{name: PREFIXES[name] for name in ("dcat", "dcterms", "departement", "foaf", "skos", "xsd")},
    "spdx": SPDX,
}

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def node_key(term: ox.NamedNode | ox.BlankNode) -> str:
    """IRIs as themselves, blank nodes as `_:label` (as JSON-LD writes them)."""
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


class Nodes:
    """The graph as subjects → properties → values in N-Triples order: what tables and JSON-LD walk."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.subjects: dict[str, dict[str, list[Term]]] = {}
        for triple in triples:
            properties = self.subjects.setdefault(node_key(triple.subject), {})
            properties.setdefault(triple.predicate.value, []).append(triple.object)

    @classmethod
    def parse(cls, ntriples: bytes) -> Nodes:
        """From sorted N-Triples, so that every walk over the nodes is in a stable order."""
        return cls(quad.triple for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))

    def values(self, subject: str, predicate: str) -> list[Term]:
        return self.subjects.get(subject, {}).get(predicate, [])

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [value.value for value in self.values(subject, predicate) if isinstance(value, ox.NamedNode)]

    def first(self, subject: str, predicate: str) -> str:
        """The first value's lexical form, or "" when there is none."""
        values = self.values(subject, predicate)
        return values[0].value if values else ""

    def of_type(self, class_iri: str) -> list[str]:
        return [
            subject
            for subject, properties in self.subjects.items()
            if any(value.value == class_iri for value in properties.get(RDF_TYPE, []))
        ]

    def label(self, subject: str) -> str:
        """The French name of a node: concepts, structures and départements by prefLabel, grants by label."""
        for predicate in (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label"):
            values = self.values(subject, predicate)
            if values:
                french = (value.value for value in values if getattr(value, "language", None) == "fr")
                return next(french, values[0].value)
        return ""


# JSON-LD


RELATIVE_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")


@dataclass(frozen=True)
class PropertyTerm:
    """A term of the context, and which values it may write as plain JSON without changing their meaning."""

    name: str
    kind: str  # "id", "typed", "text" or "language-map"
    datatype: str | None = None
    language: str | None = None


class JsonLdWriter:
    """Writes nodes as compact JSON-LD under the published context, choosing terms only where they fit.

    A value that no term describes exactly (an English title, say) keeps a prefixed key and an explicit
    value object, so that the document always expands to the very triples of the graph. Instance IRIs are
    written relative to the csgraph base (`action/…`, `keyword/culture`): the concept namespaces cannot be
    prefixes here, since `keyword` or `status` are already the words for the properties.
    """

    def __init__(self, context: dict[str, object]) -> None:
        self.context = context
        namespaces = {
            name: value
            for name, value in context.items()
            if not name.startswith("@")
            and isinstance(value, str)
            and value.startswith(("http://", "https://"))
        }
        self.prefixes = sorted(((iri, name) for name, iri in namespaces.items()), key=lambda p: -len(p[0]))
        self.id_key, self.type_key = "@id", "@type"
        self.classes: dict[str, str] = {}
        self.properties: dict[str, list[PropertyTerm]] = {}
        for name, definition in context.items():
            if name.startswith("@") or name in namespaces:
                continue
            if definition == "@id":
                self.id_key = name
            elif definition == "@type":
                self.type_key = name
            elif isinstance(definition, str):
                self.classes[self.expand(definition)] = name
            elif isinstance(definition, dict):
                term = self.property_term(name, definition)
                self.properties.setdefault(self.expand(definition["@id"]), []).append(term)

    def property_term(self, name: str, definition: dict[str, object]) -> PropertyTerm:
        coerced = definition.get("@type")
        if definition.get("@container") == "@language":
            return PropertyTerm(name, "language-map")
        if coerced == "@id":
            return PropertyTerm(name, "id")
        if isinstance(coerced, str):
            return PropertyTerm(name, "typed", datatype=self.expand(coerced))
        language = definition.get("@language", self.context.get("@language"))
        return PropertyTerm(name, "text", language=language if isinstance(language, str) else None)

    def expand(self, compact: str) -> str:
        prefix, _, rest = compact.partition(":")
        namespace = self.context.get(prefix)
        return namespace + rest if isinstance(namespace, str) and rest else compact

    def compact(self, iri: str, *, relative: bool) -> str:
        """A prefixed name, a path relative to the base (node IRIs only), or the IRI itself."""
        for namespace, prefix in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                rest = iri[len(namespace) :]
                if not rest.startswith("//"):
                    return f"{prefix}:{rest}"
        base = str(self.context.get("@base", ""))
        if relative and base and iri.startswith(base) and RELATIVE_PATH.fullmatch(iri[len(base) :]):
            return iri[len(base) :]
        return iri

    def node_id(self, key: str) -> str:
        return key if key.startswith("_:") else self.compact(key, relative=True)

    def term_for(self, predicate: str, value: Term) -> PropertyTerm | None:
        return next((term for term in self.properties.get(predicate, []) if fits(term, value)), None)

    def plain(self, value: Term, term: PropertyTerm) -> object:
        """The value as the term lets it be written: an IRI string, a JSON boolean or integer, or text."""
        if not isinstance(value, ox.Literal):
            return self.node_id(node_key(value))
        if term.datatype == XSD + "boolean" and value.value in ("true", "false"):
            return value.value == "true"
        if term.datatype == XSD + "integer" and re.fullmatch(r"-?(0|[1-9][0-9]*)", value.value):
            return int(value.value)
        return value.value

    def explicit(self, value: Term) -> dict[str, str]:
        if not isinstance(value, ox.Literal):
            return {"@id": self.node_id(node_key(value))}
        if value.language:
            return {"@value": value.value, "@language": value.language}
        if value.datatype.value == XSD + "string":
            return {"@value": value.value}
        return {"@value": value.value, "@type": self.compact(value.datatype.value, relative=False)}

    def node(self, subject: str, properties: dict[str, list[Term]]) -> dict[str, object]:
        entries: dict[str, list[object]] = {}
        language_maps: dict[str, dict[str, list[str]]] = {}
        for predicate, values in properties.items():
            for value in values:
                if predicate == RDF_TYPE and isinstance(value, ox.NamedNode):
                    name = self.classes.get(value.value) or self.compact(value.value, relative=False)
                    entries.setdefault(self.type_key, []).append(name)
                    continue
                term = self.term_for(predicate, value)
                if term is None:
                    key = self.compact(predicate, relative=False)
                    entries.setdefault(key, []).append(self.explicit(value))
                elif term.kind == "language-map":
                    assert isinstance(value, ox.Literal) and value.language
                    language_maps.setdefault(term.name, {}).setdefault(value.language, []).append(value.value)
                else:
                    entries.setdefault(term.name, []).append(self.plain(value, term))
        node: dict[str, object] = {self.id_key: self.node_id(subject)}
        if self.type_key in entries:
            node[self.type_key] = single(sorted(entries.pop(self.type_key), key=str))
        merged: dict[str, object] = {key: single(values) for key, values in entries.items()}
        for key, languages in language_maps.items():
            merged[key] = {language: single(languages[language]) for language in sorted(languages)}
        node.update(sorted(merged.items()))
        return node

    def document(self, nodes: Nodes) -> bytes:
        graph = [self.node(subject, properties) for subject, properties in nodes.subjects.items()]
        text = json.dumps({"@context": self.context, "@graph": graph}, ensure_ascii=False, indent=1)
        return (text + "\n").encode("utf-8")


def fits(term: PropertyTerm, value: Term) -> bool:
    """Whether writing `value` as a plain JSON value under `term` expands back to the same RDF term."""
    if not isinstance(value, ox.Literal):
        return term.kind == "id"
    if value.language:
        return term.kind == "language-map" or (term.kind == "text" and term.language == value.language)
    if term.kind == "typed":
        return value.datatype.value == term.datatype
    return term.kind == "text" and term.language is None and value.datatype.value == XSD + "string"


def single(values: list[object]) -> object:
    return values[0] if len(values) == 1 else values


@cache
def jsonld_context() -> dict[str, object]:
    """The published terms (ontology/jsonld-context.json) with the vocabularies' prefixes and the base.

    Only namespaces outside the csgraph base become prefixes (plus `csg`); the rest are written relative
    to `@base`, hence a context embedded in the document: JSON-LD ignores `@base` in a remote context.
    """
    context_file = project_file("ontology", "jsonld-context.json")
    terms = json.loads(context_file.read_text(encoding="utf-8"))["@context"]
    prefixes = {
        name: namespace
        for name, namespace in PREFIXES.items()
        if name == "csg" or not namespace.startswith(BASE)
    }
    clash = sorted(prefixes.keys() & terms.keys())
    if clash:
        raise CsgraphError(f"jsonld-context.json redefines the prefixes {', '.join(clash)}")
    return dict(sorted({"@base": BASE, **prefixes, **terms}.items()))


def jsonld_bytes(nodes: Nodes) -> bytes:
    return JsonLdWriter(jsonld_context()).document(nodes)


# CSV tables


def local(iri: str, namespace: str) -> str:
    """The join key of a node: its IRI without the namespace (`caf` for `…/partner/caf`)."""
    return iri.removeprefix(namespace)


def labels(nodes: Nodes, subject: str, predicate: str) -> str:
    """Several concepts in one cell, by label: ` | ` never occurs in the SENACS lists."""
    return " | ".join(nodes.label(iri) for iri in nodes.iris(subject, predicate))


def action_rows(nodes: Nodes) -> Iterator[list[str]]:
    for action in nodes.of_type(CSG + "Action"):
        structure = next(iter(nodes.iris(action, CSG + "organiser")), "")
        departement = next(iter(nodes.iris(structure, CSG + "departement")), "")
        yield [
            local(action, PREFIXES["action"]),
            nodes.first(action, DCTERMS + "title"),
            local(structure, PREFIXES["structure"]),
            nodes.label(structure),
            nodes.first(departement, SKOS + "notation"),
            labels(nodes, action, CSG + "status"),
            labels(nodes, action, CSG + "dimension"),
            labels(nodes, action, CSG + "initiative"),
            labels(nodes, action, CSG + "public"),
            labels(nodes, action, CSG + "territoryScale"),
            labels(nodes, action, CSG + "theme"),
            nodes.first(action, CSG + "year"),
            nodes.first(action, CSG + "budgetTotal"),
            nodes.first(action, DCTERMS + "abstract"),
            nodes.first(action, CSG + "sourceFile"),
            nodes.first(action, CSG + "sourceLine"),
            nodes.first(action, CSG + "layout"),
            nodes.first(action, CSG + "truncated"),
        ]


def structure_rows(nodes: Nodes) -> Iterator[list[str]]:
    organised: dict[str, int] = {}
    for action in nodes.of_type(CSG + "Action"):
        for structure in nodes.iris(action, CSG + "organiser"):
            organised[structure] = organised.get(structure, 0) + 1
    for structure in nodes.of_type(CSG + "Structure"):
        departement = next(iter(nodes.iris(structure, CSG + "departement")), "")
        yield [
            local(structure, PREFIXES["structure"]),
            nodes.label(structure),
            nodes.first(departement, SKOS + "notation"),
            nodes.label(departement),
            str(organised.get(structure, 0)),
        ]


def concept_rows(predicate: str, scheme: str) -> Callable[[Nodes], Iterator[list[str]]]:
    """One row per action and concept of one field (partner types, keywords)."""

    def rows(nodes: Nodes) -> Iterator[list[str]]:
        for action in nodes.of_type(CSG + "Action"):
            for concept in nodes.iris(action, predicate):
                yield [
                    local(action, PREFIXES["action"]),
                    local(concept, f"{BASE}{scheme}/"),
                    nodes.label(concept),
                ]

    return rows


def funding_rows(nodes: Nodes) -> Iterator[list[str]]:
    for grant in nodes.of_type(SCHEMA + "MonetaryGrant"):
        funder_type = next(iter(nodes.iris(grant, CSG + "funderType")), "")
        funder = next(iter(nodes.iris(grant, SCHEMA + "funder")), "")
        yield [
            local(grant, PREFIXES["funding"]),
            local(next(iter(nodes.iris(grant, SCHEMA + "fundedItem")), ""), PREFIXES["action"]),
            nodes.first(grant, RDFS + "label"),
            local(funder_type, BASE),
            nodes.label(funder_type),
            local(funder, PREFIXES["funder"]),
            nodes.first(grant, SCHEMA + "amount"),
            nodes.first(grant, SCHEMA + "currency"),
            nodes.first(grant, CSG + "sourceText"),
        ]


@dataclass(frozen=True)
class Table:
    """One CSV file: its columns, where its rows come from, and how a portal should title it."""

    file_name: str
    header: tuple[str, ...]
    rows: Callable[[Nodes], Iterator[list[str]]]
    title_fr: str
    title_en: str


TABLES = (
    Table(
        "actions.csv",
        (
            "action_id",
            "title",
            "structure_id",
            "structure",
            "departement_code",
            "status",
            "dimension",
            "initiatives",
            "publics",
            "territories",
            "themes",
            "year",
            "budget_total",
            "summary",
            "source_file",
            "source_line",
            "layout",
            "truncated",
        ),
        action_rows,
        "Actions (tableau CSV)",
        "Actions (CSV table)",
    ),
    Table(
        "structures.csv",
        ("structure_id", "name", "departement_code", "departement", "actions"),
        structure_rows,
        "Structures organisatrices (tableau CSV)",
        "Organising structures (CSV table)",
    ),
    Table(
        "action-partners.csv",
        ("action_id", "partner_type_id", "partner_type"),
        concept_rows(CSG + "partnerType", "partner"),
        "Types de partenaires par action (tableau CSV)",
        "Partner types per action (CSV table)",
    ),
    Table(
        "action-keywords.csv",
        ("action_id", "keyword_id", "keyword"),
        concept_rows(CSG + "keyword", "keyword"),
        "Mots clés par action (tableau CSV)",
        "Keywords per action (CSV table)",
    ),
    Table(
        "fundings.csv",
        (
            "funding_id",
            "action_id",
            "funder",
            "funder_type_id",
            "funder_type",
            "funder_id",
            "amount",
            "currency",
            "source_text",
        ),
        funding_rows,
        "Financements (tableau CSV)",
        "Fundings (CSV table)",
    ),
)


def csv_bytes(table: Table, nodes: Nodes) -> tuple[bytes, int]:
    """The table as RFC 4180 CSV in UTF-8 with a header row, rows in ID order; and its number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    rows = sorted(table.rows(nodes))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8"), len(rows)


# DCAT-AP metadata


@dataclass(frozen=True)
class Distribution:
    """What a portal must know of one kind of file besides its bytes."""

    media_type: str  # IANA name
    file_type: str  # code in the EU file-type authority list
    title_fr: str
    title_en: str
    is_rdf: bool = False


GRAPH_DISTRIBUTIONS = {
    "graph.ttl": Distribution(
        "text/turtle", "RDF_TURTLE", "Graphe complet (Turtle)", "Full graph (Turtle)", True
    ),
    "graph.nt": Distribution(
        "application/n-triples", "RDF_N_TRIPLES", "Graphe complet (N-Triples)", "Full graph (N-Triples)", True
    ),
    "graph.jsonld": Distribution(
        "application/ld+json", "JSON_LD", "Graphe complet (JSON-LD)", "Full graph (JSON-LD)", True
    ),
}
DISTRIBUTIONS = {
    **GRAPH_DISTRIBUTIONS,
    **{table.file_name: Distribution("text/csv", "CSV", table.title_fr, table.title_en) for table in TABLES},
}


@dataclass(frozen=True)
class ExportedFile:
    """A written file as the catalog describes it."""

    name: str
    distribution: Distribution
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path, distribution: Distribution) -> ExportedFile:
        stamp = file_stamp(path)
        return cls(path.name, distribution, cast(int, stamp["size"]), cast(str, stamp["sha256"]))


@dataclass(frozen=True)
class CatalogSettings:
    """What the graph cannot say about its publication: where, by whom, under which licence, when."""

    base_url: str = DEFAULT_BASE_URL
    publisher: str = DEFAULT_PUBLISHER
    licence: str = ETALAB_LICENCE
    issued: date | None = None
    modified: date | None = None


def checked_settings(settings: CatalogSettings) -> CatalogSettings:
    """Settings whose URLs are absolute IRIs (the base ending in `/`), or an InputError naming the option."""
    base_url = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    for option, value in (("--base-url", base_url), ("--licence", settings.licence)):
        if not value.startswith(("http://", "https://")):
            raise InputError(f"{option} must be an http(s) URL, not {value!r}")
        try:
            ox.NamedNode(value)
        except ValueError as error:
            raise InputError(f"{option} is not a valid URL: {value!r} ({error})") from None
    if not settings.publisher.strip():
        raise InputError("--publisher must name someone")
    return CatalogSettings(
        base_url, settings.publisher.strip(), settings.licence, settings.issued, settings.modified
    )


class Description(list[ox.Triple]):
    """Triples written the way metadata is read: `add(subject, property, value)`, IRIs as strings."""

    def add(self, subject: str, predicate: str, value: str | ox.Literal) -> None:
        obj = value if isinstance(value, ox.Literal) else ox.NamedNode(value)
        self.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), obj))

    def texts(self, subject: str, predicate: str, french: str, english: str) -> None:
        self.add(subject, predicate, ox.Literal(french, language="fr"))
        self.add(subject, predicate, ox.Literal(english, language="en"))

    def typed(self, subject: str, predicate: str, value: str, datatype: str) -> None:
        self.add(subject, predicate, ox.Literal(value, datatype=ox.NamedNode(XSD + datatype)))

    def instance(self, subject: str, class_iri: str) -> None:
        """DCAT-AP's range shapes look for the class of each linked resource in the metadata itself."""
        self.add(subject, RDF_TYPE, class_iri)


def place_names(names: list[str]) -> str:
    """`Pas-de-Calais` or `Gironde, Pas-de-Calais`, or `12 départements` when a list would be long."""
    if not names:
        return "départements ?"
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} départements"


def catalog_triples(nodes: Nodes, files: Sequence[ExportedFile], settings: CatalogSettings) -> Description:
    """A DCAT-AP 3 catalog of one dataset with one distribution per file, from facts in the graph.

    Coverage comes from the graph (départements of the structures, years of the actions, keyword and theme
    labels); dates only from the settings, so that the metadata of a rebuilt graph stays the same.
    """
    settings = checked_settings(settings)
    base = settings.base_url
    catalog, dataset, publisher = base + "catalog", base + "dataset", base + "publisher"
    description = Description()
    description.instance(catalog, DCAT + "Catalog")
    description.texts(catalog, DCTERMS + "title", "Catalogue csgraph", "csgraph catalogue")
    description.texts(
        catalog,
        DCTERMS + "description",
        "Données ouvertes tirées des fiches action SENACS des centres sociaux.",
        "Open data drawn from the SENACS action fiches of social centres.",
    )
    description.add(catalog, DCAT + "dataset", dataset)
    description.add(catalog, FOAF + "homepage", base)
    description.instance(base, FOAF + "Document")
    modified = settings.modified or settings.issued
    for subject in (catalog, dataset):
        description.add(subject, DCTERMS + "publisher", publisher)
        if settings.issued:
            description.typed(subject, DCTERMS + "issued", settings.issued.isoformat(), "date")
        if modified:
            description.typed(subject, DCTERMS + "modified", modified.isoformat(), "date")
    description.instance(publisher, FOAF + "Agent")
    description.add(publisher, FOAF + "name", ox.Literal(settings.publisher, language="fr"))
    description.add(catalog, DCTERMS + "license", settings.licence)
    description.instance(settings.licence, DCTERMS + "LicenseDocument")
    if settings.licence == ETALAB_LICENCE:
        description.add(settings.licence, DCTERMS + "title", ox.Literal(ETALAB_LICENCE_TITLE, language="fr"))
    describe_dataset(description, dataset, nodes, base)
    for file in files:
        describe_file(description, dataset, file, settings)
    return description


def describe_dataset(description: Description, dataset: str, nodes: Nodes, base: str) -> None:
    actions = nodes.of_type(CSG + "Action")
    structures = nodes.of_type(CSG + "Structure")
    departements = sorted(
        {iri for structure in structures for iri in nodes.iris(structure, CSG + "departement")},
        key=lambda iri: nodes.first(iri, SKOS + "notation"),
    )
    where = place_names([nodes.label(iri) for iri in departements])
    description.instance(dataset, DCAT + "Dataset")
    description.texts(
        dataset,
        DCTERMS + "title",
        f"Actions des centres sociaux : acteurs, partenaires et thèmes ({where})",
        f"Actions of social centres: actors, partners and themes ({where})",
    )
    description.texts(
        dataset,
        DCTERMS + "description",
        f"Les fiches action SENACS (« Les actions des centres sociaux ») en graphe de connaissances : "
        f"{len(actions)} actions de {len(structures)} structures ({where}), avec leurs types de partenaires, "
        "leurs financements, leurs publics et leurs mots clés.",
        f'SENACS action fiches ("Les actions des centres sociaux") as a knowledge graph: {len(actions)} '
        f"actions of {len(structures)} structures ({where}), with their partner types, fundings, publics "
        "and keywords.",
    )
    description.add(dataset, DCAT + "landingPage", base)
    description.add(dataset, DCTERMS + "language", EU_LANGUAGES + "FRA")
    description.instance(EU_LANGUAGES + "FRA", DCTERMS + "LinguisticSystem")
    theme = EU_DATA_THEMES + "SOCI"
    description.add(dataset, DCAT + "theme", theme)
    description.instance(theme, SKOS + "Concept")
    description.texts(theme, SKOS + "prefLabel", "Population et société", "Population and society")
    subjects = {
        nodes.label(concept)
        for action in actions
        for predicate in (CSG + "keyword", CSG + "theme")
        for concept in nodes.iris(action, predicate)
    }
    for keyword in sorted(subjects):
        description.add(dataset, DCAT + "keyword", ox.Literal(keyword, language="fr"))
    for departement in departements:
        description.add(dataset, DCTERMS + "spatial", departement)
        description.instance(departement, DCTERMS + "Location")
        description.add(departement, SKOS + "prefLabel", ox.Literal(nodes.label(departement), language="fr"))
        description.add(
            departement, DCTERMS + "identifier", ox.Literal(nodes.first(departement, SKOS + "notation"))
        )
    years = sorted({nodes.first(action, CSG + "year") for action in actions} - {""})
    if years:
        period = dataset + "#period"
        description.add(dataset, DCTERMS + "temporal", period)
        description.instance(period, DCTERMS + "PeriodOfTime")
        description.typed(period, DCAT + "startDate", years[0], "gYear")
        description.typed(period, DCAT + "endDate", years[-1], "gYear")


def describe_file(
    description: Description, dataset: str, file: ExportedFile, settings: CatalogSettings
) -> None:
    distribution = f"{settings.base_url}distribution/{file.name}"
    kind = file.distribution
    description.add(dataset, DCAT + "distribution", distribution)
    description.instance(distribution, DCAT + "Distribution")
    description.texts(distribution, DCTERMS + "title", kind.title_fr, kind.title_en)
    description.add(distribution, DCAT + "accessURL", settings.base_url + file.name)
    description.add(distribution, DCAT + "downloadURL", settings.base_url + file.name)
    description.add(distribution, DCAT + "mediaType", IANA_MEDIA_TYPES + kind.media_type)
    description.instance(IANA_MEDIA_TYPES + kind.media_type, DCTERMS + "MediaType")
    description.add(distribution, DCTERMS + "format", EU_FILE_TYPES + kind.file_type)
    description.instance(EU_FILE_TYPES + kind.file_type, DCTERMS + "MediaTypeOrExtent")
    description.add(distribution, DCTERMS + "license", settings.licence)
    description.typed(distribution, DCAT + "byteSize", str(file.size), "nonNegativeInteger")
    checksum = distribution + "#sha256"
    description.add(distribution, SPDX + "checksum", checksum)
    description.instance(checksum, SPDX + "Checksum")
    description.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    description.instance(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm")
    description.typed(checksum, SPDX + "checksumValue", file.sha256, "hexBinary")
    if kind.is_rdf:
        description.add(distribution, DCTERMS + "conformsTo", ONTOLOGY)
        description.instance(ONTOLOGY, DCTERMS + "Standard")


def catalog_graph(triples: Iterable[ox.Triple | ox.Quad]) -> rdflib.Graph:
    """The catalog in rdflib, which pySHACL validates and whose Turtle comes out sorted and grouped."""
    graph = rdflib.Graph(bind_namespaces="none")
    for prefix, namespace in CATALOG_PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def insertion_ordered(ntriples: bytes) -> ox.Store:
    """A store filled one triple at a time, in N-Triples order.

    Oxigraph writes Turtle in the order triples went in, so the exported Turtle is the same whether the
    graph came from the persistent store or from graph.ttl.
    """
    store = ox.Store()
    store.extend(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    return store


# The export


def graph_ntriples(graph_path: Path) -> bytes:
    """The built graph as sorted N-Triples; never empty, since a build always holds the vocabulary."""
    ntriples = sorted_ntriples(open_graph(graph_path))
    if not ntriples:
        raise InputError("the graph holds no triple; rebuild it with `csgraph build`", str(graph_path))
    return ntriples


@dataclass
class ExportReport:
    """What an export wrote: every file with its size, the catalog describing them, the table sizes."""

    out_dir: Path
    files: list[ExportedFile] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    triples: int = 0

    @property
    def catalog(self) -> Path:
        return self.out_dir / CATALOG_FILE


def export(
    graph_path: Path,
    out_dir: Path,
    formats: Sequence[str] | None = None,
    settings: CatalogSettings | None = None,
) -> ExportReport:
    """Write the chosen formats (default: all) into `out_dir`, then `catalog.ttl` describing the files."""
    formats = formats or FORMATS
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InputError(f"unknown format {', '.join(unknown)}; choose among {', '.join(FORMATS)}")
    settings = checked_settings(settings or CatalogSettings())
    if (out_dir / "graph.ttl").resolve() == graph_path.resolve() and "turtle" in formats:
        raise InputError(f"{out_dir} holds the graph itself; export to another folder (--out)")
    ntriples = graph_ntriples(graph_path)
    nodes = Nodes.parse(ntriples)
    report = ExportReport(out_dir, triples=ntriples.count(b"\n"))
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    if "turtle" in formats:
        write_turtle(insertion_ordered(ntriples), out_dir / "graph.ttl")
        written.append("graph.ttl")
    if "ntriples" in formats:
        write_bytes(out_dir / "graph.nt", ntriples)
        written.append("graph.nt")
    if "jsonld" in formats:
        write_bytes(out_dir / "graph.jsonld", jsonld_bytes(nodes))
        written.append("graph.jsonld")
    if "csv" in formats:
        for table in TABLES:
            data, report.rows[table.file_name] = csv_bytes(table, nodes)
            write_bytes(out_dir / table.file_name, data)
            written.append(table.file_name)
    report.files = [ExportedFile.of(out_dir / name, DISTRIBUTIONS[name]) for name in written]
    catalog = catalog_graph(catalog_triples(nodes, report.files, settings))
    write_bytes(report.catalog, catalog.serialize(format="turtle", encoding="utf-8"))
    return report
