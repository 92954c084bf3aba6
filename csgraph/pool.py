"""Per-file work on every core, the results handed back in file order.

Reading and mapping a file of fiches is pure Python and independent of the other files, so big
inputs are spread over worker processes; results come back in input order whatever the number
of workers, which keeps outputs byte-identical. At most two files per worker are in flight, so
memory holds a few files' results, not the input.

Each worker has a pipe of its own, and item `i` goes to worker `i % workers`. A worker killed while
it sends (SIGTERM to the process group) then ends its own pipe and nothing else: with one result
pipe shared by all workers, as `concurrent.futures` has, the half-sent message left the build
waiting for the rest forever.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TypeVar

from csgraph.errors import CsgraphError

Item = TypeVar("Item")
Result = TypeVar("Result")
IN_FLIGHT_PER_WORKER = 2


def start_worker() -> None:
    """Workers leave Ctrl-C to the main process, which stops them and reports once.

    SIGTERM gets its default back: a forked worker would otherwise inherit the command's handler and,
    killed with its process group while idle, print a traceback of its own. And a worker whose build
    was killed outright (SIGKILL, out of memory) would wait for work forever: it leaves with its parent.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()


def exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def serve(work: Callable[[Item], Iterable[Result]], connection: Connection) -> None:
    """A worker: items in, each one's results (or its exception) out, until told to stop."""
    start_worker()
    while (item := connection.recv()) is not None:
        try:
            outcome: tuple[bool, object] = (True, list(work(item)))
        except Exception as error:  # raised again in the main process, as if the work ran there
            outcome = (False, error)
        connection.send(outcome)


def in_order(
    work: Callable[[Item], Iterable[Result]], items: Sequence[Item], workers: int = 1, apart: bool = False
) -> Iterator[Result]:
    """Everything `work(item)` yields, item after item; in `workers` processes when there is more than one.

    With one worker the results stream (memory holds one fiche, however big the file); in worker
    processes each item's results travel back as one list. `work` must be a module-level function. One
    item is worked on here, unless `apart`: then in a process of its own, while a thread of the caller's
    does something else.
    """
    if not apart and (workers <= 1 or len(items) < 2):
        for item in items:
            yield from work(item)
        return
    workers = min(workers, len(items))
    context = multiprocessing.get_context()
    pipes: list[Connection] = []
    processes: list[BaseProcess] = []
    finished = False
    try:
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=serve, args=(work, theirs), daemon=True)
            process.start()
            theirs.close()  # the worker's end lives in that worker only: its death is our end of file
            pipes.append(ours)
            processes.append(process)
        ahead = min(len(items), IN_FLIGHT_PER_WORKER * workers)
        for index in range(ahead):
            dispatch(pipes[index % workers], processes[index % workers], items[index])
        for index in range(len(items)):
            pipe, process = pipes[index % workers], processes[index % workers]
            results = receive(pipe, process)
            if ahead < len(items):  # to the worker just heard from: `ahead % workers == index % workers`
                dispatch(pipe, process, items[ahead])
                ahead += 1
            elif index + workers >= len(items):
                # Its last item: it stops now and gives its memory back, rather than idling until the
                # others end (a national build's answers worker held 400 MB while the similar index grew).
                # A stop, not the end of the pipe: workers forked later hold copies of our ends.
                with contextlib.suppress(OSError):  # a worker gone after its last result has nothing to lose
                    pipe.send(None)
            yield from results
        finished = True
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            if not finished:
                process.terminate()
            process.join()


def stopped(process: BaseProcess) -> CsgraphError:
    process.join(timeout=5)  # its end of the pipe is closed: it has ended, or is ending
    return CsgraphError(f"a worker process stopped (exit code {process.exitcode}); nothing was written")


def dispatch(pipe: Connection, process: BaseProcess, item: object) -> None:
    """Not a bare BrokenPipeError, which the command takes for a reader that closed its output."""
    try:
        pipe.send(item)
    except OSError:
        raise stopped(process) from None


def receive(pipe: Connection, process: BaseProcess) -> list[Result]:
    try:
        succeeded, outcome = pipe.recv()
    except (EOFError, OSError):
        raise stopped(process) from None
    if not succeeded:
        assert isinstance(outcome, BaseException)
        raise outcome
    return outcome  # type: ignore[no-any-return]
