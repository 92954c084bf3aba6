"""DCAT-AP 3 metadata: catalog.ttl, one dataset with one distribution per exported file.

Coverage comes from facts in the graph (départements of the structures, years of the actions, keyword and
theme labels), dates only from the settings, never from the clock, so that exporting the same graph twice
gives the same metadata, checksums included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

import pyoxigraph as ox

from csgraph.errors import InputError
from csgraph.export.nodes import DCTERMS, RDF_TYPE, XSD, Nodes, Properties, classes, first, iris
from csgraph.names import slug
from csgraph.store import file_stamp
from csgraph.vocabulary import BASE, CSG, PREFIXES, SKOS

if TYPE_CHECKING:
    import rdflib

DCAT = PREFIXES["dcat"]
FOAF = PREFIXES["foaf"]
SPDX = "http://spdx.org/rdf/terms#"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGES = "http://publications.europa.eu/resource/authority/language/"
EU_DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme/"
ONTOLOGY = BASE + "ontology"

CATALOG_FILE = "catalog.ttl"
DEFAULT_BASE_URL = "https://example.org/csgraph/"
RESERVED_HOSTS = ("example.org", "example.com", "example.net", "localhost")
RESERVED_DOMAINS = (".example", ".test", ".invalid", ".localhost")
DEFAULT_PUBLISHER = "Fédération des centres sociaux et socioculturels de France"
ETALAB_LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ETALAB_LICENCE_TITLE = "Licence Ouverte / Open Licence version 2.0"
CATALOG_PREFIXES = {
    **{name: PREFIXES[name] for name in ("dcat", "dcterms", "departement", "foaf", "skos", "xsd")},
    "spdx": SPDX,
}


@dataclass(frozen=True)
class Distribution:
    """What a portal must know of one kind of file besides its bytes."""

    media_type: str  # IANA name
    file_type: str  # code in the EU file-type authority list
    title_fr: str
    title_en: str
    is_rdf: bool = False


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


def placeholder(url: str) -> bool:
    """An address no one can publish at: the default base URL, or any host reserved for examples and tests
    (RFC 2606, RFC 6761), so that `--base-url https://example.com/x/` is caught too."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    return host in RESERVED_HOSTS or host.endswith(
        RESERVED_DOMAINS + tuple("." + name for name in RESERVED_HOSTS)
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


@dataclass(frozen=True)
class Coverage:
    """What the catalog says the data covers, from facts in the graph."""

    actions: int
    structures: int
    departements: list[tuple[str, str, str]]  # IRI, code, name; by code
    years: list[str]
    subjects: list[str]  # keyword and theme labels
    grants_files: list[str] = field(default_factory=list)  # the SCDL files the declared grants came from


class Survey:
    """The coverage of a graph, gathered subject by subject; other nodes are looked up in `index`."""

    def __init__(self, index: Nodes) -> None:
        self.index = index
        self.actions = 0
        self.structures: list[str] = []
        self.years: set[str] = set()
        self.subjects: set[str] = set()
        self.grants_files: set[str] = set()

    def add(self, subject: str, properties: Properties) -> None:
        kinds = classes(properties)
        if CSG + "Action" in kinds:
            self.actions += 1
            self.years.add(first(properties, CSG + "year"))
            for predicate in (CSG + "keyword", CSG + "theme"):
                self.subjects.update(self.index.label(concept) for concept in iris(properties, predicate))
        if CSG + "Structure" in kinds:
            self.structures.append(subject)
        if CSG + "DeclaredGrant" in kinds:
            self.grants_files.add(first(properties, CSG + "rowFile"))

    def coverage(self) -> Coverage:
        index = self.index
        departements = sorted(
            {iri for structure in self.structures for iri in iris(index.of(structure), CSG + "departement")},
            key=lambda iri: first(index.of(iri), SKOS + "notation"),
        )
        return Coverage(
            self.actions,
            len(self.structures),
            [(iri, first(index.of(iri), SKOS + "notation"), index.label(iri)) for iri in departements],
            sorted(self.years - {""}),
            sorted(self.subjects),
            sorted(self.grants_files - {""}),
        )


