"""Open-data export of a built graph: Turtle, N-Triples, JSON-LD, CSV tables, and DCAT-AP metadata.

Reads the graph only. Everything emitted is sorted and the metadata takes its dates from options, never
from the clock, so exporting the same graph twice gives the same bytes, checksums included.

The export streams, so that a national graph fits in a few hundred megabytes: graph.ttl is parsed to
N-Triples on disk, sorted in runs and merged into graph.nt; every other file is written from graph.nt
in one pass, subject by subject, looking other nodes up in a small index of names.

CSV cells hold the values exactly as the fiches wrote them, including text that starts with `-` or `=`
(`- 542 euros: participation des usagers`): prefixing such cells to stop spreadsheets from reading them as
formulas would change the published data for every other reader.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import io
import itertools
import json
import operator
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
import rdflib

from csgraph.errors import CsgraphError, InputError
from csgraph.resources import project_file
from csgraph.store import file_stamp
from csgraph.vocabulary import BASE, CSG, PREFIXES, SKOS
from csgraph.writing import atomic_write, write_bytes

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
Properties = dict[str, list[Term]]


def node_key(term: ox.NamedNode | ox.BlankNode) -> str:
    """IRIs as themselves, blank nodes as `_:label` (as JSON-LD writes them)."""
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


SUBJECT = operator.attrgetter("subject")


def grouped(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[tuple[str, Properties]]:
    """Each subject with its properties, from triples that come grouped by subject (sorted N-Triples do)."""
    for subject, group in itertools.groupby(triples, key=SUBJECT):
        properties: Properties = {}
        for triple in group:
            properties.setdefault(triple.predicate.value, []).append(triple.object)
        yield node_key(subject), properties


def iris(properties: Properties, predicate: str) -> list[str]:
    return [value.value for value in properties.get(predicate, ()) if isinstance(value, ox.NamedNode)]


def first(properties: Properties, predicate: str) -> str:
    """The first value's lexical form, or "" when there is none."""
    values = properties.get(predicate)
    return values[0].value if values else ""


class Nodes:
    """Subjects → properties → values in N-Triples order: what tables and the catalog look things up in."""

    def __init__(self, subjects: Mapping[str, Properties]) -> None:
        self.subjects = subjects
        self.names: dict[str, str] = {}

    @classmethod
    def parse(cls, ntriples: bytes) -> Nodes:
        """From sorted N-Triples, so that every walk over the nodes is in a stable order."""
        return cls(dict(grouped(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))))

    def of(self, subject: str) -> Properties:
        return self.subjects.get(subject, {})

    def label(self, subject: str) -> str:
        if subject not in self.names:
            self.names[subject] = label(self.of(subject))
        return self.names[subject]


def label(properties: Properties) -> str:
    """The French name of a node: concepts, structures and départements by prefLabel, grants by label."""
    for predicate in LABELS:
        values = properties.get(predicate)
        if values:
            french = (value.value for value in values if getattr(value, "language", None) == "fr")
            return next(french, values[0].value)
    return ""


