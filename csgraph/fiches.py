"""Read SENACS action fiches, in all three layouts found on the site, into Fiche records.

- detailed layout: `Actions "TITLE"`, section headings in capitals, fields as `- LABEL` lines;
- listing layout: a page header, maybe a pipe table indexing the page, then `Actions` alone
  and the title on the next line, the same `- LABEL` fields without section headings;
- questionnaire layout (older fiches): bare labels, `•` bullets and question labels.

Only known labels open a field, so free text may hold `- ` bullet lines. Every non-empty
line lands in a field, is part of the form itself (title, label, heading, a file's size), or is
named in a Notice: nothing is dropped silently.

A fiche is cut off (`truncated`) when its content says so: a character cut in half, a label cut short
on the last line, or a detailed fiche whose sections stop before the last field the site always prints.
A missing final newline alone says nothing: complete exports often lack one.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from csgraph.departements import Departement, split_structure
from csgraph.errors import CsgraphError
from csgraph.fields import FIELDS, LIST_FIELDS, REPEATABLE, SINGLE_FIELDS, Field
from csgraph.inputs import sorted_inputs
from csgraph.model import Fiche, Notice, Source
from csgraph.money import read_money
from csgraph.names import label_key
from csgraph.pool import in_order
from csgraph.reading import InputFile, LineReader, Span, unreadable_as_notice

HEADINGS = (
    "DESCRIPTION DE L'ACTION",
    "RAISON D'ETRE DE L' ACTION",
    "METHODOLOGIE DE L' ACTION",
    "AUTO-EVALUATION DE L'ACTION",
    "FICHIERS ASSOCIES",
)
# The detailed layout prints every label of its first four sections, even empty, and this one last;
# FICHIERS ASSOCIES follows only when the fiche has files.
LAST_PRINTED_FIELD = "perspectives"
PAGE_HEADER = "Les actions des centres sociaux"
PARTNER_SUBHEADING = "Partenaires d'action:"
TITLE_LINE = re.compile(r'Actions\s+"(.*)"\s*$')
ALPHANUMERIC = re.compile(r"[^\W_]")  # what str.isalnum accepts, found without a Python loop
FILE_SIZE = re.compile(r"\s*\(\s*\d+(?:[.,]\d+)?\s*(?:[KMGT]i?[Bo]?|[Bo]|octets)?\s*\)\s*$", re.IGNORECASE)
CUT_LABEL_CHARS = 20  # a dashed line this long that starts a label is that label cut short, not a bullet
NO_FICHE = "no fiche found in this file"
Years = Iterable[tuple[str, int]]  # title key -> year, from the index tables of listing pages


DASHED = {label_key(label): spec for spec in FIELDS for label in spec.labels}
DASHED_LABELS = {label_key(label): label for spec in FIELDS for label in spec.labels}
BARE = {label_key(label): spec for spec in FIELDS for label in spec.bare}
QUESTIONS = tuple((label_key(question), spec) for spec in FIELDS for question in spec.questions)
HEADING_KEYS = {label_key(heading) for heading in HEADINGS}
PAGE_KEY = label_key(PAGE_HEADER)
LONGEST_LABEL = max(len(key) for key in [*DASHED, *BARE, *HEADING_KEYS, *dict(QUESTIONS)]) + 8


def unquote_title(text: str) -> str:
    """`""LIENS à la MAISON""` is `LIENS à la MAISON`: strip quote pairs around the whole title.

    By moving two indexes, not by slicing: a title of a million quotes must not cost a million copies.
    """
    text = text.strip()
    start, end = 0, len(text)
    while end - start >= 2 and text[start] == text[end - 1] == '"':
        start, end = start + 1, end - 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    return text[start:end]


def list_value(text: str) -> str | None:
    """The value of a list line (`- Caf`, `  • Caf`, `Caf`); None for the empty `-` placeholder."""
    value = text.strip()
    if value.startswith(("•", "-")):
        value = value[1:]
    value = value.strip()
    return value or None


@dataclass(frozen=True)
class Line:
    """What one input line is, once classified."""

    kind: str  # page, title, title-next, heading, label, text
    text: str
    spec: Field | None = None
    questionnaire: bool = False
    glued_text: str | None = None  # text before a label glued to the end of the line
    answer_text: str | None = None  # an answer written after the `?` of a question label
    cut_from: str | None = None  # the whole label that a label cut short stands for


def classify(text: str) -> Line:
    """Labels and list values (`- Caf`) repeat on every fiche: short lines are classified once each."""
    return classify_short(text) if len(text) <= SHORT_LINE else classify_line(text)


def classify_line(text: str) -> Line:
    """Only short lines can be labels, so only they pay for the label checks."""
    stripped = text.strip()
    if stripped.startswith("Actions"):
        title = TITLE_LINE.match(stripped)
        if title:
            return Line("title", unquote_title(title.group(1)))
        if stripped == "Actions":
            return Line("title-next", stripped)
    if len(stripped) <= LONGEST_LABEL:
        key = label_key(stripped)
        if key == PAGE_KEY:
            return Line("page", stripped)
        if key in HEADING_KEYS:
            return Line("heading", stripped)
        if key.startswith("-") and key[1:].strip() in DASHED:
            return Line("label", stripped, DASHED[key[1:].strip()])
        if key in BARE:
            return Line("label", stripped, BARE[key], questionnaire=True)
        if key.startswith("-"):
            whole = label_cut_short(key[1:].strip(), CUT_LABEL_CHARS)
            if whole is not None:
                return Line("label", stripped, DASHED[whole], cut_from=f"- {DASHED_LABELS[whole]}")
    if stripped.lstrip("-• ")[:1] in ("Q", "q"):
        question_key = label_key(stripped[:LONGEST_LABEL]).lstrip("-• ")
        for prefix, spec in QUESTIONS:
            if question_key.startswith(prefix):
                question, mark, answer = stripped.partition("?")
                return Line(
                    "label", question + mark, spec, questionnaire=True, answer_text=answer.strip() or None
                )
    return glued_label(stripped) or Line("text", text)


SHORT_LINE = 2 * LONGEST_LABEL
classify_short = lru_cache(maxsize=1 << 15)(classify_line)


def label_cut_short(key: str, shortest: int) -> str | None:
    """The dashed label (as a key) that `key` is the start of, when at least `shortest` characters long
    and only one field's labels start so; None otherwise."""
    if len(key) < shortest:
        return None
    labels = [label for label in DASHED if label.startswith(key) and label != key]
    return min(labels) if labels and len({DASHED[label] for label in labels}) == 1 else None


