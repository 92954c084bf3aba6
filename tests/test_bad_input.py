"""Bad input through the real command line: nothing crashes, nothing is lost, nothing runs.

Every hostile file is written as bytes here, so no odd file sits in the repository. Each case states
what a user gets: a graph and warnings naming file:line, or one line of error and a non-zero exit;
never a traceback.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS
from typer.testing import CliRunner, Result

from csgraph import reading
from csgraph.cli import app
from csgraph.fields import FIELDS
from csgraph.store import open_graph
from csgraph.vocabulary import ontology_files

from .conftest import FIXTURES, ROOT, SAMPLE

CSG = "https://w3id.org/csgraph/ontology#"
LISTING = (FIXTURES / "listing_layout.txt").read_text(encoding="utf-8")
MINTED_IRI = re.compile(r"https://w3id\.org/csgraph/[a-z-]+/[a-z0-9][a-z0-9-]*")
ACTION = URIRef(CSG + "Action")
STANDARD_NAMESPACES = (
    "http://purl.org/dc/terms/",
    "http://www.w3.org/",
    "http://schema.org/",
    "https://schema.org/",
)

# One fiche in the detailed layout, with accents on purpose (`Résumé`, `Bénévoles`); whole, as it ends with
# the last field the site always prints (a fiche stopping before it is cut off).
FICHE = """Actions "Atelier cuisine"
DESCRIPTION DE L'ACTION
- Statut de l'action
- En cours
- Résumé
Des repas préparés ensemble, chaque jeudi.
- Structure organisatrice
- Centre social Éclaté - Pas-de-Calais
- Public
- Familles
AUTO-EVALUATION DE L'ACTION
- Suite de l'action : Perspectives
"""

HOSTILE = {
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)> &amp; </textarea>",
    "quotes": 'triple """ quotes "" and \\ backslashes \\" \\\\ \\n \\u0041 \\',
    "turtle": '"@fr . <a> <b> <c> . @prefix x: <http://evil/> . _:b <p> "o" ;',
    "sparql": '62" } UNION { ?s ?p ?o } # ; DROP ALL ; INSERT DATA { <a> <b> <c> }',
    "controls": "bell\x07 esc\x1b[31mred\x1b[0m del\x7f vt\x0bff\x0c fs\x1c nel\x85 ls\u2028 end",
    "bidi": "\u202egnp.exe\u202c \u2066isolate\u2069 \u2067rtl\u2069 \u200fmark \u061c arabic",
    "markup": "[/red] [bold]rich[/bold] [link=file:///etc/passwd]x[/link] %s {} {0}",
    "unicode": "Ωμέγα 中文 العربية 🎉 e\u0301 \ufeff\u200b zero-width",
    "long": "x" * 100_000,
}


def cli(*arguments: str) -> Result:
    return CliRunner().invoke(app, list(arguments))


