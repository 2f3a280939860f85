"""The regulator's review of the plan part of the demo report (items 1–8): each fixed where the figure is made.

Pure functions on the hazardous-waste indicator system and the small audit of :mod:`test_plan`; the report
context and the rendered report of the session's demo audit (``demo_dir``), read back with python-docx.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from docx import Document
from test_plan import NAMES, A, B, C

from cpxl.book.xlsxread import read_master_data
from cpxl.plan import economics as econ
from cpxl.plan.effects import Amount, Effect, add_up, effects_text, parse_effects
from cpxl.plan.proposals import _effect_fields
from cpxl.plan.settings import resolve_settings
from cpxl.plan.targets import TargetInputs, benchmark_target, indicators_from_sheet, level_of, make_targets
from cpxl.plan.tracking import DATES_DEFAULT, Schedule, build_tracking, follow_up
from cpxl.report.context import build_context
from cpxl.report.context.s24_plan import proposal_effects

YEAR = 2025


@pytest.fixture(scope="module")
def hw():
    from cpxl.book.indicator_sheet import system_rows
    from cpxl.domain.indicators import load_system

    return indicators_from_sheet(system_rows(load_system("hazardous-waste-incineration-zaepi-draft")))


# --------------------------------------------------------------------------- 7: strict benchmarks


def test_a_target_aimed_at_a_level_reaches_it_when_the_benchmark_is_strict(hw) -> None:
    fly, ash = hw["fly_ash_utilization"], hw["bottom_ash_utilization"]  # Ⅰ >70, Ⅱ >50; 炉渣 Ⅱ >40
    assert benchmark_target(fly, "II")[0] == 51 and level_of(fly, 51) == 2  # not 50, which misses Ⅱ级
    assert benchmark_target(fly, "I")[0] == 71 and level_of(fly, 71) == 1
    assert benchmark_target(ash, "II")[0] == 41 and level_of(ash, 41) == 2
    assert "≥51%" in benchmark_target(fly, "II")[1]
    rate = hw["fly_ash_output_rate"]  # lower-better, strict: Ⅰ <5 (written 4.9 at the benchmarks' 1 decimal), Ⅱ <10
    assert benchmark_target(rate, "II")[0] == 9 and level_of(rate, 9) == 2
    assert benchmark_target(rate, "I")[0] == pytest.approx(4.9) and level_of(rate, 4.9) == 1
    energy = hw["waste_specific_energy"]  # non-strict ≤60: the benchmark itself
    assert benchmark_target(energy, "II")[0] == 60
    for iid, ind in hw.items():  # every level-aimed target of the system reaches its level
        for lv, no in (("I", 1), ("II", 2), ("III", 3)):
            bt = benchmark_target(ind, lv)
            if bt is not None and not ind.qualitative:
                assert level_of(ind, bt[0]) <= no, (iid, lv, bt)


def test_enterprise_targets_on_a_strict_benchmark(hw) -> None:
    ind = hw["fly_ash_utilization"]
    values = {A: {ind.id: {YEAR: 35.000984}}, B: {ind.id: {YEAR: 55.0}}, C: {ind.id: {YEAR: 80.0}}}
    rows, _ = make_targets(TargetInputs(hw, values, YEAR, NAMES, [], {A: [(ind.id, "制约升级")], B: [(ind.id, "制约升级")]}))
    got = {r["uscc"]: r["target"] for r in rows}
    assert got == {A: 51, B: 71}  # not 50 and 70, which would not reach Ⅱ/Ⅰ级 (nor 50.001, shown as 50)
    assert all(level_of(ind, r["target"]) < level_of(ind, r["baseline"]) for r in rows)


# --------------------------------------------------------------------------- 8: industry targets for common problems


def test_industry_targets_cover_the_common_problems_and_say_how_achievability_is_judged(hw) -> None:
    ind = hw["fly_ash_utilization"]
    values = {u: {ind.id: {YEAR: v}} for u, v in ((A, 35.0), (B, 45.0), (C, 80.0))}
    rows, _ = make_targets(TargetInputs(hw, values, YEAR, NAMES, [], {}, common=[ind.id]))
    (t,) = [r for r in rows if r["scope"] == "行业"]
    assert t["priority"] == "行业共性问题" and t["baseline"] == 40 and t["target"] == 51 and t["focus"] == "否"
    assert "未达到Ⅱ级的 2 家企业" in t["remarks"] and t["beyond_best"] == "否"


# --------------------------------------------------------------------------- 1: every effect of a proposal


def test_a_proposal_records_every_effect_and_the_report_adds_them_all() -> None:
    e1 = Effect("能耗降低", (Amount("综合能耗", "tce", 252.3, "m", "节约"), Amount("二氧化碳", "tCO₂", 822.4, "m")))
    e2 = Effect("辅料降低", (Amount("脱硫脱酸辅料", "t", 42.83, "m", "节约"),))
    gaps = [type("G", (), {"effect": e, "uscc": A})() for e in (e1, e2)]
    fields = _effect_fields(gaps)
    assert fields["effect_item"] == "节约综合能耗"  # the first, as before
    assert parse_effects(fields["effects"]) == [("节约综合能耗", "tce/a", 252.3), ("削减二氧化碳", "tCO₂/a", 822.4),
                                                ("节约脱硫脱酸辅料", "t/a", 42.83)]
    assert parse_effects(effects_text(add_up([e1, e1]))) == [("节约综合能耗", "tce/a", 504.6),
                                                             ("削减二氧化碳", "tCO₂/a", 1644.8)]
    # a team's row without the cell: its one effect
    assert proposal_effects({"effect_item": "削减氮氧化物", "effect_amount": 7.26, "effect_unit": "t/a"}) == \
        [("削减氮氧化物", "t/a", 7.26)]


# --------------------------------------------------------------------------- 3: tracking


def test_tracking_splits_industry_savings_labels_default_dates_and_gives_fixes_a_short_deadline() -> None:
    props = [{"proposal_id": "H-01", "level": "行业层面", "title": "飞灰资源化", "annual_savings": 30.0},
             {"proposal_id": "E-001", "level": "企业层面", "uscc": C, "title": "脱硝改造", "annual_savings": 10.0,
              "priority": "达标整改"}]
    sched = Schedule(dt.date(2026, 8, 28), 2027, 3, fix_months=3, default_start=True)
    existing = [{"proposal_id": "H-01", "uscc": A, "status": "已完成", "actual_end": "2026-10-01", "actual_savings": 9},
                {"proposal_id": "H-01", "uscc": B, "planned_start": "2026-10-01", "planned_end": "2027-06-30"}]
    rows, _ = build_tracking(props, {"H-01": (A, B, C), "E-001": (C,)},
                             {"H-01": econ.HIGH_COST, "E-001": econ.HIGH_COST}, existing, sched,
                             dt.date(2026, 11, 24), NAMES)
    by = {(r["proposal_id"], r["uscc"]): r for r in rows}
    assert [by[("H-01", u)]["expected_savings"] for u in (A, B, C)] == [10.0, 10.0, 10.0]  # 30 split over 3
    assert by[("E-001", C)]["planned_end"] == "2026-11-28"  # 限期整改: start + 3 months, not 2027-12-31
    assert by[("H-01", C)]["planned_end"] == "2027-12-31"
    assert by[("H-01", C)]["dates_basis"] == DATES_DEFAULT and by[("H-01", B)]["dates_basis"] == "审核组填写"
    _, text = follow_up(rows, dt.date(2026, 11, 24))
    assert "预期年经济效益合计 10 万元" in text  # A's share, not the whole programme's 30
    assert "（缺省日期）" in text and "缺省日期" in text.split("逾期")[0]
    assert "达标整改方案（限期整改）1 项" in text and "2026-11-28" in text


def test_screening_parameters_mark_the_defaults() -> None:
    ps = resolve_settings({"low_cost_threshold": 10, "discount_rate": 6, "confirmed_by": "张明华",
                           "confirmed_on": "2026-07-20"}, None, YEAR, dt.date(2026, 1, 1))
    got = {name: (value, default) for name, value, default in ps.screening_parameters()}
    assert got["无/低费投资界限"] == ("10万元", False) and got["贴现率"] == ("6%", False)
    assert got["定额偿还期"] == ("中费方案3年、高费方案10年", True)
    assert got["筛选指标及权重"][1] and got["筛选通过线"] == ("满分的60%", True)
    assert ps.plan_start_default and ps.fix_months == 3


# --------------------------------------------------------------------------- the demo report


def _body(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _tables(path: Path) -> dict[str, list[list[str]]]:
    """Caption text → the table's rows, for the rendered report."""
    doc = Document(str(path))
    out: dict[str, list[list[str]]] = {}
    caption = ""
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[1]
        if tag == "p":
            t = "".join(x.text or "" for x in el.iter() if x.tag.endswith("}t"))
            if re.match(r"^(续)?(附)?表 ", t):
                caption = t
        elif tag == "tbl" and caption:
            from docx.table import Table

            rows = [[c.text for c in r.cells] for r in Table(el, doc).rows]
            key = re.sub(r"^续", "", caption)
            out[key] = out[key] + rows[1:] if key in out else rows  # a continued part repeats the header
    return out


