"""The cpxl Excel add-in (cpxl.xlam): built on any OS from the text sources in ``workbook/``; installed per user.

What ``build`` does:

1. reads cpxl's VBA modules (``workbook/*.bas``/``*.cls``, ASCII only) and the ribbon ``workbook/customUI.xml``;
2. takes xlwings' VBA from the *installed* xlwings package — ``xlwings_custom_addin.bas`` (the custom add-in
   flavour of the standalone module: it acts on the active workbook) with ``PROJECT_NAME`` set to ``cpxl``, plus
   ``addin/Dictionary.cls`` (needed on macOS) — so the VBA always matches the Python package; nothing of xlwings is
   kept in the repository;
3. generates module ``CpxlBuild`` (the cpxl and xlwings versions);
4. writes the VBA project (``xl/vbaProject.bin``) in the form [MS-OVBA] asks of writers — source only, no
   compiled code or caches, see :mod:`cpxl.excel.vba` — with the empty document modules ThisWorkbook and Sheet1;
5. writes the package (:mod:`cpxl.excel.package`): an ``.xlam`` (or ``.xlsm``, used by the tests: LibreOffice runs
   macros of workbooks, not of add-ins) with the ribbon as ``customUI/customUI14.xml``, the single sheet
   ``_cpxl.conf`` (xlwings' inactive config sheet of a custom add-in) and cpxl's document properties, zipped
   deterministically (fixed timestamps, sorted entries): the same sources give the same bytes.

``install`` builds the add-in straight into Excel's per-user startup folder (XLSTART) and writes the interpreter
to the user config file that the embedded xlwings module reads (``%USERPROFILE%\\.cpxl\\cpxl.conf`` or
``~/Library/Containers/com.microsoft.Excel/Data/cpxl.conf``), as ``xlwings addin install`` does for its own add-in.
"""

from __future__ import annotations

import codecs
import importlib.metadata
import importlib.util
import os
import re
import sys
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from cpxl import __version__
from cpxl.core.atomic import write_atomic
from cpxl.core.folder import MASTER_NAME
from cpxl.core.paths import WORKBOOK

from . import package, vba
from .xl import ACTIONS

WORKBOOK_DIR = WORKBOOK
ADDIN_NAME = "cpxl.xlam"
PROJECT_NAME = "cpxl"  # xlwings' PROJECT_NAME: config sheet "cpxl.conf", config file "cpxl.conf"
CONFIG_SHEET = f"_{PROJECT_NAME}.conf"  # rename to "cpxl.conf" (in the add-in) to activate it, as in xlwings
BUILD_MODULE = "CpxlBuild"
RIBBON_MODULE = "CpxlRibbon"

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
CUSTOMUI_PART = package.CUSTOMUI_PART
CUSTOMUI_REL_TYPE = package.CUSTOMUI_REL_TYPE
MAIN_CONTENT_TYPES = package.MAIN_CONTENT_TYPES
ZIP_TIME = package.ZIP_TIME

XLWINGS_MODULE_FILE = "xlwings_custom_addin.bas"
XLWINGS_DICTIONARY_FILE = "addin/Dictionary.cls"
_PROJECT_NAME_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'
_APPLESCRIPT_UNQUOTED = 'set ShellCommand to PythonInterpreter & " -B'
_APPLESCRIPT_QUOTED = 'set ShellCommand to quoted form of PythonInterpreter & " -B'

# Keys of the config sheet, as in xlwings' quickstart add-in (the value column is left empty).
CONFIG_KEYS = ("Interpreter_Win", "Interpreter_Mac", "PYTHONPATH", "Conda Path", "Conda Env", "Show Console")

LINUX_MESSAGE = (
    "本机是 Linux，没有桌面版 Excel，无法安装 Excel 加载项。"
    "可以运行 cpxl addin build --out cpxl.xlam 生成加载项，在装有 Excel 的 Windows 或 macOS 电脑上运行 "
    "cpxl addin install 安装；在 Linux 上请直接使用 cpxl 命令行（cpxl init、cpxl check、cpxl templates 等）。"
)


