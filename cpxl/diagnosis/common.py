"""Key common problems of the industry (行业关键共性问题) and each enterprise's own shortfalls (突出个性问题)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cpxl.domain.indicators import (
    IndicatorSystem,
)

from .model import CommonProblem, ValueEntry, _limiting_failures
from .scoring import (
    EnterpriseScore,
)
from .statistics import _dimension_name, quartiles


def find_common_problems(system: IndicatorSystem, scores: Sequence[EnterpriseScore], share: float, level: str = "II",
                         usccs: Sequence[str] | None = None, min_count: int = 3) -> list[CommonProblem]:
    """Indicators that at least ``share`` (a fraction) of the enterprises with a scored value miss at ``level`` —
    and at least ``min_count`` of them (one enterprise of three is 33 %, not a problem of the industry)."""
    usccs = list(usccs) if usccs is not None else [s.enterprise or "" for s in scores]
    found = []
    for order, ind in enumerate(system.indicators()):
        if not ind.scorable:
            continue
        rs = [(u, s.enterprise or "", next(r for r in s.indicators if r.id == ind.id))
              for u, s in zip(usccs, scores, strict=True)]
        scored = [(u, e, r) for u, e, r in rs if r.status == "scored"]
        n = len(scored)
        below = [(u, e, r) for u, e, r in scored if not r.meets[level]]
        if not n or not below or len(below) < share * n - 1e-9 or len(below) < min(min_count, n):
            continue
        xs = [float(r.value) for _, _, r in scored if not ind.qualitative]
        found.append((order, CommonProblem(
            0, ind.id, ind.name, _dimension_name(ind), ind.limiting, level, n, len(below), len(below) / n,
            sum(1 for _, _, r in scored if r.achieved == 0),
            sum(1 for _, _, r in rs if r.status in ("missing", "invalid")), ind.requirement(level),
            quartiles(xs)[1] if xs else None, [e for _, e, _ in below], [u for u, _, _ in below])))
    found.sort(key=lambda oc: (-oc[1].share, -oc[1].n_below_iii, not oc[1].limiting, oc[0]))
    return [replace(c, rank=i) for i, (_, c) in enumerate(found, start=1)]


def _individual(system: IndicatorSystem, s: EnterpriseScore, values: Mapping[str, ValueEntry],
                common_ids: set[str]) -> list[dict[str, Any]]:
    """An enterprise's own shortfalls (突出个性问题): never an indicator that is a common problem of the industry
    (that one is addressed at industry level), each with the value found and the benchmark."""
    out = []
    results = {r.id: r for r in s.indicators}
    for iid in _limiting_failures(s):
        if iid in common_ids:
            continue
        ind = system.indicator(iid)
        v = results[iid].value
        found = f"实际 {v:g}{ind.unit}，" if isinstance(v, (int, float)) and not ind.qualitative else ""
        out.append({"indicator_id": iid, "name": ind.name, "kind": "limiting_failure", "common": False,
                    "requirement": ind.requirement("III"), "value": v,
                    "message": f"限定性指标「{ind.name}」未达到Ⅲ级（{found}{ind.requirement('III')}）"})
    for b in s.blockers:
        if b.indicator_id in common_ids:
            continue
        out.append({"indicator_id": b.indicator_id, "name": b.name, "kind": "blocker", "common": False,
                    "target_level": b.target_level, "requirement": b.requirement, "reasons": list(b.reasons),
                    "gain": b.gain, "value": b.value, "message": b.message})
    for r in s.indicators:
        if r.status in ("missing", "invalid"):
            out.append({"indicator_id": r.id, "name": r.name, "kind": "missing", "common": False, "requirement": "",
                        "message": f"缺少「{r.name}」的数据：{values[r.id].reason or '未填报'}"})
    return out
