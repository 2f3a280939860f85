"""The audit folder: where the master workbook, templates, inbox, archive and outputs live."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MASTER_NAME = "审核总表.xlsx"


@dataclass(frozen=True)
class AuditFolder:
    root: Path

    @property
    def master(self) -> Path:
        return self.root / MASTER_NAME

    @property
    def templates(self) -> Path:
        return self.root / "企业模板"

    @property
    def inbox(self) -> Path:
        return self.root / "收件箱"

    @property
    def archive(self) -> Path:
        return self.root / "归档"

    @property
    def feedback(self) -> Path:
        return self.root / "反馈"

    @property
    def outputs(self) -> Path:
        return self.root / "成果"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def state(self) -> Path:
        """cpxl's own state: the folder lock and the template signing key (``.cpxl``)."""
        return self.root / ".cpxl"

    def create(self) -> None:
        for p in (self.root, self.templates, self.inbox, self.archive, self.feedback, self.outputs):
            p.mkdir(parents=True, exist_ok=True)

    def require_master(self) -> Path:
        if not self.master.exists():
            raise FileNotFoundError(
                f"在 {self.root} 中未找到审核总表（{MASTER_NAME}）。请先运行 cpxl init {self.root}。"
            )
        return self.master


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(text: str, limit: int = 80) -> str:
    """A file-name fragment from user text: characters illegal on Windows/macOS/Linux replaced by ``_``."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned[:limit] or "_"
