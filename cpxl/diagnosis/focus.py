"""The audit focus (审核诊断重点) by the four principles of 5.2.2, from the enterprise list's flags."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from cpxl.domain import packs
from cpxl.domain.indicators import (
    Indicator,
    IndicatorSystem,
)

from .model import FocusRule, _text
from .statistics import _names, _pct

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
        chars = [c.split("（")[0].removesuffix("类").removesuffix("及其化合物") for c in packs.active().characteristic_pollutants]
        chars = [c for c in chars if c]
        if chars:  # the pack names the industry's 特征污染物 (never a reagent such as 氢氧化钠)
            return [i.id for i in inds if any(c in i.name for c in chars) or "有毒有害" in i.name]
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


def audit_focus(system: IndicatorSystem, enterprises: Sequence[Mapping[str, Any]], share: float, min_count: int = 3
                ) -> tuple[list[FocusRule], dict[str, list[tuple[str, list[str]]]], list[str]]:
    """The 5.2.2 rules at industry level, each enterprise's own focus (uscc → [(direction text, ids)]), and warnings."""
    n = len(enterprises)
    rules: list[FocusRule] = []
    per: dict[str, list[tuple[str, list[str]]]] = {_text(e.get("uscc")): [] for e in enterprises}
    warnings = []
    for rule, clause, flag, direction in FOCUS_RULES:
        if rule == "mandated_focus":
            # 5.2.2: the directions of the published list of enterprises audited by law — an enterprise counts only
            # when it is on that list (依法实施强制性审核 = 是), in the sheet as in the report
            texts: dict[str, list[tuple[str, str]]] = {}
            off_list = []
            for e in enterprises:
                t = _text(e.get(rule))
                if not t or t in ("无", "否", "—"):
                    continue
                if _text(e.get("mandatory_audit")) != "是":
                    off_list.append(_text(e.get("name")))
                    continue
                for token in dict.fromkeys(x for x in re.split(r"[、，,；;]+", t) if x.strip()):
                    texts.setdefault(token.strip(), []).append((_text(e.get("uscc")), _text(e.get("name"))))
            if off_list:
                warnings.append(f"“企业名单”中 {len(off_list)} 家企业填写了“{flag}”，但未标为依法实施强制性审核"
                                f"（{_names(off_list)}）：5.2.2 只认主管部门依法实施审核名单中的审核方向，未计入；"
                                "请核对这些企业是否在名单中。")
            for t, ents in texts.items():
                ids = focus_indicators(system, t)
                rules.append(_focus_rule(rule, clause, flag, t, ents, n, 0, share, ids, min_count))
                for u, _ in ents:
                    per.setdefault(u, []).append((f"{t}（{flag}）", ids))
            continue
        yes = [(_text(e.get("uscc")), _text(e.get("name"))) for e in enterprises if _text(e.get(rule)) == "是"]
        unknown = [_text(e.get("name")) for e in enterprises if _text(e.get(rule)) not in ("是", "否")]
        if unknown:
            warnings.append(f"“企业名单”中 {len(unknown)} 家企业未填写“{flag}”（{_names(unknown)}），"
                            f"未计入 5.2.2 审核重点的判定，请补填。")
        ids = focus_indicators(system, rule)
        rules.append(_focus_rule(rule, clause, flag, direction, yes, n, len(unknown), share, ids, min_count))
        for u, _ in yes:
            per.setdefault(u, []).append((f"{direction}（{flag}）", ids))
    return rules, per, warnings


def _focus_rule(rule: str, clause: str, flag: str, direction: str, ents: list[tuple[str, str]], n: int,
                n_unknown: int, share: float, ids: list[str], min_count: int = 3) -> FocusRule:
    s = len(ents) / n if n else 0.0
    industry = bool(ents) and len(ents) >= share * n - 1e-9 and len(ents) >= min(min_count, n)
    if not ents:
        note = "名单中没有企业属于此情形"
    elif industry:
        note = f"涉及 {len(ents)} 家企业，占 {_pct(s)}，不低于判定比例 {_pct(share)}，列为行业审核重点"
    elif s >= share - 1e-9:
        note = (f"涉及 {len(ents)} 家企业，占 {_pct(s)}，但少于判定家数 {min(min_count, n)} 家（样本小，比例不足以代表行业），"
                "列为相关企业的审核重点（见“诊断结果”）")
    else:
        note = f"涉及 {len(ents)} 家企业，占 {_pct(s)}，低于判定比例 {_pct(share)}，列为相关企业的审核重点（见“诊断结果”）"
    if industry and not ids:
        note += "；指标体系中没有与此方向对应的指标，请审核小组补充确定诊断内容"
    return FocusRule(rule, clause, flag, direction, ents, n, n_unknown, s, industry, ids if industry else [], note)
