"""Reports stored straight through the repository, in the state a test needs (no waiting for routing).

`stored_report(status=..., unit=...)` writes a report as if it had been received and routed `assigned_ago`
before now (the app's clock is real time), with both deadlines computed the way routing computes them.
Use inside the `aws_env` fixture (moto).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
from chalicelib.domain.ids import new_id
from chalicelib.domain.report import Hidden, HistoryEntry, Location, Report, Reporter, Status
from chalicelib.store.reports import ReportRepository

REPORTER_SUB = "citizen-reporter"
REPORTER_NAME = "Nguyễn Văn An"
REPORTER_EMAIL = "an.nguyen@example.vn"
UNIT = "03127"  # Phường Điện Biên Phủ
OTHER_UNIT = "03151"  # Phường Mường Lay


def stored_report(
    status: Status = Status.ASSIGNED,
    unit: str | None = UNIT,
    reporter_sub: str = REPORTER_SUB,
    reporter_name: str = REPORTER_NAME,
    email: str | None = REPORTER_EMAIL,
    assigned_ago: timedelta = timedelta(hours=1),
    hidden_reason: str | None = None,
    is_test: bool = False,
    repo: ReportRepository | None = None,
    **changes: Any,
) -> Report:
    """Store and return a report in `status` for `unit`."""
    now = datetime.now(UTC)
    assigned_at = now - assigned_ago
    received_at = assigned_at - timedelta(minutes=2)
    history = [
        HistoryEntry(
            at=received_at,
            type="received",
            actor_sub=reporter_sub,
            actor_role="citizen",
            public_text="Hệ thống đã tiếp nhận phản ánh.",
        )
    ]
    fields: dict[str, Any] = {}
    if status != Status.RECEIVED and unit is not None:
        deadlines = compute_deadlines(
            assigned_at, "moi-truong", WorkingCalendar.default(), DeadlinePolicy.default()
        )
        fields.update(
            unit_code=unit,
            assigned_at=assigned_at,
            triage_due_at=deadlines.triage_due_at,
            due_at=deadlines.due_at,
        )
        history.append(
            HistoryEntry(
                at=assigned_at,
                type="assigned",
                actor_sub=None,
                actor_role="system",
                actor_unit=unit,
                public_text="Đã chuyển đơn vị xử lý.",
            )
        )
    if status in (Status.REJECTED, Status.RESOLVED):
        fields.update(closed_at=assigned_at + timedelta(minutes=30), answer="Đã xử lý xong.")
    if hidden_reason is not None:
        fields["hidden"] = Hidden(reason=hidden_reason, at=assigned_at)
    report = Report(
        id=new_id(int(received_at.timestamp() * 1000)),
        category="moi-truong",
        description="Rác thải đổ trộm ven đường Võ Nguyên Giáp, bốc mùi khó chịu.",
        location=Location(21.386, 103.017),
        address="Tổ 5, phường Điện Biên Phủ",
        reporter=Reporter(sub=reporter_sub, name=reporter_name, phone="0912345678", email=email),
        received_at=received_at,
        status=status,
        is_test=is_test,
        history=tuple(history),
        **fields,
    )
    report = replace(report, **changes)
    (repo or ReportRepository()).create(report, None, 0, 0)
    return report


def stored(report_id: str) -> Report | None:
    """The report as the table holds it now."""
    return ReportRepository().get(report_id)
