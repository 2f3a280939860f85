"""Benchmark: time to render the Appendix C report for an audit of N enterprises.

    .venv/bin/python bench/report.py            # 1,000 enterprises, .docx only
    .venv/bin/python bench/report.py -n 200 --pdf

Builds a master workbook with every sheet filled (synthetic data, cpxl.demo.scale), then times
``render_report``: reading the master, building the context and charts, docxtpl rendering and the
LibreOffice pass that refreshes the table of contents (and, with ``--pdf``, exports the PDF — timed
in a second run so that the .docx figure stays comparable). Prints the pages of the body (2.1–2.5, from the
refreshed table of contents) and of the whole report: the body must barely grow with the enterprises, the
per-enterprise lists go to the annex. The synthetic audit is made by the real steps (diagnose, plan and the
demo team's review), which takes a while for 1,000 enterprises.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpxl.demo.scale import make_audit  # noqa: E402
from cpxl.report import render_report  # noqa: E402


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="行业整体清洁生产审核报告生成耗时")
    ap.add_argument("-n", "--enterprises", type=int, default=1000, help="企业数（默认 1000）")
    ap.add_argument("--pdf", action="store_true", help="另行计时：同时导出 PDF")
    ap.add_argument("--keep", type=Path, default=None, help="保留审核文件夹到此路径")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cpxl-bench-report-") as tmp:
        root = args.keep or Path(tmp) / "audit"
        t = time.perf_counter()
        make_audit(root, n=args.enterprises, special_name="A&B<公司>{{x}}")
        print(f"准备审核总表（{args.enterprises} 家企业，合成数据）：{time.perf_counter() - t:.1f} s")
        res = render_report(root)
        s = res.seconds
        print(f"生成报告 .docx：{s['total']:.1f} s（读取与上下文 {s['context']:.1f} s，docxtpl 渲染与图表 "
              f"{s['render']:.1f} s，LibreOffice 更新目录 {s.get('libreoffice', 0):.1f} s）")
        print(f"  表格 {res.tables} 个，插图 {res.figures} 幅，目录条目 {res.toc_entries} 条，"
              f"文件 {res.docx.stat().st_size / 1e6:.1f} MB")
        body, total = pages(res.docx)
        print(f"  页数：正文（2.1–2.5）{body} 页，全文（含附件）{total} 页")
        if args.pdf:
            res = render_report(root, pdf=True)
            s = res.seconds
            print(f"生成报告 .docx + PDF：{s['total']:.1f} s（其中 LibreOffice 更新目录并导出 PDF "
                  f"{s.get('libreoffice', 0):.1f} s）；PDF {res.pdf.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
