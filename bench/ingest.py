"""Benchmark: ingesting N returned workbooks (default 1,000), side by side in one run.

Prints, measured on the same machine in one run:
  floor     python-calamine merely reading every sheet of every file (one process)
  cpxl      `cpxl ingest` end to end (archive, ledger, validation, feedback copies, master update)
  naive     pandas.read_excel (default engine) + jsonschema per row, per file
and the ratios, plus peak memory of each (separate processes, so peaks do not mix), and
cpxl's peak memory at N/4 and N to show whether it stays flat.

    .venv/bin/python bench/ingest.py            # N = 1000
    .venv/bin/python bench/ingest.py -n 200     # quicker
Never asserts a time: these machines are noisy; read the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _new_uscc(rng: random.Random, old: str) -> str:
    from cpxl.domain import codes

    body = old[:8] + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + codes.uscc_check_char(body)


def generate(root: Path, n: int, seed: int = 1) -> Path:
    """An audit folder whose inbox holds ``n`` filled workbooks (≈1 in 6 with a typical mistake)."""
    from cpxl.book.master import init_audit
    from cpxl.book.templates import template_filename
    from cpxl.demo import data as demo

    api_root = root / "audit"
    base = 28
    system = demo.demo_system()
    ents = demo.enterprises(base)
    cfg = demo.config()

    rng = random.Random(seed)
    # the enterprise list holds all N enterprises so that every file is recognised
    clones = []
    for i in range(n):
        e = dict(ents[i % base])
        if i >= base:
            e["uscc"] = _new_uscc(rng, e["uscc"])
            e["name"] = f"{e['name'][:-4]}{i:04d}公司"
            e["permit_no"] = e["uscc"] + "001P"
        clones.append(e)
    data = demo.master_data(2025, clones, system)
    folder = init_audit(api_root, cfg["industry"], cfg["region"], 2025, cfg["industry_code"], pack=cfg["industry_pack"], data=data,
                        overwrite=True, audit_extra=demo.audit_extra(2025))
    # fill one template per base enterprise, then clone it at the byte level for the others
    folder.templates.mkdir(exist_ok=True)
    stash = root / "base"
    stash.mkdir()
    from cpxl.book.indicator_sheet import reported_rows, system_rows
    from cpxl.book.templates import build_template

    audit = {"audit_name": "bench", "statistical_year": 2025,
             "audit_id": _audit_id(folder.master)}
    rows = reported_rows(system_rows(system))
    bases = []
    for k, e in enumerate(ents):
        wb, _, _ = build_template(audit, e, rows)
        t = stash / f"t{k}.xlsx"
        wb.save(t)
        d = demo.enterprise_data(e, 2025, system)
        if k % 6 == 1:
            demo.add_mistakes(d, demo.MISTAKES[(k // 6) % len(demo.MISTAKES)], 2025)
        f = stash / f"f{k}.xlsx"
        demo.fill_template(t, f, d)
        bases.append((e, f))
    for i, e in enumerate(clones):
        src_e, src = bases[i % base]
        out = folder.inbox / template_filename(e)
        if i < base:
            shutil.copyfile(src, out)
            continue
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                b = zin.read(item.filename)
                if item.filename.endswith(".xml"):
                    b = b.replace(src_e["uscc"].encode(), e["uscc"].encode())
                    b = b.replace(_xml(src_e["name"]), _xml(e["name"]))
                zout.writestr(item, b)
    return api_root


def _xml(s: str) -> bytes:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def _audit_id(master: Path) -> str:
    from cpxl.book import schema
    from cpxl.book.xlsxread import read_records

    return read_records(master, schema.load("audit_task"))[0]["audit_id"]


# ---------------------------------------------------------------- the three measurements (each in its own process)

def measure_floor(folder: Path) -> dict:
    from python_calamine import CalamineWorkbook

    files = sorted((folder / "收件箱").iterdir())
    t = time.perf_counter()
    cells = 0
    for f in files:
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(r) for r in rows)
    return {"seconds": time.perf_counter() - t, "files": len(files), "cells": cells}


def measure_cpxl(folder: Path, workers: int, feedback: bool) -> dict:
    from cpxl.intake.ingest import IngestSettings, ingest

    t = time.perf_counter()
    res = ingest(folder, settings=IngestSettings(workers=workers, feedback=feedback))
    return {"seconds": time.perf_counter() - t, "files": len(res.files),
            "counts": {k: res.count(k) for k in ("accepted", "rejected", "unreadable", "duplicate")},
            "problems": len(res.problems)}


def measure_naive(folder: Path, limit: int) -> dict:
    import pandas as pd
    from jsonschema import Draft202012Validator

    from cpxl.book import schema

    schemas = {s.sheet: s for s in schema.for_workbook("enterprise")}
    validators = {k: Draft202012Validator(s.raw) for k, s in schemas.items()}
    files = sorted((folder / "收件箱").iterdir())[:limit]
    t = time.perf_counter()
    errors = 0
    for f in files:
        frames = pd.read_excel(f, sheet_name=None, header=2)
        for name, df in frames.items():
            s = schemas.get(name)
            if s is None or s.is_form:
                continue
            df = df.iloc[:, : len(s.fields)]
            df.columns = s.names[: df.shape[1]]
            for rec in df.to_dict("records"):
                row = {k: v for k, v in rec.items() if not (isinstance(v, float) and v != v)}
                if row:
                    errors += sum(1 for _ in validators[name].iter_errors(row))
    return {"seconds": time.perf_counter() - t, "files": len(files), "errors": errors}


def _child(kind: str, folder: str, arg: int) -> None:
    fn = {"floor": lambda: measure_floor(Path(folder)),
          "cpxl": lambda: measure_cpxl(Path(folder), arg % 100, False),
          "cpxl+feedback": lambda: measure_cpxl(Path(folder), arg % 100, True),
          "naive": lambda: measure_naive(Path(folder), arg)}[kind]
    out = fn()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_mb"] = round(max(own, kids) / 1024, 1)
    print(json.dumps(out, ensure_ascii=False))


def run(kind: str, folder: Path, arg: int = 0) -> dict:
    p = subprocess.run([sys.executable, str(HERE), "--child", kind, str(folder), str(arg)],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--naive-n", type=int, default=100, help="files for the naive baseline (it is slow)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        _child(a.child[0], a.child[1], int(a.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="cpxl-bench-") as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        big = generate(tmp / "big", a.n)
        small = generate(tmp / "small", max(1, a.n // 4), seed=2)
        print(f"generated {a.n} + {max(1, a.n // 4)} workbooks in {time.perf_counter() - t:.0f} s")
        floor = run("floor", big)
        naive = run("naive", big, min(a.naive_n, a.n))
        cpxl1 = run("cpxl", small, a.workers)
        cpxl = run("cpxl", big, a.workers)
        for d in ("归档", "反馈"):
            shutil.rmtree(big / d, ignore_errors=True)
        (big / "ledger.sqlite").unlink()
        cpxl_fb = run("cpxl+feedback", big, a.workers)
        per = lambda m: m["seconds"] / m["files"]  # noqa: E731
        print(f"\n{'measure':38s} {'files':>6s} {'seconds':>9s} {'ms/file':>8s} {'peak MB':>8s}")
        for label, m in (("floor: python-calamine read only", floor), ("naive: pandas(openpyxl)+jsonschema", naive),
                         (f"cpxl ingest N/4 ({a.workers} workers)", cpxl1), (f"cpxl ingest N ({a.workers} workers)", cpxl),
                         ("cpxl ingest N + feedback copies", cpxl_fb)):
            print(f"{label:38s} {m['files']:6d} {m['seconds']:9.2f} {1000 * per(m):8.1f} {m['peak_mb']:8.1f}")
        print(f"\ncpxl / floor (per file)          = {per(cpxl) / per(floor):.2f}  (goal ≤ 2)")
        print(f"cpxl+feedback / floor (per file) = {per(cpxl_fb) / per(floor):.2f}  "
              f"(annotated copies of the {cpxl_fb['counts']['rejected']} rejected and warned files, openpyxl)")
        print(f"naive / cpxl (per file)          = {per(naive) / per(cpxl):.1f}  (goal ≥ 10)")
        print(f"cpxl peak memory N vs N/4        = {cpxl['peak_mb']:.0f} MB vs {cpxl1['peak_mb']:.0f} MB")
        print(f"cpxl outcomes: {cpxl['counts']}, problems: {cpxl['problems']}")


if __name__ == "__main__":
    main()
