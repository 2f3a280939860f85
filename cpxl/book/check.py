"""``cpxl check``: validate the regulator's own entries in the master workbook, sheet by sheet, cell by cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpxl.core.folder import AuditFolder
from cpxl.core.problems import Problem

from . import schema
from .indicator_check import check_system_rows
from .master import with_audit_pack
from .validate import validate_rows
from .xlsxread import MasterLayoutError, ReadRow, master_rows, normalise, open_workbook


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


@with_audit_pack
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
        try:
            raws = master_rows(wb, s, master.name)
        except MasterLayoutError as exc:
            res.problems.append(Problem("sheet.layout", "error", str(exc), "恢复被删除或改动的列（表头）后重新运行",
                                        file=master.name, sheet=s.sheet))
            continue
        rows = [normalise(r, s, file=master.name) for r in raws]
        res.rows[s.key] = len(rows)
        found = validate_rows(s, rows) + _sheet_rules(s, rows)
        for p in found:
            p.file, p.sheet = master.name, s.sheet
            if p.rule.startswith("normalized."):
                p.message = p.message.replace("已自动规范", "可规范为", 1)
                p.fix = p.fix or "cpxl check 不修改审核总表：请在该单元格中改为规范写法（后续步骤按规范值读取）"
            res.problems.append(p)
    return res


def _sheet_rules(s: schema.SheetSchema, rows: list[ReadRow]) -> list[Problem]:
    """What no single cell shows: the indicator system as a whole, a team without a leader, dates out of order."""
    if s.key == "indicator_system":
        return check_system_rows(rows)
    if s.key == "team" and rows and not any(r.values.get("role") == "组长" for r in rows):
        return [Problem("team.leader", "error", "审核小组没有组长（5.1.2：审核小组应由地方清洁生产主管部门负责人担任组长）",
                        "在“审核小组职务”中把一位成员设为“组长”", cell=rows[0].cells.get("role", ""), field="审核小组职务")]
    if s.key == "audit_task" and rows:
        v, cells = rows[0].values, rows[0].cells
        start, end = v.get("start_date"), v.get("end_date")
        if isinstance(start, str) and isinstance(end, str) and start > end:
            return [Problem("task.dates", "error", f"审核开始日期 {start} 晚于计划完成日期 {end}",
                            "核对两个日期（格式 2025-03-31）", cell=cells.get("end_date", ""), field="审核计划完成日期",
                            value=end)]
    if s.key == "work_plan":
        dated = [r for r in rows if isinstance(r.values.get("due_date"), str)]
        return [Problem("plan.order", "warning",
                        f"“{r.values.get('task', '')}”的完成时间 {r.values['due_date']} 早于前一项"
                        f"“{prev.values.get('task', '')}”（{prev.values['due_date']}）",
                        "按工作顺序核对完成时间（表A.2）", cell=r.cells.get("due_date", ""), field="完成时间",
                        value=r.values["due_date"])
                for prev, r in zip(dated, dated[1:], strict=False) if r.values["due_date"] < prev.values["due_date"]]
    return []
