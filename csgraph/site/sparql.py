"""`/sparql`: the SPARQL 1.1 Protocol endpoint over the served store, and its editor page for browsers.

GET `?query=`, POST form-encoded `query=` or a POST `application/sparql-query` body; answers in the W3C
formats the Accept header asks for (`?format=json|xml|csv|tsv|ttl|nt|jsonld|rdf` for a browser link).
A browser without a query gets the editor; with one, the editor and the first ROW_CAP rows as a table.
Queries run in killable worker processes (`csgraph.site.workers`) under `Site.query_timeout`.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from csgraph.errors import CsgraphError
from csgraph.formatting import number, tr
from csgraph.results import NUMERIC_DATATYPES, Term
from csgraph.site import endpoint
from csgraph.site.app import Site, render, site_of
from csgraph.site.i18n import lang_of
from csgraph.site.links import link, path_of
from csgraph.site.workers import QueryTimeout, QueryWorkers, WorkerStopped, default_size
from csgraph.terminal import display
from csgraph.vocabulary import PREFIXES

ROW_CAP = 1000  # rows a page shows; the count of the others is given, the downloads hold them all
MAX_QUERY_BYTES = 1 << 20
EXAMPLE_PREFIXES = ("csg", "skos", "departement")
EXAMPLE = """SELECT ?keyword (COUNT(DISTINCT ?action) AS ?actions)
WHERE {
  ?action a csg:Action ;
    csg:organiser/csg:departement departement:62 ;
    csg:keyword ?concept .
  ?concept skos:prefLabel ?keyword .
  FILTER(LANG(?keyword) = "fr")
}
GROUP BY ?keyword
ORDER BY DESC(?actions) ?keyword
"""


class BadRequest(CsgraphError):
    """A request the protocol does not allow, with its HTTP status and French and English text."""

    def __init__(self, status: int, french: str, english: str) -> None:
        super().__init__(english)
        self.status = status
        self.french = french


def workers_of(site: Site) -> QueryWorkers:
    """The site's query workers, started on first use (so `serve` starts fast) and stopped at exit."""

    def start() -> QueryWorkers:
        workers = QueryWorkers(site.graph, default_size())
        atexit.register(workers.close)
        return workers

    return site.once("query-workers", start)


async def in_worker(site: Site, function: Any, *arguments: object) -> Any:
    """`function(store, *arguments)` in a query worker, off the event loop, within the site's time limit."""
    workers = workers_of(site)
    return await run_in_threadpool(workers.run, function, *arguments, timeout=site.query_timeout)


def failure(error: Exception, site: Site) -> tuple[int, str, str]:
    """HTTP status and French and English text for what went wrong with a query."""
    if isinstance(error, BadRequest):
        return error.status, error.french, str(error)
    if isinstance(error, endpoint.Refused):
        return 400, error.french, str(error)
    if isinstance(error, SyntaxError):
        position = endpoint.syntax_position(error)
        if position is None:
            return 400, f"Erreur de syntaxe SPARQL : {error}", f"SPARQL syntax error: {error}"
        line, column, detail = position
        return (
            400,
            f"Erreur de syntaxe SPARQL ligne {line}, colonne {column} : {detail}",
            f"SPARQL syntax error at line {line}, column {column}: {detail}",
        )
    if isinstance(error, QueryTimeout):
        seconds = number(site.query_timeout)
        if error.busy:
            return (
                503,
                f"D'autres requêtes ont occupé le serveur plus de {seconds} s ; réessayez plus tard.",
                f"Other queries kept the server busy for over {number(site.query_timeout, 'en')} s; "
                "try again later.",
            )
        return (
            503,
            f"La requête a dépassé la limite de {seconds} s et a été arrêtée. "
            "Ajoutez une LIMIT ou des conditions plus précises.",
            f"The query ran past the {number(site.query_timeout, 'en')} s limit and was stopped. "
            "Add a LIMIT or narrower patterns.",
        )
    if isinstance(error, WorkerStopped):
        return 500, "Le processus qui calculait la réponse s'est arrêté.", str(error)
    return 500, f"La requête a échoué : {error}", f"The query failed: {error}"


async def query_text(request: Request) -> str | None:
    """The query of a protocol request; an update or an unknown body type is refused."""
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        body = await limited_body(request)
        if content_type == "application/sparql-query":
            return body.decode("utf-8", errors="replace")
        if content_type == "application/sparql-update":
            raise read_only("application/sparql-update")
        if content_type != "application/x-www-form-urlencoded":
            raise BadRequest(
                415,
                "Envoyez la requête en application/x-www-form-urlencoded (query=…) "
                "ou en application/sparql-query.",
                "Send the query as application/x-www-form-urlencoded (query=…) or application/sparql-query.",
            )
        fields = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    else:
        fields = request.query_params.multi_items()
    names = [name for name, _ in fields]
    if "update" in names:
        raise read_only("update=")
    for name in ("default-graph-uri", "named-graph-uri"):
        if name in names:
            raise BadRequest(
                400,
                f"{name} n'est pas pris en charge : le graphe servi est le graphe par défaut.",
                f"{name} is not supported: the served graph is the default graph.",
            )
    queries = [value for name, value in fields if name == "query"]
    if len(queries) > 1:
        raise BadRequest(400, "Une seule requête à la fois (query=…).", "One query at a time (query=…).")
    return queries[0] if queries and queries[0].strip() else None


