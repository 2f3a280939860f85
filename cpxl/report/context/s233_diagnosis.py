"""Appendix C 2.3.3 清洁生产水平诊断 (guideline 5.2.3): levels, dimensions, common problems, matrix."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from cpxl.book.indicator_check import check_system_rows

from ..fmt import (
    fnum,
    join_cn,
    level_zh,
    number,
    pct,
    roman_level,
    text,
)
from .data import BELOW_II, DEFAULT_COMMON_SHARE, DIMENSIONS, LEVEL_MEANING, LEVELS, RATED, Data, _split
from .s231_objects import standard_unit

Rows = list[dict[str, Any]]


_BENCH = re.compile(r"^\s*(<=|>=|≤|≥|<|>|＜|＞|=)?\s*(-?\d+(?:\.\d+)?)\s*$")
_RANGE = re.compile(r"^\s*\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")


def parse_benchmark(s: Any) -> tuple[str, float, float | None] | None:
    """``"≤30"`` → ``("≤", 30, None)``; ``"[3, 4] …"`` → ``("range", 3, 4)``; anything else → ``None``."""
    t = text(s).replace("＜", "<").replace("＞", ">").replace("<=", "≤").replace(">=", "≥")
    m = _RANGE.match(t)
    if m:
        return "range", float(m.group(1)), float(m.group(2))
    m = _BENCH.match(t)
    if m and m.group(1):
        return m.group(1), float(m.group(2)), None
    return None


def _meets(b: tuple[str, float, float | None], x: float) -> bool:
    op, v, hi = b
    if op == "range":
        return v <= x <= (hi if hi is not None else v)
    return {"≤": x <= v, "<": x < v, "≥": x >= v, ">": x > v, "=": x == v}[op]


def level_of(value: float, ind: Mapping[str, Any]) -> str | None:
    """The level a quantitative value reaches against the system's benchmarks (``None``: cannot tell)."""
    bs = [parse_benchmark(ind.get(k)) for k in ("level1", "level2", "level3")]
    if any(b is None for b in bs):
        return None
    for b, label in zip(bs, RATED, strict=True):
        if _meets(b, value):  # type: ignore[arg-type]
            return label
    return "未达到Ⅲ级"


def _indicator_levels(d: Data) -> tuple[dict[str, dict[str, dict[str, Any]]], str]:
    """uscc → indicator id → {value, level, na} of the statistical year; and where they came from."""
    src, rows = "indicator_values", d.year_rows("indicator_values")
    uk, nk = "uscc", "enterprise"
    if not rows:
        src, rows, uk, nk = "all_ent_indicators", d.year_rows("all_ent_indicators"), "ent_uscc", "ent_name"
    inds = d.indicators
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        u, iid = text(r.get(uk)), text(r.get("indicator_id"))
        if not u or not iid:
            continue
        if text(r.get(nk)) and u not in d.names:
            d.names[u] = text(r.get(nk))
        na = text(r.get("not_applicable")) == "是"
        value = number(r.get("value"))
        level = level_zh(r.get("self_level")) or None
        if level is None and value is not None and iid in inds:
            level = level_of(value, inds[iid])
        out[u][iid] = {"value": value, "level": level, "na": na}
    return out, src


def _short(benchmark: Any, kind: Any, limit: int = 16) -> str:
    """A benchmark for the indicator table: long qualitative requirements are referred to the sheet."""
    t = re.sub(r"（原文[：:][^）]*）", "", text(benchmark)).strip()
    return t if len(t) <= limit or text(kind) == "定量" else "定性要求"


