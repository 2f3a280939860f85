"""The offline installer for Windows x64: one zip a regulator can install without network access.

``build_bundle`` makes, on any OS:

* ``wheels/`` — the wheel of cpxl (schemas, templates and the add-in's sources inside, see cpxl.core.paths) and
  of every dependency, for CPython ``pythons`` on ``win_amd64`` (``pip download --only-binary=:all:``).
  pip evaluates environment markers for the machine it runs on, not for ``--platform``, so Windows-only
  dependencies (``pywin32`` for xlwings, ``colorama`` for typer, …) are found here by evaluating every wheel's
  ``Requires-Dist`` with a Windows environment and downloaded as well;
* ``cpxl.xlam`` — the add-in (an organisation can sign it before handing the bundle out; it is installed as is);
* ``install.cmd``/``uninstall.cmd``/``cpxl_setup.py`` — see ``workbook/installer``; ``README.txt``.

Downloads go to a cache folder first (``cache``; a second build with the same versions needs no network) and only
the files pip resolves from it for each Python version go into the bundle.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from cpxl import __version__
from cpxl.core.paths import ROOT

from . import addin

SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
PLATFORM = "win_amd64"
INSTALLER_DIR = addin.WORKBOOK_DIR / "installer"
_DEFAULT_VERSIONS = "3.14 3.13 3.12 3.11"


class BundleError(RuntimeError):
    """The bundle cannot be built; the message is for a person (Chinese)."""


def default_cache() -> Path:
    return Path.home() / ".cache" / "cpxl" / "wheels-win_amd64"


def windows_environment(python: str) -> dict[str, str]:
    """Marker values of 64-bit CPython ``python`` (e.g. "3.12") on Windows."""
    return {
        "implementation_name": "cpython", "implementation_version": f"{python}.0", "os_name": "nt",
        "platform_machine": "AMD64", "platform_release": "10", "platform_system": "Windows",
        "platform_version": "10.0.19045", "python_full_version": f"{python}.0", "platform_python_implementation":
        "CPython", "python_version": python, "sys_platform": "win32", "extra": "",
    }


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """``Requires-Dist`` of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = Parser().parsestr(z.read(name).decode("utf-8"))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


def unmet_on_windows(wheels: Iterable[Path], python: str) -> list[Requirement]:
    """Requirements that apply on Windows (markers evaluated for it) and that no wheel among ``wheels`` meets."""
    env = windows_environment(python)
    have: dict[str, Version] = {}
    for w in wheels:
        name, version, _, _ = parse_wheel_filename(w.name)
        have[canonicalize_name(name)] = version
    unmet = []
    for w in wheels:
        for req in wheel_requirements(w):
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            version = have.get(canonicalize_name(req.name))
            if version is None or not req.specifier.contains(version, prereleases=True):
                unmet.append(req)
    return unmet


