"""One rule source for the template's 自查 sheet and for ``cpxl ingest``/``cpxl check``.

Every check that an Excel formula can express is declared here once, per sheet: :func:`sheet_rules` gives the
rules; :meth:`Rule.formula` is the self-check formula that counts its violations in Excel/WPS, and
:func:`violations` finds the same violations in records read back in Python — with the same wording. A test
fills templates at random, recalculates them in LibreOffice and asserts that both count the same per rule.

What “the same” means, rule by rule (a cell “has content” when its text is not empty):

* ``required`` — a required cell is empty in a *started* row: one in which the enterprise typed something in a
  column it fills (not the year or the item the template prefilled), and whose 说明 does not say 不涉及.
  An untouched prefilled row is not a missing value. In a form sheet every required cell counts.
* ``required_if`` — “其他” chosen without naming it (``x-required-if``).
* ``pack_row`` — an item the industry pack marks required (e.g. 六价铬 in the wastewater of an electroplating
  works) has no value in a year, and no row of it says 不涉及.
* ``number`` / ``date`` — text in a number or date cell (including text cpxl could normalise, such as
  full-width digits: Excel does not see a number there either).
* ``range``, ``list``, ``length``, ``le``, ``discharge_le_generation``, ``balance``, ``year`` — as named.

Checks no formula can express (patterns, the GB 32100 check character, the HJ 608 permit number, duplicates,
plausibility across years and peers) stay in :mod:`cpxl.book.validate` and :mod:`cpxl.intake.plausibility`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import quote_sheetname

from cpxl.core.problems import Problem
from cpxl.domain.packs import PrefillRow

from .layout import SheetLayout
from .schema import Field, SheetSchema, fmt_num

NOT_CONCERNED = "不涉及"
#: The field holding the amount of a prefilled item, per sheet (the one a ``pack_row`` rule asks for).
PACK_ROW_VALUE = {"ent_energy": "consumption", "ent_water": "intake", "ent_wastewater": "discharged",
                  "ent_wastegas": "discharged", "ent_solidwaste": "generated"}


@dataclass(frozen=True)
class Rule:
    kind: str
    sheet: SheetSchema
    item: str  # what is wrong, in Chinese: the self-check row and the problem message
    fix: str
    field: Field | None = None
    severity: str = "error"
    year: int | None = None
    other: str = ""  # le: the field this one must not exceed
    rows: tuple[PrefillRow, ...] = ()

    def formula(self, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
        """An Excel formula evaluating to the number of violations (see the module doc)."""
        return _FORMULAS[self.kind](self, lay, lists, years)


# --------------------------------------------------------------------------- which rules a sheet has


#: Fields the template fills on every row of a sheet whatever the pack (the indicators to report on).
PREFILLED_COLUMNS = {"ent_indicators": frozenset({"indicator_id", "indicator", "unit", "year"})}


def prefill_owned(s: SheetSchema) -> set[str]:
    """Fields a template fills for the enterprise: the year and the item of each prefilled row."""
    owned = {k for t in s.template_rows for k in t.values} | set(PREFILLED_COLUMNS.get(s.key, ()))
    if s.per_year and s.template_rows:
        owned.add("year")
    if s.prefill:
        owned |= {k for r in s.prefill for k in r}
    return owned


def user_fields(s: SheetSchema) -> list[Field]:
    """Columns an enterprise types into (not locked, not prefilled) — what makes a row “started”."""
    owned = prefill_owned(s)
    fields = [f for f in s.fields if not f.locked and f.name not in owned]
    return fields or list(s.fields)


_RULES: dict[tuple[int, tuple[int, ...]], tuple[SheetSchema, list[Rule]]] = {}


def sheet_rules(s: SheetSchema, years: Sequence[int] = ()) -> list[Rule]:
    """Every formula-expressible rule of one sheet, in the order the self-check sheet lists them.

    Made once per sheet schema and years (every returned workbook asks for the same); read the list only."""
    key = (id(s), tuple(years))
    hit = _RULES.get(key)
    if hit is not None and hit[0] is s:
        return hit[1]
    _RULES[key] = (s, _sheet_rules(s, years))
    return _RULES[key][1]


def _sheet_rules(s: SheetSchema, years: Sequence[int] = ()) -> list[Rule]:
    out: list[Rule] = []
    for f in s.fields:
        cons = f.constraint_text()
        how = f"（{cons}）" if cons else ""
        if f.required:
            item = f"“{f.title}”未填" if s.is_form else f"已填写的行中“{f.title}”未填"
            out.append(Rule("required", s, item, f"填写“{f.title}”{how}；本行确实不涉及的，在“说明”中写“不涉及”"
                            if "note" in s.names and not s.is_form else f"填写“{f.title}”{how}", f))
        if f.raw.get("x-required-if"):
            cond = "、".join(f"“{s.field(k).title}”为“{v}”" for k, v in f.raw["x-required-if"].items())
            out.append(Rule("required_if", s, f"{cond}时“{f.title}”未填", f"写明“{f.title}”", f))
        if f.is_number:
            out.append(Rule("number", s, f"“{f.title}”不是数字（可能带了单位或文字）",
                            "只填数字，单位以表头或“计量单位”列为准；不涉及的留空，数量为零填 0", f))
            if f.minimum is not None or f.maximum is not None:
                out.append(Rule("range", s, f"“{f.title}”超出范围（{cons}）", f"填写{cons}的数值（注意单位，如 % 填 0–100）", f))
            if f.le:
                out.append(Rule("le", s, f"“{f.title}”大于“{s.field(f.le).title}”",
                                f"“{f.title}”不应大于“{s.field(f.le).title}”，请核对", f, other=f.le))
        elif f.is_date:
            out.append(Rule("date", s, f"“{f.title}”不是日期", "按 2025-03-31 的格式填写日期", f))
        if f.enum:
            out.append(Rule("list", s, f"“{f.title}”不在下拉列表中", "从下拉列表中选择：" + "、".join(f.enum), f))
        if f.max_length and not f.is_date:
            if f.min_length and f.min_length == f.max_length:
                out.append(Rule("length", s, f"“{f.title}”不是 {f.max_length} 位", f"应为 {f.max_length} 位，请核对", f))
            elif f.max_length < 1000 and not s.is_form:
                out.append(Rule("length", s, f"“{f.title}”超过 {f.max_length} 个字", "精简内容或分行填写", f))
    if s.per_year and "year" in s.names and years:
        for name in s.required_years:
            for y in years:
                out.append(Rule("year", s, f"{y} 年未填写“{s.field(name).title}”",
                                "补填该年的数据（附录B 要求近三年数据）", s.field(name), year=y))
    required_rows = tuple(r for r in s.template_rows if r.required)
    if required_rows and s.key in PACK_ROW_VALUE and years:
        value = s.field(PACK_ROW_VALUE[s.key])
        out.append(Rule("pack_row", s, f"预填的必填项目未填写“{value.title}”",
                        f"填写“{value.title}”；本企业确实不涉及的，在该行“说明”中写“不涉及”", value, rows=required_rows))
    if "discharge_le_generation" in s.rules:
        out.append(Rule("le", s, "排放量大于产生量", "排放量不应大于产生量：核对两者单位是否一致，或是否填反",
                        s.field("discharged"), other="generated"))
    if "solid_waste_balance" in s.rules:
        out.append(Rule("balance", s, "综合利用+处置+贮存与产生量相差超过5%", "核对各去向数量；差额较大时在说明中写明原因",
                        s.field("generated"), severity="warning"))
    return out


# --------------------------------------------------------------------------- Excel


def _rng(sheet: str, a1: str) -> str:
    return f"{quote_sheetname(sheet)}!{a1}"


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _started(r: Rule, lay: SheetLayout) -> str:
    sh = r.sheet.sheet
    cols = "+".join(f"LEN({_rng(sh, lay.data_range(f.name))})" for f in user_fields(r.sheet))
    started = f"(({cols})>0)"
    if "note" in r.sheet.names:
        started += f"*ISERROR(SEARCH(\"{NOT_CONCERNED}\",{_rng(sh, lay.data_range('note'))}))"
    return started


def _cell(r: Rule, lay: SheetLayout) -> str:
    return _rng(r.sheet.sheet, lay.cell(r.field.name) if r.sheet.is_form else lay.data_range(r.field.name))


def _f_required(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    c = _cell(r, lay)
    if r.sheet.is_form:
        return f"=IF(LEN({c})=0,1,0)"
    return f"=SUMPRODUCT({_started(r, lay)}*(LEN({c})=0))"


def _f_required_if(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    c = _cell(r, lay)
    conds = "*".join(f"({_rng(r.sheet.sheet, lay.data_range(k))}=\"{v}\")" for k, v in r.field.raw["x-required-if"].items())
    return f"=SUMPRODUCT({conds}*(LEN({c})=0))"


def _f_number(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    c = _cell(r, lay)
    if r.sheet.is_form:
        return f"=IF(AND(LEN({c})>0,NOT(ISNUMBER({c}))),1,0)"
    return f"=SUMPRODUCT((LEN({c})>0)*NOT(ISNUMBER({c})))"


def _f_range(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    c, f = _cell(r, lay), r.field
    if r.sheet.is_form:
        conds = [x for x in ((f"{c}<{_n(f.minimum)}" if f.minimum is not None else ""),
                             (f"{c}>{_n(f.maximum)}" if f.maximum is not None else "")) if x]
        return f"=IF(ISNUMBER({c}),IF(OR({','.join(conds)}),1,0),0)"
    bounds = [x for x in ((f"({c}<{_n(f.minimum)})" if f.minimum is not None else ""),
                          (f"({c}>{_n(f.maximum)})" if f.maximum is not None else "")) if x]
    return f"=SUMPRODUCT(ISNUMBER({c})*(({'+'.join(bounds)})>0))"


def _f_list(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    c = _cell(r, lay)
    ref = lists.ref(r.field.enum)
    if r.sheet.is_form:
        return f"=IF(LEN({c})=0,0,IF(ISNA(MATCH({c},{ref},0)),1,0))"
    return f"=SUMPRODUCT((LEN({c})>0)*ISNA(MATCH({c},{ref},0)))"


def _f_length(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    c, f = _cell(r, lay), r.field
    if f.min_length and f.min_length == f.max_length:
        if r.sheet.is_form:
            return f"=IF(AND(LEN({c})>0,LEN({c})<>{f.max_length}),1,0)"
        return f"=SUMPRODUCT((LEN({c})>0)*(LEN({c})<>{f.max_length}))"
    return f"=SUMPRODUCT((LEN({c})>{f.max_length})*1)"


def _f_year(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    yr, col = _rng(r.sheet.sheet, lay.data_range("year")), _cell(r, lay)
    return f"=IF(SUMPRODUCT(({yr}={r.year})*ISNUMBER({col}))=0,1,0)"


def _f_le(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    a, b = _cell(r, lay), _rng(r.sheet.sheet, lay.data_range(r.other))
    return f"=SUMPRODUCT(ISNUMBER({a})*ISNUMBER({b})*({a}>{b}))"


def _f_balance(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    sh = r.sheet.sheet
    g = _rng(sh, lay.data_range("generated"))
    cols = [_rng(sh, lay.data_range(n)) for n in ("utilized", "disposed", "stored")]
    total = "+".join(f"IF(ISNUMBER({c}),{c},0)" for c in cols)
    any_part = "+".join(f"ISNUMBER({c})" for c in cols)
    return (f"=SUMPRODUCT(ISNUMBER({g})*(({any_part})>0)*"
            f"(ABS({total}-IF(ISNUMBER({g}),{g},0))>0.05*IF(ISNUMBER({g}),{g},0)+0.01))")


def _f_pack_row(r: Rule, lay: SheetLayout, lists: Any, years: Sequence[int]) -> str:
    sh = r.sheet.sheet
    yr, val = _rng(sh, lay.data_range("year")), _cell(r, lay)
    note = _rng(sh, lay.data_range("note")) if "note" in r.sheet.names else None
    terms = []
    for row in r.rows:
        match = "*".join(f"({_rng(sh, lay.data_range(k))}=\"{row.values[k]}\")" for k in row.match)
        said = f"+ISNUMBER(SEARCH(\"{NOT_CONCERNED}\",{note}))" if note else ""
        for y in years:
            terms.append(f"IF(SUMPRODUCT(({yr}={y})*{match}*((ISNUMBER({val}){said})>0))=0,1,0)")
    return "=" + "+".join(terms) if terms else "=0"


_FORMULAS = {"required": _f_required, "required_if": _f_required_if, "number": _f_number, "range": _f_range,
             "list": _f_list, "length": _f_length, "year": _f_year, "le": _f_le, "balance": _f_balance,
             "pack_row": _f_pack_row, "date": _f_number}


# --------------------------------------------------------------------------- Python


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def is_started(s: SheetSchema, row: Any, users: Sequence[Field] | None = None) -> bool:
    """Whether the enterprise typed into a row (see the module doc); form rows always count."""
    if s.is_form:
        return True
    users = users if users is not None else user_fields(s)
    filled = getattr(row, "filled", None)
    if filled is None:
        filled = {k for k, v in row.values.items() if _text(v)}
    if NOT_CONCERNED in _text(row.values.get("note")):
        return False
    return any(f.name in filled for f in users)


def _p(r: Rule, row: Any, message: str | None = None, value: Any = None, cell: str = "") -> Problem:
    name = r.field.name if r.field is not None else ""
    cell = cell or (row.cells.get(name, "") if row is not None else "")
    return Problem(f"check.{r.kind}", r.severity, message or r.item, r.fix, cell=cell,
                   field=r.field.title if r.field is not None else "", value=value, check=r.kind)


def violations(rules: Sequence[Rule], rows: Sequence[Any], years: Sequence[int] = ()) -> list[Problem]:
    """The violations of ``rules`` in records read back (``ReadRow``: values, cells, filled, texts)."""
    out: list[Problem] = []
    if not rules:
        return out
    s = rules[0].sheet
    users = user_fields(s)
    started = [is_started(s, row, users) for row in rows]
    for r in rules:
        f = r.field
        if r.kind == "required":
            for row, st in zip(rows, started, strict=True):
                if st and f.name not in row.filled:
                    out.append(_p(r, row))
        elif r.kind == "required_if":
            cond = f.raw["x-required-if"]
            for row in rows:
                if all(_text(row.values.get(k)) == v for k, v in cond.items()) and f.name not in row.filled:
                    out.append(_p(r, row))
        elif r.kind in ("number", "date"):
            for row in rows:
                if f.name not in row.texts:
                    continue
                own = [p for p in row.problems if p.field == f.title]
                head = r.item.split("（")[0]  # “产量”不是数字 — the precise cause follows
                p = _p(r, row, f"{head}：" + ("；".join(p.message for p in own) or f"“{row.texts[f.name]}”"),
                       row.texts[f.name])
                if own and not any(x.severity == "error" for x in own):
                    p.severity = "info"  # cpxl could normalise it (e.g. full-width digits): Excel still sees text
                if own:
                    p.rule = own[0].rule  # the specific cause (number.unit_in_cell, normalized.number_text …)
                p.fix = next((x.fix for x in own if x.fix), r.fix)
                out.append(p)
        elif r.kind == "range":
            for row in rows:
                v = row.values.get(f.name)
                if f.name in row.texts or not isinstance(v, (int, float)) or isinstance(v, bool):
                    continue
                if (f.minimum is not None and v < f.minimum) or (f.maximum is not None and v > f.maximum):
                    out.append(_p(r, row, f"{r.item}：{fmt_num(v)}", v))
        elif r.kind == "list":
            allowed = {e.casefold() for e in f.enum}  # Excel's MATCH ignores case, not spaces
            for row in rows:
                raw = row.raw.get(f.name)
                if f.name in row.filled and _excel_text(raw).casefold() not in allowed:
                    out.append(_p(r, row, f"{r.item}：“{raw}”", raw))
        elif r.kind == "length":
            for row in rows:
                t = _excel_text(row.raw.get(f.name)) if f.name in row.filled else ""
                n = len(t)
                bad = (n > 0 and n != f.max_length) if (f.min_length and f.min_length == f.max_length) \
                    else n > f.max_length
                if bad:
                    out.append(_p(r, row, f"{r.item}（{n} 个字符）", t))
        elif r.kind == "year":
            mine = [row for row in rows if row.values.get("year") == r.year]
            if not any(_number(row, f.name) for row in mine):
                p = _p(r, None, cell=_first_cell(rows, "year"))
                as_text = [row for row in mine if _number(row, f.name, text_ok=True)]
                if as_text:
                    p = _as_text(p, as_text[0], f)
                out.append(p)
        elif r.kind == "le":
            for row in rows:
                a, b = row.values.get(f.name), row.values.get(r.other)
                if f.name in row.texts or r.other in row.texts:
                    continue
                if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > b:
                    out.append(_p(r, row, f"{r.item}：{fmt_num(a)} > {fmt_num(b)}", a))
        elif r.kind == "balance":
            for row in rows:
                g = row.values.get("generated")
                parts = [row.values.get(n) for n in ("utilized", "disposed", "stored")
                         if n not in row.texts]
                nums = [x for x in parts if isinstance(x, (int, float))]
                if "generated" in row.texts or not isinstance(g, (int, float)) or not nums:
                    continue
                if abs(sum(nums) - g) > 0.05 * g + 0.01:
                    out.append(_p(r, row, f"综合利用+处置+贮存 = {fmt_num(round(sum(nums), 4))}，与产生量 {fmt_num(g)} "
                                          "相差超过 5%", g))
        elif r.kind == "pack_row":
            out.extend(_pack_row(r, rows, years))
    return out


def _excel_text(v: Any) -> str:
    """A cell's value as Excel's text functions see it (LEN, MATCH): 12345.0 is “12345”."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def _first_cell(rows: Sequence[Any], name: str) -> str:
    return next((row.cells.get(name, "") for row in rows if row.cells.get(name)), "")


