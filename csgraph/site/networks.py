"""`/networks/VIEW`: the network views of `csgraph viz`, inside the site, narrowed by the facets of /actions.

The server projects the view from the actions read once per process (`site.maps.graph_actions_of`), lays it
out (`render.layout`, seeded) and sends nodes with their positions, sizes, colours and the actions behind
each node and link as JSON in a non-executable script block; `static/network-site.js` draws it with physics
off and builds the side panel with textContent, so fiche text never becomes markup. vis-network is the copy
`render.py` inlines into the single-file pages, served here as a script of its own (the site's CSP allows
no inline script). A view too big for a page is summarised (the heaviest nodes, the others grouped into one
node per kind, the weakest links left out) with a note saying what is hidden, instead of being refused.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import networkx as nx
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csgraph import networks, render, view_words
from csgraph.action_index import FACETS
from csgraph.errors import UnknownValue
from csgraph.formatting import number, tr
from csgraph.graph_actions import UNNAMED_FUNDER, WRITTEN_FUNDER, Narrowing, matching, select
from csgraph.names import closest
from csgraph.site.app import Site, site_of
from csgraph.site.app import render as render_page
from csgraph.site.i18n import lang_of
from csgraph.site.links import link, path_of
from csgraph.site.maps import FILTERS as MAP_FILTERS
from csgraph.site.maps import Filter, GraphActions, Refused, graph_actions_of, kept, refuse_unknown_parameters
from csgraph.vocabulary import concept_namespace

NODE_BUDGET = 300
LINK_BUDGET = 2_000
"""Above these, the page gets a summarised graph: a browser on a small laptop still draws it in a second."""

LISTED_ACTIONS = {"node": 20, "link": 8}
"""Actions listed in the side panel for a node or a link (a hub, the Caf, stands behind hundreds); a
summarised view draws 2,000 links, and the page carries every list."""

UNPUBLISHED = (WRITTEN_FUNDER, UNNAMED_FUNDER)
"""Funder nodes keyed by what a fiche wrote, or standing for money of no named giver: no page of their own."""

GROUPED = "urn:csgraph:autres:"
"""Key prefix of the nodes that stand for the nodes a summary leaves out: no IRI, no page."""

FILTERS = (
    Filter("departement", "département", "Département", "Département"),
    *MAP_FILTERS,
    Filter("funder", "funder type", "Type de financeur", "Funder type"),
)
NARROWING_FILTERS = ("departement", "keyword", "public", "partner", "year")
"""The filters `Narrowing` chooses by; a funder type is chosen here, from the actions' grants."""
PARAMETERS = (*(item.name for item in FILTERS), "min_weight", "lang")

FACET_OF_KIND = {
    "keyword": ("keyword", (concept_namespace("keyword"),)),
    "partner": ("partner", (concept_namespace("partner"),)),
    "funder": ("funder", (concept_namespace("funder-category"), concept_namespace("partner"))),
}
"""The facet of /actions that lists a node's actions, and the schemes its IRI must be in: a funder type
(the Caf as a funder) lists the actions it funds, not those it partners."""

ACTIONS_FACETS = {spec.name for spec in FACETS}


@dataclass(frozen=True)
class Drawn:
    """One page's network: the view (perhaps summarised), the JSON the script draws, and what was hidden."""

    projected: networks.View
    data: dict[str, object]
    notes: list[str]


@cache
def vis_network() -> str:
    return render.vis_script()


