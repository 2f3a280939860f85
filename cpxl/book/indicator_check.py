"""Check an indicator system typed by a regulator (the master's 指标体系 sheet, or a workbook made by
``cpxl packs template``) cell by cell: what a JSON Schema cannot say.

One message per mistake, each naming its cell: a level-1 weight that differs between rows of its group;
level-1 weights (bonus groups aside) or the level-2 weights of a group that do not sum to 1; a weight
outside (0, 1]; a benchmark that cannot be read; operators of both directions in one indicator
(a benchmark against its direction); levels that are not monotone (Ⅰ级 must be the strictest); a unit not
in ``cpxl/data/codes/indicator_units.json``; a qualitative level with no requirement; a computed quantity
the industry pack cannot compute; a cell still marked as a template's illustrative value or as missing.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from cpxl.core.paths import DATA
from cpxl.core.problems import Problem
from cpxl.domain import packs, pollutants
from cpxl.domain.indicators import LEVEL_LABELS, LEVELS, parse_benchmark

from .indicator_sheet import PLACEHOLDER_MARKS

LEVEL_KEYS = dict(zip(LEVELS, ("level1", "level2", "level3"), strict=True))
BONUS_MARKS = ("（加分项）", "(加分项)")
TOLERANCE = 0.005  # weights typed with three decimals (0.333) still sum to 1


@cache
def _units() -> tuple[frozenset[str], frozenset[str]]:
    doc = json.loads((DATA / "codes" / "indicator_units.json").read_text(encoding="utf-8"))
    norm = {_norm_unit(u) for u in doc["atoms"]}
    return frozenset(norm), frozenset(_norm_unit(u) for u in doc["dimensionless"])


def _norm_unit(u: str) -> str:
    return unicodedata.normalize("NFKC", u).replace(" ", "").replace("CO2", "CO₂").casefold()


def unit_known(unit: str) -> bool:
    """Whether ``unit`` is built from known units with ``/`` and ``·`` (e.g. ``kgce/t``, ``mg/Nm³``)."""
    atoms, plain = _units()
    u = _norm_unit(unit or "")
    if u in plain or u in atoms:
        return True
    parts = [p for p in re.split(r"[/·*]", u.replace("(", "").replace(")", "")) if p]
    return bool(parts) and all(p in atoms or p in plain for p in parts)


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _values(row: Any) -> Mapping[str, Any]:
    return row.values if hasattr(row, "values") and not isinstance(row, Mapping) else row


def _cell(row: Any, name: str) -> str:
    cells = getattr(row, "cells", None)
    return cells.get(name, "") if isinstance(cells, Mapping) else ""


def check_system_rows(rows: Sequence[Any], pack: packs.Pack | None = None, sheet: str = "指标体系") -> list[Problem]:
    """Every mistake of an indicator system typed as rows of the 指标体系 sheet (``ReadRow`` objects with
    cells, or plain mappings). Rows without an indicator id and name are ignored."""
    pack = pack or packs.active()
    known_q = packs.known_quantities(pack)
    out: list[Problem] = []

    def p(rule: str, msg: str, fix: str, row: Any, name: str, value: Any = None) -> None:
        out.append(Problem(f"system.{rule}", "error", msg, fix, sheet=sheet, cell=_cell(row, name),
                           field=name, value=value))

    groups: dict[str, list[Any]] = {}
    for row in rows:
        v = _values(row)
        if not (_text(v.get("indicator_id")) or _text(v.get("indicator"))):
            continue
        iid = _text(v.get("indicator_id")) or _text(v.get("indicator"))
        who = f"指标「{_text(v.get('indicator')) or iid}」（{iid}）"
        cat = _text(v.get("category"))
        for m in BONUS_MARKS:
            cat = cat.removesuffix(m)
        groups.setdefault(cat, []).append(row)
        # weights outside (0, 1] are reported by the sheet's schema (Excel validation and cpxl check alike)
        unit = _text(v.get("unit"))
        if unit and not unit_known(unit):
            p("unit", f"{who}的单位“{unit}”不是已知的计量单位", "按 GB 3100 的符号书写，如 kgce/t、m³/t、mg/Nm³、%；"
              "确需新单位时请增补 cpxl/data/codes/indicator_units.json", row, "unit", unit)
        q = _text(v.get("quantity"))
        if q and q not in known_q:
            p("quantity", f"{who}的计算量“{q}”无法由企业模板的数据计算（行业包“{pack.name}”）",
              f"留空（由企业直接填报该指标），或填写可计算的计算量：{'、'.join(sorted(known_q))}", row, "quantity", q)
        out.extend(_level_problems(row, v, who, sheet))
        out.extend(_limit_problems(row, v, who, sheet, pack))
    for cat, members in groups.items():
        out.extend(_group_problems(cat, members, sheet))
    out.extend(_total_problems(groups, sheet))
    return out


def _level_problems(row: Any, v: Mapping[str, Any], who: str, sheet: str) -> Iterable[Problem]:
    kind = _text(v.get("kind"))
    texts = {lv: _text(v.get(key)) for lv, key in LEVEL_KEYS.items()}
    for lv, t in texts.items():
        mark = next((m for m in PLACEHOLDER_MARKS.values() if m in t), None)
        if mark:
            yield Problem("system.placeholder", "error", f"{who}的{LEVEL_LABELS[lv]}基准值仍是“{mark}”",
                          "按正式发布的标准文本填写该级基准值，并删去该字样", sheet=sheet, cell=_cell(row, LEVEL_KEYS[lv]),
                          field=LEVEL_KEYS[lv], value=t)
    if any(m in t for t in texts.values() for m in PLACEHOLDER_MARKS.values()):
        return
    if kind == "定性":
        for lv, t in texts.items():
            if not t:
                yield Problem("system.qualitative_empty", "error", f"定性{who}没有写{LEVEL_LABELS[lv]}的要求",
                              "写出该级别的要求原文（与上一级相同时写“同Ⅰ级”或照录）", sheet=sheet,
                              cell=_cell(row, LEVEL_KEYS[lv]), field=LEVEL_KEYS[lv])
        return
    if kind != "定量":
        return
    cells = {}
    for lv, t in texts.items():
        b = parse_benchmark(lv, t)
        if b is None:
            yield Problem("system.benchmark", "error", f"{who}的{LEVEL_LABELS[lv]}基准值“{t}”无法识别",
                          "写成 ≤40、<5、≥90、3-4 这样的形式（运算符在前），未给出的留空", sheet=sheet,
                          cell=_cell(row, LEVEL_KEYS[lv]), field=LEVEL_KEYS[lv], value=t)
            continue
        cells[lv] = b
    ops = {lv: b.op for lv, b in cells.items() if b.op in ("≤", "<", "≥", ">")}
    lower = [lv for lv, op in ops.items() if op in ("≤", "<")]
    higher = [lv for lv, op in ops.items() if op in ("≥", ">")]
    if lower and higher:
        minority = lower if len(lower) < len(higher) else higher
        lv = minority[0]
        yield Problem("system.direction", "error",
                      f"{who}的{LEVEL_LABELS[lv]}基准值“{cells[lv].text}”与其他级别方向相反"
                      f"（{'、'.join(f'{LEVEL_LABELS[x]} {cells[x].text}' for x in cells)}）",
                      "同一指标各级基准值的运算符方向应一致：越小越好用 ≤/<，越大越好用 ≥/>", sheet=sheet,
                      cell=_cell(row, LEVEL_KEYS[lv]), field=LEVEL_KEYS[lv], value=cells[lv].text)
        return
    vals = [(lv, cells[lv].value) for lv in LEVELS if lv in ops and cells[lv].value is not None]
    better_low = bool(lower)
    for (a, va), (b, vb) in zip(vals, vals[1:], strict=False):
        stricter = va <= vb if better_low else va >= vb
        if not stricter:
            yield Problem("system.monotone", "error",
                          f"{who}的{LEVEL_LABELS[a]}基准值 {cells[a].text} 比{LEVEL_LABELS[b]} {cells[b].text} 宽松"
                          f"（{'越小越好' if better_low else '越大越好'}的指标Ⅰ级应最严）",
                          "核对各级基准值是否填反或错行", sheet=sheet, cell=_cell(row, LEVEL_KEYS[b]),
                          field=LEVEL_KEYS[b], value=cells[b].text)


#: Averaging times of a statutory limit in the order a daily or 测定均值 benchmark is compared with (not 1 小时均值).
_LIMIT_TYPES = ("24小时均值或日均值", "日均值", "24小时均值", "测定均值")


def _limit_problems(row: Any, v: Mapping[str, Any], who: str, sheet: str, pack: packs.Pack) -> Iterable[Problem]:
    """A warning when the Ⅲ级 benchmark of a discharge-concentration indicator is looser than the statutory limit the
    industry pack knows for that pollutant (e.g. HF Ⅲ级 ≤4 against GB 18484-2020's 2 mg/m³): the published system is
    kept as it is, but meeting Ⅲ级 then does not mean meeting the discharge standard."""
    unit = _text(v.get("unit"))
    if _text(v.get("kind")) != "定量" or not unit:
        return
    prefix, rest = pollutants._unit_key(unit)
    medium = {"M3": "wastegas", "L": "wastewater"}.get(rest) if prefix else None
    if medium is None:
        return
    polls = [p for p in (pack.data.get(medium) or {}).get("pollutants", ()) if p.get("name")]
    name = pollutants.pollutant_in_text(_text(v.get("indicator")), [p["name"] for p in polls])
    b = parse_benchmark("III", _text(v.get("level3")))
    if name is None or b is None or b.op not in ("≤", "<") or b.value is None:
        return
    p = next(x for x in polls if x["name"] == name)
    lims = [lim for t in _LIMIT_TYPES for lim in p.get("limits", ())
            if lim.get("type") == t and isinstance(lim.get("value"), (int, float)) and not lim.get("expired")]
    if not lims:
        return
    lim = min(lims, key=lambda x: x["value"]) if medium == "wastegas" else max(lims, key=lambda x: x["value"])
    limit = pollutants.convert(float(lim["value"]), p.get("unit") or unit, unit)
    if limit is None or b.value <= limit + 1e-12:
        return
    std = f"{lim.get('standard') or ''} {lim.get('table') or ''}".strip()
    yield Problem("system.looser_than_limit", "warning",
                  f"{who}的Ⅲ级基准值“{b.text}”宽于{std}规定的{name}排放限值 {limit:g} {unit}（{lim.get('type')}）："
                  "达到Ⅲ级不等于达标排放",
                  "指标体系按发布文本保留，不作修改；诊断中排放浓度超过国家排放标准限值的企业由达标核查判定，"
                  "不评定清洁生产等级（核实属实的为不达标）；在报告中说明这一差异", sheet=sheet,
                  cell=_cell(row, "level3"), field="level3", value=b.text)


def _group_problems(cat: str, members: list[Any], sheet: str) -> Iterable[Problem]:
    first = members[0]
    weights = [_num(_values(r).get("category_weight")) for r in members]
    given = [(r, w) for r, w in zip(members, weights, strict=True) if w is not None]
    if given:
        w0 = given[0][1]
        for r, w in given[1:]:
            if abs(w - w0) > 1e-9:
                yield Problem("system.category_weight", "error",
                              f"一级指标「{cat}」的权重在各行不一致：{w:g} 与 {w0:g}",
                              "同一一级指标的各行填写相同的一级指标权重", sheet=sheet, cell=_cell(r, "category_weight"),
                              field="category_weight", value=w)
    ws = [_num(_values(r).get("weight")) for r in members]
    if all(w is not None and 0 < w <= 1 for w in ws):  # an out-of-range weight is reported once, by itself
        total = math.fsum(ws)  # type: ignore[arg-type]
        if abs(total - 1) > TOLERANCE:
            yield Problem("system.weight_sum", "error",
                          f"一级指标「{cat}」下 {len(ws)} 项二级指标权重之和为 {total:.4g}，应为 1",
                          "核对该一级指标下各二级指标的权重（同一一级指标下之和为 1）", sheet=sheet,
                          cell=_cell(first, "weight"), field="weight", value=round(total, 6))


def _total_problems(groups: Mapping[str, list[Any]], sheet: str) -> Iterable[Problem]:
    total, first = 0.0, None
    for members in groups.values():
        v = _values(members[0])
        if any(_text(v.get("category")).endswith(m) for m in BONUS_MARKS):
            continue
        w = next((_num(_values(r).get("category_weight")) for r in members
                  if _num(_values(r).get("category_weight")) is not None), None)
        if w is None or not 0 < w <= 1:
            return
        total += w
        first = first or members[0]
    if first is not None and abs(total - 1) > TOLERANCE:
        yield Problem("system.category_weight_sum", "error",
                      f"一级指标权重之和为 {total:.4g}，应为 1（加分项除外）",
                      "核对各一级指标的权重", sheet=sheet, cell=_cell(first, "category_weight"),
                      field="category_weight", value=round(total, 6))
