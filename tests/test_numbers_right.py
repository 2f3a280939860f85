"""Issue 11 as a new user met it: a 印染 audit of three enterprises — one careful, one careless, one with two
products — from the project's own templates through ingest and diagnosis. Each finding has its regression here."""

from __future__ import annotations

import openpyxl
import pytest

from cpxl.book.master import init_audit
from cpxl.book.selfcheck import SELF_CHECK_SHEET
from cpxl.book.templates import make_templates
from cpxl.book.xlsxread import read_master_data
from cpxl.core import office
from cpxl.demo.industry import type_into_template
from cpxl.diagnosis import diagnose
from cpxl.domain import packs
from cpxl.domain.codes import uscc_check_char
from cpxl.intake.ingest import ingest

YEARS = (2023, 2024, 2025)
PACK = "dyeing"

#: A small system the audit team typed into the master (the pack's own system is empty: see cpxl packs).
SYSTEM = [
    {"category": "资源能源消耗指标", "category_weight": 0.5, "indicator_id": "water", "indicator": "单位产品取水量",
     "unit": "m³/t", "weight": 0.5, "kind": "定量", "limiting": "否", "level1": "≤60", "level2": "≤80", "level3": "≤100",
     "dimension": "资源综合利用指标", "quantity": "water_per_unit_product"},
    {"category": "资源能源消耗指标", "category_weight": 0.5, "indicator_id": "energy", "indicator": "单位产品综合能耗",
     "unit": "kgce/t", "weight": 0.5, "kind": "定量", "limiting": "否", "level1": "≤800", "level2": "≤1000",
     "level3": "≤1200", "dimension": "资源综合利用指标", "quantity": "energy_per_unit_product"},
    {"category": "清洁生产管理指标", "category_weight": 0.5, "indicator_id": "reuse", "indicator": "水重复利用率",
     "unit": "%", "weight": 0.5, "kind": "定量", "limiting": "否", "level1": "≥40", "level2": "≥30", "level3": "≥20",
     "dimension": "资源综合利用指标"},
    {"category": "清洁生产管理指标", "category_weight": 0.5, "indicator_id": "management", "indicator": "清洁生产管理制度",
     "unit": "", "weight": 0.5, "kind": "定性", "limiting": "否", "level1": "制度健全并有效运行", "level2": "制度健全",
     "level3": "建立制度", "dimension": "清洁生产管理指标"},
]


def _ent(i: int, name: str, ghg: str) -> dict:
    body = f"91330600MA2B{i:04d}X"[:17]
    uscc = body + uscc_check_char(body)
    return {"name": name, "uscc": uscc, "permit_no": uscc + "001P", "industry_code": "C1713",
            "heavy_pollution": "是", "ghg_reporting": ghg, "key_water_user": "否", "key_energy_user": "否"}


ENTS = [_ent(1, "甲印染有限公司", "是"), _ent(2, "乙印染有限公司", "否"), _ent(3, "丙印染有限公司", "否")]


def _data(products: list[tuple[str, float]], water: float, kwh_10k: float, steam_t: float, reuse: float,
          slip: bool = False) -> dict:
    d: dict[str, list[dict]] = {k: [] for k in ("ent_products", "ent_water", "ent_energy", "ent_wastewater",
                                                "ent_wastegas", "ent_solidwaste", "ent_indicators")}
    d["ent_profile"] = [{"address": "某市某区印染园1号", "employees": 300, "main_process": "前处理、染色、印花、定型",
                         "contact_person": "张三", "contact_phone": "13800000000"}]
    d["ent_management"] = [{"risk_level": "一般", "emergency_plan": "是", "disclosure": "是", "last_cp_accepted": "是",
                            "permit_reports_on_time": "是"}]
    for y in YEARS:
        for name, t in products:
            d["ent_products"].append({"year": y, "product": name, "unit": "t", "output": t})
        d["ent_water"].append({"year": y, "source": "自来水", "intake": water})
        d["ent_energy"] += [{"year": y, "carrier": "电力", "unit": "万kWh",
                             "consumption": 5_040_000 if slip and y == 2025 else kwh_10k},
                            {"year": y, "carrier": "蒸汽", "unit": "t", "consumption": steam_t}]
        ww = round(water * 0.8)
        d["ent_wastewater"] += [{"year": y, "pollutant": "废水量", "unit": "m³", "generated": ww, "discharged": ww}]
        for p, gen, dis, conc, lim in (("化学需氧量", 1200, 80, 75, 200), ("氨氮", 30, 2, 8, 20), ("总氮", 60, 10, 12, 30),
                                       ("总磷", 5, 0.5, 0.5, 1.5), ("色度", 1, 1, 40, 80), ("苯胺类", 1, 0.1, 0.4, 1.0),
                                       ("总锑", 0.5, 0.05, 0.05, 0.1)):
            d["ent_wastewater"].append({"year": y, "pollutant": p, "unit": "t", "generated": gen, "discharged": dis,
                                        "concentration": conc, "limit": lim})
        d["ent_wastegas"] += [{"year": y, "pollutant": "颗粒物", "discharged": 3.2, "concentration": 12},
                              {"year": y, "pollutant": "非甲烷总烃", "discharged": 5.1, "concentration": 30}]
        d["ent_solidwaste"].append({"year": y, "waste": "印染污泥（废水处理污泥）", "category": "一般工业固体废物",
                                    "generated": 1000, "utilized": 600, "disposed": 400, "stored": 0})
    d["ent_indicators"] = [{"indicator_id": "reuse", "year": 2025, "value": reuse},
                           {"indicator_id": "management", "year": 2025, "self_level": "II级"}]
    return d


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("dyeing") / "印染审核"
    init_audit(root, "印染", "某市", 2025, data={"enterprises": ENTS, "indicator_system": SYSTEM}, pack=PACK)
    templates = {p.stem.rsplit("_", 1)[-1]: p for p in make_templates(root)}
    inbox = root / "收件箱"
    inbox.mkdir(exist_ok=True)
    datas = [
        _data([("棉印染布", 20000)], 1_400_000, 2000, 120000, 45),  # careful
        _data([("涤纶染色布", 10000)], 900_000, 1000, 60000, 35, slip=True),  # careless: 5 040 000 万kWh
        _data([("涤纶染色布", 22000), ("棉印花布", 6000)], 2_100_000, 3000, 184617, 25),  # two products
    ]
    datas[2]["ent_indicators"].append({"indicator_id": "energy", "year": 2025, "value": 850})  # self-reported
    files = []
    with packs.activated(PACK):
        for e, d in zip(ENTS, datas, strict=True):
            out = inbox / templates[e["uscc"]].name
            type_into_template(templates[e["uscc"]], out, d)
            files.append(out)
    res = ingest(root)
    diag = diagnose(root)
    return {"root": root, "files": files, "ingest": res, "diag": diag, "ents": ENTS}


