"""Money as people quote it, on the sample: who gives (unnamed, several together), sums that add up,
budgets beside contributions, one meaning of "no money", and the end reasons of each status.

Expected figures are read from data/pas-de-calais-actions.txt: `subvention 7000` (line 52) names no
funder; `Participation MSA et CCHPM 16 700 €` (line 636) names two; `Conte illustré` states its cost as a
`Dépenses` block of 7 850 € (line 1460) and no total.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from csgraph.build import build
from csgraph.catalogue import find_query
from csgraph.engines import select_oxigraph
from csgraph.export import export
from csgraph.formatting import euros
from csgraph.mapping import action_key
from csgraph.maps import Counted, totals
from csgraph.model import Fiche
from csgraph.networks import view
from csgraph.render import page_legend
from csgraph.store import open_graph
from csgraph.view_words import node_facts, page_summary
from csgraph.vocabulary import BASE, CSG, PREFIXES

SCHEMA, RDFS = PREFIXES["schema"], PREFIXES["rdfs"]

ALLEZ = "ALLEZ LES FILLES"  # `cout total : 20 000 €` / `subvention 7000`
NUMERIQUE = "Accès au numérique"  # `Participation MSA et CCHPM 16 700 €`


def fiche(fiches: list[Fiche], title: str) -> Fiche:
    return next(found for found in fiches if found.title == title)


def answer(store: ox.Store, name: str) -> list[dict[str, object]]:
    """A bundled question's rows as {column: value}, numbers as Decimal, unbound as None."""
    results = select_oxigraph(store, find_query(name), {})
    return [
        {
            column: None
            if term is None
            else Decimal(term.value)
            if term.type == "literal" and term.datatype and term.datatype.endswith(("decimal", "integer"))
            else term.value
            for column, term in zip(results.variables, row, strict=True)
        }
        for row in results.rows
    ]


def values(store: ox.Store, subject: str, predicate: str) -> list[str]:
    return sorted(
        quad.object.value
        for quad in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)
    )


@pytest.fixture(scope="module")
def store(sample_graph: Path) -> ox.Store:
    return open_graph(sample_graph)


def funding_iri(fiches: list[Fiche], title: str, index: int) -> str:
    return f"{PREFIXES['funding']}{action_key(fiche(fiches, title))}-{index}"


# --- an unnamed funder is unnamed, everywhere ----------------------------------------------------------


def test_subvention_is_no_funder_in_the_graph(store: ox.Store, sample_fiches: list[Fiche]) -> None:
    grant = funding_iri(sample_fiches, ALLEZ, 1)
    assert values(store, grant, SCHEMA + "amount") == ["7000"]
    assert values(store, grant, CSG + "funderCount") == ["0"]
    assert values(store, grant, RDFS + "label") == []  # it was `subvention`, read as the funder's name
    assert values(store, grant, CSG + "funderType") == values(store, grant, SCHEMA + "funder") == []


def test_the_funding_view_draws_the_unnamed_funder_not_subvention(store: ox.Store) -> None:
    projected = view(store, "funding")
    labels = {data["label"] for _, data in projected.graph.nodes(data=True) if data["kind"] == "funder"}
    assert "subvention" not in labels
    unnamed = f"{BASE}funder/unnamed"
    assert projected.graph.nodes[unnamed]["label"] == "financeur non nommé"
    assert projected.graph.nodes[unnamed]["euros"] == 7000
    assert [projected.graph.nodes[other]["label"] for other in projected.graph[unnamed]] == [
        "éducation / scolarité"
    ]


def test_the_funding_view_does_not_count_the_unnamed_funder_as_a_funder(store: ox.Store) -> None:
    projected = view(store, "funding")
    funders = [node for node, data in projected.graph.nodes(data=True) if data["kind"] == "funder"]
    assert len(funders) == 9  # 8 funder types and named funders, and the node of the unnamed one
    summary = page_summary(projected, "fr")
    assert "· 8 financeurs (et un financeur non nommé) ·" in summary and "9 financeurs" not in summary
    assert "· 8 funders (and an unnamed funder) ·" in page_summary(projected, "en")
    _, legend = page_legend(projected, "fr")
    assert [entry["text"] for entry in legend] == ["8 financeurs (et un financeur non nommé)", "9 mots clés"]


def fundings_table(sample_graph: Path, out_dir: Path) -> list[dict[str, str]]:
    export(sample_graph, out_dir, formats=("csv",))
    with (out_dir / "fundings.csv").open(encoding="utf-8", newline="") as table:
        return list(csv.DictReader(table))


def test_the_fundings_table_names_no_funder_for_subvention(sample_graph: Path, tmp_path: Path) -> None:
    rows = fundings_table(sample_graph, tmp_path)
    unnamed = next(row for row in rows if row["source_text"] == "subvention 7000")
    assert (unnamed["funder"], unnamed["funders"], unnamed["funder_type"], unnamed["amount"]) == (
        "",
        "0",
        "",
        "7000",
    )
    joint = next(row for row in rows if row["funder"] == "MSA et CCHPM")
    assert (joint["funders"], joint["funder_type"], joint["funder_id"], joint["amount"]) == (
        "2",
        "MSA | Regroupement de communes",
        "cchpm",
        "16700",
    )
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal(67930)  # one row per contribution