def cut_form_line(text: str) -> bool:
    """A label or heading cut short (`- Ressources fin`, `METHODOL`): where an export that stopped ends."""
    stripped = text.strip()
    key = label_key(stripped)
    if key.startswith("-"):
        rest = key[1:].strip()
        return len(rest) >= 3 and any(label.startswith(rest) and label != rest for label in DASHED)
    return (
        len(key) >= 3
        and stripped.isupper()
        and any(heading.startswith(key) and heading != key for heading in HEADING_KEYS)
    )


def glued_label(stripped: str) -> Line | None:
    """`…intra familiale- Territoire concerné`: the export lost the line break before a label."""
    start = max(0, len(stripped) - LONGEST_LABEL)
    cut = stripped.rfind("-", start)
    while cut > 0:
        spec = DASHED.get(label_key(stripped[cut + 1 :]))
        before = stripped[:cut].rstrip()
        if spec and before:
            return Line("label", stripped[cut:], spec, glued_text=before)
        cut = stripped.rfind("-", start, cut)
    return None


def index_row(text: str) -> list[str] | None:
    """Cells of a pipe-table row (`Nom | Département | Année |`), or None."""
    if text.count("|") < 2:
        return None
    return [cell.strip() for cell in text.strip().strip("|").split("|")]


@dataclass
class FicheBuilder:
    """A fiche being read; becomes a frozen Fiche when the next one starts or the file ends."""

    source: Source
    layout: str
    title: str | None
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    text_lines: dict[str, list[str]] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    text_start: dict[str, int] = field(default_factory=dict)
    sections: bool = False  # whether a section heading was read: the detailed form, printed whole