def _system_part(d: Data, out: dict[str, Any]) -> None:
    system = d.rows("indicator_system")
    intro: list[str] = []
    if system:
        lim = [r for r in system if text(r.get("limiting")) == "是"]
        cats = list(dict.fromkeys(text(r.get("category")) for r in system if text(r.get("category"))))
        intro.append("参照清洁生产评价指标体系，采用标准对比法、先进对照法和同类类比法，对审核企业的清洁生产水平进行诊断。"
                     f"指标体系包括一级指标{d.n('cats', len(cats), 'int')}项、二级指标"
                     f"{d.n('inds', len(system), 'int', table='s233.indicators', agg='count')}项（定量指标"
                     f"{d.n('quant', sum(text(r.get('kind')) == '定量' for r in system), 'int')}项、定性指标"
                     f"{d.n('qual', sum(text(r.get('kind')) == '定性' for r in system), 'int')}项），其中限定性指标"
                     f"{d.n('limiting', len(lim), 'int')}项"
                     + (f"（{join_cn((d.lab(r.get('indicator')) for r in lim), limit=4)}）" if lim else "")
                     + f"，见{d.ref('s233.indicators')}。")
        by_dim: dict[str, Rows] = defaultdict(list)
        for r in system:
            by_dim[text(r.get("dimension")) or "未归类"].append(r)
        covered = [k for k in DIMENSIONS if by_dim.get(k)]
        out["dims"] = [{"dimension": k, "count": str(len(by_dim.get(k, []))),
                        "limiting": str(sum(text(r.get("limiting")) == "是" for r in by_dim.get(k, []))),
                        "examples": join_cn((text(r.get("indicator")) for r in by_dim.get(k, [])), limit=3) or "—"}
                       for k in (*DIMENSIONS, *(k for k in by_dim if k not in DIMENSIONS))]
        missing = [k for k in DIMENSIONS if k not in covered]
        s = f"按《行业整体清洁生产审核指南》5.2.3 的诊断内容归类，指标覆盖{d.n('dims', len(covered), 'int')}个诊断维度"
        if missing:
            s += f"，{join_cn(missing)}无对应指标，由审核小组通过现场考察（见2.3.1节）和专家经验补充评价"
        intro.append(s + f"（见{d.ref('s233.dims')}）。")
        looser = [p for p in check_system_rows(system) if p.rule == "system.looser_than_limit"]
        if looser:
            intro.append("需要说明的是，" + "；".join(d.lab(standard_unit(re.sub(r"（[A-Za-z0-9_.-]+）", "", p.message.split("：")[0]))) for p in looser)
                         + "。达到Ⅲ级基准值不等于达标排放：本报告按所采用的指标体系原文使用，未作修改；排放浓度超过国家排放标准限值的企业"
                         "由达标核查判定（见2.3.1节），不评定清洁生产等级。")
        for r in system:
            d.lab(r.get("indicator"))
        out["indicators"] = [{"no": str(i), "category": text(r.get("category")), "indicator": text(r.get("indicator")),
                              "unit": text(r.get("unit")), "weight": fnum(r.get("weight"), dash=""),
                              "limiting": text(r.get("limiting")), "l1": _short(r.get("level1"), r.get("kind")),
                              "l2": _short(r.get("level2"), r.get("kind")), "l3": _short(r.get("level3"), r.get("kind"))}
                             for i, r in enumerate(system, start=1)]
    else:
        intro.append("审核总表未录入清洁生产评价指标体系，无法按指标开展水平诊断。")
        out["dims"], out["indicators"] = [], []
    out["intro"] = intro


