"""Render sheet schemas into openpyxl worksheets: headers, styles, data validation, protection.

Used for the master workbook and for the enterprise templates. Values that come from
people (names, free text) are always written as text, never as formulas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .layout import (
    DESC_ROW,
    FIRST_DATA_ROW,
    FORM_HELP_COL,
    FORM_LABEL_COL,
    FORM_UNIT_COL,
    FORM_VALUE_COL,
    HEADER_ROW,
    TITLE_ROW,
    SheetLayout,
    layout_for,
)
from .schema import Field, SheetSchema

LISTS_SHEET = "_lists"
FONT = "等线"
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
TITLE_FONT = Font(name=FONT, size=14, bold=True)
DESC_FONT = Font(name=FONT, size=10, italic=True, color="595959")
HEADER_FONT = Font(name=FONT, size=11, bold=True)
REQUIRED_FONT = Font(name=FONT, size=11, bold=True, color="C00000")
BODY_FONT = Font(name=FONT, size=11)
DATE_MIN = dt.date(1990, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
FORMULA_START = ("=", "+", "-", "@")


def put(cell: Cell, value: Any) -> None:
    """Write ``value`` into ``cell``; a string is always stored as text, never as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True


def cell_value(f: Field, value: Any) -> Any:
    """The Excel value for a field: ISO date strings become real dates, the rest is unchanged."""
    if f.is_date and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def put_formula(cell: Cell, formula: str) -> None:
    """Write a formula that cpxl itself composed (never one taken from user data)."""
    assert formula.startswith("=")
    cell.value = formula


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ListRegistry:
    """A hidden sheet holding every drop-down list once; validation and formulas point at it."""

    def __init__(self, wb: Workbook):
        if LISTS_SHEET in wb.sheetnames:  # an existing workbook: reuse its lists
            self.ws = wb[LISTS_SHEET]
        else:
            self.ws = wb.create_sheet(LISTS_SHEET)
            self.ws.sheet_state = "hidden"
        self.columns: dict[tuple[str, ...], str] = {}
        self._used = 0
        for col in self.ws.iter_cols(min_row=1):
            values = tuple(c.value for c in col if c.value is not None)
            if values:
                self._used = col[0].column
                self.columns.setdefault(values, self._absolute(col[0].column_letter, len(values)))

    @staticmethod
    def _absolute(letter: str, n: int) -> str:
        return f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${n}"

    def ref(self, values: tuple[str, ...]) -> str:
        """Absolute reference (with sheet) of the range holding ``values``."""
        if values not in self.columns:
            self._used += 1
            col = get_column_letter(self._used)
            for i, v in enumerate(values, start=1):
                put(self.ws[f"{col}{i}"], v)
            self.columns[values] = self._absolute(col, len(values))
        return self.columns[values]


def validation_for(f: Field, lists: ListRegistry) -> DataValidation:
    """The Excel data validation that mirrors a field's schema constraints."""
    kw: dict[str, Any] = {"allow_blank": True}
    if f.enum:
        dv = DataValidation(type="list", formula1=lists.ref(f.enum), **kw)
    elif f.is_number:
        vtype = "whole" if f.type == "integer" else "decimal"
        lo, hi = f.minimum, f.maximum
        if lo is not None and hi is not None:
            dv = DataValidation(type=vtype, operator="between", formula1=_n(lo), formula2=_n(hi), **kw)
        elif lo is not None:
            dv = DataValidation(type=vtype, operator="greaterThanOrEqual", formula1=_n(lo), **kw)
        elif hi is not None:
            dv = DataValidation(type=vtype, operator="lessThanOrEqual", formula1=_n(hi), **kw)
        else:
            dv = DataValidation(type=vtype, operator="between", formula1="-1E+15", formula2="1E+15", **kw)
    elif f.is_date:
        dv = DataValidation(type="date", operator="between", formula1=_serial(DATE_MIN),
                            formula2=_serial(DATE_MAX), **kw)
    elif f.max_length:
        if f.min_length and f.min_length == f.max_length:
            dv = DataValidation(type="textLength", operator="equal", formula1=str(f.max_length), **kw)
        else:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(f.max_length), **kw)
    else:
        dv = DataValidation(**kw)
    dv.showInputMessage = True
    dv.promptTitle = _truncate(f.title, 32)
    prompt = "；".join(p for p in (f.help, f.constraint_text()) if p) or f.title
    dv.prompt = _truncate(prompt, 255)
    if dv.type:
        dv.showErrorMessage = True
        dv.errorStyle = "stop"
        dv.errorTitle = _truncate(f"{f.title}：输入无效", 32)
        dv.error = _truncate(f"请{f.constraint_text() or '按要求填写'}。", 255)
    return dv


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _serial(d: dt.date) -> str:
    return str((d - dt.date(1899, 12, 30)).days)


def _number_format(f: Field) -> str | None:
    if f.is_date:
        return "yyyy-mm-dd"
    if f.type == "integer":
        return "0"
    if f.is_number:
        return "General"
    return "@"  # text: keeps leading zeros of codes, shows what was typed


def _title_rows(ws: Worksheet, schema: SheetSchema, ncols: int) -> None:
    put(ws.cell(TITLE_ROW, 1), schema.title + (f"（{schema.clause}）" if schema.clause else ""))
    ws.cell(TITLE_ROW, 1).font = TITLE_FONT
    put(ws.cell(DESC_ROW, 1), schema.description)
    ws.cell(DESC_ROW, 1).font = DESC_FONT
    ws.cell(DESC_ROW, 1).alignment = Alignment(wrap_text=True, vertical="top")
    if ncols > 1:
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
        ws.merge_cells(start_row=DESC_ROW, start_column=1, end_row=DESC_ROW, end_column=ncols)
    ws.row_dimensions[TITLE_ROW].height = 24
    ws.row_dimensions[DESC_ROW].height = 32


