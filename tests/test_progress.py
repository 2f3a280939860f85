"""Progress of long work: the progress document, the file the Excel add-in polls, and what a person sees —
a real command under a pseudo-terminal shows a progress display; under ``--json`` or a pipe it shows nothing
but its output."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cpxl.core import progress

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def test_progress_document_and_file(tmp_path: Path) -> None:
    path = tmp_path / "进度" / "progress.json"
    seen: list[dict] = []
    with progress.reporting(progress.ProgressFile(path, every=0), progress.Callback(seen.append, every=0)):
        with progress.step("demo", "演示审核", total=2) as outer:
            outer.advance(current="第一步")
            with progress.step("ingest", "导入企业报送", total=3) as inner:
                inner.advance(current="甲公司.xlsx")
                mid = progress.read_document(path)
                inner.note("写入审核总表")
            outer.advance()
    assert mid["step"] == "ingest" and mid["done"] == 1 and mid["total"] == 3 and mid["current"] == "甲公司.xlsx"
    assert [s["step"] for s in mid["steps"]] == ["demo", "ingest"] and mid["finished"] is False and mid["ok"] is None
    assert path.read_bytes().isascii(), "ASCII only: a reader in any code page decodes the \\u escapes"
    end = progress.read_document(path)
    assert end["finished"] is True and end["ok"] is True and end["step"] == "demo" and end["done"] == 2
    assert end["format"] == progress.FORMAT and end["pid"] == os.getpid()
    assert any(d["message"] == "写入审核总表" for d in seen)
    assert [d["finished"] for d in seen].count(True) == 1, "only the outermost step's end finishes the run"
    assert not list(path.parent.glob("*.tmp")), "written by replacing, no temporary files left"


def test_a_failed_step_says_why_and_nothing_is_shown_without_a_display(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    with progress.reporting(progress.ProgressFile(path)), pytest.raises(ValueError):
        with progress.step("report", "生成审核报告"):
            raise ValueError("审核总表中没有企业")
    doc = progress.read_document(path)
    assert doc["finished"] is True and doc["ok"] is False and doc["message"] == "审核总表中没有企业"
    s = progress.current()  # no step running: a detached one, seen by nobody
    s.advance(current="x")
    assert progress.running() == []


@pytest.fixture(scope="module")
def inbox_folder(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's returned files, not yet ingested (a copy per test: ingest changes the folder)."""
    root = tmp_path_factory.mktemp("prog") / "audit"
    shutil.copytree(demo_dir, root)
    for d in ("归档", "反馈"):
        shutil.rmtree(root / d, ignore_errors=True)
    (root / "ledger.sqlite").unlink(missing_ok=True)
    return root


def _fresh(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CPXL_PROGRESS_FILE", "NO_COLOR", "TERM")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40", **extra}


def _in_terminal(args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """Run ``args`` with stdin, stdout and stderr on a pseudo-terminal; what the terminal received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                proc.kill()
                raise AssertionError("the command did not finish")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return proc.wait(timeout), out.decode("utf-8", "replace")


CPXL = [sys.executable, "-m", "cpxl.cli"]


def test_ingest_in_a_terminal_shows_progress(inbox_folder: Path, tmp_path: Path) -> None:
    root = _fresh(inbox_folder, tmp_path / "a")
    n = len([p for p in (root / "收件箱").iterdir() if p.is_file()])
    code, screen = _in_terminal([*CPXL, "ingest", str(root)], _env())
    assert code in (0, 1), screen[-2000:]
    text = ANSI.sub("", screen)
    assert "导入企业报送" in text, "the step's label"
    bar = re.search(r"导入企业报送\s*\S*━+", text)
    assert bar, "a progress bar after the label"
    assert re.search(rf"\b\d+/{n}\b", text), f"files done / total ({n})"
    assert "已用" in text and "剩余" in text, "elapsed and time left"
    assert "报送文件" in text, "the command's own output follows"


def test_json_and_pipes_get_nothing_but_their_output(inbox_folder: Path, tmp_path: Path) -> None:
    root = _fresh(inbox_folder, tmp_path / "b")
    code, screen = _in_terminal([*CPXL, "ingest", str(root), "--json"], _env())
    assert code in (0, 1)
    assert "\x1b" not in screen and "导入企业报送" not in screen
    doc = json.loads(screen)
    assert doc["counts"]["accepted"] >= 1
    # not a terminal: no display either, and the progress file (as the Excel add-in polls it) is kept
    root2 = _fresh(inbox_folder, tmp_path / "c")
    pfile = tmp_path / "progress.json"
    p = subprocess.run([*CPXL, "ingest", str(root2)], capture_output=True, text=True,
                       env=_env(CPXL_PROGRESS_FILE=str(pfile)), timeout=300)
    assert p.returncode in (0, 1) and p.stderr == ""
    assert "导入企业报送" not in p.stdout and "已用" not in p.stdout and "\x1b" not in p.stdout
    assert "报送文件" in p.stdout
    doc = progress.read_document(pfile)
    assert doc["finished"] is True and doc["ok"] is True and doc["step"] == "ingest"
    assert doc["done"] == doc["total"] == len([f for f in (root2 / "收件箱").iterdir() if f.is_file()])


def test_the_excel_runner_shows_the_steps_own_progress(tmp_path: Path) -> None:
    from cpxl.excel import runner

    job = runner.Job(tmp_path / "job-1-ingest.txt", "ingest")
    with progress.reporting(progress.Callback(job.follow, every=0)):
        with progress.step("ingest", "导入企业报送", total=4) as s:
            s.advance(current="甲公司.xlsx")
            seen = runner.read_job(job.path)
    assert seen["state"] == "running" and seen["percent"] == "25"
    assert seen["text"].startswith("cpxl：正在导入企业报送 1/4 甲公司.xlsx，已用 0:0")
