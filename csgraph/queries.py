"""Coverage questions as files: `queries/*.rq`, one SPARQL SELECT each, with a comment header.

The header is the file's leading `#` lines; these keys are read, other comments are left alone:

    # title: Actions per keyword
    # description-fr: Nombre d'actions par mot clé.
    # description-en: Number of actions per keyword.
    # param: departement (optional) — département name or INSEE code
    # param: NAME = DEFAULT — description          (used when the parameter is not given)
    # param: NAME — description                    (required)
    # columns: keyword, actions

A parameter is the query variable of the same name, bound to a plain literal, so a value can only ever
match or not match: it is never pasted into the query as text. An optional parameter that is not given
stays unbound and the query says what that means (`!BOUND(?departement) || …`). A `departement` may be
named or given by code; it is bound as the INSEE code, which the graph holds as `skos:notation`.

Three engines give the same rows: the Oxigraph store (the default, fast), plain rdflib (`engine="rdflib"`,
what most Python tools use, with `initBindings`) and any SPARQL 1.1 endpoint over HTTP. Oxigraph and
endpoints get the bindings as a VALUES block of escaped, serialised literals opening the WHERE group:
Oxigraph's own `substitutions` only bind variables the query selects, and an endpoint takes nothing else.

The bundled queries are shaped for Oxigraph's simple planner, which joins in the written order and looks
each row up in the store unless a side is a subquery of its own, joined by hashing. So they read each
property in a one-triple subquery, count over IRIs first and fetch labels afterwards from a small table,
and sort on keys bound once per row (`BIND(LCASE(?label) AS ?key)`): an expression in ORDER BY is
evaluated again in every comparison, and reading a stored string costs far more than comparing ids.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyoxigraph as ox
from rich.table import Table
from rich.text import Text

from csgraph.departements import find_departement
from csgraph.errors import InputError, QueryError, RemoteError
from csgraph.resources import project_file
from csgraph.store import open_graph
from csgraph.terminal import inert
from csgraph.vocabulary import PREFIXES

if TYPE_CHECKING:
    import rdflib

Engine = Literal["oxigraph", "rdflib"]
TIMEOUT_SECONDS = 60
XSD = "http://www.w3.org/2001/XMLSchema#"
PLAIN_DATATYPES = (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
NUMERIC_DATATYPES = {XSD + name for name in ("integer", "decimal", "double", "float", "long", "int")}
# The lexical forms Turtle (and so the SPARQL TSV format) may write without quotes and datatype.
BARE_TURTLE = {XSD + "integer": r"[+-]?\d+", XSD + "decimal": r"[+-]?\d*\.\d+", XSD + "boolean": "true|false"}
ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})

HEADER_LINE = re.compile(
    r"#\s*(?P<key>title|description-fr|description-en|param|columns)\s*:\s*(?P<value>.*)"
)
PARAMETER = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(?P<default>.*?)|\((?P<optional>optional)\))?"
    r"\s+(?:—|--)\s+(?P<description>.+)"
)
# Enough of the SPARQL grammar to find where the WHERE group of a query opens: comments, strings and
# IRIs are skipped whole, so a `{` or a keyword inside them is never taken for one.
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


@dataclass(frozen=True)
class Parameter:
    """A value the user may (or must) give; bound to the query variable of the same name."""

    name: str
    description: str
    default: str | None = None
    optional: bool = False

    @property
    def required(self) -> bool:
        return self.default is None and not self.optional

    def __str__(self) -> str:
        if self.default is not None:
            return f"{self.name} = {self.default}"
        return f"{self.name} (optional)" if self.optional else self.name


@dataclass(frozen=True)
class StoredQuery:
    """A question: the SPARQL text as written and what its header says about it."""

    name: str
    text: str
    source: str
    title: str
    description_fr: str = ""
    description_en: str = ""
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    """One value of a result row, as the SPARQL JSON results format describes it."""

    type: str  # "uri", "literal" or "bnode"
    value: str
    language: str | None = None
    datatype: str | None = None  # left out for plain and language-tagged strings, as in the W3C format

    def turtle(self) -> str:
        """The term in Turtle syntax, as the SPARQL TSV format and VALUES blocks write it."""
        if self.type == "uri":
            return f"<{self.value}>"
        if self.type == "bnode":
            return f"_:{self.value}"
        if self.datatype in BARE_TURTLE and re.fullmatch(BARE_TURTLE[self.datatype], self.value):
            return self.value
        quoted = '"' + self.value.translate(ESCAPES) + '"'
        if self.language:
            return f"{quoted}@{self.language}"
        return f"{quoted}^^<{self.datatype}>" if self.datatype else quoted


@dataclass(frozen=True)
class Results:
    """The answer to a SELECT query: column names and rows of terms (None where a variable is unbound)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]


