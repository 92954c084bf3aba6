"""Networks projected from the graph: who works with whom, who funds which themes, which themes meet.

Every view is drawn from the actions of the RDF graph (read with SPARQL, never from the fiches): the
narrowing options choose the actions first, then the view links what those actions name. Nodes are keyed by
IRI, so a structure and a partner type that share a name stay two nodes, and each node and link keeps the
actions behind it, for tooltips and exports. A view with more links than a page can show is refused, when
possible before its actions are read (the store counts the links).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx
import pyoxigraph as ox

from csgraph.errors import QueryError
from csgraph.graph_actions import (
    PREFIX_LINES,
    Action,
    Named,
    Names,
    Narrowing,
    matching,
    read_actions,
    read_names,
    select,
)

SEED = 62
"""Seeds community detection (and layouts in render.py): same graph, same picture."""

BETWEENNESS_SOURCES = 200
"""Betweenness is exact up to this many nodes, and estimated from this many seeded sources above (exact
costs nodes × links: 20 s for a 1,800-node partnership view)."""

LINKS_LIMIT = 20_000
"""More links than a page can draw legibly, or at all."""


KIND_NAMES: dict[str, tuple[str, str]] = {
    "structure": ("structure", "structures"),
    "partner": ("partner type", "partner types"),
    "funder": ("funder", "funders"),
    "keyword": ("keyword", "keywords"),
}


KIND_NAMES_FR: dict[str, tuple[str, str]] = {
    "structure": ("structure", "structures"),
    "partner": ("type de partenaire", "types de partenaire"),
    "funder": ("financeur", "financeurs"),
    "keyword": ("mot clé", "mots clés"),
}
"""KIND_NAMES as the French pages say them."""

CORE = 5
"""How many nodes a page calls "au cœur du réseau": the few that hold it together, not a ranking."""


NAMED_IN_STORE = {
    "département": "{ SELECT ?action ?structure WHERE { ?action csg:organiser ?structure } } "
    "{ SELECT ?structure ?thing WHERE { ?structure csg:departement ?thing } }",
    "keyword": "{ SELECT ?action ?thing WHERE { ?action csg:keyword ?thing } }",
    "public": "{ SELECT ?action ?thing WHERE { ?action csg:public ?thing } }",
    "partner type": "{ SELECT ?action ?thing WHERE { ?action csg:partnerType ?thing } }",
    "year": "{ SELECT ?action ?thing WHERE { ?action csg:year ?thing } }",
}
"""NARROWED_BY as SPARQL patterns binding ?action and ?thing, for counting links in the store. Each part is
a subquery so that Oxigraph hash-joins them: one pattern makes it seek once per action (4 s at 100k)."""

ACTION_PATTERN = "{ SELECT ?action WHERE { ?action a csg:Action } }"


@dataclass
class Tally:
    """What accumulates on a node or a link while a view is built."""

    actions: set[Action] = field(default_factory=set)
    euros: Decimal = Decimal(0)
    jointly: Decimal = Decimal(0)  # of the euros, those stated for several funders together
    shared: set[Named] = field(default_factory=set)


@dataclass
class Links:
    """Nodes and links of one view, with the actions (and money) behind each.

    Links below `min_weight` are left out; `weak` keeps their ends, so a node that loses every link is
    reported hidden rather than drawn as if it never had one.
    """

    min_weight: float = 0
    kinds: dict[Named, str] = field(default_factory=dict)
    node_tallies: defaultdict[Named, Tally] = field(default_factory=lambda: defaultdict(Tally))
    link_tallies: defaultdict[tuple[Named, Named], Tally] = field(default_factory=lambda: defaultdict(Tally))
    funder_types: dict[Named, str] = field(default_factory=dict)
    weak: set[Named] = field(default_factory=set)

    def node(self, thing: Named, kind: str, action: Action, euros: Decimal | None = None) -> None:
        self.kinds[thing] = kind
        tally = self.node_tallies[thing]
        tally.actions.add(action)
        tally.euros += euros or 0

    def tally(self, one: Named, other: Named) -> Tally:
        return self.link_tallies[min(one, other), max(one, other)]

    def link(self, one: Named, other: Named, action: Action, euros: Decimal | None = None) -> None:
        tally = self.tally(one, other)
        tally.actions.add(action)
        tally.euros += euros or 0

    def graph(self, weight: Callable[[Tally], float]) -> tuple[nx.Graph, int]:
        """The graph, nodes and links in IRI order so every later step is repeatable; and how many hid."""
        strong = {pair: weight(tally) for pair, tally in self.link_tallies.items()}
        strong = {pair: value for pair, value in strong.items() if value >= self.min_weight}
        self.weak.update(thing for pair in self.link_tallies.keys() - strong.keys() for thing in pair)
        check_drawable(len(strong))
        hidden = self.weak - {thing for pair in strong for thing in pair}
        graph = nx.Graph()
        for thing in sorted(self.kinds.keys() - hidden):
            tally = self.node_tallies[thing]
            graph.add_node(
                thing.iri,
                label=thing.label,
                kind=self.kinds[thing],
                actions=len(tally.actions),
                euros=float(tally.euros),
                jointly=float(tally.jointly),
                behind=tuple(sorted(tally.actions)),
            )
            if thing in self.funder_types:
                graph.nodes[thing.iri]["funder_type"] = self.funder_types[thing]
        for one, other in sorted(strong):
            tally = self.link_tallies[one, other]
            graph.add_edge(
                one.iri,
                other.iri,
                weight=strong[one, other],
                actions=len(tally.actions),
                euros=float(tally.euros),
                behind=tuple(sorted(tally.actions)),
                shared=tuple(sorted(thing.label for thing in tally.shared)),
            )
        return graph, len(hidden)


def chosen_in_store(store: ox.Store, narrowing: Narrowing, names: Names) -> str:
    """A SPARQL pattern binding ?action to the actions `select` chooses, raising the errors it raises."""
    patterns = [ACTION_PATTERN]
    for what, value in narrowing.given():
        named = NAMED_IN_STORE[what]
        query = f"{PREFIX_LINES}SELECT DISTINCT ?thing WHERE {{ {ACTION_PATTERN} {named} }}"
        things = {row["thing"].value: row["thing"] for row in store.query(query)}
        wanted = matching(value, {names.named(thing) for thing in things}, names.spellings, what)
        # Terms from the store, written back by Oxigraph in N-Triples: escaped, whatever the graph holds.
        choices = " ".join(str(things[thing]) for thing in sorted(wanted))
        patterns.append(f"{{ SELECT DISTINCT ?action WHERE {{ {named} VALUES ?thing {{ {choices} }} }} }}")
    return "\n".join(patterns)


def refuse_early(store: ox.Store, spec: ViewSpec, narrowing: Narrowing, names: Names) -> None:
    """Refuse a view with too many links before reading any action, when one SPARQL aggregate counts them.

    Views that link two things named by the same action (`spec.pairs`) count their links in the store: a
    second for the national partnership view, which took a minute to read and project. The count is the
    projection's own (a link per pair of distinct things, weighing its number of actions) for any graph
    the shapes accept: one organiser per action, one département per structure. The funding view keys
    funders by what the fiches wrote, and the structures view's pairs grow with the square of the
    structures: neither is counted here; `check_drawable` refuses them after projecting.
    """
    if spec.pairs is None:
        return
    one, other = spec.pairs
    same_property = one == other  # then each pair of distinct values comes twice, once each way
    # sameTerm, unlike !=, compares the terms without reading them: 1 s rather than 4 at 100k fiches.
    distinct = "FILTER(!sameTerm(?one, ?other))" if same_property else ""
    query = f"""{PREFIX_LINES}SELECT ?weight (COUNT(*) AS ?links) WHERE {{
  SELECT ?one ?other (COUNT(DISTINCT ?action) AS ?weight) WHERE {{
    {chosen_in_store(store, narrowing, names)}
    {{ SELECT ?action ?one WHERE {{ ?action {one} ?one }} }}
    {{ SELECT ?action ?other WHERE {{ ?action {other} ?other }} }}
    {distinct}
  }} GROUP BY ?one ?other
}} GROUP BY ?weight"""
    rows = store.query(query)
    links = sum(int(row["links"].value) for row in rows if int(row["weight"].value) >= narrowing.min_weight)
    check_drawable(links // 2 if same_property else links)


class TooManyLinks(QueryError):
    """A view with more links than a page can draw; the site raises the minimum weight instead of failing."""


def check_drawable(links: int) -> None:
    """A national structures view links ~740,000 pairs: a 265 MB page no browser shows. Refuse; say how."""
    if links > LINKS_LIMIT:
        raise TooManyLinks(
            f"{links:,} links are more than a page can show ({LINKS_LIMIT:,}); narrow the view with "
            "--departement, --keyword, --public or --partner, or raise --min-weight"
        )


def partnership(actions: list[Action], links: Links) -> None:
    """Structures and the partner types of their actions; a structure with no partner stays, unlinked."""
    for action in actions:
        if action.structure is None:
            continue
        links.node(action.structure, "structure", action)
        for partner in action.partner_types:
            links.node(partner, "partner", action)
            links.link(action.structure, partner, action)


def funding(actions: list[Action], links: Links) -> None:
    """Funders and the keywords of the actions they fund; a contribution counts in full for each keyword and
    for each of the funders named together for it (the fiche does not say their shares), but once only in a
    keyword's own euros."""
    for action in actions:
        counted: set[str] = set()
        for grant in action.grants:
            links.node(grant.funder, "funder", action, grant.euros)
            links.funder_types[grant.funder] = grant.funder_type.label if grant.funder_type else ""
            once = None if grant.contribution in counted else grant.euros
            counted.add(grant.contribution)
            if grant.shared_by > 1:
                links.node_tallies[grant.funder].jointly += grant.euros or 0
            for keyword in action.keywords:
                links.node(keyword, "keyword", action, once)
                links.link(grant.funder, keyword, action, grant.euros)


