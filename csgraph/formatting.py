"""French first, for people: words, numbers, euros and dates as a French reader writes them (`1 234,5 €`).

Shared by the site, the maps, the charts and the network views, which all write French unless English is
asked for.

The thousands separator is the narrow no-break space U+202F everywhere (also before `€`), so that a
number never breaks across lines; English pages get `1,234.5` and `€1,234.5`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

THIN = "\u202f"
FRENCH_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def decimal_of(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def number(value: object, lang: str = "fr") -> str:
    """Digits grouped by three, decimals as written (no trailing zeros); text that is no number as is."""
    amount = decimal_of(value)
    if amount is None or not amount.is_finite():
        return "" if value is None else str(value)
    whole = amount == amount.to_integral_value()
    amount = amount.quantize(Decimal(1)) if whole else amount.normalize()
    text = f"{amount:,f}"
    if lang == "en":
        return text
    return text.replace(",", THIN).replace(".", ",")


def euros(value: object, lang: str = "fr") -> str:
    shown = number(value, lang)
    if not shown:
        return ""
    if lang == "en":
        return f"-€{shown[1:]}" if shown.startswith("-") else f"€{shown}"
    return f"{shown}{THIN}€"


def date(value: object, lang: str = "fr") -> str:
    """`3 déc. 2026` (`Dec 3, 2026` in English) from a date or an ISO text; other text as is."""
    day: dt.date | None = value if isinstance(value, dt.date) else None
    if day is None and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if day is None:
        return "" if value is None else str(value)
    if lang == "en":
        return f"{ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def plural(value: object, lang: str, word: str) -> str:
    """`word` with an `s` when `value` calls for one: from two on in French, other than one in English."""
    amount = decimal_of(value) or Decimal(0)
    many = abs(amount) >= 2 if lang == "fr" else amount != 1
    return f"{word}s" if many else word


def count(value: object, lang: str, word: str) -> str:
    """`1 action`, `2 actions`; `0 action` in French, `0 actions` in English."""
    return f"{number(value, lang)} {plural(value, lang, word)}"


def tr(lang: str, french: str, english: str) -> str:
    """The French or the English text, written side by side where it is used: French unless `en`."""
    return english if lang == "en" else french
