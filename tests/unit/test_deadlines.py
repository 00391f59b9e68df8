"""The deadline policy (data) and the deadlines of a report: triage, resolution, extension, overdue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import VN_TZ, NaiveDatetimeError, Overrides, WorkingCalendar
from chalicelib.domain.deadlines import (
    DEFAULT_POLICY_PATH,
    DeadlineConflict,
    DeadlinePolicy,
    Deadlines,
    Periods,
    compute_deadlines,
    is_overdue,
    validate_extension,
)

CAL = WorkingCalendar.default()
POLICY = DeadlinePolicy.default()

CATEGORIES = [
    "giao-thong",
    "moi-truong",
    "trat-tu-do-thi",
    "dien-chieu-sang",
    "cap-thoat-nuoc",
    "dat-dai",
    "an-ninh-trat-tu",
    "y-te",
    "giao-duc",
    "khac",
]


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=VN_TZ)


# The policy as data.


def test_default_policy_is_one_and_six_working_days_for_every_category() -> None:
    assert DeadlinePolicy.default() is POLICY
    for category in CATEGORIES:
        assert POLICY.periods_for(category) == (1, 6)


def test_shipped_policy_file_matches_domain_md() -> None:
    data = json.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    assert data["default"] == {"triage_working_days": 1, "resolution_working_days": 6}
    assert set(data["categories"]) <= set(CATEGORIES)


def test_per_category_override_from_a_dict() -> None:
    policy = DeadlinePolicy.from_dict(
        {
            "default": {"triage_working_days": 1, "resolution_working_days": 6},
            "categories": {
                "dat-dai": {"triage_working_days": 2, "resolution_working_days": 10},
                "moi-truong": {"resolution_working_days": 3},
            },
        }
    )
    assert policy.periods_for("dat-dai") == (2, 10)
    assert policy.periods_for("moi-truong") == (1, 3)
    assert policy.periods_for("giao-thong") == (1, 6)
    assert policy.periods_for("a-category-added-later") == (1, 6)


def test_policy_from_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps(
            {
                "default": {"triage_working_days": 1, "resolution_working_days": 5},
                "categories": {"_comment": "ignored", "y-te": {"resolution_working_days": 2}},
            }
        ),
        encoding="utf-8",
    )
    policy = DeadlinePolicy.from_file(path)
    assert policy.periods_for("y-te") == (1, 2)
    assert policy.periods_for("khac") == (1, 5)


BAD_POLICIES: list[tuple[dict[str, Any], str]] = [
    ({"default": {"triage_working_days": 0, "resolution_working_days": 6}}, ">= 1"),
    ({"default": {"triage_working_days": 1, "resolution_working_days": -6}}, ">= 1"),
    ({"default": {"triage_working_days": True, "resolution_working_days": 6}}, ">= 1"),
    ({"default": {"triage_working_days": 1.5, "resolution_working_days": 6}}, ">= 1"),
    ({"default": {"triage_working_days": 7, "resolution_working_days": 6}}, "longer"),
    (
        {
            "default": {"triage_working_days": 1, "resolution_working_days": 6},
            "categories": {"giao-thong": {"resolution_days": 3}},
        },
        "unknown keys",
    ),
    (
        {
            "default": {"triage_working_days": 1, "resolution_working_days": 6},
            "categories": {"Giao Thông": {"resolution_working_days": 3}},
        },
        "category code",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_POLICIES)
def test_bad_policies_rejected(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DeadlinePolicy.from_dict(data)


# Deadlines of a report.


def test_compute_deadlines_around_the_make_up_saturday_2025() -> None:
    # Assigned Fri 25/4/2025 14:00. Triage: Sat 26/4 (a make-up working day). Resolution: Sat 26/4 (1),
    # Mon 28/4 (2), Tue 29/4 (3); Wed 30/4, Thu 1/5, Fri 2/5 off; Mon 5/5 (4), Tue 6/5 (5), Wed 7/5 (6).
    deadlines = compute_deadlines(datetime(2025, 4, 25, 14, 0, tzinfo=VN_TZ), "giao-thong", CAL, POLICY)
    assert deadlines == Deadlines(triage_due_at=end_of(2025, 4, 26), due_at=end_of(2025, 5, 7))
    assert deadlines.due_at.isoformat() == "2025-05-07T23:59:59+07:00"
    assert deadlines.triage_due_at.isoformat() == "2025-04-26T23:59:59+07:00"


DEADLINE_CASES = [
    # (assigned_at, triage due, resolution due)
    (datetime(2025, 1, 24, 10, tzinfo=VN_TZ), end_of(2025, 2, 3), end_of(2025, 2, 10)),
    (datetime(2026, 4, 28, 9, tzinfo=VN_TZ), end_of(2026, 4, 29), end_of(2026, 5, 8)),
    # 01:30 on Fri 7/3/2025 in Vietnam, still Thu 6/3 in UTC.
    (datetime(2025, 3, 6, 18, 30, tzinfo=UTC), end_of(2025, 3, 10), end_of(2025, 3, 17)),
    (datetime(2025, 12, 31, 16, tzinfo=VN_TZ), end_of(2026, 1, 2), end_of(2026, 1, 9)),
]


@pytest.mark.parametrize(("assigned_at", "triage", "due"), DEADLINE_CASES)
def test_compute_deadlines_table(assigned_at: datetime, triage: datetime, due: datetime) -> None:
    assert compute_deadlines(assigned_at, "khac", CAL, POLICY) == Deadlines(triage, due)


def test_compute_deadlines_uses_the_category_periods() -> None:
    policy = DeadlinePolicy.from_dict(
        {
            "default": {"triage_working_days": 1, "resolution_working_days": 6},
            "categories": {"moi-truong": {"resolution_working_days": 10}},
        }
    )
    assigned = datetime(2025, 4, 25, 14, 0, tzinfo=VN_TZ)
    # 26/4 (1), 28 (2), 29 (3), 5/5 (4), 6 (5), 7 (6), 8 (7), 9 (8), 12 (9), 13 (10).
    assert compute_deadlines(assigned, "moi-truong", CAL, policy).due_at == end_of(2025, 5, 13)
    assert compute_deadlines(assigned, "giao-thong", CAL, policy).due_at == end_of(2025, 5, 7)


def test_compute_deadlines_follows_calendar_overrides() -> None:
    calendar = WorkingCalendar(Overrides(days_off={datetime(2025, 5, 5).date(): "Ngày nghỉ bổ sung"}))
    assigned = datetime(2025, 4, 25, 14, 0, tzinfo=VN_TZ)
    assert compute_deadlines(assigned, "khac", calendar, POLICY).due_at == end_of(2025, 5, 8)


def test_compute_deadlines_rejects_naive_assignment_time() -> None:
    with pytest.raises(NaiveDatetimeError):
        compute_deadlines(datetime(2025, 4, 25, 14, 0), "khac", CAL, POLICY)


@settings(max_examples=100, deadline=None)
@given(
    assigned_at=st.datetimes(
        min_value=datetime(2023, 1, 2), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    triage=st.integers(min_value=1, max_value=10),
    extra=st.integers(min_value=0, max_value=20),
    category=st.sampled_from(CATEGORIES),
)
def test_triage_never_after_resolution(assigned_at: datetime, triage: int, extra: int, category: str) -> None:
    policy = DeadlinePolicy(default_periods=Periods(triage, triage + extra))
    deadlines = compute_deadlines(assigned_at, category, CAL, policy)
    assert assigned_at < deadlines.triage_due_at <= deadlines.due_at
    assert CAL.working_days_between(assigned_at, deadlines.due_at) == triage + extra


# Extensions.

CURRENT = end_of(2025, 5, 7)


@pytest.mark.parametrize(
    "requested",
    [
        pytest.param(end_of(2025, 5, 6), id="a day earlier"),
        pytest.param(CURRENT - timedelta(seconds=1), id="a second earlier"),
        pytest.param(CURRENT, id="equal"),
        pytest.param(CURRENT.astimezone(UTC), id="equal instant in UTC"),
    ],
)
def test_extension_not_after_current_deadline_is_a_conflict(requested: datetime) -> None:
    with pytest.raises(DeadlineConflict) as excinfo:
        validate_extension(CURRENT, requested)
    assert isinstance(excinfo.value, ValueError)
    assert excinfo.value.current_due_at == CURRENT
    assert excinfo.value.requested_due_at == requested


def test_extension_returns_the_new_deadline_in_vietnam_time() -> None:
    requested = datetime(2025, 5, 14, 16, 59, 59, tzinfo=UTC)
    new = validate_extension(CURRENT, requested)
    assert new == end_of(2025, 5, 14)
    assert new.tzinfo is VN_TZ
    assert new.isoformat() == "2025-05-14T23:59:59+07:00"


def test_extension_keeps_an_instant_that_is_not_end_of_day() -> None:
    new = validate_extension(CURRENT, datetime(2025, 5, 12, 3, 0, tzinfo=UTC))
    assert new.isoformat() == "2025-05-12T10:00:00+07:00"
    assert validate_extension(CURRENT, CURRENT + timedelta(seconds=1)) == CURRENT + timedelta(seconds=1)


def test_extension_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_extension(CURRENT, datetime(2025, 5, 14, 23, 59, 59))
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_extension(datetime(2025, 5, 7, 23, 59, 59), end_of(2025, 5, 14))


# Overdue.

DUE = end_of(2025, 5, 7)

OVERDUE_CASES = [
    (DUE, False, DUE - timedelta(days=1), False, "a day before"),
    (DUE, False, DUE, False, "exactly at the deadline"),
    (DUE, False, DUE + timedelta(seconds=1), True, "one second after"),
    (DUE, False, datetime(2025, 5, 7, 17, 0, tzinfo=UTC), True, "next day in Vietnam, same day in UTC"),
    (DUE, False, datetime(2025, 5, 7, 16, 59, 59, tzinfo=UTC), False, "the deadline instant in UTC"),
    (DUE, True, DUE + timedelta(days=30), False, "closed is never overdue"),
    (DUE, True, DUE + timedelta(seconds=1), False, "closed, one second after"),
    (None, False, DUE + timedelta(days=30), False, "no deadline"),
]


@pytest.mark.parametrize(
    ("due_at", "closed", "now", "expected"),
    [pytest.param(d, c, n, e, id=i) for d, c, n, e, i in OVERDUE_CASES],
)
def test_is_overdue_table(due_at: datetime | None, closed: bool, now: datetime, expected: bool) -> None:
    assert is_overdue(due_at, closed, now) is expected


def test_is_overdue_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_overdue(DUE, False, datetime(2025, 5, 8))
