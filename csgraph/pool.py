"""Per-file work on every core, the results handed back in file order.

Reading and mapping a file of fiches is pure Python and independent of the other files, so big
inputs are spread over worker processes; results come back in input order whatever the number
of workers, which keeps outputs byte-identical. At most two files per worker are in flight, so
memory holds a few files' results, not the input.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


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


def collected(work: Callable[[Item], Iterable[Result]], item: Item) -> list[Result]:
    return list(work(item))


def in_order(
    work: Callable[[Item], Iterable[Result]], items: Sequence[Item], workers: int = 1
) -> Iterator[Result]:
    """Everything `work(item)` yields, item after item; in `workers` processes when there is more than one.

    With one worker the results stream (memory holds one fiche, however big the file); in worker
    processes each item's results travel back as one list. `work` must be a module-level function.
    """
    if workers <= 1 or len(items) < 2:
        for item in items:
            yield from work(item)
        return
    pool = ProcessPoolExecutor(workers, initializer=start_worker)
    try:
        pending: deque[Future[list[Result]]] = deque()
        for item in items:
            pending.append(pool.submit(collected, work, item))
            if len(pending) > 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)
