"""Coverage questions as files: `queries/*.rq`, one SPARQL SELECT each, with a comment header.

The header is the file's leading `#` lines; these keys are read, other comments are left alone:

    # title: Actions per keyword
    # title-fr: Actions par mot clé
    # description-fr: Nombre d'actions par mot clé.
    # description-en: Number of actions per keyword.
    # param: departement (optional) — département name or INSEE code
    # param: NAME = DEFAULT — description          (used when the parameter is not given)
    # param: NAME — description                    (required)
    # columns: keyword, actions

A parameter is the query variable of the same name, bound to a plain literal (see `csgraph.engines`), so a
value can only ever match or not match. An optional parameter that is not given stays unbound and the query
says what that means (`!BOUND(?departement) || …`). A value that must name something is resolved here, and
an unknown one is an error naming the nearest values rather than an empty answer: a `departement` is bound
as its INSEE code (the graph holds it as `skos:notation`), a `keyword`, `public` or `partner` as the French
label of the listed concept it names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from csgraph.departements import resolve_departement
from csgraph.errors import QueryError, UnknownValue
from csgraph.names import unknown_value
from csgraph.resources import project_file
from csgraph.vocabulary import Vocabulary

HEADER_LINE = re.compile(
    r"#\s*(?P<key>title|title-fr|description-fr|description-en|param|columns)\s*:\s*(?P<value>.*)"
)

PARAMETER = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(?P<default>.*?)|\((?P<optional>optional)\))?"
    r"\s+(?:—|--)\s+(?P<description>.+)"
)
LISTED_PARAMETERS = {
    "keyword": ("keyword", "keyword"),
    "public": ("public", "public"),
    "partner": ("partner", "partner type"),
}
"""Parameters whose value must be a member of a published list: name -> (concept scheme, what to call it)."""


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
    title_fr: str = ""  # the English title stands in when there is none
    description_fr: str = ""
    description_en: str = ""
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[str, ...] = ()


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
        title_fr=fields.get("title-fr", fields.get("title", name)),
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
    """The value to bind for what the user typed; a value naming nothing is an error with near matches."""
    if name == "departement":
        return resolve_departement(value).code
    if name in LISTED_PARAMETERS:
        scheme, what = LISTED_PARAMETERS[name]
        vocabulary = Vocabulary.load()
        concept = vocabulary.lookup(scheme, value) if any(char.isalnum() for char in value) else None
        if concept is None or not concept.listed:
            raise UnknownValue(
                unknown_value(what, value, (item.label for item in vocabulary.concepts(scheme)))
            )
        return concept.label
    return value
