"""Economic feasibility and screening of cleaner-production options (方案), facts.md §8.

Formulas (清洁生产审核 teaching set, SECONDARY):

* D = I / Y (年折旧费), T = P − D (应税利润), E = T·(1 − t) (净利润), F = E + D (年增加现金流量)
* N = I / F (投资偿还期), NPV = Σ_{j=1..n} F/(1+i)^j − I, NPVR = NPV / I
* IRR: the rate where NPV = 0, solved by bisection (:func:`irr`); the textbook linear
  interpolation between two trial rates is :func:`irr_interpolated`, for comparison only.

Rates are fractions (0.06 = 6 %).  Money is in whatever unit the caller uses (usually 万元).
Thresholds (定额偿还期, 基准收益率, 无/低费 limit, criterion weights) are parameters; the only
defaults shipped are the payback limits in ``cpxl/data/coefficients/economics.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from cpxl.core.paths import DATA

LOW_COST = "无/低费"
HIGH_COST = "中/高费"


class EconomicsError(ValueError):
    """Invalid economic input; the message is Chinese, for a person."""


class ScreeningError(ValueError):
    """Invalid screening input; the message is Chinese, for a person."""


@cache
def economics_table() -> dict[str, Any]:
    """The economics data file (payback limits, screening score range, sources)."""
    with open(DATA / "coefficients" / "economics.json", encoding="utf-8") as fh:
        return json.load(fh)


def _num(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise EconomicsError(f"{what}“{value}”不是数值") from None
    if isinstance(value, bool) or not math.isfinite(x):
        raise EconomicsError(f"{what}“{value}”不是有限数值")
    return x


def _positive(value: Any, what: str) -> float:
    x = _num(value, what)
    if x <= 0:
        raise EconomicsError(f"{what}应大于0，实际为{value}")
    return x


# ---------------------------------------------------------------------------
# basic formulas


@dataclass(frozen=True)
class CashFlow:
    """年增加现金流量 and its parts."""

    investment: float  # I
    annual_savings: float  # P
    depreciation: float  # D
    taxable_profit: float  # T
    net_profit: float  # E
    annual_cash_flow: float  # F
    tax_rate: float
    depreciation_years: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def annual_cash_flow(
    annual_savings: float, investment: float, depreciation_years: float, tax_rate: float
) -> CashFlow:
    """F = (P − D)(1 − t) + D with D = I / Y."""
    p = _num(annual_savings, "年运行费用总节省金额 P")
    i = _positive(investment, "总投资 I")
    y = _positive(depreciation_years, "折旧年限 Y")
    t = _num(tax_rate, "税率")
    if not 0 <= t < 1:
        raise EconomicsError(f"税率应在 0 与 1 之间（如 0.25 表示 25%），实际为{tax_rate}")
    d = i / y
    taxable = p - d
    net = taxable * (1 - t)
    return CashFlow(i, p, d, taxable, net, net + d, t, y)


def payback_years(investment: float, annual_cash_flow: float) -> float:
    """N = I / F (years); ``inf`` if F ≤ 0."""
    i = _positive(investment, "总投资 I")
    f = _num(annual_cash_flow, "年增加现金流量 F")
    return i / f if f > 0 else math.inf


def _flows(cash_flows: float | Sequence[float], years: int | None) -> list[float]:
    if isinstance(cash_flows, (int, float)):
        if years is None:
            raise EconomicsError("年现金流量为单一数值时，需给出计算年限 years")
        n = int(years)
        if n != years or n <= 0:
            raise EconomicsError(f"计算年限应为正整数，实际为{years}")
        return [float(cash_flows)] * n
    flows = [_num(x, "年现金流量") for x in cash_flows]
    if not flows:
        raise EconomicsError("年现金流量序列为空")
    if years is not None and years != len(flows):
        raise EconomicsError(f"计算年限 {years} 与现金流量序列长度 {len(flows)} 不一致")
    return flows


def npv(
    rate: float, investment: float, cash_flows: float | Sequence[float], years: int | None = None
) -> float:
    """NPV = Σ_{j=1..n} F_j / (1+i)^j − I; ``cash_flows`` is F (uniform, with ``years``) or [F_1, …, F_n]."""
    r = _num(rate, "贴现率")
    if r <= -1:
        raise EconomicsError(f"贴现率应大于 -1，实际为{rate}")
    i = _num(investment, "总投资 I")
    return sum(f / (1 + r) ** j for j, f in enumerate(_flows(cash_flows, years), start=1)) - i


def npvr(npv_value: float, investment: float) -> float:
    """NPVR = NPV / I (a fraction; ×100 for %)."""
    return _num(npv_value, "净现值") / _positive(investment, "总投资 I")


def irr(
    investment: float,
    cash_flows: float | Sequence[float],
    years: int | None = None,
    *,
    low: float = -0.99,
    high: float = 10.0,
    tol: float = 1e-12,
) -> float | None:
    """IRR by bisection on [low, high]; ``None`` if NPV does not change sign there (no IRR)."""
    flows = _flows(cash_flows, years)

    def f(r: float) -> float:
        return npv(r, investment, flows)

    a, b = low, high
    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fb == 0:
        return b
    if (fa > 0) == (fb > 0):
        return None
    for _ in range(500):
        m = (a + b) / 2
        fm = f(m)
        if fm == 0 or (b - a) / 2 < tol:
            return m
        if (fa > 0) == (fm > 0):
            a, fa = m, fm
        else:
            b = m
    return (a + b) / 2


def irr_interpolated(
    investment: float,
    cash_flows: float | Sequence[float],
    years: int | None = None,
    *,
    i1: float | None = None,
    i2: float | None = None,
    step: float = 0.01,
) -> float | None:
    """Textbook IRR = i₁ + NPV₁ (i₂ − i₁) / (NPV₁ + |NPV₂|), with NPV₁ > 0 at i₁ and NPV₂ < 0 at i₂.

    Without ``i1``/``i2`` the trial rates are the whole ``step`` multiples around the root
    (e.g. 17 % and 18 %), as in the hand method.  ``None`` if no such bracket exists.
    """
    flows = _flows(cash_flows, years)
    if i1 is None or i2 is None:
        root = irr(investment, flows)
        if root is None:
            return None
        i1 = math.floor(root / step) * step
        i2 = i1 + step
    n1, n2 = npv(i1, investment, flows), npv(i2, investment, flows)
    if not (n1 > 0 > n2):
        raise EconomicsError(
            f"试算利率不成立：应有 NPV(i₁={i1:.4f}) > 0 > NPV(i₂={i2:.4f})，实际为 {n1:.4f}、{n2:.4f}"
        )
    return i1 + n1 * (i2 - i1) / (n1 + abs(n2))


# ---------------------------------------------------------------------------
# evaluation and acceptance


@dataclass(frozen=True)
class Evaluation:
    """Economic evaluation of one 中/高费 option."""

    cash_flow: CashFlow
    discount_rate: float
    years: int
    payback_years: float
    npv: float
    npvr: float
    irr: float | None
    irr_interpolated: float | None
    total_investment: float
    subsidy: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cash_flow"] = self.cash_flow.to_dict()
        return d


def evaluate(
    investment: float,
    annual_savings: float,
    depreciation_years: float,
    tax_rate: float,
    discount_rate: float,
    years: int | None = None,
    subsidy: float = 0.0,
) -> Evaluation:
    """Full evaluation: I = 总投资 − 补贴; F, N, NPV, NPVR, IRR over ``years`` (default: Y)."""
    total = _positive(investment, "总投资")
    sub = _num(subsidy, "补贴")
    i = total - sub
    if i <= 0:
        raise EconomicsError(f"扣除补贴后的投资 I 应大于0（总投资 {total}，补贴 {sub}）")
    cf = annual_cash_flow(annual_savings, i, depreciation_years, tax_rate)
    n = int(years) if years is not None else int(round(_positive(depreciation_years, "折旧年限 Y")))
    if years is None and n != depreciation_years:
        raise EconomicsError(f"折旧年限 {depreciation_years} 不是整数，请另给出计算年限 years")
    value = npv(discount_rate, i, cf.annual_cash_flow, n)
    root = irr(i, cf.annual_cash_flow, n)
    try:
        interp = irr_interpolated(i, cf.annual_cash_flow, n)
    except EconomicsError:
        interp = None
    return Evaluation(
        cash_flow=cf,
        discount_rate=float(discount_rate),
        years=n,
        payback_years=payback_years(i, cf.annual_cash_flow),
        npv=value,
        npvr=npvr(value, i),
        irr=root,
        irr_interpolated=interp,
        total_investment=total,
        subsidy=sub,
    )


@dataclass(frozen=True)
class AcceptanceCriteria:
    """§8.2: N < 定额偿还期, NPV ≥ min_npv, IRR ≥ 基准收益率 (``None`` → the evaluation's discount rate)."""

    max_payback_years: float | None = None
    min_npv: float = 0.0
    min_irr: float | None = None

    @classmethod
    def for_level(cls, level: str, min_irr: float | None = None) -> AcceptanceCriteria:
        """Payback limit for 中费 / 较高费 / 高费 from the data file (SECONDARY; 中费 = upper bound 3 of "2–3")."""
        limits = economics_table()["payback_limits_years"]["value"]
        if level not in limits:
            raise EconomicsError(f"未知的投资类别“{level}”，可选：{'、'.join(limits)}")
        return cls(max_payback_years=float(limits[level]), min_npv=0.0, min_irr=min_irr)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Assessment:
    accepted: bool
    checks: list[Check] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "checks": [c.to_dict() for c in self.checks]}


