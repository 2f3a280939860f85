"""Appendix C 2.1 总论: 项目背景, 指导原则 (as this audit applied them), 编制依据 (what it actually used)."""

from __future__ import annotations

import re
from typing import Any

from ..fmt import (
    fint,
    fnum,
    fyear,
    number,
    quoted,
    text,
)
from .data import Data

Rows = list[dict[str, Any]]

#: The statute and the method every report of this kind rests on; everything else comes from the audit.
STATUTE = "《中华人民共和国清洁生产促进法》"
METHOD = "T/CPPC《行业整体清洁生产审核指南》"
_CODE = re.compile(r"\b(GB(?:/T)?|HJ(?:/T)?|DB\s?\d+(?:/T)?|T/[A-Z]+)\s?[\dX.]+(?:[—–-]\d{4})?")


def s211_background(d: Data) -> dict[str, Any]:
    paras: list[str] = []
    who = d.a("organizer") or "审核主体"
    name = d.a("audit_name") or f"{d.region}{d.industry}行业整体清洁生产审核"
    paras.append(f"为贯彻《中华人民共和国清洁生产促进法》，创新清洁生产审核模式，{who}依据《行业整体清洁生产审核指南》"
                 f"组织开展{name}。")
    code = d.lab(d.a("industry_code"))
    s = f"本次审核以{d.region}{d.industry}行业" + (f"（国民经济行业代码 {code}）" if code else "") + "为对象"
    n = d.n_enterprises
    s += f"，覆盖企业{d.n('enterprises', n, 'int', check=lambda: len(d.rows('enterprises')))}家" if n else \
        "，审核总表尚未录入审核企业名单"
    if d.year:
        s += f"，统计期为{d.year}年"
        if d.a("comparison_years"):
            s += f"，对照年份为{d.a('comparison_years').replace(',', '、')}年"
    paras.append(s + "。")
    region = d.rows("industry_region")
    reg = region[0] if region else {}
    for k in ("location", "location_features", "industry_overview"):
        if text(reg.get(k)):
            paras.append(d.lab(text(reg[k]).rstrip("。")) + "。")
    if not any(text(reg.get(k)) for k in ("location", "location_features", "industry_overview")):
        paras.append("审核总表未录入区域与行业基本信息（附录B.1）。")
    econ = sorted(d.rows("industry_economy"), key=lambda r: number(r.get("year")) or 0)
    rows = [{"year": fyear(r.get("year")), "count": fint(r.get("enterprise_count")),
             "value_added": fnum(r.get("value_added")), "gross_output": fnum(r.get("gross_output")),
             "employees": fint(r.get("employees")), "revenue": fnum(r.get("revenue")),
             "source": d.lab(r.get("source"))} for r in econ]
    if econ:
        last = econ[-1]
        y = fyear(last.get("year"))
        s = f"据{d.lab(text(last.get('source'))) or '行业统计'}，{y}年{d.region}{d.industry}行业"
        parts = []
        where = ("年份", y)
        if number(last.get("enterprise_count")) is not None:
            parts.append(f"共有企业{d.n('econ_count', number(last['enterprise_count']), 'int', table='s211.economy', col='企业数（家）', agg='value', where=where)}家")
        for f, label, unit, col in (("gross_output", "工业总产值", "万元", "工业总产值（万元）"),
                                    ("value_added", "工业增加值", "万元", "工业增加值（万元）"),
                                    ("revenue", "营业收入", "万元", "营业收入（万元）"),
                                    ("employees", "从业人员", "人", "从业人数（人）")):
            if number(last.get(f)) is not None:
                v = d.n(f"econ_{f}", number(last[f]), "int" if unit == "人" else "num", table="s211.economy",
                        col=col, agg="value", where=where)
                parts.append(f"{label}{v}{unit}")
        s += "，".join(parts)
        if len(econ) > 1:
            prev = econ[-2]
            a, b = number(last.get("gross_output")), number(prev.get("gross_output"))
            if a is not None and b:
                s += (f"；工业总产值较{fyear(prev.get('year'))}年{'增长' if a >= b else '下降'}"
                      f"{d.n('econ_growth', abs(a - b) / b, 'pct')}")
        paras.append(s + f"（见{d.ref('s211.economy')}）。")
        d.facts["gross_output"] = number(last.get("gross_output"))
    else:
        paras.append("审核总表未录入行业经济发展现状数据。")
    d.count("2.1.1", len(econ) + (1 if region else 0))
    return {"paragraphs": paras, "economy": rows}


