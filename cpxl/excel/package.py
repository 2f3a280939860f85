"""The Open XML package of the add-in (``.xlam``) or of a macro-enabled workbook with the same code (``.xlsm``).

Written part by part (no template): one worksheet, a minimal style sheet, document properties, the VBA
project and the ribbon (``customUI/customUI14.xml``). The zip is deterministic — sorted entries, fixed
timestamps — so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

ZIP_TIME = (1980, 1, 1, 0, 0, 0)

MAIN_CONTENT_TYPES = {
    ".xlam": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
}
CUSTOMUI_PART = "customUI/customUI14.xml"
CUSTOMUI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOMUI_REL_ID = "cpxlCustomUI"
VBA_PART = "xl/vbaProject.bin"
VBA_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"

_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _rels(items: Sequence[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{escape(target)}"/>' for i, t, target in items)
    return (_DECL + f'<Relationships xmlns="{_PKG_RELS}">{body}</Relationships>').encode()


def _cell(ref: str, value: str | bool) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _sheet(rows: Sequence[Sequence[str | bool]]) -> bytes:
    data = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    width = max((len(row) for row in rows), default=1)
    ref = f"A1:{chr(64 + width)}{len(rows)}" if rows else "A1"
    return (
        _DECL + f'<worksheet xmlns="{_SML}" xmlns:r="{_R}"><sheetPr codeName="Sheet1"/><dimension ref="{ref}"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f'<cols><col min="1" max="1" width="18" customWidth="1"/></cols><sheetData>{data}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    ).encode()


_STYLES = (
    _DECL + f'<styleSheet xmlns="{_SML}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
).encode()


def _workbook(sheet_name: str) -> bytes:
    return (
        _DECL + f'<workbook xmlns="{_SML}" xmlns:r="{_R}"><workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId1"/></sheets><calcPr calcId="191029"/>'
        "</workbook>"
    ).encode()


def _app(sheet_name: str, application: str) -> bytes:
    return (
        _DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>{escape(application)}</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>'
        "<vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>"
        f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>{escape(sheet_name)}</vt:lpstr></vt:vector>'
        "</TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
    ).encode()


def _core(title: str, description: str, creator: str) -> bytes:
    return (
        _DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:description>{escape(description)}</dc:description>"
        f"<dc:creator>{escape(creator)}</dc:creator><cp:lastModifiedBy>{escape(creator)}</cp:lastModifiedBy>"
        "</cp:coreProperties>"
    ).encode()


def _content_types(suffix: str, extra: Mapping[str, str]) -> bytes:
    overrides = {
        "/xl/workbook.xml": MAIN_CONTENT_TYPES[suffix],
        "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
        "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
        "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
        "/docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        **extra,
    }
    body = (
        f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides.items())
    )
    return (_DECL + f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{body}</Types>').encode()


def zip_parts(parts: Mapping[str, bytes]) -> bytes:
    """A deterministic zip: entries sorted by name, fixed timestamps, no platform attributes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, parts[name], compresslevel=6)
    return buf.getvalue()


SIGNATURE_PREFIX = "xl/vbaProjectSignature"  # vbaProjectSignature.bin, …Agile.bin, …V3.bin
VBA_RELS = "xl/_rels/vbaProject.bin.rels"


def signature_parts(signed: bytes, vba_project: bytes) -> dict[str, bytes] | None:
    """The VBA signature parts of package ``signed`` (with their relationships and content types), to carry into a
    package whose ``vbaProject.bin`` is ``vba_project``.

    A signature covers the VBA project; it stays valid only over the very same project. So the parts are
    returned only if ``signed`` holds a byte-identical ``vbaProject.bin``; None if it does not; {} if it is unsigned.
    """
    with zipfile.ZipFile(io.BytesIO(signed)) as z:
        names = z.namelist()
        if VBA_PART not in names or z.read(VBA_PART) != vba_project:
            return None
        parts = {n: z.read(n) for n in names if n.startswith(SIGNATURE_PREFIX)}
        if not parts:
            return {}
        if VBA_RELS in names:
            parts[VBA_RELS] = z.read(VBA_RELS)
        types = z.read("[Content_Types].xml").decode("utf-8")
    overrides = re.findall(r'<Override PartName="(/xl/vbaProjectSignature[^"]*)" ContentType="([^"]+)"/>', types)
    parts["[Content_Types].xml#signature"] = "\n".join(f"{p}\t{t}" for p, t in overrides).encode()
    return parts


def with_signature(parts: dict[str, bytes], signature: Mapping[str, bytes], suffix: str) -> dict[str, bytes]:
    """``parts`` plus the signature parts from :func:`signature_parts`."""
    out = dict(parts)
    extra = {}
    for line in signature.get("[Content_Types].xml#signature", b"").decode().splitlines():
        part, ctype = line.split("\t")
        extra[part] = ctype
    for name, data in signature.items():
        if not name.startswith("[Content_Types]"):
            out[name] = data
    out["[Content_Types].xml"] = _content_types(suffix, extra)
    return out


def package_parts(
    suffix: str,
    vba_project: bytes,
    customui: bytes,
    sheet_name: str,
    sheet_rows: Sequence[Sequence[str | bool]],
    title: str,
    description: str,
    creator: str,
) -> dict[str, bytes]:
    """The parts of an ``.xlam``/``.xlsm`` package: one sheet (code name Sheet1), the VBA project and the ribbon."""
    if suffix not in MAIN_CONTENT_TYPES:
        raise ValueError(f"unsupported package type {suffix}")
    return {
        "[Content_Types].xml": _content_types(suffix, {}),
        "_rels/.rels": _rels([
            ("rId1", f"{_R}/officeDocument", "xl/workbook.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
             "docProps/core.xml"),
            ("rId3", f"{_R}/extended-properties", "docProps/app.xml"),
            (CUSTOMUI_REL_ID, CUSTOMUI_REL_TYPE, CUSTOMUI_PART),
        ]),
        "docProps/app.xml": _app(sheet_name, "Microsoft Excel"),
        "docProps/core.xml": _core(title, description, creator),
        "xl/workbook.xml": _workbook(sheet_name),
        "xl/_rels/workbook.xml.rels": _rels([
            ("rId1", f"{_R}/worksheet", "worksheets/sheet1.xml"),
            ("rId2", f"{_R}/styles", "styles.xml"),
            ("rId3", VBA_REL_TYPE, "vbaProject.bin"),
        ]),
        "xl/worksheets/sheet1.xml": _sheet(sheet_rows),
        "xl/styles.xml": _STYLES,
        VBA_PART: vba_project,
        CUSTOMUI_PART: customui,
    }
