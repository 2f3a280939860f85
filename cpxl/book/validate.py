"""Validate records read from a sheet: schema constraints, domain rules, cross-field rules.

Input: ``ReadRow`` records (already normalised, positions known). Output: ``Problem`` lists
with file, sheet, cell, field, value, rule, message and fix — the shape every report renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import jsonschema_rs

from cpxl.core.problems import Problem
from cpxl.domain import codes, packs

from . import schema
from .layout import FIRST_DATA_ROW, SheetLayout, layout_for
from .schema import Field, SheetSchema, fmt_num
from .xlsxread import ReadRow


def _p(rule: str, sev: str, msg: str, fix: str, f: Field | None, row: ReadRow | None, value: Any = None,
       cell: str = "") -> Problem:
    if not cell and row is not None and f is not None:
        cell = row.cells.get(f.name, "")
    return Problem(rule, sev, msg, fix, cell=cell, field=f.title if f else "", value=value)


def _schema_message(f: Field, kind: str, instance: Any) -> tuple[str, str, str]:
    """(rule, message, fix) in Chinese for one schema error of ``kind`` on field ``f``."""
    if kind == "Enum":
        return "schema.enum", f"“{instance}”不在可选范围内", "从下拉列表中选择：" + "、".join(f.enum)
    if kind in ("Minimum", "ExclusiveMinimum") and f.minimum is not None:
        return "schema.minimum", f"{fmt_num(instance)} 小于允许的最小值 {fmt_num(f.minimum)}", \
            f"填写不小于 {fmt_num(f.minimum)} 的数值"
    if kind in ("Maximum", "ExclusiveMaximum") and f.maximum is not None:
        return "schema.maximum", f"{fmt_num(instance)} 大于允许的最大值 {fmt_num(f.maximum)}", \
            f"填写不大于 {fmt_num(f.maximum)} 的数值（注意单位，如 % 填 0–100）"
    if kind == "MaxLength":
        return "schema.max_length", f"超过 {f.max_length} 个字", "精简内容或分行填写"
    if kind == "MinLength":
        return "schema.min_length", f"不足 {f.min_length} 位", f"应为 {f.min_length} 位，请核对"
    if kind == "Pattern":
        return "schema.pattern", f"“{instance}”格式不符合要求", f.help or f.constraint_text() or "按填报说明填写"
    if kind == "Format":
        return "schema.format", f"“{instance}”格式不正确", f.help or "按填报说明填写"
    if kind == "Type":
        return "schema.type", f"“{instance}”类型不对", f.constraint_text() or "按填报说明填写"
    return "schema." + kind.lower(), f"“{instance}”不符合要求", f.constraint_text()


def _compiled(key: str) -> Any:
    """A compiled validator (jsonschema-rs: about 60× faster than pure-Python jsonschema here)."""
    return _compiled_for(key, packs.active_id())


@cache
def _compiled_for(key: str, pack_id: str) -> Any:
    return jsonschema_rs.validator_for(schema.load_all()[key].raw, validate_formats=True) \
        if key in schema.load_all() else None


def _errors(s: SheetSchema, values: dict[str, Any]) -> Iterable[tuple[str, str, Any]]:
    """(field name, error kind, instance) for each schema violation of one record."""
    v = _compiled(s.key)
    if v is None:  # schemas built in code (consolidated sheets): pure-Python validator
        for err in s.validator().iter_errors(values):
            if err.path:
                yield str(err.path[0]), str(err.validator).capitalize().replace("length", "Length"), err.instance
        return
    if v.is_valid(values):
        return
    for err in v.iter_errors(values):
        if err.instance_path:
            yield str(err.instance_path[0]), type(err.kind).__name__, err.instance


def validate_rows(s: SheetSchema, rows: Sequence[ReadRow], years: Sequence[int] = (),
                  lay: SheetLayout | None = None) -> list[Problem]:
    """Every problem of one sheet's records (normalisation problems included)."""
    lay = lay or layout_for(s)
    out: list[Problem] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        out.extend(row.problems)
        bad_fields = {p.field for p in row.problems if p.severity == "error"}
        for f in s.fields:
            if f.required and f.name not in row.values and f.title not in bad_fields:
                out.append(_p("required", "error", "必填项未填", f"填写“{f.title}”" +
                              (f"（{f.constraint_text()}）" if f.constraint_text() else ""), f, row))
        for name, kind, instance in _errors(s, row.values):
            if kind == "Required" or name not in s.names:
                continue  # missing values are reported above, with their cell
            f = s.field(name)
            rule, msg, fix = _schema_message(f, kind, instance)
            out.append(_p(rule, "error", msg, fix, f, row, instance))
        out.extend(_domain_rules(s, row))
        if s.key_fields and all(k in row.values for k in s.key_fields):
            key = tuple(row.values[k] for k in s.key_fields)
            if key in seen:
                f = s.field(s.key_fields[-1])
                out.append(_p("duplicate", "error", f"与第 {seen[key]} 行重复（{'、'.join(map(str, key))}）",
                              "删除重复行，或合并为一行", f, row, key[-1]))
            else:
                seen[key] = row.row
    out.extend(_year_coverage(s, rows, years, lay))
    return out


