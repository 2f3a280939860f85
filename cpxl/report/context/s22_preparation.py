"""Appendix C 2.2 前期准备: 审核任务, 审核小组, 工作计划, 宣传教育与能力建设."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..fmt import (
    cn_date,
    fint,
    join_cn,
    number,
    parse_date,
    text,
)
from .data import Data

Rows = list[dict[str, Any]]


# ---------------------------------------------------------------------------
# 2.2 前期准备


def s221_task(d: Data) -> dict[str, Any]:
    a = d.audit
    items = [
        ("审核项目名称", d.a("audit_name")),
        ("审核主体（组织单位）", d.a("organizer")),
        ("技术服务单位", d.a("technical_unit")),
        ("审核行业", join_cn([d.a("industry_name"), d.a("industry_code")], last=" ")),
        ("审核区域", d.a("region")),
        ("审核范围类型", d.a("scope_type")),
        ("范围边界", d.a("scope_boundary")),
        ("审核对象", d.a("enterprise_coverage") + (f"（{d.n_enterprises}家）" if d.n_enterprises else "")),
        ("统计期", f"{d.year}年" if d.year else ""),
        ("对照年份", d.a("comparison_years").replace(",", "、")),
        ("审核时间", "至".join(x for x in (cn_date(a.get("start_date")), cn_date(a.get("end_date"))) if x)),
        ("服务合同编号", d.a("contract_no")),
    ]
    rows = [{"item": k, "value": v} for k, v in items if v]
    paras = []
    if not rows:
        paras.append("审核总表未填写审核任务。")
    else:
        s = "根据服务合同要求，结合地方行业实际需求，明确了本次审核的范围边界和统计期。"
        if d.a("scope_type"):
            s += f"审核范围为{d.a('scope_type')}"
            s += f"（{d.lab(d.a('scope_boundary')).rstrip('。')}）" if d.a("scope_boundary") else ""
            s += "；"
        if d.a("enterprise_coverage"):
            s += f"审核对象为{d.a('enterprise_coverage')}"
            s += f"，共{d.n('enterprises', d.n_enterprises, 'int')}家；" if d.n_enterprises else "；"
        if d.year:
            s += f"统计期为{d.year}年，其他年份的数据作为对照依据"
        paras.append(s.rstrip("；") + f"。审核任务见{d.ref('s221.rows')}。")
    d.count("2.2.1", len(rows))
    return {"paragraphs": paras, "rows": rows}


def s222_team(d: Data) -> dict[str, Any]:
    team = d.rows("team")
    rows = [{k: text(r.get(k)) for k in ("name", "role", "department_title", "duties", "time_input", "contact")}
            for r in team]
    if not rows:
        paras = ["本次审核未录入审核小组成员（表A.1）。"]
    else:
        roles = Counter(text(r.get("role")) or "组员" for r in team)
        leaders = [text(r.get("name")) for r in team if text(r.get("role")) == "组长"]
        s = (f"{d.a('organizer') or '地方清洁生产管理部门'}成立了行业整体清洁生产审核小组，共"
             f"{d.n('team', len(rows), 'int', table='s222.rows', agg='count')}人")
        parts = [f"{k}{d.n('role_' + k, v, 'int', table='s222.rows', col='审核小组职务', agg='count', where=('审核小组职务', k))}人"
                 for k, v in roles.items()]
        s += "，其中" + "、".join(parts) if parts else ""
        if leaders:
            s += f"，由{join_cn(leaders)}担任组长"
        paras = [s + "。审核小组负责审核工作的统筹部署、各参与方的组织协调、宣传教育与能力建设、技术指导、监督落实和支持保障，"
                 f"成员及分工见{d.ref('s222.rows')}（表A.1）。"]
    d.count("2.2.2", len(rows))
    return {"paragraphs": paras, "rows": rows}


def s223_plan(d: Data) -> dict[str, Any]:
    plan = d.rows("work_plan")
    rows = []
    last_stage = None
    for r in plan:
        stage = text(r.get("stage"))
        rows.append({"stage": stage if stage != last_stage else "", "task": text(r.get("task")),
                     "due": cn_date(r.get("due_date")), "responsible": text(r.get("responsible")),
                     "remarks": text(r.get("remarks"))})
        last_stage = stage
    a = d.audit
    period = "至".join(x for x in (cn_date(a.get("start_date")), cn_date(a.get("end_date"))) if x)
    scope = d.a("scope_boundary") or d.a("scope_type")
    if not plan:
        paras = ["本次审核未录入审核工作计划（表A.2）。"]
    else:
        stages = Counter(text(r.get("stage")) for r in plan if text(r.get("stage")))
        dues = sorted(x for x in (parse_date(r.get("due_date")) for r in plan) if x)
        s = f"审核小组制定了审核工作计划，共{d.n('tasks', len(plan), 'int', table='s223.rows', col='工作内容', agg='count')}项工作内容"
        if stages:
            s += "，分" + join_cn(f"{k}（{d.n('stage_' + k, v, 'int')}项）" for k, v in stages.items()) + \
                f"{d.n('stages', len(stages), 'int')}个阶段"
        if dues:
            s += f"，计划于{cn_date(dues[0])}至{cn_date(dues[-1])}期间完成"
        paras = [s + f"，明确了各阶段的工作内容、完成时间和责任部门，见{d.ref('s223.rows')}（表A.2）。"]
    d.count("2.2.3", len(rows))
    return {"paragraphs": paras, "rows": rows, "scope": scope or "—", "period": period or "—"}


def s224_training(d: Data) -> dict[str, Any]:
    tr = sorted(d.rows("training"), key=lambda r: text(r.get("date")))
    rows = [{"date": cn_date(r.get("date")), "channel": text(r.get("channel")),
             "content": text(r.get("content")) or text(r.get("topic")), "audience": text(r.get("audience")),
             "attendance": fint(r.get("attendance")), "organizer": text(r.get("organizer"))} for r in tr]
    if not tr:
        paras = ["本次审核未录入宣传培训记录。"]
    else:
        people = sum(number(r.get("attendance")) or 0 for r in tr)
        channels = Counter(text(r.get("channel")) for r in tr if text(r.get("channel")))
        topics = [t for t in dict.fromkeys(text(r.get("topic")) for r in tr) if t and t != "其他"]
        s = f"审核期间共开展宣传教育与能力建设活动{d.n('training', len(tr), 'int', table='s224.rows', agg='count')}次"
        if people:
            s += f"，累计参加{d.n('attendance', people, 'int', table='s224.rows', col='人数', agg='sum')}人次"
        if channels:
            s += "；宣传方式包括" + join_cn(f"{d.lab(k)}（{d.n('channel_' + k, v, 'int', table='s224.rows', col='方式', agg='count', where=('方式', k))}次）"
                                     for k, v in channels.most_common())
        paras = [s + "。"]
        if topics:
            paras.append("能力建设内容涵盖" + join_cn(d.lab(t) for t in topics) + f"等，活动记录见{d.ref('s224.rows')}。")
    d.count("2.2.4", len(rows))
    return {"paragraphs": paras, "rows": rows}
