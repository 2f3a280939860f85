"""What the demo's audit team does between the runs of ``cpxl plan``, as a real team would in the master workbook.

cpxl suggests targets and proposals from the diagnosis; the team decides. The demo team

* confirms the 方案参数设置 (regional thresholds it chose, signed and dated);
* confirms the targets (and rejects a target stricter than every enterprise achieves today, with its reason);
* enters an investment and annual savings for each proposal (its own estimate from the enterprise's size and the
  effect cpxl computed, or the enterprise's quotation), and scores every proposal on every criterion;
* after the next run has computed the screening and economics, adopts or rejects each proposal, signed and dated;
* writes down what it learned (获得的经验), and records the enterprises' progress on what was adopted.

Every figure here is the fictional team's choice (fixed seed): demo data, not reference data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_master_data

from .data import config

#: The demo team's unit prices (万元 per unit) to value the effects cpxl computed — its own assumptions.
PRICES = {"tce": 0.09, "m³": 0.0004, "t": 0.25, "tCO₂": 0.006}
#: Investment range (万元) of a measure category for a 30,000 t/a line — the demo team's estimates.
INVESTMENT = {"环境管理": (1, 6), "工艺控制": (3, 28), "源头替代": (12, 90), "设备改进": (40, 230), "末端治理": (150, 600)}


def _people() -> list[str]:
    return config()["people"]


def _capacity(data: Mapping[str, Any]) -> dict[str, float]:
    return {e["uscc"]: float(e.get("design_capacity") or 30000) for e in data.get("enterprises", ())}


def confirm_settings(master: Path, day: dt.date) -> None:
    """The team sets its regional thresholds and confirms the parameters of the plan."""
    data = read_master_data(master)
    row = dict((data.get("plan_settings") or [{}])[0])
    row.update(low_cost_threshold=10, high_cost_threshold=100, discount_rate=6, screen_pass_ratio=60, common_share=30,
               max_targets=4, lifetime=10, tax_rate=25, confirmed_by=_people()[0], confirmed_on=day.isoformat())
    update_master(master, {"plan_settings": [row]})


def review_targets(master: Path, day: dt.date) -> None:
    """Confirm the suggested targets; a target stricter than every enterprise's current best is rejected."""
    data = read_master_data(master)
    rows = []
    for r in data.get("targets", ()):
        r = dict(r)
        if (r.get("state") or "建议") == "建议":
            if r.get("beyond_best") == "是":
                r.update(state="否决", remarks=(r.get("remarks") or "") + "审核小组：严于全部企业现状，本轮不作为目标。")
            else:
                r["state"] = "已确认"
            r.update(reviewed_by=_people()[2], reviewed_on=day.isoformat())
        rows.append(r)
    update_master(master, {"targets": rows})


def estimate_and_score(master: Path, day: dt.date, seed: int = 5) -> None:
    """Investment, savings and scores for every proposal the team has not costed yet."""
    data = read_master_data(master)
    rng = random.Random(seed)
    cap = _capacity(data)
    settings = (data.get("plan_settings") or [{}])[0]
    criteria = [settings.get(f"criterion_{i}") for i in range(1, 7) if settings.get(f"criterion_{i}")]
    criteria = criteria or ["环境效果", "经济可行性", "技术可行性", "可实施性"]
    scores = {(r.get("proposal_id"), r.get("criterion")): dict(r) for r in data.get("screening", ())}
    props = []
    for p in data.get("proposals", ()):
        p = dict(p)
        pid = p["proposal_id"]
        if p.get("investment") is None:
            who = [p["uscc"]] if p.get("uscc") else []
            n = max(1, int(p.get("n_enterprises") or len(who) or 1))
            scale = (cap.get(p.get("uscc") or "", 30000) / 30000) ** 0.6
            lo, hi = INVESTMENT.get(p.get("category") or "", (10, 80))
            inv = round(rng.uniform(lo, hi) * scale * n, 1)
            value = (p.get("effect_amount") or 0) * PRICES.get(str(p.get("effect_unit") or "").removesuffix("/a"), 0.05)
            running = inv * (rng.uniform(0.16, 0.42) if p.get("category") != "末端治理" else rng.uniform(0.02, 0.08))
            p.update(investment=inv, annual_savings=round(value + running, 1),
                     basis="企业报价" if inv > 100 else "审核组估算")
        inv, sav = float(p["investment"]), float(p.get("annual_savings") or 0)
        payback = inv / sav if sav > 0 else 99
        given = {
            "环境效果": 9 if p.get("priority") == "达标整改" else rng.choice([6, 7, 7, 8]),
            "经济可行性": 9 if payback < 2 else 7 if payback < 4 else 5 if payback < 7 else 3,
            "技术可行性": rng.choice([7, 8, 8, 9]),
            "可实施性": rng.choice([5, 6, 7, 8, 9]),
        }
        for c in criteria:
            key = (pid, c)
            if scores.get(key, {}).get("score") is None:
                scores[key] = {"proposal_id": pid, "title": p.get("title"), "criterion": c,
                               "score": given.get(c, rng.choice([6, 7, 8])), "scored_by": _people()[2],
                               "scored_on": day.isoformat(), "remarks": "审核小组评议"}
        props.append(p)
    update_master(master, {"proposals": props, "screening": list(scores.values())})


