"""python-docx building blocks of the report template: fonts with their East-Asian faces, styles, fields,
tables with repeated header rows, page setup and page numbers."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from cpxl.core.paths import TEMPLATES

TEMPLATE = TEMPLATES / "report.docx"

LATIN = "Times New Roman"
BODY_EA = "仿宋"
HEAD_EA = "黑体"
TABLE_EA = "宋体"

#: Rows per table part. LibreOffice lays out one table of thousands of rows many times slower than
#: the same rows in parts (3,000 rows: 79 s as one table, 16 s in parts of 40–200 rows), so long
#: tables are split; the parts after the first are captioned “续表 2-n”.
CHUNK = 150

ANNEX_CAPTION = "附表题"  # first caption of an annex table; in the table of contents
PORTRAIT_TEXT_MM = 210 - 28 - 26  # A4 text width: 156 mm
LANDSCAPE_TEXT_MM = 297 - 22 - 22  # 253 mm


# ---------------------------------------------------------------------------
# XML helpers


def _set_fonts(rpr, latin: str, east_asia: str) -> None:
    """Explicit fonts on an ``w:rPr``; theme-font attributes (which win over explicit ones) are dropped."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _strip_theme_fonts(doc) -> None:
    for rfonts in doc.styles.element.iter(qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            rfonts.attrib.pop(qn(f"w:{attr}"), None)


def _doc_defaults(doc) -> None:
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, LATIN, BODY_EA)
    lang = rpr.find(qn("w:lang"))
    # Latin text is Latin (en-US), Chinese text Chinese: with w:val="zh-CN" LibreOffice lays out digits and
    # Latin letters by the Chinese rules and ends a line anywhere inside "87.62" or "mg/Nm³"
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")


def _first_line_chars(style_or_par, chars: int, size_pt: float) -> None:
    """First-line indent in characters (w:firstLineChars; Word and WPS) with a twips fallback."""
    ppr = style_or_par.element.get_or_add_pPr() if hasattr(style_or_par, "element") else style_or_par
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size_pt * 20)))


def _style(doc, name: str, *, base: str | None = "Normal", ea: str = BODY_EA, size: float = 12,
           bold: bool = False, align=None, indent_chars: int = 0, before: float = 0, after: float = 0,
           line: float | None = 1.5, keep_next: bool = False, page_break_before: bool = False,
           outline: int | None = None, style_id: str | None = None):
    styles = doc.styles
    try:
        st = styles[name]
    except KeyError:
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if style_id:
        st.style_id = style_id  # ASCII ids: some WPS versions mishandle non-ASCII style ids
    if base and name != base:
        st.base_style = styles[base]
    st.quick_style = True
    f = st.font
    f.size = Pt(size)
    f.bold = bold
    f.italic = False
    f.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(st.element.get_or_add_rPr(), LATIN, ea)
    pf = st.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing = line
    pf.keep_with_next = keep_next
    pf.page_break_before = page_break_before
    pf.widow_control = True
    ppr = st.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is not None:
        ppr.remove(ind)
    if indent_chars:
        _first_line_chars(ppr, indent_chars, size)
    else:
        ind = OxmlElement("w:ind")
        ind.set(qn("w:firstLine"), "0")
        ind.set(qn("w:firstLineChars"), "0")
        ppr.append(ind)
    old = ppr.find(qn("w:outlineLvl"))
    if old is not None:
        ppr.remove(old)
    if outline is not None:
        lvl = OxmlElement("w:outlineLvl")
        lvl.set(qn("w:val"), str(outline))
        ppr.append(lvl)
    # Word wants pPr children in schema order; sort what we touched.
    _sort_ppr(ppr)
    return st


_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]


def _sort_ppr(ppr) -> None:
    children = list(ppr)
    order = {qn(f"w:{n}"): i for i, n in enumerate(_PPR_ORDER)}
    children.sort(key=lambda el: order.get(el.tag, 99))
    for el in children:
        ppr.remove(el)
    for el in children:
        ppr.append(el)


def _field(paragraph: Paragraph, instr: str, result: str) -> None:
    """A complex field (``fldChar`` begin/separate/end) with a cached ``result`` run."""
    def fld(kind: str) -> None:
        r = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        r._r.append(el)

    fld("begin")
    r = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = instr
    r._r.append(it)
    fld("separate")
    paragraph.add_run(result)
    fld("end")


