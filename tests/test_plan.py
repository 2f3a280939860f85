"""Targets, proposals, screening, economics and tracking (5.3.1–5.3.2): cpxl.plan.run and its parts.

The small industry used throughout (3 enterprises, statistical year 2025), indicators from the
T/ZAEPI hazardous-waste incineration system:

=====================  ========  ========  ========  ===========================
indicator              A         B         C         benchmarks Ⅰ / Ⅱ / Ⅲ
=====================  ========  ========  ========  ===========================
吨危废综合能耗 kgce/t     50 (Ⅱ)    70 (Ⅲ)    90 (—)    ≤40 / ≤60 / ≤80
  (A 2023: 45, 2024: 48)
吨危废水耗 m³/t           7 (Ⅰ)     11 (Ⅲ)    9 (Ⅱ)     ≤8 / ≤10 / ≤12
NOₓ mg/Nm³              120 (Ⅰ)   180 (Ⅱ)   260 (—)   ≤150 / ≤200 / ≤250
焚烧线年运行时间 h        7500 (Ⅰ)  6500 (Ⅱ)  5500 (Ⅲ)  >7000 / >6000 / >5000
清洁生产审核（定性）       Ⅰ级       Ⅲ级       未达到Ⅲ级
output t                10000     20000     5000
=====================  ========  ========  ========  ===========================

With 共性问题判定比例 50 %: energy (B, C miss Ⅱ级: 2/3) and 清洁生产审核 (B, C: 2/3) are common
problems and the audit focus; water (1/3), NOₓ (1/3), runtime (1/3) are not.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import numpy_financial as npf
import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from cpxl.book.indicator_sheet import system_rows
from cpxl.book.master import init_audit
from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_master_data
from cpxl.cli.plan import plan_command
from cpxl.domain import codes
from cpxl.domain.indicators import load_system
from cpxl.plan import economics as econ
from cpxl.plan.proposals import (
    EconomicSettings,
    Problem,
    decide,
    evaluate_proposals,
    find_catalogue,
    generate_proposals,
    indicators_in_text,
    load_catalogue,
    screen_proposals,
)
from cpxl.plan.run import PlanError, plan, resolve_settings
from cpxl.plan.targets import (
    BEST_3Y,
    NEXT_LEVEL,
    POLICY,
    TOP_QUARTILE,
    PotentialInputs,
    TargetInputs,
    candidates_for,
    choose,
    collect_values,
    improvement_potential,
    indicators_from_sheet,
    make_targets,
    quantile_inc,
    top_quartile,
)
from cpxl.plan.tracking import Schedule, add_months, build_tracking, follow_up, overdue

YEAR = 2025
IDS = ["incineration_runtime", "waste_specific_energy", "waste_specific_water", "nox_concentration",
       "clean_production_audit"]
ENERGY, WATER, NOX, RUNTIME, CPA = ("waste_specific_energy", "waste_specific_water", "nox_concentration",
                                    "incineration_runtime", "clean_production_audit")


def _uscc(n: int) -> str:
    body = f"9133010{n}MA2B3C4D5"
    return body + codes.uscc_check_char(body)


A, B, C = _uscc(1), _uscc(2), _uscc(3)
NAMES = {A: "A危废处置有限公司", B: "B危废处置有限公司", C: "C危废处置有限公司"}


def _values() -> list[dict]:
    table = {
        ENERGY: (50, 70, 90), WATER: (7, 11, 9), NOX: (120, 180, 260), RUNTIME: (7500, 6500, 5500),
    }
    rows = []
    for k, u in enumerate((A, B, C)):
        for iid, vals in table.items():
            rows.append({"uscc": u, "enterprise": NAMES[u], "year": YEAR, "indicator_id": iid, "value": vals[k],
                         "origin": "由填报数据计算"})
        rows.append({"uscc": u, "enterprise": NAMES[u], "year": YEAR, "indicator_id": CPA,
                     "self_level": ("I级", "III级", "未达到III级")[k], "origin": "审核组核定"})
    rows += [{"uscc": A, "enterprise": NAMES[A], "year": 2023, "indicator_id": ENERGY, "value": 45},
             {"uscc": A, "enterprise": NAMES[A], "year": 2024, "indicator_id": ENERGY, "value": 48}]
    return rows


def _system_rows() -> list[dict]:
    rows = system_rows(load_system("hazardous-waste-incineration-zaepi-draft"))
    return [r for r in rows if r["indicator_id"] in IDS]


def _data() -> dict[str, list[dict]]:
    ents = [{"name": NAMES[u], "uscc": u, "industry_code": "N7724", "county": "某县", "size": "中型",
             "key_polluter": "是", "contact_person": "张三", "contact_phone": "13800000000"} for u in (A, B, C)]
    products = [{"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "product": "危险废物焚烧处置量", "unit": "t",
                 "output": out} for u, out in ((A, 10000), (B, 20000), (C, 5000))]
    products.append({"ent_uscc": B, "ent_name": NAMES[B], "year": YEAR, "product": "其他", "unit": "万t", "output": 0})
    carbon = []
    for u, power, fuel in ((A, 5000, 3000), (B, 8000, 4000), (C, 3000, 1000)):
        carbon += [{"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "source": "外购电力", "emission": power},
                   {"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "source": "化石燃料燃烧", "emission": fuel},
                   {"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "source": "废弃物焚烧", "emission": 99999}]
    gas = [{"ent_uscc": C, "ent_name": NAMES[C], "year": YEAR, "outlet": "DA001", "pollutant": "氮氧化物",
            "discharged": 6.0},
           {"ent_uscc": C, "ent_name": NAMES[C], "year": YEAR, "outlet": "DA002", "pollutant": "氮氧化物",
            "discharged": 4.0}]
    diagnosis = [{"uscc": B, "enterprise": NAMES[B], "level": "III级",
                  "blockers": "「吨入厂危废水消耗量」当前值 11 m³/t，达到Ⅲ级；要求：Ⅱ级基准值：≤10"}]
    work_plan = [{"stage": "报告编制", "task": "提出清洁生产方案", "due_date": "2026-09-30"}]
    return {"indicator_system": _system_rows(), "enterprises": ents, "indicator_values": _values(),
            "all_ent_products": products, "all_ent_carbon": carbon, "all_ent_wastegas": gas,
            "diagnosis": diagnosis, "work_plan": work_plan, "plan_settings": [{"common_share": 50}]}


@pytest.fixture(scope="module")
def small_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan") / "audit"
    init_audit(root, "危险废物焚烧处置", "某省", YEAR, "N7724", data=_data())
    return root


@pytest.fixture()
def audit(small_audit: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "audit"
    shutil.copytree(small_audit, dst)
    return dst


@pytest.fixture(scope="module")
def indicators():
    return indicators_from_sheet(_system_rows())


# --------------------------------------------------------------------------- the indicator system sheet


def test_indicators_from_sheet_parse_benchmarks_and_direction(indicators) -> None:
    e = indicators[ENERGY]
    assert e.direction == "lower_better" and e.benchmarks["II"].op == "≤" and e.benchmarks["II"].value == 60
    r = indicators[RUNTIME]
    assert r.direction == "higher_better" and r.benchmarks["I"].op == ">" and r.benchmarks["I"].value == 7000
    assert indicators[CPA].qualitative
    rows = [{"indicator_id": "x", "indicator": "停炉次数", "kind": "定量", "level1": "≤3", "unit": "次/年",
             "level2": "[3, 4] 次/年（原文：3-4次/年）", "level3": "≤5"}]
    x = indicators_from_sheet(rows)["x"]
    assert x.benchmarks["II"].op == "range" and (x.benchmarks["II"].min, x.benchmarks["II"].max) == (3, 4)


# --------------------------------------------------------------------------- target rules


def test_quartile_is_excel_quartile_inc() -> None:
    # QUARTILE.INC({50,70,90}, 1) = 60; ({1,2,3,4}, 1) = 1.75; ({1,2,3,4}, 3) = 3.25
    assert quantile_inc([90, 50, 70], 0.25) == pytest.approx(60)
    assert quantile_inc([1, 2, 3, 4], 0.25) == pytest.approx(1.75)
    assert quantile_inc([1, 2, 3, 4], 0.75) == pytest.approx(3.25)


def test_top_quartile_is_direction_aware(indicators) -> None:
    # lower-better: 25th percentile of {120, 180, 260} = 120 + 0.5 × 60 = 150
    assert top_quartile(indicators[NOX], [120, 180, 260]) == pytest.approx(150)
    # higher-better: 75th percentile of {5500, 6500, 7500} = 6500 + 0.5 × 1000 = 7000
    assert top_quartile(indicators[RUNTIME], [5500, 6500, 7500]) == pytest.approx(7000)
    # qualitative levels {1, 3, 4}: 25th percentile 2 → Ⅱ级
    assert top_quartile(indicators[CPA], [1, 3, 4]) == 2


def test_candidates_next_level_top_quartile_best_of_three_years(indicators) -> None:
    e = indicators[ENERGY]
    # A: 50 reaches Ⅱ → next level Ⅰ ≤40; top quartile 60 is no improvement; best of 2023–2025 is 45 (2023)
    cands = candidates_for(e, 50, [50, 70, 90], {2023: 45, 2024: 48, 2025: 50}, (2023, 2024, 2025))
    assert [(c.rule, c.value) for c in cands] == [(NEXT_LEVEL, 40), (BEST_3Y, 45)]
    assert "2023" in cands[1].text
    assert choose(e, cands, NEXT_LEVEL).value == 40
    assert choose(e, cands, BEST_3Y).value == 45
    assert choose(e, cands, "取候选中最易实现").value == 45
    assert choose(e, cands, "取候选中最严").value == 40
    # a rule whose candidate is missing falls back: C (90) has no history → top quartile wanted, next level used
    c = candidates_for(e, 90, [50, 70, 90])
    assert [(x.rule, x.value) for x in c] == [(NEXT_LEVEL, 80), (TOP_QUARTILE, 60)]
    assert choose(e, c, BEST_3Y).rule == NEXT_LEVEL
    # higher-better: 5500 reaches Ⅲ (>5000) → Ⅱ >6000; top quartile 7000
    r = candidates_for(indicators[RUNTIME], 5500, [5500, 6500, 7500])
    assert [(x.rule, x.value) for x in r] == [(NEXT_LEVEL, 6000), (TOP_QUARTILE, 7000)]
    # policy target is a floor: never laxer
    assert choose(e, c, NEXT_LEVEL, policy=55).rule == POLICY
    assert choose(e, cands, NEXT_LEVEL, policy=55).value == 40


def test_make_targets_rules_focus_flags_and_policy_kept(indicators) -> None:
    values = collect_values(_values(), indicators)
    policy = {"scope": "行业", "indicator_id": ENERGY, "target": 55, "rule": "政策目标", "origin": "审核组填写",
              "remarks": "省级方案要求"}
    old_generated = {"scope": "企业", "uscc": A, "indicator_id": ENERGY, "target": 1, "rule": NEXT_LEVEL,
                     "origin": "cpxl生成"}
    rows, warnings = make_targets(TargetInputs(
        indicators=indicators, values=values, year=YEAR, names=NAMES, focus=[ENERGY, CPA],
        individual={B: [WATER], C: [NOX, RUNTIME]}, rule=NEXT_LEVEL, target_year=2027,
        existing=[policy, old_generated]))
    assert not warnings
    assert rows[0] == policy  # the regulator's row, untouched, first
    by = {(r["scope"], r.get("uscc") or "", r["indicator_id"]): r for r in rows[1:]}
    assert ("行业", "", ENERGY) not in by  # the policy row is the industry target
    # enterprise energy targets: A next level 40 (stricter than policy 55) — and stricter than every
    # enterprise's current value (best 50), so flagged; B next level 60 → policy 55; C 80 → policy 55
    a = by[("企业", A, ENERGY)]
    assert (a["target"], a["rule"], a["beyond_best"], a["focus"]) == (40, NEXT_LEVEL, "是", "是")
    assert "企业近三年最好水平 45" in a["candidates"] and "政策目标 55" in a["candidates"]
    assert (by[("企业", B, ENERGY)]["target"], by[("企业", B, ENERGY)]["rule"]) == (55, POLICY)
    assert (by[("企业", C, ENERGY)]["target"], by[("企业", C, ENERGY)]["rule"]) == (55, POLICY)
    # industry target for the qualitative focus indicator: median level of {1, 3, 4} is Ⅲ → Ⅱ
    ind_cpa = by[("行业", "", CPA)]
    assert (ind_cpa["baseline"], ind_cpa["target"], ind_cpa["unit"]) == (3, 2, "级")
    assert ind_cpa["target_text"].startswith("达到Ⅱ级")
    # A is at Ⅰ级 on the qualitative indicator: no target; B Ⅲ → Ⅱ, C below Ⅲ → Ⅲ
    assert ("企业", A, CPA) not in by
    assert by[("企业", B, CPA)]["target"] == 2 and by[("企业", C, CPA)]["target"] == 3
    # individual problems get targets too (not focus): B water 11 → 10; C NOx 260 → 250; C runtime 5500 → 6000
    assert (by[("企业", B, WATER)]["target"], by[("企业", B, WATER)]["focus"]) == (10, "否")
    assert by[("企业", C, NOX)]["target"] == 250
    assert by[("企业", C, RUNTIME)]["target"] == 6000
    assert all(r["rule"] and r["origin"] == "cpxl生成" for r in rows[1:])  # every target has its rule


def test_best_of_three_years_rule(indicators) -> None:
    values = collect_values(_values(), indicators)
    rows, _ = make_targets(TargetInputs(indicators=indicators, values=values, year=YEAR, names=NAMES,
                                        focus=[ENERGY], rule=BEST_3Y, target_year=2027))
    by = {(r["scope"], r["uscc"]): r for r in rows}
    assert (by[("企业", A)]["target"], by[("企业", A)]["rule"]) == (45, BEST_3Y)
    assert by[("企业", A)]["beyond_best"] == "是"  # 45 is better than every enterprise's 2025 value (best 50)
    assert by[("企业", B)]["rule"] == NEXT_LEVEL  # no history → falls back to the next level
    # industry: median 70 (Ⅲ) → next level 60; best-of-three is not an industry rule → next level
    assert (by[("行业", "")]["baseline"], by[("行业", "")]["target"]) == (70, 60)


# --------------------------------------------------------------------------- improvement potential


def test_improvement_potential_by_hand(indicators) -> None:
    targets = [
        {"scope": "企业", "uscc": A, "indicator_id": ENERGY, "baseline": 50, "target": 40},
        {"scope": "企业", "uscc": B, "indicator_id": ENERGY, "baseline": 70, "target": 60},
        {"scope": "企业", "uscc": C, "indicator_id": ENERGY, "baseline": 90, "target": 80},
        {"scope": "企业", "uscc": B, "indicator_id": WATER, "baseline": 11, "target": 10},
        {"scope": "企业", "uscc": C, "indicator_id": NOX, "baseline": 260, "target": 250},
        {"scope": "企业", "uscc": C, "indicator_id": RUNTIME, "baseline": 5500, "target": 6000},  # no saving
        {"scope": "行业", "uscc": "", "indicator_id": ENERGY, "baseline": 70, "target": 60},  # not per enterprise
    ]
    cat = load_catalogue(find_catalogue(IDS).path)
    rows, totals, warnings = improvement_potential(PotentialInputs(
        targets=targets, mapping=cat.potential, outputs={A: 10000, B: 20000, C: 5000},
        emissions={(C, "氮氧化物"): 10.0}, energy_co2={A: 8000, B: 12000, C: 4000}, names=NAMES,
        indicators=indicators))
    assert not warnings
    tot = {t["item"]: t["total"] for t in totals}
    # energy: A (50−40)×10000×0.001 = 100 tce; B (70−60)×20000×0.001 = 200; C (90−80)×5000×0.001 = 50 → 350
    assert tot["综合能耗"] == pytest.approx(350)
    # water: B (11−10)×20000 = 20000 m³
    assert tot["新鲜水"] == pytest.approx(20000)
    # NOₓ: C 10 t × (1 − 250/260) = 0.384615 t
    assert tot["氮氧化物"] == pytest.approx(10 * (1 - 250 / 260), abs=1e-4)
    # CO₂ (energy-related): A 8000×(1−40/50) = 1600; B 12000×(1−60/70) = 1714.29; C 4000×(1−80/90) = 444.44
    assert tot["二氧化碳"] == pytest.approx(1600 + 12000 / 7 + 4000 / 9, abs=1e-3)
    energy = {r["uscc"]: r for r in rows if r["item"] == "综合能耗"}
    assert energy[B]["share"] == pytest.approx(57.14, abs=0.01)  # 200 / 350
    assert energy[A]["share"] == pytest.approx(28.57, abs=0.01)
    assert set(energy) == {A, B, C} and all(r["industry_total"] == pytest.approx(350) for r in energy.values())
    # without output: a warning, no row
    _, totals2, w2 = improvement_potential(PotentialInputs(targets=targets[:1], mapping=cat.potential, outputs={},
                                                           names=NAMES))
    assert not totals2 and NAMES[A] in w2[0]


# --------------------------------------------------------------------------- proposals


def test_indicators_in_text(indicators) -> None:
    text = "「吨入厂危废水消耗量」当前值 11；nox_concentration 偏高"
    assert indicators_in_text(text, indicators) == [WATER, NOX]


def _problems(indicators):
    common = [Problem(ENERGY, "吨入厂危废综合能耗", "共性", "共性：能耗", "", (B, C), 2 / 3),
              Problem(CPA, "清洁生产审核", "共性", "共性：审核", "", (B, C), 2 / 3)]
    individual = {B: [Problem(WATER, "吨入厂危废水消耗量", "个性", "个性：水", B, (B,))],
                  C: [Problem(NOX, "NOₓ", "个性", "个性：NOx", C, (C,)),
                      Problem(RUNTIME, "运行时间", "个性", "个性：运行时间", C, (C,))]}
    return common, individual


def test_generate_proposals_levels_ids_and_problem_ties(indicators) -> None:
    cat = find_catalogue(IDS)
    common, individual = _problems(indicators)
    gen = generate_proposals(common, individual, cat, [], 5.0, NAMES)
    h = [r for r in gen.rows if r["level"] == "行业层面"]
    e = [r for r in gen.rows if r["level"] == "企业层面"]
    assert [r["proposal_id"] for r in h] == [f"H-{i:02d}" for i in range(1, len(h) + 1)]
    assert [r["proposal_id"] for r in e] == [f"E-{i:03d}" for i in range(1, len(e) + 1)]
    assert {r["catalogue_id"] for r in h} >= {"waste_heat_boiler", "vfd", "cp_management", "smart_blending"}
    assert all(r["problem"] and r["indicator_ids"] for r in gen.rows)  # every proposal tied to a problem
    assert all(r["category"] in ("源头替代", "工艺控制", "设备改进", "末端治理", "环境管理") for r in gen.rows)
    # B: water → 节水回用; C: NOₓ → two denitration measures, runtime → preventive maintenance; C's runtime
    # problem is also addressed by 智能配伍 — which C implements as the industry proposal, so no E duplicate
    assert [(r["uscc"], r["catalogue_id"]) for r in e] == [
        (B, "water_reuse"), (C, "sncr_scr"), (C, "sncr_tuning"), (C, "preventive_maintenance")]
    blending = next(r for r in h if r["catalogue_id"] == "smart_blending")
    assert "运行时间" in blending["remarks"] and gen.affected[blending["proposal_id"]] == (B, C)
    # cost class by the threshold: 节水回用 typical 125 万元; with a 200 万元 threshold it becomes 无/低费
    assert next(r for r in e if r["catalogue_id"] == "water_reuse")["cost_class"] == econ.HIGH_COST
    gen2 = generate_proposals(common, individual, cat, [], 200.0, NAMES)
    assert next(r for r in gen2.rows if r["catalogue_id"] == "water_reuse")["cost_class"] == econ.LOW_COST
    assert cat.meta["status"] == "ILLUSTRATIVE" and "示意" in cat.meta["notice"]


def test_merge_keeps_regulator_rows_ids_and_edits(indicators) -> None:
    cat = find_catalogue(IDS)
    common, individual = _problems(indicators)
    first = generate_proposals(common, individual, cat, [], 5.0, NAMES).rows
    regulator = {"proposal_id": "E-050", "level": "企业层面", "uscc": A, "title": "危废暂存库改造", "category": "设备改进",
                 "cost_class": "中/高费", "investment": 80, "annual_savings": 5, "decision": "可行",
                 "problem": "现场考察发现暂存库通风不足", "origin": "审核组填写"}
    edited = [dict(r) for r in first]
    h1 = edited[0]
    h1["investment"] = 123.0
    h1["env_benefit"] = "企业报价核定"
    pid_of = {(r["level"], r["uscc"], r["catalogue_id"]): r["proposal_id"] for r in first}
    # the NOₓ problem of C disappears: its two proposals go; a new problem for A arrives
    individual2 = {B: individual[B], C: [individual[C][1]],
                   A: [Problem(WATER, "吨入厂危废水消耗量", "个性", "个性：水", A, (A,))]}
    gen = generate_proposals(common, individual2, cat, [*edited, regulator], 5.0, NAMES)
    rows = {r["proposal_id"]: r for r in gen.rows}
    assert rows["E-050"] == regulator  # never overwritten
    assert rows[h1["proposal_id"]]["investment"] == 123.0 and rows[h1["proposal_id"]]["env_benefit"] == "企业报价核定"
    for key, pid in pid_of.items():  # ids stable across runs
        if key[2] not in ("sncr_scr", "sncr_tuning"):
            assert rows[pid]["catalogue_id"] == key[2] and rows[pid]["uscc"] == key[1]
    assert sorted(gen.dropped_ids) == sorted([pid_of[("企业层面", C, "sncr_scr")], pid_of[("企业层面", C, "sncr_tuning")]])
    new = next(r for r in gen.rows if r["uscc"] == A and r["origin"] == "cpxl生成")
    assert new["proposal_id"] == "E-051"  # the next free number after the regulator's E-050


# --------------------------------------------------------------------------- screening and economics


CRITERIA = {"环境效果": 10.0, "经济可行性": 8.0, "技术可行性": 7.0, "可实施性": 5.0}


def test_screening_ranking_by_hand() -> None:
    props = [{"proposal_id": p, "title": p, "level": "企业层面", "origin": "审核组填写"} for p in ("P1", "P2", "P3", "P4")]
    scores = {"P1": (5, 3, 7, 5), "P2": (7, 8, 8, 9), "P3": (8, 7, 8, 8), "P4": (9, 9, 9, None)}
    existing = [{"proposal_id": p, "criterion": c, "score": s[i]} for p, s in scores.items()
                for i, c in enumerate(CRITERIA) if s[i] is not None]
    scr = screen_proposals(props, CRITERIA, existing, None)
    # P1: 50+24+49+25 = 148; P2: 70+64+56+45 = 235; P3: 80+56+56+40 = 232; P4 lacks 可实施性
    assert {k: r.total for k, r in scr.results.items()} == {"P1": 148, "P2": 235, "P3": 232}
    assert [scr.results[p].rank for p in ("P2", "P3", "P1")] == [1, 2, 3]
    assert scr.max_total == 300
    cost = {"P1": econ.LOW_COST, "P2": econ.LOW_COST, "P3": econ.LOW_COST, "P4": econ.LOW_COST}
    rows, decisions = decide(props, scr, {}, cost, 0.6)  # pass mark 180
    assert decisions == {"P1": "不可行", "P2": "推荐实施", "P3": "推荐实施", "P4": "待评估"}
    assert [r["proposal_id"] for r in rows] == ["P2", "P3", "P1", "P4"]
    assert "可实施性" in rows[-1]["reason"]


def test_economics_cross_checked_with_numpy_financial() -> None:
    # facts.md §8.2 second example: I = 150, F = 32.5, Y = 10, i = 5 % → N = 4.6 a, NPV ≈ 100.96, IRR ≈ 17.26 %.
    # With tax 0, F = P, so the proposal's annual savings are 32.5 万元.
    props = [{"proposal_id": "E-001", "title": "余热锅炉改造", "investment": 150.0, "annual_savings": 32.5},
             {"proposal_id": "E-002", "title": "高投入低回报", "investment": 300.0, "annual_savings": 10.0},
             {"proposal_id": "E-003", "title": "无报价", "investment": None, "annual_savings": None}]
    cost = {p["proposal_id"]: econ.HIGH_COST for p in props}
    st = EconomicSettings(lifetime=10, tax_rate=0.0, discount_rate=0.05, high_cost_threshold=100.0)
    rows, res = evaluate_proposals(props, [{"proposal_id": "E-002", "subsidy": 100.0}], cost, st)
    r1 = rows[0]
    flows = [-150.0] + [32.5] * 10
    assert r1["payback_years"] == pytest.approx(4.62, abs=0.01)
    assert r1["npv"] == pytest.approx(npf.npv(0.05, flows), abs=0.01) and round(r1["npv"], 2) == 100.96
    assert r1["irr"] == pytest.approx(100 * npf.irr(flows), abs=0.01) and round(r1["irr"], 2) == 17.26
    assert r1["npvr"] == pytest.approx(100 * 100.96 / 150, abs=0.01)
    # 150 万元 > 高费界限 100 → 高费 → 定额偿还期 10 a; all checks pass
    assert r1["payback_limit"] == 10 and r1["accepted"] == "是"
    # E-002: I = 300 − 100 (subsidy) = 200, F = 10 → N = 20 a, NPV < 0
    r2 = rows[1]
    assert r2["subsidy"] == 100 and r2["payback_years"] == pytest.approx(20) and r2["accepted"] == "否"
    assert r2["npv"] == pytest.approx(npf.npv(0.05, [-200.0] + [10.0] * 10), abs=0.01)
    assert rows[2]["accepted"] == "无法评估"
    # the decision: E-001 recommended, E-002 not feasible, E-003 pending
    scr = screen_proposals([{**p, "origin": "审核组填写"} for p in props], {"环境效果": 1.0},
                           [{"proposal_id": p["proposal_id"], "criterion": "环境效果", "score": 8} for p in props], None)
    _, decisions = decide(props, scr, res, cost, 0.6)
    assert decisions == {"E-001": "推荐实施", "E-002": "不可行", "E-003": "待评估"}


def test_feasible_when_npv_positive_but_payback_too_long() -> None:
    props = [{"proposal_id": "E-001", "title": "x", "investment": 40.0, "annual_savings": 10.0}]
    cost = {"E-001": econ.HIGH_COST}
    # 中费 (≤ 50 万元): limit 3 a; F = (10 − 4)·0.75 + 4 = 8.5 → N = 4.71 a ≥ 3, NPV(6 %) = 8.5×7.3601 − 40 > 0
    rows, res = evaluate_proposals(props, [], cost, EconomicSettings())
    assert rows[0]["payback_limit"] == 3 and rows[0]["accepted"] == "否" and rows[0]["npv"] > 0
    scr = screen_proposals([{**props[0], "origin": "审核组填写"}], {"环境效果": 1.0},
                           [{"proposal_id": "E-001", "criterion": "环境效果", "score": 9}], None)
    _, decisions = decide(props, scr, res, cost, 0.6)
    assert decisions == {"E-001": "可行"}


# --------------------------------------------------------------------------- tracking


def test_overdue_flags() -> None:
    today = dt.date(2026, 7, 1)
    base = {"planned_start": "2026-03-01", "planned_end": "2026-06-30"}
    assert overdue({**base}, today) == ("完成逾期", 1)
    assert overdue({**base, "planned_end": "2026-12-31"}, today) == ("开工逾期", 122)  # 1 Mar → 1 Jul
    assert overdue({**base, "planned_end": "2026-12-31", "actual_start": "2026-03-05"}, today) == ("否", 0)
    assert overdue({**base, "status": "已完成", "actual_end": "2026-07-10"}, today) == ("延期完成", 10)
    assert overdue({**base, "status": "已完成", "actual_end": "2026-06-01"}, today) == ("否", 0)
    assert overdue({**base, "status": "已取消"}, today) == ("否", 0)
    assert overdue({**base, "planned_end": "2026-07-01"}, today) == ("开工逾期", 122)  # the end day itself is not late
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_build_tracking_keeps_entries_and_summarises() -> None:
    props = [{"proposal_id": "H-01", "level": "行业层面", "title": "变频改造", "env_benefit": "节电", "annual_savings": 30},
             {"proposal_id": "E-001", "level": "企业层面", "uscc": A, "title": "节水回用", "annual_savings": 10}]
    existing = [{"proposal_id": "H-01", "uscc": B, "actual_start": "2026-10-01", "progress": 50, "remarks": "已督促"},
                {"proposal_id": "E-009", "uscc": C, "status": "已完成", "actual_end": "2026-09-01",
                 "actual_savings": 3},
                {"proposal_id": "E-008", "uscc": C}]  # nothing entered, no longer recommended → dropped
    sched = Schedule(dt.date(2026, 9, 30), 2027, 3)
    cost = {"H-01": econ.HIGH_COST, "E-001": econ.LOW_COST}
    today = dt.date(2027, 1, 15)
    rows, warnings = build_tracking(props, {"H-01": (B, C), "E-001": (A,)}, cost, existing, sched, today, NAMES)
    by = {(r["proposal_id"], r["uscc"]): r for r in rows}
    assert set(by) == {("H-01", B), ("H-01", C), ("E-001", A), ("E-009", C)}
    hb = by[("H-01", B)]
    assert (hb["status"], hb["progress"], hb["remarks"], hb["overdue"]) == ("实施中", 50, "已督促", "否")
    assert hb["planned_end"] == "2027-12-31"
    hc = by[("H-01", C)]
    assert (hc["status"], hc["overdue"], hc["overdue_days"]) == ("未开始", "开工逾期", 107)  # 30 Sep → 15 Jan
    ea = by[("E-001", A)]
    assert ea["planned_end"] == "2026-12-30" and (ea["overdue"], ea["overdue_days"]) == ("完成逾期", 16)
    assert by[("E-009", C)]["status"] == "已完成" and "E-009" in warnings[0]
    summary, text = follow_up(rows, today)
    counts = {(s["section"], s["item"]): s["count"] for s in summary}
    assert counts[("总体", "逾期方案")] == 2 and counts[("按状态", "未开始")] == 2 and counts[("按状态", "已完成")] == 1
    assert counts[("逾期（按企业）", NAMES[A])] == 1 and counts[("逾期（按企业）", NAMES[C])] == 1
    assert "督办通知" in text and NAMES[A] in text and "E-001" in text and NAMES[B] not in text


# --------------------------------------------------------------------------- settings


def test_settings_defaults_overrides_and_errors() -> None:
    s = resolve_settings({"discount_rate": 8}, {"tax_rate": 0, "criteria": {"环境效果": 2, "经济": 1}}, 2025,
                         dt.date(2026, 1, 1))
    assert s.discount_rate == pytest.approx(0.08) and s.tax_rate == 0 and s.criteria == {"环境效果": 2, "经济": 1}
    assert s.target_year == 2027 and s.low_cost_threshold == 5
    assert any("无/低费投资界限" in d and "未经确认" in d for d in s.defaults_used)
    assert not any("筛选指标" in d for d in s.defaults_used)
    assert s.entered["criterion_2"] == "经济" and s.entered["weight_2"] == 1
    with pytest.raises(PlanError, match="目标取值规则"):
        resolve_settings({}, {"target_rule": "随便"}, 2025, dt.date(2026, 1, 1))
    with pytest.raises(PlanError, match="未知的方案参数"):
        resolve_settings({}, {"discount": 5}, 2025, dt.date(2026, 1, 1))
    with pytest.raises(PlanError, match="权重"):
        resolve_settings({"criterion_1": "环境效果"}, None, 2025, dt.date(2026, 1, 1))


# --------------------------------------------------------------------------- plan() on a small master


def _sheet(path: Path, name: str) -> list[dict]:
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    header = [str(h).removesuffix(" *") if h else "" for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v not in (None, "") for v in r)]


def test_plan_writes_readable_sheets(audit: Path) -> None:
    today = dt.date(2027, 1, 15)
    res = plan(audit, today=today)
    master = audit / "审核总表.xlsx"
    assert res.focus == [ENERGY, CPA] and "共性问题" in res.focus_source
    assert {p["indicator_id"] for p in res.common_problems} == {ENERGY, CPA}

    targets = _sheet(master, "审核目标")
    by = {(t["层面"], t["统一社会信用代码"] or "", t["指标编号"]): t for t in targets}
    assert by[("行业", "", ENERGY)]["目标值"] == 60 and by[("行业", "", ENERGY)]["目标依据"] == NEXT_LEVEL
    assert by[("企业", A, ENERGY)]["目标值"] == 40 and by[("企业", A, ENERGY)]["严于全部企业现状"] == "是"
    assert by[("企业", B, WATER)]["目标值"] == 10  # from the diagnosis' blocker text
    assert ("企业", C, NOX) in by and ("企业", C, RUNTIME) in by  # no diagnosis row: below Ⅱ级
    assert all(t["目标依据"] for t in targets)

    pot = _sheet(master, "改善潜力")
    totals: dict[str, float] = {}
    for p in pot:  # one row per enterprise and item: the sum is the industry total
        totals[p["节约/削减项目"]] = totals.get(p["节约/削减项目"], 0) + p["节约/削减量"]
        assert p["全行业合计"] >= p["节约/削减量"]
    assert totals["综合能耗"] == pytest.approx(350)  # as in test_improvement_potential_by_hand
    assert totals["新鲜水"] == pytest.approx(20000)
    assert totals["氮氧化物"] == pytest.approx(10 * (1 - 250 / 260), abs=1e-4)  # two outlets, 6 + 4 t
    assert totals["二氧化碳"] == pytest.approx(1600 + 12000 / 7 + 4000 / 9, abs=1e-3)  # 废弃物焚烧 excluded
    assert {p["item"]: p["total"] for p in res.potential_totals}["综合能耗"] == pytest.approx(350)

    props = _sheet(master, "方案汇总")
    assert props and all(p["针对的问题"] and p["方案类型"] and p["费用类别"] and p["筛选结论"] for p in props)
    assert {p["层面"] for p in props} == {"行业层面", "企业层面"}
    decisions = _sheet(master, "方案筛选结论")
    assert [d["排序"] for d in decisions if d["排序"]] == sorted(d["排序"] for d in decisions if d["排序"])
    econ_rows = _sheet(master, "经济评估")
    assert econ_rows and all(e["经济可行"] in ("是", "否") for e in econ_rows)
    assert len(_sheet(master, "方案筛选评分")) == 4 * len(props)

    track = _sheet(master, "方案跟踪")
    recommended = {d["方案编号"] for d in decisions if d["筛选结论"] == "推荐实施"}
    assert track and {t["方案编号"] for t in track} == recommended
    assert all(t["跟踪日期"].date() == today for t in track)
    # planned start = work plan's 提出清洁生产方案 (2026-09-30); by 2027-01-15 nothing started → all late
    assert all(t["逾期情况"] in ("开工逾期", "完成逾期") for t in track) and res.overdue == len(track)
    summary = _sheet(master, "跟踪督办汇总")
    assert summary[0]["数量（项）"] == len(track)
    notice = res.follow_up_file
    assert notice is not None and notice.read_text(encoding="utf-8").startswith("关于清洁生产方案实施进展的督办通知")

    settings = read_master_data(master)["plan_settings"][0]
    assert settings["common_share"] == 50 and "共性问题判定比例 50%" in settings["applied"]
    assert "未经确认" in settings["applied"]
    d = res.to_dict()
    assert d["counts"]["proposals"] == len(props) and d["today"] == "2027-01-15"


def test_plan_second_run_keeps_regulator_input(audit: Path) -> None:
    plan(audit, today=dt.date(2026, 10, 15))
    master = audit / "审核总表.xlsx"
    data = read_master_data(master)
    props = data["proposals"]
    first_ids = {(p["level"], p.get("uscc", ""), p["catalogue_id"]): p["proposal_id"] for p in props}
    # the regulator: enters a policy target, a proposal, changes a score and an investment, records progress
    expert = {"scope": "企业", "uscc": A, "indicator_id": WATER, "target": 6, "rule": "专家经验"}  # no baseline
    targets = [*data["targets"], {"scope": "行业", "indicator_id": WATER, "target": 9.5, "rule": "政策目标",
                                  "remarks": "省级节水方案"}, expert]
    h1 = next(p for p in props if p["proposal_id"] == "H-01")
    h1["investment"] = 12.0  # an enterprise quotation; with the 20 万元 threshold below it becomes 无/低费
    regulator = {"proposal_id": "E-100", "level": "企业层面", "uscc": A, "title": "危废暂存库改造",
                 "category": "设备改进", "cost_class": "无/低费", "problem": "现场考察发现暂存库通风不足",
                 "investment": 3, "annual_savings": 1, "decision": "推荐实施", "origin": "审核组填写"}
    screening = data["screening"]
    s0 = next(s for s in screening if s["proposal_id"] == "H-01" and s["criterion"] == "可实施性")
    s0["score"], s0["remarks"] = 2.0, "审核小组评定"
    track = data["tracking"]
    t0 = track[0]
    t0.update(actual_start="2026-10-01", progress=30.0, remarks="已电话督促")
    update_master(master, {"targets": targets, "proposals": [*props, regulator], "screening": screening,
                           "tracking": track})

    res = plan(audit, today=dt.date(2026, 10, 15), settings={"low_cost_threshold": 20})
    data2 = read_master_data(master)
    props2 = {p["proposal_id"]: p for p in data2["proposals"]}
    assert props2["E-100"] == {k: v for k, v in regulator.items()}
    for key, pid in first_ids.items():
        assert props2[pid]["catalogue_id"] == key[2]  # ids unchanged
    assert props2["H-01"]["investment"] == 12 and props2["H-01"]["cost_class"] == "无/低费"  # new threshold 20
    s1 = next(s for s in data2["screening"] if s["proposal_id"] == "H-01" and s["criterion"] == "可实施性")
    assert (s1["score"], s1["remarks"]) == (2, "审核小组评定")
    pol = [t for t in data2["targets"] if t.get("origin") != "cpxl生成"]
    assert pol == [{"scope": "行业", "indicator_id": WATER, "target": 9.5, "rule": "政策目标", "remarks": "省级节水方案"},
                   expert]
    # the expert target counts in the potential with A's 2025 value as baseline: (7 − 6) × 10000 t = 10000 m³
    pa = next(p for p in data2["improvement_potential"] if p["item"] == "新鲜水" and p["uscc"] == A)
    assert (pa["baseline"], pa["saving"]) == (7, 10000)
    bw = next(t for t in data2["targets"] if (t.get("uscc"), t["indicator_id"]) == (B, WATER))
    assert (bw["target"], bw["rule"], bw["origin"]) == (9.5, "政策目标", "cpxl生成")  # the policy floor (11 → 9.5)
    t1 = next(t for t in data2["tracking"] if (t["proposal_id"], t.get("uscc")) == (t0["proposal_id"], t0.get("uscc")))
    assert (t1["actual_start"], t1["progress"], t1["remarks"], t1["status"]) == ("2026-10-01", 30, "已电话督促", "实施中")
    assert any(t["proposal_id"] == "E-100" and t["uscc"] == A for t in data2["tracking"])
    assert data2["plan_settings"][0]["low_cost_threshold"] == 20
    assert res.counts["proposals_kept"] == 1


def test_plan_economics_of_a_regulator_proposal(audit: Path) -> None:
    master = audit / "审核总表.xlsx"
    row = {"proposal_id": "E-200", "level": "企业层面", "uscc": B, "title": "余热锅炉省煤器改造", "category": "设备改进",
           "cost_class": "中/高费", "problem": "排烟温度高", "investment": 150, "annual_savings": 32.5,
           "origin": "审核组填写"}
    scores = [{"proposal_id": "E-200", "criterion": c, "score": 9} for c in CRITERIA]
    update_master(master, {"proposals": [row], "screening": scores})
    plan(audit, today=dt.date(2026, 10, 1), settings={"tax_rate": 0, "discount_rate": 5, "lifetime": 10,
                                                        "high_cost_threshold": 100})
    ev = next(e for e in _sheet(master, "经济评估") if e["方案编号"] == "E-200")
    assert round(ev["净现值NPV（万元）"], 2) == 100.96 and round(ev["内部收益率IRR（%）"], 2) == 17.26
    assert ev["投资偿还期N（年）"] == pytest.approx(4.62, abs=0.01) and ev["经济可行"] == "是"
    dec = next(d for d in _sheet(master, "方案筛选结论") if d["方案编号"] == "E-200")
    assert dec["筛选结论"] == "推荐实施" and math.isclose(dec["总分ΣW×R"], 270)


def test_plan_uses_diagnosis_focus_sheet_when_present(indicators) -> None:
    from cpxl.plan.run import diagnosis_common, diagnosis_focus

    data = {"audit_focus": [{"element": "能源", "indicator_id": ENERGY}, {"element": "二噁英类"}],
            "common_problems": [{"indicator": "「NOₓ浓度（日均值）」", "share_below_level2": 40.0}]}
    assert diagnosis_focus(data, indicators) == [ENERGY]
    assert diagnosis_common(data, indicators) == [(NOX, 40.0)]
    assert diagnosis_focus({"targets": []}, indicators) is None


def test_plan_refuses_without_values(audit: Path) -> None:
    master = audit / "审核总表.xlsx"
    update_master(master, {"indicator_values": []})
    before = master.read_bytes()
    with pytest.raises(PlanError, match="指标值"):
        plan(audit)
    assert master.read_bytes() == before  # nothing written


def test_plan_command(audit: Path, tmp_path: Path) -> None:
    app = typer.Typer()

    @app.command()
    def main(folder: Path, today: str = "", as_json: bool = typer.Option(False, "--json")) -> None:
        plan_command(folder, as_json, today or None)

    runner = CliRunner()
    r = runner.invoke(app, [str(audit), "--today", "2026-10-01", "--json"])
    assert r.exit_code == 0, r.output
    assert '"ok": true' in r.output and "督办通知" in r.output
    r = runner.invoke(app, [str(audit), "--today", "2026-10-01"])
    assert r.exit_code == 0 and "审核目标" in r.output
    r = runner.invoke(app, [str(tmp_path / "nowhere"), "--json"])
    assert r.exit_code == 2 and "审核总表" in r.output
    r = runner.invoke(app, [str(audit), "--today", "明天"])
    assert r.exit_code == 2
