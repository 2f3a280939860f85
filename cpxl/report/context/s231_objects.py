"""Appendix C 2.3.1 审核对象基本情况: enterprises, resources and energy, environment (with the emission-limit and
permit breaches), management, and the site inspections of 5.2.1(2).

The body summarises; per-enterprise lists go to the annex (:mod:`.annex`) once they are longer than a page.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from cpxl.diagnosis import energy

from ..fmt import (
    fint,
    fnum,
    fyear,
    join_cn,
    number,
    pct,
    text,
)
from .data import Data, _group_sum, _yes
from .s232_focus import MANAGEMENT_ITEMS, _size_order

Rows = list[dict[str, Any]]
BODY_ROWS = 15  # a list longer than this goes to the annex
COUNTIES_SHOWN = 10


def _energy(d: Data) -> tuple[Rows, float, list[str]]:
    """Energy use of the statistical year per carrier, converted to tce (GB/T 2589)."""
    groups: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for r in d.year_rows("all_ent_energy"):
        carrier, unit, qty = text(r.get("carrier")), text(r.get("unit")), number(r.get("consumption"))
        if not carrier or qty is None:
            continue
        g = groups.setdefault(carrier, {"base": 0.0, "base_unit": "", "tce": 0.0, "raw": defaultdict(float),
                                        "ents": set(), "converted": True})
        g["ents"].add(text(r.get("ent_uscc")))
        g["raw"][unit] += qty
        try:
            row = energy.tce_row(carrier, qty, unit)
        except (energy.EnergyError, ValueError):
            g["converted"] = False
            if carrier not in problems:
                problems.append(carrier)
            continue
        g["base"] += row["amount_base"]
        g["base_unit"] = row["base_unit"]
        g["tce"] += row["tce"]
        if row["status"] == "UNCONFIRMED" and not row["overridden"]:
            g["unconfirmed"] = f"{row['coefficient']:g} {row['coefficient_unit']}"
    total = sum(g["tce"] for g in groups.values())
    display = {"kWh": ("万kWh", 1e4), "m³": ("万m³", 1e4), "kg": ("t", 1e3), "MJ": ("GJ", 1e3)}
    rows = []
    for carrier, g in sorted(groups.items(), key=lambda kv: -kv[1]["tce"]):
        if g["base_unit"] and g["converted"]:
            unit, div = display.get(g["base_unit"], (g["base_unit"], 1))
            qty = fnum(g["base"] / div)
        else:
            unit = "、".join(g["raw"]) if len(g["raw"]) > 1 else next(iter(g["raw"]), "")
            qty = "；".join(fnum(v) for v in g["raw"].values())
        flag = "（折标系数未经核实）" if g.get("unconfirmed") and g["converted"] else ""
        rows.append({"carrier": carrier + flag, "_carrier": carrier, "_unconfirmed": g.get("unconfirmed") if flag else "",
                     "qty": qty, "unit": unit, "_tce": g["tce"],
                     "tce": fnum(g["tce"]) if g["converted"] else "未折算",
                     "share": pct(g["tce"], total) if g["converted"] else "—", "ents": str(len(g["ents"] - {""}))})
    return rows, total, problems


def _overview(d: Data, out: dict[str, Any]) -> None:
    ents = d.enterprises
    n = d.n_enterprises
    ov: list[str] = []
    if not ents:
        ov.append("审核总表未录入审核企业名单。")
        out.update(types=[], counties=[])
    else:
        s = f"本次审核范围内共有{d.industry}企业{d.n('enterprises', n, 'int', check=lambda: len(d.rows('enterprises')))}家"
        counties = Counter(text(e.get("county")) or "未填写" for e in ents)
        if len(counties) > 1 or "未填写" not in counties:
            s += f"，分布在{d.n('counties', len(counties), 'int')}个区县"
            top = [(k, v) for k, v in counties.most_common(3) if v > 1 and k != "未填写"]
            if top and len(counties) > 2:
                s += "，其中" + join_cn(f"{d.lab(k)}（{d.n('county_' + k, v, 'int', table='s231.counties', col='企业数（家）', agg='value', where=('所在区县', k))}家）"
                                     for k, v in top) + "企业较多"
        sizes = Counter(text(e.get("size")) for e in ents if text(e.get("size")))
        if sizes:
            s += "；按企业规模，" + join_cn(
                f"{k}企业{d.n('size_' + k, v, 'int', table='s231.types', col='企业数（家）', agg='value', where=('类别', k + '企业'))}家"
                for k, v in sorted(sizes.items(), key=_size_order))
        ov.append(s + f"（见{d.ref('s231.types')}）。")
        flags = [(k, label, _yes(ents, k)) for k, label in (
            ("key_polluter", "属于重点排污单位"), ("heavy_pollution", "属于重污染行业"),
            ("ghg_reporting", "纳入温室气体排放报告与核查范围"), ("key_energy_user", "属于重点用能单位"),
            ("key_water_user", "属于重点用水单位"), ("mandatory_audit", "列入依法实施强制性清洁生产审核名单"))]
        flagged = [f"{label}的{d.n('flag_' + k, c, 'int', table='s231.types', col='企业数（家）', agg='value', where=('类别', label))}家"
                   f"（{d.n('flagshare_' + k, c / n, 'pct')}）" for k, label, c in flags if c]
        if flagged:
            ov.append("其中，" + "，".join(flagged) + "。")
        cap = _group_sum(ents, lambda e: text(e.get("capacity_unit")), "design_capacity")
        caps = [f"{d.n('capacity_' + u, g['design_capacity'], 'num')} {d.lab(u)}" for u, g in cap.items()
                if u and g["design_capacity"]]
        if caps:
            ov.append("审核企业合计设计规模为" + "、".join(caps) + f"，企业一览见{d.ref('annex.enterprises')}。")
        out["types"] = [{"item": f"{k}企业", "count": str(v), "share": pct(v, n)}
                        for k, v in sorted(sizes.items(), key=_size_order)] + \
                       [{"item": label, "count": str(c), "share": pct(c, n)} for _, label, c in flags]
        shown = counties.most_common(COUNTIES_SHOWN)
        rest = sum(v for _, v in counties.most_common()[COUNTIES_SHOWN:])
        out["counties"] = [{"county": k, "count": str(v), "share": pct(v, n)} for k, v in shown] + (
            [{"county": f"其他 {len(counties) - COUNTIES_SHOWN} 个区县", "count": str(rest), "share": pct(rest, n)}]
            if rest else [])
        if len(counties) <= 1:
            out["counties"] = []
    profiles = {text(p.get("ent_uscc")): p for p in d.rows("all_ent_profile")}
    if profiles:
        staff_n = sum(number(p.get("employees")) or 0 for p in profiles.values())
        s = (f"已报送企业基本情况的企业{d.n('profiles', len(profiles), 'int', check=lambda: len(d.rows('all_ent_profile')))}家"
             + (f"，合计职工{d.n('staff', staff_n, 'int', check=lambda: sum(number(p.get('employees')) or 0 for p in d.rows('all_ent_profile')))}人"
                if staff_n else ""))
        econ = sorted(d.rows("industry_economy"), key=lambda r: number(r.get("year")) or 0)
        if econ and number(econ[-1].get("employees")) is not None:
            s += (f"（行业统计的从业人数为{d.lab(fyear(econ[-1].get('year')))}年全部"
                  f"{d.n('econ_count', number(econ[-1].get('enterprise_count')) or n, 'int')}家企业的合计，"
                  f"见{d.ref('s211.economy')}）")
        ov.append(s + "。")
    out["overview"] = ov


def _resources(d: Data, out: dict[str, Any]) -> None:
    res: list[str] = []
    yr = d.year
    rows = d.year_rows("all_ent_products")
    prods = _group_sum(rows, lambda r: (text(r.get("product")), text(r.get("unit"))), "output")
    both = _group_sum([r for r in rows if number(r.get("output")) is not None and number(r.get("capacity"))],
                      lambda r: (text(r.get("product")), text(r.get("unit"))), "output", "capacity")
    out["products"] = [{"product": p, "unit": u, "output": fnum(g["output"]),
                        "capacity": fnum((both.get((p, u)) or {}).get("capacity")),
                        "utilization": pct((both.get((p, u)) or {}).get("output"), (both.get((p, u)) or {}).get("capacity")),
                        "ents": str(len(g["_ents"]))}
                       for (p, u), g in sorted(prods.items(), key=lambda kv: -(kv[1]["output"] or 0))]
    if prods:
        (p, u), g = max(prods.items(), key=lambda kv: kv[1]["output"] or 0)
        s = (f"{d.rows_year('all_ent_products') or yr}年，审核企业{d.lab(p)}合计"
             f"{d.n('output', g['output'], table='s231.products', col='产量', agg='value', where=('产品/服务', p))} {d.lab(u)}")
        b = both.get((p, u))
        if b and b["capacity"]:
            s += (f"；同时报送产量和设计产能的{d.n('util_ents', len(b['_ents']), 'int')}家企业产能利用率"
                  f"{d.n('utilization', b['output'] / b['capacity'], 'pct')}")
        res.append(s + f"（见{d.ref('s231.products')}）。")
        d.facts["output"] = (p, u, g["output"])
    en_rows, tce, bad = _energy(d)
    out["energy"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in en_rows]
    if en_rows:
        s = (f"{d.rows_year('all_ent_energy') or yr}年，审核企业综合能源消费量（当量值）合计"
             f"{d.n('tce', tce, table='s231.energy', col='折标准煤（tce）', agg='sum')} tce")
        main = [r for r in en_rows if r["share"] != "—"][:3]
        if main:
            s += "，主要能源品种为" + join_cn(f"{r['_carrier']}（占{d.n('share_' + r['_carrier'], r['_tce'] / tce, 'pct')}）"
                                       for r in main)
        if bad:
            s += f"；{join_cn(bad)}因计量单位无法按 GB/T 2589 折算，未计入合计"
        s += f"（见{d.ref('s231.energy')}）。"
        unconfirmed = [r for r in en_rows if r["_unconfirmed"]]
        if unconfirmed:
            s += ("其中" + join_cn(f"{r['_carrier']}的折标系数{d.lab(r['_unconfirmed'])}" for r in unconfirmed)
                  + "为缺省值，未经核实，相应折标准煤量和合计为暂定值，待审核小组核实或按实测低位发热量重新折算；"
                  "其余品种按 GB/T 2589 折算。")
        res.append(s)
        d.facts["tce"] = tce
        if "output" in d.facts and d.facts["output"][1] == "t" and d.facts["output"][2]:
            res.append("按全部报送企业的综合能源消费量与处置量（产量）之比计，单位产品综合能耗为"
                       f"{d.n('specific_energy', tce * 1000 / d.facts['output'][2])} kgce/t"
                       "（各企业指标值的分布见2.3.3节）。")
    water = _group_sum(d.year_rows("all_ent_water"), lambda r: text(r.get("source")) or "未填写", "intake", "reused")
    out["water"] = [{"source": k, "intake": fnum(g["intake"]), "reused": fnum(g["reused"]), "ents": str(len(g["_ents"]))}
                    for k, g in sorted(water.items(), key=lambda kv: -(kv[1]["intake"] or 0))]
    if water:
        intake = sum(g["intake"] or 0 for g in water.values())
        reused = sum(g["reused"] or 0 for g in water.values())
        s = f"取水量合计{d.n('intake', intake, table='s231.water', col='取水量（m³）', agg='sum')} m³"
        if reused:
            s += (f"，重复利用水量{d.n('reused', reused, table='s231.water', col='重复利用水量（m³）', agg='sum')} m³，"
                  f"水重复利用率{d.n('reuse_rate', reused / (intake + reused), 'pct')}")
        res.append(s + f"（见{d.ref('s231.water')}）。")
        d.facts["water"] = intake
    mats = _group_sum(d.year_rows("all_ent_materials"),
                      lambda r: (text(r.get("material")), text(r.get("category")), text(r.get("purpose")),
                                 text(r.get("unit")), text(r.get("hazardous"))), "consumption")
    out["materials"] = [{"material": k[0], "category": k[1], "purpose": k[2], "unit": k[3],
                         "consumption": fnum(g["consumption"]), "hazardous": k[4], "ents": str(len(g["_ents"]))}
                        for k, g in sorted(mats.items(), key=lambda kv: (kv[0][4] != "是", -(kv[1]["consumption"] or 0)))]
    if mats:
        haz = sorted({k[0] for k in mats if k[4] == "是"})
        s = f"审核企业填报主要原辅材料{d.n('materials', len({k[0] for k in mats}), 'int')}种"
        if haz:
            s += f"，其中列为有毒有害的{d.n('hazardous', len(haz), 'int')}种（{join_cn((d.lab(h) for h in haz), limit=6)}）"
        res.append(s + f"（见{d.ref('s231.materials')}）。")
    reports = d.rows("all_ent_reports")
    if reports:
        kinds = Counter(text(r.get("report_type")) for r in reports)
        res.append("企业报送了" + join_cn(f"{k}{d.n('report_' + k, v, 'int')}份" for k, v in kinds.items()) + "。")
    if not res:
        res.append("审核总表尚未汇总企业报送的资源能源利用数据（附录B.2）。")
    out["resource"] = res


def _pollutants(d: Data) -> Rows:
    pol: Rows = []
    for key, kind in (("all_ent_wastewater", "废水"), ("all_ent_wastegas", "废气")):
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for r in d.year_rows(key):
            p = text(r.get("pollutant"))
            if not p:
                continue
            unit = text(r.get("unit")) or "t"
            f = 0.001 if unit == "kg" else 1.0
            unit = "t" if unit == "kg" else unit
            g = groups.setdefault((p, unit), {"gen": 0.0, "dis": 0.0, "ents": set(), "hasgen": False, "hasdis": False})
            g["ents"].add(text(r.get("ent_uscc")))
            if number(r.get("generated")) is not None:
                g["gen"] += number(r.get("generated")) * f
                g["hasgen"] = True
            if number(r.get("discharged")):
                g["dis"] += number(r.get("discharged")) * f
                g["hasdis"] = True
        for (p, unit), g in groups.items():
            if not g["hasdis"]:  # e.g. dioxins: concentrations only, no mass balance → not “0 t”
                continue
            pol.append({"kind": kind, "pollutant": p, "unit": unit, "generated": fnum(g["gen"]) if g["hasgen"] else "—",
                        "discharged": fnum(g["dis"]),
                        # a volume (废水量, 烟气量) is discharged, not removed: no removal rate
                        "removal": pct(g["gen"] - g["dis"], g["gen"], dp=_removal_dp(g["gen"], g["dis"]))
                        if g["hasgen"] and g["gen"] and not p.endswith("量") else "—",
                        "ents": str(len(g["ents"] - {""})), "_dis": g["dis"]})
    return pol


def _environment(d: Data, out: dict[str, Any]) -> None:
    env: list[str] = []
    yr = d.year
    regional = sorted(d.rows("regional_environment"), key=lambda r: (text(r.get("element")), text(r.get("parameter"))))
    out["regional"] = [{"element": text(r.get("element")), "year": fyear(r.get("year")),
                        "site": text(r.get("site")), "parameter": d.lab(r.get("parameter")),
                        "value": fnum(r.get("value")), "standard": fnum(r.get("standard")),
                        "unit": text(r.get("unit")), "status": text(r.get("status"))} for r in regional]
    if regional:
        over = [r for r in regional if text(r.get("status")) == "超标"]
        s = (f"区域环境质量方面，收集了{d.n('elements', len({text(r.get('element')) for r in regional}), 'int')}类环境要素"
             f"{d.n('parameters', len(regional), 'int', table='s231.regional', agg='count')}项评价指标的监测数据")
        if over:
            s += "，其中" + join_cn(f"{text(r.get('element'))}{d.lab(r.get('parameter'))}" for r in over) + "超标"
            d.facts["regional_over"] = [f"{text(r.get('element'))}{text(r.get('parameter'))}" for r in over]
        else:
            s += "，均达标或无标准限值"
        env.append(s + f"（见{d.ref('s231.regional')}）。")
    pol = _pollutants(d)
    out["pollutants"] = [{k: v for k, v in p.items() if not k.startswith("_")} for p in pol]
    if pol:
        gas = [p for p in pol if p["kind"] == "废气" and p["unit"] == "t"]
        wat = [p for p in pol if p["kind"] == "废水" and p["pollutant"] != "废水量"]
        ww = [p for p in pol if p["pollutant"] == "废水量"]
        s = f"{d.rows_year('all_ent_wastegas') or d.rows_year('all_ent_wastewater') or yr}年，审核企业"
        parts = []

        def said(p: dict[str, Any]) -> str:
            return d.n(f"dis_{p['kind']}_{p['pollutant']}", p["_dis"], table="s231.pollutants", col="排放量",
                       agg="value", where=("项目", p["pollutant"]))

        if gas:
            parts.append("废气中" + join_cn(f"{d.lab(p['pollutant'])}排放{said(p)} t" for p in
                                          sorted(gas, key=lambda p: -p["_dis"])[:4]))
        if ww:
            parts.append(f"废水排放{said(ww[0])} {ww[0]['unit']}")
        if wat:
            parts.append("废水中" + join_cn(f"{d.lab(p['pollutant'])}{said(p)} t" for p in
                                          sorted(wat, key=lambda p: -p["_dis"])[:3]))
        env.append(s + "，".join(parts) + f"（见{d.ref('s231.pollutants')}；只报送排放浓度、未核算排放量的污染物未列入）。")
        d.facts["pollutants"] = {p["pollutant"]: p["_dis"] for p in sorted(gas, key=lambda p: -p["_dis"])[:3]}
    _breaches(d, out, env)
    sw = _group_sum(d.year_rows("all_ent_solidwaste"), lambda r: (text(r.get("waste")) or "未填写", text(r.get("category"))),
                    "generated", "utilized", "disposed", "stored")
    out["solidwaste"] = [{"category": f"{k[0]}（{k[1]}）" if k[1] else k[0], "generated": fnum(g["generated"]),
                          "utilized": fnum(g["utilized"]), "disposed": fnum(g["disposed"]), "stored": fnum(g["stored"]),
                          "rate": pct(g["utilized"], g["generated"])} for k, g in sw.items()]
    if sw:
        env.append("固体废物方面，" + "；".join(
            f"{d.lab(k[0])}产生{d.n('sw_' + k[0], g['generated'], table='s231.solidwaste', col='产生量（t）', agg='value', where=('固体废物（类别）', f'{k[0]}（{k[1]}）' if k[1] else k[0]))} t，"
            f"综合利用率{d.n('swrate_' + k[0], (g['utilized'] or 0) / g['generated'], 'pct') if g['generated'] else '—'}"
            for k, g in sw.items()) + f"（见{d.ref('s231.solidwaste')}）。")
    carbon = _group_sum(d.year_rows("all_ent_carbon"), lambda r: text(r.get("source")) or "其他", "emission")
    total_c = sum(g["emission"] or 0 for g in carbon.values())
    out["carbon"] = [{"source": k, "emission": fnum(g["emission"]), "share": pct(g["emission"], total_c),
                      "ents": str(len(g["_ents"]))} for k, g in sorted(carbon.items(), key=lambda kv: -(kv[1]["emission"] or 0))]
    if carbon:
        top = max(carbon.items(), key=lambda kv: kv[1]["emission"] or 0)
        env.append(f"碳排放方面，审核企业报送的二氧化碳排放量合计{d.n('co2', total_c, table='s231.carbon', col='排放量（tCO₂）', agg='sum')} tCO₂，"
                   f"其中{d.lab(top[0])}占{d.n('co2_top', (top[1]['emission'] or 0) / total_c, 'pct')}（见{d.ref('s231.carbon')}）。")
        d.facts["co2"] = total_c
    mon = _group_sum(d.year_rows("all_ent_monitoring"), lambda r: text(r.get("category")) or "其他", "times",
                     "compliant_times")
    out["monitoring"] = [{"category": k, "points": str(g["_n"]), "times": fint(g["times"]),
                          "compliant": fint(g["compliant_times"]), "rate": pct(g["compliant_times"], g["times"])}
                         for k, g in mon.items()]
    if mon:
        t = sum(g["times"] or 0 for g in mon.values())
        c = sum(g["compliant_times"] or 0 for g in mon.values())
        env.append(f"企业自行监测共{d.n('mon_times', t, 'int', table='s231.monitoring', col='实际监测次数', agg='sum')}次，"
                   f"达标{d.n('mon_ok', c, 'int', table='s231.monitoring', col='达标次数', agg='sum')}次，"
                   f"总体达标率{d.n('mon_rate', c / t if t else None, 'pct')}（见{d.ref('s231.monitoring')}）。")
    if not env:
        env.append("审核总表尚未录入区域环境质量和企业污染物排放数据（附录B.3）。")
    out["environment"] = env


def exceed_multiple(ratio: float | None) -> str:
    """超标倍数 as the standards write it: (实测值 − 限值)/限值 in 倍, e.g. 0.7 → ``0.7倍``."""
    if ratio is None:
        return "—"
    return f"{float(f'{ratio:.2g}'):g}倍"


def standard_unit(unit: str) -> str:
    """A concentration unit as the discharge standard writes it: ``mg/Nm³`` → ``mg/m³`` (the 标准状态 is stated once,
    with the reference oxygen, by :func:`gas_basis`)."""
    u = text(unit)
    return u.replace("Nm³", "m³").replace("Nm3", "m³").replace("ngTEQ", "ng TEQ") if "Nm" in u else u


def gas_basis() -> str:
    """The reference conditions of the waste-gas concentrations of the active pack's standard (GB 18484: 11% O₂)."""
    from cpxl.domain import packs

    gas = packs.active().data.get("wastegas") or {}
    basis = next((text(p.get("conc_basis")) for p in gas.get("pollutants", ()) if text(p.get("conc_basis"))), "")
    m = re.search(r"基准氧含量（?(\d+(?:\.\d+)?)\s*%\s*O₂", basis)
    std = text(gas.get("standard"))
    if m:
        return f"废气排放浓度为标准状态（273.15 K、101.325 kPa）下干烟气、基准氧含量{m.group(1)}%的折算值" + (
            f"（{std}）" if std else "")
    return f"废气排放浓度为标准状态下干烟气的浓度（{std}）" if std else ""


