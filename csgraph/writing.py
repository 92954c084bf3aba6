"""Writing outputs: atomically, every byte or an error naming the file, and standard output likewise.

Data goes to a temporary file beside the target, is flushed to disk, then renamed over
it in one step; an interrupted run (Ctrl-C, SIGTERM, a crash) leaves the previous file.
A write the disk refuses (full, quota, too large) names the file the user asked for, or `<stdout>`.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

STDOUT = "<stdout>"  # how messages name standard output, as Python names it


def named(error: OSError, name: str) -> OSError:
    """The same error naming `name`, unless it names a file already (a BrokenPipeError stays one)."""
    if error.filename is not None or error.errno is None:
        return error
    return OSError(error.errno, error.strerror, name)


class NamedWriter(io.BufferedWriter):
    """A temporary file whose failed writes name the file the user asked for, not the temporary name."""

    def __init__(self, raw: io.FileIO, target: str) -> None:
        super().__init__(raw)
        self.target = target

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return super().write(data)
        except OSError as error:
            raise named(error, self.target) from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as error:
            raise named(error, self.target) from None


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file for writing; on success it replaces `path`, on failure it vanishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:  # name the file the user asked for, not a temporary name
        raise named(error, str(path)) from None
    try:
        os.chmod(temporary, 0o666 & ~current_umask())
        with NamedWriter(io.FileIO(handle, "wb"), str(path)) as stream:
            yield stream
            stream.flush()
            try:
                os.fsync(stream.fileno())
            except OSError as error:
                raise named(error, str(path)) from None
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


def write_all(stream: IO[bytes], data: bytes) -> None:
    """Every byte of `data`: an unbuffered stream may take part of it (a disk filling up), then refuse."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if not written:
            raise OSError(errno.EAGAIN, "the output took no bytes")
        view = view[written:]


class StandardOutput:
    """The process's standard output, looked up at each write (tests swap it), that writes all or fails.

    Under PYTHONUNBUFFERED, set in many containers, Python's text stdout drops whatever a short write to a
    full disk left over, with no error: a query answer ends cut at the size the disk had left and the
    command exits 0. Here the bytes are written until none are left, so the disk's refusal is raised, and
    every failure names `<stdout>`.
    """

    def write(self, text: str) -> int:
        stream = sys.stdout
        try:
            stream.flush()
            buffer = getattr(stream, "buffer", None)
            if buffer is None:
                stream.write(text)
            else:
                write_all(buffer, text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
        except OSError as error:
            raise named(error, STDOUT) from None
        return len(text)

    def flush(self) -> None:
        """Bytes still buffered are written now, so that a full disk is reported before the command ends."""
        try:
            sys.stdout.flush()
        except OSError as error:
            raise named(error, STDOUT) from None

    def __getattr__(self, name: str) -> object:
        return getattr(sys.stdout, name)
