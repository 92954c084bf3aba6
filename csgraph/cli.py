"""The `csgraph` command: each command parses its options, calls one library function, prints.

Errors are caught here once and become one line on stderr plus a documented exit code
(see csgraph.errors); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console

from csgraph.errors import CsgraphError, InputError, StrictError
from csgraph.export import EXPORT_DIR
from csgraph.export.catalog import CATALOG_FILE, DEFAULT_BASE_URL
from csgraph.export.formats import format_help
from csgraph.formatting import count, number, plural, tr
from csgraph.model import Notice
from csgraph.store import GRAPH_FILE
from csgraph.terminal import shown
from csgraph.writing import STDOUT, StandardOutput

if TYPE_CHECKING:
    from csgraph.build import BuildReport

app = typer.Typer(
    help="Build an RDF knowledge graph of social-centre actions from SENACS fiches.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # typer's rich panels show flags as taking a value: `--strict <bool>`
)
stdout = StandardOutput()
# No emoji codes: fiche text such as `mot :x: clé` or `<urn:x:evil>` is printed as written.
out = Console(file=stdout, highlight=False, emoji=False)  # type: ignore[arg-type]
err = Console(stderr=True, highlight=False, emoji=False)
state = {"debug": False, "lang": "fr"}

DEFAULT_INPUT = Path("data")
DEFAULT_OUT = Path("output")
DEFAULT_GRAPH = DEFAULT_OUT / GRAPH_FILE

Strict = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) when the input raised warnings.")]
Report = Annotated[Path | None, typer.Option("--report", help="Write the warnings to this file as JSON.")]
Inputs = Annotated[
    list[Path] | None,
    typer.Argument(metavar="FICHES", help="Fiche files or folders (default: data/)."),
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", metavar="NAME=VALUE", help="A parameter as NAME=VALUE; repeat for more."),
]


def timeout_option(server: str, answer: str, default: float) -> typer.models.OptionInfo:
    """`--timeout` of the commands that talk to a server; its default is the library's (remote, engines)."""
    return typer.Option(
        "--timeout",
        min=0.1,
        metavar="SECONDS",
        help=f"Seconds {server} may take over {answer} (default: {default:g}; connecting: 10 at most).",
    )


def environment_lang() -> Literal["fr", "en"]:
    """French unless the locale asks for English (LANG=en_GB.UTF-8): the people csgraph serves read French."""
    return "en" if os.environ.get("LANG", "").lower().startswith("en") else "fr"


def say(french: str, english: str) -> str:
    """What the terminal tells people, in the language of --lang or LANG; machine formats never change."""
    return tr(state["lang"], french, english)


def lang() -> str:
    """The language of the messages, for library functions that build sentences."""
    return state["lang"]


def warn(text: str) -> None:
    """`avertissement : …` on stderr; `text` is printed as written, never read as markup."""
    err.print(
        f"[yellow]{say('avertissement :', 'warning:')}[/yellow] {shown(text)}", markup=True, soft_wrap=True
    )


def wrote(path: Path) -> None:
    out.print(say(f"écrit : {shown(path)}", f"wrote {shown(path)}"))