def _cell_width(cell, mm: float) -> None:
    cell.width = Mm(mm)


def _table_props(table: Table, widths: list[float]) -> None:
    tbl = table._tbl
    tblpr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:w"), str(int(sum(widths) * 56.6929)))
    tblw.set(qn("w:type"), "dxa")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid = tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        gc.set(qn("w:w"), str(int(w * 56.6929)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=False):
            _cell_width(cell, w)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)
    cant = OxmlElement("w:cantSplit")
    trpr.append(cant)


def _no_split(row) -> None:
    """A data row never breaks across pages (docxtpl copies the row's properties to every row it renders)."""
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        trpr.append(OxmlElement("w:cantSplit"))


def kind_of(key: str) -> str:
    """表, 图 or 附表 for the context key of a table or figure."""
    if key.startswith("fig."):
        return "图"
    return "附表" if key.startswith("annex.") else "表"


def _set_cell(cell, text: str, style: str, align=None) -> None:
    p = cell.paragraphs[0]
    p.style = style
    if align is not None:
        p.alignment = align
    if text:
        p.add_run(text)


# ---------------------------------------------------------------------------
# building blocks


@dataclass(frozen=True)
class Col:
    header: str
    field: str  # Jinja expression relative to the loop variable ``r``, e.g. "name"
    width: float  # mm
    align: str = "left"  # left | center | right


_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}


