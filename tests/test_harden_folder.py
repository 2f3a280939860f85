"""Issue 14, the audit folder under stress: read-only marks, two commands at once, kill -9, full disks
(items 9–13). Real processes, real signals, real permissions and a real (small) tmpfs."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from harden_kit import (
    assert_consistent,
    cli,
    error_of,
    filled,
    fresh,
    ledger_rows,
    one_chinese_line,
    popen,
    sha,
    unit_mistake,
)

from cpxl.core.errors import AuditError
from cpxl.diagnosis import diagnose
from cpxl.intake.ingest import ingest
from cpxl.plan.run import plan


@pytest.fixture()
def root(demo_copy: Path) -> Path:
    root = fresh(demo_copy)
    for i in range(3):  # errors in two of them, so that the feedback step has work
        filled(root, i, root / "收件箱" / f"{i}.xlsx", unit_mistake if i != 1 else None)
    return root


def _state(root: Path) -> dict[str, str]:
    """Every file of the audit folder and its content (the state that must not change when cpxl refuses)."""
    return {str(p.relative_to(root)): sha(p) for p in sorted(root.rglob("*")) if p.is_file()
            and ".cpxl" not in p.parts}


# ---------------------------------------------------------------- 9: a read-only master is respected

def test_9_read_only_master_is_refused_and_kept(root: Path) -> None:
    master = root / "审核总表.xlsx"
    master.chmod(0o444)
    before = _state(root)
    r = cli("ingest", str(root), "--json")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "只读" in error_of(r) and "审核总表" in error_of(r) and one_chinese_line(error_of(r))
    for step in (diagnose, plan):
        with pytest.raises(AuditError) as exc:
            step(root)
        assert "只读" in str(exc.value) and "审核总表" in str(exc.value)
    assert oct(master.stat().st_mode)[-3:] == "444"
    assert _state(root) == before, "refused before anything changed"


# ---------------------------------------------------------------- 10: one command at a time

def _pgid_alive(pgid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if os.getpgid(int(d.name)) == pgid:
                    out.append(int(d.name))
            except (ProcessLookupError, PermissionError):
                pass
    return out


def test_10_two_ingests_at_once(root: Path) -> None:
    # the first holds the folder while it writes the master (held there by the test pause)
    first = popen("ingest", str(root), "--json", env={"CPXL_TEST_PAUSE_BEFORE_REPLACE": "2"}, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(root.glob(".审核总表.*.tmp")):
        time.sleep(0.1)
    second = cli("ingest", str(root), "--json", env={"CPXL_LOCK_WAIT": "1"})
    out, err = first.communicate(timeout=300)
    assert first.returncode == 1, err  # done; errors in the files
    assert second.returncode == 2 and not second.stderr
    msg = error_of(second)
    assert f"进程 {first.pid}" in msg and "cpxl ingest" in msg and "开始于" in msg and one_chinese_line(msg)
    # and truly at the same time, each waiting for the other: both finish, nothing twice, no traceback
    for p in (root / "收件箱").iterdir():
        p.unlink()
    for i in (3, 4):
        filled(root, i, root / "收件箱" / f"{i}.xlsx")
    procs = [popen("ingest", str(root), "--json", env={"CPXL_LOCK_WAIT": "300"}) for _ in range(2)]
    results = [(p, *p.communicate(timeout=300)) for p in procs]
    for p, _out, err in results:
        assert p.returncode in (0, 1) and "Traceback" not in err, err
    outcomes = sorted(f["outcome"] for _, out, _ in results for f in json.loads(out)["files"])
    assert outcomes == ["accepted", "accepted", "duplicate", "duplicate"]
    assert len(ledger_rows(root)) == 5
    assert_consistent(root)


# ---------------------------------------------------------------- 11: kill -9 at random points

def test_11_kill_at_random_points_leaves_no_workers_and_the_next_run_completes(root: Path) -> None:
    rng = random.Random(14)
    for _ in range(4):
        proc = popen("ingest", str(root), "--json", start_new_session=True)
        time.sleep(rng.uniform(0.5, 5.0))  # a whole run takes about 5 s here
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.communicate()
        deadline = time.time() + 5
        while time.time() < deadline and _pgid_alive(proc.pid):
            time.sleep(0.1)
        left = _pgid_alive(proc.pid)
        for pid in left:  # do not leak them into the rest of the suite
            os.kill(pid, signal.SIGKILL)
        assert not left, "workers outlived the killed command"
    r = cli("ingest", str(root), "--json", env={"CPXL_LOCK_WAIT": "10"})
    assert r.returncode in (0, 1), r.stderr
    assert len(ledger_rows(root)) == 3
    assert_consistent(root)
    # derived outputs are complete whatever step the kills interrupted
    assert (root / "成果" / "校验报告.xlsx").is_file()
    assert sorted(p.name for p in (root / "反馈").iterdir()) == ["0_反馈.xlsx", "2_反馈.xlsx"]


# ---------------------------------------------------------------- 12: read-only places and full disks

def test_12_read_only_places_are_refused_before_anything_changes(root: Path) -> None:
    assert cli("ingest", str(root), str(root / "收件箱" / "1.xlsx")).returncode == 0
    for what in ("folder", "成果", "归档", "反馈", "ledger"):
        target = {"folder": root, "ledger": root / "ledger.sqlite"}.get(what, root / what)
        before = _state(root)
        target.chmod(0o444 if target.is_file() else 0o555)
        try:
            if what == "ledger":  # as the user sees it: one line of Chinese on stderr, exit 2
                r = cli("ingest", str(root))
                assert r.returncode == 2 and one_chinese_line(r.stderr) and len(r.stderr.strip().splitlines()) == 1, r.stderr
                assert "只读" in r.stderr and "台账" in r.stderr
            else:
                with pytest.raises(AuditError) as exc:
                    ingest(root)
                assert "只读" in str(exc.value) and one_chinese_line(str(exc.value)), what
            assert _state(root) == before, what
        finally:
            target.chmod(0o644 if target.is_file() else 0o755)


def _tmpfs(where: Path, size: str) -> None:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)


def test_12_full_disk(root: Path, tmp_path: Path) -> None:
    """A small tmpfs holds the audit folder (we are root in CI and here; RLIMIT_FSIZE covers a write that
    fails half-way, after the checks passed)."""
    disk = tmp_path / "disk"
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    _tmpfs(disk, f"{size + 3 * 1024 * 1024}")
    try:
        audit = disk / "audit"
        shutil.copytree(root, audit)
        before = _state(audit)
        r = cli("ingest", str(audit))
        assert r.returncode == 2 and "磁盘空间不足" in r.stderr and one_chinese_line(r.stderr), r.stderr
        assert _state(audit) == before, "refused before anything changed"
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    # the checks pass, then a write fails half-way (the file-size limit makes it fail with EFBIG)
    limit = (root / "审核总表.xlsx").stat().st_size // 2

    def small_files() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = cli("ingest", str(root), preexec_fn=small_files)
    assert r.returncode == 2 and one_chinese_line(r.stderr), r.stderr
    assert "文件超过了系统允许的大小" in r.stderr or "台账" in r.stderr, r.stderr
    assert not list(root.glob(".审核总表.*"))
    r = cli("ingest", str(root), "--json")  # room again: the next run completes what the last one could not
    assert r.returncode in (0, 1) and (root / "成果" / "校验报告.xlsx").is_file(), r.stderr
    assert len(ledger_rows(root)) == 3
    assert_consistent(root)


# ---------------------------------------------------------------- 13: stage files of a killed diagnose

def test_13_stage_file_of_a_killed_diagnose_is_cleaned(root: Path) -> None:
    ingest(root)
    proc = popen("diagnose", str(root), "--json", start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(root.glob(".审核总表.*.tmp.stage")) and proc.poll() is None:
        time.sleep(0.01)
    assert list(root.glob(".审核总表.*.tmp.stage")), "killed while staging"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert list(root.glob(".审核总表.*.tmp.stage"))
    diagnose(root)
    assert not list(root.glob(".审核总表.*")), list(root.glob(".审核总表.*"))
