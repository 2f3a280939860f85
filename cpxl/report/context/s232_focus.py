"""Appendix C 2.3.2 确定审核诊断重点 (guideline 5.2.2)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..fmt import (
    join_cn,
    text,
)
from .data import Data, _split, _yes

Rows = list[dict[str, Any]]


MANAGEMENT_ITEMS = (
    ("risk_system", "风险防范制度已建立", "风险防范制度建设", "未建立风险防范制度"),
    ("risk_monitoring", "风险防范设施监控体系已建立", "风险防范设施监控体系建设", "未建立风险防范设施监控体系"),
    ("emergency_plan", "突发环境事件应急预案已备案", "应急预案备案", "应急预案未备案"),
    ("emergency_training", "已开展应急培训", "应急培训", "未开展应急培训"),
    ("disclosure", "污染物排放信息依法公开", "环境信息公开", "未依法公开污染物排放信息"),
    ("permit_reports_on_time", "排污许可执行报告按时提交", "排污许可执行报告提交", "未按时提交排污许可执行报告"),
)


def _size_order(kv: tuple[str, int]) -> int:
    return {"大型": 0, "中型": 1, "小型": 2, "微型": 3}.get(kv[0], 9)


def s232_focus(d: Data) -> dict[str, Any]:
    ents = d.enterprises
    rows: Rows = []

    def add(focus: str, basis: str, count: int | str) -> None:
        rows.append({"no": str(len(rows) + 1), "focus": focus, "basis": basis, "ents": str(count)})

    c = _yes(ents, "heavy_pollution")
    if c:
        haz = d.facts.get("hazardous_materials") or []
        add("特征污染物及有毒有害物质" + (f"（{join_cn(haz, limit=3)}）" if haz else ""),
            "被生态环境主管部门纳入重污染行业", c)
    c = _yes(ents, "ghg_reporting")
    if c:
        add("温室气体排放", "纳入温室气体排放报告与核查工作范围", c)
    c = _yes(ents, "key_energy_user")
    if c:
        add("能源消耗", "被纳入节能主管部门重点用能单位", c)
    c = _yes(ents, "key_water_user")
    if c:
        add("水资源消耗", "被纳入节水主管部门重点用水单位", c)
    mandated = Counter()
    for e in ents:
        if text(e.get("mandatory_audit")) == "是":
            for f in _split(e.get("mandated_focus")):
                mandated[f] += 1
    for f, c in mandated.most_common():
        same = next((r for r in rows if f in r["focus"] or r["focus"].split("（")[0] in f), None)
        if same:
            same["basis"] += "；依法实施审核企业名单中明确的审核方向"
            same["ents"] = str(max(int(same["ents"]), c))
        else:
            add(f, "依法实施审核企业名单中明确的审核方向", c)
    if d.facts.get("exceed_ents"):
        add("废气污染物稳定达标排放", "企业填报的排放浓度高于排放限值", d.facts["exceed_ents"])
    paras = ["依据《行业整体清洁生产审核指南》5.2.2，结合审核企业名单中的行业属性和企业填报数据确定审核诊断重点。"]
    judged = d.rows("audit_focus")  # written by cpxl diagnose: which rules make an industry-level focus
    if judged:
        industry = {text(r.get("focus")) for r in judged if text(r.get("industry_focus")) == "是"}
        local = [r for r in judged if text(r.get("industry_focus")) != "是" and r.get("n_enterprises")]
        keep = [r for r in rows if any(f and (f[:2] in r["focus"] or r["focus"].split("（")[0] in f) for f in industry)
                or r["focus"].startswith("废气污染物稳定达标")]
        if keep or industry:
            for i, r in enumerate(keep, start=1):
                r["no"] = str(i)
            rows[:] = keep
        if local:
            paras.append("以下方向涉及企业比例低于行业判定比例，作为相关企业的审核重点（见“诊断结果”）："
                         + join_cn(f"{text(r.get('focus'))}（{text(r.get('n_enterprises'))} 家）" for r in local) + "。")
    if rows:
        paras.append("本次审核确定的审核诊断重点为" + join_cn(r["focus"].split("（")[0] for r in rows) + "，见表。")
        d.facts["focus"] = [r["focus"].split("（")[0] for r in rows]
    elif ents:
        paras.append("审核企业名单中未标注重污染行业、温室气体报告核查、重点用能或用水单位及名单明确的审核方向，"
                     "审核诊断重点由审核小组结合清洁生产水平诊断结果确定。")
    else:
        paras.append("审核总表未录入审核企业名单，尚不能确定审核诊断重点。")
    over = d.facts.get("regional_over")
    if over:
        paras.append(f"区域{join_cn(over)}超标，相关前体物和污染物的减排应在方案制定中优先考虑。")
    d.count("2.3.2", len(rows))
    return {"paragraphs": paras, "rows": rows}