def keywords(actions: list[Action], links: Links) -> None:
    """Keywords linked when one action carries both."""
    for action in actions:
        for keyword in action.keywords:
            links.node(keyword, "keyword", action)
        for one, other in itertools.combinations(action.keywords, 2):
            links.link(one, other, action)


def structures(actions: list[Action], links: Links) -> None:
    """Structures linked by the partner types they share; a link's weight is how many they share.

    A national view has millions of candidate pairs. They are counted first, one AND of two bit sets
    of partner types per pair, and only the pairs at `min_weight` or above are then tallied with their
    actions, so memory follows the drawn pairs, not the candidates (minutes and gigabytes at 100k fiches).
    """
    actions_with: defaultdict[tuple[Named, Named], set[Action]] = defaultdict(set)
    for action in actions:
        if action.structure is None:
            continue
        links.node(action.structure, "structure", action)
        for partner in action.partner_types:
            actions_with[action.structure, partner].add(action)
    partners = sorted({partner for _, partner in actions_with})
    bits = {partner: 1 << index for index, partner in enumerate(partners)}
    partner_bits: defaultdict[Named, int] = defaultdict(int)
    for structure, partner in actions_with:
        partner_bits[structure] |= bits[partner]
    ordered = sorted(partner_bits.items())
    strong = 0
    for one, other, shared in sharing_pairs(ordered):
        if shared.bit_count() >= links.min_weight:
            strong += 1
        else:
            links.weak.update((one, other))
    check_drawable(strong)
    for one, other, shared in sharing_pairs(ordered):
        if shared.bit_count() >= links.min_weight:
            tally = links.tally(one, other)
            for partner in partners:
                if shared & bits[partner]:
                    tally.actions |= actions_with[one, partner] | actions_with[other, partner]
                    tally.shared.add(partner)


