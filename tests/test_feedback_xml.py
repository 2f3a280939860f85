"""Feedback copies made by editing the package: real workbooks (openpyxl-written, LibreOffice-resaved,
macro-enabled, merged cells, a resubmitted feedback copy) read back with openpyxl, python-calamine and
LibreOffice; every part the annotation does not need is byte-identical."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cpxl.book.templates import template_filename
from cpxl.core import office
from cpxl.core.problems import Problem
from cpxl.core.zipparts import Package
from cpxl.demo import data as demo
from cpxl.intake.feedback import RESULT_SHEET, annotate
from cpxl.intake.xmlannotate import AUTHOR, CT_XLSM, CT_XLSX

FILES = ("plain", "lo", "macro", "merged")


def _problems(sheet_products: str = "B.2产品产量") -> list[Problem]:
    return [
        Problem("number.unit_in_cell", "error", "数字后带了单位", "只填数字", sheet=sheet_products, cell="D6"),
        Problem("plausibility.year_on_year", "warning", "突变", "核对", sheet=sheet_products, cell="D6"),
        Problem("required", "error", "必填项未填", "填写", sheet="B.2能源消耗", cell="H40"),  # a cell never written
        Problem("sheet.layout", "warning", "表头被改动", "恢复", sheet=sheet_products, cell="A3"),  # has a template note
        Problem("code.uscc", "error", "信用代码 \"A&B<x>\" 不对", "核对", sheet="企业基本情况", cell="B5"),
        Problem("file.macros", "warning", "含宏", "另存为 xlsx"),  # no cell: only in the result sheet
        Problem("x", "info", "不存在的工作表", "", sheet="没有这个表", cell="A1"),
    ]


@pytest.fixture(scope="module")
def books(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("fbxml")
    e = demo.enterprises(6)[0]
    d = demo.enterprise_data(e, 2025, demo.demo_system())
    plain = out / "plain.xlsx"
    demo.fill_template(demo_dir / "企业模板" / template_filename(e), plain, d)
    lo = office.convert(plain, "xlsx:Calc MS Excel 2007 XML", out / "lo")  # another writer's package
    macro = out / "macro.xlsm"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(macro, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(CT_XLSX.encode(), CT_XLSM.encode())
                assert CT_XLSM.encode() in data
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    wb = openpyxl.load_workbook(plain)
    wb["B.2产品产量"].merge_cells("D6:E7")
    merged = out / "merged.xlsx"
    wb.save(merged)
    return {"plain": plain, "lo": lo, "macro": macro, "merged": merged}


@pytest.fixture(scope="module")
def annotated(books: dict[str, Path]) -> dict[str, Path]:
    out = {}
    for k, src in books.items():
        out[k] = annotate(src, src.with_name(f"{k}_反馈.xlsx"), _problems(), "测试企业")
    # the enterprise sends the feedback copy back, corrected in D6 only: annotate it again
    again = [p for p in _problems() if p.cell != "D6"] + [
        Problem("rule.le", "error", "第二轮的问题", "改", sheet="B.2原辅材料", cell="C5")]
    out["again"] = annotate(out["plain"], books["plain"].with_name("again_反馈.xlsx"), again, "测试企业")
    return out


def _notes(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): (c.comment.author, c.comment.text) for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.comment}


@pytest.mark.parametrize("kind", FILES)
def test_cells_filled_and_commented_and_nothing_else_changed(kind: str, books: dict[str, Path],
                                                             annotated: dict[str, Path]) -> None:
    src, out = books[kind], annotated[kind]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET and wb.active.title == RESULT_SHEET
    assert sum(bool(ws.sheet_view.tabSelected) for ws in wb.worksheets) == 1, "sheets grouped: typing would edit several"
    ws = wb["B.2产品产量"]
    d6 = ws["D6"]
    assert d6.fill.fgColor.rgb == "FFFF9999" and d6.comment.author == AUTHOR
    assert "带了单位" in d6.comment.text and "突变" in d6.comment.text  # both problems, the error first
    assert d6.comment.text.index("带了单位") < d6.comment.text.index("突变")
    assert ws["A3"].comment.author == AUTHOR and ws["A3"].fill.fgColor.rgb == "FFFFE699"
    assert wb["B.2能源消耗"]["H40"].comment is not None  # a cell the workbook never had
    assert wb["企业基本情况"]["B5"].comment.text.count("A&B<x>") == 1
    original = _notes(src)
    kept = {k: v for k, v in _notes(out).items() if v[0] != AUTHOR}
    assert kept == {k: v for k, v in original.items() if k not in {("B.2产品产量", "A3")}}, "template notes stay"
    # styles of the cells apart from the fill are the original's (borders, number formats, protection)
    before = openpyxl.load_workbook(src)["B.2产品产量"]["D6"]
    assert (d6.border.left.style, d6.number_format, d6.protection.locked) == (
        before.border.left.style, before.number_format, before.protection.locked)
    # values: every sheet of the original reads the same
    a, b = CalamineWorkbook.from_path(str(src)), CalamineWorkbook.from_path(str(out))
    assert b.sheet_names == [RESULT_SHEET, *a.sheet_names]
    for name in a.sheet_names:
        assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), name
    # the result sheet: every problem, the error first, a link to each cell, filterable
    res = wb[RESULT_SHEET]
    assert res.max_row == 1 + len(_problems()) and res["A2"].value == "错误"
    links = [c.value for c in res["F"][1:] if c.value]
    assert "=HYPERLINK(\"#'B.2产品产量'!D6\",\"D6\")" in links and res.auto_filter.ref == "A1:K8"
    assert res["I2"].data_type == "s" and res.freeze_panes == "A2"
    # byte for byte: each part the annotation did not need, compressed data included
    touched = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    with Package(src) as p, Package(out) as q:
        same = [n for n in p.names() if n in q and bytes(p.raw(n)[1]) == bytes(q.raw(n)[1])]
        sheet_parts = [n for n in p.names() if n.startswith("xl/worksheets/sheet")]
        assert len(same) >= len(p.names()) - len(touched) - 4 * 3 - 2  # 3 sheets × (sheet, rels, comments, vml)
        assert len([n for n in sheet_parts if n in same]) >= len(sheet_parts) - 4
        assert any(n.startswith("xl/worksheets/cpxlResult") for n in q.names()), "made by the package editor"
        assert not any("vba" in n.lower() for n in q.names())
        assert b"macroEnabled" not in q.read("[Content_Types].xml")


def test_macros_dropped(annotated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(annotated["macro"])
    assert wb.vba_archive is None and "B.2产品产量" in wb.sheetnames


def test_merged_cell_annotated_on_its_first_cell(annotated: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(annotated["merged"])["B.2产品产量"]
    assert "D6:E7" in {str(r) for r in ws.merged_cells.ranges} and ws["D6"].comment is not None


def test_resubmitted_copy_is_annotated_afresh(annotated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(annotated["again"])
    assert wb.sheetnames.count(RESULT_SHEET) == 1 and wb.sheetnames[0] == RESULT_SHEET
    notes = {k: v for k, v in _notes(annotated["again"]).items() if v[0] == AUTHOR}
    assert ("B.2产品产量", "D6") not in notes, "an earlier cpxl note on a corrected cell is gone"
    assert ("B.2原辅材料", "C5") in notes and ("B.2产品产量", "A3") in notes
    assert wb[RESULT_SHEET].max_row == 1 + 6
    # sheet-local names still point at their own sheets after the sheets moved
    xml = zipfile.ZipFile(annotated["again"]).read("xl/workbook.xml").decode()
    names = re.findall(r'<definedName name="_xlnm._FilterDatabase" localSheetId="(\d+)" hidden="1">\'?([^\'!]+)', xml)
    assert names and all(wb.sheetnames[int(i)] == sheet for i, sheet in names), names


def test_libreoffice_opens_every_copy(annotated: dict[str, Path], tmp_path: Path) -> None:
    for k, path in annotated.items():
        back = office.convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / k)
        wb = openpyxl.load_workbook(back)
        assert wb.sheetnames[0] == RESULT_SHEET, k
        c = wb["B.2产品产量"]["A3"]
        assert c.comment is not None and "表头被改动" in c.comment.text, k
        assert c.fill.fgColor.rgb.endswith("FFE699"), k
