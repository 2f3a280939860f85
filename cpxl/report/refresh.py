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
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from cpxl.core.office import OfficeError, soffice

BASIC = r"""
Sub Refresh(inUrl As String, docxUrl As String, pdfUrl As String, statusUrl As String, passes As Integer)
  Dim doc As Object
  Dim idx As Object
  Dim i As Integer
  Dim n As Integer
  Dim k As Integer
  Dim t As Long
  Dim times As String
  On Error Goto Failed
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden"
  args(0).Value = True
  t = GetSystemTicks()
  doc = StarDesktop.loadComponentFromURL(inUrl, "_blank", 0, args())
  times = " load=" & (GetSystemTicks() - t)
  idx = doc.getDocumentIndexes()
  n = idx.getCount()
  For k = 1 To passes
    t = GetSystemTicks()
    doc.getTextFields().refresh()
    times = times & " fields" & k & "=" & (GetSystemTicks() - t)
    t = GetSystemTicks()
    For i = 0 To n - 1
      idx.getByIndex(i).update()
    Next i
    times = times & " toc" & k & "=" & (GetSystemTicks() - t)
  Next k
  Dim s(0) As New com.sun.star.beans.PropertyValue
  s(0).Name = "FilterName"
  s(0).Value = "MS Word 2007 XML"
  t = GetSystemTicks()
  doc.storeToURL(docxUrl, s())
  times = times & " docx=" & (GetSystemTicks() - t)
  If pdfUrl <> "" Then
    s(0).Value = "writer_pdf_Export"
    t = GetSystemTicks()
    doc.storeToURL(pdfUrl, s())
    times = times & " pdf=" & (GetSystemTicks() - t)
  End If
  doc.close(True)
  WriteStatus(statusUrl, "OK " & n & times)
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
    phases: dict[str, float] = field(default_factory=dict)  # seconds inside LibreOffice: load, fields1, toc1, docx, pdf


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


def _profile_cache(exe: str) -> Path:
    """Where a ready LibreOffice profile (with the refresh macro) is kept between runs, per user."""
    import hashlib

    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    key = hashlib.sha256((BASIC + exe + str(Path(exe).resolve())).encode()).hexdigest()[:16]
    return root / "cpxl" / f"libreoffice-profile-{key}"


def _cached_profile(exe: str, dst: Path) -> bool:
    """Copy the kept profile to ``dst`` (a start of LibreOffice with a new profile costs seconds)."""
    src = _profile_cache(exe)
    if not (src / "ready").is_file():
        return False
    try:
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".lock", "*.lock", "ready"))
    except OSError:
        shutil.rmtree(dst, ignore_errors=True)
        return False
    return True


def _keep_profile(exe: str, profile: Path) -> None:
    """Keep a profile that just worked, for the next runs (best effort; another run may have kept one first)."""
    dst = _profile_cache(exe)
    if (dst / "ready").is_file():
        return
    tmp = dst.with_name(f"{dst.name}.{os.getpid()}.tmp")
    try:
        shutil.copytree(profile, tmp, ignore=shutil.ignore_patterns(".lock", "*.lock"))
        (tmp / "ready").write_text("ok", encoding="ascii")
        os.rename(tmp, dst)  # fails when another run kept one meanwhile: theirs is as good
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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


#: how often fields and indexes are updated: once lays the document out with the TOC at its final length
#: (the provisional TOC already holds every entry), so page numbers are right after one pass
PASSES = 1


def refresh(src: Path, docx_out: Path, pdf_out: Path | None = None, timeout: float = 1800,
            passes: int = PASSES) -> Refreshed:
    """Open ``src`` in LibreOffice, update every index and field, save ``docx_out`` (and ``pdf_out``)."""
    exe = soffice()
    src, docx_out = Path(src).resolve(), Path(docx_out).resolve()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cpxl-lo-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        cached = _cached_profile(exe, profile)
        if not cached:
            _profile(exe, profile)
        status = work / "status.txt"
        args = ",".join(f'"{u}"' for u in (src.as_uri(), docx_out.as_uri(),
                                            Path(pdf_out).resolve().as_uri() if pdf_out else "", status.as_uri()))
        args += f",{int(passes)}"
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
        ok = msg.startswith("OK") and docx_out.exists() and not (pdf_out and not Path(pdf_out).exists())
        if ok and not cached:
            _keep_profile(exe, profile)
    if not ok and cached:  # a cached profile that no longer works: start afresh once
        shutil.rmtree(_profile_cache(exe), ignore_errors=True)
        return refresh(src, docx_out, pdf_out, timeout, passes)
    if not ok:
        detail = msg or (err or out or b"").decode("utf-8", "replace").strip()[:500] or "无输出"
        raise OfficeError(f"LibreOffice 未能更新目录并保存 {src.name}：{detail}")
    phases = {k: int(v) / 1000 for k, _, v in (w.partition("=") for w in msg.split()[2:]) if v.isdigit()}
    return Refreshed(docx_out, Path(pdf_out) if pdf_out else None, int(msg.split()[1]), time.perf_counter() - started,
                     phases)


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