def _outcome(audit, i):
    return next(f for f in audit["ingest"].files if f.enterprise_uscc == audit["ents"][i]["uscc"])


def test_1_a_correctly_filled_template_is_accepted_on_first_return(audit, tmp_path):
    careful = _outcome(audit, 0)
    assert careful.outcome == "accepted" and careful.errors == 0, [
        p.message for p in audit["ingest"].problems if p.severity == "error"]
    recalc = office.recalculate(audit["files"][0], tmp_path)
    assert openpyxl.load_workbook(recalc, data_only=True)[SELF_CHECK_SHEET]["C3"].value == 0
    # the pack's optional prefilled rows (天然气, 五日生化需氧量, 油烟 …) were left untouched: not missing values
    assert not [p for p in audit["ingest"].problems if p.check == "required" and p.enterprise == ENTS[0]["uscc"]]


def test_2_two_products_divide_by_both_and_the_text_names_this_industry(audit):
    d = next(e for e in audit["diag"].enterprises if e.uscc == ENTS[2]["uscc"])
    water = d.values["water"]
    assert water.value == pytest.approx(75.0)  # 2 100 000 m³ ÷ (22 000 t + 6 000 t), not ÷ 22 000 (95.45)
    data = read_master_data(audit["root"] / "审核总表.xlsx")
    bases = " ".join(str(r.get("basis", "")) for r in data["indicator_values"])
    assert "危险废物" not in bases and "焚烧" not in bases
    assert "涤纶染色布" in water.basis and "棉印花布" in water.basis


def test_3_a_reported_value_never_replaces_the_computed_one(audit):
    d = next(e for e in audit["diag"].enterprises if e.uscc == ENTS[2]["uscc"])
    energy = d.values["energy"]
    assert energy.value == pytest.approx(979.6, abs=0.05) and energy.origin == "由填报数据计算"
    assert energy.reported == 850
    warn = [p for p in audit["diag"].problems if p.rule == "diagnosis.reported_vs_computed"]
    assert warn and "850" in warn[0].message and "979.6" in warn[0].message


def test_4_a_unit_scale_slip_is_an_error_whatever_the_sample_size(audit):
    careless = _outcome(audit, 1)
    assert careless.outcome == "rejected"
    slip = [p for p in audit["ingest"].problems if p.rule == "range.intensity" and p.enterprise == ENTS[1]["uscc"]]
    assert slip and "2025 年" in slip[0].message and "kgce/t" in slip[0].message


def test_6_small_samples_make_no_industry_conclusions_from_one_enterprise(audit):
    diag = audit["diag"]
    common = {c.indicator_id for c in diag.common_problems}
    assert "reuse" not in common  # 1 of the 2 scored enterprises misses Ⅱ级: 50 %, but one enterprise
    c = next(e for e in diag.enterprises if e.uscc == ENTS[2]["uscc"])
    own = {x["indicator_id"] for x in c.individual}
    assert "reuse" in own and not own & common
    ghg = next(r for r in diag.focus_rules if r.rule == "ghg_reporting")
    assert not ghg.industry_focus and "少于判定家数" in ghg.note
