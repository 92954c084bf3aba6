"""Freed memory handed back to the system between the phases of a long job.

glibc keeps the pages of freed objects for the process's next allocations, and a forked worker inherits
them. After reading a national export's actions out of the store, 900 MB of such pages stayed resident
while the similar index was built beside the answers; `malloc_trim` gives them back. Where the C library
has no such call (musl, macOS) nothing is done.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache


@cache
def malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the free pages of the C heap to the system (a few milliseconds for a gigabyte)."""
    trim = malloc_trim()
    if trim is not None:
        trim(0)
