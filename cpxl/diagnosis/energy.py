"""Energy: standard-coal conversion (GB/T 2589) and CO2 from energy use.

Every coefficient lives in ``cpxl/data/coefficients/*.json`` with its source and status
(CONFIRMED / SECONDARY / UNCONFIRMED, see facts.md).  Any coefficient can be overridden by the
caller with ``overrides``, a mapping keyed by carrier (id or Chinese name).  Values:

* a number: the coefficient in the carrier's conventional unit (``coefficient_unit`` in
  :func:`carriers`): kgce/kg, kgce/m³, kgce/kWh, kgce/MJ, kgce/t (water) for :func:`to_tce`;
  kgCO2 per the same unit for :func:`co2_from_energy` (so 0.5703 for electricity = kgCO2/kWh);
* a dict, any of
  ``{"kgce_per_unit": x, "unit": "t"}`` — a coefficient per any accepted unit;
  ``{"ncv": x, "ncv_unit": "MJ/kg"}`` — a measured low (net) calorific value, used for tce
  (÷ 29 307 kJ/kgce) and, for fuels, for CO2;
  ``{"kgco2_per_unit": x, "unit": "t"}``, ``{"cc_tc_per_tj": x, "oxidation": 0.98}`` — CO2;
  ``"note"`` / ``"source"`` — free text carried into the result.

Units are explicit: amounts are converted by the unit table (万kWh = 10⁴ kWh, 万m³ = 10⁴ m³,
t = 1 000 kg, GJ = 1 000 MJ …).  Unknown carriers or units raise :class:`EnergyError` (a
``ValueError``) with a Chinese message listing what is accepted.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cpxl.core.paths import DATA

COEFF_DIR = DATA / "coefficients"
C_TO_CO2 = 44 / 12
DEFAULT_PURPOSE = "consumption"


class EnergyError(ValueError):
    """Bad carrier, unit, amount or missing coefficient; the message is Chinese, for a person."""


class UnknownCarrierError(EnergyError):
    pass


class UnknownUnitError(EnergyError):
    pass


class MissingFactorError(EnergyError):
    pass


# ---------------------------------------------------------------------------
# data loading


@cache
def _load(name: str) -> dict[str, Any]:
    with open(COEFF_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _kj_per_kgce() -> float:
    return float(_load("units.json")["_meta"]["kgce"]["kJ"])


def _kj_per_kcal() -> float:
    kgce = _load("units.json")["_meta"]["kgce"]
    return kgce["kJ"] / kgce["kcal"]


_PUNCT = re.compile(r"[\s·•⋅.]")


def _key(text: str) -> str:
    """Lookup key for unit and carrier names: NFKC, no spaces/dots, case-folded."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


@dataclass(frozen=True)
class Unit:
    symbol: str
    dimension: str
    factor: float  # base units per 1 of this unit


@cache
def _units() -> tuple[dict[str, Unit], dict[str, list[Unit]]]:
    index: dict[str, Unit] = {}
    by_dim: dict[str, list[Unit]] = {}
    for dim, spec in _load("units.json")["dimensions"].items():
        for u in spec["units"]:
            factor = u["factor"] if "factor" in u else u["kcal"] * _kj_per_kcal() / 1000.0
            unit = Unit(u["symbol"], dim, float(factor))
            by_dim.setdefault(dim, []).append(unit)
            for alias in [u["symbol"], *u.get("aliases", [])]:
                index[_key(alias)] = unit
    return index, by_dim


def _unit(symbol: str) -> Unit | None:
    return _units()[0].get(_key(symbol))


def _dim_name(dim: str) -> str:
    return _load("units.json")["dimensions"][dim]["name"]


def _dim_base(dim: str) -> str:
    return _load("units.json")["dimensions"][dim]["base"]


