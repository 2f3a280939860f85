"""审核诊断 (T/CPPC《行业整体清洁生产审核指南》5.2.2–5.2.3) on top of the national scoring engine.

:func:`diagnose` reads the master workbook and

1. chooses the indicator system: the master's 指标体系 sheet (the shipped file when the sheet is an
   unchanged copy of it), else the ``system`` argument;
2. builds each enterprise's values for the statistical year (and the two years before, for the
   long table): 审核组核定 values in 指标值汇总 first, then the enterprise's own report
   (汇总_行业指标填报: a number, or the self level I级/II级/III级/未达到III级 → 1/2/3/0, or 不适用),
   and for indicators whose ``quantity`` is one of ``DERIVED_QUANTITIES`` the value computed from its
   Appendix B data (:mod:`cpxl.diagnosis.derive`);
3. scores every enterprise with :func:`cpxl.diagnosis.scoring.score_table`;
4. builds the industry view of 5.2.3: per indicator the distribution (标准对比法: share at each level;
   先进对照法: best and advanced value; 同类类比法: quartiles and mean), per diagnosis dimension a
   summary, the key common problems (indicators that ≥ ``common_share`` of the enterprises miss at
   ``common_level``), each enterprise's own shortfalls, and the audit focus of 5.2.2 from the
   enterprise list's flags;
5. writes 指标值汇总, 诊断结果, 行业指标统计, 共性问题, 审核重点 and a coloured 诊断矩阵 through
   :func:`cpxl.book.masterio.update_master` (one atomic write).

Missing data are never dropped: each is a problem naming the enterprise and the indicator, the
indicator scores 0 and the enterprise's level is marked 数据不全 (its lower bound is kept as 暂定等级).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cpxl.book import schema
from cpxl.book.indicator_sheet import DERIVED_QUANTITIES, system_rows
from cpxl.core.folder import AuditFolder
from cpxl.core.problems import Problem
from cpxl.domain.indicators import (
    DIMENSIONS,
    LEVEL_LABELS,
    LEVELS,
    Benchmark,
    Category,
    Indicator,
    IndicatorSystem,
    SystemOptions,
    list_systems,
    load_system,
)

from .derive import Derived, DeriveOptions, derive_all, to_indicator_unit
from .scoring import (
    NOT_APPLICABLE,
    EnterpriseScore,
    IndicatorResult,
    TableScore,
    TemplateSystemError,
    score_table,
)

SHEET_LEVEL = {"I": "I级", "II": "II级", "III": "III级", None: "不达标"}
INCOMPLETE = "数据不全"
ORIGIN_REPORTED, ORIGIN_DERIVED, ORIGIN_AUDITED = "企业填报", "由填报数据计算", "审核组核定"
MATRIX_SHEET = "诊断矩阵"
#: Fill colours of the diagnosis matrix (RGB hex), by achieved level or status.
LEVEL_FILLS = {
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
    focus_share: float = 0.3  # share of enterprises that makes a 5.2.2 rule an industry-level focus
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

    @property
    def level_label(self) -> str:
        """The 诊断结果 level: the scored level, or 数据不全 when data are missing (unless Ⅰ级 is reached anyway)."""
        if self.score.complete or self.score.level == "I":
            return SHEET_LEVEL[self.score.level]
        return INCOMPLETE

    def to_dict(self) -> dict[str, Any]:
        s = self.score
        return {
            "uscc": self.uscc, "name": self.name, "has_data": self.has_data, "y": s.y, "y_base": s.y_base,
            "level": self.level_label, "provisional_level": SHEET_LEVEL[s.level], "level_title": s.level_title,
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
        out = {k: 0 for k in ("I级", "II级", "III级", "不达标", INCOMPLETE)}
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


# --------------------------------------------------------------------------- the indicator system


_NUM = r"[-+]?\d+(?:\.\d+)?"
_OP_WORDS = (("<=", "≤"), (">=", "≥"), ("≦", "≤"), ("≧", "≥"), ("不大于", "≤"), ("不高于", "≤"), ("不超过", "≤"),
             ("不小于", "≥"), ("不低于", "≥"), ("小于", "<"), ("低于", "<"), ("大于", ">"), ("高于", ">"), ("超过", ">"))
_EMPTY_CELLS = {"", "（未给出）", "(未给出)", "未给出", "—", "-", "/", "无"}


def parse_benchmark(level: str, text: Any) -> Benchmark | None:
    """A quantitative benchmark cell of the 指标体系 sheet (``≤40``, ``<5%``, ``[3, 4]次/年``, ``3-4次/年``);
    None when it cannot be read."""
    raw = str(text if text is not None else "").strip()
    t = unicodedata.normalize("NFKC", raw).replace(" ", "")
    if t in _EMPTY_CELLS:
        return Benchmark(level, raw, op="none", note="指标体系工作表未给出基准值")
    for word, op in _OP_WORDS:
        if t.startswith(word):
            t = op + t[len(word):]
            break
    m = re.match(rf"^(≤|<|≥|>)({_NUM})", t)
    if m:
        return Benchmark(level, raw, op=m.group(1), value=float(m.group(2)))
    m = re.match(rf"^([\[(])({_NUM}),({_NUM})([\])])", t)
    if m:
        return Benchmark(level, raw, op="range", min=float(m.group(2)), max=float(m.group(3)),
                         min_inclusive=m.group(1) == "[", max_inclusive=m.group(4) == "]")
    m = re.match(rf"^({_NUM})(?:-|~|～|—|–|至|到)({_NUM})", t)
    if m:
        return Benchmark(level, raw, op="range", min=float(m.group(1)), max=float(m.group(2)))
    return None


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def system_from_sheet(rows: Sequence[Mapping[str, Any]], base: IndicatorSystem | None = None) -> IndicatorSystem:
    """An :class:`IndicatorSystem` from the rows of the master's 指标体系 sheet.

    ``base`` (a shipped system with the same indicator ids) lends its options and level names.
    Raises :class:`DiagnosisError` listing every defect (in Chinese).
    """
    errors: list[str] = []
    cats: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for i, r in enumerate(rows, start=1):
        iid = _text(r.get("indicator_id"))
        where = f"“指标体系”第 {i} 条（{iid or _text(r.get('indicator')) or '无编号'}）"
        if not iid:
            errors.append(f"{where}缺少二级指标编号")
            continue
        if iid in seen:
            errors.append(f"{where}的二级指标编号重复")
            continue
        seen.add(iid)
        cat_raw = _text(r.get("category"))
        if not cat_raw:
            errors.append(f"{where}缺少一级指标")
            continue
        bonus = cat_raw.endswith(_BONUS_MARK) or cat_raw.endswith("(加分项)")
        cat_name = cat_raw.removesuffix(_BONUS_MARK).removesuffix("(加分项)")
        c = cats.setdefault(cat_name, {"bonus": bonus, "weight": None, "indicators": []})
        cw = _num(r.get("category_weight"))
        if cw is not None:
            if c["weight"] is None:
                c["weight"] = cw
            elif abs(c["weight"] - cw) > 1e-9:
                errors.append(f"{where}的一级指标权重 {cw:g} 与同一一级指标「{cat_name}」的其他行（{c['weight']:g}）不一致")
        weight = _num(r.get("weight"))
        if weight is None or weight <= 0:
            errors.append(f"{where}的二级指标权重缺失或不大于 0")
            continue
        kind_text = _text(r.get("kind"))
        if kind_text not in ("定量", "定性"):
            errors.append(f"{where}的指标类型应为“定量”或“定性”")
            continue
        qualitative = kind_text == "定性"
        cells: dict[str, Benchmark] = {}
        for lv, key in zip(LEVELS, ("level1", "level2", "level3"), strict=True):
            if qualitative:
                cells[lv] = Benchmark(lv, _text(r.get(key)))
                continue
            b = parse_benchmark(lv, r.get(key))
            if b is None:
                errors.append(f"{where}的{LEVEL_LABELS[lv]}基准值“{_text(r.get(key))}”无法识别：应写成 ≤40、<5、≥90、"
                              "3-4 这样的形式，或留空表示未给出")
                continue
            cells[lv] = b
        if len(cells) < 3:
            continue
        ops = {b.op for b in cells.values() if b.op not in (None, "none", "range")}
        lower, higher = bool(ops & {"≤", "<"}), bool(ops & {"≥", ">"})
        if lower and higher:
            errors.append(f"{where}的基准值同时有“≤/<”和“≥/>”，方向不一致")
            continue
        direction = "qualitative" if qualitative else ("higher_better" if higher else "lower_better")
        dim_text = _text(r.get("dimension"))
        c["indicators"].append(dict(
            id=iid, name=_text(r.get("indicator")) or iid, unit=_text(r.get("unit")), weight=weight,
            kind="qualitative" if qualitative else "quantitative", limiting=_text(r.get("limiting")) == "是",
            direction=direction, benchmarks=cells, dimension=_DIM_IDS.get(dim_text, ""),
            quantity=_text(r.get("quantity")) or None))
    base_total = 0.0
    for name, c in cats.items():
        if c["weight"] is None:
            errors.append(f"一级指标「{name}」没有填写一级指标权重")
            continue
        if not c["bonus"]:
            base_total += c["weight"]
        total = math.fsum(i["weight"] for i in c["indicators"])
        if c["indicators"] and abs(total - 1) > 0.01:
            errors.append(f"一级指标「{name}」下二级指标权重之和为 {total:.4g}，应为 1")
    if cats and abs(base_total - 1) > 0.01:
        errors.append(f"非加分一级指标权重之和为 {base_total:.4g}，应为 1")
    if not cats and not errors:
        errors.append("“指标体系”工作表没有指标")
    if errors:
        raise DiagnosisError("审核总表“指标体系”工作表不能用于评分（" + f"{len(errors)} 处）：\n"
                             + "\n".join(f"  - {e}" for e in errors))
    categories = []
    for n, (name, c) in enumerate(cats.items(), start=1):
        cid = f"cat{n}"
        inds = tuple(Indicator(**i, category_id=cid, bonus=c["bonus"]) for i in c["indicators"])
        dims = tuple(dict.fromkeys(i.dimension for i in inds if i.dimension)) or ("management",)
        categories.append(Category(cid, name, float(c["weight"]), c["bonus"], dims, inds))
    return IndicatorSystem(
        id=f"{base.id}-sheet" if base else "master-sheet",
        name=f"{base.name}（按审核总表修改）" if base else "审核总表“指标体系”工作表",
        template=False,
        source={"status": "审核总表", "title": "审核总表“指标体系”工作表", "standard_number": "", "clause": "",
                "verified_against_official_text": False},
        level_names=dict(base.level_names) if base else dict(_DEFAULT_LEVEL_NAMES),
        options=base.options if base else SystemOptions(),
        categories=tuple(categories),
        industry=base.industry if base else "",
    )


def _same(a: Any, b: Any) -> bool:
    na, nb = _num(a), _num(b)
    if na is not None or nb is not None:
        return na is not None and nb is not None and math.isclose(na, nb, rel_tol=1e-9, abs_tol=1e-12)
    return _text(a) == _text(b)


def _same_rows(sheet: Sequence[Mapping[str, Any]], ref: Sequence[Mapping[str, Any]]) -> bool:
    if len(sheet) != len(ref):
        return False
    by_id = {_text(r.get("indicator_id")): r for r in sheet}
    return all(all(_same(by_id.get(r["indicator_id"], {}).get(k), v) for k, v in r.items()) for r in ref)


def choose_system(rows: Sequence[Mapping[str, Any]], system: str | Path | IndicatorSystem | None = None
                  ) -> tuple[IndicatorSystem, str, list[str]]:
    """The indicator system to score with, a Chinese description of where it came from, and warnings."""
    sheet = [r for r in rows if _text(r.get("indicator_id")) or _text(r.get("indicator"))]
    warnings: list[str] = []
    given = system if isinstance(system, IndicatorSystem) else (load_system(system) if system else None)
    if not sheet:
        if given is None:
            raise DiagnosisError("审核总表的“指标体系”工作表为空，且没有指定评价指标体系：请用 cpxl init --system 导入，"
                                 "或在诊断时用 --system 指定（可用的体系见 cpxl systems）。")
        warnings.append(f"审核总表的“指标体系”工作表为空，按指定的指标体系“{given.name}”评分。")
        return given, f"指定的指标体系“{given.name}”", warnings
    ids = {_text(r.get("indicator_id")) for r in sheet}
    chosen: IndicatorSystem | None = None
    source = "审核总表“指标体系”工作表"
    for info in list_systems():
        shipped = load_system(info.path)
        if {i.id for i in shipped.indicators()} != ids:
            continue
        if _same_rows(sheet, system_rows(shipped)):
            chosen, source = shipped, f"审核总表“指标体系”工作表（与内置指标体系“{shipped.name}”一致）"
        else:
            chosen = system_from_sheet(sheet, base=shipped)
            source = f"审核总表“指标体系”工作表（在内置指标体系“{shipped.name}”基础上有修改）"
            warnings.append(f"“指标体系”工作表的指标编号与内置指标体系“{shipped.name}”相同，但权重或基准值有改动，"
                            "已按工作表评分（评价选项沿用内置体系）。")
        break
    if chosen is None:
        chosen = system_from_sheet(sheet)
        warnings.append("“指标体系”工作表不是内置指标体系，按工作表评分；评价选项取通则缺省值"
                        "（Y_I≥85、Y_II≥85、Y_III=100，加分项累加并封顶 100）。")
    if given is not None and given.id != chosen.id:
        warnings.append(f"已按审核总表“指标体系”工作表评分，未使用指定的指标体系“{given.name}”；"
                        "如需改用，请先清空或替换该工作表。")
    return chosen, source, warnings


# --------------------------------------------------------------------------- values


def _level_number(text: Any) -> int | None:
    t = unicodedata.normalize("NFKC", _text(text)).replace(" ", "").upper()
    t = t.replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III")
    if not t:
        return None
    if "未达" in t or "不达" in t or t in ("0", "无", "否"):
        return 0
    t = t.removesuffix("级").removeprefix("达到")
    return {"I": 1, "II": 2, "III": 3, "1": 1, "2": 2, "3": 3, "一": 1, "二": 2, "三": 3}.get(t)


def _row_value(ind: Indicator, row: Mapping[str, Any]) -> tuple[Any, str | None, str]:
    """(value for scoring or None, self level label, reason when missing) of a reported/audited row."""
    if _text(row.get("not_applicable")) == "是":
        return NOT_APPLICABLE, None, ""
    if ind.qualitative:
        n = _level_number(row.get("self_level"))
        if n is None:
            v = _num(row.get("value"))
            n = int(v) if v is not None and v in (0, 1, 2, 3) else None
        if n is None:
            bad = _text(row.get("self_level"))
            return None, None, f"自评等级“{bad}”无效" if bad else "未选择自评等级"
        return n, _ACHIEVED_LABEL[n], ""
    v = _num(row.get("value"))
    if v is None:
        return None, None, "只填写了自评等级，缺少定量指标值" if _text(row.get("self_level")) else "未填写指标值"
    return v, None, ""


def _source_of(quantity: str | None) -> str:
    q = quantity or ""
    if q.startswith("energy"):
        return _SOURCE_SHEET["energy"]
    if q.startswith("water"):
        return _SOURCE_SHEET["water"]
    if "agent" in q:
        return _SOURCE_SHEET["agent"]
    if "ash" in q or "solid_waste" in q:
        return _SOURCE_SHEET["ash"]
    if q.startswith("co2"):
        return _SOURCE_SHEET["co2"]
    return "汇总_B.2产品产量"


def build_values(system: IndicatorSystem, year: int, reported: Mapping[str, Mapping[str, Any]],
                 audited: Mapping[str, Mapping[str, Any]], derived: Mapping[str, Derived] | None
                 ) -> dict[str, ValueEntry]:
    """One enterprise's values for ``year``: indicator id → :class:`ValueEntry`.

    Priority: 审核组核定 → 不适用 reported by the enterprise → for a derived quantity the computed value
    (else the reported one) → for other indicators the reported value (else a computed one, if any).
    """
    derived = derived or {}
    out: dict[str, ValueEntry] = {}
    for ind in system.indicators():
        iid = ind.id
        if iid in audited:
            v, label, reason = _row_value(ind, audited[iid])
            out[iid] = ValueEntry(iid, year, v, ORIGIN_AUDITED if v is not None else None,
                                  _text(audited[iid].get("basis")) or "审核组核定",
                                  f"“指标值汇总”中审核组核定的行{reason}" if reason else "", label)
            continue
        rep = reported.get(iid)
        rv, rlabel, rreason = _row_value(ind, rep) if rep is not None else (None, None, "企业未填报该指标")
        rbasis = _text(rep.get("basis")) if rep is not None else ""
        if rv == NOT_APPLICABLE:
            out[iid] = ValueEntry(iid, year, rv, ORIGIN_REPORTED, rbasis or "企业填报：不适用")
            continue
        d = derived.get(ind.quantity) if ind.quantity else None
        dv, dnote = to_indicator_unit(d, ind.unit) if d is not None else (None, None)
        dwarn = (dnote,) if dnote and "不一致" in dnote else ()
        computed = ValueEntry(iid, year, dv, ORIGIN_DERIVED, d.basis + (f"（{dnote}）" if dnote else ""), "", None, d,
                              dwarn) if d is not None and dv is not None else None
        why_not = "；".join(d.problems) if d is not None and dv is None else ""
        if ind.quantity in DERIVED_QUANTITIES:
            if computed is not None:
                if isinstance(rv, (int, float)) and not ind.qualitative:
                    computed.basis += f"（企业另填报 {rv:g}{ind.unit}，以计算值为准）"
                out[iid] = computed
            elif rv is not None:
                out[iid] = ValueEntry(iid, year, rv, ORIGIN_REPORTED,
                                      "；".join(p for p in (rbasis, f"由填报数据无法计算（{why_not or '未计算'}），采用企业填报值")
                                               if p), "", rlabel, d)
            else:
                reason = why_not or f"无法计算（计算量 {ind.quantity}）"
                out[iid] = ValueEntry(iid, year, None, None, "", reason, None, d)
            continue
        if rv is not None:
            out[iid] = ValueEntry(iid, year, rv, ORIGIN_REPORTED, rbasis, "", rlabel)
        elif computed is not None:
            computed.basis = f"企业未填报，采用由填报数据计算的值：{computed.basis}"
            out[iid] = computed
        else:
            out[iid] = ValueEntry(iid, year, None, None, "", rreason + (f"；由填报数据也无法计算（{why_not}）"
                                                                         if why_not else ""), None, d)
    return out


# --------------------------------------------------------------------------- statistics


def quartiles(xs: Sequence[float]) -> tuple[float, float, float]:
    """Q1, median, Q3 as Excel's QUARTILE.INC (linear interpolation, inclusive)."""
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(sorted(xs), n=4, method="inclusive")
    return q[0], q[1], q[2]


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%".replace(".0%", "%")


