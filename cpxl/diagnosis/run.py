"""审核诊断 (T/CPPC《行业整体清洁生产审核指南》5.2.2–5.2.3) on top of the national scoring engine.

:func:`diagnose` reads the master workbook and

1. chooses the indicator system: the master's 指标体系 sheet (the shipped file when the sheet is an
   unchanged copy of it), else the ``system`` argument;
2. builds each enterprise's values for the statistical year (and the two years before, for the
   long table): 审核组核定 values in 指标值汇总 first, then the enterprise's own report
   (汇总_行业指标填报: a number, or the self level I级/II级/III级/未达到III级 → 1/2/3/0, or 不适用),
   and for indicators whose ``quantity`` is one of the industry pack's computed quantities the value computed from its
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

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cpxl.book.master import with_audit_pack
from cpxl.core import progress
from cpxl.core.folder import AuditFolder
from cpxl.core.lock import locked
from cpxl.core.problems import Problem
from cpxl.domain import packs
from cpxl.domain.indicators import (
    IndicatorSystem,
)

from .common import _individual, find_common_problems
from .compliance import CONC_EXCEED, find_breaches
from .derive import derive_all
from .focus import audit_focus
from .model import (
    EXCEED_PENDING,
    ORIGIN_AUDITED,
    VERIFIED_PENDING,
    VERIFIED_TRUE,
    VERIFIED_WRONG,
    DiagnosisError,
    DiagnosisOptions,
    DiagnosisResult,
    EnterpriseDiagnosis,
    ValueEntry,
    _fraction,
    _num,
    _text,
)
from .scoring import (
    IncompleteSystemError,
    TemplateSystemError,
    score_table,
)
from .sheets import write_results
from .statistics import dimension_summaries, indicator_statistics
from .system import choose_system
from .values import _source_of, build_values

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


@progress.stepped("diagnose", "审核诊断")
@locked("diagnose")
@with_audit_pack
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
    step = progress.current()
    step.note("读取审核总表")
    data = read_master_data(master)
    step.note("计算指标、评分、共性问题与审核重点")
    result = diagnose_data(data, system, opts)
    result.master = master
    if opts.write:
        step.note("写入审核总表")
        write_results(master, result, data.get("indicator_values", ()))
    return result


def diagnose_data(data: Mapping[str, Sequence[Mapping[str, Any]]], system: str | Path | IndicatorSystem | None = None,
                  options: DiagnosisOptions | Mapping[str, Any] | None = None) -> DiagnosisResult:
    """The diagnosis over master data already read (``read_master_data``); nothing is written."""
    audit = (data.get("audit_task") or [{}])[0]
    ids = [r.get("indicator_id") for r in data.get("indicator_system", ())]
    with packs.activated(packs.pack_id_of(audit, ids)):
        return _diagnose_data(data, system, options)


def _diagnose_data(data: Mapping[str, Sequence[Mapping[str, Any]]], system: str | Path | IndicatorSystem | None,
                   options: DiagnosisOptions | Mapping[str, Any] | None) -> DiagnosisResult:
    opts = DiagnosisOptions.make(options)
    try:
        audit = (data.get("audit_task") or [{}])[0]
        sys_, source, warnings = choose_system(data.get("indicator_system", ()), system,
                                               str(audit.get("indicator_system_name") or ""))
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
    denominators = {i.quantity: i.denominator for i in sys_.indicators() if i.quantity and i.denominator}
    derived = derive_all(data, years, opts.derive, denominators)

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
    except (TemplateSystemError, IncompleteSystemError) as exc:
        raise DiagnosisError(str(exc)) from exc
    usccs = [e["uscc"] for e in ents]
    common = find_common_problems(sys_, table.enterprises, share, opts.common_level, usccs, opts.common_min_count)
    common_ids = {c.indicator_id for c in common}
    stats = indicator_statistics(sys_, table.enterprises, common_ids)
    dims = dimension_summaries(sys_, stats, common)
    rules, per_focus, w = audit_focus(sys_, ents, opts.focus_share, opts.focus_min_count)
    warnings += w

    diagnoses = []
    for e, s in zip(ents, table.enterprises, strict=True):
        u = e["uscc"]
        focus = per_focus.get(u, [])
        d = EnterpriseDiagnosis(u, e["name"], u in has_data, values[u], s, [f for f, _ in focus],
                                list(dict.fromkeys(i for _, ids in focus for i in ids)))
        d.individual = _individual(sys_, s, values[u], common_ids)
        diagnoses.append(d)
    _attach_exceedances(data, sys_, year, diagnoses)
    problems = _problems(sys_, year, diagnoses, opts.reported_tolerance)
    return DiagnosisResult(None, year, sys_, source, replace(opts, common_share=share), diagnoses, table, stats, dims,
                           common, rules, problems, warnings, derived, [], values_by_year, {**earlier, year: table})


def _attach_exceedances(data: Mapping[str, Sequence[Mapping[str, Any]]], system: IndicatorSystem, year: int,
                        diagnoses: Sequence[EnterpriseDiagnosis]) -> None:
    """The 达标核查 of the discharge concentrations over this run's values: an enterprise exceeding the national
    limit cannot be rated (不达标 once 属实, 超标待核实 before); a finding marked 数据有误 does not count."""
    fresh = [{"uscc": d.uscc, "enterprise": d.name, "year": year, "indicator_id": iid,
              "indicator": system.indicator(iid).name, "unit": system.indicator(iid).unit, "value": v.value,
              "origin": v.origin} for d in diagnoses for iid, v in d.values.items() if _num(v.value) is not None]
    verified = {(_text(r.get("uscc")), r.get("year"), _text(r.get("outlet")), _text(r.get("pollutant"))):
                _text(r.get("verified")) for r in data.get("compliance", ()) if _text(r.get("kind")) == CONC_EXCEED}
    by = {d.uscc: d for d in diagnoses}
    for b in find_breaches({**data, "indicator_values": fresh}, year):
        d = by.get(b.uscc)
        if b.kind != CONC_EXCEED or d is None:
            continue
        v = verified.get((b.uscc, b.year, b.outlet, b.pollutant)) or VERIFIED_PENDING
        if v != VERIFIED_WRONG:
            d.exceedances.append((b, VERIFIED_TRUE if v == VERIFIED_TRUE else VERIFIED_PENDING))


def _score_input(values: Mapping[str, ValueEntry]) -> dict[str, Any]:
    return {iid: v.value for iid, v in values.items() if v.value is not None}


def _gap(v: ValueEntry) -> float | None:
    """Relative gap between the reported and the computed value of an indicator (None: not both numbers)."""
    if v.reported is None or not isinstance(v.value, (int, float)) or isinstance(v.value, bool):
        return None
    base = max(abs(v.value), abs(v.reported))
    return abs(v.value - v.reported) / base if base else 0.0


def _problems(system: IndicatorSystem, year: int, diagnoses: Sequence[EnterpriseDiagnosis],
              tolerance: float = 0.05) -> list[Problem]:
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
        for b, verified in d.exceedances:
            out.append(Problem(
                "diagnosis.exceedance", "warning",
                f"{who}{b.sentence()}（达标核查：{verified}）：" + (
                    "等级判为不达标。" if verified == VERIFIED_TRUE else
                    f"等级记为“{EXCEED_PENDING}”（按指标评分为{d.provisional_label}，暂定，不计入Ⅰ、Ⅱ、Ⅲ级）。"),
                "审核小组现场核实后在“达标核查”的“核实情况”中填写“属实”或“数据有误”，再运行 cpxl diagnose。",
                sheet="达标核查", field=b.pollutant, enterprise=d.uscc))
        for iid, v in d.values.items():
            ind = system.indicator(iid)
            if v.audit_note:
                out.append(Problem("diagnosis.audited_without_reason", "error", f"{who}指标「{ind.name}」（{iid}）：{v.audit_note}。",
                                   "在“指标值汇总”该行的“依据/说明”中写明核定的理由和依据（如现场核查记录、监测报告）",
                                   sheet="指标值汇总", field=ind.name, enterprise=d.uscc))
            gap = _gap(v)
            if gap is not None and gap > tolerance:
                out.append(Problem(
                    "diagnosis.reported_vs_computed", "warning",
                    f"{who}指标「{ind.name}」：企业填报 {v.reported:g}{ind.unit}，由其填报的附录B数据计算为 "
                    f"{v.value:.4g}{ind.unit}（{v.basis}），相差 {100 * gap:.0f}%，超过容差 {100 * tolerance:g}%；"
                    "评分采用计算值。",
                    "请企业核对填报值或附录B数据；审核组核定采用其他值的，在“指标值汇总”中以“审核组核定”填写并写明理由",
                    sheet="指标值汇总", field=ind.name, enterprise=d.uscc))
            for w in v.warnings:
                out.append(Problem("diagnosis.unit_mismatch", "warning", f"{who}指标「{ind.name}」（{iid}）：{w}。",
                                   "核对指标体系中的单位。", sheet="指标体系", field=ind.name, enterprise=d.uscc))
            if v.value is not None:
                continue
            derived_q = ind.quantity in packs.known_quantities()
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
