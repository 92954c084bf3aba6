"""Property tests: for any text, any bytes, and the sample cut at any byte, the parser never raises and
loses nothing; for any fiche text, the built graph parses back and keeps titles byte for byte.

The accounting check below is written here from the form's definition (its labels and headings), not
from the parser's classification: every non-empty line must be part of the form, be found in a value
of some fiche, or be quoted by a warning on its line.

Profiles: `CSGRAPH_HYPOTHESIS=ci` (the default: fixed examples, a few seconds), `dev` (new random
examples each run), `thorough` (thousands of examples, minutes).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from csgraph.build import build
from csgraph.errors import InputError
from csgraph.fiches import HEADINGS, PAGE_HEADER, PARTNER_SUBHEADING, read_fiches
from csgraph.fields import FIELDS, Field
from csgraph.model import Fiche, Notice
from csgraph.names import plain

from .conftest import SAMPLE

QUIET = [HealthCheck.too_slow]
settings.register_profile(
    "csgraph-ci", max_examples=150, deadline=None, derandomize=True, suppress_health_check=QUIET
)
settings.register_profile("csgraph-dev", max_examples=150, deadline=None, suppress_health_check=QUIET)
settings.register_profile("csgraph-thorough", max_examples=3000, deadline=None, suppress_health_check=QUIET)
PROFILE = settings.get_profile("csgraph-" + os.environ.get("CSGRAPH_HYPOTHESIS", "ci"))
FEW = settings(PROFILE, max_examples=max(4, PROFILE.max_examples // 20))  # each build takes ~50 ms

CSG = "https://w3id.org/csgraph/ontology#"
SAMPLE_BYTES = SAMPLE.read_bytes()
LINE_BREAK = re.compile(r"\r\n|\r|\n")
TITLE = re.compile(r'\s*Actions\s+"(.*)"\s*$')
BULLET = re.compile(r"^[-•]\s*")
FILE_SIZE = re.compile(
    r"\s*\(\s*[\d.,]+\s*[a-z]*\s*\)\s*$", re.IGNORECASE
)  # `( 56.06K )`, as the site prints


def norm(text: str) -> str:
    """Compare text as a reader does: case, spacing, apostrophe style and quote marks do not count."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'").replace('"', "")
    return " ".join(text.split()).casefold()


DASHED_LABELS = {norm(label) for spec in FIELDS for label in spec.labels}
BARE_LABELS = {norm(label) for spec in FIELDS for label in spec.bare}
QUESTIONS = tuple(norm(question) for spec in FIELDS for question in spec.questions)
HEADING_LINES = {norm(heading) for heading in HEADINGS}
FORM_LINES = {norm(PAGE_HEADER), "actions", "-", "•", norm(PARTNER_SUBHEADING)} | HEADING_LINES
LABEL_SPECS = {norm(label): spec for spec in FIELDS for label in (*spec.labels, *spec.bare)}


def is_label(line: str) -> bool:
    """`- LABEL` or a bare label, spelled as the form spells it."""
    key = norm(line)
    return key in BARE_LABELS or (key.startswith("-") and key[1:].strip() in DASHED_LABELS)


def question_answer(line: str) -> str | None:
    """For a question label, what follows its `?` ('' when nothing); None for any other line."""
    key = norm(line.lstrip("-• "))
    if not key.startswith(QUESTIONS):
        return None
    return line.partition("?")[2].strip()


def glued(line: str) -> str | None:
    """`…texte- Territoire concerné`: the text before a label that lost its line break."""
    for index in range(len(line) - 1, 0, -1):
        if line[index] == "-" and norm(line[index + 1 :]) in DASHED_LABELS and line[:index].strip():
            return line[:index]
    return None


def is_form(line: str) -> bool:
    return (
        bool(TITLE.match(line))
        or norm(line) in FORM_LINES
        or is_label(line)
        or question_answer(line) == ""
        or bool(FILE_SIZE.fullmatch(BULLET.sub("", line.strip())))
    )


def held_values(fiches: list[Fiche]) -> set[str]:
    """Every value the records hold, one entry per line of text."""
    held: set[str] = set()
    for fiche in fiches:
        singles = [fiche.title, fiche.structure, fiche.published_by, fiche.status, fiche.dimension]
        lists = [fiche.keywords, fiche.initiatives, fiche.publics, fiche.territories, fiche.partners]
        lists += [fiche.themes, fiche.files]
        texts = [fiche.end_reason or "", *fiche.texts.values()]
        held.update(norm(value) for value in singles if value)
        held.update(norm(value) for values in lists for value in values)
        held.update(norm(line) for text in texts for line in text.split("\n"))
    return held


def structures(fiches: list[Fiche]) -> set[str]:
    return {norm(fiche.structure) for fiche in fiches if fiche.structure and fiche.departement}


