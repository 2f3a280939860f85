"""What goes back to people: the validation report workbook and annotated feedback copies.

Both render the same ``Problem`` list. The feedback copy is the enterprise's own workbook with
every problem cell highlighted and a comment saying what is wrong and how to fix it, plus a
校验结果 sheet at the front; macros are never carried over. The copy is made by editing the
package (:mod:`.xmlannotate`: the touched parts rewritten, every other part copied byte for byte);
a package of a shape that editor does not know goes through openpyxl instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname

from cpxl.book.xlsxwrite import BORDER, HEADER_FILL, HEADER_FONT, TITLE_FONT, put, put_formula
from cpxl.core.atomic import write_atomic
from cpxl.core.problems import SEVERITY_ZH, Problem

from .xmlannotate import Note, PackageError, ResultSheet, annotate_package

FILLS = {
    "error": PatternFill("solid", fgColor="FF9999"),
    "warning": PatternFill("solid", fgColor="FFE699"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}
RESULT_SHEET = "校验结果"
COLUMNS = ("级别", "企业", "统一社会信用代码", "文件", "工作表", "单元格", "项目", "填写值", "问题", "修改方法", "规则")
WIDTHS = (8, 28, 22, 30, 16, 8, 18, 16, 50, 44, 24)


def _row(p: Problem, names: dict[str, str]) -> list[Any]:
    return [SEVERITY_ZH.get(p.severity, p.severity), names.get(p.enterprise, ""), p.enterprise, p.file, p.sheet,
            p.cell, p.field, "" if p.value is None else str(p.value), p.message, p.fix, p.rule]


def _problem_sheet(ws, problems: Sequence[Problem], names: dict[str, str], link_cells: bool = False) -> None:
    for j, (h, w) in enumerate(zip(COLUMNS, WIDTHS, strict=True), start=1):
        c = ws.cell(1, j)
        put(c, h)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, BORDER
        ws.column_dimensions[get_column_letter(j)].width = w
    order = {"error": 0, "warning": 1, "info": 2}
    for i, p in enumerate(sorted(problems, key=lambda p: (order.get(p.severity, 3), p.enterprise, p.sheet)), start=2):
        for j, v in enumerate(_row(p, names), start=1):
            c = ws.cell(i, j)
            put(c, v)
            c.alignment = Alignment(wrap_text=j in (9, 10), vertical="top")
        ws.cell(i, 1).fill = FILLS.get(p.severity, FILLS["info"])
        if link_cells and p.sheet and p.cell:
            put_formula(ws.cell(i, 6), f'=HYPERLINK("#{quote_sheetname(p.sheet)}!{p.cell}","{p.cell}")')
            ws.cell(i, 6).font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(2, len(problems) + 1)}"


def write_report(path: Path, problems: Sequence[Problem], submissions: Sequence[dict[str, Any]]) -> Path:
    """The validation report workbook: a summary per enterprise and one row per problem (filterable)."""
    names = {s.get("enterprise_uscc", ""): s.get("enterprise_name", "") for s in submissions}
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "汇总"
    put(summary["A1"], "企业报送校验报告")
    summary["A1"].font = TITLE_FONT
    heads = ("企业", "统一社会信用代码", "文件", "接收时间", "结果", "错误", "警告", "提示", "状态")
    for j, h in enumerate(heads, start=1):
        c = summary.cell(3, j)
        put(c, h)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, BORDER
        summary.column_dimensions[get_column_letter(j)].width = (30, 22, 36, 20, 10, 8, 8, 8, 30)[j - 1]
    outcome_zh = {"accepted": "接受", "rejected": "退回修改", "unreadable": "无法读取", "duplicate": "重复报送"}
    for i, s in enumerate(submissions, start=4):
        vals = (s.get("enterprise_name", ""), s.get("enterprise_uscc", ""), s.get("filename", ""), s.get("received", ""),
                outcome_zh.get(s.get("outcome", ""), s.get("outcome", "")), s.get("errors", 0), s.get("warnings", 0),
                s.get("infos", 0), s.get("status", ""))
        for j, v in enumerate(vals, start=1):
            put(summary.cell(i, j), v)
        summary.cell(i, 5).fill = FILLS["error"] if s.get("outcome") in ("rejected", "unreadable") else PatternFill(
            "solid", fgColor="C6EFCE")
    summary.freeze_panes = "A4"
    summary.auto_filter.ref = f"A3:I{max(4, len(submissions) + 3)}"
    _problem_sheet(wb.create_sheet("问题清单"), problems, names)
    return write_atomic(path, lambda p: wb.save(p))


ORDER = {"error": 0, "warning": 1, "info": 2}


def _note_text(ps: Sequence[Problem]) -> str:
    text = "\n".join(f"【{SEVERITY_ZH.get(p.severity, p.severity)}】{p.message}" + (f"\n修改：{p.fix}" if p.fix else "")
                     for p in ps)
    return text[:2000]


def annotate(src: Path, out: Path, problems: Sequence[Problem], enterprise_name: str = "") -> Path:
    """A copy of ``src`` with problem cells highlighted and commented, and a 校验结果 sheet in front."""
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.sheet and p.cell:
            by_cell[(p.sheet, p.cell)].append(p)
    notes: dict[str, dict[str, Note]] = defaultdict(dict)
    for (sheet, cell), ps in by_cell.items():
        ps = sorted(ps, key=lambda p: ORDER.get(p.severity, 3))
        notes[sheet][cell] = Note(ps[0].severity, _note_text(ps))
    names = {p.enterprise: enterprise_name for p in problems}
    ordered = sorted(problems, key=lambda p: (ORDER.get(p.severity, 3), p.enterprise, p.sheet))
    result = ResultSheet(RESULT_SHEET, COLUMNS, WIDTHS, [[str(v) for v in _row(p, names)] for p in ordered],
                         [p.severity for p in ordered], [(p.sheet, p.cell) for p in ordered], frozenset({9, 10}), 6)
    try:
        return write_atomic(out, lambda tmp: annotate_package(src, tmp, notes, result))
    except PackageError:
        return _annotate_openpyxl(src, out, problems, enterprise_name)


def _annotate_openpyxl(src: Path, out: Path, problems: Sequence[Problem], enterprise_name: str = "") -> Path:
    """The same copy through openpyxl (slow: the whole workbook loaded and written), for unusual packages."""
    wb = openpyxl.load_workbook(src)  # macros are dropped: keep_vba is not set, the copy is a plain .xlsx
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.sheet in wb.sheetnames and p.cell:
            by_cell[(p.sheet, p.cell)].append(p)
    order = {"error": 0, "warning": 1, "info": 2}
    for (sheet, cell), ps in by_cell.items():
        ps.sort(key=lambda p: order.get(p.severity, 3))
        c = wb[sheet][cell]
        if isinstance(c, MergedCell):  # a cell inside a merged range: annotate the range's first cell
            rng = next(r for r in wb[sheet].merged_cells.ranges if c.coordinate in r)
            c = wb[sheet].cell(rng.min_row, rng.min_col)
        c.fill = FILLS.get(ps[0].severity, FILLS["info"])
        text = "\n".join(f"【{SEVERITY_ZH.get(p.severity, p.severity)}】{p.message}" + (f"\n修改：{p.fix}" if p.fix else "")
                         for p in ps)
        c.comment = Comment(text[:2000], "cpxl 校验", width=320, height=160)
    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    protected = wb.security is not None and wb.security.lockStructure
    ws = wb.create_sheet(RESULT_SHEET, 0)
    _problem_sheet(ws, problems, {p.enterprise: enterprise_name for p in problems}, link_cells=True)
    ws.sheet_properties.tabColor = "C00000"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    if protected:
        wb.security.lockStructure = True
    return write_atomic(out, lambda p: wb.save(p))
