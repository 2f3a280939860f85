"""The vocabulary of derived quantities: :class:`Derived` (a value with its formula, inputs, notes and
problems), :class:`DeriveOptions`, the units of product output and the quantity names of a pack."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from cpxl.domain import packs

from . import energy

#: Energy carriers of the ``ent_energy`` drop-down → carrier ids of :mod:`cpxl.diagnosis.energy`.
CARRIERS: dict[str, str] = {
    "电力": "electricity",
    "天然气": "natural_gas",
    "原煤": "raw_coal",
    "柴油": "diesel",
    "汽油": "gasoline",
    "燃料油": "fuel_oil",
    "液化石油气": "lpg",
    "蒸汽": "steam",
    "热力": "heat",
    "焦炭": "coke",
}
NOT_CONVERTIBLE = frozenset({"其他"})

#: Mass units of products, materials and wastes → t.
MASS_TO_T: dict[str, float] = {"t": 1.0, "吨": 1.0, "万t": 1e4, "万吨": 1e4, "kg": 1e-3, "千克": 1e-3, "g": 1e-6}

#: Pollutants of B.3 废气/废水 → slug of their per-unit-product quantity ``<slug>_discharge_per_unit_product``.
POLLUTANTS: dict[str, str] = {
    "颗粒物": "particulate_matter", "二氧化硫": "so2", "氮氧化物": "nox", "氯化氢": "hcl", "氟化氢": "hf",
    "一氧化碳": "co", "二噁英类": "dioxins", "汞及其化合物": "mercury", "挥发性有机物": "vocs", "非甲烷总烃": "nmhc",
    "废水量": "wastewater", "化学需氧量": "cod", "五日生化需氧量": "bod5", "氨氮": "ammonia_nitrogen",
    "总氮": "total_nitrogen", "总磷": "total_phosphorus", "悬浮物": "suspended_solids", "石油类": "petroleum",
    "总汞": "total_mercury", "总镉": "total_cadmium", "总铬": "total_chromium", "六价铬": "hexavalent_chromium",
    "总铅": "total_lead", "总砷": "total_arsenic", "总镍": "total_nickel", "总铜": "total_copper", "总锌": "total_zinc",
    "总氰化物": "total_cyanide", "苯胺类": "aniline", "可吸附有机卤素": "aox",
}

#: Units of product output → (dimension base unit, factor to it).
PRODUCT_UNITS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0), "吨": ("t", 1.0), "万t": ("t", 1e4), "万吨": ("t", 1e4), "kg": ("t", 1e-3), "千克": ("t", 1e-3),
    "m²": ("m²", 1.0), "m2": ("m²", 1.0), "平方米": ("m²", 1.0), "万m²": ("m²", 1e4), "万平方米": ("m²", 1e4),
    "m": ("m", 1.0), "米": ("m", 1.0), "100m": ("m", 100.0), "百米": ("m", 100.0), "万米": ("m", 1e4), "km": ("m", 1e3),
    "件": ("件", 1.0), "万件": ("件", 1e4), "m³": ("m³", 1.0), "万m³": ("m³", 1e4),
}
DIMENSION_ZH = {"t": "质量", "m²": "面积", "m": "长度", "件": "件数", "m³": "体积"}

GENERAL_SOLID_WASTE = "一般工业固体废物"


_INFO: dict[int, tuple[packs.Pack, dict[str, tuple[str, str]]]] = {}


def quantity_info(pack: packs.Pack | None = None) -> dict[str, tuple[str, str]]:
    """Every quantity this module computes for ``pack`` (default: the active one): code → (name, unit).

    Made once per pack (it is asked for every value computed); the dict returned is shared: read it only."""
    p = pack or packs.active()
    hit = _INFO.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    _INFO[id(p)] = (p, _quantity_info(p))
    return _INFO[id(p)][1]


def _quantity_info(p: packs.Pack) -> dict[str, tuple[str, str]]:
    den = _den_unit(p.denominator)
    out = {
        "product_output": (p.output_name, den),
        "energy_tce": ("综合能耗", "tce"),
        "water_intake": ("取水量", "m³"),
        "co2_energy": ("能源消费二氧化碳排放量", "tCO₂"),
        "energy_per_unit_product": ("单位产品综合能耗", f"kgce/{den}"),
        "water_per_unit_product": ("单位产品取水量", f"m³/{den}"),
        "co2_per_unit_product": ("单位产品二氧化碳排放量（能源消费）", f"kgCO₂/{den}"),
        "pollutant_per_unit_product": ("单位产品主要污染物排放量", f"kg/{den}"),
        "solid_waste_utilization_rate": ("一般工业固体废物综合利用率", "%"),
    }
    for name, slug in POLLUTANTS.items():
        out[f"{slug}_discharge_per_unit_product"] = (f"单位产品{name}排放量", f"m³/{den}" if slug == "wastewater"
                                                     else f"kg/{den}")
    for code, spec in p.quantities.items():
        out[code] = (spec["name"], spec["unit"])
    return out


def _den_unit(spec: Mapping[str, Any] | None) -> str:
    return str((spec or {}).get("unit") or "t")


@dataclass(frozen=True)
class DeriveOptions:
    """How derived quantities are computed; every field has a default."""

    energy_overrides: Mapping[str, Any] | None = None  # passed to energy.comprehensive_energy
    co2_overrides: Mapping[str, Any] | None = None  # passed to energy.co2_from_energy
    grid_region: str | None = None  # None: national grid factor
    grid_purpose: str = energy.DEFAULT_PURPOSE
    grid_year: int | None = None  # None: the data year (nearest earlier published year is used)
    main_product: str | None = None  # exact product name as the denominator; None: the pack's/indicator's rule
    main_pollutants: tuple[str, ...] = ("化学需氧量", "氨氮", "二氧化硫", "氮氧化物")
    allow_partial: bool = False  # True: a sum with unconvertible rows is still given (with a note)

    @classmethod
    def make(cls, options: DeriveOptions | Mapping[str, Any] | None) -> DeriveOptions:
        if options is None:
            return cls()
        if isinstance(options, DeriveOptions):
            return options
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise ValueError(f"未知的计算选项：{'、'.join(unknown)}；可用的有：{'、'.join(sorted(names))}")
        kw = dict(options)
        for k in ("main_pollutants",):
            if k in kw and isinstance(kw[k], str):
                kw[k] = (kw[k],)
            elif k in kw:
                kw[k] = tuple(kw[k])
        return replace(cls(), **kw)


@dataclass(frozen=True)
class Derived:
    """One derived quantity of one enterprise and year."""

    quantity: str
    name: str
    unit: str
    year: int
    value: float | None
    formula: str = ""  # the computation with its numbers, in Chinese
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # coefficient status, proxies used, …
    problems: tuple[str, ...] = ()  # why the value is missing or incomplete

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def basis(self) -> str:
        """One line for the 指标值汇总 sheet: formula, notes and problems."""
        parts = [self.formula] if self.formula else []
        parts += list(self.notes)
        parts += [f"问题：{p}" for p in self.problems]
        return "；".join(p.rstrip("。；") for p in parts if p) + ("。" if parts else "")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["notes"], out["problems"] = list(self.notes), list(self.problems)
        return out


# --------------------------------------------------------------------------- helpers


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "—"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - mag)
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").strip()


def _rows(records: Mapping[str, Sequence[Mapping[str, Any]]], key: str, year: int) -> list[Mapping[str, Any]]:
    """The rows of ``ent_<key>`` (or ``all_ent_<key>``) for ``year``."""
    rows = records.get(f"ent_{key}")
    if rows is None:
        rows = records.get(f"all_ent_{key}", ())
    return [r for r in rows if r.get("year") == year]


def _mass_t(amount: Any, unit: Any) -> float | None:
    a = _num(amount)
    f = MASS_TO_T.get(_norm(unit))
    return None if a is None or f is None else a * f


def _make(quantity: str, year: int, value: float | None, formula: str = "", inputs: Mapping[str, Any] | None = None,
          notes: Iterable[str] = (), problems: Iterable[str] = (), name: str | None = None,
          unit: str | None = None) -> Derived:
    if name is None or unit is None:
        name, unit = quantity_info().get(quantity, (quantity, ""))
    probs = tuple(dict.fromkeys(problems))
    if value is None and not probs:
        probs = (f"无法计算{name}",)
    return Derived(quantity, name, unit, year, value, formula, dict(inputs or {}), tuple(dict.fromkeys(notes)), probs)


def _ratio(quantity: str, num: Derived, den: Derived, factor: float, extra_notes: Iterable[str] = (),
           name: str | None = None, unit: str | None = None) -> Derived:
    """``num × factor ÷ den`` with the inputs, notes and problems of both."""
    value = None
    if num.ok and den.ok and den.value:
        value = num.value * factor / den.value  # type: ignore[operator]
    problems = [*num.problems, *den.problems]
    if den.ok and not den.value:
        problems.append(f"{den.name}为 0，无法计算")
    if name is None or unit is None:
        name, unit = quantity_info().get(quantity, (quantity, ""))
    formula = (f"{num.name} {_fmt(num.value)} {num.unit}"
               + (f" × {factor:g}" if factor != 1 else "")
               + f" ÷ {den.name} {_fmt(den.value)} {den.unit} = {_fmt(value)} {unit}")
    details = [f for f in (num.formula, den.formula) if "+" in f or "×" in f]
    if details:
        formula += f"（其中 {'；'.join(details)}）"
    inputs = {num.quantity: num.value, den.quantity: den.value, **num.inputs, **den.inputs}
    return _make(quantity, num.year, value, formula, inputs, [*extra_notes, *num.notes, *den.notes], problems,
                 name, unit)
