"""Worker processes: results in input order, and a dead worker reported as such."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from csgraph.errors import CsgraphError
from csgraph.pool import dispatch, in_order


def squares_up_to(number: int) -> list[int]:
    if number == 13:
        raise ValueError("thirteen")
    return [square * square for square in range(number)]


def test_results_come_back_in_input_order_whatever_the_workers() -> None:
    items = [5, 0, 9, 1, 7, 3, 8]
    serial = list(in_order(squares_up_to, items, workers=1))
    assert list(in_order(squares_up_to, items, workers=3)) == serial
    assert len(serial) == sum(items)


def test_an_error_in_a_worker_is_raised_in_the_main_process() -> None:
    with pytest.raises(ValueError, match="thirteen"):
        list(in_order(squares_up_to, [2, 13, 4], workers=2))


def test_sending_to_a_dead_worker_is_a_worker_error_not_a_broken_pipe() -> None:
    """The command reads a bare BrokenPipeError as a closed reader, and would exit 0."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context().Process(target=sys.exit, args=(7,))
    process.start()
    process.join()
    theirs.close()
    with pytest.raises(CsgraphError, match=r"a worker process stopped \(exit code 7\)"):
        for _ in range(64):  # the first sends may still fit in the socket's buffer
            dispatch(ours, process, b"x" * 65536)


def pid_after(release: str) -> list[int]:
    """This worker's pid, once `release` exists (at once for an empty path)."""
    while release and not Path(release).exists():
        time.sleep(0.01)
    return [os.getpid()]


def ended(pid: int) -> bool:
    """Gone, or a zombie waiting for the join that ends the pool."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads process states from /proc")
def test_a_worker_with_nothing_left_to_do_stops_while_another_works(tmp_path: Path) -> None:
    """A national build's answers worker held 400 MB idle until the similar index ended beside it."""
    release = tmp_path / "release"
    results = in_order(pid_after, ["", str(release)], workers=2)
    first = next(results)
    deadline = time.monotonic() + 10
    while not ended(first) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ended(first), "the worker that had nothing left to do is still running"
    release.touch()
    second = next(results)
    assert second != first and list(results) == []
