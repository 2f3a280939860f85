"""Base amounts of one enterprise and year from its Appendix B data: product output (the denominator),
comprehensive energy, CO₂ from energy, water intake, materials of a 用途, named solid wastes, discharges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cpxl.domain import packs

from . import energy
from .quantity import (
    CARRIERS,
    DIMENSION_ZH,
    GENERAL_SOLID_WASTE,
    NOT_CONVERTIBLE,
    PRODUCT_UNITS,
    Derived,
    DeriveOptions,
    _den_unit,
    _fmt,
    _make,
    _mass_t,
    _norm,
    _num,
    _rows,
)

# --------------------------------------------------------------------------- base amounts


def product_output(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                   options: DeriveOptions | Mapping[str, Any] | None = None,
                   denominator: Mapping[str, Any] | None = None) -> Derived:
    """The product output of the year that per-unit quantities divide by (B.2 产品产量).

    ``denominator`` (an indicator's, else the active pack's): ``{"kind": "sum"}`` adds every product of the
    unit's dimension (products in other dimensions are left out, with a note); ``{"kind": "match", "products":
    [words]}`` adds the products whose names contain one of the words. ``unit`` (default t) is the unit of the
    result: t, m², 100m, 万米, 件 …. ``DeriveOptions.main_product`` names one product exactly.
    """
    opts = DeriveOptions.make(options)
    pack = packs.active()
    spec = dict(denominator or pack.denominator)
    unit = _den_unit(spec)
    base, scale = PRODUCT_UNITS.get(unit, ("t", 1.0))
    name = pack.output_name if denominator is None or denominator == pack.denominator else "产品产量"
    q = "product_output"
    rows = _rows(records, "products", year)

    def make(value: float | None, formula: str = "", inputs: Mapping[str, Any] | None = None,
             notes: Iterable[str] = (), problems: Iterable[str] = ()) -> Derived:
        return _make(q, year, value, formula, inputs, notes, problems, name, unit)

    if not rows:
        return make(None, problems=[f"缺少 {year} 年产品产量（B.2产品产量）"])
    notes: list[str] = []
    if opts.main_product:
        chosen = [r for r in rows if _norm(r.get("product")) == _norm(opts.main_product)]
        if not chosen:
            names = "、".join(str(r.get("product", "")) for r in rows)
            return make(None, problems=[f"{year} 年产品产量中没有“{opts.main_product}”（已填：{names}）"])
    elif spec.get("kind") == "match":
        words = [_norm(w) for w in spec.get("products", ())]
        chosen = [r for r in rows if any(w and w in _norm(r.get("product")) for w in words)]
        if not chosen:
            names = "、".join(str(r.get("product", "")) for r in rows)
            return make(None, problems=[f"{year} 年产品产量（{names}）中没有{name}：产品名称应含“"
                                        + "”或“".join(spec.get("products", ())) + "”"])
    else:
        chosen = list(rows)
    problems: list[str] = []
    total = 0.0
    parts, left_out = [], []
    for r in chosen:
        pname, runit, amount = r.get("product", ""), _norm(r.get("unit")), _num(r.get("output"))
        if amount is None:
            problems.append(f"{year} 年“{pname}”的产量未填写")
            continue
        conv = PRODUCT_UNITS.get(runit)
        if conv is None or conv[0] != base:
            msg = f"“{pname}”（{r.get('unit') or '未填单位'}）"
            if spec.get("kind") == "match" or opts.main_product:
                problems.append(f"{year} 年{msg}的计量单位不能换算为 {unit}（{DIMENSION_ZH.get(base, base)}），"
                                f"无法计算单位产品指标")
            else:
                left_out.append(msg)
            continue
        total += amount * conv[1] / scale
        parts.append(f"{pname} {_fmt(amount)} {r.get('unit')}")
    if left_out:
        notes.append(f"计量单位不是{DIMENSION_ZH.get(base, base)}的产品未计入：{'、'.join(left_out)}")
    if len(parts) > 1:
        notes.append(f"{len(parts)} 种产品（行）的产量已合计")
    if not problems and not parts:
        problems.append(f"{year} 年没有以{DIMENSION_ZH.get(base, base)}计量的产品产量，无法按 {unit} 计算单位产品指标")
    if not problems and total <= 0:
        problems.append(f"{year} 年{name}为 0，无法计算单位产品指标")
    value = total if not problems else None
    formula = f"{name} = " + " + ".join(parts) + f" = {_fmt(total)} {unit}" if parts else ""
    return make(value, formula, {"products": [dict(r) for r in chosen]}, notes, problems)


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
    notes = [*notes, *res["notes"], "仅含能源消费产生的二氧化碳，不含工业生产过程排放"]
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


def material_amount(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int, purpose: str) -> Derived:
    """Consumption (t) of the materials whose 用途 is ``purpose`` (e.g. 脱硝), from B.2 原辅材料."""
    q = "material_amount"
    name = f"{purpose}用原辅材料消耗量"
    rows = [r for r in _rows(records, "materials", year) if _norm(r.get("purpose")) == _norm(purpose)]
    if not rows:
        return _make(q, year, None, problems=[
            f"{year} 年原辅材料（B.2原辅材料）中没有用途为“{purpose}”的记录；如确未使用，请填写消耗量 0"], name=name, unit="t")
    total, parts, problems = 0.0, [], []
    for r in rows:
        mname, unit, amount = r.get("material", ""), r.get("unit"), _num(r.get("consumption"))
        if amount is None:
            problems.append(f"{year} 年“{mname}”的消耗量未填写")
            continue
        t = _mass_t(amount, unit)
        if t is None:
            problems.append(f"{year} 年“{mname}”以“{unit or '未填'}”计量，无法折算为质量：请按密度折算为 t 后填报")
            continue
        total += t
        parts.append(f"{mname} {_fmt(amount)} {unit}")
    formula = f"{name} = " + " + ".join(parts) + f" = {_fmt(total)} t" if parts else ""
    return _make(q, year, None if problems else total, formula, {f"{purpose}_rows": [dict(r) for r in rows]},
                 problems=problems, name=name, unit="t")


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


def waste_amounts(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                  words: Sequence[str]) -> tuple[Derived, Derived]:
    """Generated and utilized amount (t) of the solid wastes whose names contain one of ``words``
    (B.3 固体废物); several rows are added up."""
    label = "、".join(words)
    q = "waste_generated"
    rows = _waste_rows(records, year, words)
    if not rows:
        d = _make(q, year, None, problems=[f"{year} 年固体废物（B.3固体废物）中没有名称含“{words[0]}”的记录"],
                  name=f"{label}产生量", unit="t")
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
    inputs = {"waste_rows": [dict(r) for r in rows]}
    gen = _make(q, year, None if problems else gen_total,
                f"{label}产生量 = " + " + ".join(parts) + f" = {_fmt(gen_total)} t" if parts else "",
                inputs, problems=problems, name=f"{label}产生量", unit="t")
    use = Derived("waste_utilized", f"{label}综合利用量", "t", year,
                  None if (problems or use_problems) else use_total, f"{label}综合利用量 = {_fmt(use_total)} t",
                  inputs, tuple(notes), tuple([*problems, *use_problems]))
    return gen, use


def _utilization(quantity: str, gen: Derived, use: Derived, name: str | None = None) -> Derived:
    value = None
    problems = list(use.problems)
    if gen.ok and use.ok:
        if gen.value:
            value = use.value / gen.value * 100  # type: ignore[operator]
        else:
            problems.append(f"{gen.name}为 0，无法计算利用率")
    formula = f"{use.name} {_fmt(use.value)} t ÷ {gen.name} {_fmt(gen.value)} t × 100 = {_fmt(value)} %"
    return _make(quantity, gen.year, value, formula, {**gen.inputs, "utilized_t": use.value, "generated_t": gen.value},
                 use.notes, problems, name, "%" if name else None)


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


def concentrations(records: Mapping[str, Sequence[Mapping[str, Any]]], year: int
                   ) -> dict[tuple[str, str], list[tuple[str, float, str]]]:
    """(medium 废气/废水, pollutant) → [(outlet, concentration, unit)] of B.3 废气 and 废水 of the year.

    ``其他`` rows count under the name given in 其他污染物名称; rows without a concentration are left out."""
    out: dict[tuple[str, str], list[tuple[str, float, str]]] = {}
    for key, medium in (("wastegas", "废气"), ("wastewater", "废水")):
        for r in _rows(records, key, year):
            name = str(r.get("pollutant") or "").strip()
            if name == "其他":
                name = str(r.get("pollutant_other") or "").strip()
            c = _num(r.get("concentration"))
            if not name or c is None:
                continue
            out.setdefault((medium, name), []).append((str(r.get("outlet") or "").strip(), c,
                                                       str(r.get("conc_unit") or "").strip()))
    return out
