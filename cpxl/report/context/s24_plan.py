"""Appendix C 2.4 方案制定与筛选: targets (5.3.1), proposals and their screening (5.3.2)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..fmt import (
    fnum,
    fyear,
    join_cn,
    number,
    pct,
    text,
)
from .data import Data, _group_sum

Rows = list[dict[str, Any]]


# ---------------------------------------------------------------------------
# 2.4 方案制定与筛选


def _improvement(baseline: float | None, target: float | None) -> float | None:
    if baseline is None or target is None or baseline == 0:
        return None
    return abs(target - baseline) / abs(baseline)


def s241_targets(d: Data) -> dict[str, Any]:
    tg = d.rows("targets")
    inds = d.indicators
    rows = []
    for r in tg:
        iid = text(r.get("indicator_id"))
        imp = _improvement(number(r.get("baseline")), number(r.get("target")))
        rows.append({"scope": text(r.get("scope")),
                     "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
                     "indicator": text(r.get("indicator")) or d.indicator_name(iid),
                     "unit": text(r.get("unit")) or text(inds.get(iid, {}).get("unit")),
                     "baseline": fnum(r.get("baseline")),
                     "target": fnum(r.get("target")) if number(r.get("target")) is not None else text(r.get("target_text")) or "—",
                     "improvement": pct(imp), "rule": text(r.get("rule")), "year": fyear(r.get("target_year"))})
    paras: list[str] = []
    if not tg:
        paras.append("审核总表尚未录入清洁生产审核目标（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        scopes = Counter(text(r.get("scope")) or "未分层" for r in tg)
        focus = sum(text(r.get("focus")) == "是" for r in tg)
        years = sorted({int(number(r.get("target_year"))) for r in tg if number(r.get("target_year"))})
        s = f"汇总审核诊断发现的问题，结合地方污染防治重难点和行业特征，设置清洁生产审核目标{len(tg)}项"
        s += "（" + "、".join(f"{k}层面{v}项" for k, v in scopes.items()) + "）"
        if focus:
            s += f"，其中与审核重点对应的{focus}项"
        if years:
            s += f"，目标年份为{join_cn(map(str, years))}年"
        paras.append(s + "。")
        rules = Counter(text(r.get("rule")) for r in tg if text(r.get("rule")))
        if rules:
            paras.append("目标值依据" + join_cn(f"{k}（{v}项）" for k, v in rules.most_common()) + "确定，具有可实现性，见表。")
        imps = [x for x in (_improvement(number(r.get("baseline")), number(r.get("target"))) for r in tg) if x is not None]
        if imps:
            paras.append(f"按目标值测算，各项指标平均改善幅度为{pct(sum(imps) / len(imps))}，"
                         f"最大为{pct(max(imps))}。")
            d.facts["target_avg"] = sum(imps) / len(imps)
        d.facts["targets"] = len(tg)
    # improvement potential (computed by cpxl plan) -------------------------------------------
    pot = _group_sum(d.rows("improvement_potential"), lambda r: (text(r.get("item")), text(r.get("unit"))), "saving")
    potential = [{"item": k[0], "unit": k[1], "saving": fnum(g["saving"]),
                  "ents": str(len({text(r.get("uscc")) for r in d.rows("improvement_potential")
                                   if (text(r.get("item")), text(r.get("unit"))) == k} - {""}))}
                 for k, g in pot.items() if k[0]]
    if potential:
        paras.append("假设各企业均达到目标值，全行业预计可" + join_cn(f"{p['item']}{p['saving']} {p['unit']}"
                                                         for p in potential[:6]) + "，见表。")
        d.facts["potential"] = potential
    # chart: improvement potential by indicator ------------------------------------------------
    by_ind: dict[str, list[float]] = defaultdict(list)
    industry_level = [r for r in tg if text(r.get("scope")) == "行业"]
    for r in industry_level or tg:
        imp = _improvement(number(r.get("baseline")), number(r.get("target")))
        if imp is not None:
            name = text(r.get("indicator")) or d.indicator_name(text(r.get("indicator_id")))
            by_ind[name].append(imp)
    if by_ind:
        items = sorted(((k, sum(v) / len(v), len(v)) for k, v in by_ind.items()), key=lambda t: -t[1])[:15]
        d.charts["potential"] = {"labels": [k for k, _, _ in items], "values": [v * 100 for _, v, _ in items],
                                 "counts": [c for _, _, c in items],
                                 "scope": "行业层面" if industry_level else "企业层面平均"}
        paras.append("各指标的改善潜力（目标值相对现状值的改善幅度）见图。")
    d.count("2.4.1", len(tg))
    return {"paragraphs": paras, "rows": rows, "potential": potential}


def s242_proposals(d: Data) -> dict[str, Any]:
    pr = d.rows("proposals")
    rows = [{"id": text(r.get("proposal_id")), "level": text(r.get("level")),
             "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
             "title": text(r.get("title")), "category": text(r.get("category")), "cost": text(r.get("cost_class")),
             "investment": fnum(r.get("investment")), "savings": fnum(r.get("annual_savings")),
             "benefit": text(r.get("env_benefit"))} for r in pr]
    cats = _group_sum(pr, lambda r: text(r.get("category")) or "未分类", "investment", "annual_savings")
    by_cat = []
    for k, g in cats.items():
        low = sum(1 for r in pr if (text(r.get("category")) or "未分类") == k and text(r.get("cost_class")) == "无/低费")
        by_cat.append({"category": k, "count": str(g["_n"]), "low": str(low), "high": str(g["_n"] - low),
                       "investment": fnum(g["investment"]), "savings": fnum(g["annual_savings"])})
    paras: list[str] = []
    if not pr:
        paras.append("审核总表尚未录入清洁生产方案（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        levels = Counter(text(r.get("level")) or "未分层" for r in pr)
        inv = sum(number(r.get("investment")) or 0 for r in pr)
        sav = sum(number(r.get("annual_savings")) or 0 for r in pr)
        low = sum(text(r.get("cost_class")) == "无/低费" for r in pr)
        s = (f"从整体（行业层面）和典型（企业层面）两个层面共提出清洁生产方案{len(pr)}项，其中"
             + "、".join(f"{k}{v}项" for k, v in levels.items()))
        s += f"；无/低费方案{low}项，中/高费方案{len(pr) - low}项"
        s += f"；合计投资{fnum(inv)}万元，预计年经济效益{fnum(sav)}万元"
        if sav > 0 and inv > 0:
            s += f"，静态投资回收期约{fnum(inv / sav, 1)}年"
        paras.append(s + "。")
        paras.append("按方案类型，" + join_cn(f"{c['category']}{c['count']}项" for c in
                                            sorted(by_cat, key=lambda c: -int(c["count"]))) + "，见表。")
        ents = {text(r.get("uscc")) for r in pr if text(r.get("uscc"))}
        if ents:
            paras.append(f"企业层面方案涉及企业{len(ents)}家，针对企业突出个性问题；行业层面方案围绕行业关键共性问题和地方行业绿色低碳高质量发展。")
        d.facts["proposals"] = {"n": len(pr), "inv": inv, "sav": sav, "low": low}
    d.count("2.4.2", len(pr))
    return {"paragraphs": paras, "by_category": by_cat, "rows": rows}


def s243_decisions(d: Data) -> dict[str, Any]:
    pr = d.rows("proposals")
    sd = d.rows("screening_decision")
    eco = d.rows("economics")
    tr = d.rows("tracking")
    decisions = {text(r.get("proposal_id")): text(r.get("decision")) for r in sd if text(r.get("proposal_id"))}
    for r in pr:
        pid = text(r.get("proposal_id"))
        if pid and pid not in decisions and text(r.get("decision")):
            decisions[pid] = text(r.get("decision"))
    if not decisions:
        decisions = {str(i): text(r.get("decision")) for i, r in enumerate(pr) if text(r.get("decision"))}
    inv = {text(r.get("proposal_id")): r for r in pr}
    summary = []
    for k in ("推荐实施", "可行", "待评估", "不可行"):
        ids = [p for p, v in decisions.items() if v == k]
        if ids:
            summary.append({"decision": k, "count": str(len(ids)),
                            "investment": fnum(sum(number(inv.get(p, {}).get("investment")) or 0 for p in ids)),
                            "savings": fnum(sum(number(inv.get(p, {}).get("annual_savings")) or 0 for p in ids))})
    paras: list[str] = []
    recommended: Rows = []
    if not decisions:
        paras.append("审核总表尚未录入方案筛选结论，清洁生产方案的确定待方案筛选与可行性分析完成后补充。")
    else:
        paras.append("采用权重总和计分排序法对备选方案进行筛选，并对中/高费方案开展技术、环境和经济可行性分析。筛选结果为："
                     + "；".join(f"{s['decision']}{s['count']}项" for s in summary) + "，见表。")
        if sd:
            rec = [r for r in sorted(sd, key=lambda r: number(r.get("rank")) or 1e9) if text(r.get("decision")) == "推荐实施"]
            recommended = [{"no": str(i), "id": text(r.get("proposal_id")), "title": text(r.get("title")),
                            "level": text(r.get("level")), "enterprise": text(r.get("enterprise")) or "全行业",
                            "score": fnum(r.get("total"), 1), "reason": text(r.get("reason"))}
                           for i, r in enumerate(rec, start=1)]
        else:
            rec = [r for r in pr if text(r.get("decision")) == "推荐实施"]
            recommended = [{"no": str(i), "id": text(r.get("proposal_id")), "title": text(r.get("title")),
                            "level": text(r.get("level")),
                            "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
                            "score": "—", "reason": text(r.get("problem"))} for i, r in enumerate(rec, start=1)]
        rec_sum = next((s for s in summary if s["decision"] == "推荐实施"), None)
        if rec_sum:
            paras.append(f"确定推荐实施方案{rec_sum['count']}项，投资{rec_sum['investment']}万元，"
                         f"预计年经济效益{rec_sum['savings']}万元。")
            d.facts["recommended"] = rec_sum
        pending = next((s for s in summary if s["decision"] == "待评估"), None)
        if pending:
            d.facts["pending"] = int(pending["count"])
    if eco:
        ok = sum(text(r.get("accepted")) == "是" for r in eco)
        pb = [number(r.get("payback_years")) for r in eco if number(r.get("payback_years")) is not None]
        s = f"对{len(eco)}项中/高费方案进行了经济评估，其中经济可行{ok}项"
        if pb:
            s += f"，投资偿还期{fnum(min(pb), 1)}～{fnum(max(pb), 1)}年"
        paras.append(s + "。")
    status = Counter(text(r.get("status")) or "未填写" for r in tr)
    track = [{"status": k, "count": str(v), "share": pct(v, len(tr))} for k, v in status.most_common()]
    if tr:
        prog = [number(r.get("progress")) for r in tr if number(r.get("progress")) is not None]
        s = (f"为确保审核工作形成闭环，审核主体建立了监督跟踪机制，结合方案实施节点跟踪{len(tr)}项方案的进度："
             + "、".join(f"{k}{v}项" for k, v in status.most_common()))
        if prog:
            s += f"，平均进度{fnum(sum(prog) / len(prog), 1)}%"
        overdue = sum(text(r.get("overdue")) not in ("", "否") for r in tr)
        if overdue:
            s += f"；逾期{overdue}项，需督促相关企业加快实施"
            d.facts["overdue"] = overdue
        paras.append(s + "。")
        d.facts["tracking"] = dict(status)
    elif decisions:
        paras.append("方案实施跟踪尚未开始，审核主体应结合方案实施节点建立监督跟踪机制，督促企业按计划落实并总结成效。")
    d.count("2.4.3", len(decisions))
    return {"paragraphs": paras, "summary": summary, "recommended": recommended, "tracking": track}
