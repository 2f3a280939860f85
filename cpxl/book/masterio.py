"""Write results into the master workbook (审核总表) — atomically, sheet by sheet.

Steps that produce data (ingest, diagnose, plan) call :func:`update_master` with the rows of the
schema sheets they own; the sheet's data rows are replaced, its headers, validation and styles
kept. Each field goes under its own header wherever the column is (a master is read and written by
header names, never by position). A sheet that lacks a column for data to be written, or holds data
in a column cpxl does not know (which a rewrite would lose), is refused with the sheet and cell. A crash
mid-write leaves the previous master intact (temporary file + ``os.replace``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter

from cpxl.core.atomic import write_atomic

from . import schema
from .layout import FIRST_DATA_ROW, FORM_VALUE_COL, HEADER_ROW
from .masterlight import original_rows, write_light
from .schema import SheetSchema
from .xlsxread import MasterLayoutError, grid, label, locate, open_workbook
from .xlsxwrite import BODY_FONT, BORDER, ListRegistry, cell_value, put, validation_for, write_sheet
from .xmlsheet import MissingColumn, Rows, replace_tables, sheet_parts


def _all_schemas() -> dict[str, SheetSchema]:
    out = {s.key: s for s in schema.for_workbook("master")}
    out.update({s.key: s for s in schema.consolidated_schemas()})
    return out


def _replace_rows(wb: Workbook, s: SheetSchema, rows: Sequence[Mapping[str, Any]]) -> None:
    if s.sheet not in wb.sheetnames:
        # a master made by an older cpxl: add the sheet
        lists = ListRegistry(wb)
        write_sheet(wb, s, lists, rows)
        return
    ws = wb[s.sheet]
    if s.is_form:
        at = locate([[c.value for c in r] for r in ws.iter_rows(max_col=FORM_VALUE_COL)], s)
        row = rows[0] if rows else {}
        for f in s.fields:
            if f.name in at:
                put(ws.cell(at[f.name], FORM_VALUE_COL),
                    cell_value(f, row.get(f.name)) if row.get(f.name) not in ("",) else None)
        return
    ncols = len(s.fields)
    old_last = ws.max_row
    for r in range(FIRST_DATA_ROW, old_last + 1):
        for j in range(1, ncols + 1):
            ws.cell(r, j).value = None
    for i, row in enumerate(rows):
        for j, f in enumerate(s.fields, start=1):
            v = row.get(f.name)
            c = ws.cell(FIRST_DATA_ROW + i, j)
            if v is not None and v != "":
                put(c, cell_value(f, v))
    last = max(FIRST_DATA_ROW + len(rows) - 1 + 20, old_last)
    if last > old_last:  # extend styles and validation to the new rows
        ws.data_validations.dataValidation = []
        lists = ListRegistry(wb)
        for j, f in enumerate(s.fields, start=1):
            col = get_column_letter(j)
            dv = validation_for(f, lists)
            dv.add(f"{col}{FIRST_DATA_ROW}:{col}{last}")
            ws.add_data_validation(dv)
            for r in range(old_last + 1, last + 1):
                c = ws.cell(r, j)
                c.border = BORDER
                c.font = BODY_FONT
                c.protection = Protection(locked=False)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(ncols)}{last}"


def _columns(book: Path, sheets: Mapping[str, SheetSchema], file: str) -> dict[str, dict[str, int]]:
    """Field → column of each table sheet to be rewritten, by header; refuse what a rewrite would lose."""
    wb = open_workbook(book)
    out: dict[str, dict[str, int]] = {}
    for key, s in sheets.items():
        rows = grid(wb, s.sheet)
        where = locate(rows, s, file)
        known = set(where.values())
        header = rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else []
        for j, v in enumerate(header, start=1):
            if j in known or not label(v):
                continue
            filled = [r for r in range(FIRST_DATA_ROW, len(rows) + 1)
                      if j - 1 < len(rows[r - 1]) and rows[r - 1][j - 1] not in (None, "")]
            if filled:
                col = get_column_letter(j)
                raise MasterLayoutError(
                    f"{file} 的工作表“{s.sheet}”的 {col} 列（表头“{label(v)}”）不是 cpxl 的列，其中有数据（如 {col}{filled[0]}）；"
                    f"重写该表会丢失这些数据，因此未写入。请把该列移到另一个工作表后重试")
        out[key] = where
    return out


def _stale_consolidated(master: Path, sheets: Mapping[str, SheetSchema]) -> list[str]:
    """Consolidated sheets whose header row is not the schema's (a master of an older cpxl, or edited)."""
    if not sheets:
        return []
    wb = open_workbook(master)
    out = []
    for key, s in sheets.items():
        rows = grid(wb, s.sheet)
        header = [label(v) for v in (rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else [])]
        while header and not header[-1]:
            header.pop()
        if header != [f.header for f in s.fields]:
            out.append(key)
    return out


