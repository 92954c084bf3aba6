"""SIRET numbers, as structure pages and grants files write them (`775 544 026 01276`).

python-stdnum checks the two Luhn keys (SIREN and SIRET); it costs about 0.1 ms a call, and national
grants files name the same few thousand bodies row after row, hence the cache.
"""

from __future__ import annotations

from functools import lru_cache

from stdnum.fr import siret as siret_number


@lru_cache(maxsize=1 << 16)
def valid_siret(written: str) -> str | None:
    """The 14 digits of a valid SIRET, spaces and dots removed; None for anything else."""
    return siret_number.compact(written) if siret_number.is_valid(written) else None
