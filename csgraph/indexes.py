"""What `csgraph build` makes beside the store once the graph is written, on every core at once.

The lists' and the similar actions' indexes (csgraph.action_index, csgraph.similar) are made in worker
processes from the facts the mapping wrote and the few names read out of the loaded store, so they never
open the store. Meanwhile a thread of the build compacts the store (RocksDB's own threads, which a forked
process lacks, do that work) and, for a big graph, then answers the bundled questions from it
(csgraph.answers). It all happens before graph.ttl and the store are put in place, so that they appear with
their indexes, under the build's lock of the folder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from csgraph.answers import discard_answers
from csgraph.heap import give_back
from csgraph.pool import in_order
from csgraph.store import compact_store

if TYPE_CHECKING:
    from csgraph.action_index import StoreNames


@dataclass(frozen=True)
class Loaded:
    """A build's loaded store, not yet compacted nor put in place, and what its indexes are made from."""

    graph: Path  # where graph.ttl goes: the indexes go beside it
    store: Path  # the store being built
    digest: str  # the sha256 of graph.ttl, which every index carries
    facts: Path  # the actions' facts the mapping wrote (csgraph.mapping.facts_record)
    names: StoreNames


Task = tuple[str, Loaded]


def make(task: Task) -> Iterator[None]:
    """One actions' index, or both from one reading of the facts: a worker's unit of work."""
    from csgraph.action_index import read_actions, read_facts, save_lists

    kind, loaded = task
    actions = read_actions(loaded.names, read_facts(loaded.facts))
    give_back()  # what decoding the facts left resident
    folder = loaded.graph.parent
    if kind == "lists":
        save_lists(actions, folder, loaded.digest)
    else:
        from csgraph.similar import index_actions

        index_actions(actions, folder, loaded.digest, lists=kind == "lists+similar")
    yield from ()


def tasks(answers: bool, cores: int) -> list[str]:
    """Each actions' index on a core of its own (10k fiches: 1.4 s and 2.0 s), except beside the answers,
    which take a core: then both from one reading, which holds the facts once (100k fiches: 1 GB)."""
    return ["lists", "similar"] if cores > 1 and not answers else ["lists+similar"]


def index_loaded(loaded: Loaded, answers: bool, workers: int) -> None:
    """Every index beside the store of the build, each stamped with its graph's sha256; the answers only
    when asked for (a big graph), and an earlier build's then removed."""
    if not answers:
        discard_answers(loaded.graph)
    give_back()  # the build's freed pages, before the workers inherit them
    todo = [(kind, loaded) for kind in tasks(answers, workers)]
    stop = threading.Event()
    with ThreadPoolExecutor(1) as beside:
        compacted = beside.submit(compact_and_answer, loaded, answers, stop)
        try:
            for _ in in_order(make, todo, min(workers, len(todo)), apart=workers > 1):
                pass
        except BaseException:  # Ctrl-C, a worker's error: the thread stops at its next question
            stop.set()
            raise
        compacted.result()


def compact_and_answer(loaded: Loaded, answers: bool, stop: threading.Event) -> None:
    """Oxigraph compacts without the interpreter's lock, so the workers' results still come in meanwhile."""
    compact_store(loaded.store)
    if answers:
        from csgraph.engines import answer_bundled

        answer_bundled(ox.Store.read_only(str(loaded.store)), loaded.graph, loaded.digest, stop)
