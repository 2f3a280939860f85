"""A light copy of the master workbook for the work only openpyxl can do.

Some writes to the master need openpyxl (a form sheet, a sheet an older master lacks, the coloured
诊断矩阵). openpyxl loads and saves every cell of the workbook, and a master holding the data of a
thousand enterprises — or one enterprise's 50,000-row sheet — takes minutes and gigabytes that way.
So openpyxl gets a copy whose bulky table sheets keep only their header and first data rows (enough for
each column's style); afterwards those sheets' data rows are written back from the original master by
the package rewrite (:mod:`.xmlsheet`), with the values as they were. ``extra`` callbacks of
:func:`.masterio.update_master` must therefore not change the data rows of table sheets they were not
given (they may add sheets, move them, and rebuild the sheets they write).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cpxl.core.zipparts import Package, copy_raw

from .layout import FIRST_DATA_ROW
from .schema import SheetSchema
from .xmlsheet import sheet_parts

BULKY_BYTES = 256 * 1024  # a table sheet part larger than this (uncompressed) is left out of openpyxl's copy
KEPT_ROWS = 20  # data rows kept on a light sheet: the columns' styles
_ROW_AT = re.compile(r'<row r="(\d+)"')


def write_light(master: Path, dst: Path, tables: Mapping[str, SheetSchema]) -> dict[str, SheetSchema]:
    """Write ``dst``: ``master`` with the bulky sheets of ``tables`` (sheet name → schema) cut to their
    first data rows. Returns the sheets cut."""
    cut: dict[str, SheetSchema] = {}
    with Package(master, in_memory=False) as pkg, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        parts = sheet_parts(pkg.zip)
        bulky = {parts[name]: name for name in tables if name in parts and parts[name] in pkg
                 and pkg.by_name[parts[name]].file_size > BULKY_BYTES}
        for info in pkg.infos:
            name = bulky.get(info.filename)
            if name is None:
                copy_raw(pkg, info.filename, out)
                continue
            xml = pkg.read(info.filename).decode("utf-8")
            short = _cut(xml, FIRST_DATA_ROW + KEPT_ROWS)
            if short is None:
                copy_raw(pkg, info.filename, out)
                continue
            out.writestr(zipfile.ZipInfo(info.filename, info.date_time), short, zipfile.ZIP_DEFLATED)
            cut[name] = tables[name]
    return cut


def _cut(xml: str, first_dropped: int) -> str | None:
    """The sheet without its rows from ``first_dropped`` on but the last one (None when it has no such rows).

    The last row stays: the rewrite keeps a sheet's styled rows, validation and filter down to it."""
    end = xml.find("</sheetData>")
    if end < 0:
        return None
    last = xml.rfind("<row ", 0, end)
    for m in _ROW_AT.finditer(xml, 0, end):
        if int(m.group(1)) >= first_dropped:
            return xml[:m.start()] + xml[last:] if m.start() < last else None
    return None


def original_rows(master: Path, sheet: str, s: SheetSchema) -> Iterator[dict[str, Any]]:
    """The data rows of a table sheet as they are in ``master`` (values as stored: nothing coerced, nothing
    dropped), by field, each field found by its header."""
    from python_calamine import CalamineWorkbook

    from .xlsxread import locate

    rows = CalamineWorkbook.from_path(str(master)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    where = locate(rows, s, master.name)
    for line in rows[FIRST_DATA_ROW - 1:]:
        rec = {n: _stored(line[c - 1]) for n, c in where.items() if c - 1 < len(line) and line[c - 1] not in ("", None)}
        if rec:
            yield rec


def _stored(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, dt.datetime):  # a date as a date; a moment as Excel's serial number
        return v.date() if v.time() == dt.time() else (v - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    return v
