"""The CLI as a user runs it: real subprocess, JSON output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl

CPXL = [sys.executable, "-m", "cpxl.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CPXL, *args], capture_output=True, text=True, timeout=300)


def test_init_templates_check_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "审核"
    r = run("init", str(root), "-i", "危险废物焚烧处置", "-r", "某省", "-y", "2024", "--industry-code", "N7724",
            "--system", "hazardous-waste-incineration-zaepi-draft", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"] is True
    master = root / "审核总表.xlsx"
    assert master.exists()
    # a second init must not overwrite a master that may hold a regulator's work
    again = run("init", str(root), "-i", "x", "-r", "y", "--json")
    assert again.returncode == 2 and "已存在" in json.loads(again.stdout)["error"]
    # no enterprises yet: templates refuses with a clear message
    t = run("templates", str(root), "--json")
    assert t.returncode == 2 and "企业名单" in json.loads(t.stdout)["error"]
    wb = openpyxl.load_workbook(master)
    ws = wb["企业名单"]
    ws["A4"], ws["B4"], ws["C4"] = "甲公司", "91130200699229617X", "N7724"
    ws["A5"], ws["B5"], ws["C5"] = "乙公司", "91130200699229617Y", "7724"  # wrong check character
    wb.save(master)
    c = run("check", str(root), "--json")
    assert c.returncode == 1
    problems = json.loads(c.stdout)["problems"]
    bad = [p for p in problems if p["rule"] == "code.uscc"]
    assert len(bad) == 1 and bad[0]["cell"] == "B5" and bad[0]["sheet"] == "企业名单" and "X" in bad[0]["message"]
    assert any(p["check"] == "required" and p["cell"] == "D4" for p in problems)  # 所在区县 missing
    t = run("templates", str(root), "--json")
    assert t.returncode == 0, t.stdout
    paths = [Path(p) for p in json.loads(t.stdout)["templates"]]
    assert sorted(p.name for p in paths) == ["乙公司_91130200699229617Y.xlsx", "甲公司_91130200699229617X.xlsx"]
    ids = [r[0] for r in openpyxl.load_workbook(paths[0])["行业指标填报"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(ids) == 31  # 39 indicators of the system, 8 of them computed by cpxl


def test_missing_folder_is_exit_2(tmp_path: Path) -> None:
    r = run("check", str(tmp_path / "nope"))
    assert r.returncode == 2 and "cpxl init" in r.stderr
