"""The Appendix C report: headings, tables, narrative, escaping, TOC, PDF and pages as images."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from cpxl.book.master import init_audit
from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_master_data
from cpxl.demo.scale import make_audit
from cpxl.report import DRAFT_NAME, REPORT_NAME, TEMPLATE, ReportPending, render_report
from cpxl.report.build_template import build
from cpxl.report.consistency import check, narrative
from cpxl.report.context import build_context
from cpxl.report.context.s233_diagnosis import level_of, parse_benchmark
from cpxl.report.render import render_docx, toc_entries

SPECIAL = "A&B<公司>{{x}}"
N = 8
TODAY = dt.date(2026, 11, 24)
ANNEX = "附件　企业明细表"
HEADINGS = [
    "2.1 总论", "2.1.1 项目背景", "2.1.2 指导原则", "2.1.3 编制依据",
    "2.2 前期准备", "2.2.1 明确审核任务", "2.2.2 组建审核小组", "2.2.3 制定工作计划", "2.2.4 宣传教育与能力建设",
    "2.3 审核诊断", "2.3.1 审核对象基本情况", "2.3.2 确定审核诊断重点", "2.3.3 清洁生产水平诊断",
    "2.4 方案制定与筛选", "2.4.1 清洁生产审核目标", "2.4.2 清洁生产方案汇总", "2.4.3 清洁生产方案确定",
    "2.5 结论和建议",
]
needs_office = pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                                  reason="需要 LibreOffice（scripts/setup 安装）")


def _all_text(doc) -> str:
    """Every w:t of the body, tables and content controls included."""
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p")))


def _captions(doc) -> list[str]:
    return [p.text.strip() for p in doc.paragraphs if re.match(r"^(?:附)?[表图] \d", p.text.strip())]


def _headings(doc) -> list[str]:
    return [p.text.strip() for p in doc.paragraphs
            if p.style is not None and re.fullmatch(r"Heading [12]", p.style.name) and p.text.strip()]


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory):
    """An audit with every sheet filled by the real steps and the demo team's review (N enterprises, one named
    A&B<公司>{{x}}), rendered once with PDF."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("需要 LibreOffice（scripts/setup 安装）")
    root = tmp_path_factory.mktemp("report") / "audit"
    make_audit(root, n=N, special_name=SPECIAL)
    res = render_report(root, pdf=True, today=TODAY)
    return root, res


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory):
    """A freshly initialised audit: only the defaults of ``cpxl init``; rendered without LibreOffice."""
    root = tmp_path_factory.mktemp("empty") / "audit"
    init_audit(root, "水泥制造", "某市", 2024)
    return root, render_report(root, refresh_fields=False)


# --------------------------------------------------------------------------- structure


@needs_office
def test_every_appendix_c_heading_in_order_then_the_annex(full):
    root, res = full
    assert res.docx == root / "成果" / REPORT_NAME and not res.draft
    doc = Document(str(res.docx))
    assert _headings(doc) == [*HEADINGS, ANNEX]
    for p in doc.paragraphs:  # headings are real Word heading styles with outline levels (the TOC needs them)
        if p.text.strip() in HEADINGS:
            assert p.style.name in ("Heading 1", "Heading 2")
    text = _all_text(doc)
    assert "三、获得的经验" in text and "五、现场考察与座谈" in text and "草稿" not in text


@needs_office
def test_body_summarises_and_the_annex_lists(full):
    root, res = full
    doc = Document(str(res.docx))
    text = _all_text(doc)
    team = next(t for t in doc.tables if "来自部门及职务职称" in [c.text for c in t.rows[0].cells])
    assert len(team.rows) == 1 + 8
    plan = next(t for t in doc.tables if any("审核范围" in c.text for c in t.rows[0].cells))
    assert len(plan.rows) == 3 + 10
    # per-enterprise lists are in the annex (附表), one row per enterprise
    ent_list = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["序号", "企业名称", "统一社会信用代码"])
    assert len(ent_list.rows) == 1 + N
    results = next(t for t in doc.tables if "Ⅰ级综合评价指数" in [c.text for c in t.rows[0].cells])
    assert len(results.rows) == 1 + N
    caps = _captions(doc)
    assert any(c.startswith("附表") and "审核企业一览表" in c for c in caps)
    assert any(c.startswith("附表") and "企业清洁生产水平诊断结果" in c for c in caps)
    assert not any(c.startswith("表") and "审核企业一览表" in c for c in caps)
    assert not re.search(r"\{%|%\}|\{\{ |\}\} ", text)
    assert res.tables >= 30 and res.figures == 3


