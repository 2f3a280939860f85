"""2.3.3 and the conclusions as the regulator's review asked (items 2, 5, 7, 8): an enterprise with an exceedance
not yet verified is 超标待核实, not counted as Ⅰ/Ⅱ; 不达标 is explained by its limiting indicators, not by a full Ⅲ
index; which qualitative scores are self-assessed and which were verified on site; Ⅰ/Ⅱ/Ⅲ characters throughout."""

from __future__ import annotations

import re

from cpxl.report.context import build_context

SYSTEM = [
    {"indicator_id": "nox", "indicator": "NOₓ浓度（日均值）", "unit": "mg/Nm³", "kind": "定量", "limiting": "否",
     "level1": "≤150", "level2": "≤200", "level3": "≤250", "category": "污染物排放", "weight": 0.5},
    {"indicator_id": "dioxin", "indicator": "二噁英排放浓度（测定均值）", "unit": "ngTEQ/Nm³", "kind": "定量",
     "limiting": "是", "level1": "≤0.3", "level2": "≤0.4", "level3": "≤0.5", "category": "污染物排放", "weight": 0.5},
    {"indicator_id": "mgmt", "indicator": "节能管理", "unit": "", "kind": "定性", "limiting": "否",
     "level1": "体系健全", "level2": "职责明确", "level3": "职责基本明确", "category": "管理", "weight": 1},
]


def _data() -> dict:
    ents = [{"name": n, "uscc": u} for n, u in (("甲", "1"), ("乙", "2"), ("丙", "3"))]
    values = []
    for u, n, nox, dx, q, origin in (("1", "甲", 180, 0.2, "II级", "企业填报"), ("2", "乙", 140, 0.62, "I级", "企业填报"),
                                     ("3", "丙", 120, 0.1, "II级", "审核组核定")):
        values += [{"uscc": u, "enterprise": n, "year": 2024, "indicator_id": "nox", "value": nox, "origin": "由填报数据计算"},
                   {"uscc": u, "enterprise": n, "year": 2024, "indicator_id": "dioxin", "value": dx, "origin": "由填报数据计算"},
                   {"uscc": u, "enterprise": n, "year": 2024, "indicator_id": "mgmt", "self_level": q, "origin": origin}]
    return {
        "audit_task": [{"industry_name": "危险废物焚烧处置", "region": "某市", "statistical_year": 2024}],
        "enterprises": ents, "indicator_system": SYSTEM, "indicator_values": values,
        "diagnosis": [
            {"uscc": "1", "enterprise": "甲", "y1": 50, "y2": 100, "y3": 100, "level": "超标待核实",
             "provisional_level": "II级", "exceedances": "氟化氢 3.72 mg/Nm³（限值 2，超标0.86倍，疑似超标，待核实）"},
            {"uscc": "2", "enterprise": "乙", "y1": 60, "y2": 90, "y3": 100, "level": "不达标",
             "provisional_level": "不达标", "limiting_failures": "dioxin", "blockers": "dioxin",
             "exceedances": "二噁英类 0.62 ngTEQ/Nm³（限值 0.5，超标0.24倍，疑似超标，待核实）"},
            {"uscc": "3", "enterprise": "丙", "y1": 90, "y2": 100, "y3": 100, "level": "II级", "provisional_level": "II级"},
        ],
        "site_inspections": [{"uscc": "3", "enterprise": "丙", "kind": "现场考察", "date": "2025-04-20"}],
        "training": [],
    }