def show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        out.print(f"csgraph {version('csgraph')}")
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    lang: Annotated[
        Literal["fr", "en"] | None,
        typer.Option("--lang", help="Messages in fr or en (default: French; English if LANG=en…)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """csgraph: actors, funders and themes of social-centre actions, as a graph."""
    state["debug"] = debug
    state["lang"] = lang or environment_lang()


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM (from `kill`, a service manager, a CI timeout) stops a command the way Ctrl-C does."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises KeyboardInterrupt, so the same clean-up runs for both."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn every failure into one line and an exit code; never a traceback unless --debug."""
    try:
        with terminated_as_interrupt():
            yield
        stdout.flush()  # what is still buffered meets a full disk here, not silently at exit
    except typer.Exit:
        raise
    except CsgraphError as error:
        if state["debug"]:
            raise
        err.print(f"[red]{say('erreur :', 'error:')}[/red] {shown(error)}", markup=True, soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        err.print(
            say(
                "interrompu ; les sorties précédentes sont restées telles quelles",
                "interrupted; previous outputs are left as they were",
            )
        )
        raise typer.Exit(130) from None
    except BrokenPipeError:  # `csgraph parse data/ | head -1`: the reader has what it wanted
        discard_stdout()
        raise typer.Exit(0) from None
    except OSError as error:  # the disk refused (full, read-only, a file where a folder should be)
        if error.filename == STDOUT:
            discard_stdout()
        if state["debug"]:
            raise
        place = f"{error.filename}: " if error.filename else ""
        err.print(
            f"[red]{say('erreur :', 'error:')}[/red] {shown(place + (error.strerror or str(error)))}",
            soft_wrap=True,
        )
        raise typer.Exit(3) from None
    except Exception as error:  # the promise: no traceback without --debug
        if state["debug"]:
            raise
        err.print(
            say(
                f"erreur interne : {type(error).__name__} : {shown(error)} "
                "(relancez avec --debug pour le détail)",
                f"internal error: {type(error).__name__}: {shown(error)} (run with --debug for details)",
            ),
            soft_wrap=True,
        )
        raise typer.Exit(3) from None


def discard_stdout() -> None:
    """Output that stdout refused is dropped, so that exiting does not try it again and fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def write_report(report: Path, notices: list[Notice]) -> None:
    from csgraph.model import in_line_order
    from csgraph.writing import write_text

    rows = [{"file": n.file, "line": n.line, "message": n.message} for n in in_line_order(notices)]
    write_text(report, json.dumps(rows, ensure_ascii=False, indent=2) + "\n")


def finish_notices(notices: list[Notice], report: Path | None, strict: bool) -> None:
    """Print warnings in line order, write them as JSON when asked, and honour --strict."""
    from csgraph.model import in_line_order

    for notice in in_line_order(notices)[:20]:
        warn(str(notice))
    if len(notices) > 20:
        more = len(notices) - 20
        err.print(
            say(
                f"… et {number(more, 'fr')} autres avertissements (--report FICHIER les donne tous)",
                f"… and {more} more warnings (use --report FILE to see them all)",
            )
        )
    if report:
        write_report(report, notices)
    if strict and notices:
        raise StrictError(
            say(
                f"{count(len(notices), 'fr', 'avertissement')} et --strict était donné",
                f"{len(notices)} warning(s) and --strict was given",
            )
        )


@app.command()
def parse(
    paths: Inputs = None,
    strict: Strict = False,
    report: Report = None,
) -> None:
    """Print what was read from the fiches and structure pages, as JSON Lines (one object per fiche, then one
    per structure with its "kind"); exit codes as build's."""
    from csgraph.build import no_fiche
    from csgraph.fiches import read_fiches
    from csgraph.inputs import read_structure_pages
    from csgraph.model import fiche_json
    from csgraph.structure_pages import page_json

    with reported():
        notices: list[Notice] = []
        inputs = paths or [DEFAULT_INPUT]
        fiches = 0
        for fiche in read_fiches(inputs, notices):
            fiches += 1
            stdout.write(json.dumps(fiche_json(fiche), ensure_ascii=False) + "\n")
        for page in read_structure_pages(inputs, notices):
            fiches += 1
            stdout.write(json.dumps(page_json(page), ensure_ascii=False) + "\n")
        if not fiches:  # as build does: nothing usable is bad input (exit 2), the reason on one line
            if report:
                write_report(report, notices)
            raise no_fiche(notices, inputs)
        finish_notices(notices, report, strict)


@app.command()
def build(
    paths: Inputs = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for graph.ttl and the store.")] = DEFAULT_OUT,
    store: Annotated[bool, typer.Option(help="Keep an on-disk Oxigraph store beside graph.ttl.")] = True,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", min=1, help="Worker processes for parsing (default: all cores on big inputs)."
        ),
    ] = None,
    strict: Strict = False,
    report: Report = None,
    push: Annotated[
        str | None,
        typer.Option(
            "--push",
            metavar="URL",
            help="Then replace a graph of this SPARQL Graph Store endpoint with it (…/store, …/ds/data).",
        ),
    ] = None,
    push_graph: Annotated[
        str | None,
        typer.Option(
            "--push-graph", metavar="IRI", help="The named graph to replace (default: the default graph)."
        ),
    ] = None,
    push_chunk: Annotated[
        int | None, typer.Option("--push-chunk", min=1, help="Triples per request (default: 50000).")
    ] = None,
    timeout: Annotated[float | None, timeout_option("the --push server", "each request", 120)] = None,
) -> None:
    """Parse the fiches and write the knowledge graph (graph.ttl)."""
    from csgraph.build import build as run_build
    from csgraph.progress import BuildProgress

    with reported(), BuildProgress(err, lang()) as progress:
        if push or push_graph:
            from csgraph import remote

            remote.push_target(push, push_graph)  # a bad URL fails now, not after the build
        notices: list[Notice] = []
        try:
            result = run_build(
                paths or [DEFAULT_INPUT],
                out_dir,
                keep_store=store,
                indexes=store,  # the lists', the similar actions', the answers'
                workers=jobs,
                on_start=progress.on_start,
                on_fiche=progress.on_fiche,
                on_indexes=progress.on_indexes,
                notices=notices,
            )
        except InputError:
            if report:  # the warnings say why nothing was read (`binary file`, `cannot be read`)
                write_report(report, notices)
            raise
        out.print(
            say(
                f"{count(result.fiches, 'fr', 'fiche')} → {count(result.actions, 'fr', 'action')}, "
                f"{count(result.structures, 'fr', 'structure')} dans "
                f"{count(result.departements, 'fr', 'département')}, "
                f"{number(result.partner_types)} {plural(result.partner_types, 'fr', 'type')} de partenaire, "
                f"{number(result.keywords)} {plural(result.keywords, 'fr', 'mot')} "
                f"{plural(result.keywords, 'fr', 'clé')} ; {count(result.triples, 'fr', 'triplet')} "
                f"dans {shown(result.graph)}",
                f"{result.fiches} fiches → {result.actions} actions, {result.structures} structures "
                f"in {result.departements} département(s), {result.partner_types} partner types, "
                f"{result.keywords} keywords; {result.triples} triples in {shown(result.graph)}",
            ),
            soft_wrap=True,
        )
        if result.structure_pages or result.grants:
            print_structure_matches(result)
        out.print(say(count(len(result.notices), "fr", "avertissement"), f"{len(result.notices)} warning(s)"))
        finish_notices(result.notices, report, strict)
        if push:
            from csgraph import remote

            sent = remote.push_graph(
                result.graph,
                push,
                push_graph,
                push_chunk or remote.CHUNK_TRIPLES,
                timeout=timeout or remote.TIMEOUT_SECONDS,
            )
            out.print(
                say(
                    f"{count(sent.triples, 'fr', 'triplet')} envoyés en "
                    f"{count(sent.requests, 'fr', 'requête')} à {shown(sent.target)} "
                    f"en {number(f'{sent.seconds:.1f}')} s",
                    f"pushed {sent.triples} triples in {sent.requests} request(s) to {shown(sent.target)} "
                    f"in {sent.seconds:.1f} s",
                ),
                soft_wrap=True,
            )


def print_structure_matches(result: BuildReport) -> None:
    """Both ways, so that a federation can fix the names that keep a page from meeting its actions."""
    matched = result.structure_pages_joined
    homonyms = result.structure_pages - matched - len(result.pages_without_actions)
    doubled = f", {number(homonyms)} en double non {plural(homonyms, 'fr', 'lue')}" if homonyms else ""
    out.print(
        say(
            f"{count(result.structure_pages, 'fr', 'page')} de structure, {number(matched)} "
            f"{plural(matched, 'fr', 'rejointe')} aux actions{doubled} ; "
            f"{count(result.grants, 'fr', 'subvention')} {plural(result.grants, 'fr', 'déclarée')}, "
            f"{number(result.grants_unjoined)} sans structure connue",
            f"{result.structure_pages} structure page(s), {matched} joined to actions"
            + (f", {homonyms} homonym(s) not read" if homonyms else "")
            + f"; {result.grants} declared grant(s), {result.grants_unjoined} joining no known structure",
        ),
        soft_wrap=True,
    )
    for page in result.pages_without_actions:
        out.print(say(f"  page sans action : {page}", f"  page without actions: {page}"), soft_wrap=True)
    for place in result.structures_without_page:
        out.print(
            say(f"  structure sans page : {place}", f"  structure without a page: {place}"), soft_wrap=True
        )


@app.command("queries")
def list_queries() -> None:
    """List the bundled coverage questions: name, title, parameters."""
    from csgraph.catalogue import bundled_queries
    from csgraph.terminal import queries_table

    with reported():
        out.print(queries_table(bundled_queries(), lang()))


@app.command()
def query(
    name: Annotated[str, typer.Argument(help="A question listed by `csgraph queries`, or a .rq file.")],
    param: Params = None,
    graph: Annotated[
        Path | None, typer.Option("--graph", help=f"The built graph to ask (default: {DEFAULT_GRAPH}).")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Ask this SPARQL 1.1 endpoint URL instead of a graph.")
    ] = None,
    output_format: Annotated[
        Literal["table", "spreadsheet", "csv", "tsv", "json"],
        typer.Option(
            "--format",
            "-f",
            help="table or spreadsheet (CSV: BOM, ';', decimal comma) for people; csv, tsv, json: "
            "W3C SPARQL results.",
        ),
    ] = "table",
    allow_service: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-service",
            metavar="URL",
            help="An endpoint the query's SERVICE clauses may call (refused otherwise); repeat for more.",
        ),
    ] = None,
    timeout: Annotated[float | None, timeout_option("--endpoint", "its answer", 60)] = None,
) -> None:
    """Answer a coverage question from the graph or a SPARQL endpoint."""
    from csgraph.catalogue import find_query, parse_assignments
    from csgraph.engines import TIMEOUT_SECONDS, TRIPLE_FORMS, query_form, run_query, saved_json_answer
    from csgraph.results import render
    from csgraph.terminal import results_table

    with reported():
        stored = find_query(name)
        graph = graph or (None if endpoint else DEFAULT_GRAPH)
        assignments = parse_assignments(param or [])
        answerable = graph is not None and endpoint is None and output_format == "json"
        saved = saved_json_answer(stored, assignments, graph) if answerable else None
        if saved is not None:
            stdout.write(saved)
            return
        results = run_query(
            stored,
            assignments,
            graph=graph,
            endpoint=endpoint,
            allowed_services=allow_service or (),
            timeout=timeout or TIMEOUT_SECONDS,
        )
        if output_format == "table":
            triples = query_form(stored) in TRIPLE_FORMS
            title = say(stored.title_fr or stored.title, stored.title)
            if triples:
                title = say(f"{title} : ses triplets, un par ligne", f"{title}: its triples, one per row")
            out.print(results_table(results, title, lang()))
        else:
            stdout.write(render(results, output_format))


