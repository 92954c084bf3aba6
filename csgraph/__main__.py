"""`csgraph` and `python -m csgraph`: the command line, quiet on Ctrl-C from its first instant.

The command's modules take a moment to import; Ctrl-C then would otherwise end in Python's own
traceback, before the command's error handling (csgraph.cli.reported) is in place.
"""

import os
import sys


def main() -> None:
    try:
        from csgraph.cli import app
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(130)  # nothing is written yet; a half-imported interpreter need not shut down cleanly
    app(prog_name="csgraph")


if __name__ == "__main__":
    main()
