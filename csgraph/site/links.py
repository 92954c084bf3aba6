"""The site serves every IRI `https://w3id.org/csgraph/PATH` at `/PATH`: IRIs ↔ site paths.

Paths coming from a URL are checked segment by segment (`[A-Za-z0-9._~-]` only) before they become an IRI
that reaches a query, so nothing typed in the address bar is ever pasted into SPARQL text.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from csgraph import vocabulary

BASE = vocabulary.BASE
SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def valid_path(path: str) -> bool:
    """A site path whose every segment is safe to turn into an IRI (no `..`, no empty segment)."""
    segments = path.strip("/").split("/")
    return all(SEGMENT.fullmatch(part) and part not in (".", "..") for part in segments)


def path_of(iri: str) -> str | None:
    """`https://w3id.org/csgraph/structure/62-x` → `/structure/62-x`; None outside the project."""
    if not iri.startswith(BASE) or len(iri) == len(BASE):
        return None
    path = "/" + iri[len(BASE) :]
    return path if valid_path(path) else None


def iri_of(path: str) -> str:
    return BASE + path.lstrip("/")


def link(target: str, lang: str = "fr", **params: object) -> str:
    """The site address of an IRI of the project or of a site path, keeping `?lang=en`; other IRIs as is."""
    path = target if target.startswith("/") else path_of(target)
    if path is None:
        return target
    query = {name: value for name, value in params.items() if value is not None and value != ""}
    if lang == "en":
        query["lang"] = "en"
    return f"{path}?{urlencode(query, doseq=True)}" if query else path