def test_levels_exceedance_reasons_and_self_assessment() -> None:
    built = build_context(_data())
    lv = " ".join(built.context["s233"]["levels"])
    # item 2: the pending exceedance is neither Ⅱ级 nor counted in Ⅲ级及以上
    assert "疑似超标排放（待核实）、等级暂定的1家" in lv and "其中Ⅱ级及以上1家" in lv
    assert "甲（氟化氢 3.72 mg/m³（限值 2，超标0.86倍，疑似超标，待核实）；按指标评分为Ⅱ级）" in lv
    assert built.charts["level"]["labels"] == ["Ⅰ级", "Ⅱ级", "Ⅲ级", "超标待核实", "不达标", "数据不全"]
    rows = {r["level"]: r["count"] for r in built.context["s233"]["level_rows"]}
    assert rows["超标待核实"] == "1" and rows["Ⅱ级"] == "1"
    assert [r["level"] for r in built.context["s233"]["results"]] == ["超标待核实", "不达标", "Ⅱ级"]
    # item 8: 不达标 is explained by the limiting indicator, not by a full Ⅲ index that every enterprise has
    assert "虽已达满分" not in lv
    assert "不达标的1家企业，原因是限定性指标未达到Ⅲ级基准值" in lv and "二噁英排放浓度（测定均值）（1家）" in lv
    assert "经核实属实" not in lv  # 乙's exceedance, if any, is not verified: not given as a reason
    # item 5: which qualitative scores are the enterprises' own and which were verified on site
    assert "1项定性指标的等级由企业自评：其中1家企业的自评等级经审核小组现场考察核实" in lv
    assert "其余2家企业未经现场考察，定性指标采用企业自评等级" in lv
    # item 7: Roman-numeral characters in everything 2.3.3 and the conclusions say
    con = " ".join(built.context["s25"]["conclusions"]) if "conclusions" in built.context["s25"] else str(built.context["s25"])
    said = lv + " ".join(built.context["s233"]["problems_text"]) + con
    assert not re.search(r"(?<![A-Za-z])I{1,3}级", said), re.findall(r".{10}(?<![A-Za-z])I{1,3}级.{5}", said)
    assert "疑似超标排放（待核实）、等级暂定1家" in con


# --------------------------------------------------------------------------- item 3: one counting rule for the audit focus


def _focus_data() -> dict:
    ents = []
    for i in range(10):
        ents.append({"name": f"企业{i}", "uscc": f"U{i}", "heavy_pollution": "是", "ghg_reporting": "是" if i < 2 else "否",
                     "key_energy_user": "是" if i < 5 else "否", "key_water_user": "否",
                     "mandatory_audit": "是" if i % 2 == 0 else "否", "mandated_focus": "二噁英类" if i < 4 else ""})
    return {"audit_task": [{"industry_name": "危险废物焚烧处置", "region": "某市", "statistical_year": 2024,
                            "scope_boundary": "焚烧全过程；重点关注能源、特征污染物与温室气体"}],
            "enterprises": ents, "indicator_system": SYSTEM, "training": []}


def test_the_focus_sheet_and_the_report_count_alike() -> None:
    from cpxl.diagnosis.focus import audit_focus
    from cpxl.domain.indicators import load_system

    data = _focus_data()
    system = load_system("hazardous-waste-incineration-zaepi-draft")
    rules, per, warnings = audit_focus(system, data["enterprises"], 0.3)
    dioxin = next(r for r in rules if r.rule == "mandated_focus" and r.focus == "二噁英类")
    assert len(dioxin.enterprises) == 2  # U0, U2: on the list; U1, U3 name a direction but are not on it
    assert any("未标为依法实施强制性审核" in w and "2 家" in w for w in warnings)
    data["audit_focus"] = [{"rule": r.clause, "flag": r.flag, "focus": r.focus, "n_enterprises": len(r.enterprises),
                            "industry_focus": "是" if r.industry_focus else "否", "note": r.note} for r in rules]
    built = build_context(data)
    paras = " ".join(built.context["s232"]["paragraphs"])
    assert "名单明确，" not in paras and "二噁英类（2家）" in paras
    assert "只统计列入依法实施强制性清洁生产审核名单的企业" in paras
    # 温室气体 is in the task's scope: one statement, not also an enterprise-level focus below the threshold
    assert "温室气体（2家）" not in paras and "审核任务明确的审核范围（指南5.1.1）包括温室气体" in paras
    # the table (headed 指南5.2.2) holds only 5.2.2 criteria
    assert all("5.1.1" not in r["basis"] and "2.3.1" not in r["basis"] for r in built.context["s232"]["rows"])


# --------------------------------------------------------------------------- item 4: 超标倍数, 待核实, units of the standard


