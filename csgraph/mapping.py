"""Fiche records -> RDF, written directly as N-Triples lines.

Text goes straight to the Rust loader in bulk: building one Python object per triple is
where a naive pipeline spends its time on national exports. IRIs are minted only from
slugs and hashes of normalised names, never from raw text, so fiche text can only ever
become an escaped literal. Same records in, same lines out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from csgraph.departements import name_key
from csgraph.fiches import label_key
from csgraph.model import Fiche, Notice
from csgraph.vocabulary import CSG, PREFIXES, Concept, Vocabulary, concept_namespace, slug

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = PREFIXES["schema"]
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

OTHER_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CONCEPT_FIELDS = (
    ("status", "status", "status"),
    ("dimension", "dimension", "dimension"),
    ("keywords", "keyword", "keyword"),
    ("initiatives", "initiative", "initiative"),
    ("publics", "public", "public"),
    ("territories", "territory", "territoryScale"),
    ("partners", "partner", "partnerType"),
    ("themes", "theme", "theme"),
)
TEXT_PROPERTIES = {
    "summary": DCTERMS + "abstract",
    "description": DCTERMS + "description",
    "experience": CSG + "experience",
    "initiative_detail": CSG + "initiativeDetail",
    "resources": CSG + "resourcesText",
    "people": CSG + "peopleText",
    "result_territory": CSG + "resultTerritory",
    "result_centre": CSG + "resultCentre",
    "result_inhabitants": CSG + "resultInhabitants",
    "limits": CSG + "limits",
    "perspectives": CSG + "perspectives",
    "diagnosis": CSG + "diagnosis",
    "impacts": CSG + "impacts",
    "success_factors": CSG + "successFactors",
}
FUNDER_CATEGORIES = ("Usagers", "Autofinancement")


def iri(value: str) -> str:
    return f"<{value}>"


def text(value: str, language: str | None = "fr") -> str:
    """An N-Triples literal; every control character escaped, so any text round-trips."""
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    value = value.replace("\t", "\\t")
    if OTHER_CONTROLS.search(value):
        value = OTHER_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04X}", value)
    escaped = f'"{value}"'
    return f"{escaped}@{language}" if language else escaped


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def boolean(value: bool) -> str:
    return typed(str(value).lower(), "boolean")


def decimal(value: Decimal) -> str:
    """XSD 1.1 canonical xsd:decimal (`8000`, `0.4`), as Oxigraph writes it: a graph read back from a
    store compares equal to the Turtle it came from."""
    return typed(format(value.normalize(), "f"), "decimal")


def short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def local_name(label: str, limit: int = 60) -> str:
    """A readable IRI local part; long names are cut and made unique with a hash.

    A name with no Latin letter or digit (`Ωμέγα`, `中文`) has no slug: its hash names it, so that two
    such names never share one node.
    """
    name = slug(label) or f"x-{short_hash(label.strip())}"
    return name if len(name) <= limit else f"{name[:limit].rstrip('-')}-{short_hash(name)}"


def find_concept(vocabulary: Vocabulary, scheme: str, label: str) -> Concept:
    """The concept a fiche means by `label`.

    The vocabulary cannot name a label without a Latin letter or digit (`Ωμέγα`, `中文`); such a value
    is kept as an unlisted concept named by its hash rather than failing the whole build.
    """
    if name_key(label):
        return vocabulary.lookup(scheme, label)
    return Concept(concept_namespace(scheme) + local_name(label), label.strip(), scheme, listed=False)


def organisation(node: str, kind: str, name: str) -> Iterator[str]:
    """Structures and named funders alike are W3C ORG organisations with a name."""
    yield f"{node} {RDF_TYPE} {iri(CSG + kind)} ."
    yield f"{node} {RDF_TYPE} {iri(PREFIXES['org'] + 'Organization')} ."
    yield f"{node} {iri(SKOS + 'prefLabel')} {text(name)} ."


def structure_key(fiche: Fiche) -> str:
    """One structure per (normalised name, département)."""
    return f"{fiche.departement_code or 'xx'}-{local_name(fiche.structure or '', 80)}"


def action_key(fiche: Fiche) -> str:
    """The same title and structure read twice is one action; untitled fiches are keyed by content."""
    if fiche.title:
        basis = label_key(fiche.title)
    else:
        basis = "\x1e".join(f"{name}={value}" for name, value in sorted(fiche.texts.items()))
    return f"{local_name(fiche.title or 'sans-titre')}-{short_hash(basis, structure_key(fiche))}"


@dataclass
class GraphWriter:
    """Accumulates the triples of many fiches; remembers what was already declared."""

    vocabulary: Vocabulary
    notices: list[Notice]
    seen_actions: dict[str, Fiche] = field(default_factory=dict)
    structures: set[str] = field(default_factory=set)
    departements: set[str] = field(default_factory=set)
    unlisted: set[str] = field(default_factory=set)
    funders: set[str] = field(default_factory=set)
    concepts: dict[tuple[str, str], Concept] = field(default_factory=dict)  # lookups repeat on every fiche

    def fiche_triples(self, fiche: Fiche) -> Iterator[str]:
        key = action_key(fiche)
        first = self.seen_actions.get(key)
        if first is not None:
            self.notices.append(
                Notice(
                    fiche.source.file,
                    fiche.source.line,
                    f"same fiche as {first.source.file}:{first.source.line}; read once",
                )
            )
            return
        self.seen_actions[key] = fiche
        action = iri(PREFIXES["action"] + key)
        yield f"{action} {RDF_TYPE} {iri(CSG + 'Action')} ."
        if fiche.title:
            yield f"{action} {iri(DCTERMS + 'title')} {text(fiche.title)} ."
        yield f"{action} {iri(CSG + 'sourceFile')} {text(fiche.source.file, None)} ."
        yield f"{action} {iri(CSG + 'sourceLine')} {typed(fiche.source.line, 'integer')} ."
        yield f"{action} {iri(CSG + 'layout')} {text(fiche.layout, None)} ."
        yield f"{action} {iri(CSG + 'truncated')} {boolean(fiche.truncated)} ."
        if fiche.year:
            yield f"{action} {iri(CSG + 'year')} {typed(fiche.year, 'gYear')} ."
        if fiche.end_reason:
            yield f"{action} {iri(CSG + 'endReason')} {text(fiche.end_reason)} ."
        if fiche.published_by:
            yield f"{action} {iri(CSG + 'publishedBy')} {text(fiche.published_by)} ."
        for file_name in fiche.files:
            yield f"{action} {iri(CSG + 'associatedFile')} {text(file_name, None)} ."
        for name, prop in TEXT_PROPERTIES.items():
            if name in fiche.texts:
                yield f"{action} {iri(prop)} {text(fiche.texts[name])} ."
        if fiche.structure:
            yield from self._structure(action, fiche)
        for attribute, scheme, prop in CONCEPT_FIELDS:
            values = getattr(fiche, attribute)
            linked: set[str] = set()  # `Viellissement` and `Vieillissement` are one concept, one triple
            for value in (values,) if isinstance(values, str) else values or ():
                concept = self._concept(scheme, value, fiche, attribute)
                if concept.iri in linked:
                    continue
                linked.add(concept.iri)
                yield from self._declare_unlisted(concept)
                yield f"{action} {iri(CSG + prop)} {iri(concept.iri)} ."
        yield from self._money(action, key, fiche)

    def _structure(self, action: str, fiche: Fiche) -> Iterator[str]:
        key = structure_key(fiche)
        structure = iri(PREFIXES["structure"] + key)
        yield f"{action} {iri(CSG + 'organiser')} {structure} ."
        if key in self.structures:
            return
        self.structures.add(key)
        yield from organisation(structure, "Structure", fiche.structure or "")
        if fiche.departement_code:
            departement = iri(PREFIXES["departement"] + fiche.departement_code)
            yield f"{structure} {iri(CSG + 'departement')} {departement} ."
            if fiche.departement_code not in self.departements:
                self.departements.add(fiche.departement_code)
                yield f"{departement} {RDF_TYPE} {iri(CSG + 'Departement')} ."
                yield f"{departement} {iri(SKOS + 'prefLabel')} {text(fiche.departement or '')} ."
                yield f"{departement} {iri(SKOS + 'notation')} {text(fiche.departement_code, None)} ."

    def _concept(self, scheme: str, value: str, fiche: Fiche, attribute: str) -> Concept:
        concept = self.concepts.get((scheme, value))
        if concept is None:
            concept = self.concepts[scheme, value] = find_concept(self.vocabulary, scheme, value)
        if not concept.listed and concept.iri not in self.unlisted:
            line = fiche.field_lines.get(attribute, fiche.source.line)
            self.notices.append(
                Notice(
                    fiche.source.file, line, f"`{value}` is not in the {scheme} list; kept as a new concept"
                )
            )
        return concept

    def _declare_unlisted(self, concept: Concept) -> Iterator[str]:
        if concept.listed or concept.iri in self.unlisted:
            return
        self.unlisted.add(concept.iri)
        node = iri(concept.iri)
        scheme = iri(f"https://w3id.org/csgraph/scheme/{concept.scheme}")
        yield f"{node} {RDF_TYPE} {iri(SKOS + 'Concept')} ."
        yield f"{node} {RDF_TYPE} {iri(CSG + 'UnlistedConcept')} ."
        yield f"{node} {iri(SKOS + 'prefLabel')} {text(concept.label)} ."
        yield f"{node} {iri(SKOS + 'inScheme')} {scheme} ."

    def _money(self, action: str, key: str, fiche: Fiche) -> Iterator[str]:
        money = fiche.money
        if money.budget_total is not None:
            yield f"{action} {iri(CSG + 'budgetTotal')} {decimal(money.budget_total)} ."
        if money.flags:
            yield f"{action} {iri(CSG + 'amountsDisagree')} {boolean(True)} ."
        for index, funding in enumerate(money.funding, start=1):
            node = iri(f"{PREFIXES['funding']}{key}-{index}")
            yield f"{node} {RDF_TYPE} {iri(SCHEMA + 'MonetaryGrant')} ."
            yield f"{node} {iri(SCHEMA + 'fundedItem')} {action} ."
            yield f"{node} {iri(SCHEMA + 'amount')} {decimal(funding.amount)} ."
            yield f"{node} {iri(SCHEMA + 'currency')} {text('EUR', None)} ."
            yield f"{node} {iri(CSG + 'sourceText')} {text(funding.line)} ."
            yield f"{node} {iri(RDFS + 'label')} {text(funding.funder)} ."
            if funding.funder_type:
                scheme = "funder-category" if funding.funder_type in FUNDER_CATEGORIES else "partner"
                concept = self._concept(scheme, funding.funder_type, fiche, "resources")
                yield from self._declare_unlisted(concept)
                yield f"{node} {iri(CSG + 'funderType')} {iri(concept.iri)} ."
                if scheme == "partner":
                    yield from self._funder(node, funding.funder, concept)
        for index, expense in enumerate(money.expenses, start=1):
            node = iri(f"{PREFIXES['action']}{key}-expense-{index}")
            yield f"{action} {iri(CSG + 'expense')} {node} ."
            yield f"{node} {iri(RDFS + 'label')} {text(expense.label)} ."
            yield f"{node} {iri(SCHEMA + 'amount')} {decimal(expense.amount)} ."
            yield f"{node} {iri(CSG + 'sourceText')} {text(expense.line)} ."
        for index, people in enumerate(money.people, start=1):
            node = iri(f"{PREFIXES['action']}{key}-people-{index}")
            yield f"{action} {iri(CSG + 'peopleCount')} {node} ."
            yield f"{node} {iri(CSG + 'role')} {text(people.role, None)} ."
            yield f"{node} {iri(CSG + 'count')} {decimal(people.count)} ."
            yield f"{node} {iri(CSG + 'approximate')} {boolean(people.approximate)} ."
            yield f"{node} {iri(CSG + 'sourceText')} {text(people.line)} ."

    def _funder(self, grant: str, funder: str, funder_type: Concept) -> Iterator[str]:
        """A funder named beyond its type (`Fondation Crédit Mutuel`) is an organisation of its own."""
        generic = (
            not any(char.isalnum() for char in funder)
            or label_key(funder) == label_key(funder_type.label)
            or find_concept(self.vocabulary, "partner", funder).listed
        )
        if generic:
            return
        node = iri(PREFIXES["funder"] + local_name(funder))
        yield f"{grant} {iri(SCHEMA + 'funder')} {node} ."
        if node in self.funders:
            return
        self.funders.add(node)
        yield from organisation(node, "Funder", funder)
        yield f"{node} {iri(CSG + 'funderType')} {iri(funder_type.iri)} ."
