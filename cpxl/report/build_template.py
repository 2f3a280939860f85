"""Build ``templates/report.docx``, the docxtpl template of the Appendix C report, with python-docx.

Run ``python -m cpxl.report.build_template`` after changing this file; the result is committed.
A regulator may also open the .docx in Word or WPS and restyle it (fonts, spacing, cover, page
setup): the Jinja tags are plain text in single runs, the headings use the built-in Heading 1–3
styles (so the table of contents picks them up), and every font is set in the styles with its
East-Asian font (``w:eastAsia``), not through theme fonts.

Layout: section 1 (cover, 编制单位及人员, 协议说明, 目录; Roman page numbers, no number on the
cover), section 2 (2.1–2.5 and the annex of per-enterprise lists, Arabic page numbers from 1), then the
enterprise × indicator matrix of the annex in landscape (left out with its section breaks when there is
no matrix). Table and figure captions carry ``num['<context key>']``: :mod:`cpxl.report.numbering` numbers
the tables present, in document order, and resolves the narrative's cross-references to the same numbers.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .docx_kit import (
    ANNEX_CAPTION,
    CHUNK,
    PORTRAIT_TEXT_MM,
    TEMPLATE,
    Builder,
    Col,
    _field,
    _footer,
    _page,
    _page_numbers,
    _set_cell,
    _styles,
    _table_props,
)

# ---------------------------------------------------------------------------
# the report


def build(path: Path = TEMPLATE) -> Path:
    b = Builder()
    doc = b.doc
    _styles(doc)
    front = doc.sections[0]
    _page(front)
    front.different_first_page_header_footer = True
    _page_numbers(front, "upperRoman", 1)
    _footer(front)
    C = WD_ALIGN_PARAGRAPH.CENTER

    # 1.1 封面 --------------------------------------------------------------------------
    b.p("{{ cover.title }}", "Title").paragraph_format.space_before = Mm(50)
    b.p("{{ cover.subtitle }}", "封面副标题")
    b.tag("{%p if cover.draft %}")
    b.p("{{ cover.draft }}", "封面草稿")
    b.tag("{%p endif %}")
    b.p("审核主体：{{ cover.organizer }}", "封面信息").paragraph_format.space_before = Mm(60)
    b.p("编制单位：{{ cover.compiler }}", "封面信息")
    b.p("编制时间：{{ cover.date }}", "封面信息")
    b.tag("{%p if cover.note %}")
    b.p("{{ cover.note }}", "封面说明")
    b.tag("{%p endif %}")

    # 1.2 编制单位及人员 ------------------------------------------------------------------
    b.p("编制单位及人员", "前置标题")
    b.p("编制单位：{{ staff.unit }}", "Normal")
    b.p("（盖章）", "签章")
    b.paras("staff.paragraphs")
    b.table("staff.members", [
        Col("序号", "no", 12, "center"), Col("姓名", "name", 20, "center"), Col("审核小组职务", "role", 22, "center"),
        Col("单位及职务职称", "title", 46), Col("职责", "duties", 34), Col("签字", "sign", 22),
    ])

    # 1.3 协议说明 ------------------------------------------------------------------------
    b.p("协议说明", "前置标题")
    b.paras("agreement.paragraphs")
    b.p("")
    t = doc.add_table(rows=5, cols=2)
    t.style = doc.styles["Table Grid"]
    _table_props(t, [PORTRAIT_TEXT_MM / 2] * 2)
    cells = [("委托方", "受托方"), ("{{ agreement.party_a }}", "{{ agreement.party_b }}"),
             ("负责人（签字）：", "负责人（签字）："), ("（盖章）", "（盖章）"),
             ("日期：　　　　年　　月　　日", "日期：　　　　年　　月　　日")]
    for i, (x, y) in enumerate(cells):
        _set_cell(t.rows[i].cells[0], x, "表头" if i == 0 else "表格文字", C if i in (0, 1) else None)
        _set_cell(t.rows[i].cells[1], y, "表头" if i == 0 else "表格文字", C if i in (0, 1) else None)
        if i >= 2:
            t.rows[i].height = Mm(14)

    # 1.4 目录 ---------------------------------------------------------------------------
    b.p("目　录", "目录标题")
    toc = b.p("", "Normal")
    toc.paragraph_format.first_line_indent = Pt(0)
    _field(toc, ' TOC \\o "1-2" \\h \\z \\u ', "目录将在生成报告时自动更新；在 Word 中可右键单击此处选择“更新域”。")

    body = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(body)
    body.different_first_page_header_footer = False
    _page_numbers(body, "decimal", 1)

    # 2.1 总论 ---------------------------------------------------------------------------
    b.heading("2.1 总论", 1)
    b.heading("2.1.1 项目背景", 2)
    b.paras("s211.paragraphs")
    b.table("s211.economy", [
        Col("年份", "year", 14, "center"), Col("企业数（家）", "count", 18, "right"),
        Col("工业增加值（万元）", "value_added", 24, "right"), Col("工业总产值（万元）", "gross_output", 24, "right"),
        Col("从业人数（人）", "employees", 20, "right"), Col("营业收入（万元）", "revenue", 24, "right"),
        Col("数据来源", "source", 32)], "行业经济发展现状")
    b.heading("2.1.2 指导原则", 2)
    b.paras("s212.paragraphs")
    b.heading("2.1.3 编制依据", 2)
    b.paras("s213.paragraphs")
    b.paras("s213.lines")

    # 2.2 前期准备 -------------------------------------------------------------------------
    b.heading("2.2 前期准备", 1)
    b.heading("2.2.1 明确审核任务", 2)
    b.paras("s221.paragraphs")
    b.table("s221.rows", [Col("项目", "item", 40), Col("内容", "value", 116)], "审核任务")
    b.heading("2.2.2 组建审核小组", 2)
    b.paras("s222.paragraphs")
    b.table("s222.rows", [
        Col("姓名", "name", 15, "center"), Col("审核小组职务", "role", 15, "center"),
        Col("来自部门及职务职称", "department_title", 38), Col("职责", "duties", 34),
        Col("投入时间", "time_input", 24, "center"), Col("联系方式", "contact", 30)],
        "审核小组成员表（表A.1）", small=True)
    b.heading("2.2.3 制定工作计划", 2)
    b.paras("s223.paragraphs")
    b.table("s223.rows", [
        Col("阶段", "stage", 18, "center"), Col("工作内容", "task", 40), Col("完成时间", "due", 32, "center"),
        Col("责任部门及负责人", "responsible", 42), Col("备注", "remarks", 24)],
        "审核工作计划表（表A.2）", small=True,
        top_rows=[[("审核范围：{{ s223.scope }}", 3), ("审核时间：{{ s223.period }}", 2)], [("工作计划", 5)]])
    b.heading("2.2.4 宣传教育与能力建设", 2)
    b.paras("s224.paragraphs")
    b.table("s224.rows", [
        Col("日期", "date", 26, "center"), Col("方式", "channel", 26), Col("内容", "content", 42),
        Col("参加对象", "audience", 28), Col("人数", "attendance", 12, "right"), Col("组织单位", "organizer", 22)],
        "宣传教育与能力建设记录", small=True)

    # 2.3 审核诊断 -------------------------------------------------------------------------
    b.heading("2.3 审核诊断", 1)
    b.heading("2.3.1 审核对象基本情况", 2)
    b.heading("一、企业概况", 3)
    b.paras("s231.overview")
    b.table("s231.types", [Col("类别", "item", 80), Col("企业数（家）", "count", 36, "right"),
                           Col("占比", "share", 36, "right")], "审核企业类型统计")
    b.table("s231.counties", [Col("所在区县", "county", 80), Col("企业数（家）", "count", 36, "right"),
                              Col("占比", "share", 36, "right")], "审核企业区县分布")
    b.heading("二、资源能源利用情况", 3)
    b.paras("s231.resource")
    b.table("s231.products", [
        Col("产品/服务", "product", 40), Col("单位", "unit", 14, "center"), Col("产量", "output", 24, "right"),
        Col("设计产能", "capacity", 24, "right"), Col("产能利用率", "utilization", 22, "right"),
        Col("企业数（家）", "ents", 22, "right")], "主要产品（服务）产量",
        note="注：设计产能和产能利用率只按同时报送产量和设计产能的企业计算。")
    b.table("s231.energy", [
        Col("能源品种", "carrier", 26), Col("消耗量", "qty", 26, "right"), Col("计量单位", "unit", 22, "center"),
        Col("折标准煤（tce）", "tce", 36, "right"), Col("占比", "share", 22, "right"),
        Col("企业数（家）", "ents", 22, "right")], "能源消耗及折标准煤",
        note="注：按 GB/T 2589 的折标准煤系数折算，电力按当量值计；能源品种后注明“折标系数未经核实”的，所用系数为缺省值，须审核小组核实。")
    b.table("s231.water", [
        Col("取水类型", "source", 38), Col("取水量（m³）", "intake", 40, "right"),
        Col("重复利用水量（m³）", "reused", 42, "right"), Col("企业数（家）", "ents", 32, "right")], "水资源消耗")
    b.table("s231.materials", [
        Col("原辅材料", "material", 30), Col("类别", "category", 18, "center"), Col("用途", "purpose", 22),
        Col("单位", "unit", 12, "center"), Col("消耗量", "consumption", 24, "right"),
        Col("有毒有害", "hazardous", 18, "center"), Col("企业数（家）", "ents", 24, "right")], "主要原辅材料消耗")
    b.heading("三、生态环境状况", 3)
    b.paras("s231.environment")
    b.table("s231.regional", [
        Col("环境要素", "element", 18, "center"), Col("年份", "year", 14, "center"), Col("监测断面/点位", "site", 26),
        Col("评价指标", "parameter", 30), Col("现状值", "value", 17, "right"), Col("标准限值", "standard", 17, "right"),
        Col("单位", "unit", 16, "center"), Col("达标情况", "status", 18, "center")], "区域环境质量状况", small=True)
    b.table("s231.pollutants", [
        Col("类别", "kind", 14, "center"), Col("项目", "pollutant", 28), Col("单位", "unit", 12, "center"),
        Col("产生量", "generated", 26, "right"), Col("排放量", "discharged", 26, "right"),
        Col("去除率", "removal", 24, "right"), Col("企业数（家）", "ents", 26, "right")], "主要污染物产生与排放")
    b.table("s231.breaches", BREACH_COLS, "排放浓度超标情况", small=True,
            note="注：排放浓度取企业报送的年均值（日均值的平均值或测定均值）；限值取企业填报的执行限值与国家排放标准相应限值中"
                 "较严者；超标 = (实测值 − 限值)/限值。")
    b.table("s231.permits", [Col("企业名称", "enterprise", 40), Col("问题类别", "kind", 26, "center"),
                             Col("情况", "detail", 70), Col("核实情况", "verified", 20, "center")],
            "自行监测超标与排污许可执行问题", small=True)
    b.table("s231.solidwaste", [
        Col("固体废物（类别）", "category", 40), Col("产生量（t）", "generated", 24, "right"),
        Col("综合利用量（t）", "utilized", 24, "right"), Col("处置量（t）", "disposed", 24, "right"),
        Col("贮存量（t）", "stored", 20, "right"), Col("综合利用率", "rate", 20, "right")], "固体废物产生与利用处置")
    b.table("s231.carbon", [
        Col("排放源", "source", 50), Col("排放量（tCO₂）", "emission", 40, "right"), Col("占比", "share", 30, "right"),
        Col("企业数（家）", "ents", 32, "right")], "二氧化碳排放")
    b.table("s231.monitoring", [
        Col("监测类别", "category", 40), Col("监测点位（个）", "points", 28, "right"),
        Col("实际监测次数", "times", 30, "right"), Col("达标次数", "compliant", 28, "right"),
        Col("达标率", "rate", 26, "right")], "企业自行监测达标情况")
    b.heading("四、环境管理情况", 3)
    b.paras("s231.management")
    b.table("s231.mgmt", [Col("项目", "item", 68), Col("是（家）", "yes", 28, "right"), Col("否（家）", "no", 28, "right"),
                          Col("落实比例", "share", 28, "right")], "企业环境管理情况")
    b.table("s231.inspections", [
        Col("企业名称", "enterprise", 44), Col("问题来源", "source", 34), Col("问题描述", "issue", 58),
        Col("整改状态", "status", 20, "center")], "环保督察发现问题及整改情况", small=True)
    b.heading("五、现场考察与座谈", 3)
    b.paras("s231.site_text")
    b.table("s231.site", SITE_BODY_COLS, "现场考察与座谈记录", small=True,
            note="注：表中为各次现场考察和座谈核实的资料、数据及发现的问题。")
    b.heading("2.3.2 确定审核诊断重点", 2)
    b.paras("s232.paragraphs")
    b.table("s232.rows", [Col("序号", "no", 12, "center"), Col("审核诊断重点", "focus", 56),
                          Col("判定依据（指南5.2.2）", "basis", 62), Col("涉及企业（家）", "ents", 26, "right")],
            "审核诊断重点")
    b.heading("2.3.3 清洁生产水平诊断", 2)
    b.paras("s233.intro")
    b.table("s233.dims", [Col("诊断维度（指南5.2.3）", "dimension", 46), Col("二级指标数", "count", 22, "right"),
                          Col("限定性指标数", "limiting", 24, "right"), Col("主要指标", "examples", 64)],
            "清洁生产评价指标体系构成")
    b.table("s233.indicators", [
        Col("序号", "no", 10, "center"), Col("一级指标", "category", 20), Col("二级指标", "indicator", 33),
        Col("单位", "unit", 19, "center"), Col("权重", "weight", 12, "right"), Col("限定性", "limiting", 12, "center"),
        Col("Ⅰ级基准值", "l1", 17), Col("Ⅱ级基准值", "l2", 16), Col("Ⅲ级基准值", "l3", 17)],
        "清洁生产评价指标及基准值", small=True, note="注：定性指标的分级要求较长，表中以“定性要求”表示，具体要求见所采用的清洁生产评价指标体系。")
    b.paras("s233.levels")
    b.table("s233.level_rows", [Col("清洁生产水平", "level", 32, "center"), Col("含义", "meaning", 60),
                                Col("企业数（家）", "count", 32, "right"), Col("占比", "share", 32, "right")],
            "企业清洁生产水平分布")
    b.figure("fig.level", "企业清洁生产水平分布")
    b.paras("s233.problems_text")
    b.table("s233.problems", [
        Col("序号", "no", 10, "center"), Col("指标", "indicator", 40), Col("诊断维度", "dimension", 28),
        Col("评价企业（家）", "n", 16, "right"), Col("未达Ⅱ级（家）", "below2", 16, "right"),
        Col("比例", "share2", 14, "right"), Col("未达Ⅲ级（家）", "below3", 18, "right"),
        Col("比例", "share3", 14, "right")], "行业关键共性问题识别", small=True)
    b.paras("s233.bench_text")
    b.figure("fig.bench", "重点指标对标")

    # 2.4 方案制定与筛选 ---------------------------------------------------------------------
    b.heading("2.4 方案制定与筛选", 1)
    b.heading("2.4.1 清洁生产审核目标", 2)
    b.paras("s241.paragraphs")
    b.table("s241.industry", [
        Col("指标", "indicator", 40), Col("单位", "unit", 22, "center"), Col("行业现状值（企业中位数）", "baseline", 22, "right"),
        Col("目标值", "target", 16, "right"), Col("改善幅度", "improvement", 14, "right"), Col("目标依据", "rule", 26),
        Col("可实现性", "achievable", 16, "center")], "行业层面审核目标", small=True)
    b.table("s241.by_indicator", [
        Col("指标", "indicator", 40), Col("单位", "unit", 20, "center"), Col("设置目标企业（家）", "ents", 22, "right"),
        Col("现状值范围", "baseline", 28, "right"), Col("目标值", "target", 24, "right"), Col("设置原因", "reason", 22)],
        "企业层面审核目标（按指标汇总）", small=True)
    b.table("s241.potential", [Col("项目", "item", 56), Col("单位", "unit", 24, "center"),
                               Col("预计节约/削减量", "saving", 40, "right"), Col("涉及企业（家）", "ents", 36, "right")],
            "改善潜力预测")
    b.figure("fig.potential", "主要指标改善潜力")
    b.heading("2.4.2 清洁生产方案汇总", 2)
    b.paras("s242.paragraphs")
    b.table("s242.priority", [
        Col("方案编号", "id", 16), Col("企业", "enterprise", 28), Col("方案名称", "title", 36),
        Col("针对的问题", "problem", 40), Col("预期效果", "benefit", 22), Col("来源", "source", 14, "center")],
        "达标整改方案", small=True)
    b.table("s242.by_category", [
        Col("方案类型", "category", 30), Col("方案数（项）", "count", 22, "right"), Col("无/低费", "low", 20, "right"),
        Col("中/高费", "high", 20, "right"), Col("投资（万元）", "investment", 30, "right"),
        Col("年经济效益（万元）", "savings", 34, "right")], "确认实施的清洁生产方案分类汇总")
    b.table("s242.industry", [
        Col("方案编号", "id", 14), Col("方案名称", "title", 32), Col("实施范围", "enterprise", 20),
        Col("针对的问题", "problem", 38), Col("预期环境效益", "benefit", 38), Col("来源", "source", 14, "center")],
        "行业层面清洁生产方案", small=True)
    b.table("s242.benefit", [Col("效益项目", "item", 60), Col("单位", "unit", 30, "center"),
                             Col("合计", "total", 36, "right"), Col("方案数（项）", "n", 30, "right")],
            "确认实施方案的预期环境效益")
    b.heading("2.4.3 清洁生产方案确定", 2)
    b.paras("s243.paragraphs")
    b.table("s243.summary", [Col("评定结果", "decision", 50), Col("方案数（项）", "count", 30, "right"),
                             Col("投资（万元）", "investment", 34, "right"), Col("年经济效益（万元）", "savings", 42, "right")],
            "方案筛选与评定结果")
    b.table("s243.economics", ECON_COLS, "{{ s243.economics_title }}", small=True,
            note="注：总投资已扣除补贴；年现金流量为方案实施后每年增加的净现金流量。")
    b.table("s243.tracking", [Col("实施状态", "status", 52, "center"), Col("任务数（项）", "count", 52, "right"),
                              Col("占比", "share", 52, "right")], "方案实施跟踪情况")
    b.tag("{%p if pending.show %}")
    b.heading("2.4.4 待审核小组确认的事项（草稿）", 2)
    b.paras("pending.paragraphs")
    b.paras("pending.entries")
    b.table("pending.targets", TARGET_COLS, "待确认的建议目标（草稿）", small=True)
    b.table("pending.proposals", PROPOSAL_COLS, "待评定的建议方案（草稿）", small=True)
    b.tag("{%p endif %}")

    # 2.5 结论和建议 ------------------------------------------------------------------------
    b.heading("2.5 结论和建议", 1)
    b.heading("一、结论", 3)
    b.paras("s25.conclusions")
    b.heading("二、建议", 3)
    b.paras("s25.suggestions")
    b.heading("三、获得的经验", 3)
    b.paras("s25.lessons")

    # 附件 -------------------------------------------------------------------------------
    b.tag("{%p if annex.show %}")
    b.heading("附件　企业明细表", 1)
    b.p("本附件列出正文各节所汇总的企业明细，表号与正文引用一致。", "Normal")
    b.table("annex.enterprises", [
        Col("序号", "no", 9, "center"), Col("企业名称", "name", 34), Col("统一社会信用代码", "uscc", 40),
        Col("所在区县", "county", 18), Col("规模", "size", 12, "center"), Col("主要产品或服务", "products", 21),
        Col("设计规模", "capacity", 22, "right")], "审核企业一览表", small=True)
    b.table("annex.site", SITE_COLS, "现场考察与座谈记录", small=True)
    b.table("annex.inspections", [
        Col("企业名称", "enterprise", 40), Col("问题来源", "source", 32), Col("问题描述", "issue", 60),
        Col("整改状态", "status", 24, "center")], "环保督察发现问题及整改情况", small=True)
    b.table("annex.breaches", [Col("企业名称", "enterprise", 38), Col("问题类别", "kind", 22, "center"),
                               Col("污染物/情况", "detail", 52), Col("实测值", "value", 16, "right"),
                               Col("限值", "limit", 14, "right"), Col("超标倍数", "ratio", 14, "right")],
            "超标排放与排污许可执行问题（全部）", small=True)
    b.table("annex.results", [
        Col("序号", "no", 12, "center"), Col("企业名称", "enterprise", 46), Col("Ⅰ级综合评价指数", "y1", 18, "right"),
        Col("Ⅱ级综合评价指数", "y2", 18, "right"), Col("Ⅲ级综合评价指数", "y3", 18, "right"),
        Col("等级", "level", 16, "center"), Col("未达标的限定性指标", "limiting", 28)], "企业清洁生产水平诊断结果",
        small=True)
    # landscape: the enterprise × indicator matrix ---------------------------------------------
    matrix = doc.add_section(WD_SECTION.NEW_PAGE)  # the paragraph before holds the portrait section's properties
    _page(matrix, landscape=True)
    _page_numbers(matrix, "decimal", None)
    b.tag("{%p if annex.matrix %}")
    b.paras("annex.matrix_text")
    b.tag("{%p for part in annex.matrix %}")
    b.tag(f"{{%p for chunk in part.rows|batch({CHUNK}) %}}")
    b.tag("{%p if loop.first %}")
    par = doc.add_paragraph(style=ANNEX_CAPTION)
    par.add_run("附表 {{ num['annex.matrix'] }} {{ part.title }}")
    b.tag("{%p else %}")
    par = doc.add_paragraph(style="表题")
    par.add_run("续附表 {{ num['annex.matrix'] }} {{ part.title }}")
    b.tag("{%p endif %}")
    b.matrix_table()
    b.tag("{%p endfor %}")
    b.p("{{ part.key }}", "表注")
    b.tag("{%p endfor %}")
    b.p("注：列号为表“清洁生产评价指标及基准值”中的指标序号；Ⅰ、Ⅱ、Ⅲ为达到的等级，×为未达到Ⅲ级，/为不适用，"
        "—为未填报或无法判定。", "表注")
    rest = doc.add_section(WD_SECTION.NEW_PAGE)  # the paragraph before holds the landscape section
    _page(rest)
    _page_numbers(rest, "decimal", None)
    b.tag("{%p endif %}")
    b.table("annex.targets", TARGET_COLS, "企业层面审核目标", small=True)
    b.table("annex.proposals", PROPOSAL_COLS, "清洁生产方案一览（含评定结果）", small=True,
            note="注：预期效果由方案针对的诊断差距（现状值→目标值）和企业统计年的产量、排放量计算。来源为“目录生成”的方案"
                 "按诊断差距和典型方案目录生成，经审核小组评定，具体措施、投资和效益待企业核实；投资、年效益后标“（估）”的为审核组估算值，"
                 "其余为企业报价或可研报告。")
    b.table("annex.economics", ECON_COLS, "{{ annex.economics_title }}", small=True)
    b.tag("{%p endif %}")

    _settings(doc)
    return b.save(path)


BREACH_COLS = [Col("企业名称", "enterprise", 26), Col("污染物", "pollutant", 20), Col("排放口", "outlet", 15, "center"),
               Col("实测值", "value", 14, "right"), Col("单位", "unit", 22, "center"), Col("限值", "limit", 11, "right"),
               Col("执行标准", "standard", 34), Col("超标倍数", "ratio", 14, "right")]
SITE_BODY_COLS = [Col("日期", "date", 21, "center"), Col("企业", "enterprise", 33), Col("方式", "kind", 17, "center"),
                  Col("数据修正", "corrections", 40), Col("发现的问题", "findings", 45)]
SITE_COLS = [Col("日期", "date", 22, "center"), Col("企业", "enterprise", 28), Col("方式", "kind", 14, "center"),
             Col("核实的资料和数据", "verified", 30), Col("数据修正", "corrections", 26), Col("发现的问题", "findings", 36)]
TARGET_COLS = [Col("企业", "enterprise", 26), Col("指标", "indicator", 25), Col("单位", "unit", 22, "center"),
               Col("现状值", "baseline", 14, "right"), Col("目标值", "target", 13, "right"),
               Col("改善幅度", "improvement", 15, "right"), Col("设置原因", "reason", 18), Col("目标依据", "rule", 23)]
PROPOSAL_COLS = [Col("编号", "id", 14), Col("企业", "enterprise", 22), Col("方案名称", "title", 26),
                 Col("预期效果", "benefit", 36), Col("投资\n（万元）", "investment", 17, "right"),
                 Col("年效益\n（万元）", "savings", 17, "right"), Col("状态", "state", 12, "center"),
                 Col("来源", "source", 12, "center")]
ECON_COLS = [Col("编号", "id", 14), Col("方案名称", "title", 26), Col("总投资\n（万元）", "investment", 17, "right"),
             Col("年现金流量\n（万元）", "cash_flow", 18, "right"), Col("投资偿还期\n（年）", "payback", 14, "right"),
             Col("净现值\n（万元）", "npv", 17, "right"), Col("净现值率\n（%）", "npvr", 16, "right"),
             Col("内部收益率\n（%）", "irr", 17, "right"), Col("经济可行", "accepted", 17, "center")]


def _settings(doc) -> None:
    """Chinese proofing language and East-Asian line breaking for the whole document."""
    settings = doc.settings.element
    for tag in ("w:themeFontLang",):
        el = settings.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            settings.append(el)
        el.set(qn("w:val"), "en-US")
        el.set(qn("w:eastAsia"), "zh-CN")


def main() -> None:  # pragma: no cover - a developer tool
    out = build()
    print(f"已生成报告模板：{out}")


if __name__ == "__main__":  # pragma: no cover
    main()
