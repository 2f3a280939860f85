"""The Python side of the Excel add-in: one entry point, ``run``, for every button of the ribbon tab 清洁生产审核.

Two ways in, one ``run``:

* **Windows**: the add-in's VBA (``workbook/CpxlJob.bas``) starts ``cpxl.excel.runner`` in a Python process of
  its own and polls the job file it writes, so Excel is never frozen; the runner calls ``run`` with a
  ``JobSide`` that records what Excel should do (status bar, reopen the master, status cell, message box).
* **macOS**: the VBA runs ``import cpxl.excel.xl; cpxl.excel.xl.run('<button id>')`` through xlwings' ``RunPython``
  (synchronous), with ``XlwingsSide`` acting on Excel directly.

``run`` then

1. finds the calling workbook — it must be a master workbook 审核总表.xlsx made by cpxl (sheets 首页 and
   企业名单), whose folder is the audit folder (``新建审核`` instead gets the folder, industry, region and year
   from VBA, and refuses a place that is or lies in an audit folder);
2. saves it, and for steps that may rewrite the master closes it first (Windows cannot replace an open file)
   and opens it again afterwards;
3. calls the same core function as the CLI, looked up by name in ``cpxl.api`` (imported lazily, so a step the
   core does not offer yet gives a clear message instead of a crash);
4. writes the outcome to the status cell of sheet 首页 and shows it in one message box; errors get the same
   Chinese message as the CLI (``错误：…``). A program error is reported once, in cpxl's words, with its traceback
   written to a file whose path the message gives; no exception escapes to xlwings (whose traceback window would
   follow cpxl's message).

No domain logic lives here. Every Excel call goes through an ``ExcelSide``: ``XlwingsSide`` inside Excel,
``JobSide`` (cpxl.excel.runner) for the Windows runner, ``StandInExcel`` in tests and scripts (documented below).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import subprocess
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree as ET

from cpxl import __version__
from cpxl.core.folder import MASTER_NAME, AuditFolder, safe_filename

TITLE = "清洁生产审核"
HOME_SHEET = "首页"
STATUS_LABEL_CELL = "F1"  # beside the home sheet's own content (columns A–D)
STATUS_CELL = "F2"
MAX_PROBLEM_LINES = 15
MASTER_SHEETS = (HOME_SHEET, "企业名单")  # sheets every master made by cpxl init has


@dataclass(frozen=True)
class Action:
    """One ribbon button."""

    id: str  # the button id in customUI.xml, passed by VBA
    label: str  # the button's label
    api: str | None  # the core function in cpxl.api (None: handled here, no core call)
    rewrites_master: bool = False  # the core may replace 审核总表.xlsx: close it in Excel first, reopen after


ACTIONS: dict[str, Action] = {
    a.id: a
    for a in (
        Action("init", "新建审核", "init_audit"),
        Action("check", "校验总表", "check"),
        Action("templates", "生成企业模板", "make_templates"),
        Action("ingest", "导入企业填报", "ingest", rewrites_master=True),
        Action("diagnose", "诊断评分", "diagnose", rewrites_master=True),
        Action("plan", "目标与方案", "plan", rewrites_master=True),
        Action("report", "生成报告", "report"),
        Action("outputs", "打开成果文件夹", None),
    )
}


class XlUserError(ValueError):
    """A problem the user can fix (wrong workbook, missing input); the message is Chinese."""


# Errors the CLI reports as ``错误：<message>`` (exit code 2) rather than as a crash.
USER_ERRORS: tuple[type[BaseException], ...] = (FileExistsError, FileNotFoundError, ValueError, PermissionError)


@dataclass
class Outcome:
    """What ``run`` did: the message shown, whether it went well, and the master workbook it concerned."""

    action: str
    ok: bool
    message: str
    master: Path | None = None
    result: Any = None
    log: Path | None = None  # where the traceback of a program error was written


# ------------------------------------------------------------------------------------------- adapter


class ExcelSide(Protocol):
    """Everything ``run`` needs from Excel. Paths are full paths of workbook files."""

    def caller_path(self) -> Path | None:
        """The file of the workbook whose button was clicked; None if it was never saved."""

    def save_caller(self) -> None:
        """Save the calling workbook if it has unsaved changes."""

    def close_caller(self) -> None:
        """Close the calling workbook (after saving it)."""

    def open_book(self, path: Path) -> None:
        """Open the workbook ``path`` (or activate it if it is open)."""

    def write_status(self, path: Path, sheet: str, cell: str, label: str, text: str) -> bool:
        """Write ``label`` and ``text`` to ``sheet`` of open workbook ``path`` and save it; False if not possible."""

    def alert(self, message: str, title: str, critical: bool) -> None:
        """Show a message box."""

    def status_bar(self, text: str | None) -> None:
        """Show ``text`` in Excel's status bar; None gives it back to Excel."""

    def open_folder(self, path: Path) -> None:
        """Show a folder in Explorer / Finder."""


