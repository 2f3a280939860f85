"""Benchmark: the report (and the diagnosis) at scale, side by side in one run.

Each measure runs in a process of its own and is measured as a whole process tree (LibreOffice
included; see ``bench/_tree.py``): wall time, CPU time, peak memory (PSS). Prints the report rows of
issue 16 with the goals beside the figures:

  report (.docx) for 28 enterprises and for N (default 1,000), with LibreOffice's share;
  diagnose, and report --pdf, for 28 enterprises and for the same audit with one enterprise's
  materials sheet grown to 50,000 rows;
  how the steps report progress (phases seen, longest time without a progress update);
  the pages of the body (2.1–2.5) and of the whole report (the per-enterprise lists are in the annex).
The synthetic audits are made by the real steps (diagnose, plan and the demo team's review,
``cpxl.demo.scale``), which takes a while for 1,000 enterprises.

    .venv/bin/python bench/report.py              # N = 1,000
    .venv/bin/python bench/report.py -n 200       # quicker
    .venv/bin/python bench/report.py --scale      # report (.docx) at N = 250, 1,000, 4,000 and the exponent
Never asserts a time: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))

BIG_ROWS = 50_000


# ---------------------------------------------------------------- audits


def make(root: Path, n: int, big_sheet: bool = False) -> Path:
    from cpxl.demo.scale import make_audit

    folder = make_audit(root, n=n, special_name="A&B<公司>{{x}}")
    if big_sheet:
        grow_materials(folder.master)
    return root


def grow_materials(master: Path, rows: int = BIG_ROWS) -> None:
    """One enterprise's materials sheet (汇总_B.2原辅材料) grown to ``rows`` rows, as if it had reported them."""
    from cpxl.book.masterio import update_master
    from cpxl.book.xlsxread import read_master_data

    data = read_master_data(master)
    old = data["all_ent_materials"]
    first = old[0]
    years = sorted({r["year"] for r in old if isinstance(r.get("year"), int)}) or [2025]
    extra = [{**first, "material": f"辅料{i // len(years):05d}", "year": years[i % len(years)],
              "consumption": 1.0 + (i % 97)} for i in range(rows - sum(r["ent_uscc"] == first["ent_uscc"] for r in old))]
    update_master(master, {"all_ent_materials": old + extra})


# ---------------------------------------------------------------- the measures (each in its own process)


def _child(kind: str, root: str) -> None:
    from cpxl.core import progress

    events: list[tuple[float, str, str]] = []
    t0 = time.perf_counter()

    def seen(doc: dict) -> None:
        events.append((time.perf_counter() - t0, doc["step"], doc["message"] or doc["current"]))

    out: dict = {}
    with progress.reporting(progress.Callback(seen, every=0)):
        t = time.perf_counter()
        if kind == "diagnose":
            from cpxl.diagnosis import diagnose

            res = diagnose(Path(root))
            out["enterprises"] = len(res.enterprises)
        else:
            from cpxl.report import render_report

            res = render_report(Path(root), pdf=kind == "report-pdf")
            body, total = pages(res.docx)
            out.update(seconds_parts={k: round(v, 2) for k, v in res.seconds.items()}, tables=res.tables,
                       figures=res.figures, toc=res.toc_entries, refreshed=res.refreshed,
                       docx_mb=round(res.docx.stat().st_size / 1e6, 2), body_pages=body, pages=total,
                       pdf_pages=_pages(res.pdf) if res.pdf else None)
        out["seconds"] = time.perf_counter() - t
    times = [e[0] for e in events] + [time.perf_counter() - t0]
    gaps = [(b - a, events[i][2]) for i, (a, b) in enumerate(zip(times, times[1:], strict=False))]
    longest = max(gaps) if gaps else (0.0, "")
    out["progress"] = {"updates": len(events), "phases": sorted({e[2] for e in events if e[2]}),
                       "longest_gap": round(longest[0], 1), "longest_gap_in": longest[1]}
    print(json.dumps(out, ensure_ascii=False))


def pages(docx: Path) -> tuple[int | None, int | None]:
    """(pages of the body 2.1–2.5, pages of the whole document) from the refreshed TOC and docProps/app.xml."""
    import re
    import zipfile

    from cpxl.report.render import toc_entries

    entries = toc_entries(docx)
    annex = next((e for e in entries if e.startswith("附件")), None)
    body = int(re.search(r"(\d+)$", annex).group(1)) - 1 if annex and re.search(r"\d+$", annex) else None
    with zipfile.ZipFile(docx) as z:
        app = z.read("docProps/app.xml").decode("utf-8") if "docProps/app.xml" in z.namelist() else ""
    m = re.search(r"<Pages>(\d+)</Pages>", app)
    return body, int(m.group(1)) if m else None


def _pages(pdf: Path) -> int | None:
    import re

    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) or None


def run(kind: str, root: Path) -> dict:
    from bench._tree import measure

    m = measure([sys.executable, str(HERE), "--child", kind, str(root)])
    return {**m.output, "wall": m.wall, "cpu": m.cpu, "peak_mb": m.peak_mb}


def _rows(root: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(root / "审核总表.xlsx"))
    return sum(wb.get_sheet_by_name(n).height for n in wb.sheet_names)


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _lo(m: dict) -> float:
    return m.get("seconds_parts", {}).get("libreoffice", 0.0)


