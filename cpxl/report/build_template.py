"""Build ``templates/report.docx``, the docxtpl template of the Appendix C report, with python-docx.

Run ``python -m cpxl.report.build_template`` after changing this file; the result is committed.
A regulator may also open the .docx in Word or WPS and restyle it (fonts, spacing, cover, page
setup): the Jinja tags are plain text in single runs, the headings use the built-in Heading 1–3
styles (so the table of contents picks them up), and every font is set in the styles with its
East-Asian font (``w:eastAsia``), not through theme fonts.

Layout: section 1 (cover, 编制单位及人员, 协议说明, 目录; Roman page numbers, no number on the
cover), section 2 (2.1–2.3, Arabic page numbers from 1), section 3 (the enterprise × indicator
matrix in landscape; left out with its section break when there is no matrix), section 4 (2.4–2.5).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
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

    def caption(self, kind: str, title: str) -> None:
        par = self.doc.add_paragraph(style="表题" if kind == "表" else "图题")
        par.add_run(f"{kind} 2-")
        _field(par, f" SEQ {kind} \\* ARABIC ", f"{{{{ seq('{kind}') }}}}")
        par.add_run(f" {title}")

    def chunk_caption(self, title: str) -> None:
        """Inside a ``{%p for chunk … %}`` loop: the caption of the first part, “续表” for the others."""
        self.tag("{%p if loop.first %}")
        self.caption("表", title)
        self.tag("{%p else %}")
        par = self.doc.add_paragraph(style="表题")
        par.add_run(f"续表 2-{{{{ seq.last('表') }}}} {title}")
        self.tag("{%p endif %}")

    def figure(self, expr: str, title: str) -> None:
        self.tag(f"{{%p if {expr} %}}")
        self.p(f"{{{{ {expr} }}}}", "图")
        self.caption("图", title)
        self.tag("{%p endif %}")

    # tables ------------------------------------------------------------------------
    def table(self, rows_expr: str, cols: list[Col], caption: str | None = None, cond: str | None = None,
              top_rows: list[list[tuple[str, int]]] | None = None, note: str | None = None) -> Table:
        """A caption and a table whose body rows repeat with ``{%tr for r in rows_expr %}``.

        ``top_rows``: extra rows above the header, each a list of (text, column span).
        """
        cond = cond or rows_expr
        self.tag(f"{{%p if {cond} %}}")
        loop = rows_expr
        if caption:  # long tables are split into parts of CHUNK rows, captioned 续表 (see CHUNK)
            self.tag(f"{{%p for chunk in {rows_expr}|batch({CHUNK}) %}}")
            self.chunk_caption(caption)
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
        for cell, c in zip(head.cells, cols, strict=True):
            _set_cell(cell, c.header, "表头")
        _repeat_header(head)
        _set_cell(t.rows[n_head].cells[0], f"{{%tr for r in {loop} %}}", "表格文字")
        for cell, c in zip(t.rows[n_head + 1].cells, cols, strict=True):
            _set_cell(cell, f"{{{{ r.{c.field} }}}}", "表格文字", _ALIGN[c.align])
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
        _set_cell(d[0], "{{ r.no }}", "表格文字", _ALIGN["center"])
        _set_cell(d[1], "{{ r.name }}", "表格文字")
        _set_cell(d[2], "{%tc for v in r.cells %}", "表格文字")
        _set_cell(d[3], "{{ v }}", "表格文字", _ALIGN["center"])
        _set_cell(d[4], "{%tc endfor %}", "表格文字")
        _set_cell(t.rows[3].cells[0], "{%tr endfor %}", "表格文字")
        self.tables += 1

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.core_properties.title = "行业整体清洁生产审核报告（模板）"
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
    _style(doc, "前置标题", style_id="FrontTitle", ea=HEAD_EA, size=18, align=C, before=12, after=18, page_break_before=True)
    # captions: own styles (LibreOffice replaces the fonts of the built-in "Caption" style on export)
    _style(doc, "表题", style_id="TableCaption", ea=HEAD_EA, size=10.5, align=C, before=6, after=3, keep_next=True,
           line=None)
    _style(doc, "图题", style_id="FigureCaption", ea=HEAD_EA, size=10.5, align=C, before=3, after=9, keep_next=False, line=None)
    _style(doc, "图", style_id="Figure", ea=BODY_EA, size=10.5, align=C, before=6, keep_next=True, line=None)
    _style(doc, "表格文字", style_id="TableText", ea=TABLE_EA, size=10.5, align=WD_ALIGN_PARAGRAPH.LEFT, line=None)
    _style(doc, "表头", style_id="TableHeader", base="表格文字", ea=HEAD_EA, size=10.5, align=C, line=None)
    _style(doc, "表注", style_id="TableNote", ea=TABLE_EA, size=9, align=WD_ALIGN_PARAGRAPH.LEFT, before=3, after=6, line=None)
    _style(doc, "签章", style_id="Seal", ea=BODY_EA, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, line=1.5)
    _style(doc, "目录标题", style_id="TocTitle", ea=HEAD_EA, size=18, align=C, before=12, after=18, page_break_before=True)
    _style(doc, "toc 1", ea=HEAD_EA, size=12, line=1.5, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, "toc 2", ea=BODY_EA, size=12, line=1.5, align=WD_ALIGN_PARAGRAPH.LEFT)
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


# ---------------------------------------------------------------------------
# the report


def build(path: Path = TEMPLATE) -> Path:
    b = Builder()
    doc = b.doc
    _styles(doc)
    front = doc.sections[0]
    _page(front)
    front.different_first_page_header_footer = True
    _page_numbers(front, "upperRoman", 1)
    _footer(front)
    C = WD_ALIGN_PARAGRAPH.CENTER

    # 1.1 封面 --------------------------------------------------------------------------
    b.p("{{ cover.title }}", "Title").paragraph_format.space_before = Mm(55)
    b.p("{{ cover.subtitle }}", "封面副标题")
    b.p("审核主体：{{ cover.organizer }}", "封面信息").paragraph_format.space_before = Mm(75)
    b.p("编制单位：{{ cover.compiler }}", "封面信息")
    b.p("编制时间：{{ cover.date }}", "封面信息")

    # 1.2 编制单位及人员 ------------------------------------------------------------------
    b.p("编制单位及人员", "前置标题")
    b.p("编制单位：{{ staff.unit }}", "Normal")
    b.p("（盖章）", "签章")
    b.paras("staff.paragraphs")
    b.table("staff.members", [
        Col("序号", "no", 12, "center"), Col("姓名", "name", 20, "center"), Col("审核小组职务", "role", 22, "center"),
        Col("单位及职务职称", "title", 46), Col("职责", "duties", 34), Col("签字", "sign", 22),
    ])

    # 1.3 协议说明 ------------------------------------------------------------------------
    b.p("协议说明", "前置标题")
    b.paras("agreement.paragraphs")
    b.p("")
    t = doc.add_table(rows=5, cols=2)
    t.style = doc.styles["Table Grid"]
    _table_props(t, [PORTRAIT_TEXT_MM / 2] * 2)
    cells = [("委托方", "受托方"), ("{{ agreement.party_a }}", "{{ agreement.party_b }}"),
             ("负责人（签字）：", "负责人（签字）："), ("（盖章）", "（盖章）"),
             ("日期：　　　　年　　月　　日", "日期：　　　　年　　月　　日")]
    for i, (x, y) in enumerate(cells):
        _set_cell(t.rows[i].cells[0], x, "表头" if i == 0 else "表格文字", C if i in (0, 1) else None)
        _set_cell(t.rows[i].cells[1], y, "表头" if i == 0 else "表格文字", C if i in (0, 1) else None)
        if i >= 2:
            t.rows[i].height = Mm(14)

    # 1.4 目录 ---------------------------------------------------------------------------
    b.p("目　录", "目录标题")
    toc = b.p("", "Normal")
    toc.paragraph_format.first_line_indent = Pt(0)
    _field(toc, ' TOC \\o "1-2" \\h \\z \\u ', "目录将在生成报告时自动更新；在 Word 中可右键单击此处选择“更新域”。")

    body = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(body)
    body.different_first_page_header_footer = False
    _page_numbers(body, "decimal", 1)

    # 2.1 总论 ---------------------------------------------------------------------------
    b.heading("2.1 总论", 1)
    b.heading("2.1.1 项目背景", 2)
    b.paras("s211.paragraphs")
    b.table("s211.economy", [
        Col("年份", "year", 14, "center"), Col("企业数量（家）", "count", 18, "right"),
        Col("工业增加值（万元）", "value_added", 24, "right"), Col("工业总产值（万元）", "gross_output", 24, "right"),
        Col("从业人数（人）", "employees", 20, "right"), Col("营业收入（万元）", "revenue", 24, "right"),
        Col("数据来源", "source", 32)], "行业经济发展现状")
    b.heading("2.1.2 指导原则", 2)
    b.paras("s212.paragraphs")
    b.heading("2.1.3 编制依据", 2)
    b.paras("s213.paragraphs")
    b.paras("s213.lines")

    # 2.2 前期准备 -------------------------------------------------------------------------
    b.heading("2.2 前期准备", 1)
    b.heading("2.2.1 明确审核任务", 2)
    b.paras("s221.paragraphs")
    b.table("s221.rows", [Col("项目", "item", 40), Col("内容", "value", 116)], "审核任务")
    b.heading("2.2.2 组建审核小组", 2)
    b.paras("s222.paragraphs")
    b.table("s222.rows", [
        Col("姓名", "name", 16, "center"), Col("审核小组职务", "role", 20, "center"),
        Col("来自部门及职务职称", "department_title", 40), Col("职责", "duties", 38),
        Col("投入时间", "time_input", 18, "center"), Col("联系方式", "contact", 24)],
        "审核小组成员表（表A.1）")
    b.heading("2.2.3 制定工作计划", 2)
    b.paras("s223.paragraphs")
    b.table("s223.rows", [
        Col("阶段", "stage", 20, "center"), Col("工作内容", "task", 44), Col("完成时间", "due", 28, "center"),
        Col("责任部门及负责人", "responsible", 40), Col("备注", "remarks", 24)],
        "审核工作计划表（表A.2）",
        top_rows=[[("审核范围：{{ s223.scope }}", 3), ("审核时间：{{ s223.period }}", 2)], [("工作计划", 5)]])
    b.heading("2.2.4 宣传教育与能力建设", 2)
    b.paras("s224.paragraphs")
    b.table("s224.rows", [
        Col("日期", "date", 24, "center"), Col("方式", "channel", 28), Col("内容", "content", 42),
        Col("参加对象", "audience", 28), Col("人数", "attendance", 12, "right"), Col("组织单位", "organizer", 22)],
        "宣传教育与能力建设记录")

    # 2.3 审核诊断 -------------------------------------------------------------------------
    b.heading("2.3 审核诊断", 1)
    b.heading("2.3.1 审核对象基本情况", 2)
    b.heading("一、企业概况", 3)
    b.paras("s231.overview")
    b.table("s231.types", [Col("类别", "item", 80), Col("企业数（家）", "count", 36, "right"),
                           Col("占比", "share", 36, "right")], "审核企业类型统计")
    b.table("s231.counties", [Col("所在区县", "county", 80), Col("企业数（家）", "count", 36, "right"),
                              Col("占比", "share", 36, "right")], "审核企业区县分布")
    b.table("s231.enterprises", [
        Col("序号", "no", 13, "center"), Col("企业名称", "name", 36), Col("统一社会信用代码", "uscc", 37),
        Col("所在区县", "county", 16), Col("规模", "size", 11, "center"), Col("主要产品或服务", "products", 22),
        Col("设计规模", "capacity", 21, "right")], "审核企业一览表")
    b.heading("二、资源能源利用情况", 3)
    b.paras("s231.resource")
    b.table("s231.products", [
        Col("产品/服务", "product", 40), Col("单位", "unit", 14, "center"), Col("产量", "output", 24, "right"),
        Col("设计产能", "capacity", 24, "right"), Col("产能利用率", "utilization", 22, "right"),
        Col("企业数（家）", "ents", 22, "right")], "主要产品产量")
    b.table("s231.energy", [
        Col("能源品种", "carrier", 28), Col("消耗量", "qty", 28, "right"), Col("计量单位", "unit", 22, "center"),
        Col("折标准煤（tce）", "tce", 30, "right"), Col("占比", "share", 22, "right"),
        Col("企业数（家）", "ents", 22, "right")], "能源消耗及折标准煤",
        note="注：按 GB/T 2589 折算标准煤，电力按当量值计。")
    b.table("s231.water", [
        Col("取水类型", "source", 38), Col("取水量（m³）", "intake", 40, "right"),
        Col("重复利用水量（m³）", "reused", 42, "right"), Col("企业数（家）", "ents", 32, "right")], "水资源消耗")
    b.table("s231.materials", [
        Col("原辅材料", "material", 30), Col("类别", "category", 18, "center"), Col("用途", "purpose", 22),
        Col("单位", "unit", 12, "center"), Col("消耗量", "consumption", 24, "right"),
        Col("有毒有害", "hazardous", 18, "center"), Col("企业数（家）", "ents", 24, "right")], "主要原辅材料消耗")
    b.heading("三、生态环境状况", 3)
    b.paras("s231.environment")
    b.table("s231.regional", [
        Col("环境要素", "element", 18, "center"), Col("年份", "year", 13, "center"), Col("监测断面/点位", "site", 27),
        Col("评价指标", "parameter", 30), Col("现状值", "value", 17, "right"), Col("标准限值", "standard", 17, "right"),
        Col("单位", "unit", 16, "center"), Col("达标情况", "status", 18, "center")], "区域环境质量状况")
    b.table("s231.pollutants", [
        Col("类别", "kind", 14, "center"), Col("项目", "pollutant", 28), Col("单位", "unit", 12, "center"),
        Col("产生量", "generated", 26, "right"), Col("排放量", "discharged", 26, "right"),
        Col("去除率", "removal", 24, "right"), Col("企业数（家）", "ents", 26, "right")], "主要污染物产生与排放")
    b.table("s231.solidwaste", [
        Col("类别", "category", 34), Col("产生量（t）", "generated", 25, "right"),
        Col("综合利用量（t）", "utilized", 26, "right"), Col("处置量（t）", "disposed", 25, "right"),
        Col("贮存量（t）", "stored", 22, "right"), Col("综合利用率", "rate", 22, "right")], "固体废物产生与利用处置")
    b.table("s231.carbon", [
        Col("排放源", "source", 50), Col("排放量（tCO₂）", "emission", 40, "right"), Col("占比", "share", 30, "right"),
        Col("企业数（家）", "ents", 32, "right")], "二氧化碳排放")
    b.table("s231.monitoring", [
        Col("监测类别", "category", 40), Col("监测点位（个）", "points", 28, "right"),
        Col("实际监测次数", "times", 30, "right"), Col("达标次数", "compliant", 28, "right"),
        Col("达标率", "rate", 26, "right")], "企业自行监测达标情况")
    b.heading("四、环境管理情况", 3)
    b.paras("s231.management")
    b.table("s231.mgmt", [Col("项目", "item", 68), Col("是（家）", "yes", 28, "right"), Col("否（家）", "no", 28, "right"),
                          Col("落实比例", "share", 28, "right")], "企业环境管理情况")
    b.table("s231.inspections", [
        Col("企业名称", "enterprise", 40), Col("问题来源", "source", 32), Col("问题描述", "issue", 60),
        Col("整改状态", "status", 24, "center")], "环保督察发现问题及整改情况")
    b.heading("2.3.2 确定审核诊断重点", 2)
    b.paras("s232.paragraphs")
    b.table("s232.rows", [Col("序号", "no", 12, "center"), Col("审核诊断重点", "focus", 50),
                          Col("判定依据（指南5.2.2）", "basis", 70), Col("涉及企业（家）", "ents", 24, "right")],
            "审核诊断重点")
    b.heading("2.3.3 清洁生产水平诊断", 2)
    b.paras("s233.intro")
    b.table("s233.dims", [Col("诊断维度（指南5.2.3）", "dimension", 46), Col("二级指标数", "count", 22, "right"),
                          Col("限定性指标数", "limiting", 24, "right"), Col("主要指标", "examples", 64)],
            "清洁生产评价指标体系构成")
    b.table("s233.indicators", [
        Col("序号", "no", 10, "center"), Col("一级指标", "category", 20), Col("二级指标", "indicator", 31),
        Col("单位", "unit", 17, "center"), Col("权重", "weight", 13, "right"), Col("限定性", "limiting", 13, "center"),
        Col("I级基准值", "l1", 17), Col("II级基准值", "l2", 17), Col("III级基准值", "l3", 18)],
        "清洁生产评价指标及基准值", note="注：定性指标的分级要求较长，表中从略，详见审核总表“指标体系”工作表。")
    b.paras("s233.levels")
    b.table("s233.level_rows", [Col("清洁生产水平", "level", 32, "center"), Col("含义", "meaning", 60),
                                Col("企业数（家）", "count", 32, "right"), Col("占比", "share", 32, "right")],
            "企业清洁生产水平分布")
    b.figure("fig.level", "企业清洁生产水平分布")
    b.paras("s233.problems_text")
    b.table("s233.problems", [
        Col("序号", "no", 10, "center"), Col("指标", "indicator", 40), Col("诊断维度", "dimension", 28),
        Col("填报企业（家）", "n", 16, "right"), Col("未达II级（家）", "below2", 16, "right"),
        Col("比例", "share2", 14, "right"), Col("未达III级（家）", "below3", 18, "right"),
        Col("比例", "share3", 14, "right")], "行业关键共性问题识别")
    b.paras("s233.bench_text")
    b.figure("fig.bench", "重点指标对标")
    b.table("s233.results", [
        Col("序号", "no", 13, "center"), Col("企业名称", "enterprise", 44), Col("Y_I", "y1", 14, "right"),
        Col("Y_II", "y2", 14, "right"), Col("Y_III", "y3", 14, "right"), Col("等级", "level", 17, "center"),
        Col("未达标的限定性指标", "limiting", 40)], "企业清洁生产水平诊断结果")

    # landscape: the enterprise × indicator matrix ---------------------------------------------
    matrix = doc.add_section(WD_SECTION.NEW_PAGE)  # the paragraph before holds section 2's properties
    _page(matrix, landscape=True)
    _page_numbers(matrix, "decimal", None)
    b.tag("{%p if s233.matrix %}")
    b.paras("s233.matrix_text")
    b.tag("{%p for part in s233.matrix %}")
    b.tag(f"{{%p for chunk in part.rows|batch({CHUNK}) %}}")
    b.chunk_caption("{{ part.title }}")
    b.matrix_table()
    b.tag("{%p endfor %}")
    b.tag("{%p endfor %}")
    b.p("注：列号为表“清洁生产评价指标及基准值”中的指标序号；Ⅰ、Ⅱ、Ⅲ为达到的等级，×为未达到III级，/为不适用，"
        "—为未填报或无法判定。", "表注")
    rest = doc.add_section(WD_SECTION.NEW_PAGE)  # the paragraph before holds the landscape section
    _page(rest)
    _page_numbers(rest, "decimal", None)
    b.tag("{%p endif %}")

    # 2.4 方案制定与筛选 ---------------------------------------------------------------------
    b.heading("2.4 方案制定与筛选", 1)
    b.heading("2.4.1 清洁生产审核目标", 2)
    b.paras("s241.paragraphs")
    b.table("s241.rows", [
        Col("企业", "enterprise", 30), Col("指标", "indicator", 31), Col("单位", "unit", 16, "center"),
        Col("现状值", "baseline", 16, "right"), Col("目标值", "target", 16, "right"),
        Col("改善幅度", "improvement", 15, "right"), Col("目标依据", "rule", 20), Col("目标年份", "year", 12, "center")],
        "清洁生产审核目标", note="注：企业栏为“全行业”的是行业层面目标。")
    b.table("s241.potential", [Col("节约/削减项目", "item", 56), Col("单位", "unit", 24, "center"),
                               Col("预计节约/削减量", "saving", 40, "right"), Col("涉及企业（家）", "ents", 36, "right")],
            "改善潜力预测")
    b.figure("fig.potential", "主要指标改善潜力")
    b.heading("2.4.2 清洁生产方案汇总", 2)
    b.paras("s242.paragraphs")
    b.table("s242.by_category", [
        Col("方案类型", "category", 30), Col("方案数（项）", "count", 22, "right"), Col("无/低费", "low", 20, "right"),
        Col("中/高费", "high", 20, "right"), Col("投资（万元）", "investment", 30, "right"),
        Col("年经济效益（万元）", "savings", 34, "right")], "清洁生产方案分类汇总")
    b.table("s242.rows", [
        Col("方案编号", "id", 21), Col("企业", "enterprise", 30), Col("方案名称", "title", 41),
        Col("类型", "category", 16, "center"), Col("费用类别", "cost", 16, "center"),
        Col("投资（万元）", "investment", 16, "right"), Col("年效益（万元）", "savings", 16, "right")],
        "清洁生产方案汇总表", note="注：企业栏为“全行业”的是行业层面方案。")
    b.heading("2.4.3 清洁生产方案确定", 2)
    b.paras("s243.paragraphs")
    b.table("s243.summary", [Col("筛选结论", "decision", 38, "center"), Col("方案数（项）", "count", 34, "right"),
                             Col("投资（万元）", "investment", 40, "right"), Col("年经济效益（万元）", "savings", 44, "right")],
            "方案筛选结果汇总")
    b.table("s243.recommended", [
        Col("序号", "no", 13, "center"), Col("方案编号", "id", 21), Col("方案名称", "title", 40),
        Col("企业", "enterprise", 30), Col("得分", "score", 14, "right"), Col("理由", "reason", 38)],
        "推荐实施的清洁生产方案")
    b.table("s243.tracking", [Col("实施状态", "status", 52, "center"), Col("方案数（项）", "count", 52, "right"),
                              Col("占比", "share", 52, "right")], "方案实施跟踪情况")

    # 2.5 结论和建议 ------------------------------------------------------------------------
    b.heading("2.5 结论和建议", 1)
    b.heading("一、结论", 3)
    b.paras("s25.conclusions")
    b.heading("二、建议", 3)
    b.paras("s25.suggestions")
    _settings(doc)
    return b.save(path)


def _settings(doc) -> None:
    """Chinese proofing language and East-Asian line breaking for the whole document."""
    settings = doc.settings.element
    for tag in ("w:themeFontLang",):
        el = settings.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            settings.append(el)
        el.set(qn("w:val"), "en-US")
        el.set(qn("w:eastAsia"), "zh-CN")


def main() -> None:  # pragma: no cover - a developer tool
    out = build()
    print(f"已生成报告模板：{out}")


if __name__ == "__main__":  # pragma: no cover
    main()
