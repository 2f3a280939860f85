"""Render the docxtpl template with the report context; post-process what docxtpl cannot do.

* every value is escaped (``autoescape=True``); data such as ``A&B<公司>{{x}}`` appears literally;
* table and figure numbers come from ``seq('表')`` / ``seq('图')`` inside SEQ fields, counted in
  document order while rendering (LibreOffice recomputes the fields afterwards);
* tables whose columns repeat (``{%tc %}``) get a grid that matches their cells (Word and WPS
  size columns from ``w:gridCol``);
* the TOC field gets provisional entries (headings without page numbers) and ``w:updateFields``,
  so that even without LibreOffice Word shows a table of contents; the LibreOffice pass
  (:mod:`cpxl.report.refresh`) replaces it with the real one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment

from . import charts as charts_mod
from .context import Built

FIGURE_WIDTH_MM = 150


class Seq:
    """``seq('表')`` → 1, 2, 3… in the order the template is rendered (one counter per kind)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)

    def __call__(self, kind: str) -> str:
        self.counts[kind] += 1
        return str(self.counts[kind])

    def last(self, kind: str) -> str:
        """The current number (for “续表”)."""
        return str(self.counts[kind])


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def jinja_env() -> Environment:
    return Environment(autoescape=True, finalize=_finalize)


def render_docx(built: Built, template: Path, out: Path, workdir: Path) -> dict[str, Any]:
    """Render ``template`` with ``built`` into ``out``; returns counts of tables, figures, TOC entries
    and warnings."""
    tpl = DocxTemplate(str(template))
    warnings: list[str] = []
    try:
        images = charts_mod.draw_all(built.charts, workdir)
    except charts_mod.ChartFontError as exc:  # no chart rather than a chart of tofu boxes
        images = {}
        warnings.append(f"{exc}报告中省略了图表。")
    fig = {k: InlineImage(tpl, str(p), width=Mm(FIGURE_WIDTH_MM)) for k, p in images.items()}
    seq = Seq()
    context = {**built.context, "fig": fig, "seq": seq}
    tpl.render(context, jinja_env=jinja_env(), autoescape=True)
    document = tpl.docx
    _fix_grids(document)
    toc = _provisional_toc(document)
    _update_fields_on_open(document)
    tpl.save(str(out))
    return {"tables": seq.counts.get("表", 0), "figures": seq.counts.get("图", 0), "toc_provisional": toc,
            "warnings": warnings}


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
    """(level, text) of every Heading 1/2 paragraph of the body, in order."""
    out = []
    for p in document.paragraphs:
        m = re.match(r"Heading (\d)$", p.style.name if p.style is not None else "")
        if m and int(m.group(1)) <= 2 and p.text.strip():
            out.append((int(m.group(1)), p.text.strip()))
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