def _levels_part(d: Data, out: dict[str, Any]) -> None:
    diag = d.rows("diagnosis")
    lv: list[str] = []
    counts = Counter(level_zh(r.get("level")) or "数据不全" for r in diag)
    n = len(diag)
    shown = [k for k in LEVELS if k != "超标待核实" or counts.get(k)]
    out["level_rows"] = [{"level": k, "meaning": LEVEL_MEANING[k], "count": str(counts.get(k, 0)),
                          "share": pct(counts.get(k, 0), n)} for k in shown] if diag else []
    if not diag:
        lv.append("审核总表尚未录入清洁生产水平诊断结果（运行 cpxl diagnose 后生成），本节仅依据各企业的指标等级进行分析。")
        out["levels"] = lv
        return
    parts = []
    for k in LEVELS:
        c = counts.get(k, 0)
        if not c:
            continue
        said = d.n("level_" + k, c, "int", table="s233.level_rows", col="企业数（家）", agg="value", where=("清洁生产水平", k))
        share = d.n("levelshare_" + k, c / n, "pct")
        if k in RATED:
            parts.append(f"达到{k}（{LEVEL_MEANING[k]}）的{said}家，占{share}")
        elif k == "超标待核实":
            parts.append(f"疑似超标排放（待核实）、等级暂定的{said}家，占{share}")
        else:
            parts.append(f"{k}的{said}家，占{share}")
    lv.append(f"{d.n('diag', n, 'int', table='s233.level_rows', col='企业数（家）', agg='sum')}家企业的综合评价结果为："
              + "；".join(parts) + f"（见{d.ref('s233.level_rows')}、{d.ref('fig.level')}）。")
    at3 = sum(counts.get(k, 0) for k in RATED)
    lv.append(f"达到国内清洁生产一般水平（Ⅲ级）及以上的企业{d.n('at3', at3, 'int')}家，占{d.n('at3share', at3 / n, 'pct')}；"
              f"其中Ⅱ级及以上{d.n('at2', counts.get('Ⅰ级', 0) + counts.get('Ⅱ级', 0), 'int')}家。")
    d.facts["levels"] = {k: counts.get(k, 0) for k in LEVELS}
    d.facts["n_diag"] = n
    bonus = any("加分项" in text(r.get("category")) for r in d.rows("indicator_system"))
    lv.append("等级按评价指标体系规定的方法判定：Ⅰ级、Ⅱ级要求相应等级的综合评价指数达到规定分值且限定性指标达到相应等级；"
              "Ⅲ级要求全部指标达到Ⅲ级基准值（Ⅲ级综合评价指数为满分"
              + ("，不计加分项；附表中的综合评价指数含加分项，故指数为满分的企业仍可能未达到Ⅲ级" if bonus else "")
              + "）。因此，达不到Ⅱ级要求、又有指标未达到Ⅲ级基准值的企业"
              "判为不达标；Ⅱ级企业也可能有个别非限定性指标未达到Ⅲ级基准值，这些指标列为其企业层面目标。"
              "此外，达标排放是评定清洁生产等级的前提：达标核查（见2.3.1节）发现排放浓度超过国家排放标准限值的企业不评定等级，"
              "经审核小组核实属实的判为不达标，尚待核实的记为“超标待核实”，其按指标评分的等级为暂定，不计入Ⅰ、Ⅱ、Ⅲ级。")
    _exceedance_sentence(d, diag, lv)
    below = [r for r in diag if level_zh(r.get("level")) == "不达标"]
    if below:
        lim = Counter(t for r in below for t in _split(r.get("limiting_failures")))
        other = Counter(t for r in below for t in _split(r.get("blockers")) if t not in lim)
        exceeded = [r for r in below if "经核实属实" in text(r.get("exceedances"))]
        why = []
        if lim:
            why.append("限定性指标未达到Ⅲ级基准值（限定性指标未达到Ⅲ级即不能评级）："
                       + join_cn(f"{d.lab(d.indicator_name(k))}（{d.n('lim_below_' + k, v, 'int')}家）"
                                 for k, v in lim.most_common(5)))
        if other:
            why.append("其他未达到Ⅲ级基准值的指标："
                       + join_cn(f"{d.lab(d.indicator_name(k))}（{d.n('below_' + k, v, 'int')}家）"
                                 for k, v in other.most_common(5)))
        if exceeded:
            why.append(f"排放浓度超标经核实属实（{d.n('below_exceed', len(exceeded), 'int')}家）")
        lv.append(f"不达标的{d.n('below', len(below), 'int')}家企业，"
                  + ("原因是" + "；".join(why) if why else "未能达到Ⅲ级的全部要求") + "。")
    lim_fail = [r for r in diag if text(r.get("limiting_failures"))]
    if lim_fail:
        toks = Counter(t for r in lim_fail for t in _split(r.get("limiting_failures")))
        lv.append(f"有{d.n('limfail', len(lim_fail), 'int')}家企业存在未达标的限定性指标，为"
                  + join_cn(f"{d.lab(d.indicator_name(k))}（{d.n('lim_' + k, v, 'int')}家）" for k, v in toks.most_common(3)) + "。")
        d.facts["limiting_fail"] = len(lim_fail)
    missing = [r for r in diag if text(r.get("missing"))]
    if missing:
        lv.append(f"有{d.n('missing', len(missing), 'int')}家企业数据不全（缺少部分或全部指标数据），等级为暂定，"
                  "已列入数据补报清单，不为其设置缺失指标的目标和方案。")
        d.facts["missing_data"] = len(missing)
    _qualitative_sentence(d, lv)
    d.charts["level"] = {"labels": list(shown), "counts": [counts.get(k, 0) for k in shown],
                         "alt": "柱状图：企业清洁生产水平分布，" + "，".join(f"{k}{counts.get(k, 0)}家" for k in shown)}
    out["levels"] = lv
    out["results"] = [{"no": str(i), "enterprise": d.name_of(r), "y1": fnum(r.get("y1"), 1), "y2": fnum(r.get("y2"), 1),
                       "y3": fnum(r.get("y3"), 1), "level": level_zh(r.get("level")),
                       "limiting": "、".join(d.indicator_name(t) for t in _split(r.get("limiting_failures"))) or "—"}
                      for i, r in enumerate(diag, start=1)]
    lv.append(f"各企业的综合评价指数和等级见{d.ref('annex.results')}，指标等级矩阵见{d.ref('annex.matrix')}。")


