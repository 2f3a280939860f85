"""The master workbook's indicator-system sheet (指标体系) ⇄ an indicator system file."""

from __future__ import annotations

import math
from typing import Any

from cpxl.domain import packs
from cpxl.domain.indicators import DIMENSIONS, IndicatorSystem

#: Marks of a benchmark cell that is not a real benchmark yet: a template's illustrative value, and a cell a
#: partial system lacks. ``cpxl check`` and ``cpxl diagnose`` refuse a 指标体系 sheet that still has them.
PLACEHOLDER_MARKS = {"template": "【示意值，待设定】", "partial": "【待补录】"}


def _level_text(ind: Any, level: str, status: str = "complete") -> str:
    b = ind.benchmarks.get(level)
    if b is None:
        return ""
    if b.op is None:
        text = b.text
    elif b.op == "none":
        text = "（未给出）"
    else:
        text = b.describe(ind.unit) if b.op == "range" else b.describe()
    if b.placeholder or status == "template":
        mark = PLACEHOLDER_MARKS["template" if status == "template" else "partial"]
        text = mark if b.placeholder and status != "template" else mark + text
    return text


def _weight(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


def system_rows(system: IndicatorSystem) -> list[dict[str, Any]]:
    """Rows of the 指标体系 sheet for a shipped indicator system (placeholder cells marked, see
    :data:`PLACEHOLDER_MARKS`)."""
    rows = []
    for cat in system.categories:
        for ind in cat.indicators:
            rows.append({
                "category": cat.name + ("（加分项）" if cat.bonus else ""),
                "category_weight": _weight(cat.weight),
                "indicator_id": ind.id,
                "indicator": ind.name,
                "unit": ind.unit,
                "weight": _weight(ind.weight),
                "kind": "定性" if ind.qualitative else "定量",
                "limiting": "是" if ind.limiting else "否",
                "level1": _level_text(ind, "I", system.status),
                "level2": _level_text(ind, "II", system.status),
                "level3": _level_text(ind, "III", system.status),
                "dimension": DIMENSIONS.get(ind.dimension, ""),
                "quantity": ind.quantity or "",
            })
    return rows


def reported_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The indicator rows an enterprise reports itself: those whose value cpxl cannot compute from its
    Appendix B data (no computed quantity of the active industry pack)."""
    computed = packs.known_quantities()
    return [r for r in rows if (r.get("quantity") or "") not in computed]
