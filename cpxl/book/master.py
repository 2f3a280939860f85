"""``cpxl init``: the audit folder and its master workbook (审核总表), built from the schemas."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import quote_sheetname

from cpxl import __version__
from cpxl.core.atomic import write_atomic
from cpxl.core.folder import AuditFolder
from cpxl.core.lock import audit_lock
from cpxl.domain import packs
from cpxl.domain.indicators import load_system

from . import schema
from .indicator_sheet import system_rows
from .xlsxwrite import BODY_FONT, DESC_FONT, TITLE_FONT, ListRegistry, put, put_formula, write_sheet

HOME_SHEET = "首页"

WORKFLOW = [
    ("1 前期准备（5.1）", "填写“审核任务”“表A.1审核小组”“表A.2工作计划”“宣传培训”。", "cpxl check", "校验总表"),
    ("2 企业名单", "在“企业名单”中列出审核范围内的企业（名称、统一社会信用代码等）。", "cpxl check", "校验总表"),
    ("3 生成企业模板", "为名单中每家企业生成填报模板（附录B资料清单），发给企业填写。", "cpxl templates", "生成企业模板"),
    ("4 回收与校验", "把企业交回的文件放入“收件箱”文件夹，逐格校验并生成反馈。", "cpxl ingest", "导入企业填报"),
    ("5 审核诊断（5.2）", "计算指标、按评价指标体系评分，识别共性问题与审核重点。", "cpxl diagnose", "诊断评分"),
    ("6 目标与方案（5.3）", "设置审核目标，汇总、筛选清洁生产方案并跟踪实施。", "cpxl plan", "目标与方案"),
    ("7 审核报告（附录C）", "一键生成行业整体清洁生产审核报告（Word/PDF）。", "cpxl report", "生成报告"),
]


def default_audit_task(
    industry: str, region: str, year: int, industry_code: str = "", audit_name: str | None = None,
    pack: str = packs.DEFAULT_PACK,
) -> dict[str, Any]:
    return {
        "industry_pack": pack,
        "audit_name": audit_name or f"{region}{industry}行业整体清洁生产审核",
        "industry_name": industry,
        "industry_code": industry_code,
        "region": region,
        "scope_type": "行业全部生产工艺过程",
        "enterprise_coverage": "区域内重点行业所有企业",
        "statistical_year": year,
        "comparison_years": f"{year - 2},{year - 1}",
        "audit_id": f"CPXL-{year}-{uuid.uuid4().hex[:8].upper()}",
    }


def default_statistical_year(today: dt.date | None = None) -> int:
    """5.1.1: the statistical period is, in principle, the previous calendar year."""
    return (today or dt.date.today()).year - 1


def build_master(
    audit: Mapping[str, Any],
    data: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Workbook:
    """A master workbook: home sheet, then one sheet per master schema, ``data`` pre-filled by schema key."""
    data = data or {}
    wb = Workbook()
    home = wb.active
    home.title = HOME_SHEET
    lists = ListRegistry(wb)
    sheets = []
    for s in schema.for_workbook("master"):
        if s.key == "audit_task":
            rows: Sequence[Mapping[str, Any]] = [audit]
        else:
            rows = data.get(s.key) or list(s.prefill)
        write_sheet(wb, s, lists, rows)
        sheets.append(s)
    for s in schema.consolidated_schemas():
        write_sheet(wb, s, lists, data.get(s.key, ()))
        sheets.append(s)
    _home(home, audit, sheets)
    wb.move_sheet(lists.ws, offset=len(wb.sheetnames))
    wb.properties.title = str(audit.get("audit_name", "审核总表"))
    wb.properties.creator = f"cpxl {__version__}"
    return wb


def _home(ws, audit: Mapping[str, Any], sheets: list[schema.SheetSchema]) -> None:
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 62
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 16
    put(ws["A1"], str(audit.get("audit_name", "行业整体清洁生产审核")) + " · 审核总表")
    ws["A1"].font = TITLE_FONT
    put(ws["A2"], "依据 T/CPPC《行业整体清洁生产审核指南》。本表是整个审核的总台账：各工作表对应指南的表格与资料清单，"
                  "企业模板、校验、诊断和报告都从这里读取数据。")
    ws["A2"].font = DESC_FONT
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:D2")
    ws.row_dimensions[2].height = 36
    info = [
        ("审核编号", audit.get("audit_id", "")),
        ("审核行业", audit.get("industry_name", "")),
        ("审核区域", audit.get("region", "")),
        ("统计期", audit.get("statistical_year", "")),
    ]
    r = 4
    for k, v in info:
        put(ws.cell(r, 1), k)
        ws.cell(r, 1).font = Font(name=BODY_FONT.name, bold=True)
        put(ws.cell(r, 2), v)
        r += 1
    r += 1
    for j, h in enumerate(("工作步骤", "做什么", "命令行", "Excel 按钮"), start=1):
        put(ws.cell(r, j), h)
        ws.cell(r, j).font = Font(name=BODY_FONT.name, bold=True)
    for step, what, cmd, button in WORKFLOW:
        r += 1
        for j, v in enumerate((step, what, f"{cmd} <审核文件夹>", button), start=1):
            put(ws.cell(r, j), v)
            ws.cell(r, j).alignment = Alignment(wrap_text=True, vertical="top")
    r += 2
    put(ws.cell(r, 1), "工作表目录")
    ws.cell(r, 1).font = Font(name=BODY_FONT.name, bold=True)
    for s in sheets:
        r += 1
        link = ws.cell(r, 1)
        target = f"#{quote_sheetname(s.sheet)}!A1"
        put_formula(link, f'=HYPERLINK("{target}","{s.sheet}")')
        link.font = Font(name=BODY_FONT.name, color="0563C1", underline="single")
        put(ws.cell(r, 2), f"{s.title}（{s.clause}）")


def init_audit(
    root: Path,
    industry: str,
    region: str,
    year: int | None = None,
    industry_code: str = "",
    audit_name: str | None = None,
    data: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    overwrite: bool = False,
    audit_extra: Mapping[str, Any] | None = None,
    pack: str | Path | None = None,
) -> AuditFolder:
    """Create the audit folder and its master workbook; refuse to overwrite an existing master.

    ``pack`` (an industry pack id, default: the generic pack) decides the templates' rows and lists; its
    indicator system fills the 指标体系 sheet unless ``data`` brings one.
    """
    folder = AuditFolder(Path(root))
    if folder.master.exists() and not overwrite:
        raise FileExistsError(f"{folder.master} 已存在。为避免覆盖已填写的审核总表，请换一个文件夹或删除原文件后重试。")
    ids = [r.get("indicator_id") for r in (data or {}).get("indicator_system", ())]
    chosen = packs.load_pack(pack or packs.pack_id_of(None, ids))  # a shipped system brings its own pack
    folder.create()
    with audit_lock(folder.root, "init"):
        if folder.master.exists() and not overwrite:  # made by another command while this one waited
            raise FileExistsError(f"{folder.master} 已存在。为避免覆盖已填写的审核总表，请换一个文件夹或删除原文件后重试。")
        audit = default_audit_task(industry, region, year or default_statistical_year(), industry_code, audit_name,
                                   chosen.id)
        audit.update(audit_extra or {})
        if ids and not audit.get("indicator_system_name"):
            shipped = packs.pack_id_of(None, ids)
            if shipped != packs.DEFAULT_PACK or set(ids) == _generic_ids():
                audit["indicator_system_name"] = load_system(packs.load_pack(shipped).system_path).name
        data = dict(data or {})
        if pack and not data.get("indicator_system") and chosen.system_path is not None:
            system = load_system(chosen.system_path)
            data["indicator_system"] = system_rows(system)
            audit.setdefault("indicator_system_name", system.name)
        with packs.activated(chosen):
            wb = build_master(audit, data)
        write_atomic(folder.master, lambda p: wb.save(p))
    return folder


@contextlib.contextmanager
def audit_pack(root: Path) -> Iterator[packs.Pack]:
    """Run a block with the industry pack of the audit at ``root`` (a folder or its master) active."""
    root = Path(root)
    master = root if root.suffix.lower() in (".xlsx", ".xlsm") else AuditFolder(root).master
    pack_id = master_pack(master) if master.is_file() else packs.DEFAULT_PACK
    with packs.activated(pack_id) as p:
        yield p


_F = TypeVar("_F", bound=Callable[..., Any])


def with_audit_pack(fn: _F) -> _F:
    """Decorate a step whose first argument is the audit folder (or master): it runs with the audit's pack."""

    @functools.wraps(fn)
    def wrapper(root: Path, *args: Any, **kwargs: Any) -> Any:
        with audit_pack(root):
            return fn(root, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _generic_ids() -> set[str]:
    p = packs.load_pack(packs.DEFAULT_PACK)
    return {i.id for i in load_system(p.system_path).indicators()} if p.system_path else set()


def master_pack(master: Path) -> str:
    """The industry pack an audit's master workbook names (审核任务 → 行业包; older masters: the generic pack)."""
    from .xlsxread import read_records

    rows = read_records(Path(master), schema.load("audit_task"))
    if rows and rows[0].get("industry_pack"):
        return packs.pack_id_of(rows[0])
    ids = [r.get("indicator_id") for r in read_records(Path(master), schema.load("indicator_system"))]
    return packs.pack_id_of(rows[0] if rows else None, ids)
