"""Cleaner-production targets (5.3.1) and the improvement potential if every enterprise reaches them.

Pure functions over plain data: the indicator system as the master's 指标体系 sheet holds it, the
indicator values (长表 ``indicator_values``) and the consolidated enterprise data. :mod:`cpxl.plan.run`
reads the master and writes the results.

Candidates for each audit-focus indicator (5.3.1 “可参照……评价指标体系、行业先进水平、企业历史最好水平”):

* 下一级基准值 — the benchmark of the level above the one reached (``Indicator.benchmarks[level]``);
* 行业先进值（上四分位） — the top quartile of the audited enterprises' values, direction-aware
  (lower-better: 25th percentile; higher-better: 75th), linear interpolation as Excel QUARTILE.INC;
* 企业近三年最好水平 — the enterprise's best value of the statistical year and the two years before;
* 政策目标 — rows the regulator entered in 审核目标 with that rule: kept as they are, and an
  industry-level policy target is a floor (never laxer) for every enterprise target of that indicator.

Qualitative indicators are handled on level numbers (1 = Ⅰ级 … 3 = Ⅲ级, 4 = 未达到Ⅲ级; lower is better).

Enterprise targets are few: the indicators that limit the enterprise's level (emission breaches, failed
limiting indicators, the blockers of its next level), at most 每家企业目标数上限 of them. No value outside an
indicator's physical bounds (:func:`bounds`) is used, and no target lies outside them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cpxl.domain.indicators import LEVEL_LABELS, LEVELS, Benchmark, Indicator

NEXT_LEVEL = "下一级基准值"
TOP_QUARTILE = "行业先进值（上四分位）"
BEST_3Y = "企业近三年最好水平"
POLICY = "政策目标"
EXPERT = "专家经验"
STRICTEST = "取候选中最严"
EASIEST = "取候选中最易实现"
TARGET_RULES = (NEXT_LEVEL, TOP_QUARTILE, BEST_3Y, STRICTEST, EASIEST)
GENERATED = "cpxl生成"
ENTERED = "审核组填写"

BELOW_III = 4  # level number of 未达到Ⅲ级
LEVEL_NO = {"I": 1, "II": 2, "III": 3}
NO_LEVEL = {1: "I", 2: "II", 3: "III"}
SELF_LEVEL = {"I级": 1, "II级": 2, "III级": 3, "未达到III级": BELOW_III}
LEVEL_ZH = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", BELOW_III: "未达到Ⅲ级"}

_CMP = re.compile(r"^\s*(≤|<=|≥|>=|<|>|＜|＞)\s*([-+]?\d+(?:\.\d+)?)")
_RANGE = re.compile(r"^\s*([\[(（])\s*([-+]?\d+(?:\.\d+)?)\s*[,，]\s*([-+]?\d+(?:\.\d+)?)\s*([\])）])")
_OPS = {"<=": "≤", ">=": "≥", "＜": "<", "＞": ">"}


# --------------------------------------------------------------------------- the indicator system sheet


def _benchmark(level: str, text: Any, qualitative: bool) -> Benchmark:
    t = "" if text is None else str(text).strip()
    if qualitative:
        return Benchmark(level=level, text=t)
    m = _CMP.match(t)
    if m:
        return Benchmark(level=level, text=t, op=_OPS.get(m.group(1), m.group(1)), value=float(m.group(2)))
    m = _RANGE.match(t)
    if m:
        return Benchmark(level=level, text=t, op="range", min=float(m.group(2)), max=float(m.group(3)),
                         min_inclusive=m.group(1) == "[", max_inclusive=m.group(4) == "]")
    return Benchmark(level=level, text=t, op="none")


def indicators_from_sheet(rows: Iterable[Mapping[str, Any]]) -> dict[str, Indicator]:
    """The indicators of the master's 指标体系 sheet (as the regulator may have adjusted them), by id.

    Benchmarks are parsed from the level texts (``≤30``, ``>7000``, ``[3, 4] 次/年（原文…）``);
    a text that is not a comparison is a qualitative requirement or, for a quantitative indicator,
    “no benchmark” (``op="none"``). The direction follows the operators.
    """
    out: dict[str, Indicator] = {}
    for r in rows:
        iid = str(r.get("indicator_id") or "").strip()
        if not iid:
            continue
        qualitative = r.get("kind") == "定性"
        bms = {lv: _benchmark(lv, r.get(f"level{i}"), qualitative) for i, lv in enumerate(LEVELS, start=1)}
        ops = {b.op for b in bms.values()}
        if qualitative:
            direction = "qualitative"
        elif ops & {"≤", "<"}:
            direction = "lower_better"
        elif ops & {"≥", ">"}:
            direction = "higher_better"
        else:
            direction = "unknown"
        out[iid] = Indicator(
            id=iid, name=str(r.get("indicator") or iid), unit=str(r.get("unit") or ""),
            weight=float(r.get("weight") or 0), kind="qualitative" if qualitative else "quantitative",
            limiting=r.get("limiting") == "是", direction=direction, benchmarks=bms,
            category_id=str(r.get("category") or ""), dimension=str(r.get("dimension") or ""),
            quantity=r.get("quantity") or None,
        )
    return out


def lower_better(ind: Indicator) -> bool:
    """Qualitative indicators are compared on level numbers, where lower is better."""
    return ind.direction != "higher_better"


def better(ind: Indicator, a: float, b: float) -> bool:
    """Whether ``a`` is strictly better than ``b`` for this indicator."""
    return a < b if lower_better(ind) else a > b


def best_of(ind: Indicator, values: Iterable[float]) -> float | None:
    vals = list(values)
    if not vals:
        return None
    return min(vals) if lower_better(ind) else max(vals)


def level_of(ind: Indicator, x: float) -> int:
    """Level number reached by ``x`` (cumulative: meeting Ⅰ级 counts for all); 4 = 未达到Ⅲ级."""
    if ind.qualitative:
        return int(x) if x in (1, 2, 3) else BELOW_III
    for lv in LEVELS:
        b = ind.benchmarks[lv]
        if b.op not in (None, "none") and b.test(x):
            return LEVEL_NO[lv]
    return BELOW_III


def decimals(x: float, cap: int = 4) -> int:
    """Decimal places ``x`` is written with (at most ``cap``): 50 → 0, 41.85 → 2."""
    text = f"{abs(x):.{cap}f}".rstrip("0")
    return len(text.split(".")[1])


def strict_step(ind: Indicator, bound: float) -> float:
    """The step of an indicator's values next to a strict benchmark: one unit of the last decimal place its
    benchmarks are written with (>50 → 1, <0.5 → 0.1), made finer until it is at most a tenth of ``bound``.
    (Enterprise values computed from the data carry meaningless decimals; the benchmarks set the precision.)"""
    nums = [x for b in ind.benchmarks.values() for x in (b.value, b.min, b.max) if x is not None]
    d = max([0, *(decimals(x) for x in nums)])
    while bound and 10.0 ** -d > abs(bound) / 10 and d < 6:
        d += 1
    return 10.0 ** -d


def benchmark_target(ind: Indicator, level: str) -> tuple[float, str] | None:
    """The value a target must reach for ``level`` and its readable form; None without a benchmark.

    A strict benchmark (``>50``, ``<0.1``, an open end of a range) is not met by its own value: the target is
    the nearest value that meets it at the benchmarks' precision (:func:`strict_step`), so that reaching the
    target reaches the level."""
    if ind.qualitative:
        text = ind.benchmarks[level].text
        return float(LEVEL_NO[level]), f"达到{LEVEL_LABELS[level]}" + (f"：{text}" if text else "")
    b = ind.benchmarks[level]
    if b.op in (None, "none"):
        return None
    lower = lower_better(ind)
    if b.op == "range":
        value = b.max if lower else b.min
        strict = not (b.max_inclusive if lower else b.min_inclusive)
    else:
        value, strict = b.value, b.op in ("<", ">")
    unit = f" {ind.unit}" if ind.unit and ind.unit not in ("%", "‰") else ind.unit
    if strict:
        step = strict_step(ind, value)
        target = round(value - step if lower else value + step, 6)
        cell = b.text if b.op == "range" else f"{b.op}{value:g}"
        return target, f"{'≤' if lower else '≥'}{target:g}{unit}（{LEVEL_LABELS[level]}基准值 {cell}，取满足该基准的最近值）"
    if b.op == "range":
        return float(value), f"{'≤' if lower else '≥'}{value:g}（{LEVEL_LABELS[level]}基准值 {b.text}）"
    return float(value), f"{b.op}{value:g}{unit}（{LEVEL_LABELS[level]}基准值）"


def quantile_inc(values: Sequence[float], p: float) -> float:
    """Linear-interpolation quantile over sorted values (Excel QUARTILE.INC / PERCENTILE.INC)."""
    xs = sorted(values)
    if not xs:
        raise ValueError("空数据无法计算分位数")
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def top_quartile(ind: Indicator, values: Sequence[float]) -> float | None:
    """行业先进值: the value the best quarter of enterprises reach (direction-aware)."""
    if not values or ind.direction == "unknown":
        return None
    q = quantile_inc(values, 0.25 if lower_better(ind) else 0.75)
    if ind.qualitative:  # a level the top quarter actually reaches
        return float(math.ceil(q - 1e-9))
    return q


# --------------------------------------------------------------------------- values


Values = dict[str, dict[str, dict[int, float]]]  # uscc → indicator id → year → value


def value_of(ind: Indicator, row: Mapping[str, Any]) -> float | None:
    """The comparable value of one indicator_values row (qualitative: level number); None if n/a or empty."""
    if row.get("not_applicable") == "是":
        return None
    v = row.get("value")
    if ind.qualitative:
        if row.get("self_level") in SELF_LEVEL:
            return float(SELF_LEVEL[row["self_level"]])
        if isinstance(v, (int, float)) and v in (0, 1, 2, 3):
            return float(v) if v else float(BELOW_III)
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def collect_values(rows: Iterable[Mapping[str, Any]], indicators: Mapping[str, Indicator]) -> Values:
    """indicator_values rows → uscc → indicator → year → value (rows that cannot be compared are skipped)."""
    out: Values = {}
    for r in rows:
        uscc = r.get("uscc") or r.get("ent_uscc")
        ind = indicators.get(str(r.get("indicator_id") or ""))
        year = r.get("year")
        if not uscc or ind is None or not isinstance(year, int):
            continue
        v = value_of(ind, r)
        if v is not None:
            out.setdefault(uscc, {}).setdefault(ind.id, {})[year] = v
    return out


def current(by_year: Mapping[int, float] | None, year: int) -> tuple[float, int] | None:
    """The statistical year's value, else the latest earlier year's (value, year)."""
    if not by_year:
        return None
    if year in by_year:
        return by_year[year], year
    earlier = [y for y in by_year if y <= year]
    if not earlier:
        return None
    y = max(earlier)
    return by_year[y], y


# --------------------------------------------------------------------------- candidates and choice


@dataclass(frozen=True)
class Candidate:
    rule: str
    value: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:.0f}"


def _show(ind: Indicator, x: float) -> str:
    if ind.qualitative:
        return LEVEL_ZH.get(int(x), f"{x:g}")
    unit = f" {ind.unit}" if ind.unit and ind.unit not in ("%", "‰") else ind.unit
    return _fmt(x) + unit


def candidates_for(
    ind: Indicator,
    baseline: float,
    industry_values: Sequence[float],
    history: Mapping[int, float] | None = None,
    years: Sequence[int] = (),
) -> list[Candidate]:
    """Every candidate that improves on ``baseline`` (strictly better), in the 5.3.1 order."""
    out: list[Candidate] = []
    reached = level_of(ind, baseline)
    for lv_no in range(min(reached, BELOW_III) - 1, 0, -1):  # the next level that has a benchmark
        bt = benchmark_target(ind, NO_LEVEL[lv_no])
        if bt is not None and better(ind, bt[0], baseline):
            out.append(Candidate(NEXT_LEVEL, bt[0], bt[1]))
            break
    tq = top_quartile(ind, industry_values)
    if tq is not None and better(ind, tq, baseline):
        out.append(Candidate(TOP_QUARTILE, tq, f"{_show(ind, tq)}（{len(industry_values)} 家企业的上四分位值）"))
    if history:
        in_window = {y: v for y, v in history.items() if not years or y in years}
        best = best_of(ind, in_window.values())
        if best is not None and better(ind, best, baseline):
            y = min(y for y, v in in_window.items() if v == best)
            out.append(Candidate(BEST_3Y, best, f"{_show(ind, best)}（{y} 年）"))
    return out


_FALLBACK = {
    NEXT_LEVEL: (NEXT_LEVEL, TOP_QUARTILE, BEST_3Y),
    TOP_QUARTILE: (TOP_QUARTILE, NEXT_LEVEL, BEST_3Y),
    BEST_3Y: (BEST_3Y, NEXT_LEVEL, TOP_QUARTILE),
}


def choose(ind: Indicator, cands: Sequence[Candidate], rule: str, policy: float | None = None) -> Candidate | None:
    """The target by ``rule``; a policy target is a floor: the result is never laxer than it."""
    chosen: Candidate | None = None
    if cands:
        if rule in _FALLBACK:
            by_rule = {c.rule: c for c in cands}
            chosen = next((by_rule[r] for r in _FALLBACK[rule] if r in by_rule), None)
        elif rule == STRICTEST:
            chosen = cands[0]
            for c in cands[1:]:
                if better(ind, c.value, chosen.value):
                    chosen = c
        elif rule == EASIEST:
            chosen = cands[0]
            for c in cands[1:]:
                if better(ind, chosen.value, c.value):
                    chosen = c
        else:
            raise ValueError(f"未知的目标取值规则“{rule}”，可选：{'、'.join(TARGET_RULES)}")
    if policy is not None and (chosen is None or better(ind, policy, chosen.value)):
        return Candidate(POLICY, policy, f"{_show(ind, policy)}（政策目标）")
    return chosen


# --------------------------------------------------------------------------- physical bounds


def bounds(ind: Indicator) -> tuple[float, float]:
    """The values an indicator can physically take: a share (unit %) lies in [0, 100], every other
    quantity of an indicator system (consumption, concentration, count, time) is not negative."""
    if ind.qualitative:
        return 1.0, float(BELOW_III)
    if (ind.unit or "").strip() == "%":
        return 0.0, 100.0
    return 0.0, math.inf


def in_bounds(ind: Indicator, x: float) -> bool:
    lo, hi = bounds(ind)
    return lo - 1e-9 <= x <= hi + 1e-9


def out_of_bounds(indicators: Mapping[str, Indicator], values: Values, year: int) -> list[tuple[str, str, float]]:
    """(uscc, indicator id, value) of statistical-year values no physical quantity can take (an ingest error)."""
    out = []
    for uscc, by_ind in values.items():
        for iid, by_year in by_ind.items():
            ind = indicators.get(iid)
            if ind is not None and year in by_year and not in_bounds(ind, by_year[year]):
                out.append((uscc, iid, by_year[year]))
    return out


# --------------------------------------------------------------------------- targets

LIMIT = "排放限值"
#: Why an enterprise target is set, in the order they are taken (5.3.1: the few indicators that limit its level).
REASONS = ("超标排放", "限定性指标", "制约升级")
FOCUS, COMMON = "审核重点", "行业共性问题"  # why an industry target is set
DEFAULT_MAX_TARGETS = 5


@dataclass
class TargetInputs:
    indicators: Mapping[str, Indicator]
    values: Values
    year: int  # statistical year
    names: Mapping[str, str]  # uscc → enterprise name
    focus: Sequence[str]  # audit-focus indicator ids (industry targets)
    #: uscc → [(indicator id, reason)] in priority order: breaches, failed limiting indicators, blockers
    priorities: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    limits: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (uscc, indicator id) → emission limit
    max_targets: int = DEFAULT_MAX_TARGETS
    rule: str = NEXT_LEVEL
    target_year: int | None = None
    existing: Sequence[Mapping[str, Any]] = ()  # current rows of 审核目标
    #: 行业关键共性问题 indicator ids: an industry target each too, for the enterprises that miss Ⅱ级
    common: Sequence[str] = ()


def is_entered(row: Mapping[str, Any]) -> bool:
    """Rows the regulator owns: everything not marked as generated by cpxl (policy and expert targets
    typed in, generated rows whose 来源 the regulator changed to 审核组填写) and generated rows the team has
    already confirmed or rejected (their 审核状态 is no longer 建议)."""
    return row.get("origin") != GENERATED or row.get("state") in ("已确认", "否决")


def _industry_values(inp: TargetInputs, iid: str) -> dict[str, float]:
    out = {}
    ind = inp.indicators[iid]
    for uscc, by_ind in inp.values.items():
        cur = current(by_ind.get(iid), inp.year)
        if cur is not None and cur[1] == inp.year and in_bounds(ind, cur[0]):
            out[uscc] = cur[0]
    return out


def _candidates_text(ind: Indicator, cands: Sequence[Candidate], policy: float | None) -> str:
    parts = [f"{c.rule} {c.text}" for c in cands]
    if policy is not None:
        parts.append(f"{POLICY} {_show(ind, policy)}")
    return "；".join(parts) or "无优于现状的候选值"


def _clip(ind: Indicator, c: Candidate) -> Candidate:
    lo, hi = bounds(ind)
    if lo <= c.value <= hi:
        return c
    v = min(max(c.value, lo), hi)
    return Candidate(c.rule, v, f"{_show(ind, v)}（{c.text}，按指标取值范围修正）")


def make_targets(inp: TargetInputs) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of 审核目标: the team's rows kept first, then industry and enterprise targets.

    Industry targets: one per audit-focus indicator (现状值 = the median of the enterprises' values).
    Enterprise targets: at most ``max_targets`` per enterprise, taken from ``priorities`` (emission
    breaches, failed limiting indicators, then the blockers of its next level). A target never lies
    outside the indicator's physical bounds; a breach's target is never laxer than the limit.
    Returns the rows and Chinese warnings.
    """
    warnings: list[str] = []
    kept = [dict(r) for r in inp.existing if is_entered(r)]
    taken = {(r.get("scope"), r.get("uscc") or "", r.get("indicator_id")) for r in kept}
    policy_ind = {r["indicator_id"]: float(r["target"]) for r in kept
                  if r.get("rule") == POLICY and r.get("scope") == "行业" and isinstance(r.get("target"), (int, float))}
    policy_ent = {(r.get("uscc"), r["indicator_id"]): float(r["target"]) for r in kept
                  if r.get("rule") == POLICY and r.get("scope") == "企业" and isinstance(r.get("target"), (int, float))}
    years = (inp.year - 2, inp.year - 1, inp.year)
    focus = [i for i in dict.fromkeys(inp.focus) if i in inp.indicators]
    for iid in dict.fromkeys(inp.focus):
        if iid not in inp.indicators:
            warnings.append(f"审核重点指标“{iid}”不在指标体系中，未设置目标。")
    common = [i for i in dict.fromkeys(inp.common) if i in inp.indicators and i not in focus]
    rows: list[dict[str, Any]] = []
    best_all: dict[str, float | None] = {}
    industry_of: dict[str, list[float]] = {}

    def flag(ind: Indicator, target: float) -> tuple[str, str]:
        best = best_all.get(ind.id)
        if best is not None and better(ind, target, best):
            return "是", f"目标严于全部企业现状最好值 {_show(ind, best)}，可实现性需论证。"
        return "否", "目标不严于审核企业中已有企业达到的水平。"

    for iid in [*focus, *common]:
        ind = inp.indicators[iid]
        vals = _industry_values(inp, iid)
        best_all[iid] = best_of(ind, vals.values())
        if ind.direction == "unknown":
            warnings.append(f"指标“{ind.name}”在指标体系中没有可比较的基准值，无法设置目标。")
            continue
        if not vals:
            warnings.append(f"指标“{ind.name}”没有 {inp.year} 年的企业数据，未设置行业目标。")
            continue
        if ("行业", "", iid) in taken:
            continue
        who = vals
        if iid not in focus:  # a common problem: the enterprises that miss Ⅱ级 (the industry-level proposals' scope)
            who = {u: v for u, v in vals.items() if level_of(ind, v) > LEVEL_NO["II"]}
            if not who:
                continue
        median = quantile_inc(list(who.values()), 0.5)
        if ind.qualitative:
            median = float(math.ceil(median - 1e-9))
        cands = [_clip(ind, c) for c in candidates_for(ind, median, list(vals.values())) if c.rule != BEST_3Y]
        chosen = choose(ind, cands, inp.rule, policy_ind.get(iid))
        if chosen is None:
            continue
        beyond, note = flag(ind, chosen.value)
        basis = (f"现状值为 {len(vals)} 家企业 {inp.year} 年指标值的中位数。" if iid in focus else
                 f"行业关键共性问题：现状值为未达到Ⅱ级的 {len(who)} 家企业（共 {len(vals)} 家有数据）{inp.year} 年指标值的中位数。")
        rows.append(_row("行业", "", "", ind, median, chosen, inp, iid in focus,
                         _candidates_text(ind, cands, policy_ind.get(iid)), beyond, basis + note,
                         FOCUS if iid in focus else COMMON))

    focus_set = set(focus)
    for uscc in sorted(inp.priorities, key=lambda u: (inp.names.get(u, ""), u)):
        n = sum(1 for k in taken if k[0] == "企业" and k[1] == uscc)
        for iid, reason in dict.fromkeys(inp.priorities[uscc]):
            if n >= inp.max_targets:
                break
            ind = inp.indicators.get(iid)
            if ind is None or ind.direction == "unknown":
                continue
            if ("企业", uscc, iid) in taken:
                continue
            if iid not in best_all:
                industry_of[iid] = list(_industry_values(inp, iid).values())
                best_all[iid] = best_of(ind, industry_of[iid])
            history = inp.values.get(uscc, {}).get(iid)
            cur = current(history, inp.year)
            if cur is None or not in_bounds(ind, cur[0]):
                continue
            baseline, year_used = cur
            if iid not in industry_of:  # the industry's values of an indicator, once (not per enterprise)
                industry_of[iid] = list(_industry_values(inp, iid).values())
            industry = industry_of[iid]
            hist = {y: v for y, v in (history or {}).items() if in_bounds(ind, v)}
            cands = [_clip(ind, c) for c in candidates_for(ind, baseline, industry, hist, years)]
            policy = policy_ent.get((uscc, iid), policy_ind.get(iid))
            chosen = choose(ind, cands, inp.rule, policy)
            limit = inp.limits.get((uscc, iid))
            if limit is not None and (chosen is None or better(ind, limit, chosen.value)):
                chosen = Candidate(LIMIT, limit, f"{_show(ind, limit)}（排放限值）")
            if chosen is None or not better(ind, chosen.value, baseline):
                continue
            beyond, note = flag(ind, chosen.value)
            remark = (f"现状值取 {year_used} 年（缺少 {inp.year} 年数据）。" if year_used != inp.year else "") + note
            rows.append(_row("企业", uscc, inp.names.get(uscc, ""), ind, baseline, chosen, inp, iid in focus_set,
                             _candidates_text(ind, cands, policy), beyond, remark, reason))
            n += 1
    return kept + rows, warnings


def _row(scope: str, uscc: str, name: str, ind: Indicator, baseline: float, chosen: Candidate,
         inp: TargetInputs, is_focus: bool, cands: str, beyond: str, remarks: str, reason: str) -> dict[str, Any]:
    return {
        "scope": scope, "uscc": uscc, "enterprise": name, "indicator_id": ind.id, "indicator": ind.name,
        "unit": "级" if ind.qualitative else ind.unit, "baseline": round(baseline, 6), "target": round(chosen.value, 6),
        "rule": chosen.rule, "target_text": chosen.text, "candidates": cands, "target_year": inp.target_year,
        "focus": "是" if is_focus else "否", "beyond_best": beyond, "remarks": remarks, "origin": GENERATED,
        "priority": reason, "state": "建议",
    }
