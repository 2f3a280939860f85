"""Output shared by every cpxl command: JSON on stdout, Chinese errors on stderr, exit codes.

Exit codes: 0 done; 1 done but problems of severity error were found (or results are
provisional); 2 could not run — the message says why.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from cpxl.core.errors import AuditError, os_message
from cpxl.core.problems import SEVERITY_ZH, Problem

console = Console()
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="以 JSON 输出（供程序读取）")


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(msg: str, as_json: bool = False) -> NoReturn:
    """Report a command that could not run, and exit with code 2."""
    if as_json:
        emit_json({"ok": False, "error": msg})
    else:
        err_console.print(f"[bold red]错误：[/]{msg}", soft_wrap=True)  # one line, never wrapped
    raise typer.Exit(2)


def problems_table(problems: list[Problem], limit: int = 200) -> Table:
    """The problems as a Chinese table (级别, 文件, 工作表, 单元格, 项目, 问题, 修改方法)."""
    t = Table(show_lines=False)
    for h in ("级别", "文件", "工作表", "单元格", "项目", "问题", "修改方法"):
        t.add_column(h, overflow="fold")
    for p in problems[:limit]:
        t.add_row(SEVERITY_ZH.get(p.severity, p.severity), p.file, p.sheet, p.cell, p.field, p.message, p.fix)
    return t


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A command that turns what a person must fix into one line of Chinese and exit code 2.

    The audit folder in use by another command, a read-only file or folder, a full disk, a locked or
    read-only ledger: never a Python traceback or Python's own English text.
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (AuditError, OSError, sqlite3.Error) as exc:
            fail(os_message(exc).replace("\n", " "), bool(kwargs.get("as_json")))

    return run
