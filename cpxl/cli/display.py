"""What a command shows while it works: a progress display on a terminal, a progress file for programs.

``with progress_shown(as_json):`` around a call into ``cpxl.api`` shows each running step as a rich
progress bar (files done / total, the current file or phase, elapsed time, time left) — only when stdout
is a terminal and ``--json`` was not given, so that piped and machine-read output stays exactly what it
was. When the environment variable ``CPXL_PROGRESS_FILE`` names a file, the same progress is kept there
as well (format: :mod:`cpxl.core.progress`), whatever the output mode: the Excel add-in's runner polls it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from cpxl.core import progress

from .output import console

PROGRESS_FILE_ENV = "CPXL_PROGRESS_FILE"


@contextlib.contextmanager
def progress_shown(as_json: bool = False) -> Iterator[None]:
    sinks: list[progress.Sink] = []
    if not as_json and sys.stdout.isatty() and console.is_terminal:
        sinks.append(progress.RichProgress(console))
    path = os.environ.get(PROGRESS_FILE_ENV)
    if path:
        sinks.append(progress.ProgressFile(Path(path)))
    with progress.reporting(*sinks):
        yield
