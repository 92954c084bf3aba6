"""A map of France by département, as SVG drawn on the server: no tiles, no script, no internet.

The outlines ship in `ontology/departements-outlines.json` (MapSVG's, CC BY 4.0, credited on the map; see
ontology/README.md), overseas départements in insets below metropolitan France. Each département is shaded
by the number of actions, of structures or of euros stated for the chosen actions, in quantile classes;
those with none are hatched and the legend says so. An action counts in the département of the structure
that runs it, as in the `actions-per-departement` question.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from csgraph.departements import Departement, all_departements
from csgraph.formatting import count, euros, number, tr
from csgraph.graph_actions import (
    NARROWED_BY,
    Action,
    Named,
    Narrowing,
    matching,
    read_actions,
    read_names,
    select,
)
from csgraph.resources import project_file
from csgraph.store import open_graph
from csgraph.svg import check_image, document, element, serialised, write_image
from csgraph.view_words import FILTER_WORDS
from csgraph.vocabulary import BASE

Measure = Literal["actions", "structures", "euros"]
MEASURES: tuple[Measure, ...] = get_args(Measure)

DEPARTEMENT_IRI = f"{BASE}departement/"

RAMP = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
"""Light to dark blues (ColorBrewer `Blues`): one shade per class, the darkest for the largest values."""

CLASSES = len(RAMP)
GAP_PATTERN = "csgraph-map-gap"
GAP_FILL = f"url(#{GAP_PATTERN})"
INK = "#1a202c"
BORDER = "#a0aec0"  # light enough between shades, dark enough between hatched gaps
GREY = "#4a5568"
HEADER = 58.0
LEGEND_X = 648.0
WIDTH = 900.0
MARGIN = 12.0
FOOTER = 34.0

WORDS: dict[Measure, dict[str, tuple[str, str]]] = {
    "actions": {
        "heading": ("Actions par département", "Actions per département"),
        "legend": ("Nombre d'actions", "Number of actions"),
        "none": ("aucune action", "no action"),
    },
    "structures": {
        "heading": ("Structures par département", "Structures per département"),
        "legend": ("Structures ayant des actions", "Structures with actions"),
        "none": ("aucune structure", "no structure"),
    },
    "euros": {
        "heading": ("Euros déclarés par département", "Euros stated per département"),
        "legend": ("Montants déclarés", "Stated amounts"),
        "none": ("aucun montant déclaré", "no stated amount"),
    },
}


@dataclass(frozen=True)
class Inset:
    """A box below metropolitan France holding one overseas département, drawn to its own scale."""

    code: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Outlines:
    """The shipped outlines: one SVG path per département code, in the file's own coordinates."""

    width: float
    height: float
    paths: dict[str, str]
    insets: tuple[Inset, ...]
    source: str
    licence: str
    licence_url: str


@cache
def outlines() -> Outlines:
    document = json.loads(project_file("ontology", "departements-outlines.json").read_text(encoding="utf-8"))
    return Outlines(
        width=float(document["width"]),
        height=float(document["height"]),
        paths=document["departements"],
        insets=tuple(Inset(**inset) for inset in document["insets"]),
        source=document["source"],
        licence=document["licence"],
        licence_url=document["licence_url"],
    )


@dataclass(frozen=True)
class Counted:
    """What the map counts of one action: the département of its structure, the structure, stated euros."""

    code: str | None
    structure: str | None
    euros: Decimal | None  # None when the action states no amount

    @classmethod
    def of(cls, action: Action) -> Counted:
        place = action.departement.iri if action.departement else ""
        code = place[len(DEPARTEMENT_IRI) :] if place.startswith(DEPARTEMENT_IRI) else None
        return cls(code, action.structure.iri if action.structure else None, action.euros)


