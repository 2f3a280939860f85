"""Fast replacement of a table sheet's data rows, directly in the .xlsx package.

openpyxl needs minutes to load, restyle and save a master workbook holding the consolidated
data of a thousand enterprises. The master's table sheets are cpxl's own, written in a known
shape, so their data rows can be regenerated as XML while everything else in the package —
other sheets, styles, validation, comments — is copied unchanged. Cells are written as
numbers or inline strings: a text value can never become a formula.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .layout import FIRST_DATA_ROW, HEADER_ROW
from .schema import SheetSchema

_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_REL = re.compile(r'<Relationship\b([^>]*)/?>', re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_CELL_STYLE = re.compile(r'<c r="([A-Z]+)\d+"(?:[^>]*?\bs="(\d+)")?')
_SQREF = re.compile(r'sqref="([^"]*)"')
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = dt.date(1899, 12, 30)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part name in the package."""
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for m in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(1)))
        if "Id" in attrs and "Target" in attrs:
            targets[attrs["Id"]] = attrs["Target"]
    out = {}
    for name, rid in _SHEET.findall(wb):
        t = targets.get(rid, "")
        if t:
            out[html.unescape(name)] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def _text(v: str) -> str:
    v = _INVALID_XML.sub("", v)
    esc = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if v != v.strip() else ""
    return f"<is><t{space}>{esc}</t></is>"


def _cell(ref: str, style: str | None, value: Any, is_date: bool) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>' if isinstance(value, float) else f'<c r="{ref}"{s}><v>{value}</v></c>'
    if is_date and isinstance(value, str):
        try:
            serial = (dt.date.fromisoformat(value) - EPOCH).days
            return f'<c r="{ref}"{s}><v>{serial}</v></c>'
        except ValueError:
            pass
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{s}><v>{(value - EPOCH).days}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr">{_text(str(value))}</c>'


def _rewrite(xml: str, s: SheetSchema, rows: Iterable[Mapping[str, Any]], write: Callable[[str], Any]) -> None:
    """Write the sheet ``xml`` with its data rows replaced by ``rows``, in chunks (memory: one chunk)."""
    start = xml.index("<sheetData")
    open_end = xml.index(">", start) + 1
    if xml[open_end - 2] == "/":  # <sheetData/>
        body, close = "", open_end
        head = xml[:start] + "<sheetData>"
    else:
        close = xml.index("</sheetData>", open_end)
        body = xml[open_end:close]
        head = xml[:open_end]
        close += len("</sheetData>")
    kept, styles, old_last = [], {}, HEADER_ROW
    for m in _ROW.finditer(body):
        r = int(m.group(1))
        old_last = max(old_last, r)
        if r < FIRST_DATA_ROW:
            kept.append(m.group(0))
        elif len(styles) < len(s.fields):  # each column's style from its first styled cell
            for col, st in _CELL_STYLE.findall(m.group(0)):
                if st:
                    styles.setdefault(col, st)
    tail = xml[close:]
    del xml, body
    cols = [(get_column_letter(j), f.name, f.is_date) for j, f in enumerate(s.fields, start=1)]
    # the used range is only known after the rows: drop <dimension> (optional in SpreadsheetML)
    write(re.sub(r'<dimension ref="[^"]*"/>', "", head) + "".join(kept))
    n, buf = 0, []
    for i, row in enumerate(rows):
        n = i + 1
        r = FIRST_DATA_ROW + i
        cells = []
        for letter, name, is_date in cols:
            v = row.get(name)
            if v is None or v == "":
                if styles.get(letter):  # keep the empty cell's look (and its style for the next rewrite)
                    cells.append(f'<c r="{letter}{r}" s="{styles[letter]}"/>')
                continue
            cells.append(_cell(f"{letter}{r}", styles.get(letter), v, is_date))
        buf.append(f'<row r="{r}">{"".join(cells)}</row>')
        if len(buf) >= 2000:
            write("".join(buf))
            buf.clear()
    last = max(FIRST_DATA_ROW + n - 1 + 20, old_last)
    # empty styled rows after the data keep the look of the sheet for typing below
    for r in range(FIRST_DATA_ROW + n, last + 1):
        cells = "".join(f'<c r="{letter}{r}" s="{styles[letter]}"/>' for letter, _, _ in cols if styles.get(letter))
        buf.append(f'<row r="{r}">{cells}</row>')
    write("".join(buf) + "</sheetData>")
    end_col = get_column_letter(len(s.fields))

    def extend(m: re.Match) -> str:
        parts = []
        for rng in m.group(1).split():
            if ":" in rng:
                a, b = rng.split(":")
                col = re.match(r"[A-Z]+", b).group(0)
                row0 = int(re.search(r"\d+", a).group(0))
                if row0 >= FIRST_DATA_ROW:
                    rng = f"{a}:{col}{last}"
            parts.append(rng)
        return f'sqref="{" ".join(parts)}"'

    tail = _SQREF.sub(extend, tail)
    write(re.sub(r'<autoFilter ref="[^"]*"', f'<autoFilter ref="A{HEADER_ROW}:{end_col}{last}"', tail))


Rows = Iterable[Mapping[str, Any]] | Callable[[], Iterable[Mapping[str, Any]]]


def replace_tables(src: Path, dst: Path, tables: Mapping[str, tuple[SheetSchema, Rows]]) -> None:
    """Copy package ``src`` to ``dst`` with the data rows of the named table sheets replaced.

    Rows may be given as a callable producing them, so that one sheet's rows at a time are in memory.
    """
    with zipfile.ZipFile(src) as zin:
        parts = sheet_parts(zin)
        todo = {parts[name]: spec for name, spec in tables.items()}
        missing = set(tables) - set(parts)
        if missing:
            raise KeyError(f"sheets not in workbook: {sorted(missing)}")
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for item in zin.infolist():
                if item.filename in todo:
                    s, rows = todo[item.filename]
                    rows = rows() if callable(rows) else rows
                    info = zipfile.ZipInfo(item.filename, item.date_time)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with zout.open(info, "w", force_zip64=True) as fh:
                        _rewrite(zin.read(item.filename).decode("utf-8"), s, rows, lambda t, fh=fh: fh.write(t.encode()))
                else:
                    zout.writestr(item, zin.read(item.filename))
