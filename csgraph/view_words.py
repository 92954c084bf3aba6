"""What the network views say, in French (the default) and English: titles, summaries, tooltips.

The offline page, the SVG and PNG pictures and the site's /networks speak with these words; numbers are
written as the site writes them.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from csgraph.formatting import tr
from csgraph.graph_actions import UNNAMED_FUNDER, Narrowing
from csgraph.networks import (
    KIND_NAMES,
    KIND_NAMES_FR,
    View,
    plural,
)


def euros(amount: float) -> str:
    """French style, `16 700 €`, cents only when there are some."""
    text = f"{amount:,.2f}".removesuffix(".00")
    return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def count_of_actions(count: int) -> str:
    return f"{count} action{plural(count)}"


def number_words(value: float, lang: str) -> str:
    """`1 234` in French (narrow no-break space, as the site writes numbers), `1,234` in English."""
    text = f"{value:,}"
    return text if lang == "en" else text.replace(",", "\u202f")


def kind_words(kind: str, count: int, lang: str) -> str:
    """`12 structures`, `1 type de partenaire`: a count of nodes of one kind in the page's language."""
    one, many = (KIND_NAMES if lang == "en" else KIND_NAMES_FR)[kind]
    return f"{number_words(count, lang)} {one if count == 1 else many}"


def kinds_drawn(projected: View, lang: str) -> dict[str, str]:
    """`8 financeurs (et un financeur non nommé)`, `9 mots clés`: the nodes of each kind, for the summary
    and the legend alike. Money whose giver the fiche does not name has a node, but no funder behind it."""
    words = {}
    for kind, count in projected.kinds().items():
        if kind == "funder" and UNNAMED_FUNDER in projected.graph:
            named = kind_words(kind, count - 1, lang) + " " if count > 1 else ""
            words[kind] = named + tr(lang, "(et un financeur non nommé)", "(and an unnamed funder)")
        else:
            words[kind] = kind_words(kind, count, lang)
    return words


def listed(behind: tuple, lang: str = "en") -> list[str]:
    lines = [action.place for action in behind[:TOOLTIP_ACTIONS]]
    if len(behind) > TOOLTIP_ACTIONS:
        rest = len(behind) - TOOLTIP_ACTIONS
        lines.append(f"… and {rest} more" if lang == "en" else f"… et {number_words(rest, lang)} autres")
    return lines


def amount_line(projected: View, data: dict, lang: str = "en") -> str:
    """`16 700 € déclarés · 3 actions` on a funding view, else `3 actions`."""
    count = data["actions"]
    actions = (
        count_of_actions(count) if lang == "en" else f"{number_words(count, lang)} action{plural(count)}"
    )
    if projected.spec.size_by == "euros" and data["euros"]:
        line = tr(lang, f"{euros(data['euros'])} déclarés", f"{euros(data['euros'])} stated")
        if data.get("jointly"):
            jointly = euros(data["jointly"])
            line += tr(
                lang,
                f" (dont {jointly} avec d'autres financeurs, part de chacun non dite)",
                f" (of which {jointly} with other funders, each one's share not stated)",
            )
        return f"{line} · {actions}"
    return actions


PAGE_TITLES = {
    "partnership": ("Partenariats : les structures et leurs types de partenaire", "Partnerships"),
    "funding": ("Financements : qui finance quels thèmes", "Funding: who funds which themes"),
    "keywords": ("Les mots clés qui vont ensemble", "Keywords that go together"),
    "structures": (
        "Les structures qui partagent des types de partenaire",
        "Structures sharing partner types",
    ),
}

PAGE_MEANINGS = {
    "partnership": (
        "La taille dit le nombre d'actions ; l'épaisseur d'un lien, les actions menées avec ce type "
        "de partenaire.",
        "Size: number of actions; width of a link: actions led with this partner type.",
    ),
    "funding": (
        "La taille dit les euros déclarés ; l'épaisseur d'un lien, les euros des actions de ce thème.",
        "Size: euros stated; width of a link: euros of the actions with this keyword.",
    ),
    "keywords": (
        "La taille dit le nombre d'actions ; l'épaisseur d'un lien, les actions qui portent les deux "
        "mots clés.",
        "Size: number of actions; width of a link: actions carrying both keywords.",
    ),
    "structures": (
        "La taille dit le nombre d'actions ; l'épaisseur d'un lien, les types de partenaire partagés.",
        "Size: number of actions; width of a link: partner types both structures work with.",
    ),
}
"""What the pages (the single file and the site) call each view and how they read it, French first."""

MISSING_WORDS = {
    "partnership": "ne nomment aucune structure",
    "funding": "ne déclarent aucune contribution",
    "keywords": "ne portent aucun mot clé",
    "structures": "ne nomment aucune structure",
}
"""Why the actions a view does not draw are not there (in English: each ViewSpec's `missing`). The funding
view's words are the README's: a contribution is an amount given by someone, named or not; an action
without one may still state money (a total or expenses), and `data-quality` counts both apart."""

FILTER_WORDS = {
    "département": ("département", "département"),
    "keyword": ("mot clé", "keyword"),
    "public": ("public", "public"),
    "partner type": ("type de partenaire", "partner type"),
    "funder type": ("type de financeur", "funder type"),
    "year": ("année", "year"),
}
"""How pages, maps and pictures name what chose the actions (the `what` of `Narrowing.given()`)."""