def totals(actions: Iterable[Counted], measure: Measure) -> tuple[dict[str, Decimal], int]:
    """Per département code, the measure over `actions`; and how many actions had no département."""
    actions_in: defaultdict[str, int] = defaultdict(int)
    structures_in: defaultdict[str, set[str]] = defaultdict(set)
    euros_in: defaultdict[str, Decimal] = defaultdict(Decimal)
    unplaced = 0
    for action in actions:
        code = action.code
        if code is None:
            unplaced += 1
        elif measure == "actions":
            actions_in[code] += 1
        elif measure == "structures":
            if action.structure is not None:
                structures_in[code].add(action.structure)
        elif action.euros is not None:
            euros_in[code] += action.euros
    if measure == "actions":
        return {code: Decimal(found) for code, found in actions_in.items()}, unplaced
    if measure == "structures":
        return {code: Decimal(len(found)) for code, found in structures_in.items()}, unplaced
    return {code: amount for code, amount in euros_in.items() if amount}, unplaced


@dataclass(frozen=True)
class Scale:
    """Quantile classes of the départements that have a value: about as many départements in each class.

    Each class is shown by the lowest and highest value it actually holds, so the legend never names a
    value no département has; fewer distinct values give fewer classes.
    """

    classes: tuple[tuple[Decimal, Decimal], ...]

    @classmethod
    def of(cls, values: Iterable[Decimal]) -> Scale:
        ordered = sorted(value for value in values if value > 0)
        tops: list[Decimal] = []
        for step in range(1, CLASSES + 1):
            top = ordered[math.ceil(step * len(ordered) / CLASSES) - 1] if ordered else None
            if top is not None and top not in tops:
                tops.append(top)
        classes, lowest = [], 0
        for top in tops:
            members = [value for value in ordered[lowest:] if value <= top]
            classes.append((members[0], top))
            lowest += len(members)
        return cls(tuple(classes))

    @property
    def colours(self) -> tuple[str, ...]:
        return RAMP[CLASSES - len(self.classes) :]

    def colour(self, value: Decimal) -> str | None:
        """The shade of a value, None for a gap (no value)."""
        for (_, top), colour in zip(self.classes, self.colours, strict=True):
            if 0 < value <= top:
                return colour
        return None


@dataclass(frozen=True)
class FranceMap:
    """What the map shows: a measure per département for some actions, and how those were chosen."""

    measure: Measure
    values: dict[str, Decimal]  # département code → value, only those that have one
    unplaced: int = 0  # chosen actions whose structure names no département
    given: tuple[tuple[str, str], ...] = ()  # (what, value) that chose the actions, as Narrowing.given()

    def value(self, code: str) -> Decimal:
        return self.values.get(code, Decimal(0))

    def rows(self) -> list[tuple[Departement, Decimal]]:
        """Départements with a value, the largest first (a table of the same numbers as the shades)."""
        present = [(departement, self.value(departement.code)) for departement in all_departements()]
        return sorted(
            ((departement, value) for departement, value in present if value), key=lambda row: -row[1]
        )

    def gaps(self) -> list[Departement]:
        return [departement for departement in all_departements() if not self.value(departement.code)]

    def scale(self) -> Scale:
        return Scale.of(self.values.values())

    def amount(self, value: Decimal, lang: str = "fr") -> str:
        return euros(value, lang) if self.measure == "euros" else number(value, lang)

    def shown(self, value: Decimal, lang: str = "fr") -> str:
        """`25 actions`, `3 structures`, `16 700 €`; the words of a gap when there is nothing."""
        if not value:
            return tr(lang, *WORDS[self.measure]["none"])
        if self.measure == "euros":
            return euros(value, lang)
        return count(value, lang, self.measure.removesuffix("s"))

    def span(self, low: Decimal, high: Decimal, lang: str = "fr") -> str:
        """`1 à 3`, `25`, `1 200 € à 5 000 €`: the values a class holds."""
        if low == high:
            return self.amount(low, lang)
        return f"{self.amount(low, lang)} {tr(lang, 'à', 'to')} {self.amount(high, lang)}"

    def subtitle(self, lang: str = "fr") -> str:
        """`Mot clé : Santé — 12 départements sur 101`: what chose the actions, and how far they reach."""
        colon = " : " if lang == "fr" else ": "
        chosen = [
            tr(lang, *FILTER_WORDS.get(what, (what, what))) + colon + value for what, value in self.given
        ]
        scope = " · ".join(chosen) or tr(lang, "toutes les actions du graphe", "every action of the graph")
        total = number(len(all_departements()), lang)
        reach = tr(lang, f"sur {total}", f"of {total}")
        return f"{capitalised(scope)} — {count(len(self.values), lang, 'département')} {reach}"

    def svg(self, lang: str = "fr", href: Callable[[str], str] | None = None) -> str:
        """The map as an SVG document; with `href`, each département links to `href(code)`."""
        return map_svg(self, lang, href)