def accounted(piece: str, number: int, held: set[str], found: set[str], notes: dict[int, list[str]]) -> bool:
    """A piece of a line is a value of some fiche, or a warning on its line quotes it."""
    bare = BULLET.sub("", piece.strip())
    candidates = {norm(piece), norm(bare), norm(FILE_SIZE.sub("", bare))} - {""}
    if not candidates or candidates & held:
        return True
    if any(key.startswith(name) for key in candidates for name in found):
        return True  # `NAME - Département`: the name is kept, the département resolved
    return any(key in message for key in candidates for message in notes.get(number, []))


def assert_nothing_lost(text: str, fiches: list[Fiche], notices: list[Notice]) -> None:
    """Every non-empty line is form, held by a fiche, or named in a warning (checked independently)."""
    if any(notice.line == 0 and "binary file" in notice.message for notice in notices):
        assert fiches == []
        return
    held, found = held_values(fiches), structures(fiches)
    notes: dict[int, list[str]] = {}
    for notice in notices:
        notes.setdefault(notice.line, []).append(norm(notice.message))
    lines = LINE_BREAK.split(text.removeprefix("\ufeff"))
    first_fiche = min((fiche.source.line for fiche in fiches), default=len(lines) + 1)
    page_seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        page_seen = page_seen or norm(line) == norm(PAGE_HEADER)
        if is_form(line):
            continue
        if page_seen and number < first_fiche and line.count("|") >= 2:
            continue  # the index table of a listing page, before its fiches: page furniture
        answer = question_answer(line)
        head = glued(line)
        pieces = [answer] if answer else [head] if head is not None else [line]
        assert all(accounted(piece, number, held, found, notes) for piece in pieces), (
            f"line {number} lost: {line!r}"
        )


def parse_bytes(tmp_path: Path, data: bytes) -> tuple[list[Fiche], list[Notice]]:
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    notices: list[Notice] = []
    return list(read_fiches([path], notices)), notices


# What the generated files are made of: the form's own lines, mixed with any text.

