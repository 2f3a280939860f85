"""Economic feasibility (facts.md §8.2 worked examples) and weighted-sum screening."""

from __future__ import annotations

import math

import numpy_financial as npf
import pytest

from cpxl.plan.economics import (
    HIGH_COST,
    LOW_COST,
    AcceptanceCriteria,
    Criterion,
    EconomicsError,
    Option,
    ScreeningError,
    annual_cash_flow,
    assess,
    cost_class,
    evaluate,
    irr,
    irr_interpolated,
    npv,
    npvr,
    payback_years,
    screen,
)

# ---------------------------------------------------------------------------
# worked example 1 (360docs): I = 10, P = 1.58, Y = 10 a, tax 25 %
# → T = 0.58, E = 0.44, F = 1.44, N = 6.97 a, NPV = 0.56, IRR = 7.17 %.
# The discount rate is not given in facts.md; NPV = 0.56 is reproduced at i = 6 %
# (1.435 × 7.3601 − 10 = 0.562), so 6 % is used here.


def test_example_1_cash_flow() -> None:
    cf = annual_cash_flow(1.58, 10, 10, 0.25)
    assert cf.depreciation == pytest.approx(1.0)
    assert cf.taxable_profit == pytest.approx(0.58)
    assert cf.net_profit == pytest.approx(0.435)  # printed as 0.44
    assert cf.annual_cash_flow == pytest.approx(1.435)  # printed as 1.44
    assert round(payback_years(10, cf.annual_cash_flow), 2) == 6.97


def test_example_1_evaluation_against_numpy_financial() -> None:
    ev = evaluate(10, 1.58, 10, 0.25, 0.06)
    flows = [-10] + [ev.cash_flow.annual_cash_flow] * 10
    assert round(ev.payback_years, 2) == 6.97
    assert round(ev.npv, 2) == 0.56
    assert ev.npv == pytest.approx(npf.npv(0.06, flows), abs=1e-12)
    assert ev.npvr == pytest.approx(ev.npv / 10)
    assert round(ev.irr * 100, 2) == 7.17
    assert ev.irr == pytest.approx(npf.irr(flows), abs=1e-9)
    # textbook interpolation between 7 % and 8 %: 7 % + 0.0789 / (0.0789 + 0.3710) → 7.175 %
    assert ev.irr_interpolated == pytest.approx(0.07175, abs=5e-5)
    assert ev.irr_interpolated > ev.irr  # linear interpolation overshoots on a convex NPV curve


# ---------------------------------------------------------------------------
# worked example 2 (qiqiwenku): I = 150, F = 32.5, 10 a, i = 5 % (annuity factor 7.7217)
# → N = 4.6 a, NPV ≈ 100.96, IRR ≈ 17.26 %.


def test_example_2() -> None:
    assert npv(0.05, 0, 1.0, 10) == pytest.approx(7.7217, abs=5e-5)
    value = npv(0.05, 150, 32.5, 10)
    assert value == pytest.approx(100.96, abs=0.005)
    assert value == pytest.approx(npf.npv(0.05, [-150] + [32.5] * 10), abs=1e-9)
    assert round(payback_years(150, 32.5), 1) == 4.6
    exact = irr(150, 32.5, 10)
    assert exact == pytest.approx(npf.irr([-150] + [32.5] * 10), abs=1e-9)
    assert round(exact * 100, 2) == 17.26
    interp = irr_interpolated(150, 32.5, 10)  # between 17 % and 18 %
    assert round(interp * 100, 2) == 17.26
    assert irr_interpolated(150, 32.5, 10, i1=0.17, i2=0.18) == pytest.approx(interp)
    assert npvr(value, 150) == pytest.approx(100.956 / 150, abs=1e-4)


def test_npv_with_explicit_flows_and_errors() -> None:
    assert npv(0.1, 100, [110]) == pytest.approx(0.0)
    assert npv(0.0, 100, [30, 30, 40]) == pytest.approx(0.0)
    assert irr(100, [60, 60]) == pytest.approx(npf.irr([-100, 60, 60]), abs=1e-9)
    with pytest.raises(EconomicsError, match="years"):
        npv(0.05, 150, 32.5)
    with pytest.raises(EconomicsError, match="不一致"):
        npv(0.05, 150, [1, 2], years=3)
    with pytest.raises(EconomicsError, match="税率"):
        annual_cash_flow(1, 10, 10, 25)


def test_irr_none_when_no_root() -> None:
    assert irr(10, -1.0, 5) is None
    assert irr_interpolated(10, -1.0, 5) is None
    ev = evaluate(10, -2, 10, 0.25, 0.06)  # negative savings: F = (−2 − 1)·0.75 + 1 < 0
    assert ev.irr is None and math.isinf(ev.payback_years)
    assert not assess(ev, AcceptanceCriteria.for_level("高费")).accepted


def test_subsidy_reduces_investment() -> None:
    ev = evaluate(12, 1.58, 10, 0.25, 0.06, subsidy=2)
    assert ev.cash_flow.investment == pytest.approx(10)
    assert ev.npv == pytest.approx(evaluate(10, 1.58, 10, 0.25, 0.06).npv)
    d = ev.to_dict()
    assert d["total_investment"] == 12 and d["subsidy"] == 2 and d["cash_flow"]["investment"] == 10


# ---------------------------------------------------------------------------
# acceptance and cost class