def france_map(
    actions: Iterable[Action], measure: Measure, given: Sequence[tuple[str, str]] = ()
) -> FranceMap:
    values, unplaced = totals(map(Counted.of, actions), measure)
    return FranceMap(measure, values, unplaced, tuple(given))


def narrowed_map(
    actions: list[Action], spellings: dict[str, set[str]], measure: Measure, narrowing: Narrowing
) -> FranceMap:
    """The map of the actions a narrowing chooses (a value naming nothing in the graph is an error)."""
    return france_map(select(actions, narrowing, spellings), measure, narrowing.given())


ROLES: dict[str, Callable[[Action], Iterable[Named]]] = {
    **NARROWED_BY,
    "funder type": lambda action: (grant.funder_type for grant in action.grants if grant.funder_type),
}
"""What an action names, by role; a concept page's map counts the actions naming it in any role."""


class MapIndex:
    """The actions as the map counts them, indexed by what they name, for a site that maps them often.

    `select` scans every action for each value; at 100k actions that is most of a second per map. Here a
    value is resolved as `select` resolves it (graph_actions.matching), then its actions are looked up.
    """

    def __init__(self, actions: list[Action], spellings: dict[str, set[str]]) -> None:
        self.spellings = spellings
        self.counted = [Counted.of(action) for action in actions]
        self.naming: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        for index, action in enumerate(actions):
            for role, named_by in ROLES.items():
                for thing in set(named_by(action)):
                    self.naming[role, thing.iri].append(index)
        known: defaultdict[str, set[Named]] = defaultdict(set)
        for action in actions:
            for role, named_by in ROLES.items():
                known[role].update(named_by(action))
        self.known = dict(known)

    def chosen(self, narrowing: Narrowing) -> list[Counted]:
        """The actions `select` would choose; a value naming nothing in the graph is an UnknownValue."""
        indexes: set[int] | None = None
        for what, value in narrowing.given():
            things = matching(value, self.known.get(what, set()), self.spellings, what)
            found = {index for iri in things for index in self.naming.get((what, iri), ())}
            indexes = found if indexes is None else indexes & found
        return self.counted if indexes is None else [self.counted[index] for index in sorted(indexes)]

    def narrowed_map(self, measure: Measure, narrowing: Narrowing) -> FranceMap:
        values, unplaced = totals(self.chosen(narrowing), measure)
        return FranceMap(measure, values, unplaced, tuple(narrowing.given()))

    def concept_map(self, concept: Named, what: str, measure: Measure) -> FranceMap:
        """The map of the actions that name `concept` in any role (a Caf is a partner and a funder type)."""
        indexes = {index for role in ROLES for index in self.naming.get((role, concept.iri), ())}
        values, unplaced = totals((self.counted[index] for index in sorted(indexes)), measure)
        return FranceMap(measure, values, unplaced, ((what, concept.label),))


def draw_map(graph: Path, out: Path, measure: Measure, narrowing: Narrowing) -> FranceMap:
    """Write the map of a built graph to `out` (.svg or .png). A file has no links: it is read on its own."""
    check_image(out)
    store = open_graph(graph)
    names = read_names(store)
    drawn = narrowed_map(read_actions(store, names), names.spellings, measure, narrowing)
    write_image(out, drawn.svg())
    return drawn