class Builder:
    def __init__(self) -> None:
        self.doc = Document()
        self.tables = 0

    # paragraphs --------------------------------------------------------------------
    def p(self, text: str = "", style: str = "Normal", align=None) -> Paragraph:
        par = self.doc.add_paragraph(style=style)
        if text:
            par.add_run(text)
        if align is not None:
            par.alignment = align
        return par

    def tag(self, jinja: str) -> None:
        """A docxtpl paragraph tag (``{%p … %}``); the whole paragraph is replaced by the tag."""
        self.doc.add_paragraph(jinja, style="Normal")

    def paras(self, expr: str, style: str = "Normal") -> None:
        self.tag(f"{{%p for t in {expr} %}}")
        self.p("{{ t }}", style)
        self.tag("{%p endfor %}")

    def heading(self, text: str, level: int) -> None:
        self.doc.add_paragraph(text, style=f"Heading {level}")

    def caption(self, key: str, title: str) -> None:
        """“表 2-5 …”, “图 2-1 …” or “附表 3 …”: the number is ``num['key']`` (:mod:`cpxl.report.numbering`
        numbers the tables and figures that are present, in document order)."""
        kind = kind_of(key)
        par = self.doc.add_paragraph(style="图题" if kind == "图" else ANNEX_CAPTION if kind == "附表" else "表题")
        par.add_run(f"{kind} {{{{ num['{key}'] }}}} {title}")

    def chunk_caption(self, key: str, title: str) -> None:
        """Inside a ``{%p for chunk … %}`` loop: the caption of the first part, “续表” for the others."""
        self.tag("{%p if loop.first %}")
        self.caption(key, title)
        self.tag("{%p else %}")
        par = self.doc.add_paragraph(style="表题")
        par.add_run(f"续{kind_of(key)} {{{{ num['{key}'] }}}} {title}")
        self.tag("{%p endif %}")

    def figure(self, expr: str, title: str, alt: str | None = None) -> None:
        self.tag(f"{{%p if {expr} %}}")
        self.p(f"{{{{ {expr} }}}}", "图")
        self.caption(expr, title)
        self.tag("{%p endif %}")

    # tables ------------------------------------------------------------------------
    def table(self, rows_expr: str, cols: list[Col], caption: str | None = None, cond: str | None = None,
              top_rows: list[list[tuple[str, int]]] | None = None, note: str | None = None,
              small: bool = False) -> Table:
        """A caption and a table whose body rows repeat with ``{%tr for r in rows_expr %}``.

        ``top_rows``: extra rows above the header, each a list of (text, column span).
        """
        cond = cond or rows_expr
        self.tag(f"{{%p if {cond} %}}")
        loop = rows_expr
        if caption:  # long tables are split into parts of CHUNK rows, captioned 续表 (see CHUNK)
            self.tag(f"{{%p for chunk in {rows_expr}|batch({CHUNK}) %}}")
            self.chunk_caption(rows_expr, caption)
            loop = "chunk"
        extra = top_rows or []
        n_head = len(extra) + 1
        t = self.doc.add_table(rows=n_head + 3, cols=len(cols))
        t.style = self.doc.styles["Table Grid"]
        widths = [c.width for c in cols]
        _table_props(t, widths)
        for i, spec in enumerate(extra):
            row = t.rows[i]
            j = 0
            for text, span in spec:
                cell = row.cells[j]
                if span > 1:
                    cell = cell.merge(row.cells[j + span - 1])
                _set_cell(cell, text, "表格文字")
                j += span
            _repeat_header(row)
        head = t.rows[n_head - 1]
        text_style = "表格小字" if small else "表格文字"
        for cell, c in zip(head.cells, cols, strict=True):
            _set_cell(cell, c.header, "表头小字" if small else "表头")
        _repeat_header(head)
        _set_cell(t.rows[n_head].cells[0], f"{{%tr for r in {loop} %}}", "表格文字")
        for cell, c in zip(t.rows[n_head + 1].cells, cols, strict=True):
            _set_cell(cell, f"{{{{ r.{c.field} }}}}", text_style, _ALIGN[c.align])
        _no_split(t.rows[n_head + 1])
        _set_cell(t.rows[n_head + 2].cells[0], "{%tr endfor %}", "表格文字")
        if caption:
            self.tag("{%p endfor %}")
        if note:
            self.p(note, "表注")
        self.tag("{%p endif %}")
        self.tables += 1
        return t

    def matrix_table(self) -> None:
        """The enterprise × indicator matrix: rows and indicator columns both repeat (``{%tr %}``, ``{%tc %}``)."""
        name_w, no_w = 50.0, 13.0
        col_w = round((LANDSCAPE_TEXT_MM - name_w - no_w) / 20, 2)
        t = self.doc.add_table(rows=4, cols=5)
        t.style = self.doc.styles["Table Grid"]
        _table_props(t, [no_w, name_w, col_w, col_w, col_w])
        h = t.rows[0].cells
        _set_cell(h[0], "序号", "表头")
        _set_cell(h[1], "企业名称", "表头")
        _set_cell(h[2], "{%tc for c in part.columns %}", "表头")
        _set_cell(h[3], "{{ c }}", "表头")
        _set_cell(h[4], "{%tc endfor %}", "表头")
        _repeat_header(t.rows[0])
        _set_cell(t.rows[1].cells[0], "{%tr for r in chunk %}", "表格文字")
        d = t.rows[2].cells
        _set_cell(d[0], "{{ r.no }}", "表格小字", _ALIGN["center"])
        _set_cell(d[1], "{{ r.name }}", "表格小字")
        _set_cell(d[2], "{%tc for v in r.cells %}", "表格小字")
        _set_cell(d[3], "{{ v }}", "表格小字", _ALIGN["center"])
        _set_cell(d[4], "{%tc endfor %}", "表格小字")
        _no_split(t.rows[2])
        _set_cell(t.rows[3].cells[0], "{%tr endfor %}", "表格文字")
        self.tables += 1

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.core_properties.title = "行业整体清洁生产审核报告"
        self.doc.core_properties.language = "zh-CN"
        self.doc.core_properties.author = "cpxl"
        self.doc.core_properties.comments = "由 cpxl/report/build_template.py 生成；可在 Word/WPS 中修改样式。"
        buf = io.BytesIO()
        self.doc.save(buf)
        # rewrite the zip with fixed timestamps: the same builder gives the same bytes (clean diffs in git)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, src.read(item.filename))
        return path


# ---------------------------------------------------------------------------
# styles and page setup


