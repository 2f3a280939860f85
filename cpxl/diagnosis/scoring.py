"""The national cleaner-production evaluation method over plain data (no Excel).

Method (《清洁生产评价指标体系编制通则》 family; see docs/indicator-systems.md):

* membership Y_gk(x_ij) = 100 when x_ij meets level g_k, else 0 — cumulative: a value that meets Ⅰ级
  also counts for Ⅱ级 and Ⅲ级;
* Y_k = Σ_i w'_i · Σ_j ω'_ij · Y_gk(x_ij), where ω'_ij = ω_ij / Σ(applicable ω_ij) inside a level-1
  group and w'_i = w_i / Σ(w of groups with at least one applicable indicator);
* bonus groups add w_b · (group score) to Y_k, capped (per system);
* level Ⅰ: Y_I ≥ 85 and every limiting indicator at Ⅰ级 (optionally every non-limiting one at Ⅱ级);
  Ⅱ: Y_II ≥ 85 and limiting at Ⅱ级; Ⅲ: Y_III = 100; otherwise 不达标.

A missing or invalid value is never dropped: it stays in the weights, scores 0, and is reported as
a problem; the result is then marked incomplete (a lower bound).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from cpxl.domain.indicators import (
    LEVEL_LABELS,
    LEVELS,
    IncompleteSystemError,
    Indicator,
    IndicatorSystem,
    SystemOptions,
    require_complete,
)

__all__ = ["IncompleteSystemError", "TemplateSystemError", "score_enterprise", "score_table"]

NOT_APPLICABLE = "不适用"
EPS = 1e-9  # tolerance when comparing Y_k with a threshold (floating-point sums)

# statuses whose indicator keeps its weight (scored, or scored 0 because the value is missing/invalid)
_COUNTED = ("scored", "missing", "invalid")
_LEVEL_NO = {"I": 1, "II": 2, "III": 3}


class TemplateSystemError(ValueError):
    """Scoring with a template system (placeholder benchmarks) without ``allow_template``."""


@dataclass(frozen=True)
class ScoreProblem:
    rule: str  # missing_value, invalid_value, unknown_indicator, no_benchmark, limiting_not_applicable, …
    severity: str  # "error" makes the score incomplete; "warning" does not
    message: str
    field: str | None = None  # indicator id
    value: Any = None
    enterprise: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    name: str
    category_id: str
    kind: str
    limiting: bool
    bonus: bool
    value: Any
    status: str  # scored | not_applicable | missing | invalid | no_benchmark
    meets: dict[str, bool]  # cumulative membership per level
    achieved: int | None  # 1, 2, 3; 0 = below Ⅲ级; None = not scored
    weight: float  # ω_ij as in the system
    group_weight: float  # ω'_ij after renormalisation inside the group (0 when excluded)
    overall_weight: float  # share of Y_k: w'_i·ω'_ij (bonus: w_b·ω'_ij); ×100 = points

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CategoryResult:
    id: str
    name: str
    bonus: bool
    weight: float  # w_i as in the system
    effective_weight: float  # w'_i after renormalisation (bonus groups: w_b, or 0 if ignored)
    applicable: bool
    scores: dict[str, float]  # Σ_j ω'_ij·Y_gk(x_ij), 0–100, per level

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Blocker:
    """An indicator that keeps the enterprise from ``target_level``."""

    indicator_id: str
    name: str
    target_level: str
    required_level: str
    reasons: tuple[str, ...]  # missing | limiting | composite | nonlimiting_level2
    achieved: int | None
    value: Any
    requirement: str
    gain: float  # points Y_target would gain if this indicator met the target (composite only)
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EnterpriseScore:
    system_id: str
    enterprise: str | None
    y: dict[str, float]  # Y_I, Y_II, Y_III (bonus included, capped)
    y_base: dict[str, float]  # without bonus
    bonus: dict[str, float]
    level: str | None  # "I" | "II" | "III" | None (不达标)
    level_title: str
    complete: bool
    next_level: str | None
    blockers: list[Blocker]
    limiting_met: dict[str, bool]
    problems: list[ScoreProblem]
    categories: list[CategoryResult]
    indicators: list[IndicatorResult]
    options: dict[str, Any]

    @property
    def summary(self) -> str:
        ys = "，".join(f"Y_{lv}={self.y[lv]:.2f}" for lv in LEVELS)
        text = f"评价结果：{self.level_title}；{ys}。"
        if not self.complete:
            n = sum(1 for p in self.problems if p.severity == "error")
            text += f"数据不完整（{n} 处问题），结论为暂定。"
        return text

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = self.summary
        return out


@dataclass(frozen=True)
class IndicatorStat:
    id: str
    name: str
    counts: dict[str, int]  # I, II, III, below, not_applicable, missing (incl. invalid), no_benchmark

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TableScore:
    system_id: str
    enterprises: list[EnterpriseScore]
    level_counts: dict[str, int]  # I, II, III, none
    incomplete: list[str]
    indicator_stats: list[IndicatorStat]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["enterprises"] = [e.to_dict() for e in self.enterprises]
        return out


# --------------------------------------------------------------------------- public API


def score_enterprise(
    system: IndicatorSystem,
    values: Mapping[str, Any],
    options: SystemOptions | Mapping[str, Any] | None = None,
    *,
    enterprise: str | None = None,
) -> EnterpriseScore:
    """Score one enterprise.

    ``values`` maps indicator id → a number (quantitative), the level achieved 1/2/3 or 0
    (qualitative), ``"不适用"`` (not applicable) or None (missing). ``options`` overrides the
    system's options (``SystemOptions`` field names, plus ``allow_template``).
    """
    opts, allow_template = _resolve_options(system, options)
    if system.template and not allow_template:
        raise TemplateSystemError(
            f"指标体系「{system.name}」是通用模板，基准值只是示意值，不能用于正式评价：请在审核总表“指标体系”"
            "工作表中按本行业正式发布的评价指标体系逐项填写权重和基准值（删去“【示意值，待设定】”字样），"
            "或用 cpxl packs import 导入按 cpxl packs template 填好的指标体系，再运行 cpxl diagnose；"
            "只想试算时可用 cpxl score --allow-template。"
        )
    require_complete(system)
    if system.method != "tongze":
        raise ValueError(f"指标体系「{system.name}」采用 {system.method} 方法（综合评价指数 P），"
                         "请用 cpxl score 评分（cpxl.diagnosis.ndrc.score_table）。")
    problems: list[ScoreProblem] = []
    known = {ind.id for ind in system.indicators()}
    for key in values:
        if key not in known:
            problems.append(ScoreProblem(
                "unknown_indicator", "warning",
                f"数据中的「{key}」不是指标体系「{system.name}」的指标编号，已忽略；请核对编号。",
                field=str(key), value=values[key], enterprise=enterprise))

    judged = {}
    for ind in system.indicators():
        status, value, meets, problem = _judge(ind, values.get(ind.id), enterprise)
        judged[ind.id] = (status, value, meets)
        if problem is not None:
            problems.append(problem)

    categories, indicators, y_base, bonus = _aggregate(system, opts, judged, problems, enterprise)
    y = {lv: min(opts.bonus_cap, y_base[lv] + bonus[lv]) for lv in LEVELS}
    y_decide = dict(y)
    if opts.bonus_level3_uses_base:
        y_decide["III"] = y_base["III"]

    checks = _LevelChecks(indicators, y_decide, opts)
    level = next((lv for lv in LEVELS if checks.passes(lv)), None)
    target = None if level == "I" else ("III" if level is None else LEVELS[LEVELS.index(level) - 1])
    blockers = _blockers(system, indicators, checks, target) if target else []

    return EnterpriseScore(
        system_id=system.id,
        enterprise=enterprise,
        y=y,
        y_base=y_base,
        bonus=bonus,
        level=level,
        level_title=system.level_title(level),
        complete=not any(p.severity == "error" for p in problems),
        next_level=target,
        blockers=blockers,
        limiting_met={lv: checks.limiting_ok(lv) for lv in LEVELS},
        problems=problems,
        categories=categories,
        indicators=indicators,
        options=_options_dict(opts),
    )


def score_table(
    system: IndicatorSystem,
    rows: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    options: SystemOptions | Mapping[str, Any] | None = None,
    *,
    enterprise_key: str = "enterprise",
) -> TableScore:
    """Score many enterprises.

    ``rows`` is either a mapping enterprise name → values, or an iterable of mappings each holding
    the enterprise name under ``enterprise_key`` and indicator values under indicator ids (e.g.
    ``DataFrame.to_dict("records")``; NaN counts as missing).
    """
    if isinstance(rows, Mapping):
        items = [(str(name), vals) for name, vals in rows.items()]
    else:
        items = []
        for i, row in enumerate(rows, start=1):
            name = row.get(enterprise_key)
            vals = {k: v for k, v in row.items() if k != enterprise_key}
            items.append((str(name) if not _is_missing(name) else f"第{i}家", vals))
    scores = [score_enterprise(system, vals, options, enterprise=name) for name, vals in items]

    level_counts = {"I": 0, "II": 0, "III": 0, "none": 0}
    for s in scores:
        level_counts[s.level or "none"] += 1
    stats = []
    for ind in system.indicators():
        counts = {"I": 0, "II": 0, "III": 0, "below": 0, "not_applicable": 0, "missing": 0, "no_benchmark": 0}
        for s in scores:
            r = next(r for r in s.indicators if r.id == ind.id)
            if r.status == "scored":
                counts[{1: "I", 2: "II", 3: "III", 0: "below"}[r.achieved]] += 1
            elif r.status in ("missing", "invalid"):
                counts["missing"] += 1
            else:
                counts[r.status] += 1
        stats.append(IndicatorStat(ind.id, ind.name, counts))
    return TableScore(
        system_id=system.id,
        enterprises=scores,
        level_counts=level_counts,
        incomplete=[s.enterprise for s in scores if not s.complete],
        indicator_stats=stats,
    )


# --------------------------------------------------------------------------- internals


def _resolve_options(
    system: IndicatorSystem, options: SystemOptions | Mapping[str, Any] | None
) -> tuple[SystemOptions, bool]:
    if options is None:
        return system.options, False
    if isinstance(options, SystemOptions):
        return options, False
    opts = dict(options)
    allow_template = bool(opts.pop("allow_template", False))
    names = {f.name for f in fields(SystemOptions)}
    unknown = sorted(set(opts) - names)
    if unknown:
        known = "、".join([*sorted(names), "allow_template"])
        raise ValueError(f"未知的评价选项：{'、'.join(unknown)}；可用的有：{known}")
    if "thresholds" in opts:
        opts["thresholds"] = {**system.options.thresholds, **opts["thresholds"]}
    return replace(system.options, **opts), allow_template


def _options_dict(opts: SystemOptions) -> dict[str, Any]:
    out = asdict(opts)
    out["thresholds"] = dict(opts.thresholds)
    return out


def _is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, str) and not raw.strip():
        return True
    return type(raw).__name__ in ("NAType", "NaTType")  # pandas missing markers, without importing pandas


def _judge(
    ind: Indicator, raw: Any, enterprise: str | None
) -> tuple[str, Any, dict[str, bool], ScoreProblem | None]:
    """Status, normalised value and cumulative membership of one indicator."""
    none = dict.fromkeys(LEVELS, False)
    label = f"「{ind.name}」（{ind.id}）"
    if isinstance(raw, str) and raw.strip() == NOT_APPLICABLE:
        problem = None
        if ind.limiting:
            problem = ScoreProblem("limiting_not_applicable", "warning",
                                   f"限定性指标{label}被标为“不适用”，未参与限定性判定，请确认。",
                                   field=ind.id, value=raw, enterprise=enterprise)
        return "not_applicable", NOT_APPLICABLE, none, problem
    if not ind.scorable:
        problem = ScoreProblem("no_benchmark", "warning",
                               f"指标{label}在指标体系中没有给出基准值，不参与评分（按不适用处理）。",
                               field=ind.id, value=raw, enterprise=enterprise)
        return "no_benchmark", None if _is_missing(raw) else raw, none, problem
    if ind.qualitative:
        expected = "达到的级别 1、2、3（未达到Ⅲ级填 0）"
    else:
        expected = f"数值（单位 {ind.unit}）" if ind.unit else "数值"
    if _is_missing(raw):
        return "missing", None, none, ScoreProblem(
            "missing_value", "error",
            f"缺少指标{label}的数据：请填写{expected}，或填写“不适用”。本项暂按未达标计，评价结果为暂定。",
            field=ind.id, value=None, enterprise=enterprise)
    value = _as_number(raw)
    if ind.qualitative and (value is None or value not in (0, 1, 2, 3)):
        value = None
    if value is None:
        return "invalid", raw, none, ScoreProblem(
            "invalid_value", "error",
            f"指标{label}的值「{raw}」无效：请填写{expected}，或填写“不适用”。本项暂按未达标计。",
            field=ind.id, value=raw, enterprise=enterprise)
    low, high = ind.bounds()
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"{'' if low is None else f'{low:g}'}～{'' if high is None else f'{high:g}'}"
        return "invalid", raw, none, ScoreProblem(
            "out_of_range", "error",
            f"指标{label}的值 {value:g} 超出物理上可能的范围（{span}{ind.unit}）：请核对数值、符号和单位。本项暂按未达标计。",
            field=ind.id, value=raw, enterprise=enterprise)
    if ind.qualitative:
        level_no = int(value)
        meets = {lv: level_no != 0 and level_no <= _LEVEL_NO[lv] for lv in LEVELS}
        return "scored", level_no, meets, None
    meets = {}
    higher = False  # cumulative: meeting a stricter level also counts for the lower ones
    for lv in LEVELS:
        higher = higher or ind.benchmarks[lv].test(value)
        meets[lv] = higher
    return "scored", value, meets, None


def _as_number(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _achieved(status: str, meets: Mapping[str, bool]) -> int | None:
    if status != "scored":
        return None
    return next((_LEVEL_NO[lv] for lv in LEVELS if meets[lv]), 0)


def _aggregate(
    system: IndicatorSystem,
    opts: SystemOptions,
    judged: Mapping[str, tuple[str, Any, dict[str, bool]]],
    problems: list[ScoreProblem],
    enterprise: str | None,
) -> tuple[list[CategoryResult], list[IndicatorResult], dict[str, float], dict[str, float]]:
    """Group scores, renormalised weights, Y_k without bonus, and the bonus points."""
    group = {}
    for cat in system.categories:
        counted = [ind for ind in cat.indicators if judged[ind.id][0] in _COUNTED]
        den = math.fsum(ind.weight for ind in counted)
        gw = {ind.id: (ind.weight / den if den > 0 else 0.0) for ind in counted}
        scores = {lv: math.fsum(gw[i.id] * 100 for i in counted if judged[i.id][2][lv]) for lv in LEVELS}
        group[cat.id] = (den > 0, gw, scores)
        if den == 0:
            problems.append(ScoreProblem(
                "category_not_applicable", "warning",
                f"一级指标「{cat.name}」下没有适用的指标，该类不参与评价"
                + ("（加分项不加分）。" if cat.bonus else "，其权重已按比例分配给其他一级指标。"),
                field=cat.id, enterprise=enterprise))

    base_total = math.fsum(c.weight for c in system.categories if not c.bonus and group[c.id][0])
    if base_total == 0:
        problems.append(ScoreProblem("no_applicable_indicators", "error",
                                     "没有任何适用的指标，无法计算综合评价指数。", enterprise=enterprise))
    categories, indicators = [], []
    y_base = dict.fromkeys(LEVELS, 0.0)
    bonus = dict.fromkeys(LEVELS, 0.0)
    for cat in system.categories:
        applicable, gw, scores = group[cat.id]
        if cat.bonus:
            eff = cat.weight if (opts.bonus_mode == "additive" and applicable) else 0.0
            target = bonus
        else:
            eff = cat.weight / base_total if (applicable and base_total > 0) else 0.0
            target = y_base
        for lv in LEVELS:
            target[lv] += eff * scores[lv]
        categories.append(CategoryResult(cat.id, cat.name, cat.bonus, cat.weight, eff, applicable, scores))
        for ind in cat.indicators:
            status, value, meets = judged[ind.id]
            g = gw.get(ind.id, 0.0)
            indicators.append(IndicatorResult(
                ind.id, ind.name, cat.id, ind.kind, ind.limiting, cat.bonus, value, status, meets,
                _achieved(status, meets), ind.weight, g, eff * g))
    return categories, indicators, y_base, bonus


class _LevelChecks:
    """The three conditions of each level, for the level decision and for the blockers."""

    def __init__(self, indicators: list[IndicatorResult], y_decide: dict[str, float], opts: SystemOptions):
        self.counted = [r for r in indicators if r.status in _COUNTED]
        self.y = y_decide
        self.opts = opts

    def composite_ok(self, lv: str) -> bool:
        return self.y[lv] >= self.opts.thresholds[lv] - EPS

    def limiting_ok(self, lv: str) -> bool:
        return all(r.meets[lv] for r in self.counted if r.limiting)

    def needs_nonlimiting_level2(self, lv: str) -> bool:
        return lv == "I" and self.opts.level1_requires_nonlimiting_level2

    def nonlimiting_ok(self, lv: str) -> bool:
        if not self.needs_nonlimiting_level2(lv):
            return True
        return all(r.meets["II"] for r in self.counted if not r.limiting and not r.bonus)

    def passes(self, lv: str) -> bool:
        return self.composite_ok(lv) and self.limiting_ok(lv) and self.nonlimiting_ok(lv)


def _blockers(system: IndicatorSystem, indicators: list[IndicatorResult], checks: _LevelChecks,
              target: str) -> list[Blocker]:
    composite_short = not checks.composite_ok(target)
    bonus_counts = not (target == "III" and checks.opts.bonus_level3_uses_base)
    order = {r.id: i for i, r in enumerate(indicators)}
    out = []
    for r in checks.counted:
        reasons = []
        if r.limiting and not r.meets[target]:
            reasons.append("limiting")
        if composite_short and not r.meets[target] and r.overall_weight > 0 and (bonus_counts or not r.bonus):
            reasons.append("composite")
        if checks.needs_nonlimiting_level2(target) and not r.limiting and not r.bonus and not r.meets["II"]:
            reasons.append("nonlimiting_level2")
        if not reasons:
            continue
        if r.status != "scored":
            reasons.insert(0, "missing")
        required = "II" if set(reasons) - {"missing"} == {"nonlimiting_level2"} else target
        ind = system.indicator(r.id)
        gain = r.overall_weight * 100 if "composite" in reasons else 0.0
        message = _blocker_message(ind, r, target, required, reasons, gain, checks)
        out.append(Blocker(r.id, r.name, target, required, tuple(reasons), r.achieved, r.value,
                           ind.requirement(required), gain, message))
    out.sort(key=lambda b: ("limiting" not in b.reasons, -b.gain, order[b.indicator_id]))
    return out


def _blocker_message(ind: Indicator, r: IndicatorResult, target: str, required: str, reasons: list[str],
                     gain: float, checks: _LevelChecks) -> str:
    if r.status != "scored":
        now = "缺少有效数据"
    else:
        shown = f"当前值 {r.value:g}{(' ' + ind.unit) if ind.unit else ''}，" if not ind.qualitative else ""
        now = shown + (f"达到{LEVEL_LABELS[LEVELS[r.achieved - 1]]}" if r.achieved else "未达到Ⅲ级")
    why = []
    if "limiting" in reasons:
        why.append(f"限定性指标须达到{LEVEL_LABELS[target]}")
    if "composite" in reasons:
        why.append(f"Y_{target} 为 {checks.y[target]:.2f}，低于 {checks.opts.thresholds[target]:g}，"
                   f"本项达到{LEVEL_LABELS[target]}可使 Y_{target} 提高 {gain:.2f}")
    if "nonlimiting_level2" in reasons:
        why.append("评为Ⅰ级还须全部非限定性指标达到Ⅱ级")
    return f"「{ind.name}」{now}；{'；'.join(why)}。要求：{ind.requirement(required)}"