def literal(value: str, language: str | None = None, datatype: str | None = None) -> Term:
    plain = bool(language) or datatype in PLAIN_DATATYPES
    return Term("literal", value, language or None, None if plain else datatype)


# --- the questions -------------------------------------------------------------------------------------


def parse_query(text: str, name: str, source: str) -> StoredQuery:
    """A query and its header; the header is optional for a user's own file (title = file name)."""
    fields: dict[str, str] = {}
    parameters: list[Parameter] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.lstrip().startswith("#"):
            break
        header = HEADER_LINE.fullmatch(line.strip())
        if not header:
            continue
        key, value = header["key"], header["value"].strip()
        if key == "param":
            parameters.append(parse_parameter(value, f"{source}:{number}"))
        elif key in fields:
            raise QueryError(f"{source}:{number}: `{key}` is given twice in the header")
        else:
            fields[key] = value
    names = [parameter.name for parameter in parameters]
    for parameter in parameters:
        if names.count(parameter.name) > 1:
            raise QueryError(f"{source}: parameter `{parameter.name}` is declared twice")
        if not re.search(rf"[?$]{parameter.name}(?!\w)", text):
            raise QueryError(f"{source}: parameter `{parameter.name}` has no ?{parameter.name} in the query")
    return StoredQuery(
        name=name,
        text=text,
        source=source,
        title=fields.get("title", name),
        description_fr=fields.get("description-fr", ""),
        description_en=fields.get("description-en", ""),
        parameters=tuple(parameters),
        columns=tuple(filter(None, (column.strip() for column in fields.get("columns", "").split(",")))),
    )


def parse_parameter(text: str, place: str) -> Parameter:
    match = PARAMETER.fullmatch(text)
    if not match:
        raise QueryError(f"{place}: expected `# param: NAME [= DEFAULT | (optional)] — description`")
    return Parameter(match["name"], match["description"], match["default"], bool(match["optional"]))


def read_query(path: Path) -> StoredQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as error:
        raise QueryError(f"{path}: cannot be read: {error}") from None
    return parse_query(text, path.stem, str(path))


def bundled_queries() -> list[StoredQuery]:
    """The questions shipped in `queries/`, by name."""
    return [read_query(path) for path in sorted(project_file("queries").glob("*.rq"))]


