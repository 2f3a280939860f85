"""Atomic file writes: a crash mid-write never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        _fault_injection_pause()
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _fault_injection_pause() -> None:
    """Tests only: ``CPXL_TEST_PAUSE_BEFORE_REPLACE=<seconds>`` holds a finished temporary file
    before it replaces the target, so a test can kill the process mid-write for real."""
    pause = os.environ.get("CPXL_TEST_PAUSE_BEFORE_REPLACE")
    if pause:
        import time

        time.sleep(float(pause))


def write_atomic(target: Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp)`` to produce the file, then move it over ``target`` atomically.

    Temporary files left behind by an earlier, killed write of the same target are removed first.
    """
    target = Path(target)
    for stale in target.parent.glob(f".{target.stem}.*{target.suffix}.tmp"):
        stale.unlink(missing_ok=True)
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)