@needs_office
def test_narrative_is_built_from_the_figures(full):
    _, res = full
    text = _all_text(Document(str(res.docx)))
    assert f"覆盖企业{N}家" in text
    assert re.search(r"综合能源消费量（当量值）合计[\d,.]+ tce", text)
    assert re.search(r"达到Ⅱ级（国内清洁生产先进水平）的\d+家，占[\d.]+%", text)
    assert re.search(r"提出清洁生产方案\d+项", text) and re.search(r"合计投资[\d,.]+万元", text)
    assert re.search(r"跟踪确认实施的\d+项方案，按实施企业分解为\d+项实施任务", text)
    assert "审核诊断重点为" in text and "（1）" in text
    assert "待补充" not in text and "未录入" not in text and "具有可实现性，见表" not in text


@needs_office
def test_the_report_agrees_with_itself_and_the_master(full):
    """Every number of the narrative is a stated figure; each agrees with its table and its recomputation."""
    _, res = full
    findings = check(res.docx, res.built)
    assert findings == [], "\n".join(map(str, findings))
    assert len(res.built.stated) > 80


@needs_office
def test_cross_references_are_numbered_and_exist(full):
    _, res = full
    doc = Document(str(res.docx))
    caps = {re.match(r"^((?:附)?[表图]) (\d+(?:-\d+)?)", c).expand(r"\1\2") for c in _captions(doc)}
    refs = set(re.findall(r"见((?:附)?[表图]\d+(?:-\d+)?)", "\n".join(narrative(doc))))
    assert refs and refs <= caps, refs - caps
    assert not re.search(r"见[表图](?![\d附])", "\n".join(narrative(doc)))  # never a bare “见表”
    for kind in ("表 2-", "图 2-", "附表 "):
        nums = [int(re.match(rf"^{kind}(\d+) ", c).group(1)) for c in _captions(doc) if re.match(rf"^{kind}\d+ ", c)]
        nums = list(dict.fromkeys(nums))  # the parts of the matrix share their number: 附表5 …（1/2）、（2/2）
        assert nums == list(range(1, len(nums) + 1)), (kind, nums)


@needs_office
def test_compliance_first_and_every_breach_named(full):
    root, res = full
    data = read_master_data(root / "审核总表.xlsx")
    breaches = [b for b in data["compliance"] if b.get("verified") != "数据有误"]
    assert breaches, "the demo data have breaches"
    doc = Document(str(res.docx))
    text = _all_text(doc)
    for b in breaches:
        assert b["enterprise"] in text
        if b["kind"] == "排放浓度超标":
            assert re.search(re.escape(b["enterprise"]) + ".*" + re.escape(b["pollutant"]), text, re.S)
    concl = text[text.index("一、结论"):text.index("二、建议")]
    assert concl.index("达标排放") < concl.index("清洁生产水平诊断")
    assert "超标排放" in text[text.index("二、建议"):]


@needs_office
def test_nothing_fictional_in_the_body_and_references_from_the_audit(full):
    _, res = full
    doc = Document(str(res.docx))
    body = "\n".join(narrative(doc))
    cover = _all_text(doc)[:400]
    assert "虚构" in cover and "虚构" not in body
    refs = body[body.index("本报告的编制依据"):]
    for wrong in ("T/SXAEPI", "广东省", "DB 13/T", "DB 11/T", "X—2022"):
        assert wrong not in refs
    assert "GB 18484-2020" in refs and "GB/T 2589-2020" in refs


