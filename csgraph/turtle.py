"""Turtle text: the project's prefixes, terms, and paragraphs of triples grouped by subject.

The mapping writes its triples as Turtle terms straight away (prefixed names, escaped literals,
the short forms of numbers and booleans), and `build` sends the same text to graph.ttl and to the
store's loader: no Python object per triple and no second serialisation, which is where a naive
pipeline spends its time on national exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from csgraph.errors import CsgraphError
from csgraph.vocabulary import PREFIXES, ontology_files

Triple = tuple[str, str, str]  # subject, predicate, object, each a Turtle term

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
TYPED = re.compile(r'^(".*")\^\^<([^>]*)>$', re.DOTALL)
XSD = PREFIXES["xsd"]
# Turtle's own short forms for numbers and booleans, used where the lexical form allows them.
SHORTHANDS = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}
NAMESPACES = {iri: name for name, iri in PREFIXES.items()}
NEXT_PREDICATE = " ;\n\t"
HEADER = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in sorted(PREFIXES.items()))


def paragraphs(triples: Iterable[Triple]) -> str:
    """One paragraph per subject, in order of first appearance: `a` first, then each predicate's objects."""
    by_subject: dict[str, dict[str, list[str]]] = {}
    for subject, predicate, value in triples:
        by_subject.setdefault(subject, {}).setdefault(predicate, []).append(value)
    parts = []
    for subject, objects in by_subject.items():
        types = objects.pop("a", None)
        lines = [f"{predicate} {' , '.join(values)}" for predicate, values in objects.items()]
        if types:
            lines.insert(0, f"a {' , '.join(types)}")
        parts.append(f"\n{subject} {NEXT_PREDICATE.join(lines)} .\n")
    return "".join(parts)


def shorten(iri: str) -> str:
    """`prefix:local` when a known namespace (each ends in `/` or `#`) ends right before a safe local."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    name = NAMESPACES.get(iri[:cut])
    if name is None or not SAFE_LOCAL.fullmatch(iri[cut:]):
        return f"<{iri}>"
    return f"{name}:{iri[cut:]}"


def from_ntriples(term: str) -> str:
    """An N-Triples term (as Oxigraph prints terms) in its Turtle short form."""
    if term.startswith("<"):
        return shorten(term[1:-1])
    typed = TYPED.match(term)
    if typed:
        lexical, datatype = typed.group(1)[1:-1], typed.group(2)
        shorthand = SHORTHANDS.get(datatype)
        if shorthand and shorthand.fullmatch(lexical):
            return lexical
        return f"{typed.group(1)}^^{shorten(datatype)}"
    return term


def ontology_paragraphs() -> Iterator[tuple[str, int]]:
    """The vocabulary and concept schemes (ontology/) as Turtle paragraphs, with their triple counts."""
    for file in ontology_files():
        triples = []
        for triple in ox.parse(path=str(file), format=ox.RdfFormat.TURTLE):
            if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
                raise CsgraphError(f"{file.name}: blank nodes would make builds differ; name every node")
            predicate = "a" if str(triple.predicate) == RDF_TYPE else from_ntriples(str(triple.predicate))
            triples.append((from_ntriples(str(triple.subject)), predicate, from_ntriples(str(triple.object))))
        yield paragraphs(triples), len(triples)
