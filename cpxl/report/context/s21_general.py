"""Appendix C 2.1 总论: 项目背景, 指导原则, 编制依据."""

from __future__ import annotations

import re
from typing import Any

from ..fmt import (
    fint,
    fnum,
    fyear,
    number,
    pct,
    quoted,
    text,
)
from .data import BASIS, PRINCIPLES, Data

Rows = list[dict[str, Any]]


# ---------------------------------------------------------------------------
# 2.1 总论


def s211_background(d: Data) -> dict[str, Any]:
    paras: list[str] = []
    who = d.a("organizer") or "审核主体"
    name = d.a("audit_name") or f"{d.region}{d.industry}行业整体清洁生产审核"
    paras.append(f"为贯彻《中华人民共和国清洁生产促进法》《清洁生产审核办法》和《“十四五”全国清洁生产推行方案》，"
                 f"创新清洁生产审核模式，{who}依据《行业整体清洁生产审核指南》组织开展{name}。")
    code = d.a("industry_code")
    s = f"本次审核以{d.region}{d.industry}行业" + (f"（国民经济行业代码 {code}）" if code else "") + "为对象"
    n = d.n_enterprises
    s += f"，覆盖企业{n}家" if n else "，审核总表尚未录入审核企业名单"
    if d.year:
        s += f"，统计期为{d.year}年"
        if d.a("comparison_years"):
            s += f"，对照年份为{d.a('comparison_years').replace(',', '、')}年"
    paras.append(s + "。")
    region = d.rows("industry_region")
    reg = region[0] if region else {}
    for k in ("location", "location_features", "industry_overview"):
        if text(reg.get(k)):
            paras.append(text(reg[k]).rstrip("。") + "。")
    if not any(text(reg.get(k)) for k in ("location", "location_features", "industry_overview")):
        paras.append("审核总表未录入区域与行业基本信息（附录B.1）。")
    econ = sorted(d.rows("industry_economy"), key=lambda r: number(r.get("year")) or 0)
    rows = [{"year": fyear(r.get("year")), "count": fint(r.get("enterprise_count")),
             "value_added": fnum(r.get("value_added")), "gross_output": fnum(r.get("gross_output")),
             "employees": fint(r.get("employees")), "revenue": fnum(r.get("revenue")),
             "source": text(r.get("source"))} for r in econ]
    if econ:
        last = econ[-1]
        s = f"{fyear(last.get('year'))}年，{d.region}{d.industry}行业"
        parts = []
        if number(last.get("enterprise_count")) is not None:
            parts.append(f"共有企业{fint(last.get('enterprise_count'))}家")
        for f, label, unit in (("gross_output", "工业总产值", "万元"), ("value_added", "工业增加值", "万元"),
                               ("revenue", "营业收入", "万元"), ("employees", "从业人员", "人")):
            if number(last.get(f)) is not None:
                parts.append(f"{label}{fnum(last.get(f)) if unit != '人' else fint(last.get(f))}{unit}")
        s += "，".join(parts)
        if len(econ) > 1:
            prev = econ[-2]
            a, b = number(last.get("gross_output")), number(prev.get("gross_output"))
            if a is not None and b:
                s += f"；工业总产值较{fyear(prev.get('year'))}年{'增长' if a >= b else '下降'}{pct(abs(a - b), b)}"
        paras.append(s + "（见表）。")
    else:
        paras.append("审核总表未录入行业经济发展现状数据。")
    plans = d.rows("industry_plans")
    if plans:
        paras.append(f"与本次审核相关的规划、政策和标准文件共{len(plans)}项，见2.1.3节。")
    d.count("2.1.1", len(econ) + (1 if region else 0))
    return {"paragraphs": paras, "economy": rows}


def s212_principles(d: Data) -> dict[str, Any]:
    ind, reg = d.industry, d.region or "本区域"
    paras = [f"本次审核的目标是：系统识别{reg}{ind}行业的关键共性问题，提出具有行业特色的清洁生产方案，"
             "节省清洁生产审核费用，缩短评估和验收时间，提高审核效率，并推动行业企业符合国家规划和产业政策、"
             "污染物排放达标、降低资源能源消耗、削减废弃物产生量和碳排放量、淘汰或减少使用有毒有害原材料。",
             "审核遵循以下原则："]
    for i, (head, body) in enumerate(PRINCIPLES, start=1):
        paras.append(f"（{i}）{head}。" + body.format(industry=ind, region=reg))
    paras.append("审核按照“发现问题—分析问题—解决问题”的思路开展：通过资料收集、现场考察、座谈研讨、专家指导和诊断分析查找"
                 "行业关键共性问题和企业突出个性问题，从产业政策、生产工艺及装备、污染治理技术、资源综合利用、产品特征、"
                 "环境管理等方面分析原因，结合地方污染防治重难点提出、筛选和确定清洁生产方案。")
    d.counts["2.1.2"] = len(PRINCIPLES)
    return {"paragraphs": paras}


def s213_basis(d: Data) -> dict[str, Any]:
    items = list(BASIS)
    seen = {re.sub(r"[《》\s]", "", b) for b in BASIS}
    for r in d.rows("industry_plans"):
        title = quoted(r.get("title"))
        if not title:
            continue
        key = re.sub(r"[《》\s]", "", title)
        if any(key in s for s in seen):
            continue
        seen.add(key)
        extra = "，".join(x for x in (text(r.get("doc_no")), text(r.get("issuer"))) if x)
        items.append(title + (f"（{extra}）" if extra else ""))
    system = d.rows("indicator_system")
    if system:
        lim = sum(text(r.get("limiting")) == "是" for r in system)
        items.append(f"本次诊断采用的清洁生产评价指标体系（二级指标{len(system)}项，其中限定性指标{lim}项，"
                     "详见审核总表“指标体系”工作表）")
    lines = [f"（{i}）{t}" for i, t in enumerate(items, start=1)]
    d.counts["2.1.3"] = len(items)
    return {"paragraphs": ["本报告的编制依据如下："], "lines": lines}