def test_assess_example_1() -> None:
    ev = evaluate(10, 1.58, 10, 0.25, 0.06)
    ok = assess(ev, AcceptanceCriteria.for_level("高费"))  # N < 10 a
    assert ok.accepted
    assert [c.name for c in ok.checks] == ["payback", "npv", "irr"]
    too_slow = assess(ev, AcceptanceCriteria.for_level("中费"))  # N < 3 a fails
    assert not too_slow.accepted
    assert not too_slow.checks[0].passed and "6.97" in too_slow.checks[0].message
    high_bar = assess(ev, AcceptanceCriteria(max_payback_years=10, min_irr=0.08))
    assert not high_bar.accepted and "基准收益率" in high_bar.checks[2].message
    assert high_bar.to_dict()["checks"][2]["passed"] is False
    with pytest.raises(EconomicsError, match="投资类别"):
        AcceptanceCriteria.for_level("低费")


def test_payback_limit_is_strict() -> None:
    ev = evaluate(10, 2.0, 10, 0.0, 0.0, years=10)  # F = 2 → N = 5 exactly
    assert ev.payback_years == pytest.approx(5.0)
    assert not assess(ev, AcceptanceCriteria.for_level("较高费")).checks[0].passed


def test_cost_class_threshold() -> None:
    assert cost_class(5, threshold=5) == LOW_COST  # “以下”包括本数
    assert cost_class(5.01, threshold=5) == HIGH_COST
    assert cost_class(0, threshold=1) == LOW_COST
    with pytest.raises(EconomicsError):
        cost_class(-1, threshold=5)


# ---------------------------------------------------------------------------
# screening: 权重总和计分排序法. Weights are test values, not a standard.

CRITERIA = {"环境效果": 10, "经济可行性": 8, "技术可行性": 7, "可实施性": 5}
OPTIONS = [
    {"name": "A 余热回收", "scores": {"环境效果": 8, "经济可行性": 6, "技术可行性": 7, "可实施性": 9}},
    {"name": "B 变频改造", "scores": {"环境效果": 9, "经济可行性": 7, "技术可行性": 6, "可实施性": 5}},
    {"name": "C 清洗水回用", "scores": {"环境效果": 6, "经济可行性": 9, "技术可行性": 8, "可实施性": 8}},
    {"name": "D 密闭输送", "scores": {"环境效果": 9, "经济可行性": 7, "技术可行性": 6, "可实施性": 5}},
    {"name": "E 原料替代", "scores": {"环境效果": 3, "经济可行性": 4, "技术可行性": 5, "可实施性": 6}},
]
# By hand: A = 80+48+49+45 = 222; B = 90+56+42+25 = 213; C = 60+72+56+40 = 228;
#          D = 213 (same scores as B); E = 30+32+35+30 = 127.
# Order C, A, B, D, E; B and D share rank 3, B keeps position 3 because it comes first in the input.


def test_screen_hand_case() -> None:
    results = screen(OPTIONS, CRITERIA)
    assert [(r.name[0], r.total, r.rank, r.position) for r in results] == [
        ("C", 228, 1, 1),
        ("A", 222, 2, 2),
        ("B", 213, 3, 3),
        ("D", 213, 3, 4),
        ("E", 127, 5, 5),
    ]
    assert results[0].weighted == {"环境效果": 60, "经济可行性": 72, "技术可行性": 56, "可实施性": 40}
    assert results[0].to_dict()["total"] == 228


def test_screen_ties_follow_input_order() -> None:
    reordered = [OPTIONS[3], OPTIONS[1], OPTIONS[0]]
    results = screen(reordered, CRITERIA)
    assert [(r.name[0], r.rank, r.position) for r in results] == [("A", 1, 1), ("D", 2, 2), ("B", 2, 3)]


def test_screen_accepts_dataclasses_and_tuples() -> None:
    crit = [Criterion("环境效果", 2), ("经济可行性", 1)]
    opts = [Option("甲", {"环境效果": 5, "经济可行性": 10}), Option("乙", {"环境效果": 10, "经济可行性": 1})]
    results = screen(opts, crit)
    assert [(r.name, r.total) for r in results] == [("乙", 21), ("甲", 20)]


@pytest.mark.parametrize(
    "options,criteria,fragment",
    [
        ([{"name": "A", "scores": {"环境效果": 11}}], {"环境效果": 1}, "超出范围"),
        ([{"name": "A", "scores": {"环境效果": 0}}], {"环境效果": 1}, "超出范围"),
        ([{"name": "A", "scores": {}}], {"环境效果": 1}, "缺少指标"),
        ([{"name": "A", "scores": {"环境效果": 5, "成本": 5}}], {"环境效果": 1}, "未定义的指标"),
        ([{"name": "A", "scores": {"环境效果": 5}}], {"环境效果": 0}, "正数"),
        ([{"name": "A", "scores": {"环境效果": 5}}], {}, "未给出评判指标"),
        ([], {"环境效果": 1}, "未给出备选方案"),
        ([{"name": "A", "scores": {"环境效果": 5}}] * 2, {"环境效果": 1}, "名称重复"),
        ([{"name": "A", "scores": {"环境效果": "好"}}], {"环境效果": 1}, "不是数值"),
    ],
)
def test_screen_errors(options: list, criteria: dict, fragment: str) -> None:
    with pytest.raises(ScreeningError, match=fragment):
        screen(options, criteria)


def test_screen_custom_score_range() -> None:
    assert screen([{"name": "A", "scores": {"x": 0}}], {"x": 1}, score_range=(0, 5))[0].total == 0
