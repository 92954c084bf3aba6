"""Atomic file writes: a half-written output never replaces a good one.

Data goes to a temporary file beside the target, is flushed to disk, then renamed over
it in one step; an interrupted run (Ctrl-C, SIGTERM, a crash) leaves the previous file.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file for writing; on success it replaces `path`, on failure it vanishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:  # name the file the user asked for, not a temporary name
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        os.chmod(temporary, 0o666 & ~current_umask())
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def remove_dead_temporaries(folder: Path, name: str) -> None:
    """Temporary files of `name` left by writers killed outright (SIGKILL, a power cut).

    A streamed graph.ttl can weigh gigabytes; each temporary name carries its writer's pid, so the files
    of a writer still at work are kept.
    """
    for temporary in folder.glob(f".{glob.escape(name)}.*.tmp"):
        owner = temporary.name[len(name) + 2 :].split(".", 1)[0]
        if owner.isdigit() and not process_running(int(owner)):
            temporary.unlink(missing_ok=True)


def process_running(pid: int) -> bool:
    """Whether another process with this pid lives (our own pid, reused, is a dead writer's)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def current_umask() -> int:
    """mkstemp makes private files; outputs get the usual permissions instead."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_write(path) as stream:
        stream.write(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
