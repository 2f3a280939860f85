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

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from cpxl.book.xlsxedit import (
    MAIN,
    REF,
    REL,
    PackageError,
    Rels,
    Styles,
    add_legacy_drawing,
    attrs,
    cells_with_styles,
    esc,
    merged_ranges,
    no_override,
    override,
    prefix,
    rels_name,
    resolve,
    set_attr,
    styles_of,
    unesc,
    unselect,
)
from cpxl.core.zipparts import Package, copy_raw

T_SHEET = REL + "/worksheet"
T_COMMENTS = REL + "/comments"
T_VML = REL + "/vmlDrawing"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
AUTHOR = "cpxl 校验"
FORMULA_START = ("=", "+", "-", "@")
FILLS = {"error": "FFFF9999", "warning": "FFFFE699", "info": "FFDDEBF7"}
HEADER_FILL, LINK_COLOR, BORDER_COLOR, FONT = "FFDDEBF7", "FF0563C1", "FFA6A6A6", "等线"


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


# ------------------------------------------------------------------------------------------------ comments + VML


def _comments_xml(existing: str | None, notes: dict[tuple[int, int], Note]) -> str:
    """The comments part with a comment per note (an existing comment on the cell, or an earlier cpxl
    comment anywhere, is replaced)."""
    if existing:
        p = prefix(existing, "comments")
        authors = [unesc(a) for a in re.findall(rf"<{re.escape(p)}author>(.*?)</{re.escape(p)}author>", existing, re.S)]
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
        a = attrs(cm.group(1))
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
    authors = [unesc(a) for a in re.findall(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>", existing, re.S)]
    if AUTHOR not in authors:
        return set()
    ours = str(authors.index(AUTHOR))
    out = set()
    for a in re.findall(r"<(?:\w+:)?comment\b([^>]*?)(?:/>|>)", existing):
        at = attrs(a)
        ref = REF.match(at.get("ref", ""))
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
    border = st.border(BORDER_COLOR)
    header = st.xf(font=st.font(FONT, bold=True), fill=st.fill(HEADER_FILL), border=border)
    body, wrapped = st.xf(top=True), st.xf(top=True, wrap=True)
    quoted = {body: st.xf(top=True, quote=True), wrapped: st.xf(top=True, wrap=True, quote=True)}
    link = st.xf(font=st.font(FONT, color=LINK_COLOR, underline=True), top=True)
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
            if isinstance(v, str) and v.startswith(FORMULA_START):  # a value an enterprise typed: text it stays
                style = quoted.get(style, style)
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
        wb_rels = Rels.parse(rels_name(wb_part), pkg.read(rels_name(wb_part)).decode("utf-8")
                             if rels_name(wb_part) in names else None)
        sheets = _sheets(wb_xml)
        part_of = {}
        for s in sheets:
            rel = wb_rels.target(s["rid"])
            if rel is not None:
                part_of[s["name"]] = resolve(wb_part, rel["Target"])
        styles_rel = wb_rels.of_type(REL + "/styles")
        styles_part = resolve(wb_part, styles_rel[0]["Target"]) if styles_rel else "xl/styles.xml"
        st = Styles(pkg.read(styles_part).decode("utf-8"))
        used_idmaps: set[int] | None = None  # shape-id blocks of the VML drawings (read when a new one is made)
        # 1. every sheet with notes: styles of its cells, comments, VML drawing
        for sheet, cells in notes.items():
            part = part_of.get(sheet)
            if part is None or part not in names or not cells:
                continue
            xml = pkg.read(part).decode("utf-8")
            merged = merged_ranges(xml)
            targets: dict[tuple[int, int], Note] = {}
            for ref, note in cells.items():
                m = REF.match(ref)
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
            current = styles_of(xml, set(targets))
            xml = cells_with_styles(xml, {rc: st.twin(current.get(rc, 0), FILLS.get(n.severity, FILLS["info"])) for rc, n in targets.items()})
            rels = Rels.parse(rels_name(part), pkg.read(rels_name(part)).decode("utf-8")
                              if rels_name(part) in names else None)
            com = rels.of_type(T_COMMENTS)
            com_part = resolve(part, com[0]["Target"]) if com else _unique(names, "xl/comments/cpxlComments{}.xml")
            old_comments = pkg.read(com_part).decode("utf-8") if com and com_part in names else None
            legacy = re.search(r'<(?:\w+:)?legacyDrawing\b[^>]*?\br:id="([^"]*)"', xml) or \
                re.search(r'<(?:\w+:)?legacyDrawing\b[^>]*?:id="([^"]*)"', xml)
            vml_rel = rels.target(legacy.group(1)) if legacy else None
            if legacy and vml_rel is None:
                raise PackageError("legacyDrawing without its relationship")
            vml_part = resolve(part, vml_rel["Target"]) if vml_rel else _unique(names, "xl/drawings/cpxlNotes{}.vml")
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
                ct = override(ct, com_part, CT_COMMENTS)
            if not vml_rel:
                xml = add_legacy_drawing(xml, rels.add(T_VML, "/" + vml_part))
            if not re.search(r'<Default\b[^>]*Extension="vml"', ct, re.I):
                ct = ct.replace("</Types>", f'<Default Extension="vml" ContentType="{CT_VML}"/></Types>')
            changed[rels_name(part)] = rels.render()
            changed[part] = unselect(xml).encode("utf-8")
        # 2. the other sheets are no longer selected (the result sheet is)
        for name, part in part_of.items():
            if part not in changed and part in names and name != result.name:
                head = pkg.read(part)
                if b"tabSelected" in head:
                    changed[part] = unselect(head.decode("utf-8")).encode("utf-8")
        # 3. the result sheet, first; an earlier one dropped
        old = next((s for s in sheets if s["name"] == result.name), None)
        if old is not None and old["name"] in part_of:
            gone = part_of[old["name"]]
            dropped |= {gone, rels_name(gone)}
            wb_rels.items = [r for r in wb_rels.items if r.get("Id") != old["rid"]]
            ct = no_override(ct, gone)
        if old is not None:  # its formulas may be listed in the calculation chain: Excel rebuilds it
            for r in wb_rels.of_type(REL + "/calcChain"):
                gone = resolve(wb_part, r["Target"])
                dropped.add(gone)
                ct = no_override(ct, gone)
            wb_rels.items = [r for r in wb_rels.items if r.get("Type") != REL + "/calcChain"]
        new_part = _unique(names, "xl/worksheets/cpxlResult{}.xml")
        rid = wb_rels.add(T_SHEET, "/" + new_part)
        ct = override(ct, new_part, CT_SHEET)
        changed[new_part] = _result_sheet_xml(result, st).encode("utf-8")
        wb_xml = _workbook_with_result(wb_xml, sheets, old, result.name, rid, len(result.rows),
                                       get_column_letter(len(result.columns)))
        # 4. no macros
        for r in list(wb_rels.items):
            target = resolve(wb_part, r.get("Target", ""))
            if "vbaproject" in target.lower() or r.get("Type", "").endswith("/vbaProject"):
                dropped.add(target)
                wb_rels.items.remove(r)
                ct = no_override(ct, target)
        dropped |= {n for n in names if "vbaproject" in n.lower() or n.lower().endswith("vbadata.xml")}
        ct = ct.replace(CT_XLSM, CT_XLSX)
        changed[wb_part] = wb_xml.encode("utf-8")
        changed[rels_name(wb_part)] = wb_rels.render()
        changed[styles_part] = st.render().encode("utf-8")
        changed["[Content_Types].xml"] = ct.encode("utf-8")
        _write(pkg, out, changed, dropped)


def _main_part(pkg: Package) -> str:
    rels = Rels.parse("_rels/.rels", pkg.read("_rels/.rels").decode("utf-8") if "_rels/.rels" in pkg else None)
    doc = rels.of_type(REL + "/officeDocument")
    part = resolve("", doc[0]["Target"]) if doc else "xl/workbook.xml"
    if part not in pkg:
        raise PackageError("no workbook part")
    return part


def _sheets(wb_xml: str) -> list[dict[str, str]]:
    out = []
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*?/?>", wb_xml):
        a = attrs(m.group(0))
        rid = next((v for k, v in a.items() if k.endswith(":id")), "")
        out.append({"name": unesc(a.get("name", "")), "rid": rid, "sheetId": a.get("sheetId", "0")})
    return out


def _workbook_with_result(wb_xml: str, sheets: list[dict[str, str]], old: dict[str, str] | None, name: str,
                          rid: str, nrows: int, last: str) -> str:
    p = prefix(wb_xml, "workbook")
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
        return set_attr(tag, "localSheetId", remap[local.group(1)]) + dm.group(2)

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
                  lambda v: set_attr(set_attr(v.group(0), "activeTab", "0"), "firstSheet",
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
