"""Pollutant names and concentration units (chemistry and units, not industry data): which names denote the same
pollutant, which pollutant an indicator name refers to, and conversions between concentration units. Used by the
达标核查 (:mod:`cpxl.diagnosis.compliance`) and by the check of an indicator system against statutory limits."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

#: Chemical formulas and names that denote the same pollutant (chemistry, not industry data).
ALIASES: tuple[tuple[str, ...], ...] = (
    ("氮氧化物", "NOX", "NOₓ", "NO2"),
    ("二氧化硫", "SO2", "SO₂"),
    ("氯化氢", "HCL"),
    ("氟化氢", "HF"),
    ("一氧化碳", "CO"),
    ("颗粒物", "烟尘", "粉尘", "PM"),
    ("二噁英", "二噁英类", "PCDD", "DIOXIN"),
    ("汞及其化合物", "汞", "HG"),
    ("镉及其化合物", "镉", "CD"),
    ("铅及其化合物", "铅", "PB"),
    ("砷及其化合物", "砷", "AS"),
    ("铬及其化合物", "铬", "CR"),
    ("铊及其化合物", "铊", "TL"),
    ("化学需氧量", "COD", "CODCR"),
    ("氨氮", "NH3-N", "NH₃-N"),
    ("五日生化需氧量", "BOD5", "BOD₅"),
    ("挥发性有机物", "VOCS", "非甲烷总烃", "NMHC"),
)




@functools.lru_cache(maxsize=4096)
def _norm(name: str) -> str:
    s = unicodedata.normalize("NFKC", str(name or "")).upper()
    s = s.replace("₂", "2").replace("₃", "3").replace("ₓ", "X")
    return re.sub(r"[\s（）()，,、·]", "", s)


@functools.lru_cache(maxsize=4096)
def _canon(name: str) -> str:
    n = _norm(name)
    for group in ALIASES:
        normed = [_norm(g) for g in group]
        if n in normed:
            return normed[0]
    return n


def same_pollutant(a: str, b: str) -> bool:
    """Whether two pollutant names denote the same pollutant (names, formulas, 「…及其化合物」)."""
    return bool(a and b) and _canon(a) == _canon(b)


def pollutant_in_text(text: str, names: Iterable[str]) -> str | None:
    """The pollutant of ``names`` that an indicator name such as “NOₓ浓度（日均值）” refers to."""
    return _in_text(str(text or ""), tuple(names))


@functools.lru_cache(maxsize=65536)
def _in_text(text: str, names: tuple[str, ...]) -> str | None:
    t = _norm(text)
    best: tuple[int, str] | None = None
    for name in names:
        keys = {_norm(name), _canon(name)}
        for group in ALIASES:
            if _canon(name) == _norm(group[0]):
                keys |= {_norm(g) for g in group}
        for k in keys:
            if len(k) < 2:
                continue
            hit = re.search(rf"(?<![A-Z]){re.escape(k)}(?![A-Z])", t) if k.isascii() else (k in t)
            if hit and (best is None or len(k) > best[0]):
                best = (len(k), name)
    return best[1] if best else None


_UNIT_FACTOR = {"MG": 1.0, "ΜG": 1e-3, "UG": 1e-3, "NG": 1e-6, "G": 1e3}


def _unit_key(unit: str) -> tuple[str, str]:
    """(mass prefix, the rest) of a concentration unit; standard state ``Nm³`` and ``m³`` of a standard are the same."""
    u = _norm(unit).replace("NM3", "M3").replace("NM³", "M³").replace("M³", "M3").replace("TEQ", "").replace("-", "")
    m = re.match(r"^(MG|ΜG|UG|NG|G)/(.*)$", u)
    return (m.group(1), m.group(2)) if m else ("", u)


def convert(value: float, unit: str, to: str) -> float | None:
    """``value`` in ``unit`` expressed in ``to``; None when the units are not comparable."""
    a, b = _unit_key(unit), _unit_key(to)
    if a == b:
        return value
    if a[1] != b[1] or not a[0] or not b[0]:
        return None
    return value * _UNIT_FACTOR[a[0]] / _UNIT_FACTOR[b[0]]
