"""Annotate a returned workbook by editing its package: fills and comments on problem cells, a result
sheet in front — every other part copied byte for byte (compressed data included).

openpyxl loads a whole workbook into objects and writes every part anew; for a feedback copy that
means seconds per file and a workbook that is no longer quite the enterprise's own. Here only what
the annotation needs is touched, with text edits of the XML:

* ``xl/styles.xml`` gains the fills (and fonts, border) the annotation uses, and for each style of a
  problem cell a twin with the severity's fill;
* each sheet with problems: the ``s`` attribute of its problem cells (cells that were not written get
  an empty styled cell), a ``legacyDrawing`` when it had none, ``tabSelected`` removed;
* its comments part and VML drawing — the existing ones are extended (a template's header notes stay),
  comments of an earlier cpxl annotation are replaced;
* the result sheet (a new part) first in ``xl/workbook.xml``: sheet-local defined names are renumbered,
  the result sheet is the active one; an earlier result sheet is dropped, and so is ``calcChain.xml``
  then (Excel rebuilds it);
* macros are never carried over: the VBA project is dropped and the workbook becomes a plain .xlsx.

Cells are written as inline strings, so that no text of an enterprise can become a formula; the only
formulas are the result sheet's HYPERLINK to each cell, composed here.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from cpxl.core.zipparts import Package, copy_raw

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
T_SHEET = REL + "/worksheet"
T_COMMENTS = REL + "/comments"
T_VML = REL + "/vmlDrawing"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
AUTHOR = "cpxl 校验"
FILLS = {"error": "FFFF9999", "warning": "FFFFE699", "info": "FFDDEBF7"}
HEADER_FILL, LINK_COLOR, BORDER_COLOR, FONT = "FFDDEBF7", "FF0563C1", "FFA6A6A6", "等线"
_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_ATTR = re.compile(r'([\w:.-]+)\s*=\s*"([^"]*)"')
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class PackageError(ValueError):
    """The package has a shape this editor does not handle (the caller falls back to openpyxl)."""


@dataclass
class Note:
    """What goes on one cell: the severity that colours it and the comment text."""

    severity: str
    text: str


@dataclass
class ResultSheet:
    """The 校验结果 sheet: column titles and widths, rows of text, severities, and links (sheet, cell) per row."""

    name: str
    columns: Sequence[str]
    widths: Sequence[float]
    rows: list[list[str]] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # ("", "") for none
    wrap: frozenset[int] = frozenset()  # 1-based columns that wrap
    link_col: int = 0  # 1-based column holding the link
    tab_color: str = "FFC00000"


# ------------------------------------------------------------------------------------------------ XML text helpers


def esc(text: str, attr: bool = False) -> str:
    text = _INVALID.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attr else text


def _unesc(text: str) -> str:
    import html

    return html.unescape(text)


def _prefix(xml: str, local: str) -> str:
    """The namespace prefix the document uses for its root element ``local`` ("" or "x:")."""
    m = re.search(rf"<(\w+:)?{local}\b", xml)
    if m is None:
        raise PackageError(f"no <{local}> element")
    return m.group(1) or ""


def _attrs(tag: str) -> dict[str, str]:
    return dict(_ATTR.findall(tag))


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """``tag`` (an opening or empty-element tag) with attribute ``name`` set (or removed for None)."""
    pat = re.compile(rf'\s{re.escape(name)}\s*=\s*"[^"]*"')
    tag = pat.sub("", tag)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


def _resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _rels_name(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


@dataclass
class Rels:
    """A relationships part as a list of (Id, Type, Target, TargetMode) with edits."""

    part: str
    items: list[dict[str, str]]

    @classmethod
    def parse(cls, part: str, xml: str | None) -> Rels:
        items = [_attrs(m.group(0)) for m in re.finditer(r"<(?:\w+:)?Relationship\b[^>]*>", xml or "")]
        return cls(part, items)

    def of_type(self, kind: str) -> list[dict[str, str]]:
        return [r for r in self.items if r.get("Type") == kind]

    def target(self, rid: str) -> dict[str, str] | None:
        return next((r for r in self.items if r.get("Id") == rid), None)

    def new_id(self) -> str:
        ids = {r.get("Id") for r in self.items}
        n = 1
        while f"rIdCpxl{n}" in ids:
            n += 1
        return f"rIdCpxl{n}"

    def add(self, kind: str, target: str) -> str:
        rid = self.new_id()
        self.items.append({"Id": rid, "Type": kind, "Target": target})
        return rid

    def render(self) -> bytes:
        body = "".join("<Relationship " + " ".join(f'{k}="{esc(_unesc(v), True)}"' for k, v in r.items()) + "/>"
                       for r in self.items)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                f"{body}</Relationships>").encode()


# ------------------------------------------------------------------------------------------------ styles


class Styles:
    """Edits of ``xl/styles.xml``: fills, fonts, a border and cell formats appended (existing indices kept)."""

    def __init__(self, xml: str):
        self.xml = xml
        self.p = _prefix(xml, "styleSheet")
        self.lists: dict[str, list[str]] = {}
        self.added: dict[str, list[str]] = {"fonts": [], "fills": [], "borders": [], "cellXfs": []}
        for name, item in (("fonts", "font"), ("fills", "fill"), ("borders", "border"), ("cellXfs", "xf")):
            self.lists[name] = self._items(name, item)
        if not self.lists["cellXfs"]:
            raise PackageError("styles.xml has no cellXfs")
        self._fills: dict[str, int] = {}
        self._twins: dict[tuple[int, str], int] = {}

    def _section(self, name: str) -> re.Match | None:
        p = re.escape(self.p)
        return re.search(rf"<{p}{name}\b[^>]*?(?:/>|>(.*?)</{p}{name}>)", self.xml, re.S)

    def _items(self, name: str, item: str) -> list[str]:
        m = self._section(name)
        if m is None or m.group(1) is None:
            return []
        p = re.escape(self.p)
        return re.findall(rf"<{p}{item}\b[^>]*?(?:/>|>.*?</{p}{item}>)", m.group(1), re.S)

    def _add(self, name: str, xml: str) -> int:
        self.added[name].append(xml)
        return len(self.lists[name]) + len(self.added[name]) - 1

    def fill(self, rgb: str) -> int:
        if rgb not in self._fills:
            p = self.p
            self._fills[rgb] = self._add("fills", f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
                                                  f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
        return self._fills[rgb]

    def font(self, bold: bool = False, color: str = "", underline: bool = False) -> int:
        p = self.p
        return self._add("fonts", f"<{p}font>" + (f"<{p}b/>" if bold else "") + (f"<{p}u/>" if underline else "")
                         + f'<{p}sz val="11"/>' + (f'<{p}color rgb="{color}"/>' if color else "")
                         + f'<{p}name val="{FONT}"/></{p}font>')

    def border(self) -> int:
        p = self.p
        sides = "".join(f'<{p}{s} style="thin"><{p}color rgb="{BORDER_COLOR}"/></{p}{s}>'
                        for s in ("left", "right", "top", "bottom"))
        return self._add("borders", f"<{p}border>{sides}<{p}diagonal/></{p}border>")

    def xf(self, font: int = 0, fill: int = 0, border: int = 0, wrap: bool = False, top: bool = False) -> int:
        p = self.p
        align = ""
        if wrap or top:
            align = f"<{p}alignment" + (' vertical="top"' if top else "") + (' wrapText="1"' if wrap else "") + "/>"
        return self._add("cellXfs", f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
                                    f' applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">{align}</{p}xf>')

    def twin(self, style: int, severity: str) -> int:
        """A copy of cell format ``style`` with the severity's fill."""
        xfs = self.lists["cellXfs"]
        style = style if 0 <= style < len(xfs) else 0
        key = (style, severity)
        if key not in self._twins:
            fill = self.fill(FILLS.get(severity, FILLS["info"]))
            m = re.match(r"<[^>]*?/?>", xfs[style], re.S)
            head, rest = m.group(0), xfs[style][m.end():]
            head = _set_attr(_set_attr(head, "fillId", str(fill)), "applyFill", "1")
            self._twins[key] = self._add("cellXfs", head + rest)
        return self._twins[key]

    def render(self) -> str:
        out = self.xml
        p = self.p
        for name in ("fonts", "fills", "borders", "cellXfs"):
            extra = self.added[name]
            if not extra:
                continue
            total = len(self.lists[name]) + len(extra)
            m = re.search(rf"<{re.escape(p)}{name}\b[^>]*?(/?)>", out)
            if m is None:  # a section the file lacks: put it where the schema order wants it
                raise PackageError(f"styles.xml has no {name}")
            head = _set_attr(m.group(0).replace("/>", ">") if m.group(1) else m.group(0), "count", str(total))
            if m.group(1):
                out = out[:m.start()] + head + "".join(extra) + f"</{p}{name}>" + out[m.end():]
            else:
                close = out.index(f"</{p}{name}>", m.end())
                out = out[:m.start()] + head + out[m.end():close] + "".join(extra) + out[close:]
        return out


