"""Render the docxtpl template with the report context; post-process what docxtpl cannot do.

* every value is escaped (``autoescape=True``); data such as ``A&B<公司>{{x}}`` appears literally;
* table and figure numbers come from :mod:`cpxl.report.numbering` (``num['key']`` in the captions), the same
  numbers the narrative's cross-references resolve to;
* every picture has alt text, short tables stay on one page, no table row splits or stands alone;
* the document's title, subject, author, language (zh-CN) and dates are set;
* a number keeps its unit and every column is wide enough for its longest unbreakable text
  (:mod:`cpxl.report.render_layout`);
* tables whose columns repeat (``{%tc %}``) get a grid that matches their cells (Word and WPS
  size columns from ``w:gridCol``);
* the TOC field gets provisional entries (headings without page numbers) and ``w:updateFields``,
  so that even without LibreOffice Word shows a table of contents; the LibreOffice pass
  (:mod:`cpxl.report.refresh`) replaces it with the real one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment

from . import charts as charts_mod
from .context import Built
from .docx_kit import ANNEX_CAPTION
from .numbering import number_tables, resolve_refs, template_keys
from .render_layout import fit_columns, make_readable

FIGURE_WIDTH_MM = 150
#: at most about 40 % of the text height (247 mm): what a figure can leave blank on the page before it
FIGURE_MAX_HEIGHT_MM = 100


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def jinja_env() -> Environment:
    return Environment(autoescape=True, finalize=_finalize)


def render_docx(built: Built, template: Path, out: Path, workdir: Path, meta: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    """Render ``template`` with ``built`` into ``out``; returns counts of tables and figures, the numbers given
    to them, unresolved references and warnings. ``meta``: title, author, subject, date of the document."""
    tpl = DocxTemplate(str(template))
    warnings: list[str] = []
    keys = template_keys(template)
    bench = built.charts.get("bench")
    if bench:  # the bars are labelled with the enterprises' numbers in the annex list: say which table that is
        early = number_tables(keys, built.context, {k: True for k, v in built.charts.items() if v})
        if early.get("annex.enterprises"):
            bench["code_legend"] = f"序号见附表{early['annex.enterprises']}"
    try:
        images = charts_mod.draw_all(built.charts, workdir)
    except charts_mod.ChartFontError as exc:  # no chart rather than a chart of tofu boxes
        images = {}
        warnings.append(f"{exc}报告中省略了图表。")
    numbers = number_tables(keys, built.context, images)
    missing: list[str] = []
    context = resolve_refs(built.context, numbers, missing)
    built.numbers = numbers
    fig = {k: _inline_image(tpl, p) for k, p in images.items()}
    tpl.render({**context, "fig": fig, "num": numbers}, jinja_env=jinja_env(), autoescape=True)
    document = tpl.docx
    _fix_grids(document)
    make_readable(document)
    fit_columns(document)
    _alt_texts(document, [built.charts[k].get("alt", "") for k in charts_mod.CHARTS if k in images])
    _keep_tables(document)
    _metadata(document, meta or {})
    toc = _provisional_toc(document)
    _update_fields_on_open(document)
    tpl.save(str(out))
    kinds = [k.split(".")[0] for k in numbers]
    return {"tables": sum(k not in ("fig",) for k in kinds), "figures": kinds.count("fig"), "toc_provisional": toc,
            "numbers": numbers, "missing_refs": missing, "warnings": warnings}


def _inline_image(tpl: DocxTemplate, path: Path) -> InlineImage:
    """A figure 150 mm wide, or lower than :data:`FIGURE_MAX_HEIGHT_MM`: a figure is kept on one page with its
    caption, so a tall one that does not fit below the text before it leaves most of that page blank."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    if w and h * FIGURE_WIDTH_MM / w > FIGURE_MAX_HEIGHT_MM:
        return InlineImage(tpl, str(path), height=Mm(FIGURE_MAX_HEIGHT_MM))
    return InlineImage(tpl, str(path), width=Mm(FIGURE_WIDTH_MM))


def _alt_texts(document, alts: list[str]) -> None:
    """Every picture gets a description (``wp:docPr/@descr``) — screen readers and PDF/UA need it."""
    pics = list(document.element.body.iter(qn("wp:docPr")))
    for el, alt in zip(pics, alts, strict=False):
        el.set("descr", alt or "图表")
        el.set("title", (alt or "图表")[:40])
    for el in pics[len(alts):]:
        el.set("descr", el.get("descr") or "图表")


def _keep_tables(document) -> None:
    """No row of a table stands alone on a page: a short table is kept on one page (each row's paragraphs keep
    with the next), a long one keeps its last two rows together; header rows repeat, rows never split."""
    for tbl in document.element.body.iter(qn("w:tbl")):
        rows = tbl.findall(qn("w:tr"))
        heads = [tr for tr in rows if tr.find(qn("w:trPr")) is not None
                 and tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None]
        first = len(heads)
        # short: the whole table on one page; long: the header with two rows, and the last two rows together
        keep = rows[:-1] if len(rows) <= 12 else [*rows[:first + 1], *rows[-2:-1]]
        for tr in keep:
            for p in tr.iter(qn("w:p")):
                ppr = p.find(qn("w:pPr"))
                if ppr is None:
                    ppr = OxmlElement("w:pPr")
                    p.insert(0, ppr)
                if ppr.find(qn("w:keepNext")) is None:
                    el = OxmlElement("w:keepNext")
                    ppr.insert(1 if ppr.find(qn("w:pStyle")) is not None else 0, el)


