"""Read one returned workbook into typed records and problems (runs inside an isolated worker).

Fast path: python-calamine values. Sheets are found by name, or — for renamed sheets and
workbooks not made from a cpxl template — by their header texts; columns are mapped by
header text when they were moved. Every problem carries its sheet and A1 cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from cpxl.book import schema
from cpxl.book.layout import FIRST_DATA_ROW, FORM_LABEL_COL, FORM_VALUE_COL, HEADER_ROW
from cpxl.book.rules import is_started
from cpxl.book.schema import SheetSchema
from cpxl.book.templates import STAMP_SHEET
from cpxl.book.validate import validate_rows
from cpxl.book.xlsxread import RawRow, normalise
from cpxl.core.problems import Problem

from .plausibility import year_on_year
from .ranges import cell_ranges, derived_ranges

FORMULA_START = ("=", "+", "-", "@")


@dataclass
class Extraction:
    stamp: dict[str, str] = field(default_factory=dict)
    enterprise_uscc: str = ""
    enterprise_name: str = ""
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)  # schema key -> sheet name found
    problems: list[Problem] = field(default_factory=list)


def _label(v: Any) -> str:
    return str(v).replace(" *", "").replace("*", "").strip() if v is not None else ""


def _cell(rows: list[list[Any]], r: int, c: int) -> Any:
    if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
        return rows[r - 1][c - 1]
    return ""


def _table_columns(rows: list[list[Any]], s: SheetSchema) -> tuple[int, dict[str, int]] | None:
    """(header row, field -> column) by header text; None when the headers are not found."""
    wanted = {f.header: f.name for f in s.fields} | {f.title: f.name for f in s.fields}
    for r in [HEADER_ROW] + [i for i in range(1, 11) if i != HEADER_ROW]:
        if r > len(rows):
            continue
        cols: dict[str, int] = {}
        for c, v in enumerate(rows[r - 1], start=1):
            name = wanted.get(_label(v))
            if name and name not in cols:
                cols[name] = c
        if len(cols) >= max(2, (len(s.fields) + 1) // 2):
            return r, cols
    return None


def _form_rows(rows: list[list[Any]], s: SheetSchema) -> dict[str, int] | None:
    titles = {f.title: f.name for f in s.fields}
    found: dict[str, int] = {}
    for r in range(1, min(len(rows), 200) + 1):
        name = titles.get(_label(_cell(rows, r, FORM_LABEL_COL)))
        if name and name not in found:
            found[name] = r
    return found if len(found) >= max(2, len(s.fields) // 2) else None


MAX_COLS = 60  # no cpxl sheet is wider; a sheet claiming more is read column-bounded


def _rows_bounded(path: Path, name: str, max_rows: int) -> list[list[Any]]:
    """Streaming read (openpyxl read-only) of the template area only, for sheets claiming a huge range."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[name]
        ws.reset_dimensions()
        out = []
        for row in ws.iter_rows(max_row=max_rows + FIRST_DATA_ROW, max_col=MAX_COLS, values_only=True):
            out.append(["" if v is None else v for v in row])
        return out
    finally:
        wb.close()


def _rows_of(wb: CalamineWorkbook, name: str, max_rows: int) -> tuple[list[list[Any]], bool]:
    sheet = wb.get_sheet_by_name(name)
    if sheet.height <= max_rows + FIRST_DATA_ROW:
        return sheet.to_python(skip_empty_area=False), False
    out = []
    for i, row in enumerate(sheet.iter_rows()):
        if i >= max_rows + FIRST_DATA_ROW:
            break
        out.append(row)
    return out, True


def _merged_in_data(wb: CalamineWorkbook, name: str, first_row: int) -> list[str]:
    try:
        ranges = wb.get_sheet_by_name(name).merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - older readers have no merged-cell support
        return []
    out = []
    for (r0, c0), (r1, c1) in ranges:
        if r1 + 1 >= first_row:
            out.append(f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}")
    return out


def read_stamp(wb: CalamineWorkbook) -> dict[str, str]:
    if STAMP_SHEET not in wb.sheet_names:
        return {}
    rows = wb.get_sheet_by_name(STAMP_SHEET).to_python()
    return {str(r[0]): str(r[1]) for r in rows if len(r) >= 2 and r[0] not in ("", None)}


