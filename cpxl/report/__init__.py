"""The Word report of Appendix C (行业清洁生产整体审核报告) in one call: ``render_report(root)``.

master workbook ──read_master_data──► context (one function per section, :mod:`.context`)
──charts (:mod:`.charts`)──► docxtpl (``templates/report.docx``, :mod:`.render`, :mod:`.numbering`)
──LibreOffice (TOC, fields, page numbers; optional PDF, :mod:`.refresh`)──► 成果/行业整体清洁生产审核报告.docx

Nothing unconfirmed is reported as a conclusion: while targets, proposals, scores or parameters wait for the
audit team (:func:`cpxl.plan.review.pending`), :func:`render_report` raises :class:`ReportPending` listing them,
unless ``draft=True`` (the draft marks its cover and lists them in a section of their own). Every report is
checked against the conditions of a provincial review that fails an audit (:mod:`.checks`); each is a warning.
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
from cpxl.core import progress
from cpxl.core.atomic import write_atomic
from cpxl.core.folder import AuditFolder
from cpxl.core.lock import locked
from cpxl.core.office import OfficeError, soffice
from cpxl.core.paths import TEMPLATES

from .checks import review_checks
from .context import build_context
from .refresh import refresh
from .render import render_docx, toc_entries

REPORT_NAME = "行业整体清洁生产审核报告.docx"
DRAFT_NAME = "行业整体清洁生产审核报告（草稿）.docx"
TEMPLATE = TEMPLATES / "report.docx"

__all__ = ["DRAFT_NAME", "REPORT_NAME", "TEMPLATE", "ReportPending", "ReportResult", "render_report"]


class ReportPending(ValueError):
    """The master still holds content the audit team has not confirmed; the message lists it (Chinese)."""

    def __init__(self, items: list[Any]) -> None:
        from cpxl.plan.review import pending_text

        self.items = items
        super().__init__(pending_text(items))


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
    draft: bool = False
    pending: list[dict[str, Any]] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # the provincial-review checks that warn
    built: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"docx": str(self.docx), "pdf": str(self.pdf) if self.pdf else None, "sections": self.sections,
                "empty_sections": self.empty_sections, "tables": self.tables, "figures": self.figures,
                "toc_entries": self.toc_entries, "refreshed": self.refreshed, "warnings": self.warnings,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()}, "draft": self.draft,
                "pending": self.pending, "review": self.review}


@progress.stepped("report", "生成审核报告")
@locked("report")
@with_audit_pack
def render_report(root: Path, pdf: bool = False, out: Path | None = None, *, template: Path | None = None,
                  today: dt.date | None = None, refresh_fields: bool = True, draft: bool = False) -> ReportResult:
    """Write the report of the audit folder ``root`` to ``成果/行业整体清洁生产审核报告.docx`` (or ``out``).

    ``pdf``: also write the PDF next to it (needs LibreOffice). ``out``: a .docx path or a folder.
    ``template``: a restyled copy of ``templates/report.docx``. Without LibreOffice the .docx is still
    written, with a provisional table of contents (no page numbers) that Word updates on opening;
    ``refresh_fields=False`` skips LibreOffice on purpose (fast drafts). ``draft``: write a draft although the
    team has not confirmed everything (``成果/行业整体清洁生产审核报告（草稿）.docx``); without it a master with
    pending items raises :class:`ReportPending` and nothing is written.
    """
    from cpxl.plan.review import pending
    folder = AuditFolder(Path(root))
    master = folder.require_master()
    name = DRAFT_NAME if draft else REPORT_NAME
    target = Path(out) if out is not None else folder.outputs / name
    if target.suffix.lower() != ".docx":
        target = target / name
    pdf_target = target.with_suffix(".pdf") if pdf else None
    tpl = Path(template) if template is not None else TEMPLATE
    if not tpl.exists():
        raise FileNotFoundError(f"未找到报告模板：{tpl}。请运行 python -m cpxl.report.build_template 重新生成。")
    secs: dict[str, float] = {}
    warnings: list[str] = []
    t0 = time.perf_counter()
    step = progress.current()
    step.note("读取审核总表")
    data = read_master_data(master)
    waiting = pending(data)
    if waiting and not draft:
        raise ReportPending(waiting)
    day = today or dt.date.today()
    step.note("组织各章内容")
    built = build_context(data, today=day, draft=draft and bool(waiting))
    review = review_checks(data, built)
    secs["context"] = time.perf_counter() - t0
    meta = {"title": built.facts.get("title") or "行业整体清洁生产审核报告",
            "author": str((data.get("audit_task") or [{}])[0].get("technical_unit") or "cpxl"),
            "now": dt.datetime.combine(day, dt.datetime.now().time()).replace(microsecond=0)}
    with tempfile.TemporaryDirectory(prefix="cpxl-report-") as tmp:
        work = Path(tmp)
        t1 = time.perf_counter()
        rendered = work / "report.docx"
        step.note("绘制图表，生成 Word 文档")
        stats = render_docx(built, tpl, rendered, work, meta)
        warnings.extend(stats["warnings"])
        if stats["missing_refs"]:
            warnings.append("正文引用了未出现的表或图：" + "、".join(dict.fromkeys(stats["missing_refs"])))
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
            step.note("LibreOffice 正在排版，更新目录、页码和题注" + ("，导出 PDF" if pdf else "") + "（篇幅大时需要较长时间）")
            try:
                res = refresh(rendered, work / "refreshed.docx", work / "refreshed.pdf" if pdf else None)
            except OfficeError as exc:
                if pdf:
                    raise
                warnings.append(f"{exc} 已保存未更新目录的报告；在 Word 中打开时会提示更新域。")
            else:
                final_docx, final_pdf, refreshed = res.docx, res.pdf, True
                secs.update({f"libreoffice_{k}": v for k, v in res.phases.items()})
            secs["libreoffice"] = time.perf_counter() - t2
        write_atomic(target, lambda p: shutil.copyfile(final_docx, p))
        if pdf_target is not None and final_pdf is not None:
            write_atomic(pdf_target, lambda p: shutil.copyfile(final_pdf, p))
    entries = toc_entries(target)
    secs["total"] = time.perf_counter() - t0
    return ReportResult(
        docx=target, pdf=pdf_target if final_pdf is not None else None, sections=dict(built.counts),
        empty_sections=list(built.empty), tables=stats["tables"], figures=stats["figures"],
        toc_entries=len(entries), refreshed=refreshed, warnings=warnings + review, seconds=secs,
        draft=draft, pending=[p.to_dict() for p in waiting], review=review, built=built)