def read_only(what: str) -> BadRequest:
    return BadRequest(
        400,
        f"Ce point d'accès est en lecture seule : les mises à jour SPARQL ({what}) sont refusées.",
        f"This endpoint is read-only: SPARQL updates ({what}) are refused.",
    )


async def limited_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_QUERY_BYTES:
            raise BadRequest(
                413,
                f"La requête dépasse {number(MAX_QUERY_BYTES)} octets.",
                f"The query is over {number(MAX_QUERY_BYTES, 'en')} bytes.",
            )
    return body


def requested_format(request: Request) -> str:
    """What to negotiate with: the Accept header, or the media type `?format=` names."""
    name = request.query_params.get("format")
    if name is None:
        return request.headers.get("accept", "*/*")
    if name not in endpoint.FORMAT_NAMES:
        names = ", ".join(endpoint.FORMAT_NAMES)
        raise BadRequest(
            400, f"Format inconnu {name!r} ; formats : {names}.", f"Unknown format {name!r}; use {names}."
        )
    return endpoint.FORMAT_NAMES[name]


async def sparql(request: Request) -> Response:
    site = site_of(request)
    lang = lang_of(request)
    browser = "format" not in request.query_params and endpoint.wants_html(request.headers.get("accept", ""))
    text: str | None = None
    try:
        text = await query_text(request)
        accept = requested_format(request)
        if text is None:
            if browser:
                return editor(request, EXAMPLE_QUERY)
            raise BadRequest(400, "Aucune requête : donnez query=…", "No query: give query=…")
        endpoint.check_query(text)
        if browser:
            answer = await in_worker(site, endpoint.table, text, ROW_CAP)
            return editor(request, text, answer)
        content_type, body = await in_worker(site, endpoint.answer, text, accept)
        return Response(body, headers={"Content-Type": content_type, "Vary": "Accept"})
    except (CsgraphError, SyntaxError, OSError) as error:
        status, french, english = failure(error, site)
        if browser:
            return editor(request, text or "", error=tr(lang, french, english), status=status)
        return PlainTextResponse(tr(lang, french, english) + "\n", status_code=status)


@dataclass(frozen=True)
class Cell:
    """A value as a page shows it: text, a link to its page when it has one, numbers right-aligned."""

    text: str
    href: str | None = None
    numeric: bool = False
    note: str = ""  # a language tag or a datatype, shown small after the value


def term_cell(term: Term | None, lang: str) -> Cell:
    """IRIs of the project link to their pages (others are text: the site never sends anyone away)."""
    if term is None:
        return Cell("")
    if term.type == "uri":
        return Cell(display(term), link(term.value, lang) if path_of(term.value) else None)
    if term.type == "bnode":
        return Cell(display(term))
    if term.datatype in NUMERIC_DATATYPES:
        return Cell(number(term.value, lang), numeric=True)
    note = (
        f"@{term.language}" if term.language else display(Term("uri", term.datatype)) if term.datatype else ""
    )
    return Cell(term.value, note=note)


def downloads(request: Request, text: str, answer: endpoint.Table) -> list[tuple[str, str]]:
    """Links to the same answer in every machine format of its kind."""
    if answer.boolean is not None:
        formats = endpoint.SOLUTION_FORMATS[:2]
    else:
        formats = endpoint.GRAPH_FORMATS if answer.graph else endpoint.SOLUTION_FORMATS
    return [
        (item.name.upper(), "/sparql?" + urlencode({"query": text, "format": item.name})) for item in formats
    ]


def editor(
    request: Request, text: str, answer: endpoint.Table | None = None, error: str = "", status: int = 200
) -> Response:
    lang = lang_of(request)
    rows = [[term_cell(term, lang) for term in row] for row in answer.rows] if answer else []
    context = {
        "query": text,
        "answer": answer,
        "rows": rows,
        "error": error,
        "downloads": downloads(request, text, answer) if answer else [],
        "timeout": site_of(request).query_timeout,
        "prefixes": sorted(PREFIXES.items()),
    }
    response = render(request, "site/sparql.html", context, status)
    response.headers["Vary"] = "Accept"
    return response


EXAMPLE_QUERY = "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in EXAMPLE_PREFIXES) + "\n" + EXAMPLE

routes: list[BaseRoute] = [Route("/sparql", sparql, methods=["GET", "POST"], name="sparql")]