@dataclass(frozen=True)
class Carrier:
    id: str
    name: str
    group: str
    dimension: str
    default_unit: str
    per_unit: str
    kgce_per_unit: float | None
    status: str
    sources: tuple[str, ...] = ()
    note: str = ""
    aliases: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    default_status: str | None = None
    density_kg_per_m3: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def coefficient_unit(self) -> str:
        return f"kgce/{self.per_unit}"

    def accepted_units(self) -> list[str]:
        units = [u.symbol for u in _units()[1][self.dimension]]
        if self.density_kg_per_m3:
            units += [u.symbol for u in _units()[1]["volume"]]
        return units


@cache
def _carriers() -> tuple[dict[str, Carrier], dict[str, Carrier]]:
    by_id: dict[str, Carrier] = {}
    index: dict[str, Carrier] = {}
    for e in _load("standard_coal_gbt2589.json")["carriers"]:
        c = Carrier(
            id=e["id"],
            name=e["name"],
            group=e["group"],
            dimension=e["dimension"],
            default_unit=e["default_unit"],
            per_unit=e["per_unit"],
            kgce_per_unit=e["kgce_per_unit"],
            status=e["status"],
            sources=tuple(e.get("sources", ())),
            note=e.get("note", ""),
            aliases=tuple(e.get("aliases", ())),
            range=tuple(e["range"]) if e.get("range") else None,  # type: ignore[arg-type]
            default_status=e.get("default_status"),
            density_kg_per_m3=e.get("density_kg_per_m3"),
            raw=e,
        )
        by_id[c.id] = c
        for alias in (c.id, c.name, *c.aliases):
            index[_key(alias)] = c
    return by_id, index


def get_carrier(carrier: str) -> Carrier:
    """Resolve a carrier by id (``"natural_gas"``), Chinese name (``"天然气"``) or alias."""
    found = _carriers()[1].get(_key(carrier)) if carrier is not None else None
    if found is None:
        names = "、".join(f"{c.name}({c.id})" for c in _carriers()[0].values())
        raise UnknownCarrierError(f"未知能源品种“{carrier}”。可选：{names}")
    return found


def carriers() -> list[dict[str, Any]]:
    """All carriers for drop-downs: id, Chinese name, group, default unit, accepted units, coefficient."""
    out = []
    for c in _carriers()[0].values():
        out.append(
            {
                "id": c.id,
                "name": c.name,
                "group": c.group,
                "default_unit": c.default_unit,
                "units": c.accepted_units(),
                "kgce_per_unit": c.kgce_per_unit,
                "coefficient_unit": c.coefficient_unit,
                "status": c.default_status or c.status,
                "needs_override": c.kgce_per_unit is None,
            }
        )
    return out


def carrier_names() -> list[str]:
    """Chinese carrier names in table order (the list for an Excel data-validation drop-down)."""
    return [c.name for c in _carriers()[0].values()]


def units_for(carrier: str) -> list[str]:
    """Accepted unit symbols for a carrier."""
    return get_carrier(carrier).accepted_units()


# ---------------------------------------------------------------------------
# amounts and units


def _amount(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise EnergyError(f"{what}的数量“{value}”不是数值")
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).replace(",", "").strip()
        try:
            value = float(text)
        except ValueError:
            raise EnergyError(f"{what}的数量“{value}”不是数值") from None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise EnergyError(f"{what}的数量“{value}”不是数值") from None
    if not math.isfinite(number):
        raise EnergyError(f"{what}的数量“{value}”不是有限数值")
    return number


