"""Table text that reads as people write it, and columns wide enough for it (post-processing of the rendered docx).

* a number keeps its unit: the space between them becomes a no-break space (U+00A0), so that no line ends
  inside ``87.62 t``; nothing invisible is put inside words (Find and copy-paste must work on the report);
* a closed interval written for the machine (``[3, 4] 次/年``) is shown as people write it (``3～4 次/年``);
* every column of a fixed-layout table is at least as wide as the longest piece of its text that cannot be
  broken (a number with its unit and the characters it is glued to, a short word); the width it needs is
  taken from the columns with room to spare.

Line breaking is modelled on LibreOffice and Word for Chinese text: a line may end at a space, between two
Chinese characters and after Chinese punctuation; a run of Latin letters and digits is not broken, and it stays
glued to the Chinese character on either side of it (LibreOffice gives no break opportunity there).
"""

from __future__ import annotations

import re
import unicodedata

from docx.oxml.ns import qn

NBSP, WJ = "\u00a0", "\u2060"

#: units written in Chinese characters that follow a number in the report's tables
_CN_UNITS = ("万元", "元", "次", "家", "项", "年", "月", "天", "日", "人", "吨", "个", "台", "套", "小时", "倍", "批")
_UNIT_START = r"(?:[A-Za-zμµΩ°℃%‰㎡㎥]|" + "|".join(_CN_UNITS) + ")"
_NUM_UNIT = re.compile(r"(\d)[ \t]+(?=" + _UNIT_START + ")")
_INTERVAL = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")

TWIPS_PER_MM = 56.6929
CELL_MARGINS_MM = 2 * 1.91 + 0.6  # Table Grid: 0.19 cm left and right, and a little slack for rounding


def readable(text: str) -> str:
    """Text of a table cell as people write it: ``[3, 4] 次/年`` → ``3～4 次/年`` with no line break inside."""
    t = _INTERVAL.sub(lambda m: f"{m.group(1)}～{m.group(2)}", text)
    # no invisible characters inside words (a word joiner in （万元） or 次/年 defeats Find and copy-paste in
    # Word and WPS): such units stay whole by the column widths below, which hold them as one piece
    return _NUM_UNIT.sub(lambda m: m.group(1) + NBSP, t)


# ---------------------------------------------------------------------------
# widths


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


_NARROW = {".": 0.32, ",": 0.32, ":": 0.34, ";": 0.34, "/": 0.34, "-": 0.34, "(": 0.39, ")": 0.39, "[": 0.39,
           "]": 0.39, NBSP: 0.32, " ": 0.32, "³": 0.4, "²": 0.4, "ₓ": 0.4, "₂": 0.4, "|": 0.34, "'": 0.27, WJ: 0.0}


def char_em(ch: str) -> float:
    """Approximate advance width of ``ch`` in em: a square for Chinese; for Latin the wider of Times New Roman
    and the serif LibreOffice falls back to without it (DejaVu Serif), so that a column is wide enough in both."""
    if _is_cjk(ch):
        return 1.0
    if ch in _NARROW:
        return _NARROW[ch]
    if ch in "mwMW%@":
        return 0.95
    if ch.isupper() or ch in "≤≥～~<>=+":
        return 0.75
    if ch in "ijlft":
        return 0.35
    return 0.62


def text_em(s: str) -> float:
    return sum(char_em(c) for c in s)


_CLOSE = set("，。、；：！？）】》」』”’,.;:!?)]%‰")
_OPEN = set("（【《「『“‘([")


def chunks(text: str) -> list[str]:
    """The pieces of ``text`` no line break falls inside (see the module docstring)."""
    out: list[str] = []
    for para in text.split("\n"):
        if len(para) <= 4:  # a short word (定性要求, 已完成): never broken
            out.append(para)
            continue
        cur = ""
        for i, ch in enumerate(para):
            prev = para[i - 1] if i else ""
            brk = False
            if ch == " ":
                out.append(cur)
                cur = ""
                continue
            if prev and cur and _is_cjk(ch) and _is_cjk(prev) and WJ not in (prev, ch):
                brk = prev not in _OPEN and ch not in _CLOSE  # a Latin run and the characters beside it stay together
            if brk:
                out.append(cur)
                cur = ""
            cur += ch
        out.append(cur)
    return [c for c in out if c]


def min_width_mm(text: str, size_pt: float, numbers_only: bool = False) -> float:
    """The narrowest column (text width plus cell margins) in which no piece of ``text`` has to be broken;
    ``numbers_only``: only pieces holding a digit or a Latin letter (a number with its unit, a unit, a code)."""
    pieces = [c for c in chunks(text) if not numbers_only or _LATIN_OR_DIGIT.search(c)]
    if not pieces:
        return 0.0
    return max(text_em(c) for c in pieces) * size_pt * 25.4 / 72 + CELL_MARGINS_MM


_LATIN_OR_DIGIT = re.compile(r"[0-9A-Za-z\u2060]")  # WJ: held together on purpose


# ---------------------------------------------------------------------------
# the document


MIN_COLUMN_MM = 12.0  # what a column keeps when numbers elsewhere need the room
LAST_COLUMN_MM = 8.0  # what it keeps when they still do not fit: two characters of small print a line


