"""Cleaner-production proposals (5.3.2): diagnosed gaps → suggested proposals → the team's review.

* A **gap** is (enterprise, indicator, current value, target) — an enterprise target of 审核目标. Every
  proposal is tied to one or more gaps and its expected effect is computed from them
  (:mod:`cpxl.plan.effects`), never copied from the catalogue.
* 行业层面 proposals (H-01 …) address the key common problems: one per catalogue measure, covering every
  enterprise with accepted data that misses Ⅱ级 on the problem's indicator. 企业层面 proposals (E-001 …)
  address an enterprise's own gaps that no industry proposal covers: the catalogue measures that cover
  most of its gaps are chosen first, so an enterprise gets a handful, not one per indicator.
* Enterprises without accepted data get none (:mod:`cpxl.plan.requests` asks them for their data).
* The catalogue (the industry pack's ``proposals.json``) only suggests titles and categories. Investment, savings and screening scores are entered
  by the audit team; states follow :mod:`cpxl.plan.review`.
* Merge by ``proposal_id``: rows the team entered are never changed; generated rows keep their id across
  runs and keep every field the team filled in (investment, savings, basis, state, who, when, notes).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.domain import packs
from cpxl.domain.indicators import Indicator

from . import economics as econ
from .effects import Effect, add_up, effects_text, fmt
from .review import CONFIRMED, REJECTED, SCORED, SUGGESTED, effective_state, score_counts
from .targets import GENERATED

INDUSTRY = "行业层面"
ENTERPRISE = "企业层面"
RECOMMEND, FEASIBLE, INFEASIBLE, PENDING = "推荐实施", "可行", "不可行", "待评估"
PRIORITY, NORMAL = "达标整改", "一般"
ILLUSTRATIVE = "目录示意值（待报价替换）"
COST_FIELDS = ("investment", "annual_savings", "basis", "cost_class", "remarks")
#: Fields the team fills in a generated row; a new run keeps them.
TEAM_FIELDS = ("title", "category", "investment", "annual_savings", "basis", "cost_class", "state", "reviewed_by",
               "reviewed_on", "review_note", "remarks")


# --------------------------------------------------------------------------- gaps


# a gap's reason as a sentence reads it (the sheets keep the short code of 审核目标“设置原因”)
REASON_TEXT = {"制约升级": "制约企业等级提升"}


@dataclass(frozen=True)
class Gap:
    """A diagnosed gap: an enterprise's indicator, its current value and its target."""

    uscc: str
    indicator_id: str
    indicator: str
    unit: str
    baseline: float
    target: float
    reason: str  # 超标排放 | 限定性指标 | 制约升级 | 行业共性问题
    effect: Effect

    @property
    def breach(self) -> bool:
        return self.reason == "超标排放"

    def text(self, name: str = "") -> str:
        who = f"{name}：" if name else ""
        return f"{who}{self.effect.change}（{REASON_TEXT.get(self.reason, self.reason)}）"


@dataclass(frozen=True)
class CommonProblem:
    """A key common problem: an indicator and the enterprises (with accepted data) that miss Ⅱ级 on it."""

    indicator_id: str
    indicator: str
    gaps: tuple[Gap, ...]
    n_assessed: int

    @property
    def affected(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.uscc for g in self.gaps))

    def to_dict(self) -> dict[str, Any]:
        return {"indicator_id": self.indicator_id, "indicator": self.indicator, "affected": list(self.affected),
                "n_assessed": self.n_assessed}


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    category: str
    indicators: tuple[str, ...]
    problem: str = ""
    effect: str = ""  # what the catalogue says about the effect (with its source), for the team
    source: str = ""
    investment: tuple[float, float] | None = None  # an illustrative range, if the catalogue gives one


@dataclass(frozen=True)
class Catalogue:
    path: Path
    meta: Mapping[str, Any]
    measures: tuple[Measure, ...]

    def for_indicator(self, iid: str) -> list[Measure]:
        return [m for m in self.measures if iid in m.indicators]

    def measure(self, mid: str) -> Measure | None:
        return next((m for m in self.measures if m.id == mid), None)


