"""Appendix C 2.5 结论和建议, and 获得的经验 (5.3.3). Compliance comes first; only confirmed targets and proposals
are stated as conclusions; every figure repeats one stated in an earlier section."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..fmt import (
    join_cn,
    text,
)
from .data import Data

Rows = list[dict[str, Any]]


def s25_conclusions(d: Data) -> dict[str, Any]:
    f = d.facts
    con: list[str] = []
    n = d.n_enterprises
    s = f"本次{d.region}{d.industry}行业整体清洁生产审核"
    s += f"覆盖企业{d.n('enterprises', n, 'int')}家" if n else "尚未录入审核企业"
    s += f"，统计期为{d.year}年" if d.year else ""
    con.append(s + "，按照前期准备、审核诊断和报告编制三个阶段完成了各项工作。")
    breaches = f.get("breaches") or []
    if breaches:
        ents = Counter(b["enterprise"] for b in breaches)
        conc = [b for b in breaches if b["kind"] == "排放浓度超标"]
        pending = [b for b in breaches if b.get("verified") != "属实"]
        s = (f"达标排放方面，{d.n('breach_ents', len(ents), 'int')}家企业存在{d.n('breaches', len(breaches), 'int')}项"
             + ("疑似" if len(pending) == len(breaches) else "") + "超标排放或排污许可执行问题"
             + (f"（其中{d.n('breaches_pending', len(pending), 'int')}项待核实）" if pending and len(pending) < len(breaches)
                else ("（待核实）" if pending else "")))
        confirmed = [b for b in conc if b.get("verified") == "属实"]
        suspected = [b for b in conc if b.get("verified") != "属实"]
        if confirmed:
            s += "，其中排放浓度超标（经核实属实）的企业为" + join_cn(dict.fromkeys(d.lab(b["enterprise"]) for b in confirmed), limit=8)
        if suspected:
            s += ("，" if not confirmed else "；") + "排放浓度疑似超标（待核实）的企业为" + join_cn(
                dict.fromkeys(d.lab(b["enterprise"]) for b in suspected), limit=8)
        con.append(s + "；这些问题须尽快核实并限期整改，属实的由执法部门依法处理（见2.3.1节）。")
    elif d.rows("compliance") == [] and d.rows("all_ent_wastegas"):
        con.append("达标排放方面，企业报送的排放浓度均未超过执行标准限值。")
    base = []
    if f.get("tce"):
        base.append(f"综合能源消费量{d.n('tce', f['tce'])} tce")
    if f.get("water"):
        base.append(f"取水量{d.n('water', f['water'])} m³")
    if f.get("co2"):
        base.append(f"二氧化碳排放量{d.n('co2', f['co2'])} tCO₂")
    if f.get("pollutants"):
        base.append(join_cn(f"{d.lab(k)}排放量{d.n('dis_' + k, v)} t" for k, v in list(f["pollutants"].items())[:3]))
    if base:
        con.append("审核企业统计期内" + "，".join(base) + "。")
    if f.get("levels"):
        lv, nd = f["levels"], f["n_diag"]
        at3 = lv["Ⅰ级"] + lv["Ⅱ级"] + lv["Ⅲ级"]
        pending = (f"疑似超标排放（待核实）、等级暂定{d.n('exceed_pending_c', lv['超标待核实'], 'int')}家，"
                   if lv.get("超标待核实") else "")
        con.append(f"清洁生产水平诊断表明，{d.n('diag', nd, 'int')}家企业中达到Ⅰ级的{d.n('l1', lv['Ⅰ级'], 'int')}家、"
                   f"Ⅱ级的{d.n('l2', lv['Ⅱ级'], 'int')}家、Ⅲ级的{d.n('l3', lv['Ⅲ级'], 'int')}家，Ⅲ级及以上企业占"
                   f"{d.n('at3share', at3 / nd if nd else None, 'pct')}；{pending}不达标{d.n('below', lv['不达标'], 'int')}家，"
                   f"数据不全{d.n('incomplete', lv['数据不全'], 'int')}家。")
    if f.get("common"):
        con.append("行业关键共性问题为" + join_cn((d.lab(c) for c in f["common"]), limit=5) + "。")
    if f.get("focus"):
        con.append("审核诊断重点为" + join_cn(f["focus"]) + "。")
    if f.get("targets"):
        s = f"经审核小组确认，设置清洁生产审核目标{d.n('targets', f['targets'], 'int')}项"
        s += (f"，其中{d.n('beyond', f['targets_beyond'], 'int')}项严于全部企业现状、可实现性需论证" if f.get("targets_beyond")
              else "，目标值均不严于审核企业中已有企业达到的水平")
        con.append(s + "。")
    p = f.get("proposals")
    if p:
        s = (f"提出清洁生产方案{d.n('proposals', p['n'], 'int')}项，经审核小组评定确认实施{d.n('ok', p['ok'], 'int')}项，"
             f"合计投资{d.n('inv', p['inv'])}万元，预计年经济效益{d.n('sav', p['sav'])}万元")
        if f.get("benefit"):
            s += "，预计" + "、".join(f"{d.lab(b['item'])}{d.n('ben_' + b['item'], b['x'])} "
                                     f"{d.lab(b['unit'])}" for b in _headline(f["benefit"]))
        con.append(s + "。")
    if len(con) <= 2:
        con.append("审核诊断、目标和方案等数据尚未录入审核总表，相关结论待补充。")
    sug: list[str] = []
    if breaches:
        sug.append("对存在超标排放和排污许可执行问题的企业，首先落实达标整改方案，限期整改并加密监测，整改完成前不得以可选方案替代。")
    lv = f.get("levels") or {}
    if lv.get("超标待核实"):
        sug.append(f"对疑似超标排放（待核实）的{d.n('exceed_pending_s', lv['超标待核实'], 'int')}家企业，尽快现场核实监测数据；"
                   "属实的判为不达标，限期整改并移交执法部门依法处理，核实前不评定其清洁生产等级。")
    if lv.get("不达标"):
        sug.append(f"对不达标的{d.n('below2', lv['不达标'], 'int')}家企业，优先解决未达到Ⅲ级的指标，限期实施企业层面方案，"
                   "并将其作为下一轮依法实施清洁生产审核的重点。")
    if f.get("common"):
        sug.append("针对" + join_cn((d.lab(c) for c in f["common"]), limit=3) + "等行业关键共性问题，由审核主体统一部署实施行业层面方案，"
                   "组织技术交流和典型企业示范，带动行业整体水平提升。")
    if f.get("missing_data"):
        sug.append(f"督促{d.n('missing', f['missing_data'], 'int')}家数据不全的企业按数据补报通知补报数据，补报后补设目标和方案。")
    if f.get("overdue"):
        s = f"对{d.n('overdue', f['overdue'], 'int')}项逾期的实施任务加强督办，必要时约谈相关企业负责人"
        if f.get("overdue_default"):
            s += (f"；其中{d.n('overdue_default', f['overdue_default'], 'int')}项按缺省计划日期判定逾期，"
                  "审核小组应先核定方案实施起始日期")
        sug.append(s + "。")
    if f.get("mgmt_weak"):
        sug.append("加强企业环境管理，重点补齐" + join_cn(f["mgmt_weak"][:3]) + "等方面的短板。")
    if f.get("open_issues"):
        sug.append(f"跟踪{d.n('open_issues', f['open_issues'], 'int')}项尚未完成整改的环保督察和执法检查问题，按期销号。")
    if f.get("regional_over"):
        sug.append("结合区域" + join_cn(d.lab(o) for o in f["regional_over"]) + "超标状况，优先实施相关污染物协同减排方案。")
    sug.append("坚持方案实施监督跟踪机制，结合方案实施节点跟踪进度，督促企业按计划落实清洁生产方案并总结成效，确保行业整体审核工作形成闭环。")
    lessons = [r for r in d.rows("lessons") if text(r.get("experience"))]
    exp = [f"（{i}）{text(r.get('aspect')) or text(r.get('stage'))}：{d.lab(text(r.get('experience')).rstrip('。'))}"
           + (f"（{d.lab(text(r.get('evidence')))}）" if text(r.get("evidence")) else "") + "。"
           for i, r in enumerate(lessons, start=1)]
    if not exp:
        exp = ["审核小组尚未在审核总表“审核经验”工作表中总结本次审核获得的经验（5.3.3）。"]
    d.counts["2.5"] = len(con) + len(sug)
    return {"conclusions": [f"（{i}）{c}" for i, c in enumerate(con, start=1)],
            "suggestions": [f"（{i}）{c}" for i, c in enumerate(sug, start=1)], "lessons": exp}


def _headline(benefits: list[dict[str, Any]], n: int = 4) -> list[dict[str, Any]]:
    """The benefits a conclusion names first: energy, water and CO₂, then the largest tonnages (a few kilograms
    of one pollutant are not a headline)."""
    first = ("tce", "m³", "tCO₂")

    def key(b: dict[str, Any]) -> tuple[int, float]:
        unit = str(b.get("unit") or "")
        rank = next((i for i, u in enumerate(first) if unit.startswith(u)), len(first))
        return rank, -float(b.get("x") or 0)

    return sorted(benefits, key=key)[:n]
