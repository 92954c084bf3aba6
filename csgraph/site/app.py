"""The site's core: the Starlette app, its guard (Host check, methods, security headers) and page rendering.

Every module of the site exposes `routes`; `create_app` puts them together over one read-only store. What a
module computes once per process (counts that need a scan of every action) lives in `Site.cache`.
"""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

import jinja2
import pyoxigraph
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from csgraph import formatting
from csgraph.errors import CsgraphError
from csgraph.formatting import tr
from csgraph.site.i18n import lang_of
from csgraph.site.links import link

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
READ_METHODS = frozenset({"GET", "HEAD"})
POST_PATHS = ("/sparql",)  # the SPARQL protocol sends long queries by POST; it still never writes
LOOPBACK_NAMES = ("127.0.0.1", "localhost")

Computed = TypeVar("Computed")


@dataclass
class Site:
    """What every request reads: the built graph's store, opened read-only, and what was computed once."""

    graph: Path
    store: pyoxigraph.Store
    query_timeout: float = 10.0
    hosts: tuple[str, ...] = LOOPBACK_NAMES
    cache: dict[str, object] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def once(self, key: str, compute: Callable[[], Computed]) -> Computed:
        """`compute()` the first time `key` is asked for in this process, the kept value afterwards.

        Concurrent first requests wait for one computation rather than each scanning the graph.
        """
        if key in self.cache:
            return self.cache[key]  # type: ignore[return-value]
        with self.lock:
            if key not in self.cache:
                self.cache[key] = compute()
            return self.cache[key]  # type: ignore[return-value]


def site_of(request: Request) -> Site:
    return request.app.state.site