def _pack_row(r: Rule, rows: Sequence[Any], years: Sequence[int]) -> list[Problem]:
    out = []
    value = r.field.name
    for pr in r.rows:
        for y in years:
            mine = [row for row in rows if row.values.get("year") == y
                    and all(_text(row.values.get(k)) == _text(pr.values[k]) for k in pr.match)]
            ok = any(_number(row, value) or NOT_CONCERNED in _text(row.values.get("note")) for row in mine)
            if not ok:
                cell = mine[0].cells.get(value, "") if mine else _first_cell(rows, "year")
                p = _p(r, None, f"{y} 年预填的必填项目“{pr.label}”未填写“{r.field.title}”", cell=cell)
                as_text = [row for row in mine if _number(row, value, text_ok=True)]
                out.append(_as_text(p, as_text[0], r.field) if as_text else p)
    return out


def _number(row: Any, name: str, text_ok: bool = False) -> bool:
    """A number Excel sees as one (``text_ok``: or text cpxl read as a number, e.g. full-width digits)."""
    v = row.values.get(name)
    return isinstance(v, (int, float)) and not isinstance(v, bool) and (text_ok or name not in row.texts)


def _as_text(p: Problem, row: Any, f: Field) -> Problem:
    """The value is there, typed as text that cpxl could read: Excel's self-check counts it, ingest only notes it."""
    p.severity = "info"
    p.message += f"（填写的是文本“{row.texts[f.name]}”，已按数字 {fmt_num(row.values[f.name])} 读取）"
    p.cell = row.cells.get(f.name, p.cell)
    return p


def kinds_found(problems: Iterable[Problem]) -> dict[str, int]:
    """Violations per self-check rule kind."""
    out: dict[str, int] = {}
    for p in problems:
        if p.check:
            out[p.check] = out.get(p.check, 0) + 1
    return out

