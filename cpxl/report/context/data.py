"""The master data as the report's sections see it: look-ups, the statistical year, and the facts that
earlier sections pass to later ones."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..fmt import (
    number,
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