def load_catalogue(path: Path) -> Catalogue:
    """A catalogue file: ``{"_meta": …, "measures": [{id, title, category, indicators, problem, …}]}``."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    measures = []
    for m in doc["measures"]:
        inv = m.get("investment")
        rng = (float(inv[0]), float(inv[1])) if isinstance(inv, list) and len(inv) == 2 else None
        measures.append(Measure(m["id"], m["title"], m["category"], tuple(m.get("indicators", ())), m.get("problem", ""),
                                m.get("effect") or m.get("env_benefit") or "", m.get("effect_source") or "", rng))
    return Catalogue(Path(path), doc.get("_meta", {}), tuple(measures))


def find_catalogue() -> Catalogue | None:
    """The proposal catalogue of the audit's industry pack (the pack the master records); None without one."""
    path = packs.active().proposals_path
    return load_catalogue(path) if path is not None and path.is_file() else None


def _cover(gaps: Sequence[Gap], catalogue: Catalogue) -> tuple[list[tuple[Measure, list[Gap]]], list[Gap]]:
    """Greedy cover: the measure that addresses most of the (still uncovered) gaps first; gaps no measure
    addresses are returned apart. Ties: the catalogue's order."""
    left = list(gaps)
    chosen: list[tuple[Measure, list[Gap]]] = []
    while left:
        best: tuple[int, int, Measure] | None = None
        for k, m in enumerate(catalogue.measures):
            n = sum(g.indicator_id in m.indicators for g in left)
            if n and (best is None or (n, -k) > (best[0], -best[1])):
                best = (n, k, m)
        if best is None:
            break
        m = best[2]
        chosen.append((m, [g for g in left if g.indicator_id in m.indicators]))
        left = [g for g in left if g.indicator_id not in m.indicators]
    return chosen, left


# --------------------------------------------------------------------------- generation and merge


@dataclass
class Generated:
    rows: list[dict[str, Any]]
    affected: dict[str, tuple[str, ...]]  # proposal id → enterprises that implement it
    effects: dict[str, list[Effect]]  # proposal id → the effects of its gaps
    generated_ids: list[str]
    kept_ids: list[str]
    dropped_ids: list[str]
    unmatched: list[Gap] = field(default_factory=list)


_ID = re.compile(r"^([HE])-(\d+)$")


def _next_ids(existing_ids: Iterable[str]) -> dict[str, int]:
    top = {"H": 0, "E": 0}
    for pid in existing_ids:
        m = _ID.match(str(pid))
        if m:
            top[m.group(1)] = max(top[m.group(1)], int(m.group(2)))
    return top


def _id_key(pid: Any) -> tuple[str, int, str]:
    m = _ID.match(str(pid))
    return (m.group(1), int(m.group(2)), "") if m else ("~", 0, str(pid))


def _effect_fields(gaps: Sequence[Gap]) -> dict[str, Any]:
    totals = add_up(g.effect for g in gaps)
    if not totals:
        return {"effect_item": None, "effect_amount": None, "effect_unit": None, "effect_method": None,
                "effects": None}
    verb, item, unit, x = totals[0]
    methods = list(dict.fromkeys(a.method for g in gaps for a in g.effect.amounts if a.item == item))
    return {"effect_item": f"{verb}{item}", "effect_amount": round(x, 4), "effect_unit": f"{unit}/a",
            "effect_method": "；".join(methods)[:290] + ("（各企业合计）" if len({g.uscc for g in gaps}) > 1 else ""),
            "effects": effects_text(totals)}


def _benefit_text(gaps: Sequence[Gap]) -> str:
    totals = add_up(g.effect for g in gaps)
    if totals:
        text = "预计" + "、".join(f"年{v}{i} {fmt(x)} {u}" for v, i, u, x in totals)
    else:
        text = "；".join(dict.fromkeys(g.effect.change for g in gaps))
    if len({g.uscc for g in gaps}) > 1:
        text += f"（{len({g.uscc for g in gaps})} 家企业合计）"
    return text


