"""The actions of a built graph as the network views read them, and the options that choose among them.

Read with a few simple SPARQL patterns joined in Python (nested OPTIONALs with label filters cost seconds
on a few thousand actions); a value that names nothing in the graph is an error naming the nearest things
it holds, never an empty view.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from csgraph.departements import resolve_departement
from csgraph.errors import UnknownValue
from csgraph.names import name_key, slug, unknown_value
from csgraph.vocabulary import BASE, PREFIXES

WRITTEN_FUNDER = f"{BASE}funder/as-written/"
"""Funders with neither an IRI nor a known type are keyed by what the fiche wrote (`subvention 7000`)."""

UNNAMED_FUNDER = f"{BASE}funder/unnamed"
"""One node for money whose giver the fiche does not name at all (`subvention 7000`, csg:funderCount 0)."""


@dataclass(frozen=True, order=True)
class Named:
    """A resource that becomes a node: its IRI (the node key) and its French label."""

    iri: str
    label: str


@dataclass(frozen=True)
class Grant:
    """One funder's part in a stated contribution; `funder` is the funder named beyond its type, else the
    type itself. A contribution naming several funders (`MSA et CCHPM`) gives one Grant for each, with the
    whole amount and `shared_by` saying how many: the fiche does not say each one's share."""

    funder: Named
    funder_type: Named | None
    euros: Decimal | None
    contribution: str  # the grant's IRI: the funders named together share it
    shared_by: int = 1


@dataclass(frozen=True, order=True)
class Action:
    """An action as the views need it: what it is called, who ran it where, and what it names."""

    title: str
    iri: str
    structure: Named | None = None
    departement: Named | None = None
    keywords: tuple[Named, ...] = ()
    publics: tuple[Named, ...] = ()
    partner_types: tuple[Named, ...] = ()
    grants: tuple[Grant, ...] = ()
    year: Named | None = None  # known from a listing page's index table only

    @property
    def euros(self) -> Decimal | None:
        """The euros of its contributions, each once (funders named together are several grants of one
        amount); None when none states an amount."""
        stated = {grant.contribution: grant.euros for grant in self.grants if grant.euros is not None}
        return sum(stated.values(), Decimal(0)) if stated else None

    @property
    def place(self) -> str:
        """`Title (Pas-de-Calais)`: how tooltips and exports name an action."""
        return f"{self.title} ({self.departement.label})" if self.departement else self.title


@dataclass(frozen=True)
class Narrowing:
    """Which actions a view is drawn from, and how strong a link must be to be shown."""

    departement: str | None = None
    keyword: str | None = None
    public: str | None = None
    partner: str | None = None
    min_weight: float = 0
    year: str | None = None

    def given(self) -> list[tuple[str, str]]:
        """(what, value) of each option that chooses actions, when given."""
        options = (
            ("département", self.departement),
            ("keyword", self.keyword),
            ("public", self.public),
            ("partner type", self.partner),
            ("year", self.year),
        )
        return [(what, value) for what, value in options if value]

    def describe(self) -> str:
        """`keyword Santé, weight ≥ 2`, or empty when nothing narrows the view."""
        parts = [f"{what} {value}" for what, value in self.given()]
        if self.min_weight:
            parts.append(f"weight ≥ {self.min_weight:g}")
        return ", ".join(parts)


PREFIX_LINES = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in sorted(PREFIXES.items()))

CSG = PREFIXES["csg"]

SKOS = PREFIXES["skos"]

ABOUT_ACTIONS = {
    f"{PREFIXES['dcterms']}title": "title",
    f"{CSG}organiser": "structure",
    f"{CSG}keyword": "keywords",
    f"{CSG}public": "publics",
    f"{CSG}partnerType": "partner_types",
    f"{CSG}year": "years",
}
"""What the views read of an action, by property. Simple patterns, joined in Python: nested OPTIONALs with
label filters took seconds on a few thousand actions."""

ACTIONS_QUERY = PREFIX_LINES + "SELECT ?action WHERE { ?action a csg:Action }"

ABOUT_QUERY = (
    "SELECT ?subject ?property ?value WHERE { VALUES ?property { "
    + " ".join(f"<{iri}>" for iri in ABOUT_ACTIONS)
    + " } ?subject ?property ?value }"
)

