"""The conditions under which a provincial review rejects an audit report (Guangdong's 评估不通过), as checks on
every report. ``cpxl report`` prints each finding as a warning; the report is still written.

1. 审核重点设置错误或目标不合理 — the focus misses what the audit task or the data call for; targets outside an
   indicator's physical bounds, targets stricter than any enterprise achieves without justification, none
   tied to the focus, more per enterprise than the parameter allows;
2. 没有全面的潜力分析 — no improvement potential, adopted proposals without a computed effect or without costs;
3. 数据存在重大错误 — values no physical quantity can take, enterprises without accepted data, figures that
   contradict each other (the report's own recomputations);
4. 淘汰落后工艺未执行 — obsolete processes and equipment not checked on site, or found and not dealt with.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from cpxl.plan.review import CONFIRMED, effective_state
from cpxl.plan.scope import scope_directions
from cpxl.plan.targets import in_bounds, indicators_from_sheet

FOCUS, TARGETS, POTENTIAL, DATA, OBSOLETE = ("审核重点设置错误或目标不合理", "审核重点设置错误或目标不合理",
                                             "没有全面的潜力分析", "数据存在重大错误", "淘汰落后工艺未执行")


def _t(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _w(kind: str, msg: str) -> str:
    return f"评估不通过风险（{kind}）：{msg}"


def review_checks(data: Mapping[str, Sequence[Mapping[str, Any]]], built: Any) -> list[str]:
    """Chinese warnings, one per finding."""
    out: list[str] = []
    facts = getattr(built, "facts", {}) or {}
    audit = (data.get("audit_task") or [{}])[0]
    inds = indicators_from_sheet(data.get("indicator_system", ()))
    # 1. focus and targets ----------------------------------------------------------------------
    focus = facts.get("focus") or []
    for d in scope_directions(audit):
        if not any(f.startswith(d) for f in focus):
            out.append(_w(FOCUS, f"审核任务明确的“{d}”未列为审核重点。"))
    if any(_t(e.get("heavy_pollution")) == "是" for e in data.get("enterprises", ())) and not focus:
        out.append(_w(FOCUS, "审核企业属于重污染行业，但未确定特征污染物审核重点（5.2.2）。"))
    targets = [r for r in data.get("targets", ()) if _t(r.get("indicator_id"))]
    ok = [r for r in targets if effective_state(r)[0] == CONFIRMED]
    if data.get("diagnosis") and not ok:
        out.append(_w(TARGETS, "没有经审核小组确认的清洁生产目标（5.3.1）。"))
    for r in targets:
        ind = inds.get(_t(r.get("indicator_id")))
        for f in ("baseline", "target"):
            v = r.get(f)
            if ind is not None and isinstance(v, (int, float)) and not in_bounds(ind, float(v)):
                out.append(_w(TARGETS, f"目标「{_t(r.get('enterprise')) or '全行业'}：{ind.name}」的"
                                        f"{'现状值' if f == 'baseline' else '目标值'} {v:g}{ind.unit} 超出物理取值范围。"))
    beyond = [r for r in ok if _t(r.get("beyond_best")) == "是" and not _t(r.get("remarks")).count("审核小组")]
    if beyond:
        out.append(_w(TARGETS, f"{len(beyond)} 项已确认目标严于全部企业现状最好值，未写明可实现性论证。"))
    if ok and not any(_t(r.get("focus")) == "是" for r in ok):
        out.append(_w(TARGETS, "已确认的目标中没有与审核重点对应的（5.3.1“与审核重点相对应”）。"))
    cap = (data.get("plan_settings") or [{}])[0].get("max_targets")
    if isinstance(cap, (int, float)):
        per = Counter(_t(r.get("uscc")) for r in ok if _t(r.get("scope")) == "企业")
        many = [u for u, c in per.items() if c > cap]
        if many:
            out.append(_w(TARGETS, f"{len(many)} 家企业的目标多于每家企业目标数上限 {cap:g} 项。"))
    # 2. potential ---------------------------------------------------------------------------------
    if ok and not data.get("improvement_potential"):
        out.append(_w(POTENTIAL, "没有改善潜力测算（各企业达到目标后的节能、节水、减污、降碳量）。"))
    props = [r for r in data.get("proposals", ()) if _t(r.get("proposal_id"))]
    adopted = [r for r in props if effective_state(r)[0] == CONFIRMED]
    no_effect = [r for r in adopted if not _t(r.get("env_benefit"))]
    if no_effect:
        out.append(_w(POTENTIAL, f"{len(no_effect)} 项确认实施的方案没有预期环境效益（如 {_t(no_effect[0].get('proposal_id'))}）。"))
    no_cost = [r for r in adopted if not isinstance(r.get("investment"), (int, float))]
    if no_cost:
        out.append(_w(POTENTIAL, f"{len(no_cost)} 项确认实施的方案没有投资估算。"))
    if data.get("diagnosis") and not props:
        out.append(_w(POTENTIAL, "没有提出清洁生产方案（5.3.2）。"))
    # 3. data -----------------------------------------------------------------------------------------
    bad = 0
    for r in data.get("indicator_values", ()):
        ind = inds.get(_t(r.get("indicator_id")))
        v = r.get("value")
        if ind is not None and isinstance(v, (int, float)) and math.isfinite(v) and not in_bounds(ind, float(v)):
            bad += 1
    if bad:
        out.append(_w(DATA, f"{bad} 个指标值超出物理取值范围（如比例大于100%、负值），应退回企业更正。"))
    open_req = [r for r in data.get("data_requests", ()) if _t(r.get("status")) != "已补报"]
    no_data = [r for r in open_req if "没有该企业被接受的报送数据" in _t(r.get("reason"))]
    if no_data:
        out.append(_w(DATA, f"{len(no_data)} 家企业没有被接受的报送数据（见“数据补报”），诊断不完整。"))
    for s in (getattr(built, "stated", {}) or {}).values():
        if s.check is None:
            continue
        try:
            want = s.check()
        except Exception:  # noqa: BLE001 - a recomputation that cannot run is not a finding
            continue
        if want is not None and abs(float(want) - s.value) > 1e-6 * max(1.0, abs(s.value)):
            out.append(_w(DATA, f"报告中“{s.key}”为 {s.text}，按审核总表重新计算为 {want:g}。"))
    econ = (data.get("industry_economy") or [])
    staff = sum(float(p["employees"]) for p in data.get("all_ent_profile", ()) if isinstance(p.get("employees"), (int, float)))
    if econ:
        last = max(econ, key=lambda r: r.get("year") or 0)
        if isinstance(last.get("employees"), (int, float)) and staff > float(last["employees"]) + 1e-9:
            out.append(_w(DATA, f"报送企业合计职工 {staff:g} 人，多于行业统计的从业人数 {last['employees']:g} 人（B.1）。"))
    # 4. obsolete processes -------------------------------------------------------------------------
    site = data.get("site_inspections") or []
    checked = [r for r in site if _t(r.get("obsolete_check")) in ("未发现", "发现")]
    if not checked:
        out.append(_w(OBSOLETE, "现场考察记录中没有淘汰落后工艺装备的核查结论（“现场考察”工作表）。"))
    found = [r for r in site if _t(r.get("obsolete_check")) == "发现"]
    if found:
        ents = {_t(r.get("uscc")) for r in found}
        handled = {_t(p.get("uscc")) for p in adopted}
        if ents - handled:
            out.append(_w(OBSOLETE, f"{len(ents - handled)} 家企业发现淘汰类工艺或装备，但没有确认实施的对应方案。"))
    return out
