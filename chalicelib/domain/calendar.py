"""Vietnam's working-day calendar (ngày làm việc) and the counting of periods in working days.

Rules implemented here (see docs/calendar.md):

* Public holidays are those of the Labour Code 2019, art. 112 (1/1; Tết; Giỗ Tổ Hùng Vương; 30/4; 1/5;
  2/9 and one adjacent day; 24/11 from 2026), with the observed days and the swapped days off that the
  Government announces each year. They come from the ``holidays`` package (country ``VN``, Vietnamese
  names), whose ``weekend_workdays`` also lists the make-up working Saturdays. The package's answer for
  every year the calendar covers is kept as a table (``chalicelib/data/vn_holidays.json``, written by
  ``make calendar-table``; a test fails when it no longer matches the installed package): importing the
  package loads all of its ~250 countries (about 150 ms), which a cold start should not pay to read one.
* The Government's yearly announcements can differ from the package, so per-year overrides are data
  (``chalicelib/data/calendar_overrides.json``): extra days off and extra working days.
* Periods in days are counted as the Civil Code 2015, art. 147-148 says: the day of the event is not
  counted, counting starts the next day, and the period ends at the end of its last day.
* Days are calendar days in Vietnam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving time).

Pure domain code: standard library only (``holidays`` when the table is rebuilt).
"""

from __future__ import annotations

import functools
import json
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_OVERRIDES_PATH",
    "MAX_YEAR",
    "MIN_YEAR",
    "VN_TZ",
    "CalendarDay",
    "DayOff",
    "NaiveDatetimeError",
    "Overrides",
    "UnsupportedYearError",
    "WorkingCalendar",
    "local_day",
]


def _vietnam_tz() -> tzinfo:
    # The Lambda image ships tzdata. A fixed offset is exact for Vietnam since 1975 (UTC+7, no DST),
    # so it is a safe fallback where the zone database is missing.
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the OS image
        return timezone(timedelta(hours=7), "ICT")


VN_TZ: Final[tzinfo] = _vietnam_tz()

# Years the calendar answers for. The holidays package computes Vietnam's lunar holidays up to 2100
# and returns an empty year after it; an empty year would give wrong deadlines, so it is refused.
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100

DEFAULT_OVERRIDES_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "calendar_overrides.json"
HOLIDAY_TABLE_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "vn_holidays.json"

# User-facing names (Vietnamese).
_SATURDAY: Final = "Thứ Bảy"
_SUNDAY: Final = "Chủ nhật"
_MAKE_UP_WORKDAY: Final = "Ngày làm việc bù"
_DAY_OFF: Final = "Ngày nghỉ"

_END_OF_DAY: Final = time(23, 59, 59)


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone was given where an instant is required."""


class UnsupportedYearError(ValueError):
    """A date outside the years the calendar knows (MIN_YEAR..MAX_YEAR) was needed."""


@dataclass(frozen=True, slots=True)
class DayOff:
    """A day that would otherwise be a working day but is not (holiday, observed or swapped day off)."""

    day: date
    name: str


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One calendar day as shown to the public.

    ``name`` is the holiday's name on a day off, "Thứ Bảy"/"Chủ nhật" on an ordinary weekend day,
    "Ngày làm việc bù" (or the override's name) on a make-up working day, None on an ordinary working day.
    """

    day: date
    working: bool
    name: str | None


