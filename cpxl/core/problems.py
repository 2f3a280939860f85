"""A problem found in a workbook: typed, positioned, with a fix — the one shape every report renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass
class Problem:
    rule: str  # stable machine code, e.g. "number.unit_in_cell"
    severity: str  # error | warning | info
    message: str  # what is wrong (Chinese)
    fix: str = ""  # how to fix it (Chinese)
    file: str = ""
    sheet: str = ""
    cell: str = ""  # A1 reference
    field: str = ""  # field title (Chinese)
    value: Any = None
    enterprise: str = ""  # 统一社会信用代码 when known
    check: str = ""  # the self-check rule it counts under (cpxl.book.rules), when the template's 自查 sheet has it

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["value"] is not None and not isinstance(d["value"], (str, int, float, bool)):
            d["value"] = str(d["value"])
        return d

    def where(self) -> str:
        parts = [p for p in (self.file, self.sheet and f"工作表“{self.sheet}”", self.cell and f"单元格 {self.cell}") if p]
        return "，".join(parts)

    def text(self) -> str:
        """One line for a person: where, what, how to fix."""
        head = f"[{SEVERITY_ZH.get(self.severity, self.severity)}] {self.where()}"
        field = f"“{self.field}”" if self.field else ""
        fix = f" 修改方法：{self.fix}" if self.fix else ""
        return f"{head}：{field}{self.message}{fix}"


def count(problems: list[Problem]) -> dict[str, int]:
    out = {s: 0 for s in SEVERITIES}
    for p in problems:
        out[p.severity] = out.get(p.severity, 0) + 1
    return out
