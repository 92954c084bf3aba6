"""Measure csgraph at several sizes and write benchmarks/RESULTS.md.

For each size: generate the fiches, then time `csgraph build`, every bundled query twice (alone in
a process that opened the persistent store, which is what the < 1 s goal is about, and through
`csgraph query` as users run it), `csgraph export`, `csgraph viz partnership`, and the naive
baseline (benchmarks/naive.py). Each step runs in a fresh subprocess, stopped after a timeout; its
peak memory is the most that process and its workers held, sampled from /proc (see `measure`).
A command that does not exist yet is skipped with a note.

    python benchmarks/run.py [--sizes 1000 10000 100000] [--naive-max 10000] [--work benchmarks/scratch]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from naive import KEYWORD_PARTNER

from csgraph.answers import saved_answer
from csgraph.catalogue import Parameter, StoredQuery, bundled_queries, parameter_values, parse_query
from csgraph.engines import select_oxigraph, with_values
from csgraph.store import fresh_store, open_graph

HERE = Path(__file__).resolve().parent
SAMPLE_SECONDS = 0.05  # how often the memory of a measured command is read
CSGRAPH = [sys.executable, "-m", "csgraph", "--lang", "en"]  # its summaries are read below
# Values for the required parameters of bundled queries (`# param:` headers).
PARAM_VALUES = {"departement": "62"}
NAIVE_QUERY = "naive baseline's keyword × partner"
LIBRARIES = ("csgraph", "pyoxigraph", "rdflib", "oxrdflib", "networkx", "pyvis", "typer")


@dataclass
class Run:
    """One subprocess: how long it took, its peak memory, and what it said."""

    seconds: float
    peak_mb: float
    returncode: int
    cpu_s: float  # user + system time of the process and the workers it waited for
    stdout: str
    stderr: str
    timeout: float | None = None

    @property
    def failure(self) -> str | None:
        if self.timeout is not None:
            return f"stopped after {self.timeout:.0f} s"
        if self.returncode == 0:
            return None
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return f"exit {self.returncode}: {lines[-1] if lines else 'no message'}"


@dataclass
class Step:
    """One line of the steps table."""

    name: str
    seconds: float | None = None
    peak_mb: float | None = None
    note: str = ""
    cpu_s: float | None = None


@dataclass
class QueryTiming:
    """One bundled query: alone inside a process on the opened store, and through the CLI."""

    store_s: float | None = None  # as `csgraph query` answers: the saved answer when the build saved one
    computed_s: float | None = None  # the query computed on the store
    saved: bool = False
    cli_s: float | None = None
    cli_peak_mb: float | None = None
    rows: int | None = None
    note: str = ""


@dataclass
class SizeResult:
    fiches: int
    input_mb: float = 0.0
    triples: int | None = None
    persistent_store: bool = False
    open_store_s: float | None = None
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load when the size started and ended
    steps: list[Step] = field(default_factory=list)
    queries: dict[str, QueryTiming] = field(default_factory=dict)
    naive: dict[str, float] = field(default_factory=dict)

    def step(self, name: str) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)


def measure(command: Sequence[str], cwd: Path, timeout: float) -> Run:
    """Run a command alone: its wall and CPU time (`wait4`), and the most memory it and its workers held.

    Not `wait4`'s `ru_maxrss`: Linux gives a new program the high-water mark of the process that
    started it, so every command started after this script had generated 100k fiches in memory reported
    that script's 2.3 GB. The memory is sampled from /proc instead (MemorySampler).
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, stdout=stdout, stderr=stderr)
        sampler = MemorySampler(process.pid)
        waited: list[tuple[int, int, resource.struct_rusage]] = []
        waiter = threading.Thread(target=lambda: waited.append(os.wait4(process.pid, 0)))
        waiter.start()
        while waiter.is_alive() and time.perf_counter() - started < timeout:
            sampler.sample()
            waiter.join(SAMPLE_SECONDS)
        stopped = waiter.is_alive()
        if stopped:
            process.kill()
            waiter.join()
        seconds = time.perf_counter() - started
        _, status, usage = waited[0]
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        return Run(
            seconds,
            sampler.peak_mb,
            process.returncode,
            usage.ru_utime + usage.ru_stime,
            stdout.read().decode("utf-8", errors="replace"),
            stderr.read().decode("utf-8", errors="replace"),
            timeout if stopped else None,
        )