def decide_proposals(master: Path, day: dt.date) -> None:
    """Adopt what the screening recommends or finds feasible (and every 达标整改 proposal); reject the rest."""
    data = read_master_data(master)
    decision = {r["proposal_id"]: r.get("decision") for r in data.get("screening_decision", ())}
    reason = {r["proposal_id"]: r.get("reason") for r in data.get("screening_decision", ())}
    rows = []
    for p in data.get("proposals", ()):
        p = dict(p)
        if p.get("state") not in ("已确认", "否决"):
            d = decision.get(p["proposal_id"]) or p.get("decision")
            if d in ("推荐实施", "可行") or p.get("priority") == "达标整改":
                p.update(state="已确认", review_note="审核小组评议通过，纳入实施计划" if d == "推荐实施" else
                         f"审核小组确认实施（{reason.get(p['proposal_id']) or d}）")
            elif d == "不可行":
                p.update(state="否决", review_note=f"审核小组否决：{reason.get(p['proposal_id']) or '筛选未通过'}")
            else:
                continue
            p.update(reviewed_by=_people()[0], reviewed_on=day.isoformat())
        rows.append(p)
    update_master(master, {"proposals": rows})


def record_lessons(master: Path) -> None:
    """What the team learned (5.3.3 获得的经验)."""
    people = _people()
    rows = [
        {"stage": "前期准备", "aspect": "组织协调", "recorded_by": people[2],
         "experience": "由生态环境厅牵头、行业协会组织企业、技术单位负责诊断的三方分工，审核启动会与填报培训合并召开，缩短了资料收集周期。",
         "evidence": "企业报送在通知后 6 周内完成"},
        {"stage": "审核诊断", "aspect": "数据质量", "recorded_by": people[5],
         "experience": "统一的填报模板自带自查表，企业在报送前即可发现单位、量级和排放量大于产生量等错误；校验反馈逐格标注，退回的报送在一轮修改后基本合格。",
         "evidence": "首轮退回的报送修改后重新报送，仅个别企业未按期补报"},
        {"stage": "审核诊断", "aspect": "现场核实", "recorded_by": people[5],
         "experience": "现场考察以固体废物转移联单、电费结算单和在线监测数据核对填报数据，能及时发现计量单位和口径错误。",
         "evidence": "现场考察记录中的数据修正均已由企业重新报送"},
        {"stage": "报告编制", "aspect": "达标优先", "recorded_by": people[2],
         "experience": "先核查超标排放和许可执行问题，再按制约企业等级的少数指标设置目标和方案，避免方案清单泛化。",
         "evidence": "超标排放问题均有对应的达标整改方案"},
        {"stage": "方案实施", "aspect": "跟踪督办", "recorded_by": people[1],
         "experience": "方案确认时即明确实施企业、计划完成时间和预期效益，跟踪表按企业督办逾期事项。",
         "evidence": "督办通知按企业列出逾期方案"},
    ]
    update_master(master, {"lessons": rows})


def simulate_progress(master: Path, today: dt.date, seed: int = 11) -> int:
    """Enterprises report progress on the adopted proposals, as the tracking loop of 5.3.2 expects.

    About a third have finished (with actual savings), a third are under way, the rest not started.
    Returns the number of tracking rows updated.
    """
    rows = [dict(r) for r in read_master_data(master).get("tracking", ())]
    rng = random.Random(seed)
    changed = 0
    for r in rows:
        start = dt.date.fromisoformat(r["planned_start"]) if r.get("planned_start") else today
        x = rng.random()
        if x < 0.35 and start < today:
            r["actual_start"] = (start + dt.timedelta(days=rng.randint(0, 20))).isoformat()
            r["actual_end"] = min(today, start + dt.timedelta(days=rng.randint(30, 80))).isoformat()
            r["status"], r["progress"] = "已完成", 100
            if isinstance(r.get("expected_savings"), (int, float)):
                r["actual_savings"] = round(r["expected_savings"] * rng.uniform(0.7, 1.15), 1)
            r["actual_effect"] = rng.choice(["已投运，效果基本达到预期", "已完成改造，运行稳定", "效果略低于预期，正在优化"])
            changed += 1
        elif x < 0.75 and start < today:
            r["actual_start"] = (start + dt.timedelta(days=rng.randint(0, 40))).isoformat()
            r["status"], r["progress"] = "实施中", rng.choice([20, 40, 60, 80])
            changed += 1
    update_master(master, {"tracking": rows})
    return changed
