"""The effect of closing one diagnosed gap (enterprise, indicator, current value → target), computed from
the enterprise's own statistical-year data — never copied from a catalogue.

The method follows the indicator's unit, so it works for any industry's indicator system:

=====================  ==============================================================  ==========
indicator unit          effect                                                          unit
=====================  ==============================================================  ==========
kgce/t, tce/t           (现状值 − 目标值) × 产量 (→ tce); and energy CO₂ × (1 − 目标/现状)   tce/a, tCO₂/a
m³/t                    (现状值 − 目标值) × 产量                                           m³/a
kg/t, t/t               (现状值 − 目标值) × 产量 (→ t)                                      t/a
%, a waste's rate       产出率: (现状 − 目标)% × 产量; 利用率: (目标 − 现状)% × 该固废产生量     t/a
mg/Nm³, mg/L …          该污染物排放量 × (1 − 目标值/现状值)（烟气量、废水量不变）             t/a
anything else           the change itself, in words (no quantity is claimed)
=====================  ==============================================================  ==========
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cpxl.diagnosis.amounts import product_output
from cpxl.diagnosis.compliance import pollutant_in_text
from cpxl.domain.indicators import Indicator

MASS_TO_T = {"t": 1.0, "万t": 10000.0, "kg": 0.001}
ENERGY_CO2_SOURCES = ("外购电力", "化石燃料燃烧", "外购热力")
LEVEL_ZH = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 4: "未达到Ⅲ级"}


@dataclass(frozen=True)
class Amount:
    """One quantified effect: ``amount`` of ``item`` per year, in ``unit``; ``method`` says how."""

    item: str
    unit: str
    amount: float
    method: str
    verb: str = "削减"  # 削减 | 节约 | 增加


@dataclass(frozen=True)
class Effect:
    """What closing a gap achieves: the change of the indicator and, where the data allow, quantities."""

    change: str  # e.g. "NOₓ浓度（日均值）由 212 降至 200 mg/Nm³"
    amounts: tuple[Amount, ...] = ()

    @property
    def text(self) -> str:
        if not self.amounts:
            return self.change
        return self.change + "，预计" + "、".join(f"年{a.verb}{a.item} {fmt(a.amount)} {a.unit}" for a in self.amounts)

    @property
    def primary(self) -> Amount | None:
        return self.amounts[0] if self.amounts else None

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "amounts": [asdict(a) for a in self.amounts], "text": self.text}


def fmt(x: float) -> str:
    """A quantity for sentences: 4 significant digits, thousands separators from 10 000."""
    if abs(x) >= 10000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.4g}"


@dataclass
class Basis:
    """An enterprise's statistical-year quantities the effects are computed from."""

    output: float | None = None  # the pack's product output (the denominator of per-unit indicators), in t
    emissions: dict[str, float] = field(default_factory=dict)  # pollutant → t discharged
    wastes: dict[str, float] = field(default_factory=dict)  # waste name → t generated
    energy_co2: float | None = None  # tCO₂ from purchased power/heat and fuel combustion
    products: list[dict[str, Any]] = field(default_factory=list)  # the year's B.2 rows, for other denominators

    def output_for(self, ind: Indicator) -> float | None:
        """The output a per-unit value of ``ind`` is divided by — its own denominator where the indicator system
        gives one, else the pack's — computed exactly as the diagnosis computes the indicator value."""
        if ind.denominator is None:
            return self.output
        return _output(self.products, ind.denominator)


