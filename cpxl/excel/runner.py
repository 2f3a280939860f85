"""One ribbon step in a Python process of its own, so that Excel is never frozen (Windows).

The add-in's VBA (``workbook/CpxlJob.bas``) saves the master workbook (and closes it for a step that rewrites
it), starts ``pythonw.exe -B -c "<command(...)>"`` without waiting, and returns: Excel stays usable. Every
second ``Application.OnTime`` reads the *job file* this process writes and shows its progress in the status
bar; when the file says the step is over, VBA reopens the master, writes the status cell, opens a folder if
asked, and shows the outcome in a message box. A second click while a step runs is refused by VBA, and a second
process (another Excel window, a double click that raced) by the per-user lock below.

The job file is ASCII text, one ``key=value`` per line, written whole and atomically (a temporary file renamed
over it). Values escape every character that is not printable ASCII, and the backslash, as ``\\uXXXX`` (UTF-16
code units), which VBA decodes with ``U()`` in CpxlCore — so Chinese text and paths pass any code page.

========  ==============================================================================================
key       meaning
========  ==============================================================================================
state     ``running``, then ``done`` (finished; see ``ok``), ``failed`` (program error) or ``refused``
action    the button id; ``label`` its label
elapsed   seconds since the step started; ``percent`` the step's own count (files done of total, from
          :mod:`cpxl.core.progress`) when it has one, else an estimate from the last run of the same step
text      what the status bar shows: the step's own progress line (``text`` of :mod:`cpxl.core.progress`)
ok        ``1`` or ``0``; ``title``, ``message``, ``critical`` (``1``/``0``): the message box ('' for none)
open      a workbook to open (or activate) when done: the master closed before the step, or a new one
status_*  ``status_book``/``status_sheet``/``status_label_cell``/``status_cell``/``status_label``/``status_text``:
          what to write to the home sheet of the master (then save it)
folder    a folder to show in Explorer
log       this process's log file (Python's output and any traceback)
========  ==============================================================================================

``main`` is the entry point VBA calls; ``command`` builds that call (VBA's ``CpxlJobCommand`` builds the same
text, checked by the tests), ``read_job`` reads a job file the way VBA does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cpxl.core import progress

from . import xl

LOCK_NAME = "cpxl-runner.lock"
HISTORY_NAME = "durations.json"
EXIT_OK, EXIT_NOT_OK, EXIT_REFUSED, EXIT_PROGRAM_ERROR = 0, 1, 2, 3


# ---------------------------------------------------------------------------------------- job file


def encode(text: str) -> str:
    """``text`` as printable ASCII: other characters and the backslash become ``\\uXXXX`` (UTF-16 code units)."""
    out = []
    for ch in text:
        if " " <= ch <= "~" and ch != "\\":
            out.append(ch)
        else:
            units = ch.encode("utf-16-le", "surrogatepass")
            out.extend(f"\\u{int.from_bytes(units[i:i + 2], 'little'):04x}" for i in range(0, len(units), 2))
    return "".join(out)


def decode(text: str) -> str:
    """The inverse of ``encode``: what VBA's ``U()`` does (``\\u`` and exactly four hex digits)."""
    units = bytearray()
    out: list[str] = []
    i = 0

    def flush() -> None:
        if units:
            out.append(units.decode("utf-16-le", "surrogatepass").encode("utf-16", "surrogatepass").decode("utf-16"))
            units.clear()

    while i < len(text):
        chunk = text[i + 2:i + 6]
        if text.startswith("\\u", i) and len(chunk) == 4 and all(c in "0123456789abcdefABCDEF" for c in chunk):
            units += int(chunk, 16).to_bytes(2, "little")
            i += 6
        else:
            flush()
            out.append(text[i])
            i += 1
    flush()
    return "".join(out)


