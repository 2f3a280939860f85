"""The ``cpxl`` command line: each command is a few lines over ``cpxl.api``.

Exit codes: 0 done, 1 done but problems of severity error were found, 2 could not run
(bad arguments, missing or unreadable files) — the message says why, in Chinese.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cpxl import __version__, api
from cpxl.cli.output import JsonOpt, console, emit_json, fail
from cpxl.core.problems import SEVERITY_ZH, Problem

app = typer.Typer(add_completion=False, no_args_is_help=True, help="cpxl — 行业整体清洁生产审核（T/CPPC 指南）工具")





def _problems_table(problems: list[Problem], limit: int = 200) -> Table:
    t = Table(show_lines=False)
    for h in ("级别", "文件", "工作表", "单元格", "项目", "问题", "修改方法"):
        t.add_column(h, overflow="fold")
    for p in problems[:limit]:
        t.add_row(SEVERITY_ZH.get(p.severity, p.severity), p.file, p.sheet, p.cell, p.field, p.message, p.fix)
    return t


@app.callback(invoke_without_command=True)
def _main(version: bool = typer.Option(False, "--version", help="显示版本")) -> None:
    if version:
        console.print(f"cpxl {__version__}")
        raise typer.Exit(0)


@app.command()
def init(
    folder: Path = typer.Argument(..., help="新建的审核文件夹"),
    industry: str = typer.Option(..., "--industry", "-i", help="审核行业，如：危险废物焚烧处置"),
    region: str = typer.Option(..., "--region", "-r", help="审核区域，如：东岚省"),
    year: int = typer.Option(None, "--year", "-y", help="统计期（年），默认上一自然年（指南5.1.1）"),
    industry_code: str = typer.Option("", "--industry-code", help="GB/T 4754 行业代码，如 N7724"),
    system: str = typer.Option("", "--system", help="预填的评价指标体系编号（见 cpxl systems）"),
    as_json: bool = JsonOpt,
) -> None:
    """新建审核：创建审核文件夹和审核总表（首页、各工作表、表A.2预填）。"""
    data = {}
    try:
        if system:
            from cpxl.book.indicator_sheet import system_rows
            from cpxl.domain.indicators import load_system

            data["indicator_system"] = system_rows(load_system(system))
        f = api.init_audit(folder, industry, region, year, industry_code, data=data)
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
            console.print(_problems_table(res.problems))
        console.print(f"审核总表校验完成：错误 {res.errors} 处，共 {len(res.problems)} 条提示。")
    raise typer.Exit(1 if res.errors else 0)


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
            console.print(_problems_table(shown, limit=100))
        console.print(f"共 {len(res.files)} 个文件；已汇总企业 {res.consolidated_enterprises} 家；校验报告：{res.report}")
    raise typer.Exit(1 if errors else 0)


@app.command()
def diagnose(
    folder: Path = typer.Argument(..., help="审核文件夹"),
    system: str = typer.Option("", "--system", help="“指标体系”工作表为空时使用的评价指标体系"),
    as_json: bool = JsonOpt,
) -> None:
    """审核诊断（5.2.2–5.2.3）：计算指标、评分、识别行业共性问题与审核重点，写入审核总表。"""
    from cpxl.cli.diagnosis import diagnose_command

    diagnose_command(folder, system or None, as_json)


@app.command()
def score(
    system: str = typer.Option(..., "--system", help="指标体系编号或文件"),
    values: Path = typer.Option(..., "--values", help="指标值文件（.json/.csv/.xlsx）"),
    as_json: bool = JsonOpt,
) -> None:
    """按一个指标体系为一张指标值表评分（每家企业的 Y_I/Y_II/Y_III、等级和制约升级的指标）。"""
    from cpxl.cli.diagnosis import score_command

    score_command(system, values, as_json)


@app.command()
def plan(
    folder: Path = typer.Argument(..., help="审核文件夹"),
    today: str = typer.Option("", "--today", help="跟踪日期（默认今天），如 2026-11-24"),
    as_json: bool = JsonOpt,
) -> None:
    """设置审核目标，生成、筛选和评估清洁生产方案，跟踪方案实施（5.3.1–5.3.2）。"""
    from cpxl.cli.plan import plan_command

    plan_command(folder, as_json, today or None)


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


@app.command()
def systems(as_json: bool = JsonOpt) -> None:
    """列出内置的清洁生产评价指标体系。"""
    from cpxl.domain.indicators import list_systems

    items = list_systems()
    if as_json:
        emit_json([i.__dict__ for i in items])
        return
    for i in items:
        console.print(f"{i.id}\t{i.name}\t{i.indicator_count} 项指标{'（模板）' if i.template else ''}")


@app.command()
def demo(folder: Path = typer.Argument(Path("demo-audit"), help="演示审核文件夹"), as_json: bool = JsonOpt) -> None:
    """运行内置演示审核（虚构的东岚省危险废物焚烧处置行业）：总表、模板、企业回传文件及后续各步。"""
    res = api.run_demo(folder)
    if as_json:
        emit_json({"ok": True, **res})
        return
    console.print(f"演示审核文件夹：[bold]{res['folder']}[/]")
    console.print(f"  审核总表：{res['master']}")
    console.print(f"  企业模板：{len(res['templates'])} 份；企业回传文件（收件箱）：{len(res['returned'])} 份")
    for k, v in res.get("steps", {}).items():
        console.print(f"  {k}：{v}")


from cpxl.cli.excel import addin_app  # noqa: E402 - sub-app mounted after the main commands

app.add_typer(addin_app, name="addin", help="Excel 加载项：构建、安装、卸载")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
