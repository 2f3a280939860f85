"""Cleaner-production proposals (5.3.2): problems → candidate proposals → screening → economics → decision.

* Problems: 行业关键共性问题 (indicators that a large share of enterprises do not reach at Ⅱ级) get
  industry-level proposals (H-01 …); each enterprise's 突出个性问题 (its diagnosis blockers that are not
  common problems) get enterprise-level proposals (E-001 …).
* Candidates come from a catalogue of typical measures (``cpxl/data/proposals/<industry>.json``); its
  investment, savings and scores are ILLUSTRATIVE values to be replaced by enterprise quotations.
* Merge by ``proposal_id``: rows the regulator entered (来源 not “cpxl生成”) are never changed; generated
  rows keep their id across runs (matched by level, enterprise and catalogue measure) and keep the
  investment, savings, title, category and benefit the regulator edited in them.
* Screening: 权重总和计分排序 (:func:`cpxl.plan.economics.screen`); 中/高费: :func:`cpxl.plan.economics.evaluate`
  and :func:`cpxl.plan.economics.assess`; the decision (推荐实施/可行/不可行/待评估) follows from both.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cpxl.core.paths import DATA
from cpxl.domain.indicators import Indicator

from . import economics as econ
from .targets import BELOW_III, GENERATED, Values, current, level_of

CATALOGUE_DIR = DATA / "proposals"
INDUSTRY = "行业层面"
ENTERPRISE = "企业层面"
CATALOGUE_BASIS = "目录示意值（待报价替换）"
RECOMMEND, FEASIBLE, INFEASIBLE, PENDING = "推荐实施", "可行", "不可行", "待评估"
EDITABLE = ("title", "category", "investment", "annual_savings", "env_benefit", "basis")


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """A problem a proposal must be tied to: an indicator, for the industry (共性) or one enterprise (个性)."""

    indicator_id: str
    indicator: str
    kind: str  # "共性" | "个性"
    text: str
    uscc: str = ""
    affected: tuple[str, ...] = ()
    share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stat_values(values: Values, iid: str, year: int) -> dict[str, float]:
    out = {}
    for uscc, by_ind in values.items():
        by_year = by_ind.get(iid)
        if by_year and year in by_year:
            out[uscc] = by_year[year]
    return out


def below_level2(ind: Indicator, values: Values, year: int) -> tuple[list[str], int]:
    """Enterprises whose statistical-year value does not reach Ⅱ级, and how many have a value."""
    vals = _stat_values(values, ind.id, year)
    return sorted(u for u, v in vals.items() if level_of(ind, v) > 2), len(vals)


def common_problems(
    indicators: Mapping[str, Indicator],
    values: Values,
    year: int,
    share_threshold: float,
    provided: Sequence[tuple[str, float | None]] | None = None,
) -> list[Problem]:
    """行业共性问题: from the diagnosis (``provided`` = [(indicator id, share or None)]) or, without it,
    every indicator that ``share_threshold`` (a fraction) or more of the enterprises miss at Ⅱ级."""
    out = []
    items: Iterable[tuple[str, float | None]]
    if provided is not None:
        items = provided
    else:
        items = [(iid, None) for iid in indicators]
    for iid, share in items:
        ind = indicators.get(iid)
        if ind is None:
            continue
        affected, n = below_level2(ind, values, year)
        if share is None:
            if n == 0 or ind.direction == "unknown":
                continue
            share = len(affected) / n
            if share < share_threshold - 1e-12 or not affected:
                continue
        elif share > 1:
            share = share / 100
        text = f"行业共性问题：「{ind.name}」" + (
            f"{len(affected)}/{n} 家企业（{share:.0%}）未达到Ⅱ级" if n else f"{share:.0%} 的企业未达到Ⅱ级")
        out.append(Problem(iid, ind.name, "共性", text, "", tuple(affected), share))
    return out


def indicators_in_text(text: str, indicators: Mapping[str, Indicator]) -> list[str]:
    """Indicator ids named in a diagnosis text: by 「名称」, by id, or by the bare name (longest first)."""
    if not text:
        return []
    found: dict[str, int] = {}
    for iid, ind in indicators.items():
        for needle in (f"「{ind.name}」", f"“{ind.name}”"):
            pos = text.find(needle)
            if pos >= 0:
                found.setdefault(iid, pos)
        m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(iid)}(?![A-Za-z0-9_])", text)
        if m:
            found.setdefault(iid, m.start())
    if not found:
        rest = text
        for iid, ind in sorted(indicators.items(), key=lambda kv: -len(kv[1].name)):
            pos = rest.find(ind.name)
            if ind.name and pos >= 0:
                found.setdefault(iid, pos)
                rest = rest.replace(ind.name, "\0" * len(ind.name))
    return sorted(found, key=lambda k: found[k])


def individual_problems(
    indicators: Mapping[str, Indicator],
    values: Values,
    year: int,
    diagnosis: Sequence[Mapping[str, Any]],
    common_ids: Iterable[str],
    names: Mapping[str, str],
) -> dict[str, list[Problem]]:
    """突出个性问题 per enterprise: the indicators its diagnosis names as blockers or failed limiting
    indicators (without a diagnosis row: the indicators it does not reach at Ⅱ级), minus the common ones."""
    common = set(common_ids)
    diag = {r.get("uscc"): r for r in diagnosis if r.get("uscc")}
    out: dict[str, list[Problem]] = {}
    for uscc in sorted(set(values) | set(diag)):
        row = diag.get(uscc)
        if row is not None:
            ids = indicators_in_text(str(row.get("limiting_failures") or ""), indicators)
            ids += indicators_in_text(str(row.get("blockers") or ""), indicators)
            source = "诊断结果"
        else:
            ids = []
            for iid, ind in indicators.items():
                cur = current(values.get(uscc, {}).get(iid), year)
                if cur is not None and level_of(ind, cur[0]) > 2:
                    ids.append(iid)
            source = "指标值未达到Ⅱ级"
        probs = []
        for iid in dict.fromkeys(ids):
            if iid in common:
                continue
            ind = indicators[iid]
            cur = current(values.get(uscc, {}).get(iid), year)
            now = ""
            if cur is not None:
                lv = level_of(ind, cur[0])
                shown = "" if ind.qualitative else f"现状 {cur[0]:g}{ind.unit}，"
                now = f"（{shown}{'未达到Ⅲ级' if lv == BELOW_III else '达到' + 'ⅠⅡⅢ'[lv - 1] + '级'}）"
            probs.append(Problem(iid, ind.name, "个性", f"企业个性问题：「{ind.name}」{now}，来源：{source}", uscc,
                                 (uscc,)))
        if probs:
            out[uscc] = probs
    return out


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    category: str
    indicators: tuple[str, ...]
    problem: str
    investment: tuple[float, float]
    annual_savings: tuple[float, float]
    env_benefit: str
    scores: Mapping[str, float]

    @property
    def typical_investment(self) -> float:
        return (self.investment[0] + self.investment[1]) / 2

    @property
    def typical_savings(self) -> float:
        return (self.annual_savings[0] + self.annual_savings[1]) / 2


@dataclass(frozen=True)
class Catalogue:
    path: Path
    meta: Mapping[str, Any]
    measures: tuple[Measure, ...]
    potential: Mapping[str, Mapping[str, Any]]

    def for_indicator(self, iid: str) -> list[Measure]:
        return [m for m in self.measures if iid in m.indicators]

    def measure(self, mid: str) -> Measure | None:
        return next((m for m in self.measures if m.id == mid), None)


def load_catalogue(path: Path) -> Catalogue:
    """A catalogue file (``cpxl/data/proposals/*.json``)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    measures = tuple(
        Measure(m["id"], m["title"], m["category"], tuple(m["indicators"]), m.get("problem", ""),
                (float(m["investment"][0]), float(m["investment"][1])),
                (float(m["annual_savings"][0]), float(m["annual_savings"][1])),
                m.get("env_benefit", ""), dict(m.get("scores", {})))
        for m in doc["measures"]
    )
    potential = {k: v for k, v in doc.get("potential", {}).items() if not k.startswith("_")}
    return Catalogue(Path(path), doc.get("_meta", {}), measures, potential)


def find_catalogue(indicator_ids: Iterable[str], industry: str = "") -> Catalogue | None:
    """The shipped catalogue that addresses most of the audit's indicators (ties: industry name match)."""
    ids = set(indicator_ids)
    best: tuple[int, int, Catalogue] | None = None
    for p in sorted(CATALOGUE_DIR.glob("*.json")):
        cat = load_catalogue(p)
        overlap = len(ids & {i for m in cat.measures for i in m.indicators})
        named = int(bool(industry) and str(cat.meta.get("industry", "")) in industry)
        if overlap and (best is None or (overlap, named) > best[:2]):
            best = (overlap, named, cat)
    return best[2] if best else None


# --------------------------------------------------------------------------- generation and merge


@dataclass
class Generated:
    """The register and what the later steps need to know about each proposal."""

    rows: list[dict[str, Any]]
    affected: dict[str, tuple[str, ...]]  # proposal id → enterprises that implement it
    generated_ids: list[str]
    kept_ids: list[str]  # regulator rows
    dropped_ids: list[str]
    unmatched: list[Problem] = field(default_factory=list)


_ID = re.compile(r"^([HE])-(\d+)$")


def _next_ids(existing_ids: Iterable[str]) -> dict[str, int]:
    top = {"H": 0, "E": 0}
    for pid in existing_ids:
        m = _ID.match(str(pid))
        if m:
            top[m.group(1)] = max(top[m.group(1)], int(m.group(2)))
    return top


def _num(x: float) -> float:
    return float(f"{x:.6g}")


def generate_proposals(
    common: Sequence[Problem],
    individual: Mapping[str, Sequence[Problem]],
    catalogue: Catalogue | None,
    existing: Sequence[Mapping[str, Any]],
    threshold: float,
    names: Mapping[str, str],
) -> Generated:
    """The proposals register (方案汇总) after merging with the rows already in the master."""
    kept = [dict(r) for r in existing if r.get("proposal_id") and r.get("origin") != GENERATED]
    old_gen = {(r.get("level"), r.get("uscc") or "", r.get("catalogue_id")): dict(r)
               for r in existing if r.get("proposal_id") and r.get("origin") == GENERATED}
    used_ids = {str(r["proposal_id"]) for r in existing if r.get("proposal_id")}
    top = _next_ids(used_ids)
    wanted: list[tuple[str, str, Measure, list[Problem]]] = []  # level, uscc, measure, problems
    unmatched: list[Problem] = []
    also: dict[str, list[Problem]] = {}  # measure → individual problems its industry proposal also covers
    if catalogue is not None:
        by_measure: dict[str, list[Problem]] = {}
        for p in common:
            ms = catalogue.for_indicator(p.indicator_id)
            if not ms:
                unmatched.append(p)
            for m in ms:
                by_measure.setdefault(m.id, []).append(p)
        for m in catalogue.measures:
            if m.id in by_measure:
                wanted.append((INDUSTRY, "", m, by_measure[m.id]))
        industry_who = {mid: {u for p in probs for u in p.affected} for mid, probs in by_measure.items()}
        for uscc in sorted(individual, key=lambda u: (names.get(u, ""), u)):
            per: dict[str, list[Problem]] = {}
            for p in individual[uscc]:
                ms = catalogue.for_indicator(p.indicator_id)
                if not ms:
                    unmatched.append(p)
                for m in ms:
                    if uscc in industry_who.get(m.id, ()):  # the enterprise implements the industry proposal
                        also.setdefault(m.id, []).append(p)
                    else:
                        per.setdefault(m.id, []).append(p)
            for m in catalogue.measures:
                if m.id in per:
                    wanted.append((ENTERPRISE, uscc, m, per[m.id]))
    else:
        unmatched = [*common, *(p for ps in individual.values() for p in ps)]

    rows: list[dict[str, Any]] = []
    affected: dict[str, tuple[str, ...]] = {}
    for r in kept:
        affected[str(r["proposal_id"])] = (r["uscc"],) if r.get("uscc") else ()
    taken = {(r.get("level"), r.get("uscc") or "", r.get("catalogue_id")): str(r["proposal_id"])
             for r in kept if r.get("catalogue_id")}
    gen_ids: list[str] = []
    seen_keys = set()
    for level, uscc, m, probs in wanted:
        key = (level, uscc, m.id)
        seen_keys.add(key)
        who = tuple(dict.fromkeys(u for p in probs for u in p.affected))
        if key in taken:  # the regulator took this generated proposal over: leave it alone
            affected[taken[key]] = who or affected[taken[key]]
            continue
        old = old_gen.get(key)
        if old is not None and old.get("proposal_id") not in {r["proposal_id"] for r in kept}:
            pid = str(old["proposal_id"])
        else:
            prefix = "H" if level == INDUSTRY else "E"
            top[prefix] += 1
            pid = f"{prefix}-{top[prefix]:02d}" if prefix == "H" else f"{prefix}-{top[prefix]:03d}"
            old = None
        row: dict[str, Any] = {
            "proposal_id": pid, "level": level, "uscc": uscc, "enterprise": names.get(uscc, "") if uscc else "",
            "title": m.title, "category": m.category,
            "problem": "；".join(p.text for p in probs),
            "indicator_ids": ",".join(dict.fromkeys(p.indicator_id for p in probs)),
            "investment": _num(m.typical_investment), "annual_savings": _num(m.typical_savings),
            "env_benefit": m.env_benefit, "origin": GENERATED, "catalogue_id": m.id, "basis": CATALOGUE_BASIS,
            "investment_range": f"{m.investment[0]:g}～{m.investment[1]:g}",
        }
        if old is not None:
            for f in EDITABLE:
                if old.get(f) not in (None, ""):
                    row[f] = old[f]
        row["cost_class"] = _cost_class(row.get("investment"), threshold)
        remark = [f"典型措施针对：{m.problem}"] if m.problem else []
        if level == INDUSTRY:
            remark.append(f"涉及企业 {len(who)} 家；投资与效益为单个企业的示意值")
            if also.get(m.id):
                remark.append("亦覆盖企业个性问题：" + "、".join(
                    f"{names.get(p.uscc, p.uscc)}「{p.indicator}」" for p in also[m.id]))
        row["remarks"] = "；".join(remark)
        rows.append(row)
        affected[pid] = who
        gen_ids.append(pid)
    dropped = [str(r["proposal_id"]) for k, r in old_gen.items() if k not in seen_keys]
    order = {INDUSTRY: 0, ENTERPRISE: 1}
    all_rows = sorted([*rows, *kept], key=lambda r: (order.get(r.get("level"), 2), _id_key(r["proposal_id"])))
    return Generated(all_rows, affected, gen_ids, [str(r["proposal_id"]) for r in kept], dropped, unmatched)


def _id_key(pid: Any) -> tuple[str, int, str]:
    m = _ID.match(str(pid))
    return (m.group(1), int(m.group(2)), "") if m else ("~", 0, str(pid))


def _cost_class(investment: Any, threshold: float) -> str:
    if isinstance(investment, (int, float)) and not isinstance(investment, bool) and investment >= 0:
        return econ.cost_class(investment, threshold)
    return econ.HIGH_COST


# --------------------------------------------------------------------------- screening


@dataclass
class Screening:
    rows: list[dict[str, Any]]  # 方案筛选评分 (long)
    scores: dict[str, dict[str, float | None]]  # proposal id → criterion → R
    results: dict[str, econ.ScreenResult]  # proposals with every score
    max_total: float


def screen_proposals(
    proposals: Sequence[Mapping[str, Any]],
    criteria: Mapping[str, float],
    existing: Sequence[Mapping[str, Any]],
    catalogue: Catalogue | None,
) -> Screening:
    """Scores per proposal and criterion (kept from the sheet, else the catalogue's illustrative score),
    and the weighted-sum ranking of the proposals that have every score."""
    lo, hi = econ.economics_table()["screening"]["score_range"]
    old = {(r.get("proposal_id"), r.get("criterion")): r for r in existing}
    rows: list[dict[str, Any]] = []
    scores: dict[str, dict[str, float | None]] = {}
    for p in proposals:
        pid = str(p["proposal_id"])
        m = catalogue.measure(p.get("catalogue_id")) if (catalogue and p.get("origin") == GENERATED) else None
        scores[pid] = {}
        for crit, w in criteria.items():
            prev = old.get((pid, crit), {})
            score = prev.get("score")
            remark = prev.get("remarks") or ""
            if not isinstance(score, (int, float)) or not lo <= score <= hi:
                score = None
                if m is not None and crit in m.scores:
                    score = float(m.scores[crit])
                    remark = remark or "目录示意分，待审核小组评定"
            scores[pid][crit] = score
            rows.append({"proposal_id": pid, "title": p.get("title"), "criterion": crit, "weight": w, "score": score,
                         "weighted": None if score is None else _num(w * score), "remarks": remark})
    complete = [econ.Option(pid, s) for pid, s in scores.items() if all(v is not None for v in s.values())]
    results = {r.name: r for r in econ.screen(complete, criteria)} if complete else {}
    return Screening(rows, scores, results, float(hi) * sum(criteria.values()))


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


def evaluate_proposals(
    proposals: Sequence[Mapping[str, Any]],
    existing: Sequence[Mapping[str, Any]],
    cost_classes: Mapping[str, str],
    settings: EconomicSettings,
) -> tuple[list[dict[str, Any]], dict[str, EconomicResult]]:
    """经济评估 of every 中/高费 proposal; the subsidy the regulator entered is kept."""
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
            msg = "缺少投资或年经济效益，无法评估；请在“方案汇总”中填写"
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


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 6)


# --------------------------------------------------------------------------- decision


def decide(
    proposals: Sequence[Mapping[str, Any]],
    screening: Screening,
    economics: Mapping[str, EconomicResult],
    cost_classes: Mapping[str, str],
    pass_ratio: float,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """筛选结论 for every proposal, ranked by the weighted total (unranked ones last)."""
    pass_mark = pass_ratio * screening.max_total
    rows: list[dict[str, Any]] = []
    decisions: dict[str, str] = {}
    for p in proposals:
        pid = str(p["proposal_id"])
        res = screening.results.get(pid)
        cc = cost_classes.get(pid, econ.HIGH_COST)
        ec = economics.get(pid)
        if res is None:
            missing = [c for c, v in screening.scores.get(pid, {}).items() if v is None]
            decision, reason = PENDING, f"缺少评判指标“{'、'.join(missing)}”的得分，请在“方案筛选评分”中填写"
        elif res.total < pass_mark - 1e-9:
            decision = INFEASIBLE
            reason = f"总分 {res.total:g} 低于筛选通过线 {pass_mark:g}（满分 {screening.max_total:g} 的 {pass_ratio:.0%}）"
        elif cc == econ.LOW_COST:
            decision, reason = RECOMMEND, "无/低费方案，通过筛选，边审核边实施"
        elif ec is None or ec.evaluation is None:
            decision = PENDING
            reason = "中/高费方案通过筛选，但" + (ec.message if ec else "未进行经济评估")
        elif ec.assessment is not None and ec.assessment.accepted:
            decision, reason = RECOMMEND, "中/高费方案，通过筛选，经济评估全部判据通过"
        elif ec.evaluation.npv >= 0:
            failed = "；".join(c.message for c in ec.assessment.checks if not c.passed) if ec.assessment else ""
            decision, reason = FEASIBLE, f"通过筛选，净现值不小于0，但未满足：{failed}"
        else:
            decision, reason = INFEASIBLE, f"经济上不可行：净现值 {ec.evaluation.npv:.2f} 万元 < 0"
        entered = p.get("decision") if p.get("origin") != GENERATED else None
        if entered:
            reason = f"审核组在“方案汇总”中确定为“{entered}”（计算结论：{decision}，{reason}）"
            decision = str(entered)
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
            "decision": decision, "reason": reason,
        })
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return rows, decisions
