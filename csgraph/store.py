"""The persistent Oxigraph store: loaded as a build writes, stamped, and opened for reading.

`build` writes `graph.ttl` (the published artefact) and an on-disk Oxigraph store in
`store/` with a stamp naming the Turtle it was made from. `open_graph` uses that store
when the stamp still matches (milliseconds), and otherwise loads the Turtle into memory,
so a store never answers for a graph that has changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox

from csgraph.errors import CsgraphError, InputError
from csgraph.writing import write_text

STORE_DIR = "store"
STAMP_FILE = "store.json"
LOAD_BLOCK_BYTES = 8 << 20  # measured: smaller blocks cost more CPU, bigger ones a longer wait at the end


class StoreLoader:
    """An on-disk Oxigraph store filled with Turtle text as a build writes it, block by block.

    Blocks are loaded in a background thread (the Rust loader releases the GIL) while the build reads
    on; one block loads while the next fills, so memory holds two. Leaving the `with` block waits for
    the last load, even on Ctrl-C, and closes the store, so its folder can then be moved or removed.
    """

    def __init__(self, path: Path, header: str) -> None:
        self.store: ox.Store | None = ox.Store(str(path))
        self.header = header.encode("utf-8")
        self.parts: list[bytes] = []
        self.size = 0
        self.thread = ThreadPoolExecutor(1)
        self.loading: Future[None] | None = None

    def __enter__(self) -> StoreLoader:
        return self

    def write(self, turtle: bytes) -> None:
        self.parts.append(turtle)
        self.size += len(turtle)
        if self.size >= LOAD_BLOCK_BYTES:
            self.load()

    def load(self) -> None:
        assert self.store is not None
        if self.loading:
            self.loading.result()
        block = self.header + b"".join(self.parts)
        self.parts, self.size = [], 0
        # Text from ontology/ and mapping.py, whose IRIs are minted from slugs: no need to check them.
        self.loading = self.thread.submit(
            self.store.bulk_load, block, format=ox.RdfFormat.TURTLE, lenient=True
        )

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                if self.parts:
                    self.load()
                if self.loading:
                    self.loading.result()
                assert self.store is not None
                self.store.flush()
                # Compacted once here, every later query reads each stored term 4 to 5 times faster.
                self.store.optimize()
        finally:
            self.thread.shutdown(wait=True)
            self.loading = None
            self.store = None


def file_stamp(path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    status = path.stat()
    return {
        "graph": path.name,
        "sha256": digest.hexdigest(),
        "size": status.st_size,
        "mtime_ns": status.st_mtime_ns,
    }


def replace_directory(built: Path, target: Path) -> None:
    """Swap a freshly built store in; the old one is removed only after the swap."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    built.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def save_store(built: Path, graph_path: Path) -> None:
    """Make the closed store in `built` the persistent store of `graph_path`, with its stamp."""
    replace_directory(built, graph_path.parent / STORE_DIR)
    write_text(graph_path.parent / STAMP_FILE, json.dumps(file_stamp(graph_path), sort_keys=True) + "\n")


def fresh_store(graph_path: Path) -> Path | None:
    """The persistent store of this graph if its stamp still matches the Turtle file."""
    store_dir = graph_path.parent / STORE_DIR
    stamp_path = graph_path.parent / STAMP_FILE
    if not (store_dir.is_dir() and stamp_path.is_file()):
        return None
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    status = graph_path.stat()
    if stamp.get("graph") != graph_path.name:
        return None
    if stamp.get("size") == status.st_size and stamp.get("mtime_ns") == status.st_mtime_ns:
        return store_dir
    return store_dir if stamp.get("sha256") == file_stamp(graph_path)["sha256"] else None


def open_graph(graph_path: Path) -> ox.Store:
    """Open a built graph for reading: the persistent store when fresh, else the Turtle itself."""
    if not graph_path.is_file():
        raise InputError(f"no graph here; run `csgraph build` first (looked for {graph_path})")
    store_dir = fresh_store(graph_path)
    if store_dir is not None:
        with contextlib.suppress(OSError):
            return ox.Store.read_only(str(store_dir))
    return load_turtle(graph_path)


def load_turtle(graph_path: Path) -> ox.Store:
    store = ox.Store()
    try:
        store.bulk_load(path=str(graph_path), format=ox.RdfFormat.TURTLE)
    except SyntaxError as error:
        raise InputError(f"not valid Turtle: {error}", str(graph_path)) from None
    except OSError as error:
        raise CsgraphError(f"{graph_path}: cannot be read: {error}") from None
    return store