async def vis_network_script(request: Request) -> Response:
    """The vis-network that `csgraph viz` inlines, served from the package: no CDN, nothing fetched."""
    return Response(
        vis_network(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def asked(request: Request, data: GraphActions) -> tuple[dict[str, str], int]:
    """The filters and the minimum weight the query string asks for; an unknown parameter or value is
    refused, never ignored."""
    lang = lang_of(request)
    params = request.query_params
    refuse_unknown_parameters(request, PARAMETERS, ("Le réseau", "The network"))
    wanted = {item.name: params[item.name].strip() for item in FILTERS if params.get(item.name, "").strip()}
    for item in FILTERS:
        value = wanted.get(item.name)
        choices = choices_of(data, item.name)
        try:
            if value:
                matching(value, set(choices), data.names.spellings, item.what)
        except UnknownValue:
            near = closest(value, [thing.label for thing in choices])
            path = request.url.path
            raise Refused(
                f"{item.french} inconnu dans ce graphe : « {value} ».",
                f"{item.english} not in this graph: “{value}”.",
                [(label, link(path, lang, **{**wanted, item.name: label})) for label in near],
            ) from None
    weight = params.get("min_weight", "").strip() or "0"
    if not weight.isdigit() or int(weight) > 1000:
        raise Refused(
            f"Poids minimal invalide : « {weight} ». Donnez un nombre entier (0 pour tous les liens).",
            f"Invalid minimum weight: “{weight}”. Give a whole number (0 for every link).",
        )
    return wanted, int(weight)


def choices_of(data: GraphActions, name: str) -> tuple[networks.Named, ...]:
    if name not in ("departement", "funder"):
        return data.choices[name]
    if name == "departement":
        found = {action.departement for action in data.actions if action.departement}
    else:
        found = {grant.funder_type for action in data.actions for grant in action.grants if grant.funder_type}
    return tuple(sorted(found, key=lambda thing: (thing.label.casefold(), thing.iri)))


def chosen_actions(
    data: GraphActions, actions: list[networks.Action], funder: str | None
) -> list[networks.Action]:
    """The actions with a contribution of the funder type `funder` names; all of them without one."""
    if not funder:
        return actions
    types = matching(funder, set(choices_of(data, "funder")), data.names.spellings, "funder type")
    return [
        action
        for action in actions
        if any(grant.funder_type and grant.funder_type.iri in types for grant in action.grants)
    ]


def within_links(
    name: str, actions: list[networks.Action], spellings: dict[str, set[str]], narrowing: Narrowing
) -> tuple[networks.View, int]:
    """The view, with the minimum weight raised (doubling from 2) until its links fit a page at all."""
    weight = narrowing.min_weight
    while True:
        try:
            chosen = dataclasses.replace(narrowing, min_weight=weight)
            return networks.projected_view(name, actions, chosen, spellings, False), weight
        except networks.TooManyLinks:
            weight = max(2, weight * 2)


@dataclass
class Merged:
    """The links a summary draws as one (a node shown and the nodes grouped beside it), added up."""

    weight: float = 0
    euros: float = 0
    behind: set[networks.Action] = dataclasses.field(default_factory=set)
    shared: set[str] = dataclasses.field(default_factory=set)

    def add(self, data: dict) -> None:
        self.weight += data["weight"]
        self.euros += data["euros"]
        self.behind.update(data["behind"])
        self.shared.update(data["shared"])

    def attributes(self) -> dict[str, object]:
        return {
            "weight": self.weight,
            "euros": self.euros,
            "actions": len(self.behind),
            "behind": tuple(sorted(self.behind)),
            "shared": tuple(sorted(self.shared)),
        }


def grouped_key(kind: str) -> str:
    return GROUPED + kind


def summarised(projected: networks.View, lang: str) -> tuple[networks.View, list[str]]:
    """At most NODE_BUDGET nodes and LINK_BUDGET links, described: the heaviest kept, the rest said in a note.

    Left-out nodes (the smallest, and every node without links) become one node per kind (`autres
    (1 200 structures)`) that keeps their links to the nodes shown, so the picture still says that the
    Caf partners with many more; then only the heaviest links are drawn.
    """
    graph = projected.graph
    notes: list[str] = []
    if len(graph) <= NODE_BUDGET and graph.number_of_edges() <= LINK_BUDGET:
        networks.describe_nodes(graph)
        return projected, notes
    measure = projected.spec.size_by
    order = sorted(graph, key=lambda node: (-graph.nodes[node][measure], -graph.degree(node), node))
    kinds = {data["kind"] for _, data in graph.nodes(data=True)}
    # Nodes without links all go to the groups: a summary is there to show who works with whom.
    linked = [node for node in order if graph.degree(node)]
    shown = set(linked[: NODE_BUDGET - len(kinds)]) if len(graph) > NODE_BUDGET else set(graph)
    into = {node: node if node in shown else grouped_key(graph.nodes[node]["kind"]) for node in graph}
    summary = nx.Graph()
    left_out: defaultdict[str, list[str]] = defaultdict(list)
    for node in order:
        data = graph.nodes[node]
        if node in shown:
            summary.add_node(node, **data)
        else:
            left_out[data["kind"]].append(node)
    for kind, members in sorted(left_out.items()):
        behind = tuple(sorted({action for node in members for action in graph.nodes[node]["behind"]}))
        summary.add_node(
            grouped_key(kind),
            label=f"{tr(lang, 'autres', 'others')} ({view_words.kind_words(kind, len(members), lang)})",
            kind=kind,
            actions=len(behind),
            euros=sum(graph.nodes[node]["euros"] for node in members),
            jointly=sum(graph.nodes[node].get("jointly", 0) for node in members),
            behind=behind,
        )
        hidden = view_words.kind_words(kind, len(members), lang)
        notes.append(
            tr(
                lang,
                f"{hidden} parmi les plus petits : regroupés en un nœud « autres ».",
                f"{hidden} among the smallest: grouped into one “others” node.",
            )
        )
    merged: dict[tuple[str, str], Merged] = {}
    for one, other, data in graph.edges(data=True):
        ends = (min(into[one], into[other]), max(into[one], into[other]))
        if ends[0] != ends[1]:
            merged.setdefault(ends, Merged()).add(data)
    for (one, other), link_tally in sorted(merged.items()):
        summary.add_edge(one, other, **link_tally.attributes())
    if summary.number_of_edges() > LINK_BUDGET:
        edges = sorted(summary.edges(data="weight"), key=lambda edge: (-edge[2], edge[0], edge[1]))
        dropped = edges[LINK_BUDGET:]
        summary.remove_edges_from((one, other) for one, other, _ in dropped)
        notes.append(
            tr(
                lang,
                f"Les {number(len(dropped), lang)} liens les plus faibles ne sont pas tracés.",
                f"The {number(len(dropped), lang)} weakest links are not drawn.",
            )
        )
    networks.describe_nodes(summary)
    notes.append(
        tr(
            lang,
            "Pour tout voir, choisissez un département, un mot clé, un public, un type de partenaire ou de "
            "financeur, ou relevez le poids minimal des liens.",
            "To see everything, choose a département, a keyword, a public, a partner or funder type, or "
            "raise the minimum weight of links.",
        )
    )
    return dataclasses.replace(projected, graph=summary), notes


def listed_actions(behind: tuple[networks.Action, ...], what: str, lang: str) -> dict[str, object]:
    """The first actions behind a node or a link, each with its page, and how many more there are."""
    shown = behind[: LISTED_ACTIONS[what]]
    return {
        "actions": [[action.place, link(action.iri, lang)] for action in shown],
        "more": len(behind) - len(shown),
    }


def actions_link(node: str, kind: str, wanted: dict[str, str], lang: str) -> str | None:
    """`/actions` narrowed to this node as well as to the page's filters, where /actions has its facet."""
    facet, schemes = FACET_OF_KIND.get(kind, ("", ()))
    if facet not in ACTIONS_FACETS or not node.startswith(schemes):
        return None
    return link("/actions", lang, **{**wanted, facet: node.rsplit("/", 1)[-1]})


def page_data(projected: networks.View, wanted: dict[str, str], lang: str) -> dict[str, object]:
    """Nodes and links as the script draws them: positions given, every word in the page's language."""
    graph = projected.graph
    order = sorted(graph)
    number_of = {node: index for index, node in enumerate(order)}
    positions, fill, sizes = render.layout(graph), render.colours(projected), render.node_sizes(projected)
    core = set(networks.at_the_core(graph))
    groups = networks.community_names(graph)
    nodes = []
    for node in order:
        data = graph.nodes[node]
        grouped = node.startswith(GROUPED)
        nodes.append(
            {
                "id": number_of[node],
                "label": data["label"],
                "kind": view_words.kind_name(data["kind"], lang),
                "shape": render.KIND_STYLES[data["kind"]].shape,
                "color": fill[node],
                "value": sizes[node],
                "x": positions[node][0],
                "y": positions[node][1],
                "facts": view_words.node_facts(projected, node, core, groups, lang),
                "page": None
                if grouped or node.startswith(UNPUBLISHED)
                else path_of(node) and link(node, lang),
                "list": None if grouped else actions_link(node, data["kind"], wanted, lang),
                **listed_actions(data["behind"], "node", lang),
            }
        )
    edges = []
    for (one, other), width in render.edge_widths(graph).items():
        data = graph.edges[one, other]
        edges.append(
            {
                "id": f"{number_of[one]}-{number_of[other]}",
                "from": number_of[one],
                "to": number_of[other],
                "width": width,
                "heading": view_words.link_heading(graph, one, other),
                "facts": view_words.link_facts(projected, data, lang),
                **listed_actions(data["behind"], "link", lang),
            }
        )
    return {"nodes": nodes, "edges": edges, "options": vis_options(len(nodes)), "words": script_words(lang)}


def vis_options(node_count: int) -> dict[str, object]:
    """render's options with physics off (positions are given) and sizes from each node's value; the
    script sizes and places the labels for the zoom, the biggest nodes' first."""
    options = render.vis_options(node_count)
    options["physics"] = {"enabled": False}
    options["interaction"] = {**options["interaction"], "hideEdgesOnDrag": node_count > NODE_BUDGET // 2}
    options["nodes"] = {
        **options["nodes"],
        "scaling": {"min": 12, "max": 40, "label": {"enabled": False}},
    }
    return options


def script_words(lang: str) -> dict[str, str]:
    return {
        "page": tr(lang, "Ouvrir sa page", "Open its page"),
        "list": tr(lang, "Voir ces actions dans la liste", "See these actions in the list"),
        "actions": tr(lang, "Les actions derrière", "The actions behind it"),
        "link_actions": tr(lang, "Les actions qui font ce lien", "The actions that make this link"),
        "more": tr(lang, "et {n} autres", "and {n} more"),
        "none": tr(lang, "Aucun nœud ne porte ce nom.", "No node has this name."),
        "found": tr(lang, "Trouvé : {label}", "Found: {label}"),
        "close": tr(lang, "Fermer", "Close"),
    }


def drawn_view(site: Site, name: str, wanted: dict[str, str], min_weight: int, lang: str) -> Drawn:
    """The page's network for filters already checked by `asked`, drawn once per process."""

    def draw() -> Drawn:
        data = graph_actions_of(site)
        chosen = {
            filter_name: wanted[filter_name] for filter_name in NARROWING_FILTERS if filter_name in wanted
        }
        # Chosen before the funder type: `select` refuses a value that names none of the actions it is
        # given, and a keyword of the graph may name none of the actions one funder type funds.
        narrowed = select(data.actions, Narrowing(**chosen), data.names.spellings)
        actions = chosen_actions(data, narrowed, wanted.get("funder"))
        projected, weight = within_links(
            name, actions, data.names.spellings, Narrowing(min_weight=min_weight)
        )
        notes = []
        if not projected.actions:
            notes.append(
                tr(
                    lang,
                    "Aucune action ne répond à tous ces filtres.",
                    "No action answers all these filters.",
                )
            )
        if weight != min_weight:
            notes.append(
                tr(
                    lang,
                    f"Trop de liens pour une page : seuls les liens de poids {weight} ou plus sont gardés.",
                    f"Too many links for a page: only links of weight {weight} or more are kept.",
                )
            )
        projected, summary_notes = summarised(projected, lang)
        return Drawn(projected, page_data(projected, wanted, lang), notes + summary_notes)

    return kept(site, ("network", name, tuple(sorted(wanted.items())), min_weight, lang), draw)


def form_context(data: GraphActions, given: dict[str, str], weight: str, lang: str) -> dict[str, object]:
    return {
        "filters": [
            {
                "name": item.name,
                "label": tr(lang, item.french, item.english),
                "value": given.get(item.name, ""),
                "choices": [thing.label for thing in choices_of(data, item.name)],
            }
            for item in FILTERS
        ],
        "min_weight": weight,
        "views": [(view_name, tr(lang, *view_words.PAGE_TITLES[view_name])) for view_name in networks.VIEWS],
    }


def view_titles(name: str, lang: str) -> dict[str, str]:
    return {
        "title": tr(lang, *view_words.PAGE_TITLES[name]),
        "meaning": tr(lang, *view_words.PAGE_MEANINGS[name]),
    }


def network_page(request: Request) -> Response:
    name = request.path_params["view"]
    if name not in networks.VIEWS:
        raise HTTPException(404)
    site, lang = site_of(request), lang_of(request)
    data = graph_actions_of(site)
    typed = {item.name: request.query_params.get(item.name, "") for item in FILTERS}
    common = {"name": name, **view_titles(name, lang)}
    try:
        wanted, min_weight = asked(request, data)
    except Refused as problem:
        context = {**common, **form_context(data, typed, request.query_params.get("min_weight", ""), lang)}
        return render_page(request, "site/network.html", {**context, "problem": problem, "drawn": None}, 400)
    drawn = drawn_view(site, name, wanted, min_weight, lang)
    context = {
        **common,
        **form_context(data, typed, str(min_weight or ""), lang),
        "problem": None,
        "drawn": drawn,
        "summary": view_words.page_summary(drawn.projected, lang),
        "legend": render.page_legend(drawn.projected, lang)[1],
        "data": render.script_json(drawn.data),
    }
    return render_page(request, "site/network.html", context)


def networks_page(request: Request) -> Response:
    lang = lang_of(request)
    views = [{"name": name, **view_titles(name, lang)} for name in networks.VIEWS]
    return render_page(request, "site/networks.html", {"views": views})


WARMED = ("partnership", "keywords", "funding")
"""The national views drawn at start: the structures view grows with the square of the structures
(15 s at 10k fiches) and is left for the first visitor who asks."""


def warm(site: Site) -> None:
    """The first pages of /networks, drawn while the first visitor is on the way (after the actions)."""
    for name in WARMED:
        drawn_view(site, name, {}, 0, "fr")


routes: list[BaseRoute] = [
    Route("/networks", networks_page),
    Route("/networks/vis-network.js", vis_network_script),
    Route("/networks/{view}", network_page),
]
