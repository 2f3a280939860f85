"""The bundled demo audit end to end, as a regulator, its audit team and 28 enterprises would run it: master
workbook, templates, returned workbooks (some with typical mistakes, one wrong attachment), ingest, the
corrected resubmissions (one enterprise does not resubmit), diagnosis, the plan with the team's review between
its runs (:mod:`cpxl.demo.team`), the enterprises' progress, the report and the Excel add-in."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from cpxl.book.master import init_audit
from cpxl.book.templates import make_templates
from cpxl.core import progress
from cpxl.core.folder import AuditFolder
from cpxl.diagnosis import diagnose
from cpxl.intake.ingest import ingest
from cpxl.plan.run import plan
from cpxl.report import render_report

from . import team


def _summary_text(result: Any) -> str:
    for attr in ("summary", "text"):
        v = getattr(result, attr, None)
        if callable(v):
            v = v()
        if isinstance(v, str) and v:
            return v.splitlines()[0]
    return type(result).__name__


@progress.stepped("demo", "演示审核")
def run_demo(root: Path, n: int = 28, year: int = 2025, mistakes: bool = True) -> dict[str, Any]:
    """The bundled demo audit end to end; returns what was produced where."""
    from cpxl.demo import data as demo

    stage = progress.current()
    stage.update(total=9, current="审核总表")
    system = demo.demo_system()
    ents = demo.enterprises(n)
    cfg = demo.config()
    old = AuditFolder(Path(root))  # the demo starts afresh: an earlier demo's ledger and files would mix in
    for d in (old.inbox, old.archive, old.feedback, old.templates):
        shutil.rmtree(d, ignore_errors=True)
    old.ledger.unlink(missing_ok=True)
    folder = init_audit(Path(root), cfg["industry"], cfg["region"], year, cfg["industry_code"], pack=cfg["industry_pack"],
                        data=demo.master_data(year, ents, system), overwrite=True,
                        audit_extra=demo.audit_extra(year))
    stage.advance(current="企业填报模板")
    templates = make_templates(folder.root)
    stage.advance(current="企业填写并交回")
    by_uscc = {p.stem.rsplit("_", 1)[-1]: p for p in templates}
    returned = []
    notes: dict[str, str] = {}
    for i, e in enumerate(ents):
        data = demo.enterprise_data(e, year, system)
        kind = demo.mistake_of(i) if mistakes else None
        if kind:
            notes[e["name"]] = demo.add_mistakes(data, kind, year)
        out = folder.inbox / by_uscc[e["uscc"]].name
        demo.fill_template(by_uscc[e["uscc"]], out, data)
        returned.append(out)
    steps: dict[str, str] = {}
    (folder.inbox / "扫描件_请查收.xlsx").write_text("这不是 Excel 文件", encoding="utf-8")  # a typical wrong attachment
    stage.advance(current="导入企业报送")
    res = ingest(folder.root)
    stage.advance(current="企业修改后重新报送")
    steps["企业报送校验"] = (f"接受 {res.count('accepted')} 份，退回修改 {res.count('rejected')} 份，"
                       f"无法读取 {res.count('unreadable')} 份；校验报告 {res.report}")
    # the enterprises correct what the feedback marked and send again — all but the last one
    rejected = [f.enterprise_uscc for f in res.files if f.outcome == "rejected" and f.enterprise_uscc]
    again = []
    for e in ents:
        if e["uscc"] in rejected[:-1]:
            out = folder.inbox / f"{by_uscc[e['uscc']].stem}_修改稿.xlsx"
            demo.fill_template(by_uscc[e["uscc"]], out, demo.enterprise_data(e, year, system))
            again.append(out)
    if again:
        res2 = ingest(folder.root, files=again)
        steps["修改后重新报送"] = (f"{len(again)} 家企业按反馈修改后重新报送，接受 {res2.count('accepted')} 份；"
                            f"{max(0, len(rejected) - len(again))} 家未按期重新报送")
    stage.advance(current="审核诊断")
    d = diagnose(folder.root)
    stage.advance(current="目标与方案（审核小组评定）")
    steps["诊断评分"] = _summary_text(d)
    # 5.3: cpxl suggests, the audit team decides (see cpxl.demo.team)
    start = dt.date(year + 1, 7, 20)
    team.confirm_settings(folder.master, start)  # the team sets its regional thresholds first
    plan(folder.root, today=start)
    team.review_targets(folder.master, start + dt.timedelta(days=8))
    team.estimate_and_score(folder.master, start + dt.timedelta(days=30))
    plan(folder.root, today=start + dt.timedelta(days=30))
    team.decide_proposals(folder.master, start + dt.timedelta(days=37))
    today = dt.date(year + 1, 11, 24)  # the demo audit's "today": the report-writing stage of its work plan
    plan(folder.root, today=today)
    team.simulate_progress(folder.master, today)
    p = plan(folder.root, today=today)
    team.record_lessons(folder.master)
    c = p.counts
    counts = (f"目标 {c.get('targets', 0)} 项；方案 {c.get('proposals', 0)} 项（行业层面 {c.get('industry_proposals', 0)}，"
              f"企业层面 {c.get('enterprise_proposals', 0)}；无/低费 {c.get('low_cost', 0)}，中/高费 {c.get('mid_high_cost', 0)}）；"
              f"跟踪 {c.get('tracked_proposals', 0)} 项方案（{c.get('tracking', 0)} 项企业实施任务）")
    states = "，".join(f"{k} {v} 项" for k, v in p.states.items())
    steps["目标与方案"] = f"{counts}；审核小组评定：{states}；超标排放等问题 {p.breaches} 项；逾期 {p.overdue} 项"
    stage.advance(current="审核报告")
    r = render_report(folder.root, pdf=True, today=today)
    stage.advance(current="Excel 加载项")
    steps["审核报告"] = f"{r.docx}；PDF：{r.pdf}"
    from cpxl.excel.addin import build as build_addin

    addin = build_addin(folder.root / "cpxl.xlam")
    steps["Excel 加载项"] = f"{addin}（Windows/macOS 上运行 cpxl addin install 安装）"
    stage.advance(current="")
    return {"folder": str(folder.root), "master": str(folder.master), "templates": [str(p) for p in templates],
            "returned": [str(p) for p in returned], "mistakes": notes, "steps": steps}
