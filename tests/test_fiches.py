"""The parser on the real sample (expectations read from the text here, not from the parser) and on one
small fixture per layout and quirk."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgraph.cli import app
from csgraph.fiches import read_fiches
from csgraph.model import Fiche, Notice

from .conftest import FIXTURES, SAMPLE

PARTNER_BLOCK = re.compile(r"Partenaires d'action:\n((?:- .*\n)*?)- Territoire concerné", re.MULTILINE)


def block_values(text: str, label: str, next_label: str) -> list[list[str]]:
    """The `- value` lines between two labels, per fiche: an independent reading of the sample."""
    pattern = re.compile(rf"^- {re.escape(label)}\n((?:-.*\n)*?)- {re.escape(next_label)}$", re.MULTILINE)
    return [
        [line[2:].strip() for line in block.splitlines() if line.strip() != "-"]
        for block in pattern.findall(text)
    ]


def flat(blocks: list[list[str]]) -> list[str]:
    return [value for block in blocks for value in block]


def parse(path: Path) -> tuple[list[Fiche], list[Notice]]:
    notices: list[Notice] = []
    return list(read_fiches([path], notices)), notices


def by_title(fiches: list[Fiche], title: str) -> Fiche:
    return next(fiche for fiche in fiches if fiche.title == title)


# The real sample


def test_sample_has_one_fiche_per_title_line(sample_text: str, sample_fiches: list[Fiche]) -> None:
    titles = re.findall(r'^Actions "(.*)"$', sample_text, re.MULTILINE)
    assert len(sample_fiches) == len(titles) == 25
    assert [fiche.title for fiche in sample_fiches] == [title.strip('"') for title in titles]


def test_sample_structures_and_departement(sample_text: str, sample_fiches: list[Fiche]) -> None:
    structure_lines = re.findall(r"^- (.*) - Pas-de-Calais$", sample_text, re.MULTILINE)
    assert len(structure_lines) == 25
    assert len({name.casefold() for name in structure_lines}) == 17
    assert {fiche.structure for fiche in sample_fiches} == set(structure_lines)
    assert {(fiche.departement, fiche.departement_code) for fiche in sample_fiches} == {
        ("Pas-de-Calais", "62")
    }


def test_sample_closed_lists(sample_text: str, sample_fiches: list[Fiche]) -> None:
    keywords = block_values(sample_text, "Mots clés associés à l'action", "Résumé")
    publics = block_values(sample_text, "Public", "Avec qui cette action a-t-elle été menée ?")
    partners = [block.splitlines() for block in PARTNER_BLOCK.findall(sample_text)]
    assert len(keywords) == len(publics) == len(partners) == 25
    assert Counter(v for fiche in sample_fiches for v in fiche.keywords) == Counter(flat(keywords))
    assert Counter(v for fiche in sample_fiches for v in fiche.publics) == Counter(flat(publics))
    partner_counts = Counter(line[2:] for block in partners for line in block)
    assert Counter(v for fiche in sample_fiches for v in fiche.partners) == partner_counts
    assert (len(set(flat(keywords))), len(set(flat(publics))), len(partner_counts)) == (17, 6, 21)
    assert (partner_counts["Commune"], partner_counts["Caf"]) == (12, 11)
    assert len({fiche.status for fiche in sample_fiches}) == 2
    assert len({fiche.dimension for fiche in sample_fiches if fiche.dimension}) == 3
    assert len({v for fiche in sample_fiches for v in fiche.initiatives}) == 5
    assert len({v for fiche in sample_fiches for v in fiche.territories}) == 4


def test_glued_label_does_not_swallow_the_field(sample_fiches: list[Fiche]) -> None:
    fiche = by_title(sample_fiches, "Bourse Actions Familles")
    assert fiche.structure == "Centre Social Marlborough - CENTRE SOCIAL ECLATE"
    assert fiche.territories == ("Un quartier",)
    assert fiche.texts["summary"].endswith("des projets en comité d’usagers,")
    assert fiche.texts["result_inhabitants"].endswith("intra familiale")
    assert "limits" not in fiche.texts


def test_double_quoted_title_and_structure_with_dash(sample_fiches: list[Fiche]) -> None:
    assert by_title(sample_fiches, "LIENS à la MAISON").structure == (
        "MJEP Maison de la Jeunesse et de l'Education Populaire"
    )
    ski = by_title(sample_fiches, "Mise en place séjour au ski interquartier")
    assert ski.structure == "MAISON DE QUARTIER CENTRE- CENTRE SOCIAL ECLATE"
    assert (
        by_title(sample_fiches, "AUTODEFENSE FEMINISTE - STAGES").structure
        == "LE NAUTILUS - CENTRE SOCIO-CULTUREL"
    )


def test_bullet_lines_in_free_text_stay_text(sample_fiches: list[Fiche]) -> None:
    fiche = by_title(sample_fiches, "FORM ET DIET")
    assert fiche.initiatives == ("Le centre social", "Un ou plusieurs partenaire(s)")
    assert fiche.texts["experience"].startswith("- Renforcer la sensibilisation")
    assert "- Le danger de l’alcool." in fiche.texts["description"]


def test_end_reason_and_status(sample_fiches: list[Fiche]) -> None:
    fiche = by_title(sample_fiches, "Trivial poursuite de la citoyenneté")
    assert (fiche.status, fiche.end_reason) == ("Terminée", "Fin de financement")


def test_nothing_lost_on_the_sample(sample_text: str, sample_fiches: list[Fiche]) -> None:
    """Every non-empty line is form (title, heading, label, placeholder) or found in some record value."""
    held = "\n".join(
        "\n".join([fiche.title or "", fiche.structure or "", fiche.end_reason or ""])
        + "\n".join(
            v
            for name in ("keywords", "publics", "partners", "initiatives", "territories")
            for v in getattr(fiche, name)
        )
        + "\n".join(fiche.texts.values())
        + "\n".join(filter(None, (fiche.status, fiche.dimension)))
        for fiche in sample_fiches
    )
    form = re.compile(
        r"^(Actions \".*\"|[A-Z][A-Z' ’-]+|-|Partenaires d'action:|Les actions des centres sociaux|- .*)$"
    )
    for number, line in enumerate(sample_text.splitlines(), start=1):
        text = line.strip()
        if not text or form.match(text):
            continue
        pieces = [
            piece.strip()
            for piece in re.split(
                r"- (?:Structure organisatrice|Territoire concerné|Suite de l'action : Limites)$", text
            )
        ]
        assert all(piece in held for piece in pieces if piece), f"line {number} lost: {text}"


def test_sources_point_at_title_lines(sample_text: str, sample_fiches: list[Fiche]) -> None:
    lines = sample_text.splitlines()
    for fiche in sample_fiches:
        assert fiche.source.file == "pas-de-calais-actions.txt"
        assert lines[fiche.source.line - 1].startswith("Actions ")


# Layouts


def test_listing_layout() -> None:
    fiches, notices = parse(FIXTURES / "listing_layout.txt")
    assert [f.title for f in fiches] == ["Jardin partagé des Tilleuls", "Café des parents"]
    garden, cafe = fiches
    assert garden.layout == cafe.layout == "listing"
    assert garden.structure == "AJMR LALINDE - Actions Jeunes en Milieu Rural"
    assert (garden.departement, garden.departement_code, garden.year) == ("Dordogne", "24", 2019)
    assert garden.keywords == ("Environnement", "Emploi, économie")
    assert garden.partners == ("Commune", "Bailleur social")
    assert garden.money.budget_total == 3000
    assert cafe.structure == '"ADESIR" CENTRE SOCIAL DE LA RESSOURCE'
    assert (cafe.departement_code, cafe.year, cafe.end_reason) == ("974", 2021, "Fin de financement")
    assert notices == []


def test_questionnaire_layout() -> None:
    fiches, notices = parse(FIXTURES / "questionnaire_layout.txt")
    untitled, meals = fiches
    assert untitled.title is None and untitled.layout == "questionnaire"
    assert untitled.texts["diagnosis"] == "Des familles isolées dans le quartier nord."
    assert untitled.published_by == "Fédération des centres sociaux de Gironde"
    assert untitled.themes == ("Lien social", "Parentalité")
    assert untitled.keywords == ("Famille", "Solidarité")
    assert (
        untitled.texts["impacts"]
        == "Les parents se connaissent mieux.\n- Ils organisent eux-mêmes les sorties."
    )
    assert untitled.texts["success_factors"] == "Une animatrice présente chaque semaine."
    assert untitled.texts["limits"] == "Le local est trop petit."
    assert (untitled.structure, untitled.departement_code) == ("Centre social Les Escales", "33")
    assert meals.title == "Repas partagés" and meals.layout == "questionnaire"
    assert (meals.structure, meals.departement_code) == ("Maison des habitants", "22")
    assert meals.texts["description"] == "Un repas chaque mois, préparé ensemble."
    assert [(n.line, "without a title" in n.message) for n in notices] == [(1, True)]


def test_questionnaire_fiches_without_titles_split_on_a_repeated_question(tmp_path: Path) -> None:
    page = "Quels furent les éléments de diagnostic à l'origine de l'expérience ?\nA\nThèmes\n  • Culture\n"
    path = tmp_path / "two.txt"
    path.write_text(page + page.replace("A\n", "B\n"), encoding="utf-8")
    fiches, notices = parse(path)
    assert [f.texts["diagnosis"] for f in fiches] == ["A", "B"]
    assert [n.line for n in notices] == [1, 5]


# Quirks


def test_quirks_fixture() -> None:
    fiches, notices = parse(FIXTURES / "quirks.txt")
    links, cut = fiches
    assert links.title == "LIENS à la MAISON"
    assert links.keywords == ("Emploi, économie", "Viellissement")
    assert links.texts["summary"] == "Des visites à domicile :\n- une fois par semaine\n- et parfois plus"
    assert links.texts["experience"] == "Rompre l'isolement des aînés intra familiale"
    assert links.territories == ("Un quartier",)
    assert "description" not in links.texts and "resources" not in links.texts
    assert not links.truncated
    assert cut.truncated and cut.texts["summary"] == "Une sortie au bord de la m"
    assert [n.line for n in notices] == [42]


def test_file_ending_on_a_label_without_newline_is_not_truncated(sample_fiches: list[Fiche]) -> None:
    assert not any(fiche.truncated for fiche in sample_fiches)


@pytest.mark.parametrize(
    ("encoding", "bom", "newline"),
    [
        ("utf-8", b"", "\n"),
        ("utf-8", b"\xef\xbb\xbf", "\r\n"),
        ("cp1252", b"", "\r\n"),
        ("utf-16", b"", "\n"),
    ],
)
def test_encodings_read_the_same(tmp_path: Path, encoding: str, bom: bytes, newline: str) -> None:
    text = (FIXTURES / "listing_layout.txt").read_text(encoding="utf-8")
    path = tmp_path / "encoded.txt"
    path.write_bytes(bom + text.replace("\n", newline).encode(encoding))
    expected, _ = parse(FIXTURES / "listing_layout.txt")
    fiches, notices = parse(path)
    assert [(f.title, f.structure, f.keywords, f.partners, f.texts) for f in fiches] == [
        (f.title, f.structure, f.keywords, f.partners, f.texts) for f in expected
    ]
    assert all("Windows-1252" in n.message for n in notices)
    assert bool(notices) == (encoding == "cp1252")


def test_unknown_departement_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "unknown.txt"
    path.write_text(
        'Actions "X"\n- Structure organisatrice\n- Centre Les Tilleuls - Atlantide\n', encoding="utf-8"
    )
    (fiche,), notices = parse(path)
    assert (fiche.structure, fiche.departement) == ("Centre Les Tilleuls - Atlantide", None)
    assert [(n.line, "département" in n.message) for n in notices] == [(3, True)]


# The command


def test_parse_command_prints_json_lines(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["parse", str(SAMPLE)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 25
    keys = {"title", "structure", "departement", "departement_code", "status", "end_reason", "dimension"}
    keys |= {"keywords", "initiatives", "publics", "territories", "partners", "themes", "truncated", "source"}
    keys |= {"budget_total", "funding", "expenses", "people"}
    assert keys <= set(rows[0])
    assert rows[0]["source"] == {"file": "pas-de-calais-actions.txt", "line": 2}
    assert rows[0]["keywords"] == ["éducation / scolarité"]


def test_parse_reads_directories_recursively(tmp_path: Path) -> None:
    nested = tmp_path / "fiches" / "2019"
    nested.mkdir(parents=True)
    (nested / "a.txt").write_bytes((FIXTURES / "listing_layout.txt").read_bytes())
    (nested / "notes.md").write_text("not a fiche", encoding="utf-8")
    fiches, _ = parse(tmp_path / "fiches")
    assert [f.source.file for f in fiches] == ["fiches/2019/a.txt"] * 2


# Silent losses found by an audit of real fiches

QUESTIONNAIRE_TEXTS = {
    "description": "Un jardin partagé au pied des immeubles, ouvert à tous les habitants.",
    "experience": "Au printemps 2016, des habitants ont proposé de cultiver la friche.\n"
    "- Phase 1 : nettoyage du terrain avec le bailleur.\n- Phase 2 : plantations avec les écoles.",
    "diagnosis": "Un quartier sans espace vert.",
    "impacts": "Les voisins se parlent.",
    "success_factors": "Des bénévoles fidèles.",
    "limits": "Le manque d'eau en été.",
}


@pytest.mark.parametrize("ending", ["\n", "", "\r\n"], ids=["newline", "no-final-newline", "crlf"])
def test_questionnaire_fiche_loses_nothing_with_or_without_a_final_newline(
    tmp_path: Path, ending: str
) -> None:
    """Every label of the older layout, the experience's bare label too; file sizes are not file names."""
    text = (FIXTURES / "questionnaire_complete.txt").read_text(encoding="utf-8").rstrip("\n")
    path = tmp_path / "questionnaire.txt"
    path.write_bytes(
        (text.replace("\n", "\r\n") if ending == "\r\n" else text).encode("utf-8") + ending.encode()
    )
    (fiche,), notices = parse(path)
    assert notices == []
    assert fiche.texts == QUESTIONNAIRE_TEXTS
    assert (fiche.structure, fiche.departement_code) == ("Centre social Jean Jaurès", "59")
    assert fiche.published_by == "Fédération des centres sociaux du Nord"
    assert (fiche.themes, fiche.keywords) == (("Environnement", "Autres .."), ("Développement durable",))
    assert fiche.files == ("bilan-jardin.pdf", "photos du jardin.zip")
    assert (fiche.layout, fiche.truncated) == ("questionnaire", False)


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").split("\n")