def _para_text(p) -> str:
    """The text of a paragraph with its line breaks (``w:br``) as ``\n``."""
    out = []
    for el in p.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
        out.append(el.text or "" if el.tag == qn("w:t") else "\n" if el.tag == qn("w:br") else " ")
    return "".join(out)


def _cells(tr) -> list:
    return tr.findall(qn("w:tc"))


def _span(tc) -> int:
    pr = tc.find(qn("w:tcPr"))
    gs = pr.find(qn("w:gridSpan")) if pr is not None else None
    return int(gs.get(qn("w:val"))) if gs is not None else 1


def _size_of(p, sizes: dict[str, float]) -> float:
    ppr = p.find(qn("w:pPr"))
    st = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return sizes.get(st.get(qn("w:val")) if st is not None else "", 10.5)


def _style_sizes(document) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in document.styles:
        try:
            size = s.font.size
            base = s.base_style
            while size is None and base is not None:
                size, base = base.font.size, base.base_style
        except AttributeError:
            continue
        out[s.style_id] = size.pt if size is not None else 10.5
    return out


def make_readable(document) -> int:
    """Apply :func:`readable` to the text of every table cell (each ``w:t`` by itself: docxtpl writes a value
    into one run); returns the number of texts changed."""
    changed = 0
    for tbl in document.element.body.iter(qn("w:tbl")):
        for t in tbl.iter(qn("w:t")):
            old = t.text or ""
            new = readable(old)
            if new != old:
                t.text = new
                t.set(qn("xml:space"), "preserve")
                changed += 1
    return changed


def fit_columns(document) -> list[tuple[int, int, float, float]]:
    """Widen the columns of fixed-layout tables that are narrower than their longest unbreakable piece of text,
    taking the width from columns with room to spare; returns (table, column, old mm, new mm) of each change."""
    sizes = _style_sizes(document)
    report = []
    for ti, tbl in enumerate(document.element.body.iter(qn("w:tbl"))):
        grid = tbl.find(qn("w:tblGrid"))
        if grid is None:
            continue
        cols = grid.findall(qn("w:gridCol"))
        widths = [int(c.get(qn("w:w")) or 0) / TWIPS_PER_MM for c in cols]
        if not widths or min(widths) <= 0:
            continue
        hard = [0.0] * len(widths)  # numbers with units, units, codes: never broken
        soft = [0.0] * len(widths)  # short words and the other pieces: unbroken where there is room
        rows = tbl.findall(qn("w:tr"))
        for tr in rows:
            tcs = _cells(tr)
            if len(tcs) != len(widths) or any(_span(tc) != 1 for tc in tcs):
                continue  # rows with merged cells do not constrain single columns
            for j, tc in enumerate(tcs):
                for p in tc.iter(qn("w:p")):
                    t = _para_text(p)
                    if t:
                        size = _size_of(p, sizes)
                        hard[j] = max(hard[j], min_width_mm(t, size, numbers_only=True))
                        soft[j] = max(soft[j], min_width_mm(t, size))
        both = [max(h, x) for h, x in zip(hard, soft, strict=True)]
        new = _redistribute(widths, hard, both)
        for floor in (MIN_COLUMN_MM, LAST_COLUMN_MM):  # then the others keep a little room, at last two characters
            if all(n >= h - 0.05 for n, h in zip(new, hard, strict=True)):
                break
            new = _redistribute(widths, hard, [max(h, min(x, floor)) for h, x in zip(hard, soft, strict=True)])
        new = _redistribute(new, both, both)
        if new == widths:
            continue
        for j, (a, b) in enumerate(zip(widths, new, strict=True)):
            if abs(a - b) > 0.05:
                report.append((ti, j, round(a, 1), round(b, 1)))
        for c, w in zip(cols, new, strict=True):
            c.set(qn("w:w"), str(round(w * TWIPS_PER_MM)))
        for tr in rows:
            j = 0
            for tc in _cells(tr):
                span = _span(tc)
                w = sum(new[j:j + span])
                j += span
                pr = tc.find(qn("w:tcPr"))
                tcw = pr.find(qn("w:tcW")) if pr is not None else None
                if tcw is not None:
                    tcw.set(qn("w:w"), str(round(w * TWIPS_PER_MM)))
                    tcw.set(qn("w:type"), "dxa")
    return report


def _redistribute(widths: list[float], need: list[float], keep: list[float]) -> list[float]:
    """Columns below their ``need`` grow to it (or as far as the others' spare width allows); the growth is taken
    from the spare width (width − ``keep``) of the other columns, in proportion to it. The total stays the same."""
    short = {j: need[j] - w for j, w in enumerate(widths) if need[j] - w > 0.05}
    if not short:
        return widths
    spare = {j: w - keep[j] for j, w in enumerate(widths) if j not in short and w - keep[j] > 0}
    total_spare = sum(spare.values())
    if total_spare <= 0:
        return widths
    want = sum(short.values())
    scale = min(1.0, total_spare / want)
    give = want * scale
    out = list(widths)
    for j, d in short.items():
        out[j] += d * scale
    for j, s in spare.items():
        out[j] -= give * s / total_spare
    return out