def s212_principles(d: Data) -> dict[str, Any]:
    """How this audit applied the four principles of 4.2 — stated with its own figures, not the guideline's words."""
    ind, reg = d.industry, d.region or "本区域"
    n = d.n_enterprises
    ents = d.enterprises
    order = {"大型": 0, "中型": 1, "小型": 2, "微型": 3}
    sizes = sorted({text(e.get("size")) for e in ents if text(e.get("size"))}, key=lambda x: order.get(x, 9))
    common = [r for r in d.rows("common_problems") if text(r.get("indicator_id"))]
    paras = [f"本次审核旨在摸清{reg}{ind}行业的清洁生产水平，找出行业关键共性问题和企业突出个性问题，"
             "优先解决污染物达标排放问题，提出经审核小组确认、可跟踪落实的清洁生产方案。审核中对指导原则的落实如下："]
    s = "（1）系统设计，重点突破。"
    if n:
        s += f"审核覆盖区域内{d.n('enterprises', n, 'int')}家企业"
        if sizes:
            s += f"（{'、'.join(sizes)}企业）"
        s += "，按同一指标体系诊断，"
    s += "行业层面围绕关键共性问题" + (f"（{d.n('common', len(common), 'int')}项）" if common else "") + \
        "提出整体方案，企业层面只针对制约其清洁生产等级的少数指标设置目标和方案。"
    paras.append(s)
    scope = d.lab(d.a("scope_boundary"))
    paras.append("（2）因地制宜，分类指导。" + (f"审核范围确定为“{scope.rstrip('。')}”，" if scope else "")
                 + "结合区域环境质量状况和企业规模、工艺差异确定审核重点，方案按企业实际差距和投资能力由审核小组逐项评定。")
    paras.append("（3）整体推进，典型带动。行业层面方案由审核主体统一部署，企业层面方案按企业分别跟踪；"
                 "现场考察和座谈中发现的显而易见的方案即时反馈企业实施。")
    paras.append("（4）协同增效，综合治理。方案的预期效益按节能、节水、减污和降碳分别测算，"
                 "超标排放问题列为须优先整改的事项，不与可选方案混同取舍。")
    d.counts["2.1.2"] = 4
    return {"paragraphs": paras}


def _key(title: str) -> str:
    m = _CODE.search(title)
    if m:
        return re.sub(r"\s", "", m.group(0)).split("—")[0].split("-")[0]
    return re.sub(r"[《》“”\s（）()]", "", title)


def _system_name(d: Data) -> str | None:
    named = d.a("indicator_system_name")
    if named:  # the audit task records the system the audit uses (a shipped one or one typed into the master)
        m = re.match(r"^(.*?)[（(]([^（）()]*)[)）]$", named)
        return f"《{m.group(1)}》（{m.group(2)}）" if m else f"《{named.strip('《》')}》"
    try:
        from cpxl.diagnosis.system import choose_system

        system, _, _ = choose_system(d.rows("indicator_system"), None)
    except Exception:  # noqa: BLE001 - a hand-made system sheet has no shipped name; the sheet is cited instead
        return None
    meta = getattr(system, "source", None) or {}
    name = str(getattr(system, "name", "") or "")
    m = re.match(r"^(.*?)[（(]([^（）()]*)[)）]$", name)
    title, tag = (m.group(1), m.group(2)) if m else (name, "")
    if isinstance(meta, dict):
        title = str(meta.get("title") or title)
        if meta.get("issuer"):
            tag = "，".join(x for x in (tag, str(meta["issuer"])) if x)
    return f"《{title}》" + (f"（{tag}）" if tag else "") if title else None


def basis_items(d: Data) -> list[str]:
    """编制依据: the statute and the guideline, the documents of the audit's own B.1 相关规划 sheet, and the
    standards and systems this report actually used (each once)."""
    items: list[str] = [STATUTE, METHOD]
    seen = {_key(x) for x in items}

    def add(title: str) -> None:
        k = _key(title)
        if k and k not in seen:
            seen.add(k)
            items.append(title)

    for r in d.rows("industry_plans"):
        raw = text(r.get("title"))
        if not raw:
            continue
        m = re.search(r"[（(]\s*(" + _CODE.pattern + r")\s*[)）]\s*$", raw)
        if m:  # “危险废物焚烧污染控制标准（GB 18484-2020）” → GB 18484-2020《危险废物焚烧污染控制标准》
            add(f"{m.group(1)}{quoted(raw[:m.start()])}")
            continue
        doc_no, issuer = text(r.get("doc_no")), text(r.get("issuer"))
        extra = "，".join(x for x in (doc_no, issuer) if x and x not in raw and not (x == issuer and x in doc_no))
        add(quoted(raw) + (f"（{extra}）" if extra else ""))
    if d.a("industry_code"):
        add("GB/T 4754-2017《国民经济行业分类》")
    if d.rows("all_ent_energy"):
        add("GB/T 2589-2020《综合能耗计算通则》")
    for r in d.rows("compliance"):
        std = text(r.get("standard"))
        m = _CODE.search(std)
        if m:
            add(m.group(0))
    system = d.rows("indicator_system")
    if system:
        name = _system_name(d)
        lim = sum(text(r.get("limiting")) == "是" for r in system)
        add(name if name else
            f"本次诊断采用的清洁生产评价指标体系（二级指标{len(system)}项，其中限定性指标{lim}项，见2.3.3节）")
    return items


def s213_basis(d: Data) -> dict[str, Any]:
    items = basis_items(d)
    for t in items:
        d.lab(t)
    lines = [f"（{i}）{t}" for i, t in enumerate(items, start=1)]
    n_plans = len([r for r in d.rows("industry_plans") if text(r.get("title"))])
    paras = [f"本报告的编制依据共{d.n('basis', len(items), 'int')}项，包括清洁生产法律和本指南、"
             f"审核小组收集的相关规划与政策文件（附录B.1，{d.n('plans', n_plans, 'int', check=lambda: len(d.rows('industry_plans')))}项）"
             "以及本次诊断实际采用的标准和评价指标体系："] if items else ["审核总表未录入编制依据。"]
    d.facts["basis"] = len(items)
    d.counts["2.1.3"] = len(items)
    return {"paragraphs": paras, "lines": lines}
