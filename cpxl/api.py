"""The Python API: one function per step of the audit, mirrored one-to-one by the CLI and the Excel buttons.

=================  ==========================================  ============================
step               function                                    command
=================  ==========================================  ============================
前期准备 5.1        :func:`init_audit`                          ``cpxl init``
资料收集 5.2.1      :func:`make_templates`, :func:`ingest`      ``cpxl templates``, ``cpxl ingest``
(the master)       :func:`check`                               ``cpxl check``
审核诊断 5.2.2–3    :func:`diagnose`                            ``cpxl diagnose``
目标与方案 5.3.1–2  :func:`plan`                                ``cpxl plan``
报告编制 5.3.3      :func:`report`                              ``cpxl report``
=================  ==========================================  ============================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpxl.book.check import CheckResult, check
from cpxl.book.master import init_audit
from cpxl.book.templates import make_templates
from cpxl.diagnosis import DiagnosisResult, diagnose
from cpxl.intake.ingest import IngestResult, IngestSettings, ingest
from cpxl.plan.run import PlanResult, plan

__all__ = ["init_audit", "make_templates", "check", "ingest", "diagnose", "plan", "report", "run_demo",
           "DiagnosisResult", "CheckResult", "IngestResult", "IngestSettings", "PlanResult"]


def report(root: Path, pdf: bool = False, draft: bool = False) -> Any:
    """The Word report of Appendix C (and its PDF), see :func:`cpxl.report.render_report`; ``draft``: write a
    draft although the audit team has not confirmed everything (else :class:`cpxl.report.ReportPending`)."""
    from cpxl.report import render_report

    return render_report(Path(root), pdf=pdf, draft=draft)


def run_demo(root: Path, n: int | None = None, year: int = 2025, mistakes: bool = True,
             pack: str | None = None) -> dict[str, Any]:
    """The bundled demo audit end to end (``pack``: another industry with a demo profile, see
    :mod:`cpxl.demo.industry`); returns what was produced where."""
    from cpxl.demo import data as main_demo

    if pack and pack != main_demo.config()["industry_pack"]:
        from cpxl.demo import industry

        return industry.run(root, pack, n=n or 12, year=year, mistakes=mistakes)
    from cpxl.demo.run import run_demo as _run

    return _run(root, n=n or 28, year=year, mistakes=mistakes)
