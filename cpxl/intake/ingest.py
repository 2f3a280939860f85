"""``cpxl ingest``: returned enterprise workbooks → archive, ledger, validation, feedback, consolidation.

Read top to bottom, per batch:
1. every file is hashed and archived untouched; bytes already in the ledger are a no-op;
2. its bytes are sniffed (type, password, zip bomb, XML entities, macros);
3. readable files are extracted in isolated workers (time and memory bounded) and validated;
4. plausibility across enterprises (peer intensities) is added;
5. each file is recorded in the ledger in one transaction (accepted or not, with its problems, identity
   checked against the stamp's signature); which submission of an enterprise is current is decided by
   a defined rule (later workbook save time, else later receipt) and said;
6. every derived output is rebuilt from the ledger's current state: the consolidated sheets of the
   master (atomically), the validation report (every submission still current, not only this batch's)
   and the feedback copies that are missing or changed — so an interrupted run is repaired by the next.

The command holds the audit folder's lock, and checks before changing anything that every place it
writes may be written and that the disk has room.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.book import schema
from cpxl.book.master import with_audit_pack
from cpxl.book.masterio import update_master
from cpxl.book.templates import stamp_verifies
from cpxl.book.xlsxread import read_records
from cpxl.core import progress
from cpxl.core.errors import AuditError, require_writable
from cpxl.core.folder import AuditFolder, safe_filename
from cpxl.core.isolate import run_isolated
from cpxl.core.lock import audit_lock
from cpxl.core.problems import Problem
from cpxl.core.signing import load_key

from .extract import Extraction, extract
from .feedback import annotate, write_report
from .ledger import Ledger, Submission, archive, latest, sha256_of
from .plausibility import PlausibilitySettings, intensities, peer_outliers
from .sniff import Limits, Sniffed, sniff

REPORT_NAME = "校验报告.xlsx"
INTENSITY_CELLS = {"ent_energy": ("consumption",), "ent_water": ("intake",), "ent_materials": ("consumption",)}
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
    ex = extract(Path(path), years, limits.max_rows, sn.dimensions)
    # the ledger's JSON is made here, in parallel; the parent gets back only what the peer checks need
    ex.staged = {k: json.dumps(v, ensure_ascii=False, default=str) for k, v in _clean(ex.records).items()}
    kept = {}
    for key in ("ent_products", *INTENSITY_CELLS):
        keep = INTENSITY_CELLS.get(key, ())
        kept[key] = [{**{k: v for k, v in r.items() if k[0] != "_"},
                      "_cells": {k: r["_cells"][k] for k in keep if k in r.get("_cells", {})}}
                     for r in ex.records.get(key, ())]
    ex.records = kept
    return sn, ex


def _annotate_job(job: tuple[str, str, list[Problem], str]) -> str:
    src, out, problems, name = job
    annotate(Path(src), Path(out), problems, name)
    return out


def _inbox_files(folder: AuditFolder) -> list[Path]:
    if not folder.inbox.exists():
        return []
    return sorted(p for p in folder.inbox.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


@progress.stepped("ingest", "导入企业报送")
@with_audit_pack
def ingest(root: Path, files: list[Path] | None = None, settings: IngestSettings | None = None) -> IngestResult:
    """One batch: archive, read, validate, record; then rebuild every derived output from the ledger.

    Holds the audit folder's lock; checks before anything is changed that the master, ledger and output
    folders may be written and that there is room for the batch.
    """
    folder = AuditFolder(Path(root))
    folder.require_master()
    with audit_lock(folder.root, "ingest"):
        return _ingest(folder, files, settings or IngestSettings())


def _preflight(folder: AuditFolder, paths: list[Path]) -> None:
    """Refuse (before changing anything) what would fail half-way: read-only places, a full disk."""
    require_writable([(folder.root, "审核文件夹"), (folder.master, "审核总表"), (folder.ledger, "台账（ledger.sqlite）"),
                      (folder.archive, "归档文件夹"), (folder.feedback, "反馈文件夹"), (folder.outputs, "成果文件夹"),
                      (folder.outputs / REPORT_NAME, "校验报告")])
    for extra in (folder.ledger.with_name(folder.ledger.name + "-wal"), folder.ledger.with_name(folder.ledger.name + "-shm")):
        require_writable([(extra, "台账（ledger.sqlite）")])
    incoming = sum(p.stat().st_size for p in paths if p.is_file())
    need = 3 * folder.master.stat().st_size + 2 * incoming + 8 * 1024**2
    free = shutil.disk_usage(folder.root).free
    if free < need:
        raise AuditError(f"磁盘空间不足：审核文件夹 {folder.root} 所在磁盘只剩 {free / 1024**2:.1f} MB，本次导入约需 "
                         f"{need / 1024**2:.1f} MB。请清理磁盘空间后重试（未做任何改动）")


def _ingest(folder: AuditFolder, files: list[Path] | None, settings: IngestSettings) -> IngestResult:
    master = folder.master
    audit = (read_records(master, schema.load("audit_task")) or [{}])[0]
    listed = {e["uscc"]: e.get("name", "") for e in read_records(master, schema.load("enterprises")) if e.get("uscc")}
    year = audit.get("statistical_year")
    years = (year - 2, year - 1, year) if isinstance(year, int) else ()
    paths = [Path(p) for p in files] if files else _inbox_files(folder)
    # the later receipt: files of one batch in the order they arrived (modification time), then by name
    paths.sort(key=lambda p: (_mtime(p), p.name))
    _preflight(folder, paths)
    key = load_key(folder.state)
    result = IngestResult()
    folder.archive.mkdir(parents=True, exist_ok=True)
    prog = progress.current()
    prog.update(total=len(paths), message="读取与校验")
    with Ledger(folder.ledger) as ledger:
        new: list[tuple[Path, str, int, Path]] = []
        seen_in_batch: set[str] = set()

        def archived() -> Iterator[tuple[str, tuple[int, ...], Limits]]:
            """Hash and archive file after file while the workers read the ones before (lazy)."""
            for path in paths:
                if not path.is_file():
                    result.files.append(FileResult(path.name, "unreadable",
                                                   message="文件不存在" if not path.exists() else "这是一个文件夹，不是文件"))
                    prog.advance(current=path.name)
                    continue
                # read once, hashed, archived from memory; a file over the size limit is streamed instead
                data = path.read_bytes() if path.stat().st_size <= settings.limits.max_file_bytes else None
                digest = hashlib.sha256(data).hexdigest() if data is not None else sha256_of(path)
                known = ledger.known(digest)
                if known:
                    result.files.append(FileResult(path.name, "duplicate", known.enterprise_uscc, known.enterprise_name,
                                                   archived=known.archived,
                                                   message=f"与 {known.received[:19]} 接收的文件内容相同，未重复处理"))
                    prog.advance(current=path.name)
                    continue
                if digest in seen_in_batch:
                    result.files.append(FileResult(path.name, "duplicate", message="与本批另一文件内容相同"))
                    prog.advance(current=path.name)
                    continue
                stored = archive(path, folder.archive, digest, data)
                seen_in_batch.add(digest)
                new.append((path, digest, path.stat().st_size, stored))
                jobs[str(stored)] = new[-1]  # read the archived copy: the original stays untouched
                yield str(stored), years, settings.limits

        jobs: dict[str, tuple[Path, str, int, Path]] = {}
        sniffed: dict[str, Sniffed] = {}
        items: list = []
        extractions: dict[str, Extraction] = {}
        failures: dict[str, str] = {}
        for out in run_isolated(_read_job, archived(),
                                workers=settings.workers, timeout=settings.limits.seconds_per_file,
                                mem_bytes=settings.limits.memory_per_worker):
            key_ = out.item[0]
            prog.advance(current=jobs[key_][0].name)
            if out.ok:
                sniffed[key_] = out.value[0]
                ex = out.value[1]
                if ex is not None:
                    # stage the records in the ledger now and keep only what the batch needs: memory stays flat
                    items += intensities(ex.enterprise_uscc, jobs[key_][0].name, ex.records, ex.sheets)
                    ledger.stage_json(jobs[key_][1], ex.staged)
                    ex.staged = {}
                    ex.records = {}
                    extractions[key_] = ex
            else:
                failures[key_] = out.error
        # plausibility across enterprises: this batch against the current accepted data
        batch = {ex.enterprise_uscc for ex in extractions.values()}
        for sub in ledger.current_accepted():
            if sub.enterprise_uscc not in batch:
                recs = {k: ledger.records(sub.sha256, k) for k in ("ent_products", "ent_energy", "ent_water",
                                                                     "ent_materials")}
                items += intensities(sub.enterprise_uscc, sub.filename, recs, {})
        peer_by_ent: dict[str, list[Problem]] = {}
        for p in peer_outliers(items, settings.plausibility):
            if p.enterprise in batch:
                peer_by_ent.setdefault(p.enterprise, []).append(p)
        before = {s.enterprise_uscc: s for s in ledger.current_accepted()}
        recorded: dict[str, FileResult] = {}
        for path, digest, size, stored in new:
            key_ = str(stored)
            sn = sniffed.get(key_)
            kind = sn.kind if sn else "unknown"
            problems = list(sn.problems) if sn else []
            ex = extractions.get(key_)
            if key_ in failures:
                msg = FAILURES.get(failures[key_].split(":")[0], "读取失败：文件内容不符合 Excel 工作簿的格式，读取器无法解析")
                problems.append(Problem("file.read_failed", "error", msg, "请用原模板重新填写并用 Excel 或 WPS 另存为 .xlsx"))
            if ex is not None:
                problems += ex.problems
                problems += peer_by_ent.get(ex.enterprise_uscc, [])
                problems += _identity_checks(ex, audit, listed, key)
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
                          problems=problems, saved=ex.saved if ex else "")
            fr = FileResult(path.name, outcome, uscc, name, *(sum(p.severity == s for p in problems)
                                                            for s in ("error", "warning", "info")), archived=str(stored))
            fr.message = _summary(fr)
            result.files.append(fr)
            result.problems += problems
            recorded[digest] = fr
        result.problems += _supersessions(ledger, recorded, before)
        # derived outputs, rebuilt from the ledger's current state: the master, the report, the feedback copies
        result.consolidated_enterprises = len(ledger.current_accepted())
        prog.note("写入审核总表（汇总各企业数据）")
        _consolidate(master, ledger)
        current = ledger.current()
        prog.note("写入校验报告")
        folder.outputs.mkdir(parents=True, exist_ok=True)
        report_problems = [p for s in current for p in ledger.problems(s)]
        result.report = str(write_report(folder.outputs / REPORT_NAME, report_problems,
                                         _report_rows(ledger.all(), current, ledger.current_accepted())))
        if settings.feedback:
            _feedback(folder, ledger, current, settings, recorded)
    return result


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def _report_rows(subs: list[Submission], current: list[Submission], consolidated: list[Submission]) -> list[dict[str, Any]]:
    """The report's summary rows: every submission, each saying whether it is current and whether it is consolidated."""
    now = {s.id for s in current}
    used = {s.id for s in consolidated}
    latest_by_ent = {s.enterprise_uscc: s for s in current if s.enterprise_uscc}
    rows = []
    for s in subs:
        d = dict(s.__dict__)
        newer = latest_by_ent.get(s.enterprise_uscc)
        if s.id in now:
            d["status"] = "当前，已汇总" if s.id in used else "当前，未汇总"
        elif s.id in used and newer is not None:
            d["status"] = f"已汇总（较新的 {newer.filename} 未被接受）"
        else:
            d["status"] = f"已被 {newer.filename} 取代" if newer else "已被取代"
        rows.append(d)
    return rows


