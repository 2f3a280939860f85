"""Read schema-shaped sheets back from .xlsx files (values only, fast: python-calamine).

Returns raw cell values with their positions; ``normalize`` and ``validate`` judge them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from cpxl.core.problems import Problem

from .layout import FIRST_DATA_ROW, FORM_VALUE_COL, HEADER_ROW, SheetLayout, layout_for
from .normalize import coerce
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


def raw_rows(rows: list[list[Any]], schema: SheetSchema, lay: SheetLayout | None = None) -> list[RawRow]:
    """Records of a sheet in cpxl's layout; blank table rows are skipped."""
    lay = lay or layout_for(schema)
    if schema.is_form:
        values = {f.name: _at(rows, lay.form_row(f.name), FORM_VALUE_COL) for f in schema.fields}
        cells = {f.name: lay.cell(f.name) for f in schema.fields}
        return [RawRow(FIRST_DATA_ROW, values, cells)]
    out: list[RawRow] = []
    for r in range(FIRST_DATA_ROW, len(rows) + 1):
        values = {f.name: _at(rows, r, j) for j, f in enumerate(schema.fields, start=1)}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        cells = {f.name: f"{lay.column(f.name)}{r}" for f in schema.fields}
        out.append(RawRow(r, values, cells))
    return out


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
    for f in schema.fields:
        v = raw.values.get(f.name)
        if v is not None and not (isinstance(v, str) and v == ""):
            content[f.name] = v
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
    """Typed records of one schema sheet of a cpxl workbook (values that fail coercion are dropped)."""
    wb = open_workbook(path)
    if schema.sheet not in wb.sheet_names:
        return []
    return [normalise(r, schema).values for r in raw_rows(grid(wb, schema.sheet), schema)]


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
        out[s.key] = [normalise(r, s).values for r in raw_rows(grid(wb, s.sheet), s)]
    return out
