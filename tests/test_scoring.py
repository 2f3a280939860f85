"""Scoring engine on the shipped T/ZAEPI hazardous-waste incineration system.

Every expected number is worked out by hand in the comments from the system's weights:

level 1 (w_i): 生产工艺及装备 .22, 能源消耗 .12, 水资源消耗 .06, 原辅料 .10, 污染物产生与排放 .30,
温室气体 .05, 清洁生产管理 .15 (sum 1); 资源循环利用 .10 is a bonus group (added, Y capped at 100).
污染物产生与排放 (ω_ij): 二噁英* .15, 颗粒物* .15, SO₂* .10, NOₓ .10, HF .10, HCl .10, seven metals .03
each, 炉渣产出率 .06, 飞灰产出率 .03. 生产工艺及装备: 热灼减率 .10 among others.
清洁生产管理: 审核 .20, 人员 .15, 制度 .15, 自行监测 .20, 应急 .10, 节能管理 .20.
资源循环利用: 废碱 .20, 飞灰利用 .40, 炉渣利用 .40.
"""

from __future__ import annotations

import json
import math

import pytest

from cpxl.diagnosis.scoring import NOT_APPLICABLE, TemplateSystemError, score_enterprise, score_table
from cpxl.domain.indicators import load_system

SYSTEM_ID = "hazardous-waste-incineration-zaepi-draft"
NO_BONUS = {"bonus_mode": "ignore"}


@pytest.fixture(scope="module")
def system():
    return load_system(SYSTEM_ID)


def level_one() -> dict:
    """An enterprise meeting Ⅰ级 on all 39 indicators (values chosen by hand against the table)."""
    return {
        # 生产工艺及装备
        "storage_info_management": 1, "anti_seepage_measures": 1, "environmental_pollution_control": 1,
        "incineration_runtime": 7500,  # >7000
        "incineration_shutdown_times": 2,  # ≤3
        "furnace_temp_low_count": 1,  # ≤5
        "co_daily_average": 20,  # ≤30
        "heat_reduction_rate": 3,  # <5
        "dcs_coverage": 1,
        "energy_efficient_product_ratio": 95,  # ≥90
        # 能源、水、原辅料
        "waste_specific_energy": 35,  # ≤40
        "waste_specific_water": 6,  # ≤8
        "denitration_agent_consumption": 4.0,  # ≤4.5
        "desulfurization_agent_consumption": 7,  # ≤8
        # 污染物产生与排放
        "dioxin_emission": 0.1, "particulate_matter": 5, "so2_concentration": 20, "nox_concentration": 100,
        "hf_concentration": 0.5, "hcl_concentration": 8, "mercury_compound": 0.01, "thallium_compound": 0.01,
        "cadmium_compound": 0.01, "lead_compound": 0.1, "arsenic_compound": 0.1, "chromium_compound": 0.1,
        "heavy_metals_sum": 1.0, "bottom_ash_output_rate": 20, "fly_ash_output_rate": 4,
        # 温室气体、管理
        "carbon_reduction_management": 1,
        "clean_production_audit": 1, "organization_personnel": 1, "organization_system": 1,
        "self_monitoring": 1, "emergency_plan": 1, "energy_management": 1,
        # 资源循环利用（加分）
        "waste_alkali_recycling": 1, "fly_ash_utilization": 75, "bottom_ash_utilization": 65,
    }


def result_of(score, indicator_id):
    return next(r for r in score.indicators if r.id == indicator_id)


def assert_y(score, expected: dict, attr: str = "y"):
    got = getattr(score, attr)
    for level, value in expected.items():
        assert got[level] == pytest.approx(value, abs=1e-9), (level, got)


def test_all_level_one(system):
    s = score_enterprise(system, level_one(), enterprise="甲")
    # Every membership is 100 → Y_base = 100; bonus = .10 × 100 = 10; Y = min(100, 110) = 100.
    assert_y(s, {"I": 100, "II": 100, "III": 100})
    assert_y(s, {"I": 10, "II": 10, "III": 10}, "bonus")
    assert s.level == "I" and s.complete and s.blockers == [] and s.next_level is None
    assert s.level_title == "Ⅰ级（清洁生产先进标杆水平）"
    json.dumps(s.to_dict(), ensure_ascii=False)  # plain JSON all the way down


