"""Synthetic SENACS fiches at any size, for the benchmark: the sample's own values, resampled.

Every field is drawn from what the 25 real fiches of `data/` hold (texts whole, list values with
their real frequencies, money and people lines with fresh digits in the same shapes), across the
three layouts the parser reads, with varied structures and départements and a few hostile lines
(glued labels, bullets in free text, markup in titles, odd encodings and line ends, a cut-off file).

Fiche `i` depends only on `(seed, i)`: the first thousand fiches of a 10k set are the 1k set.

    python benchmarks/generate.py OUT_DIR --fiches 10000 [--seed 1] [--per-file 1000]
        [--structure-pages 3000] [--grants 20000]

`--structure-pages N` also writes the SENACS pages of the first N structures (the busiest), under the
names and départements their fiches give; `--grants N` an SCDL grants file of N rows paying them.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from structure_inputs import write_grants, write_structure_pages  # benchmarks/ is run as a script folder

from csgraph.fiches import read_fiches
from csgraph.model import Fiche, Notice
from csgraph.resources import project_file
from csgraph.vocabulary import Vocabulary
from csgraph.writing import atomic_write

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "pas-de-calais-actions.txt"
STRUCTURE_SLOTS = 4000  # about as many social centres and EVS as France counts
LAYOUT_WEIGHTS = {"detailed": 0.7, "listing": 0.2, "questionnaire": 0.1}
FICHES_PER_PAGE = 10
ODDITY_RATE = 0.05
LIST_FIELDS = ("keywords", "initiatives", "publics", "territories", "partners")
SINGLE_FIELDS = ("status", "dimension")

# The SENACS form as the detailed layout prints it: (kind, field, label); headings stand alone.
# `placeholder` lists open with a lone `-`; `partners` also with `Partenaires d'action:`.
DETAILED_FORM: tuple[tuple[str, str, str], ...] = (
    ("heading", "", "DESCRIPTION DE L'ACTION"),
    ("single", "status", "Statut de l'action"),
    ("optional", "end_reason", "Raisons pour lesquelles l'action est terminée"),
    ("single", "dimension", "Dimension"),
    ("placeholder", "keywords", "Mots clés associés à l'action"),
    ("text", "summary", "Résumé"),
    ("single", "structure", "Structure organisatrice"),
    ("heading", "", "RAISON D'ETRE DE L' ACTION"),
    ("placeholder", "initiatives", "Qui est à l'initiative de l'action ?"),
    ("optional", "initiative_detail", "Précision ( si autre )"),
    (
        "text",
        "experience",
        "Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",
    ),
    ("list", "territories", "Territoire concerné"),
    ("heading", "", "METHODOLOGIE DE L' ACTION"),
    ("list", "publics", "Public"),
    ("placeholder", "partners", "Avec qui cette action a-t-elle été menée ?"),
    ("list", "territories", "Territoire concerné"),
    ("text", "description", "Description générale"),
    ("text", "resources", "Ressources financières mobilisées pour cette action"),
    ("text", "people", "Nombre de personnes mobilisés pour cette action"),
    ("heading", "", "AUTO-EVALUATION DE L’ACTION"),
    ("text", "result_territory", "Résultat sur le territoire"),
    ("text", "result_centre", "Résultat pour le centre social"),
    ("text", "result_inhabitants", "Résultat pour les habitants"),
    ("text", "limits", "Suite de l'action : Limites"),
    ("text", "perspectives", "Suite de l'action : Perspectives"),
    ("heading", "", "FICHIERS ASSOCIES"),
    ("list", "files", "Fichier(s) associé(s)"),
)
# The listing pages print the fields of tests/fixtures/listing_layout.txt, in its order, without headings.
LISTING_FIELDS = (
    *("structure", "files", "status", "end_reason", "dimension", "keywords", "summary", "initiatives"),
    *("territories", "publics", "partners", "description", "resources", "people"),
)
# The questionnaire layout: bare labels with `  •` bullets, then question labels over free text drawn
# from the detailed fields that answer the same question.
QUESTIONNAIRE_LISTS = (
    ("structure", "Structure organisatrice"),
    ("published_by", "Publié par"),
    ("themes", "Thèmes"),
    ("keywords", "Mots clés associés à l'actions"),
)
QUESTIONNAIRE_TEXTS = (
    ("description", "Description générale"),
    ("experience", "Quels furent les éléments de diagnostic à l'origine de l'expérience ?"),
    ("result_inhabitants", "Quels sont les impacts ou effets positifs produits par cette expérience ?"),
    ("result_centre", "Quels furent les facteurs de réussite de cette expérience ?"),
    ("limits", "Quelles sont les limites de cette expérience ?"),
)
STRUCTURE_KINDS = (
    "Centre social",
    "CENTRE SOCIAL",
    "Centre socioculturel",
    "CENTRE SOCIOCULTUREL",
    "Maison pour Tous",
    "MAISON POUR TOUS",
    "Espace de vie sociale",
    "Centre social et culturel",
    "Maison des habitants",
    "Foyer rural",
    "Centre social intercommunal",
    "Maison de quartier",
)
STRUCTURE_NAMES = (
    "Audrey Bartier",
    "Les Escales",
    "Léo Lagrange",
    "Jacques Brel",
    "Louise Michel",
    "Jean Jaurès",
    "Nelson Mandela",
    "Simone Veil",
    "du Bon Air",
    "des Tilleuls",
    "de la Ressource",
    "du Vieux Moulin",
    "Les Coquelicots",
    "La Passerelle",
    "L'Escale",
    "Le Phare",
    "La Source",
    "Les Hauts de Ville",
    "du Centre-Ville",
    "des Trois Cités",
    "Pablo Picasso",
    "Victor Hugo",
    "George Sand",
    "Marie Curie",
    "Rosa Parks",
    "Françoise Dolto",
    "Albert Camus",
    "de l'Arche",
    "Les Glycines",
    "du Val",
    "La Ruche",
    "L'Atelier",
    "Le Lien",
    "Émile Zola",
    "Anne Frank",
    "Saint-Exupéry",
)
STRUCTURE_SUFFIXES = ("Association SOLILLERS", "AJMR", "Actions Jeunes en Milieu Rural", "CSCI", "ACSRV")
TITLE_ACTIVITIES = (
    "Atelier",
    "Café",
    "Jardin partagé",
    "Sortie",
    "Séjour",
    "Accompagnement",
    "Fête de quartier",
    "Repair café",
    "Permanence",
    "Projet",
    "Rencontres",
    "Forum",
    "Chantier jeunes",
    "Ludothèque",
    "Point numérique",
)
ODD_KEYWORDS = (
    "Numérique",
    "Sport & bien-être",
    "Alimentation durable",
    "ACCES AUX DROITS",
    "Vieillissement",
)
ODD_TEXTS = (
    '<script>alert("fiche")</script> atelier du mercredi',
    '"} ; DELETE WHERE { ?s ?p ?o } #',
    "Budget\tprévisionnel\u00a0: voir annexe \\ n°2",
    "Actions en lien avec le quartier, les écoles et les familles",
    "- une fois par semaine\n- et parfois plus",
    "https://example.org/?a=1&b=<2>",
)
THEMES = ("Lien social", "Parentalité", "Accès aux droits", "Jeunesse", "Vivre ensemble", "Insertion")


@dataclass(frozen=True)
class Pools:
    """What the real fiches hold, kept as occurrences so frequent values stay frequent."""

    titles: tuple[str, ...]
    presence: dict[str, float]
    lengths: dict[str, tuple[int, ...]]
    values: dict[str, tuple[str, ...]]
    texts: dict[str, tuple[str, ...]]
    structures: tuple[str, ...]
    departements: tuple[tuple[str, ...], ...]
    listed: dict[str, tuple[str, ...]]

    @classmethod
    def from_sample(cls, sample: Path = SAMPLE) -> Pools:
        fiches: list[Fiche] = list(read_fiches([sample], list[Notice]()))
        vocabulary = Vocabulary.load()
        presence: dict[str, float] = {}
        lengths: dict[str, tuple[int, ...]] = {}
        values: dict[str, tuple[str, ...]] = {}
        for name in (*LIST_FIELDS, *SINGLE_FIELDS):
            per_fiche = [
                [value] if isinstance(value, str) else list(value)
                for value in (getattr(fiche, name) for fiche in fiches)
                if value
            ]
            presence[name] = len(per_fiche) / len(fiches)
            lengths[name] = tuple(len(found) for found in per_fiche)
            values[name] = tuple(value for found in per_fiche for value in found)
        texts: dict[str, list[str]] = {}
        for fiche in fiches:
            for name, text in fiche.texts.items():
                texts.setdefault(name, []).append(text)
        for name in texts:
            presence[name] = sum(name in fiche.texts for fiche in fiches) / len(fiches)
        texts["end_reason"] = [fiche.end_reason for fiche in fiches if fiche.end_reason]
        return cls(
            titles=tuple(fiche.title for fiche in fiches if fiche.title),
            presence=presence,
            lengths=lengths,
            values=values,
            texts={name: tuple(found) for name, found in texts.items()},
            structures=tuple(sorted({fiche.structure for fiche in fiches if fiche.structure})),
            departements=tuple(read_departements()),
            listed={
                name: tuple(concept.label for concept in vocabulary.concepts(scheme))
                for name, scheme in (("keywords", "keyword"), ("partners", "partner"))
            },
        )


def read_departements() -> Iterator[tuple[str, ...]]:
    """Each département as its name followed by the other spellings people use."""
    with open(project_file("ontology", "departements.csv"), encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            yield (row["name"], *filter(None, row["aliases"].split("|")))


@dataclass
class SyntheticFiche:
    """One generated fiche, before it is written in a layout."""

    title: str
    structure: str
    year: int
    fields: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    glue_territory: bool = False


def fresh_digits(text: str, rng: random.Random) -> str:
    """Same shapes of numbers (`20 000 €`, `2 ETP`, `21 280.00€`), other values."""

    def replace(match: re.Match[str]) -> str:
        digits = match.group()
        first = str(rng.randint(1, 9)) if digits[0] != "0" else "0"
        return first + "".join(str(rng.randint(0, 9)) for _ in digits[1:])

    return re.sub(r"\d+", replace, text)


def structure_line(seed: int, slot: int, pools: Pools) -> str:
    """`NAME - DÉPARTEMENT` for one of the structure slots, sometimes spelt oddly."""
    rng = random.Random(f"{seed}:structure:{slot}")
    if rng.random() < 0.1:
        name = rng.choice(pools.structures)
    else:
        name = f"{rng.choice(STRUCTURE_KINDS)} {rng.choice(STRUCTURE_NAMES)}"
        if rng.random() < 0.15:
            name = f"{name} - {rng.choice(STRUCTURE_SUFFIXES)}"
    spellings = rng.choice(pools.departements)
    departement = rng.choice(spellings) if rng.random() < 0.1 else spellings[0]
    roll = rng.random()
    if roll < 0.01:
        return name  # no département at all
    if roll < 0.03:
        return f"{name} – {departement}"
    return f"{name} - {departement}"


def make_fiche(seed: int, index: int, pools: Pools) -> SyntheticFiche:
    rng = random.Random(f"{seed}:fiche:{index}")
    slot = int(STRUCTURE_SLOTS * rng.random() ** 2)  # a few busy structures, many quiet ones
    if rng.random() < 0.5:
        title = rng.choice(pools.titles)
        if rng.random() < 0.5:
            title = f"{title} {rng.randint(2012, 2024)}"
    else:
        topic = rng.choice(pools.listed["keywords"])
        title = f"{rng.choice(TITLE_ACTIVITIES)} {topic.lower()} n°{index % 997}"
    fiche = SyntheticFiche(title, structure_line(seed, slot, pools), rng.randint(2012, 2024))
    for name in (*LIST_FIELDS, *SINGLE_FIELDS):
        if rng.random() >= pools.presence[name]:
            continue
        count = rng.choice(pools.lengths[name])
        chosen: list[str] = []
        for _ in range(count):
            pool = pools.listed.get(name) if rng.random() < 0.15 else None
            value = rng.choice(pool or pools.values[name])
            if value not in chosen:
                chosen.append(value)
        fiche.fields[name] = chosen
    for name, texts in pools.texts.items():
        if name == "end_reason" and fiche.fields.get("status") != ["Terminée"]:
            continue
        if name == "end_reason" or rng.random() < pools.presence[name]:
            text = rng.choice(texts)
            fiche.texts[name] = fresh_digits(text, rng) if name in ("resources", "people") else text
    fiche.fields["themes"] = rng.sample(THEMES, rng.randint(1, 2))
    if rng.random() < ODDITY_RATE:
        add_oddity(fiche, rng)
    return fiche


def add_oddity(fiche: SyntheticFiche, rng: random.Random) -> None:
    """One of the quirks real exports show, so the benchmark pays for them too."""
    kind = rng.randrange(5)
    if kind == 0:
        fiche.title = f'"{fiche.title}"'  # written ""TITLE""
    elif kind == 1:
        fiche.fields.setdefault("keywords", []).append(rng.choice(ODD_KEYWORDS))
    elif kind == 2:
        fiche.texts["summary"] = f"{fiche.texts.get('summary', '')}\n{rng.choice(ODD_TEXTS)}".strip()
    elif kind == 3:
        fiche.title = f"{fiche.title} {rng.choice(ODD_TEXTS).splitlines()[0]}"
    elif "experience" in fiche.texts:
        fiche.glue_territory = True  # `…text- Territoire concerné`: the line break was lost


def dashed_field(fiche: SyntheticFiche, kind: str, name: str, label: str) -> Iterator[str]:
    """One field of the detailed and listing layouts: `- LABEL` then values or text."""
    if name == "structure":
        yield f"- {label}"
        yield f"- {fiche.structure}"
    elif kind == "optional" or kind == "text":
        text = fiche.texts.get(name)
        if kind == "optional" and text is None:
            return
        yield f"- {label}"
        if text:
            yield from text.split("\n")
    else:
        yield f"- {label}"
        if kind == "placeholder":
            yield "-"
        if name == "partners":
            yield "Partenaires d'action:"
        yield from (f"- {value}" for value in fiche.fields.get(name, []))


def detailed_lines(fiche: SyntheticFiche) -> Iterator[str]:
    yield f'Actions "{fiche.title}"'
    glued = ""
    for kind, name, label in DETAILED_FORM:
        if kind == "heading":
            yield label
            continue
        if glued and name == "territories":
            yield f"{glued}- {label}"
            yield from (f"- {value}" for value in fiche.fields.get(name, []))
            glued = ""
            continue
        if name == "experience" and fiche.glue_territory:
            text_lines = fiche.texts[name].split("\n")
            yield f"- {label}"
            yield from text_lines[:-1]
            glued = text_lines[-1]
            continue
        yield from dashed_field(fiche, kind, name, label)


LABELS = {name: (kind, label) for kind, name, label in DETAILED_FORM if name}


def listing_lines(fiche: SyntheticFiche) -> Iterator[str]:
    yield "Actions"
    yield fiche.title
    for name in LISTING_FIELDS:
        kind, label = LABELS[name]
        yield from dashed_field(fiche, kind, name, label)


def questionnaire_lines(fiche: SyntheticFiche) -> Iterator[str]:
    yield f'Actions "{fiche.title}"'
    published_by = f"Fédération des centres sociaux, {fiche.structure.rpartition(' - ')[2]}"
    values = {**fiche.fields, "structure": [fiche.structure], "published_by": [published_by]}
    for name, label in QUESTIONNAIRE_LISTS:
        if values.get(name):
            yield label
            yield from (f"  • {value}" for value in values[name])
    for name, label in QUESTIONNAIRE_TEXTS:
        if name in fiche.texts:
            yield label
            yield from fiche.texts[name].split("\n")


def page_lines(fiches: Sequence[SyntheticFiche], layout: str, with_index: bool) -> Iterator[str]:
    """A page of the site's export: a header, maybe the index table, then its fiches."""
    if layout != "questionnaire":
        yield "Les actions des centres sociaux"
    if layout == "listing" and with_index:
        yield "Nom | Département | Année |"
        for fiche in fiches:
            yield f"{fiche.title} | {fiche.structure.rpartition(' - ')[2]} | {fiche.year} |"
    writer = {"detailed": detailed_lines, "listing": listing_lines, "questionnaire": questionnaire_lines}
    for fiche in fiches:
        yield from writer[layout](fiche)