@app.command()
def viz(
    view: Annotated[str, typer.Argument(help="partnership, funding, keywords or structures.")],
    graph: Annotated[Path, typer.Option("--graph", help="The built graph to draw from.")] = DEFAULT_GRAPH,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write (default output/VIEW.html); .graphml or .gexf for Gephi."),
    ] = None,
    open_page: Annotated[bool, typer.Option("--open", help="Open the result in the web browser.")] = False,
    departement: Annotated[
        str | None, typer.Option("--departement", help="Only actions of this département (name or code).")
    ] = None,
    keyword: Annotated[str | None, typer.Option("--keyword", help="Only actions with this keyword.")] = None,
    public: Annotated[str | None, typer.Option("--public", help="Only actions for this public.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Only actions with this partner.")] = None,
    year: Annotated[
        str | None, typer.Option("--year", help="Only actions of this year (listing pages give it).")
    ] = None,
    min_weight: Annotated[
        float, typer.Option("--min-weight", help="Hide lighter links (actions; euros in the funding view).")
    ] = 0,
) -> None:
    """Draw a network (who works with whom, who funds what) as an interactive offline HTML page."""
    import webbrowser

    from csgraph.graph_actions import Narrowing
    from csgraph.render import draw
    from csgraph.terminal import central_table
    from csgraph.view_words import PAGE_TITLES, page_summary

    with reported():
        target = out_file or DEFAULT_OUT / f"{view}.html"
        drawn = draw(graph, view, target, Narrowing(departement, keyword, public, partner, min_weight, year))
        title = say(*PAGE_TITLES[drawn.name])
        out.print(shown(say(f"{title} : ", f"{title}: ") + page_summary(drawn, lang())), soft_wrap=True)
        out.print(central_table(drawn, lang()))
        wrote(target)
        if open_page:
            webbrowser.open(target.resolve().as_uri())


