"""The bundled demo audit: a fictional province's hazardous-waste incineration industry.

Everything is generated from ``data/demo/dongan.json`` with a fixed seed, so every run gives the
same enterprises and the same figures: the master workbook's entries (team, plan, training,
enterprise list, Appendix B.1/B.3 a), indicator system), and for every enterprise the data it
returns in its template — with the typical mistakes real enterprises make in a few of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import openpyxl

from cpxl.book import schema
from cpxl.book.indicator_sheet import reported_rows, system_rows
from cpxl.book.layout import layout_for
from cpxl.book.xlsxwrite import cell_value, put
from cpxl.core.paths import DATA
from cpxl.domain import codes, packs
from cpxl.domain.indicators import IndicatorSystem, load_system

CONFIG = DATA / "demo" / "dongan.json"
LEVEL_LABEL = {"I": "I级", "II": "II级", "III": "III级", None: "未达到III级"}
#: The indicators the weakest enterprises miss at Ⅲ级, one each (emission breaches among them).
PROBLEMS = ("dioxin_emission", "hcl_concentration", "dioxin_emission", "thallium_compound", "nox_concentration",
            "fly_ash_utilization")
FEE_WAN_PER_T = 0.35  # the demo's disposal fee, 万元 per t (fictional)


_F = TypeVar("_F", bound=Callable[..., Any])



#: the first names of the demo's people list are the audit team (审核小组); enterprises' contacts are others
TEAM_SIZE = 7


def _not_on_team(name: str, people: list[str]) -> str:
    """An enterprise's person: never one of the audit team's members (people[:TEAM_SIZE])."""
    i = people.index(name)
    return people[TEAM_SIZE + i % (len(people) - TEAM_SIZE)] if i < TEAM_SIZE else name

def _in_demo_pack(fn: _F) -> _F:
    """Run with the demo's industry pack active (its schemas, lists and computed quantities)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with packs.activated(config()["industry_pack"]):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def config() -> dict[str, Any]:
    return json.loads(CONFIG.read_text(encoding="utf-8"))


def audit_extra(year: int) -> dict[str, Any]:
    """The demo's 审核任务 entries beyond the defaults of ``cpxl init``."""
    cfg = config()
    return {
        "organizer": cfg["organizer"],
        "technical_unit": cfg["technical_unit"],
        "scope_boundary": "全省危险废物焚烧处置企业的贮存、预处理、焚烧、烟气治理、残渣处置全过程；重点关注能源、特征污染物与温室气体",
        "start_date": f"{year + 1}-03-01",
        "end_date": f"{year + 1}-12-31",
        "contract_no": f"DLHB-{year + 1}-CP-017",
        "contract_party": cfg["organizer"],
        "contract_scope": "开展全省危险废物焚烧处置行业整体清洁生产审核，完成资料收集、现场考察、诊断、方案制定与报告编制",
        "cover_note": cfg["cover_note"],
    }


