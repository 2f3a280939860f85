"""Diagnosis (5.2.2–5.2.3): the indicator system from the master, common problems at the threshold,
the audit-focus rules, missing data, the sheets written into a small demo master, and ``cpxl score``.

A tiny system is used where numbers are worked out by hand:

资源能源 w=0.6: x1 单位产品能耗 (ω .5, ≤10 / ≤20 / ≤30 kgce/t), x2 节能管理 (ω .5, qualitative);
污染物 w=0.4: x3* 达标率 (ω 1, limiting, ≥90 / ≥80 / ≥70 %).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from cpxl.book.indicator_sheet import system_rows
from cpxl.book.master import init_audit
from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_master_data
from cpxl.cli.diagnosis import register
from cpxl.demo import data as demo
from cpxl.demo.scale import consolidated
from cpxl.diagnosis import DiagnosisError, diagnose, diagnose_data, score_values
from cpxl.diagnosis.common import find_common_problems
from cpxl.diagnosis.focus import audit_focus
from cpxl.diagnosis.model import LEVEL_FILLS, MATRIX_SHEET
from cpxl.diagnosis.scoring import score_table
from cpxl.diagnosis.system import choose_system, parse_benchmark, system_from_sheet
from cpxl.domain.indicators import load_system

YEAR = 2025
SHIPPED = "hazardous-waste-incineration-zaepi-draft"


def _q(v1: float, v2: float, v3: float, op: str) -> dict:
    return {lv: {"op": op, "value": v, "text": f"{op}{v:g}"} for lv, v in zip(("I", "II", "III"), (v1, v2, v3), strict=True)}


TINY = {
    "format": "cpxl-indicator-system", "format_version": 1, "id": "tiny-test", "name": "测试用指标体系",
    "template": False,
    "source": {"standard_number": "", "title": "测试", "status": "草案", "clause": "",
               "verified_against_official_text": False},
    "level_names": {"I": "领先水平", "II": "先进水平", "III": "一般水平", "none": "不达标"},
    "options": {"thresholds": {"I": 85, "II": 85, "III": 100}, "level1_requires_nonlimiting_level2": False,
                "bonus": {"mode": "additive"}},
    "categories": [
        {"id": "a", "name": "资源能源", "weight": 0.6, "dimensions": ["resource_utilization"], "indicators": [
            {"id": "x1", "name": "单位产品能耗", "unit": "kgce/t", "weight": 0.5, "kind": "quantitative",
             "limiting": False, "direction": "lower_better", "benchmarks": _q(10, 20, 30, "≤")},
            {"id": "x2", "name": "节能管理", "unit": "", "weight": 0.5, "kind": "qualitative", "limiting": False,
             "direction": "qualitative", "dimension": "management",
             "benchmarks": {"I": {"text": "体系健全"}, "II": {"text": "职责明确"}, "III": {"text": "基本明确"}}},
        ]},
        {"id": "b", "name": "污染物", "weight": 0.4, "dimensions": ["pollutant_emission"], "indicators": [
            {"id": "x3", "name": "达标率", "unit": "%", "weight": 1.0, "kind": "quantitative", "limiting": True,
             "direction": "higher_better", "benchmarks": _q(90, 80, 70, "≥")},
        ]},
    ],
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sys") / "tiny-test.json"
    path.write_text(json.dumps(TINY, ensure_ascii=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the indicator system


def test_parse_benchmark_cells() -> None:
    assert (parse_benchmark("I", "≤40").op, parse_benchmark("I", "≤40").value) == ("≤", 40)
    assert (parse_benchmark("I", "<5%").op, parse_benchmark("I", "<5%").value) == ("<", 5)
    assert (parse_benchmark("I", "不大于 30").op, parse_benchmark("I", "不大于 30").value) == ("≤", 30)
    r = parse_benchmark("II", "[3, 4]次/年（原文：3-4次/年）")
    assert (r.op, r.min, r.max, r.min_inclusive, r.max_inclusive) == ("range", 3, 4, True, True)
    assert parse_benchmark("II", "3-4次/年").op == "range"
    assert parse_benchmark("I", "（未给出）").op == "none"
    assert parse_benchmark("I", "先进水平") is None


def test_sheet_system_scores_as_by_hand(tiny: Path) -> None:
    rows = system_rows(load_system(tiny))
    sys_, source, warnings = choose_system(rows)
    assert sys_.id == "master-sheet" and "工作表" in source and warnings
    # x1 = 15 reaches Ⅱ级 only; x2 = Ⅰ级; x3 = 85 reaches Ⅱ级:
    # Y_I  = 0.6 × (0.5×0 + 0.5×100) + 0.4 × 0   = 30
    # Y_II = 0.6 × (0.5×100 + 0.5×100) + 0.4 × 100 = 100;  Y_III = 100  → Ⅱ级 (x3* meets Ⅱ级)
    table = score_values(sys_, [{"enterprise": "甲", "x1": 15, "x2": "I级", "x3": 85}])
    s = table.enterprises[0]
    assert s.y == pytest.approx({"I": 30, "II": 100, "III": 100}) and s.level == "II"


def test_choose_system_prefers_the_unchanged_shipped_file() -> None:
    shipped = load_system(SHIPPED)
    rows = system_rows(shipped)
    assert choose_system(rows)[0].id == SHIPPED
    changed = [dict(r) for r in rows]
    changed[0]["level3"] = "定期巡检"  # a qualitative text edited by the regulator
    sys_, source, warnings = choose_system(changed)
    assert sys_.id == f"{SHIPPED}-sheet" and sys_.options == shipped.options and "修改" in source
    assert sys_.indicator(rows[0]["indicator_id"]).benchmarks["III"].text == "定期巡检"
    with pytest.raises(DiagnosisError, match="指标体系"):
        choose_system([])
    assert choose_system([], SHIPPED)[0].id == SHIPPED


def test_sheet_defects_are_listed_in_chinese(tiny: Path) -> None:
    rows = [dict(r) for r in system_rows(load_system(tiny))]
    rows[0]["level1"] = "很好"
    rows[2]["weight"] = None
    with pytest.raises(DiagnosisError) as exc:
        system_from_sheet(rows)
    text = str(exc.value)
    assert "无法识别" in text and "很好" in text and "权重" in text


# --------------------------------------------------------------------------- common problems


def _scores(tiny: Path, x1_values: list[float]):
    sys_ = load_system(tiny)
    rows = [{"enterprise": f"企业{i}", "x1": v, "x2": 1, "x3": 95} for i, v in enumerate(x1_values, start=1)]
    return sys_, score_table(sys_, rows).enterprises


def test_common_problem_threshold_boundary(tiny: Path) -> None:
    # 10 enterprises, 3 of them (30 %) at x1 = 25 (Ⅲ级, i.e. miss Ⅱ级)
    sys_, scores = _scores(tiny, [5] * 7 + [25] * 3)
    found = find_common_problems(sys_, scores, 0.30)
    assert [c.indicator_id for c in found] == ["x1"]  # 3/10 ≥ 30 % (0.3 × 10 is 3.0000000000000004 in floats)
    c = found[0]
    assert (c.n_assessed, c.n_below, c.share, c.n_below_iii) == (10, 3, pytest.approx(0.3), 0)
    assert c.enterprises == ["企业8", "企业9", "企业10"] and "≤20" in c.requirement
    assert find_common_problems(sys_, scores, 0.31) == []  # just above the boundary
    sys_, scores = _scores(tiny, [5] * 8 + [25] * 2)
    assert find_common_problems(sys_, scores, 0.30) == []  # 2/10 < 30 %


def test_common_problem_level_is_configurable(tiny: Path) -> None:
    # x1: 6 at Ⅰ级, 1 at Ⅱ级 (15), 3 at Ⅲ级 (25): 3/10 miss Ⅱ级, 4/10 miss Ⅰ级
    sys_, scores = _scores(tiny, [5] * 6 + [15] + [25] * 3)
    assert find_common_problems(sys_, scores, 0.4, "II") == []
    assert [c.n_below for c in find_common_problems(sys_, scores, 0.4, "I")] == [4]


def test_missing_values_do_not_count_in_the_share(tiny: Path) -> None:
    sys_ = load_system(tiny)
    rows = [{"enterprise": "甲", "x1": 25, "x2": 1, "x3": 95}, {"enterprise": "乙", "x1": 5, "x2": 1, "x3": 95},
            {"enterprise": "丙", "x2": 1, "x3": 95}]
    c = find_common_problems(sys_, score_table(sys_, rows).enterprises, 0.5, min_count=1)[0]
    assert (c.n_assessed, c.n_below, c.n_missing, c.share) == (2, 1, 1, 0.5)
    # with the default minimum of 3 enterprises (here: both assessed), one of two is not a common problem
    assert not find_common_problems(sys_, score_table(sys_, rows).enterprises, 0.5)


# --------------------------------------------------------------------------- audit focus (5.2.2)


def test_audit_focus_rules() -> None:
    sys_ = load_system(SHIPPED)
    ents = [
        {"uscc": "U1", "name": "甲", "heavy_pollution": "是", "ghg_reporting": "是", "key_energy_user": "是",
         "key_water_user": "否", "mandatory_audit": "是", "mandated_focus": "重金属"},
        {"uscc": "U2", "name": "乙", "heavy_pollution": "是", "ghg_reporting": "否", "key_energy_user": "是",
         "key_water_user": "否"},
        {"uscc": "U3", "name": "丙", "heavy_pollution": "是", "ghg_reporting": "否", "key_energy_user": "否",
         "key_water_user": "否"},
        {"uscc": "U4", "name": "丁", "heavy_pollution": "是", "ghg_reporting": "否", "key_energy_user": "否"},
    ]
    rules, per, warnings = audit_focus(sys_, ents, 0.3, min_count=2)
    by = {r.rule if r.rule != "mandated_focus" else r.focus: r for r in rules}
    # with the default minimum of three enterprises, two key energy users of four stay an enterprise focus
    default = {r.rule: r for r in audit_focus(sys_, ents, 0.3)[0]}
    assert not default["key_energy_user"].industry_focus and "少于判定家数 3 家" in default["key_energy_user"].note
    # rule 1: 4/4 heavy polluters → industry focus on characteristic / toxic pollutants
    assert by["heavy_pollution"].industry_focus and by["heavy_pollution"].share == 1.0
    assert {"dioxin_emission", "mercury_compound", "so2_concentration"} <= set(by["heavy_pollution"].indicators)
    assert "carbon_reduction_management" not in by["heavy_pollution"].indicators
    # rule 2: 1/4 = 25 % < 30 % → a focus of 甲 only
    assert not by["ghg_reporting"].industry_focus and by["ghg_reporting"].indicators == []
    assert any(f.startswith("温室气体") for f, _ in per["U1"])
    ghg_ids = next(ids for f, ids in per["U1"] if f.startswith("温室气体"))
    assert ghg_ids == ["carbon_reduction_management"]
    # rule 3: 2/4 key energy users → industry focus on energy; water: nobody, 丁 left blank → reported
    assert by["key_energy_user"].industry_focus and "waste_specific_energy" in by["key_energy_user"].indicators
    assert not by["key_water_user"].industry_focus and by["key_water_user"].n_unknown == 1
    assert any("重点用水单位" in w and "丁" in w for w in warnings)
    # rule 4: the list names 重金属 for 甲 → the heavy-metal indicators, for 甲
    heavy = next(ids for f, ids in per["U1"] if f.startswith("重金属"))
    assert {"mercury_compound", "cadmium_compound", "lead_compound", "heavy_metals_sum"} <= set(heavy)
    assert "dioxin_emission" not in heavy
    assert [f for f, _ in per["U3"]] == ["特征污染物或有毒有害物质（重污染行业）"]


# --------------------------------------------------------------------------- diagnose on a demo master


def _consolidate(data: dict, ents: list[dict], system) -> None:
    for e in ents:
        for key, rows in demo.enterprise_data(e, YEAR, system).items():
            data.setdefault("all_" + key, []).extend(consolidated(key, e, rows))


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 demo enterprises with data (the second without its statistical-year water), and a 4th without data."""
    system = demo.demo_system()
    ents = demo.enterprises(4)
    with_data, silent = ents[:3], ents[3]
    data = demo.master_data(YEAR, ents, system)
    _consolidate(data, with_data, system)
    second = with_data[1]["uscc"]
    data["all_ent_water"] = [r for r in data["all_ent_water"] if not (r["ent_uscc"] == second and r["year"] == YEAR)]
    cfg = demo.config()
    root = tmp_path_factory.mktemp("diag") / "audit"
    init_audit(root, cfg["industry"], cfg["region"], YEAR, cfg["industry_code"], pack=cfg["industry_pack"], data=data,
               audit_extra=demo.audit_extra(YEAR))
    assert silent["uscc"] not in {r["ent_uscc"] for r in data["all_ent_water"]}
    return root


