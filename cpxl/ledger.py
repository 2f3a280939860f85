"""The archive of original files and the ledger of submissions (SQLite in the audit folder).

Archive: every received file's bytes, content-addressed (``归档/ab/abcdef….xlsx``), read-only.
Ledger: one row per distinct file (by SHA-256) with its outcome and problem counts, the
problems, and the accepted records — so the consolidated data can always be rebuilt from the
ledger alone. All writes of one file happen in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import Problem

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
    records TEXT                    -- JSON: schema key -> list of records (accepted or not)
);
CREATE TABLE IF NOT EXISTS problems (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    severity TEXT, rule TEXT, sheet TEXT, cell TEXT, field TEXT, value TEXT, message TEXT, fix TEXT
);
CREATE INDEX IF NOT EXISTS problems_by_submission ON problems(submission_id);
"""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive(src: Path, archive_dir: Path, digest: str) -> Path:
    """Copy ``src`` into the content-addressed archive (read-only); existing copies are kept as they are."""
    suffix = src.suffix.lower()[:8] if src.suffix else ".bin"
    dst = archive_dir / digest[:2] / f"{digest}{suffix}"
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".part")
        shutil.copyfile(src, tmp)
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


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA_SQL)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def known(self, digest: str) -> Submission | None:
        row = self.db.execute(
            "SELECT id, sha256, filename, received, enterprise_uscc, enterprise_name, outcome, errors, warnings, infos,"
            " archived FROM submissions WHERE sha256=?", (digest,)).fetchone()
        return Submission(*row) if row else None

    def record(self, *, digest: str, size: int, filename: str, archived: Path, kind: str, outcome: str,
               enterprise_uscc: str, enterprise_name: str, stamp: dict[str, str], problems: list[Problem],
               records: dict[str, list[dict[str, Any]]] | None) -> int:
        counts = {s: sum(p.severity == s for p in problems) for s in ("error", "warning", "info")}
        received = dt.datetime.now().isoformat(timespec="microseconds")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "INSERT INTO submissions (sha256, size, filename, received, archived, enterprise_uscc, enterprise_name,"
                " audit_id, template_version, kind, outcome, errors, warnings, infos, records)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (digest, size, filename, received, str(archived), enterprise_uscc, enterprise_name,
                 stamp.get("audit_id", ""), stamp.get("template_version", ""), kind, outcome, counts["error"],
                 counts["warning"], counts["info"],
                 json.dumps(records, ensure_ascii=False, default=str) if records is not None else None))
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

    def current_accepted(self) -> list[tuple[Submission, dict[str, list[dict[str, Any]]]]]:
        """The newest accepted submission of each enterprise, with its records."""
        rows = self.db.execute(
            "SELECT id, sha256, filename, received, enterprise_uscc, enterprise_name, outcome, errors, warnings, infos,"
            " archived, records FROM submissions WHERE outcome='accepted' ORDER BY received, id").fetchall()
        latest: dict[str, tuple[Submission, dict]] = {}
        for r in rows:
            sub = Submission(*r[:11])
            latest[sub.enterprise_uscc] = (sub, json.loads(r[11]) if r[11] else {})
        return sorted(latest.values(), key=lambda t: t[0].enterprise_uscc)

    def all(self) -> list[Submission]:
        rows = self.db.execute(
            "SELECT id, sha256, filename, received, enterprise_uscc, enterprise_name, outcome, errors, warnings, infos,"
            " archived FROM submissions ORDER BY received, id").fetchall()
        return [Submission(*r) for r in rows]

    def problems(self, submission_id: int) -> list[Problem]:
        rows = self.db.execute("SELECT severity, rule, sheet, cell, field, value, message, fix FROM problems"
                               " WHERE submission_id=?", (submission_id,)).fetchall()
        return [Problem(rule=r[1], severity=r[0], sheet=r[2] or "", cell=r[3] or "", field=r[4] or "", value=r[5],
                        message=r[6], fix=r[7] or "") for r in rows]
