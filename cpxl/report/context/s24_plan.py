"""Appendix C 2.4 方案制定与筛选: targets (5.3.1), proposals and their screening (5.3.2).

Only what the audit team confirmed is stated as a target or an adopted proposal; suggestions not yet reviewed
appear in the draft section (:mod:`.pending`) of a draft report and nowhere else.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from cpxl.plan.review import CONFIRMED, REJECTED, effective_state

from ..fmt import (
    cn_date,
    fnum,
    fyear,
    join_cn,
    number,
    pct,
    text,
)
from .data import Data

Rows = list[dict[str, Any]]
BODY_ROWS = 25


def _improvement(baseline: float | None, target: float | None) -> float | None:
    if baseline is None or target is None or baseline == 0:
        return None
    return abs(target - baseline) / abs(baseline)


def confirmed_targets(d: Data) -> tuple[Rows, Rows, Rows]:
    """(confirmed, rejected, pending) rows of 审核目标."""
    rows = [r for r in d.rows("targets") if text(r.get("indicator_id"))]
    st = [(r, effective_state(r)[0]) for r in rows]
    return ([r for r, s in st if s == CONFIRMED], [r for r, s in st if s == REJECTED],
            [r for r, s in st if s not in (CONFIRMED, REJECTED)])


def target_row(d: Data, r: dict[str, Any]) -> dict[str, Any]:
    iid = text(r.get("indicator_id"))
    return {"enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
            "indicator": text(r.get("indicator")) or d.indicator_name(iid),
            "unit": text(r.get("unit")) or text(d.indicators.get(iid, {}).get("unit")),
            "baseline": fnum(r.get("baseline")),
            "target": fnum(r.get("target")) if number(r.get("target")) is not None else text(r.get("target_text")) or "—",
            "improvement": "—" if text(r.get("unit")) == "级" else
            pct(_improvement(number(r.get("baseline")), number(r.get("target")))),
            "rule": text(r.get("rule")), "reason": text(r.get("priority")) or "—", "year": fyear(r.get("target_year")),
            "achievable": "需论证" if text(r.get("beyond_best")) == "是" else "可实现"}


def s241_targets(d: Data) -> dict[str, Any]:
    ok, rejected, open_ = confirmed_targets(d)
    d.facts["targets_pending"] = open_
    paras: list[str] = []
    industry = [r for r in ok if text(r.get("scope")) == "行业"]
    ents = [r for r in ok if text(r.get("scope")) == "企业"]
    out: dict[str, Any] = {"industry": [target_row(d, r) for r in industry]}
    by_ind: dict[str, Rows] = defaultdict(list)
    for r in ents:
        by_ind[text(r.get("indicator_id"))].append(r)
    out["by_indicator"] = [{
        "indicator": d.indicator_name(iid), "unit": text(rs[0].get("unit")), "ents": str(len(rs)),
        "baseline": f"{fnum(min(number(r.get('baseline')) or 0 for r in rs))}～{fnum(max(number(r.get('baseline')) or 0 for r in rs))}",
        "target": "、".join(dict.fromkeys(fnum(r.get("target")) for r in rs)),
        "reason": "、".join(dict.fromkeys(text(r.get("priority")) for r in rs if text(r.get("priority")))) or "—"}
        for iid, rs in sorted(by_ind.items(), key=lambda kv: -len(kv[1]))]
    if not ok:
        paras.append("审核小组尚未确认清洁生产审核目标（cpxl plan 按诊断差距提出建议目标，经审核小组确认后写入报告）。"
                     if open_ or rejected else "审核总表尚未录入清洁生产审核目标（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        ent_n = len({text(r.get("uscc")) for r in ents})
        years = sorted({int(number(r.get("target_year"))) for r in ok if number(r.get("target_year"))})
        reasons = Counter(text(r.get("priority")) or "其他" for r in ents)
        s = (f"汇总审核诊断发现的问题，结合地方污染防治重难点和行业特征，经审核小组确认，设置清洁生产审核目标"
             f"{d.n('targets', len(ok), 'int', check=lambda: len(confirmed_targets(d)[0]))}项：行业层面"
             f"{d.n('t_industry', len(industry), 'int', table='s241.industry', agg='count')}项，针对审核重点指标；企业层面"
             f"{d.n('t_ent', len(ents), 'int', table='s241.by_indicator', col='设置目标企业（家）', agg='sum')}项，涉及"
             f"{d.n('t_ents', ent_n, 'int')}家企业")
        cap = number(d.setting("max_targets"))
        if ents:
            s += "，每家企业只针对制约其清洁生产等级的少数指标" + (f"（不超过{d.n('max_targets', cap, 'int')}项）" if cap else "") + \
                "：" + "、".join(f"{k}{d.n('reason_' + k, v, 'int')}项" for k, v in reasons.items())
        if years:
            s += f"；目标年份为{join_cn(map(str, years))}年"
        paras.append(s + f"（见{d.ref('s241.industry')}、{d.ref('s241.by_indicator')}，各企业目标见{d.ref('annex.targets')}）。")
        rules = Counter(text(r.get("rule")) for r in ok if text(r.get("rule")))
        beyond = [r for r in ok if text(r.get("beyond_best")) == "是"]
        s = "目标值依据" + join_cn(f"{k}（{d.n('rule_' + k, v, 'int')}项）" for k, v in rules.most_common()) + "确定"
        if beyond:
            s += (f"；其中{d.n('beyond', len(beyond), 'int')}项目标严于全部企业现状最好值，可实现性需论证，"
                  "审核小组已在确认时说明依据")
        else:
            s += "，均不严于审核企业中已有企业达到的水平，且符合指标的物理取值范围"
        paras.append(s + "。")
        if rejected:
            paras.append(f"cpxl 按诊断差距提出的目标中，审核小组否决{d.n('t_rejected', len(rejected), 'int')}项"
                         "（严于全部企业现状或不适合作为本轮目标），未列入。")
        d.facts["targets"] = len(ok)
        d.facts["targets_beyond"] = len(beyond)
    pot = defaultdict(lambda: {"saving": 0.0, "ents": set()})
    for r in d.rows("improvement_potential"):
        if number(r.get("saving")) is None:
            continue
        g = pot[(text(r.get("item")), text(r.get("unit")))]
        g["saving"] += number(r.get("saving"))
        g["ents"].add(text(r.get("uscc")))
    out["potential"] = [{"item": k[0], "unit": f"{k[1]}/a", "saving": fnum(g["saving"]), "ents": str(len(g["ents"] - {""}))}
                        for k, g in pot.items() if k[0]]
    if out["potential"]:
        paras.append("假设各企业均达到其目标值，按各企业统计年的产量、排放量和固体废物产生量计算，全行业预计可"
                     + join_cn(f"{d.lab(k[0])}{d.n('pot_' + k[0], g['saving'], table='s241.potential', col='预计节约/削减量', agg='value', where=('项目', k[0]))} {k[1]}/a"
                               for k, g in list(pot.items())[:6]) + f"（见{d.ref('s241.potential')}）。")
        d.facts["potential"] = out["potential"]
    imp: dict[str, list[float]] = defaultdict(list)
    for r in industry or ents:
        if text(r.get("unit")) == "级":
            continue
        x = _improvement(number(r.get("baseline")), number(r.get("target")))
        if x is not None:
            imp[text(r.get("indicator")) or d.indicator_name(text(r.get("indicator_id")))].append(x)
    if imp:
        items = sorted(((k, sum(v) / len(v)) for k, v in imp.items()), key=lambda t: -t[1])[:15]
        d.charts["potential"] = {"labels": [k for k, _ in items], "values": [v * 100 for _, v in items],
                                 "scope": "行业层面" if industry else "企业层面平均",
                                 "alt": "条形图：主要指标的目标改善幅度，" + "，".join(f"{k}{v:.1%}" for k, v in items[:5])}
        paras.append(f"行业层面各指标的目标改善幅度见{d.ref('fig.potential')}。")
    out["paragraphs"] = paras
    out["annex"] = [target_row(d, r) for r in ents]
    d.count("2.4.1", len(ok))
    return out


# --------------------------------------------------------------------------- proposals


def proposal_states(d: Data) -> dict[str, str]:
    scored = {text(r.get("proposal_id")) for r in d.rows("screening_decision") if number(r.get("total")) is not None}
    return {text(r.get("proposal_id")): effective_state(r, text(r.get("proposal_id")) in scored)[0]
            for r in d.rows("proposals") if text(r.get("proposal_id"))}


def proposal_row(d: Data, r: dict[str, Any], states: dict[str, str]) -> dict[str, Any]:
    pid = text(r.get("proposal_id"))
    return {"id": pid, "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else
            f"全行业（{text(r.get('n_enterprises')) or '—'}家）", "title": text(r.get("title")),
            "category": text(r.get("category")), "cost": text(r.get("cost_class")) or "—",
            "investment": fnum(r.get("investment")), "savings": fnum(r.get("annual_savings")),
            "problem": text(r.get("problem")), "benefit": text(r.get("env_benefit")) or "—",
            "state": states.get(pid, "建议"), "note": text(r.get("review_note")) or "—",
            "priority": text(r.get("priority")) or "一般"}


def s242_proposals(d: Data) -> dict[str, Any]:
    pr = [r for r in d.rows("proposals") if text(r.get("proposal_id"))]
    states = proposal_states(d)
    d.facts["proposal_states"] = states
    ok = [r for r in pr if states.get(text(r.get("proposal_id"))) == CONFIRMED]
    rejected = [r for r in pr if states.get(text(r.get("proposal_id"))) == REJECTED]
    open_ = [r for r in pr if states.get(text(r.get("proposal_id"))) not in (CONFIRMED, REJECTED)]
    d.facts["proposals_pending"] = open_
    paras: list[str] = []
    out: dict[str, Any] = {}
    priority = [r for r in ok if text(r.get("priority")) == "达标整改"]
    out["priority"] = [proposal_row(d, r, states) for r in priority][:BODY_ROWS]
    industry = [r for r in ok if text(r.get("level")) == "行业层面"]
    out["industry"] = [proposal_row(d, r, states) for r in industry]
    cats = defaultdict(lambda: {"n": 0, "low": 0, "high": 0, "inv": 0.0, "sav": 0.0})
    for r in ok:
        g = cats[text(r.get("category")) or "未分类"]
        g["n"] += 1
        g["low" if text(r.get("cost_class")) == "无/低费" else "high"] += 1
        g["inv"] += number(r.get("investment")) or 0
        g["sav"] += number(r.get("annual_savings")) or 0
    out["by_category"] = [{"category": k, "count": str(g["n"]), "low": str(g["low"]), "high": str(g["high"]),
                           "investment": fnum(g["inv"]), "savings": fnum(g["sav"])}
                          for k, g in sorted(cats.items(), key=lambda kv: -kv[1]["n"])]
    ben: dict[tuple[str, str], dict[str, Any]] = {}
    for r in ok:
        if text(r.get("effect_item")) and number(r.get("effect_amount")) is not None:
            g = ben.setdefault((text(r.get("effect_item")), text(r.get("effect_unit"))), {"x": 0.0, "n": 0})
            g["x"] += number(r.get("effect_amount"))
            g["n"] += 1
    out["benefit"] = [{"item": k[0], "unit": k[1], "total": fnum(g["x"]), "n": str(g["n"])} for k, g in ben.items()]
    if not pr:
        paras.append("审核总表尚未录入清洁生产方案（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        s = (f"针对诊断发现的差距，从整体（行业层面）和典型（企业层面）两个层面提出清洁生产方案"
             f"{d.n('proposals', len(pr), 'int', check=lambda: len([r for r in d.rows('proposals') if text(r.get('proposal_id'))]))}项，"
             "每项方案对应一项或几项诊断差距（企业、指标、现状值和目标值），预期效果由差距和企业统计年的产量、排放量计算。"
             f"经审核小组逐项评分和评定，确认实施{d.n('confirmed', len(ok), 'int', table='s242.by_category', col='方案数（项）', agg='sum')}项")
        if rejected:
            s += f"、否决{d.n('rejected', len(rejected), 'int')}项"
        if open_:
            s += f"，尚待评定{d.n('open', len(open_), 'int')}项（见草稿中的待确认事项）"
        paras.append(s + "。")
        if priority:
            more = f"，其余见{d.ref('annex.proposals')}" if len(priority) > len(out["priority"]) else ""
            paras.append(f"确认实施的方案中，达标整改方案{d.n('priority', len(priority), 'int')}项，针对2.3.1节所列超标排放问题，"
                         f"须优先实施，不参与可选方案的取舍（见{d.ref('s242.priority')}{more}）。")
        if ok:
            inv = sum(number(r.get("investment")) or 0 for r in ok)
            sav = sum(number(r.get("annual_savings")) or 0 for r in ok)
            low = sum(text(r.get("cost_class")) == "无/低费" for r in ok)
            s = (f"确认实施的方案中，行业层面{d.n('ok_industry', len(industry), 'int', table='s242.industry', agg='count')}项"
                 f"（见{d.ref('s242.industry')}）、企业层面{d.n('ok_ent', len(ok) - len(industry), 'int')}项；"
                 f"无/低费方案{d.n('ok_low', low, 'int', table='s242.by_category', col='无/低费', agg='sum')}项、中/高费方案"
                 f"{d.n('ok_high', len(ok) - low, 'int', table='s242.by_category', col='中/高费', agg='sum')}项；合计投资"
                 f"{d.n('inv', inv, table='s242.by_category', col='投资（万元）', agg='sum')}万元，预计年经济效益"
                 f"{d.n('sav', sav, table='s242.by_category', col='年经济效益（万元）', agg='sum')}万元")
            gross = d.facts.get("gross_output")
            if gross:
                s += f"；总投资相当于行业统计年工业总产值的{d.n('inv_share', inv / gross, 'pct')}"
            paras.append(s + f"（见{d.ref('s242.by_category')}）。")
            d.facts["proposals"] = {"n": len(pr), "ok": len(ok), "rejected": len(rejected), "inv": inv, "sav": sav}
        if out["benefit"]:
            paras.append("确认实施方案的预期环境效益合计：" + "；".join(
                f"{d.lab(b['item'])}{d.n('ben_' + b['item'], number(g['x']), table='s242.benefit', col='合计', agg='value', where=('效益项目', b['item']))} "
                f"{d.lab(b['unit'])}" for b, g in zip(out["benefit"], ben.values(), strict=True))
                + f"（见{d.ref('s242.benefit')}；各方案的效益见{d.ref('annex.proposals')}）。")
            d.facts["benefit"] = [{"item": k[0], "unit": k[1], "x": g["x"]} for k, g in ben.items()]
    out["paragraphs"] = paras
    out["annex"] = [proposal_row(d, r, states) for r in pr]
    d.count("2.4.2", len(pr))
    return out


def s243_decisions(d: Data) -> dict[str, Any]:
    pr = {text(r.get("proposal_id")): r for r in d.rows("proposals") if text(r.get("proposal_id"))}
    states = d.facts.get("proposal_states") or proposal_states(d)
    sd = {text(r.get("proposal_id")): r for r in d.rows("screening_decision") if text(r.get("proposal_id"))}
    paras: list[str] = []
    groups: dict[str, list[str]] = defaultdict(list)
    for pid, r in pr.items():
        st = states.get(pid)
        if st == CONFIRMED:
            key = "确认实施（达标整改）" if text(r.get("priority")) == "达标整改" else \
                f"确认实施（{text(sd.get(pid, {}).get('decision')) or text(r.get('decision')) or '审核小组确定'}）"
        elif st == REJECTED:
            key = "否决"
        else:
            key = "待评定"
        groups[key].append(pid)
    summary = [{"decision": k, "count": str(len(ids)),
                "investment": fnum(sum(number(pr[p].get("investment")) or 0 for p in ids)),
                "savings": fnum(sum(number(pr[p].get("annual_savings")) or 0 for p in ids))}
               for k, ids in sorted(groups.items(), key=lambda kv: (kv[0].startswith("待"), kv[0].startswith("否"), kv[0]))
               if k != "待评定" or d.draft]
    settings = (d.rows("plan_settings") or [{}])[0]
    if pr:
        s = "采用权重总和计分排序法对备选方案进行筛选：审核小组按筛选指标逐项评分，无/低费方案通过筛选即实施，"
        s += "中/高费方案再作投资偿还期、净现值、净现值率和内部收益率评价；方案是否实施由审核小组确认。"
        if text(settings.get("confirmed_by")):
            s += (f"筛选和经济评估采用的参数由审核小组（{d.lab(text(settings.get('confirmed_by')))}）于"
                  f"{cn_date(settings.get('confirmed_on'))}确认。")
        paras.append(s)
        if summary:
            paras.append("评定结果为：" + "；".join(
                f"{s['decision']}{d.n('dec_' + s['decision'], int(s['count']), 'int', table='s243.summary', col='方案数（项）', agg='value', where=('评定结果', s['decision']))}项"
                for s in summary) + f"，见{d.ref('s243.summary')}。")
    econ = [r for r in d.rows("economics") if states.get(text(r.get("proposal_id"))) == CONFIRMED]
    rows = [{"id": text(r.get("proposal_id")), "title": text(r.get("title")), "investment": fnum(r.get("investment")),
             "cash_flow": fnum(r.get("cash_flow")), "payback": fnum(r.get("payback_years"), 1),
             "npv": fnum(r.get("npv"), 1), "npvr": fnum(r.get("npvr"), 1), "irr": fnum(r.get("irr"), 1),
             "accepted": text(r.get("accepted")), "_inv": number(r.get("investment")) or 0} for r in econ]
    body = rows if len(rows) <= BODY_ROWS else sorted(rows, key=lambda r: -r["_inv"])[:BODY_ROWS]
    d.facts["economics_annex"] = rows if len(rows) > len(body) else []
    if econ:
        ok = sum(text(r.get("accepted")) == "是" for r in econ)
        pb = [number(r.get("payback_years")) for r in econ if number(r.get("payback_years")) is not None]
        s = (f"确认实施的中/高费方案{d.n('econ', len(econ), 'int')}项均按同一参数作了经济评估，其中投资偿还期、净现值和内部收益率"
             f"全部达标的{d.n('econ_ok', ok, 'int')}项")
        if pb:
            s += f"，投资偿还期{d.n('pb_min', min(pb), dp=1)}～{d.n('pb_max', max(pb), dp=1)}年"
        s += f"（见{d.ref('s243.economics')}" + (f"，其余见{d.ref('annex.economics')}" if d.facts["economics_annex"] else "") + "）"
        paras.append(s + "；经济判据未全部满足而确认实施的，为达标整改方案或审核小组认为环境效益突出的方案。")
    tr = d.rows("tracking")
    status = Counter(text(r.get("status")) or "未填写" for r in tr)
    track = [{"status": k, "count": str(v), "share": pct(v, len(tr))} for k, v in status.most_common()]
    if tr:
        n_prop = len({text(r.get("proposal_id")) for r in tr})
        prog = [number(r.get("progress")) for r in tr if number(r.get("progress")) is not None]
        s = (f"为确保审核工作形成闭环，审核主体建立了监督跟踪机制，跟踪确认实施的{d.n('tracked', n_prop, 'int')}项方案，"
             f"按实施企业分解为{d.n('tasks', len(tr), 'int', table='s243.tracking', col='任务数（项）', agg='sum')}项实施任务："
             + "、".join(f"{k}{d.n('st_' + k, v, 'int', table='s243.tracking', col='任务数（项）', agg='value', where=('实施状态', k))}项"
                         for k, v in status.most_common()))
        if prog:
            s += f"，平均进度{d.n('progress', sum(prog) / len(prog), dp=1)}%"
        overdue = sum(text(r.get("overdue")) in ("开工逾期", "完成逾期") for r in tr)
        if overdue:
            s += f"；逾期{d.n('overdue', overdue, 'int')}项，已发出督办通知"
            d.facts["overdue"] = overdue
        paras.append(s + f"（见{d.ref('s243.tracking')}）。")
        d.facts["tracking"] = {"proposals": n_prop, "tasks": len(tr), "status": dict(status)}
    elif groups.get("确认实施（推荐实施）") or any(k.startswith("确认") for k in groups):
        paras.append("方案实施跟踪尚未开始，审核主体应结合方案实施节点建立监督跟踪机制，督促企业按计划落实并总结成效。")
    d.count("2.4.3", len(pr))
    return {"paragraphs": paras, "summary": summary, "economics": [{k: v for k, v in r.items() if not k.startswith("_")}
                                                                   for r in body], "tracking": track}