def assess(evaluation: Evaluation, criteria: AcceptanceCriteria) -> Assessment:
    """Accept/reject an evaluated option; every check carries a Chinese explanation."""
    checks: list[Check] = []
    n = evaluation.payback_years
    if criteria.max_payback_years is not None:
        ok = n < criteria.max_payback_years
        checks.append(
            Check(
                "payback",
                ok,
                f"投资偿还期 N = {n:.2f} 年{'<' if ok else '≥'}定额偿还期 {criteria.max_payback_years:g} 年",
            )
        )
    ok = evaluation.npv >= criteria.min_npv
    checks.append(
        Check("npv", ok, f"净现值 NPV = {evaluation.npv:.2f} {'≥' if ok else '<'} {criteria.min_npv:g}")
    )
    benchmark = criteria.min_irr if criteria.min_irr is not None else evaluation.discount_rate
    label = "基准收益率" if criteria.min_irr is not None else "贴现率"
    if evaluation.irr is None:
        checks.append(Check("irr", False, "内部收益率 IRR 无解（现金流量不能收回投资）"))
    else:
        ok = evaluation.irr >= benchmark
        checks.append(
            Check(
                "irr",
                ok,
                f"内部收益率 IRR = {evaluation.irr:.2%} {'≥' if ok else '<'} {label} {benchmark:.2%}",
            )
        )
    return Assessment(all(c.passed for c in checks), checks)


