"""The whole `build`: fiche files -> records -> Turtle text -> graph.ttl and the persistent store.

Outputs appear only once complete: the Turtle is written atomically and the store is built in
a scratch folder and swapped in, so an interrupted build leaves the previous outputs usable.
One build at a time writes into an output folder: a second one stops at once and says why.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from csgraph.answers import SAVED_FROM_BYTES
from csgraph.errors import CsgraphError, InputError
from csgraph.fiches import NO_FICHE, SpanEnd, file_records
from csgraph.grants import all_grants
from csgraph.indexes import Loaded, index_loaded
from csgraph.inputs import sorted_inputs
from csgraph.mapping import FicheGraph, mapper, structure_local
from csgraph.model import Fiche, Notice
from csgraph.organisations import organisations_turtle
from csgraph.pool import in_order
from csgraph.reading import InputFile
from csgraph.splitting import SpanRecords, SpanTask, joined, parts
from csgraph.store import GRAPH_FILE, STAMP_FILE, StampedStream, StoreLoader, compact_store, save_store
from csgraph.structure_pages import read_pages
from csgraph.turtle import HEADER, ontology_paragraphs
from csgraph.writing import atomic_write, process_running, remove_dead_temporaries

if TYPE_CHECKING:
    from csgraph.action_index import StoreNames

SCRATCH_PREFIX = ".store-building-"  # + the pid of the build that owns it
FACTS_PREFIX = ".actions-facts-"  # + the pid of the build that wrote them, for the indexes made after it
LOCK_FILE = ".build.lock"  # held by the build writing into its folder; holds that build's pid
PARALLEL_FROM_BYTES = 8 * 1024 * 1024  # below this, starting worker processes costs more than it saves


@dataclass
class BuildReport:
    """What a build read and wrote: the figures its summary prints."""

    graph: Path
    fiches: int = 0
    actions: int = 0
    structures: int = 0
    departements: int = 0
    partner_types: int = 0
    keywords: int = 0
    triples: int = 0
    notices: list[Notice] = field(default_factory=list)
    structure_pages: int = 0  # read, homonyms of a page read before included
    structure_pages_joined: int = 0  # landed on the node of a structure that fiches name
    pages_without_actions: list[str] = field(default_factory=list)  # `name (postcode) file:line`
    structures_without_page: list[str] = field(default_factory=list)  # `name (département) file:line`
    grants: int = 0
    grants_unjoined: int = 0


def remove_dead_leftovers(out_dir: Path) -> None:
    """Scratch stores and half-written files left by builds killed outright (SIGKILL, a power cut).

    Ctrl-C and SIGTERM clean up after themselves; these can weigh gigabytes and are removed by the
    next build, unless the build that owns them is still running.
    """
    for scratch in owned_by_dead_builds(out_dir, SCRATCH_PREFIX):
        shutil.rmtree(scratch, ignore_errors=True)
    for facts in owned_by_dead_builds(out_dir, FACTS_PREFIX):
        facts.unlink(missing_ok=True)
    for name in (GRAPH_FILE, STAMP_FILE):
        remove_dead_temporaries(out_dir, name)


def owned_by_dead_builds(out_dir: Path, prefix: str) -> Iterator[Path]:
    """The files named `prefix` + the pid of a build that is no longer running."""
    for path in out_dir.glob(f"{prefix}*"):
        owner = path.name.removeprefix(prefix)
        if owner.isdigit() and not process_running(int(owner)):
            yield path


@contextlib.contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """The output folder, for this build alone until it ends.

    Two builds interleaving their swaps left graph.ttl from one input beside the store of the other. A
    second build does not wait (it could wait for minutes, looking stuck): it fails at once, naming the
    build that holds the folder. The kernel releases the lock when its process ends, even on SIGKILL.
    """
    with open(out_dir / LOCK_FILE, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip()
            raise CsgraphError(
                f"{out_dir}: another csgraph build{f' (pid {holder})' if holder.isdigit() else ''} is "
                "writing here; wait for it to end, or build into another --out"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


def no_fiche_message(notices: list[Notice]) -> str:
    """The failure says why on its one line (`binary file…`), since the warnings are not printed after it.

    Each file's own `no fiche found` line would only repeat the message: the first reason is shown instead.
    """
    reasons = [notice for notice in notices if not notice.message.startswith(NO_FICHE)]
    if not reasons:
        return "no fiche found"
    more = f"; and {len(reasons) - 1} more warning(s)" if len(reasons) > 1 else ""
    return f"no fiche found ({reasons[0]}{more})"


def no_fiche(notices: list[Notice], paths: Sequence[Path]) -> InputError:
    """The error of an input without a single fiche, the same for `build` and `parse` (exit 2)."""
    return InputError(no_fiche_message(notices), ", ".join(str(path) for path in paths))


@dataclass
class Assembler:
    """Puts the fiches' parts together in input order: a fiche read twice is dropped, and each shared
    node (structure, département, funder, unlisted concept) is declared by the first fiche naming it."""

    sinks: list[Callable[[bytes], object]]
    report: BuildReport
    facts: Callable[[bytes], object] | None = None  # each action's facts line, once, as it is kept
    first_source: dict[str, tuple[str, int]] = field(default_factory=dict)  # action key -> file, line
    declared: dict[str, str] = field(default_factory=dict)  # node -> kind
    structures: dict[str, str] = field(default_factory=dict)  # node -> `name (département) file:line`
    partners: set[str] = field(default_factory=set)
    keywords: set[str] = field(default_factory=set)

    def write(self, turtle: bytes, triples: int) -> None:
        for sink in self.sinks:
            sink(turtle)
        self.report.triples += triples

    def add(self, graph: FicheGraph) -> None:
        first = self.first_source.get(graph.key)
        if first is not None:
            message = f"same fiche as {first[0]}:{first[1]}; read once"
            self.report.notices.append(Notice(graph.file, graph.line, message))
            return
        self.first_source[graph.key] = (graph.file, graph.line)
        parts, triples = [graph.turtle], graph.triples
        for node in graph.shared:
            if node.node in self.declared:
                continue
            self.declared[node.node] = node.kind
            if node.kind == "structure":
                self.structures[node.node] = f"{node.label} {graph.file}:{graph.line}"
            parts.append(node.turtle)
            triples += node.triples
            if node.notice:
                self.report.notices.append(node.notice)
        self.write(b"".join(parts), triples)
        if self.facts:
            self.facts(graph.facts)
        self.partners |= graph.partners
        self.keywords |= graph.keywords

    def finish(self) -> None:
        kinds = list(self.declared.values())
        self.report.actions = len(self.first_source)
        self.report.structures = kinds.count("structure")
        self.report.departements = kinds.count("departement")
        self.report.partner_types = len(self.partners)
        self.report.keywords = len(self.keywords)


def build(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    keep_store: bool = True,
    indexes: bool = False,
    answers_from: int = SAVED_FROM_BYTES,
    workers: int | None = None,
    on_start: Callable[[list[InputFile]], None] | None = None,
    on_fiche: Callable[[str], None] | None = None,
    on_indexes: Callable[[], None] | None = None,
    notices: list[Notice] | None = None,
) -> BuildReport:
    """Read every fiche under `paths` and write `out_dir/graph.ttl` (and `out_dir/store/`).

    `workers` defaults to every core once the input is big enough for worker processes to pay.
    Warnings go to `notices` when given, so a caller still has them when the build fails. With `indexes`
    (and the store), the site's indexes are made beside the store (csgraph.indexes), and the bundled
    questions' answers too for a graph.ttl of `answers_from` bytes or more.
    """
    report = BuildReport(graph=out_dir / GRAPH_FILE, notices=[] if notices is None else notices)
    inputs = sorted_inputs(paths, report.notices)
    entries = inputs.fiches
    size = sum(entry.path.stat().st_size for entry in entries)  # graph.ttl comes out about as big
    if workers is None:
        workers = (os.cpu_count() or 1) if size > PARALLEL_FROM_BYTES else 1
    if on_start:
        on_start(entries)

    out_dir.mkdir(parents=True, exist_ok=True)
    with folder_lock(out_dir):
        remove_dead_leftovers(out_dir)
        scratch = out_dir / f"{SCRATCH_PREFIX}{os.getpid()}"
        facts_path = out_dir / f"{FACTS_PREFIX}{os.getpid()}"
        try:
            with atomic_write(report.graph) as stream:
                turtle = StampedStream(stream)
                with (
                    loader_for(scratch, keep_store, size) as loader,
                    facts_writer(facts_path, keep_store and indexes) as keep_facts,
                ):
                    assembler = fill(turtle, loader, keep_facts, entries, workers, report, on_fiche)
                    add_organisations(assembler, inputs.pages, inputs.grants)
                    if report.fiches == 0:
                        raise no_fiche(report.notices, paths)
                    stamp = turtle.stamp(report.graph.name)
                if keep_store and indexes:
                    if on_indexes:
                        on_indexes()
                    loaded = Loaded(report.graph, scratch, str(stamp["sha256"]), facts_path, names(scratch))
                    index_loaded(loaded, turtle.size >= answers_from, workers)
                elif keep_store:
                    compact_store(scratch)
            if keep_store:
                save_store(scratch, report.graph, stamp)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            facts_path.unlink(missing_ok=True)
    return report


def names(store: Path) -> StoreNames:
    """The names the indexes take from the loaded store, read before it is compacted."""
    from csgraph.action_index import StoreNames

    return StoreNames.of(ox.Store.read_only(str(store)))


@contextlib.contextmanager
def facts_writer(path: Path, keep: bool) -> Iterator[Callable[[bytes], object] | None]:
    """Each kept action's facts written to `path` as the build goes, rather than held until the indexes:
    a national export's texts weigh 300 MB, which the indexes' forked workers would copy page by page.
    As records made by the mapping (csgraph.mapping.facts_record): JSON and text, data that reading back
    never runs. Closed before the indexes read them."""
    if not keep:
        yield None
        return
    with path.open("wb") as stream:
        yield stream.write


def mapped(
    records: Iterable[Fiche | Notice | SpanEnd], with_facts: bool = False
) -> Iterator[FicheGraph | Notice | SpanEnd]:
    """Each fiche mapped (with its action's facts, when the build keeps them), the notices (and a span's
    end) as they come."""
    for record in records:
        yield mapper().fiche_graph(record, with_facts) if isinstance(record, Fiche) else record


def map_file(entry: InputFile, with_facts: bool = False) -> Iterator[FicheGraph | Notice | SpanEnd]:
    """One file read and mapped, each fiche after the notices its reading raised: a worker's unit of work."""
    return mapped(file_records(entry), with_facts)