def generate_proposals(
    common: Sequence[CommonProblem],
    gaps: Mapping[str, Sequence[Gap]],
    catalogue: Catalogue | None,
    existing: Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    indicators: Mapping[str, Indicator],
) -> Generated:
    """The proposals register (方案汇总) after merging with the rows already in the master.

    ``gaps``: uscc → that enterprise's gaps (its targets), only for enterprises with accepted data.
    """
    kept = [dict(r) for r in existing if r.get("proposal_id") and r.get("origin") != GENERATED]
    old_gen = {(r.get("level"), r.get("uscc") or "", r.get("catalogue_id")): dict(r)
               for r in existing if r.get("proposal_id") and r.get("origin") == GENERATED}
    top = _next_ids(str(r["proposal_id"]) for r in existing if r.get("proposal_id"))
    wanted: list[tuple[str, str, Measure, list[Gap]]] = []
    unmatched: list[Gap] = []
    covered: set[tuple[str, str]] = set()
    if catalogue is not None:
        common_gaps = [g for p in common for g in p.gaps]
        chosen, left = _cover(_dedupe_by_indicator(common_gaps), catalogue)
        for m, gs in chosen:
            ids = {g.indicator_id for g in gs}
            all_gs = [g for g in common_gaps if g.indicator_id in ids]
            wanted.append((INDUSTRY, "", m, all_gs))
            covered |= {(g.uscc, g.indicator_id) for g in all_gs}
        unmatched += [g for g in common_gaps if g.indicator_id in {x.indicator_id for x in left}]
        for uscc in sorted(gaps, key=lambda u: (names.get(u, ""), u)):
            own = [g for g in gaps[uscc] if (uscc, g.indicator_id) not in covered]
            chosen_e, left_e = _cover(own, catalogue)
            wanted += [(ENTERPRISE, uscc, m, gs) for m, gs in chosen_e]
            unmatched += left_e
    else:
        unmatched = [g for gs in gaps.values() for g in gs]

    rows: list[dict[str, Any]] = []
    affected: dict[str, tuple[str, ...]] = {}
    effects: dict[str, list[Effect]] = {}
    for r in kept:
        affected[str(r["proposal_id"])] = (r["uscc"],) if r.get("uscc") else ()
    taken = {(r.get("level"), r.get("uscc") or "", r.get("catalogue_id")): str(r["proposal_id"])
             for r in kept if r.get("catalogue_id")}
    gen_ids: list[str] = []
    seen_keys = set()
    for level, uscc, m, gs in wanted:
        key = (level, uscc, m.id)
        seen_keys.add(key)
        who = tuple(dict.fromkeys(g.uscc for g in gs))
        if key in taken:  # the team took this proposal over: leave it alone
            affected[taken[key]] = who or affected[taken[key]]
            effects[taken[key]] = [g.effect for g in gs]
            continue
        old = old_gen.get(key)
        if old is not None:
            pid = str(old["proposal_id"])
        else:
            prefix = "H" if level == INDUSTRY else "E"
            top[prefix] += 1
            pid = f"{prefix}-{top[prefix]:02d}" if prefix == "H" else f"{prefix}-{top[prefix]:03d}"
        first = gs[0]
        ind = indicators.get(first.indicator_id)
        baseline = first.baseline if level == ENTERPRISE else _median([g.baseline for g in gs
                                                                      if g.indicator_id == first.indicator_id])
        problem = ("；".join(g.text() for g in gs) if level == ENTERPRISE else
                   "；".join(f"行业关键共性问题「{p}」：{n} 家企业未达到Ⅱ级" for p, n in _count_by_indicator(gs)))
        row: dict[str, Any] = {
            "proposal_id": pid, "level": level, "uscc": uscc, "enterprise": names.get(uscc, "") if uscc else "",
            "title": m.title, "category": m.category, "problem": problem[:300],
            "indicator_ids": ",".join(dict.fromkeys(g.indicator_id for g in gs)),
            "baseline": round(baseline, 6), "target": round(first.target, 6) if level == ENTERPRISE else None,
            "target_unit": (ind.unit if ind is not None else first.unit) or None, "n_enterprises": len(who),
            "env_benefit": _benefit_text(gs)[:300], **_effect_fields(gs),
            "origin": GENERATED, "catalogue_id": m.id, "state": SUGGESTED,
            "priority": PRIORITY if any(g.breach for g in gs) else NORMAL,
            "investment_range": f"{m.investment[0]:g}～{m.investment[1]:g}（目录示意）" if m.investment else None,
        }
        if level == ENTERPRISE and len(gs) > 1:
            row["remarks"] = f"同时针对 {len(gs)} 项差距"
        if old is not None:
            illustrative = old.get("basis") == ILLUSTRATIVE  # an older cpxl copied catalogue figures: not the team's
            for f in TEAM_FIELDS:
                if old.get(f) not in (None, "") and not (illustrative and f in COST_FIELDS):
                    row[f] = old[f]
        rows.append(row)
        affected[pid] = who
        effects[pid] = [g.effect for g in gs]
        gen_ids.append(pid)
    dropped: list[str] = []
    for k, r in old_gen.items():  # a gap that is no longer there: keep what the team has reviewed
        if k in seen_keys:
            continue
        if str(r.get("state") or SUGGESTED) != SUGGESTED:
            r["remarks"] = "对应的诊断差距本次未再出现（已保留审核小组的评定）"
            rows.append(r)
            affected[str(r["proposal_id"])] = (r["uscc"],) if r.get("uscc") else ()
        else:
            dropped.append(str(r["proposal_id"]))
    order = {INDUSTRY: 0, ENTERPRISE: 1}
    all_rows = sorted([*rows, *kept], key=lambda r: (r.get("priority") != PRIORITY, order.get(r.get("level"), 2),
                                                     _id_key(r["proposal_id"])))
    return Generated(all_rows, affected, effects, gen_ids, [str(r["proposal_id"]) for r in kept], dropped, unmatched)


