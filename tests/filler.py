"""Fill enterprise templates the way people do: in the template's own rows, leaving optional prefilled rows
untouched, with (``mistakes`` > 0) the slips real enterprises make. Used by the self-check ↔ ingest tests."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import openpyxl

from cpxl.book import schema
from cpxl.book.layout import layout_for
from cpxl.book.rules import NOT_CONCERNED, user_fields

TEXT_NUMBERS = ("120吨", "约100", "N/A", "１２３", "1,234", "—", "12 吨左右")


def _valid(f: Any, rng: random.Random, row: dict[str, Any]) -> Any:
    if f.enum:
        return rng.choice(f.enum[:-1] if f.enum[-1] == "其他" and len(f.enum) > 1 else f.enum)
    if f.is_date:
        return dt.date(2025, rng.randint(1, 12), rng.randint(1, 28))
    if f.is_number:
        lo = f.minimum if f.minimum is not None else 0
        hi = f.maximum if f.maximum is not None else lo + 1000
        if f.name == "year":
            return row.get("year") or 2025
        if f.name == "concentration":
            return round(rng.uniform(0, 1), 3)
        v = rng.uniform(lo, hi)
        return int(v) if f.type == "integer" else round(v, 2)
    if f.max_length and f.min_length and f.min_length == f.max_length:
        return "9" * f.max_length
    if f.pattern:
        return None  # a pattern-checked text (outlet numbers, codes) is left to the template's own value
    return rng.choice(("正常", "已落实", "见附件", "按规程"))[: f.max_length or 10]


def _mistake(f: Any, rng: random.Random) -> tuple[Any, str]:
    if f.is_number:
        kind = rng.choice(("text", "range", "range") if (f.minimum is not None or f.maximum is not None) else ("text",))
        if kind == "text":
            return rng.choice(TEXT_NUMBERS), "number"
        return (f.minimum - 5 if f.minimum is not None else f.maximum + 5), "range"
    if f.is_date:
        return rng.choice(("2025年13月1日", "去年底", "2025.3.31")), "date"
    if f.enum:
        return "别的选项", "list"
    if f.max_length and f.max_length < 200:
        return "字" * (f.max_length + 3), "length"
    return None, ""


def fill(template: Path, out: Path, seed: int, mistakes: float = 0.0, untouched: float = 0.3) -> dict[str, int]:
    """Fill ``template`` into ``out``; returns how many mistakes of each kind were planted (for the record)."""
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(template)
    planted: dict[str, int] = {}
    for s in schema.for_workbook("enterprise"):
        if s.sheet not in wb.sheetnames:
            continue
        ws = wb[s.sheet]
        lay = layout_for(s)
        if s.is_form:
            for f in s.fields:
                c = ws[lay.cell(f.name)]
                if c.value not in (None, "") or f.locked:
                    continue
                v = _valid(f, rng, {})
                if mistakes and rng.random() < mistakes:
                    v, kind = _mistake(f, rng)
                    planted[kind] = planted.get(kind, 0) + 1
                c.value = v
            continue
        users = {f.name for f in user_fields(s)}
        rows = [r for r in range(lay.first_row, lay.last_row + 1)
                if any(ws.cell(r, j).value not in (None, "") for j in range(1, len(s.fields) + 1))]
        if not rows and s.required_years:  # a sheet without prefilled rows: one row per year
            for i, y in enumerate((2023, 2024, 2025)):
                ws.cell(lay.first_row + i, s.names.index("year") + 1).value = y
            rows = [lay.first_row, lay.first_row + 1, lay.first_row + 2]
        optional = {r for r in rows if rng.random() < untouched}
        for r in rows:
            if r in optional and not mistakes:
                continue  # an optional prefilled row the enterprise does not concern (careful fill: see below)
            row = {f.name: ws.cell(r, j).value for j, f in enumerate(s.fields, start=1)}
            if mistakes and rng.random() < 0.08 and "note" in s.names:
                ws.cell(r, s.names.index("note") + 1).value = NOT_CONCERNED
                continue
            for j, f in enumerate(s.fields, start=1):
                if f.name not in users or row.get(f.name) not in (None, ""):
                    continue
                if f.name == "note" or (not f.required and rng.random() < 0.4):
                    continue
                v = _valid(f, rng, row)
                if mistakes and rng.random() < mistakes:
                    v, kind = _mistake(f, rng)
                    planted[kind] = planted.get(kind, 0) + 1
                elif mistakes and f.required and rng.random() < mistakes / 2:
                    v = None  # a required cell left empty in a started row
                    planted["required"] = planted.get("required", 0) + 1
                if f.name == "discharged" and isinstance(v, (int, float)) and "generated" in s.names:
                    g = ws.cell(r, s.names.index("generated") + 1).value
                    if isinstance(g, (int, float)) and v > g and not (mistakes and rng.random() < 0.5):
                        v = round(g * 0.5, 2)
                if f.le and isinstance(v, (int, float)):
                    other = ws.cell(r, s.names.index(f.le) + 1).value
                    if isinstance(other, (int, float)) and v > other and not (mistakes and rng.random() < 0.5):
                        v = other
                ws.cell(r, j).value = v
            if "solid_waste_balance" in s.rules and not mistakes:
                _balance(ws, s, r)
        if mistakes and s.per_year and rows and rng.random() < 0.5:  # an extra row of the enterprise's own
            r = (rows[-1] if rows else lay.first_row - 1) + 1
            for j, f in enumerate(s.fields, start=1):
                if f.name == "year":
                    ws.cell(r, j).value = 2025
                elif f.enum and f.required:
                    ws.cell(r, j).value = "其他" if "其他" in f.enum and rng.random() < 0.5 else f.enum[0]
                elif f.is_number and f.required:
                    ws.cell(r, j).value = round(rng.uniform(0, 100), 2)
    wb.save(out)
    return planted


def _balance(ws: Any, s: Any, r: int) -> None:
    col = {n: s.names.index(n) + 1 for n in ("generated", "utilized", "disposed", "stored")}
    g = ws.cell(r, col["generated"]).value
    if not isinstance(g, (int, float)):
        return
    ws.cell(r, col["utilized"]).value = round(g * 0.3, 2)
    ws.cell(r, col["stored"]).value = 0
    ws.cell(r, col["disposed"]).value = round(g - round(g * 0.3, 2), 2)


def fill_careful(template: Path, out: Path, seed: int) -> None:
    """A careful enterprise: every required item, every prefilled row it concerns, nothing wrong."""
    fill(template, out, seed, mistakes=0.0, untouched=0.0)