DEPARTEMENTS_QUERY = (
    PREFIX_LINES + "SELECT ?structure ?departement WHERE { ?structure csg:departement ?departement }"
)

NAMES_QUERY = (
    PREFIX_LINES
    + "SELECT ?thing ?property ?value WHERE "
    + "{ VALUES ?property { skos:prefLabel skos:altLabel skos:notation } ?thing ?property ?value }"
)

GRANTS_QUERY = (
    PREFIX_LINES
    + """
SELECT ?grant ?action ?amount ?written ?funder ?ownType ?funderType WHERE {
  ?grant a schema:MonetaryGrant ; schema:fundedItem ?action .
  OPTIONAL { ?grant schema:amount ?amount }
  OPTIONAL { ?grant rdfs:label ?written }
  OPTIONAL { ?grant schema:funder ?funder OPTIONAL { ?funder csg:funderType ?ownType } }
  OPTIONAL { ?grant csg:funderType ?funderType }
}"""
)


@dataclass(frozen=True)
class Names:
    """How the graph names things: one label to show (French first), and every spelling to narrow by."""

    labels: dict[str, str]
    spellings: dict[str, set[str]]

    def named(self, iri: str) -> Named:
        """Labels can be missing in a hand-made graph: the end of the IRI then stands for the name."""
        return Named(iri, self.labels.get(iri) or iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def read_names(store: ox.Store) -> Names:
    """Labels (a French prefLabel, else the smallest other), and name keys of all labels and codes."""
    candidates: defaultdict[str, list[tuple[bool, str]]] = defaultdict(list)
    spellings: defaultdict[str, set[str]] = defaultdict(set)
    for row in store.query(NAMES_QUERY):
        thing, value = row["thing"].value, row["value"]
        spellings[thing].add(name_key(value.value))
        if row["property"].value == f"{SKOS}prefLabel":
            candidates[thing].append((getattr(value, "language", None) != "fr", value.value))
    return Names({thing: min(found)[1] for thing, found in candidates.items()}, dict(spellings))


def first(values: Iterable[str]) -> str | None:
    """The smallest of several values (two titles, two organisers): the same pick whatever the row order."""
    return min(values, default=None)


def read_actions(store: ox.Store, names: Names) -> list[Action]:
    """Every action of the graph with its structure, département, keywords, publics, partners and grants.

    Two structures with the same name in two départements get the département after their label.
    """
    about: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in store.query(ABOUT_QUERY):
        about[row["subject"].value][ABOUT_ACTIONS[row["property"].value]].add(row["value"].value)
    departement_of = {
        row["structure"].value: row["departement"].value for row in store.query(DEPARTEMENTS_QUERY)
    }
    said: defaultdict[str, Said] = defaultdict(Said)
    for row in store.query(GRANTS_QUERY):
        said[row["grant"].value].read(row)
    grants: defaultdict[str, list[Grant]] = defaultdict(list)
    for iri, contribution in said.items():
        grants[contribution.action].extend(contribution.grants(iri, names))
    found = [(row["action"].value, about[row["action"].value]) for row in store.query(ACTIONS_QUERY)]
    organisers = {first(values["structure"]) for _, values in found} - {None}
    homonyms: defaultdict[str, set[str]] = defaultdict(set)
    for structure in organisers:
        homonyms[names.named(structure).label].add(structure)
    actions = []
    for iri, values in found:
        structure = first(values["structure"])
        departement = names.named(departement_of[structure]) if structure in departement_of else None
        organiser = structure and names.named(structure)
        if organiser and departement and len(homonyms[organiser.label]) > 1:
            organiser = Named(organiser.iri, f"{organiser.label} ({departement.label})")
        actions.append(
            Action(
                title=first(values["title"]) or "(untitled action)",
                iri=iri,
                structure=organiser,
                departement=departement,
                keywords=tuple(sorted(names.named(concept) for concept in values["keywords"])),
                publics=tuple(sorted(names.named(concept) for concept in values["publics"])),
                partner_types=tuple(sorted(names.named(concept) for concept in values["partner_types"])),
                grants=tuple(sorted(grants[iri], key=grant_order)),
                year=next((Named(year, year) for year in sorted(values["years"])), None),
            )
        )
    return sorted(actions)


def grant_order(grant: Grant) -> tuple[Named, str, Decimal, str]:
    """Grants in a fixed order whatever the rows' order; a missing type or amount sorts first."""
    kind = grant.funder_type.iri if grant.funder_type else ""
    return grant.funder, kind, grant.euros or Decimal(0), grant.contribution


def givers(funders: dict[str, str | None], types: set[str]) -> list[tuple[str, str | None]]:
    """Who gives one contribution, as (IRI, type IRI): each named funder, then each type no named funder
    has (`MSA et CCHPM`: CCHPM by its name, MSA by its type). A named funder of no type of its own takes
    the contribution's type when it has one only."""
    only = next(iter(types)) if len(types) == 1 else None
    found = [(funder, own or only) for funder, own in sorted(funders.items())]
    covered = {kind for _, kind in found if kind}
    return found + [(kind, kind) for kind in sorted(types - covered)]


@dataclass
class Said:
    """What the rows say of one contribution (one row per funder and type it names)."""

    action: str = ""
    euros: Decimal | None = None
    written: str = ""
    funders: dict[str, str | None] = field(default_factory=dict)  # named funder -> its own type
    types: set[str] = field(default_factory=set)

    def read(self, row: ox.QuerySolution) -> None:
        self.action = row["action"].value
        if row["amount"] is not None:
            self.euros = Decimal(row["amount"].value)
        if row["written"] is not None:
            self.written = row["written"].value
        if row["funder"] is not None:
            own = row["ownType"]
            self.funders.setdefault(row["funder"].value, None)
            if own is not None:
                self.funders[row["funder"].value] = own.value
        if row["funderType"] is not None:
            self.types.add(row["funderType"].value)

    def grants(self, iri: str, names: Names) -> list[Grant]:
        """One per funder (see `givers`); with none, who the text names, else the unnamed funder."""
        found = [
            (names.named(giver), names.named(kind) if kind else None)
            for giver, kind in givers(self.funders, self.types)
        ]
        if not found and slug(self.written):
            found = [(Named(WRITTEN_FUNDER + slug(self.written), self.written), None)]
        if not found:
            found = [(Named(UNNAMED_FUNDER, "financeur non nommé"), None)]
        return [Grant(funder, kind, self.euros, iri, len(found)) for funder, kind in found]


def select(actions: list[Action], narrowing: Narrowing, spellings: dict[str, set[str]]) -> list[Action]:
    """The actions a view is drawn from; a value naming nothing in the graph is an error, not a blank view.

    `62`, `pas de calais` and `Pas-de-Calais` choose the same département; `Vieillissement` finds the keyword
    the SENACS site spells `Viellissement`, through its alternative label.
    """
    chosen = actions
    for what, value in narrowing.given():
        named_by = NARROWED_BY[what]
        wanted = matching(value, {thing for action in actions for thing in named_by(action)}, spellings, what)
        chosen = [action for action in chosen if any(thing.iri in wanted for thing in named_by(action))]
    return chosen


NARROWED_BY: dict[str, Callable[[Action], tuple[Named, ...]]] = {
    "département": lambda action: (action.departement,) if action.departement else (),
    "keyword": lambda action: action.keywords,
    "public": lambda action: action.publics,
    "partner type": lambda action: action.partner_types,
    "year": lambda action: (action.year,) if action.year else (),
}


def matching(value: str, known: set[Named], spellings: dict[str, set[str]], what: str) -> set[str]:
    """IRIs of the things `value` names, with accents, case and punctuation not counting.

    A département is first resolved as every command resolves it (`Pas-de-Calais (62)` is `62`); a value
    naming nothing in this graph is an error naming the nearest things the graph holds.
    """
    if what == "département":
        value = resolve_departement(value).code
    key = name_key(value)
    found = {thing.iri for thing in known if key and key in spellings.get(thing.iri, {name_key(thing.label)})}
    if not found:
        raise UnknownValue(unknown_value(what, value, {thing.label for thing in known}, " in this graph"))
    return found
