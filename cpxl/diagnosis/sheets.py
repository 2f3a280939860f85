"""The diagnosis written into the master workbook: 指标值汇总, 诊断结果, 行业指标统计, 共性问题, 审核重点."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cpxl.book import schema

from .matrix import build_matrix
from .model import (
    _ACHIEVED_LABEL,
    _WRITTEN,
    MATRIX_SHEET,
    ORIGIN_AUDITED,
    SHEET_LEVEL,
    DiagnosisResult,
    IndicatorStats,
    _limiting_failures,
    _pct100,
    _r,
    _text,
)
from .scoring import (
    NOT_APPLICABLE,
    IndicatorResult,
)
from .statistics import _names

# --------------------------------------------------------------------------- writing


def _fit(key: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Only the schema's fields; texts cut to the field's maximum length."""
    s = schema.load(key)
    out = []
    for r in rows:
        row = {}
        for f in s.fields:
            v = r.get(f.name)
            if isinstance(v, str) and f.max_length and len(v) > f.max_length:
                v = v[: f.max_length - 1] + "…"
            if isinstance(v, float) and not math.isfinite(v):
                v = None
            row[f.name] = v
        out.append(row)
    return out



def _level_of(r: IndicatorResult) -> str:
    if r.status == "scored":
        return _ACHIEVED_LABEL[r.achieved]  # type: ignore[index]
    return {"not_applicable": "不适用", "no_benchmark": "无基准值"}.get(r.status, "缺失")


