"""The Appendix C report: headings, tables, narrative, escaping, TOC, PDF and pages as images."""

from __future__ import annotations

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
from cpxl.demo.scale import make_audit
from cpxl.report import REPORT_NAME, TEMPLATE, render_report
from cpxl.report.build_template import build
from cpxl.report.context import build_context
from cpxl.report.context.s233_diagnosis import level_of, parse_benchmark
from cpxl.report.render import render_docx, toc_entries

SPECIAL = "A&B<公司>{{x}}"
N = 8
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


def _headings(doc) -> list[str]:
    return [p.text.strip() for p in doc.paragraphs
            if p.style is not None and re.fullmatch(r"Heading [12]", p.style.name) and p.text.strip()]


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory):
    """An audit with every sheet filled (N enterprises, one named A&B<公司>{{x}}), rendered once with PDF."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("需要 LibreOffice（scripts/setup 安装）")
    root = tmp_path_factory.mktemp("report") / "audit"
    make_audit(root, n=N, special_name=SPECIAL)
    res = render_report(root, pdf=True)
    return root, res


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory):
    """A freshly initialised audit: only the defaults of ``cpxl init``; rendered without LibreOffice."""
    root = tmp_path_factory.mktemp("empty") / "audit"
    init_audit(root, "水泥制造", "某市", 2024)
    return root, render_report(root, refresh_fields=False)


# --------------------------------------------------------------------------- structure


@needs_office
def test_every_appendix_c_heading_in_order(full):
    root, res = full
    assert res.docx == root / "成果" / REPORT_NAME
    doc = Document(str(res.docx))
    assert _headings(doc) == HEADINGS
    for p in doc.paragraphs:  # headings are real Word heading styles with outline levels (the TOC needs them)
        if p.text.strip() in HEADINGS:
            assert p.style.name in ("Heading 1", "Heading 2")


@needs_office
def test_tables_are_filled(full):
    root, res = full
    doc = Document(str(res.docx))
    text = _all_text(doc)
    tables = {t.rows[0].cells[0].text.strip(): t for t in doc.tables}
    # Table A.1 (team) and A.2 (plan) carry the sample's rows
    team = next(t for t in doc.tables if "来自部门及职务职称" in [c.text for c in t.rows[0].cells])
    assert len(team.rows) == 1 + 8
    plan = next(t for t in doc.tables if any("审核范围" in c.text for c in t.rows[0].cells))
    assert len(plan.rows) == 3 + 10
    # the enterprise list and the diagnosis results have one row per enterprise
    ent_list = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["序号", "企业名称", "统一社会信用代码"])
    assert len(ent_list.rows) == 1 + N
    results = next(t for t in doc.tables if "Y_I" in [c.text for c in t.rows[0].cells])
    assert len(results.rows) == 1 + N
    assert "序号" in tables
    # every table of the body has data rows, no Jinja tag survived
    assert not re.search(r"\{%|%\}|\{\{ |\}\} ", text)
    assert res.empty_sections == []
    assert res.sections["2.2.2"] == 8 and res.sections["2.4.2"] > N
    assert res.tables >= 30 and res.figures == 3


@needs_office
def test_narrative_is_built_from_the_figures(full):
    _, res = full
    text = _all_text(Document(str(res.docx)))
    assert f"覆盖企业{N}家" in text
    assert re.search(r"综合能源消费量（当量值）合计[\d,.]+ tce", text)
    assert re.search(r"达到I级（国际清洁生产领先水平）的\d+家，占[\d.]+%", text)
    assert re.search(r"共提出清洁生产方案\d+项", text) and re.search(r"合计投资[\d,.]+万元", text)
    assert "审核诊断重点为" in text and "（1）" in text
    assert "待补充" not in text and "未录入" not in text


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
    assert len(entries) == len(HEADINGS) == res.toc_entries
    for heading, entry in zip(HEADINGS, entries, strict=True):
        assert entry.startswith(heading.split()[0]) and heading.split()[1] in entry
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
    assert east_asia("表格文字") == "宋体"
    assert "PAGE" in footers
    assert 'w:orient="landscape"' in body
    doc = Document(str(res.docx))
    caps = [p.text for p in doc.paragraphs if re.match(r"^[表图] 2-\d+ ", p.text)]
    for kind in "表图":
        nums = [int(re.match(rf"^{kind} 2-(\d+)", c).group(1)) for c in caps if c.startswith(kind)]
        assert nums == list(range(1, len(nums) + 1)), nums


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
    for png in pngs:
        with Image.open(png) as im:
            gray = im.convert("L")
            ink = sum(gray.histogram()[:128]) / (gray.width * gray.height)
            assert ink > 0.001, f"空白页：{png.name}"
            landscape += im.width > im.height
    assert landscape >= 1  # the enterprise × indicator matrix


# --------------------------------------------------------------------------- empty sheets, fallbacks


def test_empty_master_says_so_plainly(empty):
    root, res = empty
    doc = Document(str(res.docx))
    assert _headings(doc) == HEADINGS
    text = _all_text(doc)
    for sentence in ("本次审核未录入宣传培训记录。", "本次审核未录入审核小组成员（表A.1）。",
                     "审核总表尚未录入清洁生产审核目标", "审核总表尚未录入清洁生产方案", "审核总表未录入审核企业名单。"):
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
    caps = [p.text for p in doc.paragraphs if "审核企业一览表" in p.text]
    num = re.match(r"表 2-(\d+) ", caps[0]).group(1)
    assert caps == [f"表 2-{num} 审核企业一览表", f"续表 2-{num} 审核企业一览表"]
    assert stats["tables"] >= int(num)


# --------------------------------------------------------------------------- pieces


def test_template_is_reproducible(tmp_path: Path):
    out = build(tmp_path / "report.docx")
    assert out.read_bytes() == TEMPLATE.read_bytes(), \
        "templates/report.docx 与 build_template.py 不一致：请运行 python -m cpxl.report.build_template"
    doc = Document(str(out))
    assert _headings(doc) == HEADINGS
    text = _all_text(doc)
    assert "{%p for chunk in s222.rows|batch(150) %}" in text and "{%tr for r in chunk %}" in text
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
    assert "达到I级（国际清洁生产领先水平）的1家，占50%" in lv
    assert built.context["s224"]["paragraphs"] == ["本次审核未录入宣传培训记录。"]
    assert built.charts["level"] == {"labels": ["I级", "III级"], "counts": [1, 1]}


def test_benchmarks_and_levels():
    assert parse_benchmark("≤30") == ("≤", 30.0, None)
    assert parse_benchmark(">7000") == (">", 7000.0, None)
    assert parse_benchmark("[3, 4] 次/年") == ("range", 3.0, 4.0)
    assert parse_benchmark("贮存设施地面防渗") is None
    ind = {"level1": "≤30", "level2": "≤50", "level3": "≤80"}
    assert [level_of(x, ind) for x in (20, 40, 80, 81)] == ["I级", "II级", "III级", "未达到III级"]


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
    assert [r["focus"].split("（")[0] for r in out["rows"]] == ["特征污染物及有毒有害物质"]
    assert any("温室气体（1 家）" in p for p in out["paragraphs"])
    # without a diagnosis, every flagged rule is listed
    out = s232_focus(Data({"enterprises": ents}))
    assert len(out["rows"]) == 2
