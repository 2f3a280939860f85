"""``cpxl plan``: targets, proposals, screening, economics and tracking (5.3.1–5.3.2) in the master.

Reads the master workbook (指标体系, 指标值汇总, 诊断结果, 共性问题, 审核重点, the consolidated enterprise
data, 方案参数设置 and the plan sheets themselves) and writes, in one atomic save:

* 达标核查 — emission-limit and permit breaches (:mod:`cpxl.diagnosis.compliance`), ahead of everything else;
* 数据补报 — enterprises whose data cannot carry targets yet (:mod:`cpxl.plan.requests`);
* 审核目标 (5.3.1) — a few per enterprise, within the indicators' physical bounds — and 改善潜力;
* 方案汇总, 方案筛选评分, 经济评估, 方案筛选结论 (5.3.2) — proposals tied to diagnosed gaps, scored and
  decided by the audit team (:mod:`cpxl.plan.review`);
* 方案跟踪 and 跟踪督办汇总 for the proposals the team confirmed; notices as text in 成果/.

What the team entered is never overwritten: their rows, states, who and when, scores, investments,
subsidies, tracking entries and the 核实情况 of a breach.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.book import schema
from cpxl.book.master import with_audit_pack
from cpxl.book.masterio import update_master
from cpxl.core import progress
from cpxl.core.atomic import write_atomic
from cpxl.core.folder import AuditFolder
from cpxl.core.lock import locked
from cpxl.diagnosis.compliance import CONC_EXCEED, Breach, find_breaches, pollutant_in_text
from cpxl.domain.indicators import Indicator

from . import economics as econ
from .effects import bases, gap_effect, potential
from .proposals import (
    ENTERPRISE,
    INDUSTRY,
    CommonProblem,
    Gap,
    cost_class,
    decide,
    evaluate_proposals,
    find_catalogue,
    generate_proposals,
    load_catalogue,
    screen_proposals,
)
from .requests import accepted_enterprises, data_requests
from .requests import notice as request_notice
from .review import CONFIRMED, SCORED, SUGGESTED, effective_state, pending
from .scope import scope_directions, scope_indicators
from .settings import PlanError, PlanSettings, resolve_settings
from .targets import (
    GENERATED,
    TargetInputs,
    Values,
    benchmark_target,
    collect_values,
    current,
    in_bounds,
    indicators_from_sheet,
    level_of,
    make_targets,
    out_of_bounds,
)
from .tracking import USER_FIELDS, Schedule, build_tracking, follow_up

PLAN_SHEETS = ("plan_settings", "targets", "improvement_potential", "proposals", "screening", "economics",
               "screening_decision", "tracking", "tracking_summary", "compliance", "data_requests")
__all__ = ["PlanError", "PlanResult", "PlanSettings", "plan", "resolve_settings"]


@dataclass
class PlanResult:
    master: Path
    today: dt.date
    statistical_year: int
    settings: PlanSettings
    focus_source: str
    focus: list[str]
    common_problems: list[dict[str, Any]]
    counts: dict[str, Any]
    potential_totals: list[dict[str, Any]]
    decisions: dict[str, int]
    states: dict[str, int]
    overdue: int
    follow_up: str
    follow_up_file: Path | None
    catalogue: str | None
    breaches: int = 0
    data_requests: int = 0
    pending: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "master": str(self.master), "today": self.today.isoformat(), "statistical_year": self.statistical_year,
            "settings": self.settings.to_dict(), "focus_source": self.focus_source, "focus": self.focus,
            "common_problems": self.common_problems, "counts": self.counts, "potential_totals": self.potential_totals,
            "decisions": self.decisions, "states": self.states, "overdue": self.overdue, "follow_up": self.follow_up,
            "follow_up_file": str(self.follow_up_file) if self.follow_up_file else None,
            "catalogue": self.catalogue, "breaches": self.breaches, "data_requests": self.data_requests,
            "pending": self.pending, "warnings": self.warnings,
        }


# --------------------------------------------------------------------------- the diagnosis' sheets


def indicators_in_text(text: str, indicators: Mapping[str, Indicator]) -> list[str]:
    """Indicator ids named in a diagnosis cell: ids or names separated by 、，; (or 「名称」 in a sentence)."""
    if not text:
        return []
    found: list[str] = []
    by_name = {ind.name: iid for iid, ind in indicators.items()}
    for tok in re.split(r"[、，,；;\n]+", text):
        t = tok.strip().strip("「」“”")
        if t in indicators:
            found.append(t)
        elif t in by_name:
            found.append(by_name[t])
    for m in re.finditer(r"「([^」]+)」", text):
        if m.group(1) in by_name:
            found.append(by_name[m.group(1)])
    return list(dict.fromkeys(found))


def diagnosis_focus(data: Mapping[str, Sequence[Mapping[str, Any]]], indicators: Mapping[str, Indicator]) -> list[str]:
    """Indicators of the industry-level audit focus that cpxl diagnose judged (5.2.2)."""
    out: list[str] = []
    for r in data.get("audit_focus", ()):
        if r.get("industry_focus") == "是":
            out += indicators_in_text(str(r.get("indicators") or ""), indicators)
    return list(dict.fromkeys(out))


def _below_level2(ind: Indicator, values: Values, year: int, who: set[str]) -> tuple[list[str], int]:
    vals = {u: by[ind.id][year] for u, by in values.items() if u in who and year in by.get(ind.id, {})
            and in_bounds(ind, by[ind.id][year])}
    return sorted(u for u, v in vals.items() if level_of(ind, v) > 2), len(vals)


def common_indicators(data: Mapping[str, Sequence[Mapping[str, Any]]], indicators: Mapping[str, Indicator],
                      values: Values, year: int, who: set[str], share: float) -> tuple[list[str], str]:
    """行业关键共性问题: from the diagnosis' 共性问题 sheet, else the indicators ``share`` of the enterprises miss at Ⅱ级."""
    rows = data.get("common_problems") or []
    ids = [str(r["indicator_id"]) for r in rows if r.get("indicator_id") in indicators]
    if rows:
        return list(dict.fromkeys(ids)), "诊断结果中的共性问题"
    out = []
    for iid, ind in indicators.items():
        if ind.direction == "unknown":
            continue
        below, n = _below_level2(ind, values, year, who)
        if n and below and len(below) >= share * n - 1e-12:
            out.append(iid)
    return out, f"由指标值计算的共性问题（未达到Ⅱ级的企业占比 ≥ {100 * share:g}%）"


