"""SENACS structure pages (centres sociaux, espaces de vie sociale) -> `StructurePage` records.

A saved page is plain text: a first line that names the kind of every structure on it, maybe an
index table (`NAME | 46270Felzins |`), then one block per structure from `Informations sur la
structure`, labelled lines in a fixed order where any group may be missing and the page may stop
anywhere. The name is glued to the street (`Centre FlorestRue des Lilas`), `Site internet` sometimes
holds a phone number, SIRET numbers are written with or without spaces. Every non-empty line lands
in a field or in a notice naming file and line.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from csgraph.departements import find_departement
from csgraph.errors import InputError
from csgraph.model import Notice
from csgraph.names import label_key, plain
from csgraph.reading import InputFile, LineReader, unreadable_as_notice
from csgraph.siret import valid_siret

KINDS = {
    label_key("Liste des centres sociaux"): "centre social",
    label_key("Liste des espaces de vie sociale"): "espace de vie sociale",
}
BLOCK_START = label_key("Informations sur la structure")
HEADINGS = {
    label_key(heading)
    for heading in (
        "Fiche identité",
        "Adresse",
        "Historique",
        "Mode de gestion",
        "Territoire d’intervention et géographie prioritaire",
        "Adhésion à une fédération",
        "Spécificités de la structure",
        "Axes du projet en cours :",
    )
}
# Label as printed -> record field; `label_key` makes `d’intervention` and `« gens du voyage »` (with
# non-breaking spaces) meet the plain spellings.
LABELS = {
    label_key(label): name
    for label, name in (
        ("Adresse mail contact", "email"),
        ("Site internet", "website"),
        ("Numéro SIRET", "siret"),
        ("Date du 1er agrément", "first_approval"),
        ("Population de la zone de compétence", "population"),
        ("Mode de gestion de la structure", "management"),
        ("Type de territoire d’intervention", "territory_type"),
        ("Taille du territoire d’intervention", "territory_size"),
        ("Géographie prioritaire", "priority_area"),
        ("Adhérent à la Fédération des Centres Sociaux", "federation_member"),
        ("Adhérent à une autre fédération", "other_federation"),
        ("Structure « gens du voyage »", "travellers"),
        ("Structure multi-sites / éclaté", "multi_site"),
        ("Structure itinérante", "itinerant"),
    )
}
YES_NO = {"oui": True, "non": False}
LABELLED = re.compile(r"(?P<label>[^:]+?)\s*:\s*(?P<value>.*)")
AXIS = re.compile(r"-\s*Axe\s*\d+\s*:\s*(?P<text>.*)", re.IGNORECASE)
POSTCODE = re.compile(r"(?P<postcode>\d{5})\s+(?P<commune>\S.*)")
INDEX_ROW = re.compile(r"(?P<name>[^|]+?)\s*\|\s*(?P<postcode>\d{5})?(?P<commune>[^|]*?)\s*\|\s*")
INDEX_RULE = re.compile(r"-+\s*\|\s*-+\s*\|?\s*")
LOCATED = re.compile(r"(?P<negation>\bpas\s+)?situee\s+(?:sur|dans)\s+un\s+(?:quartier\s+prioritaire|qpv)\b")
HOST = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
SNIFF_LINES = 20


@dataclass(frozen=True)
class StructurePage:
    """One structure as its SENACS page describes it: values as written (trimmed), checked ones typed."""

    kind: str
    file: str
    line: int
    name: str | None = None
    address: str | None = None
    postcode: str | None = None
    commune: str | None = None
    email: str | None = None
    website: str | None = None
    siret: str | None = None
    siret_valid: bool = False
    first_approval: date | None = None
    population: int | None = None
    history: str | None = None
    axes: tuple[str, ...] = ()
    management: str | None = None
    territory_type: str | None = None
    territory_size: str | None = None
    priority_area: bool | None = None
    priority_area_text: str | None = None
    federation_member: bool | None = None
    other_federation: str | None = None
    travellers: bool | None = None
    multi_site: bool | None = None
    itinerant: bool | None = None
    truncated: bool = False
    field_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def departement_code(self) -> str | None:
        return departement_of_postcode(self.postcode)


def departement_of_postcode(postcode: str | None) -> str | None:
    """The INSEE département of a French postcode: `62100` → 62, `20090` → 2A, `20200` → 2B, `97411` → 974.

    Corsica's postcodes all start with 20: Corse-du-Sud below 20200, Haute-Corse from it. Overseas
    départements take three digits. A code the list lacks (`98000` Monaco) gives None.
    """
    if not postcode or not re.fullmatch(r"\d{5}", postcode):
        return None
    if postcode.startswith("20"):
        code = "2A" if int(postcode) < 20200 else "2B"
    elif postcode.startswith(("97", "98")):
        code = postcode[:3]
    else:
        code = postcode[:2]
    departement = find_departement(code)
    return departement.code if departement else None


def page_kind(text: str) -> str | None:
    """The kind a page's first line announces, or None: how a structure page is told from a fiche file."""
    return KINDS.get(label_key(text))