NAMED = 10  # enterprises a sentence names; the others are in the annex (the body does not grow with the audit)


def _exceedance_sentence(d: Data, diag: Rows, lv: list[str]) -> None:
    """The enterprises the 达标核查 keeps from a level, with the level their indicators alone would give."""
    pending = [r for r in diag if level_zh(r.get("level")) == "超标待核实"]
    if not pending:
        return
    items = [f"{d.name_of(r)}（{d.lab(standard_unit(text(r.get('exceedances')))) or '排放浓度超标'}；按指标评分为"
             f"{level_zh(r.get('provisional_level')) or '—'}）" for r in pending]
    shown = items[:NAMED]
    more = (f"等（其余{d.n('pending_exceed_more', len(items) - NAMED, 'int')}家见{d.ref('annex.results')}）"
            if len(items) > NAMED else "")
    lv.append(f"疑似超标排放（待核实）的{d.n('pending_exceed', len(pending), 'int')}家企业为：" + "；".join(shown) + more
              + "。这些企业的等级暂定，待审核小组核实：属实的判为不达标并限期整改，数据有误的由企业更正后重新诊断。")
    d.facts["exceed_pending"] = len(pending)


def _qualitative_sentence(d: Data, lv: list[str]) -> None:
    """Which qualitative scores are the enterprises' own (自评) and which the audit team verified on site."""
    qual = {iid for iid, ind in d.indicators.items() if text(ind.get("kind")) == "定性"}
    rows = [r for r in d.year_rows("indicator_values") if text(r.get("indicator_id")) in qual and text(r.get("uscc"))]
    if not qual or not rows:
        return
    visited = {text(r.get("uscc")) for r in d.rows("site_inspections")
               if text(r.get("uscc")) and text(r.get("kind")) == "现场考察"}
    ents = {text(r.get("uscc")) for r in rows}
    audited = {text(r.get("uscc")) for r in rows if text(r.get("origin")) == "审核组核定"}
    on_site = (visited | audited) & ents
    s = (f"{d.n('qual_n', len(qual), 'int')}项定性指标的等级由企业自评：其中{d.n('qual_visited', len(on_site), 'int')}家企业"
         "的自评等级经审核小组现场考察核实（见2.3.1节）")
    if audited:
        s += f"，{d.n('qual_audited', len(audited), 'int')}家有审核组核定的等级"
    rest = len(ents - on_site)
    if rest:
        s += (f"；其余{d.n('qual_self', rest, 'int')}家企业未经现场考察，定性指标采用企业自评等级，"
              "其评价结果以企业自评为准，有待后续核实")
    lv.append(s + "。")