def _dedupe_by_indicator(gaps: Sequence[Gap]) -> list[Gap]:
    return list({g.indicator_id: g for g in gaps}.values())


def _count_by_indicator(gaps: Sequence[Gap]) -> list[tuple[str, int]]:
    out: dict[str, set[str]] = {}
    for g in gaps:
        out.setdefault(g.indicator, set()).add(g.uscc)
    return [(k, len(v)) for k, v in out.items()]


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def cost_class(investment: Any, threshold: float) -> str | None:
    """无/低费 or 中/高费 from the investment the team entered; None while it is not known."""
    if isinstance(investment, (int, float)) and not isinstance(investment, bool) and investment >= 0:
        return econ.cost_class(investment, threshold)
    return None


# --------------------------------------------------------------------------- screening


@dataclass
class Screening:
    rows: list[dict[str, Any]]  # 方案筛选评分 (long)
    scores: dict[str, dict[str, float | None]]  # proposal id → criterion → R (team scores only)
    results: dict[str, econ.ScreenResult]  # proposals with every score
    max_total: float
    ignored: list[str] = field(default_factory=list)  # scores without scorer or date


def _num(x: float) -> float:
    return float(f"{x:.6g}")


def screen_proposals(proposals: Sequence[Mapping[str, Any]], criteria: Mapping[str, float],
                     existing: Sequence[Mapping[str, Any]]) -> Screening:
    """The team's scores per proposal and criterion (cpxl never fills a score), and the weighted-sum
    ranking of the proposals the team has scored on every criterion."""
    lo, hi = econ.economics_table()["screening"]["score_range"]
    old = {(r.get("proposal_id"), r.get("criterion")): r for r in existing}
    rows: list[dict[str, Any]] = []
    scores: dict[str, dict[str, float | None]] = {}
    ignored: list[str] = []
    for p in proposals:
        pid = str(p["proposal_id"])
        scores[pid] = {}
        for crit, w in criteria.items():
            prev = old.get((pid, crit), {})
            score = prev.get("score")
            ok = score_counts(prev) and lo <= score <= hi
            if isinstance(score, (int, float)) and not ok:
                ignored.append(f"{pid}「{crit}」")
            scores[pid][crit] = float(score) if ok else None
            rows.append({"proposal_id": pid, "title": p.get("title"), "criterion": crit, "weight": w,
                         "score": score if isinstance(score, (int, float)) else None,
                         "weighted": _num(w * score) if ok else None, "remarks": prev.get("remarks"),
                         "scored_by": prev.get("scored_by"), "scored_on": prev.get("scored_on")})
    complete = [econ.Option(pid, s) for pid, s in scores.items() if s and all(v is not None for v in s.values())]
    results = {r.name: r for r in econ.screen(complete, criteria)} if complete else {}
    return Screening(rows, scores, results, float(hi) * sum(criteria.values()), ignored)


