"""Master-workbook data → the template context of the report, one function per Appendix C section.

Input is what :func:`cpxl.book.xlsxread.read_master_data` returns: every schema sheet of the master
workbook as typed records keyed by schema key. Sheets that later steps fill (diagnosis, targets,
proposals, tracking, indicator values, consolidated enterprise data) may be empty; every section
then says so plainly instead of showing an empty table.

To add to the report: write a function ``def sXYZ_name(d: Data) -> dict`` that returns the
section's values (``paragraphs``: sentences built from the figures, every number through
:meth:`Data.n`; tables as lists of row dicts), register it in :data:`SECTIONS`, and reference its key
in ``templates/report.docx`` (see ``templates/README.md``). Facts that later sections reuse go into
``d.facts``; data for charts into ``d.charts``; cross-references are :meth:`Data.ref` tokens.

Every value in the context is plain text (numbers are formatted here); the renderer escapes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .annex import annex
from .data import Data, Stated
from .front import agreement, cover, staff
from .pending import pending_section
from .s21_general import s211_background, s212_principles, s213_basis
from .s22_preparation import s221_task, s222_team, s223_plan, s224_training
from .s24_plan import s241_targets, s242_proposals, s243_decisions
from .s25_conclusions import s25_conclusions
from .s231_objects import s231_objects
from .s232_focus import s232_focus
from .s233_diagnosis import s233_diagnosis

#: Context key → section function, in document order (facts flow from earlier to later sections).
SECTIONS: tuple[tuple[str, Callable[[Data], dict[str, Any]]], ...] = (
    ("cover", cover),
    ("staff", staff),
    ("agreement", agreement),
    ("s211", s211_background),
    ("s212", s212_principles),
    ("s213", s213_basis),
    ("s221", s221_task),
    ("s222", s222_team),
    ("s223", s223_plan),
    ("s224", s224_training),
    ("s231", s231_objects),
    ("s232", s232_focus),
    ("s233", s233_diagnosis),
    ("s241", s241_targets),
    ("s242", s242_proposals),
    ("s243", s243_decisions),
    ("pending", pending_section),
    ("s25", s25_conclusions),
    ("annex", annex),
)


@dataclass
class Built:
    """What the renderer needs: the template context, chart data, per-section record counts, and the ledger
    of every number the narrative states (:class:`Stated`) with the labels taken from the data."""

    context: dict[str, Any]
    charts: dict[str, Any]
    counts: dict[str, int]
    empty: list[str]
    facts: dict[str, Any]
    stated: dict[str, Stated] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    numbers: dict[str, str] = field(default_factory=dict)  # context key of a table/figure → its number
    draft: bool = False


def build_context(data: Mapping[str, Sequence[Mapping[str, Any]]], today: dt.date | None = None,
                  draft: bool = False) -> Built:
    """Run every section function over the master data, in document order."""
    d = Data(data, today or dt.date.today(), draft=draft)
    for key, fn in SECTIONS:
        d.section = key
        d.context[key] = fn(d)
    return Built(d.context, d.charts, d.counts, d.empty, d.facts, d.stated, d.labels, draft=draft)
