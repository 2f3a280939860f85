"""Layout of the report's tables: numbers keep their units, columns fit their unbreakable text (python-docx reading
the rendered docx), readable benchmark ranges and headers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from cpxl.demo.scale import make_audit
from cpxl.report import render_report
from cpxl.report.render_layout import (
    NBSP,
    WJ,
    _para_text,
    _redistribute,
    _style_sizes,
    chunks,
    min_width_mm,
    readable,
)

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layout") / "audit"
    make_audit(root, n=8)
    return render_report(root, refresh_fields=False, today=TODAY).docx


def test_readable_numbers_units_and_ranges():
    assert readable("[3, 4] 次/年") == f"3～4{NBSP}次/年"
    assert readable("预计年削减氟化氢 87.62 t") == f"预计年削减氟化氢 87.62{NBSP}t"
    assert readable("由53.12 mg/Nm³降至50 mg/Nm³") == f"由53.12{NBSP}mg/Nm³降至50{NBSP}mg/Nm³"
    assert readable("投资（万元）") == "投资（万元）"  # nothing invisible inside words: Find must work
    assert readable("甲 乙") == "甲 乙"  # no number: unchanged
    # a number with its unit is one piece; Chinese text breaks between characters
    assert f"87.62{NBSP}t" in chunks(readable("削减 87.62 t"))
    assert chunks("定性要求") == ["定性要求"]


def test_redistribute_keeps_total_and_feeds_the_short_column():
    new = _redistribute([40.0, 20.0], [10.0, 28.0], [10.0, 28.0])
    assert new == pytest.approx([32.0, 28.0]) and sum(new) == pytest.approx(60.0)
    assert _redistribute([10.0, 10.0], [10.0, 30.0], [10.0, 30.0]) == [10.0, 10.0]  # no room: unchanged


def test_numbers_keep_units_and_columns_fit_them(rendered: Path):
    doc = Document(str(rendered))
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    lang = next(defaults.iter(qn("w:lang")))
    assert lang.get(qn("w:val")) == "en-US" and lang.get(qn("w:eastAsia")) == "zh-CN"  # zh-CN Latin breaks digits
    sizes = _style_sizes(doc)
    glued = fitted = 0
    for tbl in doc.element.body.iter(qn("w:tbl")):
        for t in tbl.iter(qn("w:t")):
            assert not re.search(r"\d[ ](?:t|kg|mg|m³|tce|万元|次|%)(?![A-Za-z])", t.text or ""), t.text
            assert not re.search(r"\[\d+(?:\.\d+)?, \d+(?:\.\d+)?\]", t.text or ""), t.text
            glued += NBSP in (t.text or "")
            assert WJ not in (t.text or ""), t.text
        cols = [int(c.get(qn("w:w"))) / 56.6929 for c in tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))]
        rows = [tr.findall(qn("w:tc")) for tr in tbl.findall(qn("w:tr"))]
        rows = [r for r in rows if len(r) == len(cols)]
        need = [0.0] * len(cols)
        for r in rows:
            for j, tc in enumerate(r):
                for p in tc.iter(qn("w:p")):
                    st = p.find(qn("w:pPr")).find(qn("w:pStyle")) if p.find(qn("w:pPr")) is not None else None
                    size = sizes.get(st.get(qn("w:val")) if st is not None else "", 10.5)
                    need[j] = max(need[j], min_width_mm(_para_text(p), size, numbers_only=True))
        if sum(need) <= sum(cols):  # where the numbers can fit, every column holds its numbers unbroken
            assert all(c >= n - 0.1 for c, n in zip(cols, need, strict=True)), (cols, need)
            fitted += 1
    assert glued and fitted > 10


def test_economics_headers_read_whole(rendered: Path):
    doc = Document(str(rendered))
    heads = [[c.text.replace(WJ, "") for c in t.rows[0].cells] for t in doc.tables]
    econ = [h for h in heads if "经济可行" in h]
    assert econ and all("总投资\n（万元）" in h and "经济\n可行" not in h for h in econ)


def test_annex_tables_in_toc_and_matrix_columns_keyed(rendered: Path):
    from cpxl.report.render import toc_entries

    toc = toc_entries(rendered)
    doc = Document(str(rendered))
    annex_caps = [p.text.strip() for p in doc.paragraphs if re.match(r"^附表 \d+ ", p.text.strip())]
    assert annex_caps and all(c in toc for c in annex_caps)  # every annex table is in the table of contents
    assert not any(e.startswith("续附表") for e in toc)
    keys = [p.text for p in doc.paragraphs if p.text.startswith("列号对应的指标：")]
    assert keys and re.match(r"列号对应的指标：1 \S+；2 ", keys[0])


def test_benchmark_bars_carry_enterprise_numbers(tmp_path: Path):
    from cpxl.book.xlsxread import read_master_data
    from cpxl.report.context import build_context

    root = tmp_path / "audit"
    make_audit(root, n=6)
    built = build_context(read_master_data(root / "审核总表.xlsx"), TODAY)
    bench = built.charts.get("bench")
    assert bench and all(len(i["codes"]) == len(i["values"]) and all(i["codes"]) for i in bench["indicators"])
