"""What the site's pages say, as library answers: a few SPARQL queries per thing, values bound.

A page is a view of these answers, so a test can ask this module and the page for the same number.
Queries touch one node's neighbourhood and stop after `SHOWN` rows where a neighbourhood can be big (a
keyword of a national graph has thousands of actions; the full list is the actions page's job). What
needs a scan of every action (the home page's counts, every concept's count per département) is
`Tally.scan`, run once per process by the site. Values reach query text only as terms that pyoxigraph
built and serialises (`<iri>`, escaped literals), from IRIs the site has validated.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from string import Template

import pyoxigraph as ox

from csgraph.export.jsonld import JsonLdWriter, jsonld_context
from csgraph.export.nodes import grouped
from csgraph.fields import CONCEPT_FIELDS, FIELDS, LITERAL_FIELDS
from csgraph.fields import TEXT_FIELDS as FICHE_TEXTS
from csgraph.names import slug
from csgraph.vocabulary import BASE, CSG, PREFIXES, SKOS, expanded

Term = ox.NamedNode | ox.BlankNode | ox.Literal


Row = dict[str, Term]

SCHEMA = PREFIXES["schema"]

DCTERMS = PREFIXES["dcterms"]

RDFS = PREFIXES["rdfs"]

RDF_TYPE = PREFIXES["rdf"] + "type"

HEADER = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())

SHOWN = 100  # rows of a list shown on a page before it points to the actions page

TOP = 10  # concepts named in a "top" list

# How an action reaches the concepts of each kind (the fields declared with a scheme); the funder type is
# the type of one of its grants.
DIRECT_LINKS = tuple(expanded(spec.property).removeprefix(CSG) for spec in CONCEPT_FIELDS if spec.property)

FUNDER_TYPE = CSG + "funderType"

LINK_PATHS = {CSG + name: f"csg:{name}" for name in DIRECT_LINKS} | {
    FUNDER_TYPE: "^schema:fundedItem/csg:funderType"
}

# Property labels the ontology does not declare (Dublin Core terms).
EXTRA_LABELS = {
    DCTERMS + "title": ("titre", "title"),
    DCTERMS + "abstract": ("résumé", "summary"),
    DCTERMS + "description": ("description", "description"),
    RDF_TYPE: ("type", "type"),
    SKOS + "prefLabel": ("nom", "name"),
    SKOS + "altLabel": ("autre nom", "other name"),
    SKOS + "notation": ("code", "code"),
    SKOS + "inScheme": ("liste", "scheme"),
    SKOS + "definition": ("définition", "definition"),
    RDFS + "label": ("libellé", "label"),
    SCHEMA + "amount": ("montant", "amount"),
    SCHEMA + "funder": ("financeur", "funder"),
    SCHEMA + "fundedItem": ("action financée", "funded action"),
    SCHEMA + "currency": ("monnaie", "currency"),
}

MONEY_TEXTS = ("resources", "people")  # shown beside the figures read from them, not with the other texts

# The order of an action's fields on its page, as the form declares them; others follow by IRI.
ACTION_FIELDS = (
    CSG + "organiser",
    CSG + "year",
    *(expanded(spec.property) for spec in FIELDS if spec.property and spec.kind != "text"),
    *(expanded(spec.property) for spec in LITERAL_FIELDS if spec.kind == "text"),
)

TEXT_FIELDS = tuple(
    expanded(spec.property) for spec in FICHE_TEXTS if spec.property and spec.name not in MONEY_TEXTS
)

MONEY_FIELDS = tuple(
    CSG + name
    for name in ("resourcesText", "peopleText", "budgetTotal", "amountsDisagree", "expense", "peopleCount")
)

SOURCE_FIELDS = tuple(CSG + name for name in ("sourceFile", "sourceLine", "layout", "truncated"))

OWNED = (CSG + "expense", CSG + "peopleCount")  # nodes minted under an action's IRI, part of its description


def select(store: ox.Store, query: str, **values: Term) -> list[Row]:
    """Rows of a SELECT; `$name` in the query text becomes the serialised term `values[name]`."""
    text = HEADER + Template(query).substitute({name: str(term) for name, term in values.items()})
    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    return [{name: solution[name] for name in names if solution[name] is not None} for solution in solutions]


def node_list(iris: Iterable[str]) -> str:
    """`<a> <b>` for a VALUES block, each IRI checked by pyoxigraph."""
    return " ".join(str(ox.NamedNode(iri)) for iri in sorted(set(iris)))


def count_of(store: ox.Store, pattern: str) -> int:
    return integer(select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0].get("n"))


def integer(term: Term | None) -> int:
    return int(term.value) if term is not None else 0


def amount(term: Term | None) -> Decimal | None:
    try:
        return Decimal(term.value) if term is not None else None
    except ArithmeticError:
        return None


def local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def kind_of(iri: str) -> str:
    """The first path segment of a project IRI (`keyword`, `action`, …), "" for other IRIs."""
    return iri[len(BASE) :].split("/", 1)[0] if iri.startswith(BASE) and "/" in iri[len(BASE) :] else ""


@dataclass(frozen=True, order=True)
class Ref:
    """A node as a page names it: its label (French, as the data has it) and its IRI."""

    label: str
    iri: str


@dataclass(frozen=True)
class Counted:
    ref: Ref
    count: int


def property_labels(store: ox.Store) -> dict[str, tuple[str, str]]:
    """French and English names of the properties, from the ontology the graph carries."""
    rows = select(
        store,
        """SELECT ?p ?fr ?en WHERE {
            VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty }
            ?p a ?kind .
            OPTIONAL { ?p rdfs:label ?fr FILTER(LANG(?fr) = "fr") }
            OPTIONAL { ?p rdfs:label ?en FILTER(LANG(?en) = "en") }
        }""",
    )
    names = dict(EXTRA_LABELS)
    for row in rows:
        name = local_name(row["p"].value)
        names[row["p"].value] = (row.get("fr", ox.Literal(name)).value, row.get("en", ox.Literal(name)).value)
    return names


LABEL_QUERY = """SELECT ?x ?p ?label WHERE {
    VALUES ?x { $nodes }
    ?x ?p ?label FILTER(?p IN (skos:prefLabel, dcterms:title, rdfs:label, skos:notation)) }"""

LABEL_ORDER = (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label", SKOS + "notation")


def labels(store: ox.Store, iris: Iterable[str]) -> dict[str, str]:
    """A name for each node: French prefLabel, title, label or code, else its local name."""
    wanted = sorted({iri for iri in iris if iri})
    found: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in select(store, LABEL_QUERY.replace("$nodes", node_list(chunk))):
            label = row["label"]
            rank = (LABEL_ORDER.index(row["p"].value), 0 if getattr(label, "language", "fr") == "fr" else 1)
            iri = row["x"].value
            if iri not in found or rank < found[iri][:2]:
                found[iri] = (*rank, label.value)
    return {iri: found[iri][2] if iri in found else local_name(iri) for iri in wanted}


def refs(store: ox.Store, iris: Iterable[str]) -> list[Ref]:
    return sorted(Ref(label, iri) for iri, label in labels(store, iris).items())


@dataclass(frozen=True)
class Value:
    """One value of a field: a link to a node (with its label) or a literal as written."""

    text: str
    iri: str | None = None
    datatype: str | None = None


@dataclass
class Properties:
    """A node's own triples, grouped by property, objects named."""

    iri: str
    values: dict[str, list[Value]]
    types: list[str]

    def first(self, predicate: str) -> str | None:
        found = self.values.get(predicate)
        return found[0].text if found else None

    def links(self, predicate: str) -> list[Ref]:
        return sorted(Ref(value.text, value.iri) for value in self.values.get(predicate, []) if value.iri)


