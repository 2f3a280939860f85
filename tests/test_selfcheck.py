"""The self-check sheet's formulas, recalculated by LibreOffice and read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cpxl.book.selfcheck import FIRST_CHECK_ROW, SELF_CHECK_SHEET
from cpxl.book.templates import template_filename
from cpxl.core import office
from cpxl.demo import data as demo


def _results(path: Path, tmp: Path) -> tuple[int, dict[tuple[str, str], int]]:
    out = office.recalculate(path, tmp / "recalc")
    ws = openpyxl.load_workbook(out, data_only=True)[SELF_CHECK_SHEET]
    total = ws["C3"].value
    checks = {}
    for r in range(FIRST_CHECK_ROW, ws.max_row + 1):
        if ws.cell(r, 2).value:
            checks[(ws.cell(r, 2).value, ws.cell(r, 3).value)] = ws.cell(r, 4).value
    return total, checks


@pytest.fixture(scope="module")
def ent_and_template(demo_dir: Path):
    e = demo.enterprises(6)[0]
    return e, demo_dir / "企业模板" / template_filename(e)


def test_filled_template_has_no_problems(ent_and_template, tmp_path: Path) -> None:
    e, template = ent_and_template
    data = demo.enterprise_data(e, 2025, demo.demo_system())
    filled = tmp_path / "filled.xlsx"
    demo.fill_template(template, filled, data)
    total, checks = _results(filled, tmp_path)
    assert all(isinstance(v, (int, float)) for v in checks.values()), "every check formula evaluates to a number"
    assert total == 0, {k: v for k, v in checks.items() if v}


def test_half_filled_template_shows_each_gap(ent_and_template, tmp_path: Path) -> None:
    e, template = ent_and_template
    data = demo.enterprise_data(e, 2025, demo.demo_system())
    data["ent_water"] = [r for r in data["ent_water"] if r["year"] != 2023]  # a missing year
    data["ent_products"][2]["output"] = "1200吨"  # a unit typed into a number cell
    data["ent_profile"][0]["employees"] = None  # a required item left empty
    data["ent_energy"][0]["consumption"] = None  # a started row without its value
    data["ent_wastewater"][1]["discharged"] = data["ent_wastewater"][1]["generated"] * 2  # discharge > generation
    data["ent_materials"][0]["purpose"] = "别的用途"  # not in the drop-down list
    data["ent_monitoring"][0]["compliance_rate"] = 120  # out of range
    filled = tmp_path / "half.xlsx"
    demo.fill_template(template, filled, data)
    total, checks = _results(filled, tmp_path)
    expected = {
        ("B.2水资源", "2023 年未填写“取水量”"): 1,
        ("B.2产品产量", "“产量”不是数字（可能带了单位或文字）"): 1,
        ("企业基本情况", "“职工人数”未填"): 1,
        ("B.2能源消耗", "已填写的行中“消耗量”未填"): 1,
        ("B.3废水", "排放量大于产生量"): 1,
        ("B.2原辅材料", "“用途”不在下拉列表中"): 1,
    }
    for key, n in expected.items():
        assert checks[key] == n, key
    rate = [k for k in checks if k[0] == "B.3监测达标" and k[1].startswith("“达标率”超出范围")]
    assert checks[rate[0]] == 1
    # the unit-in-cell output also leaves 2025 without a numeric output
    assert checks[("B.2产品产量", "2025 年未填写“产量”")] == 1
    # the pack's required items: 自来水 has no 2023 row left, 电力 2023 lost its consumption
    assert checks[("B.2水资源", "预填的必填项目未填写“取水量”")] == 1
    assert checks[("B.2能源消耗", "预填的必填项目未填写“消耗量”")] == 1
    assert total == sum(expected.values()) + 4, {k: v for k, v in checks.items() if v}
    wb = openpyxl.load_workbook(tmp_path / "recalc" / "half.xlsx", data_only=True)
    assert wb[SELF_CHECK_SHEET]["C4"].value.startswith("✗")
