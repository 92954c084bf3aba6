"""The SPARQL 1.1 Protocol apart from HTTP: what is refused, which format answers, what a worker computes.

The endpoint is read-only and never calls other hosts. Oxigraph's `query` already refuses updates (they
are no query), but it does run `SERVICE`, fetching from any host named; so both are refused here, before
a worker sees them, with a message that says why rather than a parser's "expected CONSTRUCT".

The functions `answer` and `table` run in the query workers (`csgraph.site.workers`): everything heavy,
serialising included, happens in a process that can be killed when the time is up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from csgraph.engines import TOKEN, oxigraph_term, service_endpoints
from csgraph.errors import QueryError
from csgraph.results import Results, Term, render
from csgraph.vocabulary import PREFIXES

UPDATE_OPERATIONS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
PROLOGUE = frozenset({"PREFIX", "BASE"})
ERROR_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


class Refused(QueryError):
    """A request this endpoint does not serve (an update, SERVICE…), said in French and in English."""

    def __init__(self, french: str, english: str) -> None:
        super().__init__(english)
        self.french = french


def check_query(text: str) -> None:
    """Refuse updates and SERVICE; anything else malformed is left for Oxigraph to point at.

    Words inside strings, IRIs and comments are skipped whole, so `"INSERT"` or `# SERVICE` are text.
    """
    words = [token[0].upper() for token in TOKEN.finditer(text) if token.lastgroup == "word"]
    first = next((word for word in words if word not in PROLOGUE and not word.endswith(":")), None)
    if first in UPDATE_OPERATIONS:
        raise Refused(
            f"Ce point d'accès est en lecture seule : les mises à jour SPARQL ({first}) sont refusées.",
            f"This endpoint is read-only: SPARQL updates ({first}) are refused.",
        )
    if "SERVICE" in words:
        named = ", ".join(service_endpoints(text)) or "SERVICE"
        raise Refused(
            f"SERVICE est refusé ({named}) : ce site n'interroge jamais d'autre serveur.",
            f"SERVICE is refused ({named}): this site never queries other hosts.",
        )


def syntax_position(error: SyntaxError) -> tuple[int, int, str] | None:
    """Line, column and detail of an Oxigraph parse error (`error at 3:17: expected …`)."""
    found = ERROR_POSITION.match(str(error))
    return (int(found[1]), int(found[2]), " ".join(found[3].split())) if found else None


# --- formats -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """One answer format: its media type (and the other names clients ask it by) and `?format=` name."""

    media_type: str
    name: str
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type


SOLUTION_FORMATS = (  # SELECT and ASK; the first is the default
    Format("application/sparql-results+json", "json", ox.QueryResultsFormat.JSON, ("application/json",)),
    Format(
        "application/sparql-results+xml", "xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml")
    ),
    Format("text/csv", "csv", ox.QueryResultsFormat.CSV),
    Format("text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV),
)
GRAPH_FORMATS = (  # CONSTRUCT and DESCRIBE
    Format("text/turtle", "ttl", ox.RdfFormat.TURTLE, ("application/x-turtle",)),
    Format("application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, ("application/json",)),
    Format("application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml")),
)
HTML = "text/html"
FORMAT_NAMES = {item.name: item.media_type for item in (*SOLUTION_FORMATS, *GRAPH_FORMATS)}


def accepted(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights, as written (`*/*` when there is none)."""
    ranges = []
    for part in (accept or "*/*").split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        if media_range:
            ranges.append((media_range.lower(), weight))
    return ranges


def weight(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The weight of the most specific range that covers `media_type`; 0 when none does."""
    kind = media_type.partition("/")[0]
    best, specificity = 0.0, -1
    for media_range, value in ranges:
        level = 2 if media_range == media_type else 1 if media_range == f"{kind}/*" else 0
        if (level or media_range == "*/*") and level > specificity:
            best, specificity = value, level
    return best


def preference(accept: str, media_types: list[str]) -> str | None:
    """The media type the client weighs highest, the first listed among equals; None if it takes none."""
    ranges = accepted(accept)
    weights = [weight(ranges, media_type) for media_type in media_types]
    top = max(weights, default=0.0)
    return media_types[weights.index(top)] if top > 0 else None


def negotiate(accept: str, formats: tuple[Format, ...]) -> Format:
    """The format to answer in; the default (the first) when the client asks for none of them.

    Media types before aliases: `text/*` means CSV, not the `text/xml` that XML results also answer to.
    """
    names = [(item.media_type, item) for item in formats]
    names += [(alias, item) for item in formats for alias in item.aliases]
    chosen = preference(accept, [name for name, _ in names])
    return next((item for name, item in names if name == chosen), formats[0])


def wants_html(accept: str) -> bool:
    """A browser (text/html above every machine format); `*/*` alone gets machine results."""
    machine = [item.media_type for item in (*SOLUTION_FORMATS, *GRAPH_FORMATS)]
    return preference(accept, [*machine, HTML]) == HTML


# --- work done in a query worker -----------------------------------------------------------------------


def answer(store: ox.Store, text: str, accept: str) -> tuple[str, bytes]:
    """The query's answer, serialised in the format the client asked for: (Content-Type, body)."""
    result = store.query(text, prefixes=PREFIXES)
    if isinstance(result, ox.QueryTriples):
        chosen = negotiate(accept, GRAPH_FORMATS)
        assert isinstance(chosen.oxigraph, ox.RdfFormat)
        return chosen.content_type, ox.serialize(result, format=chosen.oxigraph, prefixes=PREFIXES) or b""
    chosen = negotiate(accept, SOLUTION_FORMATS)
    assert isinstance(chosen.oxigraph, ox.QueryResultsFormat)
    if chosen.name == "csv" and isinstance(result, ox.QuerySolutions):  # a download a spreadsheet opens
        variables = tuple(variable.value for variable in result.variables)
        rows = tuple(tuple(map(oxigraph_term, solution)) for solution in result)
        return chosen.content_type, render(Results(variables, rows), "csv").encode("utf-8")
    return chosen.content_type, result.serialize(format=chosen.oxigraph) or b""


@dataclass(frozen=True)
class Table:
    """An answer for a page: at most `cap` rows, how many there were, or the boolean of an ASK."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]
    total: int
    boolean: bool | None = None
    graph: bool = False  # a CONSTRUCT or DESCRIBE: the columns are subject, predicate, object


def table(store: ox.Store, text: str, cap: int) -> Table:
    """The first `cap` rows as terms; the others are counted, not kept (the count is what the page says)."""
    result = store.query(text, prefixes=PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        return Table((), (), 0, bool(result))
    if isinstance(result, ox.QueryTriples):
        variables: tuple[str, ...] = ("subject", "predicate", "object")
        source = ((triple.subject, triple.predicate, triple.object) for triple in result)
    else:
        variables = tuple(variable.value for variable in result.variables)
        source = (tuple(solution) for solution in result)
    rows, total = [], 0
    for row in source:
        total += 1
        if total <= cap:
            rows.append(tuple(map(oxigraph_term, row)))
    return Table(variables, tuple(rows), total, graph=isinstance(result, ox.QueryTriples))