# ------------------------------------------------------------------------------------------------ one sheet


_ROW = re.compile(r"<((?:\w+:)?)row\b([^>]*?)(/>|>(.*?)</\1row>)", re.S)
_CELL = re.compile(r"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</\1c>)", re.S)


def _cells_with_styles(xml: str, targets: dict[tuple[int, int], int]) -> str:
    """The sheet XML with the style of each target cell (row, column) set; missing rows and cells added."""
    p = _prefix(xml, "worksheet")
    m = re.search(rf"<{re.escape(p)}sheetData\b[^>]*?(/?)>", xml)
    if m is None:
        raise PackageError("no sheetData")
    if m.group(1):  # <sheetData/>
        head, body, tail = xml[:m.start()] + f"<{p}sheetData>", "", f"</{p}sheetData>" + xml[m.end():]
    else:
        close = xml.index(f"</{p}sheetData>", m.end())
        head, body, tail = xml[:m.end()], xml[m.end():close], xml[close:]
    by_row: dict[int, dict[int, int]] = {}
    for (r, c), s in targets.items():
        by_row.setdefault(r, {})[c] = s
    out: list[str] = []
    pos, last_row = 0, 0
    for rm in _ROW.finditer(body):
        attrs = _attrs(rm.group(2))
        r = int(attrs["r"]) if attrs.get("r", "").isdigit() else last_row + 1
        for missing in sorted(k for k in by_row if last_row < k < r):
            out.append(body[pos:rm.start()])
            pos = rm.start()
            out.append(_new_row(p, missing, by_row.pop(missing)))
        last_row = r
        if r in by_row:
            out.append(body[pos:rm.start()])
            out.append(_edit_row(rm, p, r, by_row.pop(r)))
            pos = rm.end()
    out.append(body[pos:])
    for missing in sorted(by_row):
        out.append(_new_row(p, missing, by_row[missing]))
    return head + "".join(out) + tail