class FicheParser:
    """A line-at-a-time state machine over one file; memory holds one fiche at most."""

    def __init__(self, file: str, notices: list[Notice]) -> None:
        self.file = file
        self.notices = notices
        self.current: FicheBuilder | None = None
        self.field: Field | None = None
        self.awaiting_title: int | None = None
        self.in_preamble = False
        self.years: dict[str, int] = {}
        self.last_line = ""  # the last non-empty line read, to see whether the file stops inside a label
        self.finished: list[Fiche] = []  # read by the caller after each line, then cleared

    def notice(self, line: int, message: str) -> None:
        self.notices.append(Notice(self.file, line, message))

    def feed(self, number: int, text: str) -> None:
        """Read one line; fiches it completes are appended to `finished`."""
        if not text or text.isspace():
            if self.current and self.field and self.field.kind == "text":
                self.current.text_lines.setdefault(self.field.name, []).append("")
            return
        self.last_line = text
        line = classify_short(text) if len(text) <= SHORT_LINE else classify_line(text)  # classify, inlined
        if self.awaiting_title is not None:
            self._title_after_actions(number, text, line)
        elif line.kind == "text":  # most lines: tested first
            self._text(number, line.text)
        elif line.kind == "page":
            self.in_preamble = True
        elif line.kind == "title":
            if not line.text:
                self.notice(number, "fiche with an empty title")
            self._start(number, "detailed", line.text or None)
        elif line.kind == "title-next":
            self.awaiting_title = number
        elif line.kind == "heading":
            self.in_preamble = False
            self.field = None
            if self.current:
                self.current.sections = True
        elif line.kind == "label":
            if line.glued_text is not None:
                self._text(number, line.glued_text)
            if line.cut_from is not None:
                self.notice(number, f"`{line.text}` is a cut label; read as `{line.cut_from}`")
            self._open_field(number, line)
            if line.answer_text is not None:
                self._text(number, line.answer_text)

    def close(self, cut_in_character: bool, ended_with_newline: bool) -> None:
        """The end of the file; its last fiche is cut off when a character, a label or its sections are."""
        if self.awaiting_title is not None:
            self.notice(self.awaiting_title, "`Actions` with no title after it at the end of the file")
        if self.current:
            truncated = (
                cut_in_character
                or (self.current.sections and LAST_PRINTED_FIELD not in self.current.field_lines)
                or (not ended_with_newline and cut_form_line(self.last_line))
            )
            if truncated:
                self.notice(
                    self.current.source.line, "the file ends in the middle of this fiche; kept what is there"
                )
            self.finished.append(self._finish(truncated))

    def cut(self) -> None:
        """The end of a span that the next span goes on from: its fiche ends as the next title ends it."""
        if self.awaiting_title is not None:
            raise CsgraphError(f"{self.file}:{self.awaiting_title}: a span may not end after `Actions`")
        if self.current:
            self.finished.append(self._finish(False))

    def _title_after_actions(self, number: int, text: str, line: Line) -> None:
        started = self.awaiting_title or number
        self.awaiting_title = None
        if line.kind == "text":
            self._start(started, "listing", unquote_title(line.text) or None)
            return
        self._start(started, "listing", None)
        self.notice(started, "`Actions` is not followed by a title; fiche read without one")
        self.feed(number, text)

    def _start(self, number: int, layout: str, title: str | None) -> None:
        if self.current:
            self.finished.append(self._finish(False))
        self.current = FicheBuilder(Source(self.file, number), layout, title)
        self.field = None
        self.in_preamble = False

    def _open_field(self, number: int, line: Line) -> None:
        spec = line.spec
        assert spec is not None
        self.in_preamble = False
        if self.current is None:
            self.notice(number, "fields before any title: read as a fiche without a title")
            self._start(number, "questionnaire" if line.questionnaire else "detailed", None)
        elif spec.name in self.current.field_lines and spec.name not in REPEATABLE:
            if line.questionnaire:
                self.notice(number, f"`{line.text}` again: a new fiche without a title starts here")
                self._start(number, "questionnaire", None)
            else:
                self.notice(number, f"`{line.text}` appears twice in this fiche; values kept together")
        current = self.current
        assert current is not None
        if line.questionnaire:
            current.layout = "questionnaire"
        current.field_lines.setdefault(spec.name, number)
        self.field = spec

    def _text(self, number: int, text: str) -> None:
        current = self.current
        if current is None:
            self._outside_fiche(number, text)
            return
        spec = self.field
        if spec is None:
            self.notice(number, f"text outside any field, kept here only: {text.strip()}")
            return
        if spec.kind == "text":
            current.text_start.setdefault(spec.name, number)
            current.text_lines.setdefault(spec.name, []).append(text.rstrip())
            return
        if spec.name == "partners" and label_key(text) == label_key(PARTNER_SUBHEADING):
            return
        value = list_value(text)
        if value is not None and spec.name == "files":  # the site prints each file's size: `( 56.06K )`
            value = FILE_SIZE.sub("", value) or None
        if value is None:
            return
        if not ALPHANUMERIC.search(value):
            self.notice(number, f"value without a letter or digit, not read: {value}")
        else:
            current.values.setdefault(spec.name, []).append((value, number))

    def _outside_fiche(self, number: int, text: str) -> None:
        cells = index_row(text) if self.in_preamble else None
        if cells is None:
            self.notice(number, f"text before any fiche, kept here only: {text.strip()}")
        elif cells and cells[0] != "Nom" and not set("".join(cells)) <= set("-: "):
            year = next((int(cell) for cell in reversed(cells) if re.fullmatch(r"(19|20)\d\d", cell)), None)
            if year is not None:
                self.years[label_key(unquote_title(cells[0]))] = year

    def _single(self, builder: FicheBuilder, name: str) -> str | None:
        values = builder.values.get(name, [])
        for extra, number in values[1:]:
            self.notice(number, f"second value for {name} ignored: {extra}")
        return values[0][0] if values else None

    def _finish(self, truncated: bool) -> Fiche:
        builder = self.current
        assert builder is not None
        self.current = None
        self.field = None
        lists = {name: unique(value for value, _ in builder.values.get(name, [])) for name in LIST_FIELDS}
        texts = {
            name: "\n".join(lines).strip()
            for name, lines in builder.text_lines.items()
            if "\n".join(lines).strip()
        }
        structure_value = self._single(builder, "structure")
        structure, departement = structure_split(structure_value) if structure_value else (None, None)
        if structure_value and departement is None:
            line = builder.values["structure"][0][1]
            self.notice(line, f"no known département at the end of `{structure_value}`")
        money, money_notices = read_money(
            texts.get("resources", ""),
            builder.text_start.get("resources", 0),
            texts.get("people", ""),
            builder.text_start.get("people", 0),
            self.file,
        )
        self.notices.extend(money_notices)
        title = builder.title
        singles = {name: self._single(builder, name) for name in SINGLE_FIELDS if name != "structure"}
        return Fiche(
            source=builder.source,
            layout=builder.layout,
            title=title,
            structure=structure or None,
            departement=departement.name if departement else None,
            departement_code=departement.code if departement else None,
            end_reason=texts.pop("end_reason", None),
            year=self.years.get(label_key(title)) if title else None,
            **singles,
            **lists,
            texts=texts,
            field_lines=dict(builder.field_lines),
            money=money,
            truncated=truncated,
        )


