"""The deadline watch's rules (pure): which notices are due when, where a report sits in the sweep index,
what a breach records on the report, and the daily digest's lists. Fixed clocks, no AWS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import VN_TZ, WorkingCalendar
from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
from chalicelib.domain.ids import new_id
from chalicelib.domain.report import Location, Report, Reporter, Status, utc_text
from chalicelib.domain.watch import (
    BREACH,
    REMINDER,
    RESOLUTION,
    TRIAGE,
    daily_digest_lists,
    due_notices,
    next_check_at,
    notice_key,
    record_outcome,
    reminder_from,
)

CAL = WorkingCalendar.default()
POLICY = DeadlinePolicy.default()


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def assigned(
    at: datetime, status: Status = Status.ASSIGNED, unit: str = "03127", **changes: object
) -> Report:
    d = compute_deadlines(at, "giao-thong", CAL, POLICY)
    report = Report(
        id=new_id(int(at.timestamp() * 1000)),
        category="giao-thong",
        description="Ổ gà lớn trên đường",
        location=Location(21.39, 103.02),
        reporter=Reporter(sub="citizen-1", name="Nguyễn Văn A", phone="0912345678"),
        received_at=at - timedelta(minutes=5),
        status=status,
        unit_code=unit,
        assigned_at=at,
        triage_due_at=d.triage_due_at,
        due_at=d.due_at,
    )
    return replace(report, **changes)  # type: ignore[arg-type]


def keys(notices: list) -> list[str]:
    return [n.key for n in notices]


FRIDAY = vn(2025, 4, 25, 10, 0)  # assigned; triage deadline end of Saturday 26/4 (make-up working day)
MONDAY_9 = vn(2025, 4, 28, 9, 0)


# ------------------------------------------------------------------------------------------------ the rule


@pytest.mark.parametrize(
    ("deadline", "reminded_from", "why"),
    [
        (
            vn(2025, 4, 26, 23, 59, 59),
            vn(2025, 4, 25),
            "Saturday 26/4 is a make-up working day; Friday before it",
        ),
        (vn(2025, 4, 28, 23, 59, 59), vn(2025, 4, 26), "the working day before Monday 28/4 is Saturday 26/4"),
        (
            vn(2025, 2, 3, 23, 59, 59),
            vn(2025, 1, 24),
            "after Tết: the last working day before is Friday 24/1",
        ),
        (vn(2025, 5, 6, 23, 59, 59), vn(2025, 5, 5), "an ordinary Tuesday: Monday"),
        (
            vn(2025, 5, 5, 23, 59, 59),
            vn(2025, 4, 29),
            "Monday after 30/4-2/5 off and the weekend: Tuesday 29/4",
        ),
    ],
)
def test_a_deadline_is_reminded_from_the_start_of_the_working_day_before_it(deadline, reminded_from, why):
    assert reminder_from(deadline, CAL) == reminded_from, why


def test_friday_assignment_triage_due_saturday_reminded_friday_breached_monday():
    report = assigned(FRIDAY)
    assert report.triage_due_at == vn(2025, 4, 26, 23, 59, 59)
    triage = report.triage_due_at

    # Friday: the deadline falls within the next working day (Saturday), but it already did when the unit
    # received the report: the forwarding e-mail stated it, so no separate reminder.
    assert due_notices(report, FRIDAY, CAL) == []
    reminded = report
    assert due_notices(reminded, vn(2025, 4, 26, 23, 59, 59), CAL) == []  # at the deadline: not yet passed
    assert next_check_at(reminded, CAL) == vn(2025, 4, 27)  # the first second after the deadline

    # Monday 09:00: the triage deadline has passed; the resolution deadline (Wed 7/5) is not near yet.
    assert keys(due_notices(reminded, MONDAY_9, CAL)) == [notice_key(BREACH, TRIAGE, triage)]


def test_a_reminder_never_sent_before_the_deadline_gives_way_to_the_breach():
    report = assigned(FRIDAY)
    assert keys(due_notices(report, MONDAY_9, CAL)) == [notice_key(BREACH, TRIAGE, report.triage_due_at)]
    # Once the breach is delivered the missed reminder is not pending any more: the report moves on to the
    # resolution deadline's reminder (from Tuesday 6/5, the working day before Wednesday 7/5).
    done = replace(report, notices=(notice_key(BREACH, TRIAGE, report.triage_due_at),))
    assert report.due_at == vn(2025, 5, 7, 23, 59, 59)
    assert next_check_at(done, CAL) == vn(2025, 5, 6)


def test_an_accepted_report_has_no_triage_notices_and_a_closed_one_none_at_all():
    in_progress = assigned(FRIDAY, status=Status.IN_PROGRESS)
    assert due_notices(in_progress, MONDAY_9, CAL) == []
    assert next_check_at(in_progress, CAL) == vn(2025, 5, 6)
    for status in (Status.RESOLVED, Status.REJECTED):
        closed = assigned(FRIDAY, status=status)
        assert due_notices(closed, vn(2025, 6, 1), CAL) == []
        assert next_check_at(closed, CAL) is None
    unrouted = assigned(FRIDAY, status=Status.RECEIVED, unit_code=None)
    assert next_check_at(unrouted, CAL) is None


def test_an_extension_is_a_new_deadline_with_its_own_notices():
    report = assigned(FRIDAY, status=Status.IN_PROGRESS)
    old = report.due_at
    breached = replace(
        report, notices=(notice_key(REMINDER, RESOLUTION, old), notice_key(BREACH, RESOLUTION, old))
    )
    assert next_check_at(breached, CAL) is None  # everything delivered: out of the sweep index
    extended = replace(breached, due_at=vn(2025, 5, 14, 23, 59, 59), overdue_since=None)
    assert next_check_at(extended, CAL) == vn(2025, 5, 13)
    assert keys(due_notices(extended, vn(2025, 5, 15, 8, 0), CAL)) == [
        notice_key(BREACH, RESOLUTION, vn(2025, 5, 14, 23, 59, 59))
    ]


def test_notice_keys_name_the_kind_and_the_deadline_in_utc():
    assert (
        notice_key(BREACH, RESOLUTION, vn(2025, 5, 7, 23, 59, 59))
        == "breach:resolution:2025-05-07T16:59:59.000Z"
    )


# ------------------------------------------------------------------------------------------------ recording


def test_a_breach_marks_the_report_overdue_once_with_an_internal_history_entry():
    report = assigned(FRIDAY)
    due = due_notices(report, MONDAY_9, CAL)
    after = record_outcome(report, MONDAY_9, due, [n.key for n in due])
    assert after is not None
    assert after.overdue_since == vn(2025, 4, 27)  # since the deadline passed, not since the sweep noticed
    assert after.is_overdue(MONDAY_9)
    assert after.notices == (notice_key(BREACH, TRIAGE, report.triage_due_at),)
    assert next_check_at(after, CAL) == vn(2025, 5, 6)  # next: the resolution reminder
    entry = after.history[-1]
    assert (entry.type, entry.public, entry.actor_role) == ("deadline_breached", False, "system")
    assert report.history == after.history[:-1]  # history is only appended to
    # Recomputed after a concurrent update or a rerun: nothing more to change.
    assert record_outcome(after, MONDAY_9, due, [n.key for n in due]) is None


def test_a_failed_delivery_still_marks_overdue_but_leaves_the_notice_pending():
    report = assigned(FRIDAY)
    due = due_notices(report, MONDAY_9, CAL)
    after = record_outcome(report, MONDAY_9, due, [])
    assert after is not None and after.overdue_since is not None and after.notices == ()
    assert (
        next_check_at(after, CAL) is not None and next_check_at(after, CAL) <= MONDAY_9
    )  # retried next sweep


def test_a_report_closed_meanwhile_is_not_marked_overdue():
    report = assigned(FRIDAY)
    due = due_notices(report, MONDAY_9, CAL)
    resolved = replace(report, status=Status.RESOLVED, closed_at=MONDAY_9)
    after = record_outcome(resolved, MONDAY_9, due, [n.key for n in due])
    assert after is not None and after.overdue_since is None and after.notices == tuple(n.key for n in due)


# ------------------------------------------------------------------------------------------------ invariant

STATUSES = st.sampled_from([Status.ASSIGNED, Status.IN_PROGRESS])
ASSIGNED_AT = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=200, deadline=None)
@given(at=ASSIGNED_AT, status=STATUSES, mask=st.integers(0, 15), later=st.integers(0, 40 * 24 * 3600))
def test_the_sweep_index_key_is_exactly_when_something_becomes_due(at, status, mask, later):
    """Before next_check_at nothing is due; from it on, something is, until it is delivered. So the sweep
    reads only reports with work to do, and a report with work to do is always in the index."""
    report = assigned(at, status=status)
    every = [
        notice_key(kind, dk, deadline)
        for dk, deadline in ((TRIAGE, report.triage_due_at), (RESOLUTION, report.due_at))
        for kind in (REMINDER, BREACH)
    ]
    report = replace(report, notices=tuple(k for i, k in enumerate(every) if mask & (1 << i)))
    check = next_check_at(report, CAL)
    if check is None:
        assert due_notices(report, at + timedelta(days=400), CAL) == []
        return
    assert due_notices(report, check - timedelta(microseconds=1), CAL) == []
    assert due_notices(report, check + timedelta(seconds=later), CAL) != []
    # At most one notice per deadline at any moment.
    due = due_notices(report, check + timedelta(seconds=later), CAL)
    assert len({n.deadline_kind for n in due}) == len(due)


# ------------------------------------------------------------------------------------------------ digest


def test_the_digest_lists_due_today_overdue_and_new_since_the_previous_working_day():
    morning = vn(2025, 4, 28, 7, 30)  # Monday; the previous working day is the make-up Saturday 26/4
    late = assigned(vn(2025, 4, 24, 9, 0))  # triage due Fri 25/4: overdue
    due_today = assigned(vn(2025, 4, 26, 15, 0))  # Saturday's: triage due end of Monday 28/4
    weekend = assigned(vn(2025, 4, 27, 20, 0))  # Sunday evening: triage due end of Monday 28/4 too
    old_ok = assigned(vn(2025, 4, 25, 9, 0), status=Status.IN_PROGRESS)  # resolution due 7/5
    closed = assigned(vn(2025, 4, 26, 9, 0), status=Status.RESOLVED)
    digest = daily_digest_lists([late, due_today, weekend, old_ok, closed], morning, CAL)
    assert digest.since == vn(2025, 4, 26)
    assert digest.open_count == 4
    assert [r.id for r in digest.overdue] == [late.id]
    assert [r.id for r in digest.due_today] == [due_today.id, weekend.id]
    assert [r.id for r in digest.new] == [due_today.id, weekend.id]


def test_utc_text_of_deadlines_sorts_like_time():
    assert utc_text(vn(2025, 4, 26, 23, 59, 59)) < utc_text(vn(2025, 4, 27, 0, 0, 0))
