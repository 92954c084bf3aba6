"""Name keys: how labels that people type or that fiches write loosely are compared and turned into IRIs.

Text-level on purpose: the parser, the mapper, the queries and the site all compare names, and none of
them may pull in another stage to do it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# The combining accents of Latin letters (U+034F, a joiner of combining class 0, is not one): removed by
# one regular expression, so that only the rare other non-ASCII characters are looked up one by one.
LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")
OTHER = re.compile(r"[^\x00-\x7f]")


def _unless_mark(found: re.Match[str]) -> str:
    return "" if unicodedata.combining(found.group()) else found.group()


def casefolded(text: str) -> str:
    """Casefolded, ligatures spelt out (`Œuvre` → `oeuvre`), accents kept: what the full-text index reads."""
    return text.casefold().replace("œ", "oe").replace("æ", "ae")


def plain(text: str) -> str:
    """Casefolded text without diacritics or ligatures (`Côtes` → `cotes`, `Œuvre` → `oeuvre`).

    Shared by every comparison of names that users type with or without accents and capitals, and by the
    similar actions' reading of every text, hence the regular expressions rather than a loop per character.
    """
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", casefolded(text))
    return OTHER.sub(_unless_mark, LATIN_MARKS.sub("", decomposed))


def name_key(text: str) -> str:
    """Letters and digits only, so `Côtes-d'Armor`, `COTES D ARMOR` and typographic apostrophes meet."""
    return re.sub(r"[^a-z0-9]+", "", plain(text))


@lru_cache(maxsize=16384)
def label_key(text: str) -> str:
    """Compare labels as people read them: case, spacing and apostrophe style do not matter.

    Stricter than `name_key` (accents count): it matches form labels, which are printed, not typed.
    Cached: list values (`- Caf`, `- Commune`) repeat on every fiche of a national export.
    """
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=1 << 14)
def slug(text: str) -> str:
    """The IRI local part for a label: `éducation / scolarité` → `education-scolarite`.

    Never holds `/`, which prefixed names in Turtle and SPARQL handle badly. `œ` and `æ` become `oe` and `ae`
    rather than a dash. Cached: structure names come back on every fiche of their structure.
    """
    return re.sub(r"[^a-z0-9]+", "-", plain(text)).strip("-")


def closest(value: str, labels: Iterable[str], limit: int = 3) -> list[str]:
    """The labels nearest to what a user typed, compared by name key: `Pas-de-Calai` → `Pas-de-Calais`.

    A label that starts with what was typed comes first (`Seine` → `Seine-Maritime`, `Seine-et-Marne`).
    """
    by_key: dict[str, str] = {}
    for label in labels:
        by_key.setdefault(name_key(label), label)
    typed = name_key(value)
    if not typed:
        return []
    starting = [label for key, label in sorted(by_key.items()) if key.startswith(typed)]
    near = difflib.get_close_matches(typed, list(by_key), n=limit, cutoff=0.6)
    found = dict.fromkeys([*starting, *(by_key[key] for key in near)])
    return list(found)[:limit]


def unknown_value(what: str, value: str, labels: Iterable[str], where: str = "") -> str:
    """`no département 'Pas-de-Calai'; did you mean Pas-de-Calais?`: the one line an unknown value gets.

    With nothing near, a short list is given whole (`it has: Caf, Commune`) and a long one counted.
    """
    labels = sorted(set(labels), key=plain)
    near = closest(value, labels)
    if near:
        hint = f"; did you mean {', '.join(near)}?"
    elif len(labels) <= 12:
        hint = f"; it has: {', '.join(labels) or 'none'}"
    else:
        hint = f"; there are {len(labels)}, none near it"
    return f"no {what} {value!r}{where}{hint}"
