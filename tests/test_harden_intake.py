"""Issue 14, what enterprises send: nothing lost, nobody impersonated (items 1–8, 13, 14).

Real files throughout: templates made by cpxl, filled as an enterprise would, then edited the way a hostile
or careless sender would (headers swapped, stamps edited, 120,000 rows, formulas without results)."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from harden_kit import (
    assert_consistent,
    cli,
    edit,
    ent,
    error_of,
    filled,
    fresh,
    one_chinese_line,
    set_saved_time,
    sha,
    unit_mistake,
)
from typer.testing import CliRunner

from cpxl.book.layout import layout_for
from cpxl.book.schema import load
from cpxl.book.templates import STAMP_SHEET, build_template, read_master, template_filename
from cpxl.book.xlsxread import read_master_data
from cpxl.cli import app
from cpxl.core import office
from cpxl.core.folder import AuditFolder
from cpxl.core.signing import load_key
from cpxl.diagnosis import diagnose
from cpxl.intake.ingest import IngestSettings, ingest


@pytest.fixture()
def root(demo_copy: Path) -> Path:
    return fresh(demo_copy)


def _report(root: Path) -> tuple[list[tuple], list[tuple]]:
    wb = openpyxl.load_workbook(root / "成果" / "校验报告.xlsx")
    summary = [r for r in wb["汇总"].iter_rows(min_row=4, values_only=True) if any(r)]
    problems = [r for r in wb["问题清单"].iter_rows(min_row=2, values_only=True) if any(r)]
    return summary, problems


# ---------------------------------------------------------------- 1 and 2: derived outputs from the ledger

def test_1_report_keeps_every_current_submission_problems(root: Path) -> None:
    inbox = root / "收件箱"
    filled(root, 0, inbox / "甲.xlsx", unit_mistake)
    filled(root, 1, inbox / "乙.xlsx")
    first = ingest(root)
    assert {f.file: f.outcome for f in first.files} == {"甲.xlsx": "rejected", "乙.xlsx": "accepted"}
    _, problems1 = _report(root)
    mine = [p for p in problems1 if p[2] == ent(0)["uscc"] and p[0] == "错误"]
    assert mine
    for p in inbox.iterdir():
        p.unlink()
    filled(root, 2, inbox / "丙.xlsx")
    second = ingest(root)
    assert [f.outcome for f in second.files] == ["accepted"]
    summary, problems2 = _report(root)
    # the still-rejected enterprise's problems are still listed (the old report lost them: 14 rows -> 0)
    assert [p for p in problems2 if p[2] == ent(0)["uscc"] and p[0] == "错误"] == mine
    status = {r[2]: (r[4], r[8]) for r in summary}
    assert status["甲.xlsx"] == ("退回修改", "当前，未汇总") and status["丙.xlsx"] == ("接受", "当前，已汇总")


def test_2_missing_or_changed_feedback_copies_are_rebuilt(root: Path) -> None:
    filled(root, 0, root / "收件箱" / "甲.xlsx", unit_mistake)
    res = ingest(root)
    copy = Path(res.files[0].feedback)
    assert copy.is_file()
    made = sha(copy)
    copy.unlink()  # as after an interruption during the feedback step
    (root / "成果" / "校验报告.xlsx").unlink()
    again = ingest(root)
    assert again.files[0].outcome == "duplicate"
    assert copy.is_file() and (root / "成果" / "校验报告.xlsx").is_file()
    wb = openpyxl.load_workbook(copy)
    assert wb["B.2产品产量"]["D6"].comment is not None
    copy.write_bytes(b"not the copy cpxl made")  # changed behind cpxl's back: stale
    ingest(root)
    assert zipfile.is_zipfile(copy) and openpyxl.load_workbook(copy)["B.2产品产量"]["D6"].comment is not None
    assert made  # (content differs by timestamps; what matters is that it is cpxl's annotated copy)


# ---------------------------------------------------------------- 3: never consolidate part of a sheet

def _with_rows(src: Path, out: Path, n: int, claim: bool) -> Path:
    """``src`` with ``n`` data rows on B.2能源消耗 (written into the sheet XML, as a big export would);
    ``claim``: the sheet's <dimension> says so too."""
    from cpxl.book.xmlsheet import sheet_parts

    with zipfile.ZipFile(src) as z:
        part = sheet_parts(z)["B.2能源消耗"]
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>2025</v></c><c r="B{r}" t="inlineStr"><is><t>电力</t></is></c>'
                   f'<c r="C{r}" t="inlineStr"><is><t>kWh</t></is></c><c r="D{r}"><v>{r}</v></c></row>'
                   for r in range(4, 4 + n))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                xml = data.decode()
                a = xml.index("<sheetData")
                b = xml.index("</sheetData>") if "</sheetData>" in xml else xml.index(">", a) + 1
                body = xml[xml.index(">", a) + 1:b]
                kept = "".join(m.group(0) for m in re.finditer(r'<row r="(\d+)".*?</row>', body, re.S)
                               if int(m.group(1)) < 4)
                head = xml[:a]
                if claim:
                    head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:E{n + 3}"/>', head)
                tail = xml[b + len("</sheetData>"):] if "</sheetData>" in xml else xml[b:]
                data = (head + "<sheetData>" + kept + rows + "</sheetData>" + tail).encode()
            zout.writestr(item, data)
    return out