def breach_rows(d: Data) -> Rows:
    """达标核查 rows as the report shows them (the sheet cpxl plan writes, in its order)."""
    out = []
    for r in d.rows("compliance"):
        if text(r.get("verified")) == "数据有误":
            continue
        std = text(r.get("standard"))
        kind = text(r.get("limit_type")).replace("24小时均值或日均值", "日均值")
        if kind and kind not in std:
            std += f"（{kind}）"
        out.append({"enterprise": d.name_of(r), "kind": text(r.get("kind")), "pollutant": text(r.get("pollutant")),
                    "outlet": text(r.get("outlet")) or "—", "value": fnum(r.get("value")),
                    "unit": standard_unit(text(r.get("unit"))), "limit": fnum(r.get("limit")), "standard": std or "—",
                    "ratio": exceed_multiple(number(r.get("exceed_ratio"))),
                    "detail": text(r.get("detail")) or text(r.get("pollutant")),
                    "verified": text(r.get("verified")) or "待核实", "_ratio": number(r.get("exceed_ratio")) or 0,
                    "_value": number(r.get("value")), "_limit": number(r.get("limit")), "_uscc": text(r.get("uscc"))})
    return out


def _breaches(d: Data, out: dict[str, Any], env: list[str]) -> None:
    rows = breach_rows(d)
    d.facts["breaches"] = rows
    conc = sorted((r for r in rows if r["kind"] == "排放浓度超标"), key=lambda r: (r["enterprise"], -r["_ratio"]))
    other = [r for r in rows if r["kind"] != "排放浓度超标"]
    shown = conc if len(conc) <= 30 else sorted(conc, key=lambda r: -r["_ratio"])[:30]
    out["breaches"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in shown]
    out["permits"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in other] if len(other) <= 30 else []
    d.facts["breaches_annex"] = len(conc) > len(shown) or (len(other) > 30)
    if not d.rows("compliance") and not rows:
        env.append("达标排放核查：尚未运行 cpxl plan 核查超标排放与排污许可执行情况。" if d.rows("all_ent_wastegas") else
                   "达标排放核查：审核总表尚未汇总企业的排放监测数据。")
        return
    if not rows:
        env.append("达标排放核查：企业报送的废气、废水排放浓度均未超过执行标准限值，未发现排污许可执行问题。")
        return
    ents = {r["_uscc"] for r in rows}
    by_kind = Counter(r["kind"] for r in rows)
    s = (f"达标排放核查：按企业报送的排放浓度、自行监测和排污许可执行数据，{d.n('breach_ents', len(ents), 'int')}家企业"
         f"存在{d.n('breaches', len(rows), 'int')}项超标排放或许可执行问题（"
         + "、".join(f"{k}{d.n('breach_' + k, v, 'int')}项" for k, v in by_kind.items()) + "）")
    if any(r["verified"] != "属实" for r in rows):
        s += "，其中未经审核小组核实的为疑似问题（待核实）"
    if conc:
        worst = sorted(conc, key=lambda r: -r["_ratio"])[:6]
        items = []
        for verified, head in (("属实", "排放浓度超标（经核实属实）的有："), (None, "排放浓度疑似超标（待核实）的有：")):
            group = [r for r in worst if (r["verified"] == "属实") == (verified == "属实")]
            if group:
                items.append(head + "；".join(
                    f"{d.lab(r['enterprise'])}{d.lab(r['pollutant'])}"
                    f"{d.n('bv_' + r['_uscc'] + r['pollutant'], r['_value'], table='s231.breaches', col='实测值', agg='in')}"
                    f" {r['unit']}（限值{d.n('bl_' + r['_uscc'] + r['pollutant'], r['_limit'], table='s231.breaches', col='限值', agg='in')}，"
                    f"超标{d.lab(exceed_multiple(r['_ratio']))}）" for r in group))
        s += "。" + "。".join(items)
        if len(conc) > len(worst):
            s += f"等{d.n('conc', len(conc), 'int')}项"
        stds = list(dict.fromkeys(r["standard"] for r in conc))
        s += "；限值依据" + join_cn((d.lab(x) for x in stds), limit=3)
        basis = gas_basis()
        if basis and any(r["unit"].endswith("m³") for r in conc):
            s += "；" + d.lab(basis)
    refs = [d.ref("s231.breaches") if out["breaches"] else "", d.ref("s231.permits") if out["permits"] else "",
            d.ref("annex.breaches") if d.facts["breaches_annex"] else ""]
    env.append(s + "。这些问题须优先整改，不属于可选的清洁生产方案，详见" + "、".join(x for x in refs if x) + "。")


