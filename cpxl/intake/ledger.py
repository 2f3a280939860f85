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
    infos INTEGER NOT NULL DEFAULT 0
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
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL+NORMAL: consistent after any crash
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
               enterprise_uscc: str, enterprise_name: str, stamp: dict[str, str], problems: list[Problem]) -> int:
        """The submission row and its problems, in one transaction (its records were staged before)."""
        counts = {s: sum(p.severity == s for p in problems) for s in ("error", "warning", "info")}
        received = dt.datetime.now().isoformat(timespec="microseconds")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "INSERT INTO submissions (sha256, size, filename, received, archived, enterprise_uscc, enterprise_name,"
                " audit_id, template_version, kind, outcome, errors, warnings, infos)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (digest, size, filename, received, str(archived), enterprise_uscc, enterprise_name,
                 stamp.get("audit_id", ""), stamp.get("template_version", ""), kind, outcome, counts["error"],
                 counts["warning"], counts["info"]))
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

    def current_accepted(self) -> list[Submission]:
        """The newest accepted submission of each enterprise (later ones supersede earlier ones)."""
        rows = self.db.execute(
            "SELECT id, sha256, filename, received, enterprise_uscc, enterprise_name, outcome, errors, warnings, infos,"
            " archived FROM submissions WHERE outcome='accepted' ORDER BY received, id").fetchall()
        latest: dict[str, Submission] = {}
        for r in rows:
            sub = Submission(*r)
            latest[sub.enterprise_uscc] = sub
        return sorted(latest.values(), key=lambda s: s.enterprise_uscc)

    def records(self, digest: str, key: str) -> list[dict[str, Any]]:
        row = self.db.execute("SELECT json FROM records WHERE sha256=? AND key=?", (digest, key)).fetchone()
        return json.loads(row[0]) if row else []

    def consolidated(self, key: str) -> Iterator[dict[str, Any]]:
        """Rows of one sheet over the current accepted submissions, keyed by enterprise (streamed)."""
        for sub in self.current_accepted():
            for r in self.records(sub.sha256, key):
                yield {"ent_uscc": sub.enterprise_uscc, "ent_name": sub.enterprise_name,
                       **{k: v for k, v in r.items() if not k.startswith("_")}}

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