def properties(store: ox.Store, iri: str) -> Properties | None:
    """The node's outbound triples with the labels of the nodes they name; None when it has none."""
    triples = list(store.quads_for_pattern(ox.NamedNode(iri), None, None))
    if not triples:
        return None
    named = labels(store, (q.object.value for q in triples if isinstance(q.object, ox.NamedNode)))
    values: dict[str, list[Value]] = defaultdict(list)
    types = []
    for quad in sorted(triples, key=lambda quad: (quad.predicate.value, str(quad.object))):
        value = quad.object
        if quad.predicate.value == RDF_TYPE:
            types.append(value.value)
        if isinstance(value, ox.NamedNode):
            values[quad.predicate.value].append(Value(named[value.value], value.value))
        elif isinstance(value, ox.Literal):
            values[quad.predicate.value].append(Value(value.value, datatype=value.datatype.value))
    return Properties(iri, dict(values), types)


def typed(store: ox.Store, iri: str, kind: str) -> Properties | None:
    """The node's properties when it is of the class `csg:KIND`."""
    node = properties(store, iri)
    return node if node is not None and CSG + kind in node.types else None


KIND_PATTERNS = {
    "action": "?x a csg:Action",
    "structure": "?x a csg:Structure",
    "departement": "?x a csg:Departement",
    "funder": "?x a csg:Funder",
    "funding": "?x a schema:MonetaryGrant",
    "scheme": "?x a skos:ConceptScheme",
}


