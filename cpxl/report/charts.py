"""Charts of the report (matplotlib, Agg) with a CJK font found via fontconfig.

Each chart is drawn only when its data exists (the context builder decides). A chart never
shows a tofu box: :func:`cjk_font` finds a font that has Chinese glyphs (Noto Sans CJK SC is
installed by ``scripts/setup``), and :class:`ChartFontError` is raised when there is none.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB",
             "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Serif CJK SC", "AR PL UMing CN")
PROBE = "中国清洁生产审核水平Ⅱ级"
LEVEL_COLORS = {"Ⅰ级": "#2e7d32", "Ⅱ级": "#1565c0", "Ⅲ级": "#f9a825", "超标待核实": "#ef6c00", "不达标": "#c62828",
                "数据不全": "#9e9e9e"}
LEVEL_COLORS |= {"I级": LEVEL_COLORS["Ⅰ级"], "II级": LEVEL_COLORS["Ⅱ级"], "III级": LEVEL_COLORS["Ⅲ级"]}  # older callers


class ChartFontError(RuntimeError):
    """No font with Chinese glyphs was found; the message is for a person."""


def _has_glyphs(path: str, index: int = 0) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        try:
            font = FT2Font(path, face_index=index)
        except TypeError:  # matplotlib < 3.10 reads the first face only
            font = FT2Font(path)
        cmap = font.get_charmap()
    except Exception:  # noqa: BLE001 - an unreadable font is simply not a candidate
        return False
    return all(ord(ch) in cmap for ch in PROBE)


def _fontconfig_files() -> list[tuple[str, str]]:
    """(family, file) of fonts fontconfig offers for Chinese, best match first."""
    fc_match, fc_list = shutil.which("fc-match"), shutil.which("fc-list")
    out: list[tuple[str, str]] = []
    try:
        if fc_match:
            for fam in (*PREFERRED[:1], "sans-serif"):
                r = subprocess.run([fc_match, "-f", "%{family[0]}|%{file}\n", f"{fam}:lang=zh-cn"],
                                   capture_output=True, text=True, timeout=10)
                for line in r.stdout.splitlines():
                    if "|" in line:
                        fam_name, file = line.split("|", 1)
                        out.append((fam_name, file))
        if fc_list:
            r = subprocess.run([fc_list, ":lang=zh", "family", "file"], capture_output=True, text=True, timeout=10)
            for line in r.stdout.splitlines():
                if ":" in line:
                    file, fams = line.split(":", 1)
                    for fam_name in fams.strip().split(","):
                        out.append((fam_name.strip(), file.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    return out


@cache
def cjk_font() -> str:
    """The family name of a font with Chinese glyphs, registered with matplotlib."""
    known = {f.name: f for f in font_manager.fontManager.ttflist}
    candidates = _fontconfig_files()
    rank = {name: i for i, name in enumerate(PREFERRED)}
    candidates.sort(key=lambda fc: rank.get(fc[0], len(PREFERRED)))
    for fam, file in candidates:
        if fam not in known:
            try:
                font_manager.fontManager.addfont(file)
            except (OSError, RuntimeError, ValueError):
                continue
            known = {f.name: f for f in font_manager.fontManager.ttflist}
        entry = known.get(fam)
        if entry is not None and _has_glyphs(entry.fname, getattr(entry, "index", 0) or 0):
            return fam
    for fam in PREFERRED:  # Windows / macOS: fonts matplotlib finds by itself
        entry = known.get(fam)
        if entry is not None and _has_glyphs(entry.fname, getattr(entry, "index", 0) or 0):
            return fam
    raise ChartFontError("未找到含中文字形的字体，无法绘制图表。请运行 scripts/setup 安装 fonts-noto-cjk，"
                         "或在系统中安装思源黑体/微软雅黑等中文字体。")


def _style() -> None:
    fam = cjk_font()
    plt.rcParams.update({
        "font.family": [fam, "DejaVu Sans"],  # DejaVu Sans: fallback for glyphs such as ₓ
        "axes.unicode_minus": False,
        "text.usetex": False,
        "figure.dpi": 150,
        "savefig.dpi": 150,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


def _label(s: Any, width: int = 14) -> str:
    """Plain text for matplotlib: ``$`` would start mathtext; long labels are wrapped."""
    t = str(s).replace("$", r"\$")
    return "\n".join(textwrap.wrap(t, width)) if len(t) > width else t


def level_distribution(data: Mapping[str, Any], out: Path) -> Path:
    _style()
    labels, counts = list(data["labels"]), list(data["counts"])
    total = sum(counts) or 1
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    bars = ax.bar(labels, counts, color=[LEVEL_COLORS.get(x, "#607d8b") for x in labels], width=0.55)
    for bar, c in zip(bars, counts, strict=True):
        ax.annotate(f"{c}家（{c / total:.1%}）", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.set_ylabel("企业数（家）")
    ax.set_ylim(0, max(counts) * 1.2 + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


#: up to this many enterprises the bars of the benchmarking chart carry their enterprise's number
MAX_LABELLED_BARS = 60


def benchmarking(data: Mapping[str, Any], out: Path) -> Path:
    """Small multiples: each enterprise's value (sorted) against the I/II/III benchmark values; with ``codes``
    (the enterprises' numbers in the annex list, ``code_legend`` says where) each bar is labelled."""
    _style()
    inds = list(data["indicators"])[:4]
    cols = 2 if len(inds) > 1 else 1
    rows = (len(inds) + 1) // 2
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 if cols == 2 else 5.0, 2.7 * rows), squeeze=False)
    for ax, ind in zip(axes.flat, inds, strict=False):
        vals = list(ind["values"])
        x = range(1, len(vals) + 1)
        codes = [str(c) for c in ind.get("codes") or []]
        labelled = len(codes) == len(vals) and all(codes) and len(vals) <= MAX_LABELLED_BARS
        if len(vals) <= 60:
            ax.bar(x, vals, color="#78909c", width=0.7)
        else:
            ax.plot(list(x), vals, color="#455a64", linewidth=1.2)
        for lvl, v in ind["lines"].items():
            ax.axhline(v, color=LEVEL_COLORS[lvl], linestyle="--", linewidth=1)
            ax.annotate(lvl, (1, v), xycoords=("axes fraction", "data"), fontsize=7, color=LEVEL_COLORS[lvl],
                        ha="left", va="center", xytext=(2, 0), textcoords="offset points")
        unit = f"（{_label(ind['unit'], 20)}）" if ind.get("unit") else ""
        ax.set_title(_label(ind["name"], 18) + unit, fontsize=9)
        if labelled:  # each bar carries the enterprise's number in the list of audited enterprises (附表)
            ax.set_xticks(list(x), codes, fontsize=5 if len(vals) > 20 else 6.5, rotation=90 if len(vals) > 20 else 0)
            ax.set_xlim(0.3, len(vals) + 0.7)
            ax.set_xlabel(f"企业（{data.get('code_legend') or '企业序号'}，按指标值排序）", fontsize=7.5)
        else:
            ax.set_xlabel("企业（按指标值排序）", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        hi = max([*vals, *ind["lines"].values()])
        ax.set_ylim(0, hi * 1.15 if hi > 0 else 1)
    for ax in list(axes.flat)[len(inds):]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def improvement(data: Mapping[str, Any], out: Path) -> Path:
    """Horizontal bars: relative improvement of each indicator from the baseline to its target."""
    _style()
    labels = [_label(x, 22) for x in data["labels"]]
    values = list(data["values"])
    h = max(2.2, 0.42 * len(labels) + 0.9)
    fig, ax = plt.subplots(figsize=(6.4, h))
    y = range(len(labels))[::-1]
    ax.barh(list(y), values, color="#26a69a", height=0.6)
    ax.set_yticks(list(y), labels, fontsize=8)
    for yy, v in zip(y, values, strict=True):
        ax.annotate(f"{v:.1f}%", (v, yy), va="center", fontsize=8, xytext=(3, 0), textcoords="offset points")
    ax.set_xlabel(f"改善幅度（%，{data.get('scope', '')}）")
    ax.set_xlim(0, max(values) * 1.2 + 1)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


#: chart key in the context (``fig.<key>``) → drawing function
CHARTS = {"level": level_distribution, "bench": benchmarking, "potential": improvement}


def draw_all(charts: Mapping[str, Any], folder: Path) -> dict[str, Path]:
    """Draw every chart that has data into ``folder``; returns chart key → PNG path."""
    out: dict[str, Path] = {}
    for key, fn in CHARTS.items():
        if charts.get(key):
            out[key] = fn(charts[key], folder / f"{key}.png")
    return out
