"""Master-workbook data → the template context of the report, one function per Appendix C section.

Input is what :func:`cpxl.book.xlsxread.read_master_data` returns: every schema sheet of the master
workbook as typed records keyed by schema key. Sheets that later steps fill (diagnosis, targets,
proposals, tracking, indicator values, consolidated enterprise data) may be empty; every section
then says so plainly instead of showing an empty table.

To add to the report: write a function ``def sXYZ_name(d: Data) -> dict`` that returns the
section's values (``paragraphs``: sentences built from the figures; tables as lists of row
dicts), register it in :data:`SECTIONS`, and reference its key in ``templates/report.docx``
(see ``templates/README.md``). Facts that the conclusions (2.5) reuse go into ``d.facts``;
data for charts into ``d.charts``.

Every value in the context is plain text (numbers are formatted here); the renderer escapes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .data import Data
from .front import agreement, cover, staff
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
    ("s25", s25_conclusions),
)


@dataclass
class Built:
    """What the renderer needs: the template context, chart data, and per-section record counts."""

    context: dict[str, Any]
    charts: dict[str, Any]
    counts: dict[str, int]
    empty: list[str]
    facts: dict[str, Any]


def build_context(data: Mapping[str, Sequence[Mapping[str, Any]]], today: dt.date | None = None) -> Built:
    """Run every section function over the master data, in document order."""
    d = Data(data, today or dt.date.today())
    ctx = {key: fn(d) for key, fn in SECTIONS}
    return Built(ctx, d.charts, d.counts, d.empty, d.facts)
