"""SPARQL answered in worker processes, so that a query over its time limit can really be stopped.

Oxigraph cannot cancel a query running in a thread: a runaway cross product would hold a core (and its
memory) until it ends, whatever the HTTP side does. Each worker is a process of its own that opens the
store read-only; a query over its time limit gets its worker killed (SIGKILL, then reaped) and a fresh
worker started in the background. Workers are new interpreters (`python -m csgraph.site.workers`), not
forks: a fork of the server would copy its open store, its event loop and its threads, and
multiprocessing's spawn would run the server's main script again in every worker.

Work travels as a module-level function and its arguments (pickled by reference); the function gets the
worker's store first. Measured on the sample (2 cores, a one-row SELECT serialised as JSON): 0.31 ms
through a worker against 0.14 ms in the server process (medians); a whole HTTP request to /sparql took
2.6 ms against 2.1 ms for the home page.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from csgraph.errors import CsgraphError
from csgraph.pool import start_worker
from csgraph.store import open_graph

STOP_GRACE_SECONDS = 5.0  # how long a killed worker is waited for before it is left to the system


class QueryTimeout(CsgraphError):
    """A query ran past its time limit (its worker was killed), or no worker was free in that time."""

    def __init__(self, seconds: float, busy: bool = False) -> None:
        super().__init__(
            f"no query worker was free within {seconds:g} s" if busy else f"stopped after {seconds:g} s"
        )
        self.seconds = seconds
        self.busy = busy


class WorkerStopped(CsgraphError):
    """A worker ended while it answered (killed from outside, out of memory)."""


def serve(graph: Path, connection: Connection) -> None:
    """A worker: opens the store, says so, then runs the work it is sent until its pipe closes."""
    start_worker()
    try:
        store = open_graph(graph)
    except CsgraphError as error:
        connection.send((False, error))
        return
    connection.send((True, os.getpid()))
    while True:
        try:
            function, arguments = connection.recv()
        except EOFError:
            return
        try:
            outcome: tuple[bool, object] = (True, function(store, *arguments))
        except Exception as error:  # raised again in the server, as if the work ran there
            outcome = (False, error)
        try:
            connection.send(outcome)
        except Exception as error:  # an answer or an error that cannot be pickled
            connection.send((False, CsgraphError(f"the answer could not be sent back: {error}")))


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], connection: Connection) -> None:
        self.process = process
        self.connection = connection

    def stop(self) -> None:
        """Killed, not asked: a worker deep in a query reads no message."""
        self.connection.close()
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_GRACE_SECONDS)


class QueryWorkers:
    """A few worker processes over one graph; `run` hands work to an idle one and waits at most `timeout`."""

    def __init__(self, graph: Path, size: int) -> None:
        self.graph = graph
        self.idle: queue.Queue[Worker | CsgraphError] = queue.Queue()
        self.workers: set[Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(size):
            self._start_later()

    def _start_later(self) -> None:
        threading.Thread(target=self._start, daemon=True).start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            command = [sys.executable, "-m", __name__, str(self.graph), str(theirs.fileno())]
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),))
        worker = Worker(process, Connection(ours.detach()))
        try:
            ready, outcome = worker.connection.recv()
        except (EOFError, OSError):
            ready, outcome = (
                False,
                WorkerStopped(f"a query worker stopped at start (exit code {process.poll()})"),
            )
        with self.lock:
            if ready and not self.closed:
                self.workers.add(worker)
        if not ready:  # the store cannot be opened: every request hears why, instead of waiting
            worker.stop()
            self.idle.put(outcome)
        elif self.closed:
            worker.stop()
        else:
            self.idle.put(worker)

    def run(self, function: Callable[..., Any], *arguments: object, timeout: float) -> Any:
        """`function(store, *arguments)` in a worker; QueryTimeout once `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        worker = self._idle_worker(timeout)
        try:
            worker.connection.send((function, arguments))
            answered = worker.connection.poll(max(0.0, deadline - time.monotonic()))
            succeeded, outcome = worker.connection.recv() if answered else (None, None)
        except (EOFError, OSError):
            self._replace(worker)
            raise WorkerStopped(
                f"a query worker stopped while answering (exit code {worker.process.poll()})"
            ) from None
        if not answered:
            self._replace(worker)
            raise QueryTimeout(timeout)
        self.idle.put(worker)
        if not succeeded:
            assert isinstance(outcome, BaseException)
            raise outcome
        return outcome

    def _idle_worker(self, timeout: float) -> Worker:
        try:
            worker = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(timeout, busy=True) from None
        if isinstance(worker, CsgraphError):
            self.idle.put(worker)
            raise worker
        return worker

    def _replace(self, worker: Worker) -> None:
        with self.lock:
            self.workers.discard(worker)
        worker.stop()
        if not self.closed:
            self._start_later()

    def pids(self) -> set[int]:
        """The live workers' process ids (idle or busy), for tests and diagnostics."""
        with self.lock:
            return {worker.process.pid for worker in self.workers}

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers, self.workers = self.workers, set()
        for worker in workers:
            worker.stop()


def default_size() -> int:
    """Two workers at least, so one runaway query never makes the endpoint wait; at most four."""
    return max(2, min(4, os.cpu_count() or 1))


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Connection(int(sys.argv[2])))
