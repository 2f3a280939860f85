"""Appendix C 2.5 结论和建议."""

from __future__ import annotations

from typing import Any

from ..fmt import (
    fnum,
    join_cn,
    pct,
)
from .data import Data

Rows = list[dict[str, Any]]


# ---------------------------------------------------------------------------
# 2.5 结论和建议


def s25_conclusions(d: Data) -> dict[str, Any]:
    f = d.facts
    con: list[str] = []
    n = d.n_enterprises
    s = f"本次{d.region}{d.industry}行业整体清洁生产审核"
    s += f"覆盖企业{n}家" if n else "尚未录入审核企业"
    s += f"，统计期为{d.year}年" if d.year else ""
    con.append(s + "，按照前期准备、审核诊断和报告编制三个阶段完成了各项工作。")
    base = []
    if f.get("tce"):
        base.append(f"综合能源消费量{fnum(f['tce'])} tce")
    if f.get("water"):
        base.append(f"取水量{fnum(f['water'])} m³")
    if f.get("co2"):
        base.append(f"二氧化碳排放量{fnum(f['co2'])} tCO₂")
    if f.get("pollutants"):
        base.append(join_cn(f"{k}排放量{v} t" for k, v in list(f["pollutants"].items())[:3]))
    if base:
        con.append("审核企业统计期内" + "，".join(base) + "。")
    if f.get("levels"):
        lv, nd = f["levels"], f["n_diag"]
        con.append(f"清洁生产水平诊断表明，{nd}家企业中达到I级的{lv['I级']}家、II级的{lv['II级']}家、III级的{lv['III级']}家，"
                   f"II级及以上企业占{pct(lv['I级'] + lv['II级'], nd)}；"
                   f"未达到III级或数据不全的企业{lv['不达标'] + lv['数据不全']}家。")
    if f.get("common"):
        con.append("行业关键共性问题主要为" + join_cn(f["common"], limit=5) + "。")
    if f.get("focus"):
        con.append("审核诊断重点为" + join_cn(f["focus"]) + "。")
    if f.get("targets"):
        s = f"设置清洁生产审核目标{f['targets']}项"
        if f.get("target_avg") is not None:
            s += f"，平均改善幅度{pct(f['target_avg'])}"
        con.append(s + "。")
    if f.get("proposals"):
        p = f["proposals"]
        s = f"提出清洁生产方案{p['n']}项，合计投资{fnum(p['inv'])}万元，预计年经济效益{fnum(p['sav'])}万元"
        if f.get("recommended"):
            s += f"；确定推荐实施方案{f['recommended']['count']}项"
        con.append(s + "。")
    if len(con) <= 2:
        con.append("审核诊断、目标和方案等数据尚未录入审核总表，相关结论待补充。")
    sug: list[str] = []
    lv = f.get("levels") or {}
    if lv.get("不达标"):
        sug.append(f"对未达到III级的{lv['不达标']}家企业，优先解决限定性指标和关键共性问题，限期实施整改方案，"
                   "并将其作为下一轮依法实施清洁生产审核的重点。")
    if f.get("common"):
        sug.append("针对" + join_cn(f["common"], limit=3) + "等行业关键共性问题，由审核主体统一部署实施行业层面推荐方案，"
                   "组织技术交流和典型企业示范，带动行业整体水平提升。")
    if f.get("exceed_ents"):
        sug.append(f"督促{f['exceed_ents']}家废气污染物排放浓度高于限值的企业查明原因，优化治理设施运行，确保稳定达标排放。")
    if f.get("missing_data"):
        sug.append(f"督促{f['missing_data']}家数据不全的企业补报缺失数据，完善能源、水和污染物计量与台账管理。")
    if f.get("pending"):
        sug.append(f"对{f['pending']}项待评估方案尽快完成技术、环境和经济可行性分析，明确实施安排。")
    if f.get("overdue"):
        sug.append(f"对{f['overdue']}项逾期方案加强督办，必要时约谈相关企业负责人。")
    if f.get("mgmt_weak"):
        sug.append("加强企业环境管理，重点补齐" + join_cn(f["mgmt_weak"][:3]) + "等方面的短板。")
    if f.get("open_issues"):
        sug.append(f"跟踪{f['open_issues']}项尚未完成整改的环保督察和执法检查问题，按期销号。")
    if f.get("regional_over"):
        sug.append("结合区域" + join_cn(f["regional_over"]) + "超标状况，优先实施相关污染物协同减排方案。")
    sug.append("建立方案实施监督跟踪机制，结合方案实施节点跟踪进度，督促企业按计划落实清洁生产方案并总结成效，确保行业整体审核工作形成闭环。")
    d.counts["2.5"] = len(con) + len(sug)
    return {"conclusions": [f"（{i}）{c}" for i, c in enumerate(con, start=1)],
            "suggestions": [f"（{i}）{c}" for i, c in enumerate(sug, start=1)]}
