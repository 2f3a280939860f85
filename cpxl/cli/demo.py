"""``cpxl demo``: the bundled demo audit, end to end."""

from __future__ import annotations

from pathlib import Path

import typer

from cpxl import api

from .display import progress_shown
from .output import JsonOpt, console, emit_json, fail


def register(app: typer.Typer) -> None:
    """Add the commands of this stage to ``app``."""

    @app.command()
    def demo(folder: Path = typer.Argument(Path("demo-audit"), help="演示审核文件夹"),
             pack: str = typer.Option("", "--industry-pack", "-p",
                                      help="演示的行业包（缺省：危险废物焚烧处置；另有 electroplating 电镀）"),
             as_json: bool = JsonOpt) -> None:
        """运行内置演示审核（虚构的东岚省；缺省为危险废物焚烧处置行业）：总表、模板、企业回传文件及后续各步。"""
        try:
            with progress_shown(as_json):
                res = api.run_demo(folder, pack=pack or None)
        except ValueError as exc:
            fail(str(exc), as_json)
        if as_json:
            emit_json({"ok": True, **res})
            return
        console.print(f"演示审核文件夹：[bold]{res['folder']}[/]")
        console.print(f"  审核总表：{res['master']}")
        console.print(f"  企业模板：{len(res['templates'])} 份；企业回传文件（收件箱）：{len(res['returned'])} 份")
        for k, v in res.get("steps", {}).items():
            console.print(f"  {k}：{v}")