def _metadata(document, meta: dict[str, Any]) -> None:
    cp = document.core_properties
    cp.title = str(meta.get("title") or "行业整体清洁生产审核报告")
    cp.subject = str(meta.get("subject") or "行业清洁生产整体审核报告（T/CPPC 附录C）")
    cp.author = str(meta.get("author") or "cpxl")
    cp.language = "zh-CN"
    cp.keywords = "清洁生产审核;行业整体审核"
    now = meta.get("now")
    if now is not None:
        cp.created = now
        cp.modified = now
        cp.last_modified_by = cp.author
    cp.comments = ""


def _fix_grids(document) -> None:
    """Make ``w:tblGrid`` match the cells of the widest row (their ``w:tcW``).

    docxtpl's own fix for ``{%tc %}`` loops spreads the original width over the new columns, which
    squeezes the fixed columns; the cell widths set in the template are what was meant.
    """
    for tbl in document.element.body.iter(qn("w:tbl")):
        grid = tbl.find(qn("w:tblGrid"))
        rows = tbl.findall(qn("w:tr"))
        if grid is None or not rows:
            continue
        widest = max(rows, key=lambda tr: len(tr.findall(qn("w:tc"))))
        cells = widest.findall(qn("w:tc"))
        cols = grid.findall(qn("w:gridCol"))
        spans = [int(tc.find(qn("w:tcPr")).find(qn("w:gridSpan")).get(qn("w:val")))
                 if tc.find(qn("w:tcPr")) is not None and tc.find(qn("w:tcPr")).find(qn("w:gridSpan")) is not None
                 else 1 for tc in cells]
        if any(s != 1 for s in spans):
            continue
        widths = []
        for tc in cells:
            tcw = tc.find(qn("w:tcPr")).find(qn("w:tcW")) if tc.find(qn("w:tcPr")) is not None else None
            if tcw is None or tcw.get(qn("w:type")) not in (None, "dxa"):
                widths = []
                break
            widths.append(int(tcw.get(qn("w:w"))))
        if not widths or widths == [int(c.get(qn("w:w")) or 0) for c in cols]:
            continue
        for c in cols:
            grid.remove(c)
        for w in widths:
            gc = OxmlElement("w:gridCol")
            gc.set(qn("w:w"), str(w))
            grid.append(gc)
        tblw = tbl.find(qn("w:tblPr")).find(qn("w:tblW"))
        if tblw is not None:
            tblw.set(qn("w:w"), str(sum(widths)))
            tblw.set(qn("w:type"), "dxa")


_TOC_INSTR = re.compile(r"^\s*TOC\b")


def headings(document) -> list[tuple[int, str]]:
    """(level, text) of every Heading 1/2 paragraph of the body and of every annex table's caption (level 2),
    in order."""
    out = []
    for p in document.paragraphs:
        name = p.style.name if p.style is not None else ""
        m = re.match(r"Heading (\d)$", name)
        if m and int(m.group(1)) <= 2 and p.text.strip():
            out.append((int(m.group(1)), p.text.strip()))
        elif name == ANNEX_CAPTION and p.text.strip():
            out.append((2, p.text.strip()))
    return out


def _provisional_toc(document) -> int:
    """Fill the TOC field's result with the headings (no page numbers yet); returns the entry count."""
    body = document.element.body
    instr = next((it for it in body.iter(qn("w:instrText")) if _TOC_INSTR.match(it.text or "")), None)
    if instr is None:
        return 0
    par = instr.getparent().getparent()
    runs = list(par.findall(qn("w:r")))
    sep = next((i for i, r in enumerate(runs)
                if r.find(qn("w:fldChar")) is not None and r.find(qn("w:fldChar")).get(qn("w:fldCharType")) == "separate"),
               None)
    end = next((r for r in runs if r.find(qn("w:fldChar")) is not None
                and r.find(qn("w:fldChar")).get(qn("w:fldCharType")) == "end"), None)
    if sep is None or end is None:
        return 0  # the result spans paragraphs already: leave it to Word/LibreOffice
    for r in runs[sep + 1:]:
        if r is not end:
            par.remove(r)
    entries = headings(document)
    if not entries:
        return 0
    # first entry stays in the field's paragraph; the others get paragraphs of their own
    par.remove(end)
    ppr = par.find(qn("w:pPr"))
    _toc_style(par, ppr, entries[0][0])
    par.append(_run(entries[0][1]))
    last = par
    for level, text in entries[1:]:
        p = OxmlElement("w:p")
        _toc_style(p, None, level)
        p.append(_run(text))
        last.addnext(p)
        last = p
    last.append(end)
    return len(entries)


def _toc_style(p, ppr, level: int) -> None:
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    st = ppr.find(qn("w:pStyle"))
    if st is None:
        st = OxmlElement("w:pStyle")
        ppr.insert(0, st)
    st.set(qn("w:val"), f"toc{level}")


def _run(text: str):
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def _update_fields_on_open(document) -> None:
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        el = OxmlElement("w:updateFields")
        el.set(qn("w:val"), "true")
        settings.append(el)


def toc_entries(docx: Path) -> list[str]:
    """The entries of the table of contents as saved in ``docx``: paragraphs in a TOC style
    (``toc 1``/``toc 2`` from Word and this module, ``Contents 1``/``Contents 2`` from LibreOffice),
    also inside the content control LibreOffice wraps around the TOC."""
    from docx import Document

    doc = Document(str(docx))
    ids = {s.style_id for s in doc.styles
           if re.match(r"(?i)^(toc|contents)\s*\d$", s.name or "") or re.match(r"(?i)^(toc|contents)\s*\d$", s.style_id or "")}
    out: list[str] = []
    for p in doc.element.body.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        st = ppr.find(qn("w:pStyle")) if ppr is not None else None
        if st is not None and st.get(qn("w:val")) in ids:
            text = "".join(t.text or "" for t in p.iter(qn("w:t"))).strip()
            if text:
                out.append(text)
    return out


