"""The diagnosis' vocabulary: options, result types and the labels every sheet and report uses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cpxl.core.problems import Problem
from cpxl.domain.indicators import (
    DIMENSIONS,
    LEVELS,
    IndicatorSystem,
    SystemOptions,
)

from .derive import Derived, DeriveOptions
from .scoring import (
    EnterpriseScore,
    TableScore,
)

SHEET_LEVEL = {"I": "I级", "II": "II级", "III": "III级", None: "不达标"}
INCOMPLETE = "数据不全"
#: The level of an enterprise whose discharge concentration exceeds the national limit (达标核查) and is not yet
#: verified: like 数据不全 a status, the scored level only 暂定 and not counted as Ⅰ/Ⅱ/Ⅲ级; once 属实, 不达标.
EXCEED_PENDING = "超标待核实"
VERIFIED_TRUE, VERIFIED_PENDING, VERIFIED_WRONG = "属实", "待核实", "数据有误"
ORIGIN_REPORTED, ORIGIN_DERIVED, ORIGIN_AUDITED = "企业填报", "由填报数据计算", "审核组核定"
MATRIX_SHEET = "诊断矩阵"
#: Fill colours of the diagnosis matrix (RGB hex), by achieved level or status.
LEVEL_FILLS = {
    "exceed_pending": "F4B183",  # orange
    "I": "63BE7B",  # green
    "II": "C6EFCE",  # light green
    "III": "FFEB9C",  # yellow
    "below": "F8696B",  # red
    "missing": "BFBFBF",  # grey
    "not_applicable": "FFFFFF",
}
_ACHIEVED_KEY = {1: "I", 2: "II", 3: "III", 0: "below"}
_ACHIEVED_LABEL = {1: "I级", 2: "II级", 3: "III级", 0: "未达到III级"}
_MATRIX_LABEL = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 0: "未达Ⅲ级"}
_DIM_IDS = {v: k for k, v in DIMENSIONS.items()}
_BONUS_MARK = "（加分项）"
_DEFAULT_LEVEL_NAMES = {"I": "国际清洁生产领先水平", "II": "国内清洁生产先进水平", "III": "国内清洁生产一般水平",
                        "none": "不达标"}
_WRITTEN = ("indicator_values", "diagnosis", "industry_stats", "common_problems", "audit_focus")
_SOURCE_SHEET = {  # where the raw data of a derived quantity come from, for the fix of a problem
    "energy": "汇总_B.2能源消耗", "water": "汇总_B.2水资源", "agent": "汇总_B.2原辅材料", "ash": "汇总_B.3固体废物",
    "co2": "汇总_B.2能源消耗",
}


class DiagnosisError(ValueError):
    """The diagnosis cannot run (no indicator system, unreadable sheet …); the message is Chinese."""


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class DiagnosisOptions:
    """Settings of one diagnosis run; all have defaults (``common_share`` also reads 方案参数设置)."""

    year: int | None = None  # statistical year; default: 审核任务 统计期
    common_share: float | None = None  # fraction (0.3) or percent (30); default: 方案参数设置, else 30 %
    common_level: str = "II"  # the level an enterprise must reach not to count for a common problem
    common_min_count: int = 3  # … and at least this many enterprises miss it (a share alone misleads in small samples)
    focus_share: float = 0.3  # share of enterprises that makes a 5.2.2 rule an industry-level focus
    focus_min_count: int = 3  # … and at least this many enterprises carry the flag
    reported_tolerance: float = 0.05  # relative gap between a reported and a computed value that is warned about
    years_back: int = 2  # the long table also holds this many years before the statistical year
    scoring: Mapping[str, Any] | None = None  # overrides of the system's options (+ allow_template)
    derive: DeriveOptions | Mapping[str, Any] | None = None
    write: bool = True  # write the results into the master workbook

    @classmethod
    def make(cls, options: DiagnosisOptions | Mapping[str, Any] | None) -> DiagnosisOptions:
        """From a mapping; keys of :class:`DeriveOptions` and of the scoring options may be given flat."""
        if options is None:
            return cls()
        if isinstance(options, DiagnosisOptions):
            return options
        own = {f.name for f in fields(cls)}
        der = {f.name for f in fields(DeriveOptions)}
        sco = {f.name for f in fields(SystemOptions)} | {"allow_template"}
        kw: dict[str, Any] = {}
        derive_kw = dict(options.get("derive") or {}) if isinstance(options.get("derive"), Mapping) else {}
        scoring_kw = dict(options.get("scoring") or {})
        unknown = []
        for k, v in options.items():
            if k in ("derive", "scoring"):
                continue
            if k in own:
                kw[k] = v
            elif k in der:
                derive_kw[k] = v
            elif k in sco:
                scoring_kw[k] = v
            else:
                unknown.append(k)
        if unknown:
            known = "、".join(sorted(own | der | sco))
            raise ValueError(f"未知的诊断选项：{'、'.join(sorted(unknown))}；可用的有：{known}")
        if isinstance(options.get("derive"), DeriveOptions):
            kw["derive"] = replace(options["derive"], **DeriveOptions.make(derive_kw).__dict__) if derive_kw \
                else options["derive"]
        elif derive_kw:
            kw["derive"] = DeriveOptions.make(derive_kw)
        if scoring_kw:
            kw["scoring"] = scoring_kw
        opts = replace(cls(), **kw)
        if opts.common_level not in LEVELS:
            raise ValueError(f"共性问题的要求等级“{opts.common_level}”无效，应为 I、II 或 III")
        return opts


def _fraction(x: float) -> float:
    return x / 100.0 if x > 1 else x


# --------------------------------------------------------------------------- result types


@dataclass
class ValueEntry:
    """The value of one indicator for one enterprise and year, and where it came from."""

    indicator_id: str
    year: int
    value: Any  # what the scoring engine gets: number, level 0–3, "不适用" or None (missing)
    origin: str | None  # 企业填报 | 由填报数据计算 | 审核组核定 | None (missing)
    basis: str = ""
    reason: str = ""  # why the value is missing
    self_level: str | None = None  # qualitative: I级/II级/III级/未达到III级
    derived: Derived | None = None
    warnings: tuple[str, ...] = ()
    reported: float | None = None  # the enterprise's own figure when the value used was computed or audited
    audit_note: str = ""  # why a 审核组核定 row was not used (no reason given)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["derived"] = self.derived.to_dict() if self.derived else None
        return out


@dataclass(frozen=True)
class IndicatorStats:
    """The industry distribution of one indicator in the statistical year."""

    indicator_id: str
    name: str
    unit: str
    dimension: str  # Chinese name of the 5.2.3 dimension, or 未归类
    category: str
    kind: str
    direction: str
    limiting: bool
    n: int  # enterprises with a scored value
    n_missing: int
    n_not_applicable: int
    n_no_benchmark: int
    counts: dict[str, int]  # achieved level: I, II, III, below
    share_at_least: dict[str, float | None]  # fraction of n reaching each level (cumulative)
    share_below_iii: float | None
    min: float | None
    q1: float | None
    median: float | None
    q3: float | None
    max: float | None
    mean: float | None
    best: float | None
    advanced: float | None
    best_enterprises: list[str]
    benchmarks: dict[str, str]
    common: bool
    conclusion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DimensionSummary:
    id: str
    name: str
    indicators: list[str]
    n_limiting: int
    cells: int  # enterprise × indicator pairs with a scored value
    n_missing: int
    n_not_applicable: int
    share_at_least: dict[str, float | None]
    share_below_iii: float | None
    common: list[str]
    conclusion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CommonProblem:
    rank: int
    indicator_id: str
    name: str
    dimension: str
    limiting: bool
    required_level: str  # I | II | III
    n_assessed: int
    n_below: int
    share: float  # fraction
    n_below_iii: int
    n_missing: int
    requirement: str
    median: float | None
    enterprises: list[str]  # names
    usccs: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FocusRule:
    """One principle of 5.2.2 applied to the enterprise list."""

    rule: str  # heavy_pollution | ghg_reporting | key_energy_user | key_water_user | mandated_focus
    clause: str
    flag: str  # the column of 企业名单
    focus: str  # direction of the focus
    enterprises: list[tuple[str, str]]  # (uscc, name)
    n_total: int
    n_unknown: int
    share: float
    industry_focus: bool
    indicators: list[str]
    note: str

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["enterprises"] = [{"uscc": u, "name": n} for u, n in self.enterprises]
        return out


@dataclass
class EnterpriseDiagnosis:
    uscc: str
    name: str
    has_data: bool
    values: dict[str, ValueEntry]  # statistical year, by indicator id
    score: EnterpriseScore
    focus: list[str] = field(default_factory=list)  # e.g. "能源（重点用能单位）"
    focus_indicators: list[str] = field(default_factory=list)
    individual: list[dict[str, Any]] = field(default_factory=list)  # own shortfalls
    #: discharge-concentration exceedances of the national limit found by the 达标核查, with their 核实情况
    exceedances: list[tuple[Any, str]] = field(default_factory=list)  # (compliance.Breach, 属实 | 待核实)

    @property
    def exceedance_confirmed(self) -> bool:
        return any(v == VERIFIED_TRUE for _, v in self.exceedances)

    @property
    def exceedance_pending(self) -> bool:
        return not self.exceedance_confirmed and bool(self.exceedances)

    @property
    def level_label(self) -> str:
        """The 诊断结果 level: 不达标 with a confirmed exceedance of the discharge limit, 超标待核实 with one not yet
        verified (the scored level only 暂定), else the scored level, or 数据不全 when data are missing (unless Ⅰ级 is
        reached anyway)."""
        if self.exceedance_confirmed:
            return SHEET_LEVEL[None]
        if self.exceedance_pending and self.score.level is not None:
            return EXCEED_PENDING
        if self.score.complete or self.score.level == "I":
            return SHEET_LEVEL[self.score.level]
        return INCOMPLETE

    @property
    def provisional_label(self) -> str:
        """The level the data support (暂定等级): the scored level, 不达标 once an exceedance is confirmed."""
        return SHEET_LEVEL[None if self.exceedance_confirmed else self.score.level]

    @property
    def exceedance_text(self) -> str:
        """The exceedances in one line for the 诊断结果 sheet, e.g. ``氟化氢 3.4 mg/Nm³（限值 2，超标0.7倍，待核实）``."""
        return "；".join(f"{b.pollutant} {b.value:g} {b.unit}（限值 {b.limit:g}，超标{float(f'{b.exceed_ratio:.2g}'):g}倍，"
                        f"{'经核实属实' if v == VERIFIED_TRUE else '疑似超标，待核实'}）" for b, v in self.exceedances)

    def to_dict(self) -> dict[str, Any]:
        s = self.score
        return {
            "uscc": self.uscc, "name": self.name, "has_data": self.has_data, "y": s.y, "y_base": s.y_base,
            "level": self.level_label, "provisional_level": self.provisional_label, "level_title": s.level_title,
            "exceedances": self.exceedance_text,
            "complete": s.complete, "next_level": s.next_level,
            "blockers": [b.to_dict() for b in s.blockers],
            "limiting_failures": _limiting_failures(s), "missing": [r.id for r in s.indicators
                                                                    if r.status in ("missing", "invalid")],
            "focus": self.focus, "focus_indicators": self.focus_indicators, "individual": self.individual,
            "values": {k: v.to_dict() for k, v in self.values.items()},
        }


@dataclass
class DiagnosisResult:
    master: Path | None
    year: int
    system: IndicatorSystem
    system_source: str
    options: DiagnosisOptions
    enterprises: list[EnterpriseDiagnosis]
    table: TableScore
    indicator_stats: list[IndicatorStats]
    dimensions: list[DimensionSummary]
    common_problems: list[CommonProblem]
    focus_rules: list[FocusRule]
    problems: list[Problem]
    warnings: list[str]
    derived: dict[str, dict[int, dict[str, Derived]]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    values_by_year: dict[int, dict[str, dict[str, ValueEntry]]] = field(default_factory=dict, repr=False)
    scores_by_year: dict[int, TableScore] = field(default_factory=dict, repr=False)

    @property
    def level_counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("I级", "II级", "III级", EXCEED_PENDING, "不达标", INCOMPLETE)}
        for e in self.enterprises:
            out[e.level_label] += 1
        return out

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def summary(self) -> str:
        counts = "、".join(f"{k} {v} 家" for k, v in self.level_counts.items() if v)
        focus = "、".join(r.focus for r in self.focus_rules if r.industry_focus) or "无"
        text = (f"诊断完成：{len(self.enterprises)} 家企业（{self.year} 年，{self.system.name}）：{counts or '无企业'}；"
                f"行业关键共性问题 {len(self.common_problems)} 项；行业审核重点：{focus}。")
        if self.errors:
            text += f"发现 {self.errors} 处数据缺失或错误，相关企业等级为暂定。"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "master": str(self.master) if self.master else None, "year": self.year,
            "system": {"id": self.system.id, "name": self.system.name, "source": self.system_source},
            "options": _jsonable(asdict(self.options)),
            "summary": self.summary, "level_counts": self.level_counts,
            "enterprises": [e.to_dict() for e in self.enterprises],
            "indicator_stats": [s.to_dict() for s in self.indicator_stats],
            "dimensions": [d.to_dict() for d in self.dimensions],
            "common_problems": [c.to_dict() for c in self.common_problems],
            "audit_focus": [r.to_dict() for r in self.focus_rules],
            "problems": [p.to_dict() for p in self.problems], "warnings": self.warnings,
            "derived": {u: {str(y): {q: d.to_dict() for q, d in qs.items()} for y, qs in by_year.items()}
                        for u, by_year in self.derived.items()},
            "written": self.written,
        }


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x if isinstance(x, (str, int, float, bool)) or x is None else str(x)


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _limiting_failures(s: EnterpriseScore) -> list[str]:
    return [r.id for r in s.indicators if r.limiting and r.status == "scored" and r.achieved == 0]

def _r(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(x, digits)


def _pct100(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 2)