def _g(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:,.0f}"


def _dimension_name(ind: Indicator) -> str:
    return DIMENSIONS.get(ind.dimension, "未归类")


def _direction_zh(ind: Indicator) -> str:
    return {"lower_better": "越小越好", "higher_better": "越大越好"}.get(ind.direction, "定性")


def _names(names: Sequence[str], limit: int = 3) -> str:
    shown = "、".join(names[:limit])
    return shown + (f"等 {len(names)} 家" if len(names) > limit else "")


def indicator_statistics(system: IndicatorSystem, scores: Sequence[EnterpriseScore], common_ids: Iterable[str] = ()
                         ) -> list[IndicatorStats]:
    """The industry distribution of every indicator over the scored enterprises."""
    common = set(common_ids)
    out = []
    for ind in system.indicators():
        rs = [(s.enterprise or "", next(r for r in s.indicators if r.id == ind.id)) for s in scores]
        scored = [(e, r) for e, r in rs if r.status == "scored"]
        n = len(scored)
        counts = {k: sum(1 for _, r in scored if _ACHIEVED_KEY[r.achieved] == k) for k in ("I", "II", "III", "below")}
        at_least = {"I": counts["I"], "II": counts["I"] + counts["II"], "III": n - counts["below"]}
        nums = [(e, float(r.value)) for e, r in rs if not ind.qualitative and r.status in ("scored", "no_benchmark")
                and _num(r.value) is not None]
        xs = [x for _, x in nums]
        q1 = med = q3 = mean = lo = hi = best = advanced = None
        best_names: list[str] = []
        if xs:
            q1, med, q3 = quartiles(xs)
            mean, lo, hi = statistics.fmean(xs), min(xs), max(xs)
            higher = ind.direction == "higher_better"
            best, advanced = (hi, q3) if higher else (lo, q1)
            best_names = [e for e, x in nums if x == best]
        elif ind.qualitative and scored:
            top = min((r.achieved or 4) for _, r in scored)
            if top <= 3:
                best_names = [e for e, r in scored if r.achieved == top]
        n_missing = sum(1 for _, r in rs if r.status in ("missing", "invalid"))
        n_na = sum(1 for _, r in rs if r.status == "not_applicable")
        n_nb = sum(1 for _, r in rs if r.status == "no_benchmark")
        stat = IndicatorStats(
            ind.id, ind.name, ind.unit, _dimension_name(ind), system.category(ind.category_id).name, ind.kind,
            _direction_zh(ind), ind.limiting, n, n_missing, n_na, n_nb, counts,
            {lv: _share(at_least[lv], n) for lv in LEVELS}, _share(counts["below"], n),
            lo, q1, med, q3, hi, mean, best, advanced, best_names,
            {lv: ind.benchmarks[lv].describe(ind.unit) for lv in LEVELS}, ind.id in common, "")
        out.append(replace(stat, conclusion=_indicator_conclusion(ind, stat)))
    return out


