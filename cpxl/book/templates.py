"""``cpxl templates``: one macro-free template workbook per enterprise of the enterprise list.

Each template holds: instructions in plain Chinese, a formula-driven self-check sheet, the
Appendix B sheets for the statistical year and the two years before it (identity pre-filled
and locked, schema-derived validation, protected headers), and a hidden stamp that
ingestion uses to recognise the file. The stamp is signed (HMAC, :mod:`cpxl.core.signing`) with the
audit folder's own key over audit, enterprise and template version: an enterprise cannot turn its
template into another's, and a template of another audit does not verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.protection import WorkbookProtection

from cpxl import __version__
from cpxl.core import progress
from cpxl.core.atomic import write_atomic
from cpxl.core.folder import AuditFolder, safe_filename
from cpxl.core.isolate import run_isolated
from cpxl.core.lock import audit_lock
from cpxl.core.signing import load_key, sign, verify
from cpxl.domain import packs

from . import schema
from .indicator_sheet import reported_rows
from .layout import SheetLayout
from .selfcheck import SELF_CHECK_SHEET, checks_for, write_self_check
from .xlsxread import read_form, read_records
from .xlsxwrite import BORDER, DESC_FONT, HEADER_FILL, HEADER_FONT, TITLE_FONT, ListRegistry, put, write_sheet

TEMPLATE_VERSION = "1"
STAMP_SHEET = "_cpxl"
INSTRUCTIONS_SHEET = "填报说明"


@dataclass(frozen=True)
class Stamp:
    """What a template says about itself (hidden sheet ``_cpxl``)."""

    template_version: str
    audit_id: str
    enterprise_uscc: str
    enterprise_name: str
    statistical_year: int
    years: tuple[int, ...]
    schema_hash: str
    created: str
    cpxl_version: str
    signature: str = ""

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("format", "cpxl-enterprise-template"),
            ("template_version", self.template_version),
            ("audit_id", self.audit_id),
            ("enterprise_uscc", self.enterprise_uscc),
            ("enterprise_name", self.enterprise_name),
            ("statistical_year", str(self.statistical_year)),
            ("years", ",".join(map(str, self.years))),
            ("schema_hash", self.schema_hash),
            ("created", self.created),
            ("cpxl_version", self.cpxl_version),
            ("signature", self.signature),
        ]


def stamp_signature(key: bytes, audit_id: str, enterprise_uscc: str, template_version: str) -> str:
    """The stamp's HMAC: over what identifies a submission, nothing that changes when templates are remade."""
    return sign(key, "cpxl-enterprise-template", audit_id, enterprise_uscc, template_version)


def stamp_verifies(key: bytes, stamp: Mapping[str, str]) -> bool:
    """Whether a stamp read back from a returned workbook carries this audit's signature for its enterprise."""
    return verify(key, str(stamp.get("signature", "")), "cpxl-enterprise-template", str(stamp.get("audit_id", "")),
                  str(stamp.get("enterprise_uscc", "")), str(stamp.get("template_version", "")))