def _new_row(p: str, r: int, cells: dict[int, int]) -> str:
    return f'<{p}row r="{r}">' + "".join(f'<{p}c r="{get_column_letter(c)}{r}" s="{s}"/>'
                                        for c, s in sorted(cells.items())) + f"</{p}row>"


def _edit_row(rm: re.Match, p: str, r: int, cells: dict[int, int]) -> str:
    open_tag = f"<{rm.group(1) or ''}row{rm.group(2)}>"
    inner = rm.group(4) or ""
    out: list[str] = []
    pos, last_col = 0, 0
    for cm in _CELL.finditer(inner):
        attrs = _attrs(cm.group(2))
        ref = _REF.match(attrs.get("r", ""))
        c = column_index_from_string(ref.group(1)) if ref else last_col + 1
        for missing in sorted(k for k in cells if last_col < k < c):
            out.append(inner[pos:cm.start()])
            pos = cm.start()
            out.append(f'<{p}c r="{get_column_letter(missing)}{r}" s="{cells.pop(missing)}"/>')
        last_col = c
        if c in cells:
            out.append(inner[pos:cm.start()])
            tag = f"<{cm.group(1) or ''}c{cm.group(2)}" + ("/>" if cm.group(3) == "/>" else ">")
            out.append(_set_attr(tag, "s", str(cells.pop(c))) + ("" if cm.group(3) == "/>" else cm.group(3)[1:]))
            pos = cm.end()
    out.append(inner[pos:])
    for missing in sorted(cells):
        out.append(f'<{p}c r="{get_column_letter(missing)}{r}" s="{cells[missing]}"/>')
    return open_tag + "".join(out) + f"</{p}row>"


_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst", "AlternateContent")


