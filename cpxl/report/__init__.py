"""The Word report of Appendix C (行业清洁生产整体审核报告) in one call: ``render_report(root)``.

master workbook ──read_master_data──► context (one function per section, :mod:`.context`)
──charts (:mod:`.charts`)──► docxtpl (``templates/report.docx``, :mod:`.render`)
──LibreOffice (TOC, fields, page numbers; optional PDF, :mod:`.refresh`)──► 成果/行业整体清洁生产审核报告.docx
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.book.master import with_audit_pack
from cpxl.book.xlsxread import read_master_data
from cpxl.core.atomic import write_atomic
from cpxl.core.folder import AuditFolder
from cpxl.core.lock import locked
from cpxl.core.office import OfficeError, soffice
from cpxl.core.paths import TEMPLATES

from .context import build_context
from .refresh import refresh
from .render import render_docx, toc_entries

REPORT_NAME = "行业整体清洁生产审核报告.docx"
TEMPLATE = TEMPLATES / "report.docx"

__all__ = ["REPORT_NAME", "TEMPLATE", "ReportResult", "render_report"]


@dataclass
class ReportResult:
    """What :func:`render_report` produced."""

    docx: Path
    pdf: Path | None
    sections: dict[str, int]  # Appendix C section → number of records it was built from
    empty_sections: list[str]  # sections that say “未录入…” because their sheets are empty
    tables: int
    figures: int
    toc_entries: int
    refreshed: bool  # TOC, fields and page numbers updated by LibreOffice
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"docx": str(self.docx), "pdf": str(self.pdf) if self.pdf else None, "sections": self.sections,
                "empty_sections": self.empty_sections, "tables": self.tables, "figures": self.figures,
                "toc_entries": self.toc_entries, "refreshed": self.refreshed, "warnings": self.warnings,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()}}


@locked("report")
@with_audit_pack
def render_report(root: Path, pdf: bool = False, out: Path | None = None, *, template: Path | None = None,
                  today: dt.date | None = None, refresh_fields: bool = True) -> ReportResult:
    """Write the report of the audit folder ``root`` to ``成果/行业整体清洁生产审核报告.docx`` (or ``out``).

    ``pdf``: also write the PDF next to it (needs LibreOffice). ``out``: a .docx path or a folder.
    ``template``: a restyled copy of ``templates/report.docx``. Without LibreOffice the .docx is still
    written, with a provisional table of contents (no page numbers) that Word updates on opening;
    ``refresh_fields=False`` skips LibreOffice on purpose (fast drafts).
    """
    folder = AuditFolder(Path(root))
    master = folder.require_master()
    target = Path(out) if out is not None else folder.outputs / REPORT_NAME
    if target.suffix.lower() != ".docx":
        target = target / REPORT_NAME
    pdf_target = target.with_suffix(".pdf") if pdf else None
    tpl = Path(template) if template is not None else TEMPLATE
    if not tpl.exists():
        raise FileNotFoundError(f"未找到报告模板：{tpl}。请运行 python -m cpxl.report.build_template 重新生成。")
    secs: dict[str, float] = {}
    warnings: list[str] = []
    t0 = time.perf_counter()
    data = read_master_data(master)
    built = build_context(data, today=today)
    secs["context"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="cpxl-report-") as tmp:
        work = Path(tmp)
        t1 = time.perf_counter()
        rendered = work / "report.docx"
        stats = render_docx(built, tpl, rendered, work)
        warnings.extend(stats["warnings"])
        secs["render"] = time.perf_counter() - t1
        final_docx, final_pdf, refreshed = rendered, None, False
        office = None
        if refresh_fields or pdf:
            try:
                soffice()
                office = True
            except OfficeError as exc:
                if pdf:
                    raise
                warnings.append(f"{exc} 目录暂无页码；在 Word 中打开时会提示更新域。")
        else:
            warnings.append("未运行 LibreOffice：目录暂无页码，在 Word 中打开时会提示更新域。")
        if office:
            t2 = time.perf_counter()
            try:
                res = refresh(rendered, work / "refreshed.docx", work / "refreshed.pdf" if pdf else None)
            except OfficeError as exc:
                if pdf:
                    raise
                warnings.append(f"{exc} 已保存未更新目录的报告；在 Word 中打开时会提示更新域。")
            else:
                final_docx, final_pdf, refreshed = res.docx, res.pdf, True
            secs["libreoffice"] = time.perf_counter() - t2
        write_atomic(target, lambda p: shutil.copyfile(final_docx, p))
        if pdf_target is not None and final_pdf is not None:
            write_atomic(pdf_target, lambda p: shutil.copyfile(final_pdf, p))
    entries = toc_entries(target)
    secs["total"] = time.perf_counter() - t0
    return ReportResult(
        docx=target, pdf=pdf_target if final_pdf is not None else None, sections=dict(built.counts),
        empty_sections=list(built.empty), tables=stats["tables"], figures=stats["figures"],
        toc_entries=len(entries), refreshed=refreshed, warnings=warnings, seconds=secs)
