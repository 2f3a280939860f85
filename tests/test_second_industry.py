"""A synthetic audit of a second industry (印染, dyeing) through diagnose → plan → the team's review → report.

Nothing here is specific to hazardous-waste incineration: the indicator system is the audit's own 指标体系
sheet, the proposal catalogue a file of the audit team, the breach a limit the enterprise reported. Four
enterprises: 甲 (good), 乙 (average), 丙 (poor: 定型机 particulates 26 mg/Nm³ against its limit 20, and a water
reuse rate of 130 % that no share can be), 丁 (on the list, its submission never accepted).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from docx import Document

from cpxl.book.master import init_audit
from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_master_data
from cpxl.diagnosis import diagnose
from cpxl.domain import codes
from cpxl.plan.review import pending
from cpxl.plan.run import plan
from cpxl.plan.targets import bounds, indicators_from_sheet
from cpxl.report import render_report
from cpxl.report.consistency import check

YEAR = 2025


def _uscc(n: int) -> str:
    body = f"9144010{n}MA5C6D7E8"
    return body + codes.uscc_check_char(body)


U = {k: _uscc(i) for i, k in enumerate("甲乙丙丁", start=1)}
NAME = {k: f"某市{k}印染有限公司" for k in U}
SYSTEM = [
    {"category": "资源能源利用", "category_weight": 0.6, "indicator_id": "dye_water", "indicator": "单位产品取水量",
     "unit": "m³/t", "weight": 0.4, "kind": "定量", "limiting": "否", "level1": "≤1.2", "level2": "≤1.6", "level3": "≤2.0",
     "dimension": "资源综合利用指标"},
    {"category": "资源能源利用", "category_weight": 0.6, "indicator_id": "dye_energy", "indicator": "单位产品综合能耗",
     "unit": "kgce/t", "weight": 0.4, "kind": "定量", "limiting": "否", "level1": "≤35", "level2": "≤45", "level3": "≤55",
     "dimension": "资源综合利用指标"},
    {"category": "资源能源利用", "category_weight": 0.6, "indicator_id": "water_reuse", "indicator": "水重复利用率",
     "unit": "%", "weight": 0.2, "kind": "定量", "limiting": "否", "level1": "≥45", "level2": "≥40", "level3": "≥35",
     "dimension": "资源综合利用指标"},
    {"category": "污染物排放与管理", "category_weight": 0.4, "indicator_id": "pm_conc", "indicator": "定型机废气颗粒物浓度",
     "unit": "mg/Nm³", "weight": 0.6, "kind": "定量", "limiting": "否", "level1": "≤10", "level2": "≤15", "level3": "≤20",
     "dimension": "污染物产生和排放指标"},
    {"category": "污染物排放与管理", "category_weight": 0.4, "indicator_id": "cp_mgmt", "indicator": "清洁生产管理",
     "unit": "", "weight": 0.4, "kind": "定性", "limiting": "否", "level1": "建立完善的清洁生产管理制度",
     "level2": "建立清洁生产管理制度", "level3": "有清洁生产管理人员", "dimension": "清洁生产管理指标"},
]
VALUES = {  # water, energy, reuse, pm, cp level
    "甲": (1.1, 33, 50, 8, "I级"),
    "乙": (1.7, 48, 38, 14, "II级"),
    "丙": (1.9, 54, 130, 19, "III级"),
}
OUTPUT = {"甲": 30000, "乙": 20000, "丙": 10000}
CATALOGUE = {
    "_meta": {"industry": "印染", "notice": "测试用：审核小组整理的典型措施（无投资、无评分）"},
    "measures": [
        {"id": "water_recycle", "title": "印染废水深度处理中水回用", "category": "工艺控制",
         "indicators": ["dye_water", "water_reuse"], "problem": "新鲜水用量大"},
        {"id": "heat_recovery", "title": "定型机废气余热回收", "category": "设备改进", "indicators": ["dye_energy"]},
        {"id": "pm_control", "title": "定型机废气静电除尘与喷淋治理升级", "category": "末端治理", "indicators": ["pm_conc"]},
        {"id": "cp_system", "title": "清洁生产管理制度建设", "category": "环境管理", "indicators": ["cp_mgmt"]},
    ],
}


def _data() -> dict[str, list[dict]]:
    ents = [{"name": NAME[k], "uscc": u, "industry_code": "C1713", "county": "某区", "size": "中型",
             "key_polluter": "是", "heavy_pollution": "否", "ghg_reporting": "否", "key_energy_user": "是",
             "key_water_user": "是", "contact_person": "李四", "contact_phone": "13900000000",
             "design_capacity": OUTPUT.get(k, 10000) * 1.25, "capacity_unit": "t/a"} for k, u in U.items()]
    d: dict[str, list[dict]] = {"enterprises": ents, "indicator_system": SYSTEM,
                                "work_plan": [{"stage": "报告编制", "task": "提出清洁生产方案", "due_date": "2026-09-30"}]}
    for k, vals in VALUES.items():
        who = {"ent_uscc": U[k], "ent_name": NAME[k]}
        d.setdefault("all_ent_profile", []).append({**who, "employees": 120, "permit_valid_until": "2028-12-31"})
        d.setdefault("all_ent_products", []).append({**who, "year": YEAR, "product": "印染布", "unit": "t",
                                                    "output": OUTPUT[k], "capacity": OUTPUT[k] * 1.25})
        d.setdefault("all_ent_energy", []).append({**who, "year": YEAR, "carrier": "电力", "unit": "万kWh",
                                                  "consumption": round(OUTPUT[k] * vals[1] / 1229, 2)})
        d.setdefault("all_ent_water", []).append({**who, "year": YEAR, "source": "自来水", "intake": OUTPUT[k] * vals[0]})
        conc = 26.0 if k == "丙" else vals[3]
        d.setdefault("all_ent_wastegas", []).append({**who, "year": YEAR, "outlet": "DA001", "pollutant": "颗粒物",
                                                    "discharged": round(OUTPUT[k] * 4000 * conc * 1e-9, 3),
                                                    "concentration": conc, "conc_unit": "mg/Nm³", "limit": 20.0})
        for (iid, v) in zip(("dye_water", "dye_energy", "water_reuse", "pm_conc"), vals[:4], strict=True):
            d.setdefault("all_ent_indicators", []).append({**who, "year": YEAR, "indicator_id": iid, "value": v})
        d["all_ent_indicators"].append({**who, "year": YEAR, "indicator_id": "cp_mgmt", "self_level": vals[4]})
    return d


@pytest.fixture(scope="module")
def dyeing(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("dyeing") / "audit"
    init_audit(root, "印染", "某市", YEAR, "C1713", data=_data(),
               audit_extra={"scope_boundary": "全市印染企业的前处理、染色、印花、后整理全过程；重点关注水资源与能源",
                            "organizer": "某市生态环境局", "technical_unit": "某环境科学研究所"})
    cat = root.parent / "印染方案目录.json"
    cat.write_text(json.dumps(CATALOGUE, ensure_ascii=False), encoding="utf-8")
    diagnose(root)
    first = plan(root, today=dt.date(2026, 8, 1), settings={"catalogue": str(cat)})
    master = root / "审核总表.xlsx"
    data = read_master_data(master)
    team = {"reviewed_by": "王五", "reviewed_on": "2026-08-10"}
    settings = dict(data["plan_settings"][0], confirmed_by="王五", confirmed_on="2026-08-10")
    targets = [dict(t, state="已确认", **team) for t in data["targets"]]
    costs = [dict(p, investment=8.0 if p["category"] == "环境管理" else 120.0, annual_savings=40.0, basis="企业报价")
             for p in data["proposals"]]
    scores = [dict(s, score=8, scored_by="王五", scored_on="2026-08-10") for s in data["screening"]]
    update_master(master, {"plan_settings": [settings], "targets": targets, "proposals": costs, "screening": scores})
    plan(root, today=dt.date(2026, 8, 20), settings={"catalogue": str(cat)})
    data = read_master_data(master)
    decided = [dict(p, state="已确认", **team) for p in data["proposals"]]
    update_master(master, {"proposals": decided})
    plan(root, today=dt.date(2026, 8, 20), settings={"catalogue": str(cat)})
    res = render_report(root, refresh_fields=False, today=dt.date(2026, 11, 30))
    return root, first, res


def test_no_proposal_or_target_without_accepted_data(dyeing):
    root, first, _ = dyeing
    data = read_master_data(root / "审核总表.xlsx")
    assert not any(r.get("uscc") == U["丁"] for r in data["targets"] + data["proposals"])
    req = {r["uscc"]: r for r in data["data_requests"]}
    assert "没有该企业被接受的报送数据" in req[U["丁"]]["reason"]
    assert "130" in req[U["丙"]]["items"]  # a share above 100 % is a data error
    assert first.breaches >= 1 and data["proposals"][0]["priority"] == "达标整改"


def test_targets_within_bounds_and_few(dyeing):
    root, _, _ = dyeing
    data = read_master_data(root / "审核总表.xlsx")
    inds = indicators_from_sheet(data["indicator_system"])
    for t in data["targets"]:
        lo, hi = bounds(inds[t["indicator_id"]])
        assert lo <= t["baseline"] <= hi and lo <= t["target"] <= hi, t
    per = {}
    for t in data["targets"]:
        if t["scope"] == "企业":
            per[t["uscc"]] = per.get(t["uscc"], 0) + 1
    assert per and max(per.values()) <= 5
    pm = next(t for t in data["targets"] if (t.get("uscc"), t["indicator_id"]) == (U["丙"], "pm_conc"))
    assert pm["target"] <= 20 and pm["priority"] == "超标排放"


def test_proposals_tied_to_gaps_with_computed_effects(dyeing):
    root, _, _ = dyeing
    data = read_master_data(root / "审核总表.xlsx")
    props = data["proposals"]
    assert props and all(p["problem"] and p["indicator_ids"] and p["env_benefit"] for p in props)
    water = next(p for p in props if p["catalogue_id"] == "water_recycle")
    # a common problem of 乙 and 丙: (1.7 − 1.6) m³/t × 20000 t + (1.9 − 1.6) × 10000 t = 5000 m³ a year
    assert water["level"] == "行业层面" and water["n_enterprises"] == 2
    assert (water["effect_item"], water["effect_amount"]) == ("节约新鲜水", pytest.approx(5000))
    # 丙's particulates (one enterprise) are its own problem: an enterprise proposal, ahead of the others
    pm = props[0]
    assert (pm["level"], pm["uscc"], pm["catalogue_id"], pm["priority"]) == ("企业层面", U["丙"], "pm_control", "达标整改")
    assert pending(data) == []


def test_final_report_names_the_breach_and_agrees_with_itself(dyeing):
    root, _, res = dyeing
    assert not res.draft
    text = "\n".join(p.text for p in Document(str(res.docx)).paragraphs)
    assert NAME["丙"] in text and "颗粒物" in text
    assert "危险废物" not in text and "焚烧" not in text  # nothing of the other industry leaks in
    findings = check(res.docx, res.built)
    assert findings == [], "\n".join(map(str, findings))
