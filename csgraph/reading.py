"""Find input files and turn their bytes into numbered text lines.

Real SENACS exports come as UTF-8 with or without BOM, UTF-16, Windows-1252, or a mix of
lines in several encodings, even within one line (text pasted from another file); some are cut
in the middle of a character. Every oddity is repaired where the text is still readable and
reported as a Notice naming file and line.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from csgraph.errors import InputError
from csgraph.model import Notice

SNIFF_BYTES = 8192
BLOCK_BYTES = 1 << 20
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
REPLACEMENT = "\ufffd"
LEGACY = "csgraph-windows-1252"  # the decoding error handler below


def windows_1252(error: UnicodeError) -> tuple[str, int]:
    """The bytes UTF-8 cannot decode, read as Windows-1252; the decoder then goes on in UTF-8.

    So a line holding both (`préparés` in UTF-8, `différents` in Windows-1252) reads right throughout,
    where decoding it whole as Windows-1252 gave `prÃ©parÃ©s`.
    """
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error(LEGACY, windows_1252)


@dataclass(frozen=True)
class InputFile:
    """A file to read and the name it carries in outputs (stable whatever the working directory)."""

    path: Path
    name: str


@dataclass(frozen=True)
class Span:
    """A stretch of a plain (not UTF-16) file, from a line start: one worker's share of a big file.

    `first_line` lines come before it; only the last span of a file sees the file's end.
    """

    start: int  # byte offsets
    end: int
    first_line: int
    last: bool


def find_input_files(paths: Sequence[Path], notices: list[Notice]) -> list[InputFile]:
    """Expand directories recursively to their `*.txt` files, in a stable order.

    Names are relative to the parent of the directory the user named, so that
    `build data/` records `data/x.txt` from any working directory. Symlinked
    directories are not followed (no loops); unreadable entries, folders included,
    become notices.
    """
    found: list[InputFile] = []
    for path in paths:
        if path.is_dir():
            found.extend(walk_text_files(path, notices))
        elif path.exists():
            found.append(InputFile(path, display_name(path.name)))
        elif path.is_symlink():
            notices.append(Notice(display_name(path.name), 0, "broken symbolic link, skipped"))
        else:
            raise InputError("no such file or directory", str(path))
    readable = []
    for entry in found:
        if entry.path.is_file() and os.access(entry.path, os.R_OK):
            readable.append(entry)
        else:
            notices.append(Notice(entry.name, 0, "not a readable file, skipped"))
    return readable


def walk_text_files(folder: Path, notices: list[Notice]) -> Iterator[InputFile]:
    """The `*.txt` files under `folder`, sorted; a sub-folder that cannot be listed is a notice, not a gap."""

    def unlisted(error: OSError) -> None:
        name = display_name(Path(error.filename).relative_to(folder.parent).as_posix())
        notices.append(Notice(name, 0, f"folder cannot be read, skipped: {error.strerror}"))

    for root, dirs, files in os.walk(folder, onerror=unlisted):
        dirs.sort()
        for file_name in sorted(files):
            if file_name.lower().endswith(".txt"):
                file_path = Path(root) / file_name
                yield InputFile(file_path, display_name(file_path.relative_to(folder.parent).as_posix()))


def display_name(name: str) -> str:
    """A file name that can be printed and written as UTF-8.

    Names that are not UTF-8 on disk (`caf\\xe9.txt` from an old Windows share) reach Python with
    surrogate escapes, which no output accepts; their odd bytes are shown as `\\xe9` instead.
    """
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def looks_binary(head: bytes) -> bool:
    """NULs or control bytes in a large share of the first block: not a text export."""
    if not head:
        return False
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return controls / len(head) > 0.10


def utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 with no BOM shows as NUL on every other byte."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


class LineReader:
    """Iterate `(line_number, text)` over one file; notices go to the list given.

    `ended_with_newline` tells, once iteration is over, whether the file's last line
    was complete: a missing final newline is how a cut-off export shows.
    """

    def __init__(self, entry: InputFile, notices: list[Notice], span: Span | None = None) -> None:
        self.entry = entry
        self.notices = notices
        self.span = span
        self.ended_with_newline = True
        self.cut_in_character = False
        self.legacy_lines: list[int] = []  # a span's: the file's one notice is made from every span's

    def __iter__(self) -> Iterator[tuple[int, str]]:
        if self.span is not None:  # the file was sniffed whole before it was cut
            with open(self.entry.path, "rb") as stream:
                stream.seek(self.span.start)
                yield from self._numbered(whole_lines(stream, end=self.span.end), self.span.first_line)
            return
        with open(self.entry.path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
            stream.seek(0)
            wide = "utf-16" if head.startswith(UTF16_BOMS) else utf16_without_bom(head)
            if wide:
                text = io.TextIOWrapper(stream, encoding=wide, errors="replace", newline="")
                yield from self._numbered(self._utf16_lines(text))
                return
            if looks_binary(head):
                raise InputError("binary file, not a text export of fiches", self.entry.name)
            yield from self._numbered(whole_lines(stream))

    def _numbered(self, blocks: Iterable[bytes], number: int = 0) -> Iterator[tuple[int, str]]:
        """Lines of blocks that each end at a line end (but maybe the last), numbered after `number`.

        A block of clean UTF-8 with LF or CRLF line ends, the common case, is decoded and split at
        once; any other block is read line by line, each line repaired on its own.
        """
        legacy_lines = self.legacy_lines
        for index, block in enumerate(blocks):
            if index == 0 and number == 0:
                block = block.removeprefix(codecs.BOM_UTF8)
            lines = clean_lines(block)
            if lines is not None:
                yield from enumerate(lines, number + 1)  # numbered in C: most of a file's lines
                number += len(lines)
                self.ended_with_newline = True
                continue
            for raw in io.BytesIO(block):
                if raw.endswith(b"\n") and b"\r" not in raw:
                    pieces: list[tuple[bytes, bool]] = [(raw[:-1], True)]
                else:
                    pieces = split_line_ends(raw)
                for body, ended in pieces:
                    number += 1
                    try:
                        text = body.decode("utf-8")
                    except UnicodeDecodeError:
                        text = self._decode(body, number, ended, legacy_lines)
                    yield number, self._clean(text, number) if "\x00" in text else text
                    self.ended_with_newline = ended
        if legacy_lines and self.span is None:
            self.notices.append(legacy_notice(self.entry.name, legacy_lines))

    def _utf16_lines(self, text: Iterable[str]) -> Iterator[bytes]:
        """UTF-16 lines as UTF-8; code units that do not decode became U+FFFD, and are reported.

        A trailing U+FFFD on an unterminated last line is half a character: the file was cut there.
        """
        damaged: list[int] = []
        last: tuple[int, str] | None = None
        for number, line in enumerate(text, start=1):
            if last is not None:
                yield last[1].encode("utf-8")
            last = (number, line)
            if REPLACEMENT in line:
                damaged.append(number)
        if last is None:
            return
        number, line = last
        if line.endswith(REPLACEMENT):
            self.cut_in_character = True
            line = line[:-1]
            if REPLACEMENT not in line:
                damaged.remove(number)
            self.notices.append(
                Notice(self.entry.name, number, "line cut in the middle of a character; kept what is there")
            )
        yield line.encode("utf-8")
        if damaged:
            message = f"bytes that are not UTF-16, shown as {REPLACEMENT}"
            shown = line_list(damaged)
            self.notices.append(
                Notice(self.entry.name, damaged[0], f"{len(damaged)} line(s) with {message} (lines {shown})")
            )

    def _decode(self, raw: bytes, number: int, ended: bool, legacy_lines: list[int]) -> str:
        """Not UTF-8: an incomplete character on the unterminated last line is a cut; other bytes that
        are not UTF-8 are Windows-1252, each run of them on its own."""
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            if not ended and error.reason == "unexpected end of data" and error.end == len(raw):
                self.cut_in_character = True
                self.notices.append(
                    Notice(
                        self.entry.name, number, "line cut in the middle of a character; kept what is there"
                    )
                )
                return raw[: error.start].decode("utf-8", errors="replace")
        legacy_lines.append(number)
        return raw.decode("utf-8", errors=LEGACY)

    def _clean(self, text: str, number: int) -> str:
        self.notices.append(Notice(self.entry.name, number, "NUL bytes removed"))
        return text.replace("\x00", "")


def legacy_notice(file: str, lines: list[int]) -> Notice:
    """One notice per file for its lines read as Windows-1252, however many spans it was read in."""
    shown = line_list(lines)
    return Notice(file, lines[0], f"{len(lines)} line(s) not in UTF-8, read as Windows-1252 (lines {shown})")


def whole_lines(stream: IO[bytes], size: int = BLOCK_BYTES, end: int | None = None) -> Iterator[bytes]:
    """The file in blocks of whole lines, up to byte `end` (a line start) if given; a line longer than a
    block is gathered whole, without copies."""
    pending: list[bytes] = []
    left = -1 if end is None else end - stream.tell()
    while block := stream.read(size if left < 0 else min(size, left)):
        if left > 0:
            left -= len(block)
        cut = block.rfind(b"\n") + 1
        if not cut:
            pending.append(block)
            continue
        pending.append(block[:cut])
        yield b"".join(pending)
        pending = [block[cut:]]
    tail = b"".join(pending)
    if tail:
        yield tail


def clean_lines(block: bytes) -> list[str] | None:
    """The lines of a block of valid UTF-8 without NUL or bare CR that ends with a line end; else None."""
    if not block.endswith(b"\n") or b"\x00" in block:
        return None
    if b"\r" in block:
        if block.count(b"\r") != block.count(b"\r\n"):
            return None
        block = block.replace(b"\r\n", b"\n")
    try:
        lines = block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    lines.pop()
    return lines


def line_list(numbers: list[int]) -> str:
    """The first ten line numbers of a per-file notice: one notice per file, not one per line."""
    return ", ".join(map(str, numbers[:10])) + ("…" if len(numbers) > 10 else "")


def split_line_ends(raw: bytes) -> list[tuple[bytes, bool]]:
    """Split one physical read on CR, LF and CRLF alike (old Mac exports use bare CR).

    Each piece says whether a line end followed it.
    """
    ended = raw.endswith(b"\n")
    body = raw[:-1] if ended else raw
    if body.endswith(b"\r"):
        body, ended = body[:-1], True
    parts = body.split(b"\r")
    return [(part, ended or index < len(parts) - 1) for index, part in enumerate(parts)]


@contextlib.contextmanager
def unreadable_as_notice(entry: InputFile, notices: list[Notice]) -> Iterator[None]:
    """A file that cannot be read (binary, gone, a bad encoding) becomes a notice naming it, never an
    exception: what was read of it before stays read."""
    try:
        yield
    except InputError as error:
        notices.append(Notice(entry.name, error.line or 0, str(error).removeprefix(f"{entry.name}: ")))
    except OSError as error:
        notices.append(Notice(entry.name, 0, f"cannot be read: {error.strerror}"))