def _management(d: Data, out: dict[str, Any]) -> None:
    mg: list[str] = []
    man = d.rows("all_ent_management")
    out["mgmt"] = []
    if man:
        weak = []
        for k, label, noun, negative in MANAGEMENT_ITEMS:
            yes = _yes(man, k)
            no = sum(text(r.get(k)) == "否" for r in man)
            if yes or no:
                out["mgmt"].append({"item": label, "yes": str(yes), "no": str(no), "share": pct(yes, yes + no)})
            if no:
                weak.append((no, noun, negative, label))
        weak.sort(key=lambda w: -w[0])
        s = f"报送环境管理情况的企业{d.n('mgmt', len(man), 'int')}家"
        if weak:
            s += "，存在的不足主要是" + join_cn(
                f"{neg}（{d.n('weak_' + noun, no, 'int', table='s231.mgmt', col='否（家）', agg='value', where=('项目', label))}家）"
                for no, noun, neg, label in weak[:3])
        else:
            s += "，风险防范、应急管理、信息公开和排污许可执行等方面均已落实"
        mg.append(s + f"（见{d.ref('s231.mgmt')}）。")
        d.facts["mgmt_weak"] = [noun for _, noun, _, _ in weak]
    insp = d.rows("all_ent_inspections")
    rows = [{"enterprise": text(r.get("ent_name")), "source": text(r.get("source")), "issue": text(r.get("issue")),
             "status": text(r.get("status"))} for r in insp]
    out["inspections"] = rows if len(rows) <= BODY_ROWS else []
    d.facts["inspections_annex"] = rows if len(rows) > BODY_ROWS else []
    if insp:
        st = Counter(text(r.get("status")) or "未填写" for r in insp)
        where = d.ref("s231.inspections") if out["inspections"] else d.ref("annex.inspections")
        mg.append(f"环保督察、执法检查及信访投诉发现问题{d.n('insp', len(insp), 'int')}项，涉及企业"
                  f"{d.n('insp_ents', len({text(r.get('ent_uscc')) for r in insp}), 'int')}家，"
                  + join_cn(f"{k}{d.n('insp_' + k, v, 'int')}项" for k, v in st.items()) + f"（见{where}）。")
        d.facts["open_issues"] = st.get("整改中", 0) + st.get("未整改", 0)
    if not mg:
        mg.append("审核总表尚未汇总企业环境管理情况（附录B.4）。")
    out["management"] = mg


