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
from .layout import SheetLayout
from .rules import Rule, is_started, sheet_rules, user_fields, violations
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
    """Every problem of one sheet's records: the self-check rules of :mod:`cpxl.book.rules` (counted exactly as
    the template's 自查 sheet counts them), then what no formula can express (schema patterns and formats, code
    check characters, duplicates) and the normalisation notes."""
    rules = sheet_rules(s, years)
    covered = _covered(rules)
    users = user_fields(s)
    out: list[Problem] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        merged = {s.field(n).title for n in row.texts}  # reported by the number/date rule, with this detail
        out.extend(p for p in row.problems if p.field not in merged)
        if not is_started(s, row, users) and not s.is_form:
            continue  # an untouched prefilled row (or one marked 不涉及): nothing typed, nothing to judge
        for name, kind, instance in _errors(s, row.values):
            if kind == "Required" or name not in s.names or (name, kind) in covered or name in row.texts:
                continue
            f = s.field(name)
            rule, msg, fix = _schema_message(f, kind, instance)
            out.append(_p(rule, "error", msg, fix, f, row, instance))
        out.extend(_domain_rules(s, row))
        if s.key_fields and all(row.values.get(k) not in (None, "") for k in s.key_fields if s.field(k).required):
            key = tuple(row.values.get(k, "") for k in s.key_fields)
            if key in seen:
                f = s.field(s.key_fields[-1] if s.key_fields[-1] in row.values else s.key_fields[0])
                shown = "、".join(str(k) for k in key if k != "")
                out.append(_p("duplicate", "error", f"与第 {seen[key]} 行重复（{shown}）",
                              "删除重复行，或合并为一行", f, row, key[-1]))
            else:
                seen[key] = row.row
    out.extend(violations(rules, rows, years))
    return out


def _covered(rules: Sequence[Rule]) -> set[tuple[str, str]]:
    """(field, JSON Schema error kind) pairs a self-check rule already reports."""
    kinds = {"list": ("Enum",), "range": ("Minimum", "Maximum", "ExclusiveMinimum", "ExclusiveMaximum"),
             "length": ("MaxLength", "MinLength")}
    return {(r.field.name, k) for r in rules if r.field is not None for k in kinds.get(r.kind, ())}


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

