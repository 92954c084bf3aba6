"""The persistent Oxigraph store: loaded as a build writes, stamped, and opened for reading.

`build` writes `graph.ttl` (the published artefact) and an on-disk Oxigraph store in
`store/` with a stamp naming the Turtle it was made from. `open_graph` uses that store
when the stamp still matches (milliseconds), and otherwise loads the Turtle into memory,
so a store never answers for a graph that has changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import queue
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO

import pyoxigraph as ox

from csgraph.errors import CsgraphError, InputError
from csgraph.writing import write_text

GRAPH_FILE = "graph.ttl"  # what `build` writes and every reading command looks for
STORE_DIR = "store"
STAMP_FILE = "store.json"
SEGMENT_BYTES = (8 << 20, 64 << 20)  # the smallest and biggest Turtle per bulk load: see StoreLoader
BLOCK_BYTES = 1 << 20  # handed to the loader thread at a time
QUEUED_BLOCKS = 64  # blocks waiting for the loader thread (8 and 64 measured alike at 100k)
END_OF_SEGMENT = b""
LOADER_THREADS = 2  # bulk loads at once: each parses and sorts its own segments on a core of its own


class StoreLoader:
    """An on-disk Oxigraph store filled with Turtle text while the build writes it.

    A background thread streams the text into Oxigraph's bulk loader (the Rust loader releases the GIL),
    one bulk load per segment of about an eighth of the expected text, 8 to 64 MB. Measured at 100k
    fiches: 8 MB loads cost 20 % more CPU than 64 MB ones and left more files to compact; one load for
    everything held 1.7 GB. But most of a load's work comes after its last byte, so the last segment
    is a wait at the end of the build: at 10k fiches, one 43 MB segment made the build 1 s slower.
    A 64 MB segment holds about 500 MB, the queue up to 64 MB. Blocks are whole paragraphs, so two
    threads take segments from the one queue, each with its own bulk load (RocksDB ingests their files
    side by side): one bulk load kept one core busy while the other waited (10k fiches: 3.7 s alone,
    2.1 s in two). Leaving the `with` block waits for the threads, even on Ctrl-C, and closes the store,
    so its folder can then be moved or removed.
    """

    def __init__(self, path: Path, header: str, expected_bytes: int) -> None:
        self.store: ox.Store | None = ox.Store(str(path))
        self.header = header.encode("utf-8")
        self.queue: queue.Queue[bytes | None] = queue.Queue(QUEUED_BLOCKS)
        self.parts: list[bytes] = []
        self.block_size = 0
        self.segment_size = 0
        smallest, biggest = SEGMENT_BYTES
        self.segment_limit = min(max(expected_bytes // 8, smallest), biggest)
        self.stopping = False
        self.thread = ThreadPoolExecutor(LOADER_THREADS)
        self.loading: list[Future[None]] = [
            self.thread.submit(self._load_segments) for _ in range(LOADER_THREADS)
        ]

    def __enter__(self) -> StoreLoader:
        return self

    def write(self, turtle: bytes) -> None:
        """Whole paragraphs only: a segment may end after any of them."""
        self.parts.append(turtle)
        self.block_size += len(turtle)
        if self.block_size >= BLOCK_BYTES:
            self._send_block()
            if self.segment_size >= self.segment_limit:
                self._send(END_OF_SEGMENT)
                self.segment_size = 0

    def _send_block(self) -> None:
        block = b"".join(self.parts)
        self.parts, self.block_size = [], 0
        self.segment_size += len(block)
        self._send(block)

    def _send(self, item: bytes | None) -> None:
        while True:
            try:
                self.queue.put(item, timeout=0.2)
                return
            except queue.Full:
                for loading in self.loading:
                    if loading.done():
                        loading.result()  # a loader failed: its error, here

    def _load_segments(self) -> None:
        assert self.store is not None
        while True:
            segment = Segment(self.header, self)
            # Text from ontology/ and mapping.py, whose IRIs are minted from slugs: no need to check them.
            reader = io.BufferedReader(segment, BLOCK_BYTES)  # Oxigraph reads 2 KB at a time
            self.store.bulk_load(reader, format=ox.RdfFormat.TURTLE, lenient=True)
            if segment.last:
                return

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                if self.parts:
                    self._send_block()
                for _ in self.loading:
                    self._send(None)  # one end for each thread
                for loading in self.loading:
                    loading.result()
                assert self.store is not None
                self.store.flush()
        finally:
            self.stopping = True
            for _ in self.loading:
                with contextlib.suppress(queue.Full):
                    self.queue.put_nowait(None)
            self.thread.shutdown(wait=True)
            self.store = None


class Segment(io.RawIOBase):
    """One bulk load's input: the prefixes, then the blocks queued up to the end of the segment."""

    def __init__(self, header: bytes, loader: StoreLoader) -> None:
        super().__init__()
        self.block = memoryview(header)
        self.loader = loader
        self.ended = False
        self.last = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.block and not self.ended:
            if self.loader.stopping:
                raise OSError("the build stopped")
            item = self.loader.queue.get()
            if item is None:
                self.ended = self.last = True
            elif not item:  # END_OF_SEGMENT
                self.ended = True
            else:
                self.block = memoryview(item)
        size = min(len(buffer), len(self.block))
        buffer[:size] = self.block[:size]
        self.block = self.block[size:]
        return size