def _common_part(d: Data, out: dict[str, Any], levels: Mapping[str, Any], src: str) -> list[dict[str, Any]]:
    inds = d.indicators
    pb: list[str] = []
    share_set = number(d.setting("common_share"))
    threshold = (share_set if share_set is not None else DEFAULT_COMMON_SHARE) / 100
    stats = []
    for iid, ind in inds.items():
        vals = [e[iid] for e in levels.values() if iid in e and not e[iid]["na"] and e[iid]["level"]]
        if not vals:
            continue
        below2 = sum(v["level"] in BELOW_II for v in vals)
        below3 = sum(v["level"] == "未达到Ⅲ级" for v in vals)
        stats.append({"iid": iid, "indicator": text(ind.get("indicator")), "dimension": text(ind.get("dimension")),
                      "n": len(vals), "below2": below2, "below3": below3, "share2": below2 / len(vals),
                      "limiting": text(ind.get("limiting")) == "是"})
    stats.sort(key=lambda s: (-s["share2"], -s["below3"], s["indicator"]))
    judged = [r for r in d.rows("common_problems") if text(r.get("indicator_id"))]
    if judged:  # cpxl diagnose judged the common problems: the report states its figures
        by = {s["iid"]: s for s in stats}
        common = []
        for r in judged:
            s = dict(by.get(text(r.get("indicator_id")), {"iid": text(r.get("indicator_id")),
                                                           "indicator": text(r.get("indicator")), "below3": 0}))
            s.update(n=int(number(r.get("n_assessed")) or 0), below2=int(number(r.get("n_below")) or 0),
                     dimension=text(r.get("dimension")) or s.get("dimension", ""),
                     below3=int(number(r.get("n_below_iii")) or s.get("below3", 0)))
            s["share2"] = s["below2"] / s["n"] if s["n"] else 0
            common.append(s)
    else:
        common = [s for s in stats if s["share2"] >= threshold and s["below2"]]
    shown = common or [s for s in stats if s["below2"]][:5]
    out["problems"] = [{"no": str(i), "indicator": s["indicator"], "dimension": s["dimension"] or "—",
                        "n": str(s["n"]), "below2": str(s["below2"]), "share2": pct(s["share2"]),
                        "below3": str(s["below3"]), "share3": pct(s["below3"], s["n"])}
                       for i, s in enumerate(shown[:15], start=1)]
    source = "诊断核定的指标值" if src == "indicator_values" else "企业填报的指标值和自评等级"
    if stats:
        pb.append(f"依据{source}，对{d.n('assessed', len(levels), 'int')}家企业的{d.n('stat_inds', len(stats), 'int')}项指标"
                  f"逐项统计未达到Ⅱ级（国内清洁生产先进水平）的企业比例，比例不低于"
                  f"{d.n('threshold', threshold, 'pct')}的指标判定为行业关键共性问题。")
        if common:
            dims = Counter(s["dimension"] for s in common if s["dimension"])
            pb.append(f"识别出行业关键共性问题{d.n('common', len(common), 'int', table='s233.problems', agg='count')}项："
                      + join_cn((f"{d.lab(s['indicator'])}（{d.n('c2_' + s['iid'], s['below2'], 'int', table='s233.problems', col='未达Ⅱ级（家）', agg='value', where=('指标', s['indicator']))}"
                                 f"/{d.n('cn_' + s['iid'], s['n'], 'int')}家未达到Ⅱ级）" for s in common), limit=5)
                      + (f"，集中在{join_cn(k for k, _ in dims.most_common(2))}方面" if dims else "")
                      + f"（见{d.ref('s233.problems')}）。")
            d.facts["common"] = [s["indicator"] for s in common]
        else:
            pb.append(f"没有指标的未达到Ⅱ级企业比例达到{d.n('threshold2', threshold, 'pct')}，未识别出行业关键共性问题；"
                      f"未达到Ⅱ级企业比例较高的指标见{d.ref('s233.problems')}，在企业层面方案中解决。")
        fail3 = sorted((s for s in stats if s["below3"]), key=lambda s: -s["below3"])
        if fail3:
            pb.append(f"有{d.n('fail3', len(fail3), 'int')}项指标存在未达到Ⅲ级的企业："
                      + join_cn((f"{d.lab(s['indicator'])}（{d.n('f3_' + s['iid'], s['below3'], 'int')}家）" for s in fail3), limit=6)
                      + "。这些指标是相关企业达到Ⅲ级的障碍，列为其企业层面目标；涉及排放浓度的，同时按达标排放问题处理（见2.3.1节）。")
    else:
        pb.append("审核总表尚未录入各企业的指标值，暂不能识别行业关键共性问题。")
    out["problems_text"] = pb
    return stats


