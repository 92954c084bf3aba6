"""Départements by name, alias or code, and the split of `NAME - DÉPARTEMENT` structure values."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from csgraph.departements import Departement, all_departements, find_departement, split_structure
from csgraph.names import name_key

ROOT = Path(__file__).parent.parent
CSV_FILE = ROOT / "ontology" / "departements.csv"
SAMPLE = ROOT / "data" / "pas-de-calais-actions.txt"
PAS_DE_CALAIS = Departement("62", "Pas-de-Calais")
DORDOGNE = Departement("24", "Dordogne")
LA_REUNION = Departement("974", "La Réunion")


def csv_rows() -> list[dict[str, str]]:
    with CSV_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_list_holds_the_101_insee_codes() -> None:
    metropolitan = [f"{number:02d}" for number in range(1, 96) if number != 20]
    expected = {*metropolitan, "2A", "2B", "971", "972", "973", "974", "976"}
    codes = [row["code"] for row in csv_rows()]
    assert len(codes) == 101
    assert set(codes) == expected
    assert [departement.code for departement in all_departements()] == codes


def test_names_are_unique_and_no_spelling_names_two_departements() -> None:
    owners: dict[str, str] = {}
    for row in csv_rows():
        for spelling in [row["name"], *filter(None, row["aliases"].split("|"))]:
            assert owners.setdefault(name_key(spelling), row["code"]) == row["code"], spelling
    assert len({row["name"] for row in csv_rows()}) == 101


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Pas-de-Calais", "62"),
        ("pas de calais", "62"),
        ("PAS-DE-CALAIS", "62"),
        (" Pas-de-Calais (62) ", "62"),
        ("62", "62"),
        ("01", "01"),
        ("2a", "2A"),
        ("2B", "2B"),
        ("Corse du Sud", "2A"),
        ("Haute Corse", "2B"),
        ("974", "974"),
        ("La Réunion", "974"),
        ("Réunion", "974"),
        ("la reunion", "974"),
        ("Côtes-d'Armor", "22"),
        ("Cotes d\u2019Armor", "22"),
        ("Val d'Oise", "95"),
        ("Territoire de Belfort", "90"),
        ("Seine-St-Denis", "93"),
        ("Guyane", "973"),
        ("Mayotte", "976"),
        ("Puy-de-Dome", "63"),
    ],
)
def test_find_departement(text: str, code: str) -> None:
    departement = find_departement(text)
    assert departement is not None
    assert departement.code == code


@pytest.mark.parametrize("text", ["", "Calais", "Atlantis", "20", "96", "975", "00", "Nord (62)", "Corse"])
def test_unknown_departements(text: str) -> None:
    assert find_departement(text) is None


@pytest.mark.parametrize(
    ("value", "name", "departement"),
    [
        (
            "AJMR LALINDE - Actions Jeunes en Milieu Rural - Dordogne",
            "AJMR LALINDE - Actions Jeunes en Milieu Rural",
            DORDOGNE,
        ),
        (
            '"ADESIR" CENTRE SOCIAL DE LA RESSOURCE - La Réunion',
            '"ADESIR" CENTRE SOCIAL DE LA RESSOURCE',
            LA_REUNION,
        ),
        (
            "MAISON DE QUARTIER CENTRE- CENTRE SOCIAL ECLATE - Pas-de-Calais",
            "MAISON DE QUARTIER CENTRE- CENTRE SOCIAL ECLATE",
            PAS_DE_CALAIS,
        ),
        ("CENTRE SOCIAL ARRAS SUD - pas de calais", "CENTRE SOCIAL ARRAS SUD", PAS_DE_CALAIS),
        ("CENTRE SOCIAL ARRAS SUD -Pas-de-Calais ", "CENTRE SOCIAL ARRAS SUD", PAS_DE_CALAIS),
        ("CENTRE SOCIAL ARRAS SUD \u2013 Pas-de-Calais", "CENTRE SOCIAL ARRAS SUD", PAS_DE_CALAIS),
        ("CENTRE SOCIAL ARRAS SUD - Pas-de-Calais (62)", "CENTRE SOCIAL ARRAS SUD", PAS_DE_CALAIS),
        ("CENTRE SOCIAL DU LAC - Reunion", "CENTRE SOCIAL DU LAC", LA_REUNION),
        ("MAISON DES SERVICES - Guadeloupe", "MAISON DES SERVICES", Departement("971", "Guadeloupe")),
        ("CENTRE SOCIAL - NORD - Nord", "CENTRE SOCIAL - NORD", Departement("59", "Nord")),
        ("ESPACE CÔTES - Cotes d'Armor", "ESPACE CÔTES", Departement("22", "Côtes-d'Armor")),
    ],
)
def test_split_structure(value: str, name: str, departement: Departement) -> None:
    assert split_structure(value) == (name, departement)


@pytest.mark.parametrize(
    "value",
    [
        "CENTRE SOCIAL - Quartier Nord",
        "CENTRE SOCIAL - Nord - Quartier",
        "CENTRE SOCIAL SANS DEPARTEMENT",
        "Pas-de-Calais",
        "- Pas-de-Calais",
        "CENTRE SOCIAL - Atlantis",
    ],
)
def test_split_structure_without_departement_keeps_the_value(value: str) -> None:
    assert split_structure(f"  {value} ") == (value, None)


def test_every_sample_structure_is_in_pas_de_calais() -> None:
    """One label in the sample is glued to the end of the text before it, hence `endswith`."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    values = [
        lines[number + 1][2:]
        for number, line in enumerate(lines)
        if line.endswith("- Structure organisatrice")
    ]
    assert len(values) == 25
    for value in values:
        assert split_structure(value) == (value.rsplit(" - ", 1)[0], PAS_DE_CALAIS)


def test_departements_stays_free_of_rdf_libraries() -> None:
    """The parser imports this module; pulling in rdflib or pyoxigraph there would slow every run."""
    code = "import sys, csgraph.departements; print(sorted({'rdflib', 'pyoxigraph'} & set(sys.modules)))"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.strip() == "[]"
