"""Sheet schemas: load ``schemas/*.json`` and derive what every sheet needs from them.

A schema describes one row of one sheet (JSON Schema 2020-12, ``type: object``) plus
``x-`` keywords for what JSON Schema has no word for. The vocabulary is documented in
``schemas/README.md``. Everything else in cpxl — headers, column order, Excel data
validation, input messages, self-check formulas, Python validation — is derived here.

Industry-specific content comes from the active industry pack (:mod:`cpxl.domain.packs`): a field with
``x-pack-list`` takes the pack's drop-down list, a sheet with ``x-pack-rows`` the pack's prefilled rows.
The schemas are therefore loaded per pack (and cached per pack).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from cpxl.core.paths import SCHEMAS
from cpxl.domain import packs

EXCEL_SHEET_FORBIDDEN = set('[]:*?/\\')


@dataclass(frozen=True)
class Field:
    """One property of a sheet schema: a column (table layout) or a row (form layout)."""

    name: str
    title: str
    type: str  # string | number | integer
    help: str = ""
    unit: str = ""
    enum: tuple[str, ...] = ()
    format: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str = ""
    required: bool = False
    locked: bool = False
    rule: str = ""  # domain rule: uscc | permit | industry_code
    source: str = ""  # x-from: "sheet.field" the value is pre-filled from
    width: int | None = None
    le: str = ""  # x-le: this value must not exceed that field's value
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_number(self) -> bool:
        return self.type in ("number", "integer")

    @property
    def is_date(self) -> bool:
        return self.type == "string" and self.format == "date"

    @property
    def header(self) -> str:
        """Column header as shown in Excel: title and unit, e.g. ``产量（t）``."""
        return f"{self.title}（{self.unit}）" if self.unit else self.title

    def display_width(self) -> int:
        """Column width in Excel units: CJK characters count double, plus padding."""
        if self.width:
            return self.width
        text = self.header + (" *" if self.required else "")
        units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        if self.enum:
            units = max(units, max(sum(2 if ord(c) > 0x2E80 else 1 for c in e) for e in self.enum))
        if self.is_date:
            units = max(units, 12)
        return max(8, min(units + 2, 40))

    def constraint_text(self) -> str:
        """The constraint in plain Chinese, for Excel error messages and the instructions sheet."""
        parts: list[str] = []
        if self.enum:
            parts.append("从下拉列表中选择：" + "、".join(self.enum))
        if self.type == "integer":
            parts.append("填写整数")
        elif self.type == "number":
            parts.append("填写数字（不要带单位）")
        if self.is_date:
            parts.append("填写日期，如 2025-03-31")
        if self.minimum is not None and self.maximum is not None:
            parts.append(f"取值范围 {fmt_num(self.minimum)}～{fmt_num(self.maximum)}")
        elif self.minimum is not None:
            parts.append(f"不小于 {fmt_num(self.minimum)}")
        elif self.maximum is not None:
            parts.append(f"不大于 {fmt_num(self.maximum)}")
        if self.min_length and self.max_length and self.min_length == self.max_length:
            parts.append(f"共 {self.max_length} 位")
        elif self.max_length:
            parts.append(f"不超过 {self.max_length} 个字")
        return "；".join(parts)


def fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class SheetSchema:
    key: str
    title: str
    sheet: str
    clause: str
    workbook: str  # master | enterprise
    layout: str  # table | form
    order: int
    description: str
    fields: tuple[Field, ...]
    per_year: bool = False
    required_years: tuple[str, ...] = ()
    min_rows: int = 50
    key_fields: tuple[str, ...] = ()
    prefill: tuple[dict[str, Any], ...] = ()
    template_rows: tuple[packs.PrefillRow, ...] = ()  # rows every template prefills (from the industry pack)
    rules: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.key}: no field {name!r}")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def is_form(self) -> bool:
        return self.layout == "form"

    def validator(self) -> Draft202012Validator:
        return _validator(self.key)


def _field(name: str, spec: dict[str, Any], required: bool) -> Field:
    return Field(
        name=name,
        title=spec["title"],
        type=spec["type"],
        help=spec.get("description", ""),
        unit=spec.get("x-unit", ""),
        enum=tuple(spec.get("enum", ())),
        format=spec.get("format", ""),
        minimum=spec.get("minimum"),
        maximum=spec.get("maximum"),
        min_length=spec.get("minLength"),
        max_length=spec.get("maxLength"),
        pattern=spec.get("pattern", ""),
        required=required,
        locked=bool(spec.get("x-locked", False)),
        rule=spec.get("x-rule", ""),
        source=spec.get("x-from", ""),
        width=spec.get("x-width"),
        le=spec.get("x-le", ""),
        raw=spec,
    )


def parse(doc: dict[str, Any], key: str) -> SheetSchema:
    required = set(doc.get("required", ()))
    fields = tuple(_field(n, s, n in required) for n, s in doc["properties"].items())
    return SheetSchema(
        key=key,
        title=doc["title"],
        sheet=doc["x-sheet"],
        clause=doc.get("x-clause", ""),
        workbook=doc["x-workbook"],
        layout=doc["x-layout"],
        order=doc.get("x-order", 1000),
        description=doc.get("description", ""),
        fields=fields,
        per_year=bool(doc.get("x-per-year", False)),
        required_years=tuple(doc.get("x-required-years", ())),
        min_rows=int(doc.get("x-min-rows", 50)),
        key_fields=tuple(doc.get("x-key", ())),
        prefill=tuple(doc.get("x-prefill", ())),
        template_rows=(),
        rules=tuple(doc.get("x-rules", ())),
        raw=doc,
    )


def apply_pack(doc: dict[str, Any], pack: packs.Pack) -> dict[str, Any]:
    """A schema document with the pack's lists (``x-pack-list``) and prefilled rows (``x-pack-rows``)."""
    doc = json.loads(json.dumps(doc))
    for spec in doc["properties"].values():
        hook = spec.get("x-pack-list")
        if not hook:
            continue
        name, mode = (hook, "extend") if isinstance(hook, str) else (hook["list"], hook.get("mode", "extend"))
        items = pack.list(name)
        if not items:
            continue
        base = list(spec.get("enum", ()))
        head = list(hook.get("first", ())) if isinstance(hook, dict) else []
        tail = [x for x in base if x == "其他"]
        if mode == "replace":
            merged = [*head, *items, *tail]
        else:
            merged = [*head, *items, *[x for x in base if x not in items and x != "其他"], *tail]
        spec["enum"] = list(dict.fromkeys(merged))
    return doc


