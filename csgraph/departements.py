"""French départements by name, alias or INSEE code, and the `NAME - DÉPARTEMENT` split of structures.

Text-level on purpose: the parser uses it, so it must not pull in the RDF libraries.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from csgraph.errors import UnknownValue
from csgraph.names import name_key, unknown_value
from csgraph.resources import project_file

# What a code looks like; whether it exists is up to the list (`96` and `975` do not).
CODE = re.compile(r"\d{2,3}|2[AB]")
NAME_WITH_CODE = re.compile(r"(?P<name>.*?)\s*\(\s*(?P<code>\w+)\s*\)")
# ` - ` between structure name and département; users also type `NAME -Dordogne`,
# `NAME- Dordogne` or an en or em dash.
SEPARATOR = re.compile(r"\s+[-\u2013\u2014]\s*|[-\u2013\u2014]\s+")


@dataclass(frozen=True)
class Departement:
    """A département as INSEE's Code officiel géographique names it."""

    code: str
    name: str


@cache
def _departements() -> tuple[dict[str, Departement], dict[str, Departement]]:
    """By code and by name key, read once from the shipped CSV."""
    by_code: dict[str, Departement] = {}
    by_key: dict[str, Departement] = {}
    with project_file("ontology", "departements.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            departement = Departement(code=row["code"], name=row["name"])
            by_code[departement.code] = departement
            for spelling in [row["name"], *filter(None, row["aliases"].split("|"))]:
                by_key[name_key(spelling)] = departement
    return by_code, by_key


def all_departements() -> list[Departement]:
    """Every département, in INSEE code order (2A and 2B between 19 and 21)."""
    return list(_departements()[0].values())


def find_departement(text: str) -> Departement | None:
    """The département a user meant by a name, an alias, a bare code (`62`, `2a`) or `Pas-de-Calais (62)`.

    A name and a code in parentheses must agree: `Nord (62)` is left unresolved rather than guessed.
    """
    by_code, by_key = _departements()
    text = text.strip()
    code = text.upper()
    if CODE.fullmatch(code):
        return by_code.get(code)
    named = NAME_WITH_CODE.fullmatch(text)
    if named:
        departement = by_key.get(name_key(named["name"]))
        return departement if departement and departement.code == named["code"].upper() else None
    return by_key.get(name_key(text))


def resolve_departement(text: str) -> Departement:
    """The département a user meant, or an error naming the nearest ones: never a silent empty answer.

    Every command and the site resolve départements here, so `62`, `pas de calais`, `Pas-de-Calais (62)`
    mean the same everywhere.
    """
    departement = find_departement(text)
    if departement is None:
        spellings = [f"{item.name} ({item.code})" for item in all_departements()]
        named = NAME_WITH_CODE.fullmatch(text.strip())
        by_name = find_departement(named["name"]) if named else None
        if by_name:
            raise UnknownValue(
                f"{text.strip()!r}: {by_name.name} is département {by_name.code}, not {named['code']}"
            )
        raise UnknownValue(unknown_value("département", text, spellings))
    return departement


def split_structure(value: str) -> tuple[str, Departement | None]:
    """`NAME - DÉPARTEMENT` split on the last separator whose tail is a département.

    The name may itself hold dashes (`AJMR LALINDE - Actions Jeunes en Milieu Rural - Dordogne`), so
    earlier separators are only tried when the tail after a later one is not a département.
    """
    value = value.strip()
    for separator in reversed(list(SEPARATOR.finditer(value))):
        name = value[: separator.start()].strip()
        departement = find_departement(value[separator.end() :])
        if name and departement:
            return name, departement
    return value, None