def find_query(reference: str) -> StoredQuery:
    """A bundled question by name (`actions-per-keyword`), or the user's own `.rq` file by path."""
    path = Path(reference)
    if path.suffix == ".rq" or len(path.parts) > 1:
        if not path.is_file():
            raise QueryError(f"{reference}: no such query file")
        return read_query(path)
    bundled = project_file("queries") / f"{reference}.rq"
    if bundled.is_file():
        return read_query(bundled)
    names = [query.stem for query in project_file("queries").glob("*.rq")]
    close = difflib.get_close_matches(reference, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise QueryError(f"no query named {reference!r}{hint} (`csgraph queries` lists them)")


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """`NAME=VALUE` strings as typed after --param; the value may itself hold `=`."""
    values: dict[str, str] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        name = name.strip()
        if not equals or not name:
            raise QueryError(f"parameter {assignment!r}: expected NAME=VALUE")
        if name in values:
            raise QueryError(f"parameter {name!r} is given twice")
        values[name] = value
    return values


def parameter_values(query: StoredQuery, given: Mapping[str, str]) -> dict[str, str]:
    """The values to bind: those given, then defaults; unknown and missing parameters are errors."""
    declared = {parameter.name: parameter for parameter in query.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        takes = f"it takes {', '.join(map(str, query.parameters))}" if declared else "it takes none"
        raise QueryError(f"{query.name}: unknown parameter {unknown[0]!r}; {takes}")
    values: dict[str, str] = {}
    for parameter in query.parameters:
        value = given.get(parameter.name, parameter.default)
        if value is None and parameter.required:
            raise QueryError(
                f"{query.name}: parameter {parameter.name!r} is required ({parameter.description}); "
                f"give it with --param {parameter.name}=VALUE"
            )
        if value is not None:
            values[parameter.name] = normalised(parameter.name, value)
    return values


def normalised(name: str, value: str) -> str:
    """A département is bound as its INSEE code, however it was named; an unknown one matches nothing."""
    if name == "departement":
        departement = find_departement(value)
        return departement.code if departement else value
    return value


# --- running them --------------------------------------------------------------------------------------


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

    if not graph.is_file():
        raise InputError(f"no graph here; run `csgraph build` first (looked for {graph})")
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


def json_results(document: dict[str, Any]) -> Results:
    variables = tuple(document["head"]["vars"])
    bindings = document["results"]["bindings"]
    return Results(
        variables, tuple(tuple(json_term(row.get(name)) for name in variables) for row in bindings)
    )


def json_term(node: dict[str, str] | None) -> Term | None:
    if node is None:
        return None
    if node["type"] in ("uri", "bnode"):
        return Term(node["type"], node["value"])
    if node["type"] in ("literal", "typed-literal"):
        return literal(node["value"], node.get("xml:lang"), node.get("datatype"))
    raise ValueError(f"unexpected term type {node['type']!r}")


def one_line(text: str) -> str:
    return " ".join(text.split())[:300]


# --- showing the answers -------------------------------------------------------------------------------


def render(results: Results, output_format: str) -> str:
    """CSV, TSV or JSON exactly as the W3C SPARQL 1.1 result formats define them (CSV for spreadsheets)."""
    if output_format == "csv":
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(results.variables)
        writer.writerows([csv_value(term) for term in row] for row in results.rows)
        return stream.getvalue()
    if output_format == "tsv":
        lines = ["\t".join(f"?{name}" for name in results.variables)]
        lines += ["\t".join(term.turtle() if term else "" for term in row) for row in results.rows]
        return "\n".join(lines) + "\n"
    if output_format == "json":
        bindings = [
            {name: json_node(term) for name, term in zip(results.variables, row, strict=True) if term}
            for row in results.rows
        ]
        document = {"head": {"vars": list(results.variables)}, "results": {"bindings": bindings}}
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    raise QueryError(f"unknown output format {output_format!r}; use csv, tsv or json")


def csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return f"_:{term.value}" if term.type == "bnode" else term.value


def json_node(term: Term) -> dict[str, str]:
    node = {"type": term.type, "value": term.value}
    if term.language:
        node["xml:lang"] = term.language
    if term.datatype:
        node["datatype"] = term.datatype
    return node


def display(term: Term | None) -> str:
    """What a person reads: the value, IRIs shortened with the project's prefixes."""
    if term is None:
        return ""
    if term.type == "bnode":
        return f"_:{term.value}"
    if term.type == "uri":
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
    return term.value


def results_table(results: Results, title: str | None = None) -> Table:
    """Rows for people; numbers right-aligned; cells are Text, so fiche text is never read as markup."""
    table = Table(title=Text(title) if title else None, caption=f"{len(results.rows)} row(s)")
    for index, name in enumerate(results.variables):
        column = [row[index] for row in results.rows if row[index] is not None]
        numeric = bool(column) and all(term.datatype in NUMERIC_DATATYPES for term in column)
        table.add_column(name, justify="right" if numeric else "left")
    for row in results.rows:
        table.add_row(*(Text(inert(display(term))) for term in row))
    return table


def queries_table(queries: list[StoredQuery]) -> Table:
    table = Table(title="Questions (csgraph query NAME)")
    table.add_column("name", no_wrap=True)
    table.add_column("title")
    table.add_column("parameters")
    for query in queries:
        parameters = ", ".join(map(str, query.parameters))
        table.add_row(Text(query.name), Text(query.title), Text(parameters))
    return table