def _uscc(rng: random.Random, region_code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region_code + "".join(rng.choice("0123456789") for _ in range(2)) + \
        "".join(rng.choice(alphabet) for _ in range(6)) + rng.choice("0123456789X".replace("X", "0"))
    return body + codes.uscc_check_char(body)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def enterprises(n: int = 28, seed: int = 2025) -> list[dict[str, Any]]:
    """The fictional enterprise list, with a hidden quality factor ``_q`` in [0, 1] driving their data."""
    cfg = config()
    rng = random.Random(seed)
    stems = rng.sample(cfg["name_stems"], k=min(n, len(cfg["name_stems"])))
    out = []
    for i in range(n):
        city = cfg["cities"][i % len(cfg["cities"])]
        stem = stems[i % len(stems)]
        name = f"{city['name'][:2]}{stem}{rng.choice(cfg['name_suffixes'])}"
        if i == 5:
            name = "岚州绿源&清源<合资>环保有限公司"  # special characters must survive every step
        cap = rng.choice([10000, 15000, 20000, 30000, 30000, 45000, 60000])
        size = "大型" if cap >= 45000 else ("中型" if cap >= 20000 else "小型")
        uscc = _uscc(rng, city["code"])
        out.append({
            "name": name,
            "uscc": uscc,
            "industry_code": cfg["industry_code"],
            "county": (county := rng.choice(city["counties"])),
            # the address lies in the enterprise's county (the second draw keeps the random stream of older demos)
            "address": f"{cfg['region']}{city['name']}{county}环保路{rng.choice(city['counties']) and rng.randint(1, 300)}号",
            "longitude": round(city["lon"] + rng.uniform(-0.3, 0.3), 4),
            "latitude": round(city["lat"] + rng.uniform(-0.3, 0.3), 4),
            "size": size,
            "key_polluter": "是",
            "heavy_pollution": "是",
            "ghg_reporting": "是" if cap >= 45000 else "否",
            "key_water_user": "是" if cap >= 60000 else "否",
            "key_energy_user": "是" if cap >= 30000 else "否",
            "mandatory_audit": "是" if rng.random() < 0.6 else "否",
            "mandated_focus": rng.choice(["", "", "二噁英类", "重金属", "能源"]),
            "permit_no": f"{uscc}001P",
            "main_products": "危险废物焚烧处置",
            "design_capacity": cap,
            "capacity_unit": "t/a",
            "contact_person": _not_on_team(rng.choice(cfg["people"]), cfg["people"]),
            "contact_phone": _phone(rng),
            "email": f"hb{i + 1:02d}@example.com",
            "_q": round(rng.betavariate(2.2, 2.0), 3),
            "_employees": rng.randint(45, 220),
        })
    for e in out:  # a direction of the published list only for an enterprise on it (5.2.2)
        if e["mandatory_audit"] != "是":
            e["mandated_focus"] = ""
    # a few enterprises miss Ⅲ级 on one indicator each (most of the industry reaches Ⅲ级 or better)
    weakest = sorted(range(n), key=lambda k: out[k]["_q"])
    for k, iid in zip(weakest, PROBLEMS, strict=False):
        out[k]["_problem"] = iid
    return out


@_in_demo_pack
def master_data(year: int, ents: Sequence[Mapping[str, Any]], system: IndicatorSystem) -> dict[str, list[dict]]:
    """The regulator's entries of the demo audit, keyed by schema key."""
    cfg = config()
    people = cfg["people"]
    start = dt.date(year + 1, 3, 1)
    team = [
        {"name": people[0], "role": "组长", "department_title": f"{cfg['organizer']} 副厅长",
         "duties": "审核工作的统筹部署与监督落实", "time_input": "全程", "contact": "0551-62800001"},
        {"name": people[1], "role": "副组长", "department_title": f"{cfg['organizer']}科技与财务处 处长",
         "duties": "各参与方的组织协调、支持保障", "time_input": "全程", "contact": "0551-62800002"},
        {"name": people[2], "role": "副组长", "department_title": f"{cfg['technical_unit']} 副院长 / 正高级工程师",
         "duties": "审核工作的技术指导", "time_input": "全程", "contact": "0551-62800003"},
        {"name": people[3], "role": "组员", "department_title": "东岚省工业和信息化厅节能处 副处长",
         "duties": "节能诊断与政策衔接", "time_input": f"{year + 1}年4月—9月", "contact": "0551-62800004"},
        {"name": people[4], "role": "组员", "department_title": "东岚省环保产业协会 秘书长",
         "duties": "宣传教育与能力建设", "time_input": f"{year + 1}年3月—6月", "contact": "0551-62800005"},
        {"name": people[5], "role": "组员", "department_title": f"{cfg['technical_unit']} 高级工程师",
         "duties": "资料收集、现场考察与诊断分析", "time_input": "全程", "contact": "0551-62800006"},
        {"name": people[6], "role": "组员", "department_title": f"{cfg['technical_unit']} 工程师",
         "duties": "数据汇总、指标计算与报告编制", "time_input": "全程", "contact": "0551-62800007"},
        {"name": ents[0]["contact_person"], "role": "组员", "department_title": f"{ents[0]['name']} 环保部经理",
         "duties": "企业层面审核的配合与实施", "time_input": f"{year + 1}年4月—10月", "contact": ents[0]["contact_phone"]},
    ]
    plan_dates = [0, 7, 30, 45, 75, 90, 120, 150, 180, 210]
    resp = ["科技与财务处 " + people[1], "科技与财务处 " + people[1], "环保产业协会 " + people[4],
            "技术单位 " + people[5], "技术单位 " + people[5], "技术单位 " + people[2], "技术单位 " + people[2],
            "技术单位 " + people[6], "技术单位 " + people[6], "技术单位 " + people[2]]
    plan = [dict(row, due_date=(start + dt.timedelta(days=d)).isoformat(), responsible=r)
            for row, d, r in zip(schema.load("work_plan").prefill, plan_dates, resp, strict=True)]
    training = [
        {"date": (start + dt.timedelta(days=5)).isoformat(), "channel": "下达正式文件",
         "topic": "行业整体清洁生产审核的内容与要求", "content": "印发《关于开展全省危险废物焚烧处置行业整体清洁生产审核的通知》",
         "audience": "各市生态环境局、审核范围内企业", "attendance": len(ents) + 6, "organizer": cfg["organizer"], "stage": "前期准备"},
        {"date": (start + dt.timedelta(days=20)).isoformat(), "channel": "报告会、研讨会、培训会",
         "topic": "清洁生产及清洁生产审核的概念", "content": "清洁生产审核启动会暨第一期培训",
         "audience": "企业负责人、环保负责人", "attendance": 2 * len(ents) + 11, "organizer": cfg["technical_unit"], "stage": "前期准备"},
        {"date": (start + dt.timedelta(days=24)).isoformat(), "channel": "线上媒体（电视、广播、微信公众号、新媒体）",
         "topic": "我国清洁生产推进政策体系解读", "content": "“东岚环境”公众号专题推送3篇",
         "audience": "社会公众、企业员工", "attendance": None, "organizer": cfg["organizer"], "stage": "前期准备"},
        {"date": (start + dt.timedelta(days=40)).isoformat(), "channel": "报告会、研讨会、培训会",
         "topic": "国内外清洁生产审核成功实例", "content": "焚烧处置行业清洁生产典型案例交流（SNCR+SCR 协同脱硝、飞灰资源化）",
         "audience": "企业技术人员", "attendance": 64, "organizer": "东岚省环保产业协会", "stage": "审核诊断"},
        {"date": (start + dt.timedelta(days=100)).isoformat(), "channel": "管理部门及企业例会",
         "topic": "清洁生产审核中的障碍及其克服", "content": "诊断阶段问题通报与座谈",
         "audience": "审核小组、企业环保负责人", "attendance": 41, "organizer": cfg["organizer"], "stage": "审核诊断"},
        {"date": (start + dt.timedelta(days=170)).isoformat(), "channel": "报告会、研讨会、培训会",
         "topic": "审核行业已取得的审核效果及做法", "content": "清洁生产方案编制与中/高费方案可行性分析培训",
         "audience": "企业负责人、技术人员", "attendance": 58, "organizer": cfg["technical_unit"], "stage": "报告编制"},
    ]
    total_cap = sum(e["design_capacity"] for e in ents)
    staff = sum(e["_employees"] for e in ents)
    economy = []
    for y in (year - 2, year - 1, year):
        treated = sum(treated_amounts(e, year)[y] for e in ents)
        economy.append({"year": y, "enterprise_count": len(ents), "gross_output": round(treated * FEE_WAN_PER_T, 1),
                        "value_added": round(treated * FEE_WAN_PER_T * 0.32, 1),
                        "revenue": round(treated * FEE_WAN_PER_T * 0.97, 1),
                        "employees": staff - 6 * (year - y), "source": "东岚省环保产业协会统计"})
    plans = [
        {"title": "“十四五”全国清洁生产推行方案", "doc_no": "发改环资〔2021〕1524号", "issuer": "国家发展改革委等",
         "issue_date": "2021-10-29", "category": "节能减排方案", "key_points": "推进重点行业清洁生产改造，创新清洁生产审核模式"},
        {"title": "关于深入推进重点行业清洁生产审核工作的通知", "doc_no": "环办科财〔2020〕27号", "issuer": "生态环境部办公厅",
         "issue_date": "2020-10-20", "category": "法律法规", "key_points": "探索开展行业、园区和产业集群整体审核"},
        {"title": "清洁生产审核办法", "doc_no": "国家发展改革委、环境保护部令第38号", "issuer": "国家发展改革委、环境保护部",
         "issue_date": "2016-05-16", "category": "法律法规", "key_points": "强制性审核对象与程序"},
        {"title": "危险废物焚烧污染控制标准（GB 18484-2020）", "doc_no": "GB 18484-2020", "issuer": "生态环境部、国家市场监督管理总局",
         "issue_date": "2020-11-26", "category": "标准规范", "key_points": "焚烧设施烟气排放限值与运行要求"},
        {"title": f"{cfg['region']}“十四五”危险废物规范化环境管理实施方案", "doc_no": "东环发〔2022〕8号",
         "issuer": cfg["organizer"], "issue_date": "2022-03-15", "category": "生态环境保护规划", "key_points": "焚烧处置能力布局与提标改造"},
    ]
    envq = [
        {"element": "大气", "year": year, "site": "全省平均", "parameter": "PM2.5", "value": 33.0, "unit": "μg/m³", "standard": 35.0, "status": "达标"},
        {"element": "大气", "year": year, "site": "全省平均", "parameter": "O₃日最大8小时第90百分位", "value": 162.0, "unit": "μg/m³", "standard": 160.0, "status": "超标"},
        {"element": "地表水", "year": year, "site": "国控断面", "parameter": "优良（Ⅰ—Ⅲ类）比例", "value": 86.4, "unit": "%", "standard": None, "status": "无标准"},
        {"element": "地下水", "year": year, "site": "省控点位", "parameter": "Ⅴ类点位比例", "value": 8.2, "unit": "%", "standard": None, "status": "无标准"},
        {"element": "土壤", "year": year, "site": "重点行业企业用地", "parameter": "安全利用率", "value": 93.0, "unit": "%", "standard": 93.0, "status": "达标"},
        {"element": "声", "year": year, "site": "城市功能区", "parameter": "夜间达标率", "value": 88.5, "unit": "%", "standard": None, "status": "无标准"},
    ]
    region_info = {
        "location": f"{cfg['region']}位于华东沿海，辖{len(cfg['cities'])}个地级市，审核范围内危险废物焚烧处置企业{len(ents)}家，"
                    f"合计设计处置能力{total_cap / 10000:.1f}万吨/年。",
        "location_features": "企业多布局在化工园区及循环经济产业园周边，临近长江支流水系，属于大气污染防治重点区域。",
        "distribution_map": "企业分布图.png（坐标见“企业名单”）",
        "industry_overview": "省内危险废物焚烧处置以回转窑焚烧+余热锅炉+SNCR脱硝+半干法/湿法脱酸+活性炭吸附+布袋除尘为主流工艺，"
                             "部分企业配套飞灰稳定化与炉渣资源化设施。",
    }
    return {
        "team": team, "work_plan": plan, "training": training, "site_inspections": site_inspections(ents, year),
        "enterprises": [{k: v for k, v in e.items() if not k.startswith("_")} for e in ents],
        "industry_region": [region_info], "industry_economy": economy, "industry_plans": plans,
        "regional_environment": envq, "indicator_system": system_rows(system),
    }


# --------------------------------------------------------------------------- enterprise data

def _pick_level(rng: random.Random, q: float, limiting: bool) -> str | None:
    """Ⅰ, Ⅱ or Ⅲ级 — better with the enterprise's quality; below Ⅲ级 only where :data:`PROBLEMS` plants it."""
    r = rng.random()
    p1, p2 = 0.2 + 0.6 * q, 0.35 - 0.1 * q
    if limiting:
        p1 += 0.1
    if r < p1:
        return "I"
    if r < p1 + p2:
        return "II"
    return "III"


def _value_for_level(ind: Any, level: str | None, rng: random.Random) -> float:
    """A plausible value of a quantitative indicator that reaches ``level`` (and not the level above)."""
    nums = [x for b in ind.benchmarks.values() for x in (b.value, b.min, b.max) if x is not None]
    lo, hi = min(nums) * 0.5, max(nums) * 1.4 + (1 if max(nums) == 0 else 0)
    low, high = ind.bounds()  # never a value that cannot exist (a share above 100 %, a negative amount)
    lo, hi = max(lo, low) if low is not None else lo, min(hi, high) if high is not None else hi
    order = ["I", "II", "III"]

    def level_of(x: float) -> str | None:
        for lv in order:
            b = ind.benchmarks[lv]
            if b.op in (None, "none") or not b.test(x):
                continue
            return lv
        return None

    cands = [rng.uniform(lo, hi) for _ in range(80)]
    rank = {"I": 1, "II": 2, "III": 3, None: 4}
    # where levels share a benchmark (heavy metals: ≤0.05 at every level) the level above is also right
    good = ([x for x in cands if level_of(x) == level]
            or [x for x in cands if rank[level_of(x)] <= rank[level]] or cands)
    x = rng.choice(good)
    digits = 3 if abs(x) < 1 else (2 if abs(x) < 100 else 0)
    return round(x, digits) if digits else float(round(x))


@_in_demo_pack
def indicator_rows_for(ent: Mapping[str, Any], system: IndicatorSystem, year: int, rng: random.Random) -> list[dict]:
    rows = []
    reported = {r["indicator_id"] for r in reported_rows(system_rows(system))}
    for ind in system.indicators():
        if ind.id not in reported:
            continue
        level = _pick_level(rng, ent["_q"], ind.limiting)
        if ent.get("_problem") == ind.id:
            level = None
        row: dict[str, Any] = {"indicator_id": ind.id, "indicator": ind.name, "unit": ind.unit, "year": year}
        if ind.qualitative:
            row["self_level"] = LEVEL_LABEL[level]
            row["basis"] = "企业自评"  # the site visits (现场考察) say which were verified
        elif ind.scorable:
            row["value"] = _value_for_level(ind, level, rng)
            row["basis"] = rng.choice(["DCS运行记录", "在线监测年报", "第三方检测报告", "设备台账"])
        else:
            row["not_applicable"] = "是"
            row["basis"] = "指标体系未给出基准值"
        rows.append(row)
    return rows


def treated_amounts(ent: Mapping[str, Any], year: int) -> dict[int, int]:
    """The waste an enterprise treated (t) in the statistical year and the two before it."""
    rng = random.Random(f"load-{ent['uscc']}")
    base = rng.uniform(0.62, 0.92)
    return {y: round(ent["design_capacity"] * min(0.98, base * (1 + 0.03 * (y - year + 2)))) for y in range(year - 2, year + 1)}


def site_inspections(ents: Sequence[Mapping[str, Any]], year: int, generic: bool = False) -> list[dict[str, Any]]:
    """What the audit team recorded on its site visits and talks (5.2.1(2)), in the diagnosis stage.
    ``generic``: texts that name no industry (for the demos of other industries)."""
    cfg = config()
    people = cfg["people"]
    team = f"{people[2]}、{people[5]}、{people[6]}"
    start = dt.date(year + 1, 4, 20)
    if generic:
        return [{"date": (start + dt.timedelta(days=3 * k)).isoformat(), "uscc": e["uscc"], "enterprise": e["name"],
                 "kind": "现场考察", "participants": f"{team}；企业环保负责人{e['contact_person']}",
                 "scope": "原料入厂至产品出厂全流程", "verified": "生产运行记录、在线监测数据、设备维护记录、固体废物转移联单",
                 "corrections": "无", "findings": "运行记录完整，未发现明显问题",
                 "obvious_proposals": "规范能源计量与台账（分车间计量用电）",
                 "policy_check": "排污许可证、应急预案、自行监测方案齐全", "obsolete_check": "未发现", "remarks": ""}
                for k, e in enumerate(sorted(ents, key=lambda e: (-e["design_capacity"], e["name"]))[:4])]
    rows: list[dict[str, Any]] = [{
        "date": (start - dt.timedelta(days=2)).isoformat(), "uscc": "", "enterprise": "", "kind": "座谈",
        "participants": f"{people[0]}、{people[2]}、{people[5]}，{len(ents)} 家企业环保负责人",
        "scope": "行业共性问题与企业诉求", "verified": "通报资料收集进度，逐项说明填报口径（入厂量与入炉量、日均值与测定均值）",
        "corrections": "无", "findings": "多数企业飞灰、炉渣资源化途径不畅；部分企业对 GB 18484-2020 表3 的 24 小时均值限值理解有误",
        "obvious_proposals": "统一按 24 小时均值填报烟气浓度限值；飞灰、炉渣去向台账统一格式",
        "policy_check": "", "obsolete_check": "未核查", "remarks": ""}]
    visited = sorted(ents, key=lambda e: (-e["design_capacity"], e["name"]))[:6]
    visited += [e for e in ents if e.get("_problem") and e not in visited]
    slipped = {ents[i]["uscc"]: kind for i in range(len(ents)) if (kind := mistake_of(i)) in CORRECTED}
    visited += [e for e in ents if e["uscc"] in slipped and e not in visited]
    for k, e in enumerate(visited):
        problem = e.get("_problem")
        finding = {
            "dioxin_emission": "二噁英年度监测值高于 0.5 ngTEQ/Nm³，活性炭喷射量记录不全，急冷段出口温度记录有超过 200℃ 的时段",
            "hcl_concentration": "湿法脱酸塔碱液 pH 控制不稳，氯化氢日均值多日偏高",
            "nox_concentration": "SNCR 喷枪部分堵塞，尿素溶液投加量按经验手动调节",
            "thallium_compound": "入炉废物重金属配伍未建台账，铊测定值高于限值",
            "fly_ash_utilization": "飞灰全部安全填埋，未开展资源化利用",
        }.get(problem or "", "运行记录完整，未发现明显问题")
        corr = CORRECTED.get(slipped.get(e["uscc"], ""), "无")
        if corr == "无" and k == 3:
            corr = "飞灰产生量：与危险废物转移联单核对一致，无需修正"
        rows.append({
            "date": (start + dt.timedelta(days=3 * k)).isoformat(), "uscc": e["uscc"], "enterprise": e["name"],
            "kind": "现场考察", "participants": f"{team}；企业环保负责人{e['contact_person']}",
            "scope": "贮存—预处理—焚烧—余热利用—烟气净化—残渣处置全流程",
            "verified": "DCS 运行记录、在线监测数据、设备维护记录、危险废物转移联单",
            "corrections": corr, "findings": finding,
            "obvious_proposals": "完善活性炭喷射量与急冷温度连锁记录" if problem == "dioxin_emission" else
                                 "规范能源计量与台账（分线计量用电）",
            "policy_check": "排污许可证、应急预案、自行监测方案齐全", "obsolete_check": "未发现", "remarks": ""})
    return rows


@_in_demo_pack
def enterprise_data(ent: Mapping[str, Any], year: int, system: IndicatorSystem, seed: int = 7) -> dict[str, list[dict]]:
    """What one enterprise returns in its template (correct data), keyed by schema key."""
    rng = random.Random(f"{seed}-{ent['uscc']}")
    q = ent["_q"]
    years = (year - 2, year - 1, year)
    cap = ent["design_capacity"]
    ind = {r["indicator_id"]: r for r in indicator_rows_for(ent, system, year, rng)}

    def conc(iid: str, default: float) -> float:
        return ind.get(iid, {}).get("value", default)

    kwh_t = rng.uniform(150, 310) * (1.1 - 0.25 * q)
    gas_t = rng.uniform(4, 22) * (1.1 - 0.3 * q)
    diesel_kg_t = rng.uniform(0.2, 1.6)
    water_t = rng.uniform(5.5, 11.2) * (1.05 - 0.15 * q)
    urea = rng.uniform(2.5, 7.0) * (1.05 - 0.15 * q)
    alkali = rng.uniform(6, 14) * (1.05 - 0.15 * q)
    slag = rng.uniform(18, 33) * (1.05 - 0.15 * q)
    ash = rng.uniform(3, 13.5) * (1.05 - 0.15 * q)
    slag_use = rng.choice([25, 32, 45, 65]) / 100
    ash_use = rng.choice([35, 38, 45, 55, 75]) / 100 if ent.get("_problem") != "fly_ash_utilization" else 0.1
    ww_t = rng.uniform(0.15, 0.45)
    store_frac = rng.uniform(0.0, 0.03)
    cod_removal, nh3_removal = rng.uniform(0.08, 0.2), rng.uniform(0.05, 0.2)
    out: dict[str, list[dict]] = {k: [] for k in (
        "ent_products", "ent_materials", "ent_water", "ent_energy", "ent_reports", "ent_wastewater", "ent_wastegas",
        "ent_solidwaste", "ent_carbon", "ent_monitoring", "ent_inspections")}
    treated = treated_amounts(ent, year)
    for y in years:
        t = treated[y]
        jitter = lambda: rng.uniform(0.96, 1.04)  # noqa: E731
        out["ent_products"].append({"year": y, "product": "危险废物焚烧处置量", "unit": "t", "output": t, "capacity": cap})
        out["ent_materials"] += [
            {"year": y, "material": "尿素", "category": "辅料", "purpose": "脱硝", "unit": "t",
             "consumption": round(t * urea * jitter() / 1000, 1), "hazardous": "否"},
            {"year": y, "material": "氢氧化钠", "category": "辅料", "purpose": "脱硫脱酸", "unit": "t",
             "consumption": round(t * alkali * 0.45 * jitter() / 1000, 1), "hazardous": "是"},
            {"year": y, "material": "消石灰", "category": "辅料", "purpose": "脱硫脱酸", "unit": "t",
             "consumption": round(t * alkali * 0.55 * jitter() / 1000, 1), "hazardous": "否"},
            {"year": y, "material": "活性炭", "category": "辅料", "purpose": "吸附", "unit": "t",
             "consumption": round(t * rng.uniform(0.4, 1.2) / 1000, 2), "hazardous": "否"},
        ]
        intake = round(t * water_t * jitter())
        out["ent_water"].append({"year": y, "source": "自来水", "intake": intake, "reused": round(intake * rng.uniform(0.8, 3.0))})
        out["ent_energy"] += [
            {"year": y, "carrier": "电力", "unit": "kWh", "consumption": round(t * kwh_t * jitter(), -2), "purpose": "生产用电"},
            {"year": y, "carrier": "天然气", "unit": "m³", "consumption": round(t * gas_t * jitter()), "purpose": "焚烧助燃"},
            {"year": y, "carrier": "柴油", "unit": "t", "consumption": round(t * diesel_kg_t * jitter() / 1000, 2), "purpose": "点火、厂内运输"},
        ]
        ww = round(t * ww_t * jitter())
        out["ent_wastewater"] += [
            {"year": y, "pollutant": "废水量", "unit": "m³", "generated": ww, "discharged": round(ww * rng.uniform(0.3, 0.9)),
             "treatment": "物化+生化", "destination": "园区污水处理厂"},
            {"year": y, "pollutant": "化学需氧量", "unit": "t", "generated": round(ww * 2.2e-3, 2),
             "discharged": round(ww * 2.2e-3 * cod_removal, 3), "treatment": "物化+生化", "destination": "园区污水处理厂"},
            {"year": y, "pollutant": "氨氮", "unit": "t", "generated": round(ww * 1.5e-4, 3),
             "discharged": round(ww * 1.5e-4 * nh3_removal, 4), "treatment": "物化+生化", "destination": "园区污水处理厂"},
        ]
        flue = t * 6500  # Nm³ flue gas per t of waste
        gas_rows = [("颗粒物", conc("particulate_matter", 8), "mg/Nm³", 20, 4000), ("二氧化硫", conc("so2_concentration", 30), "mg/Nm³", 80, 60),
                    ("氮氧化物", conc("nox_concentration", 160), "mg/Nm³", 250, 2.5), ("氯化氢", conc("hcl_concentration", 12), "mg/Nm³", 50, 80),
                    ("氟化氢", conc("hf_concentration", 1), "mg/Nm³", 2.0, 20), ("一氧化碳", conc("co_daily_average", 30), "mg/Nm³", 80, None),
                    ("二噁英类", conc("dioxin_emission", 0.1), "ngTEQ/Nm³", 0.5, None)]
        for pol, c, unit, limit, removal in gas_rows:
            c_y = round(c * rng.uniform(0.9, 1.1), 3 if c < 1 else 1)
            if y == year:  # the statistical year's B.3 concentration is the one its indicator value is computed from
                c_y = c
            dis = None if unit != "mg/Nm³" else round(flue * c_y * 1e-9, 3)
            gen = None if dis is None or removal is None else round(dis * removal + 0.01, 2)
            out["ent_wastegas"].append({"year": y, "outlet": "DA001", "pollutant": pol, "generated": gen, "discharged": dis if dis is not None else 0,
                                        "concentration": c_y, "conc_unit": unit, "limit": limit,
                                        "control": "SNCR+半干法脱酸+活性炭喷射+布袋除尘+湿法脱酸"})
        s_gen, a_gen = round(t * slag / 100 * jitter(), 1), round(t * ash / 100 * jitter(), 1)
        for waste, gen, use in (("焚烧炉渣（底渣）", s_gen, slag_use), ("飞灰", a_gen, ash_use)):
            util = round(gen * use, 1)
            stored = round(gen * store_frac, 1)
            out["ent_solidwaste"].append({"year": y, "waste": waste, "category": "危险废物", "hw_code": "772-003-18",
                                          "generated": gen, "utilized": util, "disposed": round(gen - util - stored, 1),
                                          "stored": stored, "destination": "资源化利用单位/安全填埋场"})
        kwh = out["ent_energy"][-3]["consumption"]
        out["ent_carbon"] += [
            {"year": y, "source": "废弃物焚烧", "emission": round(t * rng.uniform(0.7, 1.1)), "basis": "碳盘查报告"},
            {"year": y, "source": "外购电力", "emission": round(kwh * 0.5366 / 1000), "basis": "全国电力平均二氧化碳排放因子"},
            {"year": y, "source": "化石燃料燃烧", "emission": round(out["ent_energy"][-2]["consumption"] * 2.16e-3), "basis": "核算指南缺省值"},
        ]
        n_auto = 365
        out["ent_monitoring"] += [
            {"year": y, "category": "废气（有组织）", "point": "DA001", "factors": "颗粒物、SO₂、NOₓ、HCl、CO", "required_frequency": "自动监测",
             "times": n_auto, "compliant_times": n_auto - (rng.choice([1, 3]) if ent.get("_problem") else rng.choice([0] * 9 + [1])), "compliance_rate": None},
            {"year": y, "category": "废水", "point": "DW001", "factors": "COD、氨氮、重金属", "required_frequency": "每月1次",
             "times": 12, "compliant_times": 12 - rng.choice([0] * 11 + [1]), "compliance_rate": None},
        ]
        for m in out["ent_monitoring"][-2:]:
            m["compliance_rate"] = round(100 * m["compliant_times"] / m["times"], 1)
    out["ent_reports"] = [{"report_type": "碳核查报告", "year": year, "author": "东岚省低碳发展中心",
                           "completed": f"{year + 1}-03-20", "conclusions": "排放数据真实、完整"}] if ent["ghg_reporting"] == "是" else []
    if ent["key_energy_user"] == "是":
        out["ent_reports"].append({"report_type": "能源审计报告", "year": year - 1, "author": "东岚节能技术服务中心",
                                   "completed": f"{year}-06-30", "conclusions": "余热锅炉效率偏低，建议优化"})
    if rng.random() < 0.35:
        out["ent_inspections"].append({"source": rng.choice(["省级生态环境保护督察", "执法检查", "信访投诉"]),
                                       "found_date": f"{year}-0{rng.randint(3, 9)}-1{rng.randint(0, 9)}",
                                       "issue": rng.choice(["危废贮存库部分包装桶标签不规范", "厂界异味投诉", "活性炭喷射量记录不完整"]),
                                       "measures": "已制定整改方案并落实", "status": rng.choice(["已完成", "已完成", "整改中"])})
    out["ent_profile"] = [{
        "name": ent["name"], "uscc": ent["uscc"], "address": ent["address"], "legal_rep": _not_on_team(rng.choice(config()["people"]), config()["people"]),
        "established": f"{rng.randint(2008, 2020)}-0{rng.randint(1, 9)}-01", "employees": ent["_employees"],
        "area": rng.randint(20000, 90000), "main_process": "回转窑焚烧+二燃室+余热锅炉+SNCR脱硝+半干法脱酸+活性炭吸附+布袋除尘+湿法脱酸",
        "main_equipment": f"回转窑焚烧线{1 if cap < 30000 else 2}条；余热锅炉；烟气在线监测系统",
        "design_capacity": cap, "capacity_unit": "t/a", "permit_no": ent["permit_no"],
        "permit_valid_until": f"{year + rng.randint(1, 4)}-12-31", "contact_person": ent["contact_person"],
        "contact_phone": ent["contact_phone"], "remarks": "",
    }]
    out["ent_management"] = [{
        "risk_level": rng.choice(["较大", "较大", "重大"]), "risk_system": "是", "risk_monitoring": rng.choice(["是", "是", "否"]),
        "emergency_plan": "是", "emergency_plan_no": f"99{rng.randint(1000, 9999)}-{year - 1}-0{rng.randint(10, 99)}-H",
        "emergency_plan_date": f"{year - 1}-0{rng.randint(1, 9)}-15", "drills": rng.randint(1, 4), "emergency_training": "是",
        "disclosure": "是", "disclosure_channel": "全国排污许可证管理信息平台、企业网站",
        "last_cp_audit": f"{year - rng.randint(1, 5)}-1{rng.randint(0, 2)}-20", "last_cp_accepted": rng.choice(["是", "是", "否"]),
        "mid_high_fee_rate": rng.choice([50, 60, 80, 100]), "permit_reports_on_time": rng.choice(["是"] * 11 + ["否"]),
        "permit_violations": rng.choice([0] * 11 + [1]),
    }]
    out["ent_indicators"] = list(ind.values())
    return out


# --------------------------------------------------------------------------- mistakes real enterprises make

def add_mistakes(data: dict[str, list[dict]], kind: str, year: int) -> str:
    """Put one typical mistake into an enterprise's data; return what was done (Chinese)."""
    y0 = year - 2
    if kind == "unit_in_cell":
        r = next(r for r in data["ent_products"] if r["year"] == year)
        r["output"] = f"{int(r['output'])}吨"
        return "产量填成了“…吨”（数字带单位）"
    if kind == "fullwidth_thousands":
        r = next(r for r in data["ent_water"] if r["year"] == year)
        r["intake"] = "{:,}".format(int(r["intake"])).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return "取水量用全角数字并带千位分隔符（可自动规范）"
    if kind == "approximate":
        r = next(r for r in data["ent_materials"] if r["year"] == year)
        r["consumption"] = f"约{r['consumption']}"
        return "辅料消耗量填“约…”"
    if kind == "not_available":
        r = next(r for r in data["ent_energy"] if r["year"] == y0 and r["carrier"] == "柴油")
        r["consumption"] = "N/A"
        return "柴油消耗量填“N/A”"
    if kind == "discharge_gt_generation":
        r = next(r for r in data["ent_wastewater"] if r["year"] == year and r["pollutant"] == "化学需氧量")
        r["discharged"] = round(r["generated"] * 1.6, 2)
        return "COD 排放量大于产生量"
    if kind == "scale_slip":
        r = next(r for r in data["ent_energy"] if r["year"] == year - 1 and r["carrier"] == "电力")
        r["consumption"] = round(r["consumption"] / 10000, 2)
        return "电力消耗量按“万kWh”填写但单位选了 kWh（量级错误）"
    if kind == "missing_year":
        data["ent_water"] = [r for r in data["ent_water"] if r["year"] != y0]
        return f"缺少 {y0} 年取水量"
    if kind == "text_date_and_injection":
        data["ent_profile"][0]["established"] = "2015年6月1日"
        data["ent_profile"][0]["remarks"] = '=HYPERLINK("http://example.com","点此查看")'
        return "日期写成中文格式；备注以“=”开头（公式注入，须按文本处理）"
    raise ValueError(kind)


#: What the team's site visit corrected, for the mistakes a visit finds (the enterprise resubmitted the data).
CORRECTED = {
    "scale_slip": "2024 年电力消耗量：原填报数值按“万kWh”计却选了 kWh，按电费结算单更正，企业已重新报送",
    "discharge_gt_generation": "化学需氧量排放量大于产生量：按在线监测与进水水质重新核算，企业已重新报送",
}


def mistake_of(index: int) -> str | None:
    """The typical mistake the demo puts into the returned workbook of the enterprise at ``index``."""
    return MISTAKES[index // 3] if index % 3 == 1 and index // 3 < len(MISTAKES) else None


MISTAKES = ("unit_in_cell", "fullwidth_thousands", "approximate", "not_available", "discharge_gt_generation",
            "scale_slip", "missing_year", "text_date_and_injection")


# --------------------------------------------------------------------------- writing into templates

@_in_demo_pack
def fill_template(template: Path, out: Path, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Write ``data`` into a copy of an enterprise template, as an enterprise would type it in Excel."""
    wb = openpyxl.load_workbook(template)
    for s in schema.for_workbook("enterprise"):
        if s.sheet not in wb.sheetnames or s.key not in data:
            continue
        ws = wb[s.sheet]
        lay = layout_for(s)
        rows = list(data[s.key])
        if s.is_form:
            for f in s.fields:
                if f.locked:
                    continue
                v = rows[0].get(f.name) if rows else None
                put(ws[lay.cell(f.name)], cell_value(f, v) if v not in ("",) else None)
            continue
        if s.key == "ent_indicators":
            where = {ws.cell(r, 1).value: r for r in range(lay.first_row, ws.max_row + 1) if ws.cell(r, 1).value}
            for row in rows:
                r = where.get(row["indicator_id"])
                if r is None:
                    continue
                for f in s.fields:
                    if f.name in ("indicator_id", "indicator", "unit", "year"):
                        continue
                    if row.get(f.name) is not None:
                        put(ws.cell(r, lay.col_index(f.name)), row[f.name])
            continue
        for r in range(lay.first_row, ws.max_row + 1):  # clear pre-filled template rows
            for j in range(1, len(s.fields) + 1):
                ws.cell(r, j).value = None
        for i, row in enumerate(rows):
            for j, f in enumerate(s.fields, start=1):
                v = row.get(f.name)
                if v is not None and v != "":
                    put(ws.cell(lay.first_row + i, j), cell_value(f, v))
    wb.save(out)


def demo_system() -> IndicatorSystem:
    return load_system(config()["indicator_system"])
