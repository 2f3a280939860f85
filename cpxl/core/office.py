"""LibreOffice headless: convert documents and recalculate workbooks.

The one place cpxl runs an office suite. Every call uses its own throw-away user
profile so that parallel runs (and a user's open LibreOffice) never collide.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


class OfficeError(RuntimeError):
    """LibreOffice is missing or failed; the message is for a person (Chinese)."""


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OfficeError("未找到 LibreOffice（soffice）。请运行 scripts/setup 安装，或手动安装 libreoffice。")


def convert(src: Path, fmt: str, outdir: Path, timeout: float = 300) -> Path:
    """Convert ``src`` with ``soffice --convert-to fmt`` into ``outdir``; return the new file.

    ``fmt`` is a LibreOffice filter spec such as ``"pdf"`` or ``"xlsx:Calc MS Excel 2007 XML"``.
    Converting an .xlsx to .xlsx recalculates every formula and stores the cached values.
    """
    src = Path(src).resolve()
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cpxl-lo-") as profile:
        cmd = [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(src),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise OfficeError(f"LibreOffice 转换超时（{timeout:.0f} 秒）：{src.name}") from exc
    ext = fmt.split(":", 1)[0]
    out = outdir / f"{src.stem}.{ext}"
    if proc.returncode != 0 or not out.exists():
        raise OfficeError(
            f"LibreOffice 未能将 {src.name} 转换为 {ext}：{(proc.stderr or proc.stdout).strip()[:500]}"
        )
    return out


def recalculate(src: Path, outdir: Path) -> Path:
    """Return a copy of workbook ``src`` in ``outdir`` with every formula recalculated by LibreOffice."""
    return convert(src, "xlsx:Calc MS Excel 2007 XML", outdir)
