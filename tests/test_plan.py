"""Targets, proposals, screening, economics and tracking (5.3.1–5.3.2): cpxl.plan and its parts.

The small industry used throughout (statistical year 2025), indicators from the T/ZAEPI hazardous-waste
incineration system; D is on the enterprise list but its submission was never accepted:

=====================  ========  ========  ========  ===========================
indicator              A         B         C         benchmarks Ⅰ / Ⅱ / Ⅲ
=====================  ========  ========  ========  ===========================
吨危废综合能耗 kgce/t     50 (Ⅱ)    70 (Ⅲ)    90 (—)    ≤40 / ≤60 / ≤80
  (A 2023: 45, 2024: 48)
吨危废水耗 m³/t           7 (Ⅰ)     11 (Ⅲ)    9 (Ⅱ)     ≤8 / ≤10 / ≤12
NOₓ mg/Nm³              120 (Ⅰ)   180 (Ⅱ)   260 (—)   ≤150 / ≤200 / ≤250
焚烧线年运行时间 h        7500 (Ⅰ)  6500 (Ⅱ)  5500 (Ⅲ)  >7000 / >6000 / >5000
清洁生产审核（定性）       Ⅰ级       Ⅲ级       未达到Ⅲ级
一级能效产品比例 %        95        104 (!)   75        ≥90 / ≥80 / ≥70
output t                10000     20000     5000
=====================  ========  ========  ========  ===========================

C's NOₓ at outlet DA001 (260 mg/Nm³) exceeds the limit it reported (250): a breach. B's 104 % is no share at
all: a data error, no target, a data request. The diagnosis names each enterprise's blockers; its common
problems are energy and 清洁生产审核 (B and C miss Ⅱ级) and its industry focus is energy.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import numpy_financial as npf
import pytest
import typer
from typer.testing import CliRunner

from cpxl.book.indicator_sheet import system_rows
from cpxl.book.master import init_audit
from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_master_data
from cpxl.cli.plan import plan_command
from cpxl.diagnosis.compliance import Limit, applicable_limit, convert, find_breaches, pollutant_in_text
from cpxl.domain import codes, packs
from cpxl.domain.indicators import load_system
from cpxl.plan import economics as econ
from cpxl.plan.effects import Basis, gap_effect
from cpxl.plan.proposals import (
    CommonProblem,
    EconomicSettings,
    Gap,
    decide,
    evaluate_proposals,
    find_catalogue,
    generate_proposals,
    screen_proposals,
)
from cpxl.plan.review import effective_state, pending
from cpxl.plan.run import PlanError, indicators_in_text, plan, resolve_settings
from cpxl.plan.targets import (
    BEST_3Y,
    NEXT_LEVEL,
    POLICY,
    TOP_QUARTILE,
    TargetInputs,
    bounds,
    candidates_for,
    choose,
    collect_values,
    indicators_from_sheet,
    make_targets,
    out_of_bounds,
    quantile_inc,
    top_quartile,
)
from cpxl.plan.tracking import Schedule, add_months, build_tracking, follow_up, overdue

YEAR = 2025
IDS = ["incineration_runtime", "waste_specific_energy", "waste_specific_water", "nox_concentration",
       "clean_production_audit", "energy_efficient_product_ratio"]
ENERGY, WATER, NOX, RUNTIME, CPA, RATIO = ("waste_specific_energy", "waste_specific_water", "nox_concentration",
                                           "incineration_runtime", "clean_production_audit",
                                           "energy_efficient_product_ratio")


def _uscc(n: int) -> str:
    body = f"9133010{n}MA2B3C4D5"
    return body + codes.uscc_check_char(body)


A, B, C, D = _uscc(1), _uscc(2), _uscc(3), _uscc(4)
NAMES = {A: "A危废处置有限公司", B: "B危废处置有限公司", C: "C危废处置有限公司", D: "D危废处置有限公司"}
TEAM = {"reviewed_by": "张明华", "reviewed_on": "2026-08-01"}
PACK = "hazardous-waste-incineration"


def _values() -> list[dict]:
    table = {ENERGY: (50, 70, 90), WATER: (7, 11, 9), NOX: (120, 180, 260), RUNTIME: (7500, 6500, 5500),
             RATIO: (95, 104, 75)}
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
             "key_polluter": "是", "contact_person": "张三", "contact_phone": "13800000000"} for u in (A, B, C, D)]
    products = [{"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "product": "危险废物焚烧处置量", "unit": "t",
                 "output": out} for u, out in ((A, 10000), (B, 20000), (C, 5000))]
    carbon = []
    for u, power, fuel in ((A, 5000, 3000), (B, 8000, 4000), (C, 3000, 1000)):
        carbon += [{"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "source": "外购电力", "emission": power},
                   {"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "source": "化石燃料燃烧", "emission": fuel},
                   {"ent_uscc": u, "ent_name": NAMES[u], "year": YEAR, "source": "废弃物焚烧", "emission": 99999}]
    gas = [{"ent_uscc": C, "ent_name": NAMES[C], "year": YEAR, "outlet": "DA001", "pollutant": "氮氧化物",
            "discharged": 6.0, "concentration": 260.0, "conc_unit": "mg/Nm³", "limit": 250.0},
           {"ent_uscc": C, "ent_name": NAMES[C], "year": YEAR, "outlet": "DA002", "pollutant": "氮氧化物",
            "discharged": 4.0, "concentration": 200.0, "conc_unit": "mg/Nm³", "limit": 250.0}]
    diagnosis = [
        {"uscc": A, "enterprise": NAMES[A], "level": "II级", "blockers": ENERGY},
        {"uscc": B, "enterprise": NAMES[B], "level": "III级", "blockers": f"{ENERGY}、{WATER}、{CPA}"},
        {"uscc": C, "enterprise": NAMES[C], "level": "不达标", "blockers": f"{NOX}、{ENERGY}、{CPA}、{RUNTIME}"},
        {"uscc": D, "enterprise": NAMES[D], "level": "数据不全", "missing": "全部指标（企业尚未报送数据）"}]
    common = [{"rank": 1, "indicator_id": ENERGY, "indicator": "吨入厂危废综合能耗", "n_assessed": 3, "n_below": 2},
              {"rank": 2, "indicator_id": CPA, "indicator": "清洁生产审核", "n_assessed": 3, "n_below": 2}]
    focus = [{"rule": "5.2.2", "flag": "重点用能单位", "focus": "能源", "industry_focus": "是", "indicators": ENERGY}]
    work_plan = [{"stage": "报告编制", "task": "提出清洁生产方案", "due_date": "2026-09-30"}]
    return {"indicator_system": _system_rows(), "enterprises": ents, "indicator_values": _values(),
            "all_ent_products": products, "all_ent_carbon": carbon, "all_ent_wastegas": gas,
            "diagnosis": diagnosis, "common_problems": common, "audit_focus": focus, "work_plan": work_plan,
            "plan_settings": [{"common_share": 50}]}


@pytest.fixture(scope="module")
def small_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan") / "audit"
    init_audit(root, "危险废物焚烧处置", "某省", YEAR, "N7724", data=_data(), pack=PACK)
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
    # higher-better: 5500 reaches Ⅲ (>5000) → Ⅱ >6000, which 6000 itself misses: 6001; top quartile 7000
    r = candidates_for(indicators[RUNTIME], 5500, [5500, 6500, 7500])
    assert [(x.rule, x.value) for x in r] == [(NEXT_LEVEL, 6001), (TOP_QUARTILE, 7000)]
    # policy target is a floor: never laxer
    assert choose(e, c, NEXT_LEVEL, policy=55).rule == POLICY
    assert choose(e, cands, NEXT_LEVEL, policy=55).value == 40


def test_physical_bounds(indicators) -> None:
    assert bounds(indicators[RATIO]) == (0, 100)
    assert bounds(indicators[ENERGY]) == (0, math.inf)
    values = collect_values(_values(), indicators)
    assert out_of_bounds(indicators, values, YEAR) == [(B, RATIO, 104)]
    # a top quartile or next level can never exceed 100 %
    rows, _ = make_targets(TargetInputs(indicators=indicators, values=values, year=YEAR, names=NAMES, focus=[RATIO],
                                        priorities={B: [(RATIO, "制约升级")], C: [(RATIO, "制约升级")]}))
    assert all(0 <= r["target"] <= 100 and 0 <= r["baseline"] <= 100 for r in rows)
    assert not any(r["uscc"] == B for r in rows)  # 104 % is a data error, not a baseline


def test_make_targets_few_per_enterprise_breaches_first(indicators) -> None:
    values = collect_values(_values(), indicators)
    policy = {"scope": "行业", "indicator_id": ENERGY, "target": 55, "rule": "政策目标", "origin": "审核组填写"}
    confirmed = {"scope": "企业", "uscc": A, "indicator_id": WATER, "baseline": 7, "target": 6.5, "rule": NEXT_LEVEL,
                 "origin": "cpxl生成", "state": "已确认", **TEAM}
    prio = {A: [(ENERGY, "制约升级")],
            B: [(ENERGY, "制约升级"), (WATER, "制约升级"), (CPA, "制约升级")],
            C: [(NOX, "超标排放"), (ENERGY, "制约升级"), (CPA, "制约升级"), (RUNTIME, "制约升级")]}
    rows, warnings = make_targets(TargetInputs(
        indicators=indicators, values=values, year=YEAR, names=NAMES, focus=[ENERGY, CPA], priorities=prio,
        limits={(C, NOX): 240.0}, max_targets=3, rule=NEXT_LEVEL, target_year=2027, existing=[policy, confirmed]))
    assert not warnings
    assert rows[:2] == [policy, confirmed]  # the team's rows, untouched, first
    by = {(r["scope"], r.get("uscc") or "", r["indicator_id"]): r for r in rows[2:]}
    assert ("行业", "", ENERGY) not in by  # the policy row is the industry target
    # A: next level 40 — stricter than every enterprise's current value (best 50): flagged
    a = by[("企业", A, ENERGY)]
    assert (a["target"], a["rule"], a["beyond_best"], a["priority"], a["state"]) == (40, NEXT_LEVEL, "是", "制约升级", "建议")
    assert "企业近三年最好水平 45" in a["candidates"] and "政策目标 55" in a["candidates"]
    # B: three targets, the policy floor 55 on energy
    assert [k[2] for k in by if k[1] == B] == [ENERGY, WATER, CPA]
    assert (by[("企业", B, ENERGY)]["target"], by[("企业", B, ENERGY)]["rule"]) == (55, POLICY)
    # C: at most 3 — the breach first; the limit (240) is stricter than the next level (250)
    assert [k[2] for k in by if k[1] == C] == [NOX, ENERGY, CPA]
    c = by[("企业", C, NOX)]
    assert (c["target"], c["rule"], c["priority"]) == (240, "排放限值", "超标排放")
    # industry target for the qualitative focus indicator: median level of {1, 3, 4} is Ⅲ → Ⅱ
    ind_cpa = by[("行业", "", CPA)]
    assert (ind_cpa["baseline"], ind_cpa["target"], ind_cpa["unit"]) == (3, 2, "级")
    assert all(r["rule"] and r["origin"] == "cpxl生成" and r["state"] == "建议" for r in rows[2:])


def test_best_of_three_years_rule(indicators) -> None:
    values = collect_values(_values(), indicators)
    rows, _ = make_targets(TargetInputs(indicators=indicators, values=values, year=YEAR, names=NAMES, focus=[ENERGY],
                                        priorities={A: [(ENERGY, "制约升级")], B: [(ENERGY, "制约升级")]},
                                        rule=BEST_3Y, target_year=2027))
    by = {(r["scope"], r["uscc"]): r for r in rows}
    assert (by[("企业", A)]["target"], by[("企业", A)]["rule"]) == (45, BEST_3Y)
    assert by[("企业", B)]["rule"] == NEXT_LEVEL  # no history → falls back to the next level
    assert (by[("行业", "")]["baseline"], by[("行业", "")]["target"]) == (70, 60)


# --------------------------------------------------------------------------- effects


def test_effects_are_computed_from_the_gap(indicators) -> None:
    basis = Basis(output=10000, emissions={"氮氧化物": 10.0}, wastes={"飞灰": 500.0}, energy_co2=8000)
    e = gap_effect(indicators[ENERGY], 50, 40, basis)
    # (50 − 40) kgce/t × 10000 t = 100 tce; CO₂ 8000 × (1 − 40/50) = 1600 t
    assert [(a.item, a.unit, round(a.amount, 6)) for a in e.amounts] == [("综合能耗", "tce", 100), ("二氧化碳", "tCO₂", 1600)]
    assert e.change.startswith("吨入厂危废综合能耗由 50 kgce/t 降至 40 kgce/t")
    assert "年节约综合能耗 100 tce" in e.text
    n = gap_effect(indicators[NOX], 260, 250, basis)  # 10 t × (1 − 250/260)
    assert n.amounts[0].item == "氮氧化物" and n.amounts[0].amount == pytest.approx(10 / 26)
    w = gap_effect(indicators[WATER], 11, 10, basis)
    assert (w.amounts[0].item, w.amounts[0].amount) == ("新鲜水", 10000)
    q = gap_effect(indicators[CPA], 3, 2, basis)
    assert not q.amounts and q.change == "清洁生产审核由Ⅲ级提升至Ⅱ级"
    r = gap_effect(indicators[RUNTIME], 5500, 6000, basis)
    assert not r.amounts and "提高至 6000 h" in r.change
    assert not gap_effect(indicators[ENERGY], 50, 40, None).amounts  # no output, no quantity claimed


# --------------------------------------------------------------------------- compliance


def test_compliance_limits_units_and_sources() -> None:
    lim = {("废气", "氟化氢"): [Limit("氟化氢", 4.0, "mg/Nm³", "1小时均值", "表3", "GB 18484-2020"),
                                Limit("氟化氢", 2.0, "mg/Nm³", "24小时均值或日均值", "表3", "GB 18484-2020")],
           ("废气", "铊及其化合物"): [Limit("铊及其化合物", 0.05, "mg/Nm³", "测定均值", "表3", "GB 18484-2020")],
           ("废气", "二噁英类"): [Limit("二噁英类", 0.5, "ngTEQ/Nm³", "测定均值", "表3", "GB 18484-2020")]}
    assert applicable_limit(lim, "废气", "HF").value == 2.0  # the daily value, never the hourly one
    assert convert(0.5, "ngTEQ/Nm³", "ngTEQ/m³") == 0.5 and convert(50, "μg/Nm³", "mg/Nm³") == pytest.approx(0.05)
    assert pollutant_in_text("HF浓度（日均值）", ["氟化氢", "氯化氢"]) == "氟化氢"
    assert pollutant_in_text("COD排放浓度", ["一氧化碳"]) is None  # CO is not in COD
    data = {
        "all_ent_wastegas": [
            {"ent_uscc": A, "ent_name": "A", "year": YEAR, "outlet": "DA001", "pollutant": "氟化氢",
             "concentration": 3.0, "conc_unit": "mg/Nm³", "limit": 4.0},  # the enterprise took the 1-hour value
            {"ent_uscc": A, "ent_name": "A", "year": YEAR, "outlet": "DA001", "pollutant": "二噁英类",
             "concentration": 0.714, "conc_unit": "ngTEQ/Nm³", "limit": 0.5},
            {"ent_uscc": B, "ent_name": "B", "year": YEAR, "outlet": "DA001", "pollutant": "氟化氢",
             "concentration": 1.5, "conc_unit": "mg/Nm³", "limit": 1.0},  # a stricter permit limit applies
            {"ent_uscc": B, "ent_name": "B", "year": YEAR - 1, "outlet": "DA001", "pollutant": "氟化氢",
             "concentration": 9.0, "conc_unit": "mg/Nm³", "limit": 1.0}],  # another year
        "indicator_values": [{"uscc": C, "enterprise": "C", "year": YEAR, "indicator_id": "thallium_compound",
                              "indicator": "铊及其化合物（以Tl计，测定均值）", "unit": "mg/Nm³", "value": 0.07}],
        "all_ent_monitoring": [{"ent_uscc": C, "ent_name": "C", "year": YEAR, "category": "废水", "point": "DW001",
                                "times": 12, "compliant_times": 11}],
        "all_ent_management": [{"ent_uscc": B, "ent_name": "B", "permit_violations": 1, "permit_reports_on_time": "否"}],
        "all_ent_profile": [{"ent_uscc": C, "ent_name": "C", "permit_valid_until": "2025-06-30"}],
    }
    found = find_breaches(data, YEAR, lim)
    got = {(b.enterprise, b.kind, b.pollutant): b for b in found}
    hf = got[("A", "排放浓度超标", "氟化氢")]
    assert (hf.value, hf.limit, hf.standard, hf.limit_type) == (3.0, 2.0, "GB 18484-2020 表3", "24小时均值或日均值")
    assert "宽于" in hf.detail and hf.exceed_ratio == pytest.approx(0.5)
    assert got[("A", "排放浓度超标", "二噁英类")].limit == 0.5
    b = got[("B", "排放浓度超标", "氟化氢")]
    assert b.limit == 1.0 and "企业填报" in b.standard
    assert got[("C", "排放浓度超标", "铊及其化合物")].value == 0.07  # from the indicator values
    assert ("C", "监测超标", "") in {(x.enterprise, x.kind, "") for x in found}
    assert {x.kind for x in found if x.enterprise == "B"} >= {"违反排污许可", "执行报告未按时提交"}
    assert any(x.kind == "许可证过期" and x.enterprise == "C" for x in found)
    assert "0.714 ngTEQ/Nm³" in got[("A", "排放浓度超标", "二噁英类")].sentence()


# --------------------------------------------------------------------------- proposals


def _gap(indicators, uscc, iid, base, target, reason="制约升级", basis=None) -> Gap:
    ind = indicators[iid]
    return Gap(uscc, iid, ind.name, ind.unit, base, target, reason, gap_effect(ind, base, target, basis))


def test_indicators_in_text(indicators) -> None:
    assert indicators_in_text(f"{WATER}、{NOX}", indicators) == [WATER, NOX]
    assert indicators_in_text("「吨入厂危废水消耗量」当前值 11", indicators) == [WATER]


def test_generate_proposals_from_gaps(indicators) -> None:
    with packs.activated(PACK):
        cat = find_catalogue()
    out = {A: Basis(10000), B: Basis(20000), C: Basis(5000, {"氮氧化物": 10.0})}
    gaps = {A: [_gap(indicators, A, ENERGY, 50, 40, basis=out[A])],
            B: [_gap(indicators, B, ENERGY, 70, 60, basis=out[B]), _gap(indicators, B, WATER, 11, 10, basis=out[B])],
            C: [_gap(indicators, C, NOX, 260, 250, "超标排放", out[C]), _gap(indicators, C, RUNTIME, 5500, 6000)]}
    common = [CommonProblem(ENERGY, "吨入厂危废综合能耗", (gaps[B][0], _gap(indicators, C, ENERGY, 90, 80, basis=out[C])), 3)]
    gen = generate_proposals(common, gaps, cat, [], NAMES, indicators)
    # the breach first, then the industry proposal, then the enterprises' (ids in the order of their names)
    assert [(r["proposal_id"], r["catalogue_id"]) for r in gen.rows] == [
        ("E-003", "sncr_scr"), ("H-01", "waste_heat_boiler"), ("E-001", "waste_heat_boiler"), ("E-002", "water_reuse"),
        ("E-004", "smart_blending")]
    assert gen.rows[0]["priority"] == "达标整改" and gen.rows[0]["uscc"] == C
    h = next(r for r in gen.rows if r["level"] == "行业层面")
    assert gen.affected[h["proposal_id"]] == (B, C) and h["n_enterprises"] == 2
    # the effect is the sum of the gaps: (70−60)×20000 + (90−80)×5000 kgce = 250 tce
    assert (h["effect_item"], h["effect_amount"], h["effect_unit"]) == ("节约综合能耗", 250, "tce/a")
    # nothing copied from the catalogue: no investment, no savings, no scores; every row a suggestion
    assert all(r["investment"] is None if "investment" in r else True for r in gen.rows)
    assert all(r["state"] == "建议" and r["origin"] == "cpxl生成" for r in gen.rows)
    ents = [r for r in gen.rows if r["level"] == "企业层面"]
    assert {r["uscc"] for r in ents} == {A, B, C}  # B's energy gap is covered by the industry proposal
    assert not any(r["uscc"] == B and ENERGY in r["indicator_ids"] for r in ents)
    nox = next(r for r in ents if NOX in r["indicator_ids"])
    assert nox["effect_amount"] == pytest.approx(10 / 26, abs=1e-4) and "260" in nox["problem"]
    assert len({r["env_benefit"] for r in ents}) == len(ents)  # effects differ with the gaps
    # an enterprise without accepted data is simply not in ``gaps``: no proposal for it
    assert not any(r["uscc"] == D for r in gen.rows)


def test_merge_keeps_the_teams_fields_and_drops_catalogue_figures(indicators) -> None:
    with packs.activated(PACK):
        cat = find_catalogue()
    gaps = {A: [_gap(indicators, A, ENERGY, 50, 40, basis=Basis(10000))]}
    first = generate_proposals([], gaps, cat, [], NAMES, indicators)
    row = dict(first.rows[0])
    row.update(investment=88.0, annual_savings=20.0, basis="企业报价", state="已确认", review_note="同意", **TEAM)
    old_cpxl = {"proposal_id": "E-009", "level": "企业层面", "uscc": B, "catalogue_id": "water_reuse", "title": "x",
                "investment": 125.0, "basis": "目录示意值（待报价替换）", "origin": "cpxl生成"}
    gaps[B] = [_gap(indicators, B, WATER, 11, 10)]
    team_row = {"proposal_id": "E-100", "level": "企业层面", "uscc": A, "title": "暂存库改造", "category": "设备改进",
                "origin": "审核组填写", "state": "建议"}
    again = generate_proposals([], gaps, cat, [row, old_cpxl, team_row], NAMES, indicators)
    by = {r["proposal_id"]: r for r in again.rows}
    a = by[row["proposal_id"]]
    assert (a["investment"], a["basis"], a["state"], a["reviewed_by"]) == (88, "企业报价", "已确认", "张明华")
    assert by["E-009"].get("investment") is None and by["E-009"].get("basis") is None  # an older cpxl's catalogue value
    assert by["E-100"] == team_row


def test_screening_counts_only_signed_team_scores() -> None:
    props = [{"proposal_id": p, "title": p, "level": "企业层面", "origin": "审核组填写"} for p in ("P1", "P2", "P3", "P4")]
    scores = {"P1": (5, 3, 7, 5), "P2": (7, 8, 8, 9), "P3": (8, 7, 8, 8), "P4": (9, 9, 9, None)}
    signed = {"scored_by": "王晓燕", "scored_on": "2026-08-20"}
    existing = [{"proposal_id": p, "criterion": c, "score": s[i], **signed} for p, s in scores.items()
                for i, c in enumerate(CRITERIA) if s[i] is not None]
    existing.append({"proposal_id": "P4", "criterion": "可实施性", "score": 9})  # no scorer: does not count
    scr = screen_proposals(props, CRITERIA, existing)
    # P1: 50+24+49+25 = 148; P2: 70+64+56+45 = 235; P3: 80+56+56+40 = 232; P4 lacks 可实施性
    assert {k: r.total for k, r in scr.results.items()} == {"P1": 148, "P2": 235, "P3": 232}
    assert [scr.results[p].rank for p in ("P2", "P3", "P1")] == [1, 2, 3]
    assert scr.ignored == ["P4「可实施性」"] and scr.max_total == 300
    cost = {"P1": econ.LOW_COST, "P2": econ.LOW_COST, "P3": econ.LOW_COST, "P4": econ.LOW_COST}
    rows, decisions, _ = decide(props, scr, {}, cost, 0.6)  # pass mark 180
    assert decisions == {"P1": "不可行", "P2": "推荐实施", "P3": "推荐实施", "P4": "待评估"}
    assert [r["proposal_id"] for r in rows] == ["P2", "P3", "P1", "P4"]
    assert "可实施性" in rows[-1]["reason"] and rows[0]["state"] == "已评定"


def test_review_states_need_who_and_when() -> None:
    assert effective_state({"state": "已确认"})[0] == "建议"
    assert "确认人" in effective_state({"state": "已确认"})[1]
    assert effective_state({"state": "已确认", **TEAM}) == ("已确认", "")
    assert effective_state({"state": "否决", **TEAM})[0] == "否决"
    assert effective_state({}, scored=True)[0] == "已评定"
    assert effective_state({"state": "随便"})[0] == "建议"


# --------------------------------------------------------------------------- screening and economics


CRITERIA = {"环境效果": 10.0, "经济可行性": 8.0, "技术可行性": 7.0, "可实施性": 5.0}
SIGNED = {"scored_by": "王晓燕", "scored_on": "2026-08-20"}


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
                           [{"proposal_id": p["proposal_id"], "criterion": "环境效果", "score": 8, **SIGNED}
                            for p in props])
    _, decisions, _ = decide(props, scr, res, cost, 0.6)
    assert decisions == {"E-001": "推荐实施", "E-002": "不可行", "E-003": "待评估"}


def test_feasible_when_npv_positive_but_payback_too_long() -> None:
    props = [{"proposal_id": "E-001", "title": "x", "investment": 40.0, "annual_savings": 10.0}]
    cost = {"E-001": econ.HIGH_COST}
    # 中费 (≤ 50 万元): limit 3 a; F = (10 − 4)·0.75 + 4 = 8.5 → N = 4.71 a ≥ 3, NPV(6 %) = 8.5×7.3601 − 40 > 0
    rows, res = evaluate_proposals(props, [], cost, EconomicSettings())
    assert rows[0]["payback_limit"] == 3 and rows[0]["accepted"] == "否" and rows[0]["npv"] > 0
    scr = screen_proposals([{**props[0], "origin": "审核组填写"}], {"环境效果": 1.0},
                           [{"proposal_id": "E-001", "criterion": "环境效果", "score": 9, **SIGNED}])
    _, decisions, _ = decide(props, scr, res, cost, 0.6)
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
    assert s.target_year == 2027 and s.low_cost_threshold == 5 and s.max_targets == 5 and not s.confirmed
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


def test_plan_suggests_and_the_team_decides(audit: Path) -> None:
    res = plan(audit, today=dt.date(2026, 10, 15))
    master = audit / "审核总表.xlsx"
    data = read_master_data(master)
    # compliance first: C's NOₓ at DA001, with value, limit and where the limit comes from
    nox = [b for b in data["compliance"] if b["kind"] == "排放浓度超标"]
    assert len(nox) == 1 and (nox[0]["uscc"], nox[0]["outlet"], nox[0]["value"]) == (C, "DA001", 260)
    assert nox[0]["limit"] <= 250 and nox[0]["standard"] and nox[0]["verified"] == "待核实"
    assert res.breaches == 1
    # D has no accepted data and B's 104 % is no share: a data request each, no target or proposal for D
    req = {r["uscc"]: r for r in data["data_requests"]}
    assert set(req) == {B, D} and "没有该企业被接受的报送数据" in req[D]["reason"] and "104" in req[B]["items"]
    assert not any(r.get("uscc") == D for r in data["targets"] + data["proposals"])
    assert not any(r.get("uscc") == B and r["indicator_id"] == RATIO for r in data["targets"])
    notice = list((audit / "成果").glob("数据补报通知_*.txt"))
    assert notice and NAMES[D] in notice[0].read_text(encoding="utf-8")
    # targets: few per enterprise, the breach's within the limit, every one a suggestion
    ent = [t for t in data["targets"] if t["scope"] == "企业"]
    assert all(t["state"] == "建议" for t in data["targets"])
    c_nox = next(t for t in ent if (t["uscc"], t["indicator_id"]) == (C, NOX))
    assert c_nox["target"] <= 250 and c_nox["priority"] == "超标排放"
    assert max(sum(t["uscc"] == u for t in ent) for u in (A, B, C)) <= 5
    pot = {p_["item"]: p_["total"] for p_ in res.potential_totals}
    assert pot["节约综合能耗"] == pytest.approx(100 + 200 + 50)  # A 50→40, B 70→60, C 90→80
    # proposals: tied to gaps, effects from them, nothing from the catalogue but titles
    props = data["proposals"]
    assert props[0]["priority"] == "达标整改" and props[0]["uscc"] == C
    assert all(p_["problem"] and p_["indicator_ids"] and p_["state"] in ("建议",) for p_ in props)
    assert not any(p_.get("investment") for p_ in props) and not any(s_.get("score") for s_ in data["screening"])
    assert {d_["decision"] for d_ in data["screening_decision"]} == {"待评估"}
    assert not data.get("tracking")  # nothing confirmed, nothing tracked
    kinds = {p_.kind for p_ in pending(data)}
    assert kinds == {"参数", "目标", "方案"}

    # the team: confirms the parameters and targets, costs and scores every proposal, then decides
    settings = dict(data["plan_settings"][0], low_cost_threshold=10, confirmed_by="张明华", confirmed_on="2026-10-16")
    targets = [dict(t, state="已确认", **TEAM) for t in data["targets"]]
    costs = [dict(p_, investment=5.0 if p_["category"] == "环境管理" else 60.0, annual_savings=25.0, basis="审核组估算")
             for p_ in props]
    scores = [dict(s_, score=8, scored_by="王晓燕", scored_on="2026-10-16") for s_ in data["screening"]]
    update_master(master, {"plan_settings": [settings], "targets": targets, "proposals": costs, "screening": scores})
    plan(audit, today=dt.date(2026, 10, 20))
    data = read_master_data(master)
    assert {p_["state"] for p_ in data["proposals"]} == {"已评定"}
    assert {d_["decision"] for d_ in data["screening_decision"]} <= {"推荐实施", "可行"}
    decided = [dict(p_, state="已确认" if i else "否决", review_note="" if i else "另行整改", **TEAM)
               for i, p_ in enumerate(data["proposals"])]
    update_master(master, {"proposals": decided})
    res = plan(audit, today=dt.date(2026, 10, 20))
    data = read_master_data(master)
    assert pending(data) == [] and res.pending == []
    confirmed = {p_["proposal_id"] for p_ in data["proposals"] if p_["state"] == "已确认"}
    assert {t["proposal_id"] for t in data["tracking"]} == confirmed
    assert res.counts["tracked_proposals"] == len(confirmed) <= res.counts["tracking"]
    assert any("另有整改措施" in w for w in res.warnings)  # the rejected breach proposal
    # ids, the team's entries and the states survive a further run
    again = plan(audit, today=dt.date(2026, 10, 21))
    data2 = read_master_data(master)
    assert [(p_["proposal_id"], p_["state"], p_["investment"]) for p_ in data2["proposals"]] == \
        [(p_["proposal_id"], p_["state"], p_["investment"]) for p_ in data["proposals"]]
    assert again.counts["proposals_dropped"] == 0


def test_unsigned_confirmation_does_not_count(audit: Path) -> None:
    plan(audit, today=dt.date(2026, 10, 15))
    master = audit / "审核总表.xlsx"
    data = read_master_data(master)
    update_master(master, {"targets": [dict(t, state="已确认") for t in data["targets"]]})
    res = plan(audit, today=dt.date(2026, 10, 15))
    assert any("确认人或确认日期" in w for w in res.warnings)
    assert any(p_["kind"] == "目标" for p_ in res.pending)


def test_plan_economics_of_a_team_proposal(audit: Path) -> None:
    master = audit / "审核总表.xlsx"
    row = {"proposal_id": "E-200", "level": "企业层面", "uscc": B, "title": "余热锅炉省煤器改造", "category": "设备改进",
           "problem": "排烟温度高", "investment": 150, "annual_savings": 32.5, "origin": "审核组填写"}
    scores = [{"proposal_id": "E-200", "criterion": c, "score": 9, **SIGNED} for c in CRITERIA]
    update_master(master, {"proposals": [row], "screening": scores})
    plan(audit, today=dt.date(2026, 10, 1), settings={"tax_rate": 0, "discount_rate": 5, "lifetime": 10,
                                                        "high_cost_threshold": 100})
    data = read_master_data(master)
    ev = next(e for e in data["economics"] if e["proposal_id"] == "E-200")
    assert round(ev["npv"], 2) == 100.96 and round(ev["irr"], 2) == 17.26
    assert ev["payback_years"] == pytest.approx(4.62, abs=0.01) and ev["accepted"] == "是"
    dec = next(d_ for d_ in data["screening_decision"] if d_["proposal_id"] == "E-200")
    assert dec["decision"] == "推荐实施" and math.isclose(dec["total"], 270)
    assert next(p_ for p_ in data["proposals"] if p_["proposal_id"] == "E-200") == row  # the team's row untouched


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
    assert '"ok": true' in r.output and '"pending"' in r.output
    r = runner.invoke(app, [str(audit), "--today", "2026-10-01"])
    assert r.exit_code == 0 and "审核目标" in r.output and "达标核查" in r.output and "待审核小组确认" in r.output
    r = runner.invoke(app, [str(tmp_path / "nowhere"), "--json"])
    assert r.exit_code == 2 and "审核总表" in r.output
    r = runner.invoke(app, [str(audit), "--today", "明天"])
    assert r.exit_code == 2
