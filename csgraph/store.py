"""Open and save graphs: the Oxigraph store, sorted Turtle, and the persistent store beside it.

`build` writes `graph.ttl` (the published artefact) and an on-disk Oxigraph store in
`store/` with a stamp naming the Turtle it was made from. `open_graph` uses that store
when the stamp still matches (milliseconds), and otherwise loads the Turtle and rebuilds it,
so a store never answers for a graph that has changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from csgraph.errors import CsgraphError, InputError
from csgraph.vocabulary import PREFIXES, ontology_files
from csgraph.writing import write_bytes, write_text

STORE_DIR = "store"
STAMP_FILE = "store.json"
CHUNK_LINES = 200_000
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def chunks(lines: Iterable[str], size: int = CHUNK_LINES) -> Iterator[bytes]:
    """N-Triples text in blocks, so memory holds one block, not the whole graph."""
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= size:
            yield ("\n".join(block) + "\n").encode("utf-8")
            block = []
    if block:
        yield ("\n".join(block) + "\n").encode("utf-8")


def load_graph(lines: Iterable[str], path: Path | None = None) -> ox.Store:
    """A store holding the vocabulary (ontology/) and the given N-Triples lines."""
    store = ox.Store(str(path)) if path else ox.Store()
    for file in ontology_files():
        store.bulk_load(path=str(file), format=ox.RdfFormat.TURTLE)
    for block in chunks(lines):
        store.bulk_load(block, format=ox.RdfFormat.N_TRIPLES)
    return store


def triple_order(line: bytes) -> tuple[bytes, bool, bytes, bytes]:
    """Subjects in IRI order, `rdf:type` first within a subject: Turtle that reads and diffs well."""
    subject, predicate, rest = line.split(b" ", 2)
    return subject, predicate != RDF_TYPE.encode(), predicate, rest


def sorted_ntriples(store: ox.Store) -> bytes:
    dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    lines = sorted(set(filter(None, dump.split(b"\n"))), key=triple_order)
    return b"\n".join(lines) + b"\n" if lines else b""


def write_turtle(store: ox.Store, path: Path) -> int:
    """Sorted Turtle with the project's prefixes; returns the number of triples."""
    ntriples = sorted_ntriples(store)
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    write_bytes(path, sorted_prefixes(turtle))
    return ntriples.count(b"\n")


def sorted_prefixes(turtle: bytes) -> bytes:
    """Oxigraph writes @prefix lines in hash order; sort them so the header reads like a table."""
    lines = turtle.split(b"\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    return b"\n".join(sorted(lines[:count]) + lines[count:])


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
