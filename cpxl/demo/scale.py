"""Synthetic audits with every sheet filled — for the report's tests and benchmark.

The regulator's sheets and the enterprises' returned data come from the bundled demo
(:mod:`cpxl.demo.data`: a fictional province's hazardous-waste incineration industry); the sheets that
later steps compute (indicator values, diagnosis, targets, improvement potential, proposals,
screening, economics, tracking) are made up here with a fixed seed, in the shape of their schemas.
Nothing here is reference data.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cpxl.book import schema
from cpxl.book.master import init_audit
from cpxl.core.folder import AuditFolder
from cpxl.report.context.s233_diagnosis import level_of, parse_benchmark

from . import data as demo

Rows = list[dict[str, Any]]

PROPOSALS = (
    ("源头替代", "无/低费", "入炉危险废物配伍优化，稳定热值与氯、硫含量"),
    ("工艺控制", "无/低费", "优化二燃室温度与停留时间控制，减少炉温低于850℃时段"),
    ("设备改进", "中/高费", "SNCR 改 SNCR+SCR 协同脱硝"),
    ("设备改进", "中/高费", "余热锅炉与汽轮发电系统效率提升改造"),
    ("末端治理", "中/高费", "活性炭喷射与布袋除尘系统升级，降低二噁英与颗粒物排放"),
    ("环境管理", "无/低费", "完善能源计量与危废贮存信息化管理台账"),
    ("工艺控制", "无/低费", "湿法脱酸废水回用于急冷塔，减少新鲜水消耗"),
    ("末端治理", "中/高费", "飞灰水洗资源化利用示范"),
)


def _consolidate(key: str, ent: Mapping[str, Any], rows: Rows) -> Rows:
    out = []
    for r in rows:
        row = {"ent_uscc": ent["uscc"], "ent_name": ent["name"], **r}
        if key == "ent_profile":
            row.pop("uscc", None)
            row.pop("name", None)
        out.append(row)
    return out


def sample_data(n: int = 20, year: int = 2025, seed: int = 7, special_name: str | None = None
                ) -> tuple[dict[str, Any], dict[str, Rows]]:
    """(audit-task extras, master data by schema key) for ``n`` enterprises."""
    rng = random.Random(seed)
    system = demo.demo_system()
    ents = demo.enterprises(n)
    seen: dict[str, int] = {}
    for i, e in enumerate(ents):  # the demo repeats name stems beyond its list: keep names unique
        seen[e["name"]] = seen.get(e["name"], 0) + 1
        if seen[e["name"]] > 1:
            e["name"] = f"{e['name'][:-4]}第{seen[e['name']]}分公司" if len(e["name"]) > 6 else f"{e['name']}{i}"
    if special_name:
        ents[min(1, n - 1)]["name"] = special_name
    data: dict[str, Rows] = demo.master_data(year, ents, system)
    for e in ents:
        for key, rows in demo.enterprise_data(e, year, system).items():
            data.setdefault("all_" + key, []).extend(_consolidate(key, e, rows))
    inds = {r["indicator_id"]: r for r in data["indicator_system"]}
    # indicator values (the diagnose step's long table) ------------------------------------------------
    values: Rows = []
    for r in data.get("all_ent_indicators", []):
        iid = r["indicator_id"]
        level = r.get("self_level")
        if level is None and r.get("value") is not None and iid in inds:
            level = level_of(float(r["value"]), inds[iid])
        values.append({"uscc": r["ent_uscc"], "enterprise": r["ent_name"], "year": r.get("year", year),
                       "indicator_id": iid, "value": r.get("value"), "self_level": level,
                       "not_applicable": r.get("not_applicable") or "否",
                       "origin": "企业填报" if r.get("value") is None else "由填报数据计算"})
    data["indicator_values"] = values
    by_ent: dict[str, Rows] = {}
    for v in values:
        by_ent.setdefault(v["uscc"], []).append(v)
    # diagnosis ---------------------------------------------------------------------------------------
    diag: Rows = []
    for e in ents:
        vs = by_ent.get(e["uscc"], [])
        q = e.get("_q", rng.random())
        below2 = [v["indicator_id"] for v in vs if v["self_level"] in ("III级", "未达到III级")]
        lim_fail = [v["indicator_id"] for v in vs if v["self_level"] == "未达到III级"
                    and inds.get(v["indicator_id"], {}).get("limiting") == "是"]
        y1, y2, y3 = 55 + 40 * q + rng.uniform(-5, 5), 70 + 30 * q + rng.uniform(-5, 5), 82 + 18 * q
        level = ("不达标" if lim_fail else "I级" if y1 >= 85 else "II级" if y2 >= 85 else "III级" if y3 >= 85
                 else "不达标")
        if not vs:
            level = "数据不全"
        diag.append({"uscc": e["uscc"], "enterprise": e["name"], "y1": round(min(y1, 100), 1),
                     "y2": round(min(y2, 100), 1), "y3": round(min(y3, 100), 1), "level": level,
                     "limiting_failures": "、".join(lim_fail), "blockers": "、".join(below2[:3]),
                     "missing": "" if vs else "全部指标"})
    data["diagnosis"] = diag
    # targets ------------------------------------------------------------------------------------------
    targets: Rows = []
    quant = [i for i, r in inds.items() if r.get("kind") == "定量" and parse_benchmark(r.get("level2"))
             and parse_benchmark(r.get("level2"))[0] != "range"]
    for iid in quant[:10]:
        vals = [v["value"] for v in values if v["indicator_id"] == iid and v["value"] is not None]
        if not vals:
            continue
        base = statistics.median(vals)
        op, bench, _ = parse_benchmark(inds[iid]["level2"])
        target = bench if (op in ("≤", "<") and base > bench) or (op in ("≥", ">") and base < bench) \
            else round(base * (0.9 if op in ("≤", "<") else 1.1), 3)
        targets.append({"scope": "行业", "indicator_id": iid, "indicator": inds[iid]["indicator"],
                        "unit": inds[iid].get("unit"), "baseline": round(base, 3), "target": target,
                        "rule": "下一级基准值", "target_year": year + 2, "focus": rng.choice(["是", "否"]),
                        "origin": "cpxl生成"})
    for e in ents:
        weak = [v for v in by_ent.get(e["uscc"], []) if v["self_level"] in ("III级", "未达到III级")
                and v["value"] is not None and v["indicator_id"] in quant][:2]
        for v in weak:
            op, bench, _ = parse_benchmark(inds[v["indicator_id"]]["level2"])
            targets.append({"scope": "企业", "uscc": e["uscc"], "enterprise": e["name"],
                            "indicator_id": v["indicator_id"], "indicator": inds[v["indicator_id"]]["indicator"],
                            "unit": inds[v["indicator_id"]].get("unit"), "baseline": v["value"], "target": bench,
                            "rule": "下一级基准值", "target_year": year + 2, "focus": "是", "origin": "cpxl生成"})
    data["targets"] = targets
    data["improvement_potential"] = [
        {"item": item, "unit": unit, "uscc": e["uscc"], "enterprise": e["name"],
         "saving": round(rng.uniform(lo, hi), 1), "method": "（目标值−现状值）×计算基数"}
        for e in ents for item, unit, lo, hi in (("节约标准煤", "tce", 5, 80), ("节约新鲜水", "m³", 500, 8000),
                                                 ("削减二氧化碳", "tCO₂", 10, 300))]
    # proposals, screening, economics, tracking ---------------------------------------------------------
    proposals: Rows = []
    for k, (cat, cost, title) in enumerate(PROPOSALS[:6], start=1):
        proposals.append({"proposal_id": f"HY-{k:02d}", "level": "行业层面", "title": title, "category": cat,
                          "cost_class": cost, "investment": 0 if cost == "无/低费" else rng.choice([80, 150, 300, 600]),
                          "annual_savings": round(rng.uniform(5, 120), 1), "env_benefit": "减污降碳",
                          "decision": "推荐实施", "origin": "cpxl生成"})
    decisions = ("推荐实施", "推荐实施", "可行", "待评估", "不可行")
    for i, e in enumerate(ents, start=1):
        for j, (cat, cost, title) in enumerate(rng.sample(PROPOSALS, 2), start=1):
            inv = round(rng.uniform(0.5, 8), 1) if cost == "无/低费" else round(rng.uniform(30, 900), 0)
            proposals.append({"proposal_id": f"QY-{i:04d}-{j}", "level": "企业层面", "uscc": e["uscc"],
                              "enterprise": e["name"], "title": title, "category": cat, "cost_class": cost,
                              "investment": inv, "annual_savings": round(inv * rng.uniform(0.15, 0.6), 1),
                              "env_benefit": "降低能耗与排放", "decision": rng.choice(decisions), "origin": "cpxl生成"})
    data["proposals"] = proposals
    ranked = sorted(proposals, key=lambda p: -(p["annual_savings"] or 0))
    data["screening_decision"] = [
        {"rank": k, "proposal_id": p["proposal_id"], "level": p["level"], "enterprise": p.get("enterprise") or "全行业",
         "title": p["title"], "category": p["category"], "cost_class": p["cost_class"],
         "total": round(rng.uniform(50, 95), 1), "decision": p["decision"], "reason": "技术成熟、效益明显"}
        for k, p in enumerate(ranked, start=1)]
    data["economics"] = [
        {"proposal_id": p["proposal_id"], "title": p["title"], "investment": p["investment"],
         "annual_savings": p["annual_savings"], "payback_years": round(p["investment"] / max(p["annual_savings"], 0.1), 1),
         "accepted": "是" if p["investment"] / max(p["annual_savings"], 0.1) < 5 else "否"}
        for p in proposals if p["cost_class"] == "中/高费"]
    statuses = ("未开始", "实施中", "实施中", "已完成", "已延期")
    data["tracking"] = []
    for p in proposals:
        if p["decision"] != "推荐实施":
            continue
        st = rng.choice(statuses)
        data["tracking"].append({"proposal_id": p["proposal_id"], "uscc": p.get("uscc"), "enterprise": p.get("enterprise"),
                                 "title": p["title"], "status": st,
                                 "progress": {"未开始": 0, "实施中": 50, "已完成": 100, "已延期": 30}[st],
                                 "overdue": "完成逾期" if st == "已延期" else "否"})
    known = set(schema.load_all())
    data = {k: v for k, v in data.items() if k in known or k.startswith("all_")}
    return demo.audit_extra(year), data


def make_audit(root: Path, n: int = 20, year: int = 2025, seed: int = 7, special_name: str | None = None,
               overwrite: bool = True) -> AuditFolder:
    """An audit folder whose master workbook has every sheet filled for ``n`` enterprises."""
    cfg = demo.config()
    extra, data = sample_data(n, year, seed, special_name)
    return init_audit(Path(root), cfg["industry"], cfg["region"], year, cfg["industry_code"], data=data, pack=cfg["industry_pack"],
                      overwrite=overwrite, audit_extra=extra)
