"""cpxl offline installer (Windows x64), run by install.cmd / uninstall.cmd with a python.org Python.

install:   a virtual environment in %LOCALAPPDATA%\\cpxl\\python-3.X from the wheels beside this file (pip with
           --no-index: no network), then ``cpxl addin install --addin cpxl.xlam``: the add-in (as shipped, so an
           organisation's signature is kept) into Excel's XLSTART and the interpreter into
           %USERPROFILE%\\.cpxl\\cpxl.conf. Per user, no administrator rights.
uninstall: ``cpxl addin uninstall`` and the virtual environment removed (cpxl.conf is kept).

Only the standard library: this runs before cpxl is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHEELS = HERE / "wheels"
ADDIN = HERE / "cpxl.xlam"
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def say(text: str) -> None:
    print(text, flush=True)


def venv_dir() -> Path:
    base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    return Path(base) / "cpxl" / f"python-{VERSION}"


def bundled_versions() -> list[str]:
    tags = set()
    for wheel in WHEELS.glob("*.whl"):
        tag = wheel.name.split("-")[-3]
        if tag.startswith("cp3") and tag[3:].isdigit():
            tags.add(f"3.{tag[3:]}")
    return sorted(tags, key=lambda v: int(v.split(".")[1]))


def excel_running() -> bool:
    try:
        out = subprocess.run(["tasklist", "/FI", "IMAGENAME eq EXCEL.EXE", "/NH"], capture_output=True, text=True,
                             check=False).stdout
    except OSError:
        return False
    return "EXCEL.EXE" in out.upper()


def run(cmd: list[str]) -> None:
    say("  > " + " ".join(f'"{c}"' if " " in c else c for c in cmd))
    subprocess.run(cmd, check=True)


def install() -> int:
    versions = bundled_versions()
    if sys.maxsize <= 2**32:
        say(f"当前 Python（{sys.executable}）是 32 位的。本安装包只含 64 位（win_amd64）的软件包，请安装 64 位 Python。")
        return 2
    if VERSION not in versions:
        say(f"当前 Python 是 {VERSION}，本安装包只含 Python {'、'.join(versions)} 的软件包。"
            f"请从 python.org 安装其中一个版本（64 位），或使用为 Python {VERSION} 生成的安装包"
            f"（cpxl addin bundle --python {VERSION}）。")
        return 2
    if excel_running():
        say("Excel 正在运行。请先完全退出 Excel（包括后台的 Excel 进程），再运行本安装程序。")
        return 2
    target = venv_dir()
    say(f"1/3 用 {sys.executable}（Python {sys.version.split()[0]}）新建虚拟环境：{target}")
    if target.exists():
        say("    （已存在，先删除旧的环境）")
        shutil.rmtree(target)
    run([sys.executable, "-m", "venv", str(target)])
    python = target / "Scripts" / "python.exe"
    say(f"2/3 从安装包中的软件包安装 cpxl（不联网）：{WHEELS}")
    run([str(python), "-m", "pip", "install", "--no-index", "--find-links", str(WHEELS), "--disable-pip-version-check",
         "cpxl"])
    say("3/3 安装 Excel 加载项并写入解释器配置")
    run([str(python), "-m", "cpxl.cli", "addin", "install", "--addin", str(ADDIN), "--interpreter", str(python)])
    say("")
    say("安装完成。")
    say(f"  Python 环境：{target}")
    say("  加载项：%APPDATA%\\Microsoft\\Excel\\XLSTART\\cpxl.xlam（Excel 启动时自动加载）")
    say("  配置：%USERPROFILE%\\.cpxl\\cpxl.conf（INTERPRETER_WIN 指向上面的 Python）")
    say("请启动 Excel：功能区出现“清洁生产审核”选项卡。卸载请运行 uninstall.cmd。")
    return 0


def uninstall() -> int:
    target = venv_dir()
    python = target / "Scripts" / "python.exe"
    if excel_running():
        say("Excel 正在运行。请先完全退出 Excel，再运行卸载程序。")
        return 2
    if python.exists():
        say("1/2 从 Excel 启动文件夹删除加载项")
        subprocess.run([str(python), "-m", "cpxl.cli", "addin", "uninstall"], check=False)
        say(f"2/2 删除 Python 环境：{target}")
        shutil.rmtree(target, ignore_errors=True)
    else:
        say(f"没有找到安装的环境（{target}）。若 %APPDATA%\\Microsoft\\Excel\\XLSTART\\cpxl.xlam 仍在，可手动删除。")
    say("完成。配置文件 %USERPROFILE%\\.cpxl\\cpxl.conf 已保留，可手动删除。")
    return 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "install"
    try:
        return {"install": install, "uninstall": uninstall}[command]()
    except subprocess.CalledProcessError as exc:
        say(f"失败：命令返回 {exc.returncode}。请把上面的输出发给技术支持。")
        return 1
    except KeyError:
        say("用法：cpxl_setup.py install|uninstall")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
