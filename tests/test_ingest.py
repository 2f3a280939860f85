"""Ingestion of returned workbooks: hostile files, archive, ledger, feedback, consolidation, crashes."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from cpxl.book.templates import template_filename
from cpxl.book.xlsxread import read_master_data
from cpxl.core import office
from cpxl.demo import data as demo
from cpxl.intake.ingest import IngestSettings, ingest


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def fresh(demo_copy: Path) -> Path:
    """The demo copy with an empty inbox, archive and ledger."""
    for d in ("收件箱", "归档", "反馈"):
        shutil.rmtree(demo_copy / d, ignore_errors=True)
        (demo_copy / d).mkdir()
    (demo_copy / "ledger.sqlite").unlink(missing_ok=True)
    return demo_copy


def filled(root: Path, i: int, out: Path, mutate=None) -> Path:
    e = demo.enterprises(6)[i]
    data = demo.enterprise_data(e, 2025, demo.demo_system())
    if mutate:
        mutate(data)
    demo.fill_template(root / "企业模板" / template_filename(e), out, data)
    return out


def hostile_files(root: Path, inbox: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    files["empty"] = inbox / "空文件.xlsx"
    files["empty"].write_bytes(b"")
    files["text"] = inbox / "其实是文本.xlsx"
    files["text"].write_text("名称,数量\n甲,1\n", encoding="utf-8")
    good = filled(root, 0, inbox.parent / "good.xlsx")
    files["truncated"] = inbox / "截断.xlsx"
    files["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    enc = io.BytesIO()
    with open(good, "rb") as fh:
        OOXMLFile(fh).encrypt("secret", enc)
    files["encrypted"] = inbox / "加密.xlsx"
    files["encrypted"].write_bytes(enc.getvalue())
    files["bomb"] = inbox / "炸弹.xlsx"
    with zipfile.ZipFile(files["bomb"], "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (400 * 1024 * 1024))
    files["entity"] = inbox / "实体.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(files["entity"], "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet3.xml":
                dtd = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                data = data.replace(b"?>", b"?>" + dtd, 1) if b"?>" in data[:100] else dtd + data
            dst.writestr(item, data)
    files["huge_range"] = inbox / "巨大区域.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "B.2能源消耗"
    ws["A1"] = "x"
    ws.cell(1048576, 16384).value = 1
    wb.save(files["huge_range"])
    files["xls"] = office.convert(filled(root, 1, inbox.parent / "legacy.xlsx"), "xls:MS Excel 97", inbox)
    macro = filled(root, 2, inbox.parent / "macro.xlsx")
    files["macro"] = inbox / "带宏.xlsm"
    with zipfile.ZipFile(macro) as src, zipfile.ZipFile(files["macro"], "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)

    def injection(data):
        data["ent_profile"][0]["remarks"] = '=HYPERLINK("http://example.com","点此")'
        data["ent_products"][2]["output"] = "1200吨"
    files["mistakes"] = filled(root, 5, inbox / "错误与特殊字符.xlsx", injection)
    return files


def test_hostile_batch(demo_copy: Path) -> None:
    root = fresh(demo_copy)
    files = hostile_files(root, root / "收件箱")
    before = {k: sha(p) for k, p in files.items()}
    master_before = sha(root / "审核总表.xlsx")
    res = ingest(root, settings=IngestSettings(workers=2))
    by_file = {f.file: f for f in res.files}
    assert len(by_file) == len(files), "every file gets a result: the batch went on"
    msg = {k: [p for p in res.problems if p.file == files[k].name] for k in files}

    def has(kind: str, rule: str) -> bool:
        return any(p.rule == rule for p in msg[kind])

    assert by_file[files["empty"].name].outcome == "unreadable" and has("empty", "file.empty")
    assert has("text", "file.not_excel") and "文本" in msg["text"][0].message
    assert has("truncated", "file.corrupt")
    assert has("encrypted", "file.encrypted") and "密码" in msg["encrypted"][0].fix
    assert has("bomb", "file.zip_bomb")
    assert has("entity", "file.xml_entity")
    assert has("huge_range", "sheet.huge_range")
    assert has("xls", "file.legacy_xls") and by_file[files["xls"].name].outcome == "accepted"
    assert has("macro", "file.macros") and by_file[files["macro"].name].outcome == "accepted"
    assert by_file[files["mistakes"].name].outcome == "rejected"
    unit = [p for p in msg["mistakes"] if p.rule == "number.unit_in_cell"]
    assert unit and unit[0].sheet == "B.2产品产量" and unit[0].cell == "D6" and "1200" in unit[0].fix
    # originals untouched; the archive holds every original byte-identical, read-only
    assert {k: sha(p) for k, p in files.items()} == before
    archived = {sha(p) for p in (root / "归档").rglob("*") if p.is_file()}
    assert set(before.values()) <= archived
    assert all(not os.access(p, os.W_OK) or os.geteuid() == 0 for p in (root / "归档").rglob("*") if p.is_file())
    assert all(oct(p.stat().st_mode)[-3:] == "444" for p in (root / "归档").rglob("*") if p.is_file())
    # the master changed only through the consolidated sheets; macros never reach it
    assert sha(root / "审核总表.xlsx") != master_before
    assert not any("vba" in n.lower() for n in zipfile.ZipFile(root / "审核总表.xlsx").namelist())
    data = read_master_data(root / "审核总表.xlsx")
    ents = {r["ent_uscc"] for r in data["all_ent_products"]}
    assert demo.enterprises(6)[1]["uscc"] in ents and demo.enterprises(6)[2]["uscc"] in ents
    feedback = Path(by_file[files["macro"].name].feedback) if by_file[files["macro"].name].feedback else None
    if feedback:
        assert not any("vba" in n.lower() for n in zipfile.ZipFile(feedback).namelist())


def test_formula_injection_and_special_names_land_as_text(demo_copy: Path) -> None:
    root = fresh(demo_copy)

    def inject(data):
        data["ent_profile"][0]["remarks"] = '=HYPERLINK("http://example.com","点此")'
    filled(root, 5, root / "收件箱" / "a.xlsx", inject)
    res = ingest(root)
    assert res.files[0].outcome == "accepted", res.problems
    wb = openpyxl.load_workbook(root / "审核总表.xlsx")
    ws = wb["汇总_企业基本情况"]
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value)
    name = demo.enterprises(6)[5]["name"]
    assert row[1].value == name and "&" in name and "<" in name
    remarks = next(c for c in row if isinstance(c.value, str) and c.value.startswith("=HYPERLINK"))
    assert remarks.data_type == "s", "a formula-like string must be stored as text"
    xml = zipfile.ZipFile(root / "审核总表.xlsx").read("xl/worksheets/sheet17.xml")
    assert b"<f>" not in xml and b"HYPERLINK(&quot;http" not in xml.split(b"<sheetData>")[0]


def test_reingest_is_noop_and_newer_supersedes(demo_copy: Path) -> None:
    root = fresh(demo_copy)
    first = filled(root, 0, root / "收件箱" / "v1.xlsx")
    r1 = ingest(root, [first])
    assert r1.files[0].outcome == "accepted"
    r2 = ingest(root, [first])
    assert r2.files[0].outcome == "duplicate"

    def change(data):
        data["ent_products"][2]["output"] = 12345
    second = filled(root, 0, root / "收件箱" / "v2.xlsx", change)
    r3 = ingest(root, [second])
    assert r3.files[0].outcome == "accepted"
    rows = read_master_data(root / "审核总表.xlsx")["all_ent_products"]
    assert [r["output"] for r in rows if r["year"] == 2025] == [12345]
    with sqlite3.connect(root / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 2
    assert len(list((root / "归档").rglob("*.xlsx"))) == 2


def test_feedback_copy_and_report_open_in_libreoffice(demo_copy: Path, tmp_path: Path) -> None:
    root = fresh(demo_copy)

    def mistakes(data):
        data["ent_products"][2]["output"] = "1200吨"
        data["ent_wastewater"][4]["discharged"] = 999.0
    filled(root, 3, root / "收件箱" / "b.xlsx", mistakes)
    res = ingest(root)
    fb = Path(res.files[0].feedback)
    wb = openpyxl.load_workbook(fb)
    assert wb.sheetnames[0] == "校验结果"
    c = wb["B.2产品产量"]["D6"]
    assert c.comment is not None and "单位" in c.comment.text and c.fill.fgColor.rgb.endswith("FF9999")
    ww = [p for p in res.problems if p.rule == "check.le" and "排放量大于产生量" in p.message][0]
    assert wb[ww.sheet][ww.cell].comment is not None
    for path in (fb, Path(res.report)):
        pdf = office.convert(path, "pdf", tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF")
    report = openpyxl.load_workbook(res.report)
    assert report["问题清单"].auto_filter.ref and report["问题清单"].max_row >= 3


def test_kill_mid_write_leaves_master_intact(demo_copy: Path) -> None:
    root = fresh(demo_copy)
    for i in range(3):
        filled(root, i, root / "收件箱" / f"{i}.xlsx")
    master = root / "审核总表.xlsx"
    before = sha(master)
    env = dict(os.environ, CPXL_TEST_PAUSE_BEFORE_REPLACE="30")
    proc = subprocess.Popen([sys.executable, "-m", "cpxl.cli", "ingest", str(root), "--json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list(root.glob(".审核总表.*.tmp")):
        time.sleep(0.2)
    assert list(root.glob(".审核总表.*.tmp")), "the write had started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert sha(master) == before, "killed mid-write: the previous master is intact"
    openpyxl.load_workbook(master)  # and readable
    with sqlite3.connect(root / "ledger.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM submissions WHERE outcome='accepted'").fetchone()[0] == 3
    # the next run recovers: nothing new to read, the master is rebuilt from the ledger
    res = ingest(root)
    assert {f.outcome for f in res.files} == {"duplicate"}
    assert len({r["ent_uscc"] for r in read_master_data(master)["all_ent_products"]}) == 3
    assert not list(root.glob(".审核总表.*.tmp"))


@pytest.mark.parametrize("bad", ["timeout", "memory", "crashed"])
def test_worker_isolation(bad: str) -> None:
    """A file that hangs, exhausts memory or kills its reader costs that file only."""
    from cpxl.core.isolate import run_isolated

    items = [("ok", 1), (bad, 2), ("ok", 3), ("ok", 4)]
    out = {o.item[1]: o for o in run_isolated(_job, items, workers=2, timeout=3, mem_bytes=1024**3)}
    assert len(out) == 4 and out[1].ok and out[3].ok and out[4].ok
    assert not out[2].ok and out[2].error == bad


def _job(item: tuple[str, int]) -> int:
    kind, x = item
    if kind == "timeout":
        time.sleep(30)
    elif kind == "memory":
        bytearray(2 * 1024**3)  # over the worker's 1 GiB address-space limit
    elif kind == "crashed":
        os.abort()  # as a native reader does on an allocation failure
    return x


def test_workbook_not_from_template_is_read_by_header_names(tmp_path: Path) -> None:
    from cpxl.intake.extract import extract

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "能源"  # renamed sheet, headers on row 1, columns in another order
    ws.append(["消耗量", "年份", "计量单位", "能源品种"])
    ws.append([1200.5, 2025, "kWh", "电力"])
    ws.append(["3,400", 2025, "m³", "天然气"])
    path = tmp_path / "自制.xlsx"
    wb.save(path)
    ex = extract(path, (2023, 2024, 2025))
    rules = {p.rule for p in ex.problems}
    assert "file.no_stamp" in rules and "sheet.renamed" in rules and "sheet.layout" in rules
    rows = {r["carrier"]: r for r in ex.records["ent_energy"]}
    assert rows["电力"]["consumption"] == 1200.5 and rows["天然气"]["consumption"] == 3400.0
    assert rows["天然气"]["_cells"]["consumption"] == "A3"
    assert any(p.rule == "normalized.number_text" and p.cell == "A3" for p in ex.problems)


def test_master_rewrites_keep_date_cells_dates(tmp_path: Path) -> None:
    """Rewriting a table sheet twice keeps each column's style, so dates stay dates."""
    from cpxl.book.master import init_audit
    from cpxl.book.masterio import update_master
    from cpxl.book.xlsxread import read_master_data

    f = init_audit(tmp_path / "a", "x", "y", 2025)
    rows = [{"proposal_id": "E-1", "status": "未开始"}, {"proposal_id": "E-2", "status": "实施中",
                                                         "actual_start": "2026-10-02"}]
    update_master(f.master, {"tracking": rows})
    update_master(f.master, {"tracking": rows})
    got = read_master_data(f.master)["tracking"]
    assert got[1]["actual_start"] == "2026-10-02"
    ws = openpyxl.load_workbook(f.master)["方案跟踪"]
    assert ws["E5"].is_date and ws["E4"].number_format == ws["E5"].number_format
