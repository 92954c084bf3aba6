"""The actions list, its facets, search and downloads."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