def map_span(task: SpanTask, with_facts: bool = False) -> list[FicheGraph | Notice | SpanEnd]:
    return list(mapped(file_records(task.entry, task.span, task.years), with_facts))


def map_part(
    part: InputFile | SpanTask, with_facts: bool = False
) -> Iterator[FicheGraph | Notice | SpanRecords[FicheGraph]]:
    """A whole file, or one span of a big file as one result (a worker sends it back whole anyway)."""
    if isinstance(part, SpanTask):
        yield SpanRecords(part, map_span(part, with_facts))
    else:
        yield from map_file(part, with_facts)


def loader_for(scratch: Path, keep_store: bool, size: int) -> AbstractContextManager[StoreLoader | None]:
    return StoreLoader(scratch, HEADER, size) if keep_store else nullcontext()


def fill(
    stream: StampedStream,
    loader: StoreLoader | None,
    facts: Callable[[bytes], object] | None,
    entries: list[InputFile],
    workers: int,
    report: BuildReport,
    on_fiche: Callable[[str], None] | None,
) -> Assembler:
    """The vocabulary, then every fiche's part, to graph.ttl and to the store being loaded."""
    stream.write(HEADER.encode("utf-8"))
    assembler = Assembler([stream.write, loader.write] if loader else [stream.write], report, facts)
    for turtle, triples in ontology_paragraphs():
        assembler.write(turtle.encode("utf-8"), triples)
    with_facts = facts is not None
    work, again = partial(map_part, with_facts=with_facts), partial(map_span, with_facts=with_facts)
    for record in joined(in_order(work, parts(entries, workers), workers), again):
        if isinstance(record, Notice):
            report.notices.append(record)
            continue
        report.fiches += 1
        if on_fiche:
            on_fiche(record.file)
        assembler.add(record)
    assembler.finish()
    return assembler


def add_organisations(assembler: Assembler, pages: list[InputFile], grant_files: list[InputFile]) -> None:
    """Structure pages and declared grants after the fiches, so that a page meets the node its actions
    declared; the report says which pages met no action and which structures with actions have no page."""
    if not pages and not grant_files:
        return
    report = assembler.report
    records = list(read_pages(pages, report.notices))
    grants = all_grants(grant_files, report.notices)
    organisations = organisations_turtle(set(assembler.declared), records, grants)
    assembler.write(organisations.turtle(), len(organisations.triples))
    report.notices.extend(organisations.notices)
    report.structure_pages = len(records)
    report.structure_pages_joined = len(organisations.matched)
    report.structures += len(organisations.unmatched)
    report.pages_without_actions = [
        f"{page.name} ({page.postcode}) {page.file}:{page.line}" for page in organisations.unmatched
    ]
    described = {
        f"structure:{structure_local(page.name or '', page.departement_code)}"
        for page in organisations.matched
    }
    report.structures_without_page = sorted(
        (place for node, place in assembler.structures.items() if node not in described), key=str.casefold
    )
    report.grants, report.grants_unjoined = organisations.grants, organisations.grants_unjoined
