"""Audit directions the regulator wrote into the audit task (审核任务: 范围边界, 服务内容).

5.2.2 takes the focus from the enterprises' flags; when the audit task itself names a direction — “重点关注能源、
特征污染物与温室气体” — that direction is part of the focus whatever share of enterprises is flagged: the
regulator commissioned it (5.1.1 明确审核任务). Words only, so it works for any industry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cpxl.domain.indicators import Indicator

#: direction → (words in the audit task that name it, words of the indicators that belong to it)
DIRECTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "温室气体": (("温室气体", "碳排放", "减污降碳", "二氧化碳", "碳达峰"),
             ("温室气体", "碳排放", "碳减排", "碳盘查", "碳足迹", "二氧化碳", "CO₂", "CO2")),
    "能源": (("能源", "节能", "能耗"), ("能耗", "能源", "节能", "能效", "电耗", "煤耗")),
    "水资源": (("水资源", "节水", "用水"), ("水消耗", "取水", "用水", "水耗", "水重复利用", "节水")),
    "特征污染物": (("特征污染物", "有毒有害"), ()),
}


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def scope_directions(audit: Mapping[str, Any]) -> list[str]:
    """The directions named in the audit task's 范围边界 and 服务内容, in the order of :data:`DIRECTIONS`."""
    text = _text(audit.get("scope_boundary")) + " " + _text(audit.get("contract_scope"))
    return [d for d, (words, _) in DIRECTIONS.items() if any(w in text for w in words)]


def scope_indicators(directions: Sequence[str], indicators: Mapping[str, Indicator]) -> list[str]:
    """Indicator ids that belong to the named directions (by their names and units)."""
    out: list[str] = []
    for d in directions:
        words = DIRECTIONS.get(d, ((), ()))[1]
        for iid, ind in indicators.items():
            if any(w in ind.name for w in words) or (d == "能源" and re.search(r"gce|tce", ind.unit or "")):
                out.append(iid)
    return list(dict.fromkeys(out))