def place_names(names: list[str]) -> str:
    """`Pas-de-Calais` or `Gironde, Pas-de-Calais`, or `12 départements` when a list would be long."""
    if not names:
        return "départements ?"
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} départements"


def catalog_triples(nodes: Nodes, files: Sequence[ExportedFile], settings: CatalogSettings) -> Description:
    """The catalog of a graph held whole in memory (what validate checks when there is no export)."""
    survey = Survey(nodes)
    for subject, properties in nodes.subjects.items():
        survey.add(subject, properties)
    return catalog_description(survey.coverage(), files, settings)


def catalog_description(
    coverage: Coverage, files: Sequence[ExportedFile], settings: CatalogSettings
) -> Description:
    """A DCAT-AP 3 catalog of one dataset with one distribution per file."""
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
    describe_dataset(description, dataset, coverage, base)
    for file in files:
        describe_file(description, dataset, file, settings)
    return description


def describe_dataset(description: Description, dataset: str, coverage: Coverage, base: str) -> None:
    where = place_names([name for _, _, name in coverage.departements])
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
        f"{coverage.actions} actions de {coverage.structures} structures ({where}), avec leurs types de "
        "partenaires, leurs financements, leurs publics et leurs mots clés.",
        f'SENACS action fiches ("Les actions des centres sociaux") as a knowledge graph: {coverage.actions} '
        f"actions of {coverage.structures} structures ({where}), with their partner types, fundings, publics "
        "and keywords.",
    )
    description.add(dataset, DCAT + "landingPage", base)
    description.add(dataset, DCTERMS + "language", EU_LANGUAGES + "FRA")
    description.instance(EU_LANGUAGES + "FRA", DCTERMS + "LinguisticSystem")
    theme = EU_DATA_THEMES + "SOCI"
    description.add(dataset, DCAT + "theme", theme)
    description.instance(theme, SKOS + "Concept")
    description.texts(theme, SKOS + "prefLabel", "Population et société", "Population and society")
    for keyword in coverage.subjects:
        description.add(dataset, DCAT + "keyword", ox.Literal(keyword, language="fr"))
    for departement, code, name in coverage.departements:
        description.add(dataset, DCTERMS + "spatial", departement)
        description.instance(departement, DCTERMS + "Location")
        description.add(departement, SKOS + "prefLabel", ox.Literal(name, language="fr"))
        description.add(departement, DCTERMS + "identifier", ox.Literal(code))
    for name in coverage.grants_files:
        describe_grants_file(description, dataset, name, base)
    years = coverage.years
    if years:
        period = dataset + "#period"
        description.add(dataset, DCTERMS + "temporal", period)
        description.instance(period, DCTERMS + "PeriodOfTime")
        description.typed(period, DCAT + "startDate", years[0], "gYear")
        description.typed(period, DCAT + "endDate", years[-1], "gYear")


def describe_grants_file(description: Description, dataset: str, name: str, base: str) -> None:
    """A grants file read by the build is a source of the dataset: a dataset of its own, published by the
    body that awards the grants, which the catalog names by its file only."""
    source = f"{base}source/{slug(name)}"
    description.add(dataset, DCTERMS + "source", source)
    description.instance(source, DCAT + "Dataset")
    description.texts(
        source, DCTERMS + "title", f"Subventions déclarées : {name}", f"Declared grants: {name}"
    )
    description.texts(
        source,
        DCTERMS + "description",
        f"Fichier de subventions au format SCDL lu par la construction du graphe ({name}).",
        f"Grants file in the SCDL format read by the graph's build ({name}).",
    )
    description.add(source, DCTERMS + "identifier", ox.Literal(name))


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
    """The catalog in rdflib, which pySHACL validates and whose Turtle comes out sorted and grouped.

    rdflib is imported here, not with the module: it costs every command a tenth of a second, and every
    command imports the format table (the CLI's `--format` help reads it).
    """
    import rdflib

    graph = rdflib.Graph(bind_namespaces="none")
    for prefix, namespace in CATALOG_PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph
