"""The generated master workbook and enterprise templates, read back with openpyxl and LibreOffice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from cpxl.book import schema
from cpxl.book.layout import HEADER_ROW, layout_for
from cpxl.book.templates import STAMP_SHEET, template_filename
from cpxl.book.xlsxwrite import DATE_MAX, DATE_MIN, LISTS_SHEET
from cpxl.core import office
from cpxl.demo import data as demo
from cpxl.domain import packs


def _dv_at(ws, coord: str) -> DataValidation | None:
    for dv in ws.data_validations.dataValidation:
        if coord in dv.sqref:
            return dv
    return None


def _list_values(wb, formula: str) -> list[str]:
    sheet, rng = formula.split("!")
    assert sheet.strip("'") == LISTS_SHEET
    ws = wb[LISTS_SHEET]
    return [c.value for row in ws[rng.replace("$", "")] for c in row]


def _assert_mirrors(wb, ws, s: schema.SheetSchema) -> None:
    lay = layout_for(s)
    for f in s.fields:
        if s.is_form:
            label = ws.cell(lay.form_row(f.name), 1).value
            assert label.rstrip(" *") == f.title
            assert label.endswith("*") == f.required
        else:
            header = ws.cell(HEADER_ROW, lay.col_index(f.name)).value
            assert header.rstrip(" *") == f.header, (s.key, f.name)
            assert header.endswith("*") == f.required
        coord = lay.cell(f.name)
        dv = _dv_at(ws, coord)
        assert dv is not None, f"{s.sheet}!{coord} ({f.name}) has no data validation"
        assert dv.promptTitle == f.title[:32] and dv.showInputMessage
        if f.help:
            assert dv.prompt.startswith(f.help[:50])
        if f.enum:
            assert dv.type == "list" and _list_values(wb, dv.formula1) == list(f.enum)
        elif f.is_number:
            assert dv.type == ("whole" if f.type == "integer" else "decimal")
            if f.minimum is not None and f.maximum is not None:
                assert dv.operator == "between"
                assert float(dv.formula1) == f.minimum and float(dv.formula2) == f.maximum
            elif f.minimum is not None:
                assert dv.operator == "greaterThanOrEqual" and float(dv.formula1) == f.minimum
            elif f.maximum is not None:
                assert dv.operator == "lessThanOrEqual" and float(dv.formula1) == f.maximum
        elif f.is_date:
            assert dv.type == "date" and dv.operator == "between"
            assert int(dv.formula1) == (DATE_MIN.toordinal() - 693594)
            assert int(dv.formula2) == (DATE_MAX.toordinal() - 693594)
        elif f.max_length:
            assert dv.type == "textLength" and int(dv.formula1) == f.max_length
        else:
            assert dv.type is None
        if dv.type:
            assert dv.showErrorMessage and dv.errorStyle == "stop" and dv.error
        if not s.is_form:
            assert f"{lay.column(f.name)}{lay.last_row}" in dv.sqref


@pytest.fixture(autouse=True)
def _demo_pack():
    """The demo audit uses the incineration pack: its sheets are compared with that pack's schemas."""
    with packs.activated(demo.config()["industry_pack"]):
        yield


def test_master_has_every_master_field(demo_dir: Path) -> None:
    wb = openpyxl.load_workbook(demo_dir / "审核总表.xlsx")
    for s in schema.for_workbook("master") + schema.consolidated_schemas():
        assert s.sheet in wb.sheetnames
        _assert_mirrors(wb, wb[s.sheet], s)
        if not s.is_form:
            assert wb[s.sheet].freeze_panes == "A4"
    assert wb.sheetnames[0] == "首页"
    plan = wb["表A.2工作计划"]
    assert [plan.cell(r, 2).value for r in range(4, 14)] == [r["task"] for r in schema.load("work_plan").prefill]


def test_template_has_every_enterprise_field(demo_dir: Path) -> None:
    path = sorted((demo_dir / "企业模板").glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(path)
    for s in schema.for_workbook("enterprise"):
        _assert_mirrors(wb, wb[s.sheet], s)
        assert wb[s.sheet].protection.sheet, f"{s.sheet} must be protected"


def test_template_identity_locked_stamp_and_no_macros(demo_dir: Path) -> None:
    ents = demo.enterprises(6)
    e = ents[2]
    path = demo_dir / "企业模板" / template_filename(e)
    assert path.exists() and e["uscc"] in path.name
    wb = openpyxl.load_workbook(path)
    prof = wb["企业基本情况"]
    lay = layout_for(schema.load("ent_profile"))
    assert prof[lay.cell("name")].value == e["name"] and prof[lay.cell("name")].protection.locked
    assert prof[lay.cell("uscc")].value == e["uscc"] and prof[lay.cell("uscc")].protection.locked
    assert not prof[lay.cell("employees")].protection.locked  # enterprises fill without a password
    assert prof.protection.sheet and not prof.protection.password
    assert prof["A3"].protection.locked  # headers stay locked
    assert wb.security.lockStructure
    stamp = wb[STAMP_SHEET]
    assert stamp.sheet_state == "veryHidden"
    meta = {stamp.cell(r, 1).value: stamp.cell(r, 2).value for r in range(1, 11)}
    assert meta["format"] == "cpxl-enterprise-template" and meta["enterprise_uscc"] == e["uscc"]
    master = openpyxl.load_workbook(demo_dir / "审核总表.xlsx")
    assert meta["audit_id"] == master["审核任务"][layout_for(schema.load("audit_task")).cell("audit_id")].value
    assert meta["years"] == "2023,2024,2025"
    names = zipfile.ZipFile(path).namelist()
    assert not any("vba" in n.lower() for n in names)
    years = {r[0] for r in wb["B.2能源消耗"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert years == {2023, 2024, 2025}
    ids = [r[0] for r in wb["行业指标填报"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert "dioxin_emission" in ids and "waste_specific_energy" not in ids  # computed ones are not asked


def test_special_characters_in_enterprise_name(demo_dir: Path) -> None:
    e = demo.enterprises(6)[5]
    assert "&" in e["name"] and "<" in e["name"]
    wb = openpyxl.load_workbook(demo_dir / "企业模板" / template_filename(e))
    assert wb["企业基本情况"]["B4"].value == e["name"]


@pytest.mark.parametrize("which", ["master", "template"])
def test_opens_in_libreoffice(demo_dir: Path, tmp_path: Path, which: str) -> None:
    src = demo_dir / "审核总表.xlsx" if which == "master" else sorted((demo_dir / "企业模板").glob("*.xlsx"))[0]
    pdf = office.convert(src, "pdf", tmp_path)
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes().startswith(b"%PDF")