def test_complete_fiches_without_a_final_newline_are_not_truncated(tmp_path: Path) -> None:
    """Free text or a file name last, no line end after it: the fiche is whole (its last section is there)."""
    lines = sample_lines()
    last = max(number for number, line in enumerate(lines) if line.startswith('Actions "'))
    detailed = "\n".join([*lines, "- compte-rendu.pdf"])  # a file name last, no newline after it
    listing = (FIXTURES / "listing_layout.txt").read_text(encoding="utf-8").rstrip("\n")
    for name, text in (("detailed.txt", detailed), ("listing.txt", listing)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    fiches, notices = parse(tmp_path)
    assert not any(fiche.truncated for fiche in fiches)
    assert not [notice for notice in notices if "ends in the middle" in notice.message]
    assert by_title(fiches, lines[last][len('Actions "') : -1]).files == ("compte-rendu.pdf",)
    assert by_title(fiches, "Café des parents").partners == ("Caf",)


def test_a_fiche_cut_at_a_line_end_is_truncated_when_its_sections_stop(tmp_path: Path) -> None:
    """Cut after a whole line of its methodology: the sections that always follow are missing."""
    lines = sample_lines()
    last = max(number for number, line in enumerate(lines) if line.startswith('Actions "'))
    methodology = next(n for n in range(last, len(lines)) if lines[n].startswith("METHODOLOGIE"))
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(lines[: methodology + 3]) + "\n", encoding="utf-8")
    fiches, notices = parse(path)
    assert [fiche.truncated for fiche in fiches] == [False] * 24 + [True]
    ends = [notice for notice in notices if "ends in the middle" in notice.message]
    assert ends == [
        Notice("cut.txt", last + 1, "the file ends in the middle of this fiche; kept what is there")
    ]


