"""The SPARQL 1.1 Protocol endpoint and its editor page."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