def _indicator_conclusion(ind: Indicator, s: IndicatorStats) -> str:
    if not ind.scorable:
        text = "指标体系未给出基准值，不参与评分"
        if s.median is not None:
            text += f"；参评值中位数 {_g(s.median)}{ind.unit}"
        return text + "。"
    if s.n == 0:
        return f"没有企业提供有效数据（缺失 {s.n_missing} 家、不适用 {s.n_not_applicable} 家），无法评价。"
    parts = [f"参评 {s.n} 家，达到Ⅰ级 {s.counts['I']} 家（{_pct(s.share_at_least['I'])}），"
             f"达到Ⅱ级及以上 {s.counts['I'] + s.counts['II']} 家（{_pct(s.share_at_least['II'])}），"
             f"未达Ⅲ级 {s.counts['below']} 家"]
    if s.median is not None:
        unit = ind.unit
        parts.append(f"行业中位数 {_g(s.median)}{unit}，先进值（前 25%）{_g(s.advanced)}{unit}，"
                     f"最优 {_g(s.best)}{unit}（{_names(s.best_enterprises)}）")
    elif s.best_enterprises:
        top = next(n for n, k in ((1, "I"), (2, "II"), (3, "III")) if s.counts[k])
        parts.append(f"最好水平为{_ACHIEVED_LABEL[top]}（{_names(s.best_enterprises)}）")
    if s.n_missing:
        parts.append(f"另有 {s.n_missing} 家缺少数据")
    if s.common:
        parts.append("判定为行业关键共性问题")
    return "；".join(p for p in parts if p) + "。"


