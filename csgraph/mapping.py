"""Fiche records -> RDF, written directly as Turtle text, one fiche at a time.

A fiche maps to its own nodes (the action, its fundings, expenses and counts) and to nodes that
many fiches share (its structure, département, named funders, values the published lists lack).
Each fiche's part is made independently, in a worker process on big inputs; `build` then keeps
the first declaration of each shared node and drops a fiche read twice.

IRIs are minted only from slugs and hashes of normalised names, never from raw text, so fiche
text can only ever become an escaped literal; minted local names are safe Turtle prefixed names
(`[a-z0-9-]`, no dash at either end). Same records in, same text out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

from csgraph.fields import CONCEPT_FIELDS, LITERAL_FIELDS, TEXT_FIELDS
from csgraph.model import Fiche, Notice
from csgraph.names import label_key, name_key, slug
from csgraph.turtle import Triple, paragraphs, shorten
from csgraph.vocabulary import CSG, PREFIXES, Concept, Vocabulary, concept_namespace, expanded

OTHER_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRAILING_DOTS = re.compile(r"[\s.…]+$")
TO_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f]')  # most values (titles, names) hold none: one scan

FUNDER_CATEGORIES = ("Usagers", "Autofinancement")
TITLE = expanded("dcterms:title")
AMOUNT, SOURCE_FILE, SOURCE_LINE, ORGANISER, YEAR, FUNDER_TYPE = (
    f"{CSG}{local}"
    for local in ("budgetTotal", "sourceFile", "sourceLine", "organiser", "year", "funderType")
)
CONCEPT_PROPERTIES = {spec.name: expanded(str(spec.property)) for spec in CONCEPT_FIELDS}


class ActionFacts(NamedTuple):
    """What an action's row in the lists is made of: its values by property IRI, with its contributions'
    funder types under FUNDER_TYPE (None for one of no stated type), and its free texts in the fiche's
    order, joined by newlines, in UTF-8. The mapping gives them as it writes the action, so that the build's
    indexes need not read a national graph back out of the store; read from a store
    (`action_index.store_facts`), they are the same.
    """

    iri: str
    values: Mapping[str, Collection[str | None]]
    texts: bytes


def facts_record(facts: ActionFacts) -> bytes:
    """A JSON line of the IRI, the values and the texts' length, then the texts as they are: made in the
    worker, written as it is by the build, read back by `action_index.read_facts`. The texts are most of
    the bytes, and as JSON strings they were decoded and encoded again for nothing (100k actions: 4 s)."""
    iri, values, texts = facts
    header = [iri, {name: list(found) for name, found in values.items()}, len(texts)]
    return json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + texts


def joined_texts(fiche: Fiche) -> bytes:
    """The fiche's free texts in the form's order, joined by newlines, in UTF-8: as ActionFacts holds them."""
    texts = [fiche.texts[spec.name] for spec in TEXT_FIELDS if spec.name in fiche.texts]
    return "\n".join(texts).encode("utf-8")


def text(value: str, language: str | None = "fr") -> str:
    """A string literal; every control character escaped, so any text round-trips."""
    if TO_ESCAPE.search(value):
        value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        value = value.replace("\t", "\\t")
        if OTHER_CONTROLS.search(value):
            value = OTHER_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04X}", value)
    escaped = f'"{value}"'
    return f"{escaped}@{language}" if language else escaped


def boolean(value: bool) -> str:
    return "true" if value else "false"


def decimal(value: Decimal) -> str:
    """XSD 1.1 canonical xsd:decimal (`8000`, `0.4`), as Oxigraph writes it: a graph read back from a
    store compares equal to the Turtle it came from. Turtle's bare form needs a point."""
    lexical = decimal_lexical(value)
    return lexical if "." in lexical else f'"{lexical}"^^xsd:decimal'


def decimal_lexical(value: Decimal) -> str:
    return format(value.normalize(), "f")