@cache
def environment() -> jinja2.Environment:
    """Templates from the package, autoescaped: every string from a fiche reaches HTML as text."""
    templates = jinja2.Environment(
        loader=jinja2.PackageLoader("csgraph", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name in ("number", "euros", "date", "count", "plural"):
        templates.filters[name] = language_filter(getattr(formatting, name))
    return templates


def language_filter(format_value: Callable[..., str]) -> Callable[..., str]:
    @jinja2.pass_context
    def in_page_language(context: jinja2.runtime.Context, value: object, *args: str) -> str:
        return format_value(value, context.get("lang", "fr"), *args)

    return in_page_language


def other_language(request: Request, lang: str) -> str:
    """The same page in the other language: `lang=en` added or removed, the rest of the query kept."""
    params = [(name, value) for name, value in request.query_params.multi_items() if name != "lang"]
    if lang == "fr":
        params.append(("lang", "en"))
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def render(request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
    """A page of the site: the template with the language, `tr`, `link` and the formatting filters."""
    lang = lang_of(request)
    page = (
        environment()
        .get_template(template)
        .render(
            {
                **context,
                "lang": lang,
                "tr": partial(tr, lang),
                "link": partial(link, lang=lang),
                "other_language": other_language(request, lang),
                "request": request,
            }
        )
    )
    return HTMLResponse(page, status_code=status)


class NotFound(HTTPException):
    """A 404 that names the nearest existing things, as (label, IRI) pairs."""

    def __init__(self, message: str, suggestions: list[tuple[str, str]] | None = None) -> None:
        super().__init__(404, message)
        self.suggestions = suggestions or []


ERROR_TITLES = {
    400: ("Requête refusée", "Bad request"),
    404: ("Page introuvable", "Page not found"),
    405: ("Méthode refusée", "Method not allowed"),
    500: ("Erreur du serveur", "Server error"),
}
ERROR_MESSAGES = {
    400: ("Ce site ne répond pas sous ce nom d'hôte.", "This site does not answer under this host name."),
    404: ("Rien n'est publié à cette adresse.", "Nothing is published at this address."),
    405: (
        "Ce site est en lecture seule : seules les lectures (GET) sont permises ici.",
        "This site is read-only: only reads (GET) are allowed here.",
    ),
    500: (
        "Une erreur est survenue en préparant cette page.",
        "Something went wrong while preparing this page.",
    ),
}


def error_page(
    request: Request,
    status: int,
    message: str | None = None,
    suggestions: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    title = tr(lang, *ERROR_TITLES.get(status, ERROR_TITLES[500]))
    default = tr(lang, *ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]))
    context = {
        "status": status,
        "title": title,
        "message": message or default,
        "suggestions": suggestions or [],
    }
    response = render(request, "site/error.html", context, status)
    response.headers.update({**SECURITY_HEADERS, **(headers or {})})
    return response


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    suggestions = error.suggestions if isinstance(error, NotFound) else None
    message = error.detail if isinstance(error, NotFound) else None
    return error_page(request, error.status_code, message, suggestions, dict(error.headers or {}))


async def server_error(request: Request, error: Exception) -> Response:
    """Never a traceback: a French page (the guard's headers are re-added, it answers outside the guard)."""
    return error_page(request, 500)


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `127.0.0.1:8000` → `127.0.0.1`, `[::1]:80` → `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class Guard:
    """Every response gets the security headers; unknown Host names (DNS rebinding) and writes are refused."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = frozenset(host.lower() for host in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        request = Request(scope)
        if host_name(Headers(scope=scope).get("host", "")) not in self.hosts:
            await error_page(request, 400)(scope, receive, secured)
        elif scope["method"] not in READ_METHODS and not (
            scope["method"] == "POST" and scope["path"].startswith(POST_PATHS)
        ):
            await error_page(request, 405, headers={"Allow": "GET, HEAD"})(scope, receive, secured)
        else:
            await self.app(scope, receive, secured)


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico where no page names an icon (a JSON or Turtle answer, a download)."""
    return RedirectResponse("/static/icon.svg", status_code=301)


def create_app(site: Site) -> Starlette:
    from csgraph.site import actions, maps, networks, pages, questions, sparql

    routes = [
        Mount("/static", StaticFiles(packages=[("csgraph", "static")]), name="static"),
        Route("/favicon.ico", favicon),
        *pages.routes,
        *actions.routes,
        *questions.routes,
        *sparql.routes,
        *maps.routes,
        *networks.routes,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: http_error, 405: http_error, 400: http_error, 500: server_error},
    )
    app.add_middleware(Guard, hosts=site.hosts)
    app.state.site = site
    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> tuple[str, ...]:
    """The names a browser may send in Host: the bound one, plus loopback names when it is loopback.

    A wildcard bind (0.0.0.0, ::) answers under the machine's own names and addresses too.
    """
    names = [host]
    if is_loopback(host):
        names += [*LOOPBACK_NAMES, "::1"]
    elif host in ("0.0.0.0", "::", ""):
        names += [*LOOPBACK_NAMES, "::1", socket.gethostname(), socket.getfqdn()]
        with contextlib.suppress(OSError):
            names += socket.gethostbyname_ex(socket.gethostname())[2]
    return tuple(dict.fromkeys(name.lower() for name in names if name))


def public_notice(host: str, port: int) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"Attention : le site est ouvert à tout le réseau sur {host}:{port} ; il est en lecture seule "
        "et public, sans mot de passe."
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before uvicorn starts, so that a port already taken is one clear error, not a log line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say so, and
    # with Nagle on, every answer on a kept-alive connection waited 40 ms for the client's delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise CsgraphError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return listener


def serve(
    graph: Path,
    host: str,
    port: int,
    *,
    query_timeout: float,
    open_browser: bool,
    say: Callable[[str], None],
) -> None:
    """Run the site in this process until Ctrl-C (or SIGTERM); uvicorn re-raises it as KeyboardInterrupt."""
    from csgraph.store import open_graph

    site = Site(graph, open_graph(graph), query_timeout, allowed_hosts(host))
    listener = listening_socket(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    address = (
        f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown_host}:{listener.getsockname()[1]}/"
    )
    notice = public_notice(host, port)
    if notice:
        say(notice)
    say(f"csgraph sert {graph} sur {address} (Ctrl-C pour arrêter)")
    config = uvicorn.Config(
        create_app(site),
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    threading.Thread(target=warm, args=(site,), daemon=True).start()
    if open_browser:
        threading.Thread(target=open_when_started, args=(server, address), daemon=True).start()
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()


def warm(site: Site) -> None:
    """What the pages need from every action, computed while the first visitor is still on their way."""
    from csgraph.site import actions, maps, networks, pages

    pages.tally_of(site)
    actions.actions_index(site)
    maps.graph_actions_of(site)
    networks.warm(site)
    # Millions of objects now live as long as the process: left in the collector's generations, each full
    # collection walked them all and stalled every request for 2 s at 100k fiches.
    gc.collect()
    gc.freeze()


def open_when_started(server: uvicorn.Server, address: str) -> None:
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(address)
