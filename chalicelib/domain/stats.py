"""The IOC table (domain.md, "The IOC table"): what each report adds to it, and how a row is read.

The province steers by one table, per handling unit and period: total forwarded (Tổng PAHT), resolved
(Đã giải quyết, of which on time), rejected, open, overdue (Quá hạn giải quyết), the overdue rate
(overdue ÷ total, Vietnamese percent with one decimal and a decimal comma), the median number of working
days to an answer and the average rating.

The table is kept as counters per *cell* = (day of receipt in Vietnam time, handling unit). A report adds a
small vector to its cell (`contribution`); when a report changes, the cells change by
contribution(new) − contribution(old) (`delta`), which moves a reassigned report between units and a closed
one from "open" to "resolved". Every counter is a sum, so cells add up to any period and the order in which
changes are applied does not matter. The working-day histogram (`wd_<n>` counters) gives the median.

Pure domain code: standard library only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from chalicelib.domain.report import VN_OFFSET, Report, Status
from chalicelib.domain.spreadsheet import neutralise_row
from chalicelib.domain.units import TERRITORIAL_KINDS, Unit, UnitRegistry

if TYPE_CHECKING:  # the calendar loads `holidays`; reading a table (the HTTP path) never needs it
    from chalicelib.domain.calendar import WorkingCalendar

__all__ = [
    "CELL_FIELDS",
    "COUNTERS",
    "CSV_HEADERS",
    "MAX_PERIOD_DAYS",
    "PROVINCE_CODE",
    "PROVINCE_NAME",
    "WD_CAP",
    "WD_PREFIX",
    "CellKey",
    "Row",
    "Table",
    "add_vector",
    "build_table",
    "cells_from_reports",
    "contribution",
    "delta",
    "format_decimal",
    "median_from_histogram",
    "overdue_rate",
    "receipt_day",
    "row_from_sums",
    "table_csv",
    "units_for_period",
]

# Plain counters of a cell; the working-day histogram adds "wd_<n>" counters.
COUNTERS: tuple[str, ...] = (
    "total",
    "resolved",
    "resolved_on_time",
    "rejected",
    "open",
    "overdue",
    "rating_sum",
    "rating_count",
    "reopened",
)
WD_PREFIX = "wd_"
# The histogram of working days to an answer has a fixed width: wd_0 … wd_19, and wd_20 for "20 or more" (about
# a month of working days, over three times the 6-day deadline). Every cell then has the same fields
# (CELL_FIELDS), so what a table request reads per cell — bytes and read capacity — does not depend on how many
# reports the cell holds.
WD_CAP = 20
CELL_FIELDS: tuple[str, ...] = (*COUNTERS, *(f"{WD_PREFIX}{n}" for n in range(WD_CAP + 1)))

# A table covers at most a year (a leap year included): bounded cost, and what the IOC asks for.
MAX_PERIOD_DAYS = 366

PROVINCE_CODE = "11"  # Điện Biên's official code (admin-units.json)
PROVINCE_NAME = "Toàn tỉnh Điện Biên"

# The letter's columns, then ours (user-facing: Vietnamese).
CSV_HEADERS: tuple[str, ...] = (
    "STT",
    "Đơn vị",
    "Tổng PAHT",
    "Đã giải quyết",
    "Giải quyết đúng hạn",
    "Từ chối",
    "Đang xử lý",
    "Quá hạn giải quyết",
    "Tỷ lệ PAHT quá hạn giải quyết",
    "Số ngày làm việc (trung vị)",
    "Đánh giá trung bình",
    "Mở lại",
)
CSV_TOTAL_LABEL = "Tổng cộng"

Vector = dict[str, int]


@dataclass(frozen=True, order=True, slots=True)
class CellKey:
    """A cell of the table: the day of receipt (Vietnam time) and the unit holding the report."""

    day: date
    unit: str

    @property
    def sort_key(self) -> str:
        """The cell's key as stored: text order is day order, so a period is one key range."""
        return f"{self.day.isoformat()}#{self.unit}"

    @staticmethod
    def from_sort_key(text: str) -> CellKey:
        day, _, unit = text.partition("#")
        return CellKey(date.fromisoformat(day), unit)