def _add_legacy_drawing(xml: str, rid: str) -> str:
    p = _prefix(xml, "worksheet")
    close = xml.rindex(f"</{p}worksheet>")
    start = xml.find(f"</{p}sheetData>")
    start = start if start >= 0 else 0
    at = close
    for name in _AFTER_LEGACY:
        m = re.compile(rf"<(\w+:)?{name}\b").search(xml, start, close)
        if m and m.start() < at:
            at = m.start()
    return xml[:at] + f'<{p}legacyDrawing xmlns:r="{REL}" r:id="{rid}"/>' + xml[at:]


def _unselect(xml: str) -> str:
    return re.sub(r'(<(?:\w+:)?sheetView\b[^>]*?)\stabSelected="(?:1|true)"', r"\1", xml)


def _merged(xml: str) -> list[tuple[int, int, int, int]]:
    out = []
    for ref in re.findall(r'<(?:\w+:)?mergeCell\b[^>]*?ref="([A-Z]+\d+):([A-Z]+\d+)"', xml):
        a, b = _REF.match(ref[0]), _REF.match(ref[1])
        if a and b:
            out.append((int(a.group(2)), column_index_from_string(a.group(1)),
                        int(b.group(2)), column_index_from_string(b.group(1))))
    return out


# ------------------------------------------------------------------------------------------------ comments + VML


def _comments_xml(existing: str | None, notes: dict[tuple[int, int], Note]) -> str:
    """The comments part with a comment per note (an existing comment on the cell, or an earlier cpxl
    comment anywhere, is replaced)."""
    if existing:
        p = _prefix(existing, "comments")
        authors = [_unesc(a) for a in re.findall(rf"<{re.escape(p)}author>(.*?)</{re.escape(p)}author>", existing, re.S)]
        if not re.search(rf"<{re.escape(p)}authors\b", existing):
            raise PackageError("comments without authors")
    else:
        p, authors = "", []
        existing = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}"><authors></authors>' \
                   "<commentList></commentList></comments>"
    ours = authors.index(AUTHOR) if AUTHOR in authors else None
    refs = {f"{get_column_letter(c)}{r}" for r, c in notes}
    kept = []
    pe = re.escape(p)
    m = re.search(rf"<{pe}commentList\b[^>]*?(/?)>", existing)
    if m is None:
        raise PackageError("comments without commentList")
    if m.group(1):
        existing = existing[:m.start()] + f"<{p}commentList></{p}commentList>" + existing[m.end():]
        m = re.search(rf"<{pe}commentList\b[^>]*?>", existing)
    close = existing.index(f"</{p}commentList>", m.end())
    for cm in re.finditer(rf"<{pe}comment\b([^>]*?)(?:/>|>.*?</{pe}comment>)", existing[m.end():close], re.S):
        a = _attrs(cm.group(1))
        if a.get("ref") in refs or (ours is not None and a.get("authorId") == str(ours)):
            continue
        kept.append(cm.group(0))
    if ours is None:
        ours = len(authors)
        am = re.search(rf"<{pe}authors\b[^>]*?(/?)>", existing)
        if am.group(1):
            existing = existing[:am.start()] + f"<{p}authors><{p}author>{esc(AUTHOR)}</{p}author></{p}authors>" \
                + existing[am.end():]
        else:
            aclose = existing.index(f"</{p}authors>", am.end())
            existing = existing[:aclose] + f"<{p}author>{esc(AUTHOR)}</{p}author>" + existing[aclose:]
        m = re.search(rf"<{pe}commentList\b[^>]*?>", existing)
        close = existing.index(f"</{p}commentList>", m.end())
    new = [f'<{p}comment ref="{get_column_letter(c)}{r}" authorId="{ours}"><{p}text><{p}t xml:space="preserve">'
           f"{esc(n.text)}</{p}t></{p}text></{p}comment>" for (r, c), n in sorted(notes.items())]
    return existing[:m.end()] + "".join(kept) + "".join(new) + existing[close:]