def is_structure_page(entry: InputFile) -> bool:
    """Whether a file's first non-empty line is a structure directory's heading, whatever its name."""
    notices: list[Notice] = []
    try:
        with contextlib.closing(iter(LineReader(entry, notices))) as lines:
            for number, text in lines:
                if text.strip():
                    return page_kind(text) is not None
                if number > SNIFF_LINES:
                    break
    except (InputError, OSError):
        return False
    return False


def website_url(value: str) -> str | None:
    """The value when it is an http(s) URL with a host name; `http://05 53 12 34 56` is not."""
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and HOST.fullmatch(parts.hostname or "") else None


def priority_answer(sentence: str) -> bool | None:
    """True for a structure in a QPV, False for `not concerned` or `n'est pas située sur un QPV`; other
    sentences (near a QPV) stay open. The negation matters: `n'est pas située sur un quartier
    prioritaire` holds the words of the yes answer."""
    words = plain(sentence)
    if "pas concerne" in words:
        return False
    located = LOCATED.search(words)
    if located is None:
        return None
    return located["negation"] is None


class PageParser:
    """Reads one page line by line; a block's fields are gathered until the next block starts."""

    def __init__(self, file: str, notices: list[Notice]) -> None:
        self.file = file
        self.notices = notices
        self.kind: str | None = None
        self.current: dict[str, object] | None = None
        self.expect: str | None = None  # the unlabelled line the block waits for: name, street, postcode
        self.section: str | None = None
        self.pages: list[StructurePage] = []
        self.listed: dict[str, int] = {}  # index table: name key -> line

    def warn(self, line: int, message: str) -> None:
        self.notices.append(Notice(self.file, line, message))

    def feed(self, number: int, text: str) -> None:
        stripped = text.strip()
        if not stripped:
            return
        key = label_key(stripped)
        if self.kind is None:
            self.kind = page_kind(stripped)
            if self.kind is None:
                raise InputError("not a structure page (no `Liste des …` first line)", self.file, number)
            return
        if key == BLOCK_START:
            self.close()
            self.current = {"line": number, "field_lines": {}}
            self.expect, self.section = "name", None
            return
        if self.current is None:
            self.index_line(number, stripped)
            return
        self.block_line(number, stripped, key)

    def index_line(self, number: int, text: str) -> None:
        """The listing table before the first block: header, rule, then `NAME | 46270Felzins |` rows."""
        if INDEX_RULE.fullmatch(text) or label_key(text).startswith("nom |"):
            return
        row = INDEX_ROW.fullmatch(text)
        if row:
            self.listed[label_key(row["name"])] = number
        else:
            self.warn(number, f"line not understood before the first structure, kept here: {text}")

    def block_line(self, number: int, text: str, key: str) -> None:
        block = self.current
        assert block is not None
        lines: dict[str, int] = block["field_lines"]  # type: ignore[assignment]
        if key in HEADINGS:
            self.section = key
            if self.expect == "name":
                self.expect = None
            return
        if self.expect == "name":
            block["name"], lines["name"] = text, number
            self.expect = "street"
            return
        labelled = LABELLED.fullmatch(text)
        name = LABELS.get(label_key(labelled["label"])) if labelled else None
        if name is None and self.expect in ("street", "postcode"):
            self.address_line(number, text, block, lines)
            return
        if name is not None and labelled is not None:
            self.expect = None
            if labelled["value"].strip():
                block[name], lines[name] = labelled["value"].strip(), number
            return
        axis = AXIS.fullmatch(text)
        if axis:
            if axis["text"].strip():
                block.setdefault("axes", []).append(axis["text"].strip())  # type: ignore[union-attr]
            return
        if self.section == label_key("Historique") and "first_approval" in block:
            history = block.get("history")
            block["history"] = f"{history}\n{text}" if history else text
            lines.setdefault("history", number)
            return
        self.warn(number, f"line not understood in structure page, kept here: {text}")

    def address_line(self, number: int, text: str, block: dict[str, object], lines: dict[str, int]) -> None:
        """`NAMEstreet`, then `POSTCODE Town`; the street loses the glued name when it starts with it."""
        postcode = POSTCODE.fullmatch(text)
        if postcode:
            block["postcode"], block["commune"] = postcode["postcode"], postcode["commune"].strip()
            lines["postcode"] = number
            self.expect = None
            return
        name = str(block.get("name") or "")
        street = text[len(name) :].strip() if name and text.startswith(name) else text
        block["address"], lines["address"] = street or None, number
        self.expect = "postcode"

    def close(self, truncated: bool = False) -> None:
        """The block read so far becomes a record; its values are checked, each bad one a notice."""
        block, self.current = self.current, None
        if block is None or self.kind is None:
            return
        lines: dict[str, int] = block.pop("field_lines")  # type: ignore[assignment]
        line = int(block.pop("line"))  # type: ignore[call-overload]
        values: dict[str, object] = {"axes": tuple(block.pop("axes", ()))}  # type: ignore[arg-type]
        for name, value in block.items():
            check = CHECKED.get(name)
            values.update(check(self, str(value), lines.get(name, line)) if check else {name: value})
        self.pages.append(
            StructurePage(self.kind, self.file, line, truncated=truncated, field_lines=lines, **values)  # type: ignore[arg-type]
        )

    def check_siret(self, value: str, line: int) -> dict[str, object]:
        siret = valid_siret(value)
        if siret:
            return {"siret": siret, "siret_valid": True}
        self.warn(line, f"SIRET `{value}` is not 14 digits with a valid check digit; kept as written")
        return {"siret": value}

    def check_website(self, value: str, line: int) -> dict[str, object]:
        url = website_url(value)
        if url is None and value.rstrip("/") not in ("http:", "https:"):
            self.warn(line, f"website `{value}` is not a URL; not kept as a link")
        return {"website": url}

    def check_date(self, value: str, line: int) -> dict[str, object]:
        found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        try:
            if found:
                day, month, year = map(int, found.groups())
                return {"first_approval": date(year, month, day)}
        except ValueError:
            pass
        self.warn(line, f"date of first approval `{value}` is not a date (DD/MM/YYYY)")
        return {}

    def check_population(self, value: str, line: int) -> dict[str, object]:
        digits = re.sub(r"[\s\u202f]", "", value)
        if digits.isdigit():
            return {"population": int(digits)}
        self.warn(line, f"population `{value}` is not a whole number")
        return {}

    def check_priority(self, value: str, line: int) -> dict[str, object]:
        return {"priority_area": priority_answer(value), "priority_area_text": value}


