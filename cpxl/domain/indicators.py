"""Indicator systems as data: the model, loading and validation.

A system file follows ``schemas/formats/indicator-system.json`` (documented in
``docs/indicator-systems.md``). Shipped systems live in their industry pack,
``cpxl/data/packs/<pack>/indicator-system.json``; a system is found by the ``id`` inside it.

A system's ``status`` says whether it can score: ``complete``; ``partial`` (rows, weights or benchmarks
missing — listed in ``missing`` — so :func:`require_complete` refuses it and names what is missing);
``template`` (placeholder benchmarks).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cpxl.core import paths

PACKS_DIR = paths.DATA / "packs"
SCHEMA_PATH = paths.SCHEMAS / "formats" / "indicator-system.json"

LEVELS: tuple[str, ...] = ("I", "II", "III")
LEVEL_LABELS = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级"}
WEIGHT_TOLERANCE = 1e-9

#: The eight diagnosis dimensions of T/CPPC《行业整体清洁生产审核指南》5.2.3.
DIMENSIONS: dict[str, str] = {
    "industrial_policy": "产业政策符合性",
    "process_equipment": "生产工艺及装备指标",
    "pollution_control": "污染治理技术指标",
    "pollutant_emission": "污染物产生和排放指标",
    "resource_utilization": "资源综合利用指标",
    "product": "产品特征指标",
    "monitoring": "监测监控水平指标",
    "management": "清洁生产管理指标",
}

_OP_ALIASES = {"<=": "≤", ">=": "≥"}
_LOWER_OPS = {"≤", "<"}
_HIGHER_OPS = {"≥", ">"}


class IncompleteSystemError(ValueError):
    """Scoring with a system that is not complete; the message lists what is missing, in Chinese."""


class IndicatorSystemError(ValueError):
    """A system file is not valid; ``problems`` holds one Chinese message per defect."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"指标体系文件 {source} 不合格（{len(problems)} 处）：\n{lines}")


@dataclass(frozen=True)
class Benchmark:
    """One benchmark cell (one level of one indicator)."""

    level: str
    text: str
    op: str | None = None  # None for qualitative cells; "≤", "<", "≥", ">", "range" or "none"
    value: float | None = None
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    same_as: str | None = None
    placeholder: bool = False
    note: str | None = None

    @property
    def scorable(self) -> bool:
        return self.op != "none"

    def test(self, x: float) -> bool:
        """Whether a quantitative value satisfies this cell (not cumulative)."""
        op = self.op
        if op == "≤":
            return x <= self.value
        if op == "<":
            return x < self.value
        if op == "≥":
            return x >= self.value
        if op == ">":
            return x > self.value
        if op == "range":
            lo_ok = x >= self.min if self.min_inclusive else x > self.min
            hi_ok = x <= self.max if self.max_inclusive else x < self.max
            return lo_ok and hi_ok
        raise ValueError(f"基准值无法用于比较（运算符 {op!r}）")

    def describe(self, unit: str = "") -> str:
        """Readable requirement, e.g. ``≤0.3 ngTEQ/Nm³`` or the qualitative text."""
        suffix = unit if unit in ("", "%", "‰") else f" {unit}"
        if self.op is None:
            return self.text
        if self.op == "none":
            return "（基准值未给出）"
        if self.op == "range":
            lo = "[" if self.min_inclusive else "("
            hi = "]" if self.max_inclusive else ")"
            return f"{lo}{_num(self.min)}, {_num(self.max)}{hi}{suffix}（原文：{self.text}）"
        return f"{self.op}{_num(self.value)}{suffix}"


@dataclass(frozen=True)
class Indicator:
    """A level-2 indicator (二级指标)."""

    id: str
    name: str
    unit: str
    weight: float
    kind: str  # "quantitative" | "qualitative"
    limiting: bool
    direction: str  # "lower_better" | "higher_better" | "qualitative"
    benchmarks: Mapping[str, Benchmark]
    category_id: str
    dimension: str
    bonus: bool = False
    quantity: str | None = None
    formula: str | None = None
    note: str | None = None
    value_range: tuple[float | None, float | None] | None = None  # explicit physical range of a value
    denominator: Mapping[str, Any] | None = None  # products dividing a per-unit value (else the pack's default)

    @property
    def qualitative(self) -> bool:
        return self.kind == "qualitative"

    def bounds(self) -> tuple[float | None, float | None]:
        """The range a value can physically take: the file's ``range``, else not negative (unless a benchmark
        is), and at most 100 for a percentage."""
        if self.value_range is not None:
            return self.value_range
        if self.qualitative:
            return None, None
        cells = [b for b in self.benchmarks.values() if b.op not in (None, "none")]
        negative = any((b.value is not None and b.value < 0) or (b.min is not None and b.min < 0) for b in cells)
        return (None if negative else 0.0), (100.0 if self.unit.strip() == "%" else None)

    @property
    def scorable(self) -> bool:
        return all(b.scorable for b in self.benchmarks.values())

    def requirement(self, level: str) -> str:
        """The benchmark a value must meet for ``level``, as text for users."""
        return f"{LEVEL_LABELS[level]}基准值：{self.benchmarks[level].describe(self.unit)}"