def _recreate(wb: Workbook, s: SheetSchema) -> None:
    """Replace sheet ``s`` by a fresh, empty one in the same place (its rows are written next)."""
    index = wb.sheetnames.index(s.sheet)
    wb.remove(wb[s.sheet])
    ws, _ = write_sheet(wb, s, ListRegistry(wb))
    wb.move_sheet(ws, offset=index - wb.sheetnames.index(s.sheet))


def update_master(
    master: Path,
    rows_by_key: Mapping[str, Rows],
    extra: Callable[[Workbook], None] | None = None,
) -> Path:
    """Replace the data rows of the given schema sheets (by schema key) and save atomically.

    Table sheets already in the master are rewritten directly in the package (fast, see
    ``xmlsheet``); form sheets, sheets the master lacks, and ``extra(wb)`` — which may add or
    rebuild sheets that are not schema tables (e.g. a coloured matrix) — go through openpyxl.
    Both happen inside one atomic write.
    """
    schemas = _all_schemas()
    unknown = set(rows_by_key) - set(schemas)
    if unknown:
        raise KeyError(f"unknown master sheets: {sorted(unknown)}")
    with zipfile.ZipFile(master) as zf:
        present = set(sheet_parts(zf))
    fast = {k: v for k, v in rows_by_key.items() if not schemas[k].is_form and schemas[k].sheet in present}
    slow = {k: v for k, v in rows_by_key.items() if k not in fast}
    rebuild = _stale_consolidated(master, {k: schemas[k] for k in fast if k.startswith("all_")})

    def writer(tmp: Path) -> None:
        src = master
        tables = {k: (schemas[k], rows) for k, rows in fast.items()}
        if slow or rebuild or extra is not None:
            # openpyxl works on a light copy: the bulky table sheets it is not asked to change are cut short
            # and their rows written back from the master below, by the package rewrite (see masterlight)
            light = tmp.with_name(tmp.name + ".light.xlsx")
            owned = {s.sheet: s for s in schemas.values() if not s.is_form and s.sheet in present}
            try:
                cut = write_light(master, light, {n: s for n, s in owned.items()
                                                  if n not in {schemas[k].sheet for k in slow}})
                wb = openpyxl.load_workbook(light)
            finally:
                light.unlink(missing_ok=True)
            for key in rebuild:  # cpxl's own consolidated sheets: rebuilt from the ledger, headers made current
                _recreate(wb, schemas[key])
            for key, rows in slow.items():
                _replace_rows(wb, schemas[key], list(rows() if callable(rows) else rows))
            if extra is not None:
                extra(wb)
            mid = tmp.with_name(tmp.name + ".stage")
            wb.save(mid)
            src = mid
            with zipfile.ZipFile(mid) as zf:
                staged = set(sheet_parts(zf))
            keys = {s.sheet: k for k, s in schemas.items()}
            for name, sch in cut.items():
                if keys[name] not in tables and name in staged:
                    tables[keys[name]] = (sch, lambda name=name, sch=sch: original_rows(master, name, sch))
        try:
            where = _columns(src, {k: schemas[k] for k in tables}, master.name)
            replace_tables(src, tmp, {schemas[k].sheet: (schemas[k], rows, where[k]) for k, (_, rows) in tables.items()})
        except MissingColumn as exc:
            f, sh = exc.field, exc.schema
            raise MasterLayoutError(
                f"{master.name} 的工作表“{sh.sheet}”第 {HEADER_ROW} 行没有“{f.header}”列，要写入的数据有这一项，因此未写入。"
                "请恢复该列及表头文字后重试（可用 cpxl init 新建一份审核总表对照）") from None
        finally:
            if src != master:
                Path(src).unlink(missing_ok=True)

    return write_atomic(master, writer)
