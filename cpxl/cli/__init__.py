"""The ``cpxl`` command line: one module per stage of the audit, each command a few lines over ``cpxl.api``.

``book`` (init, templates, check, systems) → ``intake`` (ingest) → ``diagnosis`` (diagnose, score) → ``plan`` →
``report`` → ``excel`` (the add-in), ``packs`` (industry packs, systems written in Excel) and ``demo``; ``output`` holds what every command shares (JSON, errors,
exit codes).

Exit codes: 0 done, 1 done but problems of severity error were found, 2 could not run
(bad arguments, missing or unreadable files) — the message says why, in Chinese.
"""

from __future__ import annotations

import typer

from cpxl import __version__

from . import book, demo, diagnosis, intake, plan, report
from .excel import addin_app
from .output import console, guarded
from .packs import packs_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help="cpxl — 行业整体清洁生产审核（T/CPPC 指南）工具")


@app.callback(invoke_without_command=True)
def _main(version: bool = typer.Option(False, "--version", help="显示版本")) -> None:
    if version:
        console.print(f"cpxl {__version__}")
        raise typer.Exit(0)


for _stage in (book, intake, diagnosis, plan, report, demo):
    _stage.register(app)
app.add_typer(packs_app, name="packs", help="行业包：列出行业包；生成、导入在 Excel 中填写的评价指标体系")
for _command in app.registered_commands:  # OS errors and a busy folder: one line of Chinese, exit 2
    _command.callback = guarded(_command.callback)
app.add_typer(addin_app, name="addin", help="Excel 加载项：构建、安装、卸载")


def main() -> None:  # pragma: no cover
    app()
