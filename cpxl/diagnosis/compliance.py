"""Emission-limit and permit breaches (达标排放与许可执行核查) from the enterprises' Appendix B data.

A breach is a fact of the enterprise's own report, not a suggestion: it is named per enterprise with
the value, the limit and the standard the limit comes from, and it comes before every optional
proposal (T/CPPC 4.1 “确保……污染物排放达标”). Sources, all of the statistical year:

* B.3 废气/废水: ``concentration`` against the limit that applies — the stricter of the limit the
  enterprise entered (its permit or a local standard) and the discharge standard of the industry
  pack for the same pollutant, at the averaging time that matches an annual mean of daily values
  (24 小时均值或日均值, else 日均值, 测定均值; never a 1-hour value when a daily one exists);
* B.3 监测达标: monitoring campaigns that were not compliant (实际监测次数 > 达标次数);
* B.4 环境管理 and 企业基本情况: permit violations, execution reports not on time, an expired permit.

Pure functions over the master data (``read_master_data``); the limits come from the active industry
pack through :func:`active_limits`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cpxl.domain.pollutants import (  # noqa: F401  (re-exported: the names the 达标核查 has always offered)
    ALIASES,
    _canon,
    _norm,
    _unit_key,
    convert,
    pollutant_in_text,
    same_pollutant,
)

CONC_EXCEED = "排放浓度超标"
MONITOR_EXCEED = "监测超标"
PERMIT_EXPIRED = "许可证过期"
REPORT_LATE = "执行报告未按时提交"
PERMIT_VIOLATION = "违反排污许可"
KINDS = (CONC_EXCEED, MONITOR_EXCEED, PERMIT_EXPIRED, REPORT_LATE, PERMIT_VIOLATION)

ACTIONS = {
    CONC_EXCEED: "限期整改并加密监测；经核实属超标排放的，移交生态环境执法部门依法处理",
    MONITOR_EXCEED: "查明超标原因，落实整改并报送整改情况",
    PERMIT_EXPIRED: "立即申请延续排污许可证，许可证过期期间的排污行为由执法部门依法核查",
    REPORT_LATE: "按排污许可证规定的频次和时限提交执行报告",
    PERMIT_VIOLATION: "核查违反排污许可的情形及整改落实情况",
}

#: Averaging times of a limit, in the order they are compared with an annual mean of daily values.
AVERAGING_ORDER = ("24小时均值或日均值", "日均值", "24小时均值", "测定均值", "日均浓度", "一次值")
ONE_HOUR = "1小时均值"

@dataclass(frozen=True)
class Limit:
    """One limit of a discharge standard (as the industry pack transcribes it)."""

    pollutant: str
    value: float
    unit: str
    type: str  # averaging time or grade, e.g. 24小时均值或日均值
    table: str
    standard: str
    status: str = ""

    @property
    def cite(self) -> str:
        return f"{self.standard}{(' ' + self.table) if self.table else ''}" + (f"（{self.type}）" if self.type else "")


@dataclass(frozen=True)
class Breach:
    """One emission-limit or permit breach of one enterprise."""

    uscc: str
    enterprise: str
    year: int | None
    kind: str
    medium: str = ""
    outlet: str = ""
    pollutant: str = ""
    value: float | None = None
    unit: str = ""
    limit: float | None = None
    limit_type: str = ""
    standard: str = ""
    reported_limit: float | None = None
    detail: str = ""

    @property
    def exceed_ratio(self) -> float | None:
        if self.value is None or not self.limit:
            return None
        return (self.value - self.limit) / self.limit

    @property
    def action(self) -> str:
        return ACTIONS[self.kind]

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        ratio = self.exceed_ratio
        d["exceed_ratio"] = None if ratio is None else round(ratio, 4)
        d["action"] = self.action
        return d

    def sentence(self) -> str:
        """The breach in one clause, e.g. ``二噁英类排放浓度 0.714 ngTEQ/Nm³，超过 GB 18484-2020 表3（测定均值）限值 0.5``."""
        if self.kind == CONC_EXCEED:
            ratio = self.exceed_ratio
            over = f"，超标{float(f'{ratio:.2g}'):g}倍" if ratio is not None else ""  # 超标倍数 = (实测值 − 限值)/限值
            return (f"{self.pollutant}排放浓度 {_g(self.value)} {self.unit}，超过{self.standard}"
                    f"{('（' + self.limit_type + '）') if self.limit_type and self.limit_type not in self.standard else ''}"
                    f"限值 {_g(self.limit)}{over}")
        return self.detail


def _g(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:,.0f}"


# --------------------------------------------------------------------------- limits


def limits_from_pack(pack_data: Mapping[str, Any]) -> dict[tuple[str, str], list[Limit]]:
    """(medium, pollutant) → limits, from a pack's ``wastegas``/``wastewater`` pollutants (expired tables left out)."""
    out: dict[tuple[str, str], list[Limit]] = {}
    for medium, label in (("wastegas", "废气"), ("wastewater", "废水")):
        for p in (pack_data.get(medium) or {}).get("pollutants", ()):
            lims = [Limit(p["name"], float(lim["value"]), _conc(p.get("unit", "")), str(lim.get("type") or ""),
                          str(lim.get("table") or ""), str(lim.get("standard") or ""), str(lim.get("status") or ""))
                    for lim in p.get("limits", ()) if isinstance(lim.get("value"), (int, float)) and not lim.get("expired")]
            if lims:
                out[(label, p["name"])] = lims
    return out


