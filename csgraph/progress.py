"""A progress bar for long builds: files read, fiches, fiches per second (stderr, terminals only)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from csgraph.formatting import tr
from csgraph.reading import InputFile


class BuildProgress:
    """Callbacks for `build()`; draws nothing when stderr is not a terminal (CI, pipes)."""

    def __init__(self, console: Console, lang: str = "fr") -> None:
        self.lang = lang
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                tr(lang, "fichiers", "files")
                + " · {task.fields[fiches]} fiches · {task.fields[rate]} fiches/s"
            ),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task: TaskID | None = None
        self.fiches = 0
        self.files_seen: set[str] = set()
        self.started = time.monotonic()

    def __enter__(self) -> BuildProgress:
        self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.bar.stop()

    def on_start(self, entries: list[InputFile]) -> None:
        self.started = time.monotonic()
        reading = tr(self.lang, "lecture", "reading")
        self.task = self.bar.add_task(reading, total=len(entries), fiches=0, rate=0)

    def on_fiche(self, file: str) -> None:
        """A fiche of `file` was read."""
        self.fiches += 1
        new_file = file not in self.files_seen
        self.files_seen.add(file)
        if self.task is not None and (new_file or self.fiches % 500 == 0):
            rate = round(self.fiches / max(time.monotonic() - self.started, 1e-6))
            self.bar.update(self.task, completed=len(self.files_seen), fiches=self.fiches, rate=rate)

    def on_indexes(self) -> None:
        """Every fiche is read; the site's indexes are being made (a national build: half a minute)."""
        if self.task is not None:
            self.bar.update(self.task, description=tr(self.lang, "index du site", "site indexes"))
