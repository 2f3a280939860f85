"""Appendix C 2.4 方案制定与筛选: targets (5.3.1), proposals and their screening (5.3.2).

Only what the audit team confirmed is stated as a target or an adopted proposal; suggestions not yet reviewed
appear in the draft section (:mod:`.pending`) of a draft report and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from cpxl.plan.effects import parse_effects
from cpxl.plan.proposals import REASON_TEXT
from cpxl.plan.review import CONFIRMED, REJECTED, effective_state
from cpxl.plan.settings import PlanError, resolve_settings

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
NAMED = 10  # items a sentence names; the others are in the annex (the body does not grow with the audit)


def _more(d: Data, key: str, n: int) -> str:
    """``等（其余 N 项见附表…）`` after the first NAMED items of a sentence's list."""
    return f"等（其余{d.n(key, n - NAMED, 'int')}项见{d.ref('annex.proposals')}）" if n > NAMED else ""


def _reason(value: Any) -> str:
    """A target's 设置原因 as the report reads it (the sheet keeps its short code)."""
    return REASON_TEXT.get(text(value), text(value))


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
            "rule": text(r.get("rule")), "reason": _reason(r.get("priority")) or "—", "year": fyear(r.get("target_year")),
            "achievable": achievable(r)}


def achievable(r: dict[str, Any]) -> str:
    """What the 可实现性 column can say: cpxl only compares the target with the enterprises' current values
    (严于全部企业现状 or not); nothing more is claimed."""
    flag = text(r.get("beyond_best"))
    return {"是": "需论证（严于全部企业现状）", "否": "已有企业达到"}.get(flag, "未判定")


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
        "reason": "、".join(dict.fromkeys(_reason(r.get("priority")) for r in rs if text(r.get("priority")))) or "—"}
        for iid, rs in sorted(by_ind.items(), key=lambda kv: -len(kv[1]))]
    if not ok:
        paras.append("审核小组尚未确认清洁生产审核目标（cpxl plan 按诊断差距提出建议目标，经审核小组确认后写入报告）。"
                     if open_ or rejected else "审核总表尚未录入清洁生产审核目标（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        ent_n = len({text(r.get("uscc")) for r in ents})
        years = sorted({int(number(r.get("target_year"))) for r in ok if number(r.get("target_year"))})
        reasons = Counter(_reason(r.get("priority")) or "其他" for r in ents)
        s = (f"汇总审核诊断发现的问题，结合地方污染防治重难点和行业特征，经审核小组确认，设置清洁生产审核目标"
             f"{d.n('targets', len(ok), 'int', check=lambda: len(confirmed_targets(d)[0]))}项：行业层面"
             f"{d.n('t_industry', len(industry), 'int', table='s241.industry', agg='count')}项，针对"
             + join_cn(f"{k}{'指标' if k == '审核重点' else ''}（{d.n('t_ind_' + k, v, 'int')}项）" for k, v in
                       Counter(text(r.get("priority")) or "审核重点" for r in industry).items())
             + "；企业层面"
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
        s += "；表中“可实现性”仅表示目标值是否已有审核企业达到，未另作技术经济论证"
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
            "investment": fnum(r.get("investment")) + _estimated(r, "investment"),
            "savings": fnum(r.get("annual_savings")) + _estimated(r, "annual_savings"),
            "source": "目录生成" if generated(r) else "审核组提出",
            "problem": text(r.get("problem")), "benefit": text(r.get("env_benefit")) or "—",
            "state": states.get(pid, "建议"), "note": text(r.get("review_note")) or "—",
            "priority": text(r.get("priority")) or "一般"}


def proposal_effects(r: dict[str, Any]) -> list[tuple[str, str, float]]:
    """Every effect of a proposal, (item, unit, amount): its 全部预期效益 cell, else the one 效益项目 given."""
    effects = parse_effects(r.get("effects"))
    if effects:
        return effects
    item, x = text(r.get("effect_item")), number(r.get("effect_amount"))
    return [(item, text(r.get("effect_unit")), x)] if item and x is not None else []


GENERATED = "cpxl生成"
ESTIMATES = ("审核组估算", "目录示意值（待报价替换）")


def generated(r: dict[str, Any]) -> bool:
    """A proposal cpxl generated from the diagnosis and the catalogue (来源 = cpxl生成), not one the team wrote."""
    return text(r.get("origin")) == GENERATED


def _estimated(r: dict[str, Any], key: str) -> str:
    return "（估）" if text(r.get("basis")) in ESTIMATES and number(r.get(key)) is not None else ""


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
        for item, unit, x in proposal_effects(r):
            g = ben.setdefault((item, unit), {"x": 0.0, "ids": set()})
            g["x"] += x
            g["ids"].add(text(r.get("proposal_id")))
    for g in ben.values():
        g["n"] = len(g["ids"])
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
        gen = [r for r in pr if generated(r)]
        if gen:
            gen_ok = sum(1 for r in ok if generated(r))
            paras.append(f"方案中{d.n('generated', len(gen), 'int')}项（其中确认实施{d.n('generated_ok', gen_ok, 'int')}项）"
                         "按诊断差距和典型方案目录生成（表中来源为“目录生成”），"
                         + (f"{d.n('team_props', len(pr) - len(gen), 'int')}项由审核小组提出；" if len(gen) < len(pr) else "")
                         + "目录生成的方案经审核小组评分和评定，但具体措施、投资和效益尚待实施企业核实。")
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
            est = [r for r in ok if text(r.get("basis")) in ESTIMATES and number(r.get("investment")) is not None]
            if est:
                s += (f"（其中{d.n('inv_est_n', len(est), 'int')}项的投资和年经济效益为审核组估算，计投资"
                      f"{d.n('inv_est', sum(number(r.get('investment')) or 0 for r in est))}万元、年经济效益"
                      f"{d.n('sav_est', sum(number(r.get('annual_savings')) or 0 for r in est))}万元，待企业报价或可研报告核实）")
            gross = d.facts.get("gross_output")
            if gross:
                s += f"；总投资相当于行业统计年工业总产值的{d.n('inv_share', inv / gross, 'pct')}"
            paras.append(s + f"（见{d.ref('s242.by_category')}）。")
            d.facts["proposals"] = {"n": len(pr), "ok": len(ok), "rejected": len(rejected), "inv": inv, "sav": sav}
        if out["benefit"]:
            paras.append("确认实施方案的预期环境效益合计（各方案全部效益项目相加，由诊断差距和企业统计年数据计算的预期值；"
                         "方案数为有该项效益的方案数）：" + "；".join(
                f"{d.lab(b['item'])}{d.n('ben_' + b['item'], number(g['x']), table='s242.benefit', col='合计', agg='value', where=('效益项目', b['item']))} "
                f"{d.lab(b['unit'])}" for b, g in zip(out["benefit"], ben.values(), strict=True))
                + f"（见{d.ref('s242.benefit')}；各方案的效益见{d.ref('annex.proposals')}）。")
            d.facts["benefit"] = [{"item": k[0], "unit": k[1], "x": g["x"]} for k, g in ben.items()]
    out["paragraphs"] = paras
    out["annex"] = [proposal_row(d, r, states) for r in pr]
    d.count("2.4.2", len(pr))
    return out


# the screening conclusion (cpxl.plan.proposals: 推荐实施 = a low-cost proposal that passed the screening, or a
# medium/high-cost one that also met every economic criterion; 可行 = NPV ≥ 0 but a criterion missed) as read
DECISION_LABEL = {("推荐实施", "无/低费"): "无/低费方案，通过筛选，确认实施",
                  ("推荐实施", "中/高费"): "中/高费方案，经济评估判据全部满足，确认实施",
                  ("可行", "中/高费"): "中/高费方案，净现值不小于0但部分经济判据未满足，审核小组确认实施",
                  ("不可行", "无/低费"): "未通过筛选，审核小组确认实施",
                  ("不可行", "中/高费"): "未通过筛选或经济上不可行，审核小组确认实施"}


def decision_label(decision: str, cost_class: str) -> str:
    return DECISION_LABEL.get((decision, cost_class)) or (
        "尚待评分或经济评估，审核小组确认实施" if decision in ("", "待评估") else "审核小组确认实施")


def s243_decisions(d: Data) -> dict[str, Any]:
    pr = {text(r.get("proposal_id")): r for r in d.rows("proposals") if text(r.get("proposal_id"))}
    states = d.facts.get("proposal_states") or proposal_states(d)
    sd = {text(r.get("proposal_id")): r for r in d.rows("screening_decision") if text(r.get("proposal_id"))}
    paras: list[str] = []
    groups: dict[str, list[str]] = defaultdict(list)
    for pid, r in pr.items():
        st = states.get(pid)
        if st == CONFIRMED:
            key = "达标整改方案，确认实施" if text(r.get("priority")) == "达标整改" else decision_label(
                text(sd.get(pid, {}).get("decision")) or text(r.get("decision")), text(r.get("cost_class")))
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
        params = screening_parameters(d, settings)
        if params:
            s += ("筛选和经济评估采用的参数为：" + "；".join(
                f"{name}{d.lab(value)}" + ("（缺省值，审核小组未填写、未逐项确认）" if default else "")
                for name, value, default in params) + "。")
        if text(settings.get("confirmed_by")):
            s += (f"参数表由审核小组（{d.lab(text(settings.get('confirmed_by')))}）于"
                  f"{cn_date(settings.get('confirmed_on'))}确认"
                  + ("，其中标“缺省值”的各项是审核小组未填写而采用的缺省值" if any(p[2] for p in params) else "")
                  + "。")
        paras.append(s)
        if summary:
            paras.append("评定结果为：" + "；".join(
                f"{s['decision']}{d.n('dec_' + s['decision'], int(s['count']), 'int', table='s243.summary', col='方案数（项）', agg='value', where=('评定结果', s['decision']))}项"
                for s in summary) + f"，见{d.ref('s243.summary')}。")
    econ_all = [r for r in d.rows("economics") if text(r.get("proposal_id"))]
    econ = [r for r in econ_all if states.get(text(r.get("proposal_id"))) == CONFIRMED]
    rows = [_econ_row(r) for r in econ]
    body = rows if len(rows) <= BODY_ROWS else sorted(rows, key=lambda r: -r["_inv"])[:BODY_ROWS]
    shown = [r for r in econ_all if states.get(text(r.get("proposal_id"))) in (CONFIRMED, REJECTED) or d.draft]
    rejected = [r for r in shown if states.get(text(r.get("proposal_id"))) == REJECTED]
    d.facts["economics_annex"] = [_econ_row(r, states) for r in shown] if len(rows) > len(body) or rejected else []
    d.facts["economics_annex_title"] = (f"中/高费方案经济评估（全部{len(shown)}项"
                                        + (f"，含否决{len(rejected)}项" if rejected else "") + "）")
    title = "确认实施的中/高费方案经济评估" + (f"（投资额最大的{len(body)}项）" if len(body) < len(rows) else "")
    if econ:
        ok = [r for r in econ if text(r.get("accepted")) == "是"]
        pb = [number(r.get("payback_years")) for r in ok if number(r.get("payback_years")) is not None]
        s = (f"确认实施的中/高费方案{d.n('econ', len(econ), 'int')}项均按同一参数作了经济评估，其中投资偿还期、净现值和内部收益率"
             f"全部达标的{d.n('econ_ok', len(ok), 'int')}项")
        if pb:
            s += f"，其投资偿还期为{d.n('pb_min', min(pb), dp=1)}～{d.n('pb_max', max(pb), dp=1)}年"
        if len(body) < len(rows):
            s += (f"（{d.ref('s243.economics')}列出投资额最大的{d.n('econ_body', len(body), 'int')}项，"
                  f"全部见{d.ref('annex.economics')}）")
        else:
            s += f"（见{d.ref('s243.economics')}" + (f"，否决方案的评估见{d.ref('annex.economics')}" if rejected else "") + "）"
        paras.append(s + "。" + _failed_reasons(d, econ, sd, pr))
    tr = d.rows("tracking")
    status = Counter(text(r.get("status")) or "未填写" for r in tr)
    track = [{"status": k, "count": str(v), "share": pct(v, len(tr))} for k, v in status.most_common()]
    if tr:
        paras += _tracking_paragraphs(d, tr, status, pr)
    elif any(k.endswith("确认实施") for k in groups):
        paras.append("方案实施跟踪尚未开始，审核主体应结合方案实施节点建立监督跟踪机制，督促企业按计划落实并总结成效。")
    d.count("2.4.3", len(pr))
    return {"paragraphs": paras, "summary": summary, "economics": [{k: v for k, v in r.items() if not k.startswith("_")}
                                                                   for r in body], "economics_title": title,
            "tracking": track}


def screening_parameters(d: Data, settings: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(参数, 取值, 缺省值?) of the screening and the economic evaluation, resolved as cpxl plan resolves them."""
    try:
        ps = resolve_settings(settings, None, d.year or dt.date.today().year, d.today)
    except PlanError:
        return []
    return ps.screening_parameters()


def _econ_row(r: dict[str, Any], states: dict[str, str] | None = None) -> dict[str, Any]:
    pid = text(r.get("proposal_id"))
    mark = "（否决）" if states is not None and states.get(pid) == REJECTED else ""
    return {"id": pid + mark, "title": text(r.get("title")), "investment": fnum(r.get("investment")),
            "cash_flow": fnum(r.get("cash_flow")), "payback": fnum(r.get("payback_years"), 1),
            "npv": fnum(r.get("npv"), 1), "npvr": fnum(r.get("npvr"), 1), "irr": fnum(r.get("irr"), 1),
            "accepted": text(r.get("accepted")), "_inv": number(r.get("investment")) or 0}


_CRITERIA = ("投资偿还期", "净现值", "内部收益率")


def _failed_reasons(d: Data, econ: Rows, sd: dict[str, dict[str, Any]], pr: dict[str, dict[str, Any]]) -> str:
    """Why the confirmed proposals that miss an economic criterion are implemented: the reasons recorded in
    方案筛选结论 (grouped, with counts) and the criteria they miss — never a reason nobody recorded."""
    failed = [r for r in econ if text(r.get("accepted")) != "是"]
    if not failed:
        return ""
    reasons: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for r in failed:
        pid = text(r.get("proposal_id"))
        why = text(sd.get(pid, {}).get("reason"))
        if "经济判据未满足" in why:
            head = re.split(r"[，；,;]?\s*经济判据未满足", why)[0].strip("，；,; ")
        else:  # no recorded reason to implement it: what the team wrote, if anything
            head = text(pr.get(pid, {}).get("review_note"))
        reasons[head or "未记录理由"] += 1
        for msg in re.split(r"[；;]", text(r.get("checks"))):
            c = next((c for c in _CRITERIA if msg.strip().startswith(c)), None)
            if c and ("≥定额偿还期" in msg or " < " in msg or "无解" in msg):
                missed[c] += 1
    s = f"经济判据未全部满足而确认实施的{d.n('econ_failed', len(failed), 'int')}项，方案筛选结论记录的理由为："
    s += "；".join(f"“{d.lab(k)}”{d.n('why_' + k, v, 'int')}项" for k, v in reasons.most_common())
    if missed:
        s += "；未满足的判据为" + "、".join(f"{c}{d.n('miss_' + c, v, 'int')}项" for c, v in missed.most_common())
    return s + "。"


def _tracking_paragraphs(d: Data, tr: Rows, status: Counter[str], pr: dict[str, dict[str, Any]]) -> list[str]:
    n_prop = len({text(r.get("proposal_id")) for r in tr})
    s = (f"为确保审核工作形成闭环，审核主体建立了监督跟踪机制，跟踪确认实施的{d.n('tracked', n_prop, 'int')}项方案，"
         f"按实施企业分解为{d.n('tasks', len(tr), 'int', table='s243.tracking', col='任务数（项）', agg='sum')}项实施任务："
         + "、".join(f"{k}{d.n('st_' + k, v, 'int', table='s243.tracking', col='任务数（项）', agg='value', where=('实施状态', k))}项"
                     for k, v in status.most_common()))
    prog = [_progress(r) for r in tr]
    known = [x for x in prog if x is not None]
    if known:
        s += (f"；按{'全部' if len(known) == len(tr) else '填报或可推定进度的'}{d.n('prog_n', len(known), 'int')}项任务计"
              f"（未开始的按0%、已完成的按100%计），平均进度{d.n('progress', sum(known) / len(known), dp=1)}%")
    overdue = [r for r in tr if text(r.get("overdue")) in ("开工逾期", "完成逾期")]
    if overdue:
        s += f"；逾期{d.n('overdue', len(overdue), 'int')}项，已发出督办通知"
        by_default = sum(text(r.get("dates_basis")).startswith("缺省") for r in overdue)
        d.facts["overdue"] = len(overdue)
        d.facts["overdue_default"] = by_default
    else:
        by_default = 0
    s += f"（见{d.ref('s243.tracking')}）。"
    if by_default:
        s += (f"其中{d.n('overdue_default', by_default, 'int')}项逾期任务的计划日期为缺省日期（审核小组未确定"
              "方案实施起始日期，计划开始日期按工作计划推定），逾期据此判定，仅供参考。")
    paras = [s]
    d.facts["tracking"] = {"proposals": n_prop, "tasks": len(tr), "status": dict(status)}
    fixes = [r for r in tr if text(pr.get(text(r.get("proposal_id")), {}).get("priority")) == "达标整改"]
    if fixes:
        st = Counter(text(r.get("status")) or "未填写" for r in fixes)
        s = (f"达标整改方案（限期整改）单独跟踪：共{d.n('fix_tasks', len(fixes), 'int')}项任务，"
             + "、".join(f"{k}{d.n('fix_' + k, v, 'int')}项" for k, v in st.most_common()))
        ends = sorted({text(r.get("planned_end"))[:10] for r in fixes if text(r.get("planned_end"))})
        if ends:
            s += "，计划完成日期为" + "、".join(cn_date(e) for e in ends)
            if any(text(r.get("dates_basis")).startswith("缺省") for r in fixes):
                s += "（缺省日期：按方案参数中的达标整改期限自缺省起始日期推算）"
        late = [r for r in fixes if text(r.get("status")) in ("未开始", "已延期")]
        if late:
            s += "；尚未开始或已延期的：" + "、".join(
                f"{d.lab(text(r.get('proposal_id')))}（{d.lab(d.name_of(r))}，{d.lab(text(r.get('title')))}，"
                f"{text(r.get('status'))}）" for r in late[:NAMED]) + _more(d, "fix_late_more", len(late))
        done = [r for r in fixes if text(r.get("status")) == "已完成"]
        if done:
            s += "；已完成的：" + "、".join(
                f"{d.lab(text(r.get('proposal_id')))}（{d.lab(d.name_of(r))}，实际成效："
                f"{d.lab(text(r.get('actual_effect'))) or '未报送'}）" for r in done[:NAMED]) + _more(d, "fix_done_more", len(done))
        paras.append(s + "。已完成的达标整改须经监测核实达标后方可销号。")
    return paras


def _progress(r: dict[str, Any]) -> float | None:
    """A task's progress in %: as entered, else 0 for 未开始 and 100 for 已完成; None when it cannot be told."""
    x = number(r.get("progress"))
    if x is not None:
        return x
    return {"未开始": 0.0, "已完成": 100.0}.get(text(r.get("status")))