@app.command()
def export(
    graph: Annotated[Path, typer.Option("--graph", help="The built graph to export.")] = DEFAULT_GRAPH,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the exported files and catalog.ttl.")
    ] = DEFAULT_OUT / EXPORT_DIR,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", metavar="FORMAT", help=f"{format_help()}. Repeat for more (default: all)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help=f"Where the files will be published (default: {DEFAULT_BASE_URL})."),
    ] = None,
    publisher: Annotated[
        str | None, typer.Option("--publisher", help="Who publishes the data (default: the FCSF).")
    ] = None,
    licence: Annotated[
        str | None, typer.Option("--licence", help="Licence URL (default: Licence Ouverte / Etalab 2.0).")
    ] = None,
    issued: Annotated[
        datetime | None,
        typer.Option(
            "--issued", formats=["%Y-%m-%d"], help="Publication date; none in the metadata if not given."
        ),
    ] = None,
    modified: Annotated[
        datetime | None,
        typer.Option("--modified", formats=["%Y-%m-%d"], help="Last change date (default: --issued)."),
    ] = None,
) -> None:
    """Write the graph as Turtle, N-Triples, JSON-LD and CSV tables, with DCAT-AP metadata (catalog.ttl)."""
    from csgraph.export import CatalogSettings
    from csgraph.export import export as run_export
    from csgraph.export.catalog import placeholder

    with reported():
        options = {
            "base_url": base_url,
            "publisher": publisher,
            "licence": licence,
            "issued": issued and issued.date(),
            "modified": modified and modified.date(),
        }
        settings = CatalogSettings(**{name: value for name, value in options.items() if value is not None})
        result = run_export(graph, out_dir, formats, settings)
        out.print(
            say(
                f"{count(result.triples, 'fr', 'triplet')} exportés dans {shown(out_dir)} :",
                f"{result.triples} triples exported to {shown(out_dir)}:",
            ),
            soft_wrap=True,
        )
        for file in result.files:
            rows = result.rows.get(file.name)
            lines = say(f", {count(rows, 'fr', 'ligne')}", f", {rows} rows") if rows is not None else ""
            size = say(count(file.size, "fr", "octet"), f"{file.size:,} bytes")
            out.print(f"  {shown(file.name)}  {size}{lines}", soft_wrap=True)
        out.print(
            say(
                f"  {result.catalog.name}  leur description DCAT-AP",
                f"  {result.catalog.name}  DCAT-AP metadata describing them",
            )
        )
        if placeholder(settings.base_url):
            warn(
                say(
                    f"{settings.base_url} est une adresse d'exemple : {result.catalog.name} n'est pas "
                    "publiable tel quel ; exportez avec --base-url ADRESSE (où les fichiers seront publiés)",
                    f"{settings.base_url} is a placeholder: {result.catalog.name} is not publishable as it "
                    "is; export with --base-url URL (where the files will be published)",
                )
            )