def sharing_pairs(ordered: list[tuple[Named, int]]) -> Iterator[tuple[Named, Named, int]]:
    """Each pair of structures sharing a partner type, in order, with the bits of what they share."""
    for index, (one, bits) in enumerate(ordered):
        for other, other_bits in ordered[index + 1 :]:
            if shared := bits & other_bits:
                yield one, other, shared


def action_count(tally: Tally) -> float:
    return len(tally.actions)


def euros_or_actions(tally: Tally) -> float:
    return float(tally.euros) or len(tally.actions)


def shared_count(tally: Tally) -> float:
    return len(tally.shared)


@dataclass(frozen=True)
class ViewSpec:
    """What a view shows and how its picture reads."""

    title: str
    project: Callable[[list[Action], Links], None]
    weight: Callable[[Tally], float]
    missing: str
    size_by: str
    size_meaning: str
    width_meaning: str
    colour_by: str
    pairs: tuple[str, str] | None = None  # the two properties of an action it links, for refuse_early


VIEWS: dict[str, ViewSpec] = {
    "partnership": ViewSpec(
        "Partnerships: structures and their partner types",
        partnership,
        action_count,
        "name no structure",
        "actions",
        "number of actions",
        "actions the structure led with this partner type",
        "kind",
        ("csg:organiser", "csg:partnerType"),
    ),
    "funding": ViewSpec(
        "Funding: who funds which themes",
        funding,
        euros_or_actions,
        "state no contribution",
        "euros",
        "euros stated",
        "euros for actions with this keyword (number of actions when no amount is stated)",
        "kind",
    ),
    "keywords": ViewSpec(
        "Keywords that go together",
        keywords,
        action_count,
        "carry no keyword",
        "actions",
        "number of actions",
        "actions carrying both keywords",
        "community",
        ("csg:keyword", "csg:keyword"),
    ),
    "structures": ViewSpec(
        "Structures that share partner types",
        structures,
        shared_count,
        "name no structure",
        "actions",
        "number of actions",
        "partner types both structures work with",
        "community",
    ),
}


