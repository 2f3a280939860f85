"""The demo audit for a second industry: any industry pack with a demo profile (``cpxl/data/demo/<pack>.json``).

The profile is data: the enterprises' products and their shares, intensities per unit of product (energy,
water, materials, solid wastes), concentration ranges of each pollutant, monitoring points, the texts of the
master workbook that name the industry, and the indicator system the fictional audit team completed. The
fictional province, its cities and people come from the main demo (``dongan.json``). Everything the profile
generates is fictional demo data; values the audit team filled in where the public text is missing are marked
示例值（非官方）.

``cpxl demo --industry-pack electroplating`` runs it end to end like the main demo: master, templates typed
into as enterprises do (in the template's own rows), ingest, diagnosis, plan and report.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl

from cpxl.book import schema
from cpxl.book.layout import layout_for
from cpxl.book.master import init_audit
from cpxl.book.templates import make_templates
from cpxl.book.xlsxwrite import cell_value
from cpxl.core.folder import AuditFolder
from cpxl.core.paths import DATA
from cpxl.diagnosis import diagnose
from cpxl.domain import packs
from cpxl.domain.indicators import IndicatorSystem, load_system
from cpxl.intake.ingest import ingest
from cpxl.plan.run import plan
from cpxl.report import render_report

from . import data as main_demo
from . import team

DEMO_DIR = DATA / "demo"
_INDUSTRY_WORDS = ("危险废物焚烧处置", "危险废物焚烧", "焚烧处置", "危险废物")


def available() -> list[str]:
    """Packs with a demo profile (besides the main demo's)."""
    return sorted(p.stem for p in DEMO_DIR.glob("*.json") if p.stem in packs.pack_ids())


@cache
def profile(pack: str) -> dict[str, Any]:
    path = DEMO_DIR / f"{pack}.json"
    if not path.is_file():
        raise ValueError(f"行业包“{pack}”没有演示数据；有演示数据的行业包：{'、'.join(available()) or '无'}，"
                         f"以及主演示 {main_demo.config()['industry_pack']}")
    return json.loads(path.read_text(encoding="utf-8"))


def system(pack: str) -> IndicatorSystem:
    return load_system(DEMO_DIR / profile(pack)["indicator_system"])


def _u(rng: random.Random, lo_hi: Sequence[float]) -> float:
    return rng.uniform(float(lo_hi[0]), float(lo_hi[1]))


def enterprises(pack: str, n: int = 12, seed: int = 2026) -> list[dict[str, Any]]:
    """The main demo's fictional enterprise list, renamed and re-described for ``pack``."""
    prof = profile(pack)
    rng = random.Random(seed)
    cities = main_demo.config()["cities"]
    out = []
    for i, e in enumerate(main_demo.enterprises(n, seed)):
        city = cities[i % len(cities)]
        name = f"{city['name'][:2]}{prof['name_stems'][i % len(prof['name_stems'])]}{rng.choice(prof['name_suffixes'])}"
        if i == 5:
            name = f"{city['name'][:2]}金鼎&恒光<合资>{prof['name_suffixes'][0]}"  # special characters survive
        cap = rng.choice(prof["capacity_choices"])
        out.append({**e, "name": name, "industry_code": prof["industry_code"], "main_products": prof["main_products"],
                    "design_capacity": cap, "capacity_unit": prof["capacity_unit"],
                    "mandated_focus": rng.choice(prof["mandated_focus"]),
                    "size": "大型" if cap >= 80 else ("中型" if cap >= 30 else "小型"),
                    "ghg_reporting": "否", "key_energy_user": "是" if cap >= 80 else "否"})
    return out


def _retext(v: Any, industry: str) -> Any:
    if isinstance(v, str):
        for w in _INDUSTRY_WORDS:
            v = v.replace(w, industry)
    return v


def master_data(pack: str, year: int, ents: Sequence[Mapping[str, Any]], sys_: IndicatorSystem) -> dict[str, list[dict]]:
    """The regulator's entries: the main demo's, with the texts that name the industry taken from the profile."""
    prof = profile(pack)
    base = main_demo.master_data(year, ents, sys_)
    m = prof["master"]
    for r in base.get("training", []):
        if "焚烧" in str(r.get("content", "")) or "飞灰" in str(r.get("content", "")):
            r["content"] = m["training_content"] if "通知" in r["content"] else m["case_content"]
    base["industry_plans"] = [r for r in base.get("industry_plans", [])
                              if not any(w in str(r.get("title", "")) for w in ("焚烧", "危险废物"))] + list(m["plans"])
    for r in base.get("industry_region", []):
        r["industry_overview"] = m["overview"]
    base["site_inspections"] = main_demo.site_inspections(ents, year, generic=True)
    for key, rows in base.items():
        if key in ("indicator_system", "enterprises"):
            continue
        for r in rows:
            for k in list(r):
                r[k] = _retext(r[k], prof["industry"])
    return base


def enterprise_data(pack: str, ent: Mapping[str, Any], year: int, sys_: IndicatorSystem, seed: int = 7
                    ) -> dict[str, list[dict]]:
    """What one enterprise of ``pack`` returns in its template (correct data), keyed by schema key."""
    prof = profile(pack)
    p = packs.load_pack(pack)
    rng = random.Random(f"{seed}-{pack}-{ent['uscc']}")
    q = ent["_q"]
    years = (year - 2, year - 1, year)
    out: dict[str, list[dict]] = {k: [] for k in (
        "ent_products", "ent_materials", "ent_water", "ent_energy", "ent_wastewater", "ent_wastegas",
        "ent_solidwaste", "ent_monitoring")}
    shares = {pr["name"]: _u(rng, pr["share"]) for pr in prof["products"] if rng.random() < 0.85 or pr is prof["products"][0]}
    total_share = sum(shares.values())
    cap = float(ent["design_capacity"]) * 1e4  # 万m²/a → m²
    worse = 1.15 - 0.3 * q  # a weaker enterprise uses more per unit of product
    with packs.activated(pack):
        with_ind = main_demo.indicator_rows_for(ent, sys_, year, rng)
    base: dict[str, float] = {}  # each enterprise's own level of every intensity and concentration, kept over the years

    def level(key: str, lo_hi: Sequence[float]) -> float:
        if key not in base:
            base[key] = _u(rng, lo_hi)
        return base[key] * rng.uniform(0.93, 1.07)

    for y in years:
        load = min(0.95, _u(rng, prof["load"]) * (1 + 0.03 * (y - years[0])))
        total = cap * load
        for name, s in shares.items():
            unit = next(pr["unit"] for pr in prof["products"] if pr["name"] == name)
            out["ent_products"].append({"year": y, "product": name, "unit": unit, "output": round(total * s / total_share),
                                        "capacity": round(cap * s / total_share)})
        for e in prof["energy"]:
            out["ent_energy"].append({"year": y, "carrier": e["carrier"], "unit": e["unit"],
                                      "consumption": round(total * level(e["carrier"], e["per_unit"]) * worse, 1),
                                      "purpose": e["purpose"]})
        w = prof["water"]
        intake = round(total * level("water", w["per_unit"]) * worse)
        out["ent_water"].append({"year": y, "source": w["source"], "intake": intake,
                                 "reused": round(intake * level("reuse", w["reuse_of_intake"]))})
        for mat in prof["materials"]:
            out["ent_materials"].append({"year": y, "material": mat["material"], "category": mat["category"],
                                         "purpose": mat["purpose"], "unit": mat["unit"], "hazardous": mat["hazardous"],
                                         "consumption": round(total * level(mat["material"], mat["per_unit"]) * worse, 3)})
        ww = prof["wastewater"]
        volume = round(intake * level("wastewater", ww["volume_of_intake"]))
        out["ent_wastewater"].append({"year": y, "outlet": "DW003", "pollutant": "废水量", "unit": "m³",
                                      "generated": volume, "discharged": volume})
        for name, rng_c in ww["pollutants"].items():
            pol = p.pollutant("wastewater", name) or {}
            limit = next((lim["value"] for lim in pol.get("limits", ()) if lim.get("table") == "表2"
                          and isinstance(lim.get("value"), (int, float))), None)
            conc = round(level(f"ww-{name}", rng_c) * (1.2 - 0.4 * q), 3)
            dis_t = round(volume * conc * 1e-6, 4)
            out["ent_wastewater"].append({
                "year": y, "outlet": ww["outlets"].get(name, "DW003"), "pollutant": name, "unit": "t",
                "generated": round(dis_t / (1 - base.setdefault(f"removal-{name}", _u(rng, ww["removal"]))), 4),
                "discharged": dis_t,
                "concentration": conc, "conc_unit": "mg/L", "limit": limit, "treatment": "分类收集＋化学沉淀＋生化",
                "destination": "园区污水处理厂"})
        wg = prof["wastegas"]
        flow = total * level("flow", wg["flow_per_unit"])
        for i, (name, rng_c) in enumerate(wg["pollutants"].items(), start=1):
            pol = p.pollutant("wastegas", name) or {}
            limit = next((lim["value"] for lim in pol.get("limits", ()) if lim.get("table") == "表5"
                          and isinstance(lim.get("value"), (int, float))), None)
            conc = round(level(f"wg-{name}", rng_c) * (1.2 - 0.4 * q), 3)
            out["ent_wastegas"].append({"year": y, "outlet": f"DA00{i}", "pollutant": name,
                                        "discharged": round(flow * conc * 1e-9, 4), "concentration": conc,
                                        "conc_unit": "mg/Nm³", "limit": limit, "control": wg["control"]})
        for sw in prof["solidwaste"]:
            pw = next(x for x in p.data["solidwaste"] if x["waste"] == sw["waste"])
            gen = round(total * level(sw["waste"], sw["per_unit"]) * worse, 2)
            used = round(gen * level(f"use-{sw['waste']}", sw["utilized"]), 2)
            out["ent_solidwaste"].append({"year": y, "waste": sw["waste"], "category": pw["category"],
                                          "hw_code": pw.get("hw_code"), "generated": gen, "utilized": used,
                                          "disposed": round(gen - used, 2), "stored": 0, "destination": sw["destination"]})
        for mon in prof["monitoring"]:
            bad = rng.choice([0, 0, 0, 1, 2]) if mon["times"] > 12 else rng.choice([0, 0, 1])
            out["ent_monitoring"].append({**mon, "year": y, "compliant_times": mon["times"] - bad,
                                          "compliance_rate": round(100 * (mon["times"] - bad) / mon["times"], 1)})
    out["ent_profile"] = [{
        "address": ent["address"], "legal_rep": rng.choice(main_demo.config()["people"]),
        "established": f"{rng.randint(2005, 2018)}-0{rng.randint(1, 9)}-01", "employees": rng.randint(40, 260),
        "area": rng.randint(5000, 40000), "main_process": prof["profile"]["main_process"],
        "main_equipment": prof["profile"]["main_equipment"], "design_capacity": ent["design_capacity"],
        "capacity_unit": ent["capacity_unit"], "permit_valid_until": f"{year + rng.randint(1, 4)}-12-31",
        "contact_person": ent["contact_person"], "contact_phone": ent["contact_phone"]}]
    out["ent_management"] = [{
        "risk_level": rng.choice(["一般", "较大", "较大"]), "risk_system": "是", "risk_monitoring": rng.choice(["是", "否"]),
        "emergency_plan": "是", "drills": rng.randint(1, 3), "emergency_training": "是", "disclosure": "是",
        "disclosure_channel": "全国排污许可证管理信息平台", "last_cp_accepted": rng.choice(["是", "是", "否", "未开展"]),
        "permit_reports_on_time": rng.choice(["是", "是", "是", "否"]), "permit_violations": rng.choice([0, 0, 1])}]
    out["ent_indicators"] = with_ind
    return out


def type_into_template(template: Path, out: Path, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Type ``data`` into a copy of a template as a person would: a row whose year and item match a prefilled row
    goes into that row; others go below the last row used. Prefilled rows the enterprise does not concern stay
    untouched."""
    wb = openpyxl.load_workbook(template)
    for key, rows in data.items():
        s = schema.load(key)
        if s.sheet not in wb.sheetnames or not rows:
            continue
        ws = wb[s.sheet]
        lay = layout_for(s)
        if s.is_form:
            for name, v in rows[0].items():
                if v is not None and not s.field(name).locked:
                    ws[lay.cell(name)].value = cell_value(s.field(name), v)
            continue
        used = [r for r in range(lay.first_row, lay.last_row + 1)
                if any(ws.cell(r, j).value not in (None, "") for j in range(1, len(s.fields) + 1))]
        nxt = (used[-1] + 1) if used else lay.first_row
        keys = [k for k in ("year", "pollutant", "carrier", "source", "waste", "indicator_id") if k in s.names]
        for row in rows:
            target = next((r for r in used if all(ws.cell(r, s.names.index(k) + 1).value == row.get(k) for k in keys)),
                          None)
            if target is None:
                target, nxt = nxt, nxt + 1
            for name, v in row.items():
                if name in s.names and v is not None:
                    ws.cell(target, s.names.index(name) + 1).value = cell_value(s.field(name), v)
    wb.save(out)


def run(root: Path, pack: str, n: int = 12, year: int = 2025, mistakes: bool = True) -> dict[str, Any]:
    """The demo audit of ``pack`` end to end; returns what was produced where."""
    prof = profile(pack)
    sys_ = system(pack)
    ents = enterprises(pack, n)
    cfg = main_demo.config()
    old = AuditFolder(Path(root))
    for d in (old.inbox, old.archive, old.feedback, old.templates):
        shutil.rmtree(d, ignore_errors=True)
    old.ledger.unlink(missing_ok=True)
    from cpxl.book.indicator_sheet import system_rows

    master = master_data(pack, year, ents, sys_)
    master["indicator_system"] = system_rows(sys_)
    folder = init_audit(Path(root), prof["industry"], cfg["region"], year, prof["industry_code"], pack=pack,
                        data=master, overwrite=True, audit_extra={**main_demo.audit_extra(year),
                                                                  "scope_boundary": f"全省{prof['industry']}企业原料入厂至产品出厂的生产全过程；重点关注能源、特征污染物与温室气体",
                                                                  "contract_scope": f"开展全省{prof['industry']}行业整体清洁生产审核，完成资料收集、现场考察、诊断、方案制定与报告编制",
                                                                  "audit_name": f"{cfg['region']}{prof['industry']}行业整体清洁生产审核",
                                                                  "indicator_system_name": sys_.name})
    templates = {p.stem.rsplit("_", 1)[-1]: p for p in make_templates(folder.root)}
    notes: dict[str, str] = {}
    returned = []
    with packs.activated(pack):
        for i, e in enumerate(ents):
            d = enterprise_data(pack, e, year, sys_)
            if mistakes and i % 4 == 1:
                kind = ("unit_in_cell", "fullwidth_thousands", "discharge_gt_generation")[(i // 4) % 3]
                notes[e["name"]] = _mistake(d, kind, year)
            out = folder.inbox / templates[e["uscc"]].name
            type_into_template(templates[e["uscc"]], out, d)
            returned.append(out)
    steps: dict[str, str] = {}
    res = ingest(folder.root)
    steps["企业报送校验"] = (f"接受 {res.count('accepted')} 份，退回修改 {res.count('rejected')} 份；校验报告 {res.report}")
    d = diagnose(folder.root)
    steps["诊断评分"] = d.summary
    start, today = dt.date(year + 1, 7, 20), dt.date(year + 1, 11, 24)
    team.confirm_settings(folder.master, start)  # the audit team decides what cpxl suggests (cpxl.demo.team)
    plan(folder.root, today=start)
    team.review_targets(folder.master, start + dt.timedelta(days=8))
    team.estimate_and_score(folder.master, start + dt.timedelta(days=30))
    plan(folder.root, today=start + dt.timedelta(days=30))
    team.decide_proposals(folder.master, start + dt.timedelta(days=37))
    p = plan(folder.root, today=today)
    team.record_lessons(folder.master)
    steps["目标与方案"] = f"目标 {p.counts.get('targets', 0)} 项；方案 {p.counts.get('proposals', 0)} 项"
    r = render_report(folder.root, pdf=False)
    steps["审核报告"] = str(r.docx)
    return {"folder": str(folder.root), "master": str(folder.master), "templates": [str(t) for t in templates.values()],
            "returned": [str(x) for x in returned], "mistakes": notes, "steps": steps}


def _mistake(d: dict[str, list[dict]], kind: str, year: int) -> str:
    """One typical mistake (the main demo's, except the unit typed into a cell, which names this pack's unit)."""
    if kind != "unit_in_cell":
        return main_demo.add_mistakes(d, kind, year)
    r = next(r for r in d["ent_products"] if r["year"] == year)
    r["output"] = f"{int(r['output'])}平方米"
    return "产量填成了“…平方米”（数字带单位）"