def cost_class(investment: float, threshold: float) -> str:
    """无/低费 if investment ≤ threshold (“以下”包括本数, 民法典第1259条), else 中/高费.

    The threshold is regional and UNCONFIRMED nationally, so there is no default.
    """
    i = _num(investment, "投资")
    t = _num(threshold, "无/低费界限")
    if i < 0:
        raise EconomicsError(f"投资不能为负数，实际为{investment}")
    return LOW_COST if i <= t else HIGH_COST


# ---------------------------------------------------------------------------
# 权重总和计分排序法


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Option:
    name: str
    scores: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "scores": dict(self.scores)}


@dataclass(frozen=True)
class ScreenResult:
    """One option's result: ``total`` = Σ W·R; ``rank`` shares ties (1, 2, 2, 4);
    ``position`` is the unique 1…n order (ties keep the input order)."""

    name: str
    total: float
    rank: int
    position: int
    weighted: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _criteria(criteria: Mapping[str, float] | Iterable[Criterion | tuple[str, float]]) -> list[Criterion]:
    if isinstance(criteria, Mapping):
        items = [Criterion(str(k), v) for k, v in criteria.items()]
    else:
        items = [c if isinstance(c, Criterion) else Criterion(str(c[0]), c[1]) for c in criteria]
    if not items:
        raise ScreeningError("未给出评判指标（权重）")
    names = [c.name for c in items]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ScreeningError(f"评判指标重复：{'、'.join(sorted(dup))}")
    out = []
    for c in items:
        try:
            w = float(c.weight)
        except (TypeError, ValueError):
            raise ScreeningError(f"指标“{c.name}”的权重“{c.weight}”不是数值") from None
        if not math.isfinite(w) or w <= 0:
            raise ScreeningError(f"指标“{c.name}”的权重应为正数，实际为{c.weight}")
        out.append(Criterion(c.name, w))
    return out