def site_rows(d: Data) -> Rows:
    rows = sorted(d.rows("site_inspections"), key=lambda r: text(r.get("date")))
    return [{"date": text(r.get("date")), "enterprise": text(r.get("enterprise")) or "（行业座谈）",
             "kind": text(r.get("kind")), "participants": text(r.get("participants")),
             "verified": text(r.get("verified")), "corrections": text(r.get("corrections")) or "无",
             "findings": text(r.get("findings")), "proposals": text(r.get("obvious_proposals")),
             "obsolete": text(r.get("obsolete_check")) or "未核查"} for r in rows]


NO_PROBLEM = re.compile(r"^[^；;。]*(未发现|无)(明显|突出|重大)?(问题|异常)[^；;]*[。]?$")


def _no_problem(finding: str) -> bool:
    """A finding that says nothing was found ("运行记录完整，未发现明显问题") — not a problem to list."""
    return bool(NO_PROBLEM.match(finding.strip()))


def _removal_dp(generated: float, discharged: float) -> int:
    """Decimals that keep a high removal rate from reading 100% (99.98%, not 100.0%)."""
    rest = discharged / generated if generated else 1.0
    return 1 if rest >= 0.001 or rest <= 0 else 2 if rest >= 0.0001 else 3


def _site(d: Data, out: dict[str, Any]) -> None:
    rows = d.rows("site_inspections")
    paras: list[str] = []
    out["site"] = []
    if not rows:
        paras.append("审核总表“现场考察”工作表未录入现场考察和座谈记录（5.2.1(2)）：现场核实、数据修正和座谈发现的方案"
                     "无从引用，请审核小组补录。")
        out["site_text"] = paras
        return
    kinds = Counter(text(r.get("kind")) for r in rows)
    visited = {text(r.get("uscc")) for r in rows if text(r.get("uscc")) and text(r.get("kind")) == "现场考察"}
    corrected = [r for r in rows if text(r.get("corrections")) not in ("", "无")
                 and "无需修正" not in text(r.get("corrections")) and "一致" not in text(r.get("corrections"))]
    obsolete = Counter(text(r.get("obsolete_check")) or "未核查" for r in rows if text(r.get("uscc")))
    s = ("按照生产工艺流程，审核小组开展" + join_cn(f"{k}{d.n('site_' + k, v, 'int')}次" for k, v in kinds.items())
         + f"，实地考察企业{d.n('visited', len(visited), 'int')}家，查阅运行、监测和设备维护记录，对填报数据进行核实与修正")
    if corrected:
        s += f"，修正数据{d.n('corrected', len(corrected), 'int')}处（均由企业按修正后的数据重新报送）"
    paras.append(s + "。")
    if obsolete.get("发现"):
        paras.append(f"对照产业政策核查淘汰落后工艺装备，{d.n('obsolete', obsolete['发现'], 'int')}家企业发现淘汰类工艺或装备，须限期淘汰。")
    elif obsolete.get("未发现"):
        paras.append(f"对照产业政策核查淘汰落后工艺装备，考察的{d.n('obsolete_ok', obsolete['未发现'], 'int')}家企业未发现淘汰类工艺或装备。")
    found = [r for r in rows if text(r.get("findings"))]
    problems = [text(r.get("findings")) for r in found if not _no_problem(text(r.get("findings")))]
    clean = {text(r.get("uscc")) or text(r.get("findings")) for r in found if _no_problem(text(r.get("findings")))}
    if problems:
        paras.append("现场发现的主要问题有：" + "；".join(d.lab(f) for f in list(dict.fromkeys(problems))[:4]) + "。")
    if clean:
        paras.append(f"另有{d.n('site_clean', len(clean), 'int')}家企业现场考察未发现明显问题。")
    obvious = [text(r.get("obvious_proposals")) for r in rows if text(r.get("obvious_proposals"))]
    if obvious:
        paras.append("座谈和考察中发现的显而易见的方案（已即时反馈企业实施）：" + "；".join(d.lab(o) for o in list(dict.fromkeys(obvious))[:3]) + "。")
    full = site_rows(d)
    out["site"] = full if len(full) <= BODY_ROWS else []
    d.facts["site_annex"] = full if len(full) > BODY_ROWS else []
    paras.append(f"现场考察与座谈记录见{d.ref('s231.site') if out['site'] else d.ref('annex.site')}。")
    out["site_text"] = paras


def s231_objects(d: Data) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _overview(d, out)
    _resources(d, out)
    _environment(d, out)
    _management(d, out)
    _site(d, out)
    d.count("2.3.1", len(d.enterprises) + sum(len(d.rows(k)) for k in d.raw if k.startswith("all_ent_")))
    return out
