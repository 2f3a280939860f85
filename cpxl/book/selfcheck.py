"""The self-check sheet (自查) of an enterprise template: native Excel formulas, no macros.

Each check is one formula counting the problems of one kind on one sheet, so an enterprise
sees its gaps in Excel or WPS before returning the file. The checks are the rules of
:mod:`cpxl.book.rules`, the same ones ``cpxl ingest`` counts on return (plus what no formula can express).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from .layout import SheetLayout
from .rules import sheet_rules
from .schema import SheetSchema
from .xlsxwrite import (
    BODY_FONT,
    BORDER,
    DESC_FONT,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    ListRegistry,
    put,
    put_formula,
)

SELF_CHECK_SHEET = "自查"
FIRST_CHECK_ROW = 6


@dataclass(frozen=True)
class Check:
    sheet: str
    item: str  # what is checked, in Chinese
    formula: str  # evaluates to the number of problems found
    anchor: str  # cell to jump to
    kind: str  # the rule kind of cpxl.book.rules (required, number, range, list, date, length, year, le, …)


def checks_for(s: SheetSchema, lay: SheetLayout, lists: ListRegistry, years: Sequence[int]) -> list[Check]:
    """The self-check rows of one sheet: one per rule of :func:`cpxl.book.rules.sheet_rules`."""
    out = []
    for r in sheet_rules(s, years):
        if r.field is None or r.kind in ("year", "pack_row"):
            anchor = lay.cell("year") if "year" in s.names else "A1"
        else:
            anchor = lay.cell(r.field.name)
        out.append(Check(s.sheet, r.item, r.formula(lay, lists, years), anchor, r.kind))
    return out


def write_self_check(ws: Worksheet, checks: list[Check]) -> None:
    """Fill the self-check sheet: a summary line, then one row per check with its count and a link."""
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 52
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 10
    ws.column_dimensions["F"].width = 8
    put(ws["A1"], "填报自查")
    ws["A1"].font = TITLE_FONT
    put(ws["A2"], "本页由公式自动统计各工作表中尚未填写或不符合要求的内容（无需宏）。问题数全部为 0 后再报送。"
                  "点击“前往”可跳到对应位置。")
    ws["A2"].font = DESC_FONT
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A2:F2")
    ws.row_dimensions[2].height = 30
    last = FIRST_CHECK_ROW + len(checks) - 1
    put(ws["A3"], "问题总数")
    ws["A3"].font = HEADER_FONT
    ws.merge_cells("A3:B3")
    put_formula(ws["C3"], f"=SUM(D{FIRST_CHECK_ROW}:D{last})")
    ws["C3"].font = Font(name=BODY_FONT.name, size=14, bold=True)
    ws["C3"].alignment = Alignment(horizontal="left")
    put_formula(ws["C4"], '=IF(C3=0,"✓ 未发现问题，可以报送","✗ 还有 "&C3&" 处需要处理")')
    ws["C4"].font = Font(name=BODY_FONT.name, size=12, bold=True)
    for j, h in enumerate(("序号", "工作表", "检查项", "问题数", "状态", ""), start=1):
        c = ws.cell(FIRST_CHECK_ROW - 1, j)
        put(c, h)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.border = BORDER
    for i, chk in enumerate(checks):
        r = FIRST_CHECK_ROW + i
        put(ws.cell(r, 1), i + 1)
        put(ws.cell(r, 2), chk.sheet)
        put(ws.cell(r, 3), chk.item)
        put_formula(ws.cell(r, 4), chk.formula)
        put_formula(ws.cell(r, 5), f'=IF(D{r}>0,"需处理","通过")')
        put_formula(ws.cell(r, 6), f'=HYPERLINK("#{quote_sheetname(chk.sheet)}!{chk.anchor}","前往")')
        ws.cell(r, 6).font = Font(name=BODY_FONT.name, color="0563C1", underline="single")
        for j in range(1, 7):
            ws.cell(r, j).border = BORDER
    red = PatternFill("solid", fgColor="FFC7CE")
    green = PatternFill("solid", fgColor="C6EFCE")
    ws.conditional_formatting.add(f"D{FIRST_CHECK_ROW}:E{last}",
                                  FormulaRule(formula=[f"$D{FIRST_CHECK_ROW}>0"], fill=red))
    ws.conditional_formatting.add(f"D{FIRST_CHECK_ROW}:E{last}",
                                  FormulaRule(formula=[f"$D{FIRST_CHECK_ROW}=0"], fill=green))
    ws.conditional_formatting.add("C4", FormulaRule(formula=["$C$3>0"], fill=red))
    ws.conditional_formatting.add("C4", FormulaRule(formula=["$C$3=0"], fill=green))
    ws.freeze_panes = ws.cell(FIRST_CHECK_ROW, 1)