def find_common_problems(system: IndicatorSystem, scores: Sequence[EnterpriseScore], share: float, level: str = "II",
                         usccs: Sequence[str] | None = None) -> list[CommonProblem]:
    """Indicators that at least ``share`` (a fraction) of the enterprises with a scored value miss at ``level``."""
    usccs = list(usccs) if usccs is not None else [s.enterprise or "" for s in scores]
    found = []
    for order, ind in enumerate(system.indicators()):
        if not ind.scorable:
            continue
        rs = [(u, s.enterprise or "", next(r for r in s.indicators if r.id == ind.id))
              for u, s in zip(usccs, scores, strict=True)]
        scored = [(u, e, r) for u, e, r in rs if r.status == "scored"]
        n = len(scored)
        below = [(u, e, r) for u, e, r in scored if not r.meets[level]]
        if not n or not below or len(below) < share * n - 1e-9:
            continue
        xs = [float(r.value) for _, _, r in scored if not ind.qualitative]
        found.append((order, CommonProblem(
            0, ind.id, ind.name, _dimension_name(ind), ind.limiting, level, n, len(below), len(below) / n,
            sum(1 for _, _, r in scored if r.achieved == 0),
            sum(1 for _, _, r in rs if r.status in ("missing", "invalid")), ind.requirement(level),
            quartiles(xs)[1] if xs else None, [e for _, e, _ in below], [u for u, _, _ in below])))
    found.sort(key=lambda oc: (-oc[1].share, -oc[1].n_below_iii, not oc[1].limiting, oc[0]))
    return [replace(c, rank=i) for i, (_, c) in enumerate(found, start=1)]


def dimension_summaries(system: IndicatorSystem, stats: Sequence[IndicatorStats],
                        common: Sequence[CommonProblem]) -> list[DimensionSummary]:
    """One summary per 5.2.3 dimension (and 未归类 if some indicators have no dimension)."""
    common_ids = {c.indicator_id for c in common}
    by_dim: dict[str, list[IndicatorStats]] = {}
    for s in stats:
        by_dim.setdefault(s.dimension, []).append(s)
    names = list(DIMENSIONS.values()) + (["未归类"] if "未归类" in by_dim else [])
    out = []
    for name in names:
        ss = by_dim.get(name, [])
        did = _DIM_IDS.get(name, "unclassified")
        if not ss:
            out.append(DimensionSummary(did, name, [], 0, 0, 0, 0, dict.fromkeys(LEVELS), None, [],
                                        "指标体系中没有对应指标，需由审核小组结合现场考察，采用专家经验法等补充评价。"))
            continue
        cells = sum(s.n for s in ss)
        at_least = {"I": sum(s.counts["I"] for s in ss)}
        at_least["II"] = at_least["I"] + sum(s.counts["II"] for s in ss)
        at_least["III"] = cells - sum(s.counts["below"] for s in ss)
        below = sum(s.counts["below"] for s in ss)
        com = [s.indicator_id for s in ss if s.indicator_id in common_ids]
        missing = sum(s.n_missing for s in ss)
        text = f"本维度 {len(ss)} 项指标（限定性 {sum(s.limiting for s in ss)} 项）"
        if cells:
            text += (f"，企业×指标共 {cells} 项次，达到Ⅱ级及以上占 {_pct(_share(at_least['II'], cells))}，"
                     f"未达Ⅲ级占 {_pct(_share(below, cells))}")
        else:
            text += "，没有可评价的数据"
        names_common = "、".join(f"「{s.name}」" for s in ss if s.indicator_id in common_ids)
        text += f"；行业关键共性问题 {len(com)} 项：{names_common}" if com else "；无行业关键共性问题"
        if missing:
            text += f"；缺失数据 {missing} 项次"
        out.append(DimensionSummary(did, name, [s.indicator_id for s in ss], sum(s.limiting for s in ss), cells,
                                    missing, sum(s.n_not_applicable for s in ss),
                                    {lv: _share(at_least[lv], cells) for lv in LEVELS}, _share(below, cells), com,
                                    text + "。"))
    return out


# --------------------------------------------------------------------------- audit focus (5.2.2)


_TOXIC_WORDS = ("二噁英", "汞", "镉", "铅", "砷", "铬", "铊", "锑", "镍", "重金属", "有毒有害", "氟化", "HF", "HCl", "氯化氢")
_GHG_WORDS = ("温室气体", "碳排放", "碳减排", "碳足迹", "碳盘查", "二氧化碳", "CO₂", "CO2")
_ENERGY_WORDS = ("能耗", "能源", "节能", "能效", "用能", "电耗", "煤耗")
_WATER_WORDS = ("水消耗", "取水", "用水", "水资源", "节水", "水耗", "水重复利用")
_HEAVY_METALS = ("汞", "镉", "铅", "砷", "铬", "铊", "锡", "锑", "铜", "锰", "镍", "钴", "重金属")

FOCUS_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("heavy_pollution", "5.2.2 被生态环境主管部门纳入重污染行业的，应将特征污染物或有毒有害物质作为审核重点",
     "重污染行业", "特征污染物或有毒有害物质"),
    ("ghg_reporting", "5.2.2 被生态环境主管部门纳入温室气体排放报告与核查工作范围内的行业，应将温室气体作为审核重点之一",
     "温室气体报告核查范围", "温室气体"),
    ("key_energy_user", "5.2.2 被纳入节能或节水主管部门重点用水行业的，应将能源或水资源作为审核重点（重点用能）",
     "重点用能单位", "能源"),
    ("key_water_user", "5.2.2 被纳入节能或节水主管部门重点用水行业的，应将能源或水资源作为审核重点（重点用水）",
     "重点用水单位", "水资源"),
    ("mandated_focus", "5.2.2 主管部门公布的依法实施审核企业名单中，有明确审核方向和要素要求的，应将其作为审核重点",
     "名单明确的审核方向", ""),
)


def _ind_text(system: IndicatorSystem, ind: Indicator) -> str:
    return f"{ind.name} {system.category(ind.category_id).name} {ind.quantity or ''}"


def _is_ghg(system: IndicatorSystem, ind: Indicator) -> bool:
    return (ind.quantity or "").startswith("co2") or any(w in _ind_text(system, ind) for w in _GHG_WORDS)


def focus_indicators(system: IndicatorSystem, direction: str) -> list[str]:
    """Indicator ids of the system that belong to a 5.2.2 focus direction (rule id or free text)."""
    inds = list(system.indicators())
    if direction == "heavy_pollution":
        return [i.id for i in inds if (i.dimension == "pollutant_emission" and not _is_ghg(system, i))
                or any(w in i.name for w in ("有毒有害",))]
    if direction == "ghg_reporting":
        return [i.id for i in inds if _is_ghg(system, i)]
    if direction == "key_energy_user":
        return [i.id for i in inds if (i.quantity or "").startswith("energy")
                or any(w in _ind_text(system, i) for w in _ENERGY_WORDS)]
    if direction == "key_water_user":
        return [i.id for i in inds if (i.quantity or "").startswith("water")
                or any(w in _ind_text(system, i) for w in _WATER_WORDS)]
    # free text of 名单明确的审核方向
    found: list[str] = []
    for token in re.split(r"[、，,；;\s/]+", unicodedata.normalize("NFKC", direction)):
        if not token:
            continue
        if token in ("能源", "节能", "能耗"):
            found += focus_indicators(system, "key_energy_user")
        elif token in ("水", "水资源", "节水", "用水"):
            found += focus_indicators(system, "key_water_user")
        elif token in ("温室气体", "碳排放", "碳", "二氧化碳", "减污降碳"):
            found += focus_indicators(system, "ghg_reporting")
        elif token in ("特征污染物", "有毒有害物质", "有毒有害"):
            found += focus_indicators(system, "heavy_pollution")
        elif token == "重金属":
            found += [i.id for i in inds if any(w in i.name for w in _HEAVY_METALS)]
        else:
            stem = token.removesuffix("类").removesuffix("及其化合物") or token
            found += [i.id for i in inds if stem in i.name]
    return list(dict.fromkeys(found))