@pytest.fixture(scope="module")
def demo_report(demo_dir: Path) -> tuple[Path, dict]:
    data = read_master_data(demo_dir / "审核总表.xlsx")
    return demo_dir / "成果" / "行业整体清洁生产审核报告.docx", data


def test_demo_report_plan_figures(demo_report) -> None:
    report, data = demo_report
    built = build_context(data, today=dt.date(2026, 11, 24))
    ctx = built.context
    states = built.facts["proposal_states"]
    ok = [p for p in data["proposals"] if states.get(p["proposal_id"]) == "已确认"]
    # 1: every effect of every confirmed proposal, counts = proposals with the item
    want: dict[str, float] = {}
    n: dict[str, int] = {}
    for p in ok:
        for item, _unit, x in parse_effects(p.get("effects")):
            want[item] = want.get(item, 0) + x
            n[item] = n.get(item, 0) + 1
    got = {b["item"]: b for b in ctx["s242"]["benefit"]}
    assert set(got) == set(want)
    assert any(len(parse_effects(p.get("effects"))) > 1 for p in ok)  # the case the first-effect sum lost
    for item, x in want.items():
        assert float(got[item]["total"].replace(",", "")) == pytest.approx(x, rel=5e-3) and int(got[item]["n"]) == n[item]
    # 2: the payback range is over the passing proposals only
    econ_ok = [e for e in data["economics"] if states.get(e["proposal_id"]) == "已确认" and e["accepted"] == "是"]
    text = "\n".join(ctx["s243"]["paragraphs"])
    if econ_ok:
        hi = max(e["payback_years"] for e in econ_ok)
        assert re.search(r"投资偿还期为[\d.]+～" + re.escape(f"{hi:.1f}".rstrip("0").rstrip(".")) + "年", text), text
    # 4: every parameter with its value, defaults marked
    assert "定额偿还期中费方案3年、高费方案10年（缺省值" in text and "筛选通过线" in text
    # 5: no canned reason
    assert "为达标整改方案或审核小组认为环境效益突出的方案" not in text
    # 3: progress over all tasks
    assert "平均进度" not in text or "按全部" in text or "按填报或可推定进度的" in text
    # 6: the source of every proposal
    assert {r["source"] for r in ctx["s242"]["annex"]} <= {"目录生成", "审核组提出"}
    body = _body(report)
    assert "按诊断差距和典型方案目录生成" in body and "由 cpxl" not in body and "均具有可实现性" not in body
    tables = _tables(report)
    annex5 = next(rows for cap, rows in tables.items() if "清洁生产方案一览" in cap)
    assert annex5[0][-1] == "来源" and {r[-1] for r in annex5[1:]} <= {"目录生成", "审核组提出"}
    industry = next((rows for cap, rows in tables.items() if "行业层面审核目标" in cap), [])
    assert all(r[-1] in ("可实现性", "已有企业达到", "需论证（严于全部企业现状）", "未判定") for r in industry)
