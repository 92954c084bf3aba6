"""The pages of the site: the home page and one page per IRI of the graph."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csgraph.site.app import render


def home(request: Request) -> Response:
    return render(request, "site/home.html", {})


routes: list[BaseRoute] = [Route("/", home, name="home")]
