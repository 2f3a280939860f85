"""Fuzz ``cpxl ingest`` with mutated real templates (issue 14): cells, headers, sheets and the stamp.

For a fixed time budget (``CPXL_FUZZ_SECONDS``, default 10 s; set it to e.g. 600 for a long run, and
``CPXL_FUZZ_SEED`` to replay a run), batches of mutated copies of real filled templates go through the real
command line. Every batch must end without a traceback, with exit code 0, 1 or 2; afterwards the master and the
ledger agree, the archive holds every original byte-identical and the originals are untouched.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import openpyxl
from harden_kit import assert_consistent, cli, filled, fresh, sha

from cpxl.book.templates import STAMP_SHEET

BUDGET = float(os.environ.get("CPXL_FUZZ_SECONDS", "10"))
SEED = int(os.environ.get("CPXL_FUZZ_SEED", str(int(time.time()))))

VALUES = ["", " ", "=1+1", "+1", "-1", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")", "1e309", "-0", "NaN", "约100",
          "100吨", "23,84", "１２３", "二〇二五", "N/A", "/", "2025-02-30", "2025年6月1日", True, False, 0, -5,
          1e308, 3.14, 10**20, "\ufeff", "x" * 40000, "<script>", "&amp;", "{{ x }}", "\n\n",
          "2025", 2025, 1900, 9999]


def _mutate(path: Path, rng: random.Random) -> str:
    """One random edit of the kinds a sender makes; returns what was done (for the failure message)."""
    wb = openpyxl.load_workbook(path)
    sheets = [ws for ws in wb.worksheets if ws.title != STAMP_SHEET]
    kind = rng.choice(["cell", "cell", "cell", "header", "header", "sheet", "stamp", "rows"])
    done = kind
    if kind == "cell":
        for _ in range(rng.randint(1, 8)):
            ws = rng.choice(sheets)
            c = ws.cell(rng.randint(1, 40), rng.randint(1, 12))
            if type(c).__name__ == "MergedCell":
                continue
            v = rng.choice(VALUES)
            c.value = v
            done += f" {ws.title}!{c.coordinate}={str(v)[:20]!r}"
    elif kind == "header":
        ws = rng.choice(sheets)
        a, b = rng.randint(1, 8), rng.randint(1, 8)
        if type(ws.cell(3, a)).__name__ == "MergedCell" or type(ws.cell(3, b)).__name__ == "MergedCell":
            done += " (merged header row)"
        elif rng.random() < 0.5:
            x, y = ws.cell(3, a), ws.cell(3, b)
            x.value, y.value = y.value, x.value
            done += f" swap {ws.title} {a}<->{b}"
        else:
            ws.cell(3, a).value = rng.choice(["产量（吨）", "", "年份", "备注", "=A1", None])
            done += f" edit {ws.title} col {a}"
    elif kind == "sheet":
        op = rng.choice(["delete", "rename", "add", "merge"])
        ws = rng.choice(sheets)
        if op == "merge" or ws.title == "填报说明":
            ws = next((w for w in sheets if w.title.startswith("B.")), ws)
        if op == "delete" and len(sheets) > 1:
            wb.remove(ws)
        elif op == "rename":
            ws.title = rng.choice(["Sheet1", "能源", ws.title + "（修改）"])[:31]
        elif op == "add":
            wb.create_sheet(rng.choice(["新表", "B.2产品产量 (2)", "_cpxl2"]))
        else:
            ws.merge_cells(start_row=4, start_column=1, end_row=5, end_column=3)
        done += f" {op} {ws.title}"
    elif kind == "stamp":
        if STAMP_SHEET in wb.sheetnames:
            st = wb[STAMP_SHEET]
            op = rng.choice(["delete", "value", "signature"])
            if op == "delete":
                wb.remove(st)
            else:
                r = rng.randint(1, st.max_row) if op == "value" else next(
                    (i for i in range(1, st.max_row + 1) if st.cell(i, 1).value == "signature"), 1)
                st.cell(r, 2).value = rng.choice(VALUES)
            done += f" stamp {op}"
    else:
        ws = rng.choice(sheets)
        for r in range(4, 4 + rng.randint(1, 300)):
            c = ws.cell(r, rng.randint(1, 6))
            if type(c).__name__ != "MergedCell":
                c.value = rng.choice(VALUES[:20])
        done += f" rows {ws.title}"
    wb.save(path)
    return done


def test_fuzz_ingest(demo_copy: Path) -> None:
    rng = random.Random(SEED)
    root = fresh(demo_copy)
    work = root.parent / "fuzz-src"
    bases = [filled(root, i, work / f"base{i}.xlsx") for i in (0, 3, 5)]
    deadline = time.monotonic() + BUDGET
    batch, log = 0, []
    originals: dict[Path, str] = {}
    while time.monotonic() < deadline or batch == 0:
        batch += 1
        for j in range(rng.randint(1, 3)):
            out = root / "收件箱" / f"b{batch}_{j}.xlsx"
            out.write_bytes(rng.choice(bases).read_bytes())
            what = [_mutate(out, rng) for _ in range(rng.randint(1, 3))]
            log.append(f"{out.name}: {'; '.join(what)}")
            originals[out] = sha(out)
        r = cli("ingest", str(root), "--json", timeout=600)
        context = f"seed {SEED}, batch {batch}:\n" + "\n".join(log[-3:]) + f"\n{r.stderr[-2000:]}"
        assert r.returncode in (0, 1, 2), context
        assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, context
        if r.returncode != 2:
            json.loads(r.stdout)
        assert {p: sha(p) for p in originals} == originals, "originals untouched"
        archived = {sha(p) for p in (root / "归档").rglob("*") if p.is_file()}
        assert set(originals.values()) <= archived, context
        assert_consistent(root)
