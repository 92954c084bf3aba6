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
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from string import Template

import pyoxigraph as ox

from csgraph.export.jsonld import JsonLdWriter, jsonld_context
from csgraph.export.nodes import grouped
from csgraph.names import plain, slug
from csgraph.vocabulary import BASE, CSG, PREFIXES, SKOS

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]

SCHEMA = PREFIXES["schema"]
DCTERMS = PREFIXES["dcterms"]
RDFS = PREFIXES["rdfs"]
RDF_TYPE = PREFIXES["rdf"] + "type"
HEADER = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
SHOWN = 100  # rows of a list shown on a page before it points to the actions page
TOP = 10  # concepts named in a "top" list
NETWORK_NODES = 24  # neighbours drawn around a structure

# How an action reaches the concepts of each kind; the funder type is the type of one of its grants.
DIRECT_LINKS = (
    "keyword",
    "public",
    "partnerType",
    "territoryScale",
    "dimension",
    "status",
    "initiative",
    "theme",
)
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
# The order of an action's fields on its page; others follow by IRI.
ACTION_FIELDS = tuple(
    CSG + name
    for name in (
        "organiser",
        "status",
        "endReason",
        "year",
        "dimension",
        "keyword",
        "theme",
        "initiative",
        "initiativeDetail",
        "public",
        "territoryScale",
        "partnerType",
        "publishedBy",
        "associatedFile",
    )
)
TEXT_FIELDS = (
    DCTERMS + "abstract",
    DCTERMS + "description",
    *(
        CSG + name
        for name in (
            "experience",
            "diagnosis",
            "resultTerritory",
            "resultCentre",
            "resultInhabitants",
            "impacts",
            "successFactors",
            "limits",
            "perspectives",
        )
    ),
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


@dataclass(frozen=True)
class Concept:
    ref: Ref
    scheme: str  # the scheme's key: keyword, public, partner…
    listed: bool  # in the published list, or met only in the fiches (csg:UnlistedConcept)
    english: str | None


@dataclass(frozen=True)
class Departement:
    ref: Ref
    code: str
    actions: int
    structures: int


@dataclass
class Tally:
    """Counts that need every action once: per link property, concept and département (None: unknown)."""

    actions: int
    structures: int
    departements: list[Departement]
    concepts: dict[str, Concept]
    schemes: dict[str, Ref]
    counts: dict[str, dict[str, Counter[str | None]]] = field(default_factory=dict)

    @classmethod
    def scan(cls, store: ox.Store) -> Tally:
        return cls(
            count_of(store, "?x a csg:Action"),
            count_of(store, "?x a csg:Structure"),
            scan_departements(store),
            scan_concepts(store),
            {
                row["scheme"].value: Ref(row["label"].value, row["scheme"].value)
                for row in scan_schemes(store)
            },
            scan_links(store),
        )

    def concept_count(self, link: str, concept: str) -> int:
        return sum(self.counts.get(link, {}).get(concept, Counter()).values())

    def links_to(self, concept: str) -> list[str]:
        """The properties by which actions reach this concept (a partner type can also be a funder type)."""
        return [link for link in LINK_PATHS if concept in self.counts.get(link, {})]

    def departement(self, iri: str) -> Departement | None:
        return next((departement for departement in self.departements if departement.ref.iri == iri), None)

    def presence(self, link: str, concept: str) -> tuple[list[tuple[Departement, int]], list[Departement]]:
        """The départements with actions reaching the concept (most first), and those of the graph without."""
        by_departement = self.counts.get(link, {}).get(concept, Counter())
        present = [(d, by_departement[d.ref.iri]) for d in self.departements if by_departement[d.ref.iri]]
        absent = [d for d in self.departements if not by_departement[d.ref.iri]]
        return sorted(present, key=lambda pair: (-pair[1], pair[0].code)), absent

    def top(self, link: str, departement: str | None = None, limit: int | None = TOP) -> list[Counted]:
        """Concepts reached by `link`, most actions first, in one département or everywhere."""
        counted = []
        for concept, by_departement in self.counts.get(link, {}).items():
            count = by_departement[departement] if departement else sum(by_departement.values())
            if count and concept in self.concepts:
                counted.append(Counted(self.concepts[concept].ref, count))
        counted.sort(key=lambda item: (-item.count, plain(item.ref.label), item.ref.iri))
        return counted[:limit] if limit else counted

    def missing(self, scheme: str, link: str, departement: str) -> list[Ref]:
        """Concepts of a published list that no action of the département reaches."""
        reached = self.counts.get(link, {})
        missing = [
            concept.ref
            for concept in self.concepts.values()
            if concept.scheme == scheme
            and concept.listed
            and not reached.get(concept.ref.iri, {}).get(departement)
        ]
        return sorted(missing, key=lambda ref: (plain(ref.label), ref.iri))

    def scheme_concepts(self, scheme: str) -> list[tuple[Concept, int]]:
        links = list(LINK_PATHS)
        counted = [
            (concept, max(self.concept_count(link, concept.ref.iri) for link in links))
            for concept in self.concepts.values()
            if concept.scheme == scheme
        ]
        return sorted(counted, key=lambda pair: (-pair[1], plain(pair[0].ref.label)))


def scan_departements(store: ox.Store) -> list[Departement]:
    rows = select(
        store,
        """SELECT ?d ?label ?code (COUNT(DISTINCT ?s) AS ?structures) (COUNT(?a) AS ?actions) WHERE {
            ?d a csg:Departement .
            OPTIONAL { ?d skos:prefLabel ?label }
            OPTIONAL { ?d skos:notation ?code }
            OPTIONAL { ?s csg:departement ?d OPTIONAL { ?a csg:organiser ?s } }
        } GROUP BY ?d ?label ?code""",
    )
    found = {
        row["d"].value: Departement(
            Ref(row.get("label", row["d"]).value, row["d"].value),
            row.get("code", ox.Literal(local_name(row["d"].value))).value,
            integer(row.get("actions")),
            integer(row.get("structures")),
        )
        for row in rows
    }
    return sorted(found.values(), key=lambda departement: departement.code)


def scan_concepts(store: ox.Store) -> dict[str, Concept]:
    rows = select(
        store,
        """SELECT ?c ?scheme ?label ?english ?unlisted WHERE {
            ?c skos:inScheme ?scheme .
            OPTIONAL { ?c skos:prefLabel ?label FILTER(LANG(?label) = "fr") }
            OPTIONAL { ?c skos:prefLabel ?english FILTER(LANG(?english) = "en") }
            OPTIONAL { ?c a csg:UnlistedConcept BIND(true AS ?unlisted) }
        }""",
    )
    concepts = {}
    for row in sorted(rows, key=lambda row: row["c"].value):
        iri = row["c"].value
        if iri not in concepts:
            label = row.get("label") or row.get("english") or ox.Literal(local_name(iri))
            english = row.get("english")
            scheme = local_name(row["scheme"].value)
            concepts[iri] = Concept(
                Ref(label.value, iri), scheme, "unlisted" not in row, english and english.value
            )
    return concepts


def scan_schemes(store: ox.Store) -> list[Row]:
    return select(
        store,
        """SELECT ?scheme (SAMPLE(?name) AS ?label) WHERE {
            ?scheme a skos:ConceptScheme ; skos:prefLabel ?name FILTER(LANG(?name) = "fr")
        } GROUP BY ?scheme""",
    )


def scan_links(store: ox.Store) -> dict[str, dict[str, Counter[str | None]]]:
    """Actions per (link property, concept, département): one pass over every link of every action.

    Counted twice, per département and in all, so that the actions of no known département count under
    None without an OPTIONAL join (measured at 10k fiches: 0.5 s for both passes, 1.2 s with OPTIONAL).
    The département is joined in a subquery first: 0.5 s instead of 0.9 s for the join written inline.
    """
    direct = " ".join(f"csg:{name}" for name in DIRECT_LINKS)
    located = "{ SELECT ?a ?d WHERE { ?a csg:organiser ?s . ?s csg:departement ?d } }"
    reached = {
        f"VALUES ?p {{ {direct} }} ?a ?p ?c .": "COUNT(?a)",
        "?g schema:fundedItem ?a ; csg:funderType ?c . BIND(csg:funderType AS ?p)": "COUNT(DISTINCT ?a)",
    }
    counts: dict[str, dict[str, Counter[str | None]]] = defaultdict(lambda: defaultdict(Counter))
    for pattern, counted in reached.items():
        for row in select(store, f"SELECT ?p ?c (({counted}) AS ?n) WHERE {{ {pattern} }} GROUP BY ?p ?c"):
            counts[row["p"].value][row["c"].value][None] += integer(row["n"])
        query = f"SELECT ?p ?c ?d (({counted}) AS ?n) WHERE {{ {located} {pattern} }} GROUP BY ?p ?c ?d"
        for row in select(store, query):
            by_departement = counts[row["p"].value][row["c"].value]
            by_departement[row["d"].value] += integer(row["n"])
            by_departement[None] -= integer(row["n"])
    for by_concept in counts.values():
        for by_departement in by_concept.values():
            if not by_departement[None]:
                del by_departement[None]
    return {link: dict(by_concept) for link, by_concept in counts.items()}


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


# The things of the graph, one description each


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


@dataclass(frozen=True)
class Grant:
    iri: str
    label: str
    amount: Decimal | None
    funder: Ref | None
    funder_type: Ref | None
    source_text: str | None
    action: Ref | None = None


@dataclass(frozen=True)
class Expense:
    label: str
    amount: Decimal | None
    source_text: str | None


@dataclass(frozen=True)
class People:
    role: str
    count: Decimal | None
    approximate: bool
    source_text: str | None


@dataclass
class Action:
    node: Properties
    title: str
    structure: Ref | None
    departement: Ref | None
    grants: list[Grant]
    expenses: list[Expense]
    people: list[People]

    @property
    def funded(self) -> Decimal:
        return sum((grant.amount for grant in self.grants if grant.amount is not None), Decimal(0))


GRANT_COLUMNS = """?g ?label ?amount ?funder ?funderLabel ?type ?typeLabel ?text"""
GRANT_PATTERN = """
    OPTIONAL { ?g rdfs:label ?label }
    OPTIONAL { ?g schema:amount ?amount }
    OPTIONAL { ?g schema:funder ?funder OPTIONAL { ?funder skos:prefLabel ?funderLabel } }
    OPTIONAL {
        ?g csg:funderType ?type OPTIONAL { ?type skos:prefLabel ?typeLabel FILTER(LANG(?typeLabel) = "fr") }
    }
    OPTIONAL { ?g csg:sourceText ?text }"""


def grant_of(row: Row, action: Ref | None = None) -> Grant:
    def ref(node: str, name: str) -> Ref | None:
        if node not in row:
            return None
        return Ref(row.get(name, ox.Literal(local_name(row[node].value))).value, row[node].value)

    label = row.get("label")
    return Grant(
        row["g"].value,
        label.value if label else "",
        amount(row.get("amount")),
        ref("funder", "funderLabel"),
        ref("type", "typeLabel"),
        row["text"].value if "text" in row else None,
        action,
    )


def action(store: ox.Store, iri: str) -> Action | None:
    node = typed(store, iri, "Action")
    if node is None:
        return None
    node_term = ox.NamedNode(iri)
    rows = select(
        store,
        f"SELECT DISTINCT {GRANT_COLUMNS} WHERE {{ ?g schema:fundedItem $node . {GRANT_PATTERN} }}",
        node=node_term,
    )
    grants = sorted(
        {row["g"].value: grant_of(row) for row in rows}.values(),
        key=lambda grant: (-(grant.amount or 0), grant.label, grant.iri),
    )
    owned = select(
        store,
        """SELECT ?kind ?x ?label ?amount ?role ?count ?approximate ?text WHERE {
            $node ?kind ?x FILTER(?kind IN (csg:expense, csg:peopleCount))
            OPTIONAL { ?x rdfs:label ?label } OPTIONAL { ?x schema:amount ?amount }
            OPTIONAL { ?x csg:role ?role } OPTIONAL { ?x csg:count ?count }
            OPTIONAL { ?x csg:approximate ?approximate } OPTIONAL { ?x csg:sourceText ?text }
        }""",
        node=node_term,
    )
    owned.sort(key=lambda row: ordinal(row["x"].value))
    text = {row["x"].value: row["text"].value if "text" in row else None for row in owned}
    expenses = [
        Expense(row.get("label", ox.Literal("")).value, amount(row.get("amount")), text[row["x"].value])
        for row in owned
        if row["kind"].value == CSG + "expense"
    ]
    people = [
        People(
            row.get("role", ox.Literal("")).value,
            amount(row.get("count")),
            row.get("approximate", ox.Literal("false")).value == "true",
            text[row["x"].value],
        )
        for row in owned
        if row["kind"].value == CSG + "peopleCount"
    ]
    structures = node.links(CSG + "organiser")
    structure = structures[0] if structures else None
    departement = None
    if structure:
        found = properties(store, structure.iri)
        departements = found.links(CSG + "departement") if found else []
        departement = departements[0] if departements else None
    return Action(
        node,
        node.first(DCTERMS + "title") or local_name(iri),
        structure,
        departement,
        grants,
        expenses,
        people,
    )


def ordinal(iri: str) -> tuple[str, int]:
    """`…-expense-10` after `…-expense-9`."""
    stem, _, number = iri.rpartition("-")
    return (stem, int(number)) if number.isdigit() else (iri, 0)


@dataclass(frozen=True)
class ActionLine:
    """An action in a list: title, and the year and status when the fiche gives them."""

    ref: Ref
    year: str | None = None
    structure: Ref | None = None


ACTION_COLUMNS = "?a ?title ?year ?s ?structure"
ACTION_LINE = """
    OPTIONAL { ?a dcterms:title ?title }
    OPTIONAL { ?a csg:year ?year }
    OPTIONAL { ?a csg:organiser ?s OPTIONAL { ?s skos:prefLabel ?structure } }"""


def action_lines(rows: list[Row]) -> list[ActionLine]:
    lines: dict[str, ActionLine] = {}
    for row in rows:
        iri = row["a"].value
        if iri in lines:
            continue
        structure = Ref(row.get("structure", row["s"]).value, row["s"].value) if "s" in row else None
        year = row.get("year")
        lines[iri] = ActionLine(
            Ref(row.get("title", ox.Literal(local_name(iri))).value, iri), year and year.value, structure
        )
    return sorted(lines.values(), key=lambda line: (plain(line.ref.label), line.ref.iri))


@dataclass
class Listing:
    """Up to SHOWN actions of a bigger set, and whether more exist."""

    actions: list[ActionLine]
    more: bool


def listing(store: ox.Store, pattern: str, **values: Term) -> Listing:
    """The actions matching `pattern` (binding ?a), at most SHOWN of them, sorted by title.

    Unsorted in the store and cut at SHOWN + 1, so that the cost stays that of SHOWN actions however
    many there are; the page says when there are more and links to the full, paginated list.
    """
    chosen = select(store, f"SELECT DISTINCT ?a WHERE {{ {pattern} }} LIMIT {SHOWN + 1}", **values)
    iris = [row["a"].value for row in chosen]
    if not iris:
        return Listing([], False)
    rows = select(
        store,
        f"SELECT {ACTION_COLUMNS} WHERE {{ VALUES ?a {{ {node_list(iris[:SHOWN])} }} {ACTION_LINE} }}",
    )
    return Listing(action_lines(rows), len(iris) > SHOWN)


@dataclass
class FunderTotal:
    """Money from one funder (or one funder type when the fiche names no funder) to a set of actions."""

    ref: Ref
    funder_type: Ref | None
    grants: int
    total: Decimal


def funder_totals(grants: Iterable[Grant]) -> list[FunderTotal]:
    totals: dict[str, FunderTotal] = {}
    for grant in grants:
        ref = grant.funder or grant.funder_type or Ref(grant.label or "?", grant.iri)
        entry = totals.setdefault(ref.iri, FunderTotal(ref, grant.funder_type, 0, Decimal(0)))
        entry.grants += 1
        entry.total += grant.amount or 0
    return sorted(totals.values(), key=lambda total: (-total.total, plain(total.ref.label)))


@dataclass
class Structure:
    node: Properties
    label: str
    departement: Ref | None
    action_count: int
    actions: Listing
    partner_types: list[Counted]
    keywords: list[Counted]
    publics: list[Counted]
    funders: list[FunderTotal]

    @property
    def funded(self) -> Decimal:
        return sum((funder.total for funder in self.funders), Decimal(0))


def structure(store: ox.Store, iri: str) -> Structure | None:
    node = typed(store, iri, "Structure")
    if node is None:
        return None
    term = ox.NamedNode(iri)
    actions = listing(store, "?a csg:organiser $node", node=term)
    linked = select(
        store,
        """SELECT ?p ?c (COUNT(DISTINCT ?a) AS ?n) WHERE {
            ?a csg:organiser $node ; ?p ?c FILTER(?p IN (csg:partnerType, csg:keyword, csg:public))
        } GROUP BY ?p ?c""",
        node=term,
    )
    named = labels(store, (row["c"].value for row in linked))

    def counted(link: str) -> list[Counted]:
        items = [
            Counted(Ref(named[row["c"].value], row["c"].value), integer(row["n"]))
            for row in linked
            if row["p"].value == CSG + link
        ]
        return sorted(items, key=lambda item: (-item.count, plain(item.ref.label)))

    rows = select(
        store,
        f"""SELECT DISTINCT {GRANT_COLUMNS} WHERE {{
            ?a csg:organiser $node . ?g schema:fundedItem ?a . {GRANT_PATTERN}
        }}""",
        node=term,
    )
    departements = node.links(CSG + "departement")
    return Structure(
        node,
        node.first(SKOS + "prefLabel") or local_name(iri),
        departements[0] if departements else None,
        count_of(store, f"?a csg:organiser {term}"),
        actions,
        counted("partnerType"),
        counted("keyword"),
        counted("public"),
        funder_totals({row["g"].value: grant_of(row) for row in rows}.values()),
    )


@dataclass(frozen=True)
class NetworkNode:
    ref: Ref
    role: str  # centre, partner or funder
    x: float
    y: float
    anchor: str  # where the label sits: start, middle or end


def network(item: Structure, size: int = 560) -> list[NetworkNode]:
    """The structure in the centre, its partner types and funders on a circle around it."""
    drawn: dict[str, tuple[Ref, str]] = {}
    for counted in item.partner_types:
        drawn.setdefault(counted.ref.iri, (counted.ref, "partner"))
    for total in item.funders:  # a partner type that also funds is drawn once; unnamed funders not at all
        if kind_of(total.ref.iri) != "funding":
            drawn.setdefault(total.ref.iri, (total.ref, "funder"))
    unique = list(drawn.values())[:NETWORK_NODES]
    centre = size / 2
    radius = size * 0.36
    nodes = [NetworkNode(Ref(item.label, item.node.iri), "centre", centre, centre, "middle")]
    for index, (ref, role) in enumerate(unique):
        angle = -math.pi / 2 + 2 * math.pi * index / max(len(unique), 1)
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        anchor = "middle" if abs(x - centre) < size * 0.05 else "start" if x > centre else "end"
        nodes.append(NetworkNode(ref, role, round(x, 1), round(y, 1), anchor))
    return nodes


@dataclass
class ConceptPage:
    node: Properties
    concept: Concept
    definition: str | None
    alt_labels: list[str]
    links: list[str]  # the properties by which actions reach it, a section of the page each
    listings: dict[str, Listing]


def concept(store: ox.Store, tally: Tally, iri: str) -> ConceptPage | None:
    found = tally.concepts.get(iri)
    node = properties(store, iri)
    if found is None or node is None:
        return None
    links = tally.links_to(iri)
    term = ox.NamedNode(iri)
    return ConceptPage(
        node,
        found,
        node.first(SKOS + "definition"),
        [value.text for value in node.values.get(SKOS + "altLabel", [])],
        links,
        {link: listing(store, f"?a {LINK_PATHS[link]} $node", node=term) for link in links},
    )


def concept_structures(store: ox.Store, link: str, iri: str) -> tuple[list[Counted], int]:
    """The structures whose actions reach the concept, most actions first (SHOWN), and how many in all.

    Its cost grows with the concept's actions: the site keeps it once computed.
    """
    rows = select(
        store,
        f"""SELECT ?s (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?a) AS ?n) WHERE {{
            ?a {LINK_PATHS[link]} $node ; csg:organiser ?s . OPTIONAL {{ ?s skos:prefLabel ?name }}
        }} GROUP BY ?s""",
        node=ox.NamedNode(iri),
    )
    counted = [
        Counted(Ref(row.get("label", row["s"]).value, row["s"].value), integer(row["n"])) for row in rows
    ]
    counted.sort(key=lambda item: (-item.count, plain(item.ref.label), item.ref.iri))
    return counted[:SHOWN], len(counted)


@dataclass
class DepartementPage:
    node: Properties
    departement: Departement
    structures: list[Counted]
    listing: Listing


def departement(store: ox.Store, tally: Tally, iri: str) -> DepartementPage | None:
    found = tally.departement(iri)
    node = properties(store, iri)
    if found is None or node is None:
        return None
    term = ox.NamedNode(iri)
    rows = select(
        store,
        """SELECT ?s (SAMPLE(?name) AS ?label) (COUNT(?a) AS ?n) WHERE {
            ?s csg:departement $node OPTIONAL { ?s skos:prefLabel ?name } OPTIONAL { ?a csg:organiser ?s }
        } GROUP BY ?s""",
        node=term,
    )
    structures = [
        Counted(Ref(row.get("label", row["s"]).value, row["s"].value), integer(row["n"])) for row in rows
    ]
    structures.sort(key=lambda item: (-item.count, plain(item.ref.label), item.ref.iri))
    return DepartementPage(
        node, found, structures, listing(store, "?s csg:departement $node . ?a csg:organiser ?s", node=term)
    )


@dataclass
class FunderPage:
    node: Properties
    label: str
    funder_types: list[Ref]
    grants: int
    total: Decimal
    shown: list[Grant]  # at most SHOWN, biggest first
    structures: list[FunderTotal]


def funder(store: ox.Store, iri: str) -> FunderPage | None:
    node = typed(store, iri, "Funder")
    if node is None:
        return None
    term = ox.NamedNode(iri)
    totals = select(
        store,
        """SELECT (COUNT(?g) AS ?n) (SUM(?amount) AS ?total) WHERE {
            ?g schema:funder $node OPTIONAL { ?g schema:amount ?amount } }""",
        node=term,
    )[0]
    rows = select(
        store,
        f"""SELECT {GRANT_COLUMNS} {ACTION_COLUMNS} WHERE {{
            {{ SELECT ?g WHERE {{ ?g schema:funder $node }} LIMIT {SHOWN} }}
            ?g schema:fundedItem ?a . OPTIONAL {{ ?a dcterms:title ?title }}
            OPTIONAL {{ ?a csg:organiser ?s OPTIONAL {{ ?s skos:prefLabel ?structure }} }}
            {GRANT_PATTERN}
        }}""",
        node=term,
    )
    shown = {
        row["g"].value: grant_of(row, Ref(row.get("title", row["a"]).value, row["a"].value)) for row in rows
    }
    by_structure: dict[str, FunderTotal] = {}
    for row in rows:
        if "s" in row:
            ref = Ref(row.get("structure", row["s"]).value, row["s"].value)
            entry = by_structure.setdefault(ref.iri, FunderTotal(ref, None, 0, Decimal(0)))
            entry.grants += 1
            entry.total += amount(row.get("amount")) or 0
    return FunderPage(
        node,
        node.first(SKOS + "prefLabel") or local_name(iri),
        node.links(CSG + "funderType"),
        integer(totals.get("n")),
        amount(totals.get("total")) or Decimal(0),
        sorted(shown.values(), key=lambda grant: (-(grant.amount or 0), grant.iri)),
        sorted(by_structure.values(), key=lambda total: (-total.total, plain(total.ref.label))),
    )


# Near matches for an unknown IRI

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


# The thing's own triples, for content negotiation


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
