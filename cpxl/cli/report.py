"""``cpxl report``: the Appendix C report (Word, optionally PDF)."""

from __future__ import annotations

from pathlib import Path

import typer

from cpxl import api

from .output import JsonOpt, console, emit_json, fail


def register(app: typer.Typer) -> None:
    """Add the commands of this stage to ``app``."""

    @app.command()
    def report(
        folder: Path = typer.Argument(..., help="审核文件夹"),
        pdf: bool = typer.Option(False, "--pdf", help="同时输出 PDF（LibreOffice）"),
        as_json: bool = JsonOpt,
    ) -> None:
        """生成附录C《行业清洁生产整体审核报告》（Word，可选 PDF）。"""
        try:
            res = api.report(folder, pdf=pdf)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc), as_json)
        if as_json:
            emit_json({"ok": True, **res.to_dict()})
            return
        console.print(f"审核报告：[bold]{res.docx}[/]" + (f"；PDF：{res.pdf}" if res.pdf else ""))
        console.print(f"表格 {res.tables} 个，图 {res.figures} 幅，目录条目 {res.toc_entries} 条")
        if res.empty_sections:
            console.print("以下章节暂无数据，报告中已如实说明：" + "、".join(res.empty_sections))
        for w in res.warnings:
            console.print(f"[yellow]提示：[/]{w}")