def value_rows(result: DiagnosisResult, existing: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """The 指标值汇总 long table: every indicator of every enterprise for the statistical year, the values found
    for the years before, and every 审核组核定 row of the sheet (kept as typed)."""
    by_year, scores = result.values_by_year, result.scores_by_year
    inds = {i.id: i for i in result.system.indicators()}
    out, done = [], set()
    audited = {(_text(r.get("uscc")), r.get("year"), _text(r.get("indicator_id"))): r for r in existing
               if _text(r.get("origin")) == ORIGIN_AUDITED}
    for y in sorted(by_year):
        for e, s in zip(result.enterprises, scores[y].enterprises, strict=True):
            results = {r.id: r for r in s.indicators}
            for iid, v in by_year[y][e.uscc].items():
                if y != result.year and v.origin is None:
                    continue
                ind = inds[iid]
                key = (e.uscc, y, iid)
                done.add(key)
                level = _level_of(results[iid])
                if key in audited:
                    out.append({**audited[key], "enterprise": audited[key].get("enterprise") or e.name,
                                "indicator": ind.name, "unit": ind.unit, "level": level})
                    continue
                qualitative_level = v.self_level if ind.qualitative else None
                out.append({
                    "uscc": e.uscc, "enterprise": e.name, "year": y, "indicator_id": iid,
                    "value": _r(v.value) if isinstance(v.value, float) and not ind.qualitative else None,
                    "self_level": qualitative_level, "not_applicable": "是" if v.value == NOT_APPLICABLE else "否",
                    "origin": v.origin, "indicator": ind.name, "unit": ind.unit, "level": level,
                    "basis": v.basis if v.origin else f"缺少数据：{v.reason}",
                })
    out += [dict(r) for k, r in audited.items() if k not in done]
    return out


def diagnosis_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    rows = []
    for d in result.enterprises:
        s = d.score
        missing = [f"「{r.name}」（{d.values[r.id].reason or '未填报'}）" for r in s.indicators
                   if r.status in ("missing", "invalid")]
        if not d.has_data and not any(v.origin for v in d.values.values()):
            missing = ["全部指标（企业尚未报送数据）"]
        rows.append({
            "uscc": d.uscc, "enterprise": d.name, "y1": round(s.y["I"], 2), "y2": round(s.y["II"], 2),
            "y3": round(s.y["III"], 2), "level": d.level_label,
            "limiting_failures": "、".join(_limiting_failures(s)),
            "blockers": "、".join(b.indicator_id for b in s.blockers),
            "missing": "、".join(missing), "year": result.year, "provisional_level": d.provisional_label,
            "exceedances": d.exceedance_text,
            "next_level": SHEET_LEVEL[s.next_level] if s.next_level else None,
            "blocker_details": "\n".join(b.message for b in s.blockers),
            "audit_focus": "；".join(d.focus),
        })
    return rows


def stats_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    rows = []
    by_dim: dict[str, list[IndicatorStats]] = {}
    for s in result.indicator_stats:
        by_dim.setdefault(s.dimension, []).append(s)
    for dim in result.dimensions:
        rows.append({"dimension": dim.name, "row_type": "维度汇总", "indicator": dim.name,
                     "n_indicators": len(dim.indicators), "n_assessed": dim.cells, "n_missing": dim.n_missing,
                     "n_not_applicable": dim.n_not_applicable,
                     "share_i": _pct100(dim.share_at_least["I"]), "share_ii": _pct100(dim.share_at_least["II"]),
                     "share_iii": _pct100(dim.share_at_least["III"]), "share_below_iii": _pct100(dim.share_below_iii),
                     "conclusion": dim.conclusion})
        for s in by_dim.get(dim.name, []):
            rows.append({
                "dimension": dim.name, "row_type": "指标", "indicator_id": s.indicator_id, "indicator": s.name,
                "unit": s.unit, "direction": s.direction, "limiting": "是" if s.limiting else "否",
                "n_assessed": s.n, "n_missing": s.n_missing, "n_not_applicable": s.n_not_applicable,
                "min": _r(s.min), "q1": _r(s.q1), "median": _r(s.median), "q3": _r(s.q3), "max": _r(s.max),
                "mean": _r(s.mean), "best": _r(s.best), "advanced": _r(s.advanced),
                "best_enterprise": _names(s.best_enterprises), "share_i": _pct100(s.share_at_least["I"]),
                "share_ii": _pct100(s.share_at_least["II"]), "share_iii": _pct100(s.share_at_least["III"]),
                "share_below_iii": _pct100(s.share_below_iii), "level2": s.benchmarks["II"],
                "common": "是" if s.common else "否", "conclusion": s.conclusion,
            })
    return rows


def common_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    return [{"rank": c.rank, "indicator_id": c.indicator_id, "indicator": c.name, "dimension": c.dimension,
             "limiting": "是" if c.limiting else "否", "required_level": SHEET_LEVEL[c.required_level],
             "n_assessed": c.n_assessed, "n_below": c.n_below, "share_below": round(100 * c.share, 2),
             "n_below_iii": c.n_below_iii, "n_missing": c.n_missing, "requirement": c.requirement,
             "median": _r(c.median), "enterprises": "、".join(c.enterprises)} for c in result.common_problems]


def focus_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    inds = {i.id: i.name for i in result.system.indicators()}
    return [{"rule": r.clause, "flag": r.flag, "focus": r.focus, "n_enterprises": len(r.enterprises),
             "n_total": r.n_total, "n_unknown": r.n_unknown, "share_enterprises": round(100 * r.share, 2),
             "industry_focus": "是" if r.industry_focus else "否", "indicators": "、".join(r.indicators),
             "indicator_names": "、".join(inds[i] for i in r.indicators),
             "enterprises": "、".join(n for _, n in r.enterprises), "note": r.note} for r in result.focus_rules]


def write_results(master: Path, result: DiagnosisResult, existing_values: Sequence[Mapping[str, Any]] = ()) -> Path:
    """Write every result sheet and the 诊断矩阵 into ``master`` in one atomic step."""
    from cpxl.book.masterio import update_master

    rows = {
        "indicator_values": _fit("indicator_values", value_rows(result, existing_values)),
        "diagnosis": _fit("diagnosis", diagnosis_rows(result)),
        "industry_stats": _fit("industry_stats", stats_rows(result)),
        "common_problems": _fit("common_problems", common_rows(result)),
        "audit_focus": _fit("audit_focus", focus_rows(result)),
    }

    def extra(wb: Any) -> None:
        _repair_headers(wb)
        build_matrix(wb, result)
        _order_sheets(wb)

    update_master(master, rows, extra=extra)
    result.written = [schema.load(k).sheet for k in _WRITTEN] + [MATRIX_SHEET]
    return master


def _repair_headers(wb: Any) -> None:
    """A master made before these sheets gained columns: rebuild the sheet (it holds only cpxl's output)."""
    from cpxl.book.layout import HEADER_ROW
    from cpxl.book.xlsxwrite import ListRegistry, write_sheet

    for key in _WRITTEN:
        s = schema.load(key)
        if s.sheet not in wb.sheetnames:
            continue
        ws = wb[s.sheet]
        want = [f.header + (" *" if f.required else "") for f in s.fields]
        have = [ws.cell(HEADER_ROW, j).value for j in range(1, len(want) + 1)]
        if have == want and ws.cell(HEADER_ROW, len(want) + 1).value in (None, ""):
            continue
        index = wb.sheetnames.index(s.sheet)
        wb.remove(ws)
        new, _ = write_sheet(wb, s, ListRegistry(wb))
        wb.move_sheet(new, offset=index - wb.sheetnames.index(s.sheet))


def _order_sheets(wb: Any) -> None:
    """Sheets added to an older master go to its end: put them after 诊断结果 / 诊断矩阵, in schema order."""
    prev = MATRIX_SHEET
    for key in ("industry_stats", "common_problems", "audit_focus"):
        name = schema.load(key).sheet
        if name in wb.sheetnames and prev in wb.sheetnames:
            want = wb.sheetnames.index(prev) + 1
            have = wb.sheetnames.index(name)
            if have != want:
                wb.move_sheet(name, offset=want - have if have > want else want - have - 1)
        prev = name
