"""The deadline watch: which notices a report is due, when it must next be looked at, and the daily digest.

Rules (domain.md, "Deadlines"; docs/deadline-watch.md):

* A report has up to two **open deadlines**: the triage deadline (``triage_due_at``) while it waits to be
  accepted or rejected (status ``assigned``), and the resolution deadline (``due_at``) while it is open
  (``assigned`` or ``in_progress``). A closed report (``rejected``, ``resolved``) has none and never gets
  a notice.
* **Reminder**: the unit is reminded once per deadline when the deadline falls within the next working day,
  that is from 00:00 (Vietnam time) of the last working day before the deadline's day. A deadline at the
  end of Saturday 26/4/2025 (a make-up working day) is reminded from 00:00 on Friday 25/4; one at the end of
  Monday 28/4 from 00:00 on Saturday 26/4. The reminder is due until the breach takes over; a reminder that
  was never sent before the deadline passed is dropped (the breach says more).
* **Breach**: once the deadline has passed (``now > deadline``, the Civil Code's end of the last day), from
  the first whole second after it: the report is marked overdue (``overdue_since``), the unit is told and
  the IOC gets an escalation. Once per report per deadline.
* A notice is keyed ``"<kind>:<deadline kind>:<deadline in UTC text>"`` (e.g.
  ``"breach:resolution:2025-05-07T16:59:59.000Z"``): an extension or a reassignment gives a new deadline, hence
  new keys, hence new notices. ``Report.notices`` holds the keys of notices already delivered.
* ``next_check_at`` is the earliest instant at which a notice not yet delivered becomes due; the store indexes
  open reports by it (the sweep index), so the sweep reads only reports that have something due.

Pure domain code: standard library and the calendar only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final

from chalicelib.domain.calendar import VN_TZ, WorkingCalendar, local_day
from chalicelib.domain.report import HistoryEntry, Report, Status, utc_text

__all__ = [
    "BREACH",
    "BREACH_AFTER",
    "DEADLINE_LABELS",
    "REMINDER",
    "RESOLUTION",
    "TRIAGE",
    "Digest",
    "Notice",
    "breach_history_entry",
    "daily_digest_lists",
    "due_notices",
    "next_check_at",
    "notices_for",
    "open_deadlines",
    "pending_notices",
    "previous_working_day",
    "record_outcome",
    "reminder_from",
]

REMINDER: Final = "reminder"
BREACH: Final = "breach"
TRIAGE: Final = "triage"
RESOLUTION: Final = "resolution"

# A deadline is the last instant of its period (23:59:59 local); the breach is due from the next whole second.
BREACH_AFTER: Final = timedelta(seconds=1)

# How far back to look for the working day before a deadline's day (Tết is the longest break, about 9 days).
_MAX_LOOKBACK_DAYS: Final = 60

DEADLINE_LABELS: Final[dict[str, str]] = {
    TRIAGE: "Hạn phân loại (tiếp nhận hoặc từ chối)",
    RESOLUTION: "Hạn giải quyết, trả lời",
}


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice about one deadline of one report.

    ``due_from`` is the first instant it is due; ``due_until`` the instant from which it no longer is (a
    reminder gives way to the breach), None for a breach.
    """

    kind: str  # REMINDER | BREACH
    deadline_kind: str  # TRIAGE | RESOLUTION
    deadline: datetime
    due_from: datetime
    due_until: datetime | None = None

    @property
    def key(self) -> str:
        return notice_key(self.kind, self.deadline_kind, self.deadline)

    def is_due(self, now: datetime) -> bool:
        return self.due_from <= now and (self.due_until is None or now < self.due_until)


def notice_key(kind: str, deadline_kind: str, deadline: datetime) -> str:
    return f"{kind}:{deadline_kind}:{utc_text(deadline)}"


def open_deadlines(report: Report) -> list[tuple[str, datetime]]:
    """The deadlines the unit still has to meet: triage while ``assigned``, resolution while open."""
    if not report.is_open or report.unit_code is None:
        return []
    out: list[tuple[str, datetime]] = []
    if report.status == Status.ASSIGNED and report.triage_due_at is not None:
        out.append((TRIAGE, report.triage_due_at))
    if report.due_at is not None:
        out.append((RESOLUTION, report.due_at))
    return out


def previous_working_day(day: date, calendar: WorkingCalendar) -> date:
    """The last working day strictly before ``day`` (the day itself is not considered)."""
    candidate = day - timedelta(days=1)
    for _ in range(_MAX_LOOKBACK_DAYS):
        if calendar.is_working_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return day - timedelta(days=1)


def reminder_from(deadline: datetime, calendar: WorkingCalendar) -> datetime:
    """When a deadline "falls within the next working day": from 00:00 Vietnam time of the last working day
    before the deadline's (local) day."""
    day = previous_working_day(local_day(deadline), calendar)
    return datetime.combine(day, time(0), tzinfo=VN_TZ)


def notices_for(report: Report, calendar: WorkingCalendar) -> list[Notice]:
    """Every notice of the report's open deadlines (delivered or not), in due order."""
    out: list[Notice] = []
    for deadline_kind, deadline in open_deadlines(report):
        breach_from = deadline + BREACH_AFTER
        remind_from = reminder_from(deadline, calendar)
        # A deadline that already fell within the next working day when the unit received the report (always
        # the case for triage) was stated in the forwarding e-mail itself: no separate reminder.
        if report.assigned_at is None or remind_from > report.assigned_at:
            out.append(Notice(REMINDER, deadline_kind, deadline, remind_from, breach_from))
        out.append(Notice(BREACH, deadline_kind, deadline, breach_from))
    return sorted(out, key=lambda n: (n.due_from, n.kind, n.deadline_kind))


