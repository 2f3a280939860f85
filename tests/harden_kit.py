"""Shared by the hardening tests (issue 14): a fresh audit folder, filled templates, the CLI as a real process,
and the consistency of master, ledger and archive."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

from cpxl.book.templates import template_filename
from cpxl.book.xlsxread import read_master_data
from cpxl.demo import data as demo
from cpxl.intake.ledger import latest

N = 6


def sha(p: Path) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def fresh(root: Path) -> Path:
    """The demo copy with an empty inbox, archive, feedback folder and ledger."""
    for d in ("收件箱", "归档", "反馈", "成果"):
        shutil.rmtree(root / d, ignore_errors=True)
        (root / d).mkdir()
    (root / "ledger.sqlite").unlink(missing_ok=True)
    return root


def ent(i: int) -> dict[str, Any]:
    return demo.enterprises(N)[i]


def template_of(root: Path, i: int) -> Path:
    return root / "企业模板" / template_filename(ent(i))


def filled(root: Path, i: int, out: Path, mutate=None) -> Path:
    """Enterprise ``i``'s template filled with its demo data (``mutate(data)`` first), saved as ``out``."""
    data = demo.enterprise_data(ent(i), 2025, demo.demo_system())
    if mutate:
        mutate(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    demo.fill_template(template_of(root, i), out, data)
    return out


def unit_mistake(data: dict) -> None:
    data["ent_products"][2]["output"] = "1200吨"


def edit(path: Path, change) -> Path:
    """Open a workbook with openpyxl, ``change(wb)``, save it in place."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def set_saved_time(path: Path, when: str) -> None:
    """Rewrite the workbook's own save time (docProps/core.xml dcterms:modified), as Excel records it."""
    import re

    tmp = path.with_name(path.name + ".t")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + when.encode() + rb"\g<2>", data)
            zout.writestr(item, data)
    os.replace(tmp, path)


def cli(*args: str, env: dict | None = None, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run ``cpxl`` as a real process."""
    return subprocess.run([sys.executable, "-m", "cpxl.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, **kw)


def popen(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cpxl.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}, **kw)


def one_chinese_line(text: str) -> bool:
    """A message for a person: no traceback, no Python exception names, no errno text."""
    bad = ("Traceback", "Error:", "Errno", "PermissionError", "OSError", "OperationalError", "Exception")
    return not any(b in text for b in bad) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def error_of(proc: subprocess.CompletedProcess) -> str:
    """The ``error`` of a ``--json`` run that could not run."""
    return json.loads(proc.stdout)["error"]


def ledger_rows(root: Path) -> list[tuple]:
    with sqlite3.connect(root / "ledger.sqlite") as db:
        return db.execute("SELECT sha256, outcome, enterprise_uscc FROM submissions ORDER BY id").fetchall()


def assert_consistent(root: Path) -> None:
    """Master, ledger and archive agree: what the master consolidates is exactly the ledger's current accepted
    submissions; every archived file is byte-identical to its content address and read-only."""
    from cpxl.intake.ledger import Ledger

    with sqlite3.connect(root / "ledger.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Ledger(root / "ledger.sqlite") as ledger:
        subs = ledger.all()
        current = {s.enterprise_uscc for s in latest([s for s in subs if s.outcome == "accepted"]).values()}
        for s in subs:
            assert Path(s.archived).is_file() and sha(Path(s.archived)) == s.sha256
    data = read_master_data(root / "审核总表.xlsx")
    in_master = {r["ent_uscc"] for r in data["all_ent_profile"]}
    assert in_master == current, (in_master, current)
    for p in (root / "归档").rglob("*"):
        if p.is_file():
            assert p.name.endswith(".part") is False
            assert sha(p) == p.name.split(".")[0], p
            assert oct(p.stat().st_mode)[-3:] == "444"
    leftovers = [p.name for p in root.glob(".审核总表.*")]
    assert not leftovers, leftovers
