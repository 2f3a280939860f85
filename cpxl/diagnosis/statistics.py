"""The industry view of 5.2.3: every indicator's distribution (标准对比法, 先进对照法, 同类类比法) and
a summary per diagnosis dimension."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace

from cpxl.domain.indicators import (
    DIMENSIONS,
    LEVELS,
    Indicator,
    IndicatorSystem,
)

from .model import (
    _ACHIEVED_KEY,
    _ACHIEVED_LABEL,
    _DIM_IDS,
    CommonProblem,
    DimensionSummary,
    IndicatorStats,
    _num,
)
from .scoring import (
    EnterpriseScore,
)

# --------------------------------------------------------------------------- statistics


def quartiles(xs: Sequence[float]) -> tuple[float, float, float]:
    """Q1, median, Q3 as Excel's QUARTILE.INC (linear interpolation, inclusive)."""
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(sorted(xs), n=4, method="inclusive")
    return q[0], q[1], q[2]


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%".replace(".0%", "%")


def _g(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:,.0f}"


def _dimension_name(ind: Indicator) -> str:
    return DIMENSIONS.get(ind.dimension, "未归类")


def _direction_zh(ind: Indicator) -> str:
    return {"lower_better": "越小越好", "higher_better": "越大越好"}.get(ind.direction, "定性")


def _names(names: Sequence[str], limit: int = 3) -> str:
    shown = "、".join(names[:limit])
    return shown + (f"等 {len(names)} 家" if len(names) > limit else "")


def indicator_statistics(system: IndicatorSystem, scores: Sequence[EnterpriseScore], common_ids: Iterable[str] = ()
                         ) -> list[IndicatorStats]:
    """The industry distribution of every indicator over the scored enterprises."""
    common = set(common_ids)
    out = []
    for ind in system.indicators():
        rs = [(s.enterprise or "", next(r for r in s.indicators if r.id == ind.id)) for s in scores]
        scored = [(e, r) for e, r in rs if r.status == "scored"]
        n = len(scored)
        counts = {k: sum(1 for _, r in scored if _ACHIEVED_KEY[r.achieved] == k) for k in ("I", "II", "III", "below")}
        at_least = {"I": counts["I"], "II": counts["I"] + counts["II"], "III": n - counts["below"]}
        nums = [(e, float(r.value)) for e, r in rs if not ind.qualitative and r.status in ("scored", "no_benchmark")
                and _num(r.value) is not None]
        xs = [x for _, x in nums]
        q1 = med = q3 = mean = lo = hi = best = advanced = None
        best_names: list[str] = []
        if xs:
            q1, med, q3 = quartiles(xs)
            mean, lo, hi = statistics.fmean(xs), min(xs), max(xs)
            higher = ind.direction == "higher_better"
            best, advanced = (hi, q3) if higher else (lo, q1)
            best_names = [e for e, x in nums if x == best]
        elif ind.qualitative and scored:
            top = min((r.achieved or 4) for _, r in scored)
            if top <= 3:
                best_names = [e for e, r in scored if r.achieved == top]
        n_missing = sum(1 for _, r in rs if r.status in ("missing", "invalid"))
        n_na = sum(1 for _, r in rs if r.status == "not_applicable")
        n_nb = sum(1 for _, r in rs if r.status == "no_benchmark")
        stat = IndicatorStats(
            ind.id, ind.name, ind.unit, _dimension_name(ind), system.category(ind.category_id).name, ind.kind,
            _direction_zh(ind), ind.limiting, n, n_missing, n_na, n_nb, counts,
            {lv: _share(at_least[lv], n) for lv in LEVELS}, _share(counts["below"], n),
            lo, q1, med, q3, hi, mean, best, advanced, best_names,
            {lv: ind.benchmarks[lv].describe(ind.unit) for lv in LEVELS}, ind.id in common, "")
        out.append(replace(stat, conclusion=_indicator_conclusion(ind, stat)))
    return out


