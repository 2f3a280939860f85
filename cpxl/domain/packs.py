"""Industry packs: everything industry-specific, as data (``cpxl/data/packs/<id>/``).

A pack folder holds ``pack.json`` (format: ``schemas/formats/industry-pack.json``, documented in
``docs/industry-packs.md``), its indicator system (``indicator-system.json``), its proposal catalogue
(``proposals.json``) and ``SOURCES.md``. ``pack.json`` gives the template content (products and their
units, typical materials, energy carriers, the pollutants of each medium with their limits and 特征污染物,
the rows to prefill and whether each is required), the plausibility ranges, the 5.2.2 focus hints and the
computed quantities its indicator system refers to.

An audit uses one pack, recorded in the master's 审核任务 sheet (``industry_pack``). Every step that reads
or writes sheets runs inside :func:`activated` for that pack, so that the schemas (:mod:`cpxl.book.schema`)
take the pack's drop-down lists and prefilled rows; :func:`active` returns it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cpxl.core import paths

PACKS_DIR = paths.DATA / "packs"
FORMAT_PATH = paths.SCHEMAS / "formats" / "industry-pack.json"
DEFAULT_PACK = "generic"
STATUS_ZH = {"complete": "完整", "partial": "指标体系不完整", "template": "通用模板"}


class PackError(ValueError):
    """A pack cannot be found or breaks the format; the message is Chinese."""


@dataclass(frozen=True)
class PrefillRow:
    """A row the template prefills on one sheet (for every year of a per-year sheet)."""

    values: Mapping[str, Any]  # the prefilled cells, e.g. {"outlet": "DW001", "pollutant": "六价铬"}
    required: bool  # the enterprise must fill it in (or note 不涉及)
    match: tuple[str, ...]  # the fields that identify the item whatever the enterprise edits (e.g. pollutant)

    @property
    def label(self) -> str:
        return "、".join(str(self.values[k]) for k in self.match if self.values.get(k))


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    industry: str
    status: str
    folder: Path
    data: Mapping[str, Any] = field(repr=False)

    # ------------------------------------------------------------------ files
    @property
    def system_path(self) -> Path | None:
        name = self.data.get("indicator_system")
        return self.folder / name if name else None

    @property
    def proposals_path(self) -> Path | None:
        name = self.data.get("proposals")
        return self.folder / name if name else None

    # ------------------------------------------------------------------ template content
    def pollutants(self, medium: str) -> list[Mapping[str, Any]]:
        return list((self.data.get(medium) or {}).get("pollutants", ()))

    def pollutant(self, medium: str, name: str) -> Mapping[str, Any] | None:
        return next((p for p in self.pollutants(medium) if p.get("name") == name), None)

    def list(self, name: str) -> tuple[str, ...] | None:
        """A drop-down list named in a schema's ``x-pack-list`` (None: the pack does not define it)."""
        d = self.data
        if name == "products.units":
            return tuple((d.get("products") or {}).get("units", ())) or None
        if name == "capacity_units":
            return tuple(d.get("capacity_units", ())) or None
        if name == "material_purposes":
            return tuple(d.get("material_purposes", ())) or None
        if name == "energy.carriers":
            return tuple(dict.fromkeys(e["carrier"] for e in d.get("energy", ()) if e.get("carrier") != "其他")) or None
        if name == "energy.units":
            return tuple(dict.fromkeys(e["unit"] for e in d.get("energy", ()) if e.get("unit"))) or None
        if name == "water.sources":
            return tuple((d.get("water") or {}).get("sources", ())) or None
        if name in ("wastewater.pollutants", "wastegas.pollutants"):
            medium = name.split(".")[0]
            names = [p["name"] for p in self.pollutants(medium)]
            names += [r["pollutant"] for r in (d.get(medium) or {}).get("prefill", ())]
            return tuple(dict.fromkeys(names)) or None
        if name in ("wastewater.conc_units", "wastegas.conc_units"):
            units = [_conc_unit(p.get("unit", "")) for p in self.pollutants(name.split(".")[0])]
            return tuple(dict.fromkeys(u for u in units if u)) or None
        raise KeyError(f"unknown pack list {name!r}")

    def rows(self, sheet_key: str) -> list[PrefillRow]:
        """The rows a template prefills on ``sheet_key`` (named in the schema's ``x-pack-rows``)."""
        d = self.data
        out: list[PrefillRow] = []
        if sheet_key == "ent_energy":
            for e in d.get("energy", ()):
                if e.get("prefill") and e.get("carrier") != "其他":
                    out.append(PrefillRow({"carrier": e["carrier"], "unit": e["unit"]}, bool(e.get("required")),
                                          ("carrier",)))
        elif sheet_key == "ent_water":
            for w in (d.get("water") or {}).get("prefill", ()):
                out.append(PrefillRow({"source": w["source"]}, bool(w.get("required")), ("source",)))
        elif sheet_key in ("ent_wastewater", "ent_wastegas"):
            medium = sheet_key.removeprefix("ent_")
            for r in (d.get(medium) or {}).get("prefill", ()):
                vals: dict[str, Any] = {"outlet": r.get("outlet"), "pollutant": r["pollutant"]}
                p = self.pollutant(medium, r["pollutant"])
                if medium == "wastewater":
                    vals["unit"] = "m³" if r["pollutant"] == "废水量" else "t"
                    if p is not None and _conc_unit(p.get("unit", "")):
                        vals["conc_unit"] = _conc_unit(p["unit"])
                else:
                    unit = r.get("conc_unit") or (_conc_unit(p.get("unit", "")) if p else "")
                    if unit:
                        vals["conc_unit"] = unit
                out.append(PrefillRow({k: v for k, v in vals.items() if v}, bool(r.get("required")), ("pollutant",)))
        elif sheet_key == "ent_solidwaste":
            for w in d.get("solidwaste", ()):
                if w.get("prefill"):
                    vals = {"waste": w["waste"], "category": w["category"]}
                    if w.get("hw_code"):
                        vals["hw_code"] = w["hw_code"]
                    out.append(PrefillRow(vals, bool(w.get("required")), ("waste",)))
        return out

    @property
    def characteristic_pollutants(self) -> tuple[str, ...]:
        """特征污染物 (5.2.2): the pack's own list, else the pollutants it marks characteristic."""
        focus = self.data.get("focus") or {}
        listed = focus.get("characteristic_pollutants") or (self.data.get("characteristic_pollutants") or {}).get("list")
        if listed:
            return tuple(listed)
        return tuple(dict.fromkeys(p["name"] for m in ("wastewater", "wastegas") for p in self.pollutants(m)
                                   if p.get("characteristic")))

    @property
    def focus(self) -> Mapping[str, Any]:
        return self.data.get("focus") or {}

    @property
    def quantities(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data.get("quantities") or {}

    @property
    def output_name(self) -> str:
        return (self.data.get("products") or {}).get("output_name") or "产品产量"

    @property
    def denominator(self) -> Mapping[str, Any]:
        return (self.data.get("products") or {}).get("denominator") or {"kind": "sum"}

    @property
    def ranges(self) -> list[Mapping[str, Any]]:
        return list((self.data.get("plausibility") or {}).get("ranges", ()))

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "industry": self.industry, "status": self.status,
                "status_zh": STATUS_ZH.get(self.status, self.status),
                "indicator_system": str(self.system_path) if self.system_path else None,
                "standards": [s for s in ((self.data.get(m) or {}).get("standard") for m in ("wastewater", "wastegas"))
                              if s]}