@app.command()
def validate(
    graph: Annotated[Path, typer.Option("--graph", help="The built graph to check.")] = DEFAULT_GRAPH,
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            help=f"DCAT metadata to check (default: {EXPORT_DIR}/{CATALOG_FILE} beside the graph, "
            "else made for it).",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most this many problems per check; 0: all.")
    ] = 50,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail (exit 1) on warnings too, such as a placeholder --base-url."),
    ] = False,
) -> None:
    """Check the graph against the csgraph shapes and its metadata against DCAT-AP 3.0.1 (exit 1 if not)."""
    from csgraph.errors import ValidationFailed
    from csgraph.validate import validate as run_validate

    with reported():
        result = run_validate(graph, catalog, lang())
        for check in result.checks:
            out.print(shown(check.text(lang())), soft_wrap=True)
            listed = check.problems[:limit] if limit > 0 else check.problems
            for problem in listed:
                out.print(f"  {shown(problem.text(lang()))}", soft_wrap=True)
            if len(listed) < len(check.problems):
                more = len(check.problems) - len(listed)
                out.print(
                    say(
                        f"  … et {number(more)} autres (--limit 0 les montre tous)",
                        f"  … and {more} more (--limit 0 shows all)",
                    )
                )
        if not result.conforms:
            raise ValidationFailed(
                say(
                    f"{count(result.violations, 'fr', 'violation')} : les données ne sont pas conformes",
                    f"{result.violations} violation(s): the data does not conform",
                )
            )
        if strict and result.warnings:
            raise StrictError(
                say(
                    f"{count(result.warnings, 'fr', 'avertissement')} et --strict était donné",
                    f"{result.warnings} warning(s) and --strict was given",
                )
            )