def kind_pattern(kind: str) -> str:
    """What the things of a kind are: a class, or membership of the concept scheme of that name."""
    return KIND_PATTERNS.get(kind) or f"?x skos:inScheme {ox.NamedNode(BASE + 'scheme/' + kind)}"


def names(store: ox.Store, kind: str) -> list[Ref]:
    """Every thing of a kind with one label, for near matches."""
    rows = select(
        store,
        f"""SELECT ?x (SAMPLE(?name) AS ?label) WHERE {{
            {kind_pattern(kind)}
            OPTIONAL {{ ?x skos:prefLabel|dcterms:title|rdfs:label ?name }}
        }} GROUP BY ?x""",
    )
    return sorted(
        Ref(row.get("label", ox.Literal(local_name(row["x"].value))).value, row["x"].value) for row in rows
    )


def near(things: list[Ref], name: str, limit: int = 5) -> list[Ref]:
    """The things whose local name or label is closest to `name` (difflib), best first."""
    by_key: dict[str, Ref] = {}
    for thing in things:
        by_key.setdefault(local_name(thing.iri), thing)
        by_key.setdefault(slug(thing.label), thing)
    wanted = slug(name) or name
    matches = difflib.get_close_matches(wanted, list(by_key), n=limit * 3, cutoff=0.5)
    return list(dict.fromkeys(by_key[match] for match in matches))[:limit]


def description(store: ox.Store, iri: str) -> list[ox.Triple]:
    """The node's concise bounded description: its triples, and those of the blank nodes and the owned nodes
    (an action's expenses and people counts, minted under its IRI) they lead to."""
    triples: list[ox.Triple] = []
    pending: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
    seen: set[str] = set()
    while pending:
        subject = pending.pop()
        if str(subject) in seen:
            continue
        seen.add(str(subject))
        for quad in store.quads_for_pattern(subject, None, None):
            triples.append(quad.triple)
            value = quad.object
            if isinstance(value, ox.BlankNode) or (
                isinstance(value, ox.NamedNode) and quad.predicate.value in OWNED
            ):
                pending.append(value)
    return sorted(
        set(triples), key=lambda triple: (str(triple.subject), str(triple.predicate), str(triple.object))
    )


def turtle(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def jsonld(triples: list[ox.Triple]) -> str:
    """JSON-LD under the published context, written by the export's own writer (same terms, same shapes)."""
    writer = JsonLdWriter(jsonld_context())
    nodes = [writer.node(subject, found) for subject, found in grouped(triples)]
    return json.dumps({"@context": writer.context, "@graph": nodes}, ensure_ascii=False, indent=1) + "\n"
