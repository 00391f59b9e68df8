"""The range of instants the system accepts, and their stored text.

Every instant a caller may send (a report's time, an extension's deadline, a list's `since`/`until`, a day of
the calendar or of the statistics) lies in years 2000-2100. Field reports exist since the province's system
(2017); nothing a person types lies beyond 2100. Outside that range Python's datetime arithmetic overflows
(year 1 shifted to UTC, year 9999 plus a working day) and `strftime("%Y")` drops leading zeros, so an accepted
year 999 would be stored as text that can never be parsed back: one such report took the public list down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

MIN_YEAR = 2000
MAX_YEAR = 2100


class InstantOutOfRange(ValueError):
    """An instant or a day outside years MIN_YEAR-MAX_YEAR. A ValueError, so query parsers answer 400."""


def in_range_day(day: date) -> date:
    """`day` itself when its year is within the accepted range."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InstantOutOfRange(f"year {day.year} outside {MIN_YEAR}-{MAX_YEAR}")
    return day


def in_range(instant: datetime) -> datetime:
    """`instant` itself when its year, as written and in UTC, is within the accepted range. The year as written
    is checked first: converting year 1 at +07:00 to UTC would itself overflow."""
    in_range_day(instant.date())
    if instant.tzinfo is not None:
        in_range_day(instant.astimezone(UTC).date())
    return instant


def parse_day(text: str) -> date:
    """A `YYYY-MM-DD` day within the accepted range (ValueError otherwise)."""
    return in_range_day(date.fromisoformat(text))


def utc_text(instant: datetime) -> str:
    """An instant as stored: UTC, fixed width with a four-digit year, milliseconds, so that text order is time
    order (index sort keys). Formatted field by field: `strftime("%Y")` does not pad years below 1000."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    u = instant.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        f".{u.microsecond // 1000:03d}Z"
    )
