"""What the command line tells people: French by default, English on demand, warnings in line order,
parse and build agreeing, flags shown as flags, a version, and a placeholder base URL never publishable."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgraph.cli import app

from .conftest import SAMPLE

runner = CliRunner()


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("avertissement : ")]


def test_warnings_print_in_line_order_in_parse_build_and_workers(tmp_path: Path) -> None:
    """Line 51's parts-do-not-add-up and line 52's unnamed funder come from one money text; they once
    printed 52 before 51. Every path that reads fiches gives the same list, by file then by line."""
    folder = tmp_path / "fiches"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copyfile(SAMPLE, folder / name)
    parsed = runner.invoke(app, ["parse", str(folder)])
    single = runner.invoke(app, ["build", str(folder), "--out", str(tmp_path / "one"), "--jobs", "1"])
    workers = runner.invoke(app, ["build", str(folder), "--out", str(tmp_path / "two"), "--jobs", "2"])
    assert parsed.exit_code == single.exit_code == workers.exit_code == 0
    listed = warnings_in(parsed.stderr)
    places = [re.match(r"avertissement : (.*?):(\d+):", line).groups() for line in listed]  # type: ignore[union-attr]
    assert places == sorted(places, key=lambda place: (place[0], int(place[1])))
    lines = [int(line) for file, line in places if file.endswith("a.txt")]
    assert lines[:2] == [51, 52]
    assert warnings_in(single.stderr) == warnings_in(workers.stderr)
    first = "avertissement : fiches/a.txt:"
    assert [line for line in warnings_in(single.stderr) if line.startswith(first)] == [
        line for line in listed if line.startswith(first)
    ]


def test_parse_and_build_share_the_default_input_and_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    empty = runner.invoke(app, ["parse"])  # no data/ here, as for build
    built = runner.invoke(app, ["build"])
    assert empty.exit_code == built.exit_code == 2
    assert empty.stderr == built.stderr == "erreur : data: no such file or directory\n"
    (tmp_path / "data").mkdir()
    shutil.copyfile(SAMPLE, tmp_path / "data" / "sample.txt")
    parsed = runner.invoke(app, ["parse"])
    assert parsed.exit_code == 0 and len(parsed.stdout.splitlines()) == 25


def test_version_and_flags_in_help() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"csgraph {version('csgraph')}\n")
    for command in ("parse", "build", "validate", "viz"):
        help_text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "<bool>" not in help_text, help_text
    assert re.search(r"^  --strict +Fail", runner.invoke(app, ["build", "--help"]).stdout, re.M)


def test_french_by_default_and_english_on_demand(sample_graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arguments = ["query", "actions-per-keyword", "--graph", str(sample_graph)]
    french = runner.invoke(app, arguments, env={"COLUMNS": "200"})
    assert "Actions par mot clé" in french.stdout and "17 lignes" in french.stdout
    english = runner.invoke(app, ["--lang", "en", *arguments], env={"COLUMNS": "200"})
    assert "Actions per keyword" in english.stdout and "17 row(s)" in english.stdout
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert "17 row(s)" in runner.invoke(app, arguments, env={"COLUMNS": "200"}).stdout
    machine = [runner.invoke(app, [*arguments, "--format", "csv"]).stdout for _ in ("en", "fr")]
    monkeypatch.delenv("LANG")
    assert runner.invoke(app, [*arguments, "--format", "csv"]).stdout == machine[0] == machine[1]
    missing = runner.invoke(app, ["query", "no-such-question", "--graph", str(sample_graph)])
    assert missing.exit_code == 2 and missing.stderr.startswith("erreur : ")


def test_a_placeholder_base_url_is_never_publishable(sample_graph: Path, tmp_path: Path) -> None:
    graph = tmp_path / "graph.ttl"
    shutil.copyfile(sample_graph, graph)
    exported = runner.invoke(app, ["export", "--graph", str(graph), "--out", str(tmp_path / "export")])
    assert exported.exit_code == 0, exported.output
    assert "avertissement : https://example.org/csgraph/ est une adresse d'exemple" in exported.stderr
    checked = runner.invoke(app, ["validate", "--graph", str(graph)], env={"COLUMNS": "300"})
    assert checked.exit_code == 0, checked.output
    assert "adresses de publication sur" in checked.stdout and "1 avertissement" in checked.stdout
    assert "avertissement : " in checked.stdout and "<https://example.org/csgraph/" in checked.stdout
    strict = runner.invoke(app, ["validate", "--graph", str(graph), "--strict"])
    assert strict.exit_code == 1
    assert strict.stderr == "erreur : 1 avertissement et --strict était donné\n"
    elsewhere = ["--base-url", "https://data.example.fr/centres-sociaux/"]
    published = runner.invoke(
        app, ["export", "--graph", str(graph), "--out", str(tmp_path / "export"), *elsewhere]
    )
    assert "adresse d'exemple" not in published.stderr
    assert runner.invoke(app, ["validate", "--graph", str(graph), "--strict"]).exit_code == 0
    reserved = ["--base-url", "https://example.com/x/"]
    runner.invoke(app, ["export", "--graph", str(graph), "--out", str(tmp_path / "export"), *reserved])
    assert runner.invoke(app, ["validate", "--graph", str(graph), "--strict"]).exit_code == 1
