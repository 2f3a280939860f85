"""Master-workbook data → the template context of the report, one function per Appendix C section.

Input is what :func:`cpxl.book.xlsxread.read_master_data` returns: every schema sheet of the master
workbook as typed records keyed by schema key. Sheets that later steps fill (diagnosis, targets,
proposals, tracking, indicator values, consolidated enterprise data) may be empty; every section
then says so plainly instead of showing an empty table.

To add to the report: write a function ``def sXYZ_name(d: Data) -> dict`` that returns the
section's values (``paragraphs``: sentences built from the figures; tables as lists of row
dicts), register it in :data:`SECTIONS`, and reference its key in ``templates/report.docx``
(see ``templates/README.md``). Facts that the conclusions (2.5) reuse go into ``d.facts``;
data for charts into ``d.charts``.

Every value in the context is plain text (numbers are formatted here); the renderer escapes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cpxl.diagnosis import energy

from .fmt import (
    cn_date,
    fint,
    fnum,
    fyear,
    join_cn,
    number,
    parse_date,
    pct,
    quoted,
    ratio,
    roman_level,
    text,
)

Rows = list[dict[str, Any]]

LEVELS = ("I级", "II级", "III级", "不达标", "数据不全")
LEVEL_MEANING = {
    "I级": "国际清洁生产领先水平",
    "II级": "国内清洁生产先进水平",
    "III级": "国内清洁生产一般水平",
    "不达标": "未达到国内清洁生产一般水平",
    "数据不全": "数据不全、暂无法判定",
}
BELOW_II = {"III级", "未达到III级"}
DIMENSIONS = (
    "产业政策符合性",
    "生产工艺及装备指标",
    "污染治理技术指标",
    "污染物产生和排放指标",
    "资源综合利用指标",
    "产品特征指标",
    "监测监控水平指标",
    "清洁生产管理指标",
)
DEFAULT_COMMON_SHARE = 30.0  # % of enterprises below level II that makes a problem "common" (as cpxl diagnose)

#: The documents of clause 2 of the guideline, cited by every report.
BASIS = (
    "《中华人民共和国清洁生产促进法》",
    "《清洁生产审核办法》（国家发展改革委、环境保护部令第38号）",
    "《关于深入推进重点行业清洁生产审核工作的通知》（环办科财〔2020〕27号）",
    "《“十四五”全国清洁生产推行方案》（发改环资〔2021〕1524号）",
    "《关于推荐清洁生产审核创新试点项目的通知》（环办科财函〔2022〕178号）",
    "《工业企业节能诊断服务指南》（工信厅节函〔2023〕186号）",
    "《广东省简易流程清洁生产审核技术指引（试行）》（粤经信规字〔2017〕3号）",
    "T/CPPC 《行业整体清洁生产审核指南》",
    "GB/T 4754 《国民经济行业分类与代码》",
    "GB/T 36132 《绿色工厂评价通则》",
    "GB/T 2589 《综合能耗计算通则》",
    "HJ 942 《排污许可证申请与核发技术规范 总则》",
    "HJ 469 《清洁生产审核指南 制订技术导则》",
    "DB 13/T 1579 《清洁生产审核评估和验收技术导则》",
    "T/SXAEPI X—2022 《工业企业环境保护合规诊断服务指南》",
    "DB 11/T 1370 《低碳企业评价技术导则》",
)

PRINCIPLES = (
    ("系统设计，重点突破", "统筹区域内{industry}行业不同清洁生产水平、不同规模和类型的企业，突出解决行业关键共性问题及企业突出个性问题，提高清洁生产审核的成效。"),
    ("因地制宜，分类指导", "综合{region}资源禀赋、发展定位和产业政策差异及{industry}行业清洁生产审核要求，分区分类提出符合行业和区域特征的方案。"),
    ("整体推进，典型带动", "聚焦开展清洁生产审核的行业整体及其关键企业，从整体（行业层面）和典型（企业层面）两个层面开展审核工作，带动整体水平提升。"),
    ("协同增效，综合治理", "将行业清洁生产审核与行业技术进步、管理创新、装备升级、减污降碳等工作相结合，发挥协同增效作用，促进行业绿色发展和综合治理。"),
)


# ---------------------------------------------------------------------------
# the data


@dataclass
class Data:
    """The master data with the look-ups every section needs; ``facts`` and ``charts`` collect results."""

    raw: Mapping[str, Sequence[Mapping[str, Any]]]
    today: dt.date = field(default_factory=dt.date.today)
    facts: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)
    _names: dict[str, str] | None = field(default=None, repr=False)

    def rows(self, key: str) -> Rows:
        return [dict(r) for r in (self.raw.get(key) or []) if r]

    @property
    def audit(self) -> dict[str, Any]:
        rows = self.rows("audit_task")
        return rows[0] if rows else {}

    def a(self, name: str) -> str:
        return text(self.audit.get(name))

    @property
    def industry(self) -> str:
        return self.a("industry_name") or "审核"

    @property
    def region(self) -> str:
        return self.a("region")

    @property
    def year(self) -> int | None:
        y = number(self.audit.get("statistical_year"))
        if y:
            return int(y)
        years = [int(r["year"]) for k in self.raw if k.startswith("all_ent_")
                 for r in self.rows(k) if number(r.get("year"))]
        return max(years) if years else None

    def year_rows(self, key: str) -> Rows:
        """Rows of the statistical year; if there are none, of the latest year; undated rows always."""
        rows = self.rows(key)
        dated = [r for r in rows if number(r.get("year"))]
        if not dated:
            return rows
        years = {int(r["year"]) for r in dated}
        y = self.year if self.year in years else max(years)
        return [r for r in rows if not number(r.get("year")) or int(r["year"]) == y]

    def rows_year(self, key: str) -> int | None:
        rows = [r for r in self.rows(key) if number(r.get("year"))]
        if not rows:
            return None
        years = {int(r["year"]) for r in rows}
        return self.year if self.year in years else max(years)

    @property
    def enterprises(self) -> Rows:
        return self.rows("enterprises")

    @property
    def names(self) -> dict[str, str]:
        """统一社会信用代码 → 企业名称, from every sheet that has both."""
        if self._names is None:
            out: dict[str, str] = {}
            for key, u, n in (("all_ent_profile", "ent_uscc", "ent_name"), ("indicator_values", "uscc", "enterprise"),
                              ("diagnosis", "uscc", "enterprise"), ("enterprises", "uscc", "name")):
                for r in self.rows(key):
                    if text(r.get(u)) and text(r.get(n)):
                        out[text(r[u])] = text(r[n])
            self._names = out
        return self._names

    def name_of(self, row: Mapping[str, Any], uscc_key: str = "uscc", name_key: str = "enterprise") -> str:
        return text(row.get(name_key)) or self.names.get(text(row.get(uscc_key)), text(row.get(uscc_key)))

    @property
    def n_enterprises(self) -> int:
        if self.enterprises:
            return len(self.enterprises)
        usccs = {text(r.get("ent_uscc")) for k in self.raw if k.startswith("all_ent_") for r in self.rows(k)}
        return len(usccs - {""})

    @property
    def indicators(self) -> dict[str, dict[str, Any]]:
        """指标编号 → row of the indicator system, in sheet order."""
        return {text(r.get("indicator_id")): r for r in self.rows("indicator_system") if text(r.get("indicator_id"))}

    def indicator_name(self, iid: str) -> str:
        r = self.indicators.get(iid)
        return text(r.get("indicator")) if r else iid

    def setting(self, name: str) -> Any:
        rows = self.rows("plan_settings")
        return rows[0].get(name) if rows else None

    def count(self, section: str, n: int, empty_when_zero: bool = True) -> None:
        self.counts[section] = n
        if n == 0 and empty_when_zero and section not in self.empty:
            self.empty.append(section)


def _group_sum(rows: Iterable[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any],
               *fields: str) -> dict[Any, dict[str, Any]]:
    """Sum ``fields`` per group; also counts enterprises (``ent_uscc``) per group."""
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        k = key(r)
        g = out.setdefault(k, {f: None for f in fields} | {"_ents": set(), "_n": 0})
        g["_n"] += 1
        if text(r.get("ent_uscc")):
            g["_ents"].add(text(r.get("ent_uscc")))
        for f in fields:
            x = number(r.get(f))
            if x is not None:
                g[f] = (g[f] or 0.0) + x
    return out


def _yes(rows: Rows, name: str) -> int:
    return sum(text(r.get(name)) == "是" for r in rows)


def _split(s: Any) -> list[str]:
    return [t.strip() for t in re.split(r"[、，,；;\n/]+", text(s)) if t.strip()]


# ---------------------------------------------------------------------------
# front matter


def cover(d: Data) -> dict[str, Any]:
    name = d.a("audit_name") or f"{d.region}{d.industry}行业整体清洁生产审核"
    title = name if name.endswith("报告") else name + "报告"
    return {
        "title": title,
        "subtitle": f"（统计期：{d.year}年）" if d.year else "",
        "organizer": d.a("organizer") or d.a("contract_party") or "（审核总表未填写审核主体）",
        "compiler": d.a("technical_unit") or "（审核总表未填写技术服务单位）",
        "date": cn_date(d.today, day=False),
        "audit_id": d.a("audit_id"),
    }


def staff(d: Data) -> dict[str, Any]:
    unit = d.a("technical_unit")
    team = d.rows("team")
    own = [r for r in team if unit and unit in text(r.get("department_title"))]
    members = own or team
    rows = [{"no": str(i), "name": text(r.get("name")), "role": text(r.get("role")),
             "title": text(r.get("department_title")), "duties": text(r.get("duties")), "sign": ""}
            for i, r in enumerate(members, start=1)]
    paragraphs = []
    if not unit:
        paragraphs.append("审核总表“审核任务”中未填写技术服务单位（报告编制单位）。")
    if rows:
        who = f"{unit}的" if own else "审核小组"
        paragraphs.append(f"本报告由{who}{len(rows)}名人员编制，名单如下。")
    else:
        paragraphs.append("审核总表未录入审核小组成员，编制人员名单待补充。")
    return {"unit": unit or "（未填写）", "paragraphs": paragraphs, "members": rows}


def agreement(d: Data) -> dict[str, Any]:
    party_a = d.a("contract_party") or d.a("organizer")
    party_b = d.a("technical_unit")
    name = d.a("audit_name") or f"{d.region}{d.industry}行业整体清洁生产审核"
    paras = []
    if party_a and party_b:
        no = d.a("contract_no")
        paras.append(f"受{party_a}（委托方）委托，{party_b}（受托方）承担{name}的技术服务工作"
                     + (f"（服务合同编号：{no}）。" if no else "。"))
    else:
        paras.append("审核总表“审核任务”中未填写委托方或技术服务单位，协议双方待补充。")
    scope = d.a("contract_scope")
    rng = join_cn([d.a("scope_type"), d.a("scope_boundary")], last="：")
    sent = "服务内容与诊断范围：" + (scope.rstrip("。") + "。" if scope else "审核总表未填写合同服务内容。")
    if rng:
        sent += f"审核范围为{rng.rstrip('。')}。"
    n = d.n_enterprises
    if n:
        sent += f"审核对象为{d.a('enterprise_coverage') or '区域内审核行业企业'}，共{n}家企业"
        sent += f"，统计期为{d.year}年。" if d.year else "。"
    paras.append(sent)
    paras.append("双方权责：委托方作为审核主体，负责组织实施本次行业整体清洁生产审核，协调各参与方，"
                 "提供必要的资料和工作条件，并对审核成果进行审查和监督落实；受托方负责资料收集、现场考察、"
                 "审核诊断、目标设置、方案制定和报告编制等技术服务，对报告数据和结论的真实性、科学性负责，"
                 "并对审核中获取的企业资料保密。审核范围内企业作为审核实施主体，配合开展企业层面的审核工作。")
    return {"paragraphs": paras, "party_a": party_a or "（未填写）", "party_b": party_b or "（未填写）"}


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


# ---------------------------------------------------------------------------
# 2.2 前期准备


def s221_task(d: Data) -> dict[str, Any]:
    a = d.audit
    items = [
        ("审核项目名称", d.a("audit_name")),
        ("审核主体（组织单位）", d.a("organizer")),
        ("技术服务单位", d.a("technical_unit")),
        ("审核行业", join_cn([d.a("industry_name"), d.a("industry_code")], last=" ")),
        ("审核区域", d.a("region")),
        ("审核范围类型", d.a("scope_type")),
        ("范围边界", d.a("scope_boundary")),
        ("审核对象", d.a("enterprise_coverage") + (f"（{d.n_enterprises}家）" if d.n_enterprises else "")),
        ("统计期", f"{d.year}年" if d.year else ""),
        ("对照年份", d.a("comparison_years").replace(",", "、")),
        ("审核时间", "至".join(x for x in (cn_date(a.get("start_date")), cn_date(a.get("end_date"))) if x)),
        ("服务合同编号", d.a("contract_no")),
    ]
    rows = [{"item": k, "value": v} for k, v in items if v]
    paras = []
    if not rows:
        paras.append("审核总表未填写审核任务。")
    else:
        s = "根据服务合同要求，结合地方行业实际需求，明确了本次审核的范围边界和统计期。"
        if d.a("scope_type"):
            s += f"审核范围为{d.a('scope_type')}"
            s += f"（{d.a('scope_boundary').rstrip('。')}）" if d.a("scope_boundary") else ""
            s += "；"
        if d.a("enterprise_coverage"):
            s += f"审核对象为{d.a('enterprise_coverage')}"
            s += f"，共{d.n_enterprises}家；" if d.n_enterprises else "；"
        if d.year:
            s += f"统计期为{d.year}年，其他年份的数据作为对照依据"
        paras.append(s.rstrip("；") + "。审核任务见下表。")
    d.count("2.2.1", len(rows))
    return {"paragraphs": paras, "rows": rows}


def s222_team(d: Data) -> dict[str, Any]:
    team = d.rows("team")
    rows = [{k: text(r.get(k)) for k in ("name", "role", "department_title", "duties", "time_input", "contact")}
            for r in team]
    if not rows:
        paras = ["本次审核未录入审核小组成员（表A.1）。"]
    else:
        roles = Counter(text(r.get("role")) or "组员" for r in team)
        leaders = [text(r.get("name")) for r in team if text(r.get("role")) == "组长"]
        s = f"{d.a('organizer') or '地方清洁生产管理部门'}成立了行业整体清洁生产审核小组，共{len(rows)}人"
        parts = [f"{k}{v}人" for k, v in roles.items()]
        s += "，其中" + "、".join(parts) if parts else ""
        if leaders:
            s += f"，由{join_cn(leaders)}担任组长"
        paras = [s + "。审核小组负责审核工作的统筹部署、各参与方的组织协调、宣传教育与能力建设、技术指导、监督落实和支持保障，"
                 "成员及分工见表A.1。"]
    d.count("2.2.2", len(rows))
    return {"paragraphs": paras, "rows": rows}


def s223_plan(d: Data) -> dict[str, Any]:
    plan = d.rows("work_plan")
    rows = []
    last_stage = None
    for r in plan:
        stage = text(r.get("stage"))
        rows.append({"stage": stage if stage != last_stage else "", "task": text(r.get("task")),
                     "due": cn_date(r.get("due_date")), "responsible": text(r.get("responsible")),
                     "remarks": text(r.get("remarks"))})
        last_stage = stage
    a = d.audit
    period = "至".join(x for x in (cn_date(a.get("start_date")), cn_date(a.get("end_date"))) if x)
    scope = d.a("scope_boundary") or d.a("scope_type")
    if not plan:
        paras = ["本次审核未录入审核工作计划（表A.2）。"]
    else:
        stages = Counter(text(r.get("stage")) for r in plan if text(r.get("stage")))
        dues = sorted(x for x in (parse_date(r.get("due_date")) for r in plan) if x)
        s = f"审核小组制定了审核工作计划，共{len(plan)}项工作内容"
        if stages:
            s += "，分" + join_cn(f"{k}（{v}项）" for k, v in stages.items()) + f"{len(stages)}个阶段"
        if dues:
            s += f"，计划于{cn_date(dues[0])}至{cn_date(dues[-1])}期间完成"
        paras = [s + "，明确了各阶段的工作内容、完成时间和责任部门，见表A.2。"]
    d.count("2.2.3", len(rows))
    return {"paragraphs": paras, "rows": rows, "scope": scope or "—", "period": period or "—"}


def s224_training(d: Data) -> dict[str, Any]:
    tr = sorted(d.rows("training"), key=lambda r: text(r.get("date")))
    rows = [{"date": cn_date(r.get("date")), "channel": text(r.get("channel")),
             "content": text(r.get("content")) or text(r.get("topic")), "audience": text(r.get("audience")),
             "attendance": fint(r.get("attendance")), "organizer": text(r.get("organizer"))} for r in tr]
    if not tr:
        paras = ["本次审核未录入宣传培训记录。"]
    else:
        people = sum(number(r.get("attendance")) or 0 for r in tr)
        channels = Counter(text(r.get("channel")) for r in tr if text(r.get("channel")))
        topics = [t for t in dict.fromkeys(text(r.get("topic")) for r in tr) if t and t != "其他"]
        s = f"审核期间共开展宣传教育与能力建设活动{len(tr)}次"
        if people:
            s += f"，累计参加{fint(people)}人次"
        if channels:
            s += "；宣传方式包括" + join_cn(f"{k}（{v}次）" for k, v in channels.most_common())
        paras = [s + "。"]
        if topics:
            paras.append("能力建设内容涵盖" + join_cn(topics) + "等，活动记录见表。")
    d.count("2.2.4", len(rows))
    return {"paragraphs": paras, "rows": rows}


# ---------------------------------------------------------------------------
# 2.3 审核诊断


def _energy(d: Data) -> tuple[Rows, float, list[str]]:
    """Energy use of the statistical year per carrier, converted to tce (GB/T 2589)."""
    groups: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for r in d.year_rows("all_ent_energy"):
        carrier, unit, qty = text(r.get("carrier")), text(r.get("unit")), number(r.get("consumption"))
        if not carrier or qty is None:
            continue
        g = groups.setdefault(carrier, {"base": 0.0, "base_unit": "", "tce": 0.0, "raw": defaultdict(float),
                                        "ents": set(), "converted": True})
        g["ents"].add(text(r.get("ent_uscc")))
        g["raw"][unit] += qty
        try:
            row = energy.tce_row(carrier, qty, unit)
        except (energy.EnergyError, ValueError):
            g["converted"] = False
            if carrier not in problems:
                problems.append(carrier)
            continue
        g["base"] += row["amount_base"]
        g["base_unit"] = row["base_unit"]
        g["tce"] += row["tce"]
    total = sum(g["tce"] for g in groups.values())
    display = {"kWh": ("万kWh", 1e4), "m³": ("万m³", 1e4), "kg": ("t", 1e3), "MJ": ("GJ", 1e3)}
    rows = []
    for carrier, g in sorted(groups.items(), key=lambda kv: -kv[1]["tce"]):
        if g["base_unit"] and g["converted"]:
            unit, div = display.get(g["base_unit"], (g["base_unit"], 1))
            qty = fnum(g["base"] / div)
        else:
            unit = "、".join(g["raw"]) if len(g["raw"]) > 1 else next(iter(g["raw"]), "")
            qty = "；".join(fnum(v) for v in g["raw"].values())
        rows.append({"carrier": carrier, "qty": qty, "unit": unit,
                     "tce": fnum(g["tce"]) if g["converted"] else "未折算",
                     "share": pct(g["tce"], total) if g["converted"] else "—", "ents": str(len(g["ents"] - {""}))})
    return rows, total, problems


def s231_objects(d: Data) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ents = d.enterprises
    n = d.n_enterprises
    # 一、企业概况 ----------------------------------------------------------------
    ov: list[str] = []
    if not ents:
        ov.append("审核总表未录入审核企业名单。")
    else:
        s = f"本次审核范围内共有{d.industry}企业{n}家"
        counties = Counter(text(e.get("county")) or "未填写" for e in ents)
        if len(counties) > 1 or "未填写" not in counties:
            s += f"，分布在{len(counties)}个区县"
            top = [(k, v) for k, v in counties.most_common(3) if v > 1 and k != "未填写"]
            if top and len(counties) > 2:
                s += "，其中" + join_cn(f"{k}（{v}家）" for k, v in top) + "企业较多"
        sizes = Counter(text(e.get("size")) for e in ents if text(e.get("size")))
        if sizes:
            s += "；按企业规模，" + join_cn(f"{k}企业{v}家" for k, v in sorted(sizes.items(), key=_size_order))
        ov.append(s + "。")
        flags = [(k, label, _yes(ents, k)) for k, label in (
            ("key_polluter", "重点排污单位"), ("heavy_pollution", "属于重污染行业"),
            ("ghg_reporting", "纳入温室气体排放报告与核查范围"), ("key_energy_user", "属于重点用能单位"),
            ("key_water_user", "属于重点用水单位"), ("mandatory_audit", "列入依法实施强制性清洁生产审核名单"))]
        flagged = [f"{label}的{c}家（{pct(c, n)}）" for _, label, c in flags if c]
        if flagged:
            ov.append("其中，" + "，".join(flagged) + "。")
        cap = _group_sum(ents, lambda e: text(e.get("capacity_unit")), "design_capacity")
        caps = [f"{fnum(g['design_capacity'])} {u}" for u, g in cap.items() if u and g["design_capacity"]]
        if caps:
            ov.append("审核企业合计设计规模为" + "、".join(caps) + "，企业一览见表。")
        out["types"] = [{"item": f"{k}企业", "count": str(v), "share": pct(v, n)}
                        for k, v in sorted(sizes.items(), key=_size_order)] + \
                       [{"item": label, "count": str(c), "share": pct(c, n)} for _, label, c in flags]
        out["counties"] = [{"county": k, "count": str(v), "share": pct(v, n)} for k, v in counties.most_common()]
        if len(out["counties"]) <= 1:
            out["counties"] = []
    profiles = {text(p.get("ent_uscc")): p for p in d.rows("all_ent_profile")}
    out["enterprises"] = [{
        "no": str(i), "name": text(e.get("name")), "uscc": text(e.get("uscc")), "county": text(e.get("county")),
        "size": text(e.get("size")),
        "products": text(e.get("main_products")) or text(profiles.get(text(e.get("uscc")), {}).get("main_process")),
        "capacity": join_cn([fnum(e.get("design_capacity"), dash=""), text(e.get("capacity_unit"))], last=" "),
    } for i, e in enumerate(ents, start=1)]
    if profiles:
        staff_n = sum(number(p.get("employees")) or 0 for p in profiles.values())
        ov.append(f"已报送企业基本情况的企业{len(profiles)}家" + (f"，合计职工{fint(staff_n)}人" if staff_n else "") + "。")
    out["overview"] = ov
    # 二、资源能源利用情况 -----------------------------------------------------------
    res: list[str] = []
    yr = d.year
    prods = _group_sum(d.year_rows("all_ent_products"), lambda r: (text(r.get("product")), text(r.get("unit"))),
                       "output", "capacity")
    out["products"] = [{"product": p, "unit": u, "output": fnum(g["output"]), "capacity": fnum(g["capacity"]),
                        "utilization": pct(g["output"], g["capacity"]), "ents": str(len(g["_ents"]))}
                       for (p, u), g in sorted(prods.items(), key=lambda kv: -(kv[1]["output"] or 0))]
    if prods:
        (p, u), g = max(prods.items(), key=lambda kv: kv[1]["output"] or 0)
        s = f"{d.rows_year('all_ent_products') or yr}年，审核企业{p}合计{fnum(g['output'])} {u}"
        if g["capacity"]:
            s += f"，产能利用率{pct(g['output'], g['capacity'])}"
        res.append(s + "。")
        d.facts["output"] = (p, u, g["output"])
    en_rows, tce, bad = _energy(d)
    out["energy"] = en_rows
    if en_rows:
        s = f"{d.rows_year('all_ent_energy') or yr}年，审核企业综合能源消费量（当量值）合计{fnum(tce)} tce"
        main = [r for r in en_rows if r["share"] != "—"][:3]
        if main:
            s += "，主要能源品种为" + join_cn(f"{r['carrier']}（占{r['share']}）" for r in main)
        if bad:
            s += f"；{join_cn(bad)}因计量单位无法按 GB/T 2589 折算，未计入合计"
        res.append(s + "。")
        d.facts["tce"] = tce
        if "output" in d.facts and d.facts["output"][1] == "t" and d.facts["output"][2]:
            res.append(f"按产量计，单位产品综合能耗约{fnum(tce * 1000 / d.facts['output'][2])} kgce/t。")
    water = _group_sum(d.year_rows("all_ent_water"), lambda r: text(r.get("source")) or "未填写", "intake", "reused")
    out["water"] = [{"source": k, "intake": fnum(g["intake"]), "reused": fnum(g["reused"]), "ents": str(len(g["_ents"]))}
                    for k, g in sorted(water.items(), key=lambda kv: -(kv[1]["intake"] or 0))]
    if water:
        intake = sum(g["intake"] or 0 for g in water.values())
        reused = sum(g["reused"] or 0 for g in water.values())
        s = f"取水量合计{fnum(intake)} m³"
        if reused:
            s += f"，重复利用水量{fnum(reused)} m³，水重复利用率{pct(reused, intake + reused)}"
        res.append(s + "。")
        d.facts["water"] = intake
    mats = _group_sum(d.year_rows("all_ent_materials"),
                      lambda r: (text(r.get("material")), text(r.get("category")), text(r.get("purpose")),
                                 text(r.get("unit")), text(r.get("hazardous"))), "consumption")
    out["materials"] = [{"material": k[0], "category": k[1], "purpose": k[2], "unit": k[3],
                         "consumption": fnum(g["consumption"]), "hazardous": k[4], "ents": str(len(g["_ents"]))}
                        for k, g in sorted(mats.items(), key=lambda kv: (kv[0][4] != "是", -(kv[1]["consumption"] or 0)))]
    if mats:
        haz = sorted({k[0] for k in mats if k[4] == "是"})
        s = f"审核企业填报主要原辅材料{len({k[0] for k in mats})}种"
        if haz:
            s += f"，其中有毒有害原辅材料{len(haz)}种（{join_cn(haz, limit=6)}）"
            d.facts["hazardous_materials"] = haz
        res.append(s + "。")
    reports = d.rows("all_ent_reports")
    if reports:
        kinds = Counter(text(r.get("report_type")) for r in reports)
        res.append("企业报送了" + join_cn(f"{k}{v}份" for k, v in kinds.items()) + "。")
    if not res:
        res.append("审核总表尚未汇总企业报送的资源能源利用数据（附录B.2）。")
    out["resource"] = res
    # 三、生态环境状况 -------------------------------------------------------------
    env: list[str] = []
    regional = sorted(d.rows("regional_environment"), key=lambda r: (text(r.get("element")), text(r.get("parameter"))))
    out["regional"] = [{"element": text(r.get("element")), "year": fyear(r.get("year")),
                        "site": text(r.get("site")), "parameter": text(r.get("parameter")),
                        "value": fnum(r.get("value")), "standard": fnum(r.get("standard")),
                        "unit": text(r.get("unit")), "status": text(r.get("status"))} for r in regional]
    if regional:
        over = [r for r in regional if text(r.get("status")) == "超标"]
        s = f"区域环境质量方面，审核总表录入{len({text(r.get('element')) for r in regional})}类环境要素"
        s += f"{len(regional)}项评价指标"
        if over:
            s += "，其中" + join_cn(f"{text(r.get('element'))}{text(r.get('parameter'))}" for r in over) + "超标"
            d.facts["regional_over"] = [f"{text(r.get('element'))}{text(r.get('parameter'))}" for r in over]
        else:
            s += "，均达标或无标准限值"
        env.append(s + "。")
    pol: Rows = []
    for key, kind in (("all_ent_wastewater", "废水"), ("all_ent_wastegas", "废气")):
        rows = d.year_rows(key)
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            p = text(r.get("pollutant"))
            if not p:
                continue
            unit = text(r.get("unit")) or "t"
            f = 0.001 if unit == "kg" else 1.0
            unit = "t" if unit == "kg" else unit
            g = groups.setdefault((p, unit), {"gen": 0.0, "dis": 0.0, "ents": set(), "hasgen": False})
            g["ents"].add(text(r.get("ent_uscc")))
            if number(r.get("generated")) is not None:
                g["gen"] += number(r.get("generated")) * f
                g["hasgen"] = True
            g["dis"] += (number(r.get("discharged")) or 0) * f
        for (p, unit), g in groups.items():
            pol.append({"kind": kind, "pollutant": p, "unit": unit, "generated": fnum(g["gen"]) if g["hasgen"] else "—",
                        "discharged": fnum(g["dis"]),
                        "removal": pct(g["gen"] - g["dis"], g["gen"]) if g["hasgen"] and g["gen"] else "—",
                        "ents": str(len(g["ents"] - {""})), "_dis": g["dis"]})
    out["pollutants"] = pol
    if pol:
        gas = [p for p in pol if p["kind"] == "废气" and p["unit"] == "t"]
        wat = [p for p in pol if p["kind"] == "废水" and p["pollutant"] != "废水量"]
        ww = [p for p in pol if p["pollutant"] == "废水量"]
        s = f"{d.rows_year('all_ent_wastegas') or d.rows_year('all_ent_wastewater') or yr}年，审核企业"
        parts = []
        if gas:
            parts.append("废气中" + join_cn(f"{p['pollutant']}排放{p['discharged']} t" for p in
                                          sorted(gas, key=lambda p: -p["_dis"])[:4]))
        if ww:
            parts.append(f"废水排放{ww[0]['discharged']} {ww[0]['unit']}")
        if wat:
            parts.append("废水中" + join_cn(f"{p['pollutant']}{p['discharged']} t" for p in
                                          sorted(wat, key=lambda p: -p["_dis"])[:3]))
        env.append(s + "，".join(parts) + "。")
        d.facts["pollutants"] = {p["pollutant"]: p["discharged"] for p in gas}
    exceed = [r for r in d.year_rows("all_ent_wastegas")
              if number(r.get("concentration")) is not None and number(r.get("limit"))
              and number(r.get("concentration")) > number(r.get("limit"))]
    if exceed:
        ents_x = {text(r.get("ent_uscc")) for r in exceed}
        env.append(f"有{len(ents_x)}家企业的{len(exceed)}项废气污染物排放浓度高于其排放限值（"
                   + join_cn(dict.fromkeys(text(r.get("pollutant")) for r in exceed), limit=5) + "），需重点关注。")
        d.facts["exceed_ents"] = len(ents_x)
    sw = _group_sum(d.year_rows("all_ent_solidwaste"), lambda r: text(r.get("category")) or "未分类",
                    "generated", "utilized", "disposed", "stored")
    out["solidwaste"] = [{"category": k, "generated": fnum(g["generated"]), "utilized": fnum(g["utilized"]),
                          "disposed": fnum(g["disposed"]), "stored": fnum(g["stored"]),
                          "rate": pct(g["utilized"], g["generated"])} for k, g in sw.items()]
    if sw:
        env.append("固体废物方面，" + "；".join(
            f"{k}产生{fnum(g['generated'])} t，综合利用率{pct(g['utilized'], g['generated'])}" for k, g in sw.items()) + "。")
    carbon = _group_sum(d.year_rows("all_ent_carbon"), lambda r: text(r.get("source")) or "其他", "emission")
    total_c = sum(g["emission"] or 0 for g in carbon.values())
    out["carbon"] = [{"source": k, "emission": fnum(g["emission"]), "share": pct(g["emission"], total_c),
                      "ents": str(len(g["_ents"]))} for k, g in sorted(carbon.items(), key=lambda kv: -(kv[1]["emission"] or 0))]
    if carbon:
        top = max(carbon.items(), key=lambda kv: kv[1]["emission"] or 0)
        env.append(f"碳排放方面，审核企业二氧化碳排放量合计{fnum(total_c)} tCO₂，其中{top[0]}占{pct(top[1]['emission'], total_c)}。")
        d.facts["co2"] = total_c
    mon = _group_sum(d.year_rows("all_ent_monitoring"), lambda r: text(r.get("category")) or "其他", "times",
                     "compliant_times")
    out["monitoring"] = [{"category": k, "points": str(g["_n"]), "times": fint(g["times"]),
                          "compliant": fint(g["compliant_times"]), "rate": pct(g["compliant_times"], g["times"])}
                         for k, g in mon.items()]
    if mon:
        t = sum(g["times"] or 0 for g in mon.values())
        c = sum(g["compliant_times"] or 0 for g in mon.values())
        env.append(f"企业自行监测共{fint(t)}次，达标{fint(c)}次，总体达标率{pct(c, t)}。")
        d.facts["compliance"] = ratio(c, t)
    if not env:
        env.append("审核总表尚未录入区域环境质量和企业污染物排放数据（附录B.3）。")
    out["environment"] = env
    # 四、环境管理情况 -------------------------------------------------------------
    mg: list[str] = []
    man = d.rows("all_ent_management")
    out["mgmt"] = []
    if man:
        weak = []
        for k, label, noun, negative in MANAGEMENT_ITEMS:
            yes = _yes(man, k)
            no = sum(text(r.get(k)) == "否" for r in man)
            if yes or no:
                out["mgmt"].append({"item": label, "yes": str(yes), "no": str(no), "share": pct(yes, yes + no)})
            if no:
                weak.append((no, noun, negative))
        weak.sort(key=lambda w: -w[0])
        s = f"报送环境管理情况的企业{len(man)}家"
        if weak:
            s += "，存在的不足主要是" + join_cn(f"{neg}（{no}家）" for no, _, neg in weak[:3])
        else:
            s += "，风险防范、应急管理、信息公开和排污许可执行等方面均已落实"
        mg.append(s + "。")
        d.facts["mgmt_weak"] = [noun for _, noun, _ in weak]
    insp = d.rows("all_ent_inspections")
    out["inspections"] = [{"enterprise": text(r.get("ent_name")), "source": text(r.get("source")),
                           "issue": text(r.get("issue")), "status": text(r.get("status"))} for r in insp]
    if insp:
        st = Counter(text(r.get("status")) or "未填写" for r in insp)
        mg.append(f"环保督察、执法检查及信访投诉发现问题{len(insp)}项，涉及企业{len({text(r.get('ent_uscc')) for r in insp})}家，"
                  + join_cn(f"{k}{v}项" for k, v in st.items()) + "。")
        d.facts["open_issues"] = st.get("整改中", 0) + st.get("未整改", 0)
    if not mg:
        mg.append("审核总表尚未汇总企业环境管理情况（附录B.4）。")
    out["management"] = mg
    d.count("2.3.1", len(ents) + sum(len(d.rows(k)) for k in d.raw if k.startswith("all_ent_")))
    return out


MANAGEMENT_ITEMS = (
    ("risk_system", "风险防范制度已建立", "风险防范制度建设", "未建立风险防范制度"),
    ("risk_monitoring", "风险防范设施监控体系已建立", "风险防范设施监控体系建设", "未建立风险防范设施监控体系"),
    ("emergency_plan", "突发环境事件应急预案已备案", "应急预案备案", "应急预案未备案"),
    ("emergency_training", "已开展应急培训", "应急培训", "未开展应急培训"),
    ("disclosure", "污染物排放信息依法公开", "环境信息公开", "未依法公开污染物排放信息"),
    ("permit_reports_on_time", "排污许可执行报告按时提交", "排污许可执行报告提交", "未按时提交排污许可执行报告"),
)


def _size_order(kv: tuple[str, int]) -> int:
    return {"大型": 0, "中型": 1, "小型": 2, "微型": 3}.get(kv[0], 9)


def s232_focus(d: Data) -> dict[str, Any]:
    ents = d.enterprises
    rows: Rows = []

    def add(focus: str, basis: str, count: int | str) -> None:
        rows.append({"no": str(len(rows) + 1), "focus": focus, "basis": basis, "ents": str(count)})

    c = _yes(ents, "heavy_pollution")
    if c:
        haz = d.facts.get("hazardous_materials") or []
        add("特征污染物及有毒有害物质" + (f"（{join_cn(haz, limit=3)}）" if haz else ""),
            "被生态环境主管部门纳入重污染行业", c)
    c = _yes(ents, "ghg_reporting")
    if c:
        add("温室气体排放", "纳入温室气体排放报告与核查工作范围", c)
    c = _yes(ents, "key_energy_user")
    if c:
        add("能源消耗", "被纳入节能主管部门重点用能单位", c)
    c = _yes(ents, "key_water_user")
    if c:
        add("水资源消耗", "被纳入节水主管部门重点用水单位", c)
    mandated = Counter()
    for e in ents:
        if text(e.get("mandatory_audit")) == "是":
            for f in _split(e.get("mandated_focus")):
                mandated[f] += 1
    for f, c in mandated.most_common():
        same = next((r for r in rows if f in r["focus"] or r["focus"].split("（")[0] in f), None)
        if same:
            same["basis"] += "；依法实施审核企业名单中明确的审核方向"
            same["ents"] = str(max(int(same["ents"]), c))
        else:
            add(f, "依法实施审核企业名单中明确的审核方向", c)
    if d.facts.get("exceed_ents"):
        add("废气污染物稳定达标排放", "企业填报的排放浓度高于排放限值", d.facts["exceed_ents"])
    paras = ["依据《行业整体清洁生产审核指南》5.2.2，结合审核企业名单中的行业属性和企业填报数据确定审核诊断重点。"]
    judged = d.rows("audit_focus")  # written by cpxl diagnose: which rules make an industry-level focus
    if judged:
        industry = {text(r.get("focus")) for r in judged if text(r.get("industry_focus")) == "是"}
        local = [r for r in judged if text(r.get("industry_focus")) != "是" and r.get("n_enterprises")]
        keep = [r for r in rows if any(f and (f[:2] in r["focus"] or r["focus"].split("（")[0] in f) for f in industry)
                or r["focus"].startswith("废气污染物稳定达标")]
        if keep or industry:
            for i, r in enumerate(keep, start=1):
                r["no"] = str(i)
            rows[:] = keep
        if local:
            paras.append("以下方向涉及企业比例低于行业判定比例，作为相关企业的审核重点（见“诊断结果”）："
                         + join_cn(f"{text(r.get('focus'))}（{text(r.get('n_enterprises'))} 家）" for r in local) + "。")
    if rows:
        paras.append("本次审核确定的审核诊断重点为" + join_cn(r["focus"].split("（")[0] for r in rows) + "，见表。")
        d.facts["focus"] = [r["focus"].split("（")[0] for r in rows]
    elif ents:
        paras.append("审核企业名单中未标注重污染行业、温室气体报告核查、重点用能或用水单位及名单明确的审核方向，"
                     "审核诊断重点由审核小组结合清洁生产水平诊断结果确定。")
    else:
        paras.append("审核总表未录入审核企业名单，尚不能确定审核诊断重点。")
    over = d.facts.get("regional_over")
    if over:
        paras.append(f"区域{join_cn(over)}超标，相关前体物和污染物的减排应在方案制定中优先考虑。")
    d.count("2.3.2", len(rows))
    return {"paragraphs": paras, "rows": rows}


_BENCH = re.compile(r"^\s*(<=|>=|≤|≥|<|>|＜|＞|=)?\s*(-?\d+(?:\.\d+)?)\s*$")
_RANGE = re.compile(r"^\s*\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")


def parse_benchmark(s: Any) -> tuple[str, float, float | None] | None:
    """``"≤30"`` → ``("≤", 30, None)``; ``"[3, 4] …"`` → ``("range", 3, 4)``; anything else → ``None``."""
    t = text(s).replace("＜", "<").replace("＞", ">").replace("<=", "≤").replace(">=", "≥")
    m = _RANGE.match(t)
    if m:
        return "range", float(m.group(1)), float(m.group(2))
    m = _BENCH.match(t)
    if m and m.group(1):
        return m.group(1), float(m.group(2)), None
    return None


def _meets(b: tuple[str, float, float | None], x: float) -> bool:
    op, v, hi = b
    if op == "range":
        return v <= x <= (hi if hi is not None else v)
    return {"≤": x <= v, "<": x < v, "≥": x >= v, ">": x > v, "=": x == v}[op]


def level_of(value: float, ind: Mapping[str, Any]) -> str | None:
    """The level a quantitative value reaches against the system's benchmarks (``None``: cannot tell)."""
    bs = [parse_benchmark(ind.get(k)) for k in ("level1", "level2", "level3")]
    if any(b is None for b in bs):
        return None
    for b, label in zip(bs, ("I级", "II级", "III级"), strict=True):
        if _meets(b, value):  # type: ignore[arg-type]
            return label
    return "未达到III级"


