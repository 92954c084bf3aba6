"""Figures from the two free-text fields of a fiche: money (`Ressources financières mobilisées
pour cette action`) and people (`Nombre de personnes mobilisés pour cette action`).

Centres write these fields as they please: `cout total : 20 000 €`, `4 000 euros: Conseil
Départemental`, `Participation MSA et CCHPM 16 700 €`, `Dépenses` / `Recettes` blocks, a bare
`9300`, `une trentaine de partenaires`. What cannot be read with confidence is left out of the
figures (the raw text stays on the fiche) and, where it matters, named in a Notice; a total is
never computed from parts, and parts that disagree with the stated total are flagged, not fixed.

Text level only: matching happens on a lower-case, accent-free copy of the text that keeps one
character for one, so positions found in the copy cut the original as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from csgraph.model import Expense, Funder, Funding, Money, Notice, PeopleCount

# A number as written in French fiches: `20 000`, `21 280.00`, `1 500,50`, `1.500`, `6700`, `0,4`.
# Digits glued to `/` or `*` belong to dates (`01/02/2018`) or products (`4*2 jours`), not amounts.
NUMBER = (
    r"(?<![\w.,/*])"
    r"(?:\d{1,3}(?:[ \u00a0\u202f.]\d{3}){1,4}(?:,\d{1,4}|\.\d{1,2}(?!\d))?|\d{1,12}(?:[.,]\d{1,4})?)"
    r"(?![\d/*]|[.,]\d)"
)
NUMBER_RE = re.compile(f"(?P<number>{NUMBER})")
# `e` is how some fiches write euros (`12000 e`); after fewer than three digits it is an ordinal (`2e`).
AMOUNT_RE = re.compile(rf"(?P<number>{NUMBER})\s*(?:(?P<kilo>k\s*)?(?:€|euros?\b|eur\b)|(?P<e>e)\b)")
YEAR_RE = re.compile(r"(?:19|20)\d\d")
# Words after which a bare number (no `€`) is money: `subvention 7000`, `Coût : 2000`.
MONEY_WORDS_RE = re.compile(
    r"\b(?:subventions?|budgets?|couts?|total|montants?|participations?|financements?|recettes?|depenses?)\b"
)
PARENTHESES_RE = re.compile(r"\([^)]*\)?")
FILLER_RE = re.compile(r"\b(?:annuel(?:le)?s?|par an|environ|env|ttc|ht)\b\.?|/\s*an\b")
LABEL_EDGES = " \t-–—:=•*.,;"
ITEM_SEPARATOR_RE = re.compile(r"\s+[-–—]\s+|\s*;\s*|\s+\+\s+")
EXPENSES_HEADING_RE = re.compile(r"(?:depenses?|charges)\b\s*(?P<colon>:)?")
RECEIPTS_HEADING_RE = re.compile(
    r"(?:recettes?|produits|financements?|financeurs?|ressources)\b\s*(?P<colon>:)?"
)
TOTAL_RE = re.compile(r"\b(?:total|budgets?|montant global|cout global)\b")
COST_RE = re.compile(r"(?:(?:le|la) )?couts?\b")
FUNDING_WORDS_RE = re.compile(
    r"\b(?:participations?|subventions?|financements?|cofinancements?|apports?|contributions?|dotations?|mecenat)\b"
)
# Between funders named together for one amount: `MSA et CCHPM`, `CAF + Ville`, `Région / Département`.
FUNDERS_JOIN_RE = re.compile(r"\s+(?:et|&|\+)\s+|\s*[,/]\s*")
FUNDER_PREFIX_RE = re.compile(
    r"(?:participations?|subventions?|financements?|cofinancements?|apports?|contributions?|dotations?"
    r"|de la|du|des|de|la|le|les)\b\s*|[ld]'\s*"
)

# Funder as written -> partner type label, exactly as the fiches' closed vocabulary spells it, plus
# the two categories `Usagers` and `Autofinancement`. Patterns match the folded text on word edges;
# `politique de la ville` / `contrat de ville` are State money, not the town's.
FUNDERS: tuple[tuple[str, str], ...] = (
    ("Caf", r"caf|caisse d'allocations? familiales"),
    ("Commune", r"villes?|communes?|mairies?|municipalites?"),
    ("Conseil départemental", r"conseil departemental|conseil general|departements?|cd ?\d{0,3}"),
    ("Europe", r"fse|feder|europe|europeen(?:ne)?s?|fonds social europeen"),
    ("MSA", r"msa"),
    ("CARSAT", r"carsat"),
    ("ARS", r"ars"),
    ("ANCV", r"ancv"),
    ("CPAM", r"cpam"),
    ("Etat", r"etat|cget|politique de la ville|contrat de ville"),
    ("DDCS", r"ddcs"),
    ("Préfecture", r"(?:sous[- ])?prefectures?"),
    ("ACSE", r"acse"),
    ("Fondations", r"fondations?"),
    ("Région", r"regions?|regionale?s?|regionaux"),
    (
        "Regroupement de communes",
        r"communautes? (?:de communes|d'agglomeration|urbaine)|agglomerations?|agglo|epci"
        r"|cc|cc(?!as\b)[a-z]{2,6}",
    ),
    ("Bailleur social", r"bailleurs?(?: sociaux| social)?"),
    (
        "Usagers",
        r"usagers?|familles?|habitants?|adherente?s?|participante?s?|beneficiaires?|parents?",
    ),
    ("Autofinancement", r"auto-?financements?|fonds propres"),
)
FUNDER_RES = tuple((label, re.compile(rf"\b(?:{pattern})\b")) for label, pattern in FUNDERS)
ANY_FUNDER_RE = re.compile(
    rf"\b(?:{'|'.join(pattern for _, pattern in FUNDERS)})\b"
)  # where the first one starts

NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
}  # fmt: skip
ABOUT_WORDS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}  # fmt: skip
PEOPLE_COUNT_RE = re.compile(
    r"(?P<approx>\b(?:environ|env\.?|pres de|plus de|au moins|a peu pres)\s+|\+\s*de\s+|~\s*)?"
    rf"(?:(?P<number>{NUMBER})"
    rf"|\b(?:une?\s+)?(?P<about>{'|'.join(ABOUT_WORDS)})\s+(?:de\s+|d')"
    rf"|\b(?P<word>{'|'.join(NUMBER_WORDS)})\b)"
    r"\s*(?P<noun>[a-z]+)"
)
# Roles are the closed set of the people figures: young people, seniors and inhabitants are the
# action's participants; technicians and educators are professionals; representatives of other
# bodies (`4 représentants de religion`) are partners.
ROLES: tuple[tuple[str, str], ...] = (
    ("salarié", r"salariee?s?|salriee?s?|employee?s?"),
    (
        "professionnel",
        r"professionnel(?:le)?s?|pros?|technicien(?:ne)?s?|intervenante?s?|educat(?:eur|rice)s?"
        r"|coordinat(?:eur|rice)s?|direct(?:eur|rice)s?|psychologues?",
    ),
    ("animateur", r"animat(?:eur|rice)s?"),
    ("bénévole", r"benevoles?"),
    ("ETP", r"etp"),
    (
        "participant",
        r"participante?s?|jeunes?|seniors?|habitante?s?|enfants?|familles?|adolescente?s?|ados?|femmes?"
        r"|hommes?|parents?|usagers?|adherente?s?|beneficiaires?|personnes?|membres?|inscrite?s?|eleves?",
    ),
    ("partenaire", r"partenaires?|referente?s?|representante?s?"),
)
# One pattern, a group per role in order: the first role whose words match the whole noun names it.
ROLE_RE = re.compile("|".join(f"(?P<role{index}>{pattern})" for index, (_, pattern) in enumerate(ROLES)))
# A référent is the centre's own (`référent famille`, `référent mixité du centre social`) unless
# the line names another body (`1 référent Mission Locale`).
OWN_STAFF_RE = re.compile(r"\b(?:centre|cs|csc|csci|structure|familles?|equipe)\b")
OWN_BODY_RE = re.compile(r"(?:du |de la |de l')?(?:centre|cs|csc|csci|evs|structure|equipe)\b")
# `1 personne CCAS`: a person of another body, named right after; the funders' names are bodies too.
OTHER_BODY_RE = re.compile(
    rf"(?:du |de la |de l'|des |de )?(?:ccas|pmi|mission locale|associations?|ehpad|college|ecole"
    rf"|{'|'.join(pattern for label, pattern in FUNDERS if label not in ('Usagers', 'Autofinancement'))})\b"
)
UNSPECIFIED_ROLE = "non précisé"  # a bare number in the people field: people mobilised, role not given
BARE_COUNT_RE = re.compile(
    rf"(?P<approx>(?:environ|env\.?|pres de|plus de|au moins|~)\s*)?(?P<number>{NUMBER})\s*[.!]?"
)
PEOPLE_TAIL_END_RE = re.compile(r",|;|\.|\+| et | - |\)")
# Words that follow a number without making it a count of people: hours, durations, dates, ordinals.
NOT_PEOPLE = frozenset(
    {
        *("h", "heure", "heures", "hrs", "j", "jour", "jours", "mois", "semaine", "semaines", "an", "ans"),
        *("annee", "annees", "fois", "seance", "seances", "min", "minute", "minutes"),
        *("er", "ere", "eme", "e"),
        *("euro", "euros", "eur", "k", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet"),
        *("aout", "septembre", "octobre", "novembre", "decembre"),
    }
)


def parse_amount(text: str) -> Decimal | None:
    """The first amount of money in `text`, or None when it holds only dates, counts, hours or nothing."""
    found = _amounts(_fold(text))
    return _amount_value(found[0]) if found else None


def funder_type(funder: str) -> str | None:
    """The partner type of a funder as written (`la commune` -> `Commune`), or None when unknown.

    For several funders written together (`MSA et CCHPM`) this is the first one's: `funders_of` parts them.
    """
    found = _funder_match(_fold(funder))
    return found[1] if found else None


def funders_of(written: str) -> tuple[Funder, ...]:
    """The funders named in one contribution's words: `MSA et CCHPM` is MSA and CCHPM, each with its type.

    Parted only when every part is a known funder and they are of at least two types: `usagers et
    familles` stays one funder (one type, users), `Caisse X et Y` unknown stays as written.
    """
    parts = [_clean_funder(part) for part in FUNDERS_JOIN_RE.split(written)]
    funders = tuple(dict.fromkeys(Funder(part, funder_type(part)) for part in parts if part))
    if all(funder.type for funder in funders) and len({funder.type for funder in funders}) > 1:
        return funders
    return (Funder(written, funder_type(written)),)


def read_money(
    resources: str, resources_line: int, people: str, people_line: int, file: str
) -> tuple[Money, list[Notice]]:
    """Read the resources and people texts of one fiche into figures, with notices naming file:line."""
    ledger = _Ledger(file)
    for line_number, raw in _numbered_lines(resources, resources_line):
        ledger.read_line(raw, line_number)
    ledger.check()
    people_counts: list[PeopleCount] = []
    people_notices: list[Notice] = []
    for line_number, raw in _numbered_lines(people, people_line):
        counts, unread = _read_people_line(raw)
        people_counts.extend(counts)
        people_notices.extend(
            Notice(file, line_number, f"count without a known role, not read: `{text}`") for text in unread
        )
    money = Money(
        budget_total=ledger.total,
        funding=tuple(ledger.funding),
        expenses=tuple(ledger.expenses),
        people=tuple(people_counts),
        flags=tuple(ledger.flags),
    )
    return money, ledger.notices + people_notices


@dataclass
class _Ledger:
    """What one resources text says so far; the block heading read last decides what a line is."""

    file: str
    block: str | None = None  # "expenses" or "receipts" once a heading was read
    first_line: int = 0  # line of the first amount read, where notices about the whole text go
    total: Decimal | None = None
    total_line: int = 0
    funding: list[Funding] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def read_line(self, raw: str, line_number: int) -> None:
        """Read one line: maybe a block heading, then one or more ` - `-separated items."""
        line = raw.strip()
        text = line.lstrip("-–—•* \t")
        folded = _fold(text)
        for block, heading_re in (("expenses", EXPENSES_HEADING_RE), ("receipts", RECEIPTS_HEADING_RE)):
            heading = heading_re.match(folded)
            if heading:
                self.block = block
                if heading.group("colon") or not folded[heading.end() :].strip():
                    text = text[heading.end() :]
                break
        items = _split_items(text)
        for item in items:
            self._read_item(item, line, line_number)
        if not items and _bare_number(folded):
            self._notice(line_number, f"number not read as an amount: `{line}`")

    def _read_item(self, item: str, line: str, line_number: int) -> None:
        """File one amount: unlabelled or `total`/`budget`/`coût` -> total; then by block; outside
        blocks a contribution needs a funding word or a funder first (`Ville : …`), else a cost.
        """
        folded = _fold(item)
        found = _amounts(folded)
        if not found:
            return
        if len(found) > 1:
            self._notice(line_number, f"several amounts in one item, only the first read: `{item.strip()}`")
        amount_match = found[0]
        amount = _amount_value(amount_match)
        self.first_line = self.first_line or line_number
        label = _label(item[: amount_match.start()]) or _label(item[amount_match.end() :])
        bare = _fold(_bare(label))
        if not bare:
            self._set_total(amount, line_number, f"amount without label: `{line}`")
        elif TOTAL_RE.search(bare) or (self.block != "expenses" and COST_RE.match(bare)):
            self._set_total(amount, line_number, f"second total: `{line}`")
        elif self.block == "expenses":
            self.expenses.append(Expense(label, amount, line))
        elif self.block == "receipts" or FUNDING_WORDS_RE.search(bare) or _names_funder(label):
            self._add_funding(label, amount, line, line_number)
        else:
            self.expenses.append(Expense(label, amount, line))

    def _set_total(self, amount: Decimal, line_number: int, message: str) -> None:
        """Keep the first total; a later different one is flagged, never summed or swapped."""
        if self.total is None:
            self.total, self.total_line = amount, line_number
        elif amount != self.total:
            self.flags.append(f"second total {_format(amount)} ≠ total {_format(self.total)}")
            self._notice(line_number, f"{message}; the first total {_format(self.total)} is kept")

    def _add_funding(self, label: str, amount: Decimal, line: str, line_number: int) -> None:
        """`subvention 7000` names no funder: money received from nobody named, never from `subvention`."""
        written = _clean_funder(label)
        if not written:  # said by a notice and by a count of 0 funders, not as amounts that disagree
            self.funding.append(Funding((), "", amount, line))
            self._notice(line_number, f"money from an unnamed funder: `{line}`")
            return
        funders = funders_of(written)
        self.funding.append(Funding(funders, written, amount, line))
        if funders[0].type is None:
            self._notice(line_number, f"funder `{written}` not recognised, kept as written")

    def check(self) -> None:
        """Compare the parts with the total, and receipts with expenses, without changing either."""
        receipts = sum((funding.amount for funding in self.funding), Decimal(0))
        if self.total is not None and self.funding and receipts > self.total:
            flag = f"parts {_format(receipts)} > total {_format(self.total)}"
            self.flags.append(flag)
            self._notice(self.total_line, f"contributions exceed the stated budget: {flag}")
        elif self.total is not None and self.funding and receipts != self.total:
            flag = f"parts {_format(receipts)} ≠ total {_format(self.total)}"
            self.flags.append(flag)
            self._notice(self.total_line, f"contributions do not add up to the total: {flag}")
        if self.total is None and self.funding and self.expenses:
            spent = sum((expense.amount for expense in self.expenses), Decimal(0))
            if receipts > spent:  # the expenses are the budget a fiche without a total states
                flag = f"receipts {_format(receipts)} > expenses {_format(spent)}"
                self.flags.append(flag)
                self._notice(self.first_line, f"contributions exceed the stated budget: {flag}")
            elif spent != receipts:
                flag = f"expenses {_format(spent)} ≠ receipts {_format(receipts)}"
                self.flags.append(flag)
                self._notice(self.first_line, f"expense and receipt blocks disagree: {flag}")

    def _notice(self, line_number: int, message: str) -> None:
        self.notices.append(Notice(self.file, line_number, message))


def _numbered_lines(text: str, first_line: int) -> list[tuple[int, str]]:
    """Non-empty lines with their file line numbers (line i of the text is at first_line + i)."""
    return [(first_line + index, line) for index, line in enumerate(text.split("\n")) if line.strip()]


class _FoldTable(dict[int, str]):
    """`str.translate` table filled on first sight of each character: one C-level pass per text."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in "’‘`":
            folded = "'"
        else:
            folded = "".join(
                part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
            ).lower()
            folded = folded if len(folded) == 1 else char
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold(text: str) -> str:
    """Lower case without accents, one character for one (`Coût` -> `cout`, NBSP -> space)."""
    return text.translate(_FOLD_TABLE)


def _amounts(folded: str) -> list[re.Match[str]]:
    """Amounts with a currency; failing that, a bare number that can only be money (`9300`).

    A bare number is money when nothing but punctuation follows it and nothing, a money word
    (`subvention 7000`) or a `:` precedes it; a bare year (`2015`, `mars 2016`) is money only
    after a money word.
    """
    with_currency = [
        match
        for match in AMOUNT_RE.finditer(folded)
        if not match.group("e") or sum(char.isdigit() for char in match.group("number")) >= 3
    ]
    if with_currency:
        return with_currency
    numbers = list(NUMBER_RE.finditer(folded))
    if len(numbers) != 1:
        return []
    number = numbers[0]
    if PARENTHESES_RE.sub("", folded[number.end() :]).strip(LABEL_EDGES + "!"):
        return []
    prefix = folded[: number.start()].strip(LABEL_EDGES.replace(":", "").replace("=", ""))
    money_word = MONEY_WORDS_RE.search(prefix)
    if prefix and not money_word and not prefix.endswith((":", "=")):
        return []
    if YEAR_RE.fullmatch(number.group("number")) and not money_word:
        return []
    return [number]


def _bare_number(folded: str) -> bool:
    """A number that nothing but punctuation follows (`CAF 12000`), and that is not a year: money, maybe,
    that the rules above could not read with confidence, so it is named rather than dropped."""
    for number in NUMBER_RE.finditer(folded):
        rest = PARENTHESES_RE.sub("", folded[number.end() :]).strip(LABEL_EDGES + "!")
        if not rest and not YEAR_RE.fullmatch(number.group("number")):
            return True
    return False


def _amount_value(match: re.Match[str]) -> Decimal:
    """`21 280.00` -> 21280, `1 500,50` -> 1500.50, `1.500` -> 1500, `1,5 k€` -> 1500."""
    digits = re.sub(r"[ \u00a0\u202f]", "", match.group("number"))
    if "," in digits:
        digits = digits.replace(".", "").replace(",", ".")
    elif digits.count(".") > 1 or re.search(r"\.\d{3}$", digits):
        digits = digits.replace(".", "")
    value = Decimal(digits)
    if match.groupdict().get("kilo"):
        value *= 1000
    return _normalised(value)


def _normalised(value: Decimal) -> Decimal:
    """Same value, same digits: `21 280.00` and `21280` give the same Decimal and the same literal later."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _format(amount: Decimal) -> str:
    """French grouping for flags: 14800 -> `14 800`, 1500.50 -> `1 500,50`."""
    whole, _, decimals = f"{amount:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{grouped},{decimals}" if decimals else grouped


def _split_items(text: str) -> list[str]:
    """Split `A : 8 000 € - B : 9 000 €` into items; a piece without an amount joins its neighbour.

    So `CAF - 500 €` stays one item while `Dépenses … : 8 000 € - salaire animateur : 9 000 €` gives two.
    """
    folded = _fold(text)
    cuts = [0]
    for separator in ITEM_SEPARATOR_RE.finditer(folded):
        cuts.extend((separator.start(), separator.end()))
    cuts.append(len(text))
    pieces = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
    items: list[tuple[int, int]] = []
    pending_start: int | None = None
    for start, end in pieces:
        if not _amounts(folded[start:end]):
            pending_start = start if pending_start is None else pending_start
            continue
        items.append((start if pending_start is None else pending_start, end))
        pending_start = None
    if pending_start is not None and items:
        items[-1] = (items[-1][0], len(text))
    return [text[start:end] for start, end in items]


def _label(text: str) -> str:
    """The words around an amount, without separators (`- 542 euros: la commune` -> `la commune`)."""
    return text.strip(LABEL_EDGES)


def _bare(label: str) -> str:
    """A label without its asides and fillers: `(env.)`, `annuels`, `(prestations, transports…)`."""
    without_asides = PARENTHESES_RE.sub(" ", label)
    kept = list(without_asides)
    for filler in FILLER_RE.finditer(_fold(without_asides)):
        kept[filler.start() : filler.end()] = " " * (filler.end() - filler.start())
    return " ".join("".join(kept).split()).strip(LABEL_EDGES)


def _clean_funder(label: str) -> str:
    """The funder as written, without `Participation`, `participation des`, `subvention`, articles."""
    funder = _bare(label)
    while True:
        prefix = FUNDER_PREFIX_RE.match(_fold(funder))
        if not prefix:
            return funder
        funder = funder[prefix.end() :].strip(LABEL_EDGES)


def _funder_match(folded: str) -> tuple[int, str] | None:
    """The first funder written in the text (the longest on a tie) as (position, partner type)."""
    first = ANY_FUNDER_RE.search(folded)
    if first is None:
        return None
    start = first.start()
    found = [
        (-len(match.group()), label)
        for label, pattern in FUNDER_RES
        if (match := pattern.match(folded, start))
    ]
    return start, min(found)[1]


def _names_funder(label: str) -> bool:
    """Outside a receipts block, a line is a contribution only when it starts with a funder (`Ville : …`)."""
    found = _funder_match(_fold(_clean_funder(label)))
    return found is not None and found[0] == 0


def _read_people_line(raw: str) -> tuple[list[PeopleCount], list[str]]:
    """Counts per role in one line, and the pieces with a number but no known role.

    Only a number written right before a role word counts (`3 animateurs du centre et 24 jeunes`),
    so `164 depuis le début de l'année 2018.` gives no count and never reads 2018 as people.
    """
    line = raw.strip()
    folded = _fold(line.lstrip("-–—•* \t"))
    bare = BARE_COUNT_RE.fullmatch(folded)
    if bare:
        if YEAR_RE.fullmatch(bare.group("number")):
            return [], [line]
        return [PeopleCount(UNSPECIFIED_ROLE, _amount_value(bare), bool(bare.group("approx")), line)], []
    folded = _fold(line)
    counts: list[PeopleCount] = []
    unread: list[str] = []
    for match in PEOPLE_COUNT_RE.finditer(folded):
        noun = match.group("noun")
        tail_end = PEOPLE_TAIL_END_RE.search(folded, match.end())
        phrase_end = tail_end.start() if tail_end else len(folded)
        role = _role(noun, folded[match.end() : phrase_end], folded)
        if role is None:
            if match.group("number") and noun not in NOT_PEOPLE:
                unread.append(line[match.start("number") : phrase_end].strip())
            continue
        if match.group("number"):
            count = _amount_value(match)
        elif match.group("about"):
            count = Decimal(ABOUT_WORDS[match.group("about")])
        else:
            count = Decimal(NUMBER_WORDS[match.group("word")])
        approximate = bool(match.group("approx") or match.group("about"))
        counts.append(PeopleCount(role, count, approximate, line))
    return counts, unread


def _role_of(word: str) -> str | None:
    match = ROLE_RE.fullmatch(word)
    return ROLES[int(match.lastgroup.removeprefix("role"))][0] if match and match.lastgroup else None


def _role(noun: str, tail: str, line: str) -> str | None:
    """The role of a counted noun; `personnes` are the team when the line speaks of `équipe`."""
    role = _role_of(noun)
    if role == "participant" and re.fullmatch(r"personnes?", noun):
        next_word = tail.split()[0] if tail.split() else ""
        qualified = _role_of(next_word)
        if qualified and qualified != "participant":
            return qualified
        if OWN_BODY_RE.match(tail.strip()):  # `1 personne CS`: the centre's own staff
            return "professionnel"
        if OTHER_BODY_RE.match(tail.strip()):  # `1 personne CCAS`: staff of a partner
            return "partenaire"
        return "professionnel" if re.search(r"\bequipe\b", line) else "participant"
    if role == "partenaire" and re.fullmatch(r"referente?s?", noun) and OWN_STAFF_RE.search(tail):
        return "professionnel"
    return role
