"""The archive of original files and the ledger of submissions (SQLite in the audit folder).

Archive: every received file's bytes, content-addressed (``归档/ab/abcdef….xlsx``), read-only.
Ledger: one row per distinct file (by SHA-256) with its outcome and problem counts, the
problems, and the accepted records — so the consolidated data, the validation report and the
feedback copies can always be rebuilt from the ledger alone. All writes of one file happen in one
transaction.

Which submission of an enterprise is current: the one whose workbook was saved later (the
template's own save time), else the one received later (:func:`supersedes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpxl.core.problems import Problem

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    sha256 TEXT UNIQUE NOT NULL,
    size INTEGER NOT NULL,
    filename TEXT NOT NULL,
    received TEXT NOT NULL,
    archived TEXT NOT NULL,
    enterprise_uscc TEXT,
    enterprise_name TEXT,
    audit_id TEXT,
    template_version TEXT,
    kind TEXT,
    outcome TEXT NOT NULL,          -- accepted | rejected | unreadable
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    infos INTEGER NOT NULL DEFAULT 0,
    saved TEXT                      -- the workbook's own save time (docProps), when it has one
);
CREATE TABLE IF NOT EXISTS problems (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    severity TEXT, rule TEXT, sheet TEXT, cell TEXT, field TEXT, value TEXT, message TEXT, fix TEXT
);
CREATE INDEX IF NOT EXISTS problems_by_submission ON problems(submission_id);
CREATE TABLE IF NOT EXISTS records (
    sha256 TEXT NOT NULL,
    key TEXT NOT NULL,              -- schema key, e.g. ent_energy
    json TEXT NOT NULL,             -- the file's records of that sheet
    PRIMARY KEY (sha256, key)
);
CREATE TABLE IF NOT EXISTS derived (
    sha256 TEXT PRIMARY KEY,        -- a submission
    feedback TEXT,                  -- its feedback copy
    feedback_sha256 TEXT            -- the copy's bytes as written (another content: stale)
);
"""
COLUMNS = ("id, sha256, filename, received, enterprise_uscc, enterprise_name, outcome, errors, warnings, infos,"
           " archived, COALESCE(saved, ''), COALESCE(kind, '')")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive(src: Path, archive_dir: Path, digest: str, data: bytes | None = None) -> Path:
    """Copy ``src`` (whose bytes are ``data`` when already read) into the content-addressed archive
    (read-only); existing copies are kept as they are."""
    suffix = src.suffix.lower()[:8] if src.suffix else ".bin"
    dst = archive_dir / digest[:2] / f"{digest}{suffix}"
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".part")
        if data is None:
            shutil.copyfile(src, tmp)
        else:
            tmp.write_bytes(data)
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, dst)
    return dst


@dataclass
class Submission:
    id: int
    sha256: str
    filename: str
    received: str
    enterprise_uscc: str
    enterprise_name: str
    outcome: str
    errors: int
    warnings: int
    infos: int
    archived: str
    saved: str = ""
    kind: str = ""


def supersedes(new: Submission, old: Submission) -> bool:
    """Whether ``new`` replaces ``old`` (same enterprise): later save time of the workbook, else later receipt."""
    if new.saved and old.saved and new.saved != old.saved:
        return new.saved > old.saved
    return (new.received, new.id) > (old.received, old.id)