def test_exceedances_read_as_the_standard_writes_them() -> None:
    from cpxl.domain import packs

    data = _data()
    data["compliance"] = [
        {"uscc": "1", "enterprise": "甲", "year": 2024, "kind": "排放浓度超标", "medium": "废气", "outlet": "DA001",
         "pollutant": "氟化氢", "value": 3.4, "unit": "mg/Nm³", "limit": 2, "limit_type": "24小时均值或日均值",
         "standard": "GB 18484-2020 表3", "exceed_ratio": 0.7, "verified": "待核实"},
        {"uscc": "2", "enterprise": "乙", "year": 2024, "kind": "排放浓度超标", "medium": "废气", "outlet": "DA001",
         "pollutant": "二噁英类", "value": 0.62, "unit": "ngTEQ/Nm³", "limit": 0.5, "limit_type": "测定均值",
         "standard": "GB 18484-2020 表3", "exceed_ratio": 0.24, "verified": "属实"}]
    data["all_ent_wastegas"] = [{"ent_uscc": "1", "year": 2024, "pollutant": "氟化氢", "concentration": 3.4}]
    with packs.activated("hazardous-waste-incineration"):
        built = build_context(data)
    env = " ".join(built.context["s231"]["environment"])
    assert "超标0.7倍" in env and "70%" not in env
    assert "排放浓度疑似超标（待核实）的有：甲氟化氢3.4 mg/m³（限值2，超标0.7倍）" in env
    assert "排放浓度超标（经核实属实）的有：乙二噁英类0.62 ng TEQ/m³" in env
    assert "基准氧含量11%" in env and "Nm³" not in env
    assert [r["ratio"] for r in built.context["s231"]["breaches"]] == ["0.7倍", "0.24倍"] or \
        sorted(r["ratio"] for r in built.context["s231"]["breaches"]) == ["0.24倍", "0.7倍"]
    con = " ".join(built.context["s25"]["conclusions"])
    assert "排放浓度疑似超标（待核实）的企业为甲" in con and "排放浓度超标（经核实属实）的企业为乙" in con
    focus = " ".join(built.context["s232"]["paragraphs"])
    assert "未经核实的为疑似问题" in focus


# --------------------------------------------------------------------------- item 6: unconfirmed coefficients said where used


def test_an_unconfirmed_coefficient_is_labelled_where_the_report_uses_it() -> None:
    from cpxl.diagnosis import energy

    assert energy.tce_row("天然气", 1000, "m³")["status"] == "UNCONFIRMED"  # the shipped default (facts.md)
    data = _data()
    data["all_ent_energy"] = [{"ent_uscc": "1", "year": 2024, "carrier": "电力", "unit": "kWh", "consumption": 1_000_000},
                              {"ent_uscc": "1", "year": 2024, "carrier": "天然气", "unit": "m³", "consumption": 100_000}]
    built = build_context(data)
    res = " ".join(built.context["s231"]["resource"])
    assert "天然气的折标系数1.2143 kgce/m³为缺省值，未经核实，" in res and "UNCONFIRMED" not in res
    rows = {r["carrier"]: r for r in built.context["s231"]["energy"]}
    assert "天然气（折标系数未经核实）" in rows and "电力" in rows  # 电力 (CONFIRMED) unmarked


# --------------------------------------------------------------------------- item 2: a Ⅲ benchmark looser than the law


def test_a_benchmark_looser_than_the_statutory_limit_is_warned_about() -> None:
    """The T/ZAEPI draft's HF Ⅲ级 “≤4” against GB 18484-2020's 2 mg/m³ (日均值): a warning, the system unchanged."""
    from cpxl.book.indicator_check import check_system_rows
    from cpxl.book.indicator_sheet import system_rows
    from cpxl.domain import packs
    from cpxl.domain.indicators import load_system

    with packs.activated("hazardous-waste-incineration"):
        rows = system_rows(load_system("hazardous-waste-incineration-zaepi-draft"))
        found = [p for p in check_system_rows(rows) if p.rule == "system.looser_than_limit"]
        assert [(p.severity, p.value) for p in found] == [("warning", "≤4")]
        assert "HF浓度（日均值）" in found[0].message and "2 mg/Nm³" in found[0].message
        assert not [p for p in check_system_rows(rows) if p.severity == "error"]
        data = _data()
        data["indicator_system"] = rows
        built = build_context(data)
    intro = " ".join(built.context["s233"]["intro"])
    assert "需要说明的是，指标「HF浓度（日均值）」的Ⅲ级基准值“≤4”宽于GB 18484-2020 表3" in intro
    assert "2 mg/m³" in intro and "Nm³" not in intro
    assert any(r["l3"] == "≤4" for r in built.context["s233"]["indicators"])  # the published system, unchanged
