"""Writing rows that people open in Excel or WPS: consumer text stays text, never a formula.

A business name typed in chat as `=HYPERLINK("http://evil.example","点我")` must reach the clerk's spreadsheet as
those characters, not as a live link (CSV/formula injection, OWASP). In .xlsx every string cell is stored with the
string data type (openpyxl would otherwise store a leading `=` as a formula); in CSV a cell that a spreadsheet would
read as a formula (leading = + - @, tab or carriage return) is prefixed with an apostrophe.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def append(sheet, row: Sequence[Any]) -> None:
    """`sheet.append(row)`, with every string cell stored as text."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def csv_cell(value: Any) -> Any:
    """A CSV value a spreadsheet shows as typed: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[csv_cell(v) for v in row] for row in rows]