class MemorySampler:
    """The memory of a process and its descendants, read from /proc every SAMPLE_SECONDS.

    The peak is the larger of the most they held together in one sample, each page counted once (`Pss`:
    a worker forked from the command shares its pages, which `VmRSS` would count in both), and the
    highest high-water mark (`VmHWM`, exact for each process between samples) of any one of them.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kb = 0

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    def sample(self) -> None:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        tree, total = [self.root], 0
        while tree:
            pid = tree.pop()
            tree += children.get(pid, [])
            total += memory_figures(pid, "smaps_rollup").get("Pss", 0)
            self.peak_kb = max(self.peak_kb, memory_figures(pid, "status").get("VmHWM", 0))
        self.peak_kb = max(self.peak_kb, total)


def memory_figures(pid: int, name: str) -> dict[str, int]:
    """The kB figures of /proc/PID/status (VmHWM…) or smaps_rollup (Pss…); none for a process gone since."""
    try:
        lines = Path(f"/proc/{pid}/{name}").read_text().splitlines()
    except OSError:
        return {}
    return {
        key: int(value.split()[0])
        for key, _, value in (line.partition(":") for line in lines)
        if value.strip().endswith("kB")
    }


def has_command(*words: str) -> bool:
    return subprocess.run([*CSGRAPH, *words, "--help"], capture_output=True).returncode == 0


def benchmark_queries() -> dict[str, StoredQuery]:
    """The queries users get (`queries/*.rq`), plus the naive baseline's query for comparison."""
    queries = {query.name: query for query in bundled_queries()}
    return {**queries, NAIVE_QUERY: parse_query(KEYWORD_PARTNER, NAIVE_QUERY, "benchmarks/naive.py")}


def time_store_query(graph: Path, name: str) -> dict[str, float | int | bool]:
    """Answer one query as `csgraph query` does (the answer the build saved, if it saved one), then
    compute it on the opened store, without printing either."""
    query = benchmark_queries()[name]
    given = {parameter.name: PARAM_VALUES[parameter.name] for parameter in required(query)}
    values = parameter_values(query, given)
    started = time.perf_counter()
    saved = saved_answer(graph, with_values(query, values))
    answered = time.perf_counter()
    store = open_graph(graph)
    opened = time.perf_counter()
    results = select_oxigraph(store, query, values)
    computed = time.perf_counter() - opened
    return {
        "persistent": fresh_store(graph) is not None,
        "open_s": opened - answered,
        "answer_s": answered - started if saved is not None else computed,
        "saved": saved is not None,
        "query_s": computed,
        "rows": len(results.rows),
    }


def required(query: StoredQuery) -> list[Parameter]:
    return [parameter for parameter in query.parameters if parameter.required]


def run_queries(result: SizeResult, folder: Path, graph: Path, timeout: float) -> None:
    """Each query twice: alone on the store (the < 1 s goal), then as users run it, process start included."""
    cli = has_command("query")
    for name, query in benchmark_queries().items():
        timing = result.queries.setdefault(name, QueryTiming())
        missing = [parameter.name for parameter in required(query) if parameter.name not in PARAM_VALUES]
        if missing:
            timing.note = f"no benchmark value for {', '.join(missing)}"
            continue
        alone = measure([sys.executable, __file__, "--time-query", str(graph), name], folder, timeout)
        if alone.failure:
            timing.note = alone.failure
        else:
            figures = json.loads(alone.stdout)
            timing.store_s, timing.computed_s = figures["answer_s"], figures["query_s"]
            timing.rows, timing.saved = figures["rows"], figures["saved"]
            result.persistent_store = figures["persistent"]
            result.open_store_s = max(result.open_store_s or 0.0, figures["open_s"])
        if not cli or name == NAIVE_QUERY:
            continue
        params = [word for p in required(query) for word in ("--param", f"{p.name}={PARAM_VALUES[p.name]}")]
        done = measure([*CSGRAPH, "query", name, *params, "--format", "json"], folder, timeout)
        timing.cli_s, timing.cli_peak_mb = (None, None) if done.failure else (done.seconds, done.peak_mb)
        timing.note = "; ".join(filter(None, [timing.note, done.failure and f"CLI {done.failure}"]))


