"""Progress of long work: the steps say where they are; whoever runs them decides who sees it.

A step of the audit reports through this module and knows nothing about displays::

    with progress.step("ingest", "导入企业报送", total=len(files)) as p:
        for f in files:
            ...
            p.advance(current=f.name)
        p.note("写入审核总表")            # a phase without a count (a long LibreOffice pass, a rewrite)

Steps nest (the demo runs init, templates, ingest, …, each a step of its own). With no display
installed a step costs a few attribute updates. Displays are installed by the caller for the
duration of a call (:func:`reporting`):

* :class:`RichProgress` — the command line on a terminal: a bar per running step with files done /
  total, the current file or phase, elapsed time and the estimated time left (``cpxl.cli`` installs it
  only when stdout is a terminal and ``--json`` is not given);
* :class:`ProgressFile` — a file another program polls (the Excel add-in's runner; the command line
  writes one when the environment variable ``CPXL_PROGRESS_FILE`` names it);
* :class:`Callback` — a function called with the same document (in-process callers).

The progress file
-----------------
One JSON document, replaced whole (written to a temporary file beside it, then renamed over it), at
most every 0.2 s and at every start and end of a step. It is ASCII only: other characters are written
as JSON ``\\uXXXX`` escapes (UTF-16 code units), so a reader in any code page can decode it. Keys:

============  =================================================================================
``format``    ``"cpxl-progress/1"``
``pid``       the process doing the work
``step``      machine name of the innermost running step (``ingest``, ``templates``, ``diagnose``,
              ``plan``, ``report``, ``demo``, ``feedback`` …); ``label`` its Chinese label
``done``      items done (files, enterprises) of ``total`` (``null`` when the step has no count)
``current``   the item being worked on (a file name, an enterprise), or ``""``
``message``   the current phase in Chinese (e.g. "LibreOffice 正在更新目录和页码"), or ``""``
``elapsed``   seconds since the outermost step started; ``eta`` estimated seconds left in the
              innermost counted step (``null`` when unknown)
``steps``     every running step, outermost first: ``{step, label, done, total}``
``finished``  ``true`` once the outermost step has ended; then ``ok`` is ``true`` or ``false``
              (``null`` while running) and, when not ok, ``message`` says why
``text``      all of it as one line of Chinese, for a status bar ("正在导入企业报送 120/1000 某企业.xlsx，
              已用 0:35，预计还需 2 分钟")
``updated``   local time of this write, ISO 8601
============  =================================================================================
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

FORMAT = "cpxl-progress/1"


@dataclass
class Step:
    """One running step: what it is, how far it got."""

    step: str
    label: str
    total: int | None = None
    done: int = 0
    current: str = ""
    message: str = ""
    started: float = field(default_factory=time.monotonic)

    def advance(self, n: int = 1, current: str | None = None) -> None:
        """``n`` more items done; ``current`` names the last one (or the next one)."""
        self.done += n
        if current is not None:
            self.current = current
        _notify("update", self)

    def update(self, *, done: int | None = None, total: int | None = None, current: str | None = None,
               message: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if current is not None:
            self.current = current
        if message is not None:
            self.message = message
        _notify("update", self)

    def note(self, message: str) -> None:
        """The phase this step is in now (shown until the next note)."""
        self.update(message=message, current="")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def eta(self) -> float | None:
        if not self.total or self.done <= 0 or self.done >= self.total:
            return None
        return self.elapsed * (self.total - self.done) / self.done


class Sink(Protocol):
    def start(self, step: Step) -> None: ...

    def update(self, step: Step) -> None: ...

    def finish(self, step: Step, ok: bool, error: str) -> None: ...


_sinks: list[Sink] = []
_stack: list[Step] = []


def running() -> list[Step]:
    """The running steps, outermost first."""
    return list(_stack)


def _notify(event: str, s: Step, ok: bool = True, error: str = "") -> None:
    for sink in list(_sinks):
        try:
            if event == "finish":
                sink.finish(s, ok, error)
            else:
                getattr(sink, event)(s)
        except Exception:  # noqa: BLE001 - a display never stops the work it displays
            pass


@contextlib.contextmanager
def step(name: str, label: str, total: int | None = None) -> Iterator[Step]:
    """Run a step (nested inside the running one, if any); its end is reported even when it fails."""
    s = Step(name, label, total)
    _stack.append(s)
    _notify("start", s)
    try:
        yield s
    except BaseException as exc:
        _stack.remove(s)
        _notify("finish", s, False, _reason(exc))
        raise
    else:
        _stack.remove(s)
        _notify("finish", s, True)


def current() -> Step:
    """The innermost running step; a detached one (seen by nobody) when no step runs."""
    return _stack[-1] if _stack else Step("", "")


def stepped(name: str, label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the function runs as a step (inside it, :func:`current` is that step)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with step(name, label):
                return fn(*args, **kwargs)

        return run

    return wrap


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:500]


@contextlib.contextmanager
def reporting(*sinks: Sink) -> Iterator[None]:
    """Show the progress of every step run inside the ``with`` block on ``sinks``."""
    added = [s for s in sinks if s is not None]
    _sinks.extend(added)
    try:
        yield
    finally:
        for s in added:
            _sinks.remove(s)
            closer = getattr(s, "close", None)
            if closer is not None:
                closer()


def document(current: Step | None = None, finished: bool = False, ok: bool | None = None,
             error: str = "") -> dict[str, Any]:
    """The progress document (the progress file's content) for the running steps."""
    steps = list(_stack) if _stack else ([current] if current else [])
    inner = steps[-1] if steps else current
    outer = steps[0] if steps else current
    doc = {
        "format": FORMAT, "pid": os.getpid(),
        "step": inner.step if inner else "", "label": inner.label if inner else "",
        "done": inner.done if inner else 0, "total": inner.total if inner else None,
        "current": inner.current if inner else "",
        "message": error if (finished and not ok and error) else (inner.message if inner else ""),
        "elapsed": round(outer.elapsed, 1) if outer else 0.0,
        "eta": None if inner is None or inner.eta is None else round(inner.eta, 1),
        "steps": [{"step": s.step, "label": s.label, "done": s.done, "total": s.total} for s in steps],
        "finished": finished, "ok": ok,
        "updated": dt.datetime.now().isoformat(timespec="seconds"),
    }
    doc["text"] = status_line(doc)
    return doc


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def status_line(doc: dict[str, Any]) -> str:
    """The progress document as one line for a person (a status bar)."""
    if doc.get("finished"):
        return ("已完成" if doc.get("ok") else "未完成：" + (doc.get("message") or "")) + f"，用时 {_clock(doc['elapsed'])}"
    count = f" {doc['done']}/{doc['total']}" if doc.get("total") else ""
    what = doc.get("current") or doc.get("message") or ""
    eta = doc.get("eta")
    left = "" if eta is None else ("，预计还需不到 1 分钟" if eta < 60 else f"，预计还需 {round(eta / 60)} 分钟")
    return f"正在{doc.get('label') or '处理'}{count}{' ' + what if what else ''}，已用 {_clock(doc['elapsed'])}{left}"


class Callback:
    """Calls ``fn(document)`` at each start, update (at most every ``every`` seconds) and end."""

    def __init__(self, fn: Callable[[dict[str, Any]], Any], every: float = 0.2):
        self.fn, self.every, self._last = fn, every, 0.0

    def start(self, step: Step) -> None:
        self._emit(document())

    def update(self, step: Step) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._emit(document())

    def finish(self, step: Step, ok: bool, error: str) -> None:
        last = not _stack
        self._emit(document(step, finished=last, ok=ok if last else None, error=error))

    def _emit(self, doc: dict[str, Any]) -> None:
        self._last = time.monotonic()
        self.fn(doc)


class ProgressFile(Callback):
    """Keeps the progress document in ``path`` (see the module docstring for the format)."""

    def __init__(self, path: Path, every: float = 0.2):
        self.path = Path(path)
        super().__init__(self._write, every)

    def _write(self, doc: dict[str, Any]) -> None:
        write_document(self.path, doc, wait=5.0 if doc["finished"] else 0.5)


def write_document(path: Path, doc: dict[str, Any], wait: float = 0.5) -> bool:
    """Replace ``path`` with ``doc`` in one step; retried while a reader holds it open (Windows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=True), encoding="ascii")
    deadline = time.monotonic() + wait
    while True:
        try:
            os.replace(tmp, path)
            return True
        except PermissionError:
            if time.monotonic() > deadline:
                tmp.unlink(missing_ok=True)
                return False
            time.sleep(0.05)


def read_document(path: Path) -> dict[str, Any] | None:
    """The progress document in ``path`` (None when there is none yet)."""
    try:
        return json.loads(Path(path).read_text(encoding="ascii"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


class RichProgress:
    """A live display on a terminal: a line per running step (bar, done/total, current item, times)."""

    def __init__(self, console: Any = None):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30),
                                 MofNCompleteColumn(), TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"),
                                 TimeRemainingColumn(), TextColumn("{task.fields[what]}", style="dim"),
                                 console=console, transient=True, refresh_per_second=8)
        self.tasks: dict[int, Any] = {}
        self.live = False

    def start(self, step: Step) -> None:
        if not self.live:
            self.progress.start()
            self.live = True
        self.tasks[id(step)] = self.progress.add_task(step.label, total=step.total, what=_what(step),
                                                      completed=step.done)

    def update(self, step: Step) -> None:
        task = self.tasks.get(id(step))
        if task is not None:
            self.progress.update(task, completed=step.done, total=step.total, what=_what(step))

    def finish(self, step: Step, ok: bool, error: str) -> None:
        task = self.tasks.pop(id(step), None)
        if task is not None:
            self.progress.remove_task(task)
        if not self.tasks:
            self.close()

    def close(self) -> None:
        if self.live:
            self.progress.stop()
            self.live = False


def _what(step: Step) -> str:
    text = step.current or step.message
    return text if len(text) <= 48 else text[:45] + "…"