def breach_indicators(breaches: Sequence[Breach], indicators: Mapping[str, Indicator]
                      ) -> tuple[dict[str, list[str]], dict[tuple[str, str], float]]:
    """uscc → indicator ids of its concentration breaches, and (uscc, indicator) → the limit (in the indicator's unit)."""
    from cpxl.diagnosis.compliance import convert

    conc = {iid: ind for iid, ind in indicators.items() if "/" in (ind.unit or "") and not ind.qualitative}
    ids: dict[str, list[str]] = {}
    limits: dict[tuple[str, str], float] = {}
    for b in breaches:
        if b.kind != CONC_EXCEED or b.limit is None:
            continue
        for iid, ind in conc.items():
            if pollutant_in_text(ind.name, [b.pollutant]) is None:
                continue
            lim = convert(b.limit, b.unit, ind.unit) if b.unit else b.limit
            if lim is None:
                continue
            ids.setdefault(b.uscc, []).append(iid)
            key = (b.uscc, iid)
            limits[key] = min(lim, limits.get(key, lim))
    return ids, limits


def priorities(uscc: str, diag: Mapping[str, Any] | None, breach_ids: Sequence[str], indicators: Mapping[str, Indicator],
               values: Values, year: int) -> list[tuple[str, str]]:
    """The indicators that limit an enterprise's level, most urgent first: breaches, failed limiting
    indicators, then the blockers of its next level (without a diagnosis row: the indicators below Ⅱ级)."""
    out = [(i, "超标排放") for i in breach_ids]
    if diag is not None:
        out += [(i, "限定性指标") for i in indicators_in_text(str(diag.get("limiting_failures") or ""), indicators)]
        out += [(i, "制约升级") for i in indicators_in_text(str(diag.get("blockers") or ""), indicators)]
    else:
        for iid, ind in indicators.items():
            cur = current(values.get(uscc, {}).get(iid), year)
            if cur is not None and level_of(ind, cur[0]) > 2:
                out.append((iid, "制约升级"))
    seen: set[str] = set()
    return [(i, r) for i, r in out if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]