def test_questions_count_the_unnamed_funder_under_no_type(store: ox.Store) -> None:
    education = [
        row for row in answer(store, "funders-per-keyword") if row["keyword"] == "éducation / scolarité"
    ]
    assert {"keyword": "éducation / scolarité", "funder_type": None, "actions": 1, "amount": 7000,
            "jointly": 0, "share": 7000} in education  # fmt: skip
    assert {row["funder_type"]: row["amount"] for row in answer(store, "funding-per-funder-type")}[
        None
    ] == 7000


def test_the_action_page_says_unnamed(site_client: TestClient, sample_fiches: list[Fiche]) -> None:
    page = site_client.get(f"/action/{action_key(fiche(sample_fiches, ALLEZ))}").text
    assert "financeur non nommé" in page
    assert ">subvention<" not in page


# --- MSA et CCHPM: two funders, one amount, shares not stated -------------------------------------------


def test_two_funders_for_one_amount_in_the_graph(store: ox.Store, sample_fiches: list[Fiche]) -> None:
    grant = funding_iri(sample_fiches, NUMERIQUE, 2)
    assert values(store, grant, SCHEMA + "amount") == ["16700"]  # the amount as stated, never split
    assert values(store, grant, CSG + "funderCount") == ["2"]
    assert values(store, grant, RDFS + "label") == ["MSA et CCHPM"]
    assert values(store, grant, CSG + "funderType") == [
        f"{BASE}partner/msa",
        f"{BASE}partner/regroupement-de-communes",
    ]
    assert values(store, grant, SCHEMA + "funder") == [f"{PREFIXES['funder']}cchpm"]
    assert not list(store.quads_for_pattern(ox.NamedNode(f"{PREFIXES['funder']}msa-et-cchpm"), None, None))


def test_the_view_draws_both_and_counts_the_keyword_once(store: ox.Store) -> None:
    projected = view(store, "funding")
    graph = projected.graph
    by_label = {data["label"]: node for node, data in graph.nodes(data=True)}
    health = by_label["Santé"]
    assert graph.nodes[health]["euros"] == 17000  # 300 + 16 700, not 300 + 2 × 16 700
    assert graph.edges[by_label["CCHPM"], health]["euros"] == 16700
    assert graph.edges[by_label["MSA"], health]["euros"] == 16700
    assert graph.nodes[by_label["MSA"]]["euros"] == 16700 + 1750
    facts = node_facts(projected, by_label["CCHPM"], set(), {}, "fr")
    assert facts[0].startswith(
        "16\u202f700\u00a0€ déclarés (dont 16\u202f700\u00a0€ avec d'autres financeurs"
    )


def test_per_funder_type_the_joint_amount_is_said_and_the_shares_add_up(store: ox.Store) -> None:
    rows = {row["funder_type"]: row for row in answer(store, "funding-per-funder-type")}
    assert rows["MSA"] == {"funder_type": "MSA", "contributions": 2, "actions": 2, "amount": 18450,
                           "jointly": 16700, "share": 10100}  # fmt: skip
    assert rows["Regroupement de communes"] == {"funder_type": "Regroupement de communes", "contributions": 1,
                                                "actions": 1, "amount": 16700, "jointly": 16700,
                                                "share": 8350}  # fmt: skip
    assert sum(row["share"] for row in rows.values()) == Decimal(67930)  # every contribution once
    assert sum(row["amount"] - row["jointly"] for row in rows.values()) == Decimal(67930 - 16700)


def test_multi_funded_actions_sum_a_joint_amount_once(store: ox.Store) -> None:
    rows = {row["action"]: row for row in answer(store, "multi-funded-actions")}
    assert (rows[NUMERIQUE]["funder_types"], rows[NUMERIQUE]["contributions"], rows[NUMERIQUE]["amount"]) == (
        3,
        2,
        17000,
    )


def test_the_map_sums_a_joint_amount_once(store: ox.Store) -> None:
    from csgraph.graph_actions import read_actions, read_names

    actions = read_actions(store, read_names(store))
    assert totals([Counted.of(action) for action in actions], "euros") == ({"62": Decimal(67930)}, 0)


def test_the_structure_page_says_the_share_is_not_stated(
    site_client: TestClient, sample_fiches: list[Fiche]
) -> None:
    from csgraph.mapping import structure_key

    key = structure_key(fiche(sample_fiches, NUMERIQUE))
    page = site_client.get(f"/structure/{key}").text
    # Accès au numérique (300 + 16 700) and Conte illustré (7 850): each contribution once.
    assert f"<strong>{euros(Decimal(24850))}</strong> de contributions" in page
    assert "/funder/cchpm" in page
    assert page.count("avec d’autres financeurs, part de chacun non dite") == 2  # MSA and CCHPM