def test_3_sheet_longer_than_the_limit_is_rejected_whole(root: Path) -> None:
    good = filled(root, 0, root / "good.xlsx")
    _with_rows(good, root / "收件箱" / "十二万行.xlsx", 120_000, claim=False)
    _with_rows(good, root / "收件箱" / "声明十二万行.xlsx", 120_000, claim=True)
    res = ingest(root, settings=IngestSettings(feedback=False))  # (feedback copies: tested elsewhere)
    for f in res.files:
        assert f.outcome == "rejected", f
        ps = [p for p in res.problems if p.file == f.file and p.rule == "sheet.too_many_rows"]
        assert ps and ps[0].severity == "error" and "120003" in ps[0].message and ps[0].sheet == "B.2能源消耗", ps
        assert not any("只读取了模板区域" in p.message and p.severity != "error" and p.file == f.file
                       and p.rule == "sheet.too_many_rows" for p in res.problems)
    assert read_master_data(root / "审核总表.xlsx")["all_ent_energy"] == []
    assert_consistent(root)


# ---------------------------------------------------------------- 4: two versions in one batch

def test_4_later_saved_version_wins_and_says_so(root: Path) -> None:
    inbox = root / "收件箱"

    def output(v):
        def m(data):
            next(r for r in data["ent_products"] if r["year"] == 2025)["output"] = v
        return m
    a = filled(root, 0, inbox / "a_新.xlsx", output(1111))
    b = filled(root, 0, inbox / "b_旧.xlsx", output(2222))
    set_saved_time(a, "2026-03-02T10:00:00Z")  # a was saved later, b comes later in file-name order
    set_saved_time(b, "2026-03-01T10:00:00Z")
    res = ingest(root)
    assert {f.outcome for f in res.files} == {"accepted"}
    rows = read_master_data(root / "审核总表.xlsx")["all_ent_products"]
    assert {r["output"] for r in rows if r["year"] == 2025} == {1111}
    said = [p for p in res.problems if p.rule.startswith("submission.supersede")]
    assert any(p.file == "b_旧.xlsx" and "a_新.xlsx" in p.message for p in said)
    assert any(p.file == "a_新.xlsx" and "b_旧.xlsx" in p.message and "保存时间" in p.message for p in said)
    # without save times the later receipt wins
    c = filled(root, 1, inbox / "c.xlsx", output(3333))
    d = filled(root, 1, inbox / "d.xlsx", output(4444))
    for p, when in ((c, "2026-03-05T00:00:00Z"), (d, "2026-03-05T00:00:00Z")):
        set_saved_time(p, when)
    os.utime(c, (2_000_000_000, 2_000_000_000))  # c arrived last
    os.utime(d, (1_900_000_000, 1_900_000_000))
    ingest(root, [c, d])
    rows = read_master_data(root / "审核总表.xlsx")["all_ent_products"]
    assert {r["output"] for r in rows if r["year"] == 2025 and r["ent_uscc"] == ent(1)["uscc"]} == {3333}
    assert_consistent(root)


# ---------------------------------------------------------------- 5 and 14 (header): headers that lie

