"""Appendix C 2.3.1 审核对象基本情况: enterprises, output, energy, water, materials, emissions, management."""

from __future__ import annotations

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
    ratio,
    text,
)
from .data import Data, _group_sum, _yes
from .s232_focus import MANAGEMENT_ITEMS, _size_order

Rows = list[dict[str, Any]]


# ---------------------------------------------------------------------------
# 2.3 审核诊断


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
        rows.append({"carrier": carrier, "qty": qty, "unit": unit,
                     "tce": fnum(g["tce"]) if g["converted"] else "未折算",
                     "share": pct(g["tce"], total) if g["converted"] else "—", "ents": str(len(g["ents"] - {""}))})
    return rows, total, problems


def s231_objects(d: Data) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ents = d.enterprises
    n = d.n_enterprises
    # 一、企业概况 ----------------------------------------------------------------
    ov: list[str] = []
    if not ents:
        ov.append("审核总表未录入审核企业名单。")
    else:
        s = f"本次审核范围内共有{d.industry}企业{n}家"
        counties = Counter(text(e.get("county")) or "未填写" for e in ents)
        if len(counties) > 1 or "未填写" not in counties:
            s += f"，分布在{len(counties)}个区县"
            top = [(k, v) for k, v in counties.most_common(3) if v > 1 and k != "未填写"]
            if top and len(counties) > 2:
                s += "，其中" + join_cn(f"{k}（{v}家）" for k, v in top) + "企业较多"
        sizes = Counter(text(e.get("size")) for e in ents if text(e.get("size")))
        if sizes:
            s += "；按企业规模，" + join_cn(f"{k}企业{v}家" for k, v in sorted(sizes.items(), key=_size_order))
        ov.append(s + "。")
        flags = [(k, label, _yes(ents, k)) for k, label in (
            ("key_polluter", "重点排污单位"), ("heavy_pollution", "属于重污染行业"),
            ("ghg_reporting", "纳入温室气体排放报告与核查范围"), ("key_energy_user", "属于重点用能单位"),
            ("key_water_user", "属于重点用水单位"), ("mandatory_audit", "列入依法实施强制性清洁生产审核名单"))]
        flagged = [f"{label}的{c}家（{pct(c, n)}）" for _, label, c in flags if c]
        if flagged:
            ov.append("其中，" + "，".join(flagged) + "。")
        cap = _group_sum(ents, lambda e: text(e.get("capacity_unit")), "design_capacity")
        caps = [f"{fnum(g['design_capacity'])} {u}" for u, g in cap.items() if u and g["design_capacity"]]
        if caps:
            ov.append("审核企业合计设计规模为" + "、".join(caps) + "，企业一览见表。")
        out["types"] = [{"item": f"{k}企业", "count": str(v), "share": pct(v, n)}
                        for k, v in sorted(sizes.items(), key=_size_order)] + \
                       [{"item": label, "count": str(c), "share": pct(c, n)} for _, label, c in flags]
        out["counties"] = [{"county": k, "count": str(v), "share": pct(v, n)} for k, v in counties.most_common()]
        if len(out["counties"]) <= 1:
            out["counties"] = []
    profiles = {text(p.get("ent_uscc")): p for p in d.rows("all_ent_profile")}
    out["enterprises"] = [{
        "no": str(i), "name": text(e.get("name")), "uscc": text(e.get("uscc")), "county": text(e.get("county")),
        "size": text(e.get("size")),
        "products": text(e.get("main_products")) or text(profiles.get(text(e.get("uscc")), {}).get("main_process")),
        "capacity": join_cn([fnum(e.get("design_capacity"), dash=""), text(e.get("capacity_unit"))], last=" "),
    } for i, e in enumerate(ents, start=1)]
    if profiles:
        staff_n = sum(number(p.get("employees")) or 0 for p in profiles.values())
        ov.append(f"已报送企业基本情况的企业{len(profiles)}家" + (f"，合计职工{fint(staff_n)}人" if staff_n else "") + "。")
    out["overview"] = ov
    # 二、资源能源利用情况 -----------------------------------------------------------
    res: list[str] = []
    yr = d.year
    prods = _group_sum(d.year_rows("all_ent_products"), lambda r: (text(r.get("product")), text(r.get("unit"))),
                       "output", "capacity")
    out["products"] = [{"product": p, "unit": u, "output": fnum(g["output"]), "capacity": fnum(g["capacity"]),
                        "utilization": pct(g["output"], g["capacity"]), "ents": str(len(g["_ents"]))}
                       for (p, u), g in sorted(prods.items(), key=lambda kv: -(kv[1]["output"] or 0))]
    if prods:
        (p, u), g = max(prods.items(), key=lambda kv: kv[1]["output"] or 0)
        s = f"{d.rows_year('all_ent_products') or yr}年，审核企业{p}合计{fnum(g['output'])} {u}"
        if g["capacity"]:
            s += f"，产能利用率{pct(g['output'], g['capacity'])}"
        res.append(s + "。")
        d.facts["output"] = (p, u, g["output"])
    en_rows, tce, bad = _energy(d)
    out["energy"] = en_rows
    if en_rows:
        s = f"{d.rows_year('all_ent_energy') or yr}年，审核企业综合能源消费量（当量值）合计{fnum(tce)} tce"
        main = [r for r in en_rows if r["share"] != "—"][:3]
        if main:
            s += "，主要能源品种为" + join_cn(f"{r['carrier']}（占{r['share']}）" for r in main)
        if bad:
            s += f"；{join_cn(bad)}因计量单位无法按 GB/T 2589 折算，未计入合计"
        res.append(s + "。")
        d.facts["tce"] = tce
        if "output" in d.facts and d.facts["output"][1] == "t" and d.facts["output"][2]:
            res.append(f"按产量计，单位产品综合能耗约{fnum(tce * 1000 / d.facts['output'][2])} kgce/t。")
    water = _group_sum(d.year_rows("all_ent_water"), lambda r: text(r.get("source")) or "未填写", "intake", "reused")
    out["water"] = [{"source": k, "intake": fnum(g["intake"]), "reused": fnum(g["reused"]), "ents": str(len(g["_ents"]))}
                    for k, g in sorted(water.items(), key=lambda kv: -(kv[1]["intake"] or 0))]
    if water:
        intake = sum(g["intake"] or 0 for g in water.values())
        reused = sum(g["reused"] or 0 for g in water.values())
        s = f"取水量合计{fnum(intake)} m³"
        if reused:
            s += f"，重复利用水量{fnum(reused)} m³，水重复利用率{pct(reused, intake + reused)}"
        res.append(s + "。")
        d.facts["water"] = intake
    mats = _group_sum(d.year_rows("all_ent_materials"),
                      lambda r: (text(r.get("material")), text(r.get("category")), text(r.get("purpose")),
                                 text(r.get("unit")), text(r.get("hazardous"))), "consumption")
    out["materials"] = [{"material": k[0], "category": k[1], "purpose": k[2], "unit": k[3],
                         "consumption": fnum(g["consumption"]), "hazardous": k[4], "ents": str(len(g["_ents"]))}
                        for k, g in sorted(mats.items(), key=lambda kv: (kv[0][4] != "是", -(kv[1]["consumption"] or 0)))]
    if mats:
        haz = sorted({k[0] for k in mats if k[4] == "是"})
        s = f"审核企业填报主要原辅材料{len({k[0] for k in mats})}种"
        if haz:
            s += f"，其中有毒有害原辅材料{len(haz)}种（{join_cn(haz, limit=6)}）"
            d.facts["hazardous_materials"] = haz
        res.append(s + "。")
    reports = d.rows("all_ent_reports")
    if reports:
        kinds = Counter(text(r.get("report_type")) for r in reports)
        res.append("企业报送了" + join_cn(f"{k}{v}份" for k, v in kinds.items()) + "。")
    if not res:
        res.append("审核总表尚未汇总企业报送的资源能源利用数据（附录B.2）。")
    out["resource"] = res
    # 三、生态环境状况 -------------------------------------------------------------
    env: list[str] = []
    regional = sorted(d.rows("regional_environment"), key=lambda r: (text(r.get("element")), text(r.get("parameter"))))
    out["regional"] = [{"element": text(r.get("element")), "year": fyear(r.get("year")),
                        "site": text(r.get("site")), "parameter": text(r.get("parameter")),
                        "value": fnum(r.get("value")), "standard": fnum(r.get("standard")),
                        "unit": text(r.get("unit")), "status": text(r.get("status"))} for r in regional]
    if regional:
        over = [r for r in regional if text(r.get("status")) == "超标"]
        s = f"区域环境质量方面，审核总表录入{len({text(r.get('element')) for r in regional})}类环境要素"
        s += f"{len(regional)}项评价指标"
        if over:
            s += "，其中" + join_cn(f"{text(r.get('element'))}{text(r.get('parameter'))}" for r in over) + "超标"
            d.facts["regional_over"] = [f"{text(r.get('element'))}{text(r.get('parameter'))}" for r in over]
        else:
            s += "，均达标或无标准限值"
        env.append(s + "。")
    pol: Rows = []
    for key, kind in (("all_ent_wastewater", "废水"), ("all_ent_wastegas", "废气")):
        rows = d.year_rows(key)
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            p = text(r.get("pollutant"))
            if not p:
                continue
            unit = text(r.get("unit")) or "t"
            f = 0.001 if unit == "kg" else 1.0
            unit = "t" if unit == "kg" else unit
            g = groups.setdefault((p, unit), {"gen": 0.0, "dis": 0.0, "ents": set(), "hasgen": False})
            g["ents"].add(text(r.get("ent_uscc")))
            if number(r.get("generated")) is not None:
                g["gen"] += number(r.get("generated")) * f
                g["hasgen"] = True
            g["dis"] += (number(r.get("discharged")) or 0) * f
        for (p, unit), g in groups.items():
            pol.append({"kind": kind, "pollutant": p, "unit": unit, "generated": fnum(g["gen"]) if g["hasgen"] else "—",
                        "discharged": fnum(g["dis"]),
                        "removal": pct(g["gen"] - g["dis"], g["gen"]) if g["hasgen"] and g["gen"] else "—",
                        "ents": str(len(g["ents"] - {""})), "_dis": g["dis"]})
    out["pollutants"] = pol
    if pol:
        gas = [p for p in pol if p["kind"] == "废气" and p["unit"] == "t"]
        wat = [p for p in pol if p["kind"] == "废水" and p["pollutant"] != "废水量"]
        ww = [p for p in pol if p["pollutant"] == "废水量"]
        s = f"{d.rows_year('all_ent_wastegas') or d.rows_year('all_ent_wastewater') or yr}年，审核企业"
        parts = []
        if gas:
            parts.append("废气中" + join_cn(f"{p['pollutant']}排放{p['discharged']} t" for p in
                                          sorted(gas, key=lambda p: -p["_dis"])[:4]))
        if ww:
            parts.append(f"废水排放{ww[0]['discharged']} {ww[0]['unit']}")
        if wat:
            parts.append("废水中" + join_cn(f"{p['pollutant']}{p['discharged']} t" for p in
                                          sorted(wat, key=lambda p: -p["_dis"])[:3]))
        env.append(s + "，".join(parts) + "。")
        d.facts["pollutants"] = {p["pollutant"]: p["discharged"] for p in gas}
    exceed = [r for r in d.year_rows("all_ent_wastegas")
              if number(r.get("concentration")) is not None and number(r.get("limit"))
              and number(r.get("concentration")) > number(r.get("limit"))]
    if exceed:
        ents_x = {text(r.get("ent_uscc")) for r in exceed}
        env.append(f"有{len(ents_x)}家企业的{len(exceed)}项废气污染物排放浓度高于其排放限值（"
                   + join_cn(dict.fromkeys(text(r.get("pollutant")) for r in exceed), limit=5) + "），需重点关注。")
        d.facts["exceed_ents"] = len(ents_x)
    sw = _group_sum(d.year_rows("all_ent_solidwaste"), lambda r: text(r.get("category")) or "未分类",
                    "generated", "utilized", "disposed", "stored")
    out["solidwaste"] = [{"category": k, "generated": fnum(g["generated"]), "utilized": fnum(g["utilized"]),
                          "disposed": fnum(g["disposed"]), "stored": fnum(g["stored"]),
                          "rate": pct(g["utilized"], g["generated"])} for k, g in sw.items()]
    if sw:
        env.append("固体废物方面，" + "；".join(
            f"{k}产生{fnum(g['generated'])} t，综合利用率{pct(g['utilized'], g['generated'])}" for k, g in sw.items()) + "。")
    carbon = _group_sum(d.year_rows("all_ent_carbon"), lambda r: text(r.get("source")) or "其他", "emission")
    total_c = sum(g["emission"] or 0 for g in carbon.values())
    out["carbon"] = [{"source": k, "emission": fnum(g["emission"]), "share": pct(g["emission"], total_c),
                      "ents": str(len(g["_ents"]))} for k, g in sorted(carbon.items(), key=lambda kv: -(kv[1]["emission"] or 0))]
    if carbon:
        top = max(carbon.items(), key=lambda kv: kv[1]["emission"] or 0)
        env.append(f"碳排放方面，审核企业二氧化碳排放量合计{fnum(total_c)} tCO₂，其中{top[0]}占{pct(top[1]['emission'], total_c)}。")
        d.facts["co2"] = total_c
    mon = _group_sum(d.year_rows("all_ent_monitoring"), lambda r: text(r.get("category")) or "其他", "times",
                     "compliant_times")
    out["monitoring"] = [{"category": k, "points": str(g["_n"]), "times": fint(g["times"]),
                          "compliant": fint(g["compliant_times"]), "rate": pct(g["compliant_times"], g["times"])}
                         for k, g in mon.items()]
    if mon:
        t = sum(g["times"] or 0 for g in mon.values())
        c = sum(g["compliant_times"] or 0 for g in mon.values())
        env.append(f"企业自行监测共{fint(t)}次，达标{fint(c)}次，总体达标率{pct(c, t)}。")
        d.facts["compliance"] = ratio(c, t)
    if not env:
        env.append("审核总表尚未录入区域环境质量和企业污染物排放数据（附录B.3）。")
    out["environment"] = env
    # 四、环境管理情况 -------------------------------------------------------------
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
                weak.append((no, noun, negative))
        weak.sort(key=lambda w: -w[0])
        s = f"报送环境管理情况的企业{len(man)}家"
        if weak:
            s += "，存在的不足主要是" + join_cn(f"{neg}（{no}家）" for no, _, neg in weak[:3])
        else:
            s += "，风险防范、应急管理、信息公开和排污许可执行等方面均已落实"
        mg.append(s + "。")
        d.facts["mgmt_weak"] = [noun for _, noun, _ in weak]
    insp = d.rows("all_ent_inspections")
    out["inspections"] = [{"enterprise": text(r.get("ent_name")), "source": text(r.get("source")),
                           "issue": text(r.get("issue")), "status": text(r.get("status"))} for r in insp]
    if insp:
        st = Counter(text(r.get("status")) or "未填写" for r in insp)
        mg.append(f"环保督察、执法检查及信访投诉发现问题{len(insp)}项，涉及企业{len({text(r.get('ent_uscc')) for r in insp})}家，"
                  + join_cn(f"{k}{v}项" for k, v in st.items()) + "。")
        d.facts["open_issues"] = st.get("整改中", 0) + st.get("未整改", 0)
    if not mg:
        mg.append("审核总表尚未汇总企业环境管理情况（附录B.4）。")
    out["management"] = mg
    d.count("2.3.1", len(ents) + sum(len(d.rows(k)) for k in d.raw if k.startswith("all_ent_")))
    return out