def _same_file(a: Path, b: Path) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


class XlwingsSide:
    """``ExcelSide`` over xlwings (open-source API only: Book.caller, books.open, save, close, App.alert, status_bar)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.app = book.app

    @classmethod
    def from_caller(cls) -> XlwingsSide:
        """The workbook whose button ran this Python (xlwings' RunPython); XlUserError when there is none."""
        if not called_from_excel():
            raise XlUserError(
                "cpxl.excel.xl.run 只能由 Excel 功能区“清洁生产审核”的按钮调用。"
                "在命令行请使用 cpxl 命令，例如：cpxl check 审核文件夹。"
            )
        import xlwings as xw

        try:
            book = xw.Book.caller()
        except Exception as exc:
            raise XlUserError(
                f"无法取得点击按钮的工作簿（xlwings：{type(exc).__name__}: {exc}）。"
                "请确认审核总表已保存、不在“受保护的视图”中，且没有处于单元格编辑状态，然后再点击一次。"
            ) from exc
        return cls(book)

    def caller_path(self) -> Path | None:
        path = Path(self.book.fullname)
        return path if path.is_absolute() else None  # a never-saved workbook is just "Book1"

    def save_caller(self) -> None:
        if sys.platform.startswith("win") and bool(self.book.api.Saved):
            return
        self.book.save()

    def close_caller(self) -> None:
        self.book.close()

    def _find(self, path: Path) -> Any | None:
        for book in self.app.books:
            try:
                if _same_file(Path(book.fullname), path):
                    return book
            except Exception:  # noqa: S112 - a book without a file name cannot be the one we look for
                continue
        return None

    def open_book(self, path: Path) -> None:
        book = self._find(path) or self.app.books.open(str(path))
        book.activate()

    def write_status(self, path: Path, sheet: str, cell: str, label: str, text: str) -> bool:
        book = self._find(path)
        if book is None or sheet not in [s.name for s in book.sheets]:
            return False
        ws = book.sheets[sheet]
        ws[STATUS_LABEL_CELL].value = label
        ws[cell].value = text
        book.save()
        return True

    def alert(self, message: str, title: str, critical: bool) -> None:
        self.app.alert(message, title=title, buttons="ok", mode="critical" if critical else "info")

    def status_bar(self, text: str | None) -> None:
        self.app.status_bar = text if text else False

    def open_folder(self, path: Path) -> None:
        if sys.platform.startswith("win"):
            getattr(os, "startfile")(str(path))  # noqa: B009 - os.startfile exists on Windows only
        elif sys.platform == "darwin":
            subprocess.run(["open", str(path)], check=False)
        else:
            subprocess.run(["xdg-open", str(path)], check=False)


@dataclass
class StandInExcel:
    """A documented stand-in for Excel, for tests and scripts: workbooks are files on disk.

    ``caller`` is the workbook whose button was "clicked" (None: a new, never-saved workbook). ``open_books``
    lists the workbooks "open in Excel". What Excel would show is recorded: ``alerts`` as (title, message,
    critical), ``status_texts`` (status bar), ``folders`` (opened folders) and ``events`` (every call, in order).
    ``write_status`` edits the file with openpyxl — what Excel does when it writes the cell and saves — unless
    ``write_files`` is False (then it is only recorded).
    """

    caller: Path | None = None
    open_books: list[Path] = field(default_factory=list)
    alerts: list[tuple[str, str, bool]] = field(default_factory=list)
    status_texts: list[str | None] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    write_files: bool = True

    def __post_init__(self) -> None:
        if self.caller is not None and not any(_same_file(self.caller, p) for p in self.open_books):
            self.open_books.append(Path(self.caller))

    def is_open(self, path: Path) -> bool:
        return any(_same_file(path, p) for p in self.open_books)

    def caller_path(self) -> Path | None:
        return self.caller

    def save_caller(self) -> None:
        self.events.append(("save", str(self.caller)))

    def close_caller(self) -> None:
        self.events.append(("close", str(self.caller)))
        self.open_books = [p for p in self.open_books if self.caller is None or not _same_file(p, self.caller)]

    def open_book(self, path: Path) -> None:
        self.events.append(("open", str(path)))
        if not self.is_open(path):
            self.open_books.append(Path(path))

    def write_status(self, path: Path, sheet: str, cell: str, label: str, text: str) -> bool:
        from openpyxl import load_workbook

        if not self.is_open(path) or not Path(path).exists():
            return False
        if not self.write_files:
            self.events.append(("status", text))
            return True
        wb = load_workbook(path)
        if sheet not in wb.sheetnames:
            return False
        wb[sheet][STATUS_LABEL_CELL] = label
        wb[sheet][cell] = text
        wb.save(path)
        self.events.append(("status", text))
        return True

    def alert(self, message: str, title: str, critical: bool) -> None:
        self.events.append(("alert", message))
        self.alerts.append((title, message, critical))

    def status_bar(self, text: str | None) -> None:
        self.status_texts.append(text)

    def open_folder(self, path: Path) -> None:
        self.events.append(("folder", str(path)))
        self.folders.append(Path(path))


# ------------------------------------------------------------------------------------------ helpers


def _join_surrogates(text: str) -> str:
    """VBA sends characters beyond U+FFFF as two \\u escapes (a surrogate pair); make them one character."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16")


def _core(act: Action) -> Any:
    """The core function of ``act`` from cpxl.api, or XlUserError saying it is not there (yet)."""
    try:
        api = importlib.import_module("cpxl.api")
    except ImportError as exc:
        raise XlUserError(
            f"无法加载 cpxl 的核心模块 cpxl.api：{exc}。请检查加载项使用的 Python 环境"
            "（cpxl.conf 中的 INTERPRETER_WIN / INTERPRETER_MAC），或重新运行 cpxl addin install。"
        ) from exc
    fn = getattr(api, act.api or "", None)
    if not callable(fn):
        raise XlUserError(
            f"此版本的 cpxl（{__version__}）尚未提供“{act.label}”功能（cpxl.api.{act.api}）。"
            "请升级 cpxl 后重新运行 cpxl addin install。"
        )
    return fn


def _caller_master(side: ExcelSide) -> Path:
    path = side.caller_path()
    if path is None:
        raise XlUserError(f"当前工作簿尚未保存。请打开审核文件夹中的审核总表（{MASTER_NAME}）后再点击按钮。")
    if path.name.casefold() != MASTER_NAME.casefold():
        raise XlUserError(
            f"当前工作簿是“{path.name}”。请切换到审核总表（{MASTER_NAME}）后再点击按钮："
            "审核文件夹就是审核总表所在的文件夹。"
        )
    missing = [name for name in MASTER_SHEETS if name not in _sheet_names(path)]
    if missing:
        raise XlUserError(
            f"“{path}”不是 cpxl 新建的审核总表（没有“{'”“'.join(missing)}”工作表），它所在的文件夹不是审核文件夹。"
            f"请打开审核文件夹中的审核总表（{MASTER_NAME}）；要开始新的审核，请点击“新建审核”。"
        )
    return path


def _sheet_names(path: Path) -> list[str]:
    """The sheet names of an .xlsx file, read from its workbook part only (fast, even for a large master)."""
    try:
        with zipfile.ZipFile(path) as z:
            root = ET.fromstring(z.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return []
    return [el.get("name", "") for el in root.iter() if el.tag.endswith("}sheet")]


def _text(params: dict[str, str], key: str) -> str:
    return _join_surrogates(str(params.get(key, "") or "")).strip()


def _year(text: str) -> int | None:
    if not text:
        return None
    if not (text.isdigit() and len(text) == 4):
        raise XlUserError(f"统计期应为四位数字的年份，如 2024；收到的是“{text}”。")
    return int(text)


def _enclosing_audit(folder: Path) -> Path | None:
    """The audit folder that ``folder`` is or lies in (a folder holding 审核总表.xlsx), if any."""
    for p in (folder, *folder.parents):
        if (p / MASTER_NAME).is_file():
            return p
    return None


def _new_audit_root(folder: Path, region: str, industry: str) -> Path:
    """The audit folder: the chosen folder itself if it is new or empty, else a new subfolder named after the audit.

    A folder that is (or lies inside) an audit folder is refused: clicking 新建审核 twice on the same place
    would otherwise nest a second audit inside the first.
    """
    audit = _enclosing_audit(folder)
    if audit is not None:
        where = "就是" if audit == folder else "位于"
        raise XlUserError(
            f"所选位置“{folder}”{where}审核文件夹“{audit}”（其中已有{MASTER_NAME}），不能在审核文件夹中再新建审核。"
            f"请选择其他位置，例如“{audit.parent}”。"
        )
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        return folder
    return folder / safe_filename(f"{region}{industry}行业整体清洁生产审核")


def error_message(exc: BaseException) -> str:
    """The Chinese message for an error, as the CLI prints it after ``错误：``."""
    if isinstance(exc, PermissionError):
        where = f"：{exc.filename}" if exc.filename else ""
        return f"没有权限读写文件{where}。文件可能正被 Excel、WPS 或其他程序打开，请关闭后重试。"
    if isinstance(exc, OSError) and exc.errno is not None and exc.filename and not _has_cjk(str(exc)):
        return f"文件操作失败（{exc.strerror}）：{exc.filename}"
    return str(exc)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _paths_summary(act: Action, paths: Sequence[Path]) -> str:
    if not paths:
        return f"{act.label}完成：没有生成文件。"
    where = Path(paths[0]).parent
    if act.id == "templates":
        return f"已生成 {len(paths)} 份企业填报模板，位于 {where}"
    return f"{act.label}完成：共 {len(paths)} 个文件，位于 {where}"


def summary(act: Action, result: Any) -> tuple[str, bool]:
    """A short Chinese report of a core function's result, and whether it went well (no errors found)."""
    if result is None:
        return f"{act.label}：完成。", True
    if hasattr(result, "problems") and hasattr(result, "errors"):
        problems = list(result.problems)
        errors = int(result.errors)
        what = "审核总表校验" if act.id == "check" else act.label
        lines = [f"{what}完成：错误 {errors} 处，共 {len(problems)} 条提示。"]
        for p in problems[:MAX_PROBLEM_LINES]:
            lines.append(p.text() if hasattr(p, "text") else str(p))
        if len(problems) > MAX_PROBLEM_LINES:
            lines.append(f"……另有 {len(problems) - MAX_PROBLEM_LINES} 条，完整清单请运行 cpxl {act.id} 审核文件夹。")
        return "\n".join(lines), errors == 0
    if isinstance(result, AuditFolder):
        return f"已创建审核文件夹 {result.root}，审核总表：{result.master}", True
    if isinstance(result, (list, tuple)) and all(isinstance(p, Path) for p in result):
        return _paths_summary(act, result), True
    if isinstance(result, Path):
        return f"{act.label}完成：{result}", True
    if isinstance(result, dict):
        items = [f"{k}：{v}" for k, v in result.items() if isinstance(v, (str, int, float, Path))][:MAX_PROBLEM_LINES]
        return "\n".join([f"{act.label}完成。", *items]), True
    return f"{act.label}完成：{result}", True


# ---------------------------------------------------------------------------------------------- run


def _perform(act: Action, side: ExcelSide, params: dict[str, str]) -> Outcome:
    if act.id == "init":
        folder, industry, region = _text(params, "folder"), _text(params, "industry"), _text(params, "region")
        if not folder:
            raise XlUserError("请选择存放审核文件夹的位置。")
        if not industry:
            raise XlUserError("请填写审核行业，例如：危险废物焚烧处置。")
        if not region:
            raise XlUserError("请填写审核区域，例如：东岚省。")
        year = _year(_text(params, "year"))
        fn = _core(act)
        root = _new_audit_root(Path(folder), region, industry)
        result = fn(root, industry, region, year, _text(params, "industry_code"))
        master = Path(getattr(result, "master", root / MASTER_NAME))
        side.open_book(master)
        message, ok = summary(act, result)
        message += "\n下一步：在审核总表中填写审核任务、审核小组、工作计划和企业名单，然后点击“生成企业模板”。"
        return Outcome(act.id, ok, message, master, result)

    master = _caller_master(side)
    folder = AuditFolder(master.parent)
    if act.id == "outputs":
        folder.outputs.mkdir(parents=True, exist_ok=True)
        side.open_folder(folder.outputs)
        return Outcome(act.id, True, f"已打开成果文件夹：{folder.outputs}", master)

    fn = _core(act)  # before touching the workbook: a missing step changes nothing
    side.save_caller()
    if act.rewrites_master:
        side.close_caller()
    try:
        result = fn(folder.root)
    finally:
        if act.rewrites_master:
            side.open_book(master)
    message, ok = summary(act, result)
    return Outcome(act.id, ok, message, master, result)


def _report(side: ExcelSide, act: Action, outcome: Outcome, alert: bool = True) -> None:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    first = outcome.message.splitlines()[0] if outcome.message else ""
    if outcome.master is not None:
        try:
            side.write_status(outcome.master, HOME_SHEET, STATUS_CELL, "最近一次操作（Excel 加载项）",
                              f"{stamp} {act.label}：{first}")
        except Exception as exc:  # the message box below still tells the user what happened
            outcome.message += f"\n（未能写入首页状态单元格：{exc}）"
    if alert:
        side.alert(outcome.message, f"{TITLE} · {act.label}", critical=not outcome.ok)


def run(action: str, side: ExcelSide | None = None, **params: str) -> Outcome:
    """Run the step of ribbon button ``action`` for the calling workbook and report the outcome in Excel.

    ``side`` is the Excel adapter (default: the workbook that called through xlwings' RunPython).
    ``params`` come from VBA for 新建审核 only: ``folder``, ``industry``, ``region``, ``year`` (may be empty)
    and optionally ``industry_code``.
    """
    if side is None:
        try:
            side = XlwingsSide.from_caller()
        except XlUserError as exc:
            if not called_from_excel():
                raise
            message = f"错误：{exc}"
            last_resort_alert(message, TITLE)
            return Outcome(action, False, message)
    act = ACTIONS.get(action)
    if act is None:
        message = f"未知的按钮“{action}”。加载项与 cpxl 的版本可能不一致，请运行 cpxl addin install 重新安装加载项。"
        side.alert(message, TITLE, critical=True)
        return Outcome(action, False, message)
    side.status_bar(f"cpxl：正在{act.label}……")
    try:
        outcome = _perform(act, side, dict(params))
    except USER_ERRORS as exc:
        outcome = Outcome(act.id, False, f"错误：{error_message(exc)}", _master_or_none(side, act))
    except Exception as exc:  # a program error: told once, in cpxl's words, with the traceback kept in a file
        log = write_error_log(act, exc)
        outcome = Outcome(
            act.id, False,
            f"“{act.label}”出现程序错误：{type(exc).__name__}: {exc}\n"
            f"详细信息已写入 {log}。请把本提示和该文件发给技术支持。",
            _master_or_none(side, act),
            log=log,
        )
    finally:
        side.status_bar(None)
    _report(side, act, outcome, alert=act.id != "outputs" or not outcome.ok)
    return outcome


def called_from_excel() -> bool:
    """True when xlwings' RunPython started this Python (it passes ``--from_xl=1``)."""
    return "--from_xl=1" in sys.argv


def error_log_dir() -> Path:
    return Path(tempfile.gettempdir()) / "cpxl"


def write_error_log(act: Action, exc: BaseException) -> Path:
    """Write the traceback of a program error to a file for technical support; its path."""
    folder = error_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"error-{act.id}-{stamp}.log"
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    path.write_text(f"cpxl {__version__} · {act.label} ({act.id})\n{text}", encoding="utf-8")
    return path


def last_resort_alert(message: str, title: str) -> None:
    """Show ``message`` when there is no workbook to show it with (xlwings could not find the caller)."""
    try:
        import xlwings as xw

        xw.apps.active.alert(message, title=title, buttons="ok", mode="critical")
        return
    except Exception:  # noqa: S110 - fall back to the system's own message box below
        pass
    if sys.platform.startswith("win"):
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, message, title, 0x10)  # MB_ICONERROR
    elif sys.platform == "darwin":
        script = "on run argv\ndisplay alert (item 1 of argv) message (item 2 of argv) as critical\nend run"
        subprocess.run(["osascript", "-e", script, title, message], check=False)
    else:
        print(f"{title}: {message}", file=sys.stderr)


def _master_or_none(side: ExcelSide, act: Action) -> Path | None:
    """The master workbook to write the status to after an error, if the caller is one."""
    if act.id == "init":
        return None
    try:
        path = side.caller_path()
    except Exception:
        return None
    if path is None or path.name.casefold() != MASTER_NAME.casefold():
        return None
    return path if set(MASTER_SHEETS) <= set(_sheet_names(path)) else None
