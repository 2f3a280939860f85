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
             "provisional_level": "II级", "exceedances": "氟化氢 3.72 mg/Nm³（限值 2，疑似超标，待核实）"},
            {"uscc": "2", "enterprise": "乙", "y1": 60, "y2": 90, "y3": 100, "level": "不达标",
             "provisional_level": "不达标", "limiting_failures": "dioxin", "blockers": "dioxin"},
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
    assert "甲（氟化氢 3.72 mg/Nm³（限值 2，疑似超标，待核实）；按指标评分为Ⅱ级）" in lv
    assert built.charts["level"]["labels"] == ["Ⅰ级", "Ⅱ级", "Ⅲ级", "超标待核实", "不达标", "数据不全"]
    rows = {r["level"]: r["count"] for r in built.context["s233"]["level_rows"]}
    assert rows["超标待核实"] == "1" and rows["Ⅱ级"] == "1"
    assert [r["level"] for r in built.context["s233"]["results"]] == ["超标待核实", "不达标", "Ⅱ级"]
    # item 8: 不达标 is explained by the limiting indicator, not by a full Ⅲ index that every enterprise has
    assert "虽已达满分" not in lv
    assert "不达标的1家企业，原因是限定性指标未达到Ⅲ级基准值" in lv and "二噁英排放浓度（测定均值）（1家）" in lv
    # item 5: which qualitative scores are the enterprises' own and which were verified on site
    assert "1项定性指标的等级由企业自评：其中1家企业的自评等级经审核小组现场考察核实" in lv
    assert "其余2家企业未经现场考察，定性指标采用企业自评等级" in lv
    # item 7: Roman-numeral characters in everything 2.3.3 and the conclusions say
    con = " ".join(built.context["s25"]["conclusions"]) if "conclusions" in built.context["s25"] else str(built.context["s25"])
    said = lv + " ".join(built.context["s233"]["problems_text"]) + con
    assert not re.search(r"(?<![A-Za-z])I{1,3}级", said), re.findall(r".{10}(?<![A-Za-z])I{1,3}级.{5}", said)
    assert "疑似超标排放（待核实）、等级暂定1家" in con
