"""Three engines that answer a stored question with the same rows.

The Oxigraph store (the default, fast), plain rdflib (`engine="rdflib"`, what most Python tools use, with
`initBindings`) and any SPARQL 1.1 endpoint over HTTP. Oxigraph and endpoints get the bindings as a VALUES
block of escaped, serialised literals opening the WHERE group: Oxigraph's own `substitutions` only bind
variables the query selects, and an endpoint takes nothing else.

SELECT gives its rows; DESCRIBE and CONSTRUCT give their triples as rows of three columns (subject,
predicate, object), sorted, since a graph has no order; ASK is refused. A query file is data: its
`SERVICE` clauses, which every engine would follow to other hosts, are refused unless the caller allows
those endpoints by name.

The bundled queries are shaped for Oxigraph's simple planner, which joins in the written order and looks
each row up in the store unless a side is a subquery of its own, joined by hashing. So they read each
property in a one-triple subquery, count over IRIs first and fetch labels afterwards from a small table,
and sort on keys bound once per row (`BIND(LCASE(?label) AS ?key)`): an expression in ORDER BY is
evaluated again in every comparison, and reading a stored string costs far more than comparing ids.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from csgraph.answers import save_answers, saved_answer, saved_json
from csgraph.catalogue import StoredQuery, bundled_queries, parameter_values
from csgraph.errors import CsgraphError, QueryError, RemoteError
from csgraph.results import Results, Term, json_results, literal
from csgraph.store import open_graph, require_graph

if TYPE_CHECKING:
    import rdflib

Engine = Literal["oxigraph", "rdflib"]

TIMEOUT_SECONDS = 60.0  # for an endpoint's answer; connecting waits at most remote.CONNECT_SECONDS

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
TRIPLE_FORMS = ("CONSTRUCT", "DESCRIBE")
TRIPLE_COLUMNS = ("subject", "predicate", "object")


def run_query(
    query: StoredQuery,
    parameters: Mapping[str, str] | None = None,
    *,
    graph: Path | None = None,
    endpoint: str | None = None,
    engine: Engine = "oxigraph",
    allowed_services: Collection[str] = (),
    timeout: float = TIMEOUT_SECONDS,
) -> Results:
    """Answer a question from a built graph (Oxigraph store or rdflib) or from a SPARQL endpoint.

    `allowed_services`: the endpoints a SERVICE clause may call; `timeout`: seconds an endpoint may take.
    """
    check_services(query, allowed_services)
    values = parameter_values(query, parameters or {})
    if endpoint is not None:
        if graph is not None:
            raise QueryError("give a graph or an endpoint, not both")
        return select_endpoint(endpoint, query, values, allowed_services, timeout=timeout)
    if graph is None:
        raise QueryError("no graph and no endpoint to ask")
    if engine == "rdflib":
        return select_rdflib(load_rdflib(graph), query, values, allowed_services)
    return saved_answer(graph, with_values(query, values)) or select_oxigraph(
        open_graph(graph), query, values, allowed_services
    )


def saved_json_answer(query: StoredQuery, parameters: Mapping[str, str], graph: Path) -> str | None:
    """The JSON answer the build saved for this question on this graph, as `--format json` prints it:
    a national graph's biggest answers (63,000 rows) are then copied, not read and written again."""
    return saved_json(graph, with_values(query, parameter_values(query, parameters)))


def answer_bundled(store: ox.Store, graph: Path, digest: str, stop: threading.Event | None = None) -> int:
    """Answer every bundled question that needs no parameter from `store`, and save the answers beside
    `graph` stamped with its `digest` (csgraph.answers), so that `csgraph query` reads them; returns how
    many. Once `stop` is set, the next question raises instead, and no answer is saved."""

    def answered() -> Iterator[tuple[str, Results]]:
        for query in bundled_queries():
            if any(parameter.required for parameter in query.parameters):
                continue
            if stop is not None and stop.is_set():
                raise CsgraphError("the build stopped")
            values = parameter_values(query, {})
            yield with_values(query, values), select_oxigraph(store, query, values)

    return save_answers(graph, digest, answered())


def service_endpoints(text: str) -> list[str]:
    """The endpoints the SERVICE clauses of a query would call, as written (`<IRI>`, `ex:name`, `?var`).

    Words inside strings, IRIs and comments are skipped whole, so `"SERVICE"` or `# SERVICE` are text.
    A prefixed name is expanded with the query's own PREFIX declarations.
    """
    tokens = [token for token in TOKEN.finditer(text) if token.lastgroup != "comment"]
    prefixes: dict[str, str] = {}
    found = []
    for index, token in enumerate(tokens):
        word = token[0].upper() if token.lastgroup == "word" else ""
        following = tokens[index + 1 : index + 3]
        if word == "PREFIX" and len(following) == 2 and following[1].lastgroup == "iri":
            prefixes[following[0][0]] = following[1][0]
        elif word == "SERVICE" and following:
            target = (
                following[1] if following[0][0].upper() == "SILENT" and len(following) > 1 else following[0]
            )
            name = target[0]
            prefix, colon, local = name.partition(":")
            if target.lastgroup == "word" and colon and f"{prefix}:" in prefixes:
                name = f"{prefixes[prefix + ':'][:-1]}{local}>"
            found.append(name)
    return found


