"""The Windows runner: a ribbon step in a Python process of its own, Excel never frozen.

Python is started exactly as the add-in's VBA starts it (``python -B -c <runner.command(...)>``; LibreOffice
checks below that VBA's CpxlJobCommand builds the same text), and ``FakeExcel`` does what module CpxlJob does
with the job file: poll it, show the status bar text, reopen the master, write its status cell, show the
outcome. What only Windows Excel can show (OnTime, WScript.Shell.Exec, the status bar itself) is in the
manual checklist of docs/excel-addin.md.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from libreoffice import LOAD_FUNCTION, basic_str, run_basic

from cpxl import api
from cpxl.book.master import init_audit
from cpxl.core.folder import MASTER_NAME
from cpxl.excel import addin, runner, xl


@dataclass
class Step:
    """One click as FakeExcel saw it through."""

    process: subprocess.Popen[bytes]
    job: Path
    seen: list[dict[str, str]] = field(default_factory=list)  # every distinct job file read while polling
    final: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class FakeExcel:
    """What CpxlJob (VBA) does around the runner, done in Python on real files (see module docstring)."""

    jobs: Path
    open_books: list[Path] = field(default_factory=list)
    active: Path | None = None
    status_bar: list[str] = field(default_factory=list)
    popups: list[tuple[str, str, bool]] = field(default_factory=list)
    closed: Path | None = None
    running: Step | None = None
    env: dict[str, str] | None = None  # the environment Python starts with (None: this one)

    def click(self, action: str, **params: str) -> Step | None:
        if self.running is not None:  # CpxlRefuseIfBusy
            self.popups.append(("busy", xl.ACTIONS[self.running.job.stem.split("-")[-1]].label, False))
            return None
        self.closed = None
        if action != "init":
            master = self.active
            assert master is not None
            if master.name == MASTER_NAME and xl.ACTIONS[action].rewrites_master:
                self.open_books.remove(master)  # saved and closed: Windows cannot replace an open file
                self.closed = master
            params = {"master": str(master), **params}
        job = self.jobs / f"job-{time.strftime('%Y%m%d-%H%M%S')}-{len(self.popups)}-{action}.txt"
        cmd = [sys.executable, "-B", "-c", runner.command(str(job), action, **params)]
        env = None if self.env is None else {**os.environ, **self.env}
        self.running = Step(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env), job)
        return self.running

    def wait(self, timeout: float = 120) -> Step:
        """Poll as CpxlJobPoll does (here every 20 ms, not every second) until the step is over."""
        step = self.running
        assert step is not None
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            fields = runner.read_job(step.job)
            if fields and (not step.seen or fields != step.seen[-1]):
                step.seen.append(fields)
                if fields.get("state") == "running":
                    self.status_bar.append(fields["text"])
            if fields.get("state") in ("done", "failed", "refused"):
                self.finish(step, fields)
                break
            if step.process.poll() is not None and runner.read_job(step.job).get("state") == "running":
                pytest.fail(f"the runner died: {step.process.stderr.read().decode()}")
            time.sleep(0.02)
        else:
            pytest.fail("the step did not end in time")
        step.process.wait(30)
        step.seconds = time.monotonic() - start
        self.running = None
        return step

    def finish(self, step: Step, fields: dict[str, str]) -> None:
        step.final = fields
        for book in (self.closed, Path(fields["open"]) if fields.get("open") else None):
            if book is not None and book not in self.open_books:
                self.open_books.append(book)  # Workbooks.Open
                self.active = book
        if fields.get("status_book"):
            book = Path(fields["status_book"])
            assert book in self.open_books
            wb = openpyxl.load_workbook(book)  # what Excel does when VBA writes the cells and saves
            ws = wb[fields["status_sheet"]]
            ws[fields["status_label_cell"]] = fields["status_label"]
            ws[fields["status_cell"]] = fields["status_text"]
            wb.save(book)
        if fields.get("message"):
            self.popups.append((fields["title"], fields["message"], fields["critical"] == "1"))


@pytest.fixture()
def excel(tmp_path: Path) -> FakeExcel:
    return FakeExcel(jobs=tmp_path / "临时 文件" / "cpxl")


@pytest.fixture(scope="module")
def small_audit_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runner") / "审核 2025"
    init_audit(root, "电镀", "东岚省", 2024, data={"enterprises": [
        {"name": "岚州绿源环保有限公司", "uscc": "91340100MA2N000001"},
        {"name": "东岚清源环保有限公司", "uscc": "91340100MA2N000002"},
    ]})
    return root


@pytest.fixture()
def small_audit(small_audit_source: Path, tmp_path: Path) -> Path:
    """An audit with two enterprises and a small master (fast to open with openpyxl)."""
    return Path(shutil.copytree(small_audit_source, tmp_path / "审核 2025"))


def _home_status(master: Path) -> str:
    return openpyxl.load_workbook(master)[xl.HOME_SHEET][xl.STATUS_CELL].value


# ------------------------------------------------------------------------------------------ job file


def test_job_values_pass_as_ascii_and_come_back_unchanged() -> None:
    samples = ["", "plain", "审核总表.xlsx", "C:\\Users\\张三\\审核 2025\\a'b|c%d$e\"f", "\\u1234 literal", "x😀y",
               "two\r\nlines", "="]
    for text in samples:
        encoded = runner.encode(text)
        assert encoded.isascii() and "\n" not in encoded and "\\" not in encoded.replace("\\u", "")
        assert runner.decode(encoded) == text
    assert runner.decode("\\uXYZW\\u12") == "\\uXYZW\\u12"  # as VBA's U(): bad escapes pass through


def test_python_command_is_ascii_and_reaches_main_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    params = {"folder": "D:\\审核 2025\\东岚省", "industry": "危险废物焚烧处置", "region": "东岚省", "year": "2024"}
    cmd = runner.command("C:\\Temp\\cpxl\\job-1-init.txt", "init", **params)
    assert cmd.isascii() and '"' not in cmd  # passes cmd.exe-free through CreateProcess inside "..."
    seen: dict[str, object] = {}
    monkeypatch.setattr(runner, "main", lambda job, action, **kw: seen.update(job=job, action=action, **kw) or 7)
    with pytest.raises(SystemExit) as exit_code:
        exec(cmd, {})  # the statement python -c runs: main's result is the process's exit code
    assert exit_code.value.code == 7
    assert seen == {"job": "C:\\Temp\\cpxl\\job-1-init.txt", "action": "init", **params}


# -------------------------------------------------------------------------------------- real processes


def test_a_step_runs_outside_excel_and_reports_progress_and_outcome(excel: FakeExcel, small_audit: Path) -> None:
    master = small_audit / MASTER_NAME
    excel.open_books, excel.active = [master], master
    excel.click("templates")
    step = excel.wait()
    assert step.process.returncode == runner.EXIT_OK
    states = [s.get("state") for s in step.seen]
    assert "running" in states and states[-1] == "done"
    running = next(s for s in step.seen if s.get("state") == "running")
    assert running["text"] == "cpxl：正在生成企业模板……" and running["label"] == "生成企业模板"
    assert int(running["pid"]) == step.process.pid
    assert step.final["ok"] == "1" and step.final["critical"] == "0"
    assert excel.popups[-1][0] == "清洁生产审核 · 生成企业模板"
    assert excel.popups[-1][1] == f"已生成 2 份企业填报模板，位于 {small_audit / '企业模板'}"
    assert len(list((small_audit / "企业模板").glob("*.xlsx"))) == 2
    assert excel.open_books == [master] and not step.final.get("open")  # not closed, nothing to reopen
    assert "生成企业模板：已生成 2 份" in _home_status(master)
    assert not [p for p in excel.jobs.iterdir() if p.name.endswith(".tmp")]
    assert Path(step.final["log"]).read_text(encoding="utf-8").startswith("cpxl runner ")
    # the next run of the same step shows an estimate of how far it is, from this run's duration
    excel.click("templates")
    again = excel.wait()
    assert any("percent" in s for s in again.seen if s.get("state") == "running")


def test_a_step_that_rewrites_the_master_gets_it_reopened(excel: FakeExcel, small_audit: Path) -> None:
    master = small_audit / MASTER_NAME
    before = master.stat().st_mtime_ns
    excel.open_books, excel.active = [master], master
    excel.click("ingest")  # an empty inbox: the master is still rewritten (consolidated sheets)
    assert master not in excel.open_books  # closed while Python rewrites it
    step = excel.wait()
    assert step.final["state"] == "done", step.final
    assert Path(step.final["open"]) == master and excel.open_books == [master] and excel.active == master
    assert master.stat().st_mtime_ns != before
    assert "导入企业填报" in _home_status(master)


def test_a_second_step_is_refused_while_one_runs(excel: FakeExcel, small_audit: Path) -> None:
    master = small_audit / MASTER_NAME
    excel.open_books, excel.active = [master], master
    excel.env = {"CPXL_TEST_PAUSE_BEFORE_REPLACE": "3"}  # core's own fault-injection pause: each template takes 3 s
    first = excel.click("templates")
    assert first is not None
    assert excel.click("check") is None  # the add-in's own refusal (CpxlRefuseIfBusy)
    assert excel.popups[-1] == ("busy", "生成企业模板", False)
    # a second process anyway (another Excel window): the runner's lock refuses it
    deadline = time.monotonic() + 60
    while runner.read_job(first.job).get("state") != "running":
        assert time.monotonic() < deadline and first.process.poll() is None
        time.sleep(0.02)
    other = FakeExcel(jobs=excel.jobs, open_books=[master], active=master)
    other.click("plan")
    assert master not in other.open_books  # plan rewrites the master: the other window closed it
    second = other.wait()
    assert first.process.poll() is None, "the first step ended too early to test the lock"
    assert second.process.returncode == runner.EXIT_REFUSED and second.final["state"] == "refused"
    assert other.popups[-1][1].startswith("“生成企业模板”正在进行（开始于 ")
    assert other.popups[-1][1].endswith("请等它完成后再点击“目标与方案”。")
    assert Path(second.final["open"]) == master and master in other.open_books  # the closed master comes back
    done = excel.wait()
    assert done.final["state"] == "done", done.final
    # the lock went with the first process: a step starts again
    excel.env = None
    excel.click("check")
    assert excel.wait().final["state"] == "done"


def test_the_lock_is_per_user_and_released_by_the_os(tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    with runner.job_lock(folder, {"label": "生成报告", "started": "10:00:00"}):
        with pytest.raises(runner.Busy) as busy, runner.job_lock(folder, {"label": "校验总表"}):
            pass
        assert busy.value.info == {"label": "生成报告", "started": "10:00:00"}
    with runner.job_lock(folder, {}):  # released
        pass
    # a process that dies holding the lock leaves no stale lock behind
    code = ("import os, sys; from pathlib import Path; from cpxl.excel import runner\n"
            f"with runner.job_lock(Path({str(folder)!r}), {{'label': 'x'}}): os._exit(9)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 9
    with runner.job_lock(folder, {}):
        pass


def test_a_program_error_ends_the_job_with_the_traceback_kept(tmp_path: Path, demo_copy: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(root: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "check", broken)
    monkeypatch.setattr(xl.tempfile, "gettempdir", lambda: str(tmp_path))
    job = tmp_path / "jobs" / "job-x-check.txt"
    assert runner.main(str(job), "check", master=str(demo_copy / MASTER_NAME)) == runner.EXIT_PROGRAM_ERROR
    final = runner.read_job(job)
    assert final["state"] == "failed" and final["critical"] == "1" and final["ok"] == "0"
    assert "“校验总表”出现程序错误：RuntimeError: boom" in final["message"]
    log = Path(final["message"].split("详细信息已写入 ")[1].split("。")[0])
    assert "raise RuntimeError(\"boom\")" in log.read_text(encoding="utf-8")
    assert sys.stdout is not None and not sys.stdout.closed  # the log redirection was undone


def test_a_user_error_is_a_finished_step_with_a_critical_message(excel: FakeExcel, tmp_path: Path) -> None:
    stray = tmp_path / "下载" / MASTER_NAME
    stray.parent.mkdir()
    openpyxl.Workbook().save(stray)
    excel.open_books, excel.active = [stray], stray
    excel.click("ingest")
    step = excel.wait()
    assert step.process.returncode == runner.EXIT_NOT_OK and step.final["state"] == "done"
    assert excel.popups[-1][2] is True and "不是 cpxl 新建的审核总表" in excel.popups[-1][1]
    assert excel.open_books == [stray]  # closed by the add-in (it has the master's name), reopened


# ---------------------------------------------------------------------------------- the VBA helpers


def test_vba_builds_the_same_command_and_reads_the_job_file_as_python(tmp_path: Path) -> None:
    xlsm = addin.build(tmp_path / "cpxl.xlsm", exclude=("Dictionary",))  # LibreOffice cannot compile it (see docs)
    job = tmp_path / "job.txt"
    fields = {"state": "running", "action": "report", "label": "生成报告", "text": "cpxl：正在生成报告……",
              "percent": 40, "message": "第一行\n第二行 C:\\审核\\😀", "open": "D:\\审核 2025\\审核总表.xlsx"}
    runner.write_job(job, fields)
    keys = [*fields, "missing"]
    log = tmp_path / "log.txt"
    args = {"job": "C:\\Temp\\cpxl\\job-1-init.txt", "folder": "D:\\审核 2025\\东岚省", "industry": "电镀"}
    lines = [
        LOAD_FUNCTION,
        "Function Core(doc As Object, fn As String, args As Variant) As Variant",
        '  Core = doc.getScriptProvider().getScript("vnd.sun.star.script:VBAProject.CpxlCore." & fn & '
        '"?language=Basic&location=document").invoke(args, Array(), Array())',
        "End Function",
        "Sub Say(msg As String)",
        f"  Dim n As Integer : n = FreeFile : Open {basic_str(str(log))} For Append As #n : Print #n, msg : Close #n",
        "End Sub",
        "Sub Main",
        "  Dim doc As Object, jobText As String, oneLine As String, n As Integer",
        "  On Error GoTo Fail",
        f'  doc = ProbeLoad({basic_str(str(xlsm))}, "Calc MS Excel 2007 XML")',
        f"  n = FreeFile : Open {basic_str(str(job))} For Input As #n",
        "  Do While Not EOF(n)",
        "    Line Input #n, oneLine",
        "    jobText = jobText & oneLine & Chr(10)",
        "  Loop",
        "  Close #n",
        *[f'  Say "FIELD {k} " & Core(doc, "PyStr", Array(Core(doc, "CpxlField", Array(jobText, "{k}"))))' for k in keys],
        '  Say "CMD " & Core(doc, "CpxlJobCommand", Array({job}, "init", "folder=" & Core(doc, "PyStr", '
        'Array({folder})) & ", industry=" & Core(doc, "PyStr", Array({industry}))))'.format(
            **{k: basic_str(v) for k, v in args.items()}),
        *[f'  Say "ACTION {a} " & Core(doc, "CpxlRewrites", Array("{a}")) & " " & '
          f'Core(doc, "PyStr", Array(Core(doc, "CpxlLabel", Array("{a}"))))' for a in xl.ACTIONS],
        '  Say "MASTER " & Core(doc, "PyStr", Array(Core(doc, "CpxlMasterName", Array())))',
        # numbers as text: LibreOffice's script invocation hands a number to a ByVal Long parameter as 0
        '  Say "STATUS " & Core(doc, "PyStr", Array(Core(doc, "CpxlStatusText", Array(jobText, "x", "12"))))',
        '  Say "STARTING " & Core(doc, "PyStr", Array(Core(doc, "CpxlStatusText", Array("", "生成报告", "3"))))',
        '  Say "BUSY " & Core(doc, "PyStr", Array(Core(doc, "CpxlBusyText", Array("生成报告", "7"))))',
        "  doc.close(True)",
        '  Say "DONE"',
        "  StarDesktop.terminate()",
        "  Exit Sub",
        "Fail:",
        '  Say "ERROR " & Err & " " & Error & " line " & Erl',
        "  StarDesktop.terminate()",
        "End Sub",
    ]
    run_basic("\n".join(lines) + "\n", tmp_path)
    out = log.read_text(encoding="ascii").splitlines()
    assert out[-1] == "DONE", out

    def tagged(tag: str) -> list[str]:
        return [ln.split(" ", 1)[1] for ln in out if ln.startswith(tag + " ")]

    python_view = runner.read_job(job)
    for line in tagged("FIELD"):
        key, literal = line.split(" ", 1)
        assert xl._join_surrogates(ast.literal_eval(literal)) == python_view.get(key, ""), key
    assert tagged("CMD") == [runner.command(args["job"], "init", folder=args["folder"], industry=args["industry"])]
    for line in tagged("ACTION"):
        action, flag, literal = line.split(" ", 2)
        assert (flag == "True", ast.literal_eval(literal)) == (xl.ACTIONS[action].rewrites_master,
                                                               xl.ACTIONS[action].label)
    assert [ast.literal_eval(s) for s in tagged("MASTER")] == [MASTER_NAME]
    assert ast.literal_eval(tagged("STATUS")[0]) == "cpxl：正在生成报告……（已用 12 秒，约 40%）"
    assert ast.literal_eval(tagged("STARTING")[0]) == "cpxl：正在启动 Python（生成报告）……（已用 3 秒）"
    assert ast.literal_eval(tagged("BUSY")[0]) == "“生成报告”正在进行（已用 7 秒），请等它完成后再点击。Excel 可以照常使用。"
