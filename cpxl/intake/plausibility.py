"""Plausibility checks (what ENERGY STAR's Data Quality Checker is valued for).

Year-on-year jumps within one enterprise, values far outside the peer distribution of the
industry, and unit-scale slips (吨 vs 万吨, kWh vs 万kWh). All are warnings: plausible
data can be unusual; the message asks the enterprise to confirm or correct.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cpxl.book.schema import SheetSchema, fmt_num
from cpxl.book.xlsxread import ReadRow
from cpxl.core.problems import Problem

SCALES = {1000: "千倍（如 吨 与 千克、MWh 与 kWh）", 10000: "万倍（如 万吨 与 吨、万kWh 与 kWh、万m³ 与 m³）"}


@dataclass(frozen=True)
class PlausibilitySettings:
    yoy_factor: float = 3.0  # a value more than 3× (or less than 1/3 of) the previous year's is questioned
    peer_factor: float = 5.0  # intensity more than 5× or less than 1/5 of the peer median
    min_peers: int = 5


def _scale_hint(ratio: float) -> str:
    for k, text in SCALES.items():
        if abs(math.log10(ratio) - math.log10(k)) < 0.15 or abs(math.log10(ratio) + math.log10(k)) < 0.15:
            return f"两者相差约{text}，很可能是单位量级填错。"
    return ""


def year_on_year(s: SheetSchema, rows: Sequence[ReadRow], settings: PlausibilitySettings = PlausibilitySettings()
                 ) -> list[Problem]:
    """Within one enterprise's per-year sheet: values that jump between consecutive years."""
    if not s.per_year or "year" not in s.names:
        return []
    keys = [k for k in s.key_fields if k != "year"]
    # the amounts an enterprise must report; optional side figures (reuse, stock) vary too much to judge
    numeric = [f for f in s.fields if f.is_number and f.required and f.name != "year" and f.name not in keys]
    groups: dict[tuple, dict[int, ReadRow]] = defaultdict(dict)
    for r in rows:
        y = r.values.get("year")
        if isinstance(y, int):
            key = tuple(r.values.get(k) for k in keys) + ((r.values.get("unit"),) if "unit" in s.names else ())
            groups[key].setdefault(y, r)
    out: list[Problem] = []
    for key, by_year in groups.items():
        years = sorted(by_year)
        for a, b in zip(years, years[1:], strict=False):
            if b != a + 1:
                continue
            for f in numeric:
                va, vb = by_year[a].values.get(f.name), by_year[b].values.get(f.name)
                if not (isinstance(va, (int, float)) and isinstance(vb, (int, float))) or va <= 0 or vb <= 0:
                    continue
                ratio = vb / va
                if ratio >= settings.yoy_factor or ratio <= 1 / settings.yoy_factor:
                    label = "、".join(str(k) for k in key if k)
                    label = f"{label}的{f.title}" if label else f.title
                    out.append(Problem(
                        "plausibility.year_on_year", "warning",
                        f"{label} {b} 年为 {fmt_num(vb)}，是 {a} 年（{fmt_num(va)}）的 {ratio:.3g} 倍。{_scale_hint(ratio)}",
                        "核对两年数据的单位和数量级；如确实变化较大，请在备注或说明中写明原因",
                        sheet=s.sheet, cell=by_year[b].cells[f.name], field=f.title, value=vb))
    return out


@dataclass
class Intensity:
    enterprise: str
    file: str
    sheet: str
    cell: str
    label: str  # e.g. "电力（kWh）"
    year: int
    value: float  # quantity per unit of output


def peer_outliers(items: Iterable[Intensity], settings: PlausibilitySettings = PlausibilitySettings()) -> list[Problem]:
    """Intensities (quantity per unit of output) far from the median of the same item across enterprises."""
    groups: dict[tuple[str, int], list[Intensity]] = defaultdict(list)
    for it in items:
        if it.value > 0:
            groups[(it.label, it.year)].append(it)
    out: list[Problem] = []
    for (label, year), its in groups.items():
        if len({i.enterprise for i in its}) < settings.min_peers:
            continue
        med = statistics.median(i.value for i in its)
        for it in its:
            ratio = it.value / med
            if ratio >= settings.peer_factor or ratio <= 1 / settings.peer_factor:
                out.append(Problem(
                    "plausibility.peer", "warning",
                    f"{year} 年单位产品{label}为 {it.value:.4g}，是同行业企业中位数（{med:.4g}）的 {ratio:.3g} 倍。"
                    f"{_scale_hint(ratio)}",
                    "核对该数量及产量的单位和数量级；如数据无误，请说明原因",
                    file=it.file, sheet=it.sheet, cell=it.cell, value=it.value, enterprise=it.enterprise))
    return out


def intensities(enterprise: str, file: str, records: Mapping[str, Sequence[Mapping[str, Any]]],
                sheets: Mapping[str, str]) -> list[Intensity]:
    """Per-year consumption per unit of the main product's output, from one enterprise's records."""
    output: dict[int, float] = {}
    for r in records.get("ent_products", ()):
        if isinstance(r.get("output"), (int, float)) and isinstance(r.get("year"), int) and r["output"] > 0:
            output.setdefault(r["year"], r["output"])
    out = []
    spec = (("ent_energy", "carrier", "consumption"), ("ent_water", "source", "intake"),
            ("ent_materials", "material", "consumption"))
    for key, name_field, value_field in spec:
        for r in records.get(key, ()):
            y, v = r.get("year"), r.get(value_field)
            if y in output and isinstance(v, (int, float)):
                unit = r.get("unit") or ("m³" if key == "ent_water" else "")
                out.append(Intensity(enterprise, file, sheets.get(key, ""), r.get("_cells", {}).get(value_field, ""),
                                     f"{r.get(name_field)}（{unit}）", y, v / output[y]))
    return out
