"""Scoring a table of indicator values against one system (``cpxl score``): reading .json/.csv/.xlsx value files."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cpxl.domain.indicators import (
    Indicator,
    IndicatorSystem,
    load_system,
)

from .model import _text
from .scoring import (
    NOT_APPLICABLE,
    TableScore,
    score_table,
)
from .values import _level_number

# --------------------------------------------------------------------------- scoring a table of values


_COLUMN_ALIASES = {
    "enterprise": ("enterprise", "企业", "企业名称", "单位名称", "name"),
    "indicator_id": ("indicator_id", "指标编号", "二级指标编号", "指标id"),
    "value": ("value", "指标值", "值", "数值"),
    "self_level": ("self_level", "自评等级", "等级", "level", "自评/核定等级"),
    "not_applicable": ("not_applicable", "不适用"),
}


def _canonical(key: Any) -> str:
    k = unicodedata.normalize("NFKC", str(key)).strip()
    for name, aliases in _COLUMN_ALIASES.items():
        if k.casefold() in (a.casefold() for a in aliases):
            return name
    return k


def _cell_value(v: Any, ind: Indicator | None) -> Any:
    """A value typed in a file → what the scoring engine expects (numbers, levels 0–3, 不适用, None)."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v
    t = unicodedata.normalize("NFKC", str(v)).strip()
    if not t:
        return None
    if t in (NOT_APPLICABLE, "N/A", "NA", "n/a"):
        return NOT_APPLICABLE
    if ind is not None and ind.qualitative:
        n = _level_number(t)
        if n is not None:
            return n
    try:
        return float(t.replace(",", ""))
    except ValueError:
        return v  # the scoring engine reports it as invalid


def normalise_rows(system: IndicatorSystem, rows: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]]
                   ) -> list[dict[str, Any]]:
    """Wide rows (``enterprise`` + indicator ids), long rows (enterprise/indicator_id/value) or a mapping
    enterprise → values → wide rows with typed values."""
    inds = {i.id: i for i in system.indicators()}
    if isinstance(rows, Mapping):
        rows = [{"enterprise": k, **dict(v)} for k, v in rows.items()]
    rows = [{_canonical(k): v for k, v in r.items()} for r in rows]
    if rows and all("indicator_id" in r for r in rows):
        wide: dict[str, dict[str, Any]] = {}
        for r in rows:
            name = _text(r.get("enterprise")) or "（未填企业名称）"
            iid = _text(r.get("indicator_id"))
            if not iid:
                continue
            if _text(r.get("not_applicable")) == "是":
                v: Any = NOT_APPLICABLE
            elif r.get("value") not in (None, ""):
                v = r.get("value")
            else:
                v = r.get("self_level")
            wide.setdefault(name, {"enterprise": name})[iid] = v
        rows = list(wide.values())
    return [{k: (v if k == "enterprise" else _cell_value(v, inds.get(k))) for k, v in r.items()} for r in rows]


def score_values(system: str | Path | IndicatorSystem,
                 rows: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
                 options: Mapping[str, Any] | None = None) -> TableScore:
    """Score a table of values against one system (the Python face of ``cpxl score``)."""
    sys_ = system if isinstance(system, IndicatorSystem) else load_system(system)
    return score_table(sys_, normalise_rows(sys_, rows), options)


def load_values(path: Path) -> list[dict[str, Any]]:
    """Rows of a values file: .json (a list of rows, ``{"rows": [...]}`` or ``{企业: {指标: 值}}``), .csv or .xlsx
    (first sheet, header in the first row). Raises ``ValueError`` (Chinese) on a bad file."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"“{path}”是一个文件夹，不是指标值文件：请指定其中的 .json、.csv 或 .xlsx 文件")
    if not path.is_file():
        raise FileNotFoundError(f"找不到指标值文件：{path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"指标值文件 {path.name} 不是文本文件（可能是 Excel 或其他二进制文件改了扩展名），无法按 JSON 读取："
                             "请提供 UTF-8 编码的 .json，或改用 .xlsx/.csv") from exc
        except json.JSONDecodeError as exc:
            raise ValueError(f"指标值文件 {path.name} 不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近格式有误"
                             "（请检查引号、逗号和括号）") from exc
        if isinstance(data, Mapping) and isinstance(data.get("rows"), list):
            data = data["rows"]
        if isinstance(data, Mapping) and all(isinstance(v, Mapping) for v in data.values()):
            return [{"enterprise": k, **dict(v)} for k, v in data.items()]
        if isinstance(data, list) and all(isinstance(r, Mapping) for r in data):
            return [dict(r) for r in data]
        raise ValueError(f"指标值文件 {path.name} 的结构无法识别：应为行的列表、{{\"rows\": [...]}} 或 {{企业: {{指标编号: 值}}}}")
    if suffix == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ValueError(f"指标值文件 {path.name} 的编码无法识别，请另存为 UTF-8 的 CSV")
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if suffix in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(path))
            grid = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
            what = "文件是空的（0 字节）" if path.stat().st_size == 0 else "文件已损坏或不是有效的 Excel 工作簿"
            raise ValueError(f"无法读取 Excel 文件 {path.name}：{what}。请在 Excel 或 WPS 中重新保存为 .xlsx 后重试") from exc
        if not grid:
            raise ValueError(f"Excel 文件 {path.name} 的第一个工作表是空的")
        header = [_text(h) for h in grid[0]]
        return [{h: v for h, v in zip(header, line, strict=False) if h and v not in ("", None)}
                for line in grid[1:] if any(v not in ("", None) for v in line)]
    raise ValueError(f"不支持的指标值文件类型“{path.suffix}”：请使用 .json、.csv 或 .xlsx")