# --------------------------------------------------------------------------- benchmark boundaries


@pytest.mark.parametrize(
    ("indicator", "value", "achieved"),
    [
        ("co_daily_average", 30, 1),  # "≤30": equal meets Ⅰ级
        ("co_daily_average", 30.5, 2),  # ≤50
        ("co_daily_average", 80, 3),
        ("co_daily_average", 80.01, 0),
        ("heat_reduction_rate", 4.99, 1),
        ("heat_reduction_rate", 5, 0),  # "<5%" at all three levels: equal fails every level
        ("fly_ash_output_rate", 5, 2),  # "<5%" fails Ⅰ级, "<10%" meets Ⅱ级
        ("incineration_runtime", 7000, 2),  # ">7000" fails at exactly 7000, ">6000" holds
        ("incineration_runtime", 5000, 0),  # ">5000" fails too
        ("energy_efficient_product_ratio", 90, 1),  # "≥90"
        ("energy_efficient_product_ratio", 89.9, 2),
        ("incineration_shutdown_times", 3, 1),  # ≤3
        ("incineration_shutdown_times", 4, 2),  # "3-4次/年" = closed range [3, 4]
        ("incineration_shutdown_times", 4.5, 3),  # ≤5
        ("incineration_shutdown_times", 6, 0),
        ("fly_ash_utilization", 70, 2),  # ">70%" fails at 70, ">50%" holds
    ],
)
def test_boundaries(system, indicator, value, achieved):
    values = level_one() | {indicator: value}
    r = result_of(score_enterprise(system, values), indicator)
    assert r.status == "scored"
    assert r.achieved == achieved
    # cumulative membership: meets level k ⇔ achieved level is k or better
    assert r.meets == {"I": 1 <= achieved <= 1, "II": 1 <= achieved <= 2, "III": 1 <= achieved <= 3}


def test_cumulative_membership_of_range_cell(system):
    # 2 stops/year is outside [3, 4] but meets Ⅰ级 (≤3), hence counts for Ⅱ级 and Ⅲ级 as well.
    r = result_of(score_enterprise(system, level_one() | {"incineration_shutdown_times": 2}),
                  "incineration_shutdown_times")
    assert r.meets == {"I": True, "II": True, "III": True}


def test_value_failing_every_level_lowers_all_indices(system):
    s = score_enterprise(system, level_one() | {"heat_reduction_rate": 5}, NO_BONUS)
    # 热灼减率 ω = .10 in 生产工艺及装备 (w = .22) fails all levels:
    # Y_k = 100 − .22 × .10 × 100 = 97.8 for k = I, II, III.
    assert_y(s, {"I": 97.8, "II": 97.8, "III": 97.8})
    # Ⅰ级 is checked first: Y_I ≥ 85 and every limiting indicator at Ⅰ级 → Ⅰ级 although Y_III < 100.
    assert s.level == "I"


# --------------------------------------------------------------------------- limiting indicators


def test_limiting_indicator_fails_while_composite_passes(system):
    s = score_enterprise(system, level_one() | {"dioxin_emission": 0.45}, NO_BONUS)
    # 0.45 fails ≤0.3 and ≤0.4, meets ≤0.5. Weight share .30 × .15 = .045 → 4.5 points.
    # Y_I = Y_II = 100 − 4.5 = 95.5 ≥ 85, Y_III = 100.
    assert_y(s, {"I": 95.5, "II": 95.5, "III": 100})
    assert s.limiting_met == {"I": False, "II": False, "III": True}
    assert s.level == "III"  # the composite alone would give Ⅰ级
    assert s.next_level == "II"
    [b] = s.blockers
    assert b.indicator_id == "dioxin_emission"
    assert b.reasons == ("limiting",)
    assert b.required_level == "II"
    assert "≤0.4 ngTEQ/Nm³" in b.requirement
    assert "二噁英" in b.message


