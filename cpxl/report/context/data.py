"""The master data as the report's sections see it: look-ups, the statistical year, the facts that earlier
sections pass to later ones, and the ledger of every number the narrative states.

One place computes each figure: a section states a number only through :meth:`Data.n`, which formats it,
files it under a key with what it summarises (a column of one of the report's tables, or a recomputation
from the master), and returns the text. Tables render the same rows the figure was computed from;
:mod:`cpxl.report.consistency` parses every number of the rendered narrative and checks each one against
its entry here, and each entry against its table or the master. Cross-references (“见表2-5”) are written
as :meth:`Data.ref` tokens and numbered once the tables present are known (:mod:`cpxl.report.numbering`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..fmt import (
    fint,
    fnum,
    number,
    pct,
    text,
)

Rows = list[dict[str, Any]]


#: The levels as the report writes them (Ⅰ/Ⅱ/Ⅲ characters; the sheets may hold I级/II级/III级: see ``level_zh``).
LEVELS = ("Ⅰ级", "Ⅱ级", "Ⅲ级", "超标待核实", "不达标", "数据不全")
RATED = ("Ⅰ级", "Ⅱ级", "Ⅲ级")
LEVEL_MEANING = {
    "Ⅰ级": "国际清洁生产领先水平",
    "Ⅱ级": "国内清洁生产先进水平",
    "Ⅲ级": "国内清洁生产一般水平",
    "超标待核实": "疑似超标排放（待核实），等级暂定，不计入Ⅰ、Ⅱ、Ⅲ级",
    "不达标": "未达到国内清洁生产一般水平",
    "数据不全": "数据不全、暂无法判定",
}
BELOW_II = {"Ⅲ级", "未达到Ⅲ级"}
DIMENSIONS = (
    "产业政策符合性",
    "生产工艺及装备指标",
    "污染治理技术指标",
    "污染物产生和排放指标",
    "资源综合利用指标",
    "产品特征指标",
    "监测监控水平指标",
    "清洁生产管理指标",
)
DEFAULT_COMMON_SHARE = 30.0  # % of enterprises below level II that makes a problem "common" (as cpxl diagnose)

# ---------------------------------------------------------------------------
# the data


@dataclass
class Stated:
    """One number the narrative states: its value, its text, and what it summarises.

    ``table``/``col``/``agg``: the report table (context key), its column header and how the figure follows
    from the column (``sum``, ``count`` of rows, ``value`` of the row where ``where`` holds, ``max``, ``min``);
    ``check``: an independent recomputation from the master data.
    """

    key: str
    value: float
    text: str
    section: str
    table: str | None = None
    col: str | None = None
    agg: str | None = None
    where: tuple[str, str] | None = None
    check: Callable[[], float | None] | None = None


REF_OPEN, REF_CLOSE = "⟦", "⟧"


@dataclass
class Data:
    """The master data with the look-ups every section needs; ``facts`` and ``charts`` collect results."""

    raw: Mapping[str, Sequence[Mapping[str, Any]]]
    today: dt.date = field(default_factory=dt.date.today)
    draft: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)
    stated: dict[str, Stated] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    section: str = ""
    context: dict[str, Any] = field(default_factory=dict)  # the sections built so far
    _names: dict[str, str] | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- the ledger of stated numbers
    def n(self, key: str, value: float | int | None, kind: str = "num", *, table: str | None = None,
          col: str | None = None, agg: str | None = None, where: tuple[str, str] | None = None,
          check: Callable[[], float | None] | None = None, dp: int | None = None) -> str:
        """The text of a number the narrative states, filed under ``key`` (see :class:`Stated`).

        ``kind``: ``int`` (thousands separators), ``num`` (:func:`fnum`), ``pct`` (a fraction shown in %).
        """
        if value is None:
            return "—"
        if kind == "int":
            t = fint(value)
        elif kind == "pct":
            t = pct(value, dp=1 if dp is None else dp)
        else:
            t = fnum(value, dp)
        k = f"{self.section}:{key}"
        self.stated[k] = Stated(k, float(value), t, self.section, table, col, agg, where, check)
        return t

    def lab(self, s: Any) -> str:
        """Text taken from the data (a name, a standard's number …): its digits are not figures of the audit."""
        t = text(s)
        if t:
            self.labels.add(t)
        return t

    @staticmethod
    def ref(key: str) -> str:
        """A cross-reference to the table or figure of context key ``key`` (``表2-5``/``图2-1``/``附表3``)."""
        return f"{REF_OPEN}{key}{REF_CLOSE}"

    def rows(self, key: str) -> Rows:
        return [dict(r) for r in (self.raw.get(key) or []) if r]

    @property
    def audit(self) -> dict[str, Any]:
        rows = self.rows("audit_task")
        return rows[0] if rows else {}

    def a(self, name: str) -> str:
        return text(self.audit.get(name))

    @property
    def industry(self) -> str:
        return self.a("industry_name") or "审核"

    @property
    def region(self) -> str:
        return self.a("region")

    @property
    def year(self) -> int | None:
        y = number(self.audit.get("statistical_year"))
        if y:
            return int(y)
        years = [int(r["year"]) for k in self.raw if k.startswith("all_ent_")
                 for r in self.rows(k) if number(r.get("year"))]
        return max(years) if years else None

    def year_rows(self, key: str) -> Rows:
        """Rows of the statistical year; if there are none, of the latest year; undated rows always."""
        rows = self.rows(key)
        dated = [r for r in rows if number(r.get("year"))]
        if not dated:
            return rows
        years = {int(r["year"]) for r in dated}
        y = self.year if self.year in years else max(years)
        return [r for r in rows if not number(r.get("year")) or int(r["year"]) == y]

    def rows_year(self, key: str) -> int | None:
        rows = [r for r in self.rows(key) if number(r.get("year"))]
        if not rows:
            return None
        years = {int(r["year"]) for r in rows}
        return self.year if self.year in years else max(years)

    @property
    def enterprises(self) -> Rows:
        return self.rows("enterprises")

    @property
    def names(self) -> dict[str, str]:
        """统一社会信用代码 → 企业名称, from every sheet that has both."""
        if self._names is None:
            out: dict[str, str] = {}
            for key, u, n in (("all_ent_profile", "ent_uscc", "ent_name"), ("indicator_values", "uscc", "enterprise"),
                              ("diagnosis", "uscc", "enterprise"), ("enterprises", "uscc", "name")):
                for r in self.rows(key):
                    if text(r.get(u)) and text(r.get(n)):
                        out[text(r[u])] = text(r[n])
            self._names = out
        return self._names

    def name_of(self, row: Mapping[str, Any], uscc_key: str = "uscc", name_key: str = "enterprise") -> str:
        return text(row.get(name_key)) or self.names.get(text(row.get(uscc_key)), text(row.get(uscc_key)))

    @property
    def n_enterprises(self) -> int:
        if self.enterprises:
            return len(self.enterprises)
        usccs = {text(r.get("ent_uscc")) for k in self.raw if k.startswith("all_ent_") for r in self.rows(k)}
        return len(usccs - {""})

    @property
    def indicators(self) -> dict[str, dict[str, Any]]:
        """指标编号 → row of the indicator system, in sheet order."""
        return {text(r.get("indicator_id")): r for r in self.rows("indicator_system") if text(r.get("indicator_id"))}

    def indicator_name(self, iid: str) -> str:
        r = self.indicators.get(iid)
        return text(r.get("indicator")) if r else iid

    def setting(self, name: str) -> Any:
        rows = self.rows("plan_settings")
        return rows[0].get(name) if rows else None

    def count(self, section: str, n: int, empty_when_zero: bool = True) -> None:
        self.counts[section] = n
        if n == 0 and empty_when_zero and section not in self.empty:
            self.empty.append(section)


def _group_sum(rows: Iterable[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any],
               *fields: str) -> dict[Any, dict[str, Any]]:
    """Sum ``fields`` per group; also counts enterprises (``ent_uscc``) per group."""
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        k = key(r)
        g = out.setdefault(k, {f: None for f in fields} | {"_ents": set(), "_n": 0})
        g["_n"] += 1
        if text(r.get("ent_uscc")):
            g["_ents"].add(text(r.get("ent_uscc")))
        for f in fields:
            x = number(r.get(f))
            if x is not None:
                g[f] = (g[f] or 0.0) + x
    return out


def _yes(rows: Rows, name: str) -> int:
    return sum(text(r.get(name)) == "是" for r in rows)


def _split(s: Any) -> list[str]:
    return [t.strip() for t in re.split(r"[、，,；;\n/]+", text(s)) if t.strip()]