def narrowing_words(narrowing: Narrowing, lang: str) -> str:
    """`mot clé Santé, poids ≥ 2`, or empty when nothing narrows the view."""
    if lang == "en":
        return narrowing.describe()
    parts = [f"{FILTER_WORDS[what][0]} {value}" for what, value in narrowing.given()]
    if narrowing.min_weight:
        parts.append(f"poids ≥ {narrowing.min_weight:g}")
    return ", ".join(parts)


def page_summary(projected: View, lang: str) -> str:
    """`25 actions · 17 structures · 21 types de partenaire · 71 liens`, with what is hidden or apart."""
    graph = projected.graph
    drawn = {action for _, behind in graph.nodes(data="behind") for action in behind}
    actions = number_words(projected.actions, lang)
    if len(drawn) == projected.actions:
        parts = [f"{actions} action{plural(projected.actions)}"]
    else:
        parts = [
            tr(
                lang,
                f"{number_words(len(drawn), lang)} actions tracées sur {actions}",
                f"{len(drawn)} of {actions} actions drawn",
            )
        ]
        if not projected.hidden:
            missing = tr(lang, MISSING_WORDS[projected.name], projected.spec.missing)
            parts[0] += tr(lang, " (les autres ", " (the others ") + missing + ")"
    parts += kinds_drawn(projected, lang).values()
    links = graph.number_of_edges()
    parts.append(f"{number_words(links, lang)} {tr(lang, 'lien', 'link')}{plural(links)}")
    if projected.hidden:
        hidden = number_words(projected.hidden, lang)
        parts.append(
            tr(
                lang,
                f"{hidden} nœud{plural(projected.hidden)} masqué{plural(projected.hidden)}, tous leurs liens "
                f"sous le poids {projected.narrowing.min_weight:g}",
                f"{hidden} node{plural(projected.hidden)} hidden, all links below weight "
                f"{projected.narrowing.min_weight:g}",
            )
        )
    apart = projected.apart()
    if apart:
        names = ", ".join(apart[:5]) + (" …" if len(apart) > 5 else "")
        parts.append(tr(lang, f"sans lien, à part : {names}", f"without links, shown apart: {names}"))
    return " · ".join(parts)


def community_words(name: str, lang: str) -> str:
    return name if lang == "fr" else name.replace("autour de ", "around ", 1)


def node_facts(projected: View, node: str, core: set[str], groups: dict[int, str], lang: str) -> list[str]:
    """What a page says of a node, in words: its actions, what it links, its place in the network; never a
    betweenness or a group number."""
    graph = projected.graph
    data = graph.nodes[node]
    facts = [amount_line(projected, data, lang)]
    neighbours: defaultdict[str, int] = defaultdict(int)
    for other in graph[node]:
        neighbours[graph.nodes[other]["kind"]] += 1
    for kind in KIND_NAMES:
        if neighbours[kind]:
            facts.append(tr(lang, "relie ", "links ") + kind_words(kind, neighbours[kind], lang))
    if not graph.degree(node):
        facts.append(tr(lang, "sans lien dans cette vue", "without links in this view"))
    funder_type = data.get("funder_type")
    if funder_type is not None and funder_type != data["label"]:
        stated = funder_type or tr(lang, "non précisé", "not stated")
        facts.append(tr(lang, "type de financeur : ", "funder type: ") + stated)
    if node in core:
        facts.append(tr(lang, "au cœur du réseau", "at the heart of the network"))
    if projected.spec.colour_by == "community" and graph.degree(node):
        facts.append(tr(lang, "groupe ", "group ") + community_words(groups[data["community"]], lang))
    return facts


def kind_name(kind: str, lang: str) -> str:
    return (KIND_NAMES if lang == "en" else KIND_NAMES_FR)[kind][0]


def node_tip(projected: View, node: str, core: set[str], groups: dict[int, str]) -> dict[str, object]:
    data = projected.graph.nodes[node]
    return {
        "heading": data["label"],
        "lines": [
            kind_name(data["kind"], "fr").capitalize(),
            *node_facts(projected, node, core, groups, "fr"),
        ],
        "actions": listed(data["behind"], "fr"),
    }


def link_facts(projected: View, data: dict, lang: str) -> list[str]:
    facts = [amount_line(projected, data, lang)]
    if data["shared"]:
        shared = ", ".join(data["shared"])
        facts.append(tr(lang, "types de partenaire partagés : ", "shared partner types: ") + shared)
    return facts


def link_heading(graph: nx.Graph, one: str, other: str) -> str:
    return f"{graph.nodes[one]['label']} — {graph.nodes[other]['label']}"


def edge_tip(projected: View, one: str, other: str, data: dict) -> dict[str, object]:
    return {
        "heading": link_heading(projected.graph, one, other),
        "lines": link_facts(projected, data, "fr"),
        "actions": listed(data["behind"], "fr"),
    }


TOOLTIP_ACTIONS = 12
"""Actions listed in one tooltip; a hub (the Caf) can stand behind hundreds."""