@cache
def _load_all(folder: str, pack_id: str) -> dict[str, SheetSchema]:
    pack = packs.load_pack(pack_id)
    out: dict[str, SheetSchema] = {}
    for path in sorted(Path(folder).glob("*.json")):
        doc = apply_pack(json.loads(path.read_text(encoding="utf-8")), pack)
        s = parse(doc, path.stem)
        if doc.get("x-pack-rows"):
            s = replace(s, template_rows=tuple(pack.rows(path.stem)))
        out[path.stem] = s
    return dict(sorted(out.items(), key=lambda kv: kv[1].order))


def load_all(folder: Path = SCHEMAS) -> dict[str, SheetSchema]:
    """All sheet schemas for the active industry pack, in workbook order."""
    return _load_all(str(folder), packs.active_id())


def load(key: str) -> SheetSchema:
    return load_all()[key]


def for_workbook(kind: str) -> list[SheetSchema]:
    """The schemas of the master workbook (``master``) or of an enterprise template (``enterprise``)."""
    return [s for s in load_all().values() if s.workbook == kind]


def by_sheet_name() -> dict[str, SheetSchema]:
    return {s.sheet: s for s in load_all().values()}


def _validator(key: str) -> Draft202012Validator:
    return _validator_for(key, packs.active_id())


@cache
def _validator_for(key: str, pack_id: str) -> Draft202012Validator:
    return Draft202012Validator(load(key).raw, format_checker=Draft202012Validator.FORMAT_CHECKER)


CONSOLIDATED_PREFIX = "汇总_"


def consolidated(s: SheetSchema) -> SheetSchema:
    """The master workbook's long table of an enterprise sheet: the same fields, keyed by enterprise.

    Form sheets become one row per enterprise; table sheets keep one row per record. The
    sheet is named ``汇总_<enterprise sheet>`` and its schema key ``all_<key>``.
    """
    ent_fields = (
        Field("ent_uscc", "统一社会信用代码", "string", "报送企业", required=True, width=22),
        Field("ent_name", "企业名称", "string", "报送企业", required=True, width=28),
    )
    fields = ent_fields + tuple(f for f in s.fields if f.name not in ("uscc", "name") or s.key != "ent_profile")
    raw = dict(s.raw)
    props = {f.name: f.raw or {"type": "string", "title": f.title} for f in ent_fields}
    props["ent_uscc"] = {"type": "string", "title": "统一社会信用代码"}
    props["ent_name"] = {"type": "string", "title": "企业名称"}
    props.update({f.name: s.raw["properties"][f.name] for f in fields[2:]})
    raw["properties"] = props
    raw["required"] = ["ent_uscc", "ent_name"] + [n for n in s.raw.get("required", []) if n in props]
    raw["x-sheet"] = (CONSOLIDATED_PREFIX + s.sheet)[:31]
    raw["x-layout"] = "table"
    raw["x-workbook"] = "master"
    return SheetSchema(
        key="all_" + s.key,
        title=f"{s.title}（汇总）",
        sheet=(CONSOLIDATED_PREFIX + s.sheet)[:31],
        clause=s.clause,
        workbook="master",
        layout="table",
        order=1000 + s.order,
        description=f"各企业报送的“{s.sheet}”数据汇总，由 cpxl ingest 从已接受的报送文件写入；请勿手工修改。",
        fields=fields,
        min_rows=50,
        key_fields=("ent_uscc",) + s.key_fields,
        raw=raw,
    )


def consolidated_schemas() -> list[SheetSchema]:
    return [consolidated(s) for s in for_workbook("enterprise")]
