"""Every schema is valid JSON Schema 2020-12 and uses cpxl's x- vocabulary consistently."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from cpxl.book import schema
from cpxl.book.schema import EXCEL_SHEET_FORBIDDEN
from cpxl.core.paths import SCHEMAS

ALL = sorted(p.stem for p in SCHEMAS.glob("*.json"))


@pytest.mark.parametrize("key", ALL)
def test_meta_validation(key: str) -> None:
    doc = json.loads((SCHEMAS / f"{key}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["type"] == "object" and doc["additionalProperties"] is False
    assert set(doc["required"]) <= set(doc["properties"])


@pytest.mark.parametrize("key", ALL)
def test_sheet_vocabulary(key: str) -> None:
    s = schema.load(key)
    assert 0 < len(s.sheet) <= 31 and not (set(s.sheet) & EXCEL_SHEET_FORBIDDEN)
    assert s.workbook in ("master", "enterprise", "system") and s.layout in ("table", "form")
    assert s.clause, "every sheet names the clause of the guideline it implements"
    for f in s.fields:
        assert f.title and f.type in ("string", "number", "integer")
        if f.enum:
            assert len(set(f.enum)) == len(f.enum)
        if f.minimum is not None and f.maximum is not None:
            assert f.minimum <= f.maximum
        if f.le:
            assert f.le in s.names
    for name in s.key_fields + s.required_years:
        assert name in s.names
    validator = s.validator()
    for row in s.prefill:
        assert not list(validator.iter_errors(row)), row


def test_sheet_names_unique() -> None:
    names = [s.sheet for s in schema.load_all().values()] + [s.sheet for s in schema.consolidated_schemas()]
    assert len(names) == len(set(names))


def test_table_a2_prefill_is_the_guideline() -> None:
    rows = schema.load("work_plan").prefill
    assert [r["stage"] for r in rows].count("前期准备") == 3
    assert [r["stage"] for r in rows].count("审核诊断") == 4
    assert [r["stage"] for r in rows].count("报告编制") == 3
    assert rows[0]["task"] == "明确审核任务" and rows[-1]["task"] == "编制清洁生产审核报告"


def test_guideline_coverage() -> None:
    """The guideline's tables and Appendix B items each have a sheet."""
    clauses = " ".join(s.clause for s in schema.load_all().values())
    for item in ("表A.1", "表A.2", "5.1.1", "5.1.4", "B.1 a)", "B.1 b)", "B.1 c)", "B.2 a)", "B.2 b)", "B.3 a)",
                 "B.3 b)", "B.4 a)", "B.4 b)", "5.2.3", "5.3.1", "5.3.2"):
        assert item in clauses, item
