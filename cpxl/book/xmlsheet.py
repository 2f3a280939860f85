"""Fast replacement of a table sheet's data rows, directly in the .xlsx package.

openpyxl needs minutes to load, restyle and save a master workbook holding the consolidated
data of a thousand enterprises. The master's table sheets are cpxl's own, written in a known
shape, so their data rows can be regenerated as XML while everything else in the package —
other sheets, validation, comments — is copied unchanged. Cells are written as numbers or
inline strings: a text value can never become a formula, and one that starts like a formula
(= + - @) gets a quote-prefixed variant of its column's style, so that editing it in Excel keeps
it text. Columns are placed where the sheet's header row has them (see ``xlsxread.locate``).
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

from cpxl.core.zipparts import Package, copy_raw

from .layout import FIRST_DATA_ROW, HEADER_ROW
from .schema import SheetSchema

_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_REL = re.compile(r'<Relationship\b([^>]*)/?>', re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_CELL_STYLE = re.compile(r'<c r="([A-Z]+)\d+"(?:[^>]*?\bs="(\d+)")?')
_SQREF = re.compile(r'sqref="([^"]*)"')
_LAST_ROW = re.compile(r'<row r="(\d+)"')
STYLE_ROWS = 200  # data rows searched for each column's style (cpxl writes styled rows from the first one)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = dt.date(1899, 12, 30)
FORMULA_START = ("=", "+", "-", "@")
STYLES = "xl/styles.xml"
_XF = re.compile(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)


class QuoteStyles:
    """The package's cell styles (``cellXfs``), with a quote-prefixed twin made on demand for each style."""

    def __init__(self, xml: str):
        self.xml = xml
        m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        self.span = m.span(1) if m else None
        self.xfs = _XF.findall(m.group(1)) if m else []
        self.index = {x: i for i, x in reversed(list(enumerate(self.xfs)))}
        self.added = False

    @staticmethod
    def _quoted(xf: str) -> str:
        if re.search(r'\bquotePrefix="[^"]*"', xf):
            return re.sub(r'\bquotePrefix="[^"]*"', 'quotePrefix="1"', xf, count=1)
        return re.sub(r"^<xf\b", '<xf quotePrefix="1"', xf, count=1)

    def base(self, style: str | None) -> str | None:
        """The plain style of a (possibly quote-prefixed) style index."""
        if style is None or self.span is None or not style.isdigit() or int(style) >= len(self.xfs):
            return style
        xf = self.xfs[int(style)]
        if 'quotePrefix="1"' not in xf:
            return style
        for plain in (xf.replace(' quotePrefix="1"', "", 1), xf.replace('quotePrefix="1"', 'quotePrefix="0"', 1),
                      xf.replace('quotePrefix="1" ', "", 1)):
            if plain in self.index:
                return str(self.index[plain])
        return style

    def quoted(self, style: str | None) -> str | None:
        if self.span is None:
            return style
        i = int(style) if style and style.isdigit() and int(style) < len(self.xfs) else 0
        xf = self.xfs[i]
        if 'quotePrefix="1"' in xf:
            return str(i)
        twin = self._quoted(xf)
        if twin not in self.index:
            self.index[twin] = len(self.xfs)
            self.xfs.append(twin)
            self.added = True
        return str(self.index[twin])

    def render(self) -> str:
        if not self.added or self.span is None:
            return self.xml
        a, b = self.span
        out = self.xml[:a] + "".join(self.xfs) + self.xml[b:]
        return re.sub(r"(<cellXfs\b[^>]*?count=\")\d+", lambda m: m.group(1) + str(len(self.xfs)), out, count=1)


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


def _cell(ref: str, style: str | None, value: Any, is_date: bool, quotes: QuoteStyles | None = None) -> str:
    if quotes is not None and isinstance(value, str) and value.startswith(FORMULA_START):
        style = quotes.quoted(style)
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


def _row_writer(cols: list[tuple[str, str, bool]], styles: Mapping[str, str], s: SheetSchema, absent: list[Any],
                quotes: QuoteStyles | None) -> Callable[[int, Mapping[str, Any]], str]:
    """A function writing one data row's XML, with per-column parts prepared once and each distinct text
    escaped once (the same names, units and choices recur on thousands of rows)."""
    spec = [(name, letter, f' s="{styles[letter]}"' if styles.get(letter) else "", styles.get(letter), is_date)
            for letter, name, is_date in cols]
    texts: dict[str, str] = {}

    def text(v: str) -> str:
        out = texts.get(v)
        if out is None:
            if len(texts) > 100_000:
                texts.clear()
            out = texts[v] = _text(v)
        return out

    def row_xml(r: int, row: Mapping[str, Any]) -> str:
        for f in absent:
            if row.get(f.name) not in (None, ""):
                raise MissingColumn(s, f)
        cells = []
        for name, letter, s_attr, style, is_date in spec:
            v = row.get(name)
            t = type(v)
            if t is float:
                cells.append(f'<c r="{letter}{r}"{s_attr}><v>{v!r}</v></c>')
            elif t is str and not is_date and not v.startswith(FORMULA_START):
                if v:
                    cells.append(f'<c r="{letter}{r}"{s_attr} t="inlineStr">{text(v)}</c>')
                elif style:  # keep the empty cell's look (and its style for the next rewrite)
                    cells.append(f'<c r="{letter}{r}"{s_attr}/>')
            elif t is int:
                cells.append(f'<c r="{letter}{r}"{s_attr}><v>{v}</v></c>')
            elif v is None or v == "":
                if style:
                    cells.append(f'<c r="{letter}{r}"{s_attr}/>')
            else:  # dates, booleans, text that starts like a formula (quote-prefixed style)
                cells.append(_cell(f"{letter}{r}", style, v, is_date, quotes))
        return f'<row r="{r}">{"".join(cells)}</row>'

    return row_xml


