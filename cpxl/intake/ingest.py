"""``cpxl ingest``: returned enterprise workbooks → archive, ledger, validation, feedback, consolidation.

Read top to bottom, per batch:
1. every file is hashed and archived untouched; bytes already in the ledger are a no-op;
2. its bytes are sniffed (type, password, zip bomb, XML entities, macros);
3. readable files are extracted in isolated workers (time and memory bounded) and validated;
4. plausibility across enterprises (peer intensities) is added;
5. each file is recorded in the ledger in one transaction (accepted or not, with its problems);
6. annotated feedback copies and the validation report are written;
7. the consolidated sheets of the master are rebuilt from the ledger's accepted submissions,
   atomically — so an interrupted run is repaired by the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.book import schema
from cpxl.book.master import with_audit_pack
from cpxl.book.masterio import update_master
from cpxl.book.xlsxread import read_records
from cpxl.core.folder import AuditFolder, safe_filename
from cpxl.core.isolate import run_isolated
from cpxl.core.problems import Problem

from .extract import Extraction, extract
from .feedback import annotate, write_report
from .ledger import Ledger, archive, sha256_of
from .plausibility import PlausibilitySettings, intensities, peer_outliers
from .sniff import Limits, Sniffed, sniff

REPORT_NAME = "校验报告.xlsx"
FAILURES = {
    "timeout": "读取超时：文件结构异常或过于庞大",
    "memory": "读取时内存超限：文件声明了异常巨大的表格区域或内容",
    "crashed": "读取器崩溃：文件已损坏或被恶意构造",
}


@dataclass
class IngestSettings:
    strict: bool = False  # True: warnings also keep a submission out of the consolidated data
    limits: Limits = field(default_factory=Limits)
    plausibility: PlausibilitySettings = field(default_factory=PlausibilitySettings)
    workers: int | None = None
    feedback: bool = True


@dataclass
class FileResult:
    file: str
    outcome: str  # accepted | rejected | unreadable | duplicate
    enterprise_uscc: str = ""
    enterprise_name: str = ""
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    archived: str = ""
    feedback: str = ""
    message: str = ""


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    report: str = ""
    consolidated_enterprises: int = 0

    def count(self, outcome: str) -> int:
        return sum(f.outcome == outcome for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.__dict__ for f in self.files],
            "counts": {k: self.count(k) for k in ("accepted", "rejected", "unreadable", "duplicate")},
            "consolidated_enterprises": self.consolidated_enterprises,
            "report": self.report,
            "problems": [p.to_dict() for p in self.problems],
        }


def _read_job(job: tuple[str, tuple[int, ...], Limits]) -> tuple[Sniffed, Extraction | None]:
    """Everything done to one untrusted file, inside an isolated worker: sniff, then read and validate."""
    path, years, limits = job
    sn = sniff(Path(path), limits)
    if not sn.readable:
        return sn, None
    return sn, extract(Path(path), years, limits.max_rows, sn.dimensions)


def _annotate_job(job: tuple[str, str, list[Problem], str]) -> str:
    src, out, problems, name = job
    annotate(Path(src), Path(out), problems, name)
    return out


def _inbox_files(folder: AuditFolder) -> list[Path]:
    if not folder.inbox.exists():
        return []
    return sorted(p for p in folder.inbox.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


@with_audit_pack
def ingest(root: Path, files: list[Path] | None = None, settings: IngestSettings | None = None) -> IngestResult:
    settings = settings or IngestSettings()
    folder = AuditFolder(Path(root))
    master = folder.require_master()
    audit = (read_records(master, schema.load("audit_task")) or [{}])[0]
    listed = {e["uscc"]: e.get("name", "") for e in read_records(master, schema.load("enterprises")) if e.get("uscc")}
    year = audit.get("statistical_year")
    years = (year - 2, year - 1, year) if isinstance(year, int) else ()
    paths = [Path(p) for p in files] if files else _inbox_files(folder)
    result = IngestResult()
    folder.archive.mkdir(parents=True, exist_ok=True)
    with Ledger(folder.ledger) as ledger:
        new: list[tuple[Path, str, int, Path]] = []
        seen_in_batch: set[str] = set()
        for path in paths:
            if not path.exists():
                result.files.append(FileResult(path.name, "unreadable", message="文件不存在"))
                continue
            digest = sha256_of(path)
            known = ledger.known(digest)
            if known:
                result.files.append(FileResult(path.name, "duplicate", known.enterprise_uscc, known.enterprise_name,
                                               archived=known.archived,
                                               message=f"与 {known.received[:19]} 接收的文件内容相同，未重复处理"))
                continue
            if digest in seen_in_batch:
                result.files.append(FileResult(path.name, "duplicate", message="与本批另一文件内容相同"))
                continue
            stored = archive(path, folder.archive, digest)
            seen_in_batch.add(digest)
            new.append((path, digest, path.stat().st_size, stored))
        jobs = {str(n[3]): n for n in new}  # read the archived copy: the original stays untouched
        sniffed: dict[str, Sniffed] = {}
        items: list = []
        extractions: dict[str, Extraction] = {}
        failures: dict[str, str] = {}
        for out in run_isolated(_read_job, [(k, years, settings.limits) for k in jobs],
                                workers=settings.workers, timeout=settings.limits.seconds_per_file,
                                mem_bytes=settings.limits.memory_per_worker):
            key = out.item[0]
            if out.ok:
                sniffed[key] = out.value[0]
                ex = out.value[1]
                if ex is not None:
                    # stage the records in the ledger now and keep only what the batch needs: memory stays flat
                    items += intensities(ex.enterprise_uscc, jobs[key][0].name, ex.records, ex.sheets)
                    ledger.stage_records(jobs[key][1], _clean(ex.records))
                    ex.records = {}
                    extractions[key] = ex
            else:
                failures[key] = out.error
        # plausibility across enterprises: this batch against the current accepted data
        batch_ents = {ex.enterprise_uscc for ex in extractions.values()}
        for sub in ledger.current_accepted():
            if sub.enterprise_uscc not in batch_ents:
                recs = {k: ledger.records(sub.sha256, k) for k in ("ent_products", "ent_energy", "ent_water",
                                                                     "ent_materials")}
                items += intensities(sub.enterprise_uscc, sub.filename, recs, {})
        peer = peer_outliers(items, settings.plausibility)
        batch = {ex.enterprise_uscc for ex in extractions.values()}
        peer_by_ent: dict[str, list[Problem]] = {}
        for p in peer:
            if p.enterprise in batch:
                peer_by_ent.setdefault(p.enterprise, []).append(p)
        feedback_jobs: list[tuple[str, str, list[Problem], str]] = []
        by_out: dict[str, FileResult] = {}
        for path, digest, size, stored in new:
            key = str(stored)
            sn = sniffed.get(key)
            kind = sn.kind if sn else "unknown"
            problems = list(sn.problems) if sn else []
            ex = extractions.get(key)
            if key in failures:
                msg = FAILURES.get(failures[key].split(":")[0], "读取失败：" + failures[key].splitlines()[0][:200])
                problems.append(Problem("file.read_failed", "error", msg, "请用原模板重新填写并用 Excel 或 WPS 另存为 .xlsx"))
            if ex is not None:
                problems += ex.problems
                problems += peer_by_ent.get(ex.enterprise_uscc, [])
                problems += _identity_checks(ex, audit, listed)
            uscc = ex.enterprise_uscc if ex else ""
            name = ex.enterprise_name if ex else ""
            for p in problems:
                p.file, p.enterprise = path.name, p.enterprise or uscc
            if ex is None:
                outcome = "unreadable"
            elif any(p.severity == "error" for p in problems) or (
                    settings.strict and any(p.severity == "warning" for p in problems)):
                outcome = "rejected"
            else:
                outcome = "accepted"
            ledger.record(digest=digest, size=size, filename=path.name, archived=stored, kind=kind, outcome=outcome,
                          enterprise_uscc=uscc, enterprise_name=name, stamp=ex.stamp if ex else {},
                          problems=problems)
            fr = FileResult(path.name, outcome, uscc, name, *(sum(p.severity == s for p in problems)
                                                            for s in ("error", "warning", "info")), archived=str(stored))
            fr.message = _summary(fr)
            result.files.append(fr)
            result.problems += problems
            if settings.feedback and ex is not None and (fr.errors or fr.warnings) and kind in ("xlsx", "xlsm"):
                out = folder.feedback / f"{safe_filename(Path(path.name).stem)}_反馈.xlsx"
                feedback_jobs.append((str(stored), str(out), problems, name))
                by_out[str(out)] = fr
        # annotated copies, in the isolated workers too (openpyxl is the slow part of a batch)
        for o in run_isolated(_annotate_job, feedback_jobs, workers=settings.workers,
                              timeout=settings.limits.seconds_per_file, mem_bytes=settings.limits.memory_per_worker):
            fr = by_out[o.item[1]]
            if o.ok:
                fr.feedback = o.item[1]
            else:  # feedback is a courtesy; the ledger and the report already hold every problem
                fr.message += f"（反馈副本未生成：{o.error.splitlines()[0][:100]}）"
        subs = [s.__dict__ for s in ledger.all()]
        result.consolidated_enterprises = len(ledger.current_accepted())
        _consolidate(master, ledger)
    folder.outputs.mkdir(parents=True, exist_ok=True)
    result.report = str(write_report(folder.outputs / REPORT_NAME, result.problems, subs))
    return result


def _identity_checks(ex: Extraction, audit: dict[str, Any], listed: dict[str, str]) -> list[Problem]:
    out = []
    if ex.stamp and audit.get("audit_id") and ex.stamp.get("audit_id") != audit["audit_id"]:
        out.append(Problem("identity.other_audit", "error",
                           f"该模板属于另一次审核（{ex.stamp.get('audit_id')}），不是本次审核（{audit['audit_id']}）下发的",
                           "请使用本次审核下发的模板重新填写"))
    if not ex.enterprise_uscc:
        out.append(Problem("identity.unknown", "error", "无法确定报送企业（缺少统一社会信用代码）",
                           "使用审核组下发的企业模板填写"))
    elif listed and ex.enterprise_uscc not in listed:
        out.append(Problem("identity.not_listed", "warning", f"企业 {ex.enterprise_uscc} 不在审核总表的企业名单中",
                           "审核组确认后将该企业加入“企业名单”，或核对信用代码"))
    return out


def _clean(records: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Records as stored in the ledger: values only; a row with an error cell keeps only its valid values."""
    out = {}
    for key, rows in records.items():
        out[key] = [{k: v for k, v in r.items() if not k.startswith("_") or k == "_ok"} for r in rows]
    return out


def _consolidate(master: Path, ledger: Ledger) -> None:
    """Rebuild every consolidated sheet of the master from the ledger (rows streamed sheet by sheet)."""
    rows_by_key = {s.key: (lambda k=s.key[len("all_"):]: ledger.consolidated(k)) for s in schema.consolidated_schemas()}
    update_master(master, rows_by_key)


def _summary(fr: FileResult) -> str:
    what = {"accepted": "已接受", "rejected": "退回修改", "unreadable": "无法读取"}[fr.outcome]
    return f"{what}：错误 {fr.errors}，警告 {fr.warnings}，提示 {fr.infos}"


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
