"""An interrupted build leaves the previous outputs intact and usable.

A real `csgraph build` of a ~20 MB generated export runs in its own process and is stopped while it
works (Ctrl-C, SIGTERM, Ctrl-C to the whole process group, SIGKILL); then graph.ttl must be byte for
byte what it was, the store must open and answer, and no scratch file may stay behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgraph import indexes as indexes_module
from csgraph import store as store_module
from csgraph.build import FACTS_PREFIX, LOCK_FILE, build
from csgraph.cli import app
from csgraph.store import STAMP_FILE, STORE_DIR, fresh_store, open_graph
from csgraph.writing import atomic_write

from .conftest import FIXTURES, SAMPLE

OUTPUTS = {"graph.ttl", STAMP_FILE, STORE_DIR, LOCK_FILE}
LEFTOVERS = (".graph.ttl.*.tmp", ".store-building-*", ".graph.ttl.body", "store.old", ".store.json.*.tmp")
INTERRUPTED = "interrompu ; les sorties précédentes sont restées telles quelles"
SAMPLE_ACTIONS = 25


@dataclass(frozen=True)
class Previous:
    """A good build in `out`, as it was before anything else ran there."""

    out: Path
    graph: bytes
    stamp: bytes


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample repeated with new titles, ~20 MB in 8 files (so that worker processes are used too)."""
    text = SAMPLE.read_text(encoding="utf-8")
    title = re.compile(r'^Actions "(.*)"$', re.MULTILINE)
    folder = tmp_path_factory.mktemp("big")
    for part in range(8):
        copies = [title.sub(lambda m: f'Actions "{m.group(1)} {part}-{n}"', text) for n in range(23)]  # noqa: B023
        (folder / f"part-{part}.txt").write_text("\n".join(copies) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def previous(tmp_path: Path) -> Previous:
    out = tmp_path / "out"
    build([SAMPLE], out)
    return Previous(out, (out / "graph.ttl").read_bytes(), (out / STAMP_FILE).read_bytes())


def assert_intact(previous: Previous, leftovers_allowed: bool = False) -> None:
    out = previous.out
    assert (out / "graph.ttl").read_bytes() == previous.graph
    assert (out / STAMP_FILE).read_bytes() == previous.stamp
    assert fresh_store(out / "graph.ttl") == out / STORE_DIR, "the store still matches graph.ttl"
    store = open_graph(out / "graph.ttl")
    query = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/csgraph/ontology#Action> }"
    assert int(next(iter(store.query(query)))["n"].value) == SAMPLE_ACTIONS
    if not leftovers_allowed:
        assert {path.name for path in out.iterdir()} == OUTPUTS
        assert [name for pattern in LEFTOVERS for name in out.glob(pattern)] == []


def with_default_ctrl_c() -> None:
    """A parent that ignores SIGINT (a background CI job) would pass that on; a terminal would not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_build(source: Path, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "csgraph", "build", str(source), "--out", str(out)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job has
        preexec_fn=with_default_ctrl_c,
    )


def wait_until_working(process: subprocess.Popen[str], out: Path) -> None:
    """The scratch store appears once the build is reading and mapping: then it is mid-work."""
    deadline = time.monotonic() + 60
    while not list(out.glob(".store-building-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never started"
        time.sleep(0.02)
    time.sleep(0.5)


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line holds `text` (worker processes carry their parent's)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next(
                line for line in (entry / "status").read_text().splitlines() if line.startswith("State")
            )
        except (OSError, StopIteration):
            continue
        if text in command and "zombie" not in state:
            found.append(int(entry.name))
    return found


def assert_no_process_left(out: Path) -> None:
    if not Path("/proc/self/cmdline").exists():
        return
    deadline = time.monotonic() + 10
    while processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(out)) == []


@pytest.mark.parametrize(
    ("signal_name", "whole_group"),
    [("SIGINT", False), ("SIGTERM", False), ("SIGINT", True), ("SIGTERM", True)],
    ids=["ctrl-c", "sigterm", "ctrl-c-to-group", "sigterm-to-group"],
)
def test_interrupted_build_keeps_previous_outputs(
    big_input: Path, previous: Previous, signal_name: str, whole_group: bool
) -> None:
    process = start_build(big_input, previous.out)
    wait_until_working(process, previous.out)
    number = getattr(signal, signal_name)
    if whole_group:
        os.killpg(process.pid, number)
    else:
        process.send_signal(number)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip() == INTERRUPTED, stderr
    assert "fiches →" not in stdout, "the build finished before the signal: nothing was tested"
    assert_intact(previous)
    assert_no_process_left(previous.out)


def children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(word) for word in children.read_text().split()] if children.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find worker processes")
def test_a_killed_worker_fails_the_build_on_one_line(big_input: Path, previous: Previous) -> None:
    """A worker killed on its own (out of memory): the build stops with a message, it does not hang."""
    process = start_build(big_input, previous.out)
    wait_until_working(process, previous.out)
    workers = children_of(process.pid)
    assert workers, "the build runs worker processes on this input"
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=60)
    assert "fiches →" not in stdout, "the build finished before the kill: nothing was tested"
    assert process.returncode == 3, stderr
    assert stderr.strip() == "erreur : a worker process stopped (exit code -9); nothing was written", stderr
    assert_intact(previous)
    assert_no_process_left(previous.out)


@pytest.mark.parametrize("whole_group", [True, False], ids=["group", "main-process-only"])
def test_killed_build_keeps_previous_outputs_and_the_next_build_cleans_up(
    big_input: Path, previous: Previous, whole_group: bool
) -> None:
    """SIGKILL cannot be caught: the atomic renames protect, worker processes leave with their parent,
    and the next build sweeps the scratch store."""
    process = start_build(big_input, previous.out)
    wait_until_working(process, previous.out)
    if whole_group:
        os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.communicate(timeout=60)  # orphaned workers would hold the pipes open
    assert process.returncode == -signal.SIGKILL
    assert_intact(previous, leftovers_allowed=True)
    assert list(previous.out.glob(".store-building-*")), "a scratch store was left to sweep"
    assert_no_process_left(previous.out)
    build([SAMPLE], previous.out)
    assert (previous.out / "graph.ttl").read_bytes() == previous.graph
    assert {path.name for path in previous.out.iterdir()} == OUTPUTS


def test_interrupt_while_writing_graph_ttl(previous: Previous, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in the middle of the final write: half a file was written, none of it replaces graph.ttl."""
    real_exit = store_module.StoreLoader.__exit__

    def exit_then_interrupt(loader: store_module.StoreLoader, *exception: object) -> None:
        real_exit(loader, *exception)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module.StoreLoader, "__exit__", exit_then_interrupt)
    result = CliRunner().invoke(
        app, ["build", str(FIXTURES / "listing_layout.txt"), "--out", str(previous.out)]
    )
    assert result.exit_code == 130
    assert result.stderr.strip() == INTERRUPTED
    assert_intact(previous)


