"""What each input file is, told by its content and never by its name: action fiches, structure pages
(first line `Liste des centres sociaux` or `Liste des espaces de vie sociale`) or SCDL grants files (a CSV
header with the schema's columns). Folders may mix all three; `build`, `parse` and the workers read each
kind with its own reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from csgraph.grants import grants_files_in
from csgraph.model import Notice
from csgraph.reading import InputFile, find_input_files
from csgraph.structure_pages import StructurePage, is_structure_page, read_pages


@dataclass(frozen=True)
class Inputs:
    fiches: list[InputFile]
    pages: list[InputFile]
    grants: list[InputFile]


def sorted_inputs(paths: Sequence[Path], notices: list[Notice]) -> Inputs:
    """The input files by kind, each list in the stable order `find_input_files` gives."""
    grants = read_once(grants_files_in(paths), notices)
    grant_paths = {entry.path for entry in grants}
    texts = [entry for entry in find_input_files(list(paths), notices) if entry.path not in grant_paths]
    texts = read_once(texts, notices)
    pages = [entry for entry in texts if is_structure_page(entry)]
    fiches = [entry for entry in texts if entry not in pages]
    return Inputs(fiches, pages, grants)


def read_once(entries: list[InputFile], notices: list[Notice]) -> list[InputFile]:
    """Each file once, though named twice (`build data/ data/subventions-2023.csv`): read twice, its
    declared grants and its fiches would count twice under two names."""
    first: dict[Path, InputFile] = {}
    kept = []
    for entry in entries:
        same = first.setdefault(entry.path.resolve(), entry)
        if same is entry:
            kept.append(entry)
        else:
            notices.append(Notice(entry.name, 0, f"the same file as {same.name}, read once"))
    return kept


def read_structure_pages(paths: Sequence[Path], notices: list[Notice]) -> Iterator[StructurePage]:
    """The structures of every structure page under the paths, for `parse`: the files that cannot be read
    were reported with the fiches already."""
    yield from read_pages(sorted_inputs(paths, []).pages, notices)