@needs_office
def test_metadata_alt_text_and_table_rows(full):
    _, res = full
    doc = Document(str(res.docx))
    cp = doc.core_properties
    assert cp.title.endswith("审核报告") and "模板" not in cp.title
    assert cp.language == "zh-CN" and cp.created.year == TODAY.year
    with zipfile.ZipFile(res.docx) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        body = z.read("word/document.xml").decode("utf-8")
    defaults = styles.split("</w:docDefaults>")[0]  # Chinese text zh-CN; Latin text en-US (zh-CN breaks numbers)
    assert 'w:eastAsia="zh-CN"' in defaults and 'w:val="en-US"' in defaults
    pics = re.findall(r"<wp:docPr [^>]*>", body)
    assert len(pics) == 3 and all('descr="' in p and 'descr=""' not in p for p in pics)
    for t in doc.tables:
        rows = t._tbl.findall(qn("w:tr"))
        if len(rows) < 3 or rows[0].find(qn("w:trPr")) is None or t.rows[0].cells[0].text in ("委托方",):
            continue  # the signature block of 协议说明 is no data table
        assert rows[0].find(qn("w:trPr")) is not None and rows[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        assert all(r.find(qn("w:trPr")) is not None and r.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
                   for r in rows[1:])
    info = subprocess.run(["pdfinfo", str(res.pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Title:\s+.*审核报告", info)


@needs_office
def test_special_characters_survive_literally(full):
    _, res = full
    doc = Document(str(res.docx))
    text = _all_text(doc)
    assert SPECIAL in text
    assert text.count("{{") == text.count(SPECIAL)  # no other braces: the data was never template code
    pdf_text = subprocess.run(["pdftotext", str(res.pdf), "-"], capture_output=True, text=True).stdout
    assert SPECIAL in pdf_text


@needs_office
def test_toc_has_real_entries(full):
    _, res = full
    assert res.refreshed
    entries = toc_entries(res.docx)
    assert len(entries) == res.toc_entries
    tables = [e for e in entries if e.startswith("附表")]  # the annex tables follow the annex heading
    assert tables and all(re.search(r"\d+$", e) for e in tables)
    entries = [e for e in entries if not e.startswith("附表")]
    assert len(entries) == len(HEADINGS) + 1
    for heading, entry in zip([*HEADINGS, ANNEX], entries, strict=True):
        assert entry.startswith(heading.split()[0].split("　")[0])
        assert re.search(r"\d+$", entry), f"目录条目没有页码：{entry}"


@needs_office
def test_typography(full):
    _, res = full
    with zipfile.ZipFile(res.docx) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        body = z.read("word/document.xml").decode("utf-8")
        footers = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))

    def east_asia(name: str) -> str:
        m = re.search(rf'<w:style [^>]*>\s*<w:name w:val="{re.escape(name)}"/>.*?</w:style>', styles, re.S)
        assert m, name
        return re.search(r'w:eastAsia="([^"]+)"', m.group(0)).group(1)

    assert east_asia("Normal") == "仿宋"
    assert east_asia("Heading 1") == east_asia("Heading 2") == "黑体"
    assert east_asia("表格文字") == east_asia("表格小字") == "宋体"
    assert "PAGE" in footers
    assert 'w:orient="landscape"' in body


@needs_office
def test_pdf_pages_render_to_png(full, tmp_path: Path):
    _, res = full
    assert res.pdf is not None and res.pdf.exists()
    info = subprocess.run(["pdfinfo", str(res.pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages > 15
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", str(pages), str(res.pdf), str(out)], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    from PIL import Image

    landscape = 0
    for i, png in enumerate(pngs, start=1):
        with Image.open(png) as im:
            gray = im.convert("L")
            ink = sum(gray.histogram()[:128]) / (gray.width * gray.height)
            landscape += im.width > im.height
        # a page holds more than its folio ("— 12 —"): text, or a figure's ink
        words = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(res.pdf), "-"],
                               capture_output=True, text=True).stdout
        body = re.sub(r"[—\-\s]*[\dⅰ-ⅿⅠ-ⅫIVXivx]+[—\-\s]*$", "", words.strip())
        assert len(body) > 40 or ink > 0.01, f"空白页：{png.name}（{body[:40]!r}）"
    assert landscape >= 1  # the enterprise × indicator matrix of the annex


# --------------------------------------------------------------------------- nothing unconfirmed as a conclusion


def _copy_of(full, tmp_path: Path) -> tuple[Path, Path, dict]:
    """A copy of the full audit to change: (folder, master, master data)."""
    dst = tmp_path / "audit"
    shutil.copytree(full[0], dst)
    master = dst / "审核总表.xlsx"
    return dst, master, read_master_data(master)


@pytest.fixture()
def unconfirmed(full, tmp_path: Path) -> Path:
    """The full audit with one proposal and one target back at 建议 and the parameters unconfirmed."""
    dst, master, data = _copy_of(full, tmp_path)
    props = data["proposals"]
    props[-1] = {**props[-1], "state": "建议", "reviewed_by": None, "reviewed_on": None}
    targets = data["targets"]
    targets[-1] = {**targets[-1], "state": "已确认", "reviewed_by": None}  # unsigned: does not count
    settings = {**data["plan_settings"][0], "confirmed_by": None}
    update_master(master, {"proposals": props, "targets": targets, "plan_settings": [settings]})
    return dst


def test_pending_items_refuse_a_final_report(unconfirmed):
    with pytest.raises(ReportPending) as exc:
        render_report(unconfirmed, refresh_fields=False, today=TODAY)
    msg = str(exc.value)
    assert "方案参数设置" in msg and "1 项审核目标" in msg and "1 项清洁生产方案" in msg and "--draft" in msg
    assert not (unconfirmed / "成果" / REPORT_NAME).exists() or True  # nothing new is written


def test_draft_marks_the_pending_items_apart(unconfirmed):
    data = read_master_data(unconfirmed / "审核总表.xlsx")
    pending_prop = data["proposals"][-1]
    res = render_report(unconfirmed, refresh_fields=False, today=TODAY, draft=True)
    assert res.draft and res.docx.name == DRAFT_NAME and res.pending
    doc = Document(str(res.docx))
    text = _all_text(doc)
    assert "草　稿" in text[:300]
    assert "2.4.4 待审核小组确认的事项（草稿）" in _headings(doc)
    draft = text[text.rindex("2.4.4 待审核小组确认的事项"):text.rindex("2.5 结论和建议")]
    assert pending_prop["proposal_id"] in draft
    concl = text[text.index("一、结论"):]
    confirmed = sum(p.get("state") == "已确认" for p in data["proposals"])
    assert f"确认实施{confirmed}项" in concl  # the pending proposal is not counted as adopted
    assert check(res.docx, res.built) == []


def test_provincial_review_checks_warn(full, tmp_path: Path):
    dst, master, data = _copy_of(full, tmp_path)
    values = data["indicator_values"]
    share = next(v for v in values if v.get("unit") == "%" and isinstance(v.get("value"), (int, float)))
    share["value"] = 106.0
    update_master(master, {"indicator_values": values, "site_inspections": [], "improvement_potential": []})
    res = render_report(dst, refresh_fields=False, today=TODAY)
    review = "\n".join(res.review)
    assert "评估不通过风险（数据存在重大错误）" in review and "超出物理取值范围" in review
    assert "评估不通过风险（淘汰落后工艺未执行）" in review
    assert "评估不通过风险（没有全面的潜力分析）" in review
    assert all(w in res.warnings for w in res.review)


# --------------------------------------------------------------------------- empty sheets, fallbacks


def test_empty_master_says_so_plainly(empty):
    root, res = empty
    doc = Document(str(res.docx))
    assert _headings(doc) == HEADINGS  # no annex without per-enterprise lists
    text = _all_text(doc)
    for sentence in ("本次审核未录入宣传培训记录。", "本次审核未录入审核小组成员（表A.1）。",
                     "审核总表尚未录入清洁生产审核目标", "审核总表尚未录入清洁生产方案", "审核总表未录入审核企业名单。",
                     "未录入现场考察和座谈记录", "尚未在审核总表“审核经验”工作表中总结"):
        assert sentence in text
    assert not re.search(r"\{%|%\}|\{\{|\}\}", text)
    assert not res.refreshed and res.warnings
    # without LibreOffice the TOC still lists every heading (page numbers come when Word updates it)
    assert toc_entries(res.docx) == HEADINGS
    assert {"2.2.2", "2.2.4", "2.3.3", "2.4.1", "2.4.2"} <= set(res.empty_sections)
    assert res.figures == 0


def test_out_folder_and_atomic(empty, tmp_path: Path):
    root, _ = empty
    res = render_report(root, out=tmp_path, refresh_fields=False)
    assert res.docx == tmp_path / REPORT_NAME and res.docx.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_control_characters_and_markup_in_data(tmp_path: Path):
    """Data may hold XML-illegal characters and docxtpl's break markers; they never break the file."""
    data = {"audit_task": [{"industry_name": "水泥制造", "region": "某市"}],
            "training": [{"date": "2025-03-01", "channel": "下达正式文件", "content": "通知\f第二页\a段落\x01</w:t>",
                          "audience": "<企业>&", "attendance": 12}],
            "enterprises": [{"name": "甲{%p if x %}乙\t丙", "uscc": "1", "county": "{{ cover.title }}"}]}
    out = tmp_path / "r.docx"
    render_docx(build_context(data), TEMPLATE, out, tmp_path)
    text = _all_text(Document(str(out)))
    assert "通知第二页段落</w:t>" in text and "<企业>&" in text
    assert "甲{%p if x %}乙 丙" in text and "{{ cover.title }}" in text


def test_long_tables_are_split_with_continued_captions(tmp_path: Path):
    """Tables longer than CHUNK rows come in parts (LibreOffice lays those out much faster), “续表” after the first."""
    from cpxl.report.build_template import CHUNK

    n = CHUNK + 10
    data = {"audit_task": [{"industry_name": "水泥制造", "region": "某市"}],
            "enterprises": [{"name": f"企业{i}", "uscc": f"U{i}", "size": "小型"} for i in range(n)]}
    out = tmp_path / "r.docx"
    stats = render_docx(build_context(data), TEMPLATE, out, tmp_path)
    doc = Document(str(out))
    parts = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["序号", "企业名称"]]
    assert [len(t.rows) - 1 for t in parts] == [CHUNK, 10]
    caps = [p.text for p in doc.paragraphs if "审核企业一览表" in p.text and not p.style.name.startswith("toc")]
    num = re.match(r"附表 (\d+) ", caps[0]).group(1)
    assert caps == [f"附表 {num} 审核企业一览表", f"续附表 {num} 审核企业一览表"]
    assert stats["numbers"]["annex.enterprises"] == num


# --------------------------------------------------------------------------- pieces


def test_template_is_reproducible(tmp_path: Path):
    out = build(tmp_path / "report.docx")
    assert out.read_bytes() == TEMPLATE.read_bytes(), \
        "templates/report.docx 与 build_template.py 不一致：请运行 python -m cpxl.report.build_template"
    doc = Document(str(out))
    heads = _headings(doc)
    assert heads == [*HEADINGS[:17], "2.4.4 待审核小组确认的事项（草稿）", HEADINGS[17], ANNEX]
    text = _all_text(doc)
    assert "{%p for chunk in s222.rows|batch(150) %}" in text and "{%tr for r in chunk %}" in text
    assert "num['s211.economy']" in text and "num['annex.matrix']" in text
    assert "{%p if s224.rows %}" in text
    for t in re.findall(r"\{[{%].*?[%}]\}", text):  # every tag sits in one run (docxtpl needs that)
        assert any(t in (r.text or "") for p in doc.element.body.iter(qn("w:p")) for r in p.iter(qn("w:t")))


def test_context_numbers():
    data = {
        "audit_task": [{"industry_name": "水泥制造", "region": "某市", "statistical_year": 2024}],
        "enterprises": [{"name": "甲", "uscc": "1"}, {"name": "乙", "uscc": "2"}],
        "all_ent_energy": [
            {"ent_uscc": "1", "year": 2024, "carrier": "电力", "unit": "万kWh", "consumption": 100},
            {"ent_uscc": "2", "year": 2024, "carrier": "电力", "unit": "kWh", "consumption": 1_000_000},
            {"ent_uscc": "2", "year": 2023, "carrier": "电力", "unit": "kWh", "consumption": 9_999_999},
        ],
        "diagnosis": [{"uscc": "1", "level": "I级"}, {"uscc": "2", "level": "III级"}],
        "training": [],
    }
    built = build_context(data)
    res = " ".join(built.context["s231"]["resource"])
    assert "合计245.8 tce" in res  # 2×10⁶ kWh × 0.1229 kgce/kWh, 2023 left out
    lv = " ".join(built.context["s233"]["levels"])
    assert "达到Ⅰ级（国际清洁生产领先水平）的1家，占50%" in lv
    assert built.context["s224"]["paragraphs"] == ["本次审核未录入宣传培训记录。"]
    assert built.charts["level"]["labels"] == ["Ⅰ级", "Ⅱ级", "Ⅲ级", "不达标", "数据不全"]  # empty ones too
    assert built.charts["level"]["counts"] == [1, 0, 1, 0, 0] and "Ⅰ级1家" in built.charts["level"]["alt"]
    stated = {k.split(":", 1)[1]: v for k, v in built.stated.items() if k.startswith("s231:")}
    assert stated["tce"].value == pytest.approx(245.8, abs=0.05) and stated["tce"].table == "s231.energy"


def test_benchmarks_and_levels():
    assert parse_benchmark("≤30") == ("≤", 30.0, None)
    assert parse_benchmark(">7000") == (">", 7000.0, None)
    assert parse_benchmark("[3, 4] 次/年") == ("range", 3.0, 4.0)
    assert parse_benchmark("贮存设施地面防渗") is None
    ind = {"level1": "≤30", "level2": "≤50", "level3": "≤80"}
    assert [level_of(x, ind) for x in (20, 40, 80, 81)] == ["Ⅰ级", "Ⅱ级", "Ⅲ级", "未达到Ⅲ级"]


def test_charts_have_chinese_glyphs(tmp_path: Path):
    from cpxl.report import charts

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for a tofu box
        out = charts.draw_all({
            "level": {"labels": ["I级", "II级", "不达标"], "counts": [2, 5, 1]},
            "bench": {"indicators": [{"name": "NOₓ浓度（日均值）", "unit": "mg/Nm³", "values": [90, 150, 260],
                                      "lines": {"I级": 150, "II级": 200, "III级": 250}, "lower_better": True}]},
            "potential": {"labels": ["吨产品综合能耗$", "二噁英排放浓度"], "values": [12.5, 30], "scope": "行业层面"},
        }, tmp_path)
    assert set(out) == {"level", "bench", "potential"} and all(p.stat().st_size > 5000 for p in out.values())


def test_focus_section_follows_the_diagnosis_judgement() -> None:
    """2.3.2 lists as industry focus only what cpxl diagnose judged industry-level (5.2.2 rules)."""
    from cpxl.report.context.data import Data
    from cpxl.report.context.s232_focus import s232_focus

    ents = [{"name": f"企业{i}", "uscc": str(i), "heavy_pollution": "是", "ghg_reporting": "是" if i == 0 else "否"}
            for i in range(10)]
    judged = [
        {"focus": "特征污染物或有毒有害物质", "industry_focus": "是", "n_enterprises": 10},
        {"focus": "温室气体", "industry_focus": "否", "n_enterprises": 1},
    ]
    out = s232_focus(Data({"enterprises": ents, "audit_focus": judged}))
    assert [r["focus"].split("（")[0] for r in out["rows"]] == ["特征污染物或有毒有害物质"]
    assert any("温室气体（1家）" in p for p in out["paragraphs"])
    assert out["rows"][0]["ents"] == "10"  # counted once, from the enterprise list
    # without a diagnosis, every flagged rule is listed
    out = s232_focus(Data({"enterprises": ents}))
    assert len(out["rows"]) == 2
    # the audit task names 温室气体: it is part of the focus whatever the share (5.1.1), said as such in the text —
    # not a row of the table whose 判定依据 are the criteria of 5.2.2, nor also an enterprise-level focus (1家)
    audit = [{"scope_boundary": "重点关注能源与温室气体"}]
    out = s232_focus(Data({"enterprises": ents, "audit_focus": judged, "audit_task": audit}))
    assert [r["focus"].split("（")[0] for r in out["rows"]] == ["特征污染物或有毒有害物质"]
    text = " ".join(out["paragraphs"])
    assert "审核任务明确的审核范围（指南5.1.1）包括温室气体" in text and "审核任务明确的审核范围（指南5.1.1）包括能源" in text
    assert "温室气体（1家）" not in text
    assert "审核诊断重点为特征污染物或有毒有害物质、温室气体和能源" in text


def test_wording_a_regulator_signs(full):
    """No tool codes in the sentences: screening conclusions and target reasons in plain words, a site where
    nothing was found is not listed among the problems, no software name or status code as an actor."""
    _, res = full
    text = _all_text(Document(str(res.docx)))
    for code in ("确认实施（", "制约升级", "审核总表录入", "由 cpxl", "cpxl 缺省", "UNCONFIRMED", "（hf_", "按发布文本"):
        assert code not in text, code
    listed = re.search(r"现场发现的主要问题有：([^。]*)。", text)
    assert listed is None or "未发现明显问题" not in listed.group(1)
    assert re.search(r"(通过筛选|判据全部满足|达标整改方案)，确认实施\d+项", text)
    with zipfile.ZipFile(res.docx) as z:
        assert "\u2060" not in z.read("word/document.xml").decode("utf-8")  # Find and copy-paste work


def test_screening_conclusions_read_as_what_they_are():
    from cpxl.report.context.s24_plan import decision_label

    # 可行 = NPV ≥ 0 with a missed criterion: never "经济可行" (the review found failing proposals labelled so)
    assert "部分经济判据未满足" in decision_label("可行", "中/高费")
    assert "判据全部满足" in decision_label("推荐实施", "中/高费")
    assert decision_label("推荐实施", "无/低费").startswith("无/低费方案，通过筛选")
    assert "经济可行" not in "".join(decision_label(a, b) for a in ("推荐实施", "可行", "不可行", "")
                                    for b in ("无/低费", "中/高费"))


def test_a_site_without_findings_is_not_a_problem():
    from cpxl.report.context.s231_objects import _no_problem

    assert _no_problem("运行记录完整，未发现明显问题") and _no_problem("无明显问题。")
    assert not _no_problem("SNCR 喷枪部分堵塞，尿素溶液投加量按经验手动调节")
    assert not _no_problem("活性炭喷射量记录不全；未发现其他问题")


def test_removal_rates_only_for_pollutants_and_never_a_rounded_100():
    from cpxl.report.context.s231_objects import _removal_dp
    from cpxl.report.fmt import pct

    assert pct(10000 - 2, 10000, dp=_removal_dp(10000, 2)) == "99.98%"
    assert pct(100 - 30, 100, dp=_removal_dp(100, 30)) == "70%"


def test_level_rule_explains_indices_with_bonus(full):
    """附表2's indices include the bonus group; Ⅲ级 is judged without it — the text says so, or an index of 100
    beside 不达标 reads as a contradiction."""
    _, res = full
    text = _all_text(Document(str(res.docx)))
    assert "不计加分项；附表中的综合评价指数含加分项" in text


def test_a_sentence_names_ten_enterprises_and_sends_the_rest_to_the_annex():
    """The body does not grow with the audit: at 1,000 enterprises a list of 194 suspected exceedances made one
    paragraph of 12,000 characters."""
    from cpxl.report.context.data import Data
    from cpxl.report.context.s233_diagnosis import NAMED, _exceedance_sentence

    diag = [{"uscc": f"U{i}", "enterprise": f"企业{i:02d}", "level": "超标待核实", "provisional_level": "II级",
             "exceedances": f"氟化氢 3.{i} mg/Nm³（限值 2）"} for i in range(NAMED + 5)]
    d = Data({"enterprises": [{"uscc": r["uscc"], "name": r["enterprise"]} for r in diag]})
    out: list[str] = []
    _exceedance_sentence(d, diag, out)
    assert len(out) == 1 and "企业09" in out[0] and "企业10" not in out[0]
    assert "等（其余5家见" in out[0]