def test_a_cut_label_opens_its_field_with_a_warning(tmp_path: Path) -> None:
    """`- Ressources financières mobilis`: the export cut the label; what follows is still the money text."""
    listing = (FIXTURES / "listing_layout.txt").read_text(encoding="utf-8")
    cut = listing.replace(
        "- Ressources financières mobilisées pour cette action", "- Ressources financières mobilis"
    )
    path = tmp_path / "cut-label.txt"
    path.write_text(cut, encoding="utf-8")
    (garden, _), notices = parse(path)
    assert garden.money.budget_total == 3000 and "resources" in garden.texts
    assert "Ressources" not in garden.texts.get("description", "")
    line = cut.split("\n").index("- Ressources financières mobilis") + 1
    assert notices == [
        Notice(
            "cut-label.txt",
            line,
            "`- Ressources financières mobilis` is a cut label; read as `- Ressources financières mobilisées "
            "pour cette action`",
        )
    ]
    short = tmp_path / "short.txt"
    short.write_text(
        listing[: listing.index("- Nombre de personnes") + len("- Nombre de pers")], encoding="utf-8"
    )
    (cut_short,), notices = parse(short)
    assert cut_short.truncated and [n.message for n in notices][-1].startswith("the file ends in the middle")


def test_a_file_without_fiches_says_so_first(tmp_path: Path) -> None:
    """The one line that matters first, then the lines it is about, in line order."""
    path = tmp_path / "notes.txt"
    path.write_text("".join(f"note {number}\n" for number in range(1, 58)), encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text(LISTING_ONE_FICHE, encoding="utf-8")
    fiches, notices = parse(tmp_path)
    assert len(fiches) == 1
    mine = [notice for notice in notices if notice.file.endswith("notes.txt")]
    assert (mine[0].line, mine[0].message) == (
        0,
        "no fiche found in this file; 57 warning(s) about its lines follow",
    )
    assert [notice.line for notice in mine] == list(range(58))


LISTING_ONE_FICHE = """Actions
Jardin partagé
- Structure organisatrice
- Centre social - Dordogne
"""