def bases(data: Mapping[str, Iterable[Mapping[str, Any]]], year: int) -> dict[str, Basis]:
    """uscc → :class:`Basis` from the consolidated sheets (汇总_B.2产品产量, B.3废气/废水/固体废物/碳排放)."""
    out: dict[str, Basis] = {}

    def b(u: Any) -> Basis:
        return out.setdefault(str(u), Basis())

    for r in data.get("all_ent_products", ()):
        if r.get("year") == year:
            b(r.get("ent_uscc")).products.append(dict(r))
    for x in out.values():
        x.output = _output(x.products, None)
    for key in ("all_ent_wastegas", "all_ent_wastewater"):
        for r in data.get(key, ()):
            v, pol = r.get("discharged"), str(r.get("pollutant") or "")
            if r.get("year") != year or not _is_num(v) or not pol or pol == "废水量":
                continue
            f = 0.001 if str(r.get("unit") or "") == "kg" else 1.0
            em = b(r.get("ent_uscc")).emissions
            em[pol] = em.get(pol, 0.0) + float(v) * f
    for r in data.get("all_ent_solidwaste", ()):
        v, w = r.get("generated"), str(r.get("waste") or "")
        if r.get("year") == year and _is_num(v) and w:
            ws = b(r.get("ent_uscc")).wastes
            ws[w] = ws.get(w, 0.0) + float(v)
    for r in data.get("all_ent_carbon", ()):
        v = r.get("emission")
        if r.get("year") == year and r.get("source") in ENERGY_CO2_SOURCES and _is_num(v):
            x = b(r.get("ent_uscc"))
            x.energy_co2 = (x.energy_co2 or 0.0) + float(v)
    return out


def _output(products: list[dict[str, Any]], denominator: Mapping[str, Any] | None) -> float | None:
    """Product output in t by the diagnosis's own rule (the pack's denominator, or the indicator's): an
    enterprise with two products is not credited with both where the indicator divides by one."""
    if not products:
        return None
    year = products[0].get("year")
    d = product_output({"ent_products": products}, int(year), None, denominator)
    if d.value is None:
        return None
    # a denominator in another dimension (m², 万米 …) gives no tonnage-based effect
    return float(d.value) * MASS_TO_T.get(d.unit or "t", 0.0) or None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unit(ind: Indicator) -> str:
    return (ind.unit or "").replace(" ", "")


def _show(ind: Indicator, x: float) -> str:
    if ind.qualitative:
        return LEVEL_ZH.get(int(x), f"{x:g}")
    u = _unit(ind)
    return fmt(x) + ("" if u in ("%", "") else " ") + u


def _material_item(name: str) -> str:
    s = re.sub(r"^(吨|单位)\S*?(危废|产品|原料)", "", name)
    s = re.sub(r"(消耗量|消耗|用量)$", "", s)
    return s or name


def _waste_in(name: str, wastes: Iterable[str]) -> str | None:
    """The waste of ``wastes`` an indicator name refers to (the longest shared 2+-character stem)."""
    best: tuple[int, str] | None = None
    for w in wastes:
        stem = re.sub(r"[（(].*?[)）]", "", w)
        for k in range(len(stem), 1, -1):
            hit = next((stem[i:i + k] for i in range(len(stem) - k + 1) if stem[i:i + k] in name), None)
            if hit:
                if best is None or k > best[0]:
                    best = (k, w)
                break
    return best[1] if best else None


def gap_effect(ind: Indicator, baseline: float, target: float, basis: Basis | None) -> Effect:
    """The effect of moving ``ind`` from ``baseline`` to ``target`` for an enterprise with ``basis``."""
    lower = ind.direction != "higher_better"
    if ind.qualitative:
        return Effect(f"{ind.name}由{_show(ind, baseline)}提升至{_show(ind, target)}")
    change = f"{ind.name}由 {_show(ind, baseline)} {'降至' if target < baseline else '提高至'} {_show(ind, target)}"
    basis = basis or Basis()
    u = _unit(ind)
    delta = baseline - target if lower else target - baseline
    amounts: list[Amount] = []
    if delta <= 0:
        return Effect(change)
    out = basis.output_for(ind)
    if u in ("kgce/t", "tce/t") and out:
        f = 0.001 if u.startswith("kg") else 1.0
        amounts.append(Amount("综合能耗", "tce", delta * out * f, f"(现状值−目标值)×产量 {fmt(out)} t", "节约"))
        if basis.energy_co2 and baseline:
            amounts.append(Amount("二氧化碳", "tCO₂", basis.energy_co2 * delta / baseline,
                                  f"能源相关CO₂ {fmt(basis.energy_co2)} t×(1−目标值/现状值)", "削减"))
    elif u == "m³/t" and out:
        amounts.append(Amount("新鲜水", "m³", delta * out, f"(现状值−目标值)×产量 {fmt(out)} t", "节约"))
    elif u in ("kg/t", "t/t") and out:
        f = 0.001 if u.startswith("kg") else 1.0
        amounts.append(Amount(_material_item(ind.name), "t", delta * out * f, f"(现状值−目标值)×产量 {fmt(out)} t",
                              "节约"))
    elif u == "%":
        waste = _waste_in(ind.name, basis.wastes)
        if waste and lower and out:
            amounts.append(Amount(f"{waste}产生量", "t", delta / 100 * out, f"(现状值−目标值)%×产量 {fmt(out)} t"))
        elif waste and not lower and basis.wastes.get(waste):
            gen = basis.wastes[waste]
            amounts.append(Amount(f"{waste}资源化利用量", "t", delta / 100 * gen,
                                  f"(目标值−现状值)%×{waste}产生量 {fmt(gen)} t", "增加"))
    elif "/" in u and baseline:
        pol = pollutant_in_text(ind.name, basis.emissions)
        dis = basis.emissions.get(pol) if pol else None
        if pol and dis:
            amounts.append(Amount(pol, "t", dis * delta / baseline,
                                  f"{pol}排放量 {fmt(dis)} t×(1−目标值/现状值)，排放气量（水量）不变"))
    return Effect(change, tuple(a for a in amounts if a.amount > 0))


