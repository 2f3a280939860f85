"""Supervision and tracking of recommended proposals (5.3.2 监督跟踪机制, the closed loop).

One tracking row per recommended proposal and implementing enterprise (an industry-level proposal
is implemented by every enterprise that has the common problem). What the regulator enters — actual
dates, status, progress, actual effect and savings, 督促情况, planned dates they changed — is kept;
cpxl fills the planned dates that are blank and computes the overdue flags against ``today``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import economics as econ

STATUSES = ("未开始", "实施中", "已完成", "已延期", "已取消")
NOT_STARTED, IN_PROGRESS, DONE, DEFERRED, CANCELLED = STATUSES
NO, START_LATE, END_LATE, DONE_LATE = "否", "开工逾期", "完成逾期", "延期完成"
OPEN_OVERDUE = (START_LATE, END_LATE)
PRIORITY = "达标整改"
DATES_DEFAULT = "缺省日期（方案实施起始日期未填写，按工作计划推定）"
DATES_PARAM, DATES_TEAM = "按方案参数", "审核组填写"
USER_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end", "status", "progress",
               "actual_effect", "actual_savings", "remarks")
_ENTRY_FIELDS = ("actual_start", "actual_end", "progress", "actual_effect", "actual_savings", "remarks")


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus ``months`` calendar months (the day is clamped to the month's end)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and v:
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def has_entries(row: Mapping[str, Any]) -> bool:
    """Whether the regulator has recorded anything about the implementation in this row."""
    return any(row.get(f) not in (None, "") for f in _ENTRY_FIELDS) or row.get("status") not in (None, "", NOT_STARTED)


def infer_status(row: Mapping[str, Any]) -> str:
    """The status as entered, made consistent with the actual dates: blank, 未开始 or 实施中 become 已完成
    when there is an actual end date, blank or 未开始 become 实施中 with an actual start date; 已延期 and
    已取消 are kept as entered."""
    status = row.get("status") if row.get("status") in STATUSES else None
    if status in (DONE, DEFERRED, CANCELLED):
        return str(status)
    if _date(row.get("actual_end")):
        return DONE
    if _date(row.get("actual_start")):
        return IN_PROGRESS
    return status or NOT_STARTED


def overdue(row: Mapping[str, Any], today: dt.date) -> tuple[str, int]:
    """(逾期情况, days) of one tracking row on ``today``.

    * 已取消: never overdue;
    * 已完成 (or an actual end date): 延期完成 if it ended after the planned end, else 否;
    * otherwise 完成逾期 once ``today`` is past the planned end, or 开工逾期 once it is past the
      planned start with no actual start and the status still 未开始.
    """
    status = infer_status(row)
    start_p, end_p = _date(row.get("planned_start")), _date(row.get("planned_end"))
    end_a = _date(row.get("actual_end"))
    if status == CANCELLED:
        return NO, 0
    if status == DONE or end_a is not None:
        if end_a is not None and end_p is not None and end_a > end_p:
            return DONE_LATE, (end_a - end_p).days
        return NO, 0
    if end_p is not None and today > end_p:
        return END_LATE, (today - end_p).days
    if start_p is not None and today > start_p and not _date(row.get("actual_start")) and status == NOT_STARTED:
        return START_LATE, (today - start_p).days
    return NO, 0


@dataclass(frozen=True)
class Schedule:
    start: dt.date  # planned start of every proposal
    target_year: int  # 中/高费: planned end = 31 Dec of this year
    low_cost_months: int = 3  # 无/低费: planned end = start + months
    fix_months: int | None = None  # 达标整改 (限期整改): planned end = start + months, whatever the cost
    default_start: bool = False  # the start is cpxl's fallback, not a date the team set (方案实施起始日期 blank)

    def planned_end(self, cost_class: str, priority: str | None = None) -> dt.date:
        if priority == PRIORITY and self.fix_months:
            return add_months(self.start, self.fix_months)
        if cost_class == econ.LOW_COST:
            return add_months(self.start, self.low_cost_months)
        end = dt.date(self.target_year, 12, 31)
        return end if end > self.start else add_months(self.start, 12)


def build_tracking(
    recommended: Sequence[Mapping[str, Any]],
    affected: Mapping[str, Sequence[str]],
    cost_classes: Mapping[str, str],
    existing: Sequence[Mapping[str, Any]],
    schedule: Schedule,
    today: dt.date,
    names: Mapping[str, str],
) -> tuple[list[dict[str, Any]], list[str]]:
    """The 方案跟踪 rows: one per (recommended proposal, implementing enterprise), regulator entries kept."""
    old = {(r.get("proposal_id"), r.get("uscc") or ""): r for r in existing if r.get("proposal_id")}
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    done = set()
    for p in recommended:
        pid = str(p["proposal_id"])
        who = list(affected.get(pid) or ([p["uscc"]] if p.get("uscc") else [""]))
        for uscc in who:
            key = (pid, uscc)
            done.add(key)
            prev = old.get(key, {})
            row: dict[str, Any] = {f: prev.get(f) for f in USER_FIELDS}
            savings = p.get("annual_savings")
            if isinstance(savings, (int, float)) and len(who) > 1:  # an industry proposal: each enterprise its share
                savings = round(savings / len(who), 4)
            row.update(proposal_id=pid, uscc=uscc, enterprise=names.get(uscc, "") if uscc else "",
                       title=p.get("title"), expected_effect=p.get("env_benefit"), expected_savings=savings,
                       priority=p.get("priority"))
            start = schedule.start.isoformat()
            end = schedule.planned_end(cost_classes.get(pid, econ.HIGH_COST), p.get("priority")).isoformat()
            row["planned_start"] = row.get("planned_start") or start
            row["planned_end"] = row.get("planned_end") or end
            same = str(row["planned_start"])[:10] == start and str(row["planned_end"])[:10] == end
            row["dates_basis"] = (DATES_TEAM if not same else DATES_DEFAULT if schedule.default_start else DATES_PARAM)
            rows.append(_finish(row, today))
    for key, prev in old.items():
        if key in done:
            continue
        if has_entries(prev):
            row = dict(prev)
            row["enterprise"] = row.get("enterprise") or names.get(key[1], "")
            rows.append(_finish(row, today))
            warnings.append(f"方案 {key[0]} 已不在推荐实施之列，但跟踪表中已有实施记录（{row['enterprise'] or '行业'}），已保留。")
    return rows, warnings


def _finish(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    row["status"] = infer_status(row)
    flag, days = overdue(row, today)
    row["overdue"], row["overdue_days"] = flag, days
    exp, act = row.get("expected_savings"), row.get("actual_savings")
    row["achievement"] = (round(100 * act / exp, 1) if isinstance(exp, (int, float)) and exp > 0
                          and isinstance(act, (int, float)) else None)
    row["check_date"] = today.isoformat()
    return row


def follow_up(rows: Sequence[Mapping[str, Any]], today: dt.date) -> tuple[list[dict[str, Any]], str]:
    """跟踪督办汇总: counts by status and the overdue list per enterprise, as sheet rows and as a notice."""
    n = len(rows)
    by_status = {s: [r for r in rows if r.get("status") == s] for s in STATUSES}
    late = [r for r in rows if r.get("overdue") in OPEN_OVERDUE]
    per_ent: dict[str, list[Mapping[str, Any]]] = {}
    for r in late:
        per_ent.setdefault(r.get("enterprise") or "（行业层面，未指定企业）", []).append(r)
    status_text = "，".join(f"{s} {len(v)} 项" for s, v in by_status.items())
    out: list[dict[str, Any]] = [
        {"section": "总体", "item": "跟踪方案", "count": n, "detail": f"截至 {today.isoformat()}：{status_text}"},
        {"section": "总体", "item": "逾期方案", "count": len(late),
         "detail": f"开工逾期 {sum(r['overdue'] == START_LATE for r in late)} 项，"
                   f"完成逾期 {sum(r['overdue'] == END_LATE for r in late)} 项，涉及企业 {len(per_ent)} 家"},
    ]
    done = by_status[DONE]
    exp = sum(r["expected_savings"] for r in done if isinstance(r.get("expected_savings"), (int, float)))
    act = sum(r["actual_savings"] for r in done if isinstance(r.get("actual_savings"), (int, float)))
    if done:
        out.append({"section": "总体", "item": "已完成方案成效", "count": len(done),
                    "detail": f"预期年经济效益合计 {exp:g} 万元/a，已报送实际年经济效益合计 {act:g} 万元/a"})
    for s, items in by_status.items():
        ids = "、".join(dict.fromkeys(str(r["proposal_id"]) for r in items))
        out.append({"section": "按状态", "item": s, "count": len(items), "detail": ids})
    for ent, items in sorted(per_ent.items()):
        out.append({"section": "逾期（按企业）", "item": ent, "count": len(items),
                    "detail": "；".join(_late_line(r) for r in items)})

    lines = [f"关于清洁生产方案实施进展的督办通知（截至 {today.isoformat()}）", "",
             f"本轮行业整体清洁生产审核推荐实施的方案共跟踪 {n} 项：{status_text}。"]
    fixes = [r for r in rows if r.get("priority") == PRIORITY]
    if fixes:
        fix_status = "，".join(f"{s} {k} 项" for s in STATUSES if (k := sum(r.get("status") == s for r in fixes)))
        lines.append(f"其中达标整改方案（限期整改）{len(fixes)} 项：{fix_status}；计划完成日期为"
                     + "、".join(dict.fromkeys(str(r.get("planned_end"))[:10] for r in fixes)) + "。")
    if done:
        lines.append(f"已完成方案预期年经济效益合计 {exp:g} 万元（行业层面方案按实施企业数分摊），"
                     f"已报送实际年经济效益合计 {act:g} 万元。")
    if any(r.get("dates_basis") == DATES_DEFAULT for r in rows):
        lines.append("注：“方案参数设置”未填写方案实施起始日期，标“缺省日期”的计划开始、完成日期是 cpxl 按工作计划推定的缺省日期，"
                     "据此判定的逾期仅供参考；请审核小组核定实施起始日期。")
    if late:
        lines.append(f"逾期 {len(late)} 项，涉及 {len(per_ent)} 家企业：")
        for i, (ent, items) in enumerate(sorted(per_ent.items()), start=1):
            lines.append(f"{i}. {ent}：")
            lines.extend(f"   - {_late_line(r)}" for r in items)
        lines += ["", "请上述企业按计划加快落实，于收到本通知后及时报送实施进展、实际成效；确需延期的，请书面说明原因和新的完成时间。"]
    else:
        lines.append("目前没有逾期方案。请各企业继续按计划落实，并及时报送实施进展和实际成效。")
    return out, "\n".join(lines)


def _late_line(r: Mapping[str, Any]) -> str:
    progress = r.get("progress")
    prog = f"，当前进度 {progress:g}%" if isinstance(progress, (int, float)) else ""
    mark = "（缺省日期）" if r.get("dates_basis") == DATES_DEFAULT else ""
    if r.get("overdue") == START_LATE:
        when = f"计划 {r.get('planned_start')}{mark} 开始"
    else:
        when = f"计划 {r.get('planned_end')}{mark} 完成"
    return f"{r['proposal_id']} {r.get('title') or ''}：{when}，已{r['overdue']} {r['overdue_days']} 天{prog}"
