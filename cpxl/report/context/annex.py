"""附件: the per-enterprise lists the body summarises and cites (附表1…), so that the body of a 1,000-enterprise
audit is barely longer than that of a 28-enterprise one. Rows come from the same computations as the body."""

from __future__ import annotations

from typing import Any

from ..fmt import (
    fnum,
    join_cn,
    text,
)
from .data import Data


def annex(d: Data) -> dict[str, Any]:
    profiles = {text(p.get("ent_uscc")): p for p in d.rows("all_ent_profile")}
    ents = [{
        "no": str(i), "name": text(e.get("name")), "uscc": text(e.get("uscc")), "county": text(e.get("county")),
        "size": text(e.get("size")),
        "products": text(e.get("main_products")) or text(profiles.get(text(e.get("uscc")), {}).get("main_process")),
        "capacity": join_cn([fnum(e.get("design_capacity"), dash=""), text(e.get("capacity_unit"))], last=" "),
    } for i, e in enumerate(d.enterprises, start=1)]
    ctx = d.context
    s233 = ctx.get("s233", {})
    s241, s242 = ctx.get("s241", {}), ctx.get("s242", {})
    breaches = d.facts.get("breaches") or []
    out = {
        "enterprises": ents,
        "site": d.facts.get("site_annex") or [],
        "inspections": d.facts.get("inspections_annex") or [],
        "breaches": [{k: v for k, v in r.items() if not k.startswith("_")} for r in breaches]
        if d.facts.get("breaches_annex") else [],
        "results": _results(d, s233.get("results") or []),
        "matrix": [{**part, "key": _matrix_key(d, part.get("columns") or [])} for part in s233.get("matrix") or []],
        "matrix_text": [f"各企业指标等级见下表（{d.facts.get('matrix_source', '')}；Ⅰ、Ⅱ、Ⅲ表示达到的等级，×表示未达到Ⅲ级，"
                        "/表示不适用，—表示未填报或无法判定）。"] if s233.get("matrix") else [],
        "targets": s241.get("annex") or [],
        "proposals": s242.get("annex") or [],
        "economics": [{k: v for k, v in r.items() if not k.startswith("_")} for r in d.facts.get("economics_annex") or []],
        "economics_title": d.facts.get("economics_annex_title") or "中/高费方案经济评估（全部）",
    }
    out["show"] = any(out[k] for k in ("enterprises", "site", "inspections", "breaches", "results", "matrix", "targets",
                                       "proposals", "economics"))
    return out


def _matrix_key(d: Data, columns: list[str]) -> str:
    """The indicators the matrix's numbered columns stand for, right below the table: ``列号：1 信息化管理水平；…``."""
    names = list(d.indicators.values())
    out = []
    for c in columns:
        i = int(c) - 1 if str(c).isdigit() else -1
        if 0 <= i < len(names):
            out.append(f"{c} {text(names[i].get('indicator'))}")
    return "列号对应的指标：" + "；".join(out) + "。" if out else ""


def _results(d: Data, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evaluation indices of each enterprise; “—” where it had no scorable data (level 数据不全 and no index
    above 0): a 0 there would read as a score."""
    out = []
    for r in rows:
        r = dict(r)
        if r.get("level") == "数据不全" and all(number_or_zero(r.get(k)) == 0 for k in ("y1", "y2", "y3")):
            r.update(y1="—", y2="—", y3="—")
        out.append(r)
    return out


def number_or_zero(s: Any) -> float:
    try:
        return float(str(s).replace(",", "")) if text(s) not in ("", "—") else 0.0
    except ValueError:
        return 0.0