@dataclass(frozen=True)
class FileStyle:
    """How one export file is stored; most are plain UTF-8, some are not."""

    encoding: str = "utf-8"
    line_end: str = "\n"
    cut_off: bool = False


# Among every ten export files: one with a BOM and Windows line ends, one in Windows-1252,
# one cut off in the middle of a fiche, one in UTF-16; the others plain UTF-8.
ODD_FILES = {
    3: FileStyle(encoding="utf-8-sig", line_end="\r\n"),
    5: FileStyle(encoding="cp1252"),
    7: FileStyle(cut_off=True),
    9: FileStyle(encoding="utf-16"),
}


def file_text(seed: int, first: int, count: int, pools: Pools) -> str:
    """The text of one export file holding fiches `first` to `first + count - 1`."""
    lines: list[str] = []
    for start in range(first, first + count, FICHES_PER_PAGE):
        rng = random.Random(f"{seed}:page:{start}")
        layout = rng.choices(list(LAYOUT_WEIGHTS), weights=list(LAYOUT_WEIGHTS.values()))[0]
        page = [
            make_fiche(seed, index, pools)
            for index in range(start, min(start + FICHES_PER_PAGE, first + count))
        ]
        lines.extend(page_lines(page, layout, with_index=rng.random() < 0.5))
    return "\n".join(lines) + "\n"


