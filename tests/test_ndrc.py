"""The NDRC 2005–2012 “试行” method (P = α·P1 + β·P2), selected by the system file.

The worked example is computed by hand below. Its numbers are INVENTED (no public copy of a 试行 system
gives a numeric example, see cpxl/diagnosis/ndrc.py); it checks the arithmetic of the method, not any
official table.
"""

from __future__ import annotations

import json

import pytest

from cpxl.diagnosis import ndrc
from cpxl.domain.indicators import IndicatorSystemError, load_system


def _q(iid, name, unit, k, direction, base):
    op = "≤" if direction == "lower_better" else "≥"
    cell = {"op": op, "value": base, "text": f"{op}{base}"}
    return {"id": iid, "name": name, "unit": unit, "weight": k, "kind": "quantitative", "limiting": False,
            "direction": direction,
            "benchmarks": {"I": cell, "II": {**cell, "note": "同Ⅰ级"}, "III": {**cell, "note": "同Ⅰ级"}}}


def _yes_no(iid, k):
    cell = {"text": "符合要求"}
    return {"id": iid, "name": f"定性要求{iid[-1]}", "unit": "", "weight": k, "kind": "qualitative", "limiting": False,
            "direction": "qualitative", "benchmarks": {"I": cell, "II": {**cell, "same_as": "I"},
                                                       "III": {**cell, "same_as": "I"}}}


SYSTEM = {
    "format": "cpxl-indicator-system", "format_version": 1, "id": "invented-ndrc-example",
    "name": "试行方法算例（虚构数值）", "template": False, "method": "ndrc-2005",
    "method_options": {"alpha": 0.6, "beta": 0.4, "s_cap": 1.2, "advanced": 90, "clean": 75,
                       "source": "虚构算例参数"},
    "source": {"standard_number": "", "title": "算例", "status": "虚构", "clause": "",
               "verified_against_official_text": False},
    "level_names": {"I": "清洁生产先进企业", "II": "清洁生产企业", "III": "清洁生产企业", "none": "未达到"},
    "options": {"thresholds": {"I": 85, "II": 85, "III": 100}, "level1_requires_nonlimiting_level2": False,
                "bonus": {"mode": "ignore"}},
    "categories": [
        {"id": "resource", "name": "资源消耗", "weight": 40, "dimensions": ["resource_utilization"],
         "indicators": [_q("water", "单位产品取水量", "m³/t", 40, "lower_better", 2.0)]},
        {"id": "recycling", "name": "资源综合利用", "weight": 60, "dimensions": ["resource_utilization"],
         "indicators": [_q("metal", "金属利用率", "%", 30, "higher_better", 80),
                        _q("reuse", "水重复利用率", "%", 30, "higher_better", 60)]},
        {"id": "quali", "name": "定性评价指标", "weight": 100, "dimensions": ["management"],
         "indicators": [_yes_no("q1", 25), _yes_no("q2", 25), _yes_no("q3", 25), _yes_no("q4", 25)]},
    ],
}


@pytest.fixture()
def system(tmp_path):
    p = tmp_path / "ndrc.json"
    p.write_text(json.dumps(SYSTEM, ensure_ascii=False), encoding="utf-8")
    return load_system(p)


def test_worked_example_by_hand(system):
    # S_1 = 2.0/2.5 = 0.80; S_2 = 88/80 = 1.10; S_3 = 90/60 = 1.50 → cap 1.2
    # P1 = 0.80·40 + 1.10·30 + 1.20·30 = 32 + 33 + 36 = 101.0; P2 = 3 × 25 = 75
    # P = 0.6·101 + 0.4·75 = 60.6 + 30.0 = 90.6 ≥ 90 → 清洁生产先进企业
    s = ndrc.score_enterprise(system, {"water": 2.5, "metal": 88, "reuse": 90,
                                       "q1": "是", "q2": "是", "q3": "是", "q4": "否"})
    assert s.p1 == pytest.approx(101.0)
    assert s.p2 == pytest.approx(75.0)
    assert s.p == pytest.approx(90.6)
    assert s.grade == "清洁生产先进企业" and s.complete


def test_not_applicable_redistributes_inside_the_level1_group(system):
    # 水重复利用率 不适用: A1 = 60, A2 = 30 → K'_2 = 30·60/30 = 60; P1 = 0.80·40 + 1.10·60 = 98.0
    # P = 0.6·98 + 0.4·75 = 58.8 + 30 = 88.8 → between 75 and 90: 清洁生产企业
    s = ndrc.score_enterprise(system, {"water": 2.5, "metal": 88, "reuse": "不适用",
                                       "q1": "是", "q2": "是", "q3": "是", "q4": "否"})
    assert s.p1 == pytest.approx(98.0)
    assert s.p == pytest.approx(88.8)
    assert s.grade == "清洁生产企业"


def test_missing_value_scores_zero_and_says_so(system):
    s = ndrc.score_enterprise(system, {"water": 2.5, "metal": 88, "q1": "是", "q2": "是", "q3": "是", "q4": "是"})
    assert not s.complete and any("水重复利用率" in p for p in s.problems)
    assert s.p1 == pytest.approx(32 + 33)


def test_method_options_are_required_and_checked(tmp_path):
    bad = json.loads(json.dumps(SYSTEM))
    bad["method_options"]["beta"] = 0.5  # α + β = 1.1
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match="alpha \\+ beta"):
        load_system(p)
    del bad["method_options"]
    p.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match="method_options"):
        load_system(p)


def test_the_tongze_engine_refuses_an_ndrc_system(system):
    from cpxl.diagnosis.scoring import score_enterprise

    with pytest.raises(ValueError, match="cpxl score"):
        score_enterprise(system, {"water": 2.5})
