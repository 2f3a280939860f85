"""The self-check sheet (自查) of an enterprise template: native Excel formulas, no macros.

Each check is one formula counting the problems of one kind on one sheet, so an enterprise
sees its gaps in Excel or WPS before returning the file. The checks are derived from the
schemas, like everything else; ``cpxl ingest`` runs the full validation on return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from .layout import SheetLayout
from .schema import Field, SheetSchema
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
    kind: str  # required | number | range | list | date | length | year | le | balance


def _rng(sheet: str, a1: str) -> str:
    return f"{quote_sheetname(sheet)}!{a1}"


def _user_fields(s: SheetSchema, prefilled: set[str]) -> list[Field]:
    """Columns an enterprise types into (not locked, not pre-filled keys such as 年份)."""
    return [f for f in s.fields if not f.locked and f.name not in prefilled]


def checks_for(s: SheetSchema, lay: SheetLayout, lists: ListRegistry, years: Sequence[int],
               prefilled: set[str]) -> list[Check]:
    out: list[Check] = []
    sh = s.sheet
    if s.is_form:
        for f in s.fields:
            cell = _rng(sh, lay.cell(f.name))
            out.extend(_cell_checks(sh, f, cell, lay.cell(f.name), lists))
        return out
    started_cols = _user_fields(s, prefilled) or list(s.fields)
    started = "(" + "+".join(f"LEN({_rng(sh, lay.data_range(f.name))})" for f in started_cols) + ">0)"
    for f in s.fields:
        rng = _rng(sh, lay.data_range(f.name))
        top = lay.cell(f.name)
        if f.required:
            out.append(Check(sh, f"已填写的行中“{f.title}”未填", f"=SUMPRODUCT({started}*(LEN({rng})=0))", top, "required"))
        if f.is_number:
            out.append(Check(sh, f"“{f.title}”不是数字（可能带了单位或文字）",
                             f"=SUMPRODUCT((LEN({rng})>0)*NOT(ISNUMBER({rng})))", top, "number"))
            bounds = []
            if f.minimum is not None:
                bounds.append(f"({rng}<{_n(f.minimum)})")
            if f.maximum is not None:
                bounds.append(f"({rng}>{_n(f.maximum)})")
            if bounds:
                out.append(Check(sh, f"“{f.title}”超出范围（{f.constraint_text()}）",
                                 f"=SUMPRODUCT(ISNUMBER({rng})*(({'+'.join(bounds)})>0))", top, "range"))
            if f.le:
                other = _rng(sh, lay.data_range(f.le))
                out.append(Check(sh, f"“{f.title}”大于“{s.field(f.le).title}”",
                                 f"=SUMPRODUCT(ISNUMBER({rng})*ISNUMBER({other})*({rng}>{other}))", top, "le"))
        elif f.is_date:
            out.append(Check(sh, f"“{f.title}”不是日期", f"=SUMPRODUCT((LEN({rng})>0)*NOT(ISNUMBER({rng})))", top, "date"))
        if f.enum:
            out.append(Check(sh, f"“{f.title}”不在下拉列表中",
                             f"=SUMPRODUCT((LEN({rng})>0)*ISNA(MATCH({rng},{lists.ref(f.enum)},0)))", top, "list"))
        if f.max_length and not f.is_date:
            if f.min_length and f.min_length == f.max_length:
                out.append(Check(sh, f"“{f.title}”不是 {f.max_length} 位",
                                 f"=SUMPRODUCT((LEN({rng})>0)*(LEN({rng})<>{f.max_length}))", top, "length"))
            elif f.max_length < 1000:
                out.append(Check(sh, f"“{f.title}”超过 {f.max_length} 个字",
                                 f"=SUMPRODUCT((LEN({rng})>{f.max_length})*1)", top, "length"))
    if s.per_year and "year" in s.names:
        yr = _rng(sh, lay.data_range("year"))
        for name in s.required_years:
            col = _rng(sh, lay.data_range(name))
            for y in years:
                out.append(Check(sh, f"{y} 年未填写“{s.field(name).title}”",
                                 f"=IF(SUMPRODUCT(({yr}={y})*ISNUMBER({col}))=0,1,0)", lay.cell("year"), "year"))
    if "discharge_le_generation" in s.rules:
        g, d = _rng(sh, lay.data_range("generated")), _rng(sh, lay.data_range("discharged"))
        out.append(Check(sh, "排放量大于产生量", f"=SUMPRODUCT(ISNUMBER({g})*ISNUMBER({d})*({d}>{g}))",
                         lay.cell("discharged"), "le"))
    if "solid_waste_balance" in s.rules:
        g = _rng(sh, lay.data_range("generated"))
        parts = "+".join(f"IF(ISNUMBER({_rng(sh, lay.data_range(n))}),{_rng(sh, lay.data_range(n))},0)"
                         for n in ("utilized", "disposed", "stored"))
        out.append(Check(sh, "综合利用+处置+贮存与产生量相差超过5%",
                         f"=SUMPRODUCT(ISNUMBER({g})*(ABS({parts}-IF(ISNUMBER({g}),{g},0))>0.05*IF(ISNUMBER({g}),{g},0)+0.01))",
                         lay.cell("generated"), "balance"))
    return out


def _cell_checks(sh: str, f: Field, cell: str, a1: str, lists: ListRegistry) -> list[Check]:
    out = []
    if f.required:
        out.append(Check(sh, f"“{f.title}”未填", f"=IF(LEN({cell})=0,1,0)", a1, "required"))
    if f.is_number:
        out.append(Check(sh, f"“{f.title}”不是数字", f"=IF(AND(LEN({cell})>0,NOT(ISNUMBER({cell}))),1,0)", a1, "number"))
        conds = []
        if f.minimum is not None:
            conds.append(f"{cell}<{_n(f.minimum)}")
        if f.maximum is not None:
            conds.append(f"{cell}>{_n(f.maximum)}")
        if conds:
            out.append(Check(sh, f"“{f.title}”超出范围（{f.constraint_text()}）",
                             f"=IF(ISNUMBER({cell}),IF(OR({','.join(conds)}),1,0),0)", a1, "range"))
    elif f.is_date:
        out.append(Check(sh, f"“{f.title}”不是日期", f"=IF(AND(LEN({cell})>0,NOT(ISNUMBER({cell}))),1,0)", a1, "date"))
    if f.enum:
        out.append(Check(sh, f"“{f.title}”不在下拉列表中",
                         f"=IF(LEN({cell})=0,0,IF(ISNA(MATCH({cell},{lists.ref(f.enum)},0)),1,0))", a1, "list"))
    if f.max_length and f.min_length and f.min_length == f.max_length:
        out.append(Check(sh, f"“{f.title}”不是 {f.max_length} 位",
                         f"=IF(AND(LEN({cell})>0,LEN({cell})<>{f.max_length}),1,0)", a1, "length"))
    return out


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


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