def schema_hash(kind: str = "enterprise") -> str:
    """A short fingerprint of the schemas a template was made from."""
    h = hashlib.sha256()
    for s in schema.for_workbook(kind):
        h.update(json.dumps(s.raw, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def template_years(statistical_year: int) -> tuple[int, ...]:
    """Appendix B.2 a): the last three years — the statistical year and the two before it."""
    return (statistical_year - 2, statistical_year - 1, statistical_year)


def template_filename(enterprise: Mapping[str, Any]) -> str:
    return f"{safe_filename(str(enterprise.get('name', '企业')))}_{enterprise.get('uscc', '')}.xlsx"


def _prefill(s: schema.SheetSchema, enterprise: Mapping[str, Any], years: Sequence[int],
             indicator_rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], set[str]]:
    """Rows pre-filled for one sheet, and the fields that pre-filling owns."""
    if s.is_form:
        row = {}
        for f in s.fields:
            if f.source:
                src_sheet, src_field = f.source.split(".", 1)
                if src_sheet == "enterprises" and enterprise.get(src_field) not in (None, ""):
                    row[f.name] = enterprise[src_field]
        return [row], set()
    if s.key == "ent_indicators":
        year = years[-1]
        rows = [{"indicator_id": r["indicator_id"], "indicator": r.get("indicator", ""), "unit": r.get("unit", ""),
                 "year": year} for r in indicator_rows]
        return rows, {"indicator_id", "indicator", "unit", "year"}
    if s.per_year and s.template_rows:
        rows = [{"year": y, **t.values} for y in years for t in s.template_rows]
        return rows, {"year", *{k for t in s.template_rows for k in t.values}}
    return [], set()


def build_template(
    audit: Mapping[str, Any],
    enterprise: Mapping[str, Any],
    indicator_rows: Sequence[Mapping[str, Any]] = (),
    key: bytes | None = None,
) -> tuple[Workbook, Stamp, dict[str, SheetLayout]]:
    """The template workbook for one enterprise (not saved); its stamp is signed with ``key``."""
    year = int(audit["statistical_year"])
    years = template_years(year)
    audit_id, uscc = str(audit.get("audit_id", "")), str(enterprise["uscc"])
    stamp = Stamp(TEMPLATE_VERSION, audit_id, uscc, str(enterprise["name"]), year, years, schema_hash(),
                  dt.datetime.now().replace(microsecond=0).isoformat(), __version__,
                  stamp_signature(key, audit_id, uscc, TEMPLATE_VERSION) if key else "")
    wb = Workbook()
    instructions = wb.active
    instructions.title = INSTRUCTIONS_SHEET
    check_ws = wb.create_sheet(SELF_CHECK_SHEET)
    lists = ListRegistry(wb)
    layouts: dict[str, SheetLayout] = {}
    checks = []
    for s in schema.for_workbook("enterprise"):
        rows, owned = _prefill(s, enterprise, years, indicator_rows)
        if s.key == "ent_indicators" and not rows:
            continue  # no indicator system chosen yet: nothing to report on this sheet
        locked = {f.name for f in s.fields if f.locked}
        if s.key == "ent_indicators":
            locked |= owned
        _, lay = write_sheet(wb, s, lists, rows, protect=True, locked_fields=locked)
        layouts[s.key] = lay
        checks.extend(checks_for(s, lay, lists, years))
    write_self_check(check_ws, checks)
    _instructions(instructions, audit, enterprise, years)
    stamp_ws = wb.create_sheet(STAMP_SHEET)
    for i, (k, v) in enumerate(stamp.rows(), start=1):
        put(stamp_ws.cell(i, 1), k)
        put(stamp_ws.cell(i, 2), v)
    base = len(stamp.rows()) + 2
    for i, (key, lay) in enumerate(layouts.items()):
        put(stamp_ws.cell(base + i, 1), f"sheet:{key}")
        put(stamp_ws.cell(base + i, 2), json.dumps({"sheet": lay.schema.sheet, "rows": lay.n_rows}, ensure_ascii=False))
    stamp_ws.sheet_state = "veryHidden"
    wb.move_sheet(lists.ws, offset=len(wb.sheetnames))
    for ws in (instructions, check_ws):
        ws.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = f"{audit.get('audit_name', '')} · 企业填报模板"
    wb.properties.subject = f"{enterprise['name']}（{enterprise['uscc']}）"
    wb.properties.creator = f"cpxl {__version__}"
    return wb, stamp, layouts


def _instructions(ws, audit: Mapping[str, Any], enterprise: Mapping[str, Any], years: Sequence[int]) -> None:
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 12
    ws.column_dimensions["E"].width = 60
    put(ws["A1"], f"{audit.get('audit_name', '行业整体清洁生产审核')} · 企业资料填报表")
    ws["A1"].font = TITLE_FONT
    lines = [
        f"填报企业：{enterprise['name']}（统一社会信用代码 {enterprise['uscc']}）",
        f"填报年份：{years[0]}、{years[1]}、{years[2]} 年（统计期 {years[-1]} 年及前两年，依据指南附录B）",
        "一、请按顺序填写各工作表（绿色标签）。表头带红色 * 的为必填项；灰色单元格已由审核组预填并锁定。",
        "二、数字栏只填数字，不要带单位或文字（如“120吨”应填 120，单位以表头或“计量单位”列为准）。",
        "三、有下拉箭头的单元格请从列表中选择；日期按 2025-03-31 的格式填写。",
        "四、没有的项目请留空，数量为零请填 0，不要填“无”“/”“N/A”。",
        "五、填完后查看“自查”工作表：问题总数为 0 后再报送。本文件不含宏，可用 Excel 或 WPS 填写。",
        "六、请勿增删或重命名工作表，勿修改表头；保存为 .xlsx 格式后原名报送。",
    ]
    for i, text in enumerate(lines, start=3):
        put(ws.cell(i, 1), text)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=5)
        ws.cell(i, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = 30
    r = 3 + len(lines) + 1
    for j, h in enumerate(("工作表", "项目", "必填", "单位", "填写要求"), start=1):
        c = ws.cell(r, j)
        put(c, h)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.border = BORDER
    for s in schema.for_workbook("enterprise"):
        for f in s.fields:
            r += 1
            vals = (s.sheet, f.title, "是" if f.required else "", f.unit,
                    "；".join(p for p in (f.help, f.constraint_text()) if p))
            for j, v in enumerate(vals, start=1):
                put(ws.cell(r, j), v)
                ws.cell(r, j).border = BORDER
                ws.cell(r, j).alignment = Alignment(wrap_text=True, vertical="top")
                ws.cell(r, j).font = DESC_FONT if j == 5 else Font(name=DESC_FONT.name, size=10)


def read_master(folder: AuditFolder) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The audit task, the enterprise list and the indicator rows from the master workbook."""
    master = folder.require_master()
    audit, problems = read_form(master, schema.load("audit_task"))
    bad_year = [p for p in problems if p.field == schema.load("audit_task").field("statistical_year").title
                and p.severity == "error"]
    if bad_year:
        p = bad_year[0]
        raise ValueError(f"审核总表工作表“{p.sheet}”{p.cell} 的“统计期（年）”填写的是“{p.value}”，不是四位数字的年份："
                         f"请改为阿拉伯数字，如 2025。")
    enterprises = [e for e in read_records(master, schema.load("enterprises")) if e.get("name") and e.get("uscc")]
    indicators = [r for r in read_records(master, schema.load("indicator_system")) if r.get("indicator_id")]
    return audit, enterprises, indicators


@progress.stepped("templates", "生成企业填报模板")
def make_templates(root: Path, indicator_rows: Sequence[Mapping[str, Any]] | None = None) -> list[Path]:
    """Write one template per enterprise of the master's enterprise list into the templates folder."""
    from .master import audit_pack

    folder = AuditFolder(Path(root))
    folder.require_master()
    with audit_lock(folder.root, "templates"), audit_pack(Path(root)):
        return _make_templates(folder, indicator_rows)


def _make_templates(folder: AuditFolder, indicator_rows: Sequence[Mapping[str, Any]] | None) -> list[Path]:
    audit, enterprises, indicators = read_master(folder)
    if not audit.get("statistical_year"):
        raise ValueError("审核总表“审核任务”中未填写“统计期（年）”，无法确定模板的填报年份。")
    if not enterprises:
        raise ValueError("审核总表“企业名单”中没有企业（需填写企业名称和统一社会信用代码）。")
    rows = indicator_rows if indicator_rows is not None else reported_rows(indicators)
    folder.templates.mkdir(parents=True, exist_ok=True)
    pack_id = packs.active_id()
    key = load_key(folder.state, create=True)
    jobs = [(audit, e, list(rows), str(folder.templates / template_filename(e)), pack_id, key) for e in enterprises]
    step = progress.current()
    step.update(total=len(jobs))
    if len(jobs) < 4:
        out = []
        for j in jobs:
            out.append(Path(_template_job(j)))
            step.advance(current=j[1].get("name", ""))
        return out
    done: dict[str, Path] = {}
    for o in run_isolated(_template_job, jobs, timeout=300):
        if not o.ok:
            raise RuntimeError(f"生成 {o.item[1].get('name')} 的模板失败：{o.error.splitlines()[0]}")
        done[o.value] = Path(o.value)
        step.advance(current=o.item[1].get("name", ""))
    return [done[j[3]] for j in jobs]


def _template_job(job: tuple[Mapping[str, Any], Mapping[str, Any], list, str, str, bytes | None]) -> str:
    audit, enterprise, rows, out, pack_id, key = job
    with packs.activated(pack_id):
        return _write_template(audit, enterprise, rows, out, key)


def _write_template(audit: Mapping[str, Any], enterprise: Mapping[str, Any], rows: list, out: str,
                    key: bytes | None = None) -> str:
    wb, _, _ = build_template(audit, enterprise, rows, key)
    write_atomic(Path(out), lambda p: wb.save(p))
    return out
