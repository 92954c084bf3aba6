"""Find the project's data folders (`ontology/`, `queries/`) wherever csgraph runs from.

A wheel carries them inside the package (`csgraph/ontology`, `csgraph/queries`); a source checkout or an
editable install keeps them at the top of the project, next to the package.
"""

from __future__ import annotations

from pathlib import Path

from csgraph.errors import CsgraphError

PACKAGE_DIR = Path(__file__).resolve().parent


def project_file(*parts: str) -> Path:
    """A shipped file or folder, looked up in the installed package first, then in the checkout."""
    candidates = (PACKAGE_DIR.joinpath(*parts), PACKAGE_DIR.parent.joinpath(*parts))
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise CsgraphError(f"csgraph is installed without {'/'.join(parts)}: reinstall it")