def table(tmp: Path, n: int) -> None:
    t = time.perf_counter()
    small, big, heavy = make(tmp / "small", 28), make(tmp / "big", n), make(tmp / "heavy", 28, big_sheet=True)
    print(f"准备审核总表（28 与 {n} 家企业，及 28 家中一家的原辅材料表 {BIG_ROWS:,} 行；合成数据）："
          f"{time.perf_counter() - t:.0f} s", flush=True)
    rep_small, rep_big = run("report", small), run("report", big)
    diag_small, diag_heavy = run("diagnose", small), run("diagnose", heavy)
    pdf_small, pdf_heavy = run("report-pdf", small), run("report-pdf", heavy)
    rows_small, rows_heavy = _rows(small), _rows(heavy)
    print(f"\n{'measure (one process tree each)':44s} {'seconds':>8s} {'LibreOffice':>11s} {'CPU s':>7s} {'peak MB':>8s}")
    for label, m in (("report .docx, 28 enterprises", rep_small), (f"report .docx, {n:,} enterprises", rep_big),
                     ("diagnose, 28 enterprises", diag_small), (f"diagnose, with a {BIG_ROWS:,}-row sheet", diag_heavy),
                     ("report --pdf, 28 enterprises", pdf_small), (f"report --pdf, with a {BIG_ROWS:,}-row sheet", pdf_heavy)):
        print(f"{label:44s} {m['seconds']:8.1f} {_lo(m):11.1f} {m['cpu']:7.1f} {m['peak_mb']:8.0f}")
    ratio = rep_big["seconds"] / rep_small["seconds"]
    print("\n| step | now | goal |\n| --- | --- | --- |")
    print(f"| report (.docx), bench/report.py at 28 → {n:,} enterprises | {rep_small['seconds']:.1f} s → "
          f"{rep_big['seconds']:.1f} s ({ratio:.1f}×), of which LibreOffice's table-of-contents pass {_lo(rep_small):.1f} s → "
          f"{_lo(rep_big):.1f} s; peak memory {rep_big['peak_mb']:.0f} MB | ≤ 1.5× the time for 28 enterprises "
          f"({_mark(ratio <= 1.5)}); memory ≤ 400 MB ({_mark(rep_big['peak_mb'] <= 400)}) |")
    growth = rows_heavy / rows_small
    for label, a, b in (("diagnose", diag_small, diag_heavy), ("report --pdf", pdf_small, pdf_heavy)):
        tr, mr = b["seconds"] / a["seconds"], b["peak_mb"] / max(a["peak_mb"], 1)
        print(f"| {label} with a {BIG_ROWS:,}-row enterprise sheet | {b['seconds']:.1f} s / {b['peak_mb']:.0f} MB "
              f"({a['seconds']:.1f} s / {a['peak_mb']:.0f} MB normally: ×{tr:.1f} time, ×{mr:.1f} memory, "
              f"for ×{growth:.1f} the master's rows) | linear in rows ({_mark(tr <= growth)}), "
              f"memory flat ({_mark(mr <= 1.5)}) |")
    slow = [(k, m["progress"]) for k, m in (("report", rep_big), ("diagnose", diag_heavy), ("report --pdf", pdf_heavy))]
    print("| progress display | " + "; ".join(
        f"{k}: {p['updates']} updates, phases {'、'.join(p['phases'])}; longest without an update "
        f"{p['longest_gap']:.0f} s ({p['longest_gap_in'] or '—'})" for k, p in slow)
        + " | every step over ~2 s shows progress |")
    print(f"\n页数：正文（2.1–2.5）{rep_small.get('body_pages')} 页 → {rep_big.get('body_pages')} 页，全文（含附件）"
          f"{rep_small.get('pages')} 页 → {rep_big.get('pages')} 页（28 → {n:,} 家）")
    print(f"表格 {rep_big.get('tables')} 个，插图 {rep_big.get('figures')} 幅，目录条目 {rep_big.get('toc')} 条，"
          f"文件 {rep_big.get('docx_mb')} MB（{n:,} 家）；PDF {pdf_small.get('pdf_pages')} 页（28 家）/ "
          f"{pdf_heavy.get('pdf_pages')} 页（{BIG_ROWS:,} 行）；各部分耗时（{n:,} 家）：{rep_big.get('seconds_parts')}")


def scale(tmp: Path) -> None:
    from bench._tree import exponent

    points = []
    print(f"\n{'N':>6s} {'seconds':>8s} {'LibreOffice':>11s} {'peak MB':>8s}")
    for n in (250, 1000, 4000):
        root = make(tmp / f"n{n}", n)
        m = run("report", root)
        points.append((n, m))
        print(f"{n:6d} {m['seconds']:8.1f} {_lo(m):11.1f} {m['peak_mb']:8.0f}", flush=True)
        shutil.rmtree(root, ignore_errors=True)
    b = exponent([(n, m["seconds"]) for n, m in points])
    mb = exponent([(n, m["peak_mb"]) for n, m in points])
    print(f"\ngrowth exponent of the report's time over N = 250…4,000: {b:.2f}; of its peak memory: {mb:.2f}")
    n, m = points[-1]
    k = 20_000 / n
    print(f"Estimate for 20,000 enterprises: report ≈ {m['seconds'] * k ** b / 60:.1f} min, "
          f"peak memory ≈ {m['peak_mb'] * k ** max(mb, 0):.0f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="审核报告与诊断的规模测试")
    ap.add_argument("-n", "--enterprises", type=int, default=1000, help="企业数（默认 1000）")
    ap.add_argument("--scale", action="store_true", help="N = 250, 1,000, 4,000 的报告耗时与增长指数")
    ap.add_argument("--keep", type=Path, default=None, help="保留审核文件夹到此路径")
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="cpxl-bench-report-") as tmp:
        work = args.keep or Path(tmp)
        if args.scale:
            scale(work)
        else:
            table(work, args.enterprises)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
