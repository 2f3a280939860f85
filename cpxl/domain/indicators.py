"""Indicator systems as data: the model, loading and validation.

A system file follows ``schemas/formats/indicator-system.json`` (documented in
``docs/indicator-systems.md``). Shipped systems live in ``cpxl/data/indicator_systems/<id>.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cpxl.core import paths

SYSTEMS_DIR = paths.DATA / "indicator_systems"
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

    @property
    def qualitative(self) -> bool:
        return self.kind == "qualitative"

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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}"


# --------------------------------------------------------------------------- loading


def list_systems() -> list[SystemInfo]:
    """The shipped indicator systems, sorted by id."""
    out = []
    for path in sorted(SYSTEMS_DIR.glob("*.json")):
        system = load_system(path)
        n = sum(1 for _ in system.indicators())
        out.append(SystemInfo(system.id, system.name, system.template, n, str(path)))
    return out


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


def _resolve(path_or_id: str | Path) -> Path:
    candidate = Path(path_or_id)
    if candidate.suffix == ".json" or candidate.parent != Path("."):
        if not candidate.is_file():
            raise FileNotFoundError(f"找不到指标体系文件：{candidate}")
        return candidate
    shipped = SYSTEMS_DIR / f"{path_or_id}.json"
    if not shipped.is_file():
        known = "、".join(p.stem for p in sorted(SYSTEMS_DIR.glob("*.json")))
        raise FileNotFoundError(f"没有编号为「{path_or_id}」的指标体系；可用的有：{known}")
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
    base_weights = []
    for cat in data["categories"]:
        if cat["id"] in seen:
            problems.append(f"编号「{cat['id']}」重复")
        seen.add(cat["id"])
        if not cat.get("bonus", False):
            base_weights.append(cat["weight"])
        total = math.fsum(ind["weight"] for ind in cat["indicators"])
        if abs(total - 1) > WEIGHT_TOLERANCE:
            problems.append(f"一级指标「{cat['name']}」下二级指标权重之和为 {total:.12g}，应为 1")
        for ind in cat["indicators"]:
            if ind["id"] in seen:
                problems.append(f"编号「{ind['id']}」重复")
            seen.add(ind["id"])
            problems.extend(_indicator_problems(ind, template))
    total = math.fsum(base_weights)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        problems.append(f"非加分一级指标权重之和为 {total:.12g}，应为 1")
    return problems


def _indicator_problems(ind: Mapping[str, Any], template: bool) -> list[str]:
    name = f"指标「{ind['name']}」（{ind['id']}）"
    problems = []
    cells = ind["benchmarks"]
    for level in LEVELS:
        cell = cells[level]
        if cell.get("placeholder") and not template:
            problems.append(f"{name}的{LEVEL_LABELS[level]}基准值是示意占位值，只有模板（template=true）可以使用")
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
                weight=float(ind["weight"]),
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
            )
            for ind in cat["indicators"]
        )
        categories.append(
            Category(cat["id"], cat["name"], float(cat["weight"]), is_bonus, tuple(cat["dimensions"]),
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