def test_limiting_indicator_below_level_three(system):
    s = score_enterprise(system, level_one() | {"dioxin_emission": 0.55}, NO_BONUS)
    # fails ≤0.5 too: Y_III = 100 − 4.5 = 95.5 < 100 → 不达标
    assert_y(s, {"I": 95.5, "II": 95.5, "III": 95.5})
    assert s.level is None and s.level_title == "不达标"
    [b] = s.blockers
    assert b.target_level == "III"
    assert b.reasons == ("limiting", "composite")
    assert b.gain == pytest.approx(4.5)


# --------------------------------------------------------------------------- missing / not applicable


def test_missing_and_not_applicable_renormalise_within_group(system):
    values = level_one() | {"nox_concentration": NOT_APPLICABLE, "hf_concentration": None}
    s = score_enterprise(system, values, NO_BONUS, enterprise="乙")
    # 污染物产生与排放: NOₓ (ω .10) is not applicable → denominator Σω = 1 − .10 = .90.
    # HF (ω .10) is missing: it stays in the denominator and scores 0.
    # group score = (.90 − .10) / .90 × 100 = 88.888…
    group = next(c for c in s.categories if c.id == "pollutant_emission")
    assert group.scores["I"] == pytest.approx(80 / 0.9)
    # Y_k = .70 × 100 + .30 × 88.888… = 96.666…
    assert_y(s, {"I": 70 + 0.3 * 80 / 0.9, "II": 70 + 0.3 * 80 / 0.9, "III": 70 + 0.3 * 80 / 0.9})
    hf = result_of(s, "hf_concentration")
    assert hf.status == "missing" and hf.achieved is None
    assert hf.group_weight == pytest.approx(0.10 / 0.90)
    assert hf.overall_weight == pytest.approx(0.30 * 0.10 / 0.90)
    nox = result_of(s, "nox_concentration")
    assert nox.status == "not_applicable" and nox.group_weight == 0
    # the missing value is reported, in Chinese, naming the indicator; the score is incomplete
    assert not s.complete
    [p] = [p for p in s.problems if p.severity == "error"]
    assert p.rule == "missing_value" and p.field == "hf_concentration" and p.enterprise == "乙"
    assert "HF浓度" in p.message and "不适用" in p.message
    assert s.level == "I"  # provisional: a lower bound
    assert "暂定" in s.summary


def test_missing_key_is_same_as_none(system):
    values = level_one()
    del values["mercury_compound"]
    s = score_enterprise(system, values)
    assert [p.field for p in s.problems if p.rule == "missing_value"] == ["mercury_compound"]


def test_whole_group_not_applicable_renormalises_level_one(system):
    values = level_one() | {"carbon_reduction_management": NOT_APPLICABLE, "waste_specific_water": 11}
    s = score_enterprise(system, values, NO_BONUS)
    # 温室气体 (w .05) has no applicable indicator → Σw over applicable groups = .95.
    # 水资源消耗 (w .06): 11 m³/t meets only ≤12 (Ⅲ级): group scores I 0, II 0, III 100.
    # Y_I = Y_II = (.95 − .06) / .95 × 100 = 93.684…; Y_III = 100.
    assert_y(s, {"I": 89 / 0.95, "II": 89 / 0.95, "III": 100})
    ghg = next(c for c in s.categories if c.id == "greenhouse_gas")
    assert not ghg.applicable and ghg.effective_weight == 0
    water = next(c for c in s.categories if c.id == "water_consumption")
    assert water.effective_weight == pytest.approx(0.06 / 0.95)
    assert s.complete  # not applicable is not a defect …
    # … but it is shown
    assert any(p.rule == "category_not_applicable" and p.severity == "warning" for p in s.problems)


