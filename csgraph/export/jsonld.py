"""JSON-LD: graph.jsonld, compact under the published context (ontology/jsonld-context.json), node by node."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from json.encoder import encode_basestring
from pathlib import Path

import pyoxigraph as ox

from csgraph.errors import CsgraphError
from csgraph.export.nodes import RDF_TYPE, XSD, Consumer, Properties, Sink, Term, node_key
from csgraph.export.sorting import SortedGraph
from csgraph.resources import project_file
from csgraph.vocabulary import BASE, PREFIXES
from csgraph.writing import atomic_write

FILE = "graph.jsonld"

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

    def node(self, subject: str, properties: Properties) -> dict[str, object]:
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
    def file(self, path: Path) -> Iterator[Consumer]:
        """Write nodes to `path` one at a time, as the returned callable gets them.

        The bytes are those of json.dumps(ensure_ascii=False, indent=1) on the whole document.
        """
        head = json.dumps({"@context": self.context}, ensure_ascii=False, indent=1).removesuffix("\n}")
        with atomic_write(path) as stream:
            stream.write(f'{head},\n "@graph": ['.encode())
            written = 0

            def write_node(subject: str, properties: Properties) -> None:
                nonlocal written
                separator = ",\n  " if written else "\n  "
                stream.write((separator + indented(self.node(subject, properties), "  ")).encode())
                written += 1

            yield write_node
            stream.write(b"\n ]\n}\n" if written else b"]\n}\n")


def indented(value: object, indent: str) -> str:
    """json.dumps(value, ensure_ascii=False, indent=1) nested `indent` deep, twice as fast.

    json's C encoder cannot indent, and its Python one would take half the time of a national export.
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


@contextlib.contextmanager
def write(graph: SortedGraph, out_dir: Path) -> Iterator[Sink]:
    """graph.jsonld, one node per subject of the pass."""
    with JsonLdWriter(jsonld_context()).file(out_dir / FILE) as write_node:
        yield Sink(write_node)
