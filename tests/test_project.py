"""The project's own promises: ruff-clean code, every command documented, the README's commands are CI's."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from typer.main import get_command

from csgraph.cli import app

from .conftest import ROOT


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed by the dev extra")
@pytest.mark.parametrize("arguments", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(arguments: list[str]) -> None:
    result = subprocess.run(["ruff", *arguments], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_command_has_help_and_a_readme_mention() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = get_command(app).commands  # type: ignore[attr-defined]
    assert {"parse", "build"} <= set(commands)
    for name, command in commands.items():
        assert command.help, name
        assert f"csgraph {name}" in readme, name


def test_ci_runs_the_readme_test_commands() -> None:
    """The whole suite, then the optional embeddings' tests: CI runs the two, one after the other."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in readme.splitlines() if "&& python -m pytest" in line]
    assert len(commands) == 2 and commands[0].endswith("python -m pytest")
    assert " && ".join(commands) in ci.splitlines()


def test_no_machine_paths_in_tracked_files() -> None:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    pattern = re.compile(r"(?<![\w.-])/(work|farm|home/[a-z]+|tmp/[a-z])")  # absolute paths only
    for name in listed:
        path = ROOT / name
        if path.suffix in {".py", ".md", ".toml", ".ttl", ".rq", ".txt", ".json", ".html"} and path.is_file():
            assert not pattern.search(path.read_text(encoding="utf-8", errors="replace")), name