cached_split_structure = lru_cache(maxsize=16384)(split_structure)
STRUCTURE_SPLIT_LIMIT = 500  # characters; real `NAME - DÉPARTEMENT` values hold fewer than 150


def structure_split(value: str) -> tuple[str, Departement | None]:
    """`NAME - DÉPARTEMENT`, for values of a plausible length only.

    Each ` - ` is tried as the separator, at a cost that grows with the value: a hostile line of
    thousands of dashes would take minutes. A longer value is kept whole, with the usual notice.
    """
    if len(value) > STRUCTURE_SPLIT_LIMIT:
        return value.strip(), None
    return cached_split_structure(value)


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Values in input order, each once (case and spacing ignored)."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(label_key(value), value)
    return tuple(seen.values())


@dataclass(frozen=True)
class SpanEnd:
    """Where the lines of a span end, before its last fiche is closed: what the span after it, or the
    file's one notice of lines read as Windows-1252, needs to know of it."""

    legacy_lines: tuple[int, ...]
    years: tuple[tuple[str, int], ...]  # the index tables' years, sorted


def parse_file(
    entry: InputFile, notices: list[Notice], span: Span | None = None, years: Years = ()
) -> Iterator[Fiche | SpanEnd]:
    """Fiches of one file, or of one span of it starting from the years read before it, as they complete."""
    reader = LineReader(entry, notices, span)
    parser = FicheParser(entry.name, notices)
    parser.years.update(years)
    finished = parser.finished
    count = 0
    first_notice = len(notices)
    for number, text in reader:
        parser.feed(number, text)
        if finished:
            count += len(finished)
            yield from finished
            finished.clear()
    if span is not None:
        yield SpanEnd(tuple(reader.legacy_lines), tuple(sorted(parser.years.items())))
        if not span.last:
            parser.cut()
            yield from finished
            return
    parser.close(reader.cut_in_character, reader.ended_with_newline)
    count += len(finished)
    yield from finished
    if count == 0 and span is None:  # said first, not after the many lines it explains
        about = len(notices) - first_notice
        follow = f"; {about} warning(s) about its lines follow" if about else ""
        notices.insert(first_notice, Notice(entry.name, 0, NO_FICHE + follow))


