"""`python -m csgraph` runs the command line."""

from csgraph.cli import app

app(prog_name="csgraph")
