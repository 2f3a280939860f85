"""Run a LibreOffice Basic macro headless in a private profile (tests only)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest


def basic_str(s: str) -> str:
    """A LibreOffice Basic string literal."""
    return '"' + s.replace('"', '""') + '"'


LOAD_FUNCTION = """Function ProbeLoad(path As String, filterName As String) As Object
  Dim args(2) As New com.sun.star.beans.PropertyValue
  args(0).Name = "MacroExecutionMode" : args(0).Value = 4
  args(1).Name = "Hidden" : args(1).Value = True
  args(2).Name = "FilterName" : args(2).Value = filterName
  ProbeLoad = StarDesktop.loadComponentFromURL(ConvertToURL(path), "_blank", 0, args)
End Function
"""


def run_basic(module: str, work: Path, timeout: int = 120) -> None:
    """Run ``Sub Main`` of the Basic ``module`` in a fresh LibreOffice profile under ``work`` (skip if no soffice)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = work / "profile"
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo"]
    xba = profile / "user" / "basic" / "Standard" / "Module1.xba"
    if not xba.exists():
        subprocess.run([*cmd, "--terminate_after_init"], capture_output=True, timeout=timeout)
    assert xba.exists(), "LibreOffice did not create its user profile"
    xba.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        f'script:language="StarBasic">{escape(module)}</script:module>\n',
        encoding="utf-8",
    )
    try:
        subprocess.run([*cmd, "macro:///Standard.Module1.Main"], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"LibreOffice did not finish the macro in {timeout} s")