def short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def local_name(label: str, limit: int = 60) -> str:
    """A readable IRI local part; long names are cut and made unique with a hash.

    A name with no Latin letter or digit (`Ωμέγα`, `中文`) has no slug: its hash names it, so that two
    such names never share one node.
    """
    name = slug(label) or f"x-{short_hash(label.strip())}"
    return name if len(name) <= limit else f"{name[:limit].rstrip('-')}-{short_hash(name)}"


def structure_key(fiche: Fiche) -> str:
    """One structure per (normalised name, département)."""
    return structure_local(fiche.structure or "", fiche.departement_code)


def structure_local(name: str, departement_code: str | None) -> str:
    """The structure's IRI local part, shared by its fiches and its SENACS page: they meet on it."""
    return f"{departement_code or 'xx'}-{local_name(name, 80)}"


def action_key(fiche: Fiche) -> str:
    """The same title and structure read twice is one action; untitled fiches are keyed by content."""
    if fiche.title:
        basis = label_key(fiche.title)
    else:
        basis = "\x1e".join(f"{name}={value}" for name, value in sorted(fiche.texts.items()))
    return f"{local_name(fiche.title or 'sans-titre')}-{short_hash(basis, structure_key(fiche))}"


class Shared(NamedTuple):
    """A node many fiches name: the first fiche to name it declares it (and raises its notice, if any)."""

    kind: str  # structure, departement, funder, concept
    node: str
    turtle: bytes  # UTF-8, as written: encoded once, in the worker
    triples: int
    notice: Notice | None = None
    label: str = ""  # a structure as the build's report names it: `NAME (62)`, or its name alone


class FicheGraph(NamedTuple):
    """One fiche's part of the graph, as Turtle paragraphs, and what the build's summary counts.

    Named tuples: a worker process sends them back faster than dataclasses (unpickling is the main cost).
    """

    key: str
    file: str
    line: int
    turtle: bytes  # UTF-8, as written: encoded once, in the worker
    triples: int
    shared: tuple[Shared, ...]
    partners: frozenset[str]  # label keys
    keywords: frozenset[str]
    facts: bytes  # the action's facts_record (b"" when not asked for): the build writes it to a file


def shared(kind: str, triples: list[Triple], notice: Notice | None = None) -> Shared:
    return Shared(kind, triples[0][0], paragraphs(triples).encode("utf-8"), len(triples), notice)


def organisation(node: str, kind: str, name: str) -> list[Triple]:
    """Structures and named funders alike are W3C ORG organisations with a name."""
    return [(node, "a", kind), (node, "a", "org:Organization"), (node, "skos:prefLabel", text(name))]


# The shared nodes of a fiche are mostly ones its structure's other fiches declared already: made once
# per distinct input (pure functions), and sent back to the main process once per file.
@lru_cache(maxsize=1 << 14)
def structure_node(node: str, name: str, departement_code: str | None) -> Shared:
    triples = organisation(node, "csg:Structure", name)
    if departement_code:
        triples.append((node, "csg:departement", f"departement:{departement_code}"))
    label = f"{name} ({departement_code})" if departement_code else name
    return shared("structure", triples)._replace(label=label)


@lru_cache(maxsize=256)
def departement_node(code: str, name: str) -> Shared:
    node = f"departement:{code}"
    triples = [(node, "a", "csg:Departement"), (node, "skos:prefLabel", text(name))]
    triples.append((node, "skos:notation", text(code, None)))
    return shared("departement", triples)


@lru_cache(maxsize=1 << 12)
def funder_node(node: str, name: str, funder_type: str) -> Shared:
    triples = organisation(node, "csg:Funder", name)
    triples.append((node, "csg:funderType", funder_type))
    return shared("funder", triples)