def contribution(report: Report, calendar: WorkingCalendar) -> tuple[CellKey, Vector] | None:
    """What one report adds to the table, or None when it is not (yet) counted.

    A report counts once it has been forwarded to a unit (Tổng PAHT = total forwarded); technical test reports
    never count. It is exactly one of resolved, rejected or open. It is resolved on time when it was answered
    no later than the resolution deadline in force (an extension counts: the new date is the deadline). It is
    overdue when it is open and the deadline watch has marked it overdue (`overdue_since`), which is what the
    letter counts as "Quá hạn giải quyết". The time to an answer is counted in working days from the
    assignment to the answer (Civil Code 2015, art. 147: the day of the event is not counted), WD_CAP meaning
    "WD_CAP or more". The rating is the citizen's satisfaction rating (step 5), when given.
    """
    if report.unit_code is None or report.is_test:
        return None
    vector: Vector = {"total": 1}
    if report.status == Status.RESOLVED:
        vector["resolved"] = 1
        closed_at = report.closed_at
        if closed_at is None or report.due_at is None or closed_at <= report.due_at:
            vector["resolved_on_time"] = 1
        start = report.assigned_at or report.received_at
        if closed_at is not None:
            days = min(calendar.working_days_between(start, closed_at), WD_CAP)
            vector[f"{WD_PREFIX}{days}"] = 1
    elif report.status == Status.REJECTED:
        vector["rejected"] = 1
    else:
        vector["open"] = 1
        if report.overdue_since is not None:
            vector["overdue"] = 1
    if report.feedback is not None:
        vector["rating_sum"] = report.feedback.rating
        vector["rating_count"] = 1
    if any(e.type == "reopened" for e in report.history):
        # Reopened by the reporter (issue 15): still one report in "total", counted once however often.
        vector["reopened"] = 1
    return CellKey(receipt_day(report), report.unit_code), vector


def receipt_day(report: Report) -> date:
    """The day of receipt in Vietnam time (UTC+7 all year), the table's day."""
    if report.received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return report.received_at.astimezone(VN_OFFSET).date()


def add_vector(cells: dict[CellKey, Vector], key: CellKey, vector: Mapping[str, int], sign: int = 1) -> None:
    """cells[key] += sign × vector, dropping counters that become zero."""
    cell = cells.setdefault(key, {})
    for name, value in vector.items():
        new = cell.get(name, 0) + sign * value
        if new:
            cell[name] = new
        else:
            cell.pop(name, None)
    if not cell:
        del cells[key]


def delta(old: Report | None, new: Report | None, calendar: WorkingCalendar) -> dict[CellKey, Vector]:
    """How the table changes when a report goes from `old` to `new` (either may be None): only non-zero
    counters of the cells that change. Most changes (a comment, a photo) change nothing."""
    out: dict[CellKey, Vector] = {}
    if new is not None:
        c = contribution(new, calendar)
        if c is not None:
            add_vector(out, c[0], c[1])
    if old is not None:
        c = contribution(old, calendar)
        if c is not None:
            add_vector(out, c[0], c[1], -1)
    return out


def cells_from_reports(reports: Iterable[Report], calendar: WorkingCalendar) -> dict[CellKey, Vector]:
    """The cells as the reports themselves say they should be (the recomputation the counters must equal)."""
    cells: dict[CellKey, Vector] = {}
    for report in reports:
        c = contribution(report, calendar)
        if c is not None:
            add_vector(cells, c[0], c[1])
    return cells


# --------------------------------------------------------------------------------------------- reading rows


def overdue_rate(overdue: int, total: int) -> tuple[float, str]:
    """Overdue ÷ total as a percentage rounded half up to one decimal, and its Vietnamese label.

    The letter's rows: 56/58 → "96,6%", 2/5 → "40%", 0/0 → "0%" (a unit with nothing forwarded has nothing
    overdue), 19/20 → "95%": a decimal comma, and no ",0".
    """
    if total <= 0:
        return 0.0, "0%"
    tenths = (overdue * 2000 + total) // (2 * total)  # round half up, in integers (no float surprises)
    return tenths / 10, f"{format_tenths(tenths)}%"


def format_tenths(tenths: int) -> str:
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth}" if tenth else f"{whole}"


def format_decimal(value: float | None) -> str:
    """A number for people: one decimal with a decimal comma, no ",0"; empty when there is none."""
    if value is None:
        return ""
    return format_tenths(round(value * 10))


