"""An exclusive lock on the audit folder, held by every command that writes into it.

The lock is a ``filelock`` lock file in the folder's state directory (``.cpxl/lock``); beside it the holder
writes who it is (command, process id, start time), so that a second command waits briefly and then says
who holds the folder. The lock is re-entrant within one process (the demo runs ingest, diagnose and plan under
one lock). Worker processes close the inherited lock descriptor (:func:`close_inherited`), so only the command
itself holds the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import filelock

from .errors import AuditError, read_only_message, writable
from .folder import MASTER_NAME

T = TypeVar("T")

STATE_DIR = ".cpxl"
WAIT_SECONDS = 5.0  # "wait briefly"; CPXL_LOCK_WAIT overrides

_held: dict[str, list] = {}  # resolved folder -> [FileLock, depth]


class FolderBusy(AuditError):
    """Another cpxl command holds the audit folder."""


def _wait() -> float:
    try:
        return float(os.environ.get("CPXL_LOCK_WAIT", WAIT_SECONDS))
    except ValueError:
        return WAIT_SECONDS


def holder(root: Path) -> dict[str, str]:
    """Who holds the folder, as its holder wrote it (empty when unknown)."""
    try:
        return json.loads((Path(root) / STATE_DIR / "lock.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _busy_message(root: Path) -> str:
    h = holder(root)
    who = (f"cpxl {h.get('command', '?')}（进程 {h.get('pid', '?')}，开始于 {h.get('started', '?')}）"
           if h else "另一个 cpxl 命令")
    return (f"审核文件夹 {root} 正被 {who} 使用，等待 {_wait():g} 秒后仍未释放：请等该命令结束后重试"
            "（如果该进程已不存在，锁会自动释放，稍后重试即可）")


@contextlib.contextmanager
def audit_lock(root: Path, command: str) -> Iterator[None]:
    """Hold the audit folder ``root`` exclusively while the block runs; raise :class:`FolderBusy` after a wait."""
    root = Path(root).resolve()
    key = str(root)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    if root.exists() and not writable(root):
        raise AuditError(read_only_message(root, "审核文件夹"))
    state = root / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(state / "lock"))
    try:
        lock.acquire(timeout=_wait())
    except filelock.Timeout:
        raise FolderBusy(_busy_message(root)) from None
    _held[key] = [lock, 1]
    info = state / "lock.json"
    try:
        info.write_text(json.dumps({"command": command, "pid": os.getpid(),
                                    "started": dt.datetime.now().isoformat(sep=" ", timespec="seconds")},
                                   ensure_ascii=False), encoding="utf-8")
        yield
    finally:
        del _held[key]
        with contextlib.suppress(OSError):
            info.unlink()
        lock.release()


def close_inherited() -> None:
    """In a forked worker: close the lock descriptors inherited from the command (they stay held by it)."""
    for lock, _ in list(_held.values()):
        fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
        if isinstance(fd, int):  # dup2 over it: the lock object may still close the number later
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, fd)
                os.close(null)
    _held.clear()


def locked(command: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate a step whose first argument is the audit folder (or its master workbook): hold the folder's lock.

    Without a master workbook there is nothing to protect (the step itself says what is missing), and no
    state directory is made in a folder that is not an audit folder.
    """

    def deco(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def run(root: Path, *args: Any, **kwargs: Any) -> T:
            p = Path(root)
            folder = p.parent if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file() else p
            if not (folder / MASTER_NAME).is_file() and not p.is_file():
                return fn(root, *args, **kwargs)
            with audit_lock(folder, command):
                return fn(root, *args, **kwargs)

        return run

    return deco