def _indicator_conclusion(ind: Indicator, s: IndicatorStats) -> str:
    if not ind.scorable:
        text = "指标体系未给出基准值，不参与评分"
        if s.median is not None:
            text += f"；参评值中位数 {_g(s.median)}{ind.unit}"
        return text + "。"
    if s.n == 0:
        return f"没有企业提供有效数据（缺失 {s.n_missing} 家、不适用 {s.n_not_applicable} 家），无法评价。"
    parts = [f"参评 {s.n} 家，达到Ⅰ级 {s.counts['I']} 家（{_pct(s.share_at_least['I'])}），"
             f"达到Ⅱ级及以上 {s.counts['I'] + s.counts['II']} 家（{_pct(s.share_at_least['II'])}），"
             f"未达Ⅲ级 {s.counts['below']} 家"]
    if s.median is not None:
        unit = ind.unit
        parts.append(f"行业中位数 {_g(s.median)}{unit}，先进值（前 25%）{_g(s.advanced)}{unit}，"
                     f"最优 {_g(s.best)}{unit}（{_names(s.best_enterprises)}）")
    elif s.best_enterprises:
        top = next(n for n, k in ((1, "I"), (2, "II"), (3, "III")) if s.counts[k])
        parts.append(f"最好水平为{_ACHIEVED_LABEL[top]}（{_names(s.best_enterprises)}）")
    if s.n_missing:
        parts.append(f"另有 {s.n_missing} 家缺少数据")
    if s.common:
        parts.append("判定为行业关键共性问题")
    return "；".join(p for p in parts if p) + "。"


def dimension_summaries(system: IndicatorSystem, stats: Sequence[IndicatorStats],
                        common: Sequence[CommonProblem]) -> list[DimensionSummary]:
    """One summary per 5.2.3 dimension (and 未归类 if some indicators have no dimension)."""
    common_ids = {c.indicator_id for c in common}
    by_dim: dict[str, list[IndicatorStats]] = {}
    for s in stats:
        by_dim.setdefault(s.dimension, []).append(s)
    names = list(DIMENSIONS.values()) + (["未归类"] if "未归类" in by_dim else [])
    out = []
    for name in names:
        ss = by_dim.get(name, [])
        did = _DIM_IDS.get(name, "unclassified")
        if not ss:
            out.append(DimensionSummary(did, name, [], 0, 0, 0, 0, dict.fromkeys(LEVELS), None, [],
                                        "指标体系中没有对应指标，需由审核小组结合现场考察，采用专家经验法等补充评价。"))
            continue
        cells = sum(s.n for s in ss)
        at_least = {"I": sum(s.counts["I"] for s in ss)}
        at_least["II"] = at_least["I"] + sum(s.counts["II"] for s in ss)
        at_least["III"] = cells - sum(s.counts["below"] for s in ss)
        below = sum(s.counts["below"] for s in ss)
        com = [s.indicator_id for s in ss if s.indicator_id in common_ids]
        missing = sum(s.n_missing for s in ss)
        text = f"本维度 {len(ss)} 项指标（限定性 {sum(s.limiting for s in ss)} 项）"
        if cells:
            text += (f"，企业×指标共 {cells} 项次，达到Ⅱ级及以上占 {_pct(_share(at_least['II'], cells))}，"
                     f"未达Ⅲ级占 {_pct(_share(below, cells))}")
        else:
            text += "，没有可评价的数据"
        names_common = "、".join(f"「{s.name}」" for s in ss if s.indicator_id in common_ids)
        text += f"；行业关键共性问题 {len(com)} 项：{names_common}" if com else "；无行业关键共性问题"
        if missing:
            text += f"；缺失数据 {missing} 项次"
        out.append(DimensionSummary(did, name, [s.indicator_id for s in ss], sum(s.limiting for s in ss), cells,
                                    missing, sum(s.n_not_applicable for s in ss),
                                    {lv: _share(at_least[lv], cells) for lv in LEVELS}, _share(below, cells), com,
                                    text + "。"))
    return out
