"""Commands of the workbook stage: ``cpxl init`` (the audit folder and its master workbook), ``cpxl templates``
(one template per enterprise), ``cpxl check`` (the master's own entries, cell by cell), ``cpxl systems``."""

from __future__ import annotations

from pathlib import Path

import typer

from cpxl import api

from .display import progress_shown
from .output import JsonOpt, console, emit_json, fail, problems_table


def register(app: typer.Typer) -> None:
    """Add the commands of this stage to ``app``."""

    @app.command()
    def init(
        folder: Path = typer.Argument(..., help="新建的审核文件夹"),
        industry: str = typer.Option(..., "--industry", "-i", help="审核行业，如：危险废物焚烧处置"),
        region: str = typer.Option(..., "--region", "-r", help="审核区域，如：东岚省"),
        year: int = typer.Option(None, "--year", "-y", help="统计期（年），默认上一自然年（指南5.1.1）"),
        industry_code: str = typer.Option("", "--industry-code", help="GB/T 4754 行业代码，如 N7724"),
        pack: str = typer.Option("", "--industry-pack", "-p",
                                 help="行业包编号（见 cpxl packs），决定模板预填行、下拉列表、合理性范围、方案目录和评价指标体系"),
        system: str = typer.Option("", "--system", help="改用的评价指标体系编号或文件（默认用行业包自带的体系，见 cpxl systems）"),
        as_json: bool = JsonOpt,
    ) -> None:
        """新建审核：创建审核文件夹和审核总表（首页、各工作表、表A.2预填）。"""
        data = {}
        try:
            extra = {}
            if system:
                from cpxl.book.indicator_sheet import system_rows
                from cpxl.domain.indicators import load_system

                chosen = load_system(system)
                data["indicator_system"] = system_rows(chosen)
                extra["indicator_system_name"] = chosen.name
            f = api.init_audit(folder, industry, region, year, industry_code, data=data, pack=pack or None,
                               audit_extra=extra)
        except (FileExistsError, FileNotFoundError, ValueError) as exc:
            fail(str(exc), as_json)
        if as_json:
            emit_json({"ok": True, "folder": str(f.root), "master": str(f.master)})
        else:
            console.print(f"已创建审核文件夹 [bold]{f.root}[/]，审核总表：{f.master}")
            console.print("下一步：在审核总表中填写审核任务、审核小组、工作计划和企业名单，然后运行 cpxl templates。")


    @app.command()
    def templates(folder: Path = typer.Argument(..., help="审核文件夹"), as_json: bool = JsonOpt) -> None:
        """为企业名单中的每家企业生成填报模板（.xlsx，无宏）。"""
        try:
            with progress_shown(as_json):
                paths = api.make_templates(folder)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc), as_json)
        if as_json:
            emit_json({"ok": True, "templates": [str(p) for p in paths]})
        else:
            console.print(f"已生成 {len(paths)} 份企业填报模板，位于 {paths[0].parent if paths else folder}")


    @app.command()
    def check(folder: Path = typer.Argument(..., help="审核文件夹"), as_json: bool = JsonOpt) -> None:
        """校验审核总表中审核组自己填写的内容（逐格列出问题与修改方法）。"""
        try:
            res = api.check(folder)
        except FileNotFoundError as exc:
            fail(str(exc), as_json)
        if as_json:
            emit_json({"ok": res.errors == 0, **res.to_dict()})
        else:
            if res.problems:
                console.print(problems_table(res.problems))
            console.print(f"审核总表校验完成：错误 {res.errors} 处，共 {len(res.problems)} 条提示。")
        raise typer.Exit(1 if res.errors else 0)


    @app.command()
    def systems(as_json: bool = JsonOpt) -> None:
        """列出内置的清洁生产评价指标体系。"""
        from cpxl.domain.indicators import list_systems

        items = list_systems()
        if as_json:
            emit_json([i.__dict__ for i in items])
            return
        status = {"complete": "", "partial": "（不完整，须补全后才能评分）", "template": "（模板）"}
        for i in items:
            console.print(f"{i.id}\t{i.name}\t{i.indicator_count} 项指标{status.get(i.status, '')}\t行业包 {i.pack}")
