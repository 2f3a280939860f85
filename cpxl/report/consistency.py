"""Does the report agree with itself and with the master? (issue: one place computes, both render.)

Every number of the rendered narrative is parsed and must be one the context stated through
:meth:`cpxl.report.context.data.Data.n` — so it has a key and says what it summarises. Each such figure is
then checked against the rendered table it summarises (the column sum, the row count, the cell of a named
row, or a cell that holds it) and against its recomputation from the master where it has one.

Text that comes from the data (names, standards, documents: :meth:`Data.lab`), dates and years, clause and
table numbers and list ordinals are not figures and are masked before parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn

NARRATIVE_STYLES = {"Normal", "正文"}
_NUM = re.compile(r"(?<![0-9A-Za-z_.,])-?\d[\d,]*(?:\.\d+)?%?")
_MASKS = (
    r"\d{4}(?:、\d{4})*年(?:\d{1,2}月(?:\d{1,2}日)?)?",  # years and dates
    r"\d{4}-\d{1,2}-\d{1,2}",
    r"(?:续)?(?:附)?[表图]\s?\d+(?:-\d+)?",  # table and figure numbers
    r"附录\s?[A-Z](?:\.\d+)*(?:\s?[a-z]\))?", r"表\s?[A-Z]\.\d+", r"\b[A-Z]\.\d+(?:\s?[a-z]\))?",
    r"(?<![\d,.])\d+(?:\.\d+){2,}(?:\(\d+\))?节?", r"(?<![\d,.])\d+\.\d+节",  # clauses 5.2.2, 5.2.1(2), 2.3.1节
    r"（\d+）",  # ordinals
    r"\b(?:GB(?:/T)?|HJ(?:/T)?|DB\s?\d+(?:/T)?|T/[A-Z]+)\s?[\dX.]+(?:[—–-]\d{4})?(?:\s?表\d+)?",
    r"第\s?\d+\s?号", r"〔\d{4}〕\s?\d+\s?号",
)


@dataclass
class Finding:
    kind: str  # unstated | table | master
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}：{self.message}"


def _text(el: Any) -> str:
    """The text of ``el``; the no-break space and word joiner that hold a number to its unit read as a space and
    nothing (:mod:`cpxl.report.render_layout`)."""
    return "".join(t.text or "" for t in el.iter(qn("w:t"))).replace("\u2060", "").replace("\u00a0", " ")


def _style(p: Any, ids: dict[str, str]) -> str:
    ppr = p.find(qn("w:pPr"))
    st = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return ids.get(st.get(qn("w:val")), st.get(qn("w:val"))) if st is not None else "Normal"


def narrative(doc: Any) -> list[str]:
    """The narrative paragraphs of the body (not tables, captions, headings, notes or the TOC)."""
    ids = {s.style_id: s.name for s in doc.styles}
    out = []
    for child in doc.element.body:
        if child.tag != qn("w:p"):
            continue
        if _style(child, ids) in NARRATIVE_STYLES:
            t = _text(child).strip()
            if t:
                out.append(t)
    return out


def _mask(text: str, labels: Iterable[str]) -> str:
    for lab in sorted((x for x in labels if x and re.search(r"\d", x)), key=len, reverse=True):
        # a label is masked where it stands whole, never inside a figure (a label "6%" inside "14.6%")
        left = r"(?<![0-9.,])" if lab[0].isdigit() or lab[0] == "." else ""
        right = r"(?![0-9])" if lab[-1].isdigit() else ""
        text = re.sub(left + re.escape(lab) + right, " ", text)
    for m in _MASKS:
        text = re.sub(m, " ", text)
    return text


def _to_float(s: str) -> float | None:
    t = s.replace(",", "").rstrip("%")
    try:
        x = float(t)
    except ValueError:
        return None
    return x / 100 if s.endswith("%") else x


def _half_unit(s: str) -> float:
    t = s.replace(",", "").rstrip("%")
    dec = len(t.split(".")[1]) if "." in t else 0
    return 0.5 * 10 ** -dec / (100 if s.endswith("%") else 1)


# --------------------------------------------------------------------------- the rendered tables


def tables_by_number(doc: Any) -> dict[str, list[list[str]]]:
    """``表2-5``/``附表3`` → the rows (cell texts) of that table and its continuations, header rows included."""
    out: dict[str, list[list[str]]] = {}
    current: str | None = None
    cap = re.compile(r"^(?:续)?((?:附)?表)\s?(\d+(?:-\d+)?)")
    for child in doc.element.body:
        if child.tag == qn("w:p"):
            m = cap.match(_text(child).strip())
            if m:
                current = f"{m.group(1)}{m.group(2)}"
        elif child.tag == qn("w:tbl") and current:
            rows = [[_text(tc).strip() for tc in tr.findall(qn("w:tc"))] for tr in child.findall(qn("w:tr"))]
            out.setdefault(current, []).extend(rows)
    return out


def _column(rows: list[list[str]], col: str | None) -> tuple[int | None, list[list[str]]]:
    """(index of ``col``, data rows): the header is the first row naming ``col`` (else the first full-width
    row); rows that repeat it or have fewer cells (merged title rows above it) are not data."""
    if not rows:
        return None, []
    width = max(len(r) for r in rows)
    hdr = next((r for r in rows if col is not None and col in r), next(r for r in rows if len(r) == width))
    idx = hdr.index(col) if col is not None and col in hdr else None
    data = [r for r in rows if r != hdr and len(r) == len(hdr)]
    return idx, data


def _table_value(rows: list[list[str]], s: Any) -> tuple[float | None, float]:
    idx, data = _column(rows, s.col)
    if s.agg == "count":
        if s.where and idx is not None:
            widx = _column(rows, s.where[0])[0]
            return float(sum(1 for r in data if widx is not None and r[widx] == s.where[1])), 0.0
        return float(len(data)), 0.0
    if idx is None:
        return None, 0.0
    cells = [r[idx] for r in data if idx < len(r)]
    if s.agg == "sum":
        vals = [(_to_float(c), _half_unit(c)) for c in cells if _to_float(c) is not None]
        return sum(v for v, _ in vals), sum(h for _, h in vals)
    if s.agg == "value" and s.where:
        widx, _ = _column(rows, s.where[0])
        for r in data:
            if widx is not None and widx < len(r) and r[widx] == s.where[1]:
                v = _to_float(r[idx])
                return v, _half_unit(r[idx])
        return None, 0.0
    if s.agg == "in":
        return (s.value if any(c.split(" ")[0] == s.text for c in cells) else None), 0.0
    return None, 0.0


def check(docx: Path, built: Any) -> list[Finding]:
    """Every finding: narrative numbers nobody stated, figures that disagree with their table or the master."""
    doc = Document(str(docx))
    found: list[Finding] = []
    stated = dict(getattr(built, "stated", {}) or {})
    texts = {s.text for s in stated.values()}
    for para in narrative(doc):
        masked = _mask(para, getattr(built, "labels", set()))
        for m in _NUM.finditer(masked):
            tok = m.group(0)
            if tok not in texts and tok.rstrip("%") not in texts:
                found.append(Finding("unstated", para[:60], f"数字“{tok}”不是报告计算并登记的数据"))
    numbers = getattr(built, "numbers", {}) or {}
    tables = tables_by_number(doc)
    for s in stated.values():
        if s.table is None:
            continue
        n = numbers.get(s.table)
        if n is None:
            found.append(Finding("table", s.key, f"所汇总的表 {s.table} 未出现在报告中"))
            continue
        label = ("附表" if s.table.startswith("annex.") else "表") + n
        rows = tables.get(label)
        if rows is None:
            found.append(Finding("table", s.key, f"报告中找不到{label}"))
            continue
        v, tol = _table_value(rows, s)
        if v is None:
            found.append(Finding("table", s.key, f"{label}“{s.col or ''}”中找不到 {s.text} 所对应的数据"))
            continue
        tol = max(tol, _half_unit(s.text)) + 1e-9 * max(1.0, abs(v))
        if abs(v - s.value) > tol:
            found.append(Finding("table", s.key, f"正文为 {s.text}，{label}“{s.col or '行数'}”为 {v:g}"))
    for s in stated.values():
        if s.check is None:
            continue
        want = s.check()
        if want is not None and abs(float(want) - s.value) > 1e-6 * max(1.0, abs(s.value)):
            found.append(Finding("master", s.key, f"正文为 {s.text}，按审核总表重新计算为 {want:g}"))
    return found
