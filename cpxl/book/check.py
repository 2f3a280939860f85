"""``cpxl check``: validate the regulator's own entries in the master workbook, sheet by sheet, cell by cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.core.folder import AuditFolder
from cpxl.core.problems import Problem

from . import schema
from .validate import validate_rows
from .xlsxread import grid, normalise, open_workbook, raw_rows


@dataclass
class CheckResult:
    master: Path
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"master": str(self.master), "rows": self.rows, "errors": self.errors,
                "problems": [p.to_dict() for p in self.problems]}


def check(root: Path) -> CheckResult:
    """Validate the regulator's own entries in the master workbook, sheet by sheet, cell by cell."""
    folder = AuditFolder(Path(root))
    master = folder.require_master()
    wb = open_workbook(master)
    res = CheckResult(master)
    names = set(wb.sheet_names)
    for s in schema.for_workbook("master"):
        if s.sheet not in names:
            res.problems.append(Problem("sheet.missing", "error", f"缺少工作表“{s.sheet}”",
                                        "不要删除或重命名审核总表的工作表；可用 cpxl init 新建一份对照", file=master.name,
                                        sheet=s.sheet))
            continue
        rows = [normalise(r, s, file=master.name) for r in raw_rows(grid(wb, s.sheet), s)]
        res.rows[s.key] = len(rows)
        for p in validate_rows(s, rows):
            p.file, p.sheet = master.name, s.sheet
            res.problems.append(p)
    return res
