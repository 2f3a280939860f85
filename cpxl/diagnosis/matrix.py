"""The 诊断矩阵 sheet: enterprises × indicators, each cell coloured by the level it reaches."""

from __future__ import annotations

from typing import Any

from cpxl.book import schema

from .model import (
    _ACHIEVED_KEY,
    _MATRIX_LABEL,
    EXCEED_PENDING,
    INCOMPLETE,
    LEVEL_FILLS,
    MATRIX_SHEET,
    DiagnosisResult,
    _num,
    _pct100,
    _r,
)

# --------------------------------------------------------------------------- the matrix sheet


def build_matrix(wb: Any, result: DiagnosisResult) -> None:
    """(Re)build the 诊断矩阵 sheet: enterprises × indicators, each cell coloured by the level it reaches."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from cpxl.book.xlsxwrite import BODY_FONT, BORDER, HEADER_FILL, TITLE_FONT, put

    if MATRIX_SHEET in wb.sheetnames:
        wb.remove(wb[MATRIX_SHEET])
    after = schema.load("diagnosis").sheet
    index = wb.sheetnames.index(after) + 1 if after in wb.sheetnames else len(wb.sheetnames)
    ws = wb.create_sheet(MATRIX_SHEET, index)
    ws.sheet_properties.tabColor = "2F75B5"
    fills = {k: PatternFill("solid", fgColor=v) for k, v in LEVEL_FILLS.items()}
    bold = Font(name=BODY_FONT.name, bold=True)
    small = Font(name=BODY_FONT.name, size=9, color="595959")
    fixed = ("序号", "企业名称", "统一社会信用代码", "清洁生产水平", "Y_I", "Y_II", "Y_III")
    first_ind = len(fixed) + 1
    first_row = 6
    system = result.system
    inds = list(system.indicators())

    put(ws.cell(1, 1), f"清洁生产水平诊断矩阵（{result.year} 年，{system.name}）")
    ws.cell(1, 1).font = TITLE_FONT
    put(ws.cell(2, 1), "图例：")
    ws.cell(2, 1).font = bold
    legend = (("I", "Ⅰ级"), ("II", "Ⅱ级"), ("III", "Ⅲ级"), ("below", "未达Ⅲ级"), ("missing", "缺失"),
              ("not_applicable", "不适用/无基准值"))
    for j, (k, label) in enumerate(legend, start=2):
        c = ws.cell(2, j)
        put(c, label)
        c.fill, c.border, c.alignment = fills[k], BORDER, Alignment(horizontal="center")
    put(ws.cell(2, len(legend) + 2), "定量指标显示数值，定性指标显示自评/核定等级；表头带 * 的为限定性指标。")
    ws.cell(2, len(legend) + 2).font = small

    col = first_ind
    for cat in system.categories:
        start = col
        col += len(cat.indicators)
        if not cat.indicators:
            continue
        c = ws.cell(3, start)
        put(c, cat.name + ("（加分项）" if cat.bonus else ""))
        c.font, c.fill, c.alignment = bold, HEADER_FILL, Alignment(horizontal="center")
        if col - 1 > start:
            ws.merge_cells(start_row=3, start_column=start, end_row=3, end_column=col - 1)
    for j, h in enumerate(fixed, start=1):
        c = ws.cell(4, j)
        put(c, h)
        c.font, c.fill, c.border = bold, HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    put(ws.cell(5, 1), "指标编号")
    ws.cell(5, 1).font = small
    for j, ind in enumerate(inds, start=first_ind):
        c = ws.cell(4, j)
        put(c, ind.name + (" *" if ind.limiting else "") + (f"（{ind.unit}）" if ind.unit else ""))
        c.font, c.fill, c.border = bold, HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        put(ws.cell(5, j), ind.id)
        ws.cell(5, j).font = small
        ws.column_dimensions[get_column_letter(j)].width = 13
    ws.row_dimensions[4].height = 75
    for letter, width in zip("ABCDEFG", (6, 30, 22, 12, 8, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width

    level_fill = {"I级": "I", "II级": "II", "III级": "III", "不达标": "below", INCOMPLETE: "missing",
                  EXCEED_PENDING: "exceed_pending"}
    r = first_row
    for n, d in enumerate(result.enterprises, start=1):
        s = d.score
        results = {x.id: x for x in s.indicators}
        row_values = (n, d.name, d.uscc, d.level_label, round(s.y["I"], 2), round(s.y["II"], 2), round(s.y["III"], 2))
        for j, v in enumerate(row_values, start=1):
            c = ws.cell(r, j)
            put(c, v)
            c.border, c.font = BORDER, BODY_FONT
        ws.cell(r, 4).fill = fills[level_fill[d.level_label]]
        for j, ind in enumerate(inds, start=first_ind):
            x = results[ind.id]
            c = ws.cell(r, j)
            c.border, c.font = BORDER, BODY_FONT
            c.alignment = Alignment(horizontal="center")
            if x.status == "scored":
                key = _ACHIEVED_KEY[x.achieved]  # type: ignore[index]
                put(c, _MATRIX_LABEL[x.achieved] if ind.qualitative else round(float(x.value), 4))
            elif x.status == "not_applicable":
                key = "not_applicable"
                put(c, "不适用")
            elif x.status == "no_benchmark":
                key = "not_applicable"
                put(c, round(float(x.value), 4) if _num(x.value) is not None else "—")
            else:
                key = "missing"
                put(c, "缺失")
                reason = d.values[ind.id].reason
                if reason:
                    c.comment = Comment(reason[:500], "cpxl", width=300, height=100)
            c.fill = fills[key]
        r += 1

    r += 1
    stats = {s.indicator_id: s for s in result.indicator_stats}
    footer = (("达到Ⅱ级及以上占比（%）", lambda s: _pct100(s.share_at_least["II"])),
              ("行业中位数", lambda s: _r(s.median, 4)),
              ("行业先进值（前 25%）", lambda s: _r(s.advanced, 4)),
              ("行业最优值", lambda s: _r(s.best, 4)))
    for label, fn in footer:
        put(ws.cell(r, 2), label)
        ws.cell(r, 2).font = bold
        for j, ind in enumerate(inds, start=first_ind):
            v = fn(stats[ind.id])
            if v is not None:
                put(ws.cell(r, j), v)
                ws.cell(r, j).alignment = Alignment(horizontal="center")
        r += 1
    ws.freeze_panes = ws.cell(first_row, first_ind)