def run(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in its own process: real exit codes, real stderr."""
    return subprocess.run(
        [sys.executable, "-m", "csgraph", *arguments], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def assert_one_line_error(stderr: str, *expected: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("erreur : "), stderr
    for part in expected:
        assert part in lines[0], stderr


def warnings_of(stderr: str) -> list[str]:
    return [
        line.removeprefix("avertissement : ")
        for line in stderr.splitlines()
        if line.startswith("avertissement : ")
    ]


def report_rows(path: Path) -> list[dict[str, object]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert all(set(row) == {"file", "line", "message"} for row in rows)
    return rows


# What holds no fiche fails on one line


NO_FICHE = {
    "empty": b"",
    "blank-lines": b"\n\r\n  \t\n",
    "binary": bytes(range(256)) * 16,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(32)) * 64,
    "no-title": b"Du texte sans fiche.\nEncore une ligne.\n",
    "utf16-bom-only": codecs.BOM_UTF16_LE,
    "nul-only": b"\x00" * 4096,
}


@pytest.mark.parametrize("name", sorted(NO_FICHE))
def test_input_without_fiche_fails_on_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_bytes(NO_FICHE[name])
    result = cli("build", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "no fiche found", str(path))
    assert not (tmp_path / "out" / "graph.ttl").exists()
    parsed = cli("parse", str(path))  # parse and build agree: same exit code, same one line
    assert (parsed.exit_code, parsed.stdout) == (2, "")
    assert parsed.stderr == result.stderr


def test_binary_file_says_why_in_its_own_process(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(NO_FICHE["png"])
    report = tmp_path / "warnings.json"
    result = run("build", str(path), "--out", str(tmp_path / "out"), "--report", str(report))
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "no fiche found", "photo.txt:0: binary file")
    rows = json.loads(report.read_text(encoding="utf-8"))  # the report says why, even when the build fails
    assert [(row["file"], row["line"]) for row in rows] == [("photo.txt", 0)]
    assert rows[0]["message"].startswith("binary file")
    parsed = run("parse", str(path), "--strict")  # nothing read: bad input (2) as for build, not --strict
    assert parsed.returncode == 2
    assert "Traceback" not in parsed.stderr
    assert parsed.stderr == result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = run("--debug", "build", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "InputError: " in result.stderr


# What holds a fiche is read, with warnings naming file:line


def encoded(text: str, encoding: str, bom: bytes = b"", newline: str = "\n") -> bytes:
    return bom + text.replace("\n", newline).encode(encoding)


READABLE: dict[str, tuple[bytes, list[tuple[int, str]]]] = {
    # name: (file bytes, expected warnings as (line, part of message))
    "utf-16-le-bom": (encoded(FICHE, "utf-16-le", codecs.BOM_UTF16_LE), []),
    "utf-16-be-bom-crlf": (encoded(FICHE, "utf-16-be", codecs.BOM_UTF16_BE, "\r\n"), []),
    "utf-8-bom-crlf": (encoded(FICHE, "utf-8", codecs.BOM_UTF8, "\r\n"), []),
    "old-mac-cr": (encoded(FICHE, "utf-8", newline="\r"), []),
    "cp1252-crlf": (encoded(FICHE, "cp1252", newline="\r\n"), [(5, "read as Windows-1252 (lines 5, 6, 8)")]),
    "nul-bytes": (
        FICHE.encode().replace(b"Atelier", b"Ate\x00lier").replace(b"chaque", b"\x00chaque"),
        [(1, "NUL bytes removed"), (6, "NUL bytes removed")],
    ),
    "mixed-encodings": (
        b"".join(
            line.encode("cp1252" if number in (6, 8) else "utf-8")
            for number, line in enumerate(FICHE.splitlines(keepends=True), start=1)
        ),
        [(6, "2 line(s) not in UTF-8, read as Windows-1252 (lines 6, 8)")],
    ),
    "mixed-within-a-line": (  # `préparés`: its first `é` in UTF-8, its second in Windows-1252
        FICHE.encode().replace("préparés".encode(), "pré".encode() + "parés".encode("cp1252")),
        [(6, "1 line(s) not in UTF-8, read as Windows-1252 (lines 6)")],
    ),
}


@pytest.mark.parametrize("name", sorted(READABLE))
def test_odd_encodings_and_line_ends_build_the_same_graph(tmp_path: Path, name: str) -> None:
    data, expected = READABLE[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    report = tmp_path / "warnings.json"
    result = cli("build", str(path), "--out", str(tmp_path / "out"), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    rows = report_rows(report)
    assert [(row["line"], row["file"]) for row in rows] == [(line, path.name) for line, _ in expected]
    assert all(part in str(row["message"]) for row, (_, part) in zip(rows, expected, strict=True))
    assert warnings_of(result.stderr) == [f"{row['file']}:{row['line']}: {row['message']}" for row in rows]
    graph = Graph().parse(tmp_path / "out" / "graph.ttl")
    (action,) = graph.subjects(RDF.type, ACTION)
    assert graph.value(action, DCTERMS.title) == Literal("Atelier cuisine", lang="fr")
    assert graph.value(action, DCTERMS.abstract) == Literal(
        "Des repas préparés ensemble, chaque jeudi.", lang="fr"
    )
    structure = graph.value(action, URIRef(CSG + "organiser"))
    assert graph.value(structure, SKOS.prefLabel) == Literal("Centre social Éclaté", lang="fr")
    if rows:
        strict = cli("build", str(path), "--out", str(tmp_path / "strict"), "--strict")
        assert strict.exit_code == 1
        warnings = f"{len(rows)} avertissement" + ("s" if len(rows) > 1 else "")
        assert strict.stderr.splitlines()[-1] == f"erreur : {warnings} et --strict était donné"


def test_file_cut_in_a_multibyte_character(tmp_path: Path) -> None:
    data = FICHE.encode()
    cut = data[: data.index("préparés".encode()) + 3]  # `pr` and the first byte of `é`
    assert cut[-1:] == b"\xc3"
    path = tmp_path / "cut.txt"
    path.write_bytes(cut)
    parsed = cli("parse", str(path), "--report", str(tmp_path / "warnings.json"))
    assert parsed.exit_code == 0
    (row,) = [json.loads(line) for line in parsed.stdout.splitlines()]
    assert (row["summary"], row["truncated"]) == ("Des repas pr", True)
    assert [(r["line"], r["message"]) for r in report_rows(tmp_path / "warnings.json")] == [
        (1, "the file ends in the middle of this fiche; kept what is there"),
        (6, "line cut in the middle of a character; kept what is there"),
    ]
    assert cli("build", str(path), "--out", str(tmp_path / "out")).exit_code == 0


def test_utf16_file_cut_in_half_a_character_and_bad_code_units(tmp_path: Path) -> None:
    data = encoded(FICHE, "utf-16-le", codecs.BOM_UTF16_LE)
    cut = tmp_path / "cut16.txt"
    cut.write_bytes(data[: data.index("chaque".encode("utf-16-le")) + 1])  # half a code unit
    lone = tmp_path / "lone16.txt"
    lone.write_bytes(data.replace("Atelier".encode("utf-16-le"), b"\x00\xd8"))  # a lone surrogate
    result = cli("parse", str(cut), str(lone), "--report", str(tmp_path / "w.json"))
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["title"], row["summary"], row["truncated"]) for row in rows] == [
        ("Atelier cuisine", "Des repas préparés ensemble,", True),
        ("\ufffd cuisine", "Des repas préparés ensemble, chaque jeudi.", False),
    ]
    assert [(r["file"], r["line"], r["message"]) for r in report_rows(tmp_path / "w.json")] == [
        ("cut16.txt", 1, "the file ends in the middle of this fiche; kept what is there"),
        ("cut16.txt", 6, "line cut in the middle of a character; kept what is there"),
        ("lone16.txt", 1, "1 line(s) with bytes that are not UTF-16, shown as \ufffd (lines 1)"),
    ]


def test_five_megabyte_line_is_kept_whole(tmp_path: Path) -> None:
    long_text = "Une très longue ligne. " * 220_000  # about 5 MB
    path = tmp_path / "long.txt"
    path.write_text(
        FICHE.replace("Des repas préparés ensemble, chaque jeudi.", long_text.strip()), encoding="utf-8"
    )
    assert path.stat().st_size > 5_000_000
    result = cli("build", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    store = open_graph(tmp_path / "out" / "graph.ttl")
    (row,) = store.query(f"SELECT ?text WHERE {{ ?a <{DCTERMS.abstract}> ?text }}")
    assert row["text"].value == long_text.strip()


def test_five_megabyte_line_outside_any_fiche_is_warned_about_briefly(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("z" * 5_000_000 + "\n" + FICHE, encoding="utf-8")
    report = tmp_path / "warnings.json"
    result = cli("build", str(path), "--out", str(tmp_path / "out"), "--report", str(report))
    assert result.exit_code == 0
    (warning,) = warnings_of(result.stderr)
    assert (
        warning.startswith("long.txt:1: text before any fiche, kept here only: zzz") and len(warning) < 1000
    )
    (row,) = report_rows(report)
    assert row["message"] == "text before any fiche, kept here only: " + "z" * 5_000_000


def test_five_megabyte_structure_of_dashes_is_read_at_once(tmp_path: Path) -> None:
    """Every ` - ` of a structure value is a candidate separator: 1.25 million of them must not stall."""
    path = tmp_path / "dashes.txt"
    dashes = "a - " * 1_250_000 + "b"
    path.write_text(FICHE.replace("Centre social Éclaté - Pas-de-Calais", dashes), encoding="utf-8")
    started = time.monotonic()
    result = cli("parse", str(path), "--report", str(tmp_path / "w.json"))
    assert time.monotonic() - started < 20
    assert result.exit_code == 0
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (row["structure"], row["departement"]) == (dashes, None)
    (warning,) = report_rows(tmp_path / "w.json")
    assert (warning["line"], warning["message"]) == (8, f"no known département at the end of `{dashes}`")


def test_five_megabyte_title_of_quotes_is_read_at_once(tmp_path: Path) -> None:
    """Quote pairs around a title are stripped one by one: 2.5 million pairs must not mean as many copies."""
    path = tmp_path / "quotes.txt"
    quotes = '"' * 2_500_000
    path.write_text(
        FICHE.replace('"Atelier cuisine"', f'"{quotes} Atelier cuisine {quotes}"'), encoding="utf-8"
    )
    started = time.monotonic()
    result = cli("parse", str(path))
    assert time.monotonic() - started < 20
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["title"] == "Atelier cuisine"


def test_labels_only_and_fields_before_any_title(tmp_path: Path) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("- Résumé\n- Public\n- Structure organisatrice\n", encoding="utf-8")
    early = tmp_path / "early.txt"
    early.write_text("- Résumé\nUn texte sans titre.\n" + FICHE, encoding="utf-8")
    result = cli("parse", str(labels), str(early), "--report", str(tmp_path / "warnings.json"))
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["title"], row.get("summary")) for row in rows] == [
        (None, None),
        (None, "Un texte sans titre."),
        ("Atelier cuisine", "Des repas préparés ensemble, chaque jeudi."),
    ]
    assert [(r["file"], r["line"], r["message"]) for r in report_rows(tmp_path / "warnings.json")] == [
        ("labels.txt", 1, "fields before any title: read as a fiche without a title"),
        ("early.txt", 1, "fields before any title: read as a fiche without a title"),
    ]
    built = cli("build", str(labels), "--out", str(tmp_path / "out"), "--strict")
    assert built.exit_code == 1 and "Traceback" not in built.stderr
    assert (tmp_path / "out" / "graph.ttl").is_file(), "--strict fails after writing, as documented"


def test_fiche_without_title_among_titled_ones(tmp_path: Path) -> None:
    path = tmp_path / "untitled.txt"
    path.write_text(
        FICHE + 'Actions ""\n- Résumé\nSans titre.\n' + "Actions\n- Résumé\nToujours sans.\n", "utf-8"
    )
    result = cli("build", str(path), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "w.json"))
    assert result.exit_code == 0
    assert [(r["line"], r["message"]) for r in report_rows(tmp_path / "w.json")] == [
        (13, "fiche with an empty title"),
        (16, "`Actions` is not followed by a title; fiche read without one"),
    ]
    graph = Graph().parse(tmp_path / "out" / "graph.ttl")
    abstracts = {str(o) for o in graph.objects(None, DCTERMS.abstract)}
    assert {"Sans titre.", "Toujours sans."} <= abstracts
    assert len(set(graph.subjects(RDF.type, ACTION))) == 3


def test_unknown_departement_builds_a_structure_without_one(tmp_path: Path) -> None:
    path = tmp_path / "atlantide.txt"
    path.write_text(FICHE.replace("Pas-de-Calais", "Atlantide"), encoding="utf-8")
    result = cli("build", str(path), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "w.json"))
    assert result.exit_code == 0
    (row,) = report_rows(tmp_path / "w.json")
    assert (row["line"], row["message"]) == (
        8,
        "no known département at the end of `Centre social Éclaté - Atlantide`",
    )
    graph = Graph().parse(tmp_path / "out" / "graph.ttl")
    (structure,) = graph.subjects(RDF.type, URIRef(CSG + "Structure"))
    assert graph.value(structure, SKOS.prefLabel) == Literal("Centre social Éclaté - Atlantide", lang="fr")
    assert graph.value(structure, URIRef(CSG + "departement")) is None


def test_same_fiche_twice_in_a_file_and_across_files(tmp_path: Path) -> None:
    folder = tmp_path / "fiches"
    folder.mkdir()
    (folder / "a.txt").write_text(FICHE + FICHE, encoding="utf-8")
    (folder / "b.txt").write_text(FICHE.replace("\n", "\r\n"), encoding="utf-8")
    report = tmp_path / "w.json"
    result = cli("build", str(folder), "--out", str(tmp_path / "out"), "--report", str(report))
    assert result.exit_code == 0
    assert "3 fiches → 1 action," in " ".join(result.stdout.split())
    assert [(r["file"], r["line"], r["message"]) for r in report_rows(report)] == [
        ("fiches/a.txt", 13, "same fiche as fiches/a.txt:1; read once"),
        ("fiches/b.txt", 1, "same fiche as fiches/a.txt:1; read once"),
    ]


# A folder of odd entries


def odd_folder(root: Path) -> Path:
    """A folder holding one good file and every kind of entry that is not one."""
    folder = root / "fiches"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(FICHE, encoding="utf-8")
    (folder / "sub" / "link-to-good.txt").symlink_to(folder / "good.txt")
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "self.txt").symlink_to(folder / "self.txt")
    (folder / "image.png").write_bytes(NO_FICHE["png"])
    (folder / "image.txt").write_bytes(NO_FICHE["png"])
    (folder / "listing.txt").write_bytes(LISTING.encode())
    os.mkfifo(folder / "pipe.txt")  # a reader that opened it would wait forever
    (folder / os.fsdecode(b"caf\xe9.txt")).write_bytes(FICHE.replace("Atelier", "Caf\xe9").encode("cp1252"))
    return folder


def test_folder_with_links_loops_pipes_and_odd_names(tmp_path: Path) -> None:
    folder = odd_folder(tmp_path)
    report = tmp_path / "w.json"
    result = cli("build", str(folder), "--out", str(tmp_path / "out"), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    messages = {(r["file"], r["message"]) for r in report_rows(report)}
    assert {
        ("fiches/dangling.txt", "not a readable file, skipped"),
        ("fiches/self.txt", "not a readable file, skipped"),
        ("fiches/pipe.txt", "not a readable file, skipped"),
        ("fiches/image.txt", "binary file, not a text export of fiches"),
        ("fiches/sub/link-to-good.txt", "the same file as fiches/good.txt, read once"),
        (
            "fiches/caf\\xe9.txt",
            "4 line(s) not in UTF-8, read as Windows-1252 (lines 1, 5, 6, 8)",
        ),
    } <= messages
    assert not any("image.png" in str(file) for file, _ in messages)
    assert not any("loop" in str(file) for file, _ in messages)
    graph = Graph().parse(tmp_path / "out" / "graph.ttl")
    titles = {str(graph.value(action, DCTERMS.title)) for action in graph.subjects(RDF.type, ACTION)}
    assert titles == {"Atelier cuisine", "Café cuisine", "Jardin partagé des Tilleuls", "Café des parents"}
    sources = {str(source) for source in graph.objects(None, URIRef(CSG + "sourceFile"))}
    assert "fiches/caf\\xe9.txt" in sources


def test_links_named_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "good.txt").write_text(FICHE, encoding="utf-8")
    arguments = [str(tmp_path / name) for name in ("loop.txt", "dangling.txt", "good.txt")]
    result = cli("build", *arguments, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert warnings_of(result.stderr) == [
        "loop.txt:0: broken symbolic link, skipped",
        "dangling.txt:0: broken symbolic link, skipped",
    ]
    missing = cli("build", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "out"))
    assert missing.exit_code == 2
    assert_one_line_error(missing.stderr, "missing.txt: no such file or directory")


def test_odd_file_names_stay_on_one_inert_line(tmp_path: Path) -> None:
    name = "fiche\n[/red]\x1b]0;owned\x07\u202e.txt"
    result = run("build", str(tmp_path / name), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert_one_line_error(
        result.stderr, "no such file or directory", "[/red]", "\\u001b]0;owned\\u0007\\u202e"
    )


def test_output_that_cannot_be_written_fails_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "fiche.txt").write_text(FICHE, encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    result = run("build", str(tmp_path / "fiche.txt"), "--out", str(blocker))
    assert result.returncode == 3
    assert_one_line_error(result.stderr, f"{blocker}: File exists")
    report = blocker / "warnings.json"
    result = run(
        "build", str(tmp_path / "fiche.txt"), "--out", str(tmp_path / "out"), "--report", str(report)
    )
    assert result.returncode == 3
    assert_one_line_error(result.stderr, str(blocker))
    assert (tmp_path / "out" / "graph.ttl").is_file(), "the graph was built before the report failed"
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"


def test_parse_into_a_reader_that_stops_early(tmp_path: Path) -> None:
    """`csgraph parse data/ | head -1` (as the README shows): no error when the reader has had enough."""
    (tmp_path / "many.txt").write_text("\n".join([SAMPLE.read_text(encoding="utf-8")] * 8), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "csgraph", "parse", str(tmp_path / "many.txt")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["title"] == "ALLEZ LES FILLES"
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, stderr
    assert stderr == ""


def chmod_blocks_reading(path: Path) -> bool:
    """Root (and CAP_DAC_OVERRIDE) reads through chmod 000: then the chmod test says so and skips."""
    path.chmod(0)
    try:
        path.read_bytes() if path.is_file() else list(path.iterdir())
    except PermissionError:
        return True
    return False


def test_unreadable_file_and_folder_with_chmod(tmp_path: Path) -> None:
    folder = tmp_path / "fiches"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(FICHE, encoding="utf-8")
    (folder / "good.txt").write_text(FICHE, encoding="utf-8")
    (folder / "secret.txt").write_text(FICHE.replace("Atelier", "Secret"), encoding="utf-8")
    try:
        if not (chmod_blocks_reading(folder / "secret.txt") and chmod_blocks_reading(folder / "locked")):
            pytest.skip("running with the right to read any file (root): chmod 000 blocks nothing here")
        result = cli(
            "build", str(folder), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "w.json")
        )
        assert result.exit_code == 0
        assert {(r["file"], r["line"], r["message"]) for r in report_rows(tmp_path / "w.json")} == {
            ("fiches/secret.txt", 0, "not a readable file, skipped"),
            ("fiches/locked", 0, "folder cannot be read, skipped: Permission denied"),
        }
    finally:
        (folder / "secret.txt").chmod(0o644)
        (folder / "locked").chmod(0o755)


def test_unreadable_file_and_folder_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same refusals as chmod 000 gives an ordinary user, raised where the reader meets them."""
    folder = tmp_path / "fiches"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(FICHE, encoding="utf-8")
    (folder / "good.txt").write_text(FICHE, encoding="utf-8")
    (folder / "secret.txt").write_text(FICHE.replace("Atelier", "Secret"), encoding="utf-8")
    real_scandir, real_open = os.scandir, open

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    def refusing_open(path: Path, *arguments: object, **options: object) -> object:
        if Path(path).name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *arguments, **options)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(reading, "open", refusing_open, raising=False)
    result = cli("build", str(folder), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "w.json"))
    assert result.exit_code == 0
    assert [(r["file"], r["line"], r["message"]) for r in report_rows(tmp_path / "w.json")] == [
        ("fiches/locked", 0, "folder cannot be read, skipped: Permission denied"),
        ("fiches/secret.txt", 0, "cannot be read: Permission denied"),
    ]
    assert "1 fiche → 1 action," in " ".join(result.stdout.split())