def pending_notices(report: Report, calendar: WorkingCalendar) -> list[Notice]:
    """Notices not delivered yet. A reminder whose breach was delivered is no longer pending."""
    done = set(report.notices)
    return [
        n
        for n in notices_for(report, calendar)
        if n.key not in done
        and not (n.kind == REMINDER and notice_key(BREACH, n.deadline_kind, n.deadline) in done)
    ]


def due_notices(report: Report, now: datetime, calendar: WorkingCalendar) -> list[Notice]:
    """The notices the sweep must deliver for this report at ``now``: at most one per open deadline."""
    return [n for n in pending_notices(report, calendar) if n.is_due(now)]


def next_check_at(report: Report, calendar: WorkingCalendar) -> datetime | None:
    """The earliest instant at which a notice not yet delivered becomes due; None when there is none (a closed
    report, one without a unit or deadlines, or every notice delivered).

    At any instant at or after this one, some notice of the report is due (a reminder until the deadline has
    passed, the breach after it), so a report found in the sweep index up to ``now`` always has work to do.
    """
    pending = pending_notices(report, calendar)
    return min((n.due_from for n in pending), default=None)


def breach_history_entry(notice: Notice, now: datetime) -> HistoryEntry:
    """The (internal) history entry that records a missed deadline."""
    what = "phân loại" if notice.deadline_kind == TRIAGE else "giải quyết"
    return HistoryEntry(
        at=now,
        type="deadline_breached",
        actor_sub=None,
        actor_role="system",
        public=False,
        internal_text=f"Quá hạn {what}: hạn là {notice.deadline.astimezone(VN_TZ):%H:%M:%S %d/%m/%Y}.",
        data={
            "notice": notice.key,
            "deadline_kind": notice.deadline_kind,
            "deadline": utc_text(notice.deadline),
        },
    )


def record_outcome(
    report: Report,
    now: datetime,
    breaches: Iterable[Notice],
    delivered: Iterable[str],
) -> Report | None:
    """The report after a sweep: marked overdue for each breach of a deadline that is still open, with the
    keys of the notices delivered added to ``notices``. None when nothing changes (safe to call again after a
    concurrent update: it is computed from the report as it now is).

    ``overdue_since`` is set if not set, to the instant the (first) missed deadline passed, not the instant
    the sweep noticed; a closed report is not marked (closing clears the mark), nor is a deadline that was
    extended in the meantime. Each breach also appends an internal history entry, once.
    """
    still_open = {(kind, deadline) for kind, deadline in open_deadlines(report)}
    recorded = {e.data.get("notice") for e in report.history if e.type == "deadline_breached"}
    entries: list[HistoryEntry] = []
    missed: list[datetime] = []
    for notice in breaches:
        if notice.kind != BREACH or (notice.deadline_kind, notice.deadline) not in still_open:
            continue
        missed.append(notice.due_from)
        if notice.key not in recorded:
            entries.append(breach_history_entry(notice, now))
            recorded.add(notice.key)
    overdue_since = report.overdue_since
    if overdue_since is None and missed:
        overdue_since = min(missed)
    new_keys = [k for k in dict.fromkeys(delivered) if k not in report.notices]
    if not entries and not new_keys and overdue_since == report.overdue_since:
        return None
    changed = replace(
        report,
        history=(*report.history, *entries),
        notices=(*report.notices, *new_keys),
        overdue_since=overdue_since,
    )
    return changed


# ------------------------------------------------------------------------------------------------- digest


@dataclass(frozen=True)
class Digest:
    """A unit's morning list: due today, overdue, and new since the previous working day began."""

    day: date
    since: datetime
    open_count: int
    due_today: tuple[Report, ...]
    overdue: tuple[Report, ...]
    new: tuple[Report, ...]

    @property
    def is_empty(self) -> bool:
        return self.open_count == 0


def daily_digest_lists(reports: Iterable[Report], now: datetime, calendar: WorkingCalendar) -> Digest:
    """Sort a unit's open reports into the digest's lists.

    * due today: the current deadline (``Report.current_deadline``) falls on today's local day and has not
      passed;
    * overdue: ``Report.is_overdue(now)`` (the current deadline has passed);
    * new: assigned at or after 00:00 of the previous working day (on a Monday this covers Friday and the
      weekend; after Tết, the whole break), so nothing assigned between two digests is missed.
    A report can appear in "new" and in one of the other lists.
    """
    today = local_day(now)
    since = datetime.combine(previous_working_day(today, calendar), time(0), tzinfo=VN_TZ)
    open_reports = [r for r in reports if r.is_open]
    due_today: list[Report] = []
    overdue: list[Report] = []
    new: list[Report] = []
    for report in open_reports:
        deadline = report.current_deadline
        if report.is_overdue(now):
            overdue.append(report)
        elif deadline is not None and local_day(deadline) == today:
            due_today.append(report)
        if report.assigned_at is not None and report.assigned_at >= since:
            new.append(report)

    def by_deadline(r: Report) -> tuple[datetime, str]:
        return (r.current_deadline or r.received_at, r.id)

    return Digest(
        day=today,
        since=since,
        open_count=len(open_reports),
        due_today=tuple(sorted(due_today, key=by_deadline)),
        overdue=tuple(sorted(overdue, key=by_deadline)),
        new=tuple(sorted(new, key=lambda r: (r.assigned_at or r.received_at, r.id))),
    )
