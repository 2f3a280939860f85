"""``cpxl ingest``: returned enterprise workbooks → archive, validation, feedback copies, consolidation."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cpxl import api

from .display import progress_shown
from .output import JsonOpt, console, emit_json, fail, problems_table


def register(app: typer.Typer) -> None:
    """Add the commands of this stage to ``app``."""

    @app.command()
    def ingest(
        folder: Path = typer.Argument(..., help="审核文件夹"),
        files: list[Path] = typer.Argument(None, help="要导入的文件（默认：收件箱中的全部文件）"),
        strict: bool = typer.Option(False, "--strict", help="有警告的报送也不汇总（默认只排除有错误的）"),
        no_feedback: bool = typer.Option(False, "--no-feedback", help="不生成标注问题的反馈副本"),
        as_json: bool = JsonOpt,
    ) -> None:
        """导入企业交回的填报文件：归档原件、逐格校验、生成反馈副本和校验报告、汇总到审核总表。"""
        settings = api.IngestSettings(strict=strict, feedback=not no_feedback)
        try:
            with progress_shown(as_json):
                res = api.ingest(folder, files or None, settings)
        except FileNotFoundError as exc:
            fail(str(exc), as_json)
        errors = sum(f.errors for f in res.files)
        if as_json:
            emit_json({"ok": errors == 0, **res.to_dict()})
        else:
            t = Table(title="报送文件")
            for h in ("文件", "企业", "结果", "错误", "警告", "提示", "反馈副本"):
                t.add_column(h, overflow="fold")
            for f in res.files:
                t.add_row(f.file, f.enterprise_name, f.message or f.outcome, str(f.errors), str(f.warnings), str(f.infos),
                          Path(f.feedback).name if f.feedback else "")
            console.print(t)
            shown = [p for p in res.problems if p.severity != "info"]
            if shown:
                console.print(problems_table(shown, limit=100))
            console.print(f"共 {len(res.files)} 个文件；已汇总企业 {res.consolidated_enterprises} 家；校验报告：{res.report}")
        raise typer.Exit(1 if errors else 0)