LABELS = (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label")
INDEXED = re.compile(
    rb"[^ ]+ <(?:%s)> "
    % b"|".join(re.escape(iri.encode()) for iri in (*LABELS, SKOS + "notation", CSG + "departement"))
)
"""N-Triples lines of what tables and the catalog ask of nodes other than the one at hand: names, codes and
départements."""


# Sorted N-Triples, on disk

RUN_BYTES = 64 << 20  # N-Triples sorted in memory at a time
BACKWARDS_BLOCK = 1 << 20


@dataclass(frozen=True)
class SortedGraph:
    """graph.nt as written, with its size and the index of names that the other files look up."""

    path: Path
    triples: int
    index: Nodes


def sort_graph(graph_path: Path, target: Path, work: Path) -> SortedGraph:
    """Write the graph as sorted, distinct N-Triples lines to `target`, using `work` for sorted runs."""
    runs = sorted_runs(graph_path, work)
    if not runs:
        raise InputError("the graph holds no triple; rebuild it with `csgraph build`", str(graph_path))
    triples, indexed = 0, []
    with atomic_write(target) as stream:
        for line in merged(runs):
            stream.write(line)
            triples += 1
            if INDEXED.match(line):
                indexed.append(line)
    for run in runs:
        run.unlink()
    return SortedGraph(target, triples, Nodes.parse(b"".join(indexed)))


def sorted_runs(graph_path: Path, work: Path) -> list[Path]:
    """The graph's N-Triples lines in sorted files of RUN_BYTES each.

    Read from graph.ttl rather than the store: Oxigraph parses Turtle ~8 times faster than its on-disk
    store gives triples back, and the store holds the same triples (its stamp says so).
    """
    if not graph_path.is_file():
        raise InputError(f"no graph here; run `csgraph build` first (looked for {graph_path})")
    unsorted = work / "unsorted.nt"
    with open(graph_path, "rb") as turtle:  # an unreadable graph is named; a full disk is not blamed on it
        try:
            ox.serialize(
                ox.parse(turtle, format=ox.RdfFormat.TURTLE), unsorted, format=ox.RdfFormat.N_TRIPLES
            )
        except SyntaxError as error:
            raise InputError(f"not valid Turtle: {error}", str(graph_path)) from None
    runs: list[Path] = []
    with open(unsorted, "rb") as stream:
        while lines := stream.readlines(RUN_BYTES):
            lines.sort()
            runs.append(work / f"run-{len(runs)}.nt")
            with open(runs[-1], "wb") as run:
                run.writelines(lines)
    unsorted.unlink()
    return runs


def merged(runs: Sequence[Path]) -> Iterator[bytes]:
    """The distinct lines of sorted files, in byte order.

    Oxigraph escapes every control character in N-Triples, so sorting lines with their `\\n` is sorting
    them without it.
    """
    with contextlib.ExitStack() as stack:
        streams = [stack.enter_context(open(run, "rb")) for run in runs]
        previous = b""
        for line in heapq.merge(*streams):
            if line != previous:
                yield line
                previous = line


def lines_backwards(path: Path) -> Iterator[bytes]:
    """The lines of a file that ends in a line break, last first, in blocks of whole lines."""
    with open(path, "rb") as stream:
        end = stream.seek(0, os.SEEK_END)
        rest = b""  # the start of a line begun before the block read last
        while end:
            start = max(0, end - BACKWARDS_BLOCK)
            stream.seek(start)
            data = stream.read(end - start) + rest
            end = start
            cut = data.find(b"\n") + 1 if start else 0
            rest, block = data[:cut], data[cut:]
            if block:
                lines = block[:-1].split(b"\n")
                lines.reverse()
                yield b"\n".join(lines) + b"\n"


def graph_ntriples(graph_path: Path) -> bytes:
    """The built graph as sorted N-Triples, whole in memory, for validation (rdflib holds it all anyway)."""
    with tempfile.TemporaryDirectory() as work:
        return sort_graph(graph_path, Path(work) / "graph.nt", Path(work)).path.read_bytes()


# Turtle


class SortedPrefixes:
    """Turtle passed on to `target`, with the @prefix lines Oxigraph writes first (in hash order) sorted."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.head: bytearray | None = bytearray()

    def write(self, data: bytes) -> int:
        if self.head is None:
            return self.target.write(data)
        self.head += data
        start = 0
        while (end := self.head.find(b"\n", start)) >= 0:
            if not self.head.startswith(b"@prefix", start):
                self.close(start)
                break
            start = end + 1
        return len(data)

    def flush(self) -> None:
        """Oxigraph flushes when done; the header is held until the body shows where it ends."""

    def close(self, end: int | None = None) -> None:
        """Write the header, sorted, and whatever followed it."""
        if self.head is not None:
            head, self.head = self.head, None
            end = len(head) if end is None else end
            self.target.write(b"".join(sorted(head[:end].splitlines(keepends=True))) + head[end:])


def write_turtle(ntriples: Path, path: Path) -> None:
    """Turtle with the project's prefixes, written from sorted N-Triples by Oxigraph, subjects grouped.

    Subjects, properties and values come in descending order: the order this export has always had
    (Oxigraph's in-memory store gave back, last first, the sorted triples put in), kept so that
    published checksums change only when the data does.
    """
    with atomic_write(path) as stream:
        sink = SortedPrefixes(stream)
        triples = (
            triple
            for block in lines_backwards(ntriples)
            for triple in ox.parse(block, format=ox.RdfFormat.N_TRIPLES)
        )
        ox.serialize(triples, sink, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        sink.close()


# JSON-LD


XSD_BOOLEAN, XSD_INTEGER = XSD + "boolean", XSD + "integer"
CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
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
        self.namespaces = tuple(namespaces.values())  # most IRIs are under none: one test rules them out
        self.terms: dict[tuple[str, str | None, str | None], PropertyTerm | None] = {}
        # Concepts, structures and actions are named again and again; keep the last ones at hand.
        self.node_id = lru_cache(maxsize=1 << 16)(self.relative_id)
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
        for namespace, prefix in self.prefixes if iri.startswith(self.namespaces) else ():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                rest = iri[len(namespace) :]
                if not rest.startswith("//"):
                    return f"{prefix}:{rest}"
        base = str(self.context.get("@base", ""))
        if relative and base and iri.startswith(base) and RELATIVE_PATH.fullmatch(iri[len(base) :]):
            return iri[len(base) :]
        return iri

    def relative_id(self, key: str) -> str:
        return key if key.startswith("_:") else self.compact(key, relative=True)

    def term_for(self, predicate: str, value: Term) -> PropertyTerm | None:
        """The first term that fits; which one depends only on the property and the kind of value."""
        if isinstance(value, ox.Literal):
            shape = (predicate, value.language, value.datatype.value)
        else:
            shape = (predicate, None, None)
        if shape not in self.terms:
            terms = self.properties.get(predicate, [])
            self.terms[shape] = next((term for term in terms if fits(term, value)), None)
        return self.terms[shape]

    def plain(self, value: Term, term: PropertyTerm) -> object:
        """The value as the term lets it be written: an IRI string, a JSON boolean or integer, or text."""
        if not isinstance(value, ox.Literal):
            return self.node_id(node_key(value))
        text = value.value
        if term.datatype == XSD_BOOLEAN and text in ("true", "false"):
            return text == "true"
        if term.datatype == XSD_INTEGER and CANONICAL_INTEGER.fullmatch(text):
            return int(text)
        return text

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

    @contextlib.contextmanager
    def file(self, path: Path) -> Iterator[Callable[[str, Properties], None]]:
        """Write nodes to `path` one at a time, as the returned callable gets them.

        The bytes are those of json.dumps(ensure_ascii=False, indent=1) on the whole document.
        """
        head = json.dumps({"@context": self.context}, ensure_ascii=False, indent=1).removesuffix("\n}")
        with atomic_write(path) as stream:
            stream.write(f'{head},\n "@graph": ['.encode())
            written = 0

            def write(subject: str, properties: Properties) -> None:
                nonlocal written
                separator = ",\n  " if written else "\n  "
                stream.write((separator + indented(self.node(subject, properties), "  ")).encode())
                written += 1

            yield write
            stream.write(b"\n ]\n}\n" if written else b"]\n}\n")


def indented(value: object, indent: str) -> str:
    """json.dumps(value, ensure_ascii=False, indent=1) nested `indent` deep, twice as fast.

    (json's C encoder cannot indent; its Python one was half the time of a national export.)
    """
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict) and value:
        inner = indent + " "
        items = (f"{encode_basestring(key)}: {indented(item, inner)}" for key, item in value.items())
        return f"{{\n{inner}" + f",\n{inner}".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        inner = indent + " "
        return f"[\n{inner}" + f",\n{inner}".join(indented(item, inner) for item in value) + f"\n{indent}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return json.dumps(value)


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


# CSV tables


def local(iri: str, namespace: str) -> str:
    """The join key of a node: its IRI without the namespace (`caf` for `…/partner/caf`)."""
    return iri.removeprefix(namespace)


def labels(index: Nodes, properties: Properties, predicate: str) -> str:
    """Several concepts in one cell, by label: ` | ` never occurs in the SENACS lists."""
    return " | ".join(index.label(iri) for iri in iris(properties, predicate))


def action_row(index: Nodes, action: str, properties: Properties) -> list[str]:
    structure = next(iter(iris(properties, CSG + "organiser")), "")
    departement = next(iter(iris(index.of(structure), CSG + "departement")), "")
    return [
        local(action, PREFIXES["action"]),
        first(properties, DCTERMS + "title"),
        local(structure, PREFIXES["structure"]),
        index.label(structure),
        first(index.of(departement), SKOS + "notation"),
        labels(index, properties, CSG + "status"),
        labels(index, properties, CSG + "dimension"),
        labels(index, properties, CSG + "initiative"),
        labels(index, properties, CSG + "public"),
        labels(index, properties, CSG + "territoryScale"),
        labels(index, properties, CSG + "theme"),
        first(properties, CSG + "year"),
        first(properties, CSG + "budgetTotal"),
        first(properties, DCTERMS + "abstract"),
        first(properties, CSG + "sourceFile"),
        first(properties, CSG + "sourceLine"),
        first(properties, CSG + "layout"),
        first(properties, CSG + "truncated"),
    ]


def structure_row(index: Nodes, structure: str, actions: int) -> list[str]:
    departement = next(iter(iris(index.of(structure), CSG + "departement")), "")
    return [
        local(structure, PREFIXES["structure"]),
        index.label(structure),
        first(index.of(departement), SKOS + "notation"),
        index.label(departement),
        str(actions),
    ]


def concept_rows(
    index: Nodes, action: str, properties: Properties, predicate: str, scheme: str
) -> list[list[str]]:
    """One row per concept of one field of an action (partner types, keywords)."""
    return [
        [local(action, PREFIXES["action"]), local(concept, f"{BASE}{scheme}/"), index.label(concept)]
        for concept in iris(properties, predicate)
    ]


def funding_row(index: Nodes, grant: str, properties: Properties) -> list[str]:
    funder_type = next(iter(iris(properties, CSG + "funderType")), "")
    funder = next(iter(iris(properties, SCHEMA + "funder")), "")
    return [
        local(grant, PREFIXES["funding"]),
        local(next(iter(iris(properties, SCHEMA + "fundedItem")), ""), PREFIXES["action"]),
        first(properties, RDFS + "label"),
        local(funder_type, BASE),
        index.label(funder_type),
        local(funder, PREFIXES["funder"]),
        first(properties, SCHEMA + "amount"),
        first(properties, SCHEMA + "currency"),
        first(properties, CSG + "sourceText"),
    ]


@dataclass(frozen=True)
class Table:
    """One CSV file: its columns, and how a portal should title it."""

    file_name: str
    header: tuple[str, ...]
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
        "Actions (tableau CSV)",
        "Actions (CSV table)",
    ),
    Table(
        "structures.csv",
        ("structure_id", "name", "departement_code", "departement", "actions"),
        "Structures organisatrices (tableau CSV)",
        "Organising structures (CSV table)",
    ),
    Table(
        "action-partners.csv",
        ("action_id", "partner_type_id", "partner_type"),
        "Types de partenaires par action (tableau CSV)",
        "Partner types per action (CSV table)",
    ),
    Table(
        "action-keywords.csv",
        ("action_id", "keyword_id", "keyword"),
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
        "Financements (tableau CSV)",
        "Fundings (CSV table)",
    ),
)


@dataclass(frozen=True)
class Coverage:
    """What the catalog says the data covers, from facts in the graph."""

    actions: int
    structures: int
    departements: list[tuple[str, str, str]]  # IRI, code, name; by code
    years: list[str]
    subjects: list[str]  # keyword and theme labels


class Survey:
    """The table rows and the coverage of a graph, gathered subject by subject.

    Each subject comes with all its properties; the other nodes it names are looked up in `index`.
    """

    def __init__(self, index: Nodes, tables: bool = True) -> None:
        self.index = index
        self.tables = tables
        self.rows: dict[str, list[list[str]]] = {table.file_name: [] for table in TABLES}
        self.actions = 0
        self.structures: list[str] = []
        self.organised: Counter[str] = Counter()
        self.years: set[str] = set()
        self.subjects: set[str] = set()

    def add(self, subject: str, properties: Properties) -> None:
        kinds = {value.value for value in properties.get(RDF_TYPE, ())}
        index = self.index
        if CSG + "Action" in kinds:
            self.actions += 1
            self.organised.update(iris(properties, CSG + "organiser"))
            self.years.add(first(properties, CSG + "year"))
            for predicate in (CSG + "keyword", CSG + "theme"):
                self.subjects.update(index.label(concept) for concept in iris(properties, predicate))
            if self.tables:
                self.rows["actions.csv"].append(action_row(index, subject, properties))
                self.rows["action-partners.csv"] += concept_rows(
                    index, subject, properties, CSG + "partnerType", "partner"
                )
                self.rows["action-keywords.csv"] += concept_rows(
                    index, subject, properties, CSG + "keyword", "keyword"
                )
        if CSG + "Structure" in kinds:
            self.structures.append(subject)
        if SCHEMA + "MonetaryGrant" in kinds and self.tables:
            self.rows["fundings.csv"].append(funding_row(index, subject, properties))

    def table_rows(self, table: Table) -> list[list[str]]:
        """Rows in ID order; a structure's row counts the actions it organised, hence only at the end."""
        if table.file_name == "structures.csv":
            return sorted(
                structure_row(self.index, structure, self.organised[structure])
                for structure in self.structures
            )
        return sorted(self.rows[table.file_name])

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
        )


def write_table(path: Path, table: Table, rows: list[list[str]]) -> None:
    """RFC 4180 CSV in UTF-8 with a header row."""
    with atomic_write(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(table.header)
        writer.writerows(rows)
        text.detach()


# DCAT-AP metadata


@dataclass(frozen=True)
class Distribution:
    """What a portal must know of one kind of file besides its bytes."""

    media_type: str  # IANA name
    file_type: str  # code in the EU file-type authority list
    title_fr: str
    title_en: str
    is_rdf: bool = False


GRAPH_FILES = {"turtle": "graph.ttl", "ntriples": "graph.nt", "jsonld": "graph.jsonld"}
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
    """The catalog of a graph held whole in memory (what validate checks when there is no export)."""
    survey = Survey(nodes, tables=False)
    for subject, properties in nodes.subjects.items():
        survey.add(subject, properties)
    return catalog_description(survey.coverage(), files, settings)


def catalog_description(
    coverage: Coverage, files: Sequence[ExportedFile], settings: CatalogSettings
) -> Description:
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
    years = coverage.years
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


# The export


@contextlib.contextmanager
def scratch_folder(out_dir: Path) -> Iterator[Path]:
    """A hidden folder in `out_dir` (made if missing) for sorting; a folder made for nothing is removed."""
    made = not out_dir.is_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".export-", dir=out_dir) as work:
            yield Path(work)
    except BaseException:
        if made and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise


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
    report = ExportReport(out_dir)
    with scratch_folder(out_dir) as work:
        ntriples = (out_dir if "ntriples" in formats else work) / GRAPH_FILES["ntriples"]
        graph = sort_graph(graph_path, ntriples, work)
        report.triples = graph.triples
        if "turtle" in formats:
            write_turtle(graph.path, out_dir / GRAPH_FILES["turtle"])
        survey = Survey(graph.index, tables="csv" in formats)
        jsonld_file = out_dir / GRAPH_FILES["jsonld"]
        jsonld = JsonLdWriter(jsonld_context()).file(jsonld_file) if "jsonld" in formats else None
        with jsonld or contextlib.nullcontext() as write_node:
            for subject, properties in grouped(ox.parse(path=graph.path, format=ox.RdfFormat.N_TRIPLES)):
                if write_node:
                    write_node(subject, properties)
                survey.add(subject, properties)
    written = [name for kind, name in GRAPH_FILES.items() if kind in formats]
    if "csv" in formats:
        for table in TABLES:
            rows = survey.table_rows(table)
            write_table(out_dir / table.file_name, table, rows)
            report.rows[table.file_name] = len(rows)
            written.append(table.file_name)
    report.files = [ExportedFile.of(out_dir / name, DISTRIBUTIONS[name]) for name in written]
    catalog = catalog_graph(catalog_description(survey.coverage(), report.files, settings))
    write_bytes(report.catalog, catalog.serialize(format="turtle", encoding="utf-8"))
    return report