@dataclass(frozen=True)
class View:
    """A projected network with what its page and the terminal say about it."""

    name: str
    spec: ViewSpec
    graph: nx.Graph
    actions: int
    narrowing: Narrowing
    hidden: int = 0

    @property
    def title(self) -> str:
        return self.spec.title

    def kinds(self) -> dict[str, int]:
        """Nodes per kind, in the order of KIND_NAMES."""
        counts = {kind: 0 for kind in KIND_NAMES}
        for _, kind in self.graph.nodes(data="kind"):
            counts[kind] += 1
        return {kind: count for kind, count in counts.items() if count}

    def apart(self) -> list[str]:
        """Labels of nodes without any link: drawn apart, and named so nobody thinks they were dropped."""
        return [self.graph.nodes[node]["label"] for node in unlinked(self.graph)]

    def summary(self) -> str:
        drawn = {action for _, behind in self.graph.nodes(data="behind") for action in behind}
        if len(drawn) == self.actions:
            parts = [f"{self.actions} action{plural(self.actions)}"]
        else:
            parts = [f"{len(drawn)} of {self.actions} actions drawn"]
            if not self.hidden:
                parts[0] += f" (the others {self.spec.missing})"
        parts += [count_of(kind, count) for kind, count in self.kinds().items()]
        links = self.graph.number_of_edges()
        parts.append(f"{links} link{plural(links)}")
        if self.hidden:
            parts.append(
                f"{self.hidden} node{plural(self.hidden)} hidden, all links below weight "
                f"{self.narrowing.min_weight:g}"
            )
        apart = self.apart()
        if apart:
            parts.append(
                f"without links, shown apart: {', '.join(apart[:5])}" + (" …" if len(apart) > 5 else "")
            )
        return " · ".join(parts)

    def central(self, top: int = 5) -> list[tuple[str, str, int, float]]:
        """The most connected nodes of each kind as (kind, label, degree, betweenness): what reports quote."""
        rows = []
        for kind in self.kinds():
            nodes = [data for _, data in self.graph.nodes(data=True) if data["kind"] == kind]
            nodes.sort(key=lambda data: (-data["degree"], -data["betweenness"], data["label"]))
            rows += [(kind, data["label"], data["degree"], data["betweenness"]) for data in nodes[:top]]
        return rows


