"""Measure a command as a whole process tree: wall time, CPU time and peak memory of it and every
process it starts (workers, LibreOffice), side by side with the others of one bench run.

Peak memory is the largest sum over the tree of each process's proportional set size (PSS: a page
shared by n processes counts 1/n in each, so forked workers are not counted twice), sampled every
0.1 s from ``/proc`` (Linux). CPU time is the tree's user + system time as reported when the command
ends (its children are waited for, so theirs is included).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _children(pid: int) -> list[int]:
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            out += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            pass
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class Measured:
    wall: float
    cpu: float
    peak_mb: float
    output: Any  # the command's last stdout line as JSON (or its text)


def measure(cmd: list[str], env: dict[str, str] | None = None, interval: float = 0.1,
            cwd: Path | None = None) -> Measured:
    """Run ``cmd`` to the end, sampling its process tree's memory."""
    peak = 0
    done = threading.Event()
    t0 = time.perf_counter()
    proc = _Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)

    def sample() -> None:
        nonlocal peak
        while not done.wait(interval):
            peak = max(peak, sum(pss_kb(p) for p in tree(proc.pid)))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    ru = _rusage_of(proc)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{err[-3000:]}")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    try:
        value: Any = json.loads(last)
    except json.JSONDecodeError:
        value = out
    return Measured(wall, ru, round(peak / 1024, 1), value)


def _rusage_of(proc: subprocess.Popen) -> float:
    """User + system seconds of the finished child and its waited-for descendants."""
    ru = getattr(proc, "_cpxl_rusage", None)
    if ru is not None:
        return ru
    return math.nan


class _Popen(subprocess.Popen):
    """A Popen that keeps the rusage ``wait4`` returns (subprocess throws it away)."""

    def _try_wait(self, wait_flags):  # type: ignore[no-untyped-def]
        try:
            pid, sts, ru = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return (self.pid, 0)
        if pid == self.pid:
            self._cpxl_rusage = ru.ru_utime + ru.ru_stime
        return (pid, sts)



def exponent(points: list[tuple[float, float]]) -> float:
    """b of t ≈ a·N^b, fitted by least squares on log-log (1 = linear)."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
