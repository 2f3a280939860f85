"""The older method of the NDRC 2005–2012 “试行” indicator systems: 综合评价指数 P = α·P1 + β·P2.

Selected by a system file with ``"method": "ndrc-2005"`` (see ``docs/indicator-systems.md``). What the
stored public copies of those systems show (CONFIRMED, /work/shared facts §1.4 and the pack research):
two grades, 清洁生产先进企业 and 清洁生产企业; a 定量 score, a 定性 score and their weighted sum P; the
weights of indicators that do not apply are re-distributed inside their 一级指标 with A1 (the 一级指标's
weight) and A2 (the weights of its participating 二级指标). The formula lines themselves were not readable
in any public copy, so every parameter comes from the system file (``method_options``) — cpxl sets none:

* 定量 indicator: S_i = S_xi / S_oi (越大越好) or S_oi / S_xi (越小越好), capped at ``s_cap``;
  P1 = Σ S_i · K'_i over the 定量 indicators, K'_i = K_i · A1 / A2 for the applicable ones;
* 定性 indicator: F'_i = K'_i when met (是), else 0; P2 = Σ F'_i;
* P = α·P1 + β·P2 (α + β = 1); 清洁生产先进企业 when P ≥ ``advanced``, 清洁生产企业 when P ≥ ``clean``.

The 基准值 S_oi of an indicator is its Ⅰ级 cell (a 试行 system has one 基准值; Ⅱ/Ⅲ are written “同Ⅰ级”);
K_i is its ``weight`` in points, A1 its 一级指标's ``weight`` in points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cpxl.domain.indicators import IndicatorSystem, require_complete

NOT_APPLICABLE = "不适用"
GRADES = ("清洁生产先进企业", "清洁生产企业")
BELOW = "未达到清洁生产企业水平"
_YES = {"是", "符合", "满足", "1", "true", "True", "yes"}
_NO = {"否", "不符合", "不满足", "0", "false", "False", "no"}


@dataclass(frozen=True)
class PIndicator:
    id: str
    name: str
    kind: str
    value: Any
    status: str  # scored | not_applicable | missing | invalid
    s: float | None  # 定量: S_i after the cap; 定性: 1 (met) or 0
    points: float  # K'_i after re-distribution (0 when not applicable)
    score: float  # S_i·K'_i or F'_i


@dataclass(frozen=True)
class PScore:
    system_id: str
    enterprise: str | None
    p1: float
    p2: float
    p: float
    grade: str
    complete: bool
    indicators: list[PIndicator]
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"P1={self.p1:.2f}，P2={self.p2:.2f}，P={self.p:.2f}：{self.grade}"
        return text + ("" if self.complete else f"（数据不完整 {len(self.problems)} 处，结论为暂定）")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = self.summary
        return out


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        try:
            return float(str(v).replace(",", "")) if v not in (None, "") else None
        except ValueError:
            return None
    return float(v) if math.isfinite(v) else None


def score_enterprise(system: IndicatorSystem, values: Mapping[str, Any], enterprise: str | None = None) -> PScore:
    """Score one enterprise by the ndrc-2005 method (see the module doc)."""
    require_complete(system)
    if system.method != "ndrc-2005":
        raise ValueError(f"指标体系「{system.name}」不是 ndrc-2005 方法")
    mo = system.method_options
    problems: list[str] = []
    results: list[PIndicator] = []
    p1 = p2 = 0.0
    for cat in system.categories:
        applicable = [i for i in cat.indicators if str(values.get(i.id, "")).strip() != NOT_APPLICABLE]
        a2 = math.fsum(i.weight for i in applicable)
        factor = cat.weight / a2 if a2 else 0.0
        for ind in cat.indicators:
            raw = values.get(ind.id)
            if ind not in applicable:
                results.append(PIndicator(ind.id, ind.name, ind.kind, raw, "not_applicable", None, 0.0, 0.0))
                continue
            points = ind.weight * factor
            label = f"「{ind.name}」（{ind.id}）"
            if raw in (None, ""):
                problems.append(f"缺少指标{label}的数据，按 0 分计")
                results.append(PIndicator(ind.id, ind.name, ind.kind, raw, "missing", None, points, 0.0))
                continue
            if ind.qualitative:
                t = str(raw).strip()
                met = 1.0 if t in _YES else 0.0 if t in _NO else None
                if met is None:
                    problems.append(f"指标{label}的值「{raw}」无效：定性指标填“是”或“否”")
                    results.append(PIndicator(ind.id, ind.name, ind.kind, raw, "invalid", None, points, 0.0))
                    continue
                results.append(PIndicator(ind.id, ind.name, ind.kind, raw, "scored", met, points, met * points))
                p2 += met * points
                continue
            x, base = _number(raw), ind.benchmarks["I"].value
            if x is None or x < 0 or base is None or base <= 0 or (x == 0 and ind.direction == "lower_better"):
                problems.append(f"指标{label}的值「{raw}」无法计算单项评价指数（须为正数）")
                results.append(PIndicator(ind.id, ind.name, ind.kind, raw, "invalid", None, points, 0.0))
                continue
            s = x / base if ind.direction == "higher_better" else base / x
            s = min(s, float(mo["s_cap"]))
            results.append(PIndicator(ind.id, ind.name, ind.kind, x, "scored", s, points, s * points))
            p1 += s * points
    p = float(mo["alpha"]) * p1 + float(mo["beta"]) * p2
    eps = 1e-9
    grade = GRADES[0] if p >= mo["advanced"] - eps else GRADES[1] if p >= mo["clean"] - eps else BELOW
    return PScore(system.id, enterprise, p1, p2, p, grade, not problems, results, problems)


def score_table(system: IndicatorSystem, rows: Iterable[Mapping[str, Any]]) -> list[PScore]:
    """Score rows of ``{"enterprise": name, <indicator id>: value, …}``."""
    out = []
    for i, row in enumerate(rows, start=1):
        name = str(row.get("enterprise") or f"第{i}家")
        out.append(score_enterprise(system, {k: v for k, v in row.items() if k != "enterprise"}, name))
    return out
