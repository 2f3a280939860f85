"""The audit team's review: every target, proposal, score and parameter cpxl suggests has a state, and
nothing unconfirmed is reported as a conclusion.

States (审核状态): 建议 (cpxl suggested it from the diagnosis) → 已评定 (the team scored it) / 已确认 (the team
adopted it) → 否决 (the team rejected it). 已确认 and 否决 count only with who (确认人) and when (确认日期);
a score counts only with its scorer and date; the parameters of 方案参数设置 are confirmed as a whole
(参数确认人, 参数确认日期).

:func:`pending` lists what is still unconfirmed in a master; ``cpxl report`` refuses a final report while
the list is not empty (``--draft`` writes a draft that shows these items in a marked section).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

SUGGESTED, SCORED, CONFIRMED, REJECTED = "建议", "已评定", "已确认", "否决"
STATES = (SUGGESTED, SCORED, CONFIRMED, REJECTED)
DECIDED = (CONFIRMED, REJECTED)

#: 方案参数设置 fields whose defaults are regional choices nobody has confirmed nationally.
UNCONFIRMED_DEFAULTS = ("low_cost_threshold", "high_cost_threshold", "discount_rate", "screen_pass_ratio",
                        "common_share", "max_targets")


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def is_date(v: Any) -> bool:
    if isinstance(v, (dt.date, dt.datetime)):
        return True
    try:
        dt.date.fromisoformat(_text(v)[:10])
    except ValueError:
        return False
    return True


def signed(row: Mapping[str, Any], who: str = "reviewed_by", when: str = "reviewed_on") -> bool:
    """Whether a row names the person and the date of its review."""
    return bool(_text(row.get(who))) and is_date(row.get(when))


def effective_state(row: Mapping[str, Any], scored: bool = False) -> tuple[str, str]:
    """(state, problem) of a target or proposal row: 已确认/否决 without who and when does not count;
    a row the team has scored completely is at least 已评定."""
    state = _text(row.get("state")) or SUGGESTED
    if state not in STATES:
        return (SCORED if scored else SUGGESTED), f"审核状态“{state}”无效，可选：{'、'.join(STATES)}"
    if state in DECIDED and not signed(row):
        return (SCORED if scored else SUGGESTED), f"审核状态为“{state}”，但未填写确认人或确认日期，暂按未确认处理"
    if state == SUGGESTED and scored:
        return SCORED, ""
    return state, ""


def settings_confirmed(row: Mapping[str, Any] | None) -> bool:
    return bool(row) and signed(row, "confirmed_by", "confirmed_on")  # type: ignore[arg-type]


def score_counts(row: Mapping[str, Any]) -> bool:
    """A screening score counts when the team entered it with the scorer and the date."""
    s = row.get("score")
    return isinstance(s, (int, float)) and not isinstance(s, bool) and signed(row, "scored_by", "scored_on")


@dataclass
class PendingItem:
    """One kind of unconfirmed content: what, how many, and some of the rows concerned."""

    kind: str  # 参数 | 目标 | 方案 | 投资 | 问题
    count: int
    text: str
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pending(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[PendingItem]:
    """What the team has still to confirm before the report may state it as a conclusion."""
    out: list[PendingItem] = []
    settings = (data.get("plan_settings") or [{}])[0]
    plan_made = bool(data.get("targets") or data.get("proposals"))
    if plan_made and not settings_confirmed(settings):
        defaults = [k for k in UNCONFIRMED_DEFAULTS if settings.get(k) in (None, "")]
        applied = _text(settings.get("applied"))
        out.append(PendingItem("参数", 1, "“方案参数设置”尚未经审核小组确认（未填写参数确认人和确认日期）"
                               + (f"，其中 {len(defaults)} 项仍为 cpxl 缺省值" if defaults else ""),
                               [applied[:120]] if applied else []))
    targets = [r for r in data.get("targets", ()) if _text(r.get("indicator_id"))]
    open_t = [r for r in targets if effective_state(r)[0] not in DECIDED]
    if open_t:
        out.append(PendingItem("目标", len(open_t), f"{len(open_t)} 项审核目标尚未经审核小组确认",
                               [_target_label(r) for r in open_t[:5]]))
    scored_ids = _fully_scored(data)
    props = [r for r in data.get("proposals", ()) if _text(r.get("proposal_id"))]
    open_p = [r for r in props if effective_state(r, _text(r.get("proposal_id")) in scored_ids)[0] not in DECIDED]
    if open_p:
        n_scored = sum(_text(r.get("proposal_id")) in scored_ids for r in open_p)
        out.append(PendingItem("方案", len(open_p), f"{len(open_p)} 项清洁生产方案尚未经审核小组确认或否决"
                               f"（其中已评分 {n_scored} 项，未评分 {len(open_p) - n_scored} 项）",
                               [f"{_text(r.get('proposal_id'))} {_text(r.get('title'))}" for r in open_p[:5]]))
    no_cost = [r for r in props if effective_state(r)[0] == CONFIRMED
               and not isinstance(r.get("investment"), (int, float))]
    if no_cost:
        out.append(PendingItem("投资", len(no_cost), f"{len(no_cost)} 项已确认方案尚未填写投资（企业报价或审核组估算）",
                               [f"{_text(r.get('proposal_id'))} {_text(r.get('title'))}" for r in no_cost[:5]]))
    return out


def _fully_scored(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> set[str]:
    by: dict[str, list[bool]] = {}
    for r in data.get("screening", ()):
        pid = _text(r.get("proposal_id"))
        if pid:
            by.setdefault(pid, []).append(score_counts(r))
    return {p for p, oks in by.items() if oks and all(oks)}


def _target_label(r: Mapping[str, Any]) -> str:
    who = _text(r.get("enterprise")) or ("全行业" if _text(r.get("scope")) == "行业" else _text(r.get("uscc")))
    return f"{who}「{_text(r.get('indicator')) or _text(r.get('indicator_id'))}」"


def pending_text(items: Sequence[PendingItem]) -> str:
    """The pending items as the message ``cpxl report`` shows before it asks for ``--draft``."""
    lines = ["以下内容尚未经审核小组确认，不能作为审核结论写入正式报告："]
    for i, p in enumerate(items, start=1):
        lines.append(f"  {i}. {p.text}" + (f"（如：{'；'.join(p.examples[:3])}）" if p.examples else ""))
    lines.append("请在审核总表中确认（“审核状态”改为已确认或否决，并填写确认人和确认日期；评分填写评分人和日期；"
                 "“方案参数设置”填写参数确认人和日期）后重新运行 cpxl plan 和 cpxl report；"
                 "如需先出草稿，请使用 cpxl report --draft（待确认内容在草稿中单列并标明）。")
    return "\n".join(lines)