def _indicator_levels(d: Data) -> tuple[dict[str, dict[str, dict[str, Any]]], str]:
    """uscc → indicator id → {value, level, na} of the statistical year; and where they came from."""
    src, rows = "indicator_values", d.year_rows("indicator_values")
    uk, nk = "uscc", "enterprise"
    if not rows:
        src, rows, uk, nk = "all_ent_indicators", d.year_rows("all_ent_indicators"), "ent_uscc", "ent_name"
    inds = d.indicators
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        u, iid = text(r.get(uk)), text(r.get("indicator_id"))
        if not u or not iid:
            continue
        if text(r.get(nk)) and u not in d.names:
            d.names[u] = text(r.get(nk))
        na = text(r.get("not_applicable")) == "是"
        value = number(r.get("value"))
        level = text(r.get("self_level")) or None
        if level is None and value is not None and iid in inds:
            level = level_of(value, inds[iid])
        out[u][iid] = {"value": value, "level": level, "na": na}
    return out, src


def _short(benchmark: Any, kind: Any, limit: int = 16) -> str:
    """A benchmark for the indicator table: long qualitative requirements are referred to the sheet."""
    t = re.sub(r"（原文[：:][^）]*）", "", text(benchmark)).strip()
    return t if len(t) <= limit or text(kind) == "定量" else "定性要求"


