"""The indicator system to score with: the master's 指标体系 sheet read back into an :class:`IndicatorSystem`
(or the shipped system it is an unchanged copy of)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cpxl.book.indicator_sheet import PLACEHOLDER_MARKS, system_rows
from cpxl.domain import packs
from cpxl.domain.indicators import (
    LEVEL_LABELS,
    LEVELS,
    Benchmark,
    Category,
    Indicator,
    IndicatorSystem,
    SystemOptions,
    list_systems,
    load_system,
    parse_benchmark,
)

from .model import _BONUS_MARK, _DEFAULT_LEVEL_NAMES, _DIM_IDS, DiagnosisError, _num, _text

# --------------------------------------------------------------------------- the indicator system




def system_from_sheet(rows: Sequence[Mapping[str, Any]], base: IndicatorSystem | None = None) -> IndicatorSystem:
    """An :class:`IndicatorSystem` from the rows of the master's 指标体系 sheet.

    ``base`` (a shipped system with the same indicator ids) lends its options and level names.
    Raises :class:`DiagnosisError` listing every defect (in Chinese).
    """
    errors: list[str] = []
    cats: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for i, r in enumerate(rows, start=1):
        iid = _text(r.get("indicator_id"))
        where = f"“指标体系”第 {i} 条（{iid or _text(r.get('indicator')) or '无编号'}）"
        if not iid:
            errors.append(f"{where}缺少二级指标编号")
            continue
        if iid in seen:
            errors.append(f"{where}的二级指标编号重复")
            continue
        seen.add(iid)
        cat_raw = _text(r.get("category"))
        if not cat_raw:
            errors.append(f"{where}缺少一级指标")
            continue
        bonus = cat_raw.endswith(_BONUS_MARK) or cat_raw.endswith("(加分项)")
        cat_name = cat_raw.removesuffix(_BONUS_MARK).removesuffix("(加分项)")
        c = cats.setdefault(cat_name, {"bonus": bonus, "weight": None, "indicators": []})
        cw = _num(r.get("category_weight"))
        if cw is not None:
            if c["weight"] is None:
                c["weight"] = cw
            elif abs(c["weight"] - cw) > 1e-9:
                errors.append(f"{where}的一级指标权重 {cw:g} 与同一一级指标「{cat_name}」的其他行（{c['weight']:g}）不一致")
        weight = _num(r.get("weight"))
        if weight is None or weight <= 0:
            errors.append(f"{where}的二级指标权重缺失或不大于 0")
            continue
        kind_text = _text(r.get("kind"))
        if kind_text not in ("定量", "定性"):
            errors.append(f"{where}的指标类型应为“定量”或“定性”")
            continue
        qualitative = kind_text == "定性"
        cells: dict[str, Benchmark] = {}
        marked = [lv for lv, key in zip(LEVELS, ("level1", "level2", "level3"), strict=True)
                  if any(m in _text(r.get(key)) for m in PLACEHOLDER_MARKS.values())]
        if marked:
            errors.append(f"{where}的{'、'.join(LEVEL_LABELS[lv] for lv in marked)}基准值仍是"
                          f"“{'”或“'.join(PLACEHOLDER_MARKS.values())}”：请按正式发布的标准文本填写基准值并删除该字样")
            continue
        for lv, key in zip(LEVELS, ("level1", "level2", "level3"), strict=True):
            if qualitative:
                cells[lv] = Benchmark(lv, _text(r.get(key)))
                continue
            b = parse_benchmark(lv, r.get(key))
            if b is None:
                errors.append(f"{where}的{LEVEL_LABELS[lv]}基准值“{_text(r.get(key))}”无法识别：应写成 ≤40、<5、≥90、"
                              "3-4 这样的形式，或留空表示未给出")
                continue
            cells[lv] = b
        if len(cells) < 3:
            continue
        ops = {b.op for b in cells.values() if b.op not in (None, "none", "range")}
        lower, higher = bool(ops & {"≤", "<"}), bool(ops & {"≥", ">"})
        if lower and higher:
            errors.append(f"{where}的基准值同时有“≤/<”和“≥/>”，方向不一致")
            continue
        direction = "qualitative" if qualitative else ("higher_better" if higher else "lower_better")
        dim_text = _text(r.get("dimension"))
        c["indicators"].append(dict(
            id=iid, name=_text(r.get("indicator")) or iid, unit=_text(r.get("unit")), weight=weight,
            kind="qualitative" if qualitative else "quantitative", limiting=_text(r.get("limiting")) == "是",
            direction=direction, benchmarks=cells, dimension=_DIM_IDS.get(dim_text, ""),
            quantity=_text(r.get("quantity")) or None))
    base_total = 0.0
    for name, c in cats.items():
        if c["weight"] is None:
            errors.append(f"一级指标「{name}」没有填写一级指标权重")
            continue
        if not c["bonus"]:
            base_total += c["weight"]
        total = math.fsum(i["weight"] for i in c["indicators"])
        if c["indicators"] and abs(total - 1) > 0.01:
            errors.append(f"一级指标「{name}」下二级指标权重之和为 {total:.4g}，应为 1")
    if cats and abs(base_total - 1) > 0.01:
        errors.append(f"非加分一级指标权重之和为 {base_total:.4g}，应为 1")
    if not cats and not errors:
        errors.append("“指标体系”工作表没有指标")
    if errors:
        raise DiagnosisError("审核总表“指标体系”工作表不能用于评分（" + f"{len(errors)} 处）：\n"
                             + "\n".join(f"  - {e}" for e in errors))
    categories = []
    for n, (name, c) in enumerate(cats.items(), start=1):
        cid = f"cat{n}"
        inds = tuple(Indicator(**i, category_id=cid, bonus=c["bonus"]) for i in c["indicators"])
        dims = tuple(dict.fromkeys(i.dimension for i in inds if i.dimension)) or ("management",)
        categories.append(Category(cid, name, float(c["weight"]), c["bonus"], dims, inds))
    return IndicatorSystem(
        id=f"{base.id}-sheet" if base else "master-sheet",
        name=f"{base.name}（按审核总表修改）" if base else "审核总表“指标体系”工作表",
        template=False,
        source={"status": "审核总表", "title": "审核总表“指标体系”工作表", "standard_number": "", "clause": "",
                "verified_against_official_text": False},
        level_names=dict(base.level_names) if base else dict(_DEFAULT_LEVEL_NAMES),
        options=base.options if base else SystemOptions(),
        categories=tuple(categories),
        industry=base.industry if base else "",
    )


def _same(a: Any, b: Any) -> bool:
    na, nb = _num(a), _num(b)
    if na is not None or nb is not None:
        return na is not None and nb is not None and math.isclose(na, nb, rel_tol=1e-9, abs_tol=1e-12)
    return _text(a) == _text(b)


def _same_rows(sheet: Sequence[Mapping[str, Any]], ref: Sequence[Mapping[str, Any]]) -> bool:
    if len(sheet) != len(ref):
        return False
    by_id = {_text(r.get("indicator_id")): r for r in sheet}
    return all(all(_same(by_id.get(r["indicator_id"], {}).get(k), v) for k, v in r.items()) for r in ref)


def choose_system(rows: Sequence[Mapping[str, Any]], system: str | Path | IndicatorSystem | None = None,
                  name: str = "") -> tuple[IndicatorSystem, str, list[str]]:
    """The indicator system to score with, a Chinese description of where it came from, and warnings
    (``name``: what 审核任务 calls the system of the sheet)."""
    sheet = [r for r in rows if _text(r.get("indicator_id")) or _text(r.get("indicator"))]
    warnings: list[str] = []
    given = system if isinstance(system, IndicatorSystem) else (load_system(system) if system else None)
    if not sheet:
        if given is None:
            pack = packs.active()
            hint = ""
            if pack.status == "partial":
                hint = (f"行业包“{pack.name}”的评价指标体系公开文本不完整（见 cpxl packs）：请用 cpxl packs template 体系.xlsx "
                        f"-p {pack.id} 生成填写表，按正式发布的文本录入后用 cpxl packs import 体系.xlsx --into 审核文件夹 导入；")
            raise DiagnosisError("审核总表的“指标体系”工作表为空，且没有指定评价指标体系。" + hint +
                                 "也可在“指标体系”工作表中直接录入，或在诊断时用 --system 指定（可用的体系见 cpxl systems）。")
        warnings.append(f"审核总表的“指标体系”工作表为空，按指定的指标体系“{given.name}”评分。")
        return given, f"指定的指标体系“{given.name}”", warnings
    ids = {_text(r.get("indicator_id")) for r in sheet}
    chosen: IndicatorSystem | None = None
    source = "审核总表“指标体系”工作表"
    for info in list_systems():
        shipped = load_system(info.path)
        if {i.id for i in shipped.indicators()} != ids:
            continue
        if _same_rows(sheet, system_rows(shipped)):
            chosen, source = shipped, f"审核总表“指标体系”工作表（与内置指标体系“{shipped.name}”一致）"
        else:
            chosen = system_from_sheet(sheet, base=shipped)
            source = f"审核总表“指标体系”工作表（在内置指标体系“{shipped.name}”基础上有修改）"
            warnings.append(f"“指标体系”工作表的指标编号与内置指标体系“{shipped.name}”相同，但权重或基准值有改动，"
                            "已按工作表评分（评价选项沿用内置体系）。")
        break
    if chosen is None:
        chosen = system_from_sheet(sheet)
        if name:
            chosen = replace(chosen, name=name)
        warnings.append("“指标体系”工作表不是内置指标体系，按工作表评分；评价选项取通则缺省值"
                        "（Y_I≥85、Y_II≥85、Y_III=100，加分项累加并封顶 100）。")
    if given is not None and given.id != chosen.id:
        warnings.append(f"已按审核总表“指标体系”工作表评分，未使用指定的指标体系“{given.name}”；"
                        "如需改用，请先清空或替换该工作表。")
    return chosen, source, warnings
