"""The actions as the site's `/actions` lists, narrows, counts and searches them, made once per graph.

Made by the first process that needs it (`csgraph serve` starts on it as it starts) and saved beside the
store, where every later process reads it back in a fraction of a second; a stale one is made again.

Facet counts are bit operations: each facet value holds the set of its actions as a Python int (bit i is
the i-th action in list order), so filters are a few ANDs and a page's counts one numpy AND and popcount
per facet, whatever the size of the graph. Search is SQLite's full-text index (FTS5, `unicode61` with
diacritics removed, each word of the query as a prefix): its tokenizer works in C, where splitting and
folding a national export's texts in Python took most of the index's time.

Reading the actions out of Oxigraph takes about a minute at 100k actions, so the index is saved beside
the store (`actions-index.json` and `actions-search.sqlite`, both stamped with the sha256 that the store's
own stamp carries) and read back from there by every later process; rows are decoded only when a page or
a download shows them.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import mmap
import os
import re
import sqlite3
import threading
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TypeVar, overload

import numpy as np
import pyoxigraph as ox

from csgraph.departements import all_departements, find_departement
from csgraph.errors import UnknownValue
from csgraph.fields import TEXT_FIELDS
from csgraph.mapping import AMOUNT, FUNDER_TYPE, ORGANISER, SOURCE_FILE, SOURCE_LINE, ActionFacts
from csgraph.mapping import YEAR as YEAR_PROPERTY
from csgraph.names import casefolded, name_key, plain
from csgraph.store import graph_digest
from csgraph.vocabulary import BASE, PREFIXES, expanded, scheme_iri
from csgraph.writing import atomic_write

INDEX_FILE = "actions-index.json"
SEARCH_FILE = "actions-search.sqlite"
FORMAT = 3  # bump when the saved layout changes: an older file is then rebuilt, not misread
CSG = PREFIXES["csg"]
SKOS = PREFIXES["skos"]
TITLE = f"{PREFIXES['dcterms']}title"
DEPARTEMENT = f"{BASE}departement/"
WORD = re.compile(r"\w+")
YEAR = re.compile(r"\d{4}")
NEAR_MATCHES = 5
Item = TypeVar("Item")
FTS_PENDING = 64 << 20  # bytes of entries FTS5 holds in memory before writing them out


@dataclass(frozen=True)
class FacetSpec:
    """A way to narrow the list: its URL parameter, its name for people, and where its values come from."""

    name: str
    label: str
    label_en: str
    property: str | None = None  # the action's property naming the value; None when read otherwise
    schemes: tuple[str, ...] = ()  # concept schemes whose every member is a value, used or not


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("departement", "Département", "Département"),
    FacetSpec("keyword", "Mot clé", "Keyword", f"{CSG}keyword", ("keyword",)),
    FacetSpec("public", "Public", "Public", f"{CSG}public", ("public",)),
    FacetSpec("partner", "Type de partenaire", "Partner type", f"{CSG}partnerType", ("partner",)),
    FacetSpec("funder", "Type de financeur", "Funder type", None, ("funder-category", "partner")),
    FacetSpec("dimension", "Dimension", "Dimension", f"{CSG}dimension", ("dimension",)),
    FacetSpec("status", "Statut", "Status", f"{CSG}status", ("status",)),
    FacetSpec("territory", "Territoire", "Territory", f"{CSG}territoryScale", ("territory",)),
    FacetSpec("year", "Année", "Year", f"{CSG}year"),
)
FACET_NAMES = tuple(spec.name for spec in FACETS)
POSITION = {name: position for position, name in enumerate(FACET_NAMES)}


@dataclass(frozen=True, order=True)
class Value:
    """One value of a facet: `key` is what URLs carry (a concept's local name, an INSEE code, a year)."""

    key: str
    label: str
    label_en: str
    iri: str | None = None  # None when the graph has no node for it (a year, money of no stated type)

    def shown(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label


VALUE_ORDER = attrgetter("key", "label", "label_en", "iri")
"""Value's own order (its fields in turn), read in C rather than through the dataclass's __lt__."""

UNNAMED_FUNDER = Value("non-nomme", "non nommé", "unnamed")
"""A contribution whose fiche names no funder type (`subvention 7000`) counts under this value."""


@dataclass(frozen=True)
class ActionRow:
    """One action as the list shows it; `values` holds one tuple of facet values per FACETS entry."""

    iri: str
    title: str
    structure: Value | None
    values: tuple[tuple[Value, ...], ...]
    amount: Decimal | None  # the declared total budget (`csg:budgetTotal`)
    source_file: str | None
    source_line: int | None

    def of(self, facet: str) -> tuple[Value, ...]:
        return self.values[POSITION[facet]]


class UnknownFilter(UnknownValue):
    """A filter value naming nothing a facet knows: not an empty list, but a message with the nearest."""

    def __init__(self, facet: FacetSpec, text: str, near: list[Value]) -> None:
        listed = ", ".join(value.label for value in near) or "aucune"
        super().__init__(f"{facet.label} inconnu : « {text} » ; valeurs proches : {listed}")
        self.facet = facet
        self.text = text
        self.near = near


@dataclass
class Facet:
    """Every value a facet can take (used or not), in label order, the actions of each, and spellings."""

    spec: FacetSpec
    values: list[Value]
    bits: dict[Value, int]
    spellings: dict[str, Value] = field(default_factory=dict)
    order: dict[Value, int] = field(default_factory=dict)
    by_iri: dict[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for number, value in enumerate(self.values):
            self.order[value] = number
            if value.iri:
                self.by_iri[value.iri] = value
            for spelling in (value.key, value.label, value.label_en):
                self.spellings.setdefault(name_key(spelling), value)

    def find(self, text: str) -> Value:
        """The value meant by a key, a label or (for départements) a name, an alias or a code."""
        found = self.spellings.get(name_key(text))
        if found is None and self.spec.name == "departement":
            departement = find_departement(text)
            found = self.spellings.get(name_key(departement.code)) if departement else None
        if found is None and self.spec.name == "year" and YEAR.fullmatch(text.strip()):
            found = Value(text.strip(), text.strip(), text.strip())  # a year no action has: a true empty list
        if found is None:
            raise UnknownFilter(self.spec, text, self.near(text))
        return found

    def near(self, text: str) -> list[Value]:
        """The closest values by spelling, those with actions first (a typo rarely aims at an empty value);
        when none is close, the values with the most actions."""
        used = sorted((value for value in self.values if self.bits[value]), key=self.size, reverse=True)
        for pool in (used, self.values):
            spelled: dict[str, Value] = {}
            for value in pool:
                for spelling in (value.label, value.key):
                    spelled.setdefault(name_key(spelling), value)
            close = difflib.get_close_matches(name_key(text), list(spelled), n=2 * NEAR_MATCHES, cutoff=0.6)
            if close:
                return list(dict.fromkeys(spelled[key] for key in close))[:NEAR_MATCHES]
        return used[:NEAR_MATCHES]

    def size(self, value: Value) -> int:
        return self.bits.get(value, 0).bit_count()


@dataclass(frozen=True)
class Filters:
    """What narrows the list: values of facets (OR within a facet, AND across) and words to search."""

    chosen: Mapping[str, tuple[Value, ...]] = field(default_factory=dict)
    query: str = ""

    def active(self) -> list[tuple[str, Value]]:
        return [(facet, value) for facet in FACET_NAMES for value in self.chosen.get(facet, ())]

    def toggled(self, facet: str, value: Value) -> Filters:
        """These filters with the value added, or taken away when it is already chosen."""
        current = self.chosen.get(facet, ())
        changed = tuple(v for v in current if v != value) if value in current else (*current, value)
        chosen = {**self.chosen, facet: changed}
        return Filters({name: values for name, values in chosen.items() if values}, self.query)

    def without_query(self) -> Filters:
        return Filters(self.chosen)

    def parameters(self) -> list[tuple[str, str]]:
        """The query string giving these filters back, in FACETS order (`departement=62&keyword=sante`)."""
        pairs = [(facet, value.key) for facet, value in self.active()]
        return pairs + ([("q", self.query)] if self.query else [])

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            facet: [value.key for value in self.chosen[facet]]
            for facet in FACET_NAMES
            if facet in self.chosen
        }
        if self.query:
            found["q"] = self.query
        return found


class ActionIndex:
    """The actions in list order (title, then IRI), a bitset per facet value, and their full-text index."""

    def __init__(
        self,
        rows: Sequence[ActionRow],
        facets: dict[str, Facet],
        texts: TextSearch,
        structures: list[Value],
        structure_of: np.ndarray,
    ) -> None:
        self.rows = rows
        self.structures = structures  # in IRI order
        self.structure_of = structure_of  # each action's number in `structures`, -1 for none
        self.facets = facets
        self.everything = (1 << len(rows)) - 1
        self.texts = texts
        self.search = lru_cache(maxsize=64)(self._search)
        # Each facet's bitsets again as one row of 64-bit blocks per value: a page counts all the values of
        # a facet with one numpy AND and popcount, 1.5 ms less per page at 100k actions than int by int.
        self.blocks = (len(rows) + 63) // 64
        self.matrices = {
            name: np.array(
                [self.as_blocks(facet.bits[value]) for value in facet.values], dtype="<u8"
            ).reshape(len(facet.values), self.blocks)
            for name, facet in self.facets.items()
        }

    @classmethod
    def of_rows(
        cls, rows: list[ActionRow], universe: Mapping[str, list[Value]], texts: TextSearch
    ) -> ActionIndex:
        positions: dict[str, defaultdict[Value, list[int]]] = {
            name: defaultdict(list) for name in FACET_NAMES
        }
        for number, row in enumerate(rows):
            for name, values in zip(FACET_NAMES, row.values, strict=True):
                for value in values:
                    positions[name][value].append(number)
        facets = {
            spec.name: Facet(
                spec,
                universe[spec.name],
                {value: bitset(positions[spec.name][value], len(rows)) for value in universe[spec.name]},
            )
            for spec in FACETS
        }
        structures = sorted(
            {row.structure for row in rows if row.structure}, key=lambda value: value.iri or ""
        )
        number = {structure: position for position, structure in enumerate(structures)}
        structure_of = np.array([number.get(row.structure, -1) for row in rows], dtype=np.int32)
        return cls(rows, facets, texts, structures, structure_of)

    def organisers(self, bits: int) -> list[tuple[Value, int]]:
        """The structures of a set of actions with their counts, most actions first: a concept page's list,
        in milliseconds even for a national keyword (its SPARQL grouping took a second)."""
        numbers = self.structure_of[self.positions(bits)]
        counts = np.bincount(numbers[numbers >= 0], minlength=len(self.structures))
        found = [(self.structures[number], int(counts[number])) for number in np.flatnonzero(counts)]
        return sorted(found, key=lambda pair: (-pair[1], plain(pair[0].label), pair[0].iri or ""))

    def resolve(self, given: Mapping[str, Iterable[str]], query: str = "") -> Filters:
        """Filters from what a user typed; an unknown value raises UnknownFilter naming the nearest ones."""
        chosen: dict[str, tuple[Value, ...]] = {}
        for facet, texts in given.items():
            values = [self.facets[facet].find(text) for text in texts if text.strip()]
            if values:
                chosen[facet] = tuple(dict.fromkeys(values))
        return Filters(chosen, " ".join(query.split()))

    def select(self, filters: Filters, leaving_out: str | None = None) -> int:
        """The bitset of the actions that pass every filter (but those of one facet, for its counts)."""
        chosen = self.search(filters.query) if filters.query else self.everything
        for facet, values in filters.chosen.items():
            if facet != leaving_out:
                bits = self.facets[facet].bits
                either = 0
                for value in values:
                    either |= bits.get(value, 0)
                chosen &= either
        return chosen

    def counts(self, filters: Filters) -> dict[str, list[tuple[Value, int]]]:
        """Per facet, each value with the actions it gives among those the other facets' filters leave.

        Values that give none there are left out unless chosen; largest counts first, then label order.
        """
        found = {}
        for name, facet in self.facets.items():
            others = self.select(filters, leaving_out=name)
            chosen = filters.chosen.get(name, ())
            tallies = np.bitwise_count(self.matrices[name] & self.as_blocks(others)).sum(axis=1)
            pairs = list(zip(facet.values, tallies.tolist(), strict=True))
            pairs += [(value, 0) for value in chosen if value not in facet.bits]
            kept = [(value, count) for value, count in pairs if count or value in chosen]
            found[name] = sorted(kept, key=lambda pair: (-pair[1], facet.order.get(pair[0], -1)))
        return found

    def as_blocks(self, bits: int) -> np.ndarray:
        return np.frombuffer(bits.to_bytes(8 * self.blocks, "little"), dtype="<u8")

    def positions(self, bits: int) -> np.ndarray:
        """The list positions of the actions in a bitset, in order."""
        raw = np.frombuffer(bits.to_bytes((len(self.rows) + 7) // 8, "little"), dtype=np.uint8)
        return np.flatnonzero(np.unpackbits(raw, bitorder="little")[: len(self.rows)])

    def chosen_rows(self, bits: int, start: int = 0, stop: int | None = None) -> list[ActionRow]:
        return [self.rows[number] for number in self.positions(bits)[start:stop]]

    def _search(self, query: str) -> int:
        """Actions holding every word of the query at the start of one of their words (`educ` finds
        `Éducation`), whatever the accents and capitals."""
        return bitset(self.texts.matching(query), len(self.rows))


def bitset(positions: list[int], size: int) -> int:
    """A Python int with these bits set, made through numpy: setting bits one by one copies the int."""
    if not positions:
        return 0
    flags = np.zeros(size, dtype=bool)
    flags[positions] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


class TextSearch:
    """An FTS5 table of the actions' texts (title, structure, free texts), row i + 1 for action i.

    Contentless: only the index is kept, so the file weighs a fraction of the texts. One connection for the
    process, used under a lock (searches are short and cached).
    """

    SCHEMA = (
        "CREATE VIRTUAL TABLE texts USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2')"
    )

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.lock = threading.Lock()

    @classmethod
    def of_texts(cls, texts: Iterable[str], path: Path | None = None, digest: str = "") -> TextSearch:
        """Index the texts in memory, or in a file that appears whole (written aside, then renamed)."""
        if path is None:
            connection = sqlite3.connect(":memory:", check_same_thread=False)
            cls.fill(connection, texts, digest)
            return cls(connection)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.unlink(missing_ok=True)
            with contextlib.closing(sqlite3.connect(temporary)) as connection:
                cls.fill(connection, texts, digest)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return cls.open(path, digest)  # type: ignore[return-value]

    @staticmethod
    def fill(connection: sqlite3.Connection, texts: Iterable[str], digest: str) -> None:
        # No rollback journal: the file is written aside and renamed into place whole (a third of the time).
        connection.execute("PRAGMA journal_mode=OFF")
        with connection:
            connection.execute(TextSearch.SCHEMA)
            # FTS5 writes a segment each time 1 MB of entries is pending, then merges the segments again and
            # again: with 64 MB at once, a third less time (100k actions: 8.5 s → 5.6 s with the folding).
            with contextlib.suppress(sqlite3.OperationalError):  # an SQLite without the option: its default
                connection.execute("INSERT INTO texts(texts, rank) VALUES('hashsize', ?)", (FTS_PENDING,))
            connection.execute("CREATE TABLE stamp (format INTEGER, graph_sha256 TEXT)")
            connection.execute("INSERT INTO stamp VALUES (?, ?)", (FORMAT, digest))
            # FTS5 folds accents but keeps `œ` a letter of its own: written `oe` here, as `plain` writes it.
            rows = ((number, casefolded(text)) for number, text in enumerate(texts, start=1))
            connection.executemany("INSERT INTO texts (rowid, text) VALUES (?, ?)", rows)

    @classmethod
    def open(cls, path: Path, digest: str) -> TextSearch | None:
        """The saved index, read-only, when it was made from this very graph."""
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            stamp = connection.execute("SELECT format, graph_sha256 FROM stamp").fetchone()
        except sqlite3.DatabaseError:
            stamp = None
        if stamp != (FORMAT, digest):
            connection.close()
            return None
        return cls(connection)

    def matching(self, query: str) -> list[int]:
        """List positions of the actions holding every word of the query as a word prefix.

        The words reach FTS5 as quoted strings bound as one parameter: letters and digits only, so the
        query language's operators in what a user typed are never read as such.
        """
        words = WORD.findall(plain(query))
        if not words:
            return []
        expression = " AND ".join(f'"{word}"*' for word in words)
        with self.lock:
            rows = self.connection.execute(
                "SELECT rowid FROM texts WHERE texts MATCH ? ORDER BY rowid", (expression,)
            ).fetchall()
        return [rowid - 1 for (rowid,) in rows]


# -- reading the store ---------------------------------------------------------------------------------

TEXTS = [expanded(str(spec.property)) for spec in TEXT_FIELDS]


def iris(properties: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in properties)


ACTIONS_QUERY = f"SELECT ?action WHERE {{ ?action a <{CSG}Action> }}"
ABOUT_QUERY = (
    "SELECT ?action ?property ?value WHERE { "
    f"VALUES ?property {{ {iris([TITLE, AMOUNT, SOURCE_FILE, SOURCE_LINE])} }} ?action ?property ?value }}"
)
NAMED_PATTERNS = {
    **{str(spec.property): f"?action <{spec.property}> ?value" for spec in FACETS if spec.property},
    ORGANISER: f"?action <{ORGANISER}> ?value",
    FUNDER_TYPE: f"?grant <{PREFIXES['schema']}fundedItem> ?action "
    f"OPTIONAL {{ ?grant <{FUNDER_TYPE}> ?value }}",
}
"""What each action names, by property, as patterns binding ?action and ?value; an unbound funder type is
money from a funder of no stated type."""
DEPARTEMENTS_QUERY = f"SELECT ?structure ?departement WHERE {{ ?structure <{CSG}departement> ?departement }}"
LABELS_QUERY = f"SELECT ?thing ?label WHERE {{ ?thing <{SKOS}prefLabel> ?label }}"
SCHEMES_QUERY = f"SELECT ?concept ?scheme WHERE {{ ?concept <{SKOS}inScheme> ?scheme }}"


@dataclass(frozen=True)
class Labels:
    """prefLabels, French first; the end of the IRI stands in when a hand-made graph has none."""

    french: dict[str, str]
    english: dict[str, str]

    @classmethod
    def of(cls, store: ox.Store) -> Labels:
        french: dict[str, str] = {}
        english: dict[str, str] = {}
        for row in store.query(LABELS_QUERY):
            label = row["label"]
            kept = english if label.language == "en" else french
            if label.language in ("fr", "en") or row["thing"].value not in kept:
                kept[row["thing"].value] = label.value
        return cls(french, english)

    def value(self, iri: str) -> Value:
        local = iri.rstrip("/#").rsplit("/", 1)[-1]
        french = self.french.get(iri) or self.english.get(iri) or local
        return Value(local, french, self.english.get(iri, french), iri)


@dataclass(frozen=True)
class StoreNames:
    """What the actions' rows take from the store besides their facts: labels, the concept schemes' members
    and the structures' départements. The build reads them once the store is loaded and hands them to the
    index workers, which then never open the store (a thread of the build compacts it meanwhile)."""

    labels: Labels
    members: dict[str, list[str]]  # scheme IRI -> its concepts' IRIs
    departement_of: dict[str, str]  # structure IRI -> its département's IRI

    @classmethod
    def of(cls, store: ox.Store) -> StoreNames:
        members: defaultdict[str, list[str]] = defaultdict(list)
        for row in store.query(SCHEMES_QUERY):
            members[row["scheme"].value].append(row["concept"].value)
        departement_of = {
            row["structure"].value: row["departement"].value for row in store.query(DEPARTEMENTS_QUERY)
        }
        return cls(Labels.of(store), dict(members), departement_of)


class Universe:
    """Each facet's values by IRI: every member of its schemes and every French département, used or not,
    plus what the actions name outside them (a concept of no scheme in a hand-made graph)."""

    def __init__(self, names: StoreNames) -> None:
        labels = self.labels = names.labels
        self.by_iri: dict[str, dict[str, Value]] = {spec.name: {} for spec in FACETS}
        self.keys: dict[str, set[str]] = {spec.name: set() for spec in FACETS}
        for spec in FACETS:
            in_schemes = (names.members.get(scheme_iri(scheme), []) for scheme in spec.schemes)
            for concept in sorted(set(itertools.chain.from_iterable(in_schemes))):
                self.value(spec.name, concept)
        self.by_iri["departement"] = {
            f"{DEPARTEMENT}{place.code}": Value(
                place.code,
                labels.french.get(f"{DEPARTEMENT}{place.code}", place.name),
                place.name,
                f"{DEPARTEMENT}{place.code}",
            )
            for place in all_departements()
        }
        self.years: dict[str, Value] = {}

    def value(self, facet: str, iri: str) -> Value:
        """The value of an IRI; a local name that another IRI of the facet already keys (`partner/x` and
        `fundercat/x`) gets its folder in the key, so that a URL never names both."""
        found = self.by_iri[facet].get(iri)
        if found is None:
            found = self.labels.value(iri)
            if found.key in self.keys[facet]:
                found = Value(iri.removeprefix(BASE).replace("/", "-"), found.label, found.label_en, iri)
            self.keys[facet].add(found.key)
            self.by_iri[facet][iri] = found
        return found

    def year(self, year: str) -> Value:
        return self.years.setdefault(year, Value(year, year, year))

    def values(self) -> dict[str, list[Value]]:
        """Concepts in label order, départements in INSEE order, years in order."""
        found = {
            name: sorted(values.values(), key=lambda value: (plain(value.label), value.key))
            for name, values in self.by_iri.items()
        }
        found["funder"].append(UNNAMED_FUNDER)
        found["departement"] = list(self.by_iri["departement"].values())
        found["year"] = sorted(self.years.values())
        return found


def read_index(store: ox.Store, search_file: Path | None = None, digest: str = "") -> ActionIndex:
    """Every action of the graph, from a few bulk queries joined here (nested OPTIONALs take seconds).

    The full-text index goes to `search_file` when given (stamped with `digest`), else stays in memory.
    """
    return index_of(actions_of_store(store), search_file, digest)


def index_of(actions: ReadActions, search_file: Path | None = None, digest: str = "") -> ActionIndex:
    search = TextSearch.of_texts(actions.texts, search_file, digest)
    return ActionIndex.of_rows(actions.rows, actions.universe, search)


class Decoded(Sequence[Item]):
    """Items kept encoded and decoded one by one as they are asked for (`item`), slices included."""

    @abstractmethod
    def item(self, number: int) -> Item: ...

    @overload
    def __getitem__(self, number: int) -> Item: ...
    @overload
    def __getitem__(self, number: slice) -> Sequence[Item]: ...
    def __getitem__(self, number: int | slice) -> Item | Sequence[Item]:
        if isinstance(number, slice):
            return [self.item(one) for one in range(*number.indices(len(self)))]
        return self.item(number)


class Texts(Decoded[str]):
    """Texts as UTF-8 end to end in one buffer, each decoded by its offsets when asked for: half the memory
    of as many str (French text is two bytes a character there), and saved or mapped back as it is."""

    def __init__(self, data: bytes | bytearray | mmap.mmap, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets  # len(texts) + 1 of them

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def item(self, number: int) -> str:
        return bytes(self.data[self.offsets[number] : self.offsets[number + 1]]).decode("utf-8")

    @classmethod
    def joined(cls, encoded: list[bytes]) -> Texts:
        """The texts of `encoded`, which is emptied as they are copied: never both whole in memory."""
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(text) for text in encoded], out=offsets[1:])
        data = bytearray(int(offsets[-1]))
        for number, text in enumerate(encoded):
            data[offsets[number] : offsets[number + 1]] = text
            encoded[number] = b""
        return cls(data, offsets)

    @classmethod
    def of(cls, texts: Sequence[str]) -> Texts:
        return texts if isinstance(texts, Texts) else cls.joined([text.encode("utf-8") for text in texts])

    @classmethod
    def open(cls, data: Path, offsets: Path) -> Texts:
        with data.open("rb") as stream:
            mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) if data.stat().st_size else b""
        return cls(mapped, np.load(offsets))

    def save(self, data: Path, offsets: Path) -> None:
        data.write_bytes(self.data[: self.offsets[-1]])
        np.save(offsets, self.offsets)


@dataclass(frozen=True)
class ReadActions:
    """The actions in list order with their texts (title, structure, free texts): one reading of the
    store that the list's index and the similar actions' index both start from."""

    rows: list[ActionRow]
    texts: Texts
    universe: dict[str, list[Value]]


def actions_of_store(store: ox.Store) -> ReadActions:
    """The actions of a graph that no build has just written the facts of."""
    return read_actions(StoreNames.of(store), store_facts(store))


def read_actions(names: StoreNames, facts: Iterable[ActionFacts]) -> ReadActions:
    """The actions in list order, from their facts: those the build's mapping gave (a national graph read
    back out of the store took 20 s), or those a few bulk queries of the store give (`store_facts`)."""
    universe = Universe(names)
    departement_of = names.departement_of
    structures: dict[str, tuple[Value, list[Value]]] = {}  # IRI -> its value and its département's
    read_apart = ("departement", "funder", "year")
    concept_facets = [(spec.name, str(spec.property)) for spec in FACETS if spec.name not in read_apart]
    found = []
    for iri, values, texts in facts:
        structure_iri = min(filter(None, values.get(ORGANISER, ())), default=None)
        if structure_iri is None:
            structure, departement = None, []
        elif structure_iri in structures:
            structure, departement = structures[structure_iri]
        else:
            code = departement_of.get(structure_iri)
            structure = universe.labels.value(structure_iri)
            departement = [universe.value("departement", code)] if code else []
            structures[structure_iri] = structure, departement
        # Lists, not sets: each IRI gives its own value, and hashing the dataclass costs a Python call.
        facet_values: dict[str, list[Value]] = {
            "departement": departement,
            "funder": [
                universe.value("funder", kind) if kind else UNNAMED_FUNDER
                for kind in values.get(FUNDER_TYPE, ())
            ],
            "year": [universe.year(year) for year in values.get(YEAR_PROPERTY, ()) if year],
        }
        for name, property_iri in concept_facets:
            concepts = values.get(property_iri, ())
            facet_values[name] = [universe.value(name, concept) for concept in concepts if concept]
        title = min(filter(None, values.get(TITLE, ())), default="(action sans titre)")
        amount = min(filter(None, values.get(AMOUNT, ())), default=None)
        line = min(filter(None, values.get(SOURCE_LINE, ())), default=None)
        action = ActionRow(
            iri=iri,
            title=title,
            structure=structure,
            values=tuple(sorted_values(facet_values[name]) for name in FACET_NAMES),
            amount=Decimal(amount) if amount else None,
            source_file=min(filter(None, values.get(SOURCE_FILE, ())), default=None),
            source_line=int(line) if line else None,
        )
        # Kept as UTF-8, in one buffer at the end: a national export's texts as str weighed a gigabyte.
        label = structure.label.encode("utf-8") if structure else b""
        text = b"\n".join([title.encode("utf-8"), label, texts])
        found.append(((plain(title), iri), action, text))
    found.sort(key=lambda item: item[0])
    rows = [action for _, action, _ in found]
    encoded = [text for _, _, text in found]
    del found
    return ReadActions(rows, Texts.joined(encoded), universe.values())


def sorted_values(values: list[Value]) -> tuple[Value, ...]:
    """A row's values of one facet in Value's order; most rows hold none or one, which need no sorting."""
    return tuple(values) if len(values) < 2 else tuple(sorted(values, key=VALUE_ORDER))


def store_facts(store: ox.Store) -> Iterator[ActionFacts]:
    """Every action's facts as a store holds them: what the mapping gives for a graph it built."""
    values: defaultdict[str, dict[str, set[str | None]]] = defaultdict(dict)
    for row in store.query(ABOUT_QUERY):
        values[row["action"].value].setdefault(row["property"].value, set()).add(row["value"].value)
    for property_iri, pattern in NAMED_PATTERNS.items():
        for value, actions in grouped(store, pattern):
            for action in actions:
                values[action].setdefault(property_iri, set()).add(value)
    texts = free_texts(store)
    for row in store.query(ACTIONS_QUERY):
        iri = row["action"].value
        joined = "\n".join(texts.pop(iri, [])).encode("utf-8")  # popped: held once
        yield ActionFacts(iri, values.pop(iri, {}), joined)


def read_facts(path: Path) -> Iterator[ActionFacts]:
    """The facts a build wrote (csgraph.build, csgraph.mapping.facts_record), one action after the other."""
    with path.open("rb") as stream:
        while header := stream.readline():
            iri, values, size = json.loads(header)
            yield ActionFacts(iri, values, stream.read(size))


def free_texts(store: ox.Store) -> defaultdict[str, list[str]]:
    """Each action's free texts in the fiche's order: one streamed query per field. One grouped query
    (GROUP_CONCAT) held every text twice, in Oxigraph and in Python, and took 5 s at 100k actions."""
    texts: defaultdict[str, list[str]] = defaultdict(list)
    for field_iri in TEXTS:
        for action, text in store.query(f"SELECT ?action ?text WHERE {{ ?action <{field_iri}> ?text }}"):
            texts[action.value].append(text.value)
    return texts


def grouped(store: ox.Store, pattern: str) -> Iterator[tuple[str | None, list[str]]]:
    """(value, its actions) for a pattern binding ?action and ?value: one row per value, the action IRIs
    joined by Oxigraph (IRIs hold no space). Python reading one row per action was the slow part."""
    query = (
        'SELECT ?value (GROUP_CONCAT(DISTINCT STR(?action); separator=" ") AS ?actions) '
        f"WHERE {{ {pattern} }} GROUP BY ?value"
    )
    for row in store.query(query):
        yield (None if row["value"] is None else row["value"].value), row["actions"].value.split(" ")


# -- saved beside the store ----------------------------------------------------------------------------


def load_index(graph: Path, store: ox.Store) -> ActionIndex:
    """The saved index when it was made from this very graph, else one read from the store (and saved,
    when the store is the graph's persistent one and its folder can be written)."""
    digest = graph_digest(graph)
    saved, search_file = graph.parent / INDEX_FILE, graph.parent / SEARCH_FILE
    if digest:
        with contextlib.suppress(OSError, ValueError, LookupError, TypeError, sqlite3.Error):
            index = read_saved(saved, search_file, digest)
            if index is not None:
                return index
        with contextlib.suppress(OSError, sqlite3.Error):
            index = read_index(store, search_file, digest)
            save_index(index, saved, digest)
            return index
    return read_index(store)


def save_lists(actions: ReadActions, folder: Path, digest: str) -> None:
    save_index(index_of(actions, folder / SEARCH_FILE, digest), folder / INDEX_FILE, digest)


def value_json(value: Value) -> list[str | None]:
    return [value.key, value.label, value.label_en, value.iri]


def save_index(index: ActionIndex, path: Path, digest: str) -> None:
    """One JSON line of values (with their bitsets in hex) and structures, then one line per action naming
    them by number: read back with no per-action work."""
    numbers = {name: facet.order for name, facet in index.facets.items()}
    structures = index.structures
    structure_numbers = {structure: number for number, structure in enumerate(structures)}
    header = {
        "format": FORMAT,
        "graph_sha256": digest,
        "actions": len(index.rows),
        "values": {
            name: [[*value_json(value), format(facet.bits[value], "x")] for value in facet.values]
            for name, facet in index.facets.items()
        },
        "structures": [value_json(structure) for structure in structures],
        "structure_of": index.structure_of.tolist(),
    }
    with atomic_write(path) as stream:
        stream.write(line_json(header))
        for row in index.rows:
            stream.write(
                line_json(
                    [
                        row.iri,
                        row.title,
                        structure_numbers[row.structure] if row.structure else None,
                        [[numbers[name][value] for value in row.of(name)] for name in FACET_NAMES],
                        None if row.amount is None else str(row.amount),
                        row.source_file,
                        row.source_line,
                    ]
                )
            )


def line_json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def read_saved(path: Path, search_file: Path, digest: str) -> ActionIndex | None:
    with path.open("rb") as stream:
        header = json.loads(stream.readline())
        if header["format"] != FORMAT or header["graph_sha256"] != digest:
            return None
        lines = [stream.readline() for _ in range(header["actions"])]
    search = TextSearch.open(search_file, digest)
    if search is None:
        return None
    facets, universe = {}, {}
    for spec in FACETS:
        saved = header["values"][spec.name]
        universe[spec.name] = [Value(*item[:4]) for item in saved]
        bits = {value: int(item[4], 16) for value, item in zip(universe[spec.name], saved, strict=True)}
        facets[spec.name] = Facet(spec, universe[spec.name], bits)
    structures = [Value(*item) for item in header["structures"]]
    structure_of = np.array(header["structure_of"], dtype=np.int32)
    return ActionIndex(SavedRows(lines, universe, structures), facets, search, structures, structure_of)


class SavedRows(Decoded[ActionRow]):
    """Rows of a saved index, each decoded when first shown (most are never shown by a process)."""

    def __init__(self, lines: list[bytes], universe: dict[str, list[Value]], structures: list[Value]) -> None:
        self.lines = lines
        self.universe = [universe[name] for name in FACET_NAMES]
        self.structures = structures

    def __len__(self) -> int:
        return len(self.lines)

    def item(self, number: int) -> ActionRow:
        iri, title, structure, numbers, amount, source_file, source_line = json.loads(self.lines[number])
        return ActionRow(
            iri,
            title,
            None if structure is None else self.structures[structure],
            tuple(
                tuple(values[n] for n in found) for values, found in zip(self.universe, numbers, strict=True)
            ),
            None if amount is None else Decimal(amount),
            source_file,
            source_line,
        )

    def __iter__(self) -> Iterator[ActionRow]:
        return (self[number] for number in range(len(self)))