def test_5_swapped_headers_are_an_error_and_edited_headers_are_named(root: Path) -> None:
    inbox = root / "收件箱"
    swapped = filled(root, 0, inbox / "互换.xlsx")

    def swap(wb):
        ws = wb["B.2产品产量"]
        ws["D3"], ws["E3"] = ws["E3"].value, ws["D3"].value
    edit(swapped, swap)
    edited = filled(root, 1, inbox / "改表头.xlsx")
    edit(edited, lambda wb: wb["B.2产品产量"].__setitem__("D3", "产量（吨）"))
    res = ingest(root)
    by = {f.file: f for f in res.files}
    assert by["互换.xlsx"].outcome == "rejected"
    swap_p = [p for p in res.problems if p.file == "互换.xlsx" and p.rule == "sheet.header_other_field"]
    assert {p.cell for p in swap_p} == {"D3", "E3"} and all(p.severity == "error" for p in swap_p)
    assert "设计产能" in next(p for p in swap_p if p.cell == "D3").message
    # an edited header: one warning at its cell, the data read, no "必填项未填" without a cell
    ps = [p for p in res.problems if p.file == "改表头.xlsx"]
    assert by["改表头.xlsx"].outcome == "accepted", [p.text() for p in ps if p.severity == "error"]
    head = [p for p in ps if p.rule == "sheet.header_edited"]
    assert len(head) == 1 and head[0].cell == "D3" and "产量（吨）" in head[0].message
    assert not [p for p in ps if p.rule == "required"]
    rows = read_master_data(root / "审核总表.xlsx")["all_ent_products"]
    assert {r["ent_uscc"] for r in rows} == {ent(1)["uscc"]}
    assert_consistent(root)


# ---------------------------------------------------------------- 6: the master read by header names

def test_6_master_columns_by_name_and_missing_ones_refused(demo_copy: Path) -> None:
    root = demo_copy
    master = root / "审核总表.xlsx"

    def move(wb):  # move 企业名称 (A) to the end: read by name, nothing changes
        ws = wb["企业名单"]
        last = ws.max_column + 1
        for r in range(3, ws.max_row + 1):
            ws.cell(r, last).value = ws.cell(r, 1).value
        ws.delete_cols(1)
    edit(master, move)
    moved = master.read_bytes()
    _, listed, _ = read_master(AuditFolder(root))  # what cpxl templates makes its templates from
    assert {(e["name"], e["uscc"]) for e in listed} == {(ent(i)["name"], ent(i)["uscc"]) for i in range(6)}

    edit(master, lambda wb: wb["企业名单"].delete_cols(1))  # now 统一社会信用代码 is gone
    before = {p.name: sha(p) for p in (root / "企业模板").iterdir()}
    r = cli("templates", str(root), "--json")
    assert r.returncode == 2 and one_chinese_line(error_of(r))
    assert "企业名单" in error_of(r) and "统一社会信用代码" in error_of(r) and "B3" in error_of(r)
    assert {p.name: sha(p) for p in (root / "企业模板").iterdir()} == before

    master.write_bytes(moved)
    edit(master, lambda wb: wb["汇总_B.2能源消耗"].delete_cols(4))
    r = cli("diagnose", str(root), "--json")
    assert r.returncode == 2 and "汇总_B.2能源消耗" in error_of(r) and one_chinese_line(error_of(r))
    # a consolidated sheet holds nothing but the ledger's data: the next ingest rebuilds it with its headers
    ingest(root)
    energy = read_master_data(master)["all_ent_energy"]
    assert energy and all(r.get("carrier") for r in energy)


# ---------------------------------------------------------------- 7: nobody submits as another

def _as_other(path: Path, victim: dict, stamp: bool = True, cells: bool = True) -> None:
    lay = layout_for(load("ent_profile"))

    def change(wb):
        if stamp:
            ws = wb[STAMP_SHEET]
            for r in range(1, ws.max_row + 1):
                if ws.cell(r, 1).value == "enterprise_uscc":
                    ws.cell(r, 2).value = victim["uscc"]
                if ws.cell(r, 1).value == "enterprise_name":
                    ws.cell(r, 2).value = victim["name"]
        if cells:
            ws = wb["企业基本情况"]
            ws[lay.cell("uscc")] = victim["uscc"]
            ws[lay.cell("name")] = victim["name"]
    edit(path, change)