# --------------------------------------------------------------------------- helpers


def _start_fallback(data: Mapping[str, Sequence[Mapping[str, Any]]], audit: Mapping[str, Any],
                    today: dt.date) -> dt.date:
    for r in data.get("work_plan", ()):
        if r.get("task") == "提出清洁生产方案" and r.get("due_date"):
            return dt.date.fromisoformat(str(r["due_date"])[:10])
    if audit.get("end_date"):
        return dt.date.fromisoformat(str(audit["end_date"])[:10])
    return today


_TYPED = {"tracking": USER_FIELDS, "screening": ("score", "remarks", "scored_by", "scored_on"),
          "economics": ("subsidy",), "compliance": ("verified", "remarks"), "data_requests": ("status", "remarks")}


def _fit(key: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the sheet holds them: only the schema's fields; texts cpxl composed cut to the maximum length."""
    s = schema.load(key)
    out = []
    for r in rows:
        row = {}
        mine = r.get("origin", GENERATED) == GENERATED  # never touch what the team typed
        for f in s.fields:
            v = r.get(f.name)
            if (mine and f.name not in _TYPED.get(key, ()) and isinstance(v, str) and f.max_length
                    and len(v) > f.max_length):
                v = v[: f.max_length - 1] + "…"
            row[f.name] = v
        out.append(row)
    return out


def _same(a: Any, b: Any) -> bool:
    """Whether a form cell already holds this value (a rewrite of a form sheet reloads the whole workbook)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return str(a) == str(b)


def _names(data: Mapping[str, Sequence[Mapping[str, Any]]], value_rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in value_rows:
        u, n = r.get("uscc") or r.get("ent_uscc"), r.get("enterprise") or r.get("ent_name")
        if u and n:
            names.setdefault(u, n)
    for key, uk, nk in (("diagnosis", "uscc", "enterprise"), ("enterprises", "uscc", "name")):
        for r in data.get(key, ()):
            if r.get(uk) and r.get(nk):
                names[r[uk]] = r[nk]
    return names


def _breach_rows(breaches: Sequence[Breach], existing: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    def key(r: Mapping[str, Any]) -> tuple[Any, ...]:
        return (r.get("uscc"), r.get("year"), r.get("kind"), r.get("outlet") or "", r.get("pollutant") or "")

    old = {key(r): r for r in existing}
    out = []
    for b in breaches:
        row = b.row()
        prev = old.get(key(row), {})
        row["verified"] = prev.get("verified") or "待核实"
        row["remarks"] = prev.get("remarks")
        out.append(row)
    return out


def _write_text(path: Path, text: str, warnings: list[str]) -> Path | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda p: Path(p).write_text(text + "\n", encoding="utf-8"))
    except OSError as exc:
        warnings.append(f"{path.name} 未能写入：{exc}")
        return None
    return path


# --------------------------------------------------------------------------- plan


@progress.stepped("plan", "目标与方案")
@locked("plan")
@with_audit_pack
def plan(root: Path, today: dt.date | None = None, settings: dict | None = None) -> PlanResult:
    """Compliance, data requests, targets, proposals, screening, economics and tracking for the audit in
    ``root``; see the module doc. ``settings`` overrides the 方案参数设置 sheet (field names of
    ``schemas/plan_settings.json``, rates in %; also ``criteria`` = {指标: 权重} and ``catalogue`` = path of a
    proposal catalogue). Raises :class:`PlanError` (Chinese message) when there is nothing to plan from.
    """
    from cpxl.book.xlsxread import read_master_data

    folder = AuditFolder(Path(root))
    master = folder.require_master()
    today = today or dt.date.today()
    progress.current().note("读取审核总表")
    data = read_master_data(master)
    progress.current().note("设置目标，生成、筛选和评估方案")
    warnings: list[str] = []
    audit = (data.get("audit_task") or [{}])[0]

    indicators = indicators_from_sheet(data.get("indicator_system", ()))
    if not indicators:
        raise PlanError("审核总表的“指标体系”工作表为空：请先导入评价指标体系（cpxl init --system）。")
    value_rows = data.get("indicator_values") or []
    if not value_rows:
        value_rows = data.get("all_ent_indicators") or []
        if value_rows:
            warnings.append("“指标值汇总”为空，暂用企业填报的指标值（汇总_行业指标填报）；由填报数据计算的指标缺失。"
                            "请先运行 cpxl diagnose。")
    values = collect_values(value_rows, indicators)
    if not values:
        raise PlanError("审核总表中没有可用的指标值（“指标值汇总”为空）：请先导入企业报送并运行 cpxl diagnose。")
    years = [y for by_ind in values.values() for by_year in by_ind.values() for y in by_year]
    year = audit.get("statistical_year") if isinstance(audit.get("statistical_year"), int) else max(years)
    names = _names(data, value_rows)
    ps = resolve_settings((data.get("plan_settings") or [{}])[0], settings, year, _start_fallback(data, audit, today))

    # who can be planned for: an accepted submission, values within physical bounds --------------------
    accepted = accepted_enterprises(data)
    if not accepted:  # a master filled by hand without consolidated data: every enterprise with values
        accepted = set(values)
    oob = out_of_bounds(indicators, values, year)
    for u, iid, v in oob:
        warnings.append(f"企业「{names.get(u, u)}」的指标「{indicators[iid].name}」填报值 {v:g}{indicators[iid].unit} "
                        "超出该指标的物理取值范围（如比例大于100%），属数据错误：未据此设置目标，已列入“数据补报”。")
    enterprises = list(data.get("enterprises") or [{"uscc": u, "name": names.get(u, u)} for u in sorted(values)])
    requests = data_requests(enterprises, accepted, data.get("diagnosis", ()), oob, indicators,
                             data.get("data_requests", ()), today)

    # compliance first ------------------------------------------------------------------------------------
    breaches = [b for b in find_breaches(data, year) if b.uscc in accepted or b.uscc in values]
    breach_ids, limits = breach_indicators(breaches, indicators)

    # focus and common problems -----------------------------------------------------------------------
    focus = diagnosis_focus(data, indicators)
    focus_source = "诊断结果中的审核重点（5.2.2）"
    scoped = scope_indicators(scope_directions(audit), indicators)
    if scoped:
        focus = list(dict.fromkeys([*focus, *scoped]))
        focus_source += "及审核任务明确的审核范围"
    common_ids, common_source = common_indicators(data, indicators, values, year, accepted, ps.common_share)
    if not focus:
        focus, focus_source = list(common_ids), common_source
    if not focus:
        warnings.append("没有找到审核重点或共性问题指标，只为企业个性问题设置目标。")

    # 5.3.1 targets and potential ------------------------------------------------------------------------
    diag = {r.get("uscc"): r for r in data.get("diagnosis", ()) if r.get("uscc")}
    prio = {u: priorities(u, diag.get(u), breach_ids.get(u, ()), indicators, values, year)
            for u in sorted(values) if u in accepted}
    target_rows, w = make_targets(TargetInputs(
        indicators=indicators, values=values, year=year, names=names, focus=focus, priorities=prio,
        limits=limits, max_targets=ps.max_targets, rule=ps.target_rule, target_year=ps.target_year,
        existing=data.get("targets", ()), common=common_ids))
    warnings += w
    for r in target_rows:
        state, problem = effective_state(r)
        if problem:
            warnings.append(f"审核目标（{r.get('enterprise') or '行业'}「{r.get('indicator')}」）：{problem}。")
    basis = bases(data, year)
    live = [r for r in target_rows if effective_state(r)[0] != "否决"]
    potential_rows, totals = potential(live, indicators, basis, names)

    # 5.3.2 gaps → proposals -----------------------------------------------------------------------------
    gaps: dict[str, list[Gap]] = {}
    for r in live:
        u, iid = r.get("uscc"), str(r.get("indicator_id") or "")
        ind = indicators.get(iid)
        if r.get("scope") != "企业" or u not in accepted or ind is None:
            continue
        if not isinstance(r.get("baseline"), (int, float)) or not isinstance(r.get("target"), (int, float)):
            continue
        eff = gap_effect(ind, float(r["baseline"]), float(r["target"]), basis.get(u))
        gaps.setdefault(u, []).append(Gap(u, iid, ind.name, ind.unit, float(r["baseline"]), float(r["target"]),
                                          str(r.get("priority") or "制约升级"), eff))
    common: list[CommonProblem] = []
    for iid in common_ids:
        ind = indicators[iid]
        bt = benchmark_target(ind, "II")
        below, n = _below_level2(ind, values, year, accepted)
        cgaps = []
        for u in below:
            own = next((g for g in gaps.get(u, ()) if g.indicator_id == iid), None)
            base = values[u][iid][year]
            target = own.target if own is not None else (bt[0] if bt else None)
            if target is None:
                continue
            cgaps.append(own or Gap(u, iid, ind.name, ind.unit, base, target, "行业共性问题",
                                    gap_effect(ind, base, target, basis.get(u))))
        if len(cgaps) >= 2:  # one enterprise's shortfall is its own problem, not the industry's
            common.append(CommonProblem(iid, ind.name, tuple(cgaps), n))
    catalogue = load_catalogue(Path(ps.catalogue)) if ps.catalogue else find_catalogue()
    if catalogue is None:
        warnings.append("没有与本次指标体系对应的典型方案目录，未自动提出方案；请在“方案汇总”中填写方案。")
    gen = generate_proposals(common, gaps, catalogue, data.get("proposals", ()), names, indicators)
    for g in gen.unmatched:
        warnings.append(f"差距「{names.get(g.uscc, g.uscc)}：{g.indicator}」在典型方案目录中没有对应措施，请审核小组提出方案。")
    for pid in gen.dropped_ids:
        warnings.append(f"方案 {pid} 对应的诊断差距本次未再出现，且尚未经审核小组评定，已从“方案汇总”中移除。")
    for r in gen.rows:
        if r.get("origin") != GENERATED and not r.get("problem"):
            warnings.append(f"方案 {r['proposal_id']} 未填写“针对的问题”：每个方案都应对应诊断发现的问题（5.3.2）。")
    cost_classes: dict[str, str | None] = {}
    for r in gen.rows:
        cc = cost_class(r.get("investment"), ps.low_cost_threshold) or (
            r.get("cost_class") if r.get("origin") != GENERATED else None)
        cost_classes[str(r["proposal_id"])] = cc
        if r.get("origin") == GENERATED:
            r["cost_class"] = cc
    scr = screen_proposals(gen.rows, ps.criteria, data.get("screening", ()))
    if scr.ignored:
        warnings.append(f"{len(scr.ignored)} 个评分未注明评分人或评分日期（或超出分值范围），暂不计入："
                        + "、".join(scr.ignored[:6]) + ("等" if len(scr.ignored) > 6 else ""))
    econ_rows, econ_res = evaluate_proposals(gen.rows, data.get("economics", ()), cost_classes, ps.economic())
    decision_rows, decisions, w = decide(gen.rows, scr, econ_res, cost_classes, ps.screen_pass_ratio)
    warnings += w
    states: dict[str, int] = {}
    for r in gen.rows:
        pid = str(r["proposal_id"])
        state, problem = effective_state(r, pid in scr.results)
        if problem:
            warnings.append(f"方案 {pid}：{problem}。")
        if r.get("origin") == GENERATED:
            r["decision"] = decisions[pid]
            if (r.get("state") or SUGGESTED) == SUGGESTED and state == SCORED:
                r["state"] = SCORED
        states[state] = states.get(state, 0) + 1

    # tracking: what the team confirmed ---------------------------------------------------------------
    confirmed = [r for r in gen.rows if effective_state(r, str(r["proposal_id"]) in scr.results)[0] == CONFIRMED]
    track_rows, w = build_tracking(confirmed, gen.affected, {k: v or econ.HIGH_COST for k, v in cost_classes.items()},
                                   data.get("tracking", ()), Schedule(ps.plan_start, ps.target_year, ps.low_cost_months, ps.fix_months,
                                            ps.plan_start_default),
                                   today, names)
    warnings += w
    summary_rows, text = follow_up(track_rows, today)

    settings_row = {**ps.entered, "applied": ps.applied_text()}
    if isinstance(settings_row.get("plan_start"), dt.date):
        settings_row["plan_start"] = settings_row["plan_start"].isoformat()
    old_settings = (data.get("plan_settings") or [{}])[0]
    same = all(_same(old_settings.get(f.name), settings_row.get(f.name)) for f in schema.load("plan_settings").fields)
    sheets = {
        **({} if same else {"plan_settings": [settings_row]}), "targets": target_rows, "improvement_potential": potential_rows,
        "proposals": gen.rows, "screening": scr.rows, "economics": econ_rows, "screening_decision": decision_rows,
        "tracking": track_rows, "tracking_summary": summary_rows,
        "compliance": _breach_rows(breaches, data.get("compliance", ())), "data_requests": requests,
    }
    fitted = {k: _fit(k, rows) for k, rows in sheets.items()}
    progress.current().note("写入审核总表")
    update_master(master, fitted)
    fitted.setdefault("plan_settings", [settings_row])
    notice = _write_text(folder.outputs / f"方案跟踪督办通知_{today.isoformat()}.txt", text, warnings)
    if requests:
        _write_text(folder.outputs / f"数据补报通知_{today.isoformat()}.txt", request_notice(requests, today), warnings)

    counts = {
        "targets": len(target_rows),
        "targets_generated": sum(r.get("origin") == GENERATED for r in target_rows),
        "targets_kept": sum(r.get("origin") != GENERATED for r in target_rows),
        "targets_beyond_best": sum(r.get("beyond_best") == "是" for r in target_rows),
        "targets_confirmed": sum(effective_state(r)[0] == CONFIRMED for r in target_rows),
        "proposals": len(gen.rows), "proposals_generated": len(gen.generated_ids),
        "proposals_kept": len(gen.kept_ids), "proposals_dropped": len(gen.dropped_ids),
        "industry_proposals": sum(r.get("level") == INDUSTRY for r in gen.rows),
        "enterprise_proposals": sum(r.get("level") == ENTERPRISE for r in gen.rows),
        "low_cost": sum(v == econ.LOW_COST for v in cost_classes.values()),
        "mid_high_cost": sum(v == econ.HIGH_COST for v in cost_classes.values()),
        "cost_unknown": sum(v is None for v in cost_classes.values()),
        "economics": len(econ_rows), "tracking": len(track_rows),
        "tracked_proposals": len({r["proposal_id"] for r in track_rows}),
    }
    tally: dict[str, int] = {}
    for d in decisions.values():
        tally[d] = tally.get(d, 0) + 1
    return PlanResult(
        master=master, today=today, statistical_year=year, settings=ps, focus_source=focus_source, focus=list(focus),
        common_problems=[c.to_dict() for c in common], counts=counts, potential_totals=totals, decisions=tally,
        states=states, overdue=sum(r.get("overdue") in ("开工逾期", "完成逾期") for r in track_rows), follow_up=text,
        follow_up_file=notice, catalogue=str(catalogue.path) if catalogue else None, breaches=len(breaches),
        data_requests=len(requests), pending=[p.to_dict() for p in pending(fitted | {"screening": scr.rows})],
        warnings=warnings,
    )
