"""Three engines that answer a stored question with the same rows.

The Oxigraph store (the default, fast), plain rdflib (`engine="rdflib"`, what most Python tools use, with
`initBindings`) and any SPARQL 1.1 endpoint over HTTP. Oxigraph and endpoints get the bindings as a VALUES
block of escaped, serialised literals opening the WHERE group: Oxigraph's own `substitutions` only bind
variables the query selects, and an endpoint takes nothing else.

The bundled queries are shaped for Oxigraph's simple planner, which joins in the written order and looks
each row up in the store unless a side is a subquery of its own, joined by hashing. So they read each
property in a one-triple subquery, count over IRIs first and fetch labels afterwards from a small table,
and sort on keys bound once per row (`BIND(LCASE(?label) AS ?key)`): an expression in ORDER BY is
evaluated again in every comparison, and reading a stored string costs far more than comparing ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from csgraph.catalogue import StoredQuery, parameter_values
from csgraph.errors import QueryError, RemoteError
from csgraph.results import Results, Term, json_results, literal
from csgraph.store import open_graph, require_graph

if TYPE_CHECKING:
    import rdflib

Engine = Literal["oxigraph", "rdflib"]

TIMEOUT_SECONDS = 60

TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<variable>[?$]\w+)
      | (?P<brace>\{)
      | (?P<word>[A-Za-z_][\w:.-]*)""",
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def run_query(
    query: StoredQuery,
    parameters: Mapping[str, str] | None = None,
    *,
    graph: Path | None = None,
    endpoint: str | None = None,
    engine: Engine = "oxigraph",
) -> Results:
    """Answer a question from a built graph (Oxigraph store or rdflib) or from a SPARQL endpoint."""
    values = parameter_values(query, parameters or {})
    if endpoint is not None:
        if graph is not None:
            raise QueryError("give a graph or an endpoint, not both")
        return select_endpoint(endpoint, query, values)
    if graph is None:
        raise QueryError("no graph and no endpoint to ask")
    if engine == "rdflib":
        return select_rdflib(load_rdflib(graph), query, values)
    return select_oxigraph(open_graph(graph), query, values)


def select_oxigraph(store: ox.Store, query: StoredQuery, values: Mapping[str, str]) -> Results:
    # Answers repeat the same labels and counts row after row: each distinct term is converted once.
    converted: dict[object, Term | None] = {None: None}

    def term(value: object) -> Term | None:
        try:
            return converted[value]
        except KeyError:
            converted[value] = found = oxigraph_term(value)
            return found

    try:
        solutions = store.query(with_values(query, values))
        variables = solutions.variables
        rows = tuple(tuple(map(term, solution)) for solution in solutions)
    except SyntaxError as error:
        found = re.match(r"error at (\d+):(\d+): (.*)", str(error), re.DOTALL)
        position = (int(found[1]), int(found[2])) if found else None
        raise syntax_error(query, position, found[3] if found else str(error)) from None
    except OSError as error:
        raise QueryError(f"{query.source}: the query failed: {one_line(str(error))}") from None
    return Results(tuple(variable.value for variable in variables), rows)


def oxigraph_term(term: object) -> Term | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        return literal(term.value, term.language, term.datatype.value)
    return literal(str(term))


def load_rdflib(graph: Path) -> rdflib.Graph:
    """The Turtle in plain rdflib (no Oxigraph anywhere), to check queries on a second engine."""
    import rdflib

    require_graph(graph)
    return rdflib.Graph().parse(graph, format="turtle")


def select_rdflib(graph: rdflib.Graph, query: StoredQuery, values: Mapping[str, str]) -> Results:
    """rdflib binds the parameters itself (`initBindings`); imported here, as only tests and checks use it."""
    import rdflib
    from pyparsing import ParseException

    select_start(query)
    bindings = {rdflib.Variable(name): rdflib.Literal(value) for name, value in values.items()}
    try:
        result = graph.query(query.text, initBindings=bindings)
    except ParseException as error:
        raise syntax_error(query, (error.lineno, error.col), str(error)) from None
    variables = tuple(str(variable) for variable in result.vars or ())
    rows = tuple(tuple(rdflib_term(row[index]) for index in range(len(variables))) for row in result)
    return Results(variables, rows)


def rdflib_term(term: object) -> Term | None:
    import rdflib

    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return Term("uri", str(term))
    if isinstance(term, rdflib.BNode):
        return Term("bnode", str(term))
    if isinstance(term, rdflib.Literal):
        return literal(str(term), term.language, str(term.datatype) if term.datatype else None)
    return literal(str(term))


def syntax_error(query: StoredQuery, position: tuple[int, int] | None, detail: str) -> QueryError:
    """One line that says where: `file.rq:LINE:COLUMN: SPARQL syntax error near …`.

    Oxigraph reports where its parser gave up, often the end of the query; rdflib's parser points at the
    clause that failed, so its position is taken whenever it finds the error too.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(query.text)
    except ParseException as error:
        position = (error.lineno, error.col)
    if position is None:
        return QueryError(f"{query.source}: SPARQL syntax error: {one_line(detail)}")
    line, column = position
    lines = query.text.splitlines()
    near = lines[line - 1][column - 1 :].strip()[:40] if line <= len(lines) else ""
    return QueryError(
        f"{query.source}:{line}:{column}: SPARQL syntax error {f'near `{near}`' if near else 'at the end'}"
    )


def select_start(query: StoredQuery) -> int | None:
    """Where the WHERE group of a SELECT query opens (after its `{`); other query forms are refused.

    None when no group was found: the query is malformed and the engine will say where.
    """
    form = None
    for token in TOKEN.finditer(query.text):
        if token.lastgroup == "word" and form is None and token[0].upper() in QUERY_FORMS:
            form = token[0].upper()
        elif token.lastgroup == "brace" and form is not None:
            break
    else:
        return None
    if form != "SELECT":
        raise QueryError(f"{query.source}: only SELECT queries give rows, not {form}")
    return token.end()


def with_values(query: StoredQuery, values: Mapping[str, str]) -> str:
    """The query text with the parameters as a VALUES block opening its WHERE group, on the same line.

    At the top of the group, not at the end of the query: a trailing VALUES joins after grouping, where the
    variable is out of scope and would restrict nothing.
    """
    start = select_start(query)
    if not values or start is None:
        return query.text
    block = " ".join(
        f"VALUES ?{name} {{ {literal(value).turtle()} }}" for name, value in sorted(values.items())
    )
    return f"{query.text[:start]} {block}{query.text[start:]}"


def select_endpoint(endpoint: str, query: StoredQuery, values: Mapping[str, str]) -> Results:
    """Ask any SPARQL 1.1 endpoint through `csgraph.remote` (retries, timeouts, `user:password@` URLs)."""
    from csgraph import remote

    document = remote.sparql_select(endpoint, with_values(query, values), timeout=TIMEOUT_SECONDS)
    try:
        return json_results(document)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        where = remote.Endpoint.parse(endpoint).url
        raise RemoteError(f"{where} did not answer with SPARQL SELECT results ({error!r})") from None


def one_line(text: str) -> str:
    return " ".join(text.split())[:300]
