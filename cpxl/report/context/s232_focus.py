"""Appendix C 2.3.2 确定审核诊断重点 (guideline 5.2.2): the diagnosis' judgement, the directions the audit task
names, and the breaches — each with the count of enterprises it rests on, counted once."""

from __future__ import annotations

import re
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


def _threshold(judged: Rows) -> str:
    """The share that makes a direction an industry focus, as the diagnosis stated it (default 30%)."""
    for r in judged:
        m = re.search(r"判定比例\s*([\d.]+%)", text(r.get("note")))
        if m:
            return m.group(1)
    return "30%"


def s232_focus(d: Data) -> dict[str, Any]:
    ents = d.enterprises
    n = len(ents)
    rows: Rows = []

    def add(focus: str, basis: str, uscc: set[str] | int, detail: str = "") -> None:
        count = uscc if isinstance(uscc, int) else len(uscc)
        rows.append({"no": str(len(rows) + 1), "focus": focus + (f"（{detail}）" if detail else ""), "basis": basis,
                     "ents": str(count), "_n": count, "_key": focus})

    judged_rows = d.rows("audit_focus")
    threshold = _threshold(judged_rows)
    paras = ["依据《行业整体清洁生产审核指南》5.2.2，结合审核企业名单中的行业属性、审核任务明确的审核范围和企业报送数据"
             "确定审核诊断重点。涉及企业数按审核企业名单中的标记统计，每家企业在一个方向上只计一次；某一方向涉及的企业"
             f"不少于企业总数的{threshold}时列为行业审核重点（表中所列），否则列为相关企业的审核重点（指南未规定该比例，"
             f"{threshold}为缺省判定比例，由审核小组确认）；主管部门名单所列的审核方向只统计列入依法实施强制性清洁生产审核名单的企业。"]
    local: list[str] = []
    local_keys: dict[str, int] = {}
    for flag, focus, basis in FLAGS:
        flagged = {text(e.get("uscc")) for e in ents if text(e.get(flag)) == "是"}
        if not flagged:
            continue
        row = next((r for r in judged_rows if text(r.get("focus")) == focus or flag in text(r.get("rule"))), None)
        industry = text(row.get("industry_focus")) == "是" if row else True
        detail = join_cn((d.lab(p) for p in characteristic_pollutants(d)), limit=6) if flag == "heavy_pollution" else ""
        if industry:
            add(focus, basis, flagged, detail)
        else:
            local_keys[focus] = len(flagged)
    mandated: dict[str, set[str]] = {}
    for e in ents:
        if text(e.get("mandatory_audit")) == "是":
            for f in _split(e.get("mandated_focus")):
                mandated.setdefault(f, set()).add(text(e.get("uscc")))
    listed = []
    for f, who in mandated.items():
        row = next((r for r in judged_rows if text(r.get("flag")) == "名单明确的审核方向" and text(r.get("focus")) == f),
                   None)
        if row is not None and text(row.get("industry_focus")) == "是" and not any(r["_key"] == f for r in rows):
            add(f, "列入主管部门依法实施强制性清洁生产审核名单、名单中明确了审核方向", who)
        else:
            listed.append(f"{d.lab(f)}（{d.n('mandated_' + f, len(who), 'int')}家）")
    scope = scope_directions(d.audit)
    for focus, count in local_keys.items():
        if focus in scope:
            continue
        local.append(f"{focus}（{d.n('local_' + focus, count, 'int')}家）")
    if local:
        paras.append(f"以下方向涉及的企业少于{threshold}，作为相关企业的审核重点，在企业层面目标和方案中落实："
                     + join_cn(local) + "。")
    if listed:
        paras.append("列入依法实施强制性清洁生产审核名单的企业中，名单明确了审核方向的有" + join_cn(listed)
                     + "，作为这些企业的审核重点，在其企业层面目标和方案中落实。")
    extra = []
    for direction in scope:
        if any(r["_key"].startswith(direction) for r in rows):
            continue
        said = (f"（企业名单中标记的{d.n('scope_flag_' + direction, local_keys[direction], 'int')}家少于{threshold}，"
                "但审核任务将其明确为审核范围）") if direction in local_keys else ""
        extra.append(direction)
        paras.append(f"审核任务明确的审核范围（指南5.1.1）包括{direction}{said}，对全部"
                     f"{d.n('scope_' + direction, n, 'int')}家企业一并诊断。")
    breaches = d.facts.get("breaches") or []
    if breaches:
        who = {b["_uscc"] for b in breaches}
        extra.append("污染物稳定达标排放")
        pending = all(text(b.get("verified")) != "属实" for b in breaches)
        paras.append(f"此外，达标核查发现{d.n('focus_breach_ents', len(who), 'int')}家企业报送的排放浓度或排污许可执行情况"
                     + ("疑似不符合要求（待核实）" if pending else "不符合要求（未经核实的为疑似问题）")
                     + "（见2.3.1节），污染物稳定达标排放列为这些企业的首要审核重点。")
    for r in rows:
        d.n(f"focus_{r['_key']}", r["_n"], "int", table="s232.rows", col="涉及企业（家）", agg="value",
            where=("序号", r["no"]))
    focus = [r["_key"] for r in rows] + extra
    if focus:
        paras.append("本次审核确定的审核诊断重点为" + join_cn(focus)
                     + (f"，其中依据指南5.2.2列为行业审核重点的见{d.ref('s232.rows')}" if rows else "") + "。")
        d.facts["focus"] = focus
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