# --------------------------------------------------------------------------- economics


@dataclass(frozen=True)
class EconomicSettings:
    lifetime: int = 10
    tax_rate: float = 0.25
    discount_rate: float = 0.06
    benchmark_irr: float | None = None
    high_cost_threshold: float = 50.0
    max_payback_years: float | None = None


@dataclass
class EconomicResult:
    evaluation: econ.Evaluation | None
    assessment: econ.Assessment | None
    payback_limit: float | None
    message: str = ""


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 6)


def evaluate_proposals(
    proposals: Sequence[Mapping[str, Any]],
    existing: Sequence[Mapping[str, Any]],
    cost_classes: Mapping[str, str | None],
    settings: EconomicSettings,
) -> tuple[list[dict[str, Any]], dict[str, EconomicResult]]:
    """经济评估 of every 中/高费 proposal whose investment the team entered; the subsidy entered is kept."""
    subsidy = {r.get("proposal_id"): r.get("subsidy") for r in existing}
    rows: list[dict[str, Any]] = []
    results: dict[str, EconomicResult] = {}
    for p in proposals:
        pid = str(p["proposal_id"])
        if cost_classes.get(pid) != econ.HIGH_COST:
            continue
        inv, sav = p.get("investment"), p.get("annual_savings")
        sub = subsidy.get(pid)
        sub = float(sub) if isinstance(sub, (int, float)) else None
        row: dict[str, Any] = {"proposal_id": pid, "title": p.get("title"), "investment": inv, "subsidy": sub,
                               "annual_savings": sav, "lifetime": settings.lifetime,
                               "tax_rate": _pct(settings.tax_rate), "discount_rate": _pct(settings.discount_rate)}
        if not isinstance(inv, (int, float)) or inv <= 0 or not isinstance(sav, (int, float)):
            msg = "缺少年经济效益，无法评估；请在“方案汇总”中填写"
            row.update(accepted="无法评估", checks=msg)
            results[pid] = EconomicResult(None, None, None, msg)
            rows.append(row)
            continue
        limit = settings.max_payback_years
        if limit is None:
            level = "中费" if inv <= settings.high_cost_threshold else "高费"
            limit = econ.AcceptanceCriteria.for_level(level).max_payback_years
        try:
            ev = econ.evaluate(inv, sav, settings.lifetime, settings.tax_rate, settings.discount_rate,
                               years=settings.lifetime, subsidy=sub or 0.0)
        except econ.EconomicsError as exc:
            row.update(accepted="无法评估", checks=str(exc), payback_limit=limit)
            results[pid] = EconomicResult(None, None, limit, str(exc))
            rows.append(row)
            continue
        crit = econ.AcceptanceCriteria(max_payback_years=limit, min_npv=0.0, min_irr=settings.benchmark_irr)
        a = econ.assess(ev, crit)
        row.update(
            depreciation=_num(ev.cash_flow.depreciation), cash_flow=_num(ev.cash_flow.annual_cash_flow),
            payback_years=None if math.isinf(ev.payback_years) else round(ev.payback_years, 2),
            payback_limit=limit, npv=round(ev.npv, 2), npvr=round(100 * ev.npvr, 2),
            irr=None if ev.irr is None else round(100 * ev.irr, 2),
            accepted="是" if a.accepted else "否", checks="；".join(c.message for c in a.checks),
        )
        results[pid] = EconomicResult(ev, a, limit)
        rows.append(row)
    return rows, results


# --------------------------------------------------------------------------- decision


