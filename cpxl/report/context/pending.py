"""The draft section (``cpxl report --draft``): what cpxl suggested and the audit team has not yet confirmed.

A final report has no such section: ``cpxl report`` refuses to write one while anything is pending
(:func:`cpxl.plan.review.pending`). In a draft, the suggestions are listed here, marked, and nowhere else.
"""

from __future__ import annotations

from typing import Any

from cpxl.plan.review import pending

from .data import Data
from .s24_plan import proposal_row, target_row


def pending_section(d: Data) -> dict[str, Any]:
    items = pending(d.raw)
    if not d.draft or not items:
        return {"show": False, "paragraphs": [], "entries": [], "targets": [], "proposals": []}
    states = d.facts.get("proposal_states") or {}
    paras = ["【草稿】本节所列内容由 cpxl 按诊断结果提出或为缺省参数，尚未经审核小组确认，不是审核结论；"
             "审核小组确认（或否决）后重新生成报告，本节即不再出现。"]
    return {"show": True, "paragraphs": paras,
            "entries": [f"（{i}）{p.text}" for i, p in enumerate(items, start=1)],
            "targets": [target_row(d, r) for r in d.facts.get("targets_pending") or []],
            "proposals": [proposal_row(d, r, states) for r in d.facts.get("proposals_pending") or []]}
