"""Each enterprise's indicator values for a year and where each came from (审核组核定, 企业填报, 由填报数据计算)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from cpxl.domain import packs
from cpxl.domain.indicators import (
    Indicator,
    IndicatorSystem,
)

from .derive import Derived, concentration_of, to_indicator_unit
from .model import (
    _ACHIEVED_LABEL,
    _SOURCE_SHEET,
    ORIGIN_AUDITED,
    ORIGIN_DERIVED,
    ORIGIN_REPORTED,
    ValueEntry,
    _num,
    _text,
)
from .scoring import (
    NOT_APPLICABLE,
)

# --------------------------------------------------------------------------- values


def _level_number(text: Any) -> int | None:
    t = unicodedata.normalize("NFKC", _text(text)).replace(" ", "").upper()
    t = t.replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III")
    if not t:
        return None
    if "未达" in t or "不达" in t or t in ("0", "无", "否"):
        return 0
    t = t.removesuffix("级").removeprefix("达到")
    return {"I": 1, "II": 2, "III": 3, "1": 1, "2": 2, "3": 3, "一": 1, "二": 2, "三": 3}.get(t)


def _row_value(ind: Indicator, row: Mapping[str, Any]) -> tuple[Any, str | None, str]:
    """(value for scoring or None, self level label, reason when missing) of a reported/audited row."""
    if _text(row.get("not_applicable")) == "是":
        return NOT_APPLICABLE, None, ""
    if ind.qualitative:
        n = _level_number(row.get("self_level"))
        if n is None:
            v = _num(row.get("value"))
            n = int(v) if v is not None and v in (0, 1, 2, 3) else None
        if n is None:
            bad = _text(row.get("self_level"))
            return None, None, f"自评等级“{bad}”无效" if bad else "未选择自评等级"
        return n, _ACHIEVED_LABEL[n], ""
    v = _num(row.get("value"))
    if v is None:
        return None, None, "只填写了自评等级，缺少定量指标值" if _text(row.get("self_level")) else "未填写指标值"
    return v, None, ""


def _source_of(quantity: str | None) -> str:
    """The consolidated sheet holding the raw data of a computed quantity (for the fix of a problem)."""
    q = quantity or ""
    q = str(packs.active().quantities.get(q, {}).get("base", q))
    if q.startswith("energy"):
        return _SOURCE_SHEET["energy"]
    if q.startswith("water"):
        return _SOURCE_SHEET["water"]
    if q.startswith("material"):
        return _SOURCE_SHEET["agent"]
    if q.startswith("waste") or "solid_waste" in q:
        return _SOURCE_SHEET["ash"]
    if q.startswith("co2"):
        return _SOURCE_SHEET["co2"]
    if "discharge" in q or q.startswith("pollutant"):
        return "汇总_B.3废气、汇总_B.3废水"
    return "汇总_B.2产品产量"


def build_values(system: IndicatorSystem, year: int, reported: Mapping[str, Mapping[str, Any]],
                 audited: Mapping[str, Mapping[str, Any]], derived: Mapping[str, Derived] | None
                 ) -> dict[str, ValueEntry]:
    """One enterprise's values for ``year``: indicator id → :class:`ValueEntry`.

    Priority: 审核组核定 → 不适用 reported by the enterprise → for a derived quantity the computed value
    (else the reported one) → for other indicators the reported value (else a computed one, if any).
    """
    derived = derived or {}
    out: dict[str, ValueEntry] = {}
    for ind in system.indicators():
        iid = ind.id
        unreasoned = iid in audited and not _text(audited[iid].get("basis"))
        if iid in audited and not unreasoned:
            v, label, reason = _row_value(ind, audited[iid])
            out[iid] = ValueEntry(iid, year, v, ORIGIN_AUDITED if v is not None else None,
                                  _text(audited[iid].get("basis")),
                                  f"“指标值汇总”中审核组核定的行{reason}" if reason else "", label)
            continue
        rep = reported.get(iid)
        rv, rlabel, rreason = _row_value(ind, rep) if rep is not None else (None, None, "企业未填报该指标")
        rbasis = _text(rep.get("basis")) if rep is not None else ""
        if rv == NOT_APPLICABLE:
            out[iid] = ValueEntry(iid, year, rv, ORIGIN_REPORTED, rbasis or "企业填报：不适用")
            continue
        d = derived.get(ind.quantity) if ind.quantity else None
        # a discharge concentration the enterprise's B.3 data give: one number for the indicator and the 达标核查
        conc = d is None and not ind.quantity and not ind.qualitative and (
            d := concentration_of(ind.name, ind.unit, derived)) is not None
        dv, dnote = to_indicator_unit(d, ind.unit) if d is not None else (None, None)
        dwarn = (dnote,) if dnote and "不一致" in dnote else ()
        computed = ValueEntry(iid, year, dv, ORIGIN_DERIVED, d.basis + (f"（{dnote}）" if dnote else ""), "", None, d,
                              dwarn) if d is not None and dv is not None else None
        why_not = "；".join(d.problems) if d is not None and dv is None else ""
        if ind.quantity in packs.known_quantities() or (conc and computed is not None):
            if computed is not None:
                if isinstance(rv, (int, float)) and not ind.qualitative:
                    computed.basis += f"（企业另填报 {rv:g}{ind.unit}，以计算值为准）"
                    computed.reported = float(rv)
                out[iid] = computed
            elif rv is not None:
                out[iid] = ValueEntry(iid, year, rv, ORIGIN_REPORTED,
                                      "；".join(p for p in (rbasis, f"由填报数据无法计算（{why_not or '未计算'}），采用企业填报值")
                                               if p), "", rlabel, d)
            else:
                reason = why_not or f"无法计算（计算量 {ind.quantity}）"
                out[iid] = ValueEntry(iid, year, None, None, "", reason, None, d)
            continue
        if rv is not None:
            out[iid] = ValueEntry(iid, year, rv, ORIGIN_REPORTED, rbasis, "", rlabel)
        elif computed is not None:
            computed.basis = f"企业未填报，采用由填报数据计算的值：{computed.basis}"
            out[iid] = computed
        else:
            out[iid] = ValueEntry(iid, year, None, None, "", rreason + (f"；由填报数据也无法计算（{why_not}）"
                                                                         if why_not else ""), None, d)
    for iid, row in audited.items():
        if iid in out and not _text(row.get("basis")):
            out[iid].audit_note = "“指标值汇总”中有审核组核定的值，但没有写明核定理由，未采用"
    return out
