"""Front matter of Appendix C 1.1–1.3: cover, 编制单位及人员, 协议说明."""

from __future__ import annotations

from typing import Any

from ..fmt import (
    cn_date,
    join_cn,
    text,
)
from .data import Data

Rows = list[dict[str, Any]]


def cover(d: Data) -> dict[str, Any]:
    name = d.a("audit_name") or f"{d.region}{d.industry}行业整体清洁生产审核"
    title = name if name.endswith("报告") else name + "报告"
    d.facts["title"] = title
    cut = title.find("行业整体")
    shown = f"{title[:cut]}\n{title[cut:]}" if cut >= 6 and len(title) > 16 else title  # break where it reads
    return {
        "title": shown,
        "subtitle": f"（统计期：{d.year}年）" if d.year else "",
        "draft": "草　稿（含待审核小组确认的内容，不作为审核结论）" if d.draft else "",
        "note": d.a("cover_note"),
        "organizer": d.a("organizer") or d.a("contract_party") or "（审核总表未填写审核主体）",
        "compiler": d.a("technical_unit") or "（审核总表未填写技术服务单位）",
        "date": cn_date(d.today, day=False),
        "audit_id": d.a("audit_id"),
    }


def staff(d: Data) -> dict[str, Any]:
    d.section = "front"
    unit = d.a("technical_unit")
    team = d.rows("team")
    own = [r for r in team if unit and unit in text(r.get("department_title"))]
    members = own or team
    rows = [{"no": str(i), "name": text(r.get("name")), "role": text(r.get("role")),
             "title": text(r.get("department_title")), "duties": text(r.get("duties")), "sign": ""}
            for i, r in enumerate(members, start=1)]
    paragraphs = []
    if not unit:
        paragraphs.append("审核总表“审核任务”中未填写技术服务单位（报告编制单位）。")
    if rows:
        who = f"{d.lab(unit)}的" if own else "审核小组"
        paragraphs.append(f"本报告由{who}{d.n('staff', len(rows), 'int')}"
                          "名人员编制，名单如下。")
    else:
        paragraphs.append("审核总表未录入审核小组成员，编制人员名单待补充。")
    return {"unit": unit or "（未填写）", "paragraphs": paragraphs, "members": rows}


def agreement(d: Data) -> dict[str, Any]:
    party_a = d.a("contract_party") or d.a("organizer")
    party_b = d.a("technical_unit")
    name = d.a("audit_name") or f"{d.region}{d.industry}行业整体清洁生产审核"
    paras = []
    if party_a and party_b:
        no = d.lab(d.a("contract_no"))
        paras.append(f"受{party_a}（委托方）委托，{party_b}（受托方）承担{name}的技术服务工作"
                     + (f"（服务合同编号：{no}）。" if no else "。"))
    else:
        paras.append("审核总表“审核任务”中未填写委托方或技术服务单位，协议双方待补充。")
    scope = d.lab(d.a("contract_scope"))
    rng = d.lab(join_cn([d.a("scope_type"), d.a("scope_boundary")], last="："))
    sent = "服务内容与诊断范围：" + (scope.rstrip("。") + "。" if scope else "审核总表未填写合同服务内容。")
    if rng:
        sent += f"审核范围为{rng.rstrip('。')}。"
    n = d.n_enterprises
    if n:
        sent += (f"审核对象为{d.a('enterprise_coverage') or '区域内审核行业企业'}，共"
                 f"{d.n('enterprises', n, 'int', check=lambda: len(d.rows('enterprises')) or None)}家企业")
        sent += f"，统计期为{d.year}年。" if d.year else "。"
    paras.append(sent)
    paras.append("双方权责：委托方作为审核主体，负责组织实施本次行业整体清洁生产审核，协调各参与方，"
                 "提供必要的资料和工作条件，并对审核成果进行审查和监督落实；受托方负责资料收集、现场考察、"
                 "审核诊断、目标设置、方案制定和报告编制等技术服务，对报告数据和结论的真实性、科学性负责，"
                 "并对审核中获取的企业资料保密。审核范围内企业作为审核实施主体，配合开展企业层面的审核工作。")
    return {"paragraphs": paras, "party_a": party_a or "（未填写）", "party_b": party_b or "（未填写）"}
