"""Namespaces of the graph and the SKOS concept schemes of `ontology/concepts/`, with label lookup.

Fiches write closed-vocabulary values loosely (`CAF` for `Caf`, `éducation/scolarité`, `Vieillissement` for
the site's own `Viellissement`), and real exports hold values the published lists lack: `Vocabulary.lookup`
matches the first kind and mints an unlisted concept for the second, so no value is ever dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph

from csgraph.errors import CsgraphError
from csgraph.names import name_key, slug
from csgraph.resources import project_file

BASE = "https://w3id.org/csgraph/"
CSG = f"{BASE}ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# Scheme key (file name in ontology/concepts/, IRI part) -> prefix of its concepts in Turtle and SPARQL.
SCHEME_PREFIXES: dict[str, str] = {
    "keyword": "keyword",
    "dimension": "dimension",
    "public": "public",
    "partner": "partner",
    "funder-category": "fundercat",
    "territory": "territory",
    "initiative": "initiative",
    "status": "status",
    "theme": "theme",
    "management": "management",
    "territory-type": "territorytype",
    "grant-nature": "grantnature",
}


def scheme_iri(scheme: str) -> str:
    """The IRI of a concept scheme from its key (`keyword` → `https://w3id.org/csgraph/scheme/keyword`)."""
    return f"{BASE}scheme/{scheme}"


def concept_namespace(scheme: str) -> str:
    """Where a scheme's concepts live, listed or not: the namespace plus `slug(label)` is the concept IRI."""
    return f"{BASE}{scheme}/"


PREFIXES: dict[str, str] = {
    "csg": CSG,
    "scheme": f"{BASE}scheme/",
    **{prefix: concept_namespace(scheme) for scheme, prefix in SCHEME_PREFIXES.items()},
    "action": f"{BASE}action/",
    "structure": f"{BASE}structure/",
    "funding": f"{BASE}funding/",
    "funder": f"{BASE}funder/",
    "departement": f"{BASE}departement/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": SKOS,
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "http://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "grant": f"{BASE}grant/",
    "organisation": f"{BASE}organisation/",
    "rov": "http://www.w3.org/ns/regorg#",
    "adms": "http://www.w3.org/ns/adms#",
    "locn": "http://www.w3.org/ns/locn#",
}


def expanded(name: str) -> str:
    """The IRI of a prefixed name, as csgraph.fields declares properties (`csg:keyword`)."""
    prefix, local = name.split(":", 1)
    return PREFIXES[prefix] + local


@dataclass(frozen=True)
class Concept:
    """A value of a closed vocabulary; `listed` is false for values the published list lacks."""

    iri: str
    label: str
    scheme: str
    listed: bool

    @property
    def scheme_iri(self) -> str:
        return scheme_iri(self.scheme)


def ontology_files() -> list[Path]:
    """The vocabulary as shipped: `csgraph.ttl` and every concept scheme."""
    ontology = project_file("ontology")
    return sorted([ontology / "csgraph.ttl", *ontology.glob("concepts/*.ttl")])


class Vocabulary:
    """The concept schemes, with every spelling of a concept indexed under its `name_key`."""

    def __init__(self, spellings: dict[Concept, list[str]], schemes: set[str]) -> None:
        self._concepts: dict[str, list[Concept]] = {scheme: [] for scheme in sorted(schemes)}
        self._by_key: dict[tuple[str, str], Concept] = {}
        for concept in sorted(spellings, key=lambda concept: concept.iri):
            self._concepts[concept.scheme].append(concept)
            for spelling in spellings[concept]:
                other = self._by_key.setdefault((concept.scheme, name_key(spelling)), concept)
                if other != concept:
                    raise CsgraphError(f"{spelling!r} names both {other.iri} and {concept.iri}")

    @classmethod
    def load(cls) -> Vocabulary:
        """The vocabulary of `ontology/concepts/*.ttl`, read once per process."""
        return _load_vocabulary()

    def lookup(self, scheme: str, label: str) -> Concept:
        """The concept a fiche means by `label`, or an unlisted concept named after it.

        Case, accents, spacing, apostrophes and punctuation do not count: `éducation/scolarité` is
        `éducation / scolarité`. Raises ValueError for an unknown scheme or a label without letters or digits.
        """
        if scheme not in self._concepts:
            raise ValueError(f"unknown concept scheme {scheme!r}")
        key = name_key(label)
        if not key:
            raise ValueError(f"{label!r} has no letter or digit to name a concept by")
        found = self._by_key.get((scheme, key))
        if found:
            return found
        return Concept(concept_namespace(scheme) + slug(label), label.strip(), scheme, listed=False)

    def concepts(self, scheme: str) -> list[Concept]:
        """The listed concepts of a scheme, by IRI."""
        return list(self._concepts[scheme])


@cache
def _load_vocabulary() -> Vocabulary:
    pref_label, alt_label, in_scheme = (
        pyoxigraph.NamedNode(SKOS + name) for name in ("prefLabel", "altLabel", "inScheme")
    )
    scheme_type = pyoxigraph.NamedNode(SKOS + "ConceptScheme")
    schemes: set[str] = set()
    schemes_of: dict[str, str] = {}
    pref_labels: dict[str, str] = {}
    spellings: defaultdict[str, list[str]] = defaultdict(list)
    for path in project_file("ontology").glob("concepts/*.ttl"):
        for quad in pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE):
            subject, predicate, value = quad.subject.value, quad.predicate, quad.object
            if value == scheme_type:
                schemes.add(subject.removeprefix(scheme_iri("")))
            elif predicate == in_scheme:
                schemes_of[subject] = value.value.removeprefix(scheme_iri(""))
            elif predicate in (pref_label, alt_label) and getattr(value, "language", None) == "fr":
                spellings[subject].append(value.value)
                if predicate == pref_label:
                    pref_labels[subject] = value.value
    concepts: dict[Concept, list[str]] = {}
    for iri, scheme in schemes_of.items():
        if iri not in pref_labels or scheme not in schemes:
            raise CsgraphError(f"concept {iri} lacks a French prefLabel or a declared scheme")
        concepts[Concept(iri, pref_labels[iri], scheme, listed=True)] = spellings[iri]
    return Vocabulary(concepts, schemes)