def _conc(unit: str) -> str:
    u = (unit or "").strip()
    return {"mg/m³": "mg/Nm³", "ng TEQ/Nm³": "ngTEQ/Nm³", "ngTEQ/m³": "ngTEQ/Nm³"}.get(u, u)


def active_limits() -> dict[tuple[str, str], list[Limit]]:
    """The limits of the active industry pack (empty when no pack defines any)."""
    from cpxl.domain import packs

    return limits_from_pack(packs.active().data)


def applicable_limit(limits: Mapping[tuple[str, str], Sequence[Limit]], medium: str, pollutant: str) -> Limit | None:
    """The limit an annual mean of daily values is compared with: daily/24-hour, else 测定均值; for water the
    strictest grade is not assumed (the grade depends on the receiving water) — the least strict is the floor."""
    cands = [lim for (m, p), ls in limits.items() if m == medium and same_pollutant(p, pollutant) for lim in ls]
    if not cands:
        return None
    if medium == "废水":
        return max(cands, key=lambda lim: lim.value)
    for t in AVERAGING_ORDER:
        hit = [lim for lim in cands if lim.type == t]
        if hit:
            return min(hit, key=lambda lim: lim.value)
    rest = [lim for lim in cands if lim.type != ONE_HOUR]
    return min(rest, key=lambda lim: lim.value) if rest else None


# --------------------------------------------------------------------------- breaches


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10]) if v else None
    except ValueError:
        return None


def _concentration_breaches(rows: Iterable[Mapping[str, Any]], medium: str, year: int,
                            limits: Mapping[tuple[str, str], Sequence[Limit]]) -> list[Breach]:
    out = []
    for r in rows:
        if r.get("year") != year:
            continue
        c, unit, pol = _num(r.get("concentration")), str(r.get("conc_unit") or ""), _b3_name(r)
        if c is None or not pol:
            continue
        reported = _num(r.get("limit"))
        std = applicable_limit(limits, medium, pol)
        std_value = convert(std.value, std.unit, unit) if std is not None and unit else None
        limit, limit_type, standard = reported, "", "企业填报的执行限值（排污许可证或地方标准）"
        if std_value is not None and (reported is None or std_value <= reported + 1e-12):
            limit, limit_type, standard = std_value, std.type, f"{std.standard} {std.table}".strip()
        if limit is None or c <= limit + 1e-12:
            continue
        note = ""
        if reported is not None and std_value is not None and reported > std_value + 1e-12:
            note = f"企业填报限值 {_g(reported)} 宽于{standard}（{limit_type}）限值 {_g(std_value)}，按国家标准判定"
        out.append(Breach(str(r.get("ent_uscc") or ""), str(r.get("ent_name") or ""), year, CONC_EXCEED, medium,
                          str(r.get("outlet") or ""), pol, c, unit, limit, limit_type, standard, reported, note))
    return out


def _medium_of(unit: str) -> str:
    return "废水" if _unit_key(unit)[1] in ("L", "升") else "废气"


def concentration_medium(unit: str) -> str | None:
    """废气 or 废水 when ``unit`` is a concentration (mass per m³ or per L), else None."""
    prefix, rest = _unit_key(unit)
    if not prefix:
        return None
    return "废水" if rest in ("L", "升") else ("废气" if rest == "M3" else None)