def latest(subs: list[Submission]) -> dict[str, Submission]:
    """The current submission of each enterprise among ``subs``."""
    out: dict[str, Submission] = {}
    for sub in sorted(subs, key=lambda s: (s.received, s.id)):
        cur = out.get(sub.enterprise_uscc)
        if cur is None or supersedes(sub, cur):
            out[sub.enterprise_uscc] = sub
    return out


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL+NORMAL: consistent after any crash
        self.db.executescript(SCHEMA_SQL)
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(submissions)")}
        if "saved" not in cols:  # a ledger of an older cpxl
            self.db.execute("ALTER TABLE submissions ADD COLUMN saved TEXT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def known(self, digest: str) -> Submission | None:
        row = self.db.execute(f"SELECT {COLUMNS} FROM submissions WHERE sha256=?", (digest,)).fetchone()
        return Submission(*row) if row else None

    def record(self, *, digest: str, size: int, filename: str, archived: Path, kind: str, outcome: str,
               enterprise_uscc: str, enterprise_name: str, stamp: dict[str, str], problems: list[Problem],
               saved: str = "") -> int:
        """The submission row and its problems, in one transaction (its records were staged before)."""
        counts = {s: sum(p.severity == s for p in problems) for s in ("error", "warning", "info")}
        received = dt.datetime.now().isoformat(timespec="microseconds")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "INSERT INTO submissions (sha256, size, filename, received, archived, enterprise_uscc, enterprise_name,"
                " audit_id, template_version, kind, outcome, errors, warnings, infos, saved)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (digest, size, filename, received, str(archived), enterprise_uscc, enterprise_name,
                 stamp.get("audit_id", ""), stamp.get("template_version", ""), kind, outcome, counts["error"],
                 counts["warning"], counts["info"], saved or None))
            sid = int(cur.lastrowid)
            self.db.executemany(
                "INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?)",
                [(sid, p.severity, p.rule, p.sheet, p.cell, p.field, None if p.value is None else str(p.value),
                  p.message, p.fix) for p in problems])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return sid

    def stage_records(self, digest: str, records: dict[str, list[dict[str, Any]]]) -> None:
        """Store a file's extracted records (before its outcome is known), one row per sheet."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?)",
                                [(digest, k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in records.items()])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def stage_json(self, digest: str, staged: dict[str, str]) -> None:
        """Store a file's extracted records already encoded as JSON (one row per sheet, one transaction)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?)", [(digest, k, v) for k, v in staged.items()])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def current_accepted(self) -> list[Submission]:
        """The current accepted submission of each enterprise (see :func:`supersedes`)."""
        return sorted(latest([s for s in self.all() if s.outcome == "accepted"]).values(),
                      key=lambda s: s.enterprise_uscc)

    def current(self) -> list[Submission]:
        """What is still current: each enterprise's current submission, and every file no enterprise was found for."""
        subs = self.all()
        now = set(id(s) for s in latest([s for s in subs if s.enterprise_uscc]).values())
        return [s for s in subs if not s.enterprise_uscc or id(s) in now]

    def feedback(self, digest: str) -> tuple[str, str]:
        row = self.db.execute("SELECT feedback, feedback_sha256 FROM derived WHERE sha256=?", (digest,)).fetchone()
        return (row[0] or "", row[1] or "") if row else ("", "")

    def set_feedback(self, digest: str, path: str, content_sha: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO derived VALUES (?,?,?)", (digest, path, content_sha))

    def records(self, digest: str, key: str) -> list[dict[str, Any]]:
        row = self.db.execute("SELECT json FROM records WHERE sha256=? AND key=?", (digest, key)).fetchone()
        return json.loads(row[0]) if row else []

    def consolidated(self, key: str) -> Iterator[dict[str, Any]]:
        """Rows of one sheet over the current accepted submissions, keyed by enterprise (streamed: one
        query, ordered by the database, one submission's rows in memory at a time)."""
        subs = self.current_accepted()
        order = json.dumps([s.sha256 for s in subs])
        rows = self.db.execute("SELECT CAST(j.key AS INTEGER), r.json FROM json_each(?) j JOIN records r"
                               " ON r.sha256 = j.value AND r.key = ? ORDER BY j.key", (order, key)).fetchmany
        while batch := rows(64):
            for pos, text in batch:
                sub = subs[pos]
                for r in json.loads(text):
                    for k in ("_ok", "_row", "_cells"):
                        r.pop(k, None)
                    yield {"ent_uscc": sub.enterprise_uscc, "ent_name": sub.enterprise_name, **r}

    def all(self) -> list[Submission]:
        rows = self.db.execute(f"SELECT {COLUMNS} FROM submissions ORDER BY received, id").fetchall()
        return [Submission(*r) for r in rows]

    def problems(self, sub: Submission) -> list[Problem]:
        """The problems recorded for a submission, with its file and enterprise."""
        rows = self.db.execute("SELECT severity, rule, sheet, cell, field, value, message, fix FROM problems"
                               " WHERE submission_id=?", (sub.id,)).fetchall()
        return [Problem(rule=r[1], severity=r[0], sheet=r[2] or "", cell=r[3] or "", field=r[4] or "", value=r[5],
                        message=r[6], fix=r[7] or "", file=sub.filename, enterprise=sub.enterprise_uscc) for r in rows]
