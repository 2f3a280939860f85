"""Read one returned workbook into typed records and problems (runs inside an isolated worker).

Fast path: python-calamine values. Sheets are found by name, or — for renamed sheets and
workbooks not made from a cpxl template — by their header texts. On a template's own header row a
header that names another column of the sheet is an error (the data would land in the wrong field);
an edited header is named with its cell. A sheet with more data rows than the limit is rejected whole,
never consolidated in part; a formula cell saved without its result is named as such. Every problem
carries its sheet and A1 cell.
"""

from __future__ import annotations

import re
import zipfile
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
from cpxl.book.xmlsheet import sheet_parts
from cpxl.core.problems import Problem
from cpxl.core.zipparts import Package

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
    saved: str = ""  # the workbook's own save time (docProps/core.xml), ISO
    staged: dict[str, str] = field(default_factory=dict)  # schema key -> records as the ledger keeps them (JSON)


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


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _rows_of(wb: CalamineWorkbook, name: str, max_rows: int) -> tuple[list[list[Any]], int]:
    """The sheet's rows up to the limit, and the last row holding data when that is beyond the limit (else 0)."""
    sheet = wb.get_sheet_by_name(name)
    limit = max_rows + FIRST_DATA_ROW
    if sheet.height <= limit:
        return sheet.to_python(skip_empty_area=False), 0
    out, last = [], 0
    for i, row in enumerate(sheet.iter_rows()):
        if i < limit:
            out.append(row)
        elif not all(_blank(v) for v in row[:MAX_COLS]):
            last = i + 1
    return out, last