@app.command()
def serve(
    graph: Annotated[Path, typer.Option("--graph", help="The built graph to serve.")] = DEFAULT_GRAPH,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default; others make it public).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    open_page: Annotated[bool, typer.Option("--open", help="Open the home page in the web browser.")] = False,
    query_timeout: Annotated[
        float, typer.Option("--query-timeout", min=0.1, help="Seconds a SPARQL query may run on the site.")
    ] = 10.0,
) -> None:
    """Serve the graph as a local read-only website in French: a page per thing, search, questions, SPARQL."""
    from csgraph.site.app import serve as run_site

    with reported():
        try:
            run_site(
                graph,
                host,
                port,
                query_timeout=query_timeout,
                open_browser=open_page,
                say=lambda line: err.print(shown(line), soft_wrap=True),
            )
        except KeyboardInterrupt:
            err.print("site arrêté")


@app.command()
def similar(
    action: Annotated[str, typer.Argument(help="The action: its IRI, its site path or its title.")],
    graph: Annotated[Path, typer.Option("--graph", help="The built graph.")] = DEFAULT_GRAPH,
    other_departements: Annotated[
        bool, typer.Option("--other-departements", help="Only actions of other départements.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many actions.")] = 10,
    output_format: Annotated[
        Literal["table", "csv", "json"], typer.Option("--format", "-f", help="table for people; csv, json.")
    ] = "table",
) -> None:
    """Actions like this one (text and graph together), each with why: shared keywords, publics, words."""
    from rich.table import Table

    from csgraph.similar import lookup, render

    with reported():
        found = lookup(graph, action, limit=limit, other_departements=other_departements)
        if output_format != "table":
            stdout.write(render(found, output_format, lang()))
            return
        table = Table(title=say("Actions proches", "Similar actions"))
        for column in ("score", "action", "dép.", say("pourquoi", "why")):
            table.add_column(column)
        for one in found:
            why = shown(one.why(lang()))
            score = f"{one.score:.3f}"  # three decimals always, so that the column reads down
            score = score if lang() == "en" else score.replace(".", ",")
            table.add_row(score, shown(one.title), shown(one.departement), why)
        out.print(table)


@app.command("map")
def france_map(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the map: FILE.svg or FILE.png.")],
    graph: Annotated[Path, typer.Option("--graph", help="The built graph to map.")] = DEFAULT_GRAPH,
    measure: Annotated[
        Literal["actions", "structures", "euros"],
        typer.Option("--measure", help="What shades each département: actions, structures or euros stated."),
    ] = "actions",
    keyword: Annotated[str | None, typer.Option("--keyword", help="Only actions with this keyword.")] = None,
    public: Annotated[str | None, typer.Option("--public", help="Only actions for this public.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Only actions with this partner.")] = None,
) -> None:
    """Draw a map of France by département (overseas in insets), shaded by actions, structures or euros."""
    from csgraph.graph_actions import Narrowing
    from csgraph.maps import draw_map

    with reported():
        drawn = draw_map(graph, out_file, measure, Narrowing(keyword=keyword, public=public, partner=partner))
        gaps = len(drawn.gaps())
        out.print(
            shown(
                say(
                    f"{drawn.subtitle('fr')} ; {number(gaps)} sans aucune",
                    f"{drawn.subtitle('en')}; {gaps} without any",
                )
            ),
            soft_wrap=True,
        )
        wrote(out_file)


@app.command()
def chart(
    name: Annotated[str, typer.Argument(help="A question listed by `csgraph queries`, or a .rq file.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the chart: FILE.svg or FILE.png.")],
    param: Params = None,
    graph: Annotated[Path, typer.Option("--graph", help="The built graph to ask.")] = DEFAULT_GRAPH,
    value: Annotated[
        str | None,
        typer.Option("--value", help="The numeric column drawn as bars (default: the first numeric one)."),
    ] = None,
) -> None:
    """Draw a question's answer as a horizontal bar chart (largest first, numbers in French)."""
    from csgraph.catalogue import parse_assignments
    from csgraph.charts import draw_chart

    with reported():
        drawn = draw_chart(name, parse_assignments(param or []), graph, out_file, value)
        bars = len(drawn.bars)
        out.print(
            shown(
                say(
                    f"{drawn.title} : {count(bars, 'fr', 'barre')} ({drawn.axis_name('fr')})",
                    f"{drawn.title}: {bars} bar(s) of {drawn.column}",
                )
            ),
            soft_wrap=True,
        )
        wrote(out_file)