class AddinError(RuntimeError):
    """The add-in cannot be built, installed or removed; the message is for a person (Chinese)."""


@dataclass(frozen=True)
class VbaModule:
    """One VBA module as it goes into the project: name, kind and source (CRLF line ends)."""

    name: str
    kind: str  # "standard" (.bas) or "class" (.cls)
    source: str
    origin: str  # where the text came from, for messages


# --------------------------------------------------------------------------------------------- sources


def _crlf(text: str) -> str:
    return "\r\n".join(text.splitlines()) + "\r\n"


def _vb_name(text: str) -> str | None:
    m = re.search(r'^Attribute VB_Name = "([^"]+)"', text, re.MULTILINE)
    return m.group(1) if m else None


def source_modules(workbook_dir: Path = WORKBOOK_DIR) -> list[VbaModule]:
    """cpxl's own VBA modules from ``workbook_dir``: ASCII text, file name = module name."""
    files = sorted(p for p in Path(workbook_dir).glob("*") if p.suffix.lower() in (".bas", ".cls"))
    if not files:
        raise AddinError(f"在 {workbook_dir} 中没有找到 VBA 源文件（.bas/.cls）。请在 cpxl 源码目录中运行，或重新安装 cpxl。")
    out = []
    for p in files:
        raw = p.read_bytes()
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise AddinError(
                f"{p.name} 第 {line} 行含有非 ASCII 字符。VBA 源文件只能用 ASCII；中文请写成 \\uXXXX 转义，用 U(\"...\") 解码。"
            ) from exc
        name = _vb_name(text)
        if name != p.stem:
            raise AddinError(f"{p.name} 的第一行应为 Attribute VB_Name = \"{p.stem}\"（模块名必须与文件名一致）。")
        out.append(VbaModule(name, "class" if p.suffix.lower() == ".cls" else "standard", _crlf(text), str(p)))
    return out


