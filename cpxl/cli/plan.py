"""``cpxl plan DIR``: the command-line face of :func:`cpxl.plan.plan` (targets, proposals, screening,
economics and tracking, 5.3.1–5.3.2).

Exit codes as for every cpxl command: 0 done, 1 done with problems to look at (here: none), 2 could
not run (no master, no indicator values, invalid parameters) — the message says why, in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from .display import progress_shown
from .output import JsonOpt, console, fail


def plan_command(folder: Path, as_json: bool = False, today: str | dt.date | None = None) -> None:
    """Run the plan step on the audit folder and report; always ends with ``typer.Exit``."""
    from cpxl.plan.run import PlanError, plan

    day: dt.date | None
    if isinstance(today, str) and today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            fail(f"跟踪日期“{today}”不是有效日期，请按 2026-06-30 的格式填写。", as_json)
            return
    else:
        day = today if isinstance(today, dt.date) else None
    try:
        with progress_shown(as_json):
            res = plan(Path(folder), today=day)
    except (FileNotFoundError, PlanError, ValueError, KeyError) as exc:
        fail(str(exc), as_json)
        return
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, **res.to_dict()}, ensure_ascii=False, indent=2, default=str) + "\n")
        raise typer.Exit(0)
    c = res.counts
    if res.breaches:
        console.print(f"[bold red]达标核查：[/]发现超标排放或排污许可执行问题 {res.breaches} 项，须优先整改（见“达标核查”工作表）。")
    if res.data_requests:
        console.print(f"数据补报：{res.data_requests} 家企业的数据尚不能支撑目标和方案，已列入“数据补报”并生成通知。")
    console.print(f"审核重点来源：{res.focus_source}；重点指标 {len(res.focus)} 项，共性问题 {len(res.common_problems)} 项。")
    console.print(f"审核目标 {c['targets']} 条（cpxl 生成 {c['targets_generated']}，审核组填写 {c['targets_kept']}；"
                  f"严于全部企业现状 {c['targets_beyond_best']} 条）。")
    if res.potential_totals:
        t = Table(title="改善潜力（全部企业达到目标）")
        for h in ("项目", "节约/削减量", "单位", "企业数"):
            t.add_column(h)
        for p in res.potential_totals:
            t.add_row(p["item"], f"{p['total']:.4g}", p["unit"], str(p["enterprises"]))
        console.print(t)
    console.print(f"清洁生产方案 {c['proposals']} 项（行业层面 {c['industry_proposals']}，企业层面 {c['enterprise_proposals']}；"
                  f"无/低费 {c['low_cost']}，中/高费 {c['mid_high_cost']}，待填写投资 {c['cost_unknown']}；"
                  f"经济评估 {c['economics']} 项）。")
    console.print("筛选结论（按审核小组评分计算）：" + "，".join(f"{k} {v} 项" for k, v in res.decisions.items()))
    console.print("审核状态：" + "，".join(f"{k} {v} 项" for k, v in res.states.items()))
    console.print(f"跟踪 {c['tracked_proposals']} 项方案（{c['tracking']} 项企业实施任务），逾期 {res.overdue} 项"
                  f"（跟踪日期 {res.today.isoformat()}）。")
    for p in res.pending:
        console.print(f"[cyan]待审核小组确认：[/]{p['text']}")
    for w in res.warnings:
        console.print(f"[yellow]提示：[/]{w}")
    if res.follow_up_file:
        console.print(f"督办通知：{res.follow_up_file}")
    console.print(f"已写入审核总表：{res.master}")
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Add ``plan`` to ``app``."""

    @app.command()
    def plan(
        folder: Path = typer.Argument(..., help="审核文件夹"),
        today: str = typer.Option("", "--today", help="跟踪日期（默认今天），如 2026-11-24"),
        as_json: bool = JsonOpt,
    ) -> None:
        """设置审核目标，生成、筛选和评估清洁生产方案，跟踪方案实施（5.3.1–5.3.2）。"""
        plan_command(folder, as_json, today or None)
