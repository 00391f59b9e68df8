"""Deadlines of a field report (thời hạn) and the policy that sets them, kept as data.

The periods come from the province's procedure (domain.md, "Deadlines"): the handling unit triages a report
within 1 working day of receiving it and publishes its answer within 6 working days; both are counted from
assignment and restart when the report is reassigned. Periods are counted in working days as the Civil Code
2015, art. 147-148 says (see ``calendar.WorkingCalendar.add_working_days``). Per-category periods are data
(``chalicelib/data/deadline_policy.json``).

Pure domain code: standard library only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.calendar import VN_TZ, NaiveDatetimeError, WorkingCalendar

__all__ = [
    "DEFAULT_POLICY_PATH",
    "DeadlineConflict",
    "DeadlinePolicy",
    "Deadlines",
    "Periods",
    "compute_deadlines",
    "is_overdue",
    "validate_extension",
]

DEFAULT_POLICY_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "deadline_policy.json"

_CATEGORY_CODE: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DeadlineConflict(ValueError):
    """A new deadline that does not lie after the current one (an extension must extend)."""

    def __init__(self, current_due_at: datetime, requested_due_at: datetime) -> None:
        super().__init__(
            f"an extension must end after the current deadline {current_due_at.isoformat()}, "
            f"got {requested_due_at.isoformat()}"
        )
        self.current_due_at = current_due_at
        self.requested_due_at = requested_due_at


def _check_aware(value: datetime, what: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class Periods:
    """The two periods of a report, in working days: triage (accept or reject) and resolution (answer)."""

    triage_working_days: int
    resolution_working_days: int

    def __post_init__(self) -> None:
        for name in ("triage_working_days", "resolution_working_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of working days >= 1, got {value!r}")
        if self.triage_working_days > self.resolution_working_days:
            raise ValueError("the triage period cannot be longer than the resolution period")


@dataclass(frozen=True)
class DeadlinePolicy:
    """How many working days a unit has to triage and to answer a report, by category.

    ``default_periods`` apply to every category without its own entry in ``categories`` (category
    code -> Periods). Defaults: 1 working day to triage, 6 to answer (the province's procedure, domain.md).
    """

    default_periods: Periods
    categories: Mapping[str, Periods] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", dict(self.categories))
        for code in self.categories:
            if not _CATEGORY_CODE.match(code):
                raise ValueError(f"invalid category code {code!r} (expected e.g. 'giao-thong')")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlinePolicy:
        """Build a policy from the structure of ``deadline_policy.json``.

        ``{"default": {"triage_working_days": 1, "resolution_working_days": 6},
        "categories": {code: {...}}}``;
        a category entry may give one period only, the other is the default's. Keys starting with ``_``
        are comments.
        """
        default_data = data["default"]
        default = Periods(
            triage_working_days=default_data["triage_working_days"],
            resolution_working_days=default_data["resolution_working_days"],
        )
        categories: dict[str, Periods] = {}
        for code, entry in dict(data.get("categories", {})).items():
            if code.startswith("_"):
                continue
            unknown = set(entry) - {"triage_working_days", "resolution_working_days"}
            if unknown:
                raise ValueError(f"category {code}: unknown keys {sorted(unknown)}")
            categories[code] = Periods(
                triage_working_days=entry.get("triage_working_days", default.triage_working_days),
                resolution_working_days=entry.get("resolution_working_days", default.resolution_working_days),
            )
        return cls(default_periods=default, categories=categories)

    @classmethod
    def from_file(cls, path: Path | str) -> DeadlinePolicy:
        """Load a policy file (UTF-8 JSON)."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    @classmethod
    def default(cls) -> DeadlinePolicy:
        """The application's policy, ``chalicelib/data/deadline_policy.json``, loaded once per process."""
        return _default_policy()

    def periods_for(self, category: str) -> tuple[int, int]:
        """``(triage_working_days, resolution_working_days)`` for a category code.

        A category without its own entry (including one added to the category list later) gets the
        default periods: 1 and 6 working days.
        """
        periods = self.categories.get(category, self.default_periods)
        return periods.triage_working_days, periods.resolution_working_days


@functools.cache
def _default_policy() -> DeadlinePolicy:
    return DeadlinePolicy.from_file(DEFAULT_POLICY_PATH)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """A report's deadlines: end of triage and end of resolution (both 23:59:59 +07:00)."""

    triage_due_at: datetime
    due_at: datetime


def compute_deadlines(
    assigned_at: datetime, category: str, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> Deadlines:
    """Deadlines of a report assigned to a unit at ``assigned_at``.

    The unit must triage (accept or reject) within the category's triage period, 1 working day by
    default, and answer within its resolution period, 6 working days by default, both counted from
    assignment (a reassignment restarts them). Counting follows the Civil Code 2015, art. 147-148: the
    day of assignment is not counted and each period ends at the end of its last working day (working
    days per the Labour Code 2019, art. 112 and the Government's announcements).
    """
    triage_days, resolution_days = policy.periods_for(category)
    return Deadlines(
        triage_due_at=calendar.add_working_days(assigned_at, triage_days),
        due_at=calendar.add_working_days(assigned_at, resolution_days),
    )


def validate_extension(current_due_at: datetime, new_due_at: datetime) -> datetime:
    """Check an extension (gia hạn) of a report's resolution deadline and return the new deadline.

    The new date set by the unit becomes the deadline and must lie strictly after the current one;
    otherwise DeadlineConflict. Both must be aware (NaiveDatetimeError, a ValueError, otherwise). The
    result is the requested instant unchanged, expressed in Vietnam time (``VN_TZ``): an instant that is
    not the end of a day is kept as given, not rounded to 23:59:59.
    """
    _check_aware(current_due_at, "current_due_at")
    _check_aware(new_due_at, "new_due_at")
    if new_due_at <= current_due_at:
        raise DeadlineConflict(current_due_at, new_due_at)
    return new_due_at.astimezone(VN_TZ)


def is_overdue(due_at: datetime | None, closed: bool, now: datetime) -> bool:
    """Whether a report is overdue (quá hạn): its current deadline has passed and it is not closed.

    "Passed" means ``now > due_at``: at the deadline instant itself (23:59:59 of the last day, the end
    of the period per the Civil Code 2015, art. 148) the report is not yet overdue. A closed report
    (rejected or resolved) is never overdue, nor is one without a deadline.
    """
    _check_aware(now, "now")
    if closed or due_at is None:
        return False
    _check_aware(due_at, "due_at")
    return now > due_at