@dataclass
class Mapper:
    """Maps fiches one by one; remembers concept lookups, which repeat on every fiche."""

    vocabulary: Vocabulary
    concepts: dict[tuple[str, str], tuple[Concept, str]] = field(default_factory=dict)

    def fiche_graph(self, fiche: Fiche, with_facts: bool = True) -> FicheGraph:
        """The fiche's part of the graph, and its action's facts line when the build keeps them."""
        key = action_key(fiche)
        action = f"action:{key}"
        own: list[Triple] = [(action, "a", "csg:Action")]
        common: list[Shared] = []
        facts: dict[str, set[str | None]] = {
            SOURCE_FILE: {fiche.source.file},
            SOURCE_LINE: {str(fiche.source.line)},
        }
        if fiche.title:
            own.append((action, "dcterms:title", text(fiche.title)))
            facts[TITLE] = {fiche.title}
        own.append((action, "csg:sourceFile", text(fiche.source.file, None)))
        own.append((action, "csg:sourceLine", str(fiche.source.line)))
        own.append((action, "csg:layout", text(fiche.layout, None)))
        own.append((action, "csg:truncated", boolean(fiche.truncated)))
        if fiche.year:
            own.append((action, "csg:year", f'"{fiche.year}"^^xsd:gYear'))
            facts[YEAR] = {str(fiche.year)}
        for spec in LITERAL_FIELDS:
            value = getattr(fiche, spec.name)
            for item in (value,) if isinstance(value, str) else value or ():
                own.append((action, spec.property, text(item, spec.language)))
        for spec in TEXT_FIELDS:
            if spec.name in fiche.texts:
                own.append((action, spec.property, text(fiche.texts[spec.name], spec.language)))
        if fiche.structure:
            structure = f"structure:{structure_key(fiche)}"
            own.append((action, "csg:organiser", structure))
            facts[ORGANISER] = {f"{PREFIXES['structure']}{structure_key(fiche)}"}
            common.extend(self._structure(structure, fiche))
        for spec in CONCEPT_FIELDS:
            values = getattr(fiche, spec.name)
            linked: set[str] = set()  # `Viellissement` and `Vieillissement` are one concept, one triple
            for value in (values,) if isinstance(values, str) else values or ():
                concept, node = self._concept(spec.scheme, value, fiche, spec.name, common)
                if node not in linked:
                    linked.add(node)
                    own.append((action, spec.property, node))
                    facts.setdefault(CONCEPT_PROPERTIES[spec.name], set()).add(concept.iri)
        self._money(action, key, fiche, own, common, facts)
        return FicheGraph(
            key,
            fiche.source.file,
            fiche.source.line,
            paragraphs(own).encode("utf-8"),
            len(own),
            tuple(common),
            frozenset(map(label_key, fiche.partners)),
            frozenset(map(label_key, fiche.keywords)),
            facts_record(ActionFacts(f"{PREFIXES['action']}{key}", facts, joined_texts(fiche)))
            if with_facts
            else b"",
        )

    def _structure(self, structure: str, fiche: Fiche) -> Iterator[Shared]:
        code = fiche.departement_code
        yield structure_node(structure, fiche.structure or "", code)
        if code:
            yield departement_node(code, fiche.departement or "")

    def _concept(
        self, scheme: str, value: str, fiche: Fiche, attribute: str, common: list[Shared]
    ) -> tuple[Concept, str]:
        """The concept and its node; a value the published list lacks is declared as an unlisted concept."""
        found = self.concepts.get((scheme, value))
        if found is None:
            concept = find_concept(self.vocabulary, scheme, value)
            found = self.concepts[scheme, value] = (concept, shorten(concept.iri))
        concept, node = found
        if not concept.listed:
            line = fiche.field_lines.get(attribute, fiche.source.line)
            message = f"`{value}` is not in the {scheme} list; kept as a new concept"
            label = unlisted_label(concept.label)
            triples = [
                (node, "a", "skos:Concept"),
                (node, "a", "csg:UnlistedConcept"),
                (node, "skos:prefLabel", text(label)),
                (node, "skos:inScheme", shorten(concept.scheme_iri)),
            ]
            common.append(shared("concept", triples, Notice(fiche.source.file, line, message)))
            if concept.label != label:  # `Autres ..`, as this fiche wrote it
                spelling = [(node, "skos:altLabel", text(concept.label))]
                common.append(Shared("spelling", f"{node} {concept.label}", paragraphs(spelling).encode(), 1))
        return found

    def _money(
        self,
        action: str,
        key: str,
        fiche: Fiche,
        own: list[Triple],
        common: list[Shared],
        facts: dict[str, set[str | None]],
    ) -> None:
        money = fiche.money
        if money.budget_total is not None:
            own.append((action, "csg:budgetTotal", decimal(money.budget_total)))
            facts[AMOUNT] = {decimal_lexical(money.budget_total)}
        if money.flags:
            own.append((action, "csg:amountsDisagree", boolean(True)))
        for index, funding in enumerate(money.funding, start=1):
            node = f"funding:{key}-{index}"
            own.append((node, "a", "schema:MonetaryGrant"))
            own.append((node, "schema:fundedItem", action))
            own.append((node, "schema:amount", decimal(funding.amount)))
            own.append((node, "schema:currency", text("EUR", None)))
            own.append((node, "csg:sourceText", text(funding.line)))
            own.append((node, "csg:funderCount", str(len(funding.funders))))
            if funding.written:  # `subvention 7000` names no funder: no label, no type, a count of 0
                own.append((node, "rdfs:label", text(funding.written)))
            types: set[str | None] = set()
            for funder in funding.funders:
                if not funder.type:
                    continue
                scheme = "funder-category" if funder.type in FUNDER_CATEGORIES else "partner"
                concept, funder_type = self._concept(scheme, funder.type, fiche, "resources", common)
                types.add(concept.iri)
                if (node, "csg:funderType", funder_type) not in own:
                    own.append((node, "csg:funderType", funder_type))
                if scheme == "partner" and self._named(funder.name, concept):
                    named = f"funder:{local_name(funder.name)}"
                    own.append((node, "schema:funder", named))
                    common.append(funder_node(named, funder.name, funder_type))
            facts.setdefault(FUNDER_TYPE, set()).update(types or {None})
        for index, expense in enumerate(money.expenses, start=1):
            node = f"action:{key}-expense-{index}"
            own.append((action, "csg:expense", node))
            own.append((node, "rdfs:label", text(expense.label)))
            own.append((node, "schema:amount", decimal(expense.amount)))
            own.append((node, "csg:sourceText", text(expense.line)))
        for index, people in enumerate(money.people, start=1):
            node = f"action:{key}-people-{index}"
            own.append((action, "csg:peopleCount", node))
            own.append((node, "csg:role", text(people.role, None)))
            own.append((node, "csg:count", decimal(people.count)))
            own.append((node, "csg:approximate", boolean(people.approximate)))
            own.append((node, "csg:sourceText", text(people.line)))

    def _named(self, funder: str, funder_type: Concept) -> bool:
        """A funder named beyond its type (`Fondation Crédit Mutuel`) is an organisation of its own."""
        return not (
            not any(char.isalnum() for char in funder)
            or label_key(funder) == label_key(funder_type.label)
            or find_concept(self.vocabulary, "partner", funder).listed
        )


def unlisted_label(written: str) -> str:
    """The label of a value the lists lack, whichever fiche names it first: without trailing dots.

    `Autres ...` and `Autres ..` are one concept (one slug); it is labelled `Autres`, not with the spelling
    of the first fiche read, and each spelling written stays on it as a skos:altLabel.
    """
    return TRAILING_DOTS.sub("", written) or written


def find_concept(vocabulary: Vocabulary, scheme: str, label: str) -> Concept:
    """The concept a fiche means by `label`.

    The vocabulary cannot name a label without a Latin letter or digit (`Ωμέγα`, `中文`); such a value
    is kept as an unlisted concept named by its hash rather than failing the whole build.
    """
    if name_key(label):
        return vocabulary.lookup(scheme, label)
    return Concept(concept_namespace(scheme) + local_name(label), label.strip(), scheme, listed=False)


@cache
def mapper() -> Mapper:
    """One per process: worker processes each make their own."""
    return Mapper(Vocabulary.load())
