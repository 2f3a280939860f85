"""The Excel add-in, as far as Linux can prove it: a reproducible build from text, VBA read back by olevba,
the modules imported (and cpxl's own functions run) by LibreOffice, ribbon callbacks that exist, and the
Python entry point ``cpxl.excel.xl.run`` driven through the documented stand-in for Excel.

What only desktop Excel can prove (ribbon shown, RunPython, Book.caller) is the checklist in docs/excel-addin.md.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import openpyxl
import pytest
from typer.testing import CliRunner

import cpxl
from cpxl import api
from cpxl.book.master import init_audit
from cpxl.book.templates import STAMP_SHEET
from cpxl.cli.excel import addin_app
from cpxl.core.folder import MASTER_NAME
from cpxl.excel import addin, xl

BUTTONS = {
    "init": "新建审核",
    "check": "校验总表",
    "templates": "生成企业模板",
    "ingest": "导入企业填报",
    "diagnose": "诊断评分",
    "plan": "目标与方案",
    "report": "生成报告",
    "outputs": "打开成果文件夹",
}
CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"


def _body(code: str, member_attributes: bool = True) -> str:
    """Module text without line-ending differences and without the header VBA keeps apart from the code.

    ``member_attributes=False`` also drops ``Attribute Member.VB_…`` lines (LibreOffice does not keep them).
    """
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].startswith("VERSION 1.0 CLASS"):
        end = lines.index("END")
        lines = lines[end + 1:]
    lines = [ln for ln in lines if not ln.startswith("Attribute VB_")]
    if not member_attributes:
        lines = [ln for ln in lines if not re.match(r"Attribute \w+\.VB_", ln)]
    return "\n".join(lines).strip("\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return addin.build(tmp_path_factory.mktemp("addin") / addin.ADDIN_NAME)


@pytest.fixture(scope="module")
def macros(built: Path) -> dict[str, str]:
    with warnings.catch_warnings():  # oletools 0.60 uses pyparsing names that pyparsing 3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser
    parser = VBA_Parser(str(built))
    try:
        return {Path(vba_name).stem: code for _, _, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()


# ------------------------------------------------------------------------------------------- build


def test_build_is_reproducible_and_a_proper_addin(built: Path, tmp_path: Path) -> None:
    again = addin.build(tmp_path / "again.xlam")
    assert again.read_bytes() == built.read_bytes()
    with zipfile.ZipFile(built) as z:
        names = z.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in z.infolist()} == {addin.ZIP_TIME}
        assert "xl/vbaProject.bin" in names and addin.CUSTOMUI_PART in names
        types = z.read("[Content_Types].xml").decode()
        assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"' in types
        rels = ET.fromstring(z.read("_rels/.rels"))
        ui = [r for r in rels if r.get("Type") == addin.CUSTOMUI_REL_TYPE]
        assert [r.get("Target") for r in ui] == [addin.CUSTOMUI_PART]
        assert z.read(addin.CUSTOMUI_PART) == (addin.WORKBOOK_DIR / "customUI.xml").read_bytes()
        assert "清洁生产审核" in z.read("docProps/core.xml").decode()


def test_repository_holds_text_sources_only() -> None:
    files = sorted(p.name for p in addin.WORKBOOK_DIR.iterdir())
    assert not [f for f in files if f.lower().endswith((".bin", ".xlam", ".xlsm", ".xls"))]
    assert not [f for f in files if f.lower().startswith("xlwings") or f == "Dictionary.cls"]
    for p in addin.WORKBOOK_DIR.glob("*.*"):
        if p.suffix.lower() in (".bas", ".cls"):
            p.read_bytes().decode("ascii")  # VBA source must be ASCII (see workbook/README.md)


def test_olevba_reads_every_module_back_unchanged(macros: dict[str, str]) -> None:
    expected = addin.all_modules()
    assert set(macros) == {m.name for m in expected} | {"ThisWorkbook", "Sheet1"}
    for m in expected:
        if m.kind == "standard":
            assert macros[m.name].replace("\r\n", "\n") == m.source.replace("\r\n", "\n"), m.name
        assert _body(macros[m.name]) == _body(m.source), m.name
    own = {p.stem: p.read_text(encoding="ascii") for p in addin.WORKBOOK_DIR.glob("*.bas")}
    for name, text in own.items():
        assert _body(macros[name]) == _body(text)


def test_embedded_xlwings_module_matches_the_installed_package(macros: dict[str, str]) -> None:
    import xlwings

    code = macros["xlwings"]
    assert f"'Version: {xlwings.__version__}" in code
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in code
    assert 'Public Const PROJECT_NAME As String = "cpxl"' in code
    assert "Set wb = ActiveWorkbook" in code  # the custom add-in flavour: acts on the active workbook
    assert f'CPXL_VERSION As String = "{cpxl.__version__}"' in macros[addin.BUILD_MODULE]
    assert "xlwings.pro" not in "".join(c for n, c in macros.items() if n.startswith("Cpxl"))


def test_every_ribbon_action_is_a_ribbon_sub(built: Path, macros: dict[str, str]) -> None:
    with zipfile.ZipFile(built) as z:
        root = ET.fromstring(z.read(addin.CUSTOMUI_PART))
    assert root.tag == f"{CUI}customUI"
    tabs = list(root.iter(f"{CUI}tab"))
    assert [t.get("label") for t in tabs] == ["清洁生产审核"]
    buttons = {b.get("id"): b for b in root.iter(f"{CUI}button")}
    assert {k: b.get("label") for k, b in buttons.items()} == BUTTONS
    assert set(buttons) == set(xl.ACTIONS)
    for bid, b in buttons.items():
        module, _, sub = b.get("onAction").rpartition(".")
        code = macros[module or addin.RIBBON_MODULE].replace("\r\n", "\n")
        m = re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)\n(.*?)^End Sub", code, re.M | re.S)
        assert m, f"{bid}: no Sub {sub}(control As IRibbonControl) in {module}"
        assert "control.Id" in m.group(1), f"{bid}: the callback must pass its button id to cpxl.excel.xl.run"
    assert addin.missing_callbacks(addin.customui_xml(), addin.all_modules()) == []
    broken = addin.customui_xml().replace(b"CpxlRibbon.CpxlPlan", b"CpxlRibbon.CpxlNoSuchSub")
    assert addin.missing_callbacks(broken, addin.all_modules()) == ["CpxlRibbon.CpxlNoSuchSub"]


def test_build_refuses_bad_sources(tmp_path: Path) -> None:
    src = tmp_path / "wb"
    shutil.copytree(addin.WORKBOOK_DIR, src)
    (src / "CpxlCore.bas").write_text('Attribute VB_Name = "CpxlCore"\n\' 审核\n', encoding="utf-8")
    with pytest.raises(addin.AddinError, match="ASCII"):
        addin.build(tmp_path / "x.xlam", workbook_dir=src)
    with pytest.raises(addin.AddinError, match=".xlam"):
        addin.build(tmp_path / "x.xlsx")


# -------------------------------------------------------------------------------------- LibreOffice

_PROBE_STRINGS = ["templates", "C:\\Users\\张三\\审核 2024\\a'b|c%d$e\"f", "东岚省 / 危险废物焚烧处置"]


def _basic_str(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _probe_module(xlam: Path, xlsm: Path, outdir: Path) -> str:
    """A LibreOffice Basic macro: loads both files, dumps the imported modules, runs cpxl's own functions."""
    log = outdir / "log.txt"
    lines = [
        "Sub ProbeLog(msg As String)",
        "  Dim n As Integer",
        "  n = FreeFile",
        f"  Open {_basic_str(str(log))} For Append As #n",
        "  Print #n, msg",
        "  Close #n",
        "End Sub",
        "Function ProbeLoad(path As String, filterName As String) As Object",
        "  Dim args(2) As New com.sun.star.beans.PropertyValue",
        '  args(0).Name = "MacroExecutionMode" : args(0).Value = 4',
        '  args(1).Name = "Hidden" : args(1).Value = True',
        '  args(2).Name = "FilterName" : args(2).Value = filterName',
        '  ProbeLoad = StarDesktop.loadComponentFromURL(ConvertToURL(path), "_blank", 0, args)',
        "End Function",
        "Function ProbeCall(doc As Object, fn As String, args As Variant) As Variant",
        "  Dim sp As Object",
        "  sp = doc.getScriptProvider()",
        '  ProbeCall = sp.getScript("vnd.sun.star.script:VBAProject.CpxlCore." & fn & '
        '"?language=Basic&location=document").invoke(args, Array(), Array())',
        "End Function",
        "Sub Main",
        "  Dim doc As Object, vlib As Object, nms, i, n As Integer",
        "  On Error GoTo Fail",
        f'  doc = ProbeLoad({_basic_str(str(xlam))}, "Calc MS Excel 2007 XML")',
        '  ProbeLog "SHEET " & doc.Sheets.getByIndex(0).Name & " " & doc.Sheets.getByIndex(0).getCellByPosition(0, 0).String',
        '  doc.BasicLibraries.loadLibrary("VBAProject")',
        '  vlib = doc.BasicLibraries.getByName("VBAProject")',
        "  nms = vlib.getElementNames()",
        "  For i = LBound(nms) To UBound(nms)",
        '    ProbeLog "MODULE " & nms(i)',
        "    n = FreeFile",
        f'    Open {_basic_str(str(outdir))} & "/" & nms(i) & ".txt" For Output As #n',
        "    Print #n, vlib.getByName(nms(i))",
        "    Close #n",
        "  Next i",
        "  doc.close(True)",
        f'  doc = ProbeLoad({_basic_str(str(xlsm))}, "Calc MS Excel 2007 XML")',
        '  ProbeLog "VERSION " & ProbeCall(doc, "CpxlVersion", Array())',
        '  ProbeLog "TITLE " & ProbeCall(doc, "PyStr", Array(ProbeCall(doc, "CpxlTitle", Array())))',
        '  ProbeLog "U " & ProbeCall(doc, "PyStr", Array(ProbeCall(doc, "U", Array("a\\u5ba1\\u6838\\uXYZW\\u12"))))',
        *[f'  ProbeLog "PYSTR " & ProbeCall(doc, "PyStr", Array({_basic_str(s)}))' for s in _PROBE_STRINGS],
        '  ProbeLog "PYSTR " & ProbeCall(doc, "PyStr", Array("x" & ChrW(55357) & ChrW(56832)))',
        '  ProbeLog "CMD " & ProbeCall(doc, "CpxlCommand", Array("templates", ""))',
        '  ProbeLog "CMD " & ProbeCall(doc, "CpxlCommand", Array("init", "folder=" & ProbeCall(doc, "PyStr", '
        f'Array({_basic_str(_PROBE_STRINGS[1])})) & ", industry=" & ProbeCall(doc, "PyStr", Array("危险废物焚烧处置"))))',
        "  doc.close(True)",
        '  ProbeLog "DONE"',
        "  StarDesktop.terminate()",
        "  Exit Sub",
        "Fail:",
        '  ProbeLog "ERROR " & Err & " " & Error & " line " & Erl',
        "  StarDesktop.terminate()",
        "End Sub",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def libreoffice_probe(built: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    work = tmp_path_factory.mktemp("lo")
    # LibreOffice Basic cannot compile xlwings' Dictionary class (macOS only), and one module that does not
    # compile stops every macro of the project: the runnable .xlsm variant leaves it out (see docs).
    xlsm = addin.build(work / "cpxl.xlsm", exclude=("Dictionary",))
    profile = work / "profile"
    env = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo"]
    subprocess.run([*env, "--terminate_after_init"], capture_output=True, timeout=120)
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists(), "LibreOffice did not create its user profile"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        f'script:language="StarBasic">{escape(_probe_module(built, xlsm, work))}</script:module>\n',
        encoding="utf-8",
    )
    try:
        subprocess.run([*env, "macro:///Standard.Module1.Main"], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("LibreOffice did not finish the probe macro in 120 s")
    log = work / "log.txt"
    assert log.exists(), "the LibreOffice probe macro did not run"
    return log.read_text(encoding="ascii").splitlines(), work


def test_libreoffice_loads_the_addin_and_imports_every_module(libreoffice_probe: tuple[list[str], Path]) -> None:
    lines, work = libreoffice_probe
    assert not [ln for ln in lines if ln.startswith("ERROR")], lines
    assert f"SHEET {addin.CONFIG_SHEET} Interpreter_Win" in lines
    imported = {ln.split(" ", 1)[1] for ln in lines if ln.startswith("MODULE ")}
    expected = addin.all_modules()
    assert imported == {m.name for m in expected} | {"ThisWorkbook", "Sheet1"}
    for m in expected:
        text = (work / f"{m.name}.txt").read_text(encoding="ascii")
        # LibreOffice prefixes "Rem Attribute VBA_ModuleType=..." and "Option VBASupport 1"
        body = "\n".join(ln for ln in text.replace("\r\n", "\n").split("\n")
                         if not ln.startswith(("Rem Attribute VBA_ModuleType", "Option VBASupport", "Option ClassModule")))
        assert body.strip("\n") == _body(m.source, member_attributes=False), m.name


def test_libreoffice_runs_cpxl_vba_functions(libreoffice_probe: tuple[list[str], Path]) -> None:
    lines, _ = libreoffice_probe
    assert lines[-1] == "DONE", lines

    def values(tag: str) -> list[str]:
        return [ln.split(" ", 1)[1] for ln in lines if ln.startswith(tag + " ")]

    assert values("VERSION") == [cpxl.__version__]
    assert ast.literal_eval(values("TITLE")[0]) == "清洁生产审核"
    assert ast.literal_eval(values("U")[0]) == "a审核\\uXYZW\\u12"  # bad escapes pass through unchanged
    literals = values("PYSTR")
    assert all(re.fullmatch(r"'[A-Za-z0-9 ,\-./:_\\]*'", s) for s in literals), literals  # cmd/shell-safe ASCII
    decoded = [xl._join_surrogates(ast.literal_eval(s)) for s in literals]
    assert decoded == [*_PROBE_STRINGS, "x😀"]
    commands = values("CMD")
    assert commands[0] == "import cpxl.excel.xl; cpxl.excel.xl.run('templates')"
    # the command VBA builds for 新建审核 reaches cpxl.excel.xl.run with the original strings
    seen: dict[str, object] = {}
    namespace: dict[str, object] = {}
    original = xl.run
    try:
        xl.run = lambda action, **kw: seen.update(action=action, **kw)  # type: ignore[assignment]
        exec(commands[1], namespace)  # the exact statement RunPython would run
    finally:
        xl.run = original
    assert seen == {"action": "init", "folder": _PROBE_STRINGS[1], "industry": "危险废物焚烧处置"}


# ---------------------------------------------------------------------------------------- cpxl.excel.xl.run


@pytest.fixture(scope="module")
def audit_with_enterprises(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xl") / "audit"
    init_audit(root, "危险废物焚烧处置", "东岚省", 2024, data={"enterprises": [
        {"name": "岚州绿源环保有限公司", "uscc": "91340100MA2N000001"},
        {"name": "东岚&清源<合资>环保有限公司", "uscc": "91340100MA2N000002"},
    ]})
    return root


@pytest.fixture()
def audit(audit_with_enterprises: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "audit"
    shutil.copytree(audit_with_enterprises, dst)
    return dst


def _status(master: Path) -> str:
    return openpyxl.load_workbook(master)[xl.HOME_SHEET][xl.STATUS_CELL].value


@pytest.fixture(scope="module")
def made_by_init(tmp_path_factory: pytest.TempPathFactory) -> tuple[xl.StandInExcel, xl.Outcome, Path]:
    """新建审核 from an empty Excel (the caller is a new, never-saved workbook), into a folder that is not empty."""
    place = tmp_path_factory.mktemp("init") / "审核工作"
    place.mkdir()
    (place / "别的文件.txt").write_text("x", encoding="utf-8")
    side = xl.StandInExcel(caller=None)
    out = xl.run("init", side, folder=str(place), industry=" 电镀 ", region="东岚省", year="2024")
    return side, out, place


def test_run_init_creates_the_audit_and_opens_its_master(made_by_init) -> None:
    side, out, place = made_by_init
    assert out.ok, out.message
    master = place / "东岚省电镀行业整体清洁生产审核" / MASTER_NAME
    assert out.master == master and master.exists()
    assert side.is_open(master)
    home = openpyxl.load_workbook(master)[xl.HOME_SHEET]
    assert home["A1"].value.startswith("东岚省电镀行业整体清洁生产审核")
    assert "新建审核" in home[xl.STATUS_CELL].value and home[xl.STATUS_LABEL_CELL].value
    title, message, critical = side.alerts[-1]
    assert title == "清洁生产审核 · 新建审核" and not critical
    assert message.startswith(f"已创建审核文件夹 {master.parent}，审核总表：{master}")
    assert side.status_texts[0] == "cpxl：正在新建审核……" and side.status_texts[-1] is None


def test_new_audit_folder_placement(tmp_path: Path) -> None:
    assert xl._new_audit_root(tmp_path, "东岚省", "电镀") == tmp_path  # empty: the folder itself
    assert xl._new_audit_root(tmp_path / "新", "东岚省", "电镀") == tmp_path / "新"  # not there yet: itself
    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    assert xl._new_audit_root(tmp_path, "东岚省", "电镀") == tmp_path / "东岚省电镀行业整体清洁生产审核"


@pytest.mark.parametrize("params, text", [
    ({"folder": "", "industry": "电镀", "region": "东岚省"}, "请选择存放审核文件夹的位置"),
    ({"industry": "", "region": "东岚省"}, "请填写审核行业"),
    ({"industry": "电镀", "region": "东岚省", "year": "24年"}, "统计期应为四位数字的年份"),
])
def test_run_init_rejects_missing_input(tmp_path: Path, params: dict[str, str], text: str) -> None:
    side = xl.StandInExcel()
    out = xl.run("init", side, **{"folder": str(tmp_path), **params})
    assert not out.ok and out.message.startswith("错误：") and text in out.message
    assert side.alerts[-1][2] is True and text in side.alerts[-1][1]
    assert list(tmp_path.iterdir()) == []


def test_run_init_refuses_to_overwrite_like_the_cli(tmp_path: Path) -> None:
    existing = tmp_path / "东岚省电镀行业整体清洁生产审核" / MASTER_NAME
    existing.parent.mkdir()
    existing.write_bytes(b"filled in")
    out = xl.run("init", xl.StandInExcel(), folder=str(tmp_path), industry="电镀", region="东岚省")
    assert not out.ok and "已存在" in out.message and existing.read_bytes() == b"filled in"


def test_run_templates_writes_one_template_per_enterprise(audit: Path) -> None:
    master = audit / MASTER_NAME
    side = xl.StandInExcel(caller=master)
    out = xl.run("templates", side)
    assert out.ok, out.message
    files = sorted((audit / "企业模板").glob("*.xlsx"))
    assert len(files) == 2
    assert out.message == f"已生成 2 份企业填报模板，位于 {audit / '企业模板'}"  # the CLI's wording
    usccs = set()
    for f in files:
        wb = openpyxl.load_workbook(f)
        stamp = {r[0].value: r[1].value for r in wb[STAMP_SHEET].iter_rows(max_col=2) if r[0].value}
        usccs.add(stamp["enterprise_uscc"])
        assert stamp["format"] == "cpxl-enterprise-template"
    assert usccs == {"91340100MA2N000001", "91340100MA2N000002"}
    assert "生成企业模板" in _status(master)
    assert ("save", str(master)) in side.events and ("close", str(master)) not in side.events
    assert side.alerts[-1][0] == "清洁生产审核 · 生成企业模板"


def test_run_shows_the_same_error_message_as_the_cli(made_by_init, tmp_path: Path) -> None:
    from cpxl.cli import app

    root = tmp_path / "empty"
    shutil.copytree(made_by_init[1].master.parent, root)  # no enterprises yet
    out = xl.run("templates", xl.StandInExcel(caller=root / MASTER_NAME))
    assert not out.ok
    cli = CliRunner().invoke(app, ["templates", str(root)])
    assert cli.exit_code == 2
    assert re.sub(r"\s+", "", out.message) in re.sub(r"\s+", "", cli.output)  # rich wraps long lines
    assert out.message == "错误：审核总表“企业名单”中没有企业（需填写企业名称和统一社会信用代码）。"
    assert "错误：审核总表" in _status(root / MASTER_NAME)


def test_run_check_reports_problems(audit: Path) -> None:
    side = xl.StandInExcel(caller=audit / MASTER_NAME, write_files=False)
    out = xl.run("check", side)
    res = api.check(audit)
    assert out.message.splitlines()[0] == f"审核总表校验完成：错误 {res.errors} 处，共 {len(res.problems)} 条提示。"
    assert out.ok == (res.errors == 0) and side.alerts[-1][2] == (res.errors > 0)


def test_run_refuses_a_workbook_that_is_not_the_master(tmp_path: Path) -> None:
    other = tmp_path / "别的工作簿.xlsx"
    side = xl.StandInExcel(caller=other)
    out = xl.run("check", side)
    assert not out.ok and "请切换到审核总表（审核总表.xlsx）" in out.message
    assert xl.run("check", xl.StandInExcel(caller=None)).message.startswith("错误：当前工作簿尚未保存")
    assert side.events == [("alert", out.message)]


def test_run_a_step_the_core_does_not_offer_yet(audit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(api, "diagnose", raising=False)
    side = xl.StandInExcel(caller=audit / MASTER_NAME)
    out = xl.run("diagnose", side)
    assert not out.ok
    assert f"此版本的 cpxl（{cpxl.__version__}）尚未提供“诊断评分”功能（cpxl.api.diagnose）" in out.message
    assert not [e for e in side.events if e[0] in ("save", "close")]  # the workbook was left alone


def test_run_closes_and_reopens_the_master_around_a_rewriting_step(audit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    master = audit / MASTER_NAME
    side = xl.StandInExcel(caller=master)
    seen = {}

    def fake_ingest(root: Path) -> list[Path]:
        seen["open_during_core"] = side.is_open(master)
        seen["root"] = root
        return [root / "归档" / "a.xlsx"]

    monkeypatch.setattr(api, "ingest", fake_ingest, raising=False)
    out = xl.run("ingest", side)
    assert out.ok and seen == {"open_during_core": False, "root": audit}
    assert [e[0] for e in side.events][:3] == ["save", "close", "open"] and side.is_open(master)
    assert "导入企业填报" in _status(master)


def test_run_reports_a_program_error_once_and_keeps_the_traceback(
    audit: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    master = audit / MASTER_NAME
    side = xl.StandInExcel(caller=master)
    monkeypatch.setattr(xl.tempfile, "gettempdir", lambda: str(tmp_path))

    def broken(root: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "plan", broken, raising=False)
    out = xl.run("plan", side)  # nothing escapes to xlwings, whose traceback window would follow cpxl's message
    assert not out.ok and out.log is not None and out.log.parent == tmp_path / "cpxl"
    assert "RuntimeError: boom" in out.log.read_text(encoding="utf-8") and "broken" in out.log.read_text(encoding="utf-8")
    assert len(side.alerts) == 1
    assert "“目标与方案”出现程序错误：RuntimeError: boom" in side.alerts[0][1] and str(out.log) in side.alerts[0][1]
    assert side.is_open(master) and "程序错误" in _status(master)
    assert side.status_texts[-1] is None


def test_run_outputs_opens_the_outputs_folder(audit: Path) -> None:
    side = xl.StandInExcel(caller=audit / MASTER_NAME, write_files=False)
    out = xl.run("outputs", side)
    assert out.ok and side.folders == [audit / "成果"] and side.alerts == []
    kind, text = side.events[-1]  # recorded; the file is left alone (write_files=False)
    assert kind == "status" and text.endswith(f"打开成果文件夹：{out.message}")


def test_run_unknown_button_and_outside_excel() -> None:
    side = xl.StandInExcel()
    assert not xl.run("nonsense", side).ok and "未知的按钮" in side.alerts[-1][1]
    with pytest.raises(xl.XlUserError, match="只能由 Excel"):
        xl.run("check")


def test_run_from_excel_without_a_caller_says_so_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # what RunPython passes; xlwings on Linux has no Excel, so Book.caller() fails as it can inside Excel
    monkeypatch.setattr(sys, "argv", ["-c", "--wb=审核总表.xlsx", "--from_xl=1"])
    out = xl.run("check")
    assert not out.ok and out.message.startswith("错误：无法取得点击按钮的工作簿（xlwings：")
    assert out.message in capsys.readouterr().err  # shown by the last-resort message box (stderr here)


def test_run_refuses_a_master_outside_an_audit_folder(tmp_path: Path) -> None:
    stray = tmp_path / "下载" / MASTER_NAME
    stray.parent.mkdir()
    openpyxl.Workbook().save(stray)
    side = xl.StandInExcel(caller=stray)
    out = xl.run("templates", side)
    assert not out.ok and "不是 cpxl 新建的审核总表" in out.message and "首页" in out.message
    assert not (stray.parent / "企业模板").exists()
    assert ("save", str(stray)) not in side.events


def test_new_audit_is_never_created_inside_an_audit(made_by_init, tmp_path: Path) -> None:
    _, first, _ = made_by_init
    for place in (first.master.parent, first.master.parent / "成果"):  # the same place again, or inside the audit
        out = xl.run("init", xl.StandInExcel(), folder=str(place), industry="电镀", region="东岚省")
        assert not out.ok and "不能在审核文件夹中再新建审核" in out.message
    assert not any(p.name.endswith("行业整体清洁生产审核") for p in first.master.parent.rglob("*") if p.is_dir())


# ---------------------------------------------------------------------------------------- install


def test_install_and_uninstall_on_windows_layout(tmp_path: Path) -> None:
    env = {"APPDATA": str(tmp_path / "AppData" / "Roaming"), "USERPROFILE": str(tmp_path / "me")}
    conf = tmp_path / "me" / ".cpxl" / "cpxl.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text('"PYTHONPATH","D:\\extra"\n"INTERPRETER_WIN","old.exe"\n', encoding="utf-8")
    interpreter = r"C:\审核 工具\.venv\Scripts\python.exe"
    res = addin.install("win32", env, interpreter=interpreter)
    assert res.addin == tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "cpxl.xlam"
    assert res.addin.read_bytes() == addin.build(tmp_path / "ref.xlam").read_bytes()
    assert res.config == conf
    assert addin.read_config(conf, "win32") == {"PYTHONPATH": "D:\\extra", "INTERPRETER_WIN": interpreter}
    # in the ANSI code page VBA's Input # reads (GBK on Chinese Windows), not in Python's locale or UTF-8
    assert conf.read_bytes().endswith(f'"INTERPRETER_WIN","{interpreter}"\r\n'.encode("gbk"))
    assert addin.uninstall("win32", env) == res.addin and not res.addin.exists()
    with pytest.raises(addin.AddinError, match="未安装"):
        addin.uninstall("win32", env)


def test_install_on_macos_layout(tmp_path: Path) -> None:
    res = addin.install("darwin", {}, home=tmp_path, interpreter="/opt/cpxl/bin/python")
    data = tmp_path / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
    assert res.addin == data / "Library/Application Support/Microsoft/Office/16.0/Startup/Excel/cpxl.xlam"
    assert addin.read_config(data / "cpxl.conf", "darwin") == {"INTERPRETER_MAC": "/opt/cpxl/bin/python"}
    assert [p.name for p in res.extra] == [f"xlwings-{addin.xlwings_version()}.applescript"]
    assert res.extra[0].parent == tmp_path / "Library" / "Application Scripts" / "com.microsoft.Excel"
    script = res.extra[0].read_text(encoding="utf-8")
    shipped = (addin.xlwings_dir() / res.extra[0].name).read_text(encoding="utf-8")
    # the one change: the interpreter path is quoted for the shell (a path with a space works)
    assert script == shipped.replace("set ShellCommand to PythonInterpreter &",
                                     "set ShellCommand to quoted form of PythonInterpreter &")
    assert script != shipped


def test_install_a_given_addin_and_refuse_what_vba_cannot_read(tmp_path: Path) -> None:
    env = {"APPDATA": str(tmp_path / "AppData"), "USERPROFILE": str(tmp_path / "me")}
    given = tmp_path / "bundle" / "cpxl.xlam"
    given.parent.mkdir()
    given.write_bytes(b"signed add-in bytes")
    res = addin.install("win32", env, interpreter=r"C:\cpxl\python.exe", addin_file=given)
    assert res.addin.read_bytes() == b"signed add-in bytes"  # copied as is, not rebuilt
    with pytest.raises(addin.AddinError, match="代码页"):  # Korean is not in the Chinese ANSI code page
        addin.install("win32", env, interpreter=r"C:\사용자\python.exe", addin_file=given)
    with pytest.raises(addin.AddinError, match="找不到要安装的加载项文件"):
        addin.install("win32", env, addin_file=tmp_path / "nothing.xlam")


def test_install_on_linux_explains_and_fails() -> None:
    with pytest.raises(addin.AddinError, match="没有桌面版 Excel"):
        addin.install("linux")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the message is for Linux")
def test_cli_install_on_linux_exits_non_zero() -> None:
    for cmd in (["install"], ["uninstall"]):
        res = CliRunner().invoke(addin_app, cmd)
        assert res.exit_code == 2 and "没有桌面版" in res.output


def test_cli_build(tmp_path: Path) -> None:
    res = CliRunner().invoke(addin_app, ["build", "--out", str(tmp_path / "out" / "cpxl.xlam")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "cpxl.xlam").exists()
    assert CliRunner().invoke(addin_app, ["build", "--out", str(tmp_path / "x.xls")]).exit_code == 2


def test_a_signature_is_carried_over_only_to_the_same_vba_project(tmp_path: Path) -> None:
    """What an organisation's signing (Excel or signtool with Office's SIP) adds, simulated: the signature
    parts beside vbaProject.bin. The bytes are not a real signature; what is tested is that cpxl carries them
    over exactly when the signed project is byte-identical, and refuses otherwise."""
    built_once = addin.build(tmp_path / "cpxl.xlam")
    signed = tmp_path / "signed.xlam"
    with zipfile.ZipFile(built_once) as src, zipfile.ZipFile(signed, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/vbaProjectSignatureAgile.bin" '
                                    b'ContentType="application/vnd.ms-office.vbaProjectSignatureAgile"/></Types>')
            dst.writestr(name, data)
        dst.writestr("xl/vbaProjectSignatureAgile.bin", b"SIGNATURE")
        dst.writestr("xl/_rels/vbaProject.bin.rels", b"<Relationships/>")
    rebuilt = addin.build(tmp_path / "rebuilt.xlam", signed=signed)
    with zipfile.ZipFile(rebuilt) as z, zipfile.ZipFile(built_once) as plain:
        assert z.read("xl/vbaProjectSignatureAgile.bin") == b"SIGNATURE"
        assert z.read("xl/_rels/vbaProject.bin.rels") == b"<Relationships/>"
        assert z.read("xl/vbaProject.bin") == plain.read("xl/vbaProject.bin")
        assert b'PartName="/xl/vbaProjectSignatureAgile.bin"' in z.read("[Content_Types].xml")
    assert addin.build(tmp_path / "again.xlam", signed=signed).read_bytes() == rebuilt.read_bytes()
    src = tmp_path / "wb"
    shutil.copytree(addin.WORKBOOK_DIR, src)
    core = src / "CpxlCore.bas"
    core.write_text(core.read_text(encoding="ascii") + "' changed\n", encoding="ascii")
    with pytest.raises(addin.AddinError, match="签名不能沿用"):
        addin.build(tmp_path / "changed.xlam", workbook_dir=src, signed=signed)
    with pytest.raises(addin.AddinError, match="没有 VBA 签名"):
        addin.build(tmp_path / "x.xlam", signed=built_once)