def s233_diagnosis(d: Data) -> dict[str, Any]:
    out: dict[str, Any] = {}
    inds = d.indicators
    _system_part(d, out)
    _levels_part(d, out)
    levels, src = _indicator_levels(d)
    stats = _common_part(d, out, levels, src)
    # benchmarking chart ---------------------------------------------------------------
    bench = []
    seq = {text(e.get("uscc")): str(i) for i, e in enumerate(d.enterprises, start=1)}  # 序号 of 附表1
    order = [s["iid"] for s in stats] + [i for i in inds if i not in {s["iid"] for s in stats}]
    for iid in order:
        ind = inds[iid]
        if text(ind.get("kind")) == "定性":
            continue
        bs = [parse_benchmark(ind.get(k)) for k in ("level1", "level2", "level3")]
        if any(b is None or b[0] == "range" for b in bs):
            continue
        pairs = sorted((e[iid]["value"], u) for u, e in levels.items() if iid in e and e[iid]["value"] is not None)
        vals = [v for v, _ in pairs]
        if len(vals) < 2 or len({b[1] for b in bs}) < 2:  # type: ignore[index]
            continue
        bench.append({"name": text(ind.get("indicator")), "unit": text(ind.get("unit")), "values": vals,
                      "lines": dict(zip(RATED, (b[1] for b in bs), strict=True)),  # type: ignore[index]
                      "lower_better": bs[0][0] in ("≤", "<"),  # type: ignore[index]
                      "codes": [seq.get(u, "") for _, u in pairs]})
        if len(bench) == 4:
            break
    if bench:
        d.charts["bench"] = {"indicators": bench,
                             "alt": "对标图：" + "、".join(b["name"] for b in bench) + "的各企业指标值与Ⅰ、Ⅱ、Ⅲ级基准值"}
        out["bench_text"] = [f"选取{join_cn(d.lab(b['name']) for b in bench)}等指标，将各企业指标值与Ⅰ、Ⅱ、Ⅲ级基准值进行对标，"
                             f"见{d.ref('fig.bench')}。"]
    else:
        out["bench_text"] = []
    out["matrix"] = _matrix(d, levels, inds)
    d.facts["matrix_source"] = "诊断核定的指标值" if src == "indicator_values" else "企业填报的指标值和自评等级"
    d.count("2.3.3", len(d.rows("diagnosis")) + sum(len(e) for e in levels.values()))
    return out


MATRIX_COLUMNS = 20  # indicator columns per landscape table


def _matrix(d: Data, levels: Mapping[str, Mapping[str, Mapping[str, Any]]],
            inds: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not levels or not inds:
        return []
    ids = [i for i in inds if any(i in e for e in levels.values())]
    if not ids:
        return []
    number_of = {iid: str(n) for n, iid in enumerate(inds, start=1)}
    order = [text(e.get("uscc")) for e in d.enterprises if text(e.get("uscc")) in levels]
    order += [u for u in levels if u not in set(order)]
    parts = []
    chunks = [ids[i:i + MATRIX_COLUMNS] for i in range(0, len(ids), MATRIX_COLUMNS)]
    for k, chunk in enumerate(chunks, start=1):
        rows = []
        for j, u in enumerate(order, start=1):
            cells = []
            for iid in chunk:
                v = levels[u].get(iid)
                if v is None:
                    cells.append("—")
                elif v["na"]:
                    cells.append("/")
                else:
                    cells.append(roman_level(v["level"]) or "—")
            rows.append({"no": str(j), "name": d.names.get(u, u), "cells": cells})
        parts.append({"title": "企业清洁生产指标等级矩阵" + (f"（{k}/{len(chunks)}）" if len(chunks) > 1 else ""),
                      "columns": [number_of[i] for i in chunk], "rows": rows})
    return parts
