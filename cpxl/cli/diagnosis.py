"""``cpxl diagnose DIR`` and ``cpxl score --system S --values FILE``: the command-line faces of
:func:`cpxl.diagnosis.diagnose` and :func:`cpxl.diagnosis.score_values`.

Exit codes as for every cpxl command: 0 done; 1 done, but data are missing (some enterprise's result is
provisional); 2 could not run (no master, bad system or values file) — the message says why, in Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from .display import progress_shown
from .output import JsonOpt, console, emit_json, fail


def _y(x: float) -> str:
    return f"{x:.2f}"


# --------------------------------------------------------------------------- cpxl diagnose


def diagnose_command(folder: Path, system: str | None = None, as_json: bool = False) -> None:
    """Run the diagnosis on the audit folder and report; always ends with ``typer.Exit``."""
    from cpxl.diagnosis import DiagnosisError, diagnose
    from cpxl.diagnosis.model import SHEET_LEVEL
    from cpxl.domain.indicators import LEVEL_LABELS, IndicatorSystemError

    try:
        with progress_shown(as_json):
            res = diagnose(Path(folder), system or None)
    except (FileNotFoundError, DiagnosisError, IndicatorSystemError, ValueError, KeyError) as exc:
        fail(str(exc), as_json)
        return
    code = 1 if res.errors else 0
    if as_json:
        emit_json({"ok": code == 0, **res.to_dict()})
        raise typer.Exit(code)
    console.print(f"指标体系：{res.system.name}（{res.system_source}）；统计年份 {res.year}")
    t = Table(title="企业清洁生产水平")
    for h in ("企业", "Y_I", "Y_II", "Y_III", "等级", "暂定等级", "制约升级的指标", "缺失"):
        t.add_column(h, overflow="fold")
    for d in res.enterprises:
        s = d.score
        blockers = "、".join(b.name for b in s.blockers[:3]) + (f" 等 {len(s.blockers)} 项" if len(s.blockers) > 3 else "")
        missing = sum(1 for r in s.indicators if r.status in ("missing", "invalid"))
        t.add_row(d.name, _y(s.y["I"]), _y(s.y["II"]), _y(s.y["III"]), d.level_label,
                  "" if s.complete else SHEET_LEVEL[s.level],
                  blockers or "—", str(missing) if missing else "")
    console.print(t)
    if res.common_problems:
        c = Table(title=f"行业关键共性问题（未达到{LEVEL_LABELS[res.options.common_level]}的企业占比 ≥ "
                        f"{100 * float(res.options.common_share or 0):g}%）")
        for h in ("序号", "指标", "诊断维度", "未达要求/参评", "占比", "要求"):
            c.add_column(h, overflow="fold")
        for p in res.common_problems:
            c.add_row(str(p.rank), p.name, p.dimension, f"{p.n_below}/{p.n_assessed}", f"{100 * p.share:.0f}%",
                      p.requirement)
        console.print(c)
    else:
        console.print("没有达到判定比例的行业关键共性问题。")
    focus = [r for r in res.focus_rules if r.industry_focus]
    console.print("行业审核重点（5.2.2）：" + ("；".join(f"{r.focus}（{len(r.enterprises)}/{r.n_total} 家）" for r in focus)
                                          if focus else "无"))
    shown = [p for p in res.problems if p.severity == "error"][:30]
    for p in shown:
        console.print(f"[red]缺失/错误：[/]{p.message}")
    if res.errors > len(shown):
        console.print(f"……另有 {res.errors - len(shown)} 处，完整清单见 --json 输出或审核总表“诊断结果”的“缺失数据”列。")
    for w in res.warnings:
        console.print(f"[yellow]提示：[/]{w}")
    console.print(res.summary)
    console.print(f"已写入审核总表：{res.master}（{'、'.join(res.written)}）")
    raise typer.Exit(code)


# --------------------------------------------------------------------------- cpxl score


def score_command(system: str, values_path: Path, as_json: bool = False, allow_template: bool = False) -> None:
    """Score one table of values against one system; always ends with ``typer.Exit``."""
    from cpxl.diagnosis import load_values, score_values
    from cpxl.diagnosis.scoring import TemplateSystemError
    from cpxl.domain.indicators import IndicatorSystemError, load_system

    try:
        sys_ = load_system(system)
    except (FileNotFoundError, IndicatorSystemError) as exc:
        fail(str(exc), as_json)
        return
    try:
        rows = load_values(Path(values_path))
        if not rows:
            raise ValueError(f"指标值文件 {Path(values_path).name} 中没有数据行")
        if sys_.method == "ndrc-2005":
            _score_ndrc(sys_, rows, as_json)
        table = score_values(sys_, rows, {"allow_template": True} if allow_template else None)
    except (FileNotFoundError, ValueError, TemplateSystemError) as exc:
        fail(str(exc), as_json)
        return
    code = 1 if table.incomplete else 0
    if as_json:
        emit_json({
            "ok": code == 0, "system": {"id": sys_.id, "name": sys_.name}, "level_counts": table.level_counts,
            "incomplete": table.incomplete,
            "enterprises": [{
                "enterprise": s.enterprise, "y": s.y, "y_base": s.y_base, "level": s.level,
                "level_title": s.level_title, "complete": s.complete, "next_level": s.next_level,
                "blockers": [{"indicator_id": b.indicator_id, "name": b.name, "target_level": b.target_level,
                              "reasons": list(b.reasons), "requirement": b.requirement, "gain": b.gain,
                              "message": b.message} for b in s.blockers],
                "problems": [p.to_dict() for p in s.problems],
            } for s in table.enterprises],
        })
        raise typer.Exit(code)
    t = Table(title=f"评分结果：{sys_.name}")
    for h in ("企业", "Y_I", "Y_II", "Y_III", "等级", "数据完整", "制约升级的指标（须达到的基准值）"):
        t.add_column(h, overflow="fold")
    for s in table.enterprises:
        blockers = "\n".join(f"{b.name}：{b.requirement}" for b in s.blockers[:5])
        if len(s.blockers) > 5:
            blockers += f"\n……共 {len(s.blockers)} 项"
        t.add_row(s.enterprise or "", _y(s.y["I"]), _y(s.y["II"]), _y(s.y["III"]), s.level_title,
                  "是" if s.complete else "否（暂定）", blockers or "—")
    console.print(t)
    for s in table.enterprises:
        for p in s.problems:
            if p.severity == "error":
                console.print(f"[red]{s.enterprise}：[/]{p.message}")
            elif p.severity == "warning":
                console.print(f"[yellow]提示（{s.enterprise}）：[/]{p.message}")
    counts = table.level_counts
    console.print(f"共 {len(table.enterprises)} 家：Ⅰ级 {counts['I']}、Ⅱ级 {counts['II']}、Ⅲ级 {counts['III']}、"
                  f"不达标 {counts['none']}；数据不完整 {len(table.incomplete)} 家。")
    raise typer.Exit(code)


def _score_ndrc(sys_: Any, rows: list[dict[str, Any]], as_json: bool) -> None:
    """``cpxl score`` for a system of the older NDRC method (P = α·P1 + β·P2)."""
    from cpxl.diagnosis import ndrc
    from cpxl.diagnosis.score import normalise_rows

    scores = ndrc.score_table(sys_, [{k: v for k, v in r.items()} for r in normalise_rows(sys_, rows)])
    code = 1 if any(not s.complete for s in scores) else 0
    if as_json:
        emit_json({"ok": code == 0, "system": {"id": sys_.id, "name": sys_.name, "method": sys_.method},
                   "enterprises": [s.to_dict() for s in scores]})
        raise typer.Exit(code)
    t = Table(title=f"评分结果（综合评价指数法）：{sys_.name}")
    for h in ("企业", "P1（定量）", "P2（定性）", "P", "等级", "数据完整"):
        t.add_column(h, overflow="fold")
    for s in scores:
        t.add_row(s.enterprise or "", _y(s.p1), _y(s.p2), _y(s.p), s.grade, "是" if s.complete else "否（暂定）")
    console.print(t)
    for s in scores:
        for msg in s.problems:
            console.print(f"[red]{s.enterprise}：[/]{msg}")
    raise typer.Exit(code)


# --------------------------------------------------------------------------- wiring


def register(app: typer.Typer) -> None:
    """Add the ``diagnose`` and ``score`` commands to a Typer app."""

    @app.command("diagnose")
    def _diagnose(folder: Path = typer.Argument(..., help="审核文件夹"),
                  system: str = typer.Option("", "--system", help="“指标体系”工作表为空时使用的评价指标体系（编号或文件）"),
                  as_json: bool = JsonOpt) -> None:
        """审核诊断（5.2.2–5.2.3）：计算指标、评分、识别行业共性问题与审核重点，写入审核总表。"""
        diagnose_command(folder, system or None, as_json)

    @app.command("score")
    def _score(system: str = typer.Option(..., "--system", help="评价指标体系编号或文件（见 cpxl systems）"),
               values: Path = typer.Option(..., "--values", help="指标值文件（.json/.csv/.xlsx；宽表或长表）"),
               allow_template: bool = typer.Option(False, "--allow-template", help="允许用模板体系试算"),
               as_json: bool = JsonOpt) -> None:
        """按一个指标体系为一张指标值表评分：每家企业的 Y_I/Y_II/Y_III、等级和制约升级的指标。"""
        score_command(system, values, as_json, allow_template)