def unlinked(graph: nx.Graph) -> list[str]:
    """Nodes without any link, by label: the summary names them and the page lines them up apart."""
    return sorted(
        (node for node in graph if not graph.degree(node)), key=lambda node: graph.nodes[node]["label"]
    )


def plural(count: int) -> str:
    return "" if count == 1 else "s"


def count_of(kind: str, count: int) -> str:
    one, many = KIND_NAMES[kind]
    return f"{count} {one if count == 1 else many}"


def view(store: ox.Store, name: str, narrowing: Narrowing | None = None) -> View:
    """The network `name` of the graph in `store`, drawn from the actions `narrowing` chooses."""
    if name not in VIEWS:
        raise QueryError(f"unknown view {name!r}; the views are: {', '.join(VIEWS)}")
    narrowing = narrowing or Narrowing()
    names = read_names(store)
    refuse_early(store, VIEWS[name], narrowing, names)
    return projected_view(name, read_actions(store, names), narrowing, names.spellings)


def projected_view(
    name: str,
    actions: list[Action],
    narrowing: Narrowing,
    spellings: dict[str, set[str]],
    describe: bool = True,
) -> View:
    """The view `name` of actions already read: the site reads them once per process, not per page.

    Without `describe`, nodes get no degree, betweenness or community: the site summarises a large view
    first and describes what it draws (betweenness of a 3,000-node view costs 10 s).
    """
    spec = VIEWS[name]
    chosen = select(actions, narrowing, spellings)
    links = Links(min_weight=narrowing.min_weight)
    spec.project(chosen, links)
    graph, hidden = links.graph(spec.weight)
    if describe:
        describe_nodes(graph)
    return View(name, spec, graph, len(chosen), narrowing, hidden)


def describe_nodes(graph: nx.Graph) -> None:
    """Degree, betweenness and community of every node, for the terminal, the colours and Gephi."""
    betweenness = nx.betweenness_centrality(graph, k=min(len(graph), BETWEENNESS_SOURCES), seed=SEED)
    communities = nx.community.louvain_communities(graph, weight="weight", seed=SEED) if len(graph) else []
    ordered = sorted(communities, key=lambda members: (-len(members), min(members)))
    for number, members in enumerate(ordered, start=1):
        for node in members:
            graph.nodes[node]["community"] = number
    for node, data in graph.nodes(data=True):
        data["degree"] = graph.degree(node)
        data["betweenness"] = round(betweenness[node], 4)


def centrality_order(graph: nx.Graph) -> list[str]:
    """Nodes from the one that holds the network together most (betweenness, then links) to the least."""
    return sorted(
        graph,
        key=lambda node: (
            -graph.nodes[node]["betweenness"],
            -graph.nodes[node]["degree"],
            graph.nodes[node]["label"],
            node,
        ),
    )


def at_the_core(graph: nx.Graph, top: int = CORE) -> list[str]:
    """The few linked nodes pages call "au cœur du réseau" instead of quoting a betweenness nobody reads."""
    return [node for node in centrality_order(graph) if graph.degree(node)][:top]


def community_names(graph: nx.Graph) -> dict[int, str]:
    """Each community named by its most central member (`autour de Caf`), not by a number."""
    names: dict[int, str] = {}
    for node in centrality_order(graph):
        names.setdefault(graph.nodes[node]["community"], f"autour de {graph.nodes[node]['label']}")
    return names