def _domain_rules(s: SheetSchema, row: ReadRow) -> Iterable[Problem]:
    v = row.values
    for f in s.fields:
        if f.name not in v:
            continue
        val = v[f.name]
        if f.rule == "uscc":
            for m in codes.validate_uscc(str(val)):
                yield _p("code.uscc", "error", m, "核对营业执照上的18位统一社会信用代码", f, row, val)
        elif f.rule == "permit":
            uscc = v.get("uscc") or v.get("ent_uscc")
            for m in codes.validate_permit_number(str(val), uscc if isinstance(uscc, str) else None):
                yield _p("code.permit", "error", m, "核对排污许可证正本上的22位许可证编号（HJ 608-2017）", f, row, val)
        elif f.rule == "industry_code":
            for m in codes.validate_industry_code(str(val)):
                yield _p("code.industry", "error", m, "按 GB/T 4754-2017 填写，如 N7724 或 7724", f, row, val)
        if f.le and isinstance(val, (int, float)) and isinstance(v.get(f.le), (int, float)) and val > v[f.le]:
            other = s.field(f.le)
            yield _p("rule.le", "error", f"{fmt_num(val)} 大于“{other.title}” {fmt_num(v[f.le])}",
                     f"“{f.title}”不应大于“{other.title}”，请核对", f, row, val)
    if "discharge_le_generation" in s.rules:
        g, d = v.get("generated"), v.get("discharged")
        if isinstance(g, (int, float)) and isinstance(d, (int, float)) and d > g * (1 + 1e-9):
            f = s.field("discharged")
            yield _p("rule.discharge_le_generation", "error", f"排放量 {fmt_num(d)} 大于产生量 {fmt_num(g)}",
                     "排放量不应大于产生量：核对两者单位是否一致，或是否填反", f, row, d)
    if "solid_waste_balance" in s.rules:
        g = v.get("generated")
        parts = [v.get(n) for n in ("utilized", "disposed", "stored")]
        if isinstance(g, (int, float)) and any(isinstance(x, (int, float)) for x in parts):
            total = sum(x for x in parts if isinstance(x, (int, float)))
            if abs(total - g) > 0.05 * g + 0.01:
                f = s.field("generated")
                yield _p("rule.balance", "warning",
                         f"综合利用+处置+贮存 = {fmt_num(round(total, 4))}，与产生量 {fmt_num(g)} 相差超过 5%",
                         "核对各去向数量；差额较大时在去向栏说明原因", f, row, g)


def _year_coverage(s: SheetSchema, rows: Sequence[ReadRow], years: Sequence[int],
                   lay: SheetLayout) -> Iterable[Problem]:
    if not (s.per_year and years and s.required_years):
        return
    for name in s.required_years:
        f = s.field(name)
        have = {r.values.get("year") for r in rows if isinstance(r.values.get(name), (int, float))}
        for y in years:
            if y not in have:
                yield Problem("required.year", "error", f"{y} 年没有填写“{f.title}”",
                              f"补填 {y} 年的数据（附录B 要求近三年数据）", sheet=s.sheet,
                              cell=f"{lay.column(name)}{FIRST_DATA_ROW}", field=f.title)