def _supersessions(ledger: Ledger, recorded: dict[str, FileResult], before: dict[str, Submission]) -> list[Problem]:
    """Say which submission of an enterprise superseded which (within the batch and against earlier ones)."""
    out: list[Problem] = []
    subs = ledger.all()
    by_ent: dict[str, list[Submission]] = {}
    for s in subs:
        if s.enterprise_uscc:
            by_ent.setdefault(s.enterprise_uscc, []).append(s)
    now = latest([s for s in subs if s.outcome == "accepted"])
    for uscc, group in by_ent.items():
        mine = [s for s in group if s.sha256 in recorded]
        if not mine:
            continue
        cur, old = now.get(uscc), before.get(uscc)
        accepted = [s for s in mine if s.outcome == "accepted"]
        for s in accepted:
            if cur is not None and s.id != cur.id:
                why = _why(cur, s)
                note = f"同一企业的 {cur.filename} {why}，本文件已被它取代，汇总采用 {cur.filename}"
                out.append(Problem("submission.superseded", "info", note, "", file=s.filename, enterprise=uscc))
                recorded[s.sha256].message += f"；已被 {cur.filename} 取代"
        if cur is not None and cur.sha256 in recorded:
            replaced = [s for s in accepted if s.id != cur.id] + ([old] if old is not None and old.id != cur.id else [])
            if replaced:
                names = "、".join(s.filename for s in replaced)
                out.append(Problem("submission.supersedes", "info",
                                   f"本文件取代了同一企业之前的报送 {names}（{_why(cur, replaced[0])}），汇总采用本文件",
                                   "", file=cur.filename, enterprise=uscc))
                recorded[cur.sha256].message += f"；取代了 {names}"
    return out


