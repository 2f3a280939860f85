"""The master workbook's indicator-system sheet (指标体系) ⇄ an indicator system file."""

from __future__ import annotations

from typing import Any

from cpxl.domain.indicators import DIMENSIONS, IndicatorSystem

#: Quantities cpxl computes from an enterprise's Appendix B data (see ``derive``);
#: indicators based on them are not asked of the enterprise in its template.
DERIVED_QUANTITIES = frozenset({
    "energy_per_t_waste",
    "water_per_t_waste",
    "denitration_agent_per_t_waste_fed",
    "deacidification_agent_per_t_waste_fed",
    "bottom_ash_output_rate",
    "fly_ash_output_rate",
    "bottom_ash_utilization_rate",
    "fly_ash_utilization_rate",
    "co2_per_t_waste",
})


def _level_text(ind: Any, level: str) -> str:
    b = ind.benchmarks.get(level)
    if b is None:
        return ""
    if b.op is None:
        return b.text
    if b.op == "none":
        return "（未给出）"
    return b.describe(ind.unit) if b.op == "range" else b.describe()


def system_rows(system: IndicatorSystem) -> list[dict[str, Any]]:
    """Rows of the 指标体系 sheet for a shipped indicator system."""
    rows = []
    for cat in system.categories:
        for ind in cat.indicators:
            rows.append({
                "category": cat.name + ("（加分项）" if cat.bonus else ""),
                "category_weight": cat.weight,
                "indicator_id": ind.id,
                "indicator": ind.name,
                "unit": ind.unit,
                "weight": ind.weight,
                "kind": "定性" if ind.qualitative else "定量",
                "limiting": "是" if ind.limiting else "否",
                "level1": _level_text(ind, "I"),
                "level2": _level_text(ind, "II"),
                "level3": _level_text(ind, "III"),
                "dimension": DIMENSIONS.get(ind.dimension, ""),
                "quantity": ind.quantity or "",
            })
    return rows


def reported_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The indicator rows an enterprise reports itself (not computed from its Appendix B data)."""
    return [r for r in rows if (r.get("quantity") or "") not in DERIVED_QUANTITIES]