WORDS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n\x00"), max_size=40)
LABEL_LINES = sorted({f"- {label}" for spec in FIELDS for label in spec.labels} | BARE_LABELS)
FORM = st.sampled_from(
    [
        *LABEL_LINES,
        *HEADINGS,
        "AUTO-EVALUATION DE L’ACTION",
        PAGE_HEADER,
        "Actions",
        "-",
        "  •",
        PARTNER_SUBHEADING,
    ]
)
LINE = st.one_of(
    WORDS,
    FORM,
    WORDS.map(lambda words: f'Actions "{words}"'),
    WORDS.map(lambda words: f'Actions ""{words}""'),
    WORDS.map(lambda words: f"- {words}"),
    WORDS.map(lambda words: f"  • {words}"),
    WORDS.map(lambda words: f"- {words} - Pas-de-Calais"),
    WORDS.map(lambda words: f"{words} | Dordogne | 2019 |"),
    WORDS.map(lambda words: f"|{words}|{words}|"),
    WORDS.map(lambda words: f'Actions "{words}" {words}'),
    WORDS.map(lambda words: f"\t {words.upper()}  "),
    st.sampled_from(
        ['""', '"', "\ufeff", "\x1c", "\u2028", "\\", '"""', "<b>", "]]>", "Actions\t", "- -", "• •"]
    ),
    st.tuples(WORDS, st.sampled_from(sorted({label for spec in FIELDS for label in spec.labels}))).map(
        lambda pair: f"{pair[0]}- {pair[1]}"
    ),
    st.tuples(st.sampled_from([q for spec in FIELDS for q in spec.questions]), WORDS).map(
        lambda pair: f"{pair[0]} ? {pair[1]}"
    ),
)
FICHE_TEXT = st.tuples(st.lists(LINE, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans()).map(
    lambda parts: parts[1].join(parts[0]) + (parts[1] if parts[2] else "")
)


@PROFILE
@given(text=FICHE_TEXT)
@example(text="Quelles sont les limites de cette expérience ? Le local est trop petit\n")
@example(text="Les actions des centres sociaux\nA | B | C |\nActions\nA\n- Public\n- Familles\n")
@example(
    text='- Dimension\n- Services\n- Pays basque\nActions "X"\n- Mots clés associés à l\'action\n- ***\n'
)
def test_parse_never_raises_and_loses_nothing(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    fiches, notices = parse_bytes(tmp_path_factory.mktemp("text"), text.encode("utf-8"))
    assert_nothing_lost(text, fiches, notices)
    assert all(notice.file == "input.txt" and notice.line >= 0 for notice in notices)


@PROFILE
@given(data=st.binary(max_size=3000))
@example(data=b"\xff\xfe" + 'Actions "Caf\u00e9"\n- R\u00e9sum\u00e9\nabc'.encode("utf-16-le") + b"\x00")
@example(data=b'Actions "Caf\xe9"\r- R\xc3\xa9sum\xc3\xa9\r\x00x\xe2\x82')
def test_parse_of_any_bytes_never_raises(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    fiches, notices = parse_bytes(tmp_path_factory.mktemp("bytes"), data)
    physical_lines = len(re.split(rb"\r\n|\r|\n", data))
    assert all(0 <= notice.line <= physical_lines for notice in notices)
    assert all(0 < fiche.source.line <= physical_lines for fiche in fiches)
    if data.strip() and not fiches:
        assert notices, "a file that gave nothing says so"


def label_spec(line: str) -> Field | None:
    """The field a label line opens (dashed, bare, question or glued to text)."""
    head = glued(line)
    key = norm(line if head is None else line[len(head) + 1 :])
    spec = LABEL_SPECS.get(key) or LABEL_SPECS.get(key.removeprefix("-").strip())
    if spec is None and question_answer(line) is not None:
        key = norm(line.lstrip("-• "))
        spec = next(spec for spec in FIELDS for question in spec.questions if key.startswith(norm(question)))
    return spec


def cut_short(line: str) -> bool:
    """A dashed label or a heading of which only the start is there (`- Statut de l'ac`, `METHODOL`)."""
    key = norm(line)
    rest = key.removeprefix("-").strip()
    if key.startswith("-"):
        return len(rest) >= 3 and any(label.startswith(rest) and label != rest for label in DASHED_LABELS)
    headings = HEADING_LINES
    return line.strip().isupper() and len(key) >= 3 and any(h.startswith(key) and h != key for h in headings)


def stops_short(lines: list[str], ended: bool) -> bool:
    """Whether the last fiche of these lines shows a cut: its sections stop before the last field the site
    always prints (`Suite de l'action : Perspectives`), or its last line, unended, is a label cut short."""
    start = max((index for index, line in enumerate(lines) if TITLE.match(line)), default=0)
    fiche = lines[start:]
    sections = any(norm(line) in HEADING_LINES for line in fiche)
    perspectives = any(spec is not None and spec.name == "perspectives" for spec in map(label_spec, fiche))
    return (sections and not perspectives) or (not ended and cut_short(lines[-1]))


@PROFILE
@given(cut=st.integers(0, len(SAMPLE_BYTES)))
@example(cut=SAMPLE_BYTES.index("é".encode()) + 1)
@example(cut=SAMPLE_BYTES.index("é\n".encode()) + 1)
@example(cut=SAMPLE_BYTES.index(b"\n- Structure organisatrice") + 1)
def test_sample_cut_at_any_byte(tmp_path_factory: pytest.TempPathFactory, cut: int) -> None:
    data = SAMPLE_BYTES[:cut]
    fiches, notices = parse_bytes(tmp_path_factory.mktemp("cut"), data)
    text = data.decode("utf-8", errors="ignore")  # only a last, partial character can be missing
    assert_nothing_lost(text, fiches, notices)
    partial_character = len(text.encode("utf-8")) < len(data)
    assert partial_character == any("middle of a character" in notice.message for notice in notices)
    if not fiches:
        return
    lines = [line for line in LINE_BREAK.split(text) if line.strip()]
    ended = text.endswith(("\n", "\r"))
    assert fiches[-1].truncated == (partial_character or stops_short(lines, ended))
    assert not any(fiche.truncated for fiche in fiches[:-1])


@FEW
@given(text=FICHE_TEXT.map(lambda text: 'Actions "Une fiche"\n' + text))
@example(text='Actions "x\\" ; <a> <b> <c> . \\u0041 \u202e\x07 } UNION { ?s ?p ?o } #"\n- Résumé\n"""\n')
def test_build_gives_a_graph_that_parses_back(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("build")
    (folder / "input.txt").write_text(text, encoding="utf-8")
    notices: list[Notice] = []
    fiches = list(read_fiches([folder / "input.txt"], notices))
    try:
        report = build([folder / "input.txt"], folder / "out", keep_store=False)
    except InputError:
        assert not fiches
        return
    graph = Graph().parse(report.graph)
    actions = set(graph.subjects(RDF.type, URIRef(CSG + "Action")))
    assert len(actions) == report.actions
    titles = {
        str(graph.value(action, DCTERMS.title)) for action in actions if graph.value(action, DCTERMS.title)
    }
    read = [fiche.title for fiche in fiches if fiche.title]
    assert titles <= set(read), "titles come back byte for byte"
    assert {norm(title) for title in titles} == {norm(title) for title in read}
    once = [
        fiche for fiche in fiches if fiche.title and [norm(t) for t in read].count(norm(fiche.title)) == 1
    ]
    for fiche in once:
        for value in fiche.texts.values():
            assert (None, None, Literal(value, lang="fr")) in graph


@PROFILE
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
@example("Côtes-d'Armor, Œuvre, l’été « 2 € » ﬁn Ǆ \u034f\u0301")
def test_plain_drops_exactly_the_combining_marks(text: str) -> None:
    """`plain` is fast by regular expressions; it must fold as the one-character-at-a-time definition does."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    assert plain(text) == "".join(char for char in decomposed if not unicodedata.combining(char))
