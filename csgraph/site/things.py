"""What each kind of page says about its thing (action, structure, concept, département, funder).

A few SPARQL queries over one node's neighbourhood each, values bound as terms pyoxigraph serialises; lists
stop after `SHOWN` rows, the full list being the actions page's job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from csgraph.graph_actions import givers
from csgraph.names import plain
from csgraph.site.describe import (
    DCTERMS,
    LINK_PATHS,
    SHOWN,
    Counted,
    Properties,
    Ref,
    Row,
    Term,
    amount,
    count_of,
    integer,
    kind_of,
    labels,
    local_name,
    node_list,
    properties,
    select,
    typed,
)
from csgraph.site.tally import Concept, Departement, Tally
from csgraph.vocabulary import CSG, PREFIXES, SKOS

ROV, LOCN, SCHEMA = PREFIXES["rov"], PREFIXES["locn"], PREFIXES["schema"]

NETWORK_NODES = 24  # neighbours drawn around a structure


UNNAMED = "financeur non nommé"
"""How pages name the giver of money a fiche states without naming who gives it (`subvention 7000`), as
the network views do (labels are French, as the concepts' are)."""


@dataclass(frozen=True)
class Grant:
    """One contribution; `givers` pairs each funder (a named one, else its type) with its type: several
    when the fiche names them together (`MSA et CCHPM`), none when it names nobody."""

    iri: str
    label: str  # the funders as written, "" when the fiche names none
    amount: Decimal | None
    funders: tuple[Ref, ...]
    funder_types: tuple[Ref, ...]
    givers: tuple[tuple[Ref, Ref | None], ...]
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


GRANT_COLUMNS = """?g ?label ?amount ?funder ?funderLabel ?ownType ?type ?typeLabel ?text"""

GRANT_PATTERN = """
    OPTIONAL { ?g rdfs:label ?label }
    OPTIONAL { ?g schema:amount ?amount }
    OPTIONAL {
        ?g schema:funder ?funder
        OPTIONAL { ?funder skos:prefLabel ?funderLabel } OPTIONAL { ?funder csg:funderType ?ownType }
    }
    OPTIONAL {
        ?g csg:funderType ?type OPTIONAL { ?type skos:prefLabel ?typeLabel FILTER(LANG(?typeLabel) = "fr") }
    }
    OPTIONAL { ?g csg:sourceText ?text }"""


def grants_of(rows: Iterable[Row], action: Callable[[Row], Ref | None] = lambda row: None) -> list[Grant]:
    """The contributions of GRANT_PATTERN's rows: one row per funder and type a contribution names."""
    seen: dict[str, list[Row]] = {}
    for row in rows:
        seen.setdefault(row["g"].value, []).append(row)
    return [grant_of(grant_rows, action(grant_rows[0])) for grant_rows in seen.values()]


def grant_of(rows: list[Row], action: Ref | None) -> Grant:
    def refs(node: str, name: str) -> dict[str, Ref]:
        found = {
            row[node].value: row.get(name, ox.Literal(local_name(row[node].value)))
            for row in rows
            if node in row
        }
        return {iri: Ref(label.value, iri) for iri, label in sorted(found.items())}

    funders, types = refs("funder", "funderLabel"), refs("type", "typeLabel")
    own: dict[str, str | None] = {iri: None for iri in funders}
    own.update({row["funder"].value: row["ownType"].value for row in rows if "ownType" in row})
    paired = givers(own, set(types))
    first, label = rows[0], rows[0].get("label")
    return Grant(
        first["g"].value,
        label.value if label else "",
        amount(first.get("amount")),
        tuple(funders.values()),
        tuple(types.values()),
        tuple(
            ((funders.get(giver) or types[giver]), types.get(kind) if kind else None)
            for giver, kind in paired
        ),
        first["text"].value if "text" in first else None,
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
    grants = sorted(grants_of(rows), key=lambda grant: (-(grant.amount or 0), grant.label, grant.iri))
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
    """Money from one funder (or one funder type when the fiche names no funder) to a set of actions;
    `jointly` is the part stated for it and other funders together, each one's share not said."""

    ref: Ref
    funder_type: Ref | None
    grants: int
    total: Decimal
    jointly: Decimal = Decimal(0)


def funder_totals(grants: Iterable[Grant]) -> list[FunderTotal]:
    """Per funder, its contributions in full; money from nobody named is the unnamed funder's, apart per
    contribution (its page is the contribution's)."""
    totals: dict[str, FunderTotal] = {}
    for grant in grants:
        for ref, kind in grant.givers or ((Ref(grant.label or UNNAMED, grant.iri), None),):
            entry = totals.setdefault(ref.iri, FunderTotal(ref, kind, 0, Decimal(0)))
            entry.grants += 1
            entry.total += grant.amount or 0
            if len(grant.givers) > 1:
                entry.jointly += grant.amount or 0
    return sorted(totals.values(), key=lambda total: (-total.total, plain(total.ref.label)))


@dataclass(frozen=True)
class Identity:
    """What the structure's SENACS page says of it; a structure known from fiches alone has none."""

    kind: str | None
    legal_name: str | None
    siret: str | None
    siret_as_written: str | None  # a malformed one, kept as the page wrote it
    address: str | None
    email: str | None
    website: str | None
    first_approval: str | None
    population: int | None
    management: Ref | None
    territory_type: Ref | None
    priority_area: bool | None
    priority_text: str | None
    federation_member: bool | None
    source: str


@dataclass(frozen=True)
class DeclaredGrant:
    """One row of a grants file paying the structure (joined by its SIRET)."""

    funder: str | None  # None: the row names no awarding body
    funder_siret: str | None
    amount: Decimal | None
    date: str | None
    reference: str | None
    purpose: str | None


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
    funded: Decimal  # each contribution once, though funders named together each show it in full
    identity: Identity | None = None
    declared: list[DeclaredGrant] = field(default_factory=list)


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
    grants = grants_of(rows)
    return Structure(
        node,
        node.first(SKOS + "prefLabel") or local_name(iri),
        departements[0] if departements else None,
        count_of(store, f"?a csg:organiser {term}"),
        actions,
        counted("partnerType"),
        counted("keyword"),
        counted("public"),
        funder_totals(grants),
        sum((grant.amount or 0 for grant in grants), Decimal(0)),
        identity(store, node),
        declared_grants(store, term),
    )


def answer(text: str | None) -> bool | None:
    return None if text is None else text == "true"


def identity(store: ox.Store, node: Properties) -> Identity | None:
    """The page's fields: the node's own values, and the address, a node of its own."""
    page = node.first(CSG + "pageFile")
    if page is None:
        return None
    address = next(iter(node.links(LOCN + "address")), None)
    address_node = properties(store, address.iri) if address and address.iri else None
    population = node.first(CSG + "population")
    return Identity(
        kind=node.first(CSG + "structureKind"),
        legal_name=node.first(ROV + "legalName"),
        siret=node.first(CSG + "siret"),
        siret_as_written=node.first(CSG + "siretAsWritten"),
        address=address_node.first(LOCN + "fullAddress") if address_node else None,
        email=node.first(SCHEMA + "email"),
        website=node.first(SCHEMA + "url"),
        first_approval=node.first(CSG + "firstApproval"),
        population=None if population is None else int(population),
        management=next(iter(node.links(CSG + "managementMode")), None),
        territory_type=next(iter(node.links(CSG + "territoryType")), None),
        priority_area=answer(node.first(CSG + "priorityArea")),
        priority_text=node.first(CSG + "priorityAreaText"),
        federation_member=answer(node.first(CSG + "federationMember")),
        source=f"{page}:{node.first(CSG + 'pageLine') or ''}",
    )


def declared_grants(store: ox.Store, term: ox.NamedNode) -> list[DeclaredGrant]:
    """The grants files' rows paying the structure, largest first."""
    rows = select(
        store,
        """SELECT ?g ?funder ?siret ?amount ?date ?reference ?purpose WHERE {
            ?g a csg:DeclaredGrant ; csg:beneficiary $node .
            OPTIONAL {
                ?g schema:funder ?body .
                OPTIONAL { ?body skos:prefLabel ?funder }
                OPTIONAL { ?body csg:siret ?siret }
            }
            OPTIONAL { ?g schema:amount ?amount }
            OPTIONAL { ?g dcterms:date ?date }
            OPTIONAL { ?g dcterms:identifier ?reference }
            OPTIONAL { ?g schema:description ?purpose }
        }""",
        node=term,
    )
    grants = {
        row["g"].value: DeclaredGrant(
            text_of(row, "funder"),
            text_of(row, "siret"),
            amount(row.get("amount")),
            text_of(row, "date"),
            text_of(row, "reference"),
            text_of(row, "purpose"),
        )
        for row in rows
    }
    return sorted(
        grants.values(), key=lambda grant: (-(grant.amount or 0), grant.funder or "", grant.date or "")
    )


def text_of(row: Row, name: str) -> str | None:
    term = row.get(name)
    return None if term is None else term.value


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
    shown = grants_of(rows, lambda row: Ref(row.get("title", row["a"]).value, row["a"].value))
    structure_of = {row["g"].value: row for row in rows if "s" in row}
    by_structure: dict[str, FunderTotal] = {}
    for grant in shown:  # one per contribution: a row per type it names would count it twice
        if grant.iri in structure_of:
            row = structure_of[grant.iri]
            ref = Ref(row.get("structure", row["s"]).value, row["s"].value)
            entry = by_structure.setdefault(ref.iri, FunderTotal(ref, None, 0, Decimal(0)))
            entry.grants += 1
            entry.total += grant.amount or 0
    return FunderPage(
        node,
        node.first(SKOS + "prefLabel") or local_name(iri),
        node.links(CSG + "funderType"),
        integer(totals.get("n")),
        amount(totals.get("total")) or Decimal(0),
        sorted(shown, key=lambda grant: (-(grant.amount or 0), grant.iri)),
        sorted(by_structure.values(), key=lambda total: (-total.total, plain(total.ref.label))),
    )
