"""Appendix C 2.3.2 确定审核诊断重点 (guideline 5.2.2): the diagnosis' judgement, the directions the audit task
names, and the breaches — each with the count of enterprises it rests on, counted once."""

from __future__ import annotations

from typing import Any

from cpxl.plan.scope import scope_directions

from ..fmt import (
    join_cn,
    text,
)
from .data import Data, _split

Rows = list[dict[str, Any]]


MANAGEMENT_ITEMS = (
    ("risk_system", "风险防范制度已建立", "风险防范制度建设", "未建立风险防范制度"),
    ("risk_monitoring", "风险防范设施监控体系已建立", "风险防范设施监控体系建设", "未建立风险防范设施监控体系"),
    ("emergency_plan", "突发环境事件应急预案已备案", "应急预案备案", "应急预案未备案"),
    ("emergency_training", "已开展应急培训", "应急培训", "未开展应急培训"),
    ("disclosure", "污染物排放信息依法公开", "环境信息公开", "未依法公开污染物排放信息"),
    ("permit_reports_on_time", "排污许可执行报告按时提交", "排污许可执行报告提交", "未按时提交排污许可执行报告"),
)
FLAGS = (("heavy_pollution", "特征污染物或有毒有害物质", "被生态环境主管部门纳入重污染行业"),
         ("ghg_reporting", "温室气体", "纳入温室气体排放报告与核查工作范围"),
         ("key_energy_user", "能源", "被纳入节能主管部门重点用能单位"),
         ("key_water_user", "水资源", "被纳入节水主管部门重点用水单位"))


def _size_order(kv: tuple[str, int]) -> int:
    return {"大型": 0, "中型": 1, "小型": 2, "微型": 3}.get(kv[0], 9)


def characteristic_pollutants(d: Data) -> list[str]:
    """特征污染物 of this industry: the active pack's list, else the pollutant indicators of the focus rule."""
    from cpxl.domain import packs

    listed = list(packs.active().characteristic_pollutants)
    if listed:
        return listed
    for r in d.rows("audit_focus"):
        if text(r.get("flag")) == "重污染行业" and text(r.get("indicator_names")):
            return _split(r.get("indicator_names"))[:6]
    return []


def s232_focus(d: Data) -> dict[str, Any]:
    ents = d.enterprises
    n = len(ents)
    rows: Rows = []

    def add(focus: str, basis: str, uscc: set[str] | int, detail: str = "") -> None:
        count = uscc if isinstance(uscc, int) else len(uscc)
        rows.append({"no": str(len(rows) + 1), "focus": focus + (f"（{detail}）" if detail else ""), "basis": basis,
                     "ents": str(count), "_n": count, "_key": focus})

    judged = {text(r.get("flag")): r for r in d.rows("audit_focus")}
    paras = ["依据《行业整体清洁生产审核指南》5.2.2，结合审核企业名单中的行业属性、审核任务明确的审核范围和企业报送数据"
             "确定审核诊断重点。"]
    local: list[str] = []
    for flag, focus, basis in FLAGS:
        flagged = {text(e.get("uscc")) for e in ents if text(e.get(flag)) == "是"}
        if not flagged:
            continue
        row = next((r for r in judged.values() if text(r.get("focus")) == focus or flag in text(r.get("rule"))), None)
        industry = text(row.get("industry_focus")) == "是" if row else True
        detail = join_cn((d.lab(p) for p in characteristic_pollutants(d)), limit=6) if flag == "heavy_pollution" else ""
        if industry:
            add(focus, basis, flagged, detail)
        else:
            local.append(f"{focus}（{d.n('local_' + flag, len(flagged), 'int')}家）")
    mandated: dict[str, set[str]] = {}
    for e in ents:
        if text(e.get("mandatory_audit")) == "是":
            for f in _split(e.get("mandated_focus")):
                mandated.setdefault(f, set()).add(text(e.get("uscc")))
    for f, who in mandated.items():
        local.append(f"{d.lab(f)}（名单明确，{d.n('mandated_' + f, len(who), 'int')}家）")
    for direction in scope_directions(d.audit):
        if not any(r["_key"].startswith(direction) for r in rows):
            add(direction, "审核任务明确的审核范围（5.1.1）", n)
    breaches = d.facts.get("breaches") or []
    if breaches:
        add("污染物稳定达标排放", "企业报送的排放浓度或许可执行情况不符合要求（2.3.1）", {b["_uscc"] for b in breaches})
    for r in rows:
        d.n(f"focus_{r['_key']}", r["_n"], "int", table="s232.rows", col="涉及企业（家）", agg="value",
            where=("序号", r["no"]))
    if local:
        paras.append("以下方向涉及的企业少于行业判定比例，作为相关企业的审核重点，在企业层面目标和方案中落实："
                     + join_cn(local) + "。")
    if rows:
        paras.append("本次审核确定的审核诊断重点为" + join_cn(r["_key"] for r in rows) + f"，见{d.ref('s232.rows')}。")
        d.facts["focus"] = [r["_key"] for r in rows]
    elif ents:
        paras.append("审核企业名单中未标注重污染行业、温室气体报告核查、重点用能或用水单位，审核任务也未明确审核方向，"
                     "审核诊断重点由审核小组结合清洁生产水平诊断结果确定。")
    else:
        paras.append("审核总表未录入审核企业名单，尚不能确定审核诊断重点。")
    over = d.facts.get("regional_over")
    if over:
        paras.append(f"区域{join_cn(d.lab(o) for o in over)}超标，相关前体物和污染物的减排应在方案制定中优先考虑。")
    d.count("2.3.2", len(rows))
    return {"paragraphs": paras, "rows": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]}

