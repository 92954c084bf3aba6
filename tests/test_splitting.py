"""One big file read in spans by several workers gives the bytes one worker gives reading it whole."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from csgraph import splitting
from csgraph.build import build, map_file, map_part, map_span
from csgraph.pool import in_order
from csgraph.reading import InputFile
from csgraph.splitting import SpanTask, joined, parts

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "pas-de-calais-actions.txt"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 synthetic fiches in one file: every layout, listing pages with their index tables, quirks."""
    folder = tmp_path_factory.mktemp("synthetic")
    generator = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(folder), "--fiches", "400"]
    subprocess.run([*generator, "--per-file", "400"], check=True, capture_output=True)
    return folder / "fiches-00001.txt"


@pytest.fixture
def small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans of a few kilobytes, so that test files are cut in many places."""
    monkeypatch.setattr(splitting, "SPLIT_FROM_BYTES", 1)
    monkeypatch.setattr(splitting, "SPAN_BYTES", (4096, 4096))


def built(source: Path, out: Path, workers: int) -> tuple[bytes, list[str]]:
    report = build([source], out, workers=workers)
    return (out / "graph.ttl").read_bytes(), [str(notice) for notice in report.notices]


def spans_of(path: Path) -> list[SpanTask]:
    found = parts([InputFile(path, path.name)], 2)
    assert all(isinstance(part, SpanTask) for part in found)
    return found  # type: ignore[return-value]


def test_two_workers_write_the_bytes_of_one(synthetic: Path, tmp_path: Path, small_spans: None) -> None:
    tasks = spans_of(synthetic)
    assert len(tasks) > 20
    assert any(task.years for task in tasks)  # the first page's index gives years to later fiches
    one = built(synthetic, tmp_path / "one", 1)
    two = built(synthetic, tmp_path / "two", 2)
    assert one == two
    assert b"csg:year" in one[0]


@pytest.mark.parametrize(
    ("encoding", "line_end"), [("cp1252", "\n"), ("utf-8-sig", "\r\n"), ("utf-8", "\n")], ids=str
)
def test_encodings_and_line_ends(tmp_path: Path, small_spans: None, encoding: str, line_end: str) -> None:
    """Windows-1252 lines give one notice for the whole file, whichever span they were read in."""
    text = SAMPLE.read_text(encoding="utf-8")
    source = tmp_path / "fiches.txt"
    source.write_bytes((text * 3).replace("\n", line_end).encode(encoding, errors="replace"))
    assert len(spans_of(source)) > 10
    one = built(source, tmp_path / "one", 1)
    two = built(source, tmp_path / "two", 2)
    assert one == two
    legacy = [notice for notice in one[1] if "read as Windows-1252" in notice]
    assert len(legacy) == (1 if encoding == "cp1252" else 0)


def test_spans_start_at_titles(synthetic: Path, small_spans: None) -> None:
    """Each span but the first starts on a title line, and line numbers follow on from the span before."""
    data = synthetic.read_bytes()
    tasks = spans_of(synthetic)
    assert tasks[0].span.start == 0 and tasks[-1].span.end == len(data) and tasks[-1].span.last
    for before, task in itertools.pairwise(tasks):
        assert before.span.end == task.span.start and not before.span.last
        assert data[task.span.start :].startswith(b"Actions")
        assert task.span.first_line == data[: task.span.start].count(b"\n")


def test_a_span_read_from_other_years_is_read_again(synthetic: Path, small_spans: None) -> None:
    """Should the years ever change after the first fiche, the span that missed them is read again."""
    tasks = spans_of(synthetic)
    wrong = [tasks[0], *(dataclasses.replace(task, years=(("nothing", 1900),)) for task in tasks[1:])]
    whole = list(map_file(InputFile(synthetic, synthetic.name)))
    assert list(joined(in_order(map_part, wrong, 1), map_span)) == whole
    assert list(joined(in_order(map_part, tasks, 2), map_span)) == whole


def test_files_read_whole(tmp_path: Path, small_spans: None) -> None:
    """UTF-16, bare CR line ends and files without a title to cut at are not cut."""
    text = SAMPLE.read_text(encoding="utf-8")
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(text.encode("utf-16"))
    bare_cr = tmp_path / "mac.txt"
    bare_cr.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    no_title = tmp_path / "no-title.txt"
    no_title.write_text("- Statut de l'action\n\n- En cours\n" * 2000, encoding="utf-8")
    for path in (utf16, bare_cr, no_title):
        assert parts([InputFile(path, path.name)], 2) == [InputFile(path, path.name)]
