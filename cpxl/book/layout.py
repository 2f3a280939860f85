"""Where each field of a schema sits on its sheet.

The single mapping between schema fields and Excel cells, used by the writers (master
workbook, templates, self-check formulas) and by ingestion to read values back and to
name the cell of every problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from .schema import SheetSchema

TITLE_ROW = 1
DESC_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4

# form layout: one field per row
FORM_LABEL_COL = 1  # A: 项目
FORM_VALUE_COL = 2  # B: 填报内容
FORM_UNIT_COL = 3  # C: 单位
FORM_HELP_COL = 4  # D: 填报说明


@dataclass(frozen=True)
class SheetLayout:
    schema: SheetSchema
    n_rows: int  # table: number of data rows offered (validation range); form: number of fields

    @property
    def first_row(self) -> int:
        return FIRST_DATA_ROW

    @property
    def last_row(self) -> int:
        return FIRST_DATA_ROW + self.n_rows - 1

    def column(self, name: str) -> str:
        """Table layout: the column letter of a field."""
        return get_column_letter(self.schema.names.index(name) + 1)

    def col_index(self, name: str) -> int:
        return self.schema.names.index(name) + 1

    def form_row(self, name: str) -> int:
        """Form layout: the row of a field."""
        return FIRST_DATA_ROW + self.schema.names.index(name)

    def cell(self, name: str, row_offset: int = 0) -> str:
        """A1 reference of a field: its value cell (form) or its cell in data row ``row_offset`` (table)."""
        if self.schema.is_form:
            return f"{get_column_letter(FORM_VALUE_COL)}{self.form_row(name)}"
        return f"{self.column(name)}{FIRST_DATA_ROW + row_offset}"

    def data_range(self, name: str) -> str:
        """Table layout: the A1 range of a field over all offered data rows."""
        col = self.column(name)
        return f"{col}{self.first_row}:{col}{self.last_row}"


def layout_for(schema: SheetSchema, n_rows: int | None = None) -> SheetLayout:
    if schema.is_form:
        return SheetLayout(schema, len(schema.fields))
    return SheetLayout(schema, n_rows or schema.min_rows)
