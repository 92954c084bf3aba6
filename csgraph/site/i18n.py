"""French first: the chrome of every page is French, English only when the link says `?lang=en`.

The data stays as the fiches wrote it; only the words around it change.
"""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("fr", "en")


def lang_of(request: Request) -> str:
    """`en` only when asked for in the query string, so that a link without it is always French."""
    return "en" if request.query_params.get("lang") == "en" else "fr"
