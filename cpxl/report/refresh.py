"""Refresh a .docx in headless LibreOffice: update the table of contents, fields and page numbers,
then save it again as .docx (and, if asked, as PDF).

docxtpl cannot compute a table of contents and WPS ignores ``w:updateFields``, so the report's
TOC must hold real entries when it is saved. LibreOffice does this through a small Basic macro in
a throw-away user profile (no Python-UNO bridge is needed, so the plain ``libreoffice-writer``
package suffices). Each run has its own profile, so parallel runs and a user's open LibreOffice
never collide. On Linux the Chinese fonts named in the template (仿宋, 黑体, 宋体…) are mapped to
the installed Noto CJK fonts for the PDF through a private fontconfig file; the .docx keeps the
names from the template.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from cpxl.core.office import OfficeError, soffice

BASIC = r"""
Sub Refresh(inUrl As String, docxUrl As String, pdfUrl As String, statusUrl As String)
  Dim doc As Object
  Dim idx As Object
  Dim i As Integer
  Dim n As Integer
  On Error Goto Failed
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden"
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(inUrl, "_blank", 0, args())
  doc.getTextFields().refresh()
  idx = doc.getDocumentIndexes()
  n = idx.getCount()
  For i = 0 To n - 1
    idx.getByIndex(i).update()
  Next i
  doc.getTextFields().refresh()
  For i = 0 To n - 1
    idx.getByIndex(i).update()
  Next i
  Dim s(0) As New com.sun.star.beans.PropertyValue
  s(0).Name = "FilterName"
  s(0).Value = "MS Word 2007 XML"
  doc.storeToURL(docxUrl, s())
  If pdfUrl <> "" Then
    s(0).Value = "writer_pdf_Export"
    doc.storeToURL(pdfUrl, s())
  End If
  doc.close(True)
  WriteStatus(statusUrl, "OK " & n)
  StarDesktop.terminate()
  Exit Sub
Failed:
  WriteStatus(statusUrl, "ERR " & Err & " " & Error$ & " (line " & Erl & ")")
  StarDesktop.terminate()
End Sub

Sub WriteStatus(url As String, msg As String)
  Dim sfa As Object
  Dim out As Object
  Dim tos As Object
  sfa = createUnoService("com.sun.star.ucb.SimpleFileAccess")
  If sfa.exists(url) Then sfa.kill(url)
  out = sfa.openFileWrite(url)
  tos = createUnoService("com.sun.star.io.TextOutputStream")
  tos.setOutputStream(out)
  tos.writeString(msg)
  tos.closeOutput()
