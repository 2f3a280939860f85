"""Run a function over untrusted files in worker processes, each bounded in time and memory.

A file that hangs a reader, exhausts memory or crashes a native library kills only its
worker: the parent records a per-file failure, starts a fresh worker and the batch goes on.

Workers die with their parent: each asks the kernel for SIGKILL when its parent dies (Linux
``PR_SET_PDEATHSIG``) and closes what it inherited from the parent — the other workers' pipe
ends and the audit folder's lock — so a killed command never leaves workers or a held lock behind.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any


@dataclass
class Outcome:
    item: Any
    ok: bool
    value: Any = None
    error: str = ""  # failure kind: timeout | crashed | memory | exception text


_parent_ends: set[int] = set()  # the parent's ends of every worker pipe (a forked worker closes them)


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when its parent dies; exit now if that already happened."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:
        os._exit(0)


def _close_inherited(keep: Connection) -> None:
    from .lock import close_inherited

    close_inherited()
    mine = keep.fileno()
    null = os.open(os.devnull, os.O_RDONLY)
    for fd in list(_parent_ends):
        if fd != mine:  # dup2, not close: a Connection object still naming the number closes only /dev/null
            try:
                os.dup2(null, fd)
            except OSError:
                pass
    os.close(null)
    _parent_ends.clear()


def _worker(conn: Connection, fn: Callable[[Any], Any], mem_bytes: int | None, parent: int = 0) -> None:
    if parent:
        _die_with_parent(parent)
        _close_inherited(conn)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # a native reader's crash report is not the user's business; the parent reports it
    if mem_bytes:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
            pass
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        try:
            conn.send(("ok", fn(item)))
        except MemoryError:
            conn.send(("err", "memory"))
        except BaseException as exc:  # noqa: BLE001 - any failure is reported for this item only
            conn.send(("err", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"))


class _Slot:
    def __init__(self, ctx: Any, fn: Callable[[Any], Any], mem: int | None):
        self.conn, child = ctx.Pipe()
        forked = ctx.get_start_method() == "fork"
        self.proc = ctx.Process(target=_worker, args=(child, fn, mem, os.getpid() if forked else 0), daemon=True)
        self.proc.start()
        child.close()
        _parent_ends.add(self.conn.fileno())
        self.item: Any = None
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.close()

    def close(self) -> None:
        if not self.conn.closed:
            _parent_ends.discard(self.conn.fileno())
            self.conn.close()


def run_isolated(fn: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None,
                 timeout: float = 60.0, mem_bytes: int | None = None) -> Iterator[Outcome]:
    """Yield an :class:`Outcome` per item (in completion order).

    ``items`` may be a lazy iterable: workers start on the first items while the caller is still
    producing the next ones (it is advanced whenever a worker is free).
    """
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    pending = iter(items)
    first = next(pending, _END)
    if first is _END:
        return
    pending = itertools.chain([first], pending)
    n = max(1, workers or os.cpu_count() or 1)
    if isinstance(items, Sized):
        n = min(n, len(items))
    slots = [_Slot(ctx, fn, mem_bytes) for _ in range(n)]
    busy: dict[Connection, _Slot] = {}
    ahead: collections.deque = collections.deque()  # items produced while every worker was busy

    def assign(slot: _Slot) -> bool:
        item = ahead.popleft() if ahead else next(pending, _END)
        if item is _END:
            return False
        slot.item, slot.started = item, time.monotonic()
        slot.conn.send(item)
        busy[slot.conn] = slot
        return True

    try:
        for s in slots:
            assign(s)
        while busy:
            while len(ahead) < n and (not ahead or ahead[-1] is not _END) and not wait(list(busy), timeout=0):
                ahead.append(next(pending, _END))  # the caller's own work on the next items overlaps the workers
            now = time.monotonic()
            wait_for = max(0.05, min(s.started + timeout - now for s in busy.values()))
            ready = wait(list(busy), timeout=wait_for)
            for conn in ready:
                slot = busy.pop(conn)  # type: ignore[arg-type]
                try:
                    kind, value = slot.conn.recv()
                except (EOFError, OSError):
                    code = slot.proc.exitcode if not slot.proc.is_alive() else None
                    slot.kill()
                    yield Outcome(slot.item, False, error="memory" if code in (-9, 137) else "crashed")
                    slot = _respawn(slots, slot, ctx, fn, mem_bytes)
                else:
                    yield Outcome(slot.item, kind == "ok", value if kind == "ok" else None,
                                  "" if kind == "ok" else value)
                assign(slot)
            now = time.monotonic()
            for conn, slot in list(busy.items()):
                if now - slot.started > timeout:
                    busy.pop(conn)
                    slot.kill()
                    yield Outcome(slot.item, False, error="timeout")
                    assign(_respawn(slots, slot, ctx, fn, mem_bytes))
    finally:
        for s in slots:
            try:
                if s.proc.is_alive():
                    s.conn.send(None)
            except OSError:
                pass
            s.proc.join(1)
            if s.proc.is_alive():
                s.kill()
            s.close()


_END = object()


def _respawn(slots: list[_Slot], dead: _Slot, ctx: Any, fn: Callable[[Any], Any], mem: int | None) -> _Slot:
    new = _Slot(ctx, fn, mem)
    slots[slots.index(dead)] = new
    return new