@dataclass(frozen=True)
class Overrides:
    """Per-day corrections on top of the ``holidays`` package: extra days off and extra working days.

    Each maps a date to its Vietnamese name or note. A date in both is an error: an announcement either
    gives the day off or makes it a working day.
    """

    days_off: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Copy, so that later changes to the caller's dicts cannot change a calendar's cached tables.
        object.__setattr__(self, "days_off", dict(self.days_off))
        object.__setattr__(self, "working_days", dict(self.working_days))
        both = sorted(set(self.days_off) & set(self.working_days))
        if both:
            raise ValueError(f"dates both a day off and a working day: {', '.join(map(str, both))}")
        for day, name in [*self.days_off.items(), *self.working_days.items()]:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError(f"override keys must be dates, got {day!r}")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"override for {day} needs a name")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Overrides:
        """Read the structure of the overrides file (format in docs/calendar.md).

        ``{"years": {"2025": {"days_off": [{"date", "name", "source"}], "working_days": [...]}}}``.
        Every entry must cite the announcement it comes from (``source``) and lie in the year it is
        listed under. Keys starting with ``_`` are comments and are ignored.
        """
        days_off: dict[date, str] = {}
        working_days: dict[date, str] = {}
        years = data.get("years", {})
        if not isinstance(years, Mapping):
            raise ValueError("'years' must be an object keyed by year")
        for year_key, year_data in years.items():
            if str(year_key).startswith("_"):
                continue
            year = int(year_key)
            if not isinstance(year_data, Mapping):
                raise ValueError(f"year {year_key}: must be an object")
            for kind, target in (("days_off", days_off), ("working_days", working_days)):
                for entry in year_data.get(kind, []):
                    day = date.fromisoformat(entry["date"])
                    if day.year != year:
                        raise ValueError(f"{kind} {day} is listed under year {year}")
                    if not str(entry.get("source", "")).strip():
                        raise ValueError(f"{kind} {day}: 'source' (the announcement) is required")
                    if day in target:
                        raise ValueError(f"{kind} {day} is listed twice")
                    target[day] = str(entry["name"])
        return cls(days_off=days_off, working_days=working_days)

    @classmethod
    def from_file(cls, path: Path | str) -> Overrides:
        """Load an overrides file (UTF-8 JSON)."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))


@dataclass(frozen=True, slots=True)
class _Year:
    working: list[int]  # ordinals of the year's working days, sorted
    working_set: frozenset[int]
    package_names: dict[int, str]  # ordinal -> the package's holiday name
    make_up: frozenset[int]  # ordinals of the package's make-up working days


def _check_aware(value: datetime, what: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


def local_day(instant: datetime) -> date:
    """The calendar day in Vietnam (Asia/Ho_Chi_Minh) on which an aware instant falls."""
    _check_aware(instant, "instant")
    return instant.astimezone(VN_TZ).date()


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY, tzinfo=VN_TZ)


def package_year(year: int) -> dict[str, Any]:
    """What the ``holidays`` package says of Vietnam's ``year``: its holidays and days off by name ("off") and
    its make-up working days ("work"), as ISO dates. The source of ``vn_holidays.json``."""
    import holidays

    package = holidays.country_holidays("VN", years=year, language="vi")
    off = {d.isoformat(): str(name) for d, name in sorted(package.items()) if d.year == year}
    # weekend_workdays is not limited to the requested year (it carries swaps across a year boundary).
    work = sorted(d.isoformat() for d in package.weekend_workdays if d.year == year)
    return {"off": off, "work": work}


def package_table() -> dict[str, Any]:
    """The whole table, every year the calendar covers, with the package's version."""
    from importlib.metadata import version

    years = {str(y): package_year(y) for y in range(MIN_YEAR, MAX_YEAR + 1)}
    return {"holidays_version": version("holidays"), "years": years}


@functools.cache
def _holiday_table() -> dict[str, Any]:
    with HOLIDAY_TABLE_PATH.open(encoding="utf-8") as f:
        table: dict[str, Any] = json.load(f)
    return table


def _dates(start: date, end: date) -> list[date]:
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise TypeError("expected dates, not datetimes")
    return [date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1)]