def test_7_signed_stamps(root: Path, tmp_path: Path) -> None:
    inbox = root / "收件箱"
    real = filled(root, 1, inbox / "乙本人.xlsx")
    assert ingest(root, [real]).files[0].outcome == "accepted"
    victim_rows = read_master_data(root / "审核总表.xlsx")["all_ent_products"]
    fake = filled(root, 0, inbox / "甲冒充乙.xlsx", lambda d: d["ent_products"][0].update(output=1))
    _as_other(fake, ent(1))
    nostamp = filled(root, 0, inbox / "甲删标识.xlsx")
    edit(nostamp, lambda wb: wb.remove(wb[STAMP_SHEET]))
    # a template made by another audit folder (its own key), for the same enterprise and audit id
    audit, listed, indicators = read_master(AuditFolder(root))
    foreign = inbox / "别的审核的模板.xlsx"
    build_template(audit, ent(2), [], key=b"another audit folder's key 32 b")[0].save(foreign)
    res = ingest(root, [fake, nostamp, foreign])
    by = {f.file: f for f in res.files}
    rules = {f: {p.rule for p in res.problems if p.file == f and p.severity == "error"} for f in by}
    assert by["甲冒充乙.xlsx"].outcome == "rejected" and "identity.signature" in rules["甲冒充乙.xlsx"]
    assert by["甲删标识.xlsx"].outcome == "rejected" and "file.no_stamp" in rules["甲删标识.xlsx"]
    assert by["别的审核的模板.xlsx"].outcome == "rejected" and "identity.signature" in rules["别的审核的模板.xlsx"]
    assert read_master_data(root / "审核总表.xlsx")["all_ent_products"] == victim_rows
    # identity cells changed but the stamp kept: an error too
    cells_only = filled(root, 3, inbox / "只改身份.xlsx")
    _as_other(cells_only, ent(4), stamp=False)
    res = ingest(root, [cells_only])
    assert res.files[0].outcome == "rejected"
    assert {p.rule for p in res.problems if p.severity == "error"} >= {"identity.changed"}
    # templates made again (as cpxl templates does, with the folder's key): a copy sent out before stays valid
    early = filled(root, 5, tmp_path / "早先下发.xlsx")
    again = build_template(audit, ent(5), [], key=load_key(AuditFolder(root).state))[0]
    again.save(root / "企业模板" / template_filename(ent(5)))
    assert ingest(root, [early]).files[0].outcome == "accepted"
    assert_consistent(root)


# ---------------------------------------------------------------- 8: formula-like text quoted everywhere

def _unquoted(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "s" and isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))
            and not c.quotePrefix]


def test_8_formula_like_text_is_quoted_in_every_workbook(root: Path) -> None:
    def inject(data):
        data["ent_profile"][0]["remarks"] = '=HYPERLINK("http://example.com","点此")'
        data["ent_profile"][0]["main_process"] = "+回转窑焚烧"
        data["ent_energy"][0]["purpose"] = "@生产用电"
        data["ent_products"][2]["output"] = "1200吨"
    filled(root, 0, root / "收件箱" / "注入.xlsx", inject)
    filled(root, 1, root / "收件箱" / "注入2.xlsx", lambda d: d["ent_profile"][0].update(remarks="-减量"))
    master = root / "审核总表.xlsx"

    def rename(wb):  # an enterprise list entry that looks like a formula flows into the diagnosis sheets
        ws = wb["企业名单"]
        for r in range(4, ws.max_row + 1):
            if ws.cell(r, 2).value == ent(1)["uscc"]:
                ws.cell(r, 1).value = "=1+1 公司"
                ws.cell(r, 1).data_type = "s"
                ws.cell(r, 1).quotePrefix = True
    edit(master, rename)
    res = ingest(root)
    assert [f.outcome for f in res.files] == ["rejected", "accepted"]
    diagnose(root)
    for path in (master, Path(res.report), Path(res.files[0].feedback)):
        assert not _unquoted(path), (path.name, _unquoted(path)[:5])
    wb = openpyxl.load_workbook(master)
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "-减量" in texts and "=1+1 公司" in texts


# ---------------------------------------------------------------- 13: merged data cells

def test_13_merged_data_cells_get_a_feedback_copy(root: Path) -> None:
    p = filled(root, 0, root / "收件箱" / "合并.xlsx")

    def merge(wb):
        ws = wb["B.2产品产量"]
        ws.protection.sheet = False
        ws.merge_cells("D4:E5")
    edit(p, merge)
    res = ingest(root)
    f = res.files[0]
    assert f.outcome == "rejected" and f.feedback, f.message
    assert any(p.rule == "cell.merged" and p.cell == "D4" for p in res.problems)
    wb = openpyxl.load_workbook(f.feedback)
    assert wb["B.2产品产量"]["D4"].comment is not None


