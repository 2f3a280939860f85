"""Data requests (数据补报): enterprises whose data cannot carry targets or proposals are asked for them first.

* No accepted submission (nothing of the enterprise in the consolidated 汇总_ sheets): every
  Appendix B sheet is requested; the enterprise gets no target and no proposal.
* Accepted, but indicators without a value (诊断结果 “缺失数据”) or with a value no physical quantity can
  take (a share above 100 %): those items are requested; targets and proposals cover the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from cpxl.domain.indicators import Indicator

PENDING, DONE = "待补报", "已补报"


def accepted_enterprises(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> set[str]:
    """Enterprises with an accepted submission: ingest consolidated something of theirs."""
    return {str(r.get("ent_uscc")) for k, rows in data.items() if k.startswith("all_ent_")
            for r in rows if r.get("ent_uscc")}


def data_requests(
    enterprises: Sequence[Mapping[str, Any]],
    accepted: set[str],
    diagnosis: Sequence[Mapping[str, Any]],
    out_of_bounds: Sequence[tuple[str, str, float]],
    indicators: Mapping[str, Indicator],
    existing: Sequence[Mapping[str, Any]],
    today: dt.date,
) -> list[dict[str, Any]]:
    """The rows of 数据补报; the status and date the team entered are kept."""
    old = {str(r.get("uscc")): r for r in existing if r.get("uscc")}
    missing = {str(r.get("uscc")): str(r.get("missing") or "") for r in diagnosis if r.get("uscc")}
    bad: dict[str, list[str]] = {}
    for uscc, iid, v in out_of_bounds:
        ind = indicators.get(iid)
        name = ind.name if ind else iid
        bad.setdefault(uscc, []).append(f"「{name}」填报值 {v:g}{ind.unit if ind else ''} 超出物理取值范围")
    rows = []
    for e in enterprises:
        u, name = str(e.get("uscc") or ""), str(e.get("name") or "")
        if not u:
            continue
        if u not in accepted:
            reason = "审核总表中没有该企业被接受的报送数据（未报送，或报送文件未通过校验被退回）；未为其设置目标和方案"
            items = "附录B全部资料清单（企业基本情况、B.2 资源能源、B.3 生态环境、B.4 环境管理、行业指标填报），按反馈意见修改后重新报送"
        elif bad.get(u) or (missing.get(u) and "全部指标" not in missing[u]):
            parts = []
            if bad.get(u):
                parts.append("；".join(bad[u]))
            if missing.get(u):
                parts.append(f"缺失数据：{missing[u]}")
            reason = ("部分指标" + "、".join(x for x, on in (("超出物理取值范围", bad.get(u)), ("缺少数据", missing.get(u))) if on)
                      + "，相关指标暂不设目标")
            items = "；".join(parts)
        else:
            continue
        prev = old.get(u, {})
        rows.append({"uscc": u, "enterprise": name, "reason": reason, "items": items[:500],
                     "requested_on": prev.get("requested_on") or today.isoformat(),
                     "status": prev.get("status") or PENDING, "remarks": prev.get("remarks")})
    return rows


def notice(rows: Sequence[Mapping[str, Any]], today: dt.date) -> str:
    """The data-request notice to the enterprises (成果/数据补报通知_<date>.txt)."""
    open_rows = [r for r in rows if r.get("status") != DONE]
    lines = [f"关于补报清洁生产审核数据的通知（{today.isoformat()}）", ""]
    if not open_rows:
        lines.append("目前没有需要补报数据的企业。")
        return "\n".join(lines)
    lines.append(f"以下 {len(open_rows)} 家企业的数据尚不能支撑清洁生产水平诊断和方案制定，请按要求补报：")
    for i, r in enumerate(open_rows, start=1):
        lines.append(f"{i}. {r.get('enterprise') or r.get('uscc')}：{r.get('reason')}。须补报：{r.get('items')}。")
    lines += ["", "请使用原填报模板修改后重新报送；补报数据经校验接受后，审核小组将为企业设置审核目标并提出清洁生产方案。"]
    return "\n".join(lines)