def to_base(carrier: Carrier, amount: float, unit: str) -> tuple[float, Unit]:
    """``amount`` in ``unit`` → amount in the carrier dimension's base unit (kg, m³, kWh, MJ)."""
    u = _unit(unit) if unit is not None else None
    accepted = "、".join(carrier.accepted_units())
    if u is None:
        raise UnknownUnitError(f"{carrier.name}的计量单位“{unit}”无法识别。可用单位：{accepted}")
    if u.dimension == carrier.dimension:
        return amount * u.factor, u
    if carrier.density_kg_per_m3 and carrier.dimension == "mass" and u.dimension == "volume":
        return amount * u.factor * carrier.density_kg_per_m3, u
    raise UnknownUnitError(
        f"{carrier.name}按{_dim_name(carrier.dimension)}计量，不能使用{_dim_name(u.dimension)}单位“{unit}”。"
        f"可用单位：{accepted}"
        + ("（液体燃料如需由体积换算，请先按密度折算为质量）" if carrier.group == "液体燃料" else "")
    )


def convert(amount: float, unit: str, to_unit: str) -> float:
    """Explicit unit conversion within one dimension, e.g. ``convert(1.2, "万kWh", "kWh") == 12000``."""
    a, b = _unit(unit), _unit(to_unit)
    for given, u in ((unit, a), (to_unit, b)):
        if u is None:
            known = "、".join(x.symbol for units in _units()[1].values() for x in units)
            raise UnknownUnitError(f"计量单位“{given}”无法识别。可用单位：{known}")
    assert a is not None and b is not None
    if a.dimension != b.dimension:
        raise UnknownUnitError(
            f"不能把{_dim_name(a.dimension)}单位“{unit}”换算为{_dim_name(b.dimension)}单位“{to_unit}”"
        )
    return _amount(amount, "换算") * a.factor / b.factor


def _per_unit_factor(carrier: Carrier, unit: str) -> float:
    """Base units contained in one ``unit`` of this carrier."""
    base, _ = to_base(carrier, 1.0, unit)
    return base


def _ncv_mj_per_base(carrier: Carrier, ncv: Any, ncv_unit: str) -> float:
    """Parse a calorific value like (38.931, "MJ/m³") into MJ per base unit of the carrier."""
    value = _amount(ncv, f"{carrier.name}的低位发热量")
    text = unicodedata.normalize("NFKC", str(ncv_unit))
    if "/" not in text:
        raise UnknownUnitError(
            f"{carrier.name}的低位发热量单位“{ncv_unit}”应写成 热量单位/数量单位，如 MJ/kg、GJ/万m³"
        )
    energy_sym, qty_sym = text.split("/", 1)
    eu = _unit(energy_sym)
    if eu is None or eu.dimension != "energy":
        known = "、".join(u.symbol for u in _units()[1]["energy"])
        raise UnknownUnitError(
            f"{carrier.name}的低位发热量单位“{ncv_unit}”中的热量单位无法识别。可用：{known}"
        )
    return value * eu.factor / _per_unit_factor(carrier, qty_sym)


# ---------------------------------------------------------------------------
# standard coal


@dataclass(frozen=True)
class Coefficient:
    """A resolved standard-coal coefficient, in kgce per base unit, with where it came from."""

    carrier: Carrier
    kgce_per_base: float
    status: str
    source: str
    overridden: bool
    notes: tuple[str, ...] = ()

    @property
    def per_unit(self) -> float:
        """kgce per the carrier's conventional unit (``coefficient_unit``)."""
        return self.kgce_per_base * _per_unit_factor(self.carrier, self.carrier.per_unit)


def _lookup_override(overrides: Mapping[str, Any] | None, carrier: Carrier) -> Any:
    if not overrides:
        return None
    for key, value in overrides.items():
        if get_carrier(key).id == carrier.id:
            return value
    return None