def test_interrupt_while_swapping_the_store(previous: Previous, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the Turtle, before the store: the new graph.ttl stands and the old store is not used for it."""

    def interrupt(*arguments: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "replace_directory", interrupt)
    result = CliRunner().invoke(
        app, ["build", str(FIXTURES / "listing_layout.txt"), "--out", str(previous.out)]
    )
    assert result.exit_code == 130
    graph = previous.out / "graph.ttl"
    assert graph.read_bytes() != previous.graph
    assert fresh_store(graph) is None, "a store made for the previous graph must not answer for this one"
    query = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/csgraph/ontology#Action> }"
    assert int(next(iter(open_graph(graph).query(query)))["n"].value) == 2
    assert [name for pattern in LEFTOVERS for name in previous.out.glob(pattern)] == []


def test_interrupt_while_the_indexes_are_made(previous: Previous, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C once every fiche is read, while the site's indexes are made and the store compacted: they
    come before graph.ttl and the store are put in place, so the previous outputs stand, and neither
    the actions' facts nor a scratch store or index is left."""

    def interrupt(task: object) -> Iterator[None]:
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(indexes_module, "make", interrupt)
    result = CliRunner().invoke(app, ["build", str(SAMPLE), "--out", str(previous.out)])
    assert result.exit_code == 130
    assert result.stderr.strip() == INTERRUPTED
    assert_intact(previous)
    assert not list(previous.out.glob(f"{FACTS_PREFIX}*"))


def test_atomic_write_leaves_the_old_file_on_any_failure(tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"good\n")
    for failure in (KeyboardInterrupt, OSError, ValueError):
        with pytest.raises(failure), atomic_write(target) as stream:
            stream.write(b"half a fi")
            raise failure
        assert target.read_bytes() == b"good\n"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.ttl"]
    with atomic_write(target) as stream:
        stream.write(b"new\n")
    assert target.read_bytes() == b"new\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ctrl_c_while_the_command_starts_is_quiet(tmp_path: Path) -> None:
    """Ctrl-C while the command's modules are still being imported: one line, exit 130, no traceback."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    interpreter = time.monotonic() - started  # Python's own start-up on this machine
    process = start_build(SAMPLE, tmp_path / "out")
    time.sleep(interpreter + 0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr, stdout) == (130, "interrupted\n", "")
    assert not (tmp_path / "out").exists()