@dataclass(frozen=True)
class Category:
    """A level-1 indicator (一级指标)."""

    id: str
    name: str
    weight: float
    bonus: bool
    dimensions: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    note: str | None = None


@dataclass(frozen=True)
class SystemOptions:
    """Per-system evaluation options; a scoring call may override any of them."""

    thresholds: Mapping[str, float] = field(default_factory=lambda: {"I": 85.0, "II": 85.0, "III": 100.0})
    level1_requires_nonlimiting_level2: bool = False
    bonus_mode: str = "additive"  # "additive" | "ignore"
    bonus_cap: float = 100.0
    bonus_level3_uses_base: bool = True


@dataclass(frozen=True)
class IndicatorSystem:
    id: str
    name: str
    template: bool
    source: Mapping[str, Any]
    level_names: Mapping[str, str]
    options: SystemOptions
    categories: tuple[Category, ...]
    industry: str = ""
    path: Path | None = None
    status: str = "complete"  # complete | partial | template
    missing: tuple[Mapping[str, Any], ...] = ()
    method: str = "tongze"  # tongze | ndrc-2005
    method_options: Mapping[str, Any] = field(default_factory=dict)

    def indicators(self) -> Iterator[Indicator]:
        for cat in self.categories:
            yield from cat.indicators

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators():
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def category(self, category_id: str) -> Category:
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        raise KeyError(category_id)

    def level_title(self, level: str | None) -> str:
        """``Ⅱ级（清洁生产准入水平）`` or the wording for below Ⅲ级."""
        if level is None:
            return self.level_names["none"]
        return f"{LEVEL_LABELS[level]}（{self.level_names[level]}）"


@dataclass(frozen=True)
class SystemInfo:
    id: str
    name: str
    template: bool
    indicator_count: int
    path: str
    status: str = "complete"
    pack: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}"


# --------------------------------------------------------------------------- loading


def _shipped() -> dict[str, Path]:
    """Shipped system id → file, from every industry pack."""
    out = {}
    for path in sorted(PACKS_DIR.glob("*/indicator-system*.json")):
        try:
            sid = json.loads(path.read_text(encoding="utf-8")).get("id")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(sid, str):
            out[sid] = path
    return out


def list_systems() -> list[SystemInfo]:
    """The shipped indicator systems, sorted by id."""
    out = []
    for _sid, path in sorted(_shipped().items()):
        system = load_system(path)
        n = sum(1 for _ in system.indicators())
        out.append(SystemInfo(system.id, system.name, system.template, n, str(path), system.status, path.parent.name))
    return out


def completeness_problems(system: IndicatorSystem) -> list[str]:
    """Why ``system`` cannot score (empty: it can), in Chinese, one line per missing item."""
    out = []
    if system.status == "partial":
        for m in system.missing:
            where = "".join(f"（{k}：{m[k]}）" for k in ("rows", "level") if m.get(k) not in (None, ""))
            out.append(f"{m.get('detail', '')}{where}")
        if not out:
            out.append("体系标为不完整（status=partial），但未列出缺失项")
    if not system.categories:
        out.append("体系中没有任何指标")
    for ind in system.indicators():
        if ind.weight is None or (isinstance(ind.weight, float) and math.isnan(ind.weight)):
            out.append(f"指标「{ind.name}」（{ind.id}）没有权重")
        for lv, b in ind.benchmarks.items():
            if b.placeholder and system.status != "template":
                out.append(f"指标「{ind.name}」（{ind.id}）的{LEVEL_LABELS[lv]}基准值缺失：{b.note or b.text}")
    return list(dict.fromkeys(out))


def require_complete(system: IndicatorSystem) -> None:
    """Raise :class:`IncompleteSystemError` listing what is missing when ``system`` is partial."""
    if system.status != "partial":
        return
    lines = completeness_problems(system)
    raise IncompleteSystemError(
        f"指标体系「{system.name}」不完整，不能用于评分（缺 {len(lines)} 项）：\n"
        + "\n".join(f"  - {x}" for x in lines)
        + "\n请按正式发布的标准文本在审核总表“指标体系”工作表中补全（或用 cpxl packs template 生成填写表、"
          "cpxl packs import 导入），再运行 cpxl diagnose。")