def _conc_unit(unit: str) -> str:
    """A standard's unit as the template writes it (the standards' mg/m³ is at standard state: mg/Nm³)."""
    u = (unit or "").strip()
    if u in ("mg/m³", "mg/m3"):
        return "mg/Nm³"
    if u in ("ngTEQ/m³", "ng-TEQ/m³", "ngTEQ/Nm³"):
        return "ngTEQ/Nm³"
    return u if u and u not in ("—", "无量纲", "mg/m³ / 无量纲") else ""


# --------------------------------------------------------------------------- loading


@cache
def _format_validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(FORMAT_PATH.read_text(encoding="utf-8")))


def validate_pack_data(data: Any, folder: Path | None = None) -> list[str]:
    """Every defect of a ``pack.json`` document, in Chinese (empty: valid)."""
    problems = []
    for e in sorted(_format_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        problems.append(f"{where}：{e.message}")
    if problems or not isinstance(data, Mapping):
        return problems
    if folder is not None:
        if data["id"] != folder.name:
            problems.append(f"行业包编号“{data['id']}”应与文件夹名“{folder.name}”相同")
        for key in ("indicator_system", "proposals"):
            name = data.get(key)
            if name and not (folder / name).is_file():
                problems.append(f"{key} 指向的文件 {name} 不存在")
    for medium in ("wastewater", "wastegas"):
        known = {p["name"] for p in data[medium]["pollutants"]} | {"废水量"}
        for r in data[medium].get("prefill", ()):
            if r["pollutant"] not in known:
                problems.append(f"{medium}.prefill 中的污染物“{r['pollutant']}”不在 {medium}.pollutants 中")
    return problems


@cache
def _load(folder: str) -> Pack:
    path = Path(folder) / "pack.json"
    if not path.is_file():
        raise PackError(f"找不到行业包文件：{path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PackError(f"行业包 {path} 不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from exc
    problems = validate_pack_data(data, Path(folder))
    if problems:
        raise PackError(f"行业包 {path} 不合格（{len(problems)} 处）：\n" + "\n".join(f"  - {p}" for p in problems))
    return Pack(data["id"], data["name"], data["industry"], data["status"], Path(folder), data)


def pack_ids() -> list[str]:
    return sorted(p.name for p in PACKS_DIR.iterdir() if (p / "pack.json").is_file())


def load_pack(id_or_folder: str | Path | Pack | None = None) -> Pack:
    """A shipped pack by id (default: the generic pack), or a pack folder."""
    if isinstance(id_or_folder, Pack):
        return id_or_folder
    key = str(id_or_folder or DEFAULT_PACK).strip()
    folder = Path(key)
    if folder.is_dir() and (folder / "pack.json").is_file():
        return _load(str(folder.resolve()))
    if (PACKS_DIR / key).is_dir():
        return _load(str(PACKS_DIR / key))
    raise PackError(f"没有编号为“{key}”的行业包；可用的有：{'、'.join(pack_ids())}（见 cpxl packs）")


def list_packs() -> list[Pack]:
    return [load_pack(i) for i in pack_ids()]


# --------------------------------------------------------------------------- the active pack

_ACTIVE: contextvars.ContextVar[Pack | None] = contextvars.ContextVar("cpxl_pack", default=None)


def active() -> Pack:
    """The pack of the audit being worked on (the generic pack outside :func:`activated`)."""
    return _ACTIVE.get() or load_pack(DEFAULT_PACK)


def active_id() -> str:
    p = _ACTIVE.get()
    return p.id if p else DEFAULT_PACK


@contextlib.contextmanager
def activated(pack: str | Path | Pack | None) -> Iterator[Pack]:
    """Run the block with ``pack`` as the active pack (schemas, lists and rows follow it)."""
    p = load_pack(pack)
    token = _ACTIVE.set(p)
    try:
        yield p
    finally:
        _ACTIVE.reset(token)


def pack_id_of(audit_task: Mapping[str, Any] | None, indicator_ids: Iterable[str] = ()) -> str:
    """The pack an audit uses, from its 审核任务 row. A master made before packs existed has no such field:
    the pack whose indicator system has exactly the ids of its 指标体系 sheet, else the generic pack."""
    v = str((audit_task or {}).get("industry_pack") or "").strip()
    if v:
        return v
    ids = {str(i) for i in indicator_ids if i}
    if ids:
        for p in list_packs():
            if p.system_path is None:
                continue
            doc = json.loads(p.system_path.read_text(encoding="utf-8"))
            if ids == {i["id"] for c in doc.get("categories", ()) for i in c.get("indicators", ())}:
                return p.id
    return DEFAULT_PACK


# --------------------------------------------------------------------------- computed quantities

#: Quantities cpxl computes for any industry from an enterprise's Appendix B data (``cpxl.diagnosis.derive``);
#: a pack adds its own (``quantities`` in pack.json), each defined by one of these bases.
BASE_QUANTITIES: dict[str, tuple[str, str]] = {
    "product_output": ("产品产量", "t"),
    "energy_per_unit_product": ("单位产品综合能耗", "kgce/t"),
    "water_per_unit_product": ("单位产品取水量", "m³/t"),
    "co2_per_unit_product": ("单位产品二氧化碳排放量（能源消费）", "kgCO₂/t"),
    "pollutant_per_unit_product": ("单位产品主要污染物排放量", "kg/t"),
    "solid_waste_utilization_rate": ("一般工业固体废物综合利用率", "%"),
}


def known_quantities(pack: Pack | None = None) -> frozenset[str]:
    """The computed-quantity codes an indicator of this pack's audits may name."""
    p = pack or active()
    return frozenset(BASE_QUANTITIES) | frozenset(p.quantities)