def _old_cpxl_cells(existing: str | None) -> set[tuple[int, int]]:
    """Cells holding a comment by an earlier cpxl annotation (their note shapes are dropped)."""
    if not existing:
        return set()
    authors = [_unesc(a) for a in re.findall(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>", existing, re.S)]
    if AUTHOR not in authors:
        return set()
    ours = str(authors.index(AUTHOR))
    out = set()
    for a in re.findall(r"<(?:\w+:)?comment\b([^>]*?)(?:/>|>)", existing):
        at = _attrs(a)
        ref = _REF.match(at.get("ref", ""))
        if at.get("authorId") == ours and ref:
            out.add((int(ref.group(2)), column_index_from_string(ref.group(1))))
    return out


_SHAPETYPE = (b'<v:shapetype xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
              b' id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_SHAPE_RE = re.compile(rb"<((?:\w+:)?)shape\b(?:(?!<(?:\w+:)?shape\b).)*?</\1shape>", re.S)


def _vml(existing: bytes | None, cells: list[tuple[int, int]], idmap: int, drop: set[tuple[int, int]]) -> bytes:
    """The VML drawing with a note shape for each new commented cell (existing shapes kept, old cpxl ones dropped)."""
    if existing is None:
        existing = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
                    b' xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
                    b'<o:idmap v:ext="edit" data="' + str(idmap).encode() + b'"/></o:shapelayout>' + _SHAPETYPE
                    + b"</xml>")
    else:
        def keep(m: re.Match) -> bytes:
            row = re.search(rb"<(?:\w+:)?Row>\s*(\d+)\s*<", m.group(0))
            col = re.search(rb"<(?:\w+:)?Column>\s*(\d+)\s*<", m.group(0))
            if row and col and (int(row.group(1)) + 1, int(col.group(1)) + 1) in drop:
                return b""
            return m.group(0)
        existing = _SHAPE_RE.sub(keep, existing)
    have = {(int(r) + 1, int(c) + 1) for r, c in re.findall(
        rb"<(?:\w+:)?Row>\s*(\d+)\s*</(?:\w+:)?Row>\s*<(?:\w+:)?Column>\s*(\d+)\s*<", existing)}
    ids = [int(x) for x in re.findall(rb'id="_x0000_s(\d+)"', existing)]
    maps = re.search(rb'idmap\b[^>]*?data="(\d+)', existing)
    base = int(maps.group(1)) * 1024 if maps else idmap * 1024
    nxt = max([base, *ids]) + 1
    if b"_x0000_t202" not in existing:
        existing = existing.replace(b"</xml>", _SHAPETYPE + b"</xml>") if b"</xml>" in existing else existing
    shapes = []
    for r, c in cells:
        if (r, c) in have:
            continue
        shapes.append(
            f'<v:shape xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
            f' xmlns:x="urn:schemas-microsoft-com:office:excel" id="_x0000_s{nxt}" type="#_x0000_t202"'
            f' style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:240pt;height:120pt;z-index:{nxt - base};'
            f'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            f'<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{c}, 15, {max(r - 2, 0)}, 10, {c + 4}, 15, {r + 6}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>".encode())
        nxt += 1
    at = existing.rfind(b"</xml>")
    if at < 0:
        raise PackageError("VML drawing without </xml>")
    return existing[:at] + b"".join(shapes) + existing[at:]


# ------------------------------------------------------------------------------------------------ the result sheet


def _result_sheet_xml(res: ResultSheet, st: Styles) -> str:
    border = st.border()
    header = st.xf(font=st.font(bold=True), fill=st.fill(HEADER_FILL), border=border)
    body, wrapped = st.xf(top=True), st.xf(top=True, wrap=True)
    link = st.xf(font=st.font(color=LINK_COLOR, underline=True), top=True)
    sev = {k: st.xf(fill=st.fill(v), top=True) for k, v in FILLS.items()}
    ncol = len(res.columns)
    last = get_column_letter(ncol)
    n = max(2, len(res.rows) + 1)
    cols = "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>' for j, w in enumerate(res.widths, start=1))
    rows = ['<row r="1">' + "".join(_istr(f"{get_column_letter(j)}1", header, h) for j, h in enumerate(res.columns, 1))
            + "</row>"]
    for i, values in enumerate(res.rows, start=2):
        cells = []
        for j, v in enumerate(values, start=1):
            ref = f"{get_column_letter(j)}{i}"
            sheet, cell = res.links[i - 2] if i - 2 < len(res.links) else ("", "")
            if j == res.link_col and sheet and cell:
                target = "#" + "'" + sheet.replace("'", "''") + "'!" + cell
                formula = f'HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{cell}")'
                cells.append(f'<c r="{ref}" s="{link}" t="str"><f>{esc(formula)}</f><v>{esc(cell)}</v></c>')
                continue
            style = sev.get(res.severities[i - 2], sev["info"]) if j == 1 else (wrapped if j in res.wrap else body)
            cells.append(_istr(ref, style, v))
        rows.append(f'<row r="{i}">' + "".join(cells) + "</row>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            f'<sheetPr><tabColor rgb="{res.tab_color}"/></sheetPr><dimension ref="A1:{last}{n}"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            f'<sheetData>{"".join(rows)}</sheetData><autoFilter ref="A1:{last}{n}"/>'
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')


def _istr(ref: str, style: int, text: str) -> str:
    text = "" if text is None else str(text)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{esc(text)}</t></is></c>'


# ------------------------------------------------------------------------------------------------ the package


def _unique(pkg_names: set[str], pattern: str) -> str:
    k = 1
    while pattern.format(k) in pkg_names:
        k += 1
    name = pattern.format(k)
    pkg_names.add(name)
    return name


def annotate_package(src: Path, out: Path, notes: dict[str, dict[str, Note]], result: ResultSheet) -> None:
    """Write ``out``: ``src`` with ``notes`` (sheet name → A1 cell → note) and ``result`` in front."""
    pkg = Package(src)
    with pkg:
        names = set(pkg.names())
        changed: dict[str, bytes] = {}
        dropped: set[str] = set()
        ct = pkg.read("[Content_Types].xml").decode("utf-8")
        wb_part = _main_part(pkg)
        wb_xml = pkg.read(wb_part).decode("utf-8")
        wb_rels = Rels.parse(_rels_name(wb_part), pkg.read(_rels_name(wb_part)).decode("utf-8")
                             if _rels_name(wb_part) in names else None)
        sheets = _sheets(wb_xml)
        part_of = {}
        for s in sheets:
            rel = wb_rels.target(s["rid"])
            if rel is not None:
                part_of[s["name"]] = _resolve(wb_part, rel["Target"])
        styles_rel = wb_rels.of_type(REL + "/styles")
        styles_part = _resolve(wb_part, styles_rel[0]["Target"]) if styles_rel else "xl/styles.xml"
        st = Styles(pkg.read(styles_part).decode("utf-8"))
        used_idmaps: set[int] | None = None  # shape-id blocks of the VML drawings (read when a new one is made)
        # 1. every sheet with notes: styles of its cells, comments, VML drawing
        for sheet, cells in notes.items():
            part = part_of.get(sheet)
            if part is None or part not in names or not cells:
                continue
            xml = pkg.read(part).decode("utf-8")
            merged = _merged(xml)
            targets: dict[tuple[int, int], Note] = {}
            for ref, note in cells.items():
                m = _REF.match(ref)
                if not m:
                    continue
                r, c = int(m.group(2)), column_index_from_string(m.group(1))
                for r0, c0, r1, c1 in merged:  # a cell inside a merged range: its first cell shows the note
                    if r0 <= r <= r1 and c0 <= c <= c1:
                        r, c = r0, c0
                prev = targets.get((r, c))
                targets[(r, c)] = note if prev is None else Note(prev.severity, prev.text + "\n" + note.text)
            if not targets:
                continue
            current = _styles_of(xml, set(targets))
            xml = _cells_with_styles(xml, {rc: st.twin(current.get(rc, 0), n.severity) for rc, n in targets.items()})
            rels = Rels.parse(_rels_name(part), pkg.read(_rels_name(part)).decode("utf-8")
                              if _rels_name(part) in names else None)
            com = rels.of_type(T_COMMENTS)
            com_part = _resolve(part, com[0]["Target"]) if com else _unique(names, "xl/comments/cpxlComments{}.xml")
            old_comments = pkg.read(com_part).decode("utf-8") if com and com_part in names else None
            legacy = re.search(r'<(?:\w+:)?legacyDrawing\b[^>]*?\br:id="([^"]*)"', xml) or \
                re.search(r'<(?:\w+:)?legacyDrawing\b[^>]*?:id="([^"]*)"', xml)
            vml_rel = rels.target(legacy.group(1)) if legacy else None
            if legacy and vml_rel is None:
                raise PackageError("legacyDrawing without its relationship")
            vml_part = _resolve(part, vml_rel["Target"]) if vml_rel else _unique(names, "xl/drawings/cpxlNotes{}.vml")
            old_vml = pkg.read(vml_part) if vml_rel and vml_part in names else None
            idmap = 0
            if old_vml is None:
                if used_idmaps is None:
                    used_idmaps = {int(x) for n in names if n.lower().endswith(".vml") and n in pkg
                                   for x in re.findall(rb'idmap\b[^>]*?data="(\d+)', pkg.read(n))}
                idmap = 1
                while idmap in used_idmaps:
                    idmap += 1
                used_idmaps.add(idmap)
            changed[vml_part] = _vml(old_vml, sorted(targets), idmap, _old_cpxl_cells(old_comments) - set(targets))
            changed[com_part] = _comments_xml(old_comments, targets).encode("utf-8")
            if not com:
                rels.add(T_COMMENTS, "/" + com_part)
                ct = _override(ct, com_part, CT_COMMENTS)
            if not vml_rel:
                xml = _add_legacy_drawing(xml, rels.add(T_VML, "/" + vml_part))
            if not re.search(r'<Default\b[^>]*Extension="vml"', ct, re.I):
                ct = ct.replace("</Types>", f'<Default Extension="vml" ContentType="{CT_VML}"/></Types>')
            changed[_rels_name(part)] = rels.render()
            changed[part] = _unselect(xml).encode("utf-8")
        # 2. the other sheets are no longer selected (the result sheet is)
        for name, part in part_of.items():
            if part not in changed and part in names and name != result.name:
                head = pkg.read(part)
                if b"tabSelected" in head:
                    changed[part] = _unselect(head.decode("utf-8")).encode("utf-8")
        # 3. the result sheet, first; an earlier one dropped
        old = next((s for s in sheets if s["name"] == result.name), None)
        if old is not None and old["name"] in part_of:
            gone = part_of[old["name"]]
            dropped |= {gone, _rels_name(gone)}
            wb_rels.items = [r for r in wb_rels.items if r.get("Id") != old["rid"]]
            ct = _no_override(ct, gone)
        if old is not None:  # its formulas may be listed in the calculation chain: Excel rebuilds it
            for r in wb_rels.of_type(REL + "/calcChain"):
                gone = _resolve(wb_part, r["Target"])
                dropped.add(gone)
                ct = _no_override(ct, gone)
            wb_rels.items = [r for r in wb_rels.items if r.get("Type") != REL + "/calcChain"]
        new_part = _unique(names, "xl/worksheets/cpxlResult{}.xml")
        rid = wb_rels.add(T_SHEET, "/" + new_part)
        ct = _override(ct, new_part, CT_SHEET)
        changed[new_part] = _result_sheet_xml(result, st).encode("utf-8")
        wb_xml = _workbook_with_result(wb_xml, sheets, old, result.name, rid, len(result.rows),
                                       get_column_letter(len(result.columns)))
        # 4. no macros
        for r in list(wb_rels.items):
            target = _resolve(wb_part, r.get("Target", ""))
            if "vbaproject" in target.lower() or r.get("Type", "").endswith("/vbaProject"):
                dropped.add(target)
                wb_rels.items.remove(r)
                ct = _no_override(ct, target)
        dropped |= {n for n in names if "vbaproject" in n.lower() or n.lower().endswith("vbadata.xml")}
        ct = ct.replace(CT_XLSM, CT_XLSX)
        changed[wb_part] = wb_xml.encode("utf-8")
        changed[_rels_name(wb_part)] = wb_rels.render()
        changed[styles_part] = st.render().encode("utf-8")
        changed["[Content_Types].xml"] = ct.encode("utf-8")
        _write(pkg, out, changed, dropped)


def _main_part(pkg: Package) -> str:
    rels = Rels.parse("_rels/.rels", pkg.read("_rels/.rels").decode("utf-8") if "_rels/.rels" in pkg else None)
    doc = rels.of_type(REL + "/officeDocument")
    part = _resolve("", doc[0]["Target"]) if doc else "xl/workbook.xml"
    if part not in pkg:
        raise PackageError("no workbook part")
    return part


def _sheets(wb_xml: str) -> list[dict[str, str]]:
    out = []
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*?/?>", wb_xml):
        a = _attrs(m.group(0))
        rid = next((v for k, v in a.items() if k.endswith(":id")), "")
        out.append({"name": _unesc(a.get("name", "")), "rid": rid, "sheetId": a.get("sheetId", "0")})
    return out


def _styles_of(xml: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    rows = {r for r, _ in cells}
    out: dict[tuple[int, int], int] = {}
    for cm in re.finditer(r'<(?:\w+:)?c\b([^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?)/?>', xml):
        r = int(cm.group(3))
        if r in rows:
            c = column_index_from_string(cm.group(2))
            if (r, c) in cells:
                s = _attrs(cm.group(1)).get("s", "0")
                out[(r, c)] = int(s) if s.isdigit() else 0
    return out


def _override(ct: str, part: str, kind: str) -> str:
    ct = _no_override(ct, part)
    return ct.replace("</Types>", f'<Override PartName="/{part}" ContentType="{kind}"/></Types>')


def _no_override(ct: str, part: str) -> str:
    return re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", ct, flags=re.I)


def _workbook_with_result(wb_xml: str, sheets: list[dict[str, str]], old: dict[str, str] | None, name: str,
                          rid: str, nrows: int, last: str) -> str:
    p = _prefix(wb_xml, "workbook")
    pe = re.escape(p)
    order = [s for s in sheets if s is not old]
    remap = {str(i): str(order.index(s) + 1) for i, s in enumerate(sheets) if s is not old}
    if old is not None:
        wb_xml = re.sub(rf'<{pe}sheet\b[^>]*?name="{re.escape(esc(old["name"], True))}"[^>]*?/>', "", wb_xml, count=1)
    sheet_id = max([int(s["sheetId"]) for s in sheets if s["sheetId"].isdigit()] + [0]) + 1
    m = re.search(rf"<{pe}sheets\b[^>]*?>", wb_xml)
    if m is None:
        raise PackageError("workbook without sheets")
    new = f'<{p}sheet xmlns:r="{REL}" name="{esc(name, True)}" sheetId="{sheet_id}" r:id="{rid}"/>'
    wb_xml = wb_xml[:m.end()] + new + wb_xml[m.end():]

    def renumber(dm: re.Match) -> str:
        tag = dm.group(1)
        local = re.search(r'localSheetId="(\d+)"', tag)
        if local is None:
            return dm.group(0)
        if local.group(1) not in remap:
            return ""  # a name local to the dropped result sheet
        return _set_attr(tag, "localSheetId", remap[local.group(1)]) + dm.group(2)

    wb_xml = re.sub(rf"(<{pe}definedName\b[^>]*>)(.*?</{pe}definedName>)", renumber, wb_xml, flags=re.S)
    flt = (f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
           f"'{esc(name.replace(chr(39), chr(39) * 2))}'!$A$1:${last}${max(2, nrows + 1)}</{p}definedName>")
    dn = re.search(rf"<{pe}definedNames\b[^>]*?(/?)>", wb_xml)
    if dn and not dn.group(1):
        wb_xml = wb_xml[:dn.end()] + flt + wb_xml[dn.end():]
    else:
        if dn:
            wb_xml = wb_xml[:dn.start()] + wb_xml[dn.end():]
        sm = re.search(rf"</{pe}sheets>", wb_xml)
        wb_xml = wb_xml[:sm.end()] + f"<{p}definedNames>{flt}</{p}definedNames>" + wb_xml[sm.end():]
    return re.sub(rf"<{pe}workbookView\b[^>]*?/?>",
                  lambda v: _set_attr(_set_attr(v.group(0), "activeTab", "0"), "firstSheet",
                                      "0" if "firstSheet" in v.group(0) else None), wb_xml)


def _write(pkg: Package, out: Path, changed: dict[str, bytes], dropped: set[str]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        done = set()
        for info in pkg.infos:
            name = info.filename
            if name in dropped or name in done:
                continue
            done.add(name)
            if name in changed:
                zi = zipfile.ZipInfo(name, info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, changed[name])
            else:
                copy_raw(pkg, name, zout)
        for name, data in changed.items():
            if name not in done and name not in dropped:
                zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, data)