def map_svg(drawn: FranceMap, lang: str, href: Callable[[str], str] | None) -> str:
    shapes = outlines()
    scale = drawn.scale()
    heading = tr(lang, *WORDS[drawn.measure]["heading"])
    height = HEADER + shapes.height + FOOTER
    root = document(WIDTH, height, f"{heading} — {drawn.subtitle(lang)}")
    hatching(root)
    page = element(root, "g", transform=f"translate({MARGIN:g} 0)")
    element(page, "text", heading, x=0.0, y=22.0, font_size=18, font_weight="bold", fill=INK)
    element(page, "text", drawn.subtitle(lang), x=0.0, y=42.0, font_size=12, fill=GREY)
    area = element(page, "g", transform=f"translate(0 {HEADER:g})")
    names = {departement.code: departement.name for departement in all_departements()}
    for inset in shapes.insets:
        frame = {"x": inset.x, "y": inset.y, "width": inset.width, "height": inset.height}
        element(area, "rect", **frame, fill="#ffffff", stroke="#a0aec0", stroke_width=0.8)
        label = f"{names[inset.code]} ({inset.code})"
        element(area, "text", label, x=inset.x + 4, y=inset.y + 11, font_size=9, fill=GREY)
    for code, name in names.items():
        parent = element(area, "a", href=href(code)) if href else area
        value = drawn.value(code)
        fill = scale.colour(value) or GAP_FILL
        shape = element(parent, "path", d=shapes.paths[code], fill=fill, stroke=BORDER, stroke_width=0.5)
        element(shape, "title", f"{name} ({code}) : {drawn.shown(value, lang)}")
    legend(page, drawn, scale, lang)
    for index, line in enumerate(credit(lang)):
        element(page, "text", line, x=0.0, y=height - 20 + 12 * index, font_size=9, fill=GREY)
    return serialised(root)


def hatching(root: ET.Element) -> None:
    """The pattern of gaps: grey lines on near-white, told apart from the palest shade without colour."""
    pattern = element(
        element(root, "defs"),
        "pattern",
        id=GAP_PATTERN,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform="rotate(45)",
    )
    element(pattern, "rect", width=6, height=6, fill="#f7f7f7")
    element(pattern, "line", x1=0, y1=0, x2=0, y2=6, stroke="#b8b8b8", stroke_width=2)


def legend(root: ET.Element, drawn: FranceMap, scale: Scale, lang: str) -> None:
    box = element(root, "g", transform=f"translate({LEGEND_X:g} {HEADER + 8:g})")
    title = tr(lang, *WORDS[drawn.measure]["legend"])
    element(box, "text", title, x=0.0, y=0.0, font_size=14, font_weight="bold", fill=INK)
    method = tr(lang, "classes par quantiles :", "quantile classes:")
    element(box, "text", method, x=0.0, y=18.0, font_size=11, fill=GREY)
    each = tr(lang, "autant de départements dans chacune", "as many départements in each")
    element(box, "text", each, x=0.0, y=32.0, font_size=11, fill=GREY)
    entries = [
        (colour, drawn.span(low, high, lang))
        for (low, high), colour in zip(reversed(scale.classes), reversed(scale.colours), strict=True)
    ]
    entries.append(
        (GAP_FILL, f"{capitalised(tr(lang, *WORDS[drawn.measure]['none']))} ({len(drawn.gaps())})")
    )
    for index, (fill, text) in enumerate(entries):
        y = 46.0 + index * 26
        element(box, "rect", x=0.0, y=y, width=20, height=16, fill=fill, stroke="#718096", stroke_width=0.6)
        element(box, "text", text, x=28.0, y=y + 13, font_size=13, fill=INK)
    if drawn.unplaced:
        note = tr(lang, "Sans département :", "Without a département:")
        y = 58.0 + len(entries) * 26
        element(
            box,
            "text",
            f"{note} {count(drawn.unplaced, lang, 'action')}",
            x=0.0,
            y=y,
            font_size=11,
            fill=GREY,
        )


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def credit(lang: str) -> tuple[str, str]:
    """The outlines' source and licence, as CC BY asks: who made them, the licence, what was changed."""
    shapes = outlines()
    return (
        tr(lang, "Contours des départements : ", "Département outlines: ") + shapes.source,
        tr(
            lang,
            f"Licence {shapes.licence} ({shapes.licence_url}) ; coordonnées arrondies, "
            "outre-mer en encarts, chacun à sa propre échelle.",
            f"Licence {shapes.licence} ({shapes.licence_url}); coordinates rounded, "
            "overseas départements in insets, each at its own scale.",
        ),
    )