def run_size(fiches: int, work: Path, options: argparse.Namespace) -> SizeResult:
    result = SizeResult(fiches, load_average=(os.getloadavg()[0], 0.0))
    folder = work / f"{fiches}"
    shutil.rmtree(folder, ignore_errors=True)
    source = folder / "fiches"
    started = time.perf_counter()
    # In a process of its own: this one stays small, and the commands it starts inherit nothing of it.
    written = [str(HERE / "generate.py"), str(source), "--fiches", str(fiches), "--seed", str(options.seed)]
    subprocess.run([sys.executable, *written, "--per-file", str(options.per_file or fiches)], check=True)
    result.input_mb = sum(path.stat().st_size for path in source.glob("*.txt")) / 1e6
    result.steps.append(Step("generate fiches", time.perf_counter() - started, None, "not a goal"))
    graph = folder / "output" / "graph.ttl"

    build = measure([*CSGRAPH, "build", str(source), "--out", str(graph.parent)], folder, options.timeout)
    result.steps.append(Step("csgraph build", build.seconds, build.peak_mb, build.failure or "", build.cpu_s))
    if build.failure:
        return result
    counted = re.search(r"(\d+) triples", build.stdout)
    result.triples = int(counted.group(1)) if counted else None
    run_queries(result, folder, graph, options.query_timeout)
    commands = {
        "csgraph export": ["export", "--out", str(folder / "export")],
        "csgraph viz partnership": ["viz", "partnership", "--out", str(folder / "partnership.html")],
    }
    for name, words in commands.items():
        if not has_command(*words[:-2]):
            result.steps.append(Step(name, note="skipped: command not there yet"))
            continue
        done = measure([*CSGRAPH, *words], folder, options.timeout)
        result.steps.append(Step(name, done.seconds, done.peak_mb, done.failure or "", done.cpu_s))

    naive_step = "naive: regex + rdflib + turtle + query"
    if fiches > options.naive_max:
        result.steps.append(Step(naive_step, note=f"skipped above {options.naive_max:,} fiches"))
    else:
        command = [sys.executable, str(HERE / "naive.py"), str(source), str(folder / "naive.ttl")]
        naive = measure(command, folder, options.timeout)
        if naive.failure:
            result.steps.append(Step(naive_step, None, None, naive.failure))
        else:
            result.naive = json.loads(naive.stdout)
            note = (
                f"{result.naive['triples']:,} triples; parse+add {result.naive['parse_add_s']:.1f} s, "
                f"serialize {result.naive['serialize_s']:.1f} s, query {result.naive['query_s']:.2f} s"
            )
            result.steps.append(Step(naive_step, naive.seconds, naive.peak_mb, note, naive.cpu_s))
    shutil.rmtree(source, ignore_errors=True)
    result.load_average = (result.load_average[0], os.getloadavg()[0])
    return result


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    libraries = ", ".join(f"{name} {version(name)}" for name in LIBRARIES)
    git = ("git", "-C", str(HERE))
    commit = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    # RESULTS.md itself changes as the run writes it: not a change to what is measured.
    changed = [*git, "status", "--porcelain", "--", ":/", ":(exclude,top)benchmarks/RESULTS.md"]
    if subprocess.run(changed, capture_output=True, text=True).stdout.strip():
        commit += " with local changes"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores visible",
        f"- Memory: {memory_kb / 1024**2:.1f} GiB; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {libraries}",
        f"- csgraph at commit {commit or 'unknown'}",
    ]


