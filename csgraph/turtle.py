"""Turtle written straight from N-Triples lines, subject by subject, in the order they come.

`build` feeds it the vocabulary first, then each fiche's triples as the mapping makes them, so
graph.ttl reads in the order of the input files (an action, then its structure, fundings and
counts) and is written in one streaming pass, whatever the size of the export. N-Triples terms
are valid Turtle terms; IRIs under a known namespace are shortened to prefixed names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
TYPED = re.compile(r'^(".*")\^\^<([^>]*)>$', re.DOTALL)
XSD = "http://www.w3.org/2001/XMLSchema#"
# Turtle's own short forms for numbers and booleans, used where the lexical form allows them.
SHORTHANDS = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}


class TurtleWriter:
    """Writes @prefix lines once, then one Turtle block per subject of each batch of triples."""

    def __init__(self, stream: IO[bytes], prefixes: dict[str, str]) -> None:
        self.stream = stream
        self.namespaces = {iri: name for name, iri in prefixes.items()}
        header = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in sorted(prefixes.items()))
        stream.write(header.encode("utf-8"))
        self.triples = 0

    def write(self, lines: Iterable[str]) -> None:
        """Triples as N-Triples lines; a subject's triples must all come in one batch."""
        by_subject: dict[str, list[tuple[str, str]]] = {}
        for line in lines:
            subject, predicate, rest = line.split(" ", 2)
            by_subject.setdefault(subject, []).append((predicate, rest.removesuffix(" .")))
        blocks = []
        for subject, pairs in by_subject.items():
            objects: dict[str, list[str]] = {}
            for predicate, term in pairs:
                objects.setdefault(predicate, []).append(self.term(term))
            ordered = sorted(objects.items(), key=lambda item: item[0] != RDF_TYPE)
            body = " ;\n\t".join(f"{self.predicate(p)} {' , '.join(terms)}" for p, terms in ordered)
            blocks.append(f"\n{self.term(subject)} {body} .\n")
            self.triples += len(pairs)
        self.stream.write("".join(blocks).encode("utf-8"))

    def predicate(self, term: str) -> str:
        return "a" if term == RDF_TYPE else self.term(term)

    def term(self, term: str) -> str:
        if term.startswith("<"):
            return self.shorten(term[1:-1]) or term
        typed = TYPED.match(term)
        if typed:
            lexical, datatype = typed.group(1)[1:-1], typed.group(2)
            shorthand = SHORTHANDS.get(datatype)
            if shorthand and shorthand.fullmatch(lexical):
                return lexical
            return f"{typed.group(1)}^^{self.shorten(datatype) or '<' + datatype + '>'}"
        return term

    def shorten(self, iri: str) -> str | None:
        """`prefix:local` when a known namespace (each ends in `/` or `#`) ends right before a safe local."""
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        name = self.namespaces.get(iri[:cut])
        if name is None or not SAFE_LOCAL.fullmatch(iri[cut:]):
            return None
        return f"{name}:{iri[cut:]}"
