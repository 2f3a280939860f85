"""Identifier codes: 统一社会信用代码 (GB 32100-2015), 排污许可证编号 (HJ 608-2017), 行业代码 (GB/T 4754-2017).

All code tables live in ``cpxl/data/codes/*.json`` together with their sources and status.
Validators never modify their input; they return a list of Chinese messages (empty = valid).
Call :func:`normalize_code` first to fix full-width characters, spaces and lower case.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from typing import Any

from cpxl.core.paths import DATA

CODES_DIR = DATA / "codes"


@cache
def _load(name: str) -> dict[str, Any]:
    with open(CODES_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def uscc_table() -> dict[str, Any]:
    """The GB 32100-2015 data (alphabet, weights, department codes, sources)."""
    return _load("gb32100_uscc.json")


def permit_table() -> dict[str, Any]:
    """The HJ 608-2017 data (structure, examples, sources)."""
    return _load("hj608_permit.json")


def industry_table() -> dict[str, Any]:
    """The GB/T 4754-2017 data (门类, 大类, 中类, 小类 with source)."""
    return _load("gbt4754_2017.json")


# ---------------------------------------------------------------------------
# normalisation


_SPACES = re.compile(r"\s+")


def normalize_code(s: str, *, upper: bool = True) -> tuple[str, list[str]]:
    """Full-width → half-width (NFKC), remove all white space (incl. U+3000), upper-case.

    Returns ``(normalized, notes)``; ``notes`` lists, in Chinese, every change that was applied,
    so that the caller can tell the user (e.g. "已将全角字符转换为半角").  ``upper=False`` keeps the
    case (needed for the H9… permit numbers, whose 18th character is a lower-case letter).
    """
    if s is None:
        return "", []
    raw = str(s)
    notes: list[str] = []
    value = unicodedata.normalize("NFKC", raw)
    if value != raw:
        notes.append("已将全角字符转换为半角")
    stripped = _SPACES.sub("", value)
    if stripped != value:
        notes.append("已去除空格")
    value = stripped
    if upper:
        up = value.upper()
        if up != value:
            notes.append("已将小写字母转为大写")
        value = up
    return value, notes


# ---------------------------------------------------------------------------
# 统一社会信用代码 GB 32100-2015


def _alphabet() -> str:
    return uscc_table()["alphabet"]["value"]


def uscc_check_char(code17: str) -> str:
    """The check character (18th) for the first 17 characters of a USCC, per GB 32100-2015."""
    table = uscc_table()
    alphabet = table["alphabet"]["value"]
    weights = table["check"]["weights"]
    modulus = table["check"]["modulus"]
    if len(code17) != 17:
        raise ValueError(f"计算校验码需要前17位，实际为 {len(code17)} 位：“{code17}”")
    bad = [c for c in code17 if c not in alphabet]
    if bad:
        raise ValueError(f"前17位含非法字符：{'、'.join(dict.fromkeys(bad))}（允许：{alphabet}）")
    total = sum(alphabet.index(c) * w for c, w in zip(code17, weights, strict=True))
    return alphabet[(modulus - total % modulus) % modulus]


def validate_uscc(code: str, *, check_departments: bool = False) -> list[str]:
    """Check a 统一社会信用代码 as written (no normalisation); return Chinese messages, empty if valid.

    Checks: length 18; characters from the 31-symbol set (I、O、Z、S、V excluded); upper case;
    positions 3–8 digits (行政区划码); check character.  With ``check_departments`` also positions
    1–2 against the department/category list (SECONDARY data).
    """
    table = uscc_table()
    alphabet = table["alphabet"]["value"]
    excluded = set(table["excluded_letters"]["value"])
    errors: list[str] = []
    if code is None or str(code) == "":
        return ["统一社会信用代码为空"]
    code = str(code)
    if len(code) != table["length"]:
        errors.append(f"长度应为18位，实际为{len(code)}位")
    spaces = wide = lower = excl = other = ""
    for c in dict.fromkeys(code):
        if c.isspace():
            spaces += c
        elif unicodedata.normalize("NFKC", c) != c:
            wide += c
        elif c.upper() in excluded:
            excl += c.upper()
            if c.islower():
                lower += c
        elif c.isascii() and c.islower():
            lower += c
        elif c not in alphabet:
            other += c
    if spaces:
        errors.append("含空格（可用 normalize_code 自动去除）")
    if wide:
        errors.append(f"含全角字符：{'、'.join(wide)}（可用 normalize_code 自动转换）")
    if lower:
        errors.append(f"含小写字母：{'、'.join(lower)}，应为大写（可用 normalize_code 自动转换）")
    if excl:
        errors.append(f"含不允许的字母：{'、'.join(dict.fromkeys(excl))}（GB 32100 不使用 I、O、Z、S、V）")
    if other:
        errors.append(f"含非法字符：{'、'.join(other)}（只允许数字和除 I、O、Z、S、V 以外的大写字母）")
    upper = code.upper()
    if len(upper) == 18 and all(c in alphabet for c in upper):
        if not upper[2:8].isdigit():
            errors.append(f"第3–8位（登记管理机关行政区划码）应为6位数字，实际为“{upper[2:8]}”")
        expected = uscc_check_char(upper[:17])
        if upper[17] != expected:
            errors.append(f"校验码错误：第18位为“{upper[17]}”，按 GB 32100-2015 计算应为“{expected}”")
        if check_departments:
            errors.extend(_check_departments(upper))
    return errors


def _check_departments(code: str) -> list[str]:
    depts = uscc_table()["registration_departments"]["value"]
    dept = depts.get(code[0])
    if dept is None:
        return [f"第1位登记管理部门代码“{code[0]}”不在已知列表中（{'、'.join(depts)}）"]
    if code[1] not in dept["categories"]:
        allowed = "、".join(f"{k} {v}" for k, v in dept["categories"].items())
        return [f"第2位机构类别代码“{code[1]}”不属于登记管理部门“{dept['name']}”（可选：{allowed}）"]
    return []


# ---------------------------------------------------------------------------
# 排污许可证编号 HJ 608-2017


_H9_NO_CODE = re.compile(r"^H9\d{6}0000\d{5}[a-hj-np-z]$")
_H9_ORG_CODE = re.compile(r"^H9\d{6}[0-9A-Z]{8}[0-9X][a-hj-np-z]$")


def validate_permit_number(code: str, uscc: str | None = None) -> list[str]:
    """Check a 22-character 排污许可证编号 per HJ 608-2017; return Chinese messages, empty if valid.

    Form: 18-character 统一社会信用代码 + 3-digit 顺序码 (001…) + 1 upper-case letter.  Units without
    a USCC use ``H9`` + 6-digit region code + (``0000`` + 5-digit sequence | 9-character 组织机构代码)
    + 1 lower-case letter (not i/o) as the first 18 characters.  If ``uscc`` is given, the first 18
    characters must equal it.  No normalisation is applied (see :func:`normalize_code`).
    """
    if code is None or str(code) == "":
        return ["排污许可证编号为空"]
    code = str(code)
    errors: list[str] = []
    if len(code) != permit_table()["length"]:
        errors.append(f"长度应为22位，实际为{len(code)}位")
    if any(c.isspace() for c in code):
        errors.append("含空格（可用 normalize_code 自动去除）")
    if any(unicodedata.normalize("NFKC", c) != c for c in code):
        errors.append("含全角字符（可用 normalize_code 自动转换）")
    if len(code) != 22 or errors:
        return errors
    head, seq, flag = code[:18], code[18:21], code[21]
    if head.startswith("H9"):
        if not (_H9_NO_CODE.match(head) or _H9_ORG_CODE.match(head)):
            errors.append(
                "前18位以 H9 开头（无统一社会信用代码的单位），但格式不符：应为 H9 + 6位行政区划码 + "
                "（0000 + 5位顺序码 或 9位组织机构代码）+ 1位小写字母（不含 i、o）"
            )
        if uscc:
            errors.append(f"企业已有统一社会信用代码“{uscc}”，许可证编号前18位应为该代码，而不是 H9 编码")
    else:
        for msg in validate_uscc(head):
            errors.append(f"前18位（统一社会信用代码）{msg}")
        if uscc is not None:
            want, _ = normalize_code(uscc)
            if head.upper() != want:
                errors.append(f"前18位“{head}”与企业统一社会信用代码“{want}”不一致")
    if not seq.isdigit():
        errors.append(f"第19–21位顺序码应为3位数字，实际为“{seq}”")
    elif seq == "000":
        errors.append("第19–21位顺序码应从 001 开始，不能为 000")
    if not ("A" <= flag <= "Z"):
        errors.append(f"第22位应为1位大写字母（示例为 P），实际为“{flag}”")
    return errors


# ---------------------------------------------------------------------------
# 行业代码 GB/T 4754-2017


_INDUSTRY = re.compile(r"^([A-Za-z]?)(\d{2,4})$")


def _split_industry(code: str) -> tuple[str, str] | None:
    if code is None:
        return None
    code = str(code)
    if len(code) == 1 and code.isalpha():
        return code, ""
    m = _INDUSTRY.match(code)
    if not m:
        return None
    return m.group(1), m.group(2)


def _level_entry(digits: str) -> dict[str, Any] | None:
    t = industry_table()
    return {2: t["divisions"], 3: t["groups"], 4: t["classes"]}[len(digits)].get(digits)


def _section(letter: str) -> dict[str, Any] | None:
    for s in industry_table()["sections"]:
        if s["code"] == letter:
            return s
    return None


def industry_name(code: str) -> str | None:
    """Name of a GB/T 4754-2017 code: 门类 letter, or (letter +) 2/3/4 digits; ``None`` if unknown.

    Lenient: normalises first (full-width, spaces, case); a wrong 门类 letter gives ``None``.
    """
    norm, _ = normalize_code(code)
    parts = _split_industry(norm)
    if parts is None:
        return None
    letter, digits = parts
    if not digits:
        s = _section(letter)
        return s["name"] if s else None
    entry = _level_entry(digits)
    if entry is None:
        return None
    if letter and industry_table()["divisions"][digits[:2]]["section"] != letter:
        return None
    return entry["name"]


def industry_lineage(code: str) -> list[tuple[str, str]]:
    """``[(code, name), …]`` from 门类 down to the given level, e.g. N → 77 → 772 → 7724.

    Empty if the code is not valid.
    """
    norm, _ = normalize_code(code)
    if validate_industry_code(norm):
        return []
    letter, digits = _split_industry(norm)  # type: ignore[misc]
    t = industry_table()
    if not digits:
        return [(letter, _section(letter)["name"])]  # type: ignore[index]
    sec = t["divisions"][digits[:2]]["section"]
    out = [(sec, _section(sec)["name"])]  # type: ignore[index]
    for n in range(2, len(digits) + 1):
        out.append((digits[:n], _level_entry(digits[:n])["name"]))  # type: ignore[index]
    return out


def validate_industry_code(code: str) -> list[str]:
    """Check a GB/T 4754-2017 code as written; return Chinese messages, empty if valid.

    Accepted forms: a 门类 letter (``"N"``), or an optional 门类 letter followed by a 2-digit 大类,
    3-digit 中类 or 4-digit 小类 (``"N7724"``, ``"7724"``, ``"77"``).  The full table (20/97/473/1380)
    ships with cpxl, so every level is checked for existence and the letter must match the 大类.
    """
    if code is None or str(code) == "":
        return ["行业代码为空"]
    raw = str(code)
    parts = _split_industry(raw)
    if parts is None:
        return [
            f"行业代码“{raw}”格式不符：应为门类字母（如 N），或 [门类字母] + 2/3/4 位数字（如 N7724、7724、77）"
        ]
    letter, digits = parts
    t = industry_table()
    errors: list[str] = []
    if letter and letter.islower():
        errors.append(f"门类字母“{letter}”应为大写")
        letter = letter.upper()
    if letter and _section(letter) is None:
        known = "、".join(s["code"] for s in t["sections"])
        errors.append(f"门类“{letter}”不存在（GB/T 4754-2017 门类为 {known}）")
        return errors
    if not digits:
        return errors
    division = t["divisions"].get(digits[:2])
    if division is None:
        errors.append(f"大类“{digits[:2]}”不存在（GB/T 4754-2017 大类为 01–97）")
        return errors
    if letter and division["section"] != letter:
        errors.append(
            f"门类字母“{letter}”与大类“{digits[:2]} {division['name']}”不符，应为“{division['section']}”"
        )
    if len(digits) >= 3 and digits[:3] not in t["groups"]:
        errors.append(f"中类“{digits[:3]}”不在 GB/T 4754-2017 大类“{digits[:2]} {division['name']}”之下")
    elif len(digits) == 4 and digits not in t["classes"]:
        errors.append(
            f"小类“{digits}”不在所附 GB/T 4754-2017 小类表中（该表为 2019 年第1号修改单之前的 1380 个小类；"
            "如为修改单新增小类请人工核实）"
        )
    return errors