def _rewrite(xml: str, s: SheetSchema, rows: Iterable[Mapping[str, Any]], write: Callable[[str], Any],
             columns: Mapping[str, int] | None = None, quotes: QuoteStyles | None = None) -> None:
    """Write the sheet ``xml`` with its data rows replaced by ``rows``, in chunks (memory: one chunk).

    ``columns`` (field → 1-based column) places each field under its header; a value for a field the
    sheet has no column for raises ``MissingColumn`` (nothing is written: the caller's write is atomic).
    """
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
    kept, styles = [], {}
    for m in _ROW.finditer(body):  # rows are in ascending order: only the first ones are looked at
        r = int(m.group(1))
        if r < FIRST_DATA_ROW:
            kept.append(m.group(0))
        elif len(styles) < len(s.fields) and r < FIRST_DATA_ROW + STYLE_ROWS:
            for col, st in _CELL_STYLE.findall(m.group(0)):  # each column's style from its first styled cell
                if st:
                    styles.setdefault(col, quotes.base(st) if quotes else st)
        else:
            break
    last_row = _LAST_ROW.search(body, max(0, body.rfind("<row ")))
    old_last = max(HEADER_ROW, int(last_row.group(1)) if last_row else 0)
    tail = xml[close:]
    del xml, body
    where = dict(columns) if columns is not None else {f.name: j for j, f in enumerate(s.fields, start=1)}
    cols = [(get_column_letter(where[f.name]), f.name, f.is_date) for f in s.fields if f.name in where]
    absent = [f for f in s.fields if f.name not in where]
    # the used range is only known after the rows: drop <dimension> (optional in SpreadsheetML)
    write(re.sub(r'<dimension ref="[^"]*"/>', "", head) + "".join(kept))
    n, buf = 0, []
    row_xml = _row_writer(sorted(cols, key=lambda c: (len(c[0]), c[0])), styles, s, absent, quotes)
    for i, row in enumerate(rows):
        n = i + 1
        buf.append(row_xml(FIRST_DATA_ROW + i, row))
        if len(buf) >= 2000:
            write("".join(buf))
            buf.clear()
    last = max(FIRST_DATA_ROW + n - 1 + 20, old_last)
    # empty styled rows after the data keep the look of the sheet for typing below
    for r in range(FIRST_DATA_ROW + n, last + 1):
        cells = "".join(f'<c r="{letter}{r}" s="{styles[letter]}"/>'
                        for letter, _, _ in sorted(cols, key=lambda c: (len(c[0]), c[0])) if styles.get(letter))
        buf.append(f'<row r="{r}">{cells}</row>')
    write("".join(buf) + "</sheetData>")
    end_col = get_column_letter(max([len(s.fields), *where.values()]))

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


class MissingColumn(KeyError):
    """A row has a value for a field whose column is not on the sheet."""

    def __init__(self, s: SheetSchema, f: Any):
        super().__init__(f.name)
        self.schema, self.field = s, f


def replace_tables(src: Path, dst: Path, tables: Mapping[str, tuple]) -> None:
    """Copy package ``src`` to ``dst`` with the data rows of the named table sheets replaced.

    Each entry is ``(schema, rows)`` or ``(schema, rows, columns)`` (field → column, from the header row).
    Rows may be given as a callable producing them, so that one sheet's rows at a time are in memory.
    The styles part is written last: it gains the quote-prefixed styles the sheets needed.
    """
    with zipfile.ZipFile(src) as zin, Package(src, in_memory=False) as raw:
        parts = sheet_parts(zin)
        todo = {parts[name]: spec for name, spec in tables.items()}
        missing = set(tables) - set(parts)
        if missing:
            raise KeyError(f"sheets not in workbook: {sorted(missing)}")
        names = set(zin.namelist())
        quotes = QuoteStyles(zin.read(STYLES).decode("utf-8")) if STYLES in names else None
        styles_item = None
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for item in zin.infolist():
                if item.filename == STYLES and quotes is not None:
                    styles_item = item
                elif item.filename in todo:
                    s, rows, *rest = todo[item.filename]
                    rows = rows() if callable(rows) else rows
                    info = zipfile.ZipInfo(item.filename, item.date_time)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with zout.open(info, "w", force_zip64=True) as fh:
                        _rewrite(zin.read(item.filename).decode("utf-8"), s, rows,
                                 lambda t, fh=fh: fh.write(t.encode()), rest[0] if rest else None, quotes)
                else:  # every other part as it is stored: no inflating, no deflating
                    copy_raw(raw, item.filename, zout)
            if styles_item is not None and quotes is not None:
                zout.writestr(styles_item, quotes.render().encode("utf-8"))
