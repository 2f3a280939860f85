"""Derived quantities (计算量): indicator values computed from an enterprise's Appendix B data.

Pure functions over the consolidated records of the master workbook (``all_ent_products``,
``all_ent_energy``, ``all_ent_water``, ``all_ent_materials``, ``all_ent_solidwaste``,
``all_ent_wastegas``, ``all_ent_wastewater``; the ``ent_*`` keys of one enterprise's template work too).

Every result is a :class:`Derived`: the value, the formula with the numbers that went in, the
inputs, notes (e.g. the status of a standard-coal coefficient) and — when the value cannot be
computed — the reasons, in Chinese. A missing input never becomes 0: the value is then ``None``.

Nothing here is industry-specific. The denominator of a per-unit quantity is the enterprise's product output
as the indicator system or the industry pack defines it (``denominator``: the sum of all products of one
dimension — 22 000 t + 6 000 t = 28 000 t —, or the products whose names match given words), named by the pack
(“产品产量”, “危险废物焚烧处置量” …). A pack may define further quantities (``quantities`` in pack.json) from the
bases here: per-unit materials of a 用途, output and utilisation rates of named wastes, and so on.

Coefficients come from :mod:`cpxl.diagnosis.energy` (GB/T 2589 for standard coal, the MEE/NBS grid factors for
CO₂); ``DeriveOptions.energy_overrides`` and ``co2_overrides`` are passed through unchanged
(see the module doc of ``cpxl.diagnosis.energy`` for their form).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from cpxl.domain import packs

from . import compliance
from .amounts import (
    _utilization,
    co2_from_energy,
    comprehensive_energy,
    concentrations,
    discharges,
    general_solid_waste_utilization,
    material_amount,
    product_output,
    waste_amounts,
    water_intake,
)
from .quantity import POLLUTANTS, Derived, DeriveOptions, _den_unit, _fmt, _ratio, quantity_info

__all__ = ["Derived", "DeriveOptions", "by_enterprise", "co2_from_energy", "comprehensive_energy",
           "concentration_code", "concentration_of", "derive_all", "derive_enterprise", "material_amount", "product_output", "quantity_info", "to_indicator_unit",
           "waste_amounts", "water_intake"]

# --------------------------------------------------------------------------- all quantities


def derive_enterprise(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                      options: DeriveOptions | Mapping[str, Any] | None = None,
                      denominators: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Derived]:
    """Every derived quantity of one enterprise for ``year``, keyed by code (see :func:`quantity_info`): the bases
    any industry has and the active pack's own quantities.

    ``records`` holds that enterprise's rows by ``ent_*`` or ``all_ent_*`` key; ``denominators`` maps a quantity
    code to the denominator its indicator defines (overriding the pack's).
    """
    opts = DeriveOptions.make(options)
    pack = packs.active()
    denominators = denominators or {}
    out: dict[str, Derived] = {}
    product = product_output(records, year, opts)
    out["product_output"] = product
    tce = comprehensive_energy(records, year, opts)
    water = water_intake(records, year)
    co2 = co2_from_energy(records, year, opts)
    out["energy_tce"], out["water_intake"], out["co2_energy"] = tce, water, co2

    def per_unit(code: str, num: Derived, factor: float, spec: Mapping[str, Any] | None = None) -> Derived:
        den = product
        d_spec = denominators.get(code) or (spec or {}).get("denominator")
        if d_spec:
            den = product_output(records, year, opts, d_spec)
        name, unit = quantity_info(pack).get(code, (code, ""))
        if d_spec and not (spec and spec.get("unit")):
            unit = unit.split("/")[0] + "/" + _den_unit(d_spec)
        return _ratio(code, num, den, factor, [(spec or {}).get("note", "")] if (spec or {}).get("note") else (),
                      name, unit)

    out["energy_per_unit_product"] = per_unit("energy_per_unit_product", tce, 1000.0)
    out["water_per_unit_product"] = per_unit("water_per_unit_product", water, 1.0)
    out["co2_per_unit_product"] = per_unit("co2_per_unit_product", co2, 1000.0)
    out["solid_waste_utilization_rate"] = general_solid_waste_utilization(records, year)
    found = discharges(records, year)
    for pollutant, (amount, unit, problems) in found.items():
        slug = POLLUTANTS.get(pollutant)
        if slug is None:
            continue
        label = "废水排放量" if pollutant == "废水量" else f"{pollutant}排放量"
        base = Derived(f"{slug}_discharged", label, unit, year, amount, "", {f"{slug}_discharged_{unit}": amount},
                       problems=tuple(problems))
        out[f"{slug}_discharge_per_unit_product"] = per_unit(f"{slug}_discharge_per_unit_product", base, 1.0)
    for (medium, pollutant), rows in concentrations(records, year).items():
        out[concentration_code(medium, pollutant)] = _concentration(medium, pollutant, rows, year)
    main = _main_pollutants(found, opts, year)
    out["pollutant_per_unit_product"] = per_unit("pollutant_per_unit_product", main, 1.0)

    bases = {"energy_per_unit_product": (tce, 1000.0), "water_per_unit_product": (water, 1.0),
             "co2_per_unit_product": (co2, 1000.0), "pollutant_per_unit_product": (main, 1.0)}
    for code, spec in pack.quantities.items():
        b = spec["base"]
        if b == "product_output":
            d = product_output(records, year, opts, spec.get("denominator") or denominators.get(code))
            out[code] = replace(d, quantity=code, name=spec["name"], unit=spec["unit"])
        elif b in bases:
            out[code] = per_unit(code, bases[b][0], bases[b][1], spec)
        elif b == "material_per_unit_product":
            out[code] = per_unit(code, material_amount(records, year, spec["purpose"]), 1000.0, spec)
        elif b in ("waste_output_rate", "waste_utilization_rate"):
            gen, use = waste_amounts(records, year, spec["waste"])
            out[code] = (per_unit(code, gen, 100.0, spec) if b == "waste_output_rate"
                         else _utilization(code, gen, use, spec["name"]))
        elif b == "solid_waste_utilization_rate":
            out[code] = replace(out[b], quantity=code, name=spec["name"])
        elif b == "discharge_per_unit_product":
            amount, unit, problems = found.get(spec["pollutant"], (None, "kg", [f"未填报{spec['pollutant']}的排放量"]))
            base = Derived("discharged", f"{spec['pollutant']}排放量", unit, year, amount, problems=tuple(problems))
            out[code] = per_unit(code, base, 1.0, spec)
    return out


CONCENTRATION_PREFIX = "concentration:"


def concentration_code(medium: str, pollutant: str) -> str:
    """The code of the derived discharge concentration of a B.3 pollutant, e.g. ``concentration:废气:氟化氢``."""
    return f"{CONCENTRATION_PREFIX}{medium}:{pollutant}"


def _concentration(medium: str, pollutant: str, rows: Sequence[tuple[str, float, str]], year: int) -> Derived:
    """The discharge concentration of one pollutant: the highest of its outlets (each outlet must meet the limit,
    so the highest is the one compared with a benchmark or a limit), in the unit of the first row."""
    unit = next((u for _, _, u in rows if u), "")
    vals, problems = [], []
    for outlet, c, u in rows:
        v = compliance.convert(c, u, unit) if u and unit else (c if not u and not unit else None)
        where = f"排放口{outlet}" if outlet else "未注明排放口"
        if v is None:
            problems.append(f"{year} 年{medium}“{pollutant}”{where}的浓度单位“{u or '未填'}”与“{unit or '未填'}”无法换算")
            continue
        vals.append((where, v))
    value = max(v for _, v in vals) if vals and not problems else None
    sheet = f"附录B B.3{medium}"
    if len(vals) == 1:
        formula = f"{pollutant}排放浓度取{sheet}中{vals[0][0]}的填报值 {_fmt(vals[0][1])} {unit}"
    else:
        formula = (f"{pollutant}排放浓度取{sheet}中各排放口的最高值："
                   + "、".join(f"{w} {_fmt(v)}" for w, v in vals) + f" → {_fmt(value)} {unit}")
    return Derived(concentration_code(medium, pollutant), f"{pollutant}排放浓度", unit, year, value, formula,
                   {w: v for w, v in vals}, problems=tuple(problems))


def concentration_of(ind_name: str, ind_unit: str | None, derived: Mapping[str, Derived]) -> Derived | None:
    """The derived B.3 concentration an indicator such as “HF浓度（日均值）” in mg/Nm³ is, if any: the indicator's
    unit is a concentration of the medium and its name names the pollutant (names, formulas, 「…及其化合物」)."""
    medium = compliance.concentration_medium(ind_unit or "")
    if medium is None:
        return None
    prefix = concentration_code(medium, "")
    names = [code[len(prefix):] for code in derived if code.startswith(prefix)]
    pollutant = compliance.pollutant_in_text(ind_name, names)
    return derived.get(concentration_code(medium, pollutant)) if pollutant else None


def _main_pollutants(found: Mapping[str, tuple[float | None, str, list[str]]], opts: DeriveOptions,
                     year: int) -> Derived:
    total, parts, problems, absent = 0.0, [], [], []
    for p in opts.main_pollutants:
        if p not in found:
            absent.append(p)
            continue
        amount, unit, probs = found[p]
        problems += probs
        if amount is not None:
            total += amount
            parts.append(f"{p} {_fmt(amount)} {unit}")
    notes = [f"主要污染物：{'、'.join(opts.main_pollutants)}"]
    if absent:
        notes.append(f"未填报 {'、'.join(absent)} 的排放量，未计入")
    if len(absent) == len(opts.main_pollutants):
        problems.append(f"{year} 年没有任何主要污染物（{'、'.join(opts.main_pollutants)}）的排放量")
    return Derived("main_pollutants_discharged", "主要污染物排放量", "kg", year, None if problems else total,
                   "主要污染物排放量 = " + " + ".join(parts) + f" = {_fmt(total)} kg", {}, tuple(notes),
                   tuple(problems))


def by_enterprise(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, dict[str, list[Mapping[str, Any]]]]:
    """Consolidated ``all_ent_*`` rows grouped by 统一社会信用代码: uscc → ``ent_*`` key → rows."""
    out: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for key, rows in data.items():
        if not key.startswith("all_ent_"):
            continue
        for r in rows:
            uscc = r.get("ent_uscc")
            if uscc:
                out.setdefault(str(uscc), {}).setdefault(key[len("all_"):], []).append(r)
    return out


def derive_all(data: Mapping[str, Sequence[Mapping[str, Any]]], years: Iterable[int],
               options: DeriveOptions | Mapping[str, Any] | None = None,
               denominators: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[int, dict[str, Derived]]]:
    """Every enterprise of the consolidated data: uscc → year → quantity → :class:`Derived`."""
    opts = DeriveOptions.make(options)
    years = list(years)
    return {uscc: {y: derive_enterprise(recs, y, opts, denominators) for y in years}
            for uscc, recs in by_enterprise(data).items()}


# --------------------------------------------------------------------------- units of an indicator


_UNIT_FACTORS = {
    ("kgce/t", "tce/t"): 1e-3,
    ("tce/t", "kgce/t"): 1e3,
    ("kgco2/t", "tco2/t"): 1e-3,
    ("tco2/t", "kgco2/t"): 1e3,
    ("kg/t", "g/t"): 1e3,
    ("kg/t", "t/t"): 1e-3,
    ("m3/t", "l/t"): 1e3,
}


def _unit_key(unit: str) -> str:
    return unicodedata.normalize("NFKC", unit).replace(" ", "").replace("·", "").casefold()


def to_indicator_unit(d: Derived, unit: str | None) -> tuple[float | None, str | None]:
    """``d.value`` in the indicator's unit; a note when the units differ (converted, or not convertible)."""
    if d.value is None or not unit or _unit_key(unit) == _unit_key(d.unit):
        return d.value, None
    factor = _UNIT_FACTORS.get((_unit_key(d.unit), _unit_key(unit)))
    if factor is None and compliance.concentration_medium(d.unit):
        factor = compliance.convert(1.0, d.unit, unit)
        if factor == 1.0:  # the same unit written differently (mg/Nm³, mg/m³ of a standard)
            return d.value, None
    if factor is None:
        return d.value, f"计算量单位为 {d.unit}，与指标单位 {unit} 不一致且无法换算，按 {d.unit} 的数值评分，请核实"
    return d.value * factor, f"由 {d.unit} 换算为 {unit}"