# --- funders per keyword: the column that repeats, and the one that adds up ------------------------------


def test_funders_per_keyword_repeats_amounts_and_shares_add_up(store: ox.Store) -> None:
    rows = answer(store, "funders-per-keyword")
    msa = {row["keyword"]: row for row in rows if row["funder_type"] == "MSA"}
    for keyword in ("Démocratie & citoyenneté", "Emploi, économie", "Santé"):  # line 636's action's keywords
        assert (msa[keyword]["amount"], msa[keyword]["jointly"], msa[keyword]["share"]) == (
            16700,
            16700,
            Decimal("2783.33"),  # 16 700 / 3 keywords / 2 funder types
        )
    assert sum(row["amount"] for row in rows) > Decimal(67930)  # what the header warns of
    assert abs(sum(row["share"] for row in rows) - Decimal(67930)) <= Decimal("0.01") * len(rows)
    description = find_query("funders-per-keyword").description_en
    assert "counts one contribution several times" in description and "split equally" in description


# --- more funding than budget ----------------------------------------------------------------------------


def test_no_keyword_has_more_funding_than_budget(store: ox.Store) -> None:
    rows = {row["keyword"]: row for row in answer(store, "funding-per-keyword")}
    # Halte répit: total 14 800 = its parts; Conte illustré: expenses 7 850 = its parts, no total.
    assert (rows["Viellissement"]["budget"], rows["Viellissement"]["funding"]) == (22650, 22650)
    assert (rows["Santé"]["budget"], rows["Santé"]["funding"]) == (17000, 17000)  # expenses 8 000 + 9 000
    assert all(row["funding"] is None or row["funding"] <= row["budget"] for row in rows.values())


OVERFUNDED = """Actions "Atelier vélo"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Structure organisatrice
- Centre social Lumière - Pas-de-Calais
METHODOLOGIE DE L' ACTION
- Ressources financières mobilisées pour cette action
Coût total : 8 000 €
CAF : 6 000 €
Ville : 3 000 €
- Nombre de personnes mobilisés pour cette action
2 animateurs
Actions "Atelier jardin"
DESCRIPTION DE L'ACTION
- Structure organisatrice
- Centre social Lumière - Pas-de-Calais
METHODOLOGIE DE L' ACTION
- Ressources financières mobilisées pour cette action
Dépenses
Graines = 500 €
Recettes
Participation CAF = 700 €
"""


def test_build_warns_where_contributions_exceed_the_stated_budget(tmp_path: Path) -> None:
    source = tmp_path / "fiches.txt"
    source.write_text(OVERFUNDED, encoding="utf-8")
    report = build([source], tmp_path / "out", keep_store=False)
    exceed = [str(notice) for notice in report.notices if "exceed" in notice.message]
    assert exceed == [
        "fiches.txt:9: contributions exceed the stated budget: parts 9 000 > total 8 000",
        "fiches.txt:21: contributions exceed the stated budget: receipts 700 > expenses 500",
    ]


# --- one meaning of "no money" ---------------------------------------------------------------------------


def test_no_money_means_the_same_in_the_view_and_data_quality(
    store: ox.Store, sample_fiches: list[Fiche]
) -> None:
    quality = {row["check"]: row["actions"] for row in answer(store, "data-quality")}
    money = [found.money for found in sample_fiches]
    no_money = [m for m in money if m.budget_total is None and not m.expenses and not m.funding]
    assert quality["no money at all"] == len(no_money) == 7  # it said 9: expenses alone were no money
    assert quality["no contribution"] == sum(1 for m in money if not m.funding) == 20
    assert quality["contribution from an unnamed funder"] == 1
    projected = view(store, "funding")
    assert page_summary(projected, "fr").startswith(
        "5 actions tracées sur 25 (les autres ne déclarent aucune contribution)"
    )
    assert projected.summary().startswith("5 of 25 actions drawn (the others state no contribution)")
    assert quality["no contribution"] == 25 - 5


# --- status and end reasons ------------------------------------------------------------------------------


def test_status_rows_list_their_end_reasons(store: ox.Store) -> None:
    rows = answer(store, "status-and-end-reasons")
    assert rows == [
        {"status": "En cours", "actions": 19, "without_reason": 19, "end_reasons": None},
        {
            "status": "Terminée",
            "actions": 6,
            "without_reason": 1,  # REVEILLON SOLIDAIRE
            "end_reasons": "action ponctuelle (2); Action finalisée sur l'amélioration du cadre de vie, "
            "embellissement des lieux d'accueil des logements HLM (1); Fin de financement (1); "
            "L'action s'est déroulée dans sa mise en place d'octobre 2017 à janvier 2018. "
            "Dans sa concrétisation, elle s'est déroulée du 10 au 17/02/2018 (1)",
        },
    ]
