"""Fiche text on the terminal: shown, never obeyed.

A fiche may hold ANSI escapes, bidi marks (U+202E) or rich markup (`[/x]`); printed raw they could
drive the terminal, reorder a line, or crash the printer. Every label that reaches the screen goes
through `inert` (for rich Text cells) or `shown` (for strings rich reads as markup).
"""

from __future__ import annotations

import re

from rich.markup import escape

# C0/C1 controls (ANSI escapes, newlines) and the bidi marks that reorder what a reader sees (U+202E).
UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SHOWN_CHARS = 500  # a warning quoting a 5 MB line shows its start; --report keeps it whole


def inert(text: object) -> str:
    """One line, controls and bidi marks written as `\\u001b`, cut at SHOWN_CHARS."""
    line = str(text)
    line = line if len(line) <= SHOWN_CHARS else line[:SHOWN_CHARS] + "…"
    return UNSHOWN.sub(lambda match: f"\\u{ord(match.group()):04x}", line)


def shown(text: object) -> str:
    """`inert`, with rich markup escaped, for strings printed as markup."""
    return escape(inert(text))
