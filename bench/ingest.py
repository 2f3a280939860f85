"""Benchmark: ingesting N returned workbooks (default 1,000), side by side in one run.

Measured on the same machine in one run, each in a process of its own (as a whole process tree: its
workers included — see ``bench/_tree.py``):
  floor     python-calamine merely reading every sheet of every file (one process), before and after
  cpxl      `cpxl ingest` end to end (archive, ledger, validation, master update) at N/4 and N
  feedback  the same at N with annotated feedback copies of the rejected and warned files
  naive     pandas.read_excel (default engine) + jsonschema per row, per file
then the table of issue 16 with the goals beside the figures, and an estimate for 20,000 enterprises.

    .venv/bin/python bench/ingest.py                 # N = 1,000 (and 250 for the growth)
    .venv/bin/python bench/ingest.py -n 300          # quicker
    .venv/bin/python bench/ingest.py --scale         # N = 250, 1,000, 4,000: the scale curve
    .venv/bin/python bench/ingest.py --cache DIR     # keep the generated audits for the next run
Never asserts a time: these machines are noisy; read the ratios (wall and CPU, side by side).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
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
    from cpxl.book.templates import TEMPLATE_VERSION, build_template, stamp_signature

    audit = {"audit_name": "bench", "statistical_year": 2025,
             "audit_id": _audit_id(folder.master)}
    rows = reported_rows(system_rows(system))
    from cpxl.core.signing import load_key

    key = load_key(folder.state, create=True)  # templates carry the audit's stamp signature, as cpxl templates does
    bases = []
    for k, e in enumerate(ents):
        wb, _, _ = build_template(audit, e, rows, key)
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
                    if key:  # the stamp's signature names the enterprise: the clone gets its own
                        b = b.replace(stamp_signature(key, audit["audit_id"], src_e["uscc"], TEMPLATE_VERSION).encode(),
                                      stamp_signature(key, audit["audit_id"], e["uscc"], TEMPLATE_VERSION).encode())
                zout.writestr(item, b)
    return api_root


def _xml(s: str) -> bytes:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def _audit_id(master: Path) -> str:
    from cpxl.book import schema
    from cpxl.book.xlsxread import read_records

    return read_records(master, schema.load("audit_task"))[0]["audit_id"]


# ---------------------------------------------------------------- the measurements (each in its own process)

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
    seconds = time.perf_counter() - t
    sizes = {k: sum(p.stat().st_size for p in (folder / k).rglob("*") if p.is_file()) for k in ("归档", "反馈")}
    import sqlite3

    with sqlite3.connect(folder / "ledger.sqlite") as db:  # rows per enterprise of the largest consolidated sheet
        per_key = db.execute("SELECT r.key, sum(json_array_length(r.json)) * 1.0 / count(*) FROM records r JOIN"
                             " submissions s ON s.sha256 = r.sha256 AND s.outcome = 'accepted' GROUP BY r.key").fetchall()
    widest = max(per_key, key=lambda kv: kv[1]) if per_key else ("", 0)
    return {"seconds": seconds, "files": len(res.files),
            "counts": {k: res.count(k) for k in ("accepted", "rejected", "unreadable", "duplicate")},
            "feedback": sum(1 for f in res.files if f.feedback), "problems": len(res.problems),
            "widest_sheet": widest[0], "rows_per_enterprise": widest[1],
            "bytes": {"archive": sizes["归档"], "feedback": sizes["反馈"], "ledger": (folder / "ledger.sqlite").stat().st_size,
                      "master": (folder / "审核总表.xlsx").stat().st_size}}


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
          "cpxl": lambda: measure_cpxl(Path(folder), arg, False),
          "cpxl+feedback": lambda: measure_cpxl(Path(folder), arg, True),
          "naive": lambda: measure_naive(Path(folder), arg)}[kind]
    print(json.dumps(fn(), ensure_ascii=False))


def run(kind: str, folder: Path, arg: int = 0) -> dict:
    """One measure in a process of its own; the figures of its whole process tree added."""
    from bench._tree import measure

    m = measure([sys.executable, str(HERE), "--child", kind, str(folder), str(arg)])
    out = dict(m.output)
    out.update(wall=m.wall, cpu=m.cpu, peak_mb=m.peak_mb)
    return out


# ---------------------------------------------------------------- the run


class Audits:
    """Generated audit folders (kept in ``cache`` when given); each measure gets a fresh copy."""

    def __init__(self, tmp: Path, cache: Path | None):
        self.tmp, self.cache = tmp, cache

    def source(self, n: int, seed: int) -> Path:
        base = (self.cache or self.tmp / "gen") / f"n{n}-s{seed}"
        if not (base / "audit" / "审核总表.xlsx").exists():
            shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True)
            t = time.perf_counter()
            generate(base, n, seed)
            print(f"generated {n} returned workbooks in {time.perf_counter() - t:.0f} s", flush=True)
        return base / "audit"

    def fresh(self, n: int, seed: int) -> Path:
        dst = self.tmp / f"run-{n}-{seed}-{time.monotonic_ns()}"
        shutil.copytree(self.source(n, seed), dst / "audit")
        return dst / "audit"


def per(m: dict) -> float:
    return 1000 * m["seconds"] / max(1, m["files"])


def cpu_per(m: dict) -> float:
    return 1000 * m["cpu"] / max(1, m["files"])


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--naive-n", type=int, default=100, help="files for the naive baseline (it is slow)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scale", action="store_true", help="the scale curve: N = 250, 1,000, 4,000 (long)")
    ap.add_argument("--cache", type=Path, default=None, help="keep generated audits here for later runs")
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        _child(a.child[0], a.child[1], int(a.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="cpxl-bench-") as tmp:
        audits = Audits(Path(tmp), a.cache)
        if a.scale:
            scale(audits, a.workers)
        else:
            table(audits, a.n, a.naive_n, a.workers)


def table(audits: Audits, n: int, naive_n: int, workers: int) -> None:
    small_n = max(1, n // 4)
    big = audits.source(n, 1)
    audits.source(small_n, 2)
    floor1 = run("floor", big)
    naive = run("naive", big, min(naive_n, n))
    cpxl_small = run("cpxl", audits.fresh(small_n, 2), workers)
    cpxl = run("cpxl", audits.fresh(n, 1), workers)
    fb = run("cpxl+feedback", audits.fresh(n, 1), workers)
    floor2 = run("floor", big)
    floor = {**floor1, "seconds": (floor1["seconds"] + floor2["seconds"]) / 2, "cpu": (floor1["cpu"] + floor2["cpu"]) / 2}
    b = math.log(cpxl["seconds"] / cpxl_small["seconds"]) / math.log(n / small_n)
    b_cpu = math.log(cpxl["cpu"] / cpxl_small["cpu"]) / math.log(n / small_n)
    print("\nmeasure (one process tree each)          files  seconds  ms/file  CPU ms/file  peak MB (PSS, tree)")
    rows = (("floor: python-calamine read, before", floor1), ("floor: python-calamine read, after", floor2),
            ("naive: pandas(openpyxl)+jsonschema", naive), (f"cpxl ingest N/4 ({workers} workers)", cpxl_small),
            (f"cpxl ingest N ({workers} workers)", cpxl), ("cpxl ingest N + feedback copies", fb))
    for label, m in rows:
        print(f"{label:40s} {m['files']:6d} {m['seconds']:8.2f} {per(m):8.1f} {cpu_per(m):12.1f} {m['peak_mb']:10.1f}")
    r_ingest, r_fb = per(cpxl) / per(floor), per(fb) / per(floor)
    r_naive = per(naive) / per(cpxl)
    print("\n| step | now | goal |\n| --- | --- | --- |")
    print(f"| ingest {n:,} returned workbooks, vs python-calamine merely reading them (the floor) | "
          f"{per(cpxl):.1f} ms/file = {r_ingest:.2f}× the floor ({workers} workers against a 1-process floor; "
          f"CPU {cpu_per(cpxl) / cpu_per(floor):.2f}× the floor's) | ≤ 1.5× ({_mark(r_ingest <= 1.5)}) |")
    print(f"| growth {small_n:,} → {n:,} files | {per(cpxl_small):.1f} → {per(cpxl):.1f} ms/file (exponent {b:.2f}; "
          f"of the CPU time {b_cpu:.2f}) | linear or better ({_mark(b <= 1.05)}; CPU {_mark(b_cpu <= 1.05)}) |")
    print(f"| the same with annotated feedback copies ({fb['feedback']} files, package edits) | "
          f"{per(fb):.1f} ms/file = {r_fb:.2f}× | ≤ 3× ({_mark(r_fb <= 3)}) |")
    print(f"| naive pandas + jsonschema vs cpxl | {r_naive:.1f}× faster | ≥ 10× ({_mark(r_naive >= 10)}) |")
    print(f"| peak memory, whole process tree | floor {floor1['peak_mb']:.0f} MB; cpxl {cpxl_small['peak_mb']:.0f} MB at "
          f"{small_n:,}, {cpxl['peak_mb']:.0f} MB at {n:,}, {fb['peak_mb']:.0f} MB with feedback | flat in N "
          f"({_mark(cpxl['peak_mb'] <= 1.25 * cpxl_small['peak_mb'] + 20)}) |")
    print(f"\ncpxl outcomes: {cpxl['counts']}, problems: {cpxl['problems']}; floor before/after: "
          f"{per(floor1):.1f} / {per(floor2):.1f} ms/file")
    estimate(cpxl, b, n, fb)


def estimate(m: dict, b: float, n: int, fb: dict | None = None, mem_b: float | None = None) -> None:
    """On paper: what a national audit of 20,000 enterprises would need, from the measured figures."""
    target = 20_000
    k = target / n
    t = m["seconds"] * k ** max(b, 1.0)
    mem = m["peak_mb"] * (k ** mem_b if mem_b is not None and mem_b > 0 else 1)
    by = m["bytes"]
    print(f"\nEstimate for {target:,} enterprises (from N = {n:,}; time scaled with exponent {max(b, 1.0):.2f}"
          f"{'' if mem_b is None else f', memory with {mem_b:.2f}'}):")
    print(f"  ingest of all {target:,} returned workbooks in one batch: ≈ {t / 60:.0f} min with 2 workers "
          f"(≈ {t / 60 / 4:.0f} min with 8 workers, reading scales with cores)")
    print(f"  peak memory ≈ {mem:.0f} MB; disk: archive ≈ {by['archive'] * k / 1e9:.1f} GB, ledger ≈ "
          f"{by['ledger'] * k / 1e9:.1f} GB, master workbook ≈ {by['master'] * k / 1e6:.0f} MB"
          + (f", feedback copies ≈ {fb['bytes']['feedback'] * k / 1e9:.1f} GB" if fb else ""))
    rows = max(1.0, m.get("rows_per_enterprise") or 1.0)
    print(f"  the master's largest consolidated sheet ({m.get('widest_sheet')}, {rows:.0f} rows per enterprise) holds "
          f"≈ {rows * target:,.0f} rows at {target:,} enterprises; Excel's limit of 1,048,576 rows per sheet is "
          f"reached at ≈ {1_048_576 / rows:,.0f} enterprises")


def scale(audits: Audits, workers: int) -> None:
    points = []
    print(f"\n{'N':>6s} {'floor ms/file':>14s} {'cpxl ms/file':>13s} {'ratio':>6s} {'CPU ms/file':>12s} {'peak MB':>8s}")
    for n in (250, 1000, 4000):
        src = audits.source(n, 1)
        floor = run("floor", src)
        m = run("cpxl", audits.fresh(n, 1), workers)
        points.append((n, m))
        print(f"{n:6d} {per(floor):14.1f} {per(m):13.1f} {per(m) / per(floor):6.2f} {cpu_per(m):12.1f} {m['peak_mb']:8.1f}",
              flush=True)
    from bench._tree import exponent

    b = exponent([(n, m["seconds"]) for n, m in points])
    mb = exponent([(n, m["peak_mb"]) for n, m in points])
    print(f"\ngrowth exponent of the time (t ≈ a·N^b, fitted over N = 250…4,000): b = {b:.2f} "
          f"(1 = linear; goal: linear or better, {_mark(b <= 1.05)})")
    print(f"growth exponent of the peak memory: {mb:.2f} (0 = flat)")
    estimate(points[-1][1], b, points[-1][0], mem_b=mb)


if __name__ == "__main__":
    main()