def extract(path: Path, years: Sequence[int] = (), max_rows: int = 100_000,
            dimensions: dict[str, tuple[int, int]] | None = None) -> Extraction:
    """Typed records of every enterprise sheet, with all problems found (file names left for the caller).

    ``dimensions`` (from :func:`cpxl.intake.sniff.sniff`) are the used ranges sheets claim; a sheet claiming
    more rows or columns than a template can hold is read with a bounded streaming reader instead,
    because the fast reader allocates the whole claimed range.
    """
    ex = Extraction()
    dimensions = dimensions or {}
    wb = CalamineWorkbook.from_path(str(path))
    ex.stamp = read_stamp(wb)
    if not ex.stamp:
        ex.problems.append(Problem("file.no_stamp", "warning",
                                   "未找到 cpxl 模板标识：该文件不是由本次审核下发的模板生成的，已按工作表名称和表头尽力读取",
                                   "请使用审核组下发的模板填写，不要复制到新建的工作簿中"))
    if not years and ex.stamp.get("years"):
        years = [int(y) for y in ex.stamp["years"].split(",") if y.strip().isdigit()]
    names = [n for n in wb.sheet_names if n != STAMP_SHEET]
    used: set[str] = set()
    grids: dict[str, list[list[Any]]] = {}
    bounded: set[str] = set()

    def grid(name: str) -> list[list[Any]]:
        if name not in grids:
            n_rows, n_cols = dimensions.get(name, (0, 0))
            if n_rows > max_rows + FIRST_DATA_ROW or n_cols > MAX_COLS:
                ex.problems.append(Problem("sheet.huge_range", "warning",
                                           f"工作表声明的使用区域异常巨大（{n_rows} 行 × {n_cols} 列），只读取了模板区域",
                                           "清除模板区域以外单元格的内容和格式后重新保存", sheet=name))
                grids[name] = _rows_bounded(path, name, max_rows)
                bounded.add(name)
                return grids[name]
            rows, truncated = _rows_of(wb, name, max_rows)
            grids[name] = rows
            if truncated:
                ex.problems.append(Problem("sheet.too_many_rows", "warning", f"工作表行数超过 {max_rows}，只读取了前 {max_rows} 行",
                                           "删除无关的行后重新报送", sheet=name))
        return grids[name]

    for s in schema.for_workbook("enterprise"):
        sheet_name = s.sheet if s.sheet in names else None
        if sheet_name is None:
            for cand in names:
                if cand in used or cand in {x.sheet for x in schema.for_workbook("enterprise")}:
                    continue
                rows = grid(cand)
                if (_form_rows(rows, s) if s.is_form else _table_columns(rows, s)):
                    sheet_name = cand
                    ex.problems.append(Problem("sheet.renamed", "warning", f"工作表“{s.sheet}”被改名为“{cand}”，已按表头识别",
                                               f"请勿重命名工作表；下次请保持“{s.sheet}”", sheet=cand))
                    break
        if sheet_name is None:
            if s.key == "ent_indicators" and ex.stamp:
                continue  # the template had no indicator sheet (no indicator system chosen)
            sev = "error" if s.fields and any(f.required for f in s.fields) and s.key in (
                "ent_profile", "ent_products", "ent_energy", "ent_water") else "warning"
            ex.problems.append(Problem("sheet.missing", sev, f"缺少工作表“{s.sheet}”", "使用原模板填写，不要删除工作表",
                                       sheet=s.sheet))
            continue
        used.add(sheet_name)
        ex.sheets[s.key] = sheet_name
        rows = grid(sheet_name)
        raws = _raw_rows(rows, s, sheet_name, ex)
        for rng in ([] if sheet_name in bounded else _merged_in_data(wb, sheet_name, FIRST_DATA_ROW)):
            ex.problems.append(Problem("cell.merged", "error", f"数据区域有合并单元格 {rng}", "取消合并单元格，在每个单元格中分别填写",
                                       sheet=sheet_name, cell=rng.split(":")[0]))
        read = [normalise(r, s, sheet=sheet_name) for r in raws]
        problems = validate_rows(s, read, years)
        problems += year_on_year(s, read)
        problems += cell_ranges(s, read)
        for p in problems:
            p.sheet = p.sheet or sheet_name
            if p.sheet == s.sheet:
                p.sheet = sheet_name
        ex.problems.extend(problems)
        for r in read:
            for k, v in r.values.items():
                if isinstance(v, str) and v.startswith(FORMULA_START) and not s.field(k).is_number:
                    ex.problems.append(Problem("text.formula_like", "info", f"以“{v[0]}”开头的文本已按文本保存，不会作为公式执行",
                                               "", sheet=sheet_name, cell=r.cells[k], field=s.field(k).title, value=v))
        bad_rows = {p.cell for p in problems if p.severity == "error"}
        # an untouched prefilled row (or one marked 不涉及) carries no data: it never reaches the master
        ex.records[s.key] = [dict(r.values, _row=r.row, _cells=r.cells,
                                  _ok=not any(c in bad_rows for c in r.cells.values()))
                             for r in read if s.is_form or is_started(s, r)]
    prof = ex.records.get("ent_profile", [{}])
    prof0 = prof[0] if prof else {}
    ex.enterprise_uscc = ex.stamp.get("enterprise_uscc") or str(prof0.get("uscc", ""))
    ex.enterprise_name = ex.stamp.get("enterprise_name") or str(prof0.get("name", ""))
    ex.problems += derived_ranges(ex.records, years, ex.sheets)
    if ex.stamp and prof0.get("uscc") and prof0["uscc"] != ex.stamp.get("enterprise_uscc"):
        ex.problems.append(Problem("identity.changed", "error", "“统一社会信用代码”被改动，与模板下发时不一致",
                                   f"恢复为 {ex.stamp.get('enterprise_uscc')}，如确有变更请联系审核组",
                                   sheet=ex.sheets.get("ent_profile", ""), value=prof0["uscc"]))
    return ex


