"""The `csgraph` command: each command parses its options, calls one library function, prints.

Errors are caught here once and become one line on stderr plus a documented exit code
(see csgraph.errors); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from csgraph.errors import CsgraphError, StrictError
from csgraph.model import Notice

app = typer.Typer(
    help="Build an RDF knowledge graph of social-centre actions from SENACS fiches.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
state = {"debug": False}

DEFAULT_INPUT = Path("data")
DEFAULT_OUT = Path("output")
DEFAULT_GRAPH = DEFAULT_OUT / "graph.ttl"

Strict = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) when the input raised warnings.")]
Report = Annotated[Path | None, typer.Option("--report", help="Write the warnings to this file as JSON.")]


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    """csgraph: actors, funders and themes of social-centre actions, as a graph."""
    state["debug"] = debug


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn every failure into one line and an exit code; never a traceback unless --debug."""
    try:
        yield
    except typer.Exit:
        raise
    except CsgraphError as error:
        if state["debug"]:
            raise
        err.print(f"[red]error:[/red] {error}", markup=True, soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted; previous outputs are left as they were")
        raise typer.Exit(130) from None
    except Exception as error:  # the promise: no traceback without --debug
        if state["debug"]:
            raise
        err.print(
            f"internal error: {type(error).__name__}: {error} (run with --debug for details)", soft_wrap=True
        )
        raise typer.Exit(3) from None


def finish_notices(notices: list[Notice], report: Path | None, strict: bool) -> None:
    """Print warnings, write them as JSON when asked, and honour --strict."""
    from csgraph.writing import write_text

    for notice in notices[:20]:
        err.print(f"[yellow]warning:[/yellow] {notice}", markup=True, soft_wrap=True)
    if len(notices) > 20:
        err.print(f"… and {len(notices) - 20} more warnings (use --report FILE to see them all)")
    if report:
        rows = [{"file": n.file, "line": n.line, "message": n.message} for n in notices]
        write_text(report, json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    if strict and notices:
        raise StrictError(f"{len(notices)} warning(s) and --strict was given")


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Fiche files or folders (read recursively, *.txt).")],
    strict: Strict = False,
    report: Report = None,
) -> None:
    """Print what was read from the fiches, as JSON Lines (one object per fiche)."""
    from csgraph.fiches import read_fiches
    from csgraph.model import fiche_json

    with reported():
        notices: list[Notice] = []
        for fiche in read_fiches(paths, notices):
            sys.stdout.write(json.dumps(fiche_json(fiche), ensure_ascii=False) + "\n")
        finish_notices(notices, report, strict)


@app.command()
def build(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Fiche files or folders [default: data/].")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for graph.ttl and the store.")] = DEFAULT_OUT,
    store: Annotated[bool, typer.Option(help="Keep an on-disk Oxigraph store beside graph.ttl.")] = True,
    strict: Strict = False,
    report: Report = None,
) -> None:
    """Parse the fiches and write the knowledge graph (graph.ttl)."""
    from csgraph.build import build as run_build

    with reported():
        result = run_build(paths or [DEFAULT_INPUT], out_dir, keep_store=store)
        out.print(
            f"{result.fiches} fiches → {result.actions} actions, {result.structures} structures "
            f"in {result.departements} département(s), {result.partner_types} partner types, "
            f"{result.keywords} keywords; {result.triples} triples in {result.graph}"
        )
        out.print(f"{len(result.notices)} warning(s)")
        finish_notices(result.notices, report, strict)