def median_from_histogram(histogram: Mapping[int, int]) -> float | None:
    """The median of a multiset given as value → count (the mean of the two middle values if even)."""
    n = sum(c for c in histogram.values() if c > 0)
    if n == 0:
        return None
    wanted = [(n - 1) // 2, n // 2]  # 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        if count <= 0:
            continue
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (found[0] + found[1]) / 2


@dataclass(frozen=True, slots=True)
class Row:
    unit_code: str
    unit_name: str
    total: int
    resolved: int
    resolved_on_time: int
    rejected: int
    open: int
    overdue: int
    overdue_rate: float
    overdue_rate_label: str
    median_working_days: float | None
    average_rating: float | None
    reopened: int = 0  # reports the reporter reopened after an answer (issue 15)


@dataclass(frozen=True, slots=True)
class Table:
    start: date
    end: date
    rows: tuple[Row, ...]
    province: Row | None

    def row(self, unit_code: str) -> Row | None:
        return next((r for r in self.rows if r.unit_code == unit_code), None)


def row_from_sums(code: str, name: str, sums: Mapping[str, int]) -> Row:
    total = sums.get("total", 0)
    overdue = sums.get("overdue", 0)
    rate, label = overdue_rate(overdue, total)
    histogram = {int(k[len(WD_PREFIX) :]): v for k, v in sums.items() if k.startswith(WD_PREFIX) and v}
    count = sums.get("rating_count", 0)
    average = None
    if count > 0:
        average = ((sums.get("rating_sum", 0) * 20 + count) // (2 * count)) / 10  # half up, one decimal
    return Row(
        unit_code=code,
        unit_name=name,
        total=total,
        resolved=sums.get("resolved", 0),
        resolved_on_time=sums.get("resolved_on_time", 0),
        rejected=sums.get("rejected", 0),
        open=sums.get("open", 0),
        overdue=overdue,
        overdue_rate=rate,
        overdue_rate_label=label,
        median_working_days=median_from_histogram(histogram),
        average_rating=average,
        reopened=sums.get("reopened", 0),
    )


def units_for_period(registry: UnitRegistry, start: date, end: date) -> list[Unit]:
    """Units valid on at least one day of start..end, territorial ones first, each group by code."""
    valid = [u for u in registry.all() if u.valid_from <= end and (u.valid_to is None or u.valid_to >= start)]
    return sorted(valid, key=lambda u: (u.kind not in TERRITORIAL_KINDS, u.code))


def build_table(
    cells: Iterable[tuple[CellKey, Mapping[str, int]]],
    start: date,
    end: date,
    registry: UnitRegistry,
) -> Table:
    """Assemble the table of start..end (days of receipt, inclusive) from cells.

    One row per local-government unit valid during the period, with or without reports (the letter lists
    Huyện Điện Biên Đông with 0 / 0 / 0 → 0%); units without a territory (the IOC, provincial departments)
    and units no longer in the data get a row only when they hold reports of the period. The province row
    sums every row. Cells outside the period are ignored.
    """
    sums: dict[str, dict[str, int]] = {}
    for key, vector in cells:
        if not start <= key.day <= end:
            continue
        unit_sums = sums.setdefault(key.unit, {})
        for name, value in vector.items():
            unit_sums[name] = unit_sums.get(name, 0) + int(value)
    rows: list[Row] = []
    listed: set[str] = set()
    for unit in units_for_period(registry, start, end):
        unit_sums = sums.get(unit.code, {})
        if unit.kind in TERRITORIAL_KINDS or any(unit_sums.values()):
            rows.append(row_from_sums(unit.code, unit.name, unit_sums))
            listed.add(unit.code)
    for code in sorted(set(sums) - listed):
        if any(sums[code].values()):
            known = registry.get(code)
            rows.append(row_from_sums(code, known.name if known else code, sums[code]))
    province: dict[str, int] = {}
    for code in (r.unit_code for r in rows):
        for name, value in sums.get(code, {}).items():
            province[name] = province.get(name, 0) + value
    return Table(start, end, tuple(rows), row_from_sums(PROVINCE_CODE, PROVINCE_NAME, province))


def table_csv(table: Table) -> str:
    """The table as CSV for Excel: Vietnamese headers, one row per unit, then the province total.

    Starts with a byte-order mark so that Excel reads it as UTF-8; numbers for people (rate, median,
    average) use a decimal comma, which the CSV quoting keeps in one cell.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(neutralise_row(list(CSV_HEADERS)))

    def line(stt: str, name: str, row: Row) -> list[str]:
        return [
            stt,
            name,
            str(row.total),
            str(row.resolved),
            str(row.resolved_on_time),
            str(row.rejected),
            str(row.open),
            str(row.overdue),
            row.overdue_rate_label,
            format_decimal(row.median_working_days),
            format_decimal(row.average_rating),
            str(row.reopened),
        ]

    for i, row in enumerate(table.rows, start=1):
        writer.writerow(neutralise_row(line(str(i), row.unit_name, row)))
    if table.province is not None:
        writer.writerow(neutralise_row(line("", CSV_TOTAL_LABEL, table.province)))
    return out.getvalue()