def coefficient(carrier: str | Carrier, overrides: Mapping[str, Any] | None = None) -> Coefficient:
    """The standard-coal coefficient for a carrier, after applying ``overrides``."""
    c = carrier if isinstance(carrier, Carrier) else get_carrier(carrier)
    per = _per_unit_factor(c, c.per_unit)
    ov = _lookup_override(overrides, c)
    notes: list[str] = []
    if ov is not None:
        text = ""
        if isinstance(ov, Mapping):
            text = "；".join(str(ov[k]) for k in ("note", "source") if ov.get(k))
            if ov.get("kgce_per_unit") is not None:
                unit = ov.get("unit", c.per_unit)
                kpb = _amount(ov["kgce_per_unit"], f"{c.name}的折标系数") / _per_unit_factor(c, unit)
                how = f"折标系数 {ov['kgce_per_unit']} kgce/{unit}"
            elif ov.get("ncv") is not None:
                mj = _ncv_mj_per_base(c, ov["ncv"], ov.get("ncv_unit", ""))
                kpb = mj * 1000.0 / _kj_per_kgce()
                how = f"实测低位发热量 {ov['ncv']} {ov.get('ncv_unit')}"
            else:
                kpb = None
        else:
            kpb = _amount(ov, f"{c.name}的折标系数") / per
            how = f"折标系数 {ov} {c.coefficient_unit}"
        if kpb is not None:
            notes.append(f"{c.name}：按调用方提供的{how}计算" + (f"（{text}）" if text else ""))
            if c.range and not (c.range[0] - 1e-9 <= kpb * per <= c.range[1] + 1e-9):
                notes.append(
                    f"{c.name}：覆盖后的系数 {kpb * per:.4f} {c.coefficient_unit} 超出 GB/T 2589 表中区间 "
                    f"{c.range[0]}–{c.range[1]}，请核实"
                )
            return Coefficient(c, kpb, "OVERRIDE", text or "调用方提供", True, tuple(notes))
    if c.kgce_per_unit is None:
        hint = f"（参考区间 {c.range[0]}–{c.range[1]} {c.coefficient_unit}）" if c.range else ""
        raise MissingFactorError(
            f"{c.name}没有缺省折标系数{hint}：{c.note} 请在 overrides 中提供，例如 "
            f"{{'{c.id}': {{'ncv': 数值, 'ncv_unit': 'kJ/{c.per_unit}'}}}} 或 {{'{c.id}': 系数}}"
        )
    status = c.default_status or c.status
    if status == "UNCONFIRMED":
        notes.append(
            f"{c.name}：折标系数 {c.kgce_per_unit} {c.coefficient_unit} 未经核实（UNCONFIRMED），建议核实或覆盖"
        )
    return Coefficient(c, c.kgce_per_unit / per, status, "；".join(c.sources), False, tuple(notes))


def electricity_equivalent(kgce_per_kwh: float, note: str | None = None) -> dict[str, Any]:
    """An ``overrides`` mapping that converts electricity by 等价值 (e.g. 0.305 kgce/kWh, 当年火电供电煤耗)."""
    text = "电力按等价值折算" + (f"：{note}" if note else "")
    return {"electricity": {"kgce_per_unit": float(kgce_per_kwh), "unit": "kWh", "note": text}}


