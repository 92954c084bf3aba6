"""Actions like a given one, so that a centre starting something meets those who already do it elsewhere.

Score = TEXT_WEIGHT (0.7) x text + (1 - TEXT_WEIGHT) x graph, both in [0, 1]:
- text: BM25 (bm25s) of the other actions' titles and texts against this action's own, French stop words
  removed and words stemmed (PyStemmer) after folding accents and capitals, divided by the best score
  found, so that the best text match gets 1;
- graph: the Jaccard overlap of keywords, publics, partner types, dimension and territory scale, weighted
  by GRAPH_WEIGHTS and divided by the weights of the facets this action has values in.
Text alone misses a fiche written in other words; the graph alone ties every action of the same keywords;
together the text breaks the graph's ties and the graph lifts the paraphrase (benchmarks/SIMILAR.md).

The index is made from the same reading of the store as the list's index (`action_index.read_actions`),
and saved beside the store in `similar/`, stamped with the graph's sha256: BM25 matrices as bm25s writes
them, one sparse matrix of facet values per facet (numpy .npy), and one JSON line per action.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import pyoxigraph as ox
import Stemmer
from bm25s.stopwords import STOPWORDS_FRENCH
from scipy import sparse

from csgraph.action_index import (
    INDEX_FILE,
    SEARCH_FILE,
    ActionRow,
    ReadActions,
    index_of,
    read_actions,
    save_index,
)
from csgraph.errors import UnknownValue
from csgraph.formatting import tr
from csgraph.names import name_key, plain
from csgraph.spreadsheet import neutral
from csgraph.store import STAMP_FILE, fresh_store, open_graph
from csgraph.vocabulary import BASE
from csgraph.writing import atomic_write

SIMILAR_DIR = "similar"
FORMAT = 1  # bump when the saved layout changes
TEXT_WEIGHT = 0.7  # chosen on benchmarks/similar_eval.py: 0.6 to 0.75 beat both parts, 0.5 did not
GRAPH_WEIGHTS = {"keyword": 0.35, "public": 0.25, "partner": 0.2, "dimension": 0.1, "territory": 0.1}
SHOWN_WORDS = 6
PASSAGE_CHARS = 160
WORD = re.compile(r"[a-z0-9]+")
SENTENCE = re.compile(r"(?<=[.!?;\n])\s+")
STOP = frozenset(plain(word) for word in STOPWORDS_FRENCH)
STEMMER = Stemmer.Stemmer("french")


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
        return " ; ".join(parts) or tr(lang, "rien en commun", "nothing in common")

    def as_json(self, lang: str = "fr") -> dict[str, object]:
        return {
            "iri": self.iri,
            "title": self.title,
            "departement": self.departement,
            "score": round(self.score, 4),
            "text_score": round(self.text_score, 4),
            "graph_score": round(self.graph_score, 4),
            "shared": self.shared,
            "words": self.words,
            "passage": self.passage,
            "why": self.why(lang),
        }


class SimilarIndex:
    """BM25 over the actions' texts and one 0/1 matrix (actions x values) per facet of GRAPH_WEIGHTS."""

    def __init__(
        self,
        bm25: bm25s.BM25,
        facets: dict[str, sparse.csr_matrix],
        labels: dict[str, list[str]],
        lines: list[bytes],
    ) -> None:
        self.bm25 = bm25
        self.facets = facets
        self.labels = labels  # per facet, the label of each column
        self.lines = lines  # per action: [iri, title, département code, département label, text]
        self.sizes = {name: np.asarray(matrix.sum(axis=1)).ravel() for name, matrix in facets.items()}
        self.departements = np.array([json.loads(line)[2] or "" for line in lines])
        self.number = {json.loads(line)[0]: number for number, line in enumerate(lines)}

    @classmethod
    def of_actions(cls, actions: ReadActions) -> SimilarIndex:
        bm25 = bm25s.BM25()
        bm25.index([tokens(text) or [""] for text in actions.texts], show_progress=False)
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
        lines = [line_of(row, text) for row, text in zip(actions.rows, actions.texts, strict=True)]
        return cls(bm25, facets, labels, lines)

    def find(self, action: str) -> int:
        """The number of the action meant by an IRI, a site path or a title (accents and capitals aside)."""
        given = action.strip()
        for iri in (given, BASE + given.lstrip("/")):
            if iri in self.number:
                return self.number[iri]
        titles: dict[str, int] = {}
        for number, line in enumerate(self.lines):
            titles.setdefault(name_key(json.loads(line)[1]), number)
        if name_key(given) in titles:
            return titles[name_key(given)]
        close = difflib.get_close_matches(name_key(given), list(titles), n=5, cutoff=0.5)
        near = ", ".join(f"« {json.loads(self.lines[titles[key]])[1]} »" for key in close) or "aucune"
        raise UnknownAction(f"action inconnue : « {given} » ; actions proches : {near}")

    def text_scores(self, number: int) -> np.ndarray:
        asked = tokens(json.loads(self.lines[number])[4])
        scores = self.bm25.get_scores([token for token in asked if token in self.bm25.vocab_dict])
        return np.asarray(scores, dtype=np.float64)

    def graph_scores(self, number: int) -> np.ndarray:
        total = np.zeros(len(self.lines))
        weights = 0.0
        for name, weight in GRAPH_WEIGHTS.items():
            matrix = self.facets[name]
            asked = matrix[number]
            if asked.nnz == 0:
                continue
            common = np.asarray((matrix @ asked.T).todense()).ravel()
            union = self.sizes[name] + asked.nnz - common
            total += weight * common / union
            weights += weight
        return total / weights if weights else total

    def similar(
        self,
        number: int,
        *,
        limit: int = 10,
        other_departements: bool = False,
        allowed: np.ndarray | None = None,
        text_weight: float = TEXT_WEIGHT,
    ) -> list[Similar]:
        """The `limit` actions most like action `number`, best first (ties by list order).

        `allowed` (booleans per action) narrows the candidates, as the site's filters do.
        """
        text = self.text_scores(number) if text_weight > 0 else np.zeros(len(self.lines))
        graph = self.graph_scores(number) if text_weight < 1 else np.zeros(len(self.lines))
        keep = np.ones(len(self.lines), dtype=bool) if allowed is None else allowed.copy()
        keep[number] = False
        if other_departements and self.departements[number]:
            keep &= self.departements != self.departements[number]
        best = text[keep].max() if keep.any() else 0.0
        text = text / best if best > 0 else text
        score = np.where(keep, text_weight * text + (1 - text_weight) * graph, -1.0)
        candidates = np.flatnonzero(keep)
        top = candidates[np.lexsort((candidates, -score[candidates]))][:limit]
        return [self.explained(number, int(found), score, text, graph) for found in top]

    def explained(
        self, asked: int, found: int, score: np.ndarray, text: np.ndarray, graph: np.ndarray
    ) -> Similar:
        iri, title, departement, _, body = json.loads(self.lines[found])
        shared = {}
        for name, matrix in self.facets.items():
            both = sorted(set(matrix[asked].indices) & set(matrix[found].indices))
            shared[name] = sorted(self.labels[name][column] for column in both)
        asked_words: dict[str, str] = {}
        for word in words(json.loads(self.lines[asked])[4]):
            asked_words.setdefault(stem(word), word)
        found_stems = set(tokens(body))
        common = [word for key, word in asked_words.items() if key in found_stems]
        return Similar(
            iri,
            title,
            departement or "",
            float(score[found]),
            float(text[found]),
            float(graph[found]),
            shared,
            common[:SHOWN_WORDS],
            passage(body, set(asked_words) & found_stems),
        )


