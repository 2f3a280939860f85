"""方案参数设置: the parameters of a plan run, from the call, the sheet and (labelled) defaults.

Rates and ratios are fractions in :class:`PlanSettings` (0.06) and in % on the sheet (6). Defaults that are
regional choices are marked 未经确认; the team confirms the sheet as a whole (参数确认人, 参数确认日期).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .proposals import EconomicSettings
from .review import settings_confirmed
from .targets import DEFAULT_MAX_TARGETS, NEXT_LEVEL, TARGET_RULES

DEFAULT_CRITERIA = {"环境效果": 10.0, "经济可行性": 8.0, "技术可行性": 7.0, "可实施性": 5.0}
N_CRITERIA = 6
PLAN_SHEETS = ("plan_settings", "targets", "improvement_potential", "proposals", "screening", "economics",
               "screening_decision", "tracking", "tracking_summary")

#: field → (default, label, unit, unconfirmed). Percent fields are entered in %, e.g. 6 for 6 %.
_SETTINGS: dict[str, tuple[Any, str, str, bool]] = {
    "low_cost_threshold": (5.0, "无/低费投资界限", "万元", True),
    "high_cost_threshold": (50.0, "高费投资界限", "万元", True),
    "max_payback_years": (None, "定额偿还期", "年", False),
    "discount_rate": (6.0, "贴现率", "%", True),
    "benchmark_irr": (None, "基准收益率", "%", False),
    "lifetime": (10, "折旧年限", "年", False),
    "tax_rate": (25.0, "综合税率", "%", False),
    "screen_pass_ratio": (60.0, "筛选通过线", "%", True),
    "target_rule": (NEXT_LEVEL, "目标取值规则", "", False),
    "target_year": (None, "目标年份", "", False),
    "common_share": (30.0, "共性问题判定比例", "%", True),
    "low_cost_months": (3, "无/低费方案实施期限", "个月", False),
    "fix_months": (3, "达标整改期限", "个月", True),
    "plan_start": (None, "方案实施起始日期", "", False),
    "max_targets": (DEFAULT_MAX_TARGETS, "每家企业目标数上限", "项", True),
}
TEAM_KEYS = ("confirmed_by", "confirmed_on")


class PlanError(ValueError):
    """The plan cannot be made (missing data or invalid parameters); the message is Chinese."""


# --------------------------------------------------------------------------- settings


@dataclass
class PlanSettings:
    """The parameters of one plan run, resolved from the call, the 方案参数设置 sheet and defaults.

    Rates and ratios are fractions here (0.06); on the sheet and in ``settings`` they are in %.
    """

    low_cost_threshold: float
    high_cost_threshold: float
    max_payback_years: float | None
    discount_rate: float
    benchmark_irr: float | None
    lifetime: int
    tax_rate: float
    criteria: dict[str, float]
    screen_pass_ratio: float
    target_rule: str
    target_year: int
    common_share: float
    low_cost_months: int
    plan_start: dt.date
    max_targets: int = DEFAULT_MAX_TARGETS
    fix_months: int = 3
    confirmed: bool = False
    catalogue: str | None = None
    defaults_used: list[str] = field(default_factory=list)
    entered: dict[str, Any] = field(default_factory=dict)  # the sheet's values after overrides

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["plan_start"] = self.plan_start.isoformat()
        return d

    def economic(self) -> EconomicSettings:
        return EconomicSettings(self.lifetime, self.tax_rate, self.discount_rate, self.benchmark_irr,
                                self.high_cost_threshold, self.max_payback_years)

    def applied_text(self) -> str:
        crit = "、".join(f"{k} {v:g}" for k, v in self.criteria.items())
        parts = [
            f"无/低费投资界限 {self.low_cost_threshold:g} 万元", f"高费投资界限 {self.high_cost_threshold:g} 万元",
            "定额偿还期 " + (f"{self.max_payback_years:g} 年" if self.max_payback_years is not None
                          else "中费 3 年、高费 10 年"),
            f"贴现率 {100 * self.discount_rate:g}%",
            "基准收益率 " + (f"{100 * self.benchmark_irr:g}%" if self.benchmark_irr is not None else "取贴现率"),
            f"折旧年限 {self.lifetime} 年", f"综合税率 {100 * self.tax_rate:g}%", f"筛选指标及权重：{crit}",
            f"筛选通过线 {100 * self.screen_pass_ratio:g}%", f"目标取值规则：{self.target_rule}",
            f"目标年份 {self.target_year}", f"共性问题判定比例 {100 * self.common_share:g}%",
            f"无/低费方案实施期限 {self.low_cost_months} 个月", f"达标整改期限 {self.fix_months} 个月",
            f"方案实施起始日期 {self.plan_start.isoformat()}" + ("（缺省）" if self.plan_start_default else ""),
            f"每家企业目标数上限 {self.max_targets} 项",
        ]
        text = "；".join(parts) + "。"
        if self.defaults_used:
            text += "其中使用缺省值的有：" + "、".join(self.defaults_used)
            text += "（已经审核小组确认）。" if self.confirmed else "（标“未经确认”的缺省值请审核小组核定）。"
        return text


    def screening_parameters(self) -> list[tuple[str, str, bool]]:
        """(参数, 取值, 是否缺省值) of every parameter of the screening and the economic evaluation (5.3.2):
        a default is a blank cell of 方案参数设置 that cpxl filled with its default."""
        e = self.entered
        crit_entered = any(str(e.get(f"criterion_{i}") or "").strip() for i in range(1, N_CRITERIA + 1))
        return [
            ("无/低费投资界限", f"{self.low_cost_threshold:g}万元", "low_cost_threshold" not in e),
            ("高费投资界限", f"{self.high_cost_threshold:g}万元", "high_cost_threshold" not in e),
            ("定额偿还期", f"{self.max_payback_years:g}年" if self.max_payback_years is not None
             else "中费方案3年、高费方案10年", "max_payback_years" not in e),
            ("贴现率", f"{100 * self.discount_rate:g}%", "discount_rate" not in e),
            ("基准收益率", f"{100 * self.benchmark_irr:g}%" if self.benchmark_irr is not None else "取贴现率",
             "benchmark_irr" not in e),
            ("折旧年限", f"{self.lifetime}年", "lifetime" not in e),
            ("综合税率", f"{100 * self.tax_rate:g}%", "tax_rate" not in e),
            ("筛选指标及权重", "、".join(f"{k}{v:g}" for k, v in self.criteria.items()), not crit_entered),
            ("筛选通过线", f"满分的{100 * self.screen_pass_ratio:g}%", "screen_pass_ratio" not in e),
        ]

    @property
    def plan_start_default(self) -> bool:
        """Whether 方案实施起始日期 was left blank (the tracking dates then follow cpxl's fallback)."""
        return "plan_start" not in self.entered


def _number(v: Any, label: str) -> float:
    if isinstance(v, bool):
        raise PlanError(f"参数“{label}”应为数值，实际为 {v!r}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise PlanError(f"参数“{label}”应为数值，实际为“{v}”") from None
    if not math.isfinite(x):
        raise PlanError(f"参数“{label}”应为有限数值，实际为“{v}”")
    return x


def resolve_settings(
    sheet: Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None,
    statistical_year: int,
    start_fallback: dt.date,
) -> PlanSettings:
    """Parameters: ``overrides`` (a dict with the 方案参数设置 field names, percentages in %, plus
    ``criteria`` = {name: weight} and ``catalogue`` = a catalogue file) over the sheet over defaults."""
    entered = {k: v for k, v in (sheet or {}).items() if v not in (None, "") and k != "applied"}
    confirmed = settings_confirmed(sheet)
    over = dict(overrides or {})
    crit_override = over.pop("criteria", None)
    catalogue = over.pop("catalogue", None)
    known = set(_SETTINGS) | set(TEAM_KEYS) | {f"criterion_{i}" for i in range(1, N_CRITERIA + 1)} | {
        f"weight_{i}" for i in range(1, N_CRITERIA + 1)}
    unknown = sorted(set(over) - known)
    if unknown:
        raise PlanError(f"未知的方案参数：{'、'.join(unknown)}；可用的有：{'、'.join(sorted(known))}、criteria、catalogue")
    entered.update({k: v for k, v in over.items() if v not in (None, "")})
    used: list[str] = []
    val: dict[str, Any] = {}
    for key, (default, label, unit, unconfirmed) in _SETTINGS.items():
        if key in entered:
            val[key] = entered[key]
        else:
            val[key] = default
            if default is not None:
                shown = f"{default:g}{unit}" if isinstance(default, (int, float)) else str(default)
                used.append(f"{label} {shown}" + ("（未经确认）" if unconfirmed and not confirmed else ""))
    # criteria
    if crit_override is not None:
        criteria = {str(k): _number(w, f"{k}的权重") for k, w in dict(crit_override).items()}
        for i in range(1, N_CRITERIA + 1):
            entered.pop(f"criterion_{i}", None)
            entered.pop(f"weight_{i}", None)
        for i, (k, w) in enumerate(criteria.items(), start=1):
            if i <= N_CRITERIA:
                entered[f"criterion_{i}"], entered[f"weight_{i}"] = k, w
    else:
        criteria = {}
        for i in range(1, N_CRITERIA + 1):
            name = str(entered.get(f"criterion_{i}") or "").strip()
            if name:
                if f"weight_{i}" not in entered:
                    raise PlanError(f"筛选指标{i}“{name}”没有填写权重")
                criteria[name] = _number(entered[f"weight_{i}"], f"筛选指标{i}权重")
        if not criteria:
            criteria = dict(DEFAULT_CRITERIA)
            used.append("筛选指标及权重 " + "、".join(f"{k} {v:g}" for k, v in criteria.items())
                        + ("" if confirmed else "（未经确认）"))
    if not criteria or any(w <= 0 for w in criteria.values()):
        raise PlanError("筛选指标的权重应为正数")
    rule = str(val["target_rule"])
    if rule not in TARGET_RULES:
        raise PlanError(f"未知的目标取值规则“{rule}”，可选：{'、'.join(TARGET_RULES)}")
    start = val["plan_start"]
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start[:10])
        except ValueError:
            raise PlanError(f"方案实施起始日期“{start}”不是有效日期（如 2026-03-31）") from None
    if start is None:
        start = start_fallback
        used.append(f"方案实施起始日期 {start.isoformat()}（未填写，取工作计划中“提出清洁生产方案”的完成时间，再无则取审核结束日期）")
    target_year = int(_number(val["target_year"], "目标年份")) if val["target_year"] is not None else statistical_year + 2
    if val["target_year"] is None:
        used.append(f"目标年份 {target_year}（统计年后第 2 年）")
    pct = {k: _number(val[k], _SETTINGS[k][1]) / 100 if val[k] is not None else None
           for k in ("discount_rate", "benchmark_irr", "tax_rate", "screen_pass_ratio", "common_share")}
    if not 0 <= pct["tax_rate"] < 1:
        raise PlanError("综合税率应在 0～100% 之间")
    lifetime = _number(val["lifetime"], "折旧年限")
    if lifetime != int(lifetime) or lifetime < 1:
        raise PlanError(f"折旧年限应为正整数，实际为 {val['lifetime']}")
    return PlanSettings(
        low_cost_threshold=_number(val["low_cost_threshold"], "无/低费投资界限"),
        high_cost_threshold=_number(val["high_cost_threshold"], "高费投资界限"),
        max_payback_years=None if val["max_payback_years"] is None else _number(val["max_payback_years"], "定额偿还期"),
        discount_rate=pct["discount_rate"], benchmark_irr=pct["benchmark_irr"], lifetime=int(lifetime),
        tax_rate=pct["tax_rate"], criteria=criteria, screen_pass_ratio=pct["screen_pass_ratio"], target_rule=rule,
        target_year=target_year, common_share=pct["common_share"],
        low_cost_months=int(_number(val["low_cost_months"], "无/低费方案实施期限")), plan_start=start,
        fix_months=max(1, int(_number(val["fix_months"], "达标整改期限"))),
        max_targets=max(1, int(_number(val["max_targets"], "每家企业目标数上限"))), confirmed=confirmed,
        catalogue=str(catalogue) if catalogue else None, defaults_used=used, entered=entered,
    )