def audit_focus(system: IndicatorSystem, enterprises: Sequence[Mapping[str, Any]], share: float
                ) -> tuple[list[FocusRule], dict[str, list[tuple[str, list[str]]]], list[str]]:
    """The 5.2.2 rules at industry level, each enterprise's own focus (uscc → [(direction text, ids)]), and warnings."""
    n = len(enterprises)
    rules: list[FocusRule] = []
    per: dict[str, list[tuple[str, list[str]]]] = {_text(e.get("uscc")): [] for e in enterprises}
    warnings = []
    for rule, clause, flag, direction in FOCUS_RULES:
        if rule == "mandated_focus":
            texts: dict[str, list[tuple[str, str]]] = {}
            for e in enterprises:
                t = _text(e.get(rule))
                if t and t not in ("无", "否", "—"):
                    texts.setdefault(t, []).append((_text(e.get("uscc")), _text(e.get("name"))))
            for t, ents in texts.items():
                ids = focus_indicators(system, t)
                rules.append(_focus_rule(rule, clause, flag, t, ents, n, 0, share, ids))
                for u, _ in ents:
                    per.setdefault(u, []).append((f"{t}（{flag}）", ids))
            continue
        yes = [(_text(e.get("uscc")), _text(e.get("name"))) for e in enterprises if _text(e.get(rule)) == "是"]
        unknown = [_text(e.get("name")) for e in enterprises if _text(e.get(rule)) not in ("是", "否")]
        if unknown:
            warnings.append(f"“企业名单”中 {len(unknown)} 家企业未填写“{flag}”（{_names(unknown)}），"
                            f"未计入 5.2.2 审核重点的判定，请补填。")
        ids = focus_indicators(system, rule)
        rules.append(_focus_rule(rule, clause, flag, direction, yes, n, len(unknown), share, ids))
        for u, _ in yes:
            per.setdefault(u, []).append((f"{direction}（{flag}）", ids))
    return rules, per, warnings


def _focus_rule(rule: str, clause: str, flag: str, direction: str, ents: list[tuple[str, str]], n: int,
                n_unknown: int, share: float, ids: list[str]) -> FocusRule:
    s = len(ents) / n if n else 0.0
    industry = bool(ents) and len(ents) >= share * n - 1e-9
    if not ents:
        note = "名单中没有企业属于此情形"
    elif industry:
        note = f"涉及企业占比 {_pct(s)}，不低于判定比例 {_pct(share)}，列为行业审核重点"
    else:
        note = f"涉及企业占比 {_pct(s)}，低于判定比例 {_pct(share)}，列为相关企业的审核重点（见“诊断结果”）"
    if industry and not ids:
        note += "；指标体系中没有与此方向对应的指标，请审核小组补充确定诊断内容"
    return FocusRule(rule, clause, flag, direction, ents, n, n_unknown, s, industry, ids if industry else [], note)


# --------------------------------------------------------------------------- per enterprise


def _limiting_failures(s: EnterpriseScore) -> list[str]:
    return [r.id for r in s.indicators if r.limiting and r.status == "scored" and r.achieved == 0]


def _individual(system: IndicatorSystem, s: EnterpriseScore, values: Mapping[str, ValueEntry],
                common_ids: set[str]) -> list[dict[str, Any]]:
    out = []
    for iid in _limiting_failures(s):
        ind = system.indicator(iid)
        out.append({"indicator_id": iid, "name": ind.name, "kind": "limiting_failure", "common": iid in common_ids,
                    "requirement": ind.requirement("III"),
                    "message": f"限定性指标「{ind.name}」未达到Ⅲ级；{ind.requirement('III')}"})
    for b in s.blockers:
        out.append({"indicator_id": b.indicator_id, "name": b.name, "kind": "blocker", "common": b.indicator_id in common_ids,
                    "target_level": b.target_level, "requirement": b.requirement, "reasons": list(b.reasons),
                    "gain": b.gain, "message": b.message})
    for r in s.indicators:
        if r.status in ("missing", "invalid"):
            out.append({"indicator_id": r.id, "name": r.name, "kind": "missing", "common": False, "requirement": "",
                        "message": f"缺少「{r.name}」的数据：{values[r.id].reason or '未填报'}"})
    return out


# --------------------------------------------------------------------------- diagnose


