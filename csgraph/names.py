"""Name keys: how labels that people type or that fiches write loosely are compared and turned into IRIs.

Text-level on purpose: the parser, the mapper, the queries and the site all compare names, and none of
them may pull in another stage to do it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def plain(text: str) -> str:
    """Casefolded text without diacritics or ligatures (`Côtes` → `cotes`, `Œuvre` → `oeuvre`).

    Shared by every comparison of names that users type with or without accents and capitals.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


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
