"""Typed errors, turned once into a one-line message and an exit code by the CLI.

Exit codes: 0 success, 1 validation failed (or warnings under --strict), 2 bad input,
3 output or store problem, 4 remote endpoint problem, 130 interrupted.
"""

from __future__ import annotations


class CsgraphError(Exception):
    """Anything csgraph reports to the user as a one-line message."""

    exit_code = 3


class InputError(CsgraphError):
    """Input that holds nothing usable; names the file and line when there is one."""

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        place = file if line is None else f"{file}:{line}"
        super().__init__(f"{place}: {message}" if place else message)
        self.file = file
        self.line = line


class QueryError(CsgraphError):
    """A query that cannot be found, bound or parsed."""

    exit_code = 2


class UnknownValue(QueryError):
    """A value that must name a département or a list member and names none; the message says the nearest."""


class StrictError(CsgraphError):
    """Warnings were raised and the user asked for --strict."""

    exit_code = 1


class ValidationFailed(CsgraphError):
    """The graph does not conform to the shapes."""

    exit_code = 1


class RemoteError(CsgraphError):
    """A SPARQL endpoint refused or could not be reached."""

    exit_code = 4