End Sub
"""

_DOCTYPE = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {0} PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "{1}">\n'
_LIB_NS = 'xmlns:library="http://openoffice.org/2000/library"'

#: template fonts → installed fonts used for the PDF on Linux (fontconfig aliases)
FONT_ALIASES = {
    "仿宋": "Noto Serif CJK SC", "仿宋_GB2312": "Noto Serif CJK SC", "FangSong": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC", "SimSun": "Noto Serif CJK SC", "楷体": "Noto Serif CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC", "KaiTi": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC", "SimHei": "Noto Sans CJK SC", "微软雅黑": "Noto Sans CJK SC",
    "Microsoft YaHei": "Noto Sans CJK SC", "等线": "Noto Sans CJK SC",
    # Latin text: the Noto CJK fonts' own Latin glyphs are narrower than the DejaVu fallback
    "Times New Roman": "Noto Serif CJK SC",
}


@dataclass
class Refreshed:
    docx: Path
    pdf: Path | None
    indexes: int
    seconds: float


def _profile(exe: str, root: Path) -> None:
    """A LibreOffice user profile whose Standard Basic library holds the refresh macro.

    LibreOffice fills a new profile from its presets on the first start (overwriting any Basic
    library already there), so the profile is initialised first and the library written after.
    """
    try:
        subprocess.run([exe, f"-env:UserInstallation={root.as_uri()}", "--headless", "--norestore",
                        "--terminate_after_init"], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise OfficeError("LibreOffice 启动超时（初始化临时配置）。") from exc
    basic = root / "user" / "basic"
    if basic.exists():
        shutil.rmtree(basic)
    lib = basic / "Standard"
    lib.mkdir(parents=True)
    (lib / "Module1.xba").write_text(
        _DOCTYPE.format("script:module", "module.dtd")
        + '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
          'script:language="StarBasic">' + escape(BASIC, {'"': "&quot;"}) + "</script:module>\n",
        encoding="utf-8")
    (lib / "script.xlb").write_text(
        _DOCTYPE.format("library:library", "library.dtd")
        + f'<library:library {_LIB_NS} library:name="Standard" library:readonly="false" '
          'library:passwordprotected="false">\n <library:element library:name="Module1"/>\n</library:library>\n',
        encoding="utf-8")
    (lib / "dialog.xlb").write_text(
        _DOCTYPE.format("library:library", "library.dtd")
        + f'<library:library {_LIB_NS} library:name="Standard" library:readonly="false" '
          'library:passwordprotected="false"/>\n', encoding="utf-8")
    for kind in ("script", "dialog"):
        (root / "user" / "basic" / f"{kind}.xlc").write_text(
            _DOCTYPE.format("library:libraries", "libraries.dtd")
            + f'<library:libraries {_LIB_NS} xmlns:xlink="http://www.w3.org/1999/xlink">\n'
              f' <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/{kind}.xlb/" '
              'xlink:type="simple" library:link="false"/>\n</library:libraries>\n', encoding="utf-8")


def _fontconfig(root: Path) -> dict[str, str]:
    """Environment for soffice: a fontconfig file that maps the template's Chinese fonts (Linux only)."""
    system = Path("/etc/fonts/fonts.conf")
    if os.name != "posix" or not system.exists() or os.environ.get("FONTCONFIG_FILE"):
        return {}
    aliases = "".join(
        f"<alias binding=\"same\"><family>{escape(src)}</family><prefer><family>{escape(dst)}</family></prefer></alias>"
        for src, dst in FONT_ALIASES.items())
    conf = root / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
                    f"<include ignore_missing=\"yes\">{system}</include>{aliases}</fontconfig>\n", encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def refresh(src: Path, docx_out: Path, pdf_out: Path | None = None, timeout: float = 1800) -> Refreshed:
    """Open ``src`` in LibreOffice, update every index and field, save ``docx_out`` (and ``pdf_out``)."""
    exe = soffice()
    src, docx_out = Path(src).resolve(), Path(docx_out).resolve()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cpxl-lo-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        _profile(exe, profile)
        status = work / "status.txt"
        args = ",".join(f'"{u}"' for u in (src.as_uri(), docx_out.as_uri(),
                                            Path(pdf_out).resolve().as_uri() if pdf_out else "", status.as_uri()))
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", f"macro:///Standard.Module1.Refresh({args})"]
        env = {**os.environ, **_fontconfig(work)}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=(os.name == "posix"))
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill(proc)
            raise OfficeError(f"LibreOffice 更新目录超时（{timeout:.0f} 秒）：{src.name}") from exc
        msg = status.read_text(encoding="utf-8", errors="replace") if status.exists() else ""
    if not msg.startswith("OK") or not docx_out.exists() or (pdf_out and not Path(pdf_out).exists()):
        detail = msg or (err or out or b"").decode("utf-8", "replace").strip()[:500] or "无输出"
        raise OfficeError(f"LibreOffice 未能更新目录并保存 {src.name}：{detail}")
    return Refreshed(docx_out, Path(pdf_out) if pdf_out else None, int(msg.split()[1]), time.perf_counter() - started)


def _kill(proc: subprocess.Popen) -> None:
    """Stop the soffice we started, and its children (its own process group on POSIX)."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()