def check_services(query: StoredQuery, allowed: Collection[str]) -> None:
    """Refuse a SERVICE clause whose endpoint the caller did not name: a query file must not make requests."""
    for written in service_endpoints(query.text):
        iri = written[1:-1] if written.startswith("<") else None
        if iri is not None and iri in allowed:
            continue
        if iri is None:
            raise QueryError(
                f"{query.source}: SERVICE {written} names no endpoint that could be allowed; "
                "write the endpoint as a full <IRI>"
            )
        raise QueryError(
            f"{query.source}: SERVICE {written} would send a request to another server; "
            f"allow it with --allow-service {iri}"
        )


def select_oxigraph(
    store: ox.Store, query: StoredQuery, values: Mapping[str, str], allowed_services: Collection[str] = ()
) -> Results:
    check_services(query, allowed_services)
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
        if isinstance(solutions, ox.QueryTriples):
            triples = [(triple.subject, triple.predicate, triple.object) for triple in solutions]
            return triple_results([tuple(map(term, triple)) for triple in triples])
        variables = tuple(variable.value for variable in solutions.variables)
        rows = tuple(tuple(map(term, solution)) for solution in solutions)
    except SyntaxError as error:
        found = re.match(r"error at (\d+):(\d+): (.*)", str(error), re.DOTALL)
        position = (int(found[1]), int(found[2])) if found else None
        raise syntax_error(query, position, found[3] if found else str(error)) from None
    except OSError as error:
        raise QueryError(f"{query.source}: the query failed: {one_line(str(error))}") from None
    return Results(variables, rows)


def triple_results(triples: list[tuple[Term | None, ...]]) -> Results:
    """Triples as rows of subject, predicate, object, in one order whatever engine gave them."""
    return Results(TRIPLE_COLUMNS, tuple(sorted(triples, key=lambda row: [term.turtle() for term in row])))


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


def select_rdflib(
    graph: rdflib.Graph, query: StoredQuery, values: Mapping[str, str], allowed_services: Collection[str] = ()
) -> Results:
    """rdflib binds the parameters itself (`initBindings`); imported here, as only tests and checks use it."""
    import rdflib
    from pyparsing import ParseException

    check_services(query, allowed_services)
    where_start(query)
    bindings = {rdflib.Variable(name): rdflib.Literal(value) for name, value in values.items()}
    try:
        result = graph.query(query.text, initBindings=bindings)
    except ParseException as error:
        raise syntax_error(query, (error.lineno, error.col), str(error)) from None
    if result.type in TRIPLE_FORMS:
        return triple_results([tuple(map(rdflib_term, triple)) for triple in result])  # type: ignore[arg-type]
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


def query_form(query: StoredQuery) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword outside strings, IRIs and comments."""
    for token in TOKEN.finditer(query.text):
        if token.lastgroup == "word" and token[0].upper() in QUERY_FORMS:
            return token[0].upper()
    return None


def where_start(query: StoredQuery) -> int | None:
    """Where the WHERE group of the query opens (after its `{`); ASK queries, which give no rows, are refused.

    A CONSTRUCT's first group is its template: its WHERE group is the one after the word WHERE. None when
    no group was found: a DESCRIBE of IRIs has none, and a malformed query is left for the engine to point at.
    """
    form = query_form(query)
    if form == "ASK":
        raise QueryError(f"{query.source}: only SELECT, DESCRIBE and CONSTRUCT queries give rows, not ASK")
    started = False
    for token in TOKEN.finditer(query.text):
        if token.lastgroup == "word":
            word = token[0].upper()
            started = started or (word == "WHERE" if form == "CONSTRUCT" else word == form)
        elif token.lastgroup == "brace" and started:
            return token.end()
    return None


def with_values(query: StoredQuery, values: Mapping[str, str]) -> str:
    """The query text with the parameters as a VALUES block opening its WHERE group, on the same line.

    At the top of the group, not at the end of the query: a trailing VALUES joins after grouping, where the
    variable is out of scope and would restrict nothing.
    """
    start = where_start(query)
    if not values:
        return query.text
    if start is None:
        if query_form(query) == "DESCRIBE":
            raise QueryError(
                f"{query.source}: parameters are bound in a WHERE group, and this query has none"
            )
        return query.text
    block = " ".join(
        f"VALUES ?{name} {{ {literal(value).turtle()} }}" for name, value in sorted(values.items())
    )
    return f"{query.text[:start]} {block}{query.text[start:]}"


def select_endpoint(
    endpoint: str,
    query: StoredQuery,
    values: Mapping[str, str],
    allowed_services: Collection[str] = (),
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> Results:
    """Ask any SPARQL 1.1 endpoint through `csgraph.remote` (retries, timeouts, `user:password@` URLs)."""
    from csgraph import remote

    check_services(query, allowed_services)
    text = with_values(query, values)
    where = remote.Endpoint.parse(endpoint).url
    if query_form(query) in TRIPLE_FORMS:
        turtle = remote.sparql_graph(endpoint, text, timeout=timeout)
        try:
            triples = [
                (t.subject, t.predicate, t.object) for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE)
            ]
        except SyntaxError as error:
            raise RemoteError(
                f"{where} did not answer with N-Triples or Turtle ({one_line(str(error))})"
            ) from None
        return triple_results([tuple(map(oxigraph_term, triple)) for triple in triples])
    document = remote.sparql_select(endpoint, text, timeout=timeout)
    try:
        return json_results(document)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise RemoteError(f"{where} did not answer with SPARQL SELECT results ({error!r})") from None


def one_line(text: str) -> str:
    return " ".join(text.split())[:300]