def s233_diagnosis(d: Data) -> dict[str, Any]:
    out: dict[str, Any] = {}
    system = d.rows("indicator_system")
    inds = d.indicators
    intro: list[str] = []
    # the indicator system -----------------------------------------------------------
    if system:
        lim = [r for r in system if text(r.get("limiting")) == "是"]
        cats = list(dict.fromkeys(text(r.get("category")) for r in system if text(r.get("category"))))
        intro.append(f"参照清洁生产评价指标体系，采用标准对比法、先进对照法和同类类比法，对审核企业的清洁生产水平进行诊断。"
                     f"指标体系包括一级指标{len(cats)}项、二级指标{len(system)}项（定量指标"
                     f"{sum(text(r.get('kind')) == '定量' for r in system)}项、定性指标"
                     f"{sum(text(r.get('kind')) == '定性' for r in system)}项），其中限定性指标{len(lim)}项"
                     + (f"（{join_cn((text(r.get('indicator')) for r in lim), limit=4)}）" if lim else "") + "。")
        by_dim: dict[str, Rows] = defaultdict(list)
        for r in system:
            by_dim[text(r.get("dimension")) or "未归类"].append(r)
        covered = [k for k in DIMENSIONS if by_dim.get(k)]
        out["dims"] = [{"dimension": k, "count": str(len(by_dim.get(k, []))),
                        "limiting": str(sum(text(r.get("limiting")) == "是" for r in by_dim.get(k, []))),
                        "examples": join_cn((text(r.get("indicator")) for r in by_dim.get(k, [])), limit=3) or "—"}
                       for k in (*DIMENSIONS, *(k for k in by_dim if k not in DIMENSIONS))]
        missing = [k for k in DIMENSIONS if k not in covered]
        s = f"按《行业整体清洁生产审核指南》5.2.3 的诊断内容归类，指标覆盖{len(covered)}个诊断维度"
        if missing:
            s += f"，{join_cn(missing)}无对应指标，由审核小组通过现场考察和专家经验补充评价"
        intro.append(s + "，见表。")
        out["indicators"] = [{"no": str(i), "category": text(r.get("category")), "indicator": text(r.get("indicator")),
                              "unit": text(r.get("unit")), "weight": fnum(r.get("weight"), dash=""),
                              "limiting": text(r.get("limiting")), "l1": _short(r.get("level1"), r.get("kind")),
                              "l2": _short(r.get("level2"), r.get("kind")), "l3": _short(r.get("level3"), r.get("kind"))}
                             for i, r in enumerate(system, start=1)]
    else:
        intro.append("审核总表未录入清洁生产评价指标体系，无法按指标开展水平诊断。")
        out["dims"], out["indicators"] = [], []
    out["intro"] = intro
    # levels ---------------------------------------------------------------------------
    diag = d.rows("diagnosis")
    lv: list[str] = []
    counts = Counter(text(r.get("level")) or "数据不全" for r in diag)
    n = len(diag)
    out["level_rows"] = [{"level": k, "meaning": LEVEL_MEANING[k], "count": str(counts.get(k, 0)),
                          "share": pct(counts.get(k, 0), n)} for k in LEVELS if k in counts or k in LEVELS[:3]] if diag else []
    if diag:
        s = f"{n}家企业的综合评价结果为："
        s += "；".join(f"达到{k}（{LEVEL_MEANING[k]}）的{counts[k]}家，占{pct(counts[k], n)}"
                      if k in ("I级", "II级", "III级") else f"{k}的{counts[k]}家，占{pct(counts[k], n)}"
                      for k in LEVELS if counts.get(k))
        lv.append(s + "。")
        up = counts.get("I级", 0) + counts.get("II级", 0)
        lv.append(f"达到国内清洁生产先进水平（II级）及以上的企业占{pct(up, n)}。")
        d.facts["levels"] = {k: counts.get(k, 0) for k in LEVELS}
        d.facts["n_diag"] = n
        for key, label in (("y1", "Y_I"), ("y2", "Y_II"), ("y3", "Y_III")):
            vals = [number(r.get(key)) for r in diag if number(r.get(key)) is not None]
            if vals:
                d.facts.setdefault("y_avg", {})[label] = sum(vals) / len(vals)
        if d.facts.get("y_avg"):
            lv.append("各企业综合评价指数平均值为" + "、".join(f"{k} {fnum(v, 1)}" for k, v in d.facts["y_avg"].items()) + "。")
        lim_fail = [r for r in diag if text(r.get("limiting_failures"))]
        if lim_fail:
            toks = Counter(t for r in lim_fail for t in _split(r.get("limiting_failures")))
            lv.append(f"有{len(lim_fail)}家企业存在未达标的限定性指标，主要为"
                      + join_cn((f"{d.indicator_name(k)}（{v}家）" for k, v in toks.most_common(3))) + "。")
            d.facts["limiting_fail"] = len(lim_fail)
        blockers = Counter(t for r in diag for t in _split(r.get("blockers")))
        if blockers:
            lv.append("制约企业清洁生产水平升级的指标主要为"
                      + join_cn(f"{d.indicator_name(k)}（{v}家）" for k, v in blockers.most_common(5)) + "。")
        missing = [r for r in diag if text(r.get("missing"))]
        if missing:
            lv.append(f"有{len(missing)}家企业存在缺失数据，相关指标按未达标处理或暂不判定，需督促企业补报。")
            d.facts["missing_data"] = len(missing)
        d.charts["level"] = {"labels": [k for k in LEVELS if counts.get(k)],
                             "counts": [counts[k] for k in LEVELS if counts.get(k)]}
    else:
        lv.append("审核总表尚未录入清洁生产水平诊断结果（运行 cpxl diagnose 后生成），本节仅依据各企业的指标等级进行分析。")
    out["levels"] = lv
    out["results"] = [{"no": str(i), "enterprise": d.name_of(r), "y1": fnum(r.get("y1"), 1), "y2": fnum(r.get("y2"), 1),
                       "y3": fnum(r.get("y3"), 1), "level": text(r.get("level")),
                       "limiting": "、".join(d.indicator_name(t) for t in _split(r.get("limiting_failures"))) or "—"}
                      for i, r in enumerate(diag, start=1)]
    # common problems ------------------------------------------------------------------
    levels, src = _indicator_levels(d)
    pb: list[str] = []
    share_set = number(d.setting("common_share"))
    threshold = (share_set if share_set is not None else DEFAULT_COMMON_SHARE) / 100
    stats = []
    for iid, ind in inds.items():
        vals = [e[iid] for e in levels.values() if iid in e and not e[iid]["na"] and e[iid]["level"]]
        if not vals:
            continue
        below2 = sum(v["level"] in BELOW_II for v in vals)
        below3 = sum(v["level"] == "未达到III级" for v in vals)
        stats.append({"iid": iid, "indicator": text(ind.get("indicator")), "dimension": text(ind.get("dimension")),
                      "n": len(vals), "below2": below2, "below3": below3, "share2": below2 / len(vals),
                      "limiting": text(ind.get("limiting")) == "是"})
    stats.sort(key=lambda s: (-s["share2"], -s["below3"], s["indicator"]))
    common = [s for s in stats if s["share2"] >= threshold and s["below2"]]
    judged = {text(r.get("indicator_id")) for r in d.rows("common_problems")}
    if judged:  # cpxl diagnose has judged the common problems: the report says the same
        common = [s for s in stats if s["iid"] in judged] or common
    shown = common or [s for s in stats if s["below2"]][:5]
    out["problems"] = [{"no": str(i), "indicator": s["indicator"], "dimension": s["dimension"] or "—",
                        "n": str(s["n"]), "below2": str(s["below2"]), "share2": pct(s["share2"]),
                        "below3": str(s["below3"]), "share3": pct(s["below3"], s["n"])}
                       for i, s in enumerate(shown[:15], start=1)]
    source = "诊断核定的指标值" if src == "indicator_values" else "企业填报的指标值和自评等级"
    if stats:
        pb.append(f"依据{source}，对{len(levels)}家企业的{len(stats)}项指标逐项统计未达到II级（国内清洁生产先进水平）的企业比例，"
                  f"比例不低于{fnum(threshold * 100)}%的指标判定为行业关键共性问题。")
        if common:
            dims = Counter(s["dimension"] for s in common if s["dimension"])
            pb.append(f"识别出行业关键共性问题{len(common)}项，主要是"
                      + join_cn((f"{s['indicator']}（{pct(s['share2'])}的企业未达到II级）" for s in common), limit=5)
                      + (f"，集中在{join_cn(k for k, _ in dims.most_common(2))}方面" if dims else "") + "，见表。")
            d.facts["common"] = [s["indicator"] for s in common]
        else:
            pb.append(f"没有指标的未达到II级企业比例达到{fnum(threshold * 100)}%，未识别出行业关键共性问题；"
                      "未达到II级企业比例较高的指标见表，可作为企业个性问题予以关注。")
        fail3 = [s for s in stats if s["below3"]]
        if fail3:
            worst = max(fail3, key=lambda s: s["below3"])
            pb.append(f"有{len(fail3)}项指标存在未达到III级的企业，其中{worst['indicator']}涉及{worst['below3']}家，"
                      "属于企业突出个性问题，应在企业层面方案中重点解决。")
    else:
        pb.append("审核总表尚未录入各企业的指标值，暂不能识别行业关键共性问题。")
    out["problems_text"] = pb
    # benchmarking chart ---------------------------------------------------------------
    bench = []
    order = [s["iid"] for s in stats] + [i for i in inds if i not in {s["iid"] for s in stats}]
    for iid in order:
        ind = inds[iid]
        if text(ind.get("kind")) == "定性":
            continue
        bs = [parse_benchmark(ind.get(k)) for k in ("level1", "level2", "level3")]
        if any(b is None or b[0] == "range" for b in bs):
            continue
        vals = sorted(e[iid]["value"] for e in levels.values() if iid in e and e[iid]["value"] is not None)
        if len(vals) < 2 or len({b[1] for b in bs}) < 2:  # type: ignore[index]
            continue
        bench.append({"name": text(ind.get("indicator")), "unit": text(ind.get("unit")), "values": vals,
                      "lines": {"I级": bs[0][1], "II级": bs[1][1], "III级": bs[2][1]},  # type: ignore[index]
                      "lower_better": bs[0][0] in ("≤", "<")})  # type: ignore[index]
        if len(bench) == 4:
            break
    if bench:
        d.charts["bench"] = {"indicators": bench}
        out["bench_text"] = [f"选取{join_cn(b['name'] for b in bench)}等指标，将各企业指标值与I、II、III级基准值进行对标，见图。"]
    else:
        out["bench_text"] = []
    # the enterprise × indicator matrix --------------------------------------------------
    out["matrix"] = _matrix(d, levels, inds)
    if out["matrix"]:
        out["matrix_text"] = [f"各企业指标等级见表（{source}；Ⅰ、Ⅱ、Ⅲ表示达到的等级，×表示未达到III级，"
                              "/表示不适用，—表示未填报或无法判定）。"]
    else:
        out["matrix_text"] = []
    d.count("2.3.3", len(diag) + sum(len(e) for e in levels.values()))
    return out


