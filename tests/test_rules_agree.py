"""The template's 自查 sheet and cpxl ingest agree rule for rule (issue 11.1).

Templates of two industries are filled the way enterprises fill them (in the template's own rows, optional
prefilled rows left untouched) — carefully, and at random with planted mistakes. LibreOffice recalculates
the self-check formulas; cpxl reads the same files as ingest does. For every sheet and rule the number of
problems the self-check counts equals the number ingest reports, and a carefully filled template has none
on either side — in any industry.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
from filler import fill, fill_careful

from cpxl.book import schema
from cpxl.book.master import init_audit
from cpxl.book.rules import kinds_found, sheet_rules
from cpxl.book.selfcheck import FIRST_CHECK_ROW, SELF_CHECK_SHEET
from cpxl.book.templates import make_templates
from cpxl.core import office
from cpxl.domain import packs
from cpxl.domain.codes import uscc_check_char
from cpxl.intake.extract import extract

YEARS = (2023, 2024, 2025)
PACKS = ("electroplating", "hazardous-waste-incineration")


def _enterprise(i: int) -> dict:
    body = f"91330100MA27ABC{i:02d}"
    uscc = body + uscc_check_char(body)
    return {"name": f"测试企业{i}有限公司", "uscc": uscc, "permit_no": uscc + "001P", "industry_code": "C3360"}


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> dict:
    """Per pack: a careful fill and three fills with mistakes, all recalculated by LibreOffice in one run."""
    out: dict[str, list[tuple[Path, Path]]] = {}
    work = tmp_path_factory.mktemp("agree")
    files = []
    for pack in PACKS:
        root = work / pack
        init_audit(root, packs.load_pack(pack).industry, "某省", 2025,
                   data={"enterprises": [_enterprise(i) for i in range(4)]}, pack=pack)
        templates = sorted(make_templates(root))
        pairs = []
        for i, t in enumerate(templates):
            dst = work / f"{pack}-{i}.xlsx"
            with packs.activated(pack):
                if i == 0:
                    fill_careful(t, dst, seed=i)
                else:
                    fill(t, dst, seed=100 + i, mistakes=0.15)
            files.append(dst)
            pairs.append(dst)
        out[pack] = pairs
    recalc = work / "recalc"
    recalc.mkdir()
    with tempfile.TemporaryDirectory(prefix="cpxl-lo-") as profile:
        subprocess.run([office.soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(recalc), *map(str, files)],
                       check=True, capture_output=True, timeout=600)
    return {pack: [(p, recalc / p.name) for p in pairs] for pack, pairs in out.items()}


def _self_check(recalculated: Path) -> dict[tuple[str, str], int]:
    """(sheet, item) → the count LibreOffice computed."""
    ws = openpyxl.load_workbook(recalculated, data_only=True)[SELF_CHECK_SHEET]
    out = {}
    for r in range(FIRST_CHECK_ROW, ws.max_row + 1):
        sheet, item, n = ws.cell(r, 2).value, ws.cell(r, 3).value, ws.cell(r, 4).value
        if sheet:
            assert isinstance(n, (int, float)), f"{sheet} {item}: the formula did not evaluate ({n!r})"
            out[(sheet, item)] = out.get((sheet, item), 0) + int(n)
    return out


def _by_kind(pack: str, counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    with packs.activated(pack):
        kind_of = {(s.sheet, r.item): r.kind for s in schema.for_workbook("enterprise") for r in sheet_rules(s, YEARS)}
    out: dict[tuple[str, str], int] = {}
    for (sheet, item), n in counts.items():
        key = (sheet, kind_of[(sheet, item)])
        out[key] = out.get(key, 0) + n
    return {k: v for k, v in out.items() if v}


def _ingest(pack: str, path: Path) -> tuple[dict[tuple[str, str], int], list]:
    with packs.activated(pack):
        ex = extract(path, YEARS)
    by_sheet: dict[tuple[str, str], int] = {}
    for p in ex.problems:
        for kind, n in kinds_found([p]).items():
            by_sheet[(p.sheet, kind)] = by_sheet.get((p.sheet, kind), 0) + n
    return by_sheet, ex.problems


@pytest.mark.parametrize("pack", PACKS)
def test_a_careful_fill_passes_both(filled, pack):
    original, recalculated = filled[pack][0]
    counts = _by_kind(pack, _self_check(recalculated))
    found, problems = _ingest(pack, original)
    # (the absolute ranges of the pack need realistic figures, not random ones: tests/test_numbers_right.py)
    errors = [f"{p.sheet}!{p.cell} {p.message}" for p in problems if p.severity == "error"
              and not p.rule.startswith("range.")]
    assert counts == {}, counts
    assert errors == [], errors


@pytest.mark.parametrize("pack", PACKS)
def test_self_check_and_ingest_count_the_same_per_rule(filled, pack):
    for original, recalculated in filled[pack][1:]:
        counts = _by_kind(pack, _self_check(recalculated))
        found, problems = _ingest(pack, original)
        assert counts, "the messy fills must plant some mistakes"
        assert found == counts, {"self-check": counts, "ingest": found,
                                 "ingest problems": [f"{p.sheet}!{p.cell} {p.rule} {p.message}" for p in problems
                                                     if p.check][:40]}
