"""Indicator systems that regulators write in Excel: ``cpxl packs template`` and ``cpxl packs import``.

The regulator holds the official text of the industry's evaluation-index system; cpxl cannot ship most of
them complete (see ``docs/industry-packs.md``). ``write_template`` makes a workbook to transcribe one into:
填写说明, 体系信息 (name, source, method parameters) and 指标体系 — the same sheet, columns, drop-downs and
checks as the master's 指标体系 sheet, prefilled with what the pack's own system already has (missing cells
marked 【待补录】). ``read_workbook`` reads it back with a cell-level Chinese message per mistake
(:mod:`cpxl.book.indicator_check` and the format checks of :mod:`cpxl.domain.indicators`) and, when there is
none, returns the system in cpxl's file format; ``import_workbook`` then writes it into an audit's master
(its 指标体系 sheet, atomically) or to a JSON file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from cpxl.core.atomic import write_atomic
from cpxl.core.folder import AuditFolder
from cpxl.core.problems import Problem
from cpxl.domain import packs
from cpxl.domain.indicators import (
    DIMENSIONS,
    LEVELS,
    load_system,
    parse_benchmark,
    system_from_data,
    validate_system_data,
)

from . import schema
from .indicator_check import BONUS_MARKS, check_system_rows
from .indicator_sheet import system_rows
from .validate import validate_rows
from .xlsxread import grid, normalise, open_workbook, raw_rows
from .xlsxwrite import DESC_FONT, TITLE_FONT, ListRegistry, put, write_sheet

INSTRUCTIONS = "填写说明"
_DIM_IDS = {v: k for k, v in DIMENSIONS.items()}


@dataclass
class ImportResult:
    source: Path
    problems: list[Problem] = field(default_factory=list)
    system: dict[str, Any] | None = None  # the system in cpxl's file format (None when there are errors)
    written: Path | None = None

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"source": str(self.source), "errors": self.errors, "written": str(self.written) if self.written else None,
                "system_id": (self.system or {}).get("id"), "problems": [p.to_dict() for p in self.problems]}


def write_template(out: Path, pack: str | None = None) -> Path:
    """An indicator-system workbook for ``pack`` (default: the generic pack) to fill in Excel."""
    p = packs.load_pack(pack)
    with packs.activated(p):
        info_schema, sheet_schema = schema.load("system_info"), schema.load("indicator_system")
        system = load_system(p.system_path) if p.system_path else None
        rows = system_rows(system) if system is not None and system.status != "template" else []
        info = {"id": f"{p.id}-official", "industry": p.industry, "threshold_i": 85, "threshold_ii": 85,
                "threshold_iii": 100, "verified": "否"}
        if system is not None:
            info.update(name=system.source.get("title") or system.name,
                        standard_number=system.source.get("standard_number", ""),
                        issuer=system.source.get("issuer", ""), clause=system.source.get("clause", ""))
        wb = Workbook()
        ws = wb.active
        ws.title = INSTRUCTIONS
        lists = ListRegistry(wb)
        write_sheet(wb, info_schema, lists, [info])
        write_sheet(wb, sheet_schema, lists, rows, n_rows=200)
        _instructions(ws, p, system)
        wb.move_sheet(lists.ws, offset=len(wb.sheetnames))
        wb.properties.title = f"{p.name} 评价指标体系填写表"
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, lambda tmp: wb.save(tmp))
    return out


def _instructions(ws: Any, p: packs.Pack, system: Any) -> None:
    ws.column_dimensions["A"].width = 110
    put(ws["A1"], f"{p.name}行业清洁生产评价指标体系 · 填写表")
    ws["A1"].font = TITLE_FONT
    missing = []
    if system is not None and system.status == "partial":
        missing = [f"    - {m.get('detail', '')}" for m in system.missing]
    lines = [
        "用途：把本行业正式发布的清洁生产评价指标体系逐项录入，供 cpxl 评分。cpxl 只随包提供公开文本中能读到的部分，"
        "请以正式文本为准。",
        "一、“体系信息”：填写体系名称、标准编号或发布文号、条款或表号和等级门槛（通则方法通常为 85/85/100）。"
        "逐行与正式文本核对后，“已与正式文本逐项核对”选“是”。",
        "二、“指标体系”：每个二级指标一行。一级指标及其权重在该指标的每一行都要填写；加分项在一级指标名称后加“（加分项）”。",
        "    权重写小数：一级指标权重之和为 1（加分项除外），同一一级指标下二级指标权重之和为 1。",
        "    定量指标的各级基准值写运算符和数值，如 ≤40、<5、≥90、3-4；Ⅰ级最严。定性指标写该级的要求原文。",
        "    限定性指标（原文带 * 的）选“是”。单位按 GB 3100 的符号书写，如 kgce/t、m³/t、mg/Nm³、%。",
        "    “计算量”一栏只在该指标可由企业填报的产量、能耗等数据计算时填写代码（见 docs/industry-packs.md），否则留空。",
        "三、带“【待补录】”的单元格是公开文本中缺失的内容，须按正式文本补全并删去该字样。",
        "四、填好后运行：cpxl packs import 本文件.xlsx --into 审核文件夹（写入审核总表“指标体系”工作表），"
        "或 --out 体系.json（保存为指标体系文件）。有错误时逐格列出，文件不会被写入。",
    ]
    if missing:
        lines += ["五、本行业包指标体系的已知缺失项（须按正式文本补全）：", *missing]
    for i, text in enumerate(lines, start=3):
        put(ws.cell(i, 1), text)
        ws.cell(i, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(i, 1).font = DESC_FONT


def read_workbook(path: Path, pack: str | None = None) -> ImportResult:
    """Read a filled indicator-system workbook; ``system`` is set only when no error was found."""
    res = ImportResult(Path(path))
    with packs.activated(pack):
        info_s, sheet_s = schema.load("system_info"), schema.load("indicator_system")
        try:
            wb = open_workbook(Path(path))
        except Exception as exc:  # noqa: BLE001 - any reader failure: not a readable workbook
            res.problems.append(Problem("file.unreadable", "error", f"无法读取该文件（{type(exc).__name__}）",
                                        "确认它是用 cpxl packs template 生成、在 Excel/WPS 中保存的 .xlsx 文件",
                                        file=Path(path).name))
            return res
        found = {}
        for s in (info_s, sheet_s):
            if s.sheet not in wb.sheet_names:
                res.problems.append(Problem("sheet.missing", "error", f"缺少工作表“{s.sheet}”",
                                            "请在 cpxl packs template 生成的填写表中录入，不要删除或改名工作表",
                                            file=Path(path).name, sheet=s.sheet))
                continue
            found[s.key] = [normalise(r, s, file=Path(path).name) for r in raw_rows(grid(wb, s.sheet), s)]
        if res.problems:
            return res
        info_rows, rows = found["system_info"], found["indicator_system"]
        problems = validate_rows(info_s, info_rows) + validate_rows(sheet_s, rows) + check_system_rows(rows)
        for p in problems:
            p.file = p.file or Path(path).name
            p.sheet = p.sheet or (sheet_s.sheet if p.field in sheet_s.names or p.rule.startswith("system.")
                                  else info_s.sheet)
        res.problems.extend(problems)
        if not rows:
            res.problems.append(Problem("system.empty", "error", "“指标体系”工作表中没有指标",
                                        "每个二级指标填写一行", file=Path(path).name, sheet=sheet_s.sheet))
        if res.errors:
            return res
        data = rows_to_system(info_rows[0].values if info_rows else {}, [r.values for r in rows])
        for msg in validate_system_data(data):
            res.problems.append(Problem("system.format", "error", msg, "按“填写说明”核对", file=Path(path).name,
                                        sheet=sheet_s.sheet))
        if not res.errors:
            res.system = data
    return res


def rows_to_system(info: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Checked 指标体系 rows (and 体系信息) → a system document in cpxl's file format."""
    cats: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = str(r.get("category", "")).strip()
        bonus = any(name.endswith(m) for m in BONUS_MARKS)
        for m in BONUS_MARKS:
            name = name.removesuffix(m)
        c = cats.setdefault(name, {"id": f"cat{len(cats) + 1}", "name": name, "weight": r.get("category_weight"),
                                   "bonus": bonus, "dimensions": [], "indicators": []})
        dim = _DIM_IDS.get(str(r.get("dimension") or ""), "") or "management"
        if dim not in c["dimensions"]:
            c["dimensions"].append(dim)
        qualitative = r.get("kind") == "定性"
        cells: dict[str, Any] = {}
        direction = "qualitative"
        for lv, key in zip(LEVELS, ("level1", "level2", "level3"), strict=True):
            text = str(r.get(key) or "").strip()
            if qualitative:
                cells[lv] = {"text": text}
                continue
            b = parse_benchmark(lv, text)
            if b is None or b.op == "none":
                cells[lv] = {"op": "none", "text": text, "note": "填写表中未给出该级基准值"}
            elif b.op == "range":
                cells[lv] = {"op": "range", "min": b.min, "max": b.max, "text": text}
            else:
                cells[lv] = {"op": b.op, "value": b.value, "text": text}
                direction = "lower_better" if b.op in ("≤", "<") else "higher_better"
        if not qualitative and direction == "qualitative":
            direction = "lower_better"
        ind = {"id": str(r["indicator_id"]), "name": str(r.get("indicator") or r["indicator_id"]),
               "unit": str(r.get("unit") or ""), "weight": r.get("weight"),
               "kind": "qualitative" if qualitative else "quantitative", "limiting": r.get("limiting") == "是",
               "direction": direction, "benchmarks": cells, "dimension": dim}
        if r.get("quantity"):
            ind["quantity"] = str(r["quantity"])
        c["indicators"].append(ind)
    for c in cats.values():
        if not isinstance(c["weight"], (int, float)) or math.isnan(c["weight"]):
            c["weight"] = None
    verified = info.get("verified") == "是"
    return {
        "format": "cpxl-indicator-system", "format_version": 1,
        "id": str(info.get("id") or "imported-system"), "name": str(info.get("name") or "导入的评价指标体系"),
        "industry": str(info.get("industry") or ""), "template": False, "status": "complete",
        "source": {"standard_number": str(info.get("standard_number") or ""), "title": str(info.get("name") or ""),
                   "issuer": str(info.get("issuer") or ""), "status": str(info.get("publication_status") or "未注明"),
                   "clause": str(info.get("clause") or ""), "verified_against_official_text": verified,
                   "notes": ["由监管部门在 Excel 中录入，经 cpxl packs import 导入。"]},
        "level_names": {"I": str(info.get("level_i") or "Ⅰ级"), "II": str(info.get("level_ii") or "Ⅱ级"),
                        "III": str(info.get("level_iii") or "Ⅲ级"), "none": "未达到Ⅲ级"},
        "options": {"thresholds": {"I": info.get("threshold_i", 85), "II": info.get("threshold_ii", 85),
                                   "III": info.get("threshold_iii", 100)},
                    "level1_requires_nonlimiting_level2": False,
                    "bonus": {"mode": "additive", "cap": 100, "level3_uses_base": True}},
        "categories": list(cats.values()),
    }


def import_workbook(path: Path, into: Path | None = None, out: Path | None = None) -> ImportResult:
    """Read ``path``; with no error, write the system into the audit ``into`` (its 指标体系 sheet) and/or
    to the JSON file ``out``."""
    pack = None
    if into is not None:
        from .master import master_pack

        pack = master_pack(AuditFolder(Path(into)).require_master())
    res = read_workbook(path, pack)
    if res.system is None:
        return res
    if out is not None:
        text = json.dumps(res.system, ensure_ascii=False, indent=2) + "\n"
        write_atomic(Path(out), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        res.written = Path(out)
    if into is not None:
        from .masterio import update_master

        master = AuditFolder(Path(into)).require_master()
        with packs.activated(pack):
            update_master(master, {"indicator_system": system_rows(system_from_data(res.system))})
        res.written = master
    return res