def _pip(args: Sequence[str], log: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        log(proc.stdout[-2000:] + proc.stderr[-2000:])
    return proc


def _target_args(python: str) -> list[str]:
    return ["--platform", PLATFORM, "--python-version", python, "--implementation", "cp", "--only-binary=:all:"]


@dataclass
class BundleResult:
    path: Path
    pythons: list[str]
    wheels: list[str]
    size: int
    seconds: float
    downloaded: bool  # whether pip had to go to the index (the cache was not enough)
    per_python: dict[str, list[str]] = field(default_factory=dict)


def _resolve(requirements: Sequence[str], python: str, cache: Path, log: Callable[[str], None]) -> list[Path] | None:
    """The wheels pip picks from ``cache`` alone for ``requirements`` on Windows/``python`` (None: not all there)."""
    with tempfile.TemporaryDirectory(prefix="cpxl-resolve-") as tmp:
        report = Path(tmp) / "report.json"
        proc = _pip(["install", "--dry-run", "--ignore-installed", "--no-index", "--find-links", str(cache),
                     *_target_args(python), "--target", str(Path(tmp) / "t"), "--report", str(report),
                     *requirements], lambda _: None)
        if proc.returncode != 0:
            return None
        data = json.loads(report.read_text(encoding="utf-8"))
    return [Path(url2pathname(urlparse(item["download_info"]["url"]).path)) for item in data["install"]]


def wheels_for(requirements: Sequence[str], python: str, cache: Path, log: Callable[[str], None]) -> tuple[list[Path], bool]:
    """Every wheel ``requirements`` need on Windows x64 with CPython ``python``, downloaded into ``cache`` if missing."""
    cache.mkdir(parents=True, exist_ok=True)
    for local in requirements:  # a wheel given as a file (cpxl's own) never comes from the cache: a stale copy
        if local.endswith(".whl") and Path(local).is_file():  # of the same name would hide its new dependencies
            (cache / Path(local).name).unlink(missing_ok=True)
    wanted = list(requirements)
    downloaded = False
    for _ in range(5):
        files = _resolve(wanted, python, cache, log)
        if files is None:
            log(f"下载 Python {python} 的软件包到缓存 {cache} ……")
            proc = _pip(["download", "--dest", str(cache), "--find-links", str(cache), *_target_args(python),
                         *wanted], log)
            downloaded = True
            if proc.returncode != 0:
                raise BundleError(f"下载 Python {python}（{PLATFORM}）的软件包失败，pip 的输出见上。")
            files = _resolve(wanted, python, cache, log)
            if files is None:
                raise BundleError(f"已下载的软件包仍不能满足 Python {python} 的依赖，pip 的输出见上。")
        unmet = unmet_on_windows(files, python)
        if not unmet:
            return files, downloaded
        wanted += [str(Requirement(f"{r.name}{r.specifier}")) for r in unmet if str(r) not in wanted]
    raise BundleError(f"无法补齐 Python {python} 在 Windows 上才需要的依赖：{', '.join(map(str, unmet))}")


def build_wheel(out_dir: Path, log: Callable[[str], None]) -> Path:
    """The wheel of this cpxl (from the source tree)."""
    proc = _pip(["wheel", "--no-deps", "--wheel-dir", str(out_dir), str(ROOT)], log)
    wheels = sorted(out_dir.glob(f"cpxl-{__version__}-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise BundleError("无法生成 cpxl 的 wheel（pip wheel 失败，输出见上）。请在 cpxl 源码目录中运行。")
    return wheels[0]


def _installer_text(name: str, pythons: Sequence[str]) -> str:
    text = (INSTALLER_DIR / name).read_text(encoding="utf-8")
    if name.endswith(".cmd"):
        newest_first = " ".join(sorted(pythons, key=lambda v: -int(v.split(".")[1])))
        text = text.replace(_DEFAULT_VERSIONS, newest_first)
        span = f"{pythons[0]}-{pythons[-1]}" if len(pythons) > 1 else pythons[0]
        text = text.replace("3.11-3.14", span)
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")  # cmd.exe wants CRLF
    return text


def readme(pythons: Sequence[str]) -> str:
    return "\r\n".join([
        f"cpxl {__version__} 离线安装包（Windows 64 位）",
        "",
        f"需要：Windows 10/11 64 位，桌面版 Excel，python.org 的 64 位 Python {'、'.join(pythons)} 之一（安装时勾选 py launcher）。",
        "安装：完全退出 Excel，双击 install.cmd。不需要联网，也不需要管理员权限。",
        "  它在 %LOCALAPPDATA%\\cpxl 中新建 Python 环境并从 wheels 文件夹安装 cpxl，",
        "  把 cpxl.xlam 复制到 %APPDATA%\\Microsoft\\Excel\\XLSTART，把解释器写入 %USERPROFILE%\\.cpxl\\cpxl.conf。",
        "卸载：退出 Excel，双击 uninstall.cmd。",
        "签名：单位可以先用自己的代码签名证书为 cpxl.xlam 签名，再分发本安装包（见 docs/excel-addin.md）。",
        "",
    ])


def build_bundle(out: Path, pythons: Sequence[str] = SUPPORTED_PYTHONS, cache: Path | None = None,
                 log: Callable[[str], None] = print) -> BundleResult:
    """Build the offline Windows x64 bundle ``out`` (a .zip) for CPython versions ``pythons``."""
    started = time.monotonic()
    out = Path(out)
    pythons = sorted(set(pythons), key=lambda v: int(v.split(".")[1]))
    bad = [p for p in pythons if p not in SUPPORTED_PYTHONS]
    if bad or not pythons:
        raise BundleError(f"不支持的 Python 版本：{', '.join(bad) or '（未指定）'}。可选：{', '.join(SUPPORTED_PYTHONS)}。")
    if out.suffix.lower() != ".zip":
        raise BundleError(f"安装包应以 .zip 结尾：{out.name}")
    cache = Path(cache) if cache is not None else default_cache()
    xlwings_pin = f"xlwings=={importlib.metadata.version('xlwings')}"  # the add-in's VBA matches this version
    with tempfile.TemporaryDirectory(prefix="cpxl-bundle-") as tmp:
        stage = Path(tmp) / "cpxl-windows-x64"
        (stage / "wheels").mkdir(parents=True)
        wheel = build_wheel(Path(tmp) / "dist", log)
        chosen: dict[str, Path] = {}
        per_python: dict[str, list[str]] = {}
        downloaded = False
        for python in pythons:
            files, fetched = wheels_for([str(wheel), xlwings_pin], python, cache, log)
            downloaded |= fetched
            per_python[python] = sorted(f.name for f in files)
            for f in files:
                chosen[f.name] = f
        for name, f in sorted(chosen.items()):
            shutil.copyfile(f, stage / "wheels" / name)
        addin.build(stage / addin.ADDIN_NAME)
        for name in ("install.cmd", "uninstall.cmd", "cpxl_setup.py"):
            (stage / name).write_bytes(_installer_text(name, pythons).encode("utf-8"))
        (stage / "README.txt").write_bytes(("\ufeff" + readme(pythons)).encode("utf-8"))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with zipfile.ZipFile(partial, "w") as z:
            for p in sorted(stage.rglob("*")):
                if p.is_file():
                    arc = f"{stage.name}/{p.relative_to(stage).as_posix()}"
                    kind = zipfile.ZIP_STORED if p.suffix == ".whl" else zipfile.ZIP_DEFLATED  # wheels are zips
                    z.write(p, arc, compress_type=kind)
        partial.replace(out)
    return BundleResult(out, list(pythons), sorted(chosen), out.stat().st_size, time.monotonic() - started,
                        downloaded, per_python)


_VERSION_RE = re.compile(r"^3\.\d+$")


def parse_pythons(values: Sequence[str]) -> list[str]:
    """``--python 3.12 --python 3.13`` or ``--python 3.12,3.13``."""
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    bad = [v for v in out if not _VERSION_RE.match(v)]
    if bad:
        raise BundleError(f"Python 版本应写成 3.12 这样的形式：{', '.join(bad)}")
    return out

