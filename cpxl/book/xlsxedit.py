"""Text edits of a spreadsheet package's parts, without loading it: cell styles, relationships, content
types, a sheet's cell formats and drawing reference.

The parts are edited as text with regular expressions that follow SpreadsheetML's shapes (any namespace
prefix, attributes in any order, cells and rows with or without references), so that a part is changed
only where the edit needs it and stays otherwise as the enterprise's Excel, WPS or LibreOffice wrote it.
:mod:`cpxl.intake.xmlannotate` builds the annotated feedback copies with these.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string, get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_ATTR = re.compile(r'([\w:.-]+)\s*=\s*"([^"]*)"')
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class PackageError(ValueError):
    """The package has a shape this editor does not handle (the caller falls back to openpyxl)."""


# ------------------------------------------------------------------------------------------------ XML text helpers


def esc(text: str, attr: bool = False) -> str:
    text = _INVALID.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attr else text


def unesc(text: str) -> str:
    import html

    return html.unescape(text)


def prefix(xml: str, local: str) -> str:
    """The namespace prefix the document uses for its root element ``local`` ("" or "x:")."""
    m = re.search(rf"<(\w+:)?{local}\b", xml)
    if m is None:
        raise PackageError(f"no <{local}> element")
    return m.group(1) or ""


def attrs(tag: str) -> dict[str, str]:
    return dict(_ATTR.findall(tag))


def set_attr(tag: str, name: str, value: str | None) -> str:
    """``tag`` (an opening or empty-element tag) with attribute ``name`` set (or removed for None)."""
    pat = re.compile(rf'\s{re.escape(name)}\s*=\s*"[^"]*"')
    tag = pat.sub("", tag)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


def resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def rels_name(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


@dataclass
class Rels:
    """A relationships part as a list of (Id, Type, Target, TargetMode) with edits."""

    part: str
    items: list[dict[str, str]]

    @classmethod
    def parse(cls, part: str, xml: str | None) -> Rels:
        items = [attrs(m.group(0)) for m in re.finditer(r"<(?:\w+:)?Relationship\b[^>]*>", xml or "")]
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
        body = "".join("<Relationship " + " ".join(f'{k}="{esc(unesc(v), True)}"' for k, v in r.items()) + "/>"
                       for r in self.items)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                f"{body}</Relationships>").encode()


# ------------------------------------------------------------------------------------------------ styles


class Styles:
    """Edits of ``xl/styles.xml``: fills, fonts, a border and cell formats appended (existing indices kept)."""

    def __init__(self, xml: str):
        self.xml = xml
        self.p = prefix(xml, "styleSheet")
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

    def font(self, name: str, bold: bool = False, color: str = "", underline: bool = False) -> int:
        p = self.p
        return self._add("fonts", f"<{p}font>" + (f"<{p}b/>" if bold else "") + (f"<{p}u/>" if underline else "")
                         + f'<{p}sz val="11"/>' + (f'<{p}color rgb="{color}"/>' if color else "")
                         + f'<{p}name val="{esc(name, True)}"/></{p}font>')

    def border(self, rgb: str) -> int:
        p = self.p
        sides = "".join(f'<{p}{s} style="thin"><{p}color rgb="{rgb}"/></{p}{s}>'
                        for s in ("left", "right", "top", "bottom"))
        return self._add("borders", f"<{p}border>{sides}<{p}diagonal/></{p}border>")

    def xf(self, font: int = 0, fill: int = 0, border: int = 0, wrap: bool = False, top: bool = False,
           quote: bool = False) -> int:
        """A new cell format; ``quote``: quote-prefixed (text that starts like a formula stays text when edited)."""
        p = self.p
        align = ""
        if wrap or top:
            align = f"<{p}alignment" + (' vertical="top"' if top else "") + (' wrapText="1"' if wrap else "") + "/>"
        return self._add("cellXfs", f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
                                    + (' quotePrefix="1"' if quote else "")
                                    + f' applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">{align}</{p}xf>')

    def twin(self, style: int, rgb: str) -> int:
        """A copy of cell format ``style`` with a solid fill of colour ``rgb``."""
        xfs = self.lists["cellXfs"]
        style = style if 0 <= style < len(xfs) else 0
        key = (style, rgb)
        if key not in self._twins:
            fill = self.fill(rgb)
            m = re.match(r"<[^>]*?/?>", xfs[style], re.S)
            head, rest = m.group(0), xfs[style][m.end():]
            head = set_attr(set_attr(head, "fillId", str(fill)), "applyFill", "1")
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
            head = set_attr(m.group(0).replace("/>", ">") if m.group(1) else m.group(0), "count", str(total))
            if m.group(1):
                out = out[:m.start()] + head + "".join(extra) + f"</{p}{name}>" + out[m.end():]
            else:
                close = out.index(f"</{p}{name}>", m.end())
                out = out[:m.start()] + head + out[m.end():close] + "".join(extra) + out[close:]
        return out


# ------------------------------------------------------------------------------------------------ one sheet


_ROW = re.compile(r"<((?:\w+:)?)row\b([^>]*?)(/>|>(.*?)</\1row>)", re.S)
_CELL = re.compile(r"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</\1c>)", re.S)


def cells_with_styles(xml: str, targets: dict[tuple[int, int], int]) -> str:
    """The sheet XML with the style of each target cell (row, column) set; missing rows and cells added."""
    p = prefix(xml, "worksheet")
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
        at = attrs(rm.group(2))
        r = int(at["r"]) if at.get("r", "").isdigit() else last_row + 1
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
        at = attrs(cm.group(2))
        ref = REF.match(at.get("r", ""))
        c = column_index_from_string(ref.group(1)) if ref else last_col + 1
        for missing in sorted(k for k in cells if last_col < k < c):
            out.append(inner[pos:cm.start()])
            pos = cm.start()
            out.append(f'<{p}c r="{get_column_letter(missing)}{r}" s="{cells.pop(missing)}"/>')
        last_col = c
        if c in cells:
            out.append(inner[pos:cm.start()])
            tag = f"<{cm.group(1) or ''}c{cm.group(2)}" + ("/>" if cm.group(3) == "/>" else ">")
            out.append(set_attr(tag, "s", str(cells.pop(c))) + ("" if cm.group(3) == "/>" else cm.group(3)[1:]))
            pos = cm.end()
    out.append(inner[pos:])
    for missing in sorted(cells):
        out.append(f'<{p}c r="{get_column_letter(missing)}{r}" s="{cells[missing]}"/>')
    return open_tag + "".join(out) + f"</{p}row>"


_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst", "AlternateContent")


def add_legacy_drawing(xml: str, rid: str) -> str:
    p = prefix(xml, "worksheet")
    close = xml.rindex(f"</{p}worksheet>")
    start = xml.find(f"</{p}sheetData>")
    start = start if start >= 0 else 0
    at = close
    for name in _AFTER_LEGACY:
        m = re.compile(rf"<(\w+:)?{name}\b").search(xml, start, close)
        if m and m.start() < at:
            at = m.start()
    return xml[:at] + f'<{p}legacyDrawing xmlns:r="{REL}" r:id="{rid}"/>' + xml[at:]


def unselect(xml: str) -> str:
    return re.sub(r'(<(?:\w+:)?sheetView\b[^>]*?)\stabSelected="(?:1|true)"', r"\1", xml)


def merged_ranges(xml: str) -> list[tuple[int, int, int, int]]:
    out = []
    for ref in re.findall(r'<(?:\w+:)?mergeCell\b[^>]*?ref="([A-Z]+\d+):([A-Z]+\d+)"', xml):
        a, b = REF.match(ref[0]), REF.match(ref[1])
        if a and b:
            out.append((int(a.group(2)), column_index_from_string(a.group(1)),
                        int(b.group(2)), column_index_from_string(b.group(1))))
    return out


def styles_of(xml: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    rows = {r for r, _ in cells}
    out: dict[tuple[int, int], int] = {}
    for cm in re.finditer(r'<(?:\w+:)?c\b([^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?)/?>', xml):
        r = int(cm.group(3))
        if r in rows:
            c = column_index_from_string(cm.group(2))
            if (r, c) in cells:
                s = attrs(cm.group(1)).get("s", "0")
                out[(r, c)] = int(s) if s.isdigit() else 0
    return out


def override(ct: str, part: str, kind: str) -> str:
    ct = no_override(ct, part)
    return ct.replace("</Types>", f'<Override PartName="/{part}" ContentType="{kind}"/></Types>')


def no_override(ct: str, part: str) -> str:
    return re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", ct, flags=re.I)