Check = Callable[[PageParser, str, int], dict[str, object]]


def yes_no(name: str) -> Check:
    """The check of an `Oui | Non` field: anything else is a notice and an open answer."""

    def check(parser: PageParser, value: str, line: int) -> dict[str, object]:
        answer = YES_NO.get(plain(value))
        if answer is None:
            parser.warn(line, f"`{value}` is neither Oui nor Non")
        return {name: answer}

    return check


CHECKED: dict[str, Check] = {
    "siret": PageParser.check_siret,
    "website": PageParser.check_website,
    "first_approval": PageParser.check_date,
    "population": PageParser.check_population,
    "priority_area": PageParser.check_priority,
    **{name: yes_no(name) for name in ("federation_member", "travellers", "multi_site", "itinerant")},
}


def read_page(entry: InputFile, notices: list[Notice]) -> list[StructurePage]:
    """The structures of one page; a page cut short marks its last structure truncated. A page that
    cannot be read (binary, gone) is a notice, as a file of fiches is, never an exception."""
    parser = PageParser(entry.name, notices)
    reader = LineReader(entry, notices)
    last = 0
    with unreadable_as_notice(entry, notices):
        for number, text in reader:
            parser.feed(number, text)
            last = number
    cut = not reader.ended_with_newline or reader.cut_in_character
    if cut and parser.current is not None:
        parser.warn(last, "page cut off; the last structure is kept as far as it goes")
    parser.close(truncated=cut)
    named = {label_key(page.name) for page in parser.pages if page.name}
    for key, line in sorted(parser.listed.items(), key=lambda item: item[1]):
        if key not in named:
            parser.warn(line, "structure listed in the index table but not described on the page")
    return parser.pages


def read_pages(entries: Iterable[InputFile], notices: list[Notice]) -> Iterator[StructurePage]:
    for entry in entries:
        yield from read_page(entry, notices)


def page_json(page: StructurePage) -> dict[str, object]:
    """The `csgraph parse` view of a structure: values as written, dates ISO, answers as booleans."""
    return {
        "kind": page.kind,
        "name": page.name,
        "address": page.address,
        "postcode": page.postcode,
        "commune": page.commune,
        "departement_code": page.departement_code,
        "email": page.email,
        "website": page.website,
        "siret": page.siret,
        "first_approval": page.first_approval.isoformat() if page.first_approval else None,
        "population": page.population,
        "history": page.history,
        "axes": list(page.axes),
        "management": page.management,
        "territory_type": page.territory_type,
        "territory_size": page.territory_size,
        "priority_area": page.priority_area,
        "priority_area_text": page.priority_area_text,
        "federation_member": page.federation_member,
        "other_federation": page.other_federation,
        "travellers": page.travellers,
        "multi_site": page.multi_site,
        "itinerant": page.itinerant,
        "truncated": page.truncated,
        "source": {"file": page.file, "line": page.line},
    }