def test_missing_value_is_reported_by_enterprise_and_indicator(demo_master: Path) -> None:
    data = read_master_data(demo_master / "审核总表.xlsx")
    res = diagnose_data(data)
    second, silent = res.enterprises[1], res.enterprises[3]
    msgs = [p.message for p in res.problems if p.severity == "error"]
    water = [m for m in msgs if second.name in m and "吨入厂危废水消耗量" in m]
    assert water and "缺少 2025 年取水量" in water[0]
    # an exceedance of the discharge limit (达标核查, not yet verified) comes before 数据不全
    assert second.values["waste_specific_water"].value is None and second.level_label in (
        ("超标待核实",) if second.exceedances else ("数据不全", "I级"))
    assert not second.score.complete
    assert any(silent.name in m and "尚未报送数据" in m for m in msgs)
    assert silent.level_label == "数据不全"
    assert res.enterprises[0].score.complete  # the first enterprise has everything


def test_diagnose_writes_the_sheets_and_keeps_the_rest(demo_master: Path, tmp_path: Path) -> None:
    root = tmp_path / "audit"
    shutil.copytree(demo_master, root)
    master = root / "审核总表.xlsx"
    before = read_master_data(master)
    res = diagnose(root)
    after = read_master_data(master)
    written = {"indicator_values", "diagnosis", "industry_stats", "common_problems", "audit_focus"}
    for key, rows in before.items():
        if key not in written:
            assert after[key] == rows, key
    assert len(after["diagnosis"]) == 4 and len(after["audit_focus"]) >= 4 and after["industry_stats"]
    diag = {r["uscc"]: r for r in after["diagnosis"]}
    for e in res.enterprises:
        row = diag[e.uscc]
        assert row["level"] == e.level_label and row["y2"] == pytest.approx(round(e.score.y["II"], 2))
        assert row.get("blockers", "") == "、".join(b.indicator_id for b in e.score.blockers)
    assert "吨入厂危废水消耗量" in diag[res.enterprises[1].uscc]["missing"]
    values = after["indicator_values"]
    derived = [r for r in values if r["indicator_id"] == "waste_specific_energy" and r["year"] == YEAR
               and r.get("origin") == "由填报数据计算"]
    assert len(derived) == 3 and all("综合能耗" in r["basis"] and "0.1229" in r["basis"] for r in derived)
    first = res.enterprises[0]
    assert derived[0]["value"] == pytest.approx(first.values["waste_specific_energy"].value)
    assert {r.get("origin") for r in values} >= {"企业填报", "由填报数据计算"}

    wb = openpyxl.load_workbook(master)
    assert wb.sheetnames.index(MATRIX_SHEET) == wb.sheetnames.index("诊断结果") + 1
    ws = wb[MATRIX_SHEET]
    assert ws.freeze_panes == "H6" and ws["B2"].value == "Ⅰ级"
    assert ws["B2"].fill.fgColor.rgb[-6:] == LEVEL_FILLS["I"]
    ids = [ws.cell(5, j).value for j in range(8, ws.max_column + 1)]
    seen = set()
    for i, e in enumerate(res.enterprises):
        r = 6 + i
        assert ws.cell(r, 2).value == e.name
        for j, iid in enumerate(ids, start=8):
            x = next(x for x in e.score.indicators if x.id == iid)
            key = {1: "I", 2: "II", 3: "III", 0: "below"}.get(x.achieved) if x.status == "scored" else (
                "missing" if x.status in ("missing", "invalid") else "not_applicable")
            assert ws.cell(r, j).fill.fgColor.rgb[-6:] == LEVEL_FILLS[key], (e.name, iid)
            seen.add(key)
    assert {"missing", "I"} <= seen
    wb.close()

    # a value the audit team set (审核组核定) is kept and used on the next run; the matrix is rebuilt
    second = res.enterprises[1]
    rows = read_master_data(master)["indicator_values"]
    for r in rows:
        if r["uscc"] == second.uscc and r["year"] == YEAR and r["indicator_id"] == "waste_specific_water":
            r.update(value=7.5, origin="审核组核定", basis="现场核查水表读数")
    update_master(master, {"indicator_values": rows})
    again = diagnose(root)
    v = again.enterprises[1].values["waste_specific_water"]
    assert (v.value, v.origin) == (7.5, "审核组核定")
    assert not any("吨入厂危废水消耗量" in p.message and second.name in p.message for p in again.problems)
    kept = [r for r in read_master_data(master)["indicator_values"] if r.get("origin") == "审核组核定"]
    assert len(kept) == 1 and kept[0]["basis"] == "现场核查水表读数"
    wb = openpyxl.load_workbook(master, read_only=True)
    assert wb.sheetnames.count(MATRIX_SHEET) == 1
    wb.close()
    json.dumps(again.to_dict(), ensure_ascii=False)  # --json works


