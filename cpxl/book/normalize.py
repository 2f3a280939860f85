"""Turn a raw cell value into the value its schema field expects.

What is unambiguous is normalised (full-width digits, thousands separators, stray spaces,
numbers stored as text, Excel date serials, dates typed as text) and reported as ``info``;
what is not (units typed into number cells, 约100, N/A) is an ``error`` with a fix.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from cpxl.core.problems import Problem

from .schema import Field

SPACES = "\u00a0\u2002\u2003\u2009\u3000\ufeff"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+(,\d+)+(\.\d+)?$")  # digits and commas, not thousands groups
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NUM_UNIT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*([^\d\s].*)$")
_APPROX = re.compile(r"^(约|大约|大概|近|~|≈|约为)\s*[\d.]+|[\d.]+\s*(左右|上下|以上|以下|余)$")
_NA = {"n/a", "na", "无", "没有", "-", "—", "--", "/", "／", "不详", "未知", "空", "null", "none", "#n/a"}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class Coerced:
    value: Any
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


_TO_SPACE = str.maketrans({ch: " " for ch in SPACES})


def clean_text(s: str) -> str:
    return s.translate(_TO_SPACE).strip()


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _info(f: Field, raw: Any, new: Any, what: str) -> Problem:
    return Problem("normalized." + what, "info", f"已自动规范：“{raw}” → “{new}”", "", field=f.title, value=raw)


def coerce(f: Field, raw: Any) -> Coerced:
    """Coerce one raw cell value (as read by calamine/openpyxl) for field ``f``."""
    if raw is None:
        return Coerced(None)
    if isinstance(raw, str):
        text = clean_text(raw)
        if text == "":
            return Coerced(None)
        raw_for_msg = raw
    else:
        text = None
        raw_for_msg = raw
    if f.is_number:
        return _number(f, raw_for_msg, text)
    if f.is_date:
        return _date(f, raw_for_msg, text)
    return _string(f, raw_for_msg, text)


def _number(f: Field, raw: Any, text: str | None) -> Coerced:
    if isinstance(raw, bool):
        return Coerced(None, [Problem("number.type", "error", "应为数字，却是逻辑值", "填写数字", field=f.title, value=raw)])
    if isinstance(raw, (dt.date, dt.datetime, dt.time)):
        return Coerced(None, [Problem("number.is_date", "error", "应为数字，却是日期（单元格格式可能被设成了日期）",
                                      "将单元格格式改为“常规”后重新输入数字", field=f.title, value=str(raw))])
    notes: list[Problem] = []
    if text is None:
        value = float(raw)
    else:
        t = _nfkc(text).replace(" ", "").replace("−", "-")
        if t.lower() in _NA:
            return Coerced(None, [Problem("number.not_available", "error", f"“{text}”不是数字",
                                          "不涉及的项目请留空；数量为零请填 0", field=f.title, value=raw)])
        if _APPROX.search(t):
            return Coerced(None, [Problem("number.approximate", "error", f"“{text}”是估计值的写法，不是数字",
                                          "填写确切数值（如无统计，填写最接近的核算值并在备注中说明）",
                                          field=f.title, value=raw)])
        if _THOUSANDS.match(t):
            t = t.replace(",", "")
        if f.unit == "%" and t.endswith("%") and _NUMBER.match(t[:-1]):
            t = t[:-1]
        if _COMMA_NUMBER.match(t):
            return Coerced(None, [Problem("number.ambiguous_comma", "error",
                                          f"“{text}”中的逗号含义不明：是小数点，还是千位分隔符？",
                                          "小数点请用“.”（如 23.84）；千位分隔符可以不写（如 12345）",
                                          field=f.title, value=raw)])
        if _NUMBER.match(t):
            value = float(t)
            notes.append(_info(f, text, _fmt(value, f), "number_text"))
        else:
            m = _NUM_UNIT.match(t)
            if m:
                return Coerced(None, [Problem("number.unit_in_cell", "error",
                                              f"数字后带了单位或文字（“{text}”）",
                                              f"只填数字 {m.group(1)}，单位以表头为准"
                                              + (f"（{f.unit}）" if f.unit else "（见“计量单位”列）")
                                              + "；如单位不同，请先换算",
                                              field=f.title, value=raw)])
            return Coerced(None, [Problem("number.type", "error", f"“{text}”不是数字", "填写数字（不要带单位或文字）",
                                          field=f.title, value=raw)])
    if math.isnan(value) or math.isinf(value):
        return Coerced(None, [Problem("number.type", "error", "不是有效数字", "填写数字", field=f.title, value=raw)])
    if f.type == "integer":
        if not float(value).is_integer():
            return Coerced(None, notes + [Problem("number.not_integer", "error", f"应为整数，填写的是 {value}",
                                                  "填写整数", field=f.title, value=raw)])
        return Coerced(int(value), notes)
    return Coerced(value, notes)


def _fmt(v: float, f: Field) -> str:
    return str(int(v)) if f.type == "integer" or float(v).is_integer() else str(v)


def _date(f: Field, raw: Any, text: str | None) -> Coerced:
    if isinstance(raw, dt.datetime):
        return Coerced(raw.date().isoformat())
    if isinstance(raw, dt.date):
        return Coerced(raw.isoformat())
    if text is None and isinstance(raw, (int, float)) and 20000 < raw < 80000:
        d = EXCEL_EPOCH + dt.timedelta(days=int(raw))
        return Coerced(d.isoformat(), [_info(f, raw, d.isoformat(), "date_serial")])
    t = _nfkc(text or str(raw))
    m = _DATE_TEXT.match(t)
    if m:
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        else:
            return Coerced(d.isoformat(), [_info(f, text, d.isoformat(), "date_text")])
    return Coerced(None, [Problem("date.type", "error", f"“{t}”不是有效日期", "按 2025-03-31 的格式填写日期",
                                  field=f.title, value=raw)])


def _string(f: Field, raw: Any, text: str | None) -> Coerced:
    notes: list[Problem] = []
    if text is None:
        if isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))
        elif isinstance(raw, (dt.datetime, dt.date)):
            text = raw.date().isoformat() if isinstance(raw, dt.datetime) else raw.isoformat()
        else:
            text = str(raw)
    if f.rule in ("uscc", "permit", "industry_code"):
        norm = _nfkc(text).replace(" ", "").upper()
        if norm != text:
            notes.append(_info(f, text, norm, "code"))
        text = norm
    if f.enum and text not in f.enum:
        folded = _nfkc(text).replace(" ", "").lower()
        match = [e for e in f.enum if _nfkc(e).replace(" ", "").lower() == folded]
        if match:
            notes.append(_info(f, text, match[0], "enum"))
            text = match[0]
    return Coerced(text, notes)
