"""Cells of a CSV file that a spreadsheet opens: text, never a formula.

Excel and LibreOffice run a cell beginning with `=`, `+`, `-` or `@` (and a tab or carriage return before
one) as a formula (CSV injection): a unit name or a citizen's text reaching the IOC's export must not.
Such a cell gets a leading apostrophe, which spreadsheets show as text and do not display.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """`cell` as a spreadsheet shows it as text: an apostrophe before a formula's first character."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def neutralise_row(cells: list[str]) -> list[str]:
    return [neutralise(c) for c in cells]