MATRIX_COLUMNS = 20  # indicator columns per landscape table


def _matrix(d: Data, levels: Mapping[str, Mapping[str, Mapping[str, Any]]],
            inds: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not levels or not inds:
        return []
    ids = [i for i in inds if any(i in e for e in levels.values())]
    if not ids:
        return []
    number_of = {iid: str(n) for n, iid in enumerate(inds, start=1)}
    order = [text(e.get("uscc")) for e in d.enterprises if text(e.get("uscc")) in levels]
    order += [u for u in levels if u not in set(order)]
    parts = []
    chunks = [ids[i:i + MATRIX_COLUMNS] for i in range(0, len(ids), MATRIX_COLUMNS)]
    for k, chunk in enumerate(chunks, start=1):
        rows = []
        for j, u in enumerate(order, start=1):
            cells = []
            for iid in chunk:
                v = levels[u].get(iid)
                if v is None:
                    cells.append("—")
                elif v["na"]:
                    cells.append("/")
                else:
                    cells.append(roman_level(v["level"]) or "—")
            rows.append({"no": str(j), "name": d.names.get(u, u), "cells": cells})
        parts.append({"title": "企业清洁生产指标等级矩阵" + (f"（{k}/{len(chunks)}）" if len(chunks) > 1 else ""),
                      "columns": [number_of[i] for i in chunk], "rows": rows})
    return parts


# ---------------------------------------------------------------------------
# 2.4 方案制定与筛选


def _improvement(baseline: float | None, target: float | None) -> float | None:
    if baseline is None or target is None or baseline == 0:
        return None
    return abs(target - baseline) / abs(baseline)


def s241_targets(d: Data) -> dict[str, Any]:
    tg = d.rows("targets")
    inds = d.indicators
    rows = []
    for r in tg:
        iid = text(r.get("indicator_id"))
        imp = _improvement(number(r.get("baseline")), number(r.get("target")))
        rows.append({"scope": text(r.get("scope")),
                     "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
                     "indicator": text(r.get("indicator")) or d.indicator_name(iid),
                     "unit": text(r.get("unit")) or text(inds.get(iid, {}).get("unit")),
                     "baseline": fnum(r.get("baseline")),
                     "target": fnum(r.get("target")) if number(r.get("target")) is not None else text(r.get("target_text")) or "—",
                     "improvement": pct(imp), "rule": text(r.get("rule")), "year": fyear(r.get("target_year"))})
    paras: list[str] = []
    if not tg:
        paras.append("审核总表尚未录入清洁生产审核目标（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        scopes = Counter(text(r.get("scope")) or "未分层" for r in tg)
        focus = sum(text(r.get("focus")) == "是" for r in tg)
        years = sorted({int(number(r.get("target_year"))) for r in tg if number(r.get("target_year"))})
        s = f"汇总审核诊断发现的问题，结合地方污染防治重难点和行业特征，设置清洁生产审核目标{len(tg)}项"
        s += "（" + "、".join(f"{k}层面{v}项" for k, v in scopes.items()) + "）"
        if focus:
            s += f"，其中与审核重点对应的{focus}项"
        if years:
            s += f"，目标年份为{join_cn(map(str, years))}年"
        paras.append(s + "。")
        rules = Counter(text(r.get("rule")) for r in tg if text(r.get("rule")))
        if rules:
            paras.append("目标值依据" + join_cn(f"{k}（{v}项）" for k, v in rules.most_common()) + "确定，具有可实现性，见表。")
        imps = [x for x in (_improvement(number(r.get("baseline")), number(r.get("target"))) for r in tg) if x is not None]
        if imps:
            paras.append(f"按目标值测算，各项指标平均改善幅度为{pct(sum(imps) / len(imps))}，"
                         f"最大为{pct(max(imps))}。")
            d.facts["target_avg"] = sum(imps) / len(imps)
        d.facts["targets"] = len(tg)
    # improvement potential (computed by cpxl plan) -------------------------------------------
    pot = _group_sum(d.rows("improvement_potential"), lambda r: (text(r.get("item")), text(r.get("unit"))), "saving")
    potential = [{"item": k[0], "unit": k[1], "saving": fnum(g["saving"]),
                  "ents": str(len({text(r.get("uscc")) for r in d.rows("improvement_potential")
                                   if (text(r.get("item")), text(r.get("unit"))) == k} - {""}))}
                 for k, g in pot.items() if k[0]]
    if potential:
        paras.append("假设各企业均达到目标值，全行业预计可" + join_cn(f"{p['item']}{p['saving']} {p['unit']}"
                                                         for p in potential[:6]) + "，见表。")
        d.facts["potential"] = potential
    # chart: improvement potential by indicator ------------------------------------------------
    by_ind: dict[str, list[float]] = defaultdict(list)
    industry_level = [r for r in tg if text(r.get("scope")) == "行业"]
    for r in industry_level or tg:
        imp = _improvement(number(r.get("baseline")), number(r.get("target")))
        if imp is not None:
            name = text(r.get("indicator")) or d.indicator_name(text(r.get("indicator_id")))
            by_ind[name].append(imp)
    if by_ind:
        items = sorted(((k, sum(v) / len(v), len(v)) for k, v in by_ind.items()), key=lambda t: -t[1])[:15]
        d.charts["potential"] = {"labels": [k for k, _, _ in items], "values": [v * 100 for _, v, _ in items],
                                 "counts": [c for _, _, c in items],
                                 "scope": "行业层面" if industry_level else "企业层面平均"}
        paras.append("各指标的改善潜力（目标值相对现状值的改善幅度）见图。")
    d.count("2.4.1", len(tg))
    return {"paragraphs": paras, "rows": rows, "potential": potential}


def s242_proposals(d: Data) -> dict[str, Any]:
    pr = d.rows("proposals")
    rows = [{"id": text(r.get("proposal_id")), "level": text(r.get("level")),
             "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
             "title": text(r.get("title")), "category": text(r.get("category")), "cost": text(r.get("cost_class")),
             "investment": fnum(r.get("investment")), "savings": fnum(r.get("annual_savings")),
             "benefit": text(r.get("env_benefit"))} for r in pr]
    cats = _group_sum(pr, lambda r: text(r.get("category")) or "未分类", "investment", "annual_savings")
    by_cat = []
    for k, g in cats.items():
        low = sum(1 for r in pr if (text(r.get("category")) or "未分类") == k and text(r.get("cost_class")) == "无/低费")
        by_cat.append({"category": k, "count": str(g["_n"]), "low": str(low), "high": str(g["_n"] - low),
                       "investment": fnum(g["investment"]), "savings": fnum(g["annual_savings"])})
    paras: list[str] = []
    if not pr:
        paras.append("审核总表尚未录入清洁生产方案（运行 cpxl plan 后生成，或由审核小组填写）。")
    else:
        levels = Counter(text(r.get("level")) or "未分层" for r in pr)
        inv = sum(number(r.get("investment")) or 0 for r in pr)
        sav = sum(number(r.get("annual_savings")) or 0 for r in pr)
        low = sum(text(r.get("cost_class")) == "无/低费" for r in pr)
        s = (f"从整体（行业层面）和典型（企业层面）两个层面共提出清洁生产方案{len(pr)}项，其中"
             + "、".join(f"{k}{v}项" for k, v in levels.items()))
        s += f"；无/低费方案{low}项，中/高费方案{len(pr) - low}项"
        s += f"；合计投资{fnum(inv)}万元，预计年经济效益{fnum(sav)}万元"
        if sav > 0 and inv > 0:
            s += f"，静态投资回收期约{fnum(inv / sav, 1)}年"
        paras.append(s + "。")
        paras.append("按方案类型，" + join_cn(f"{c['category']}{c['count']}项" for c in
                                            sorted(by_cat, key=lambda c: -int(c["count"]))) + "，见表。")
        ents = {text(r.get("uscc")) for r in pr if text(r.get("uscc"))}
        if ents:
            paras.append(f"企业层面方案涉及企业{len(ents)}家，针对企业突出个性问题；行业层面方案围绕行业关键共性问题和地方行业绿色低碳高质量发展。")
        d.facts["proposals"] = {"n": len(pr), "inv": inv, "sav": sav, "low": low}
    d.count("2.4.2", len(pr))
    return {"paragraphs": paras, "by_category": by_cat, "rows": rows}


def s243_decisions(d: Data) -> dict[str, Any]:
    pr = d.rows("proposals")
    sd = d.rows("screening_decision")
    eco = d.rows("economics")
    tr = d.rows("tracking")
    decisions = {text(r.get("proposal_id")): text(r.get("decision")) for r in sd if text(r.get("proposal_id"))}
    for r in pr:
        pid = text(r.get("proposal_id"))
        if pid and pid not in decisions and text(r.get("decision")):
            decisions[pid] = text(r.get("decision"))
    if not decisions:
        decisions = {str(i): text(r.get("decision")) for i, r in enumerate(pr) if text(r.get("decision"))}
    inv = {text(r.get("proposal_id")): r for r in pr}
    summary = []
    for k in ("推荐实施", "可行", "待评估", "不可行"):
        ids = [p for p, v in decisions.items() if v == k]
        if ids:
            summary.append({"decision": k, "count": str(len(ids)),
                            "investment": fnum(sum(number(inv.get(p, {}).get("investment")) or 0 for p in ids)),
                            "savings": fnum(sum(number(inv.get(p, {}).get("annual_savings")) or 0 for p in ids))})
    paras: list[str] = []
    recommended: Rows = []
    if not decisions:
        paras.append("审核总表尚未录入方案筛选结论，清洁生产方案的确定待方案筛选与可行性分析完成后补充。")
    else:
        paras.append("采用权重总和计分排序法对备选方案进行筛选，并对中/高费方案开展技术、环境和经济可行性分析。筛选结果为："
                     + "；".join(f"{s['decision']}{s['count']}项" for s in summary) + "，见表。")
        if sd:
            rec = [r for r in sorted(sd, key=lambda r: number(r.get("rank")) or 1e9) if text(r.get("decision")) == "推荐实施"]
            recommended = [{"no": str(i), "id": text(r.get("proposal_id")), "title": text(r.get("title")),
                            "level": text(r.get("level")), "enterprise": text(r.get("enterprise")) or "全行业",
                            "score": fnum(r.get("total"), 1), "reason": text(r.get("reason"))}
                           for i, r in enumerate(rec, start=1)]
        else:
            rec = [r for r in pr if text(r.get("decision")) == "推荐实施"]
            recommended = [{"no": str(i), "id": text(r.get("proposal_id")), "title": text(r.get("title")),
                            "level": text(r.get("level")),
                            "enterprise": d.name_of(r) if text(r.get("uscc")) or text(r.get("enterprise")) else "全行业",
                            "score": "—", "reason": text(r.get("problem"))} for i, r in enumerate(rec, start=1)]
        rec_sum = next((s for s in summary if s["decision"] == "推荐实施"), None)
        if rec_sum:
            paras.append(f"确定推荐实施方案{rec_sum['count']}项，投资{rec_sum['investment']}万元，"
                         f"预计年经济效益{rec_sum['savings']}万元。")
            d.facts["recommended"] = rec_sum
        pending = next((s for s in summary if s["decision"] == "待评估"), None)
        if pending:
            d.facts["pending"] = int(pending["count"])
    if eco:
        ok = sum(text(r.get("accepted")) == "是" for r in eco)
        pb = [number(r.get("payback_years")) for r in eco if number(r.get("payback_years")) is not None]
        s = f"对{len(eco)}项中/高费方案进行了经济评估，其中经济可行{ok}项"
        if pb:
            s += f"，投资偿还期{fnum(min(pb), 1)}～{fnum(max(pb), 1)}年"
        paras.append(s + "。")
    status = Counter(text(r.get("status")) or "未填写" for r in tr)
    track = [{"status": k, "count": str(v), "share": pct(v, len(tr))} for k, v in status.most_common()]
    if tr:
        prog = [number(r.get("progress")) for r in tr if number(r.get("progress")) is not None]
        s = (f"为确保审核工作形成闭环，审核主体建立了监督跟踪机制，结合方案实施节点跟踪{len(tr)}项方案的进度："
             + "、".join(f"{k}{v}项" for k, v in status.most_common()))
        if prog:
            s += f"，平均进度{fnum(sum(prog) / len(prog), 1)}%"
        overdue = sum(text(r.get("overdue")) not in ("", "否") for r in tr)
        if overdue:
            s += f"；逾期{overdue}项，需督促相关企业加快实施"
            d.facts["overdue"] = overdue
        paras.append(s + "。")
        d.facts["tracking"] = dict(status)
    elif decisions:
        paras.append("方案实施跟踪尚未开始，审核主体应结合方案实施节点建立监督跟踪机制，督促企业按计划落实并总结成效。")
    d.count("2.4.3", len(decisions))
    return {"paragraphs": paras, "summary": summary, "recommended": recommended, "tracking": track}


# ---------------------------------------------------------------------------
# 2.5 结论和建议


def s25_conclusions(d: Data) -> dict[str, Any]:
    f = d.facts
    con: list[str] = []
    n = d.n_enterprises
    s = f"本次{d.region}{d.industry}行业整体清洁生产审核"
    s += f"覆盖企业{n}家" if n else "尚未录入审核企业"
    s += f"，统计期为{d.year}年" if d.year else ""
    con.append(s + "，按照前期准备、审核诊断和报告编制三个阶段完成了各项工作。")
    base = []
    if f.get("tce"):
        base.append(f"综合能源消费量{fnum(f['tce'])} tce")
    if f.get("water"):
        base.append(f"取水量{fnum(f['water'])} m³")
    if f.get("co2"):
        base.append(f"二氧化碳排放量{fnum(f['co2'])} tCO₂")
    if f.get("pollutants"):
        base.append(join_cn(f"{k}排放量{v} t" for k, v in list(f["pollutants"].items())[:3]))
    if base:
        con.append("审核企业统计期内" + "，".join(base) + "。")
    if f.get("levels"):
        lv, nd = f["levels"], f["n_diag"]
        con.append(f"清洁生产水平诊断表明，{nd}家企业中达到I级的{lv['I级']}家、II级的{lv['II级']}家、III级的{lv['III级']}家，"
                   f"II级及以上企业占{pct(lv['I级'] + lv['II级'], nd)}；"
                   f"未达到III级或数据不全的企业{lv['不达标'] + lv['数据不全']}家。")
    if f.get("common"):
        con.append("行业关键共性问题主要为" + join_cn(f["common"], limit=5) + "。")
    if f.get("focus"):
        con.append("审核诊断重点为" + join_cn(f["focus"]) + "。")
    if f.get("targets"):
        s = f"设置清洁生产审核目标{f['targets']}项"
        if f.get("target_avg") is not None:
            s += f"，平均改善幅度{pct(f['target_avg'])}"
        con.append(s + "。")
    if f.get("proposals"):
        p = f["proposals"]
        s = f"提出清洁生产方案{p['n']}项，合计投资{fnum(p['inv'])}万元，预计年经济效益{fnum(p['sav'])}万元"
        if f.get("recommended"):
            s += f"；确定推荐实施方案{f['recommended']['count']}项"
        con.append(s + "。")
    if len(con) <= 2:
        con.append("审核诊断、目标和方案等数据尚未录入审核总表，相关结论待补充。")
    sug: list[str] = []
    lv = f.get("levels") or {}
    if lv.get("不达标"):
        sug.append(f"对未达到III级的{lv['不达标']}家企业，优先解决限定性指标和关键共性问题，限期实施整改方案，"
                   "并将其作为下一轮依法实施清洁生产审核的重点。")
    if f.get("common"):
        sug.append("针对" + join_cn(f["common"], limit=3) + "等行业关键共性问题，由审核主体统一部署实施行业层面推荐方案，"
                   "组织技术交流和典型企业示范，带动行业整体水平提升。")
    if f.get("exceed_ents"):
        sug.append(f"督促{f['exceed_ents']}家废气污染物排放浓度高于限值的企业查明原因，优化治理设施运行，确保稳定达标排放。")
    if f.get("missing_data"):
        sug.append(f"督促{f['missing_data']}家数据不全的企业补报缺失数据，完善能源、水和污染物计量与台账管理。")
    if f.get("pending"):
        sug.append(f"对{f['pending']}项待评估方案尽快完成技术、环境和经济可行性分析，明确实施安排。")
    if f.get("overdue"):
        sug.append(f"对{f['overdue']}项逾期方案加强督办，必要时约谈相关企业负责人。")
    if f.get("mgmt_weak"):
        sug.append("加强企业环境管理，重点补齐" + join_cn(f["mgmt_weak"][:3]) + "等方面的短板。")
    if f.get("open_issues"):
        sug.append(f"跟踪{f['open_issues']}项尚未完成整改的环保督察和执法检查问题，按期销号。")
    if f.get("regional_over"):
        sug.append("结合区域" + join_cn(f["regional_over"]) + "超标状况，优先实施相关污染物协同减排方案。")
    sug.append("建立方案实施监督跟踪机制，结合方案实施节点跟踪进度，督促企业按计划落实清洁生产方案并总结成效，确保行业整体审核工作形成闭环。")
    d.counts["2.5"] = len(con) + len(sug)
    return {"conclusions": [f"（{i}）{c}" for i, c in enumerate(con, start=1)],
            "suggestions": [f"（{i}）{c}" for i, c in enumerate(sug, start=1)]}


#: Context key → section function, in document order (facts flow from earlier to later sections).
SECTIONS: tuple[tuple[str, Callable[[Data], dict[str, Any]]], ...] = (
    ("cover", cover),
    ("staff", staff),
    ("agreement", agreement),
    ("s211", s211_background),
    ("s212", s212_principles),
    ("s213", s213_basis),
    ("s221", s221_task),
    ("s222", s222_team),
    ("s223", s223_plan),
    ("s224", s224_training),
    ("s231", s231_objects),
    ("s232", s232_focus),
    ("s233", s233_diagnosis),
    ("s241", s241_targets),
    ("s242", s242_proposals),
    ("s243", s243_decisions),
    ("s25", s25_conclusions),
)


@dataclass
class Built:
    """What the renderer needs: the template context, chart data, and per-section record counts."""

    context: dict[str, Any]
    charts: dict[str, Any]
    counts: dict[str, int]
    empty: list[str]
    facts: dict[str, Any]


def build_context(data: Mapping[str, Sequence[Mapping[str, Any]]], today: dt.date | None = None) -> Built:
    """Run every section function over the master data, in document order."""
    d = Data(data, today or dt.date.today())
    ctx = {key: fn(d) for key, fn in SECTIONS}
    return Built(ctx, d.charts, d.counts, d.empty, d.facts)