def _option(o: Option | Mapping[str, Any]) -> Option:
    if isinstance(o, Option):
        return o
    if isinstance(o, Mapping) and "name" in o and isinstance(o.get("scores"), Mapping):
        return Option(str(o["name"]), o["scores"])
    raise ScreeningError(f"方案应为 Option 或含 name、scores 的字典，实际为：{o!r}")


def screen(
    options: Iterable[Option | Mapping[str, Any]],
    criteria: Mapping[str, float] | Iterable[Criterion | tuple[str, float]],
    *,
    score_range: tuple[float, float] | None = None,
) -> list[ScreenResult]:
    """权重总和计分排序: total = Σ W·R per option, sorted by total (descending).

    Ties: equal totals (to 1e-9) share the same ``rank`` (competition ranking 1, 2, 2, 4) and keep
    their input order (stable sort), which also fixes ``position``.  Scores must lie in
    ``score_range`` (default 1–10 from the data file); every option must score every criterion.
    """
    crit = _criteria(criteria)
    lo, hi = score_range or tuple(economics_table()["screening"]["score_range"])
    opts = [_option(o) for o in options]
    if not opts:
        raise ScreeningError("未给出备选方案")
    names = [o.name for o in opts]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ScreeningError(f"方案名称重复：{'、'.join(sorted(dup))}")
    known = {c.name for c in crit}
    scored = []
    for o in opts:
        extra = [k for k in o.scores if k not in known]
        if extra:
            raise ScreeningError(
                f"方案“{o.name}”含未定义的指标：{'、'.join(map(str, extra))}（已定义：{'、'.join(known)}）"
            )
        weighted: dict[str, float] = {}
        for c in crit:
            if c.name not in o.scores or o.scores[c.name] is None:
                raise ScreeningError(f"方案“{o.name}”缺少指标“{c.name}”的得分")
            try:
                r = float(o.scores[c.name])
            except (TypeError, ValueError):
                raise ScreeningError(
                    f"方案“{o.name}”指标“{c.name}”的得分“{o.scores[c.name]}”不是数值"
                ) from None
            if not lo <= r <= hi:
                raise ScreeningError(f"方案“{o.name}”指标“{c.name}”的得分 {r:g} 超出范围 {lo:g}–{hi:g}")
            weighted[c.name] = c.weight * r
        scored.append((o.name, sum(weighted.values()), weighted))
    key = [round(t, 9) for _, t, _ in scored]
    order = sorted(range(len(scored)), key=lambda k: -key[k])  # stable: ties keep input order
    results = []
    for pos, k in enumerate(order, start=1):
        rank = 1 + sum(1 for other in key if other > key[k])
        name, total, weighted = scored[k]
        results.append(ScreenResult(name, total, rank, pos, weighted))
    return results