def test_invalid_values_are_problems(system):
    values = level_one() | {"so2_concentration": "abc", "self_monitoring": 4, "dcs_coverage": "Ⅰ级"}
    s = score_enterprise(system, values)
    invalid = {p.field for p in s.problems if p.rule == "invalid_value"}
    assert invalid == {"so2_concentration", "self_monitoring", "dcs_coverage"}
    assert not s.complete
    # an invalid limiting value cannot prove the limit: SO₂ counts as failing every level
    assert s.limiting_met == {"I": False, "II": False, "III": False}


def test_nan_is_missing(system):
    s = score_enterprise(system, level_one() | {"particulate_matter": math.nan})
    assert result_of(s, "particulate_matter").status == "missing"


def test_unknown_indicator_id_is_reported(system):
    s = score_enterprise(system, level_one() | {"nox": 100})
    [p] = s.problems
    assert p.rule == "unknown_indicator" and p.severity == "warning" and "nox" in p.message
    assert s.complete


# --------------------------------------------------------------------------- qualitative


def test_qualitative_levels(system):
    s = score_enterprise(system, level_one() | {"self_monitoring": 2}, NO_BONUS)
    r = result_of(s, "self_monitoring")
    assert r.meets == {"I": False, "II": True, "III": True} and r.achieved == 2
    # 自行监测 ω .20 in 管理 (w .15) misses Ⅰ级 only: Y_I = 100 − .15 × .20 × 100 = 97.
    assert_y(s, {"I": 97, "II": 100, "III": 100})

    s = score_enterprise(system, level_one() | {"energy_management": 0}, NO_BONUS)
    assert result_of(s, "energy_management").achieved == 0
    assert_y(s, {"I": 97, "II": 97, "III": 97})


# --------------------------------------------------------------------------- level Ⅰ option


def test_level_one_with_and_without_nonlimiting_level_two(system):
    values = level_one() | {"nox_concentration": 220}  # ≤250 only: Ⅲ级
    # NOₓ share .30 × .10 = .03 → Y_I = Y_II = 97, Y_III = 100.
    plain = score_enterprise(system, values, NO_BONUS)
    assert_y(plain, {"I": 97, "II": 97, "III": 100})
    assert plain.level == "I"

    strict = score_enterprise(system, values, NO_BONUS | {"level1_requires_nonlimiting_level2": True})
    assert strict.level == "II"
    [b] = strict.blockers
    assert b.indicator_id == "nox_concentration"
    assert b.reasons == ("nonlimiting_level2",)
    assert b.required_level == "II" and "≤200" in b.requirement


# --------------------------------------------------------------------------- bonus group


def test_bonus_lifts_composite_index(system):
    values = level_one() | {
        "clean_production_audit": 3, "organization_personnel": 3, "organization_system": 3,
        "self_monitoring": 3, "emergency_plan": 3, "energy_management": 3,  # 管理: I 0, II 0, III 100
        "waste_specific_energy": 50,  # ≤60: 能源 I 0, II 100
        "waste_specific_water": 11,  # ≤12: 水 I 0, II 0
        "fly_ash_utilization": 60,  # >50 only: bonus group I = 100 − 40 = 60, II = 100
    }
    # Y_base_I = 100 − 15 − 12 − 6 = 67; Y_base_II = 100 − 15 − 6 = 79; Y_base_III = 100.
    # bonus: I .10 × 60 = 6, II .10 × 100 = 10, III 10.  Y = 73, 89, min(100, 110) = 100.
    s = score_enterprise(system, values)
    assert_y(s, {"I": 67, "II": 79, "III": 100}, "y_base")
    assert_y(s, {"I": 6, "II": 10, "III": 10}, "bonus")
    assert_y(s, {"I": 73, "II": 89, "III": 100})
    assert s.level == "II"

    ignored = score_enterprise(system, values, NO_BONUS)
    assert_y(ignored, {"I": 67, "II": 79, "III": 100})
    assert ignored.level == "III"
    # blockers for Ⅱ级: Y_II 79 < 85; 管理 six items (each .15 × ω × 100) + 水 6.0 points
    gains = {b.indicator_id: b.gain for b in ignored.blockers}
    assert gains["waste_specific_water"] == pytest.approx(6.0)
    assert gains["clean_production_audit"] == pytest.approx(3.0)  # .15 × .20 × 100
    assert gains["emergency_plan"] == pytest.approx(1.5)  # .15 × .10 × 100
    assert "waste_specific_energy" not in gains  # already at Ⅱ级
    assert list(gains.values()) == sorted(gains.values(), reverse=True)


