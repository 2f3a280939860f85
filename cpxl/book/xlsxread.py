"""Read schema-shaped sheets back from .xlsx files (values only, fast: python-calamine).

Returns raw cell values with their positions; ``normalize`` and ``validate`` judge them. The master
workbook is read by its header names (table sheets: the header row; form sheets: the 项目 labels), never
by position: a column that was moved is found, a required one that is missing is refused with the cell
where its header should be (:class:`MasterLayoutError`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from cpxl.core.errors import AuditError
from cpxl.core.problems import Problem

from .layout import FIRST_DATA_ROW, FORM_LABEL_COL, FORM_VALUE_COL, HEADER_ROW, SheetLayout, layout_for
from .normalize import clean_text, coerce
from .schema import SheetSchema


@dataclass
class RawRow:
    """One record as found on a sheet: raw values keyed by field name, and their A1 cells."""

    row: int  # Excel row number (form: the first field's row)
    values: dict[str, Any]
    cells: dict[str, str]


@dataclass
class ReadRow:
    """One record after normalisation: typed values plus the problems found on the way.

    ``raw`` holds the cells that had content as read, ``filled`` their fields, ``texts`` the number and date
    cells that held text (what Excel's ISNUMBER does not count as a number) — the self-check rules need them.
    """

    row: int
    values: dict[str, Any]
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def filled(self) -> set[str]:
        return set(self.raw)


def open_workbook(path: Path) -> CalamineWorkbook:
    return CalamineWorkbook.from_path(str(path))


def grid(wb: CalamineWorkbook, sheet: str) -> list[list[Any]]:
    """All cell values of a sheet from A1 (empty cells are ``""``), rows aligned with Excel rows."""
    return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _at(rows: list[list[Any]], r: int, c: int) -> Any:
    """Value at 1-based Excel row ``r`` and column ``c``."""
    if r - 1 < len(rows):
        line = rows[r - 1]
        if c - 1 < len(line):
            return line[c - 1]
    return ""


class MasterLayoutError(AuditError):
    """A master sheet lacks a column (or form row) cpxl needs; the message names the sheet and cell."""


def label(v: Any) -> str:
    """A header or 项目 text without the required-field mark."""
    return str(v).replace(" *", "").replace("*", "").strip() if v is not None else ""


def _wanted(schema: SheetSchema) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in schema.fields:
        out.setdefault(f.header, f.name)
        out.setdefault(f.title, f.name)
    return out


def locate(rows: list[list[Any]], schema: SheetSchema, file: str = "审核总表", strict: bool = False) -> dict[str, int]:
    """Where each field of a master sheet is, by its header text: column (table) or row (form), 1-based.

    A required field (every field when ``strict``) that is not found raises :class:`MasterLayoutError`
    naming the cell where its header belongs; other fields not found are left out (read as empty).
    """
    wanted = _wanted(schema)
    found: dict[str, int] = {}
    if schema.is_form:
        for r in range(FIRST_DATA_ROW, min(len(rows), FIRST_DATA_ROW + 4 * len(schema.fields) + 40) + 1):
            name = wanted.get(label(_at(rows, r, FORM_LABEL_COL)))
            if name and name not in found:
                found[name] = r
    else:
        line = rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else []
        for j, v in enumerate(line, start=1):
            name = wanted.get(label(v))
            if name and name not in found:
                found[name] = j
    lay = layout_for(schema)
    missing = [f for f in schema.fields if f.name not in found and (strict or f.required)]
    if missing:
        if schema.is_form:
            where = "、".join(f"“{f.title}”（原在 A{lay.form_row(f.name)}）" for f in missing)
            raise MasterLayoutError(
                f"{file} 的工作表“{schema.sheet}”A 列找不到项目 {where}：该行可能被删除或项目名称被改动。"
                "请恢复该行及项目名称后重试（可用 cpxl init 新建一份审核总表对照）")
        where = "、".join(f"“{f.header}”（原在 {lay.column(f.name)}{HEADER_ROW}）" for f in missing)
        raise MasterLayoutError(
            f"{file} 的工作表“{schema.sheet}”第 {HEADER_ROW} 行找不到表头 {where}：该列可能被删除或表头文字被改动。"
            "请恢复该列及表头文字后重试（可用 cpxl init 新建一份审核总表对照）")
    return found


def raw_rows(rows: list[list[Any]], schema: SheetSchema, lay: SheetLayout | None = None,
             where: dict[str, int] | None = None) -> list[RawRow]:
    """Records of a sheet; blank table rows are skipped.

    ``where`` (from :func:`locate`) gives each field's column (table) or row (form); without it the
    fields are where cpxl's layout puts them.
    """
    lay = lay or layout_for(schema)
    if schema.is_form:
        at = where if where is not None else {f.name: lay.form_row(f.name) for f in schema.fields}
        values = {f.name: _at(rows, at[f.name], FORM_VALUE_COL) if f.name in at else "" for f in schema.fields}
        cells = {f.name: f"{get_column_letter(FORM_VALUE_COL)}{at[f.name]}" if f.name in at else ""
                 for f in schema.fields}
        return [RawRow(FIRST_DATA_ROW, values, cells)]
    cols = where if where is not None else {f.name: j for j, f in enumerate(schema.fields, start=1)}
    letters = {n: get_column_letter(c) for n, c in cols.items()}
    out: list[RawRow] = []
    for r in range(FIRST_DATA_ROW, len(rows) + 1):
        values = {f.name: _at(rows, r, cols[f.name]) if f.name in cols else "" for f in schema.fields}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        cells = {f.name: f"{letters[f.name]}{r}" if f.name in letters else "" for f in schema.fields}
        out.append(RawRow(r, values, cells))
    return out


def master_rows(wb: CalamineWorkbook, schema: SheetSchema, file: str = "审核总表") -> list[RawRow]:
    """Records of one master sheet, read by header names (a missing required column is refused)."""
    rows = grid(wb, schema.sheet)
    return raw_rows(rows, schema, where=locate(rows, schema, file))


def headers(rows: list[list[Any]], schema: SheetSchema) -> list[str]:
    if schema.is_form:
        return [str(_at(rows, FIRST_DATA_ROW + i, 1)) for i in range(len(schema.fields))]
    return [str(_at(rows, HEADER_ROW, j)) for j in range(1, len(schema.fields) + 1)]


def normalise(raw: RawRow, schema: SheetSchema, sheet: str = "", file: str = "") -> ReadRow:
    """Coerce every value of a record; problems carry the sheet and cell."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    content: dict[str, Any] = {}
    texts: dict[str, str] = {}
    got = raw.values.get
    for f in schema.fields:
        v = got(f.name)
        if v is None or v == "":
            continue  # an empty cell (what coerce would conclude, without the call)
        content[f.name] = v
        if type(v) is float and math.isfinite(v):  # a number in a number cell: nothing to normalise
            if f.type == "number":
                values[f.name] = v
                continue
            if f.type == "integer" and v.is_integer():
                values[f.name] = int(v)
                continue
        elif type(v) is str and f.type == "string" and not (f.enum or f.rule or f.is_date):
            text = clean_text(v)  # plain text: what coerce would do to it, without the detour
            if text:
                values[f.name] = text
            continue
        if isinstance(v, str) and (f.is_number or f.is_date):
            texts[f.name] = v
        c = coerce(f, v)
        if c.value is not None:
            values[f.name] = c.value
        for p in c.problems:
            p.sheet, p.cell, p.file = sheet or schema.sheet, raw.cells[f.name], file
            problems.append(p)
    return ReadRow(raw.row, values, raw.cells, problems, content, texts)


def read_records(path: Path, schema: SheetSchema) -> list[dict[str, Any]]:
    """Typed records of one schema sheet of the master workbook (values that fail coercion are dropped)."""
    wb = open_workbook(path)
    if schema.sheet not in wb.sheet_names:
        return []
    return [normalise(r, schema).values for r in master_rows(wb, schema, Path(path).name)]


def read_form(path: Path, schema: SheetSchema) -> tuple[dict[str, Any], list[Problem]]:
    """The one record of a form sheet of the master, with the problems of its values (cells named)."""
    wb = open_workbook(path)
    if schema.sheet not in wb.sheet_names:
        return {}, []
    rows = master_rows(wb, schema, Path(path).name)
    got = normalise(rows[0], schema, file=Path(path).name) if rows else None
    return (got.values, got.problems) if got else ({}, [])


def read_master_data(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every schema sheet of a master workbook as typed records, keyed by schema key.

    Keys: the master schemas (``team``, ``work_plan``, ``enterprises``, ``diagnosis``…) and the
    consolidated enterprise data (``all_ent_energy``, ``all_ent_wastegas``…). Sheets that are
    missing give an empty list.
    """
    from .schema import consolidated_schemas, for_workbook

    wb = open_workbook(path)
    names = set(wb.sheet_names)
    out: dict[str, list[dict[str, Any]]] = {}
    for s in [*for_workbook("master"), *consolidated_schemas()]:
        if s.sheet not in names:
            out[s.key] = []
            continue
        out[s.key] = [normalise(r, s).values for r in master_rows(wb, s, Path(path).name)]
    return out
