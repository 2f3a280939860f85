"""``cpxl report``: the Appendix C report (Word, optionally PDF).

While targets, proposals, scores or parameters still wait for the audit team, the command lists them and
asks for ``--draft`` (exit code 2, nothing written); ``--draft`` writes a draft that marks its cover and lists
them in a section of their own. The provincial-review checks (评估不通过风险) are printed as warnings.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cpxl import api

from .display import progress_shown
from .output import JsonOpt, console, emit_json, fail


def register(app: typer.Typer) -> None:
    """Add the commands of this stage to ``app``."""

    @app.command()
    def report(
        folder: Path = typer.Argument(..., help="审核文件夹"),
        pdf: bool = typer.Option(False, "--pdf", help="同时输出 PDF（LibreOffice）"),
        draft: bool = typer.Option(False, "--draft", help="有待审核小组确认的内容时仍生成草稿（单列并标明待确认内容）"),
        as_json: bool = JsonOpt,
    ) -> None:
        """生成附录C《行业清洁生产整体审核报告》（Word，可选 PDF）。"""
        from cpxl.report import ReportPending

        try:
            with progress_shown(as_json):
                res = api.report(folder, pdf=pdf, draft=draft)
        except ReportPending as exc:
            if as_json:
                emit_json({"ok": False, "error": str(exc), "pending": [p.to_dict() for p in exc.items]})
                raise typer.Exit(2) from None
            fail(str(exc), as_json)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc), as_json)
        if as_json:
            emit_json({"ok": True, **res.to_dict()})
            return
        kind = "审核报告（草稿）" if res.draft else "审核报告"
        console.print(f"{kind}：[bold]{res.docx}[/]" + (f"；PDF：{res.pdf}" if res.pdf else ""))
        console.print(f"表格 {res.tables} 个，图 {res.figures} 幅，目录条目 {res.toc_entries} 条")
        if res.pending:
            console.print("草稿中单列的待确认事项：" + "；".join(p["text"] for p in res.pending))
        if res.empty_sections:
            console.print("以下章节暂无数据，报告中已如实说明：" + "、".join(res.empty_sections))
        for w in res.warnings:
            console.print(f"[yellow]提示：[/]{w}")