def _styles(doc) -> None:
    _strip_theme_fonts(doc)
    _doc_defaults(doc)
    C, L = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    _style(doc, "Normal", base=None, size=12, align=L, indent_chars=2, line=1.5)
    _style(doc, "Heading 1", ea=HEAD_EA, size=16, before=12, after=12, keep_next=True, page_break_before=True,
           outline=0, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, "Heading 2", ea=HEAD_EA, size=14, before=8, after=6, keep_next=True, outline=1,
           align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, "Heading 3", ea=HEAD_EA, size=12, before=6, after=3, keep_next=True, outline=2,
           align=WD_ALIGN_PARAGRAPH.LEFT)
    for n in (1, 2, 3):
        h = doc.styles[f"Heading {n}"]
        h.font.bold = False
        link = h.element.find(qn("w:link"))
        if link is not None:
            h.element.remove(link)
    _style(doc, "Title", ea=HEAD_EA, size=26, align=C, line=1.25, before=0, after=12)
    title_ppr = doc.styles["Title"].element.get_or_add_pPr()
    for el in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(el)
    _style(doc, "封面副标题", style_id="CoverSubtitle", ea=BODY_EA, size=16, align=C, line=1.25, after=6)
    _style(doc, "封面信息", style_id="CoverInfo", ea=BODY_EA, size=16, align=C, line=1.5, after=6)
    _style(doc, "封面说明", style_id="CoverNote", ea=BODY_EA, size=10.5, align=C, line=1.25, before=18)
    _style(doc, "封面草稿", style_id="CoverDraft", ea=HEAD_EA, size=16, align=C, line=1.25, before=12)
    _style(doc, "前置标题", style_id="FrontTitle", ea=HEAD_EA, size=18, align=C, before=12, after=18, page_break_before=True)
    # captions: own styles (LibreOffice replaces the fonts of the built-in "Caption" style on export)
    _style(doc, "表题", style_id="TableCaption", ea=HEAD_EA, size=10.5, align=C, before=6, after=3, keep_next=True,
           line=None)
    # annex tables are listed in the table of contents (outline level 2, TOC switch u), their continuations are not
    _style(doc, ANNEX_CAPTION, style_id="AnnexCaption", base="表题", ea=HEAD_EA, size=10.5, align=C, before=6, after=3,
           keep_next=True, line=None, outline=1)
    _style(doc, "图题", style_id="FigureCaption", ea=HEAD_EA, size=10.5, align=C, before=3, after=9, keep_next=False, line=None)
    _style(doc, "图", style_id="Figure", ea=BODY_EA, size=10.5, align=C, before=6, keep_next=True, line=None)
    _style(doc, "表格文字", style_id="TableText", ea=TABLE_EA, size=10.5, align=WD_ALIGN_PARAGRAPH.LEFT, line=None)
    _style(doc, "表头", style_id="TableHeader", base="表格文字", ea=HEAD_EA, size=10.5, align=C, line=None)
    _style(doc, "表格小字", style_id="TableTextSmall", ea=TABLE_EA, size=9, align=WD_ALIGN_PARAGRAPH.LEFT, line=None)
    _style(doc, "表头小字", style_id="TableHeaderSmall", base="表格小字", ea=HEAD_EA, size=9, align=C, line=None)
    _style(doc, "表注", style_id="TableNote", ea=TABLE_EA, size=9, align=WD_ALIGN_PARAGRAPH.LEFT, before=3, after=6, line=None)
    _style(doc, "签章", style_id="Seal", ea=BODY_EA, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, line=1.5)
    _style(doc, "目录标题", style_id="TocTitle", ea=HEAD_EA, size=18, align=C, before=12, after=18, page_break_before=True)
    _style(doc, "toc 1", ea=HEAD_EA, size=12, line=1.25, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, "toc 2", ea=BODY_EA, size=12, line=1.25, align=WD_ALIGN_PARAGRAPH.LEFT)
    doc.styles["toc 2"].paragraph_format.left_indent = Pt(24)
    _style(doc, "Footer", ea=BODY_EA, size=10.5, align=C, line=None)
    doc.styles["Table Grid"].font.size = Pt(10.5)


def _page(section, landscape: bool = False) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin = section.right_margin = Mm(22)
        section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(15)


def _page_numbers(section, fmt: str | None, start: int | None) -> None:
    sectpr = section._sectPr
    old = sectpr.find(qn("w:pgNumType"))
    if old is not None:
        sectpr.remove(old)
    if fmt is None and start is None:
        return
    el = OxmlElement("w:pgNumType")
    if fmt:
        el.set(qn("w:fmt"), fmt)
    if start is not None:
        el.set(qn("w:start"), str(start))
    # pgNumType goes after pgMar/pgSz and before cols
    cols = sectpr.find(qn("w:cols"))
    if cols is not None:
        cols.addprevious(el)
    else:
        sectpr.append(el)


def _footer(section) -> None:
    footer = section.footer
    footer.is_linked_to_previous = False
    par = footer.paragraphs[0]
    par.style = "Footer"
    par.add_run("— ")
    _field(par, " PAGE ", "1")
    par.add_run(" —")
