"""``cpxl addin …``: build, install and uninstall the Excel add-in (ribbon tab 清洁生产审核).

Mounted by the main CLI as ``app.add_typer(addin_app, name="addin")``. Exit codes as in the main CLI:
0 done, 2 could not run (the message says why, in Chinese).
"""

from __future__ import annotations

from pathlib import Path

import typer

from cpxl.excel import addin, bundle

from .output import JsonOpt, console, emit_json, fail

addin_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Excel 加载项（功能区选项卡“清洁生产审核”）：生成、安装、卸载。",
)

@addin_app.command("build")
def build_cmd(
    out: Path = typer.Option(Path("dist") / addin.ADDIN_NAME, "--out", "-o",
                             help="输出文件：.xlam（加载项）或 .xlsm（同样代码的启用宏工作簿）"),
    signed: Path | None = typer.Option(None, "--signature-from",
                                       help="沿用这个已签名加载项的 VBA 签名（仅当 VBA 工程逐字节相同时）"),
    as_json: bool = JsonOpt,
) -> None:
    """由 workbook/ 中的 VBA 与功能区源文件生成加载项（可在 Linux 上运行，不需要 Excel）。"""
    try:
        path = addin.build(out, signed=signed)
    except addin.AddinError as exc:
        fail(str(exc), as_json)
    if as_json:
        emit_json({"ok": True, "addin": str(path), "xlwings": addin.xlwings_version()})
        return
    console.print(f"已生成 {path}（cpxl 加载项，内含 xlwings {addin.xlwings_version()} 的 VBA 模块）")
    console.print("在装有 Excel 的 Windows/macOS 电脑上运行 cpxl addin install 安装；说明见 docs/excel-addin.md。")


@addin_app.command("install")
def install_cmd(
    interpreter: str = typer.Option("", "--interpreter", help="加载项调用的 Python 解释器，默认是当前运行 cpxl 的解释器"),
    addin_file: Path | None = typer.Option(None, "--addin", help="安装这个加载项文件（如离线安装包中的，可能已签名），而不是现场生成"),
    as_json: bool = JsonOpt,
) -> None:
    """安装加载项到 Excel 启动文件夹（XLSTART），并把 Python 解释器写入 cpxl.conf。"""
    try:
        res = addin.install(interpreter=interpreter or None, addin_file=addin_file)
    except addin.AddinError as exc:
        fail(str(exc), as_json)
    if as_json:
        emit_json({"ok": True, "addin": str(res.addin), "config": str(res.config), "settings": res.settings,
               "extra": [str(p) for p in res.extra]})
        return
    console.print(f"已安装加载项：{res.addin}")
    for k, v in res.settings.items():
        console.print(f"已写入配置 {res.config}：{k} = {v}")
    for p in res.extra:
        console.print(f"已安装 xlwings 的 RunPython 脚本（macOS）：{p}")
    console.print("请完全退出并重新启动 Excel，功能区会出现“清洁生产审核”选项卡。")


@addin_app.command("uninstall")
def uninstall_cmd(as_json: bool = JsonOpt) -> None:
    """从 Excel 启动文件夹删除加载项（cpxl.conf 保留）。"""
    try:
        path = addin.uninstall()
    except addin.AddinError as exc:
        fail(str(exc), as_json)
    if as_json:
        emit_json({"ok": True, "removed": str(path), "config_kept": str(addin.config_path())})
        return
    console.print(f"已删除加载项：{path}。请重新启动 Excel。配置文件 {addin.config_path()} 已保留，可手动删除。")


@addin_app.command("bundle")
def bundle_cmd(
    out: Path = typer.Option(Path("dist") / "cpxl-windows-x64.zip", "--out", "-o", help="输出的 .zip 安装包"),
    python: list[str] = typer.Option(
        list(bundle.SUPPORTED_PYTHONS), "--python", "-p",
        help="包含哪些 Python 版本的软件包（可重复，或用逗号分隔），默认全部支持的版本"),
    cache: Path | None = typer.Option(None, "--cache", help="软件包缓存文件夹（默认 ~/.cache/cpxl/wheels-win_amd64）"),
    as_json: bool = JsonOpt,
) -> None:
    """生成 Windows 64 位离线安装包：cpxl 及全部依赖的 wheel、加载项、install.cmd/uninstall.cmd（可在 Linux 上运行）。"""
    try:
        res = bundle.build_bundle(out, bundle.parse_pythons(python), cache,
                                  log=(lambda _: None) if as_json else console.print)
    except (bundle.BundleError, addin.AddinError) as exc:
        fail(str(exc), as_json)
    if as_json:
        emit_json({"ok": True, "bundle": str(res.path), "pythons": res.pythons, "wheels": res.wheels,
                   "bytes": res.size, "seconds": round(res.seconds, 1), "downloaded": res.downloaded})
        return
    console.print(f"已生成离线安装包 {res.path}（{res.size / 1e6:.0f} MB，Python {'、'.join(res.pythons)}，"
                  f"{len(res.wheels)} 个 wheel，用时 {res.seconds:.0f} 秒）")
    console.print("在 Windows 上解压后，退出 Excel，双击 install.cmd 安装；说明见 docs/excel-addin.md。")
