"""The public working-day calendar (GET /v1/calendar)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.errors import InvalidInput


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [{"field": field, "message": message}])


def calendar_between(start: date | None, end: date | None, max_days: int) -> dict[str, Any]:
    """Every day of [start, end] with whether it is a working day and why not; the days off listed apart."""
    from chalicelib.domain.calendar import MAX_YEAR, MIN_YEAR, WorkingCalendar

    if start is None:
        raise _bad("from", "Thiếu tham số 'from' (ngày dạng YYYY-MM-DD).")
    if end is None:
        raise _bad("to", "Thiếu tham số 'to' (ngày dạng YYYY-MM-DD).")
    if end < start:
        raise _bad("to", "Tham số 'to' phải không sớm hơn 'from'.")
    if (end - start).days + 1 > max_days:
        raise _bad("to", f"Mỗi lần chỉ xem được tối đa {max_days} ngày.")
    if start.year < MIN_YEAR or end.year > MAX_YEAR:
        raise _bad("from", f"Chỉ hỗ trợ các năm từ {MIN_YEAR} đến {MAX_YEAR}.")
    calendar = WorkingCalendar.default()
    days = calendar.days_between(start, end)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "working_days": sum(1 for d in days if d.working),
        "days_off": [
            {"date": d.day.isoformat(), "name": d.name} for d in calendar.holidays_between(start, end)
        ],
        "days": [{"date": d.day.isoformat(), "working": d.working, "name": d.name} for d in days],
    }