def xlwings_dir() -> Path:
    """The folder of the installed xlwings package (not imported: only its files are read)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.origin:
        raise AddinError("未安装 xlwings。请在 cpxl 的 Python 环境中运行 pip install xlwings。")
    return Path(spec.origin).parent


def xlwings_version() -> str:
    return importlib.metadata.version("xlwings")


def xlwings_modules() -> list[VbaModule]:
    """xlwings' VBA (custom add-in flavour, PROJECT_NAME = cpxl) and its Mac Dictionary class, from the installed package."""
    base = xlwings_dir()
    version = xlwings_version()
    bas = base / XLWINGS_MODULE_FILE
    cls = base / XLWINGS_DICTIONARY_FILE
    for p in (bas, cls):
        if not p.exists():
            raise AddinError(f"已安装的 xlwings {version} 中缺少 {p.name}，无法生成加载项。请重新安装 xlwings。")
    text = bas.read_text(encoding="utf-8")
    if f"'Version: {version}" not in text:
        raise AddinError(f"{bas} 的版本与已安装的 xlwings（{version}）不一致。请重新安装 xlwings。")
    if text.count(_PROJECT_NAME_LINE) != 1:
        raise AddinError(f"在 {bas} 中找不到 PROJECT_NAME 常量，这一版 xlwings 的 VBA 结构可能已变化。")
    text = text.replace(_PROJECT_NAME_LINE, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')
    return [
        VbaModule("xlwings", "standard", _crlf(text), str(bas)),
        VbaModule("Dictionary", "class", _crlf(cls.read_text(encoding="utf-8")), str(cls)),
    ]


def vba_escape(text: str) -> str:
    """``text`` for a VBA string literal that CpxlCore's ``U()`` decodes: all but plain ASCII as ``\\uXXXX``."""
    data = text.encode("utf-16-le", "surrogatepass")
    out = []
    for i in range(0, len(data), 2):
        unit = int.from_bytes(data[i:i + 2], "little")
        out.append(chr(unit) if " " <= chr(unit) <= "~" and chr(unit) not in '"\\|=' else f"\\u{unit:04x}")
    return "".join(out)


def _vba_actions() -> str:
    return "|" + "".join(f"{a.id}={int(a.rewrites_master)}={vba_escape(a.label)}|" for a in ACTIONS.values())


def build_module() -> VbaModule:
    """The generated module: versions the add-in was built from (never kept in the repository)."""
    text = (
        f'Attribute VB_Name = "{BUILD_MODULE}"\n'
        "' Generated by cpxl.excel.addin.build(): the versions this add-in was built from. Do not edit.\n"
        "Option Explicit\n"
        f'Public Const CPXL_VERSION As String = "{__version__}"\n'
        f'Public Const CPXL_XLWINGS_VERSION As String = "{xlwings_version()}"\n'
        "' The buttons (cpxl.excel.xl.ACTIONS): |id=1 if the step may rewrite the master, else 0=label|\n"
        f'Public Const CPXL_ACTIONS As String = "{_vba_actions()}"\n'
        f'Public Const CPXL_MASTER_NAME As String = "{vba_escape(MASTER_NAME)}"\n'
    )
    return VbaModule(BUILD_MODULE, "standard", _crlf(text), "cpxl.excel.addin.build_module()")


def all_modules(workbook_dir: Path = WORKBOOK_DIR) -> list[VbaModule]:
    """Every module of the add-in's VBA project, in project order."""
    return [*source_modules(workbook_dir), build_module(), *xlwings_modules()]


def customui_xml(workbook_dir: Path = WORKBOOK_DIR) -> bytes:
    path = Path(workbook_dir) / "customUI.xml"
    if not path.exists():
        raise AddinError(f"缺少功能区定义 {path}。")
    data = path.read_bytes()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise AddinError(f"{path.name} 不是有效的 XML：{exc}") from exc
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise AddinError(f"{path.name} 的根元素应为 customUI（命名空间 {CUSTOMUI_NS}）。")
    return data


def ribbon_callbacks(xml: bytes) -> dict[str, str]:
    """Button id → onAction macro name of a customUI document."""
    root = ET.fromstring(xml)
    return {el.get("id", ""): el.get("onAction", "") for el in root.iter() if el.get("onAction") is not None}


_SUB_RE = r"^\s*(?:Public\s+)?Sub\s+{name}\s*\(\s*(?:ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl\s*\)"


def missing_callbacks(xml: bytes, modules: list[VbaModule]) -> list[str]:
    """onAction names with no ``Sub Name(control As IRibbonControl)`` in the named module."""
    by_name = {m.name.casefold(): m for m in modules}
    missing = []
    for action in ribbon_callbacks(xml).values():
        module_name, _, sub = action.rpartition(".")
        candidates = [by_name.get(module_name.casefold())] if module_name else list(by_name.values())
        pattern = re.compile(_SUB_RE.format(name=re.escape(sub)), re.IGNORECASE | re.MULTILINE)
        if not any(m is not None and pattern.search(m.source) for m in candidates):
            missing.append(action)
    return missing


# ----------------------------------------------------------------------------------------------- build


def project_modules(modules: list[VbaModule]) -> list[vba.Module]:
    """The modules as stored in the VBA project: ThisWorkbook and Sheet1 (empty), then ``modules``."""
    out = [vba.document_module("ThisWorkbook", vba.WORKBOOK_BASE), vba.document_module("Sheet1", vba.WORKSHEET_BASE)]
    try:
        for m in modules:
            out.append(vba.class_module(m.name, m.source) if m.kind == "class" else vba.standard_module(m.name, m.source))
    except vba.VbaError as exc:
        raise AddinError(str(exc)) from exc
    return out


def vba_project(modules: list[VbaModule], syskind: int = vba.SYSKIND_WIN32) -> bytes:
    """``vbaProject.bin`` in the form [MS-OVBA] asks of writers (see :mod:`cpxl.excel.vba`)."""
    try:
        return vba.project_bin(project_modules(modules), syskind=syskind)
    except vba.VbaError as exc:
        raise AddinError(str(exc)) from exc


def _config_rows() -> list[list[str | bool]]:
    """The inactive config sheet: xlwings' keys in column A, Show Console = FALSE."""
    return [[key, False] if key == "Show Console" else [key] for key in CONFIG_KEYS]


def package_bytes(suffix: str, modules: list[VbaModule], customui: bytes, syskind: int = vba.SYSKIND_WIN32,
                  signed: Path | None = None) -> bytes:
    """The whole ``.xlam``/``.xlsm`` package (deterministic); ``signed``: carry its VBA signature over."""
    project = vba_project(modules, syskind)
    parts = package.package_parts(
        suffix,
        project,
        customui,
        CONFIG_SHEET,
        _config_rows(),
        title="清洁生产审核",
        description=f"行业整体清洁生产审核工具 cpxl {__version__} 的 Excel 加载项"
        f"（功能区选项卡“清洁生产审核”，xlwings {xlwings_version()}）",
        creator=f"cpxl {__version__}",
    )
    if signed is not None:
        try:
            signature = package.signature_parts(Path(signed).read_bytes(), project)
        except (OSError, zipfile.BadZipFile) as exc:
            raise AddinError(f"无法读取已签名的加载项 {signed}：{exc}") from exc
        if signature is None:
            raise AddinError(
                f"{Path(signed).name} 中的 VBA 工程与这次生成的不同（VBA 源文件、cpxl 或 xlwings 的版本变了，"
                "或签名工具改写了工程），签名不能沿用。请为新生成的加载项重新签名（见 docs/excel-addin.md）。"
            )
        if not signature:
            raise AddinError(f"{Path(signed).name} 没有 VBA 签名（xl/vbaProjectSignature*.bin）。")
        parts = package.with_signature(parts, signature, suffix)
    return package.zip_parts(parts)


def build(out: Path, workbook_dir: Path = WORKBOOK_DIR, exclude: Collection[str] = (),
          signed: Path | None = None) -> Path:
    """Build the add-in (``.xlam``) or a macro-enabled workbook with the same VBA and ribbon (``.xlsm``) at ``out``.

    ``exclude`` leaves modules out by name; the tests use it because LibreOffice Basic cannot compile
    xlwings' ``Dictionary`` class (used on macOS only), which stops every macro of the project there.
    ``signed``: an earlier build signed by the organisation; its signature is carried over if this build's
    VBA project is byte-identical to the one it signed (the build is deterministic), else AddinError.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in MAIN_CONTENT_TYPES:
        raise AddinError(f"输出文件应以 .xlam（加载项）或 .xlsm（启用宏的工作簿）结尾：{out.name}")
    skip = {n.casefold() for n in exclude}
    modules = [m for m in all_modules(workbook_dir) if m.name.casefold() not in skip]
    customui = customui_xml(workbook_dir)
    missing = missing_callbacks(customui, modules)
    if missing:
        raise AddinError(
            "customUI.xml 中以下 onAction 没有对应的 VBA 过程 Sub 名称(control As IRibbonControl)：" + "、".join(missing)
        )
    data = package_bytes(suffix, modules, customui, signed=signed)
    return write_atomic(out, lambda p: p.write_bytes(data))


# --------------------------------------------------------------------------------------- install/remove


def platform_key(platform: str | None = None) -> str:
    """``"windows"`` or ``"macos"``; any other system has no desktop Excel (AddinError)."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    raise AddinError(LINUX_MESSAGE if platform.startswith("linux") else f"不支持的系统 {platform}：" + LINUX_MESSAGE)


def _home(home: Path | None) -> Path:
    return Path(home) if home is not None else Path.home()


def _env_dir(env: Mapping[str, str], key: str) -> Path:
    value = env.get(key)
    if not value:
        raise AddinError(f"环境变量 {key} 未设置，无法确定 Excel 的用户文件夹。")
    return Path(value)


def startup_dir(platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """Excel's per-user startup folder, where add-ins load automatically (as ``xlwings addin install`` uses)."""
    env = os.environ if env is None else env
    key = platform_key(platform)
    if key == "windows":
        return _env_dir(env, "APPDATA") / "Microsoft" / "Excel" / "XLSTART"
    return (_home(home) / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "Library" / "Application Support"
            / "Microsoft" / "Office" / "16.0" / "Startup" / "Excel")


def config_path(platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The user config file the embedded xlwings module reads (its GetConfigFilePath with PROJECT_NAME = cpxl)."""
    env = os.environ if env is None else env
    if platform_key(platform) == "windows":
        return _env_dir(env, "USERPROFILE") / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"
    return _home(home) / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{PROJECT_NAME}.conf"


def applescript_dir(home: Path | None = None) -> Path:
    """Where ``xlwings runpython install`` puts its AppleScript (macOS: RunPython needs it)."""
    return _home(home) / "Library" / "Application Scripts" / "com.microsoft.Excel"


def config_encoding(platform: str | None = None) -> str:
    """The encoding the add-in's VBA reads cpxl.conf in.

    Windows: VBA's ``Input #`` reads the ANSI code page, whatever Python's locale or UTF-8 mode says — so the
    ``mbcs`` codec (the ANSI code page itself); on another system simulating Windows (tests) the ANSI code page
    of Simplified Chinese Windows, GBK (cp936). macOS: UTF-8.
    """
    if platform_key(platform) == "windows":
        try:
            codecs.lookup("mbcs")
        except LookupError:
            return "cp936"
        return "mbcs"
    return "utf-8"


def read_config(path: Path, platform: str | None = None) -> dict[str, str]:
    """An xlwings config file: lines ``"KEY","VALUE"`` (VBA Write # format)."""
    out: dict[str, str] = {}
    if not Path(path).exists():
        return out
    text = Path(path).read_bytes().decode(config_encoding(platform), errors="replace")
    for line in text.splitlines():
        m = re.match(r'^\s*"([^"]*)"\s*,\s*"(.*)"\s*$', line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _short_path(value: str) -> str | None:
    """The 8.3 short form of an existing Windows path (ASCII where 8.3 names exist), else None."""
    if not sys.platform.startswith("win") or not Path(value).exists():
        return None
    import ctypes

    buf = ctypes.create_unicode_buffer(32768)
    n = ctypes.windll.kernel32.GetShortPathNameW(value, buf, len(buf))
    return buf.value if 0 < n < len(buf) else None


def write_config(path: Path, settings: Mapping[str, str], platform: str | None = None) -> Path:
    """Set ``settings`` in an xlwings config file, keeping its other keys, in the encoding VBA reads it in.

    A value the ANSI code page cannot hold (a path with characters of another script) is written as its 8.3
    short path if Windows has one, else refused with a message.
    """
    path = Path(path)
    encoding = config_encoding(platform)
    merged = {k: v for k, v in read_config(path, platform).items() if k.upper() not in {s.upper() for s in settings}}
    merged.update(settings)
    for k, v in list(merged.items()):
        if '"' in k or '"' in v:
            raise AddinError(f"配置项不能含有双引号：{k} = {v}")
        try:
            f'"{k}","{v}"'.encode(encoding)
        except UnicodeEncodeError:
            short = _short_path(v)
            if short is None or not short.isascii():
                raise AddinError(
                    f"配置项 {k} 的值“{v}”含有本机 Windows 代码页（{encoding}）无法表示的字符，Excel 的 VBA 读不出来。"
                    "请把 Python 环境放在只含英文字母、数字或本机语言文字的路径下（例如 C:\\cpxl），再重新安装。"
                ) from None
            merged[k] = short
    text = "".join(f'"{k}","{v}"\r\n' for k, v in merged.items())
    return write_atomic(path, lambda p: p.write_bytes(text.encode(encoding)))


def interpreter_settings(platform: str, interpreter: str, env: Mapping[str, str]) -> dict[str, str]:
    """The config keys that tell RunPython which Python to start (INTERPRETER_WIN/_MAC; conda as xlwings does it)."""
    key = platform_key(platform)
    settings = {"INTERPRETER_WIN" if key == "windows" else "INTERPRETER_MAC": interpreter}
    conda_env, conda_exe = env.get("CONDA_DEFAULT_ENV"), env.get("CONDA_EXE")
    if key == "windows" and conda_env and conda_exe:
        # xlwings' convention: the conda root without \Scripts\conda.exe, and the environment's name
        settings["CONDA PATH"] = str(Path(conda_exe).parent.parent)
        settings["CONDA ENV"] = conda_env
    return settings


@dataclass
class InstallResult:
    addin: Path
    config: Path
    settings: dict[str, str]
    extra: list[Path] = field(default_factory=list)


def applescript_text() -> str:
    """xlwings' RunPython AppleScript with the interpreter path quoted for the shell.

    The script as shipped puts the interpreter unquoted into ``do shell script``, so a path with a space
    (``/Users/me/审核 工具/.venv/bin/python``) breaks. The copy cpxl installs quotes it (``quoted form of``); for
    an interpreter without spaces both behave the same, so xlwings' own add-in is not affected.
    """
    script = xlwings_dir() / f"xlwings-{xlwings_version()}.applescript"
    if not script.exists():
        raise AddinError(f"已安装的 xlwings {xlwings_version()} 中缺少 {script.name}，无法在 macOS 上安装。请重新安装 xlwings。")
    text = script.read_text(encoding="utf-8")
    if text.count(_APPLESCRIPT_UNQUOTED) != 1:
        raise AddinError(f"{script.name} 的结构与预期不同（找不到解释器命令行），这一版 xlwings 的 AppleScript 可能已变化。")
    return text.replace(_APPLESCRIPT_UNQUOTED, _APPLESCRIPT_QUOTED)


def install(
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    interpreter: str | None = None,
    addin_file: Path | None = None,
) -> InstallResult:
    """Put cpxl.xlam into Excel's startup folder and point the add-in at this Python interpreter.

    ``addin_file``: install that add-in (e.g. the one of the offline bundle, which may carry the organisation's
    signature) instead of building one.
    """
    platform = platform or sys.platform
    env = os.environ if env is None else env
    target = startup_dir(platform, env, home) / ADDIN_NAME
    settings = interpreter_settings(platform, interpreter or sys.executable, env)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if addin_file is not None:
            data = Path(addin_file).read_bytes()
            write_atomic(target, lambda p: p.write_bytes(data))
        else:
            build(target)
    except FileNotFoundError as exc:
        raise AddinError(f"找不到要安装的加载项文件：{addin_file}") from exc
    except PermissionError as exc:
        raise AddinError(f"无法写入 {target}：Excel 可能正在运行并已加载本加载项。请先退出 Excel 再安装。") from exc
    conf = write_config(config_path(platform, env, home), settings, platform)
    extra = []
    if platform_key(platform) == "macos":
        dest = applescript_dir(home) / f"xlwings-{xlwings_version()}.applescript"
        text = applescript_text()
        extra.append(write_atomic(dest, lambda p: p.write_text(text, encoding="utf-8")))
    return InstallResult(target, conf, settings, extra)


def uninstall(platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """Remove cpxl.xlam from Excel's startup folder; the config file is kept (as xlwings keeps its own)."""
    target = startup_dir(platform, env, home) / ADDIN_NAME
    if not target.exists():
        raise AddinError(f"加载项未安装：{target} 不存在。")
    try:
        target.unlink()
    except PermissionError as exc:
        raise AddinError(f"无法删除 {target}：Excel 可能正在运行。请先退出 Excel，或手动删除该文件。") from exc
    return target
