"""Absolute plausibility ranges: values no enterprise of the industry can have, whatever its peers report.

The peer and year-on-year checks of :mod:`cpxl.intake.plausibility` need several enterprises or years and
only warn. A value outside its physical range is an error from the first file on — a ×10³–10⁶ unit slip
(5 040 000 万kWh), a negative amount, a share above 100 %:

* per cell: a reported indicator (行业指标填报) outside 0–100 % or negative; a concentration that exceeds the
  limit of the pack's discharge standard by the pack's factor (``plausibility.ranges[].check`` of kind
  ``concentration``), pH outside 0–14;
* per enterprise and year: a computed intensity (``check`` of kind ``derived``, e.g. comprehensive energy
  per unit of product) outside the pack's range, with the numbers that went into it.

The ranges and their sources are data (``cpxl/data/packs/<id>/pack.json``); the message says what was typed,
what the range is and where it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cpxl.book.schema import SheetSchema, fmt_num
from cpxl.book.xlsxread import ReadRow
from cpxl.core.problems import Problem
from cpxl.diagnosis.derive import derive_enterprise
from cpxl.domain import packs

_CONC_SHEETS = {"ent_wastewater": "wastewater", "ent_wastegas": "wastegas"}


def _limit(pollutant: Mapping[str, Any]) -> float | None:
    """The strictest in-force daily/standard limit of a pollutant (the basis of a factor-of-limit range)."""
    values = [lim["value"] for lim in pollutant.get("limits", ())
              if isinstance(lim.get("value"), (int, float)) and not lim.get("expired")
              and "1小时" not in str(lim.get("type", "")) and "间接" not in str(lim.get("type", ""))]
    return min(values) if values else None


def _unit_key(u: Any) -> str:
    return str(u or "").replace("Nm³", "m³").replace("N", "").strip()


def cell_ranges(s: SheetSchema, rows: Sequence[ReadRow], pack: packs.Pack | None = None) -> list[Problem]:
    """Cells of one sheet outside their absolute range (see the module doc)."""
    pack = pack or packs.active()
    out: list[Problem] = []
    if s.key == "ent_indicators":
        for r in rows:
            v, unit = r.values.get("value"), str(r.values.get("unit") or "")
            if not isinstance(v, (int, float)) or "value" in r.texts:
                continue
            name = r.values.get("indicator") or r.values.get("indicator_id")
            if v < 0:
                out.append(Problem("range.negative", "error", f"指标「{name}」的值 {fmt_num(v)} 为负数",
                                   "核对数值和符号；指标值不会为负", cell=r.cells.get("value", ""), field="指标值", value=v))
            elif unit.strip() == "%" and v > 100:
                out.append(Problem("range.percent", "error", f"指标「{name}」的值 {fmt_num(v)}% 超过 100%",
                                   "百分比按 0～100 填写（如 85 表示 85%）；核对分子分母是否填反",
                                   cell=r.cells.get("value", ""), field="指标值", value=v))
        return out
    medium = _CONC_SHEETS.get(s.key)
    if medium is None:
        return out
    factor = next((float(c["check"]["factor_of_limit"]) for c in pack.ranges
                   if (c.get("check") or {}).get("kind") == "concentration" and c["check"].get("sheet") == s.key), None)
    for r in rows:
        c = r.values.get("concentration")
        if not isinstance(c, (int, float)) or "concentration" in r.texts:
            continue
        name = str(r.values.get("pollutant") or "")
        if name == "pH值":
            if not 0 <= c <= 14:
                out.append(Problem("range.ph", "error", f"pH 值 {fmt_num(c)} 不在 0～14 之间", "核对 pH 值（无量纲）",
                                   cell=r.cells.get("concentration", ""), field="排放浓度", value=c))
            continue
        p = pack.pollutant(medium, name)
        limit = _limit(p) if p else None
        if factor is None or limit is None or not limit:
            continue
        if _unit_key(r.values.get("conc_unit")) != _unit_key(packs._conc_unit(p.get("unit", ""))):
            continue  # another unit than the standard's: the limit cannot be compared
        if c > factor * limit:
            std = next((lim.get("standard", "") + lim.get("table", "") for lim in p.get("limits", ())
                        if lim.get("value") == limit), "")
            out.append(Problem("range.concentration", "error",
                               f"{name}排放浓度 {fmt_num(c)} {r.values.get('conc_unit', '')} 是{std}限值 {fmt_num(limit)} 的 "
                               f"{c / limit:.0f} 倍，超出可能的范围（限值的 {factor:g} 倍）",
                               "核对浓度单位（如 μg 与 mg、ng 与 μg）和数量级；确为实测值的，请附监测报告并联系审核组",
                               cell=r.cells.get("concentration", ""), field="排放浓度", value=c))
    return out


def derived_ranges(records: Mapping[str, Sequence[Mapping[str, Any]]], years: Sequence[int],
                   sheets: Mapping[str, str] | None = None, pack: packs.Pack | None = None) -> list[Problem]:
    """Computed intensities of one enterprise outside the pack's absolute ranges, per year."""
    pack = pack or packs.active()
    checks = [c for c in pack.ranges if (c.get("check") or {}).get("kind") == "derived"]
    if not checks:
        return []
    recs = {k: [{kk: vv for kk, vv in r.items() if not kk.startswith("_")} for r in rows if r.get("_ok", True)]
            for k, rows in records.items()}
    out: list[Problem] = []
    for y in years:
        derived = derive_enterprise(recs, y)
        for c in checks:
            q = c["check"]["derived"]
            d = derived.get(q)
            if d is None or d.value is None:
                continue
            low, high = c.get("low"), c.get("high")
            if (low is not None and d.value < low) or (high is not None and d.value > high):
                span = f"{'' if low is None else fmt_num(low)}～{'' if high is None else fmt_num(high)} {c.get('unit', d.unit)}"
                out.append(Problem(
                    "range.intensity", "error",
                    f"{y} 年{d.name}为 {d.value:.4g} {d.unit}，超出本行业可能的范围 {span}（{c.get('source', '')}）：{d.formula}",
                    "多半是单位或数量级填错（如 万kWh 与 kWh、万t 与 t、m³ 与 万m³）：核对能源、取水、产量的数值和单位",
                    sheet=(sheets or {}).get("ent_products", ""), field=d.name, value=round(d.value, 6)))
    return out