# Hostile text: data, never code


def hostile_fiche() -> tuple[str, dict[str, str]]:
    """A fiche with a hostile value in every field of the form; returns it and value by field."""
    lines = [f'Actions "{HOSTILE["sparql"]} {HOSTILE["html"]}"']
    values: dict[str, str] = {}
    kinds = sorted(HOSTILE)
    for index, spec in enumerate(FIELDS):
        value = HOSTILE[kinds[index % len(kinds)]] + f" #{spec.name}"
        if spec.name == "structure":
            value = f"{HOSTILE['bidi']} - Pas-de-Calais"
        values[spec.name] = value
        if spec.labels:
            lines += [f"- {spec.labels[0]}", f"- {value}" if spec.kind != "text" else value]
        else:
            lines += [spec.questions[0] + " ?", value]
    return "\n".join(lines) + "\n", values


def test_hostile_text_in_every_field_round_trips_and_stays_data(tmp_path: Path) -> None:
    text, values = hostile_fiche()
    path = tmp_path / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    result = run("build", str(path), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "w.json"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr, "controls reach the terminal"
    graph = Graph().parse(tmp_path / "out" / "graph.ttl")
    literals = {str(o) for o in graph.objects() if isinstance(o, Literal)}
    (action,) = graph.subjects(RDF.type, ACTION)
    assert str(graph.value(action, DCTERMS.title)) == f"{HOSTILE['sparql']} {HOSTILE['html']}"
    for name, value in values.items():
        expected = value.removesuffix(" - Pas-de-Calais")
        assert expected in literals, f"{name} did not come back byte for byte"
    store = open_graph(tmp_path / "out" / "graph.ttl")  # the on-disk store, filled beside the Turtle
    stored = {row["o"].value for row in store.query("SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")}
    assert stored == literals
    vocabulary = Graph()
    for file in ontology_files():
        vocabulary.parse(file)
    known = {term for triple in vocabulary for term in triple if isinstance(term, URIRef)}
    minted = {term for triple in graph for term in triple if isinstance(term, URIRef)} - known
    ours = {term for term in minted if term.startswith("https://w3id.org/csgraph/")}
    assert ours and all(MINTED_IRI.fullmatch(term) for term in ours), sorted(ours)[:5]
    assert all(str(term).startswith(STANDARD_NAMESPACES) for term in minted - ours), sorted(minted - ours)
    rows = report_rows(tmp_path / "w.json")
    assert any(HOSTILE["markup"] in str(row["message"]) for row in rows), "the report keeps text as written"


def test_hostile_graph_answers_queries_and_draws_as_data(tmp_path: Path) -> None:
    """From outside: a bound parameter cannot widen a query; the page carries no live markup."""
    text, values = hostile_fiche()
    (tmp_path / "hostile.txt").write_text(text + FICHE, encoding="utf-8")
    graph = tmp_path / "out" / "graph.ttl"
    assert cli("build", str(tmp_path / "hostile.txt"), "--out", str(tmp_path / "out")).exit_code == 0
    fair = cli("query", "actions-in-departement", "-p", "departement=62", "--graph", str(graph), "-f", "json")
    assert fair.exit_code == 0, fair.output
    assert len(json.loads(fair.stdout)["results"]["bindings"]) == 2
    injected = cli(
        "query",
        "actions-in-departement",
        "-p",
        f"departement={HOSTILE['sparql']}",
        "--graph",
        str(graph),
        "-f",
        "json",
    )
    assert "Traceback" not in injected.stderr
    if injected.exit_code == 0:
        assert json.loads(injected.stdout)["results"]["bindings"] == []
    else:
        assert_one_line_error(injected.stderr)
    unlisted = cli("query", "unlisted-values", "--graph", str(graph), "-f", "json")
    assert unlisted.exit_code == 0, unlisted.output
    bindings = json.loads(unlisted.stdout)["results"]["bindings"]
    shown = {cell["value"] for row in bindings for cell in row.values()}
    assert values["themes"] in shown, "a hostile value comes back as plain data"
    page = tmp_path / "keywords.html"
    drawn = cli("viz", "keywords", "--graph", str(graph), "--out", str(page))
    assert drawn.exit_code == 0, drawn.output
    html = page.read_text(encoding="utf-8")
    for payload in ("<script>alert(1)", "<img src=x onerror", "</textarea>", "\u202e"):
        assert payload not in html


# No network, no shell, no eval


def test_build_and_parse_open_no_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    text, _ = hostile_fiche()
    (tmp_path / "hostile.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    for arguments in (
        ["parse", str(SAMPLE), str(tmp_path / "hostile.txt")],
        ["build", str(SAMPLE), str(tmp_path / "hostile.txt"), "--out", str(out)],
        ["query", "actions-in-departement", "-p", "departement=62", "--graph", str(out / "graph.ttl")],
        ["viz", "partnership", "--graph", str(out / "graph.ttl"), "--out", str(tmp_path / "page.html")],
    ):
        result = cli(*arguments)
        assert result.exit_code == 0, result.output
    assert attempts == []
    monkeypatch.setattr("csgraph.remote.BACKOFF_SECONDS", 0)
    remote = cli("query", "actions-per-keyword", "--endpoint", "http://127.0.0.1:9/sparql")
    assert remote.exit_code == 4, remote.output
    assert attempts, "the block is real: an explicit --endpoint does try to connect"


DANGEROUS = re.compile(
    r"(?<![\w.])(eval|exec|compile|__import__)\(|\bos\.(system|popen|exec\w*|spawn\w*)\b|shell\s*=\s*True"
    r"|\b(pickle|marshal|shelve|subprocess|pty)\b|yaml\.load\("
)
NETWORK = re.compile(
    r"^\s*(import|from)\s+(urllib\.request|http\.client|http\b(?!\.)|requests|httpx|ssl)\b", re.MULTILINE
)
SOCKET = re.compile(r"^\s*(import|from)\s+socket\b", re.MULTILINE)
PROCESS_POOL = ROOT / "csgraph" / "site" / "workers.py"
"""The SPARQL endpoint's pool starts `python -m csgraph.site.workers` (a list of words, never a shell),
so that a runaway query can be killed; it is the one module that may start a process itself."""


def package_sources() -> list[Path]:
    return sorted((ROOT / "csgraph").rglob("*.py"))


def test_package_source_runs_no_shell_and_evaluates_no_text() -> None:
    """No eval, no shell, no unpickling of our own: worker processes hand records back through
    concurrent.futures, whose pickling stays inside the standard library."""
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in package_sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DANGEROUS.search(line.split("#", 1)[0])
        and not (path == PROCESS_POOL and "subprocess" in line and "shell" not in line)
    ]
    assert hits == []


def test_only_the_remote_module_talks_to_the_network() -> None:
    """`--push` and `--endpoint` go through csgraph.remote; nothing else imports a network library."""
    talking = {path.name for path in package_sources() if NETWORK.search(path.read_text(encoding="utf-8"))}
    assert talking <= {"remote.py"}


def test_only_the_site_opens_a_socket_and_only_to_listen() -> None:
    """`csgraph serve` binds a listening socket, its query pool talks over a socket pair; nothing connects."""
    opening = [
        path.relative_to(ROOT).as_posix()
        for path in package_sources()
        if SOCKET.search(path.read_text("utf-8"))
    ]
    assert opening == ["csgraph/site/app.py", "csgraph/site/workers.py"]
    for module in opening:
        assert ".connect(" not in (ROOT / module).read_text(encoding="utf-8"), module