def format_job(fields: Mapping[str, Any]) -> str:
    lines = ["cpxl-job=1"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = int(value)
        lines.append(f"{key}={encode(str(value))}")
    return "\r\n".join(lines) + "\r\n"


def read_job(path: Path) -> dict[str, str]:
    """The fields of a job file ({} if it is not there yet), decoded as VBA decodes them."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except FileNotFoundError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key not in fields:
            fields[key] = decode(value)
    return fields


def write_job(path: Path, fields: Mapping[str, Any], wait: float = 10.0) -> bool:
    """Replace the job file in one step; retried while the reader (VBA) holds it open. False if it never could."""
    path = Path(path)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(format_job(fields), encoding="ascii")
    deadline = time.monotonic() + wait
    while True:
        try:
            os.replace(tmp, path)
            return True
        except PermissionError:  # Windows: the target is open for reading this very moment
            if time.monotonic() > deadline:
                tmp.unlink(missing_ok=True)
                return False
            time.sleep(0.05)


# ---------------------------------------------------------------------------------------- lock


class Busy(Exception):
    """Another step holds the lock; ``info`` is what it wrote about itself."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(info)
        self.info = info


@contextlib.contextmanager
def job_lock(folder: Path, info: Mapping[str, Any]) -> Iterator[None]:
    """One step at a time per user: an OS file lock on ``folder/cpxl-runner.lock`` (released by the OS if the
    process dies, so a crash never leaves a stale lock); ``info`` goes to ``cpxl-runner.lock.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / LOCK_NAME
    info_path = folder / (LOCK_NAME + ".json")
    handle = open(lock_path, "a+b")  # noqa: SIM115 - held open for the whole step
    try:
        if not _try_lock(handle):
            try:
                held = json.loads(info_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                held = {}
            raise Busy(held)
        info_path.write_text(json.dumps(dict(info), ensure_ascii=False), encoding="utf-8")
        try:
            yield
        finally:
            info_path.unlink(missing_ok=True)
            _unlock(handle)
    finally:
        handle.close()


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform.startswith("win"):
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform.startswith("win"):
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------- the Excel side


@dataclass
class JobSide:
    """``ExcelSide`` for a step run outside Excel: it records what VBA is to do once the step is over.

    VBA has already saved the master (and closed it for a step that rewrites it) before starting Python, so
    ``save_caller``/``close_caller`` only record; ``status_bar`` writes progress to the job file at once.
    """

    job: Job
    master: Path | None
    open: Path | None = None
    status: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    alerts: list[tuple[str, str, bool]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def caller_path(self) -> Path | None:
        return self.master

    def save_caller(self) -> None:
        self.events.append("save")

    def close_caller(self) -> None:
        self.events.append("close")

    def open_book(self, path: Path) -> None:
        self.open = Path(path)

    def write_status(self, path: Path, sheet: str, cell: str, label: str, text: str) -> bool:
        self.status = {
            "status_book": str(path), "status_sheet": sheet, "status_label_cell": xl.STATUS_LABEL_CELL,
            "status_cell": cell, "status_label": label, "status_text": text,
        }
        return True

    def alert(self, message: str, title: str, critical: bool) -> None:
        self.alerts.append((title, message, critical))

    def status_bar(self, text: str | None) -> None:
        if text:
            self.job.progress(text)

    def open_folder(self, path: Path) -> None:
        self.folder = Path(path)


class Job:
    """The job file of one step, kept up to date from a heartbeat thread while the step runs."""

    def __init__(self, path: Path, action: str) -> None:
        self.path = Path(path)
        self.action = action
        act = xl.ACTIONS.get(action)
        self.label = act.label if act else action
        self.started = time.monotonic()
        self.expected = _expected_seconds(self.path.parent, action)
        self.percent: int | None = None  # from the step's own count, when it has one
        self.text = f"cpxl：正在{self.label}……"
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self.log = self.path.with_suffix(".log")

    def elapsed(self) -> int:
        return int(time.monotonic() - self.started)

    def fields(self, **extra: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"state": "running", "action": self.action, "label": self.label,
                                "pid": os.getpid(), "elapsed": self.elapsed(), "text": self.text,
                                "log": str(self.log)}
        if self.percent is not None:
            base["percent"] = self.percent
        elif self.expected:
            base["percent"] = min(95, int(100 * (time.monotonic() - self.started) / self.expected))
        base.update(extra)
        return base

    def write(self, **extra: Any) -> None:
        with self._write_lock:
            write_job(self.path, self.fields(**extra), wait=10.0 if extra.get("state") not in (None, "running") else 1.0)

    def progress(self, text: str) -> None:
        self.text = text
        self.write()

    def follow(self, doc: dict[str, Any]) -> None:
        """The step's own progress (:mod:`cpxl.core.progress`) in the status bar; its count gives the percent."""
        if doc.get("total"):
            self.expected = None
            self.percent = min(99, int(100 * doc["done"] / doc["total"]))
        if not doc.get("finished"):
            self.progress("cpxl：" + doc["text"])

    def __enter__(self) -> Job:
        self.write()

        def beat() -> None:
            while not self._stop.wait(1.0):
                self.write()

        self._beat = threading.Thread(target=beat, name="cpxl-job-heartbeat", daemon=True)
        self._beat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()

    def finish(self, state: str, **fields: Any) -> None:
        """The final job file (the heartbeat has stopped)."""
        with self._write_lock:
            fields.pop("percent", None)
            ok = write_job(self.path, {**self.fields(), "state": state, "text": "", **fields}, wait=30.0)
        if not ok:
            print(f"could not write the job file {self.path}", file=sys.stderr)


def _expected_seconds(folder: Path, action: str) -> float | None:
    try:
        history = json.loads((folder / HISTORY_NAME).read_text(encoding="utf-8"))
        value = float(history[action])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if value > 0 else None


def _remember_seconds(folder: Path, action: str, seconds: float) -> None:
    path = folder / HISTORY_NAME
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(history, dict):
            history = {}
    except (OSError, ValueError):
        history = {}
    history[action] = round(seconds, 1)
    with contextlib.suppress(OSError):
        path.write_text(json.dumps(history), encoding="utf-8")


# ------------------------------------------------------------------------------------------- entry


def command(job: str, action: str, **params: str) -> str:
    """The Python statement VBA passes to ``pythonw -B -c`` (VBA's CpxlJobCommand builds the same text)."""
    args = [py_literal(job), py_literal(action), *(f"{k}={py_literal(v)}" for k, v in params.items())]
    return f"import cpxl.excel.runner as r; raise SystemExit(r.main({', '.join(args)}))"


_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-./:_")


def py_literal(text: str) -> str:
    """The Python literal VBA's PyStr makes: safe ASCII kept, the rest as \\xHH or \\uXXXX (UTF-16 units)."""
    out = []
    for unit in (int.from_bytes(b, "little") for b in _units(text)):
        ch = chr(unit)
        if ch in _SAFE:
            out.append(ch)
        elif unit < 256:
            out.append(f"\\x{unit:02x}")
        else:
            out.append(f"\\u{unit:04x}")
    return "'" + "".join(out) + "'"


def _units(text: str) -> list[bytes]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i:i + 2] for i in range(0, len(data), 2)]


