"""Synthetic audits of any size with every sheet filled — for the report's tests and benchmark.

The regulator's sheets and the enterprises' data come from the bundled demo (:mod:`cpxl.demo.data`: a fictional
province's hazardous-waste incineration industry), written straight into the consolidated sheets as an
accepted ingest would; the later sheets are made by the real steps — ``cpxl diagnose``, ``cpxl plan`` with the
demo team's review between its runs (:mod:`cpxl.demo.team`) — so a synthetic report reads like a real one.
Nothing here is reference data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cpxl.book import schema
from cpxl.book.master import init_audit
from cpxl.core.folder import AuditFolder

from . import data as demo
from . import team

Rows = list[dict[str, Any]]


def consolidated(key: str, ent: Mapping[str, Any], rows: Rows) -> Rows:
    """An enterprise's rows of sheet ``key`` as its consolidated sheet (汇总_*) holds them."""
    out = []
    for r in rows:
        row = {"ent_uscc": ent["uscc"], "ent_name": ent["name"], **r}
        if key == "ent_profile":
            row.pop("uscc", None)
            row.pop("name", None)
        out.append(row)
    return out


def sample_data(n: int = 20, year: int = 2025, special_name: str | None = None
                ) -> tuple[dict[str, Any], dict[str, Rows]]:
    """(audit-task extras, master data by schema key) for ``n`` enterprises, all of whose data were accepted."""
    system = demo.demo_system()
    ents = demo.enterprises(n)
    seen: dict[str, int] = {}
    for i, e in enumerate(ents):  # the demo repeats name stems beyond its list: keep names unique
        seen[e["name"]] = seen.get(e["name"], 0) + 1
        if seen[e["name"]] > 1:
            e["name"] = f"{e['name'][:-4]}第{seen[e['name']]}分公司" if len(e["name"]) > 6 else f"{e['name']}{i}"
    if special_name:
        ents[min(1, n - 1)]["name"] = special_name
    data: dict[str, Rows] = demo.master_data(year, ents, system)
    for e in ents:
        for key, rows in demo.enterprise_data(e, year, system).items():
            data.setdefault("all_" + key, []).extend(consolidated(key, e, rows))
    known = set(schema.load_all())
    return demo.audit_extra(year), {k: v for k, v in data.items() if k in known or k.startswith("all_")}


def make_audit(root: Path, n: int = 20, year: int = 2025, special_name: str | None = None,
               overwrite: bool = True, review: bool = True) -> AuditFolder:
    """An audit folder whose master workbook has every sheet filled for ``n`` enterprises.

    ``review``: the demo team reviews everything cpxl suggests (a final report can be written); without it
    the plan's suggestions stay pending (only a draft can be written).
    """
    from cpxl.diagnosis import diagnose
    from cpxl.plan.run import plan

    cfg = demo.config()
    extra, data = sample_data(n, year, special_name)
    folder = init_audit(Path(root), cfg["industry"], cfg["region"], year, cfg["industry_code"], data=data,
                        pack=cfg["industry_pack"], overwrite=overwrite, audit_extra=extra)
    diagnose(folder.root)
    start = dt.date(year + 1, 7, 20)
    if review:
        team.confirm_settings(folder.master, start)  # the team sets its regional thresholds first
    plan(folder.root, today=start)
    if not review:
        return folder
    team.review_targets(folder.master, start + dt.timedelta(days=8))
    team.estimate_and_score(folder.master, start + dt.timedelta(days=30))
    plan(folder.root, today=start + dt.timedelta(days=30))
    team.decide_proposals(folder.master, start + dt.timedelta(days=37))
    today = dt.date(year + 1, 11, 24)
    plan(folder.root, today=today)
    team.simulate_progress(folder.master, today)
    plan(folder.root, today=today)
    team.record_lessons(folder.master)
    return folder