def decide(
    proposals: Sequence[Mapping[str, Any]],
    screening: Screening,
    economics: Mapping[str, EconomicResult],
    cost_classes: Mapping[str, str | None],
    pass_ratio: float,
) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    """The computed 筛选结论 of every proposal (ranked by the weighted total), and warnings where the team's
    state contradicts it. A 达标整改 proposal is not optional: it is never 不可行 on its score alone."""
    pass_mark = pass_ratio * screening.max_total
    rows: list[dict[str, Any]] = []
    decisions: dict[str, str] = {}
    warnings: list[str] = []
    for p in proposals:
        pid = str(p["proposal_id"])
        res = screening.results.get(pid)
        cc = cost_classes.get(pid)
        ec = economics.get(pid)
        if res is None:
            missing = [c for c, v in screening.scores.get(pid, {}).items() if v is None]
            decision, reason = PENDING, f"待审核小组评分（缺少“{'、'.join(missing)}”的得分）"
        elif cc is None:
            decision, reason = PENDING, "待填写投资（企业报价或审核组估算）后确定费用类别"
        elif res.total < pass_mark - 1e-9 and p.get("priority") != PRIORITY:
            decision = INFEASIBLE
            reason = f"总分 {res.total:g} 低于筛选通过线 {pass_mark:g}（满分 {screening.max_total:g} 的 {pass_ratio:.0%}）"
        elif cc == econ.LOW_COST:
            decision, reason = RECOMMEND, "无/低费方案，通过筛选，边审核边实施"
        elif ec is None or ec.evaluation is None:
            decision = PENDING
            reason = "中/高费方案通过筛选，但" + (ec.message if ec else "未进行经济评估")
        elif ec.assessment is not None and ec.assessment.accepted:
            decision, reason = RECOMMEND, "中/高费方案，通过筛选，经济评估全部判据通过"
        elif ec.evaluation.npv >= 0 or p.get("priority") == PRIORITY:
            failed = "；".join(c.message for c in ec.assessment.checks if not c.passed) if ec.assessment else ""
            decision = FEASIBLE
            reason = ("达标整改方案，须实施；" if p.get("priority") == PRIORITY else "通过筛选，净现值不小于0，") + \
                f"经济判据未满足：{failed}"
        else:
            decision, reason = INFEASIBLE, f"经济上不可行：净现值 {ec.evaluation.npv:.2f} 万元 < 0"
        if p.get("priority") == PRIORITY and res is not None and res.total < pass_mark - 1e-9:
            reason += "（达标整改方案不因得分低于通过线而放弃）"
        state, _ = effective_state(p, res is not None)
        if state == CONFIRMED and decision == INFEASIBLE:
            warnings.append(f"方案 {pid} 已被审核小组确认，但计算结论为“不可行”（{reason}）：请在“审核小组意见”中说明理由。")
        if state == REJECTED and p.get("priority") == PRIORITY:
            warnings.append(f"方案 {pid} 针对超标排放，被否决后须另有整改措施：请在“审核小组意见”中写明。")
        decisions[pid] = decision
        ev = ec.evaluation if ec else None
        rows.append({
            "rank": res.rank if res else None, "proposal_id": pid, "level": p.get("level"),
            "enterprise": p.get("enterprise") or "", "title": p.get("title"), "category": p.get("category"),
            "cost_class": cc, "total": _num(res.total) if res else None,
            "score_ratio": round(100 * res.total / screening.max_total, 1) if res and screening.max_total else None,
            "payback_years": None if ev is None or math.isinf(ev.payback_years) else round(ev.payback_years, 2),
            "npv": None if ev is None else round(ev.npv, 2),
            "irr": None if ev is None or ev.irr is None else round(100 * ev.irr, 2),
            "decision": decision, "reason": reason, "state": state,
        })
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return rows, decisions, warnings


__all__ = ["CONFIRMED", "REJECTED", "SCORED", "SUGGESTED", "Catalogue", "CommonProblem", "EconomicResult",
           "EconomicSettings", "Gap", "Generated", "Measure", "Screening", "cost_class", "decide",
           "evaluate_proposals", "find_catalogue", "generate_proposals", "load_catalogue", "screen_proposals"]
