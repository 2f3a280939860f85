"""Derived quantities (计算量): indicator values computed from an enterprise's Appendix B data.

Pure functions over the consolidated records of the master workbook (``all_ent_products``,
``all_ent_energy``, ``all_ent_water``, ``all_ent_materials``, ``all_ent_solidwaste``,
``all_ent_wastegas``, ``all_ent_wastewater``; the ``ent_*`` keys of one enterprise's template work too).

Every result is a :class:`Derived`: the value, the formula with the numbers that went in, the
inputs, notes (e.g. the status of a standard-coal coefficient) and — when the value cannot be
computed — the reasons, in Chinese. A missing input never becomes 0: the value is then ``None``.

The product of the hazardous-waste incineration industry is the quantity of waste incinerated
(危险废物焚烧处置量, t). The data hold one quantity of waste only, so it stands for both the waste
received (入厂) and the waste fed (入炉); each per-tonne value says so in its notes.

Coefficients come from :mod:`cpxl.diagnosis.energy` (GB/T 2589 for standard coal, the MEE/NBS grid factors for
CO₂); ``DeriveOptions.energy_overrides`` and ``co2_overrides`` are passed through unchanged
(see the module doc of ``cpxl.diagnosis.energy`` for their form).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

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

#: Name, unit and meaning of every quantity this module computes (the ``quantity`` of an indicator).
QUANTITIES: dict[str, tuple[str, str]] = {
    "waste_treated": ("危险废物焚烧处置量", "t"),
    "energy_tce": ("综合能耗", "tce"),
    "energy_per_t_waste": ("吨入厂危废综合能耗", "kgce/t"),
    "energy_per_unit_product": ("单位产品综合能耗", "kgce/t"),
    "water_intake": ("取水量", "m³"),
    "water_per_t_waste": ("吨入厂危废水消耗量", "m³/t"),
    "water_per_unit_product": ("单位产品取水量", "m³/t"),
    "denitration_agent": ("脱硝辅料消耗量", "t"),
    "denitration_agent_per_t_waste_fed": ("吨入炉危废脱硝辅料消耗量", "kg/t"),
    "deacidification_agent": ("脱硫脱酸辅料消耗量", "t"),
    "deacidification_agent_per_t_waste_fed": ("吨入炉危废脱硫脱酸辅料消耗量", "kg/t"),
    "bottom_ash": ("焚烧炉渣产生量", "t"),
    "fly_ash": ("飞灰产生量", "t"),
    "bottom_ash_output_rate": ("炉渣产出率", "%"),
    "fly_ash_output_rate": ("飞灰产出率", "%"),
    "bottom_ash_utilization_rate": ("炉渣资源化利用率", "%"),
    "fly_ash_utilization_rate": ("飞灰资源化利用率", "%"),
    "solid_waste_utilization_rate": ("一般工业固体废物综合利用率", "%"),
    "co2_energy": ("能源消费二氧化碳排放量", "tCO₂"),
    "co2_per_t_waste": ("吨危废二氧化碳排放量（能源消费）", "kgCO₂/t"),
    "pollutant_per_unit_product": ("单位产品主要污染物排放量", "kg/t"),
}

#: Pollutants of B.3 废气/废水 → slug of their per-tonne quantity ``<slug>_discharge_per_t_waste``.
POLLUTANTS: dict[str, str] = {
    "颗粒物": "particulate_matter",
    "二氧化硫": "so2",
    "氮氧化物": "nox",
    "氯化氢": "hcl",
    "氟化氢": "hf",
    "一氧化碳": "co",
    "二噁英类": "dioxins",
    "汞及其化合物": "mercury",
    "挥发性有机物": "vocs",
    "废水量": "wastewater",
    "化学需氧量": "cod",
    "氨氮": "ammonia_nitrogen",
    "总氮": "total_nitrogen",
    "总磷": "total_phosphorus",
    "悬浮物": "suspended_solids",
    "石油类": "petroleum",
    "总汞": "total_mercury",
    "总镉": "total_cadmium",
    "总铬": "total_chromium",
    "总铅": "total_lead",
    "总砷": "total_arsenic",
}
for _name, _slug in POLLUTANTS.items():
    QUANTITIES[f"{_slug}_discharge_per_t_waste"] = (
        f"吨危废{_name}排放量", "m³/t" if _slug == "wastewater" else "kg/t")

BOTTOM_ASH_WORDS = ("炉渣", "底渣")
FLY_ASH_WORDS = ("飞灰",)
GENERAL_SOLID_WASTE = "一般工业固体废物"
PROXY_NOTE = "以危险废物焚烧处置量代表入厂（入炉）危废量"


@dataclass(frozen=True)
class DeriveOptions:
    """How derived quantities are computed; every field has a default."""

    energy_overrides: Mapping[str, Any] | None = None  # passed to energy.comprehensive_energy
    co2_overrides: Mapping[str, Any] | None = None  # passed to energy.co2_from_energy
    grid_region: str | None = None  # None: national grid factor
    grid_purpose: str = energy.DEFAULT_PURPOSE
    grid_year: int | None = None  # None: the data year (nearest earlier published year is used)
    main_product: str | None = None  # exact product name; None: found by product_keywords
    product_keywords: tuple[str, ...] = ("危险废物焚烧处置量", "焚烧处置量", "处置量", "焚烧量", "危险废物")
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
        for k in ("product_keywords", "main_pollutants"):
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
          notes: Iterable[str] = (), problems: Iterable[str] = ()) -> Derived:
    name, unit = QUANTITIES[quantity]
    probs = tuple(dict.fromkeys(problems))
    if value is None and not probs:
        probs = (f"无法计算{name}",)
    return Derived(quantity, name, unit, year, value, formula, dict(inputs or {}), tuple(dict.fromkeys(notes)), probs)


def _ratio(quantity: str, num: Derived, den: Derived, factor: float, extra_notes: Iterable[str] = ()) -> Derived:
    """``num × factor ÷ den`` with the inputs, notes and problems of both."""
    value = None
    if num.ok and den.ok and den.value:
        value = num.value * factor / den.value  # type: ignore[operator]
    problems = [*num.problems, *den.problems]
    if den.ok and not den.value:
        problems.append(f"{den.name}为 0，无法计算")
    name, unit = QUANTITIES[quantity]
    formula = (f"{num.name} {_fmt(num.value)} {num.unit}"
               + (f" × {factor:g}" if factor != 1 else "")
               + f" ÷ {den.name} {_fmt(den.value)} {den.unit} = {_fmt(value)} {unit}")
    details = [f for f in (num.formula, den.formula) if "+" in f or "×" in f]
    if details:
        formula += f"（其中 {'；'.join(details)}）"
    inputs = {num.quantity: num.value, den.quantity: den.value, **num.inputs, **den.inputs}
    return _make(quantity, num.year, value, formula, inputs, [*extra_notes, *num.notes, *den.notes], problems)


# --------------------------------------------------------------------------- base amounts


def product_output(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                   options: DeriveOptions | Mapping[str, Any] | None = None) -> Derived:
    """The main product of the year in t (危险废物焚烧处置量), from B.2 产品产量."""
    opts = DeriveOptions.make(options)
    q = "waste_treated"
    rows = _rows(records, "products", year)
    if not rows:
        return _make(q, year, None, problems=[f"缺少 {year} 年产品产量（B.2产品产量）"])
    chosen: list[Mapping[str, Any]] = []
    notes: list[str] = []
    if opts.main_product:
        chosen = [r for r in rows if _norm(r.get("product")) == _norm(opts.main_product)]
        if not chosen:
            names = "、".join(str(r.get("product", "")) for r in rows)
            return _make(q, year, None, problems=[f"{year} 年产品产量中没有“{opts.main_product}”（已填：{names}）"])
    else:
        for kw in opts.product_keywords:
            chosen = [r for r in rows if kw in _norm(r.get("product"))]
            if chosen:
                break
        if not chosen:
            masses = [(r, _mass_t(r.get("output"), r.get("unit"))) for r in rows]
            masses = [(r, m) for r, m in masses if m is not None]
            if not masses:
                names = "、".join(str(r.get("product", "")) for r in rows)
                return _make(q, year, None, problems=[
                    f"{year} 年产品产量（{names}）中找不到危险废物焚烧处置量，也没有以质量计的产量"])
            row = max(masses, key=lambda rm: rm[1])[0]
            chosen = [row]
            notes.append(f"产品产量中没有名称含“处置量”的行，取产量最大的“{row.get('product')}”作为主产品")
    problems: list[str] = []
    total = 0.0
    parts = []
    for r in chosen:
        name, unit, amount = r.get("product", ""), r.get("unit"), _num(r.get("output"))
        if amount is None:
            problems.append(f"{year} 年“{name}”的产量未填写")
            continue
        t = _mass_t(amount, unit)
        if t is None:
            problems.append(f"{year} 年“{name}”的计量单位“{unit or '未填'}”不是质量单位，无法按吨计算单位产品指标")
            continue
        total += t
        parts.append(f"{name} {_fmt(amount)} {unit}")
    if len(chosen) > 1:
        notes.append(f"主产品有 {len(chosen)} 行，已合计")
    if not problems and total <= 0:
        problems.append(f"{year} 年“{chosen[0].get('product', '')}”的产量为 0，无法计算单位产品指标")
    value = total if not problems else None
    formula = " + ".join(parts) + f" = {_fmt(total)} t" if parts else ""
    return _make(q, year, value, formula, {"products": [dict(r) for r in chosen]}, notes, problems)


def _carrier_row(r: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """An ``ent_energy`` row → ``{carrier, amount, unit}`` for cpxl.diagnosis.energy, a note, or the reason it cannot be."""
    name = str(r.get("carrier") or "").strip()
    amount, unit = _num(r.get("consumption")), r.get("unit")
    if not name:
        return None, None, "有一行能源消耗没有填写能源品种"
    if name in NOT_CONVERTIBLE:
        purpose = f"（用途：{r['purpose']}）" if r.get("purpose") else ""
        return None, None, (f"能源品种“{name}”{purpose}无法折算标准煤：请在 B.2能源消耗 中写明具体品种，"
                            "或由审核组核定后在“指标值汇总”中以“审核组核定”填写")
    if amount is None:
        return None, None, f"能源“{name}”的消耗量未填写"
    if not unit:
        return None, None, f"能源“{name}”的计量单位未填写"
    carrier = CARRIERS.get(name, name)
    note = None
    if carrier == "steam" and _norm(unit) in ("GJ", "MJ", "kJ", "TJ", "万GJ"):
        carrier = "heat"
        note = f"蒸汽以 {unit} 计量，按热力折标"
    return {"carrier": carrier, "amount": amount, "unit": str(unit), "name": name}, note, None


def _energy_rows(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                 opts: DeriveOptions) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    good, notes, problems = [], [], []
    for r in _rows(records, "energy", year):
        row, note, problem = _carrier_row(r)
        if problem:
            problems.append(problem)
            continue
        assert row is not None
        try:
            energy.tce_row(row["carrier"], row["amount"], row["unit"], opts.energy_overrides)
        except energy.EnergyError as exc:
            problems.append(str(exc))
            continue
        if note:
            notes.append(note)
        good.append(row)
    return good, notes, problems


def comprehensive_energy(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                         options: DeriveOptions | Mapping[str, Any] | None = None) -> Derived:
    """综合能耗 (tce) of the year: every row of B.2 能源消耗 through :func:`cpxl.diagnosis.energy.comprehensive_energy`."""
    opts = DeriveOptions.make(options)
    q = "energy_tce"
    if not _rows(records, "energy", year):
        return _make(q, year, None, problems=[f"缺少 {year} 年能源消耗数据（B.2能源消耗）"])
    good, notes, problems = _energy_rows(records, year, opts)
    res = energy.comprehensive_energy([{k: r[k] for k in ("carrier", "amount", "unit")} for r in good],
                                      opts.energy_overrides)
    notes += res["notes"]
    value: float | None = res["total_tce"]
    if problems:
        if opts.allow_partial and good:
            notes.append("部分能源无法折标，综合能耗只含可折标的品种（偏小）")
        else:
            value = None
    parts = [f"{r['name']} {_fmt(r['amount'])} {r['unit']}×{r['coefficient']:g} {r['coefficient_unit']}"
             for r in res["rows"]]
    formula = "综合能耗 = " + " + ".join(parts) + f" = {_fmt(res['total_tce'])} tce" if parts else ""
    detail = [{"carrier": r["name"], "amount": r["amount"], "unit": r["unit"], "coefficient": r["coefficient"],
               "coefficient_unit": r["coefficient_unit"], "tce": r["tce"], "status": r["status"]} for r in res["rows"]]
    return _make(q, year, value, formula, {"energy_rows": detail}, notes, problems)


def co2_from_energy(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                    options: DeriveOptions | Mapping[str, Any] | None = None) -> Derived:
    """CO₂ (t) from energy use of the year: grid factor of ``grid_year`` (default: the data year), fuels by default
    parameters — both overridable. Process emissions of the incineration itself are not included."""
    opts = DeriveOptions.make(options)
    q = "co2_energy"
    if not _rows(records, "energy", year):
        return _make(q, year, None, problems=[f"缺少 {year} 年能源消耗数据（B.2能源消耗）"])
    good, notes, problems = _energy_rows(records, year, opts)
    try:
        res = energy.co2_from_energy([{k: r[k] for k in ("carrier", "amount", "unit")} for r in good],
                                     opts.grid_year or year, opts.grid_region, opts.co2_overrides,
                                     purpose=opts.grid_purpose, strict=False)
    except energy.EnergyError as exc:
        return _make(q, year, None, problems=[*problems, str(exc)])
    for r in res["rows"]:
        if r["tco2"] is None:
            problems.append(f"{r['name']}没有二氧化碳排放因子")
    notes = [*notes, *res["notes"], "仅含能源消费产生的二氧化碳，不含废物焚烧过程排放"]
    value: float | None = res["total_tco2"]
    if problems and not (opts.allow_partial and good):
        value = None
    parts = [f"{r['name']} {_fmt(r['amount'])} {r['unit']}×{r['factor']:.6g} {r['factor_unit']}"
             for r in res["rows"] if r["tco2"] is not None]
    formula = "能源消费二氧化碳 = " + " + ".join(parts) + f" = {_fmt(res['total_tco2'])} tCO₂" if parts else ""
    grid = res.get("electricity_factor")
    inputs = {"co2_rows": [{k: r[k] for k in ("name", "amount", "unit", "factor", "factor_unit", "tco2", "status")}
                           for r in res["rows"]],
              "grid_factor": None if grid is None else {k: grid[k] for k in ("value", "unit", "year_used", "region",
                                                                              "purpose")}}
    return _make(q, year, value, formula, inputs, notes, problems)


def water_intake(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int) -> Derived:
    """取水量 (m³) of the year: all rows of B.2 水资源."""
    q = "water_intake"
    rows = _rows(records, "water", year)
    if not rows:
        return _make(q, year, None, problems=[f"缺少 {year} 年取水量（B.2水资源）"])
    total, parts, problems = 0.0, [], []
    for r in rows:
        v = _num(r.get("intake"))
        if v is None:
            problems.append(f"{year} 年取水类型“{r.get('source', '')}”的取水量未填写")
            continue
        total += v
        parts.append(f"{r.get('source', '')} {_fmt(v)} m³")
    formula = "取水量 = " + " + ".join(parts) + f" = {_fmt(total)} m³" if parts else ""
    return _make(q, year, None if problems else total, formula, {"water_rows": [dict(r) for r in rows]},
                 problems=problems)


def agent_consumption(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int, purpose: str) -> Derived:
    """Consumption (t) of the materials whose 用途 is ``purpose`` (脱硝 or 脱硫脱酸), from B.2 原辅材料."""
    q = {"脱硝": "denitration_agent", "脱硫脱酸": "deacidification_agent"}[purpose]
    rows = [r for r in _rows(records, "materials", year) if _norm(r.get("purpose")) == purpose]
    if not rows:
        return _make(q, year, None, problems=[
            f"{year} 年原辅材料（B.2原辅材料）中没有用途为“{purpose}”的记录；如确未使用，请填写消耗量 0"])
    total, parts, problems = 0.0, [], []
    for r in rows:
        name, unit, amount = r.get("material", ""), r.get("unit"), _num(r.get("consumption"))
        if amount is None:
            problems.append(f"{year} 年“{name}”的消耗量未填写")
            continue
        t = _mass_t(amount, unit)
        if t is None:
            problems.append(f"{year} 年“{name}”以“{unit or '未填'}”计量，无法折算为质量：请按密度折算为 t 后填报")
            continue
        total += t
        parts.append(f"{name} {_fmt(amount)} {unit}")
    formula = f"{purpose}辅料 = " + " + ".join(parts) + f" = {_fmt(total)} t" if parts else ""
    return _make(q, year, None if problems else total, formula, {f"{q}_rows": [dict(r) for r in rows]},
                 problems=problems)


def _waste_rows(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                words: Sequence[str]) -> list[Mapping[str, Any]]:
    return [r for r in _rows(records, "solidwaste", year) if any(w in _norm(r.get("waste")) for w in words)]


def _utilized(r: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """综合利用量 of a row; blank counts as 0 only when 产生量 = 处置量 + 贮存量 shows nothing was utilized."""
    u = _num(r.get("utilized"))
    if u is not None:
        return u, None
    gen, dis, sto = (_num(r.get(k)) for k in ("generated", "disposed", "stored"))
    if gen is not None and dis is not None and abs(gen - dis - (sto or 0.0)) <= max(0.005 * gen, 0.05):
        return 0.0, f"“{r.get('waste', '')}”综合利用量未填，按产生量=处置量+贮存量推定为 0"
    return None, None


def ash(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int, kind: str) -> tuple[Derived, Derived]:
    """Generated and utilized amount (t) of 焚烧炉渣 (``kind="bottom"``) or 飞灰 (``kind="fly"``), from B.3 固体废物.

    Rows are matched by a name containing 炉渣/底渣 or 飞灰; several rows are added up.
    """
    q = "bottom_ash" if kind == "bottom" else "fly_ash"
    words = BOTTOM_ASH_WORDS if kind == "bottom" else FLY_ASH_WORDS
    label = "焚烧炉渣" if kind == "bottom" else "飞灰"
    rows = _waste_rows(records, year, words)
    if not rows:
        d = _make(q, year, None, problems=[f"{year} 年固体废物（B.3固体废物）中没有名称含“{words[0]}”的记录（{label}）"])
        return d, d
    gen_total, use_total = 0.0, 0.0
    problems, use_problems, notes, parts = [], [], [], []
    for r in rows:
        g = _num(r.get("generated"))
        if g is None:
            problems.append(f"{year} 年“{r.get('waste', '')}”的产生量未填写")
            continue
        gen_total += g
        parts.append(f"{r.get('waste', '')} {_fmt(g)} t")
        u, note = _utilized(r)
        if u is None:
            use_problems.append(f"{year} 年“{r.get('waste', '')}”的综合利用量未填写")
        else:
            use_total += u
            if note:
                notes.append(note)
    inputs = {f"{q}_rows": [dict(r) for r in rows]}
    gen = _make(q, year, None if problems else gen_total,
                f"{label}产生量 = " + " + ".join(parts) + f" = {_fmt(gen_total)} t" if parts else "",
                inputs, problems=problems)
    use = Derived(f"{q}_utilized", f"{label}综合利用量", "t", year,
                  None if (problems or use_problems) else use_total, f"{label}综合利用量 = {_fmt(use_total)} t",
                  inputs, tuple(notes), tuple([*problems, *use_problems]))
    return gen, use


def _utilization(quantity: str, gen: Derived, use: Derived) -> Derived:
    value = None
    problems = list(use.problems)
    if gen.ok and use.ok:
        if gen.value:
            value = use.value / gen.value * 100  # type: ignore[operator]
        else:
            problems.append(f"{gen.name}为 0，无法计算利用率")
    formula = f"{use.name} {_fmt(use.value)} t ÷ {gen.name} {_fmt(gen.value)} t × 100 = {_fmt(value)} %"
    return _make(quantity, gen.year, value, formula, {**gen.inputs, "utilized_t": use.value, "generated_t": gen.value},
                 use.notes, problems)


def general_solid_waste_utilization(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int) -> Derived:
    """一般工业固体废物综合利用率 (%) = Σ 综合利用量 ÷ Σ 产生量."""
    q = "solid_waste_utilization_rate"
    rows = [r for r in _rows(records, "solidwaste", year) if _norm(r.get("category")) == GENERAL_SOLID_WASTE]
    if not rows:
        return _make(q, year, None, problems=[f"{year} 年固体废物（B.3固体废物）中没有类别为“一般工业固体废物”的记录"])
    gen_total, use_total, problems, notes = 0.0, 0.0, [], []
    for r in rows:
        g = _num(r.get("generated"))
        u, note = _utilized(r)
        if g is None or u is None:
            problems.append(f"{year} 年“{r.get('waste', '')}”的产生量或综合利用量未填写")
            continue
        gen_total, use_total = gen_total + g, use_total + u
        if note:
            notes.append(note)
    if not problems and gen_total <= 0:
        problems.append("一般工业固体废物产生量为 0，无法计算综合利用率")
    value = None if problems else use_total / gen_total * 100
    formula = f"综合利用量 {_fmt(use_total)} t ÷ 产生量 {_fmt(gen_total)} t × 100 = {_fmt(value)} %"
    return _make(q, year, value, formula, {"solidwaste_rows": [dict(r) for r in rows]}, notes, problems)


def discharges(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int) -> dict[str, tuple[float | None, str, list[str]]]:
    """Pollutant → (discharged amount in kg — m³ for 废水量 —, unit, problems) from B.3 废气 and 废水 of the year."""
    out: dict[str, tuple[float | None, str, list[str]]] = {}

    def add(name: str, amount: float | None, unit: str, problem: str | None) -> None:
        total, u, probs = out.get(name, (0.0, unit, []))
        if problem:
            probs = [*probs, problem]
        total = None if total is None or amount is None else total + amount
        out[name] = (total, u, probs)

    for r in _rows(records, "wastegas", year):
        name, d = str(r.get("pollutant") or ""), _num(r.get("discharged"))
        if not name or name == "其他":
            continue
        outlet = f"排放口{r['outlet']}" if r.get("outlet") else ""
        add(name, None if d is None else d * 1000.0, "kg",
            None if d is not None else f"{year} 年废气“{name}”{outlet}的排放量未填写")
    for r in _rows(records, "wastewater", year):
        name, d, unit = str(r.get("pollutant") or ""), _num(r.get("discharged")), _norm(r.get("unit"))
        if not name or name == "其他":
            continue
        if name == "废水量":
            factor, base = ({"m3": 1.0, "m³": 1.0, "t": 1.0}.get(unit), "m³")
        else:
            factor, base = ({"t": 1000.0, "kg": 1.0}.get(unit), "kg")
        problem = None
        if d is None:
            problem = f"{year} 年废水“{name}”的排放量未填写"
        elif factor is None:
            problem = f"{year} 年废水“{name}”的单位“{r.get('unit') or '未填'}”无法换算"
        add(name, None if problem else d * factor, base, problem)  # type: ignore[operator]
    return out


# --------------------------------------------------------------------------- all quantities


def derive_enterprise(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                      options: DeriveOptions | Mapping[str, Any] | None = None) -> dict[str, Derived]:
    """Every derived quantity of one enterprise for ``year``, keyed by quantity name (see :data:`QUANTITIES`).

    ``records`` holds that enterprise's rows by ``ent_*`` or ``all_ent_*`` key.
    """
    opts = DeriveOptions.make(options)
    out: dict[str, Derived] = {}
    product = product_output(records, year, opts)
    out["waste_treated"] = product
    proxy = [PROXY_NOTE]

    tce = comprehensive_energy(records, year, opts)
    out["energy_tce"] = tce
    out["energy_per_t_waste"] = _ratio("energy_per_t_waste", tce, product, 1000.0, proxy)
    out["energy_per_unit_product"] = _ratio("energy_per_unit_product", tce, product, 1000.0)

    water = water_intake(records, year)
    out["water_intake"] = water
    out["water_per_t_waste"] = _ratio("water_per_t_waste", water, product, 1.0, proxy)
    out["water_per_unit_product"] = _ratio("water_per_unit_product", water, product, 1.0)

    for purpose, base, per in (("脱硝", "denitration_agent", "denitration_agent_per_t_waste_fed"),
                               ("脱硫脱酸", "deacidification_agent", "deacidification_agent_per_t_waste_fed")):
        agent = agent_consumption(records, year, purpose)
        out[base] = agent
        out[per] = _ratio(per, agent, product, 1000.0, proxy)

    for kind in ("bottom", "fly"):
        gen, use = ash(records, year, kind)
        out[f"{kind}_ash"] = gen
        out[f"{kind}_ash_output_rate"] = _ratio(f"{kind}_ash_output_rate", gen, product, 100.0)
        out[f"{kind}_ash_utilization_rate"] = _utilization(f"{kind}_ash_utilization_rate", gen, use)
    out["solid_waste_utilization_rate"] = general_solid_waste_utilization(records, year)

    co2 = co2_from_energy(records, year, opts)
    out["co2_energy"] = co2
    out["co2_per_t_waste"] = _ratio("co2_per_t_waste", co2, product, 1000.0)

    found = discharges(records, year)
    for pollutant, (amount, unit, problems) in found.items():
        slug = POLLUTANTS.get(pollutant)
        if slug is None:
            continue
        label = "废水排放量" if pollutant == "废水量" else f"{pollutant}排放量"
        base = Derived(f"{slug}_discharged", label, unit, year, amount, "", {f"{slug}_discharged_{unit}": amount},
                       problems=tuple(problems))
        q = f"{slug}_discharge_per_t_waste"
        out[q] = _ratio(q, base, product, 1.0)
    out["pollutant_per_unit_product"] = _main_pollutants(found, product, opts, year)
    return out


def _main_pollutants(found: Mapping[str, tuple[float | None, str, list[str]]], product: Derived,
                     opts: DeriveOptions, year: int) -> Derived:
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
    base = Derived("main_pollutants_discharged", "主要污染物排放量", "kg", year, None if problems else total,
                   "主要污染物排放量 = " + " + ".join(parts) + f" = {_fmt(total)} kg", {}, tuple(notes),
                   tuple(problems))
    return _ratio("pollutant_per_unit_product", base, product, 1.0)


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
               options: DeriveOptions | Mapping[str, Any] | None = None) -> dict[str, dict[int, dict[str, Derived]]]:
    """Every enterprise of the consolidated data: uscc → year → quantity → :class:`Derived`."""
    opts = DeriveOptions.make(options)
    years = list(years)
    return {uscc: {y: derive_enterprise(recs, y, opts) for y in years} for uscc, recs in by_enterprise(data).items()}


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
    if factor is None:
        return d.value, f"计算量单位为 {d.unit}，与指标单位 {unit} 不一致且无法换算，按 {d.unit} 的数值评分，请核实"
    return d.value * factor, f"由 {d.unit} 换算为 {unit}"
