"""Small formatting helpers for the report: numbers, shares, dates and Chinese enumerations.

Everything the report shows goes through here, so that a number looks the same in a sentence,
in a table and in a chart label.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

# XML 1.0 forbids most C0 control characters; docxtpl turns \a \f \t into paragraph/page breaks
# and tabs. Data must never be able to do that, so they are removed or made spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def text(value: Any) -> str:
    """A data value as safe plain text: ``None`` → ``""``, control characters removed, trimmed.

    Line breaks typed in an Excel cell (Alt+Enter) are kept as ``\\n`` (docxtpl renders a line break).
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        s = str(int(value))
    else:
        s = str(value)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", s).strip()


def number(value: Any) -> float | None:
    """A numeric value or ``None`` (text, blanks and NaN are ``None``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    return None


def fnum(value: Any, dp: int | None = None, dash: str = "—") -> str:
    """A number for people: thousands separators, sensible decimals, no trailing zeros.

    Without ``dp``: 3 significant digits below 1, 2 decimals below 100, 1 below 10 000, else none.
    """
    x = number(value)
    if x is None:
        return dash if value in (None, "") else text(value)
    if dp is None:
        ax = abs(x)
        if ax == 0:
            return "0"
        if ax < 1:
            dp = max(2, min(6, -math.floor(math.log10(ax)) + 2))
        elif ax < 100:
            dp = 2
        elif ax < 10000:
            dp = 1
        else:
            dp = 0
    s = f"{x:,.{dp}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fint(value: Any, dash: str = "—") -> str:
    x = number(value)
    return dash if x is None else f"{round(x):,}"


def fyear(value: Any) -> str:
    """A year without thousands separator (``2025``); blank when missing."""
    x = number(value)
    return str(int(x)) if x is not None else text(value)


def ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def pct(part: float | None, whole: float | None = None, dp: int = 1, dash: str = "—") -> str:
    """``part/whole`` (or ``part`` as a fraction when ``whole`` is ``None``) as ``"45.6%"``."""
    r = part if whole is None else ratio(part, whole)
    if r is None:
        return dash
    s = f"{r * 100:.{dp}f}".rstrip("0").rstrip(".") if dp else f"{r * 100:.0f}"
    return f"{s}%"


def join_cn(items: Iterable[Any], last: str = "和", limit: int | None = None, etc: str = "等") -> str:
    """``["甲", "乙", "丙"]`` → ``"甲、乙和丙"``; with ``limit``, ``"甲、乙等"``."""
    xs = [text(i) for i in items if text(i)]
    if not xs:
        return ""
    if limit is not None and len(xs) > limit:
        return "、".join(xs[:limit]) + etc
    if len(xs) == 1:
        return xs[0]
    return "、".join(xs[:-1]) + last + xs[-1]


def quoted(title: Any) -> str:
    """A document title in 《》 unless it already has them."""
    t = text(title)
    if not t:
        return ""
    return t if t.startswith("《") else f"《{t}》"


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = re.match(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text(value))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def cn_date(value: Any, day: bool = True) -> str:
    """``2026-03-01`` → ``2026年3月1日`` (or ``2026年3月``); text that is no date is returned as is."""
    d = parse_date(value)
    if d is None:
        return text(value)
    return f"{d.year}年{d.month}月{d.day}日" if day else f"{d.year}年{d.month}月"


_LATIN_LEVEL = {"III": "Ⅲ", "II": "Ⅱ", "I": "Ⅰ"}


def level_zh(level: Any) -> str:
    """A level as a person reads it: ``"II级"`` → ``"Ⅱ级"``, ``"未达到III级"`` → ``"未达到Ⅲ级"`` (sheets hold the
    Latin letters an enterprise can type; the report writes the Roman-numeral characters)."""
    t = text(level)
    return re.sub(r"(?<![A-Za-z])(III|II|I)(?=级)", lambda m: _LATIN_LEVEL[m.group(1)], t)


def roman_level(level: Any) -> str:
    """``"II级"`` → ``"Ⅱ"`` for the compact enterprise × indicator matrix."""
    t = text(level).replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III")
    return {"I级": "Ⅰ", "II级": "Ⅱ", "III级": "Ⅲ", "未达到III级": "×", "不达标": "×"}.get(t, "")
