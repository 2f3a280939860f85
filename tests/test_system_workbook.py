"""Indicator systems written in Excel: cpxl packs template → fill → cpxl packs import, and cpxl check of the
master's 指标体系 sheet — one precise, cell-level message per planted mistake."""

from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from cpxl.book.check import check
from cpxl.book.master import init_audit
from cpxl.book.system_workbook import import_workbook, read_workbook, write_template
from cpxl.cli import app
from cpxl.diagnosis.scoring import score_enterprise
from cpxl.domain.indicators import load_system

#: A small complete system typed as a regulator would: (category, cw, id, name, unit, w, kind, limiting, Ⅰ, Ⅱ, Ⅲ)
ROWS = [
    ("资源能源消耗指标", 0.6, "energy", "单位产品综合能耗", "kgce/t", 0.5, "定量", "是", "≤30", "≤40", "≤50"),
    ("资源能源消耗指标", 0.6, "water", "单位产品取水量", "m³/t", 0.5, "定量", "否", "≤1.5", "≤2.0", "≤2.5"),
    ("清洁生产管理指标", 0.4, "audit", "清洁生产审核", "", 0.6, "定性", "否", "按要求开展并验收", "按要求开展", "已开展"),
    ("清洁生产管理指标", 0.4, "reuse", "水重复利用率", "%", 0.4, "定量", "否", "≥90", "≥80", "≥70"),
]
COLS = ("category", "category_weight", "indicator_id", "indicator", "unit", "weight", "kind", "limiting",
        "level1", "level2", "level3")


def _fill(path, rows, info=None):
    wb = openpyxl.load_workbook(path)
    ws = wb["指标体系"]
    heads = [str(c.value or "").replace(" *", "").split("（")[0] for c in ws[3]]
    titles = {"category": "一级指标", "category_weight": "一级指标权重", "indicator_id": "二级指标编号",
              "indicator": "二级指标", "unit": "单位", "weight": "二级指标权重", "kind": "指标类型",
              "limiting": "限定性指标", "level1": "I级基准值", "level2": "II级基准值", "level3": "III级基准值"}
    for r in range(4, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows, start=4):
        for key, v in zip(COLS, row, strict=True):
            ws.cell(i, heads.index(titles[key]) + 1).value = v
    info_ws = wb["体系信息"]
    values = {"体系编号": "test-official", "体系名称": "某行业清洁生产评价指标体系", "标准编号或发布文号": "公告2099年第1号",
              "发布状态": "正式发布", "已与正式文本逐项核对": "是", **(info or {})}
    for r in range(4, info_ws.max_row + 1):
        label = str(info_ws.cell(r, 1).value or "").replace(" *", "")
        if label in values:
            info_ws.cell(r, 2).value = values[label]
    wb.save(path)


@pytest.fixture()
def blank(tmp_path):
    return write_template(tmp_path / "体系.xlsx", "generic")


def test_template_for_a_partial_pack_is_prefilled_and_marked(tmp_path):
    path = write_template(tmp_path / "电镀.xlsx", "electroplating")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["填写说明", "体系信息", "指标体系"]
    cells = [c for row in wb["指标体系"].iter_rows(min_row=4, values_only=True) for c in row if c]
    assert sum("【待补录】" in str(c) for c in cells) >= 3
    text = " ".join(str(c.value) for c in wb["填写说明"]["A"] if c.value)
    assert "第13行以后全部缺失" in text  # the pack's missing rows are named
    res = read_workbook(path)
    assert res.system is None and any(p.rule == "system.placeholder" for p in res.problems)


def test_a_correct_workbook_imports_and_scores(blank, tmp_path):
    _fill(blank, ROWS)
    res = import_workbook(blank, out=tmp_path / "system.json")
    assert res.errors == 0, [p.message for p in res.problems]
    system = load_system(tmp_path / "system.json")
    assert [i.id for i in system.indicators()] == ["energy", "water", "audit", "reuse"]
    s = score_enterprise(system, {"energy": 35, "water": 1.4, "audit": 2, "reuse": 85})
    assert s.level == "II"


def test_planted_mistakes_get_one_message_each(blank):
    rows = [list(r) for r in ROWS]
    rows[1][5] = 1.3  # a weight of 1.3
    rows[3][10] = "≤70"  # Ⅲ级 against the direction of ≥90 / ≥80
    rows[0][4] = "kgce/吨产品X"  # an unknown unit
    _fill(blank, [tuple(r) for r in rows])
    res = read_workbook(blank)
    errors = [p for p in res.problems if p.severity == "error"]
    assert sorted(p.rule for p in errors) == ["check.range", "system.direction", "system.unit"], \
        [p.message for p in errors]
    by_rule = {p.rule: p for p in errors}
    assert by_rule["check.range"].cell == "F5" and "1.3" in by_rule["check.range"].message
    assert by_rule["system.direction"].cell == "K7"
    assert by_rule["system.unit"].cell == "E4"
    assert res.system is None


def test_cpxl_check_reports_the_same_mistakes_in_the_master(tmp_path):
    rows = [dict(zip(COLS, r, strict=True)) for r in ROWS]
    rows[1]["weight"] = 1.3
    rows[3]["level3"] = "≤70"
    rows[0]["unit"] = "kgce/吨产品X"
    init_audit(tmp_path, "某行业", "某省", 2025, data={"indicator_system": rows})
    res = check(tmp_path)
    found = sorted(p.rule for p in res.problems if p.sheet == "指标体系" and p.severity == "error")
    assert found == ["check.range", "system.direction", "system.unit"], \
        [p.message for p in res.problems if p.sheet == "指标体系"]


def test_cli_import_refuses_and_writes_nothing(blank, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][1] = 0.5  # level-1 weight differs between rows of one group
    _fill(blank, [tuple(r) for r in rows])
    out = tmp_path / "out.json"
    r = CliRunner().invoke(app, ["packs", "import", str(blank), "--out", str(out), "--json"])
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert not out.exists() and any(p["rule"] == "system.category_weight" for p in doc["problems"])


def test_cli_lists_packs_with_status():
    r = CliRunner().invoke(app, ["packs", "--json"])
    assert r.exit_code == 0
    items = {d["id"]: d for d in json.loads(r.output)}
    assert items["electroplating"]["status"] == "partial" and items["electroplating"]["missing"]
    assert items["hazardous-waste-incineration"]["status"] == "complete"
