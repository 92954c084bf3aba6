"""What every writer reads the graph as: subjects with their properties, and an index of other nodes' names.

Writers take the graph from sorted N-Triples, subject by subject; what a row or the catalog needs of another
node (a structure's name, a département's code) comes from the small index `Nodes`, not from a second pass.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from csgraph.vocabulary import CSG, PREFIXES, SKOS

RDF_TYPE = PREFIXES["rdf"] + "type"
XSD = PREFIXES["xsd"]
DCTERMS = PREFIXES["dcterms"]
RDFS = PREFIXES["rdfs"]
SCHEMA = PREFIXES["schema"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Properties = dict[str, list[Term]]
Consumer = Callable[[str, Properties], None]

SUBJECT = operator.attrgetter("subject")
LABELS = (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label")
INDEXED = tuple(
    f" <{iri}> ".encode() for iri in (*LABELS, SKOS + "notation", CSG + "departement", CSG + "siret")
)
"""Predicates of what tables and the catalog ask of nodes other than the one at hand: names, codes,
départements and SIRET numbers (of a grant's funder and beneficiary)."""
NEVER_LOOKED_UP = tuple(f"<{PREFIXES[kind]}".encode() for kind in ("action", "funding", "grant"))
"""Nodes each row reads for itself, never for another node's row: their titles and labels were 97 % of the
index at 100k fiches (about 300 MB in each worker that writes a share)."""


def indexed_lines(block: bytes) -> list[bytes]:
    """The N-Triples lines of a block of whole lines whose predicate is one of INDEXED, in block order,
    but for the subjects never looked up.

    Found with `bytes.find`, five times faster than a regular expression tried at every byte; a predicate
    written inside a literal is no predicate, since a subject holds no space.
    """
    found = []
    for predicate in INDEXED:
        at = block.find(predicate)
        while at >= 0:
            start = block.rfind(b"\n", 0, at) + 1
            end = block.index(b"\n", at) + 1
            if b" " not in block[start:at] and not block.startswith(NEVER_LOOKED_UP, start):
                found.append((start, block[start:end]))
            at = block.find(predicate, end)
    return [line for _, line in sorted(found)]


def node_key(term: ox.NamedNode | ox.BlankNode) -> str:
    """IRIs as themselves, blank nodes as `_:label` (as JSON-LD writes them)."""
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


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


def classes(properties: Properties) -> set[str]:
    """The IRIs of a node's classes: what decides which table rows and counts it gives."""
    return {value.value for value in properties.get(RDF_TYPE, ())}


def label(properties: Properties) -> str:
    """The French name of a node: concepts, structures and départements by prefLabel, grants by label."""
    for predicate in LABELS:
        values = properties.get(predicate)
        if values:
            french = (value.value for value in values if getattr(value, "language", None) == "fr")
            return next(french, values[0].value)
    return ""


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


@dataclass
class Sink:
    """What one format does with each subject of the pass over graph.nt, and the table rows it wrote.

    Every format shares that one pass: a national graph.nt is parsed once, whatever the formats asked.
    """

    add: Consumer | None = None  # None: the format's files are written from graph.nt as a whole
    rows: dict[str, int] = field(default_factory=dict)  # file name → data rows, for tables
