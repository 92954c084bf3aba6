"""Amounts, funders and people read from the free-text money fields, on hostile strings and on the sample.

The sample tests cut the two fields out of data/ themselves, so they hold whatever the fiche parser does.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgraph.model import Funding, Money, Notice
from csgraph.money import funder_type, parse_amount, read_money

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "pas-de-calais-actions.txt"
RESOURCES_LABEL = "- Ressources financières mobilisées pour cette action"
PEOPLE_LABEL = "- Nombre de personnes mobilisés pour cette action"
SECTION_HEADINGS = {
    "DESCRIPTION DE L'ACTION",
    "RAISON D'ETRE DE L' ACTION",
    "METHODOLOGIE DE L' ACTION",
    "AUTO-EVALUATION DE L’ACTION",
    "FICHIERS ASSOCIES",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20 000 €", "20000"),
        ("52 800 euros", "52800"),
        ("6700€", "6700"),
        ("21 280.00€", "21280"),
        ("17600 €", "17600"),
        ("9300", "9300"),
        ("47000 euros", "47000"),
        ("1 500,50 €", "1500.50"),
        ("1 500.50 €", "1500.50"),
        ("65 000 € annuels", "65000"),
        ("12 k€", "12000"),
        ("12k€", "12000"),
        ("1,5 k€", "1500"),
        ("20\u00a0000 €", "20000"),
        ("20\u202f000\u00a0€", "20000"),
        ("20.000 €", "20000"),
        ("1.500,50 €", "1500.50"),
        ("3 500 EUR", "3500"),
        ("1 euro", "1"),
        ("cout total : 20 000 €", "20000"),
        ("subvention 7000", "7000"),
        ("Coût : 2000", "2000"),
        ("Prestation : 6000€ (env.)", "6000"),
        ("CAF : 6 700€", "6700"),
        ("4 000 euros: Conseil Départemental", "4000"),
        ("Participation Fondation Crédit Mutuel = 1 500 €", "1500"),
        ("- 542 euros: participation des usagers", "542"),
        ("Participation MSA et CCHPM 16 700 €", "16700"),
        ("Le budget de l'action est de 65 000 € annuels en fonctionnement", "65000"),
        ("25000€ (prestations de services, transports, alimentation)", "25000"),
        ("En 2016 : 3 000 €", "3000"),
        ("30 % soit 4 000 €", "4000"),
        ("19 décembre 2014", None),
        ("2015", None),
        ("mars 2016", None),
        ("Année : 2016", None),
        ("01/02/2018", None),
        ("4*2 jours de stage", None),
        ("12 participants", None),
        ("50 %", None),
        ("30%", None),
        ("6H/semaine", None),
        ("0,4 ETP", None),
        ("2 ETP", None),
        ("164 depuis le début de l'année 2018.", None),
        ("Achats alimentation", None),
        ("", None),
        ("9" * 40 + " €", None),
    ],
)
def test_parse_amount(text: str, expected: str | None) -> None:
    assert parse_amount(text) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("funder", "expected"),
    [
        ("CAF", "Caf"),
        ("Caf", "Caf"),
        ("Caisse d'allocations familiales", "Caf"),
        ("Ville", "Commune"),
        ("Ville de Boulogne-sur-Mer", "Commune"),
        ("commune", "Commune"),
        ("la commune", "Commune"),
        ("mairie", "Commune"),
        ("Conseil Départemental", "Conseil départemental"),
        ("Département", "Conseil départemental"),
        ("CD", "Conseil départemental"),
        ("CD62", "Conseil départemental"),
        ("Conseil général", "Conseil départemental"),
        ("FSE", "Europe"),
        ("Europe", "Europe"),
        ("MSA", "MSA"),
        ("CARSAT", "CARSAT"),
        ("ARS", "ARS"),
        ("ANCV", "ANCV"),
        ("CPAM", "CPAM"),
        ("Etat", "Etat"),
        ("État", "Etat"),
        ("CGET", "Etat"),
        ("Politique de la ville", "Etat"),
        ("DDCS", "DDCS"),
        ("Préfecture", "Préfecture"),
        ("ACSE", "ACSE"),
        ("Fondation Crédit Mutuel", "Fondations"),
        ("Fondation de France", "Fondations"),
        ("Région", "Région"),
        ("Conseil régional", "Région"),
        ("Communauté de communes", "Regroupement de communes"),
        ("CCHPM", "Regroupement de communes"),
        ("Communauté d'agglomération du Boulonnais", "Regroupement de communes"),
        ("agglomération", "Regroupement de communes"),
        ("bailleur", "Bailleur social"),
        ("Bailleur social", "Bailleur social"),
        ("usagers", "Usagers"),
        ("familles", "Usagers"),
        ("habitants", "Usagers"),
        ("adhérents", "Usagers"),
        ("Autofinancement", "Autofinancement"),
        ("fonds propres", "Autofinancement"),
        ("MSA et CCHPM", "MSA"),
        ("CCAS", None),
        ("Mission Locale", None),
        ("Crédit Mutuel", None),
        ("subvention", None),
    ],
)
def test_funder_type(funder: str, expected: str | None) -> None:
    assert funder_type(funder) == expected


def read(resources: str, people: str = "", first_line: int = 10) -> tuple[Money, list[Notice]]:
    """Read texts as if the resources field started at `first_line` and people 100 lines later."""
    return read_money(resources, first_line, people, first_line + 100, "fiches.txt")


Named = str | None | tuple[tuple[str, str | None], ...]


def contributions(money: Money) -> list[tuple[str, Named, Decimal]]:
    """(funders as written, type of the one funder or every (name, type) of several or none, amount)."""
    return [(funding.written, named(funding), funding.amount) for funding in money.funding]


def named(funding: Funding) -> Named:
    if len(funding.funders) == 1:
        return funding.funders[0].type
    return tuple((funder.name, funder.type) for funder in funding.funders)


def test_empty_fields_give_nothing() -> None:
    assert read("", "") == (Money(), [])


@pytest.mark.parametrize("text", ["6700€", "9300", "52 800 euros", "47000 euros", "1500€", "20 000€"])
def test_lone_amount_is_the_total(text: str) -> None:
    money, notices = read(text)
    assert money.budget_total == parse_amount(text)
    assert (money.funding, money.expenses, money.flags, notices) == ((), (), (), [])


@pytest.mark.parametrize(
    "text",
    [
        "cout total : 20 000 €",
        "Coût du séjour : 20 000.00€",
        "budget : 20 000 €",
        "Le budget de l'action est de 20 000 € annuels en fonctionnement",
        "20 000€ (prestations de services, transports, salaires accompagnants, ...)",
    ],
)
def test_total_phrasings(text: str) -> None:
    assert read(text)[0].budget_total == Decimal(20000)


def test_parts_in_any_order_that_add_up() -> None:
    money, notices = read(
        "14 800 euros\n- 542 euros: participation des usagers\n"
        "- 4 000 euros: Conseil Départemental\n- 10 258 euros: la commune"
    )
    assert money.budget_total == Decimal(14800)
    assert contributions(money) == [
        ("usagers", "Usagers", Decimal(542)),
        ("Conseil Départemental", "Conseil départemental", Decimal(4000)),
        ("commune", "Commune", Decimal(10258)),
    ]
    assert money.funding[2].line == "- 10 258 euros: la commune"
    assert (money.flags, notices) == ((), [])


def test_parts_that_disagree_with_the_total_are_flagged_not_fixed() -> None:
    money, notices = read("cout total : 20 000 €\nCAF : 6 700€\nVille : 8 100 €", first_line=50)
    assert money.budget_total == Decimal(20000)
    assert sum(funding.amount for funding in money.funding) == Decimal(14800)
    assert money.flags == ("parts 14 800 ≠ total 20 000",)
    assert [(notice.file, notice.line) for notice in notices] == [("fiches.txt", 50)]


def test_subvention_names_no_funder() -> None:
    """`subvention` says what kind of money, not who gives it: no funder, not a funder called subvention."""
    money, notices = read("cout total : 20 000 €\nsubvention 7000", first_line=51)
    assert money.budget_total == Decimal(20000)
    assert contributions(money) == [("", (), Decimal(7000))]
    assert money.flags == ("parts 7 000 ≠ total 20 000",)
    assert sorted(notice.line for notice in notices) == [51, 52]


def test_an_unnamed_funder_alone_is_no_disagreement() -> None:
    """The amounts agree: only a notice says the funder is unnamed (it once made `amounts disagree`)."""
    money, notices = read("cout total : 7 000 €\nsubvention 7000", first_line=51)
    assert (money.budget_total, contributions(money), money.flags) == (Decimal(7000), [("", (), 7000)], ())
    assert [(notice.line, notice.message) for notice in notices] == [
        (52, "money from an unnamed funder: `subvention 7000`")
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("MSA et CCHPM", (("MSA", "MSA"), ("CCHPM", "Regroupement de communes"))),
        ("CAF + Ville", (("CAF", "Caf"), ("Ville", "Commune"))),
        ("Région / Département", (("Région", "Région"), ("Département", "Conseil départemental"))),
        ("CAF, MSA et la commune", (("CAF", "Caf"), ("MSA", "MSA"), ("commune", "Commune"))),
        ("usagers et familles", "Usagers"),  # one type: one funder, as written
        ("CAF et Uniformation", "Caf"),  # a part of no known type: not parted, as before
        ("Fondation Crédit Mutuel", "Fondations"),
    ],
)
def test_funders_named_together_are_each_a_funder(written: str, expected: Named) -> None:
    money, _ = read(f"Participation {written} 16 700 €")
    assert contributions(money) == [(written, expected, Decimal(16700))]


def test_unresolved_funder_is_kept_as_written_with_a_notice_on_its_line() -> None:
    money, notices = read(
        "Budget : 1 000 €\nParticipation Mission Locale : 500 €\nCAF : 500 €", first_line=40
    )
    assert contributions(money) == [("Mission Locale", None, Decimal(500)), ("CAF", "Caf", Decimal(500))]
    assert len(notices) == 1
    assert (notices[0].file, notices[0].line) == ("fiches.txt", 41)
    assert "Mission Locale" in notices[0].message


def test_expense_and_receipt_blocks() -> None:
    money, notices = read(
        "Dépenses\nLivres = 7 850 €\nRecettes\nParticipation Fondation Crédit Mutuel = 1 500 €\n"
        "Participation Conseil Départemental = 4 600 €\nParticipation MSA = 1 750 €"
    )
    assert money.budget_total is None
    assert [(expense.label, expense.amount) for expense in money.expenses] == [("Livres", Decimal(7850))]
    assert contributions(money) == [
        ("Fondation Crédit Mutuel", "Fondations", Decimal(1500)),
        ("Conseil Départemental", "Conseil départemental", Decimal(4600)),
        ("MSA", "MSA", Decimal(1750)),
    ]
    assert (money.flags, notices) == ((), [])


def test_blocks_that_disagree_are_flagged() -> None:
    money, notices = read("Dépenses :\nSalaires : 9 000 €\nRecettes :\nCAF : 5 000 €", first_line=7)
    assert money.budget_total is None
    assert money.flags == ("expenses 9 000 ≠ receipts 5 000",)
    assert [notice.line for notice in notices] == [8]


def test_inline_blocks_split_on_dashes() -> None:
    money, notices = read(
        "Dépenses de matériel informqtique : 8 000 € - salaire animateur : 9 000 €\n"
        "Recettes : participation des usagers : 300 € - Participation MSA et CCHPM 16 700 €"
    )
    assert [(expense.label, expense.amount) for expense in money.expenses] == [
        ("Dépenses de matériel informqtique", Decimal(8000)),
        ("salaire animateur", Decimal(9000)),
    ]
    assert contributions(money) == [
        ("usagers", "Usagers", Decimal(300)),
        ("MSA et CCHPM", (("MSA", "MSA"), ("CCHPM", "Regroupement de communes")), Decimal(16700)),
    ]
    assert money.budget_total is None
    assert (money.flags, notices) == ((), [])


def test_a_dash_between_funder_and_amount_does_not_split() -> None:
    money, _ = read("CAF - 500 €")
    assert contributions(money) == [("CAF", "Caf", Decimal(500))]


def test_cost_lines_without_total_stay_expenses() -> None:
    money, notices = read(
        "4*2 jours de stage\nPrestation : 6000€ (env.)\nHébergement : 720€ (env.)\n"
        "Alimentation convivialité : 250€ (env.)"
    )
    assert money.budget_total is None
    assert [(expense.label, expense.amount) for expense in money.expenses] == [
        ("Prestation", Decimal(6000)),
        ("Hébergement", Decimal(720)),
        ("Alimentation convivialité", Decimal(250)),
    ]
    assert (money.funding, notices) == ((), [])


def test_investment_and_functioning_without_total_are_expenses() -> None:
    money, _ = read(
        "EN CONSTRUCTION\nNous projetons un investissement (matériel et structurel) : 100000 €\n"
        "En fonctionnement : 50000 €"
    )
    assert money.budget_total is None
    assert [expense.amount for expense in money.expenses] == [Decimal(100000), Decimal(50000)]


def test_a_second_different_total_is_flagged_and_the_first_kept() -> None:
    money, notices = read("Coût total : 10 000 €\nBudget : 12 000 €", first_line=3)
    assert money.budget_total == Decimal(10000)
    assert money.flags == ("second total 12 000 ≠ total 10 000",)
    assert [notice.line for notice in notices] == [4]


def test_text_without_amounts_gives_no_figures() -> None:
    money, notices = read(
        "Le coût des salaires (SMIC, subventionné) + coût de formation (Uniformation ou parfois fonds propres"
    )
    assert (money, notices) == (Money(), [])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2 ETP", [("ETP", "2", False)]),
        ("0,4 ETP", [("ETP", "0.4", False)]),
        ("Jean Claude P : 6H/semaine (0,2 ETP)", [("ETP", "0.2", False)]),
        ("6 bénévoles", [("bénévole", "6", False)]),
        ("- 12 bénévoles", [("bénévole", "12", False)]),
        ("4 professionnels", [("professionnel", "4", False)]),
        ("6 salariés", [("salarié", "6", False)]),
        ("- 1 salrié de la Mpt", [("salarié", "1", False)]),
        ("3 animateurs du centre et 24 jeunes", [("animateur", "3", False), ("participant", "24", False)]),
        (
            "2 animateurs, 1 technicien encadrant - 12 participants",
            [("animateur", "2", False), ("professionnel", "1", False), ("participant", "12", False)],
        ),
        ("une trentaine de partenaires sont associés", [("partenaire", "30", True)]),
        ("une dizaine de bénévoles", [("bénévole", "10", True)]),
        ("une quinzaine d'enfants", [("participant", "15", True)]),
        ("une vingtaine de familles", [("participant", "20", True)]),
        ("environ 10 seniors + partenaires", [("participant", "10", True)]),
        ("deux animateurs, ponctuellement", [("animateur", "2", False)]),
        ("douze bénévoles", [("bénévole", "12", False)]),
        ("1 animatrice technicienne du centre social", [("animateur", "1", False)]),
        ("1 référent Mission Locale", [("partenaire", "1", False)]),
        ("un référent mixité du centre social", [("professionnel", "1", False)]),
        ("Le centre et son équipe (11 personnes)", [("professionnel", "11", False)]),
        ("120 personnes", [("participant", "120", False)]),
        ("12 personnes bénévoles", [("bénévole", "12", False)]),
        ("164 depuis le début de l'année 2018.", []),
        ("Animatrice CSCI + Chargée d'accueil", []),
    ],
)
def test_people_roles(line: str, expected: list[tuple[str, str, bool]]) -> None:
    money, _ = read("", line)
    assert [(count.role, count.count, count.approximate) for count in money.people] == [
        (role, Decimal(count), approximate) for role, count, approximate in expected
    ]
    assert all(count.line == line.strip() for count in money.people)


def test_a_count_without_role_is_named_in_a_notice() -> None:
    _, notices = read_money("", 0, "Les bénévoles.\n164 depuis le début de l'année 2018.", 313, "f.txt")
    assert [(notice.file, notice.line) for notice in notices] == [("f.txt", 314)]
    assert "164" in notices[0].message


def test_one_count_per_stated_line() -> None:
    money, _ = read("", "Émilie : 0,4 ETP\nJudicaël : 0,1 ETP\n\nClément : 6H/semaine (0,2 ETP)")
    assert [count.count for count in money.people] == [Decimal("0.4"), Decimal("0.1"), Decimal("0.2")]


def sample_fields() -> dict[str, tuple[str, int, str, int]]:
    """Per fiche title: resources text, its first line, people text, its first line (1-based).

    The resources text runs up to the people label; the people text up to the next section
    heading (`AUTO-EVALUATION DE L’ACTION`) or the next fiche.
    """
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    fields: dict[str, tuple[str, int, str, int]] = {}
    title = ""
    for index, line in enumerate(lines):
        if line.startswith('Actions "'):
            title = line.removeprefix("Actions ").strip('"')
        if line != RESOURCES_LABEL:
            continue
        people_index = lines.index(PEOPLE_LABEL, index)
        end = people_index + 1
        while end < len(lines) and not (lines[end] in SECTION_HEADINGS or lines[end].startswith('Actions "')):
            end += 1
        fields[title] = (
            "\n".join(lines[index + 1 : people_index]),
            index + 2,
            "\n".join(lines[people_index + 1 : end]),
            people_index + 2,
        )
    return fields


@pytest.fixture(scope="module")
def sample_money() -> dict[str, tuple[Money, list[Notice]]]:
    return {
        title: read_money(resources, resources_line, people, people_line, SAMPLE.name)
        for title, (resources, resources_line, people, people_line) in sample_fields().items()
    }


def test_sample_has_both_fields_in_every_fiche(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    assert len(sample_money) == 25


def test_sample_totals(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    totals = {title: money.budget_total for title, (money, _) in sample_money.items() if money.budget_total}
    assert totals == {
        "ALLEZ LES FILLES": Decimal(20000),
        "Relais info-service": Decimal(52800),
        "Bourse Actions Familles": Decimal(6700),
        "Mise en place séjour au ski interquartier": Decimal(21280),
        "Halte répit": Decimal(14800),
        "Espace Ressources jeunes (ERJ)": Decimal(65000),
        "UN ÉTÉ EN FAMILLES": Decimal(25000),
        "Table Ronde Inter Religions": Decimal(1500),
        "Séjour Parisien du Conseil Citoyen": Decimal(2500),
        "le défi de l'insertion sociale des bénéficiaire RSA": Decimal(20000),
        "Trivial poursuite de la citoyenneté": Decimal(17600),
        "Cyber ateliers accompagnement jeunes": Decimal(20000),
        "MOS'ART": Decimal(9300),
        "L'agora des jeunes": Decimal(47000),
    }


def test_sample_unattributed_subvention(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    money, notices = sample_money["ALLEZ LES FILLES"]
    assert contributions(money) == [("", (), Decimal(7000))]
    assert money.flags == ("parts 7 000 ≠ total 20 000",)
    assert sorted(notice.line for notice in notices) == [51, 52]


def test_sample_ski_trip_contributions(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    money, notices = sample_money["Mise en place séjour au ski interquartier"]
    assert sorted(contributions(money)) == sorted(
        [
            ("Autofinancement", "Autofinancement", Decimal(4500)),
            ("familles", "Usagers", Decimal(6000)),
            ("CAF", "Caf", Decimal(6700)),
            ("Ville", "Commune", Decimal(4080)),
        ]
    )
    assert (money.flags, notices) == ((), [])


def test_sample_halte_repit_contributions(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    money, _ = sample_money["Halte répit"]
    by_type = {named(funding): funding.amount for funding in money.funding}
    assert by_type == {
        "Conseil départemental": Decimal(4000),
        "Commune": Decimal(10258),
        "Usagers": Decimal(542),
    }
    assert money.flags == ()


def test_sample_conte_illustre(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    money, _ = sample_money["Conte illustré"]
    assert money.budget_total is None
    assert sorted(contributions(money)) == sorted(
        [
            ("Conseil Départemental", "Conseil départemental", Decimal(4600)),
            ("MSA", "MSA", Decimal(1750)),
            ("Fondation Crédit Mutuel", "Fondations", Decimal(1500)),
        ]
    )
    assert [(expense.label, expense.amount) for expense in money.expenses] == [("Livres", Decimal(7850))]


def test_sample_inline_blocks(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    money, _ = sample_money["Accès au numérique"]
    assert [expense.amount for expense in money.expenses] == [Decimal(8000), Decimal(9000)]
    # Line 636: two funders for one amount; the fiche does not say how they share it.
    assert contributions(money)[1] == (
        "MSA et CCHPM",
        (("MSA", "MSA"), ("CCHPM", "Regroupement de communes")),
        Decimal(16700),
    )


def test_sample_expenses_alone_give_no_total(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    for title in ("AUTODEFENSE FEMINISTE - STAGES", "Conte illustré"):
        assert sample_money[title][0].budget_total is None
    assert [expense.amount for expense in sample_money["AUTODEFENSE FEMINISTE - STAGES"][0].expenses] == [
        Decimal(6000),
        Decimal(720),
        Decimal(250),
    ]


def test_sample_people(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    def roles(title: str) -> list[tuple[str, Decimal]]:
        return [(count.role, count.count) for count in sample_money[title][0].people]

    assert roles("REVEILLON SOLIDAIRE") == [("professionnel", Decimal(4)), ("bénévole", Decimal(12))]
    assert roles("Relais info-service") == [("ETP", Decimal(2))]
    assert roles("AUTODEFENSE FEMINISTE - STAGES") == []
    assert roles("Halte répit") == [("salarié", Decimal(1)), ("bénévole", Decimal(6))]
    assert ("partenaire", Decimal(30)) in roles("Espace Ressources jeunes (ERJ)")


def test_sample_etp_lines_counted_one_by_one(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    title = "ACTION INNOVATION SOCIALE ET SOLIDAIRE Pour un autre modèle sociétal et/ou économique"
    people_text = sample_fields()[title][2]
    counts = sample_money[title][0].people
    assert len(counts) == sum("ETP" in line for line in people_text.split("\n"))
    assert {count.role for count in counts} == {"ETP"}


def test_sample_notices_name_the_exact_lines(sample_money: dict[str, tuple[Money, list[Notice]]]) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    notices = [notice for _, fiche_notices in sample_money.values() for notice in fiche_notices]
    assert {(notice.file, lines[notice.line - 1]) for notice in notices} == {
        (SAMPLE.name, "cout total : 20 000 €"),
        (SAMPLE.name, "subvention 7000"),
        (SAMPLE.name, "164 depuis le début de l'année 2018."),
    }


MONEY_CHARACTERS = st.sampled_from("0123456789 ,.:=-–€k/*()\n\u00a0\u202fCAFVilesubvntoéETPdxa")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=MONEY_CHARACTERS, max_size=80) | st.text(max_size=80))
def test_any_text_reads_without_error_and_notices_stay_inside_it(text: str) -> None:
    money, notices = read_money(text, 20, text, 200, "f.txt")
    lines = len(text.split("\n"))
    assert all(20 <= notice.line < 20 + lines or 200 <= notice.line < 200 + lines for notice in notices)
    assert all(funding.amount >= 0 for funding in money.funding)


# Money and people that were dropped without a warning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12000 e", "12000"),
        ("1 500 e", "1500"),
        ("Total : 850e", "850"),
        ("2e trimestre", None),
        ("12 e", None),
    ],
)
def test_e_after_an_amount_is_euros(text: str, expected: str | None) -> None:
    """`12000 e` is money; after fewer than three digits `e` is an ordinal (`2e trimestre`)."""
    assert parse_amount(text) == (None if expected is None else Decimal(expected))
    money, _ = read(text)
    assert money.budget_total == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("14", [("non précisé", "14", False)]),
        ("- 10", [("non précisé", "10", False)]),
        ("environ 20", [("non précisé", "20", True)]),
        ("1 personne CS", [("professionnel", "1", False)]),
        ("1 personne CCAS", [("partenaire", "1", False)]),
        ("2 personnes de la mairie", [("partenaire", "2", False)]),
    ],
)
def test_people_read_whatever_is_readable(line: str, expected: list[tuple[str, str, bool]]) -> None:
    """A bare number is people mobilised whose role is not given; a person of a named body is its staff."""
    money, notices = read("", line)
    assert [(count.role, count.count, count.approximate) for count in money.people] == [
        (role, Decimal(count), approximate) for role, count, approximate in expected
    ]
    assert notices == []


def test_numbers_that_cannot_be_read_are_named_on_their_line() -> None:
    _, notices = read_money("CAF 12000\n2 jours de stage", 40, "2015", 60, "f.txt")
    assert notices == [
        Notice("f.txt", 40, "number not read as an amount: `CAF 12000`"),
        Notice("f.txt", 60, "count without a known role, not read: `2015`"),
    ]
