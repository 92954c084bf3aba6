"""Plain records passed between stages: text -> records -> RDF.

They know nothing of RDF or of text layouts, so every later stage (mapping, queries,
networks, exports) can be tested from records alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, order=True)
class Notice:
    """A warning about the input, always tied to a file and a line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def in_line_order(notices: list[Notice]) -> list[Notice]:
    """Files in the order they were read, the notices of each by line (a fiche's money notices, and the
    build's notices about values it met, come after its reading's): how people read a warnings list."""
    first_seen: dict[str, int] = {}
    for notice in notices:
        first_seen.setdefault(notice.file, len(first_seen))
    return sorted(notices, key=lambda notice: (first_seen[notice.file], notice.line))


@dataclass(frozen=True)
class Source:
    """Where a fiche starts: file (relative to what the user named) and 1-based line."""

    file: str
    line: int


@dataclass(frozen=True)
class Funder:
    """One giver of a contribution, as written (`CCHPM`), and its partner type when known."""

    name: str
    type: str | None


@dataclass(frozen=True)
class Funding:
    """One contribution read from the resources text: who gives how much, and the line it came from.

    `funders` is empty when the fiche names nobody (`subvention 7000`: the word says what kind of money,
    not who gives it), and holds several when it names them together for one amount (`MSA et CCHPM
    16 700 €`): the fiche does not say how they share it, so nothing here does. `written` is the funders'
    words as the fiche wrote them, empty when it names none.
    """

    funders: tuple[Funder, ...]
    written: str
    amount: Decimal
    line: str


@dataclass(frozen=True)
class Expense:
    """One line of cost (`Prestation : 6000€`, `Livres = 7 850 €`)."""

    label: str
    amount: Decimal
    line: str


@dataclass(frozen=True)
class PeopleCount:
    """People mobilised, per role (`salarié`, `bénévole`, `ETP`, ...); `approximate` for `une trentaine`."""

    role: str
    count: Decimal
    approximate: bool
    line: str


@dataclass(frozen=True)
class Money:
    """What the resources and people texts say in figures; the raw texts stay on the fiche."""

    budget_total: Decimal | None = None
    funding: tuple[Funding, ...] = ()
    expenses: tuple[Expense, ...] = ()
    people: tuple[PeopleCount, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fiche:
    """One SENACS action fiche, values as written (trimmed), every line accounted for."""

    source: Source
    layout: str
    title: str | None = None
    structure: str | None = None
    departement: str | None = None
    departement_code: str | None = None
    published_by: str | None = None
    status: str | None = None
    end_reason: str | None = None
    dimension: str | None = None
    year: int | None = None
    keywords: tuple[str, ...] = ()
    initiatives: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    texts: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    money: Money = field(default_factory=Money)
    truncated: bool = False


def number(value: Decimal) -> int | float:
    """A JSON number: integral amounts stay integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def fiche_json(fiche: Fiche) -> dict[str, object]:
    """The `csgraph parse` view of a fiche: values as written, figures as numbers."""
    money = fiche.money
    return {
        "title": fiche.title,
        "structure": fiche.structure,
        "departement": fiche.departement,
        "departement_code": fiche.departement_code,
        "published_by": fiche.published_by,
        "status": fiche.status,
        "end_reason": fiche.end_reason,
        "dimension": fiche.dimension,
        "year": fiche.year,
        "keywords": list(fiche.keywords),
        "initiatives": list(fiche.initiatives),
        "publics": list(fiche.publics),
        "territories": list(fiche.territories),
        "partners": list(fiche.partners),
        "themes": list(fiche.themes),
        "files": list(fiche.files),
        **{name: fiche.texts[name] for name in sorted(fiche.texts)},
        "budget_total": None if money.budget_total is None else number(money.budget_total),
        "funding": [
            {
                "funder": f.written or None,
                "funders": [{"name": funder.name, "type": funder.type} for funder in f.funders],
                "amount": number(f.amount),
                "line": f.line,
            }
            for f in money.funding
        ],
        "expenses": [{"label": e.label, "amount": number(e.amount), "line": e.line} for e in money.expenses],
        "people": [
            {"role": p.role, "count": number(p.count), "approximate": p.approximate, "line": p.line}
            for p in money.people
        ],
        "money_flags": list(money.flags),
        "layout": fiche.layout,
        "truncated": fiche.truncated,
        "source": {"file": fiche.source.file, "line": fiche.source.line},
    }