class WorkingCalendar:
    """Vietnam's working days: the ``holidays`` package's calendar plus per-day overrides.

    A working day ("ngày làm việc") is Monday-Friday that is not a public holiday (Labour Code 2019,
    art. 112) or an official day off, plus any day the Government declares a make-up working day.
    Precedence, strongest first: an override's extra working day, an override's extra day off, the
    package's make-up working days, the package's holidays and days off, then Monday-Friday.

    Years are computed on demand and cached per instance; share one instance (``default()``).
    """

    def __init__(self, overrides: Overrides | None = None) -> None:
        self._overrides = overrides if overrides is not None else Overrides()
        self._years: dict[int, _Year] = {}

    @classmethod
    def default(cls) -> WorkingCalendar:
        """The application's calendar: the package plus ``chalicelib/data/calendar_overrides.json``.

        Loaded once per process.
        """
        return _default_calendar()

    @classmethod
    def from_overrides_file(cls, path: Path | str) -> WorkingCalendar:
        """A calendar with the overrides read from a file in the format of ``calendar_overrides.json``."""
        return cls(Overrides.from_file(path))

    @property
    def overrides(self) -> Overrides:
        return self._overrides

    # Per-year tables.

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> _Year:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise UnsupportedYearError(f"the working-day calendar covers {MIN_YEAR}-{MAX_YEAR}, not {year}")
        package = _holiday_table()["years"][str(year)]
        package_names = {date.fromisoformat(d).toordinal(): name for d, name in package["off"].items()}
        make_up = frozenset(date.fromisoformat(d).toordinal() for d in package["work"])
        extra_off = {d.toordinal() for d in self._overrides.days_off if d.year == year}
        extra_work = {d.toordinal() for d in self._overrides.working_days if d.year == year}

        working: list[int] = []
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        for ordinal in range(first, last + 1):
            if ordinal in extra_work:
                is_working = True
            elif ordinal in extra_off:
                is_working = False
            elif ordinal in make_up:
                is_working = True
            elif ordinal in package_names:
                is_working = False
            else:
                # Monday-Friday: date.fromordinal(o).weekday() == (o + 6) % 7.
                is_working = (ordinal + 6) % 7 < 5
            if is_working:
                working.append(ordinal)
        return _Year(
            working=working, working_set=frozenset(working), package_names=package_names, make_up=make_up
        )

    # Queries.

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day ("ngày làm việc").

        Monday-Friday that is not a public holiday (Labour Code 2019, art. 112), an observed holiday or
        an announced day off; or a day declared a make-up working day (usually a Saturday). The
        overrides' extra working days win over days off.
        """
        if isinstance(day, datetime):
            raise TypeError("is_working_day takes a date; use local_day() for an instant")
        return day.toordinal() in self._year(day.year).working_set

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline of a period of ``n`` working days that begins with an event at ``start``.

        Civil Code 2015, art. 147-148: the day of the event is not counted, counting starts the next
        day, and the period ends at the end of its last day. Days are local days in Vietnam: an event at
        01:30 in Vietnam is on that day although it is still the previous day in UTC. The result is
        23:59:59 local time (``VN_TZ``, +07:00) of the n-th working day after the local day of ``start``.

        Raises NaiveDatetimeError (a ValueError) for a naive ``start``, ValueError for ``n < 1``.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {n!r}")
        if n < 1:
            raise ValueError(f"a period must be at least 1 working day, got {n}")
        day = local_day(start)
        year = day.year
        table = self._year(year).working
        index = bisect_right(table, day.toordinal()) + n - 1
        while index >= len(table):
            index -= len(table)
            year += 1
            table = self._year(year).working
        return _end_of_day(date.fromordinal(table[index]))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days elapsed from ``start`` to ``end``, for statistics (e.g. time to answer).

        Counted as a period is (Civil Code 2015, art. 147): the number of working days d with
        local_day(start) < d <= local_day(end), and 0 when end's local day is not after start's. An
        answer on the day of receipt took 0 working days; working_days_between(s, add_working_days(s, n))
        is n.
        """
        first, last = local_day(start), local_day(end)
        if last <= first:
            return 0
        table = self._year(first.year).working
        if first.year == last.year:
            return bisect_right(table, last.toordinal()) - bisect_right(table, first.toordinal())
        count = len(table) - bisect_right(table, first.toordinal())
        for year in range(first.year + 1, last.year):
            count += len(self._year(year).working)
        return count + bisect_right(self._year(last.year).working, last.toordinal())

    def _would_work(self, day: date) -> bool:
        # A working day by the weekday rule or the package's make-up days, before any override.
        return day.weekday() < 5 or day.toordinal() in self._year(day.year).make_up

    def _day_off_name(self, day: date) -> str:
        name = self._overrides.days_off.get(day) or self._year(day.year).package_names.get(day.toordinal())
        if name is not None:
            return name
        return {5: _SATURDAY, 6: _SUNDAY}.get(day.weekday(), _DAY_OFF)

    def holidays_between(self, start: date, end: date) -> list[DayOff]:
        """Days off in ``start..end`` (inclusive) that would otherwise be working days, sorted by day.

        The public holidays of the Labour Code 2019, art. 112 that fall on Monday-Friday, their observed
        days, the announced swapped days off, and the overrides' extra days off (a cancelled make-up
        Saturday too). A holiday on a weekend is not listed: it moves no deadline. Empty if end < start.
        """
        return [
            DayOff(day=day, name=self._day_off_name(day))
            for day in _dates(start, end)
            if not self.is_working_day(day) and self._would_work(day)
        ]

    def days_between(self, start: date, end: date) -> list[CalendarDay]:
        """Every day in ``start..end`` (inclusive), working or not, with its name: the public calendar.

        Working days as in ``is_working_day`` (Labour Code 2019, art. 112). Names: a day off has the
        holiday's (or the override's) name, else "Thứ Bảy"/"Chủ nhật"; a make-up working day is
        "Ngày làm việc bù" (or the override's name); an ordinary working day has None. Empty if
        end < start.
        """
        result: list[CalendarDay] = []
        for day in _dates(start, end):
            name: str | None
            if self.is_working_day(day):
                name = self._overrides.working_days.get(day)
                if name is None and day.toordinal() in self._year(day.year).make_up:
                    name = _MAKE_UP_WORKDAY
                result.append(CalendarDay(day=day, working=True, name=name))
            else:
                result.append(CalendarDay(day=day, working=False, name=self._day_off_name(day)))
        return result


@functools.cache
def _default_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_overrides_file(DEFAULT_OVERRIDES_PATH)