# --------------------------------------------------------------------------- cpxl score


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_score_cli_json(tiny: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.json"
    values.write_text(json.dumps([
        {"enterprise": "甲", "x1": 15, "x2": "I级", "x3": 85},
        {"enterprise": "乙", "x1": 5, "x2": 1},  # x3 missing
    ], ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(_app(), ["score", "--system", str(tiny), "--values", str(values), "--json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    a, b = out["enterprises"]
    assert a["y"] == pytest.approx({"I": 30, "II": 100, "III": 100}) and a["level"] == "II" and a["complete"]
    assert a["blockers"][0]["indicator_id"] == "x3" and "≥90" in a["blockers"][0]["requirement"]
    assert not b["complete"] and out["incomplete"] == ["乙"]
    assert any("达标率" in p["message"] for p in b["problems"])

    values.write_text(json.dumps({"甲": {"x1": 15, "x2": "I级", "x3": 85}}, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(_app(), ["score", "--system", str(tiny), "--values", str(values)])
    assert res.exit_code == 0, res.output
    assert "甲" in res.output


def test_score_cli_long_csv_and_bad_input(tiny: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "long.csv"
    csv_file.write_text("企业名称,指标编号,指标值\n甲,x1,15\n甲,x2,Ⅱ级\n甲,x3,不适用\n", encoding="utf-8-sig")
    res = CliRunner().invoke(_app(), ["score", "--system", str(tiny), "--values", str(csv_file), "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)["enterprises"][0]
    # x3 not applicable → group 污染物 drops out and 资源能源 carries the whole weight:
    # Y_II = 1.0 × (0.5×100 + 0.5×100) = 100; Y_I = 0 (x1 and x2 both Ⅱ级)
    assert s["y"] == pytest.approx({"I": 0, "II": 100, "III": 100}) and s["level"] == "II"

    res = CliRunner().invoke(_app(), ["score", "--system", str(tiny), "--values", str(tmp_path / "none.json"),
                                      "--json"])
    assert res.exit_code == 2 and "找不到指标值文件" in json.loads(res.output)["error"]
    bad = tmp_path / "bad.txt"
    bad.write_text("x", encoding="utf-8")
    res = CliRunner().invoke(_app(), ["score", "--system", str(tiny), "--values", str(bad), "--json"])
    assert res.exit_code == 2 and "不支持" in json.loads(res.output)["error"]
    res = CliRunner().invoke(_app(), ["score", "--system", "no-such-system", "--values", str(csv_file), "--json"])
    assert res.exit_code == 2 and "没有编号" in json.loads(res.output)["error"]


def test_diagnose_cli_json(demo_master: Path, tmp_path: Path) -> None:
    root = tmp_path / "audit"
    shutil.copytree(demo_master, root)
    res = CliRunner().invoke(_app(), ["diagnose", str(root), "--json"])
    assert res.exit_code == 1, res.output  # data are missing → done, but provisional
    out = json.loads(res.output)
    assert out["ok"] is False and len(out["enterprises"]) == 4 and out["year"] == YEAR
    assert "诊断矩阵" in out["written"] and out["summary"].startswith("诊断完成")
    res = CliRunner().invoke(_app(), ["diagnose", str(tmp_path / "nowhere"), "--json"])
    assert res.exit_code == 2 and "审核总表" in json.loads(res.output)["error"]


def test_master_made_before_the_new_columns(demo_master: Path, tmp_path: Path) -> None:
    """A master from an older cpxl: no statistics sheets, 诊断结果/指标值汇总 without the new columns."""
    root = tmp_path / "audit"
    shutil.copytree(demo_master, root)
    master = root / "审核总表.xlsx"
    wb = openpyxl.load_workbook(master)
    for name in ("行业指标统计", "共性问题", "审核重点"):
        del wb[name]
    wb["诊断结果"].delete_cols(10, 5)
    wb["指标值汇总"].delete_cols(9, 4)
    wb.save(master)
    diagnose(root)
    wb = openpyxl.load_workbook(master, read_only=True)
    names = wb.sheetnames
    i = names.index("诊断结果")
    assert names[i:i + 5] == ["诊断结果", MATRIX_SHEET, "行业指标统计", "共性问题", "审核重点"]
    header = [c.value for c in next(wb["诊断结果"].iter_rows(min_row=3, max_row=3))]
    assert header[-6:] == ["统计年份", "暂定等级", "下一目标等级", "制约升级指标及要求", "审核重点（5.2.2）",
                           "超标排放（达标核查）"]
    wb.close()
    after = read_master_data(master)
    assert all(r["year"] == YEAR for r in after["diagnosis"]) and after["common_problems"] is not None
    assert all(r.get("indicator") for r in after["indicator_values"])