def _header_cell(cell: Cell, text: str, required: bool) -> None:
    put(cell, text + (" *" if required else ""))
    cell.font = REQUIRED_FONT if required else HEADER_FONT
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_sheet(
    wb: Workbook,
    schema: SheetSchema,
    lists: ListRegistry,
    rows: Iterable[Mapping[str, Any]] = (),
    n_rows: int | None = None,
    protect: bool = False,
    locked_fields: Iterable[str] = (),
) -> tuple[Worksheet, SheetLayout]:
    """Add a sheet for ``schema``; fill ``rows`` (table) or the first row (form); return it with its layout."""
    rows = list(rows)
    if schema.is_form:
        lay = layout_for(schema)
    else:
        lay = layout_for(schema, max(n_rows or schema.min_rows, len(rows) + 20))
    ws = wb.create_sheet(schema.sheet)
    ws.sheet_properties.tabColor = "2F75B5" if schema.workbook == "master" else "548235"
    locked = set(locked_fields) | {f.name for f in schema.fields if f.locked}
    if schema.is_form:
        _write_form(ws, schema, lay, lists, rows[0] if rows else {}, locked)
    else:
        _write_table(ws, schema, lay, lists, rows, locked)
    if protect:
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # allowed: widen columns
        ws.protection.formatRows = False  # allowed: taller rows for long text
        ws.protection.autoFilter = False  # allowed: use the filter
        ws.protection.sort = True
    return ws, lay


def _write_table(ws: Worksheet, schema: SheetSchema, lay: SheetLayout, lists: ListRegistry,
                 rows: list[Mapping[str, Any]], locked: set[str]) -> None:
    ncols = len(schema.fields)
    _title_rows(ws, schema, ncols)
    for j, f in enumerate(schema.fields, start=1):
        cell = ws.cell(HEADER_ROW, j)
        _header_cell(cell, f.header, f.required)
        hint = "；".join(p for p in (f.help, f.constraint_text()) if p)
        if hint:
            cell.comment = Comment(hint, "cpxl", width=300, height=120)
        ws.column_dimensions[get_column_letter(j)].width = f.display_width()
        dv = validation_for(f, lists)
        dv.add(lay.data_range(f.name))
        ws.add_data_validation(dv)
        fmt = _number_format(f)
        proto = ws.cell(lay.first_row, j)
        proto.border = BORDER
        proto.font = BODY_FONT
        if fmt:
            proto.number_format = fmt
        if f.name in locked:
            proto.fill = LOCKED_FILL
        else:
            proto.protection = Protection(locked=False)
        # the same style on every data cell of the column: copy the style index array instead of
        # re-registering four style objects per cell (openpyxl hashes each one; ~10x slower)
        for r in range(lay.first_row + 1, lay.last_row + 1):
            ws.cell(r, j)._style = copy(proto._style)
    for i, row in enumerate(rows):
        for j, f in enumerate(schema.fields, start=1):
            v = row.get(f.name)
            if v is not None and v != "":
                put(ws.cell(lay.first_row + i, j), cell_value(f, v))
    ws.row_dimensions[HEADER_ROW].height = 36
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(ncols)}{lay.last_row}"


def _write_form(ws: Worksheet, schema: SheetSchema, lay: SheetLayout, lists: ListRegistry,
                values: Mapping[str, Any], locked: set[str]) -> None:
    _title_rows(ws, schema, 4)
    for j, text in enumerate(("项目", "填报内容", "单位", "填报说明"), start=1):
        _header_cell(ws.cell(HEADER_ROW, j), text, False)
    widths = {FORM_LABEL_COL: 30, FORM_VALUE_COL: 44, FORM_UNIT_COL: 10, FORM_HELP_COL: 60}
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w
    for f in schema.fields:
        r = lay.form_row(f.name)
        label = ws.cell(r, FORM_LABEL_COL)
        put(label, f.title + (" *" if f.required else ""))
        label.font = REQUIRED_FONT if f.required else HEADER_FONT
        label.border = BORDER
        label.alignment = Alignment(vertical="center", wrap_text=True)
        value = ws.cell(r, FORM_VALUE_COL)
        value.border = BORDER
        value.font = BODY_FONT
        value.alignment = Alignment(vertical="center", wrap_text=True)
        fmt = _number_format(f)
        if fmt:
            value.number_format = fmt
        if f.name in locked:
            value.fill = LOCKED_FILL
        else:
            value.protection = Protection(locked=False)
        v = values.get(f.name)
        if v is not None and v != "":
            put(value, cell_value(f, v))
        put(ws.cell(r, FORM_UNIT_COL), f.unit)
        ws.cell(r, FORM_UNIT_COL).border = BORDER
        helptext = "；".join(p for p in (f.help, f.constraint_text()) if p)
        put(ws.cell(r, FORM_HELP_COL), helptext)
        ws.cell(r, FORM_HELP_COL).font = DESC_FONT
        ws.cell(r, FORM_HELP_COL).alignment = Alignment(wrap_text=True, vertical="center")
        ws.cell(r, FORM_HELP_COL).border = BORDER
        dv = validation_for(f, lists)
        dv.add(value.coordinate)
        ws.add_data_validation(dv)
        if len(helptext) > 40 or (f.max_length or 0) > 200:
            ws.row_dimensions[r].height = 15 * min(5, 1 + len(helptext) // 40)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