def load_system(path_or_id: str | Path) -> IndicatorSystem:
    """Load and validate a system from a file path or a shipped system id.

    Raises ``IndicatorSystemError`` (messages in Chinese) when the file breaks the format.
    """
    path = _resolve(path_or_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        where = f"第 {exc.lineno} 行第 {exc.colno} 列"
        raise IndicatorSystemError(str(path), [f"不是合法的 JSON：{where}，{exc.msg}"]) from exc
    problems = validate_system_data(data)
    if problems:
        raise IndicatorSystemError(str(path), problems)
    return _build(data, path)


def system_from_data(data: Mapping[str, Any], source: str = "（内存中的指标体系）") -> IndicatorSystem:
    """A system from a document already in memory (validated like a file)."""
    problems = validate_system_data(data)
    if problems:
        raise IndicatorSystemError(source, problems)
    return _build(data, None)


def _resolve(path_or_id: str | Path) -> Path:
    candidate = Path(path_or_id)
    if candidate.suffix == ".json" or candidate.parent != Path("."):
        if not candidate.is_file():
            raise FileNotFoundError(f"找不到指标体系文件：{candidate}")
        return candidate
    shipped = _shipped().get(str(path_or_id))
    if shipped is None:
        known = "、".join(_shipped())
        raise FileNotFoundError(f"没有编号为「{path_or_id}」的指标体系；可用的有：{known}（见 cpxl systems）")
    return shipped


@lru_cache(maxsize=1)
def _schema_validator() -> Any | None:
    if not SCHEMA_PATH.is_file():
        return None
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def validate_system_data(data: Any) -> list[str]:
    """All defects of a system document (JSON Schema first, then the rules a schema cannot state)."""
    validator = _schema_validator()
    if validator is not None:
        errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        if errors:
            return [f"{_json_path(e.absolute_path)}：{e.message}" for e in errors]
        return _semantic_problems(data)
    try:  # no schema file (e.g. an installed wheel): the semantic rules still catch structural breakage
        return _semantic_problems(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        return [f"结构不符合指标体系格式（缺少或错误的字段：{exc}）"]


def _json_path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _semantic_problems(data: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    template = bool(data.get("template"))
    status = data.get("status") or ("template" if template else "complete")
    partial = status == "partial"
    if status == "template" and not template or template and status not in ("template",):
        problems.append(f"status 为 {status}，与 template={str(template).lower()} 不一致")
    if partial and not data.get("missing"):
        problems.append("不完整体系（status=partial）须在 missing 中逐项列出缺失内容")
    if not partial and not data["categories"]:
        problems.append("categories 不能为空（只有不完整体系可以暂无指标）")
    method = data.get("method", "tongze")
    if method == "ndrc-2005" and not data.get("method_options"):
        problems.append("ndrc-2005 方法须在 method_options 中给出 alpha、beta、s_cap 和两个等级的 P 下限")
    base_weights = []
    for cat in data["categories"]:
        if cat["id"] in seen:
            problems.append(f"编号「{cat['id']}」重复")
        seen.add(cat["id"])
        if not cat.get("bonus", False):
            base_weights.append(cat["weight"])
        weights = [ind["weight"] for ind in cat["indicators"]]
        if any(w is None for w in weights) and not partial:
            problems.append(f"一级指标「{cat['name']}」下有指标没有权重（只有不完整体系可以暂缺）")
        total = math.fsum(w for w in weights if w is not None)
        if method == "tongze" and not partial and abs(total - 1) > WEIGHT_TOLERANCE:
            problems.append(f"一级指标「{cat['name']}」下二级指标权重之和为 {total:.12g}，应为 1")
        for ind in cat["indicators"]:
            if ind["id"] in seen:
                problems.append(f"编号「{ind['id']}」重复")
            seen.add(ind["id"])
            problems.extend(_indicator_problems(ind, template or partial))
    total = math.fsum(w for w in base_weights if w is not None)
    if method == "tongze" and not partial and data["categories"] and abs(total - 1) > WEIGHT_TOLERANCE:
        problems.append(f"非加分一级指标权重之和为 {total:.12g}，应为 1")
    if method == "ndrc-2005" and data.get("method_options"):
        mo = data["method_options"]
        if abs(mo["alpha"] + mo["beta"] - 1) > WEIGHT_TOLERANCE:
            problems.append(f"method_options 中 alpha + beta = {mo['alpha'] + mo['beta']:g}，应为 1")
        if mo["advanced"] < mo["clean"]:
            problems.append("method_options 中“清洁生产先进企业”的 P 下限低于“清洁生产企业”的下限")
    return problems


def _indicator_problems(ind: Mapping[str, Any], template: bool) -> list[str]:
    name = f"指标「{ind['name']}」（{ind['id']}）"
    problems = []
    cells = ind["benchmarks"]
    for level in LEVELS:
        cell = cells[level]
        if cell.get("placeholder") and not template:
            problems.append(f"{name}的{LEVEL_LABELS[level]}基准值是示意占位值，只有模板（template=true）或不完整体系可以使用")
        same_as = cell.get("same_as")
        if same_as is not None:
            if LEVELS.index(same_as) >= LEVELS.index(level):
                problems.append(f"{name}的{LEVEL_LABELS[level]}写作“同{LEVEL_LABELS[same_as]}”，只能引用更高级别")
            elif cell["text"] != cells[same_as]["text"]:
                problems.append(f"{name}的{LEVEL_LABELS[level]}标为同{LEVEL_LABELS[same_as]}，但文字与之不同")
        op = _OP_ALIASES.get(cell.get("op"), cell.get("op"))
        if op in _LOWER_OPS and ind["direction"] != "lower_better":
            problems.append(f"{name}方向为 {ind['direction']}，但{LEVEL_LABELS[level]}运算符为 {op}")
        if op in _HIGHER_OPS and ind["direction"] != "higher_better":
            problems.append(f"{name}方向为 {ind['direction']}，但{LEVEL_LABELS[level]}运算符为 {op}")
        if op == "range" and cell["min"] > cell["max"]:
            problems.append(f"{name}的{LEVEL_LABELS[level]}区间下限大于上限")
    if ind["kind"] == "quantitative":
        values = [cells[lv].get("value") for lv in LEVELS]
        if all(v is not None for v in values):
            strict_first = sorted(values, reverse=ind["direction"] == "higher_better")
            ordered = values == strict_first
            if not ordered:
                problems.append(f"{name}的基准值 {values} 与方向 {ind['direction']} 不一致（Ⅰ级应最严）")
    return problems


def _build(data: Mapping[str, Any], path: Path | None) -> IndicatorSystem:
    opts = data["options"]
    bonus = opts["bonus"]
    options = SystemOptions(
        thresholds={lv: float(opts["thresholds"][lv]) for lv in LEVELS},
        level1_requires_nonlimiting_level2=opts["level1_requires_nonlimiting_level2"],
        bonus_mode=bonus["mode"],
        bonus_cap=float(bonus.get("cap", 100)),
        bonus_level3_uses_base=bonus.get("level3_uses_base", True),
    )
    categories = []
    for cat in data["categories"]:
        is_bonus = cat.get("bonus", False)
        indicators = tuple(
            Indicator(
                id=ind["id"],
                name=ind["name"],
                unit=ind["unit"],
                weight=float(ind["weight"]) if ind["weight"] is not None else math.nan,
                kind=ind["kind"],
                limiting=ind["limiting"],
                direction=ind["direction"],
                benchmarks={lv: _cell(lv, ind["benchmarks"][lv]) for lv in LEVELS},
                category_id=cat["id"],
                dimension=ind.get("dimension", cat["dimensions"][0]),
                bonus=is_bonus,
                quantity=ind.get("quantity"),
                formula=ind.get("formula"),
                note=ind.get("note"),
                value_range=(ind["range"].get("low"), ind["range"].get("high")) if ind.get("range") else None,
                denominator=ind.get("denominator"),
            )
            for ind in cat["indicators"]
        )
        categories.append(
            Category(cat["id"], cat["name"], float(cat["weight"]) if cat["weight"] is not None else math.nan, is_bonus,
                     tuple(cat["dimensions"]),
                     indicators, cat.get("note"))
        )
    return IndicatorSystem(
        id=data["id"],
        name=data["name"],
        template=data["template"],
        source=data["source"],
        level_names=data["level_names"],
        options=options,
        categories=tuple(categories),
        industry=data.get("industry", ""),
        path=path,
        status=data.get("status") or ("template" if data["template"] else "complete"),
        missing=tuple(data.get("missing", ())),
        method=data.get("method", "tongze"),
        method_options=dict(data.get("method_options") or {}),
    )


def _cell(level: str, cell: Mapping[str, Any]) -> Benchmark:
    op = cell.get("op")
    return Benchmark(
        level=level,
        text=cell["text"],
        op=_OP_ALIASES.get(op, op),
        value=cell.get("value"),
        min=cell.get("min"),
        max=cell.get("max"),
        min_inclusive=cell.get("min_inclusive", True),
        max_inclusive=cell.get("max_inclusive", True),
        same_as=cell.get("same_as"),
        placeholder=cell.get("placeholder", False),
        note=cell.get("note"),
    )


# --------------------------------------------------------------------------- benchmark cells as typed


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