def _raw_rows(rows: list[list[Any]], s: SheetSchema, sheet_name: str, ex: Extraction) -> list[RawRow]:
    if s.is_form:
        where = {f.name: FIRST_DATA_ROW + i for i, f in enumerate(s.fields)}
        if any(_label(_cell(rows, r, FORM_LABEL_COL)) != f.title for f, r in zip(s.fields, where.values(), strict=True)):
            found = _form_rows(rows, s)
            if found is None:
                ex.problems.append(Problem("sheet.layout", "error", "表格结构被改动，找不到各项目所在的行",
                                           "使用原模板重新填写", sheet=sheet_name))
                return []
            missing = [f.title for f in s.fields if f.name not in found]
            where = found
            ex.problems.append(Problem("sheet.layout", "warning", "项目所在行被移动，已按项目名称识别"
                                       + (f"；未找到：{'、'.join(missing)}" if missing else ""),
                                       "请勿插入或删除行", sheet=sheet_name))
        values = {n: _cell(rows, r, FORM_VALUE_COL) for n, r in where.items()}
        cells = {n: f"B{r}" for n, r in where.items()}
        return [RawRow(FIRST_DATA_ROW, values, cells)]
    header_row, cols = HEADER_ROW, {f.name: j for j, f in enumerate(s.fields, start=1)}
    actual = [_label(_cell(rows, HEADER_ROW, j)) for j in range(1, len(s.fields) + 1)]
    if actual != [f.header for f in s.fields]:
        found = _table_columns(rows, s)
        if found is None:
            ex.problems.append(Problem("sheet.layout", "error", "找不到表头，无法识别各列", "使用原模板重新填写，不要修改表头",
                                       sheet=sheet_name))
            return []
        header_row, cols = found
        missing = [f.title for f in s.fields if f.name not in cols]
        ex.problems.append(Problem("sheet.layout", "warning", "列的位置被改动，已按表头名称识别"
                                   + (f"；未找到列：{'、'.join(missing)}" if missing else ""),
                                   "请勿插入、删除或移动列", sheet=sheet_name))
    out = []
    for r in range(header_row + 1, len(rows) + 1):
        line = rows[r - 1]
        values = {n: (line[c - 1] if c - 1 < len(line) else "") for n, c in cols.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        cells = {n: f"{get_column_letter(c)}{r}" for n, c in cols.items()}
        for f in s.fields:
            if f.name not in values:
                values[f.name] = ""
                cells[f.name] = ""
        out.append(RawRow(r, values, cells))
    return out