def _why(new: Submission, old: Submission) -> str:
    if new.saved and old.saved and new.saved != old.saved:
        return f"保存时间更晚（{new.saved.replace('T', ' ')[:19]}，对方 {old.saved.replace('T', ' ')[:19]}）"
    return "接收时间更晚"


def _feedback(folder: AuditFolder, ledger: Ledger, current: list[Submission], settings: IngestSettings,
              recorded: dict[str, FileResult]) -> None:
    """A feedback copy for every current submission with errors or warnings that lacks one or whose copy changed."""
    jobs: list[tuple[str, str, list[Problem], str]] = []
    subs: dict[str, Submission] = {}
    for s in current:
        if s.outcome == "unreadable" or not (s.errors or s.warnings) or s.kind not in ("xlsx", "xlsm"):
            continue
        out = str(folder.feedback / f"{safe_filename(Path(s.filename).stem)}_反馈.xlsx")
        path, content = ledger.feedback(s.sha256)
        if path == out and Path(out).is_file() and sha256_of(Path(out)) == content:
            if s.sha256 in recorded:
                recorded[s.sha256].feedback = out
            continue
        jobs.append((s.archived, out, ledger.problems(s), s.enterprise_name))
        subs[out] = s
    with progress.step("feedback", "生成反馈副本", total=len(jobs)) as fp:
        for o in run_isolated(_annotate_job, jobs, workers=settings.workers,
                              timeout=settings.limits.seconds_per_file, mem_bytes=settings.limits.memory_per_worker):
            fp.advance(current=Path(o.item[1]).name)
            _feedback_done(o, subs[o.item[1]], ledger, recorded)