def _indicator_breaches(rows: Iterable[Mapping[str, Any]], year: int,
                        limits: Mapping[tuple[str, str], Sequence[Limit]], seen: set[tuple[str, str]]) -> list[Breach]:
    """Concentrations reported as indicator values (行业指标填报, e.g. heavy metals measured twice a year)."""
    out = []
    names = {m: [p for (mm, p) in limits if mm == m] for m in ("废气", "废水")}
    by_uscc: dict[str, set[str]] = {}  # the B.3 pollutants of each enterprise (one lookup per row, not a scan)
    for u, p in seen:
        by_uscc.setdefault(u, set()).add(_canon(p))
    for r in rows:
        v, unit = _num(r.get("value")), str(r.get("unit") or "")
        if r.get("year") != year or v is None or not _unit_key(unit)[0]:
            continue
        medium = _medium_of(unit)
        pol = pollutant_in_text(str(r.get("indicator") or ""), names[medium])
        uscc = str(r.get("uscc") or "")
        audited = str(r.get("origin") or "") == "审核组核定"
        if pol is None or (not audited and _canon(pol) in by_uscc.get(uscc, ())):
            continue
        std = applicable_limit(limits, medium, pol)
        limit = convert(std.value, std.unit, unit) if std is not None else None
        if std is None or limit is None or v <= limit + 1e-12:
            continue
        out.append(Breach(uscc, str(r.get("enterprise") or ""), year, CONC_EXCEED, medium, "", pol, v, unit, limit,
                          std.type, f"{std.standard} {std.table}".strip(), None,
                          f"审核组核定的指标值“{r.get('indicator')}”" if audited
                          else f"行业指标填报“{r.get('indicator')}”"))
    return out


def _b3_name(r: Mapping[str, Any]) -> str:
    name = str(r.get("pollutant") or "")
    return str(r.get("pollutant_other") or "") if name == "其他" else name


def find_breaches(data: Mapping[str, Sequence[Mapping[str, Any]]], year: int,
                  limits: Mapping[tuple[str, str], Sequence[Limit]] | None = None) -> list[Breach]:
    """Every breach of the statistical ``year`` in the consolidated enterprise data, ordered by enterprise."""
    lim = active_limits() if limits is None else limits
    values = data.get("indicator_values", ())
    # one number per enterprise and pollutant: an indicator value the audit team set (审核组核定, with its reason)
    # replaces the B.3 figures of that pollutant; otherwise the B.3 concentrations are the data, and the indicator
    # value (computed from them by the diagnosis) is compared only for pollutants B.3 does not give
    overruled = {(str(r.get("uscc") or ""), _canon(pol)) for r in values
                 if r.get("year") == year and str(r.get("origin") or "") == "审核组核定" and _num(r.get("value")) is not None
                 and (pol := pollutant_in_text(str(r.get("indicator") or ""), [p for _, p in lim])) is not None}
    out = [b for b in (_concentration_breaches(data.get("all_ent_wastegas", ()), "废气", year, lim)
                       + _concentration_breaches(data.get("all_ent_wastewater", ()), "废水", year, lim))
           if (b.uscc, _canon(b.pollutant)) not in overruled]
    seen = {(str(r.get("ent_uscc") or ""), _b3_name(r)) for key in ("all_ent_wastegas", "all_ent_wastewater")
            for r in data.get(key, ()) if r.get("year") == year and _num(r.get("concentration")) is not None}
    out += _indicator_breaches(values, year, lim, seen)
    for r in data.get("all_ent_monitoring", ()):
        times, ok = _num(r.get("times")), _num(r.get("compliant_times"))
        if r.get("year") != year or times is None or ok is None or ok >= times:
            continue
        n = int(times - ok)
        out.append(Breach(str(r.get("ent_uscc") or ""), str(r.get("ent_name") or ""), year, MONITOR_EXCEED,
                          str(r.get("category") or ""), str(r.get("point") or ""), str(r.get("factors") or ""),
                          float(n), "次", None, "", "自行监测", None,
                          f"{year}年{r.get('category') or ''}{(' ' + str(r.get('point'))) if r.get('point') else ''}"
                          f"自行监测 {int(times)} 次，达标 {int(ok)} 次，超标 {n} 次（达标率 {ok / times:.1%}）"))
    for r in data.get("all_ent_management", ()):
        u, name = str(r.get("ent_uscc") or ""), str(r.get("ent_name") or "")
        v = _num(r.get("permit_violations"))
        if v:
            out.append(Breach(u, name, year, PERMIT_VIOLATION, "其他", detail=f"统计期内违反排污许可 {int(v)} 次",
                              value=v, unit="次"))
        if str(r.get("permit_reports_on_time") or "") == "否":
            out.append(Breach(u, name, year, REPORT_LATE, "其他", detail="排污许可证执行报告未按时提交"))
    year_end = dt.date(year, 12, 31)
    for r in data.get("all_ent_profile", ()):
        until = _date(r.get("permit_valid_until"))
        if until is not None and until < year_end:
            out.append(Breach(str(r.get("ent_uscc") or ""), str(r.get("ent_name") or ""), year, PERMIT_EXPIRED, "其他",
                              detail=f"排污许可证有效期至 {until.isoformat()}，统计期末已过期"))
    order = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda b: (b.enterprise, order[b.kind], -(b.exceed_ratio or 0)))
    return out


def breaches_by_enterprise(breaches: Iterable[Breach]) -> dict[str, list[Breach]]:
    out: dict[str, list[Breach]] = {}
    for b in breaches:
        out.setdefault(b.uscc, []).append(b)
    return out
