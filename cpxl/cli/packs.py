"""``cpxl packs``: the industry packs (list), and indicator systems regulators write in Excel (template, import).

Exit codes as for every command: 0 done; 1 the workbook has mistakes (listed cell by cell, nothing written);
2 could not run.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .output import JsonOpt, console, emit_json, fail, problems_table

packs_app = typer.Typer(add_completion=False, invoke_without_command=True,
                        help="行业包：列出可用的行业包；生成和导入在 Excel 中填写的评价指标体系。")


@packs_app.callback()
def _list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """列出内置行业包（行业、状态、评价指标体系、排放标准）。"""
    if ctx.invoked_subcommand is not None:
        return
    from cpxl.domain import packs
    from cpxl.domain.indicators import completeness_problems, load_system

    items = []
    for p in packs.list_packs():
        d = p.summary()
        system = load_system(p.system_path) if p.system_path else None
        d["system_name"] = system.name if system else ""
        d["indicator_count"] = sum(1 for _ in system.indicators()) if system else 0
        d["missing"] = completeness_problems(system) if system is not None and system.status == "partial" else []
        items.append(d)
    if as_json:
        emit_json(items)
        return
    t = Table(title="内置行业包（cpxl init --industry-pack 编号）")
    for h in ("编号", "行业", "状态", "评价指标体系", "排放标准"):
        t.add_column(h, overflow="fold")
    for d in items:
        status = d["status_zh"] + (f"（缺 {len(d['missing'])} 项）" if d["missing"] else "")
        t.add_row(d["id"], d["name"], status, f"{d['system_name']}（{d['indicator_count']} 项）",
                  "、".join(d["standards"]) or "—")
    console.print(t)
    console.print("指标体系不完整的行业包：先用 cpxl packs template 生成填写表，按正式文本补全后 cpxl packs import 导入。")


@packs_app.command("template")
def template(
    out: Path = typer.Argument(..., help="要生成的填写表（.xlsx）"),
    pack: str = typer.Option("generic", "--industry-pack", "-p", help="行业包编号（预填该包已有的指标）"),
    as_json: bool = JsonOpt,
) -> None:
    """生成空白（或预填已有部分的）评价指标体系填写表，供在 Excel 中按正式文本录入。"""
    from cpxl.book.system_workbook import write_template
    from cpxl.domain.packs import PackError

    try:
        path = write_template(out, pack)
    except (PackError, OSError) as exc:
        fail(str(exc), as_json)
    if as_json:
        emit_json({"ok": True, "template": str(path)})
    else:
        console.print(f"已生成评价指标体系填写表：[bold]{path}[/]。按“填写说明”录入后运行 cpxl packs import {path.name}。")


@packs_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="填好的评价指标体系填写表（.xlsx）"),
    into: Path = typer.Option(None, "--into", help="审核文件夹：写入其审核总表的“指标体系”工作表"),
    out: Path = typer.Option(None, "--out", help="另存为指标体系文件（.json）"),
    as_json: bool = JsonOpt,
) -> None:
    """校验并导入在 Excel 中填写的评价指标体系（逐格列出问题；有错误时不写入）。"""
    from cpxl.book.system_workbook import import_workbook

    if not file.is_file():
        fail(f"找不到文件：{file}", as_json)
    try:
        res = import_workbook(file, into, out)
    except (FileNotFoundError, ValueError, OSError) as exc:
        fail(str(exc), as_json)
    if as_json:
        emit_json({"ok": res.errors == 0, **res.to_dict()})
        raise typer.Exit(1 if res.errors else 0)
    if res.problems:
        console.print(problems_table(res.problems))
    if res.errors:
        console.print(f"[red]有 {res.errors} 处错误，未写入。[/]按上表逐格修改后重新导入。")
        raise typer.Exit(1)
    console.print(f"评价指标体系“{res.system['name']}”校验通过" + (f"，已写入 {res.written}" if res.written else
                                                              "（未指定 --into 或 --out，只做了校验）"))