def main(job: str, action: str, **params: str) -> int:
    """Run ribbon step ``action`` and keep the job file ``job`` up to date; the process's exit code.

    ``params``: ``master`` (the workbook whose button was clicked; VBA passes it for every step but 新建审核)
    and, for 新建审核, ``folder``, ``industry``, ``region``, ``year``.
    """
    path = Path(xl._join_surrogates(job))
    path.parent.mkdir(parents=True, exist_ok=True)
    _forget_old_jobs(path.parent)
    with open(path.with_suffix(".log"), "w", encoding="utf-8", buffering=1) as stream, _redirected(stream):
        job_file = Job(path, action)
        print(f"cpxl runner {dt.datetime.now():%Y-%m-%d %H:%M:%S} pid {os.getpid()}: {action} {params}")
        master_text = xl._join_surrogates(params.pop("master", "") or "")
        master = Path(master_text) if master_text and Path(master_text).is_absolute() else None
        reopen = master if master is not None and action in xl.ACTIONS and xl.ACTIONS[action].rewrites_master else None
        title = f"{xl.TITLE} · {job_file.label}"
        try:
            with job_lock(path.parent, {"action": action, "label": job_file.label, "pid": os.getpid(),
                                        "started": f"{dt.datetime.now():%H:%M:%S}", "job": str(path)}):
                code = _run(job_file, action, master, reopen, params)
        except Busy as busy:
            label = busy.info.get("label") or "另一项操作"
            since = f"（开始于 {busy.info['started']}）" if busy.info.get("started") else ""
            message = f"“{label}”正在进行{since}，请等它完成后再点击“{job_file.label}”。"
            job_file.finish("refused", ok=0, title=title, message=message, critical=0, open=reopen)
            return EXIT_REFUSED
        except BaseException as exc:  # not even xl.run's own handling: still end the job so Excel is told
            import traceback

            traceback.print_exc()
            message = (f"“{job_file.label}”出现程序错误：{type(exc).__name__}: {exc}\n"
                       f"详细信息已写入 {job_file.log}。请把本提示和该文件发给技术支持。")
            job_file.finish("failed", ok=0, title=title, message=message, critical=1, open=reopen)
            return EXIT_PROGRAM_ERROR
        if code in (EXIT_OK, EXIT_NOT_OK):
            _remember_seconds(path.parent, action, time.monotonic() - job_file.started)
        return code


def _forget_old_jobs(folder: Path, days: int = 7) -> None:
    """Job files and logs of steps whose Excel went away (it deletes the job file it has read)."""
    cutoff = time.time() - days * 86400
    for p in [*folder.glob("job-*.txt"), *folder.glob("job-*.log")]:
        with contextlib.suppress(OSError):
            if p.stat().st_mtime < cutoff:
                p.unlink()


def _run(job: Job, action: str, master: Path | None, reopen: Path | None, params: dict[str, str]) -> int:
    side = JobSide(job, master)
    with job, progress.reporting(progress.Callback(job.follow, every=0.5)):
        job.progress(f"cpxl：正在{job.label}……")
        outcome = xl.run(action, side, **params)
    title, message, critical = side.alerts[-1] if side.alerts else ("", "", False)
    job.finish(
        "failed" if outcome.log else "done",
        ok=outcome.ok, title=title, message=message, critical=critical, open=side.open or reopen,
        folder=side.folder, **side.status,
    )
    if outcome.log:
        print(f"program error, traceback in {outcome.log}")
        return EXIT_PROGRAM_ERROR
    return EXIT_OK if outcome.ok else EXIT_NOT_OK


@contextlib.contextmanager
def _redirected(stream: IO[str]) -> Iterator[None]:
    """Python's own output to the log (pythonw has no console; an unread pipe must not fill up)."""
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = stream
    try:
        yield
    finally:
        sys.stdout, sys.stderr = old