def generate(out_dir: Path, fiches: int, seed: int = 1, per_file: int = 1000) -> list[Path]:
    """Write `fiches` synthetic fiches into `out_dir/fiches-NNNNN.txt`, `per_file` to a file."""
    pools = Pools.from_sample()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, first in enumerate(range(0, fiches, per_file), start=1):
        style = ODD_FILES.get(number % 10, FileStyle())
        text = file_text(seed, first, min(per_file, fiches - first), pools)
        if style.cut_off:
            text = text[: len(text) - len(text) // (3 * per_file)].rstrip("\n")
        data = text.replace("\n", style.line_end).encode(style.encoding, errors="replace")
        path = out_dir / f"fiches-{number:05d}.txt"
        with atomic_write(path) as stream:
            stream.write(data)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--fiches", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--structure-pages", type=int, default=0, help="pages for the first N structures")
    parser.add_argument("--grants", type=int, default=0, help="rows of an SCDL grants file")
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.fiches, args.seed, args.per_file)
    print(f"{args.fiches} fiches in {len(paths)} files under {args.out_dir}")
    structures = min(args.structure_pages, STRUCTURE_SLOTS)
    if structures:
        pools = Pools.from_sample()
        lines = [structure_line(args.seed, slot, pools) for slot in range(structures)]
        pages = write_structure_pages(args.out_dir, args.seed, lines)
        print(f"{structures} structure pages in {len(pages)} files")
    if args.grants:
        write_grants(args.out_dir, args.seed, max(structures, 1), args.grants)
        print(f"{args.grants} grants rows in one SCDL file")


if __name__ == "__main__":
    main()