def _feedback_done(o: Any, s: Submission, ledger: Ledger, recorded: dict[str, FileResult]) -> None:
    fr = recorded.get(s.sha256)
    if o.ok:
        ledger.set_feedback(s.sha256, o.item[1], sha256_of(Path(o.item[1])))
        if fr:
            fr.feedback = o.item[1]
    elif fr:  # feedback is a courtesy; the ledger and the report already hold every problem
        fr.message += "（反馈副本未能生成，下次运行 cpxl ingest 时会重新生成）"


def _identity_checks(ex: Extraction, audit: dict[str, Any], listed: dict[str, str], key: bytes | None) -> list[Problem]:
    out = []
    other_audit = bool(ex.stamp and audit.get("audit_id") and ex.stamp.get("audit_id") != audit["audit_id"])
    if other_audit:
        out.append(Problem("identity.other_audit", "error",
                           f"该模板属于另一次审核（{ex.stamp.get('audit_id')}），不是本次审核（{audit['audit_id']}）下发的",
                           "请使用本次审核下发的模板重新填写"))
    if ex.stamp and key is None:
        out.append(Problem("identity.unverified", "warning",
                           "本审核文件夹没有模板签名密钥（模板由旧版 cpxl 生成），无法核实报送企业的身份",
                           "审核组重新运行 cpxl templates 生成带签名的模板并下发"))
    elif ex.stamp and not other_audit and not stamp_verifies(key, ex.stamp):
        what = "缺少签名" if not ex.stamp.get("signature") else "签名与内容不符"
        out.append(Problem("identity.signature", "error",
                           f"模板标识{what}：该文件不是本次审核下发给 {ex.stamp.get('enterprise_uscc') or '该企业'} 的模板，"
                           "或模板标识被改动过，数据不汇总",
                           "请使用审核组下发给贵企业的原模板填写；模板丢失时请联系审核组重新下发"))
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