def read_file(
    entry: InputFile, notices: list[Notice], span: Span | None = None, years: Years = ()
) -> Iterator[Fiche | SpanEnd]:
    """Fiches of one file (or span); a file that cannot be read becomes a notice, never an exception."""
    with unreadable_as_notice(entry, notices):
        yield from parse_file(entry, notices, span, years)


def file_records(
    entry: InputFile, span: Span | None = None, years: Years = ()
) -> Iterator[Fiche | Notice | SpanEnd]:
    """One file's (or span's) fiches, each after the notices its reading raised: a worker's unit of work."""
    notices: list[Notice] = []
    for fiche in read_file(entry, notices, span, years):
        yield from notices
        notices.clear()
        yield fiche
    yield from notices


def preamble_years(entry: InputFile) -> dict[str, int]:
    """The years the index tables before a file's first fiche give its titles: what each span starts from."""
    notices: list[Notice] = []
    parser = FicheParser(entry.name, notices)
    with contextlib.closing(iter(LineReader(entry, notices))) as lines:
        for number, text in lines:
            parser.feed(number, text)
            if parser.current is not None:
                break
    return parser.years


def read_fiches(paths: Iterable[Path], notices: list[Notice], workers: int = 1) -> Iterator[Fiche]:
    """Fiches of every `*.txt` file under the paths that is not a structure page, in a stable order."""
    for record in in_order(file_records, sorted_inputs(list(paths), notices).fiches, workers):
        if isinstance(record, Notice):
            notices.append(record)
        else:
            yield record