_XML_CELL = re.compile(r'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)


_FORMULA_TAGS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")  # a formula element, with or without a prefix


class _XmlCells:
    """Sheet name → (column, row, inner XML) of its cells, from the package itself (xlsx/xlsm only): each sheet
    read when first asked for, from one read of the file; ``formulas`` skips a sheet holding no formula."""

    def __init__(self, path: Path):
        self.pkg: Package | None = None
        self.parts: dict[str, str] = {}
        self.done: dict[str, list[tuple[str, int, str]]] = {}
        try:
            self.pkg = Package(path)
            self.parts = sheet_parts(self.pkg.zip)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            self.pkg = None

    def __bool__(self) -> bool:
        return self.pkg is not None

    def _raw(self, name: str) -> bytes:
        part = self.parts.get(name)
        if self.pkg is None or part is None or part not in self.pkg:
            return b""
        try:
            return self.pkg.read(part)
        except (zipfile.BadZipFile, KeyError, OSError):
            return b""

    def _xml(self, name: str) -> str:
        return self._raw(name).decode("utf-8", "replace")

    def get(self, name: str, default: tuple = ()) -> list[tuple[str, int, str]] | tuple:
        if name not in self.done:
            xml = self._xml(name)
            self.done[name] = [(m.group(1), int(m.group(2)), m.group(3) or "") for m in _XML_CELL.finditer(xml)]
        return self.done[name] or default

    def formulas(self, name: str) -> list[tuple[str, int, str]] | tuple:
        """The cells of a sheet when it has a formula at all (else none: nothing to look at)."""
        if name in self.done:
            return self.done[name]
        raw = self._raw(name)
        if not any(tag in raw for tag in _FORMULA_TAGS):  # substring tests: far cheaper than a regex pass
            return ()
        xml = raw.decode("utf-8", "replace")
        self.done[name] = [(m.group(1), int(m.group(2)), m.group(3) or "") for m in _XML_CELL.finditer(xml)]
        return self.done[name]

    def saved(self) -> str:
        """The workbook's own save time (``dcterms:modified``), ISO without zone; empty when it has none."""
        try:
            xml = self.pkg.read("docProps/core.xml").decode("utf-8", "replace") if self.pkg else ""
        except (zipfile.BadZipFile, KeyError, OSError):
            return ""
        m = re.search(r"<dcterms:modified\b[^>]*>\s*([0-9T:\-. ]+)Z?\s*<", xml)
        return m.group(1).strip().replace(" ", "T") if m else ""


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class _ParsedOnce:
    """A workbook whose sheets are parsed once: calamine parses a sheet's XML on every
    ``get_sheet_by_name``, and both the values and the merged ranges of a sheet are needed."""

    def __init__(self, wb: CalamineWorkbook):
        self.wb, self.sheet_names, self._sheets = wb, wb.sheet_names, {}

    def get_sheet_by_name(self, name: str) -> Any:
        if name not in self._sheets:
            self._sheets[name] = self.wb.get_sheet_by_name(name)
        return self._sheets[name]


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
    wb = _ParsedOnce(CalamineWorkbook.from_path(str(path)))
    ex.stamp = read_stamp(wb)
    if not ex.stamp:
        ex.problems.append(Problem("file.no_stamp", "error",
                                   "未找到审核组下发模板的标识（隐藏的模板标识工作表不存在）：无法确认是哪家企业报送的，数据不汇总；"
                                   "其余内容已按工作表名称和表头尽力检查",
                                   "请使用审核组下发给贵企业的模板填写，不要把内容复制到新建的工作簿中"))
    cells = _XmlCells(path) if path.suffix.lower() in (".xlsx", ".xlsm") or _is_zip(path) else {}
    ex.saved = cells.saved() if cells else ""
    if not years and ex.stamp.get("years"):
        years = [int(y) for y in ex.stamp["years"].split(",") if y.strip().isdigit()]
    names = [n for n in wb.sheet_names if n != STAMP_SHEET]
    used: set[str] = set()
    grids: dict[str, list[list[Any]]] = {}
    bounded: set[str] = set()

    too_long: set[str] = set()  # sheets with data beyond the row limit: rejected, not read further

    def grid(name: str) -> list[list[Any]]:
        if name not in grids:
            n_rows, n_cols = dimensions.get(name, (0, 0))
            limit = max_rows + FIRST_DATA_ROW
            if n_rows > limit or n_cols > MAX_COLS:
                beyond = [r for c, r, body in cells.get(name, ()) if r > limit and _col_number(c) <= MAX_COLS
                          and _has_value(body)]
                if beyond:
                    ex.problems.append(_too_many_rows(name, max(beyond), max_rows))
                    too_long.add(name)
                    grids[name] = _rows_bounded(path, name, HEADER_ROW)
                    return grids[name]
                wide = [f"{c}{r}" for c, r, body in cells.get(name, ()) if _col_number(c) > MAX_COLS and _has_value(body)]
                ex.problems.append(Problem(
                    "sheet.huge_range", "warning",
                    f"工作表声明的使用区域异常巨大（{n_rows} 行 × {n_cols} 列）；"
                    + (f"第 {MAX_COLS} 列以后的单元格（如 {wide[0]}）有内容，不属于模板，未读取" if wide
                       else "模板区域以外没有内容，已读取全部数据"),
                    "删除模板区域以外单元格的内容和格式后重新保存", sheet=name, cell=wide[0] if wide else ""))
                grids[name] = _rows_bounded(path, name, max_rows)
                bounded.add(name)
                return grids[name]
            rows, last = _rows_of(wb, name, max_rows)
            grids[name] = rows
            if last:
                ex.problems.append(_too_many_rows(name, last, max_rows))
                too_long.add(name)
                grids[name] = rows[:HEADER_ROW]
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
        if sheet_name in too_long:
            continue
        raws = _raw_rows(rows, s, sheet_name, ex)
        for rng in ([] if sheet_name in bounded else _merged_in_data(wb, sheet_name, FIRST_DATA_ROW)):
            ex.problems.append(Problem("cell.merged", "error", f"数据区域有合并单元格 {rng}", "取消合并单元格，在每个单元格中分别填写",
                                       sheet=sheet_name, cell=rng.split(":")[0]))
        no_value = {f"{c}{r}" for c, r, body in (cells.formulas(sheet_name) if cells else ())
                    if r >= FIRST_DATA_ROW and "<f" in body and not _has_value(body)}
        for cell in sorted(no_value, key=lambda a: (int(re.sub("[A-Z]", "", a)), len(a), a)):
            ex.problems.append(Problem(
                "cell.formula_no_value", "error",
                "单元格是公式，但文件里没有保存公式的计算结果（文件不是在 Excel 或 WPS 中计算后保存的），读不到数值",
                "在 Excel 或 WPS 中打开文件，确认该单元格显示出数值后保存再报送；或直接填写数值", sheet=sheet_name, cell=cell))
        read = [normalise(r, s, sheet=sheet_name) for r in raws]
        problems = validate_rows(s, read, years)
        problems = [p for p in problems if not (p.rule == "required" and p.cell in no_value)]
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
    prof_cells = (ex.records.get("ent_profile") or [{}])[0].get("_cells", {}) if ex.records.get("ent_profile") else {}
    if ex.stamp and prof0.get("uscc") and prof0["uscc"] != ex.stamp.get("enterprise_uscc"):
        ex.problems.append(Problem("identity.changed", "error", "“统一社会信用代码”被改动，与模板下发时不一致",
                                   f"恢复为 {ex.stamp.get('enterprise_uscc')}，如确有变更请联系审核组",
                                   sheet=ex.sheets.get("ent_profile", ""), cell=prof_cells.get("uscc", ""),
                                   value=prof0["uscc"]))
    if ex.stamp and prof0.get("name") and ex.stamp.get("enterprise_name") \
            and str(prof0["name"]).strip() != ex.stamp["enterprise_name"].strip():
        ex.problems.append(Problem("identity.changed", "error", "“企业名称”被改动，与模板下发时不一致",
                                   f"恢复为 {ex.stamp['enterprise_name']}，如名称确有变更请联系审核组",
                                   sheet=ex.sheets.get("ent_profile", ""), cell=prof_cells.get("name", ""),
                                   value=prof0["name"]))
    return ex


def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _has_value(body: str) -> bool:
    """Whether a cell's inner XML holds a value (a cached result, a number or a string)."""
    m = re.search(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", body, re.S)
    if m and m.group(1).strip():
        return True
    return bool(re.search(r"<(?:\w+:)?t\b[^>]*>[^<]+<", body))


def _too_many_rows(sheet: str, last: int, max_rows: int) -> Problem:
    return Problem("sheet.too_many_rows", "error",
                   f"工作表有数据一直到第 {last} 行，超过每个工作表最多 {max_rows} 行数据的上限；为避免只汇总其中一部分，本文件不汇总",
                   f"删除与填报无关的行，使数据不超过 {max_rows} 行（第 {max_rows + FIRST_DATA_ROW} 行以内）后重新报送；"
                   "数据确实更多时请联系审核组", sheet=sheet, cell=f"A{last}")


def _template_headers(actual: list[str], s: SheetSchema) -> bool:
    """Whether the template's header row is still where the template put it (most headers in place)."""
    in_place = sum(a == f.header or a == f.title for a, f in zip(actual, s.fields, strict=True))
    return in_place >= max(1, (len(s.fields) + 1) // 2) and in_place < len(s.fields)


def _header_problems(actual: list[str], s: SheetSchema, sheet: str) -> list[Problem]:
    """Each header of the template's header row that is not the template's: named with its cell.

    A header naming another field of the sheet is an error (swapped or moved headers would put the data in
    the wrong field); an edited header that still names its field is read by position with a warning; one
    that does not is an error. The column is read by its template position either way.
    """
    others = {}
    for f in s.fields:
        others[f.header] = f
        others.setdefault(f.title, f)
    out = []
    for j, (a, f) in enumerate(zip(actual, s.fields, strict=True), start=1):
        if a == f.header or a == f.title:
            continue
        cell = f"{get_column_letter(j)}{HEADER_ROW}"
        other = others.get(a)
        if other is not None and other.name != f.name:
            out.append(Problem("sheet.header_other_field", "error",
                               f"表头是“{a}”，但模板中这一列是“{f.header}”；“{a}”是本表另一列的名称。"
                               "表头被互换或列被移动后，无法确定本列数据属于哪一项，本文件不汇总",
                               f"把 {cell} 恢复为“{f.header}”，并核对本列数据确实是“{f.title}”；"
                               "不要插入、删除、移动列或修改表头", sheet=sheet, cell=cell, field=f.title, value=a))
        elif not a:
            out.append(Problem("sheet.header_edited", "error",
                               f"表头“{f.header}”被删除，无法确认本列是什么数据",
                               f"把 {cell} 恢复为“{f.header}”", sheet=sheet, cell=cell, field=f.title))
        elif f.title in a:
            unit = f"，本列数值应以 {f.unit} 为单位（如原为其他单位请先换算）" if f.unit else ""
            out.append(Problem("sheet.header_edited", "warning",
                               f"表头被改为“{a}”（模板中为“{f.header}”），已按模板位置把本列读作“{f.title}”",
                               f"请勿修改表头：把 {cell} 恢复为“{f.header}”{unit}", sheet=sheet, cell=cell,
                               field=f.title, value=a))
        else:
            out.append(Problem("sheet.header_edited", "error",
                               f"表头被改为“{a}”（模板中为“{f.header}”），无法确认本列是什么数据，本文件不汇总",
                               f"把 {cell} 恢复为“{f.header}”，并核对本列数据", sheet=sheet, cell=cell,
                               field=f.title, value=a))
    return out


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
    if actual != [f.header for f in s.fields] and _template_headers(actual, s):
        ex.problems.extend(_header_problems(actual, s, sheet_name))
    elif actual != [f.header for f in s.fields]:
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