def seconds(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def megabytes(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def goals(results: list[SizeResult]) -> list[str]:
    """The targets of issue 19, checked against whatever sizes were run."""
    by_size = {result.fiches: result for result in results}
    lines = []

    def check(ok: bool | None, text: str) -> None:
        mark = "not measured" if ok is None else ("met" if ok else "**missed**")
        lines.append(f"- {text}: {mark}")

    def build(size: int) -> Step:
        found = by_size[size].step("csgraph build") if size in by_size else None
        return found if found and found.seconds and not found.note else Step("csgraph build")

    ten, hundred = build(10_000), build(100_000)
    naive = by_size[10_000].naive if 10_000 in by_size else {}
    check(
        ten.seconds <= 3 if ten.seconds else None,
        f"10k build ≤ 3 s ({seconds(ten.seconds)} s wall, {seconds(ten.cpu_s)} s CPU)",
    )
    if ten.seconds and naive:
        naive_seconds = naive["parse_add_s"] + naive["serialize_s"]
        ratio = ten.seconds / naive_seconds
        check(
            ratio <= 0.2,
            f"10k build ≤ 0.2× naive parse + add + serialize ({ratio:.2f}×: {ten.seconds:.1f} s against "
            f"{naive_seconds:.1f} s)",
        )
    else:
        check(None, "10k build ≤ 0.2× naive")
    check(
        hundred.seconds <= 30 if hundred.seconds else None,
        f"100k build ≤ 30 s ({seconds(hundred.seconds)} s wall, {seconds(hundred.cpu_s)} s CPU)",
    )
    check(
        hundred.peak_mb < 2048 if hundred.peak_mb else None,
        f"100k build peak < 2 GB ({megabytes(hundred.peak_mb)} MB)",
    )
    for result in results:
        built, exported = result.step("csgraph build"), result.step("csgraph export")
        if built and exported and built.seconds and exported.seconds:
            check(
                exported.seconds <= built.seconds,
                f"{result.fiches:,} fiches: export no slower than its build ({exported.seconds:.1f} s, "
                f"{built.seconds:.1f} s)",
            )
        timed = {
            name: timing
            for name, timing in result.queries.items()
            if name != NAIVE_QUERY and (timing.store_s is not None or timing.note)
        }
        slow = sorted(name for name, timing in timed.items() if timing.store_s is None or timing.store_s >= 1)
        check(
            not slow if timed else None,
            f"{result.fiches:,} fiches: every bundled query < 1 s from the persistent store"
            + (f" (over: {', '.join(slow)})" if slow else ""),
        )
        clis = {name: timing.cli_s for name, timing in timed.items() if timing.cli_s is not None}
        slow_cli = sorted(name for name, cli_s in clis.items() if cli_s >= 1.5)
        check(
            not slow_cli if clis else None,
            f"{result.fiches:,} fiches: every bundled query < 1.5 s through the CLI, start included"
            + (f" (over: {', '.join(slow_cli)})" if slow_cli else f" (slowest {max(clis.values()):.2f} s)"),
        )
        if built and built.seconds and built.cpu_s:
            lines.append(
                f"- {result.fiches:,} fiches: the build's CPU time over its wall time "
                f"{built.cpu_s / built.seconds:.2f} (2.00 is both cores busy throughout)"
            )
    exported = by_size[100_000].step("csgraph export") if 100_000 in by_size else None
    check(
        exported.peak_mb <= 1024 if exported and exported.peak_mb else None,
        f"100k export peak ≤ 1 GB ({megabytes(exported.peak_mb if exported else None)} MB)",
    )
    if ten.seconds and hundred.seconds:
        exponent = math.log(hundred.seconds / ten.seconds) / math.log(10)
        lines.append(f"- growth exponent of build time, 10k → 100k: {exponent:.2f} (1.00 is linear)")
    return lines


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table, figures right-aligned."""
    rule = ["---" if index == 0 or index == len(head) - 1 else "---:" for index in range(len(head))]
    return [f"| {' | '.join(row)} |" for row in (head, rule, *rows)]


def size_notes(notes: list[tuple[str, str]], sizes: int) -> str:
    """`10k: …; 100k: …`, or the note alone when every size says the same."""
    if len(notes) == sizes and len({note for _, note in notes}) == 1:
        return notes[0][1]
    return "; ".join(f"{size}: {note}" for size, note in notes)


def report(results: list[SizeResult]) -> str:
    sizes = [
        f"{result.fiches // 1000}k" if result.fiches % 1000 == 0 else str(result.fiches) for result in results
    ]
    step_names = list(dict.fromkeys(step.name for result in results for step in result.steps))
    step_rows = []
    for name in step_names:
        cells: list[str] = []
        notes: list[tuple[str, str]] = []
        for size, result in zip(sizes, results, strict=True):
            step = result.step(name) or Step(name)
            cells += [seconds(step.seconds), seconds(step.cpu_s), megabytes(step.peak_mb)]
            if step.note:
                notes.append((size, step.note))
        step_rows.append([name, *cells, size_notes(notes, len(results))])
    query_names = list(dict.fromkeys(name for result in results for name in result.queries))
    query_rows = []
    for name in query_names:
        cells: list[str] = []
        notes: list[tuple[str, str]] = []
        for size, result in zip(sizes, results, strict=True):
            timing = result.queries.get(name, QueryTiming())
            answered = seconds(timing.store_s, 3) + (" (saved)" if timing.saved else "")
            cells += [answered, seconds(timing.computed_s, 3), seconds(timing.cli_s)]
            if timing.note:
                notes.append((size, timing.note))
        query_rows.append([name, *cells, size_notes(notes, len(results))])
    described = [
        f"{size} = {result.input_mb:,.0f} MB of fiche text → {result.triples or 0:,} triples"
        for size, result in zip(sizes, results, strict=True)
    ]
    opened = ", ".join(
        f"{size} {seconds(result.open_store_s, 3)} s" for size, result in zip(sizes, results, strict=True)
    )
    cli_peak = max((t.cli_peak_mb or 0 for r in results for t in r.queries.values()), default=0)
    return "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `python benchmarks/run.py` (see benchmarks/README.md); synthetic fiches from",
            "`benchmarks/generate.py`, seed 1. Figures from one run on a shared machine: expect ±20 %.",
            "",
            "## Machine",
            *machine(),
            "- 1-minute load average when each size started → ended (above 0 means other work shared the"
            " cores): "
            + ", ".join(
                f"{size} {r.load_average[0]:.1f} → {r.load_average[1]:.1f}"
                for size, r in zip(sizes, results, strict=True)
            ),
            "",
            "## Goals",
            *goals(results),
            "",
            "## Steps",
            f"Sizes: {'; '.join(described)}.",
            "Wall time of each command in a fresh process (interpreter start included), its CPU time (user +",
            "system, with the workers it waited for: above the wall time when both cores worked) and",
            "the most memory that process and its workers held at once (shared pages counted once),"
            " sampled every 50 ms from /proc.",
            "",
            *table(
                ["step", *[f"{size} {unit}" for size in sizes for unit in ("s", "CPU s", "MB")], "notes"],
                step_rows,
            ),
            "",
            "## Queries",
            "`store s`: the answer as `csgraph query` gives it, every row read, in a process of its own:"
            " the answer the build",
            "saved beside the store where it saved one (`(saved)`, big graphs only), else the query computed"
            " on the store.",
            "`computed s`: the query computed on the opened persistent store, whatever was saved"
            f" (persistent store: {'yes' if all(r.persistent_store for r in results) else 'no'};"
            f" opening it took {opened}).",
            "`CLI s`: `csgraph query NAME --format json` as users run it, interpreter start included"
            f" (peak at most {cli_peak:,.0f} MB).",
            "",
            *table(
                [
                    "query",
                    *[f"{size} {unit}" for size in sizes for unit in ("store s", "computed s", "CLI s")],
                    "notes",
                ],
                query_rows,
            ),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--naive-max", type=int, default=10_000, help="skip the naive baseline above this size"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--per-file", type=int, default=0, help="fiches per generated file (default: each size in one file)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a step is stopped")
    parser.add_argument("--query-timeout", type=float, default=120, help="seconds before a query is stopped")
    parser.add_argument(
        "--work", type=Path, default=HERE / "scratch", help="scratch folder, kept for inspection"
    )
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--time-query", nargs=2, metavar=("GRAPH", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_query:
        print(json.dumps(time_store_query(Path(args.time_query[0]), args.time_query[1])))
        return
    from csgraph.writing import write_text

    results = []
    for size in args.sizes:
        print(f"{size:,} fiches…", file=sys.stderr, flush=True)
        results.append(run_size(size, args.work, args))
        write_text(args.work / "results.json", json.dumps([asdict(r) for r in results], indent=1) + "\n")
        write_text(args.results, report(results))
    print(f"wrote {args.results}", file=sys.stderr)


if __name__ == "__main__":
    main()