def add_up(effects: Iterable[Effect]) -> list[tuple[str, str, str, float]]:
    """(verb, item, unit, total) over effects, in first-seen order."""
    tot: dict[tuple[str, str, str], float] = {}
    for e in effects:
        for a in e.amounts:
            k = (a.verb, a.item, a.unit)
            tot[k] = tot.get(k, 0.0) + a.amount
    return [(v, i, u, x) for (v, i, u), x in tot.items()]


def effects_text(totals: Iterable[tuple[str, str, str, float]]) -> str:
    """The 全部预期效益 cell of a proposal: "节约综合能耗 252.34567 tce/a；削减二氧化碳 822.41 tCO₂/a" (8 digits)."""
    return "；".join(f"{verb}{item} {x:.8g} {unit}/a" for verb, item, unit, x in totals)


_EFFECT = re.compile(r"^\s*(\S+?)\s+([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*(\S+)\s*$")


def parse_effects(text: Any) -> list[tuple[str, str, float]]:
    """(item, unit, amount) of a 全部预期效益 cell; parts that are not “效益项目 数量 单位” are skipped."""
    out = []
    for part in re.split(r"[；;\n]+", str(text or "")):
        m = _EFFECT.match(part.replace(",", ""))
        if m:
            out.append((m.group(1), m.group(3), float(m.group(2))))
    return out


def potential(targets: Iterable[Mapping[str, Any]], indicators: Mapping[str, Indicator], by_uscc: Mapping[str, Basis],
              names: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """改善潜力 if every enterprise reaches its targets: one row per enterprise, indicator and item (with the
    industry total and the row's share), and the totals per item."""
    per_item: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for t in targets:
        iid, uscc = str(t.get("indicator_id") or ""), str(t.get("uscc") or "")
        ind = indicators.get(iid)
        base, target = t.get("baseline"), t.get("target")
        if t.get("scope") != "企业" or not uscc or ind is None or not _is_num(base) or not _is_num(target):
            continue
        if t.get("state") == "否决":
            continue
        eff = gap_effect(ind, float(base), float(target), by_uscc.get(uscc))
        for a in eff.amounts:
            per_item.setdefault((a.verb, a.item, a.unit), []).append({
                "uscc": uscc, "enterprise": names.get(uscc) or t.get("enterprise") or "", "indicator_id": iid,
                "baseline": base, "target": target, "item": f"{a.verb}{a.item}", "unit": a.unit,
                "saving": a.amount, "method": a.method})
    rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    for (verb, item, unit), items in per_item.items():
        total = sum(r["saving"] for r in items)
        for r in sorted(items, key=lambda r: -r["saving"]):
            r["share"] = round(100 * r["saving"] / total, 2) if total else None
            r["saving"] = round(r["saving"], 4)
            r["industry_total"] = round(total, 4)
            rows.append(r)
        totals.append({"item": f"{verb}{item}", "unit": unit, "total": round(total, 4),
                       "enterprises": len({r["uscc"] for r in items})})
    return rows, totals