# ---------------------------------------------------------------- 14: precise messages

def test_14_precise_messages_for_returned_files(root: Path, tmp_path: Path) -> None:
    inbox = root / "收件箱"
    formula = filled(root, 0, inbox / "公式无结果.xlsx")

    def put_formula(wb):
        ws = wb["B.2产品产量"]
        ws["D4"] = "=1000+200"
    edit(formula, put_formula)  # openpyxl stores a formula without a cached value
    filled(root, 1, inbox / "逗号.xlsx", lambda d: d["ent_products"][2].update(output="23,84"))
    ods = office.convert(filled(root, 2, tmp_path / "表格.xlsx"), "ods", inbox)
    many = inbox / "两千个工作表.xlsx"
    good = filled(root, 3, tmp_path / "g.xlsx")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        body = src.read("xl/worksheets/sheet3.xml")
        for i in range(100, 2100):
            dst.writestr(f"xl/worksheets/sheet{i}.xml", body)
    res = ingest(root)
    msg = {f.file: [p for p in res.problems if p.file == f.file] for f in res.files}
    fp = [p for p in msg["公式无结果.xlsx"] if p.rule == "cell.formula_no_value"]
    assert fp and fp[0].cell == "D4" and "计算结果" in fp[0].message
    assert not [p for p in msg["公式无结果.xlsx"] if p.rule == "required" and p.cell == "D4"]
    cp = [p for p in msg["逗号.xlsx"] if p.field == "产量" and p.severity == "error"]
    assert [p.rule for p in cp if p.rule.startswith("number.")] == ["number.ambiguous_comma"]
    assert "逗号含义不明" in cp[0].message and "23.84" in cp[0].fix and "数字后带了单位" not in cp[0].message
    assert [p.rule for p in msg[ods.name]] == ["file.opendocument"] and ".ods" in msg[ods.name][0].message
    assert [p.rule for p in msg["两千个工作表.xlsx"]] == ["file.too_many_sheets"]
    assert "压缩炸弹" not in msg["两千个工作表.xlsx"][0].message
    for ps in msg.values():
        for p in ps:
            assert one_chinese_line(p.message + p.fix), p.text()


def test_14_precise_messages_for_the_master_and_score(demo_copy: Path, tmp_path: Path) -> None:
    root = demo_copy

    def year(wb):
        ws = wb["审核任务"]
        for r in range(4, 40):
            if str(ws.cell(r, 1).value or "").startswith("统计期"):
                ws.cell(r, 2).value = "二〇二五"
    edit(root / "审核总表.xlsx", year)
    r = cli("templates", str(root), "--json")
    assert r.returncode == 2
    e = error_of(r)
    assert "二〇二五" in e and "2025" in e and "审核任务" in e and re.search(r"B\d+", e) and "未填写" not in e
    system = "hazardous-waste-incineration-zaepi-draft"
    folder = tmp_path / "values"
    folder.mkdir()
    (tmp_path / "空.xlsx").write_bytes(b"")
    (tmp_path / "二进制.json").write_bytes(bytes(range(256)) * 4)
    cases = {folder: "文件夹", tmp_path / "空.xlsx": "空", tmp_path / "二进制.json": "不是文本文件"}
    runner = CliRunner()
    for path, words in cases.items():
        r = runner.invoke(app, ["score", "--system", system, "--values", str(path)])
        assert r.exit_code == 2, r.output
        assert words in r.output and one_chinese_line(r.output) and "找不到" not in r.output, r.output
    values = tmp_path / "v.json"
    values.write_text(json.dumps([{"enterprise": "甲", "NO_SUCH_INDICATOR": 1}], ensure_ascii=False), encoding="utf-8")
    plain = runner.invoke(app, ["score", "--system", system, "--values", str(values)], terminal_width=200)
    as_json = runner.invoke(app, ["score", "--system", system, "--values", str(values), "--json"])
    warnings = [p for e in json.loads(as_json.stdout)["enterprises"] for p in e["problems"] if p["severity"] == "warning"]
    assert warnings and "NO_SUCH_INDICATOR" in plain.stdout.replace("\n", "")
