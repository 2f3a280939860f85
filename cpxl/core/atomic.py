"""Atomic file writes: a crash mid-write never leaves a half-written file behind.

A file marked read-only is never replaced (:class:`~cpxl.core.errors.AuditError`); a replaced file keeps its
permissions. Temporary files of an earlier write that was killed (``.<name>.*.tmp`` and their ``.stage``
companions) are removed by the next write of the same target.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import AuditError, read_only_message, writable


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step."""
    target = Path(target)
    if target.exists() and not writable(target):
        raise AuditError(read_only_message(target, f"文件“{target.name}”"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp_path, mode)
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


def stale_temporaries(target: Path) -> list[Path]:
    """Temporary files an earlier, killed write of ``target`` left behind."""
    target = Path(target)
    pattern = f".{target.stem}.*{target.suffix}.tmp"
    return [p for p in target.parent.glob(pattern + "*") if p.name.endswith((".tmp", ".tmp.stage"))]


def write_atomic(target: Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp)`` to produce the file, then move it over ``target`` atomically.

    Temporary files left behind by an earlier, killed write of the same target are removed first
    (callers hold the audit folder's lock, so no other write of it is running).
    """
    target = Path(target)
    for stale in stale_temporaries(target):
        stale.unlink(missing_ok=True)
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)