def tce_row(
    carrier: str, amount: Any, unit: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Convert one amount to tce and return the details (coefficient used, status, source, notes)."""
    c = get_carrier(carrier)
    qty = _amount(amount, c.name)
    base, u = to_base(c, qty, unit)
    coef = coefficient(c, overrides)
    return {
        "carrier": c.id,
        "name": c.name,
        "amount": qty,
        "unit": u.symbol,
        "amount_base": base,
        "base_unit": _dim_base(c.dimension),
        "coefficient": coef.per_unit,
        "coefficient_unit": c.coefficient_unit,
        "tce": base * coef.kgce_per_base / 1000.0,
        "status": coef.status,
        "source": coef.source,
        "overridden": coef.overridden,
        "notes": list(coef.notes),
    }


def to_tce(carrier: str, amount: Any, unit: str, overrides: Mapping[str, Any] | None = None) -> float:
    """``amount`` of ``carrier`` in ``unit`` → tonnes of standard coal equivalent (tce)."""
    return float(tce_row(carrier, amount, unit, overrides)["tce"])


def _row_fields(row: Mapping[str, Any], i: int) -> tuple[Any, Any, Any]:
    if not isinstance(row, Mapping):
        raise EnergyError(f"第{i}行应为含 carrier、amount、unit 的字典")
    missing = [k for k in ("carrier", "amount", "unit") if row.get(k) in (None, "")]
    if missing:
        raise EnergyError(f"第{i}行缺少字段：{'、'.join(missing)}")
    return row["carrier"], row["amount"], row["unit"]


def comprehensive_energy(
    rows: Iterable[Mapping[str, Any]], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """综合能耗: sum a list of ``{carrier, amount, unit}`` in tce.

    Returns ``{"total_tce", "rows": [tce_row…], "by_carrier": {id: tce}, "notes": [...]}``.
    Negative amounts (e.g. energy supplied to others) are summed as given.
    """
    out_rows = []
    by_carrier: dict[str, float] = {}
    notes: list[str] = []
    for i, row in enumerate(rows, start=1):
        carrier, amount, unit = _row_fields(row, i)
        r = tce_row(carrier, amount, unit, overrides)
        out_rows.append(r)
        by_carrier[r["carrier"]] = by_carrier.get(r["carrier"], 0.0) + r["tce"]
        for n in r["notes"]:
            if n not in notes:
                notes.append(n)
    return {
        "total_tce": sum(r["tce"] for r in out_rows),
        "rows": out_rows,
        "by_carrier": by_carrier,
        "notes": notes,
    }


# ---------------------------------------------------------------------------
# CO2: electricity


_REGION_SUFFIXES = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "区域电网",
    "电网",
    "区域",
    "省",
    "市",
)


def _region_key(region: str | None) -> str:
    if region is None:
        return "全国"
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", str(region)))
    if text in ("", "全国", "中国", "national"):
        return "全国"
    for suffix in _REGION_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def grid_purposes() -> dict[str, str]:
    """Purpose id → Chinese name of the grid factor series."""
    return {k: v["name"] for k, v in _load("grid_co2.json")["purposes"].items()}


def grid_factor(year: int, region: str | None = None, purpose: str = DEFAULT_PURPOSE) -> dict[str, Any]:
    """Electricity CO2 factor (kgCO2/kWh) for ``year``; falls back to the nearest earlier year published.

    Returns ``{"value", "unit", "year", "year_used", "region", "purpose", "status", "source", "notes"}``.
    """
    purposes = _load("grid_co2.json")["purposes"]
    if purpose not in purposes:
        known = "、".join(f"{k}（{v['name']}）" for k, v in purposes.items())
        raise EnergyError(f"未知的电力排放因子用途“{purpose}”。可选：{known}")
    try:
        year_int = int(year)
    except (TypeError, ValueError):
        raise EnergyError(f"年份“{year}”不是整数") from None
    series = purposes[purpose]
    key = _region_key(region)
    years = sorted(int(y) for y, regions in series["years"].items() if key in regions)
    if not years:
        known = sorted({r for regions in series["years"].values() for r in regions})
        raise MissingFactorError(
            f"“{series['name']}”中没有地区“{region}”的因子。已收录地区：{'、'.join(known)}。"
            "可改用所属区域电网，或在 overrides 中提供 {'electricity': 因子}"
        )
    earlier = [y for y in years if y <= year_int]
    if not earlier:
        raise MissingFactorError(
            f"{year_int}年及以前没有“{series['name']}”（{key}）的因子，已收录年份：{'、'.join(map(str, years))}。"
            "请在 overrides 中提供 {'electricity': 因子（kgCO2/kWh）}"
        )
    used = earlier[-1]
    entry = series["years"][str(used)][key]
    notes = []
    if used != year_int:
        notes.append(
            f"{year_int}年{key}“{series['name']}”未发布或未收录，采用最近的{used}年因子 {entry['value']} kgCO2/kWh"
        )
    return {
        "value": entry["value"],
        "unit": "kgCO2/kWh",
        "year": year_int,
        "year_used": used,
        "region": key,
        "purpose": purpose,
        "status": entry["status"],
        "source": entry["source"],
        "notes": notes,
    }


# ---------------------------------------------------------------------------
# CO2: fuels and heat


def _fuel_entry(c: Carrier) -> Mapping[str, Any] | None:
    return _load("fuel_co2.json")["carriers"].get(c.id)


def _combustion_kgco2_per_base(c: Carrier, spec: Mapping[str, Any]) -> float:
    mj = _ncv_mj_per_base(c, spec["ncv"], spec["ncv_unit"])
    cc = _amount(spec["cc_tc_per_tj"], f"{c.name}的单位热值含碳量")
    ox = _amount(spec["oxidation"], f"{c.name}的碳氧化率")
    if ox > 1:
        ox = ox / 100.0  # given in percent
    # MJ → GJ; tC/TJ = kgC/GJ
    return mj / 1000.0 * cc * ox * C_TO_CO2


def _co2_factor(
    c: Carrier, year: int, region: str | None, overrides: Mapping[str, Any] | None, purpose: str
) -> tuple[float, str, str, list[str], dict[str, Any] | None]:
    """kgCO2 per base unit, status, source, notes, grid detail."""
    ov = _lookup_override(overrides, c)
    per = _per_unit_factor(c, c.per_unit)
    default = _fuel_entry(c)
    if ov is not None and not isinstance(ov, Mapping):
        value = _amount(ov, f"{c.name}的二氧化碳排放因子")
        return (
            value / per,
            "OVERRIDE",
            "调用方提供",
            [f"{c.name}：按调用方提供的排放因子 {ov} kgCO2/{c.per_unit} 计算"],
            None,
        )
    ov = ov or {}
    text = "；".join(str(ov[k]) for k in ("note", "source") if ov.get(k))
    if ov.get("kgco2_per_unit") is not None:
        unit = ov.get("unit", c.per_unit)
        value = _amount(ov["kgco2_per_unit"], f"{c.name}的二氧化碳排放因子") / _per_unit_factor(c, unit)
        note = f"{c.name}：按调用方提供的排放因子 {ov['kgco2_per_unit']} kgCO2/{unit} 计算" + (
            f"（{text}）" if text else ""
        )
        return value, "OVERRIDE", text or "调用方提供", [note], None
    if c.id == "electricity":
        g = grid_factor(year, region, purpose)
        return g["value"], g["status"], g["source"], list(g["notes"]), g
    if default is not None and default.get("method") == "factor":
        value = default["kgco2_per_unit"] / _per_unit_factor(c, default["unit"])
        return value, default["status"], default["source"], [_unconfirmed(c, default)], None
    if default is not None and default.get("method") == "via_heat":
        heat = get_carrier("heat")
        heat_factor, status, source, notes, _ = _co2_factor(heat, year, region, overrides, purpose)
        mj = _ncv_mj_per_base(c, default["heat_per_unit"], default["heat_unit"])
        notes = [*notes, _unconfirmed(c, default)]
        return mj * heat_factor, default["status"], f"{default['source']}；{source}", notes, None
    keys = ("ncv", "ncv_unit", "cc_tc_per_tj", "oxidation")
    if ov.get("ncv") is not None and not ov.get("ncv_unit"):
        raise EnergyError(f"{c.name}：给出低位发热量 ncv 时必须同时给出 ncv_unit（如 GJ/t、GJ/万m³）")
    base = dict(default) if default is not None and default.get("method") == "combustion" else {}
    spec = {**base, **{k: ov[k] for k in keys if ov.get(k) is not None}}
    if all(spec.get(k) is not None for k in keys):
        value = _combustion_kgco2_per_base(c, spec)
        given = [k for k in keys if ov.get(k) is not None]
        if given:
            note = f"{c.name}：二氧化碳参数 {'、'.join(given)} 按调用方提供的值" + (
                f"（{text}）" if text else ""
            )
            rest = [k for k in keys if k not in given and k != "ncv_unit"]
            if base and rest:
                note += f"，其余（{'、'.join(rest)}）用缺省值（UNCONFIRMED）"
            return value, "OVERRIDE", text or "调用方提供", [note], None
        return value, base["status"], base["source"], [_unconfirmed(c, base)], None
    excluded = _load("fuel_co2.json").get("excluded_groups", {})
    if c.group in excluded:
        return 0.0, "EXCLUDED", "", [f"{c.name}：{excluded[c.group]}"], None
    raise MissingFactorError(
        f"{c.name}没有缺省的二氧化碳排放参数。请在 overrides 中提供，例如 "
        f"{{'{c.id}': {{'ncv': 数值, 'ncv_unit': 'GJ/t', 'cc_tc_per_tj': 数值, 'oxidation': 0.98}}}} "
        f"或 {{'{c.id}': {{'kgco2_per_unit': 数值, 'unit': '{c.default_unit}'}}}}"
    )


def _unconfirmed(c: Carrier, entry: Mapping[str, Any]) -> str:
    return f"{c.name}：二氧化碳缺省参数未经核实（{entry.get('status', 'UNCONFIRMED')}），建议按实测或行业核算指南覆盖"


def co2_from_energy(
    rows: Iterable[Mapping[str, Any]],
    year: int,
    region: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    purpose: str = DEFAULT_PURPOSE,
    strict: bool = True,
) -> dict[str, Any]:
    """CO2 (t) from a list of ``{carrier, amount, unit}``.

    Electricity uses the grid factor for ``year``/``region``/``purpose`` (falling back to the nearest
    earlier published year, with a note); fuels use NCV × CC × OF × 44/12 with UNCONFIRMED,
    overridable defaults; heat/steam use the purchased-heat factor; 耗能工质 count 0 with a note.
    With ``strict=False`` a row without any factor gets ``tco2=None`` and a note instead of an error.

    Returns ``{"year", "region", "purpose", "rows", "by_carrier", "total_tco2", "electricity_factor", "notes"}``.
    """
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise EnergyError(f"年份“{year}”不是整数") from None
    out_rows: list[dict[str, Any]] = []
    by_carrier: dict[str, float] = {}
    notes: list[str] = []
    grid: dict[str, Any] | None = None
    for i, row in enumerate(rows, start=1):
        carrier, amount, unit = _row_fields(row, i)
        c = get_carrier(carrier)
        qty = _amount(amount, c.name)
        base, u = to_base(c, qty, unit)
        try:
            factor, status, source, row_notes, g = _co2_factor(c, year, region, overrides, purpose)
        except MissingFactorError as exc:
            if strict:
                raise
            factor, status, source, row_notes, g = None, "MISSING", "", [str(exc)], None
        grid = g or grid
        tco2 = None if factor is None else base * factor / 1000.0
        out_rows.append(
            {
                "carrier": c.id,
                "name": c.name,
                "amount": qty,
                "unit": u.symbol,
                "factor": None if factor is None else factor * _per_unit_factor(c, c.per_unit),
                "factor_unit": f"kgCO2/{c.per_unit}",
                "tco2": tco2,
                "status": status,
                "source": source,
                "notes": row_notes,
            }
        )
        if tco2 is not None:
            by_carrier[c.id] = by_carrier.get(c.id, 0.0) + tco2
        for n in row_notes:
            if n not in notes:
                notes.append(n)
    return {
        "year": year,
        "region": _region_key(region),
        "purpose": purpose,
        "rows": out_rows,
        "by_carrier": by_carrier,
        "total_tco2": sum(by_carrier.values()),
        "electricity_factor": grid,
        "notes": notes,
    }