def test_bonus_cannot_fill_level_three(system):
    values = level_one() | {
        "clean_production_audit": 3, "organization_personnel": 3, "organization_system": 3,
        "self_monitoring": 3, "emergency_plan": 3, "energy_management": 3,
        "waste_specific_energy": 70,  # ≤80 only
        "heat_reduction_rate": 5,  # fails every level: .22 × .10 × 100 = 2.2 points
    }
    # Y_base_II = 100 − 15 − 12 − 2.2 = 70.8, + bonus 10 = 80.8 < 85.
    # Y_base_III = 100 − 2.2 = 97.8; with bonus capped Y_III = 100.
    s = score_enterprise(system, values)
    assert_y(s, {"II": 80.8, "III": 100})
    assert_y(s, {"III": 97.8}, "y_base")
    assert s.level is None  # default: Ⅲ级 is judged on Y_III without bonus
    [b] = s.blockers
    assert b.indicator_id == "heat_reduction_rate" and b.reasons == ("composite",)
    assert b.gain == pytest.approx(2.2)
    assert "<5%" in b.requirement

    lenient = score_enterprise(system, values, {"bonus_level3_uses_base": False})
    assert lenient.level == "III"


def test_threshold_is_inclusive(system):
    values = level_one() | {k: 3 for k in ("clean_production_audit", "organization_personnel",
                                           "organization_system", "self_monitoring", "emergency_plan",
                                           "energy_management")}
    # 管理 (w .15) fails Ⅰ/Ⅱ: Y_I = Y_II = 100 − 15 = 85, exactly the threshold; "≥ 85" → Ⅰ级.
    s = score_enterprise(system, values, NO_BONUS)
    assert_y(s, {"I": 85, "II": 85})
    assert s.level == "I"
    s = score_enterprise(system, values, NO_BONUS | {"thresholds": {"I": 85.01}})
    assert s.level == "II"


# --------------------------------------------------------------------------- many enterprises, options


def test_score_table(system):
    rows = [
        {"enterprise": "甲", **level_one()},
        {"enterprise": "乙", **(level_one() | {"dioxin_emission": 0.45})},
        {"enterprise": "丙", **(level_one() | {"hf_concentration": math.nan})},
    ]
    t = score_table(system, rows, NO_BONUS)
    assert [e.enterprise for e in t.enterprises] == ["甲", "乙", "丙"]
    assert [e.level for e in t.enterprises] == ["I", "III", "I"]
    assert t.level_counts == {"I": 2, "II": 0, "III": 1, "none": 0}
    assert t.incomplete == ["丙"]
    dioxin = next(x for x in t.indicator_stats if x.id == "dioxin_emission")
    assert dioxin.counts["I"] == 2 and dioxin.counts["III"] == 1
    hf = next(x for x in t.indicator_stats if x.id == "hf_concentration")
    assert hf.counts["missing"] == 1
    json.dumps(t.to_dict(), ensure_ascii=False)

    by_name = score_table(system, {"甲": level_one()})
    assert by_name.enterprises[0].enterprise == "甲"


def test_unknown_option_is_rejected(system):
    with pytest.raises(ValueError, match="未知的评价选项"):
        score_enterprise(system, level_one(), {"bonus": "none"})


def test_template_needs_explicit_permission():
    generic = load_system("generic-8-dimensions")
    with pytest.raises(TemplateSystemError, match="模板"):
        score_enterprise(generic, {})
    s = score_enterprise(generic, {}, {"allow_template": True})
    assert not s.complete and s.level is None
    assert len([p for p in s.problems if p.rule == "missing_value"]) == 19