class StampedStream:
    """graph.ttl as the build writes it, and the stamp of exactly those bytes, the store's own text.

    The stamp is not read back from the file once written: another writer may have put other bytes there
    by then, and the stamp would vouch for a store made from a Turtle that is no longer beside it.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.digest.update(data)
        self.size += len(data)

    def stamp(self, name: str) -> dict[str, object]:
        """The stamp once everything is written (renaming the file later keeps its mtime)."""
        self.stream.flush()
        status = os.fstat(self.stream.fileno())
        return {
            "graph": name,
            "sha256": self.digest.hexdigest(),
            "size": self.size,
            "mtime_ns": status.st_mtime_ns,
        }


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


def compact_store(path: Path) -> None:
    """Compacted once after loading, every later query reads each stored term 4 to 5 times faster (10k
    fiches: the bundled questions take 1.3 s instead of 2.1 s). One core's work: the build gives it to a
    thread while worker processes make the indexes."""
    store = ox.Store(str(path))
    store.optimize()
    del store  # closed: the build swaps its folder in next


def save_store(built: Path, graph_path: Path, stamp: dict[str, object]) -> None:
    """Make the closed store in `built` the persistent store of `graph_path`, with the stamp of its Turtle."""
    replace_directory(built, graph_path.parent / STORE_DIR)
    write_text(graph_path.parent / STAMP_FILE, json.dumps(stamp, sort_keys=True) + "\n")


def stamped_sha256(graph_path: Path) -> str:
    """The sha256 of graph.ttl that the store's stamp names, which every index beside the store carries."""
    return str(json.loads((graph_path.parent / STAMP_FILE).read_text(encoding="utf-8"))["sha256"])


def graph_digest(graph_path: Path) -> str | None:
    """The sha256 the persistent store was stamped with, when that store is still this graph's: what an
    index or answer saved beside it must carry to be read."""
    if fresh_store(graph_path) is None:
        return None
    with contextlib.suppress(OSError, ValueError, LookupError, TypeError):
        return stamped_sha256(graph_path)
    return None


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


def require_graph(graph_path: Path) -> None:
    """The one message every reading command gives when nothing was built yet."""
    if not graph_path.is_file():
        raise InputError(f"no graph here; run `csgraph build` first (looked for {graph_path})")


def open_graph(graph_path: Path) -> ox.Store:
    """Open a built graph for reading: the persistent store when fresh, else the Turtle itself."""
    require_graph(graph_path)
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