def line_of(row: ActionRow, text: str) -> bytes:
    departement = row.of("departement")
    code, label = (departement[0].key, departement[0].label) if departement else (None, None)
    return json.dumps([row.iri, row.title, code, label, text], ensure_ascii=False).encode("utf-8")


def passage(text: str, stems: set[str]) -> str:
    """The sentence of `text` holding the most of the shared stems, cut to PASSAGE_CHARS."""
    best, most = "", 0
    for sentence in SENTENCE.split(text):
        held = len(set(tokens(sentence)) & stems)
        if held > most:
            best, most = sentence, held
    best = " ".join(best.split())
    return best if len(best) <= PASSAGE_CHARS else best[: PASSAGE_CHARS - 1].rstrip() + "…"


# -- made by build, saved beside the store -------------------------------------------------------------


def index_graph(graph: Path, store: ox.Store | None = None) -> SimilarIndex:
    """Read the store once and save both the list's index and the similar actions' index beside it."""
    digest = str(json.loads((graph.parent / STAMP_FILE).read_text(encoding="utf-8"))["sha256"])
    actions = read_actions(store or open_graph(graph))
    save_index(index_of(actions, graph.parent / SEARCH_FILE, digest), graph.parent / INDEX_FILE, digest)
    index = SimilarIndex.of_actions(actions)
    save_similar(index, graph.parent / SIMILAR_DIR, digest)
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
    header = {
        "format": FORMAT,
        "graph_sha256": digest,
        "actions": len(index.lines),
        "labels": index.labels,
        "columns": {name: matrix.shape[1] for name, matrix in index.facets.items()},
    }
    with atomic_write(scratch / "actions.jsonl") as stream:
        stream.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
        for line in index.lines:
            stream.write(line + b"\n")
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
    return SimilarIndex.of_actions(read_actions(store))


def load_similar(graph: Path) -> SimilarIndex | None:
    """The saved index when it was made from this very graph, else None (`csgraph build` makes it)."""
    folder = graph.parent / SIMILAR_DIR
    with contextlib.suppress(OSError, ValueError, LookupError, TypeError):
        digest = str(json.loads((graph.parent / STAMP_FILE).read_text(encoding="utf-8"))["sha256"])
        with (folder / "actions.jsonl").open("rb") as stream:
            header = json.loads(stream.readline())
            if header["format"] != FORMAT or header["graph_sha256"] != digest:
                return None
            lines = [line.rstrip(b"\n") for line in stream]
        facets = {}
        for name in GRAPH_WEIGHTS:
            indptr = np.load(folder / f"{name}-indptr.npy")
            indices = np.load(folder / f"{name}-indices.npy")
            facets[name] = sparse.csr_matrix(
                (np.ones(len(indices), dtype=np.float32), indices, indptr),
                shape=(header["actions"], header["columns"][name]),
            )
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=False, show_progress=False)
        return SimilarIndex(bm25, facets, header["labels"], lines)
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