def _enterprise_list(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The enterprise list, plus enterprises that reported data without being on it (with a warning)."""
    out, seen, warnings = [], set(), []
    for e in data.get("enterprises", ()):
        u = _text(e.get("uscc"))
        if not u or u in seen:
            continue
        seen.add(u)
        out.append({**e, "uscc": u, "name": _text(e.get("name")) or u})
    extra: dict[str, str] = {}
    for key, rows in data.items():
        if key.startswith("all_ent_"):
            for r in rows:
                u = _text(r.get("ent_uscc"))
                if u and u not in seen:
                    extra.setdefault(u, _text(r.get("ent_name")) or u)
    for u, name in extra.items():
        out.append({"uscc": u, "name": name})
        warnings.append(f"企业「{name}」（{u}）有报送数据，但不在“企业名单”中，已一并诊断；请补入企业名单。")
    return out, warnings


def _year(data: Mapping[str, Sequence[Mapping[str, Any]]], opts: DiagnosisOptions) -> tuple[int, list[str]]:
    if opts.year:
        return int(opts.year), []
    audit = (data.get("audit_task") or [{}])[0]
    y = audit.get("statistical_year")
    if isinstance(y, int):
        return y, []
    years = [r["year"] for k in ("all_ent_indicators", "all_ent_products") for r in data.get(k, ())
             if isinstance(r.get("year"), int)]
    if not years:
        raise DiagnosisError("审核任务没有填写统计期（年），企业报送数据中也没有年份：请在“审核任务”中填写统计期。")
    return max(years), [f"“审核任务”未填写统计期，按企业数据中最近的年份 {max(years)} 年诊断。"]


def diagnose(root: Path, system: str | None = None,
             options: DiagnosisOptions | Mapping[str, Any] | None = None) -> DiagnosisResult:
    """Diagnose the audit in folder ``root`` (or the master workbook ``root`` itself); see the module doc.

    ``system`` (a shipped id or a file) is used when the master's 指标体系 sheet is empty.
    Raises :class:`DiagnosisError` / ``FileNotFoundError`` (Chinese messages) when it cannot run.
    """
    from cpxl.book.xlsxread import read_master_data

    root = Path(root)
    master = root if root.suffix.lower() in (".xlsx", ".xlsm") and root.is_file() else AuditFolder(root).require_master()
    opts = DiagnosisOptions.make(options)
    data = read_master_data(master)
    result = diagnose_data(data, system, opts)
    result.master = master
    if opts.write:
        write_results(master, result, data.get("indicator_values", ()))
    return result


def diagnose_data(data: Mapping[str, Sequence[Mapping[str, Any]]], system: str | Path | IndicatorSystem | None = None,
                  options: DiagnosisOptions | Mapping[str, Any] | None = None) -> DiagnosisResult:
    """The diagnosis over master data already read (``read_master_data``); nothing is written."""
    opts = DiagnosisOptions.make(options)
    try:
        sys_, source, warnings = choose_system(data.get("indicator_system", ()), system)
    except (FileNotFoundError, ValueError) as exc:
        raise DiagnosisError(str(exc)) from exc
    year, w = _year(data, opts)
    warnings += w
    settings = (data.get("plan_settings") or [{}])[0]
    if opts.common_share is not None:
        share = _fraction(float(opts.common_share))
    elif _num(settings.get("common_share")) is not None:
        share = _fraction(float(settings["common_share"]))
        warnings.append(f"共性问题判定比例取“方案参数设置”中的 {100 * share:g}%。")
    else:
        share = 0.30
    ents, w = _enterprise_list(data)
    warnings += w
    years = list(range(year - opts.years_back, year + 1))
    derived = derive_all(data, years, opts.derive)

    reported: dict[tuple[str, int], dict[str, Mapping[str, Any]]] = {}
    for r in data.get("all_ent_indicators", ()):
        if isinstance(r.get("year"), int) and _text(r.get("indicator_id")):
            reported.setdefault((_text(r.get("ent_uscc")), r["year"]), {})[_text(r["indicator_id"])] = r
    audited: dict[tuple[str, int], dict[str, Mapping[str, Any]]] = {}
    for r in data.get("indicator_values", ()):
        if _text(r.get("origin")) == ORIGIN_AUDITED and isinstance(r.get("year"), int):
            audited.setdefault((_text(r.get("uscc")), r["year"]), {})[_text(r.get("indicator_id"))] = r

    has_data = set(derived)
    values_by_year: dict[int, dict[str, dict[str, ValueEntry]]] = {}
    for y in years:
        values_by_year[y] = {e["uscc"]: build_values(sys_, y, reported.get((e["uscc"], y), {}),
                                                     audited.get((e["uscc"], y), {}),
                                                     derived.get(e["uscc"], {}).get(y)) for e in ents}
    values = values_by_year[year]
    scoring_opts = dict(opts.scoring or {})
    try:
        table = score_table(sys_, [{"enterprise": e["name"], **_score_input(values[e["uscc"]])} for e in ents],
                            scoring_opts or None)
        earlier = {y: score_table(sys_, [{"enterprise": e["name"], **_score_input(values_by_year[y][e["uscc"]])}
                                         for e in ents], scoring_opts or None) for y in years if y != year}
    except TemplateSystemError as exc:
        raise DiagnosisError(str(exc)) from exc
    usccs = [e["uscc"] for e in ents]
    common = find_common_problems(sys_, table.enterprises, share, opts.common_level, usccs)
    common_ids = {c.indicator_id for c in common}
    stats = indicator_statistics(sys_, table.enterprises, common_ids)
    dims = dimension_summaries(sys_, stats, common)
    rules, per_focus, w = audit_focus(sys_, ents, opts.focus_share)
    warnings += w

    diagnoses = []
    for e, s in zip(ents, table.enterprises, strict=True):
        u = e["uscc"]
        focus = per_focus.get(u, [])
        d = EnterpriseDiagnosis(u, e["name"], u in has_data, values[u], s, [f for f, _ in focus],
                                list(dict.fromkeys(i for _, ids in focus for i in ids)))
        d.individual = _individual(sys_, s, values[u], common_ids)
        diagnoses.append(d)
    problems = _problems(sys_, year, diagnoses)
    return DiagnosisResult(None, year, sys_, source, replace(opts, common_share=share), diagnoses, table, stats, dims,
                           common, rules, problems, warnings, derived, [], values_by_year, {**earlier, year: table})


def _score_input(values: Mapping[str, ValueEntry]) -> dict[str, Any]:
    return {iid: v.value for iid, v in values.items() if v.value is not None}


def _problems(system: IndicatorSystem, year: int, diagnoses: Sequence[EnterpriseDiagnosis]) -> list[Problem]:
    out: list[Problem] = []
    no_benchmark: set[str] = set()
    for d in diagnoses:
        who = f"企业「{d.name}」"
        if not d.has_data and not any(v.origin for v in d.values.values()):
            out.append(Problem("diagnosis.no_data", "error",
                               f"{who}（{d.uscc}）尚未报送数据：汇总表中没有该企业的记录，{year} 年全部指标缺失，等级记为“数据不全”。",
                               "督促企业报送填报模板，经 cpxl ingest 导入后重新运行 cpxl diagnose。",
                               sheet="企业名单", enterprise=d.uscc))
            continue
        for iid, v in d.values.items():
            ind = system.indicator(iid)
            for w in v.warnings:
                out.append(Problem("diagnosis.unit_mismatch", "warning", f"{who}指标「{ind.name}」（{iid}）：{w}。",
                                   "核对指标体系中的单位。", sheet="指标体系", field=ind.name, enterprise=d.uscc))
            if v.value is not None:
                continue
            derived_q = ind.quantity in DERIVED_QUANTITIES
            sheet = _source_of(ind.quantity) if derived_q else "汇总_行业指标填报"
            fix = ("请企业补报相关的附录B数据（或在“行业指标填报”中直接填写该指标值），重新导入后再诊断；"
                   "审核组核定的值可在“指标值汇总”中以来源“审核组核定”填写。" if derived_q else
                   "请企业在“行业指标填报”中补填该指标（定量填数值，定性选自评等级，不适用选“是”），重新导入后再诊断。")
            out.append(Problem("diagnosis.missing_value", "error",
                               f"{who}缺少指标「{ind.name}」（{iid}）的 {year} 年数据：{v.reason or '未填报'}。"
                               "该指标暂按未达标计，等级为暂定。", fix, sheet=sheet, field=ind.name, enterprise=d.uscc))
        for p in d.score.problems:
            if p.rule in ("missing_value", "invalid_value"):
                continue
            if p.rule == "no_benchmark":
                no_benchmark.add(p.field or "")
                continue
            out.append(Problem(f"scoring.{p.rule}", p.severity, f"{who}：{p.message}", sheet="诊断结果",
                               field=p.field or "", enterprise=d.uscc))
    for iid in sorted(no_benchmark):
        ind = system.indicator(iid)
        out.append(Problem("scoring.no_benchmark", "warning",
                           f"指标「{ind.name}」（{iid}）在指标体系中没有给出基准值，不参与评分（按不适用处理）。",
                           "如有适用的基准值，请在“指标体系”工作表中补充。", sheet="指标体系", field=ind.name))
    return out


# --------------------------------------------------------------------------- writing


def _fit(key: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Only the schema's fields; texts cut to the field's maximum length."""
    s = schema.load(key)
    out = []
    for r in rows:
        row = {}
        for f in s.fields:
            v = r.get(f.name)
            if isinstance(v, str) and f.max_length and len(v) > f.max_length:
                v = v[: f.max_length - 1] + "…"
            if isinstance(v, float) and not math.isfinite(v):
                v = None
            row[f.name] = v
        out.append(row)
    return out


def _r(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(x, digits)


def _pct100(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 2)


def _level_of(r: IndicatorResult) -> str:
    if r.status == "scored":
        return _ACHIEVED_LABEL[r.achieved]  # type: ignore[index]
    return {"not_applicable": "不适用", "no_benchmark": "无基准值"}.get(r.status, "缺失")


def value_rows(result: DiagnosisResult, existing: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """The 指标值汇总 long table: every indicator of every enterprise for the statistical year, the values found
    for the years before, and every 审核组核定 row of the sheet (kept as typed)."""
    by_year, scores = result.values_by_year, result.scores_by_year
    inds = {i.id: i for i in result.system.indicators()}
    out, done = [], set()
    audited = {(_text(r.get("uscc")), r.get("year"), _text(r.get("indicator_id"))): r for r in existing
               if _text(r.get("origin")) == ORIGIN_AUDITED}
    for y in sorted(by_year):
        for e, s in zip(result.enterprises, scores[y].enterprises, strict=True):
            results = {r.id: r for r in s.indicators}
            for iid, v in by_year[y][e.uscc].items():
                if y != result.year and v.origin is None:
                    continue
                ind = inds[iid]
                key = (e.uscc, y, iid)
                done.add(key)
                level = _level_of(results[iid])
                if key in audited:
                    out.append({**audited[key], "enterprise": audited[key].get("enterprise") or e.name,
                                "indicator": ind.name, "unit": ind.unit, "level": level})
                    continue
                qualitative_level = v.self_level if ind.qualitative else None
                out.append({
                    "uscc": e.uscc, "enterprise": e.name, "year": y, "indicator_id": iid,
                    "value": _r(v.value) if isinstance(v.value, float) and not ind.qualitative else None,
                    "self_level": qualitative_level, "not_applicable": "是" if v.value == NOT_APPLICABLE else "否",
                    "origin": v.origin, "indicator": ind.name, "unit": ind.unit, "level": level,
                    "basis": v.basis if v.origin else f"缺少数据：{v.reason}",
                })
    out += [dict(r) for k, r in audited.items() if k not in done]
    return out


def diagnosis_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    rows = []
    for d in result.enterprises:
        s = d.score
        missing = [f"「{r.name}」（{d.values[r.id].reason or '未填报'}）" for r in s.indicators
                   if r.status in ("missing", "invalid")]
        if not d.has_data and not any(v.origin for v in d.values.values()):
            missing = ["全部指标（企业尚未报送数据）"]
        rows.append({
            "uscc": d.uscc, "enterprise": d.name, "y1": round(s.y["I"], 2), "y2": round(s.y["II"], 2),
            "y3": round(s.y["III"], 2), "level": d.level_label,
            "limiting_failures": "、".join(_limiting_failures(s)),
            "blockers": "、".join(b.indicator_id for b in s.blockers),
            "missing": "、".join(missing), "year": result.year, "provisional_level": SHEET_LEVEL[s.level],
            "next_level": SHEET_LEVEL[s.next_level] if s.next_level else None,
            "blocker_details": "\n".join(b.message for b in s.blockers),
            "audit_focus": "；".join(d.focus),
        })
    return rows


def stats_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    rows = []
    by_dim: dict[str, list[IndicatorStats]] = {}
    for s in result.indicator_stats:
        by_dim.setdefault(s.dimension, []).append(s)
    for dim in result.dimensions:
        rows.append({"dimension": dim.name, "row_type": "维度汇总", "indicator": dim.name,
                     "n_indicators": len(dim.indicators), "n_assessed": dim.cells, "n_missing": dim.n_missing,
                     "n_not_applicable": dim.n_not_applicable,
                     "share_i": _pct100(dim.share_at_least["I"]), "share_ii": _pct100(dim.share_at_least["II"]),
                     "share_iii": _pct100(dim.share_at_least["III"]), "share_below_iii": _pct100(dim.share_below_iii),
                     "conclusion": dim.conclusion})
        for s in by_dim.get(dim.name, []):
            rows.append({
                "dimension": dim.name, "row_type": "指标", "indicator_id": s.indicator_id, "indicator": s.name,
                "unit": s.unit, "direction": s.direction, "limiting": "是" if s.limiting else "否",
                "n_assessed": s.n, "n_missing": s.n_missing, "n_not_applicable": s.n_not_applicable,
                "min": _r(s.min), "q1": _r(s.q1), "median": _r(s.median), "q3": _r(s.q3), "max": _r(s.max),
                "mean": _r(s.mean), "best": _r(s.best), "advanced": _r(s.advanced),
                "best_enterprise": _names(s.best_enterprises), "share_i": _pct100(s.share_at_least["I"]),
                "share_ii": _pct100(s.share_at_least["II"]), "share_iii": _pct100(s.share_at_least["III"]),
                "share_below_iii": _pct100(s.share_below_iii), "level2": s.benchmarks["II"],
                "common": "是" if s.common else "否", "conclusion": s.conclusion,
            })
    return rows


def common_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    return [{"rank": c.rank, "indicator_id": c.indicator_id, "indicator": c.name, "dimension": c.dimension,
             "limiting": "是" if c.limiting else "否", "required_level": SHEET_LEVEL[c.required_level],
             "n_assessed": c.n_assessed, "n_below": c.n_below, "share_below": round(100 * c.share, 2),
             "n_below_iii": c.n_below_iii, "n_missing": c.n_missing, "requirement": c.requirement,
             "median": _r(c.median), "enterprises": "、".join(c.enterprises)} for c in result.common_problems]


def focus_rows(result: DiagnosisResult) -> list[dict[str, Any]]:
    inds = {i.id: i.name for i in result.system.indicators()}
    return [{"rule": r.clause, "flag": r.flag, "focus": r.focus, "n_enterprises": len(r.enterprises),
             "n_total": r.n_total, "n_unknown": r.n_unknown, "share_enterprises": round(100 * r.share, 2),
             "industry_focus": "是" if r.industry_focus else "否", "indicators": "、".join(r.indicators),
             "indicator_names": "、".join(inds[i] for i in r.indicators),
             "enterprises": "、".join(n for _, n in r.enterprises), "note": r.note} for r in result.focus_rules]


def write_results(master: Path, result: DiagnosisResult, existing_values: Sequence[Mapping[str, Any]] = ()) -> Path:
    """Write every result sheet and the 诊断矩阵 into ``master`` in one atomic step."""
    from cpxl.book.masterio import update_master

    rows = {
        "indicator_values": _fit("indicator_values", value_rows(result, existing_values)),
        "diagnosis": _fit("diagnosis", diagnosis_rows(result)),
        "industry_stats": _fit("industry_stats", stats_rows(result)),
        "common_problems": _fit("common_problems", common_rows(result)),
        "audit_focus": _fit("audit_focus", focus_rows(result)),
    }

    def extra(wb: Any) -> None:
        _repair_headers(wb)
        build_matrix(wb, result)
        _order_sheets(wb)

    update_master(master, rows, extra=extra)
    result.written = [schema.load(k).sheet for k in _WRITTEN] + [MATRIX_SHEET]
    return master


def _repair_headers(wb: Any) -> None:
    """A master made before these sheets gained columns: rebuild the sheet (it holds only cpxl's output)."""
    from cpxl.book.layout import HEADER_ROW
    from cpxl.book.xlsxwrite import ListRegistry, write_sheet

    for key in _WRITTEN:
        s = schema.load(key)
        if s.sheet not in wb.sheetnames:
            continue
        ws = wb[s.sheet]
        want = [f.header + (" *" if f.required else "") for f in s.fields]
        have = [ws.cell(HEADER_ROW, j).value for j in range(1, len(want) + 1)]
        if have == want and ws.cell(HEADER_ROW, len(want) + 1).value in (None, ""):
            continue
        index = wb.sheetnames.index(s.sheet)
        wb.remove(ws)
        new, _ = write_sheet(wb, s, ListRegistry(wb))
        wb.move_sheet(new, offset=index - wb.sheetnames.index(s.sheet))


def _order_sheets(wb: Any) -> None:
    """Sheets added to an older master go to its end: put them after 诊断结果 / 诊断矩阵, in schema order."""
    prev = MATRIX_SHEET
    for key in ("industry_stats", "common_problems", "audit_focus"):
        name = schema.load(key).sheet
        if name in wb.sheetnames and prev in wb.sheetnames:
            want = wb.sheetnames.index(prev) + 1
            have = wb.sheetnames.index(name)
            if have != want:
                wb.move_sheet(name, offset=want - have if have > want else want - have - 1)
        prev = name


# --------------------------------------------------------------------------- the matrix sheet


def build_matrix(wb: Any, result: DiagnosisResult) -> None:
    """(Re)build the 诊断矩阵 sheet: enterprises × indicators, each cell coloured by the level it reaches."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from cpxl.book.xlsxwrite import BODY_FONT, BORDER, HEADER_FILL, TITLE_FONT, put

    if MATRIX_SHEET in wb.sheetnames:
        wb.remove(wb[MATRIX_SHEET])
    after = schema.load("diagnosis").sheet
    index = wb.sheetnames.index(after) + 1 if after in wb.sheetnames else len(wb.sheetnames)
    ws = wb.create_sheet(MATRIX_SHEET, index)
    ws.sheet_properties.tabColor = "2F75B5"
    fills = {k: PatternFill("solid", fgColor=v) for k, v in LEVEL_FILLS.items()}
    bold = Font(name=BODY_FONT.name, bold=True)
    small = Font(name=BODY_FONT.name, size=9, color="595959")
    fixed = ("序号", "企业名称", "统一社会信用代码", "清洁生产水平", "Y_I", "Y_II", "Y_III")
    first_ind = len(fixed) + 1
    first_row = 6
    system = result.system
    inds = list(system.indicators())

    put(ws.cell(1, 1), f"清洁生产水平诊断矩阵（{result.year} 年，{system.name}）")
    ws.cell(1, 1).font = TITLE_FONT
    put(ws.cell(2, 1), "图例：")
    ws.cell(2, 1).font = bold
    legend = (("I", "Ⅰ级"), ("II", "Ⅱ级"), ("III", "Ⅲ级"), ("below", "未达Ⅲ级"), ("missing", "缺失"),
              ("not_applicable", "不适用/无基准值"))
    for j, (k, label) in enumerate(legend, start=2):
        c = ws.cell(2, j)
        put(c, label)
        c.fill, c.border, c.alignment = fills[k], BORDER, Alignment(horizontal="center")
    put(ws.cell(2, len(legend) + 2), "定量指标显示数值，定性指标显示自评/核定等级；表头带 * 的为限定性指标。")
    ws.cell(2, len(legend) + 2).font = small

    col = first_ind
    for cat in system.categories:
        start = col
        col += len(cat.indicators)
        if not cat.indicators:
            continue
        c = ws.cell(3, start)
        put(c, cat.name + ("（加分项）" if cat.bonus else ""))
        c.font, c.fill, c.alignment = bold, HEADER_FILL, Alignment(horizontal="center")
        if col - 1 > start:
            ws.merge_cells(start_row=3, start_column=start, end_row=3, end_column=col - 1)
    for j, h in enumerate(fixed, start=1):
        c = ws.cell(4, j)
        put(c, h)
        c.font, c.fill, c.border = bold, HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    put(ws.cell(5, 1), "指标编号")
    ws.cell(5, 1).font = small
    for j, ind in enumerate(inds, start=first_ind):
        c = ws.cell(4, j)
        put(c, ind.name + (" *" if ind.limiting else "") + (f"（{ind.unit}）" if ind.unit else ""))
        c.font, c.fill, c.border = bold, HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        put(ws.cell(5, j), ind.id)
        ws.cell(5, j).font = small
        ws.column_dimensions[get_column_letter(j)].width = 13
    ws.row_dimensions[4].height = 75
    for letter, width in zip("ABCDEFG", (6, 30, 22, 12, 8, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width

    level_fill = {"I级": "I", "II级": "II", "III级": "III", "不达标": "below", INCOMPLETE: "missing"}
    r = first_row
    for n, d in enumerate(result.enterprises, start=1):
        s = d.score
        results = {x.id: x for x in s.indicators}
        row_values = (n, d.name, d.uscc, d.level_label, round(s.y["I"], 2), round(s.y["II"], 2), round(s.y["III"], 2))
        for j, v in enumerate(row_values, start=1):
            c = ws.cell(r, j)
            put(c, v)
            c.border, c.font = BORDER, BODY_FONT
        ws.cell(r, 4).fill = fills[level_fill[d.level_label]]
        for j, ind in enumerate(inds, start=first_ind):
            x = results[ind.id]
            c = ws.cell(r, j)
            c.border, c.font = BORDER, BODY_FONT
            c.alignment = Alignment(horizontal="center")
            if x.status == "scored":
                key = _ACHIEVED_KEY[x.achieved]  # type: ignore[index]
                put(c, _MATRIX_LABEL[x.achieved] if ind.qualitative else round(float(x.value), 4))
            elif x.status == "not_applicable":
                key = "not_applicable"
                put(c, "不适用")
            elif x.status == "no_benchmark":
                key = "not_applicable"
                put(c, round(float(x.value), 4) if _num(x.value) is not None else "—")
            else:
                key = "missing"
                put(c, "缺失")
                reason = d.values[ind.id].reason
                if reason:
                    c.comment = Comment(reason[:500], "cpxl", width=300, height=100)
            c.fill = fills[key]
        r += 1

    r += 1
    stats = {s.indicator_id: s for s in result.indicator_stats}
    footer = (("达到Ⅱ级及以上占比（%）", lambda s: _pct100(s.share_at_least["II"])),
              ("行业中位数", lambda s: _r(s.median, 4)),
              ("行业先进值（前 25%）", lambda s: _r(s.advanced, 4)),
              ("行业最优值", lambda s: _r(s.best, 4)))
    for label, fn in footer:
        put(ws.cell(r, 2), label)
        ws.cell(r, 2).font = bold
        for j, ind in enumerate(inds, start=first_ind):
            v = fn(stats[ind.id])
            if v is not None:
                put(ws.cell(r, j), v)
                ws.cell(r, j).alignment = Alignment(horizontal="center")
        r += 1
    ws.freeze_panes = ws.cell(first_row, first_ind)


# --------------------------------------------------------------------------- scoring a table of values


_COLUMN_ALIASES = {
    "enterprise": ("enterprise", "企业", "企业名称", "单位名称", "name"),
    "indicator_id": ("indicator_id", "指标编号", "二级指标编号", "指标id"),
    "value": ("value", "指标值", "值", "数值"),
    "self_level": ("self_level", "自评等级", "等级", "level", "自评/核定等级"),
    "not_applicable": ("not_applicable", "不适用"),
}


def _canonical(key: Any) -> str:
    k = unicodedata.normalize("NFKC", str(key)).strip()
    for name, aliases in _COLUMN_ALIASES.items():
        if k.casefold() in (a.casefold() for a in aliases):
            return name
    return k


def _cell_value(v: Any, ind: Indicator | None) -> Any:
    """A value typed in a file → what the scoring engine expects (numbers, levels 0–3, 不适用, None)."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v
    t = unicodedata.normalize("NFKC", str(v)).strip()
    if not t:
        return None
    if t in (NOT_APPLICABLE, "N/A", "NA", "n/a"):
        return NOT_APPLICABLE
    if ind is not None and ind.qualitative:
        n = _level_number(t)
        if n is not None:
            return n
    try:
        return float(t.replace(",", ""))
    except ValueError:
        return v  # the scoring engine reports it as invalid


def normalise_rows(system: IndicatorSystem, rows: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]]
                   ) -> list[dict[str, Any]]:
    """Wide rows (``enterprise`` + indicator ids), long rows (enterprise/indicator_id/value) or a mapping
    enterprise → values → wide rows with typed values."""
    inds = {i.id: i for i in system.indicators()}
    if isinstance(rows, Mapping):
        rows = [{"enterprise": k, **dict(v)} for k, v in rows.items()]
    rows = [{_canonical(k): v for k, v in r.items()} for r in rows]
    if rows and all("indicator_id" in r for r in rows):
        wide: dict[str, dict[str, Any]] = {}
        for r in rows:
            name = _text(r.get("enterprise")) or "（未填企业名称）"
            iid = _text(r.get("indicator_id"))
            if not iid:
                continue
            if _text(r.get("not_applicable")) == "是":
                v: Any = NOT_APPLICABLE
            elif r.get("value") not in (None, ""):
                v = r.get("value")
            else:
                v = r.get("self_level")
            wide.setdefault(name, {"enterprise": name})[iid] = v
        rows = list(wide.values())
    return [{k: (v if k == "enterprise" else _cell_value(v, inds.get(k))) for k, v in r.items()} for r in rows]


def score_values(system: str | Path | IndicatorSystem,
                 rows: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
                 options: Mapping[str, Any] | None = None) -> TableScore:
    """Score a table of values against one system (the Python face of ``cpxl score``)."""
    sys_ = system if isinstance(system, IndicatorSystem) else load_system(system)
    return score_table(sys_, normalise_rows(sys_, rows), options)


def load_values(path: Path) -> list[dict[str, Any]]:
    """Rows of a values file: .json (a list of rows, ``{"rows": [...]}`` or ``{企业: {指标: 值}}``), .csv or .xlsx
    (first sheet, header in the first row). Raises ``ValueError`` (Chinese) on a bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"找不到指标值文件：{path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"指标值文件 {path.name} 不是合法的 JSON：{exc}") from exc
        if isinstance(data, Mapping) and isinstance(data.get("rows"), list):
            data = data["rows"]
        if isinstance(data, Mapping) and all(isinstance(v, Mapping) for v in data.values()):
            return [{"enterprise": k, **dict(v)} for k, v in data.items()]
        if isinstance(data, list) and all(isinstance(r, Mapping) for r in data):
            return [dict(r) for r in data]
        raise ValueError(f"指标值文件 {path.name} 的结构无法识别：应为行的列表、{{\"rows\": [...]}} 或 {{企业: {{指标编号: 值}}}}")
    if suffix == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ValueError(f"指标值文件 {path.name} 的编码无法识别，请另存为 UTF-8 的 CSV")
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if suffix in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(path))
            grid = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
            raise ValueError(f"无法读取 Excel 文件 {path.name}：{exc}") from exc
        if not grid:
            raise ValueError(f"Excel 文件 {path.name} 的第一个工作表是空的")
        header = [_text(h) for h in grid[0]]
        return [{h: v for h, v in zip(header, line, strict=False) if h and v not in ("", None)}
                for line in grid[1:] if any(v not in ("", None) for v in line)]
    raise ValueError(f"不支持的指标值文件类型“{path.suffix}”：请使用 .json、.csv 或 .xlsx")
