"""Step 2, first half: route a newly received report to the unit that must handle it (domain.md).

The stream consumer `route_new_report` acts on a report that is `received` and has no unit yet: it places the
location among the units valid on the day of receipt (shapely, imported here only: the HTTP functions never
load it), applies the category rules, computes the triage and resolution deadlines from the assignment instant,
and moves the report to `assigned` with a public timeline entry. The write is conditional on the version read
and on the status still being `received`, so a redelivered record or a concurrent change cannot route twice
(`ReportRepository.update`: a lost race is redone on the fresh report).

The assignment instant is when this function runs (`clock`), except for an imported historical report: if the
report already carries `assigned_at`, or its history has an `imported` entry (whose `data["assigned_at"]`
gives the instant, else its receipt), that instant is used, so its deadlines are those it had then.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from chalicelib import clock as clocks
from chalicelib.domain.report import VN_OFFSET, HistoryEntry, Report, Routing, Status, parse_instant
from chalicelib.services.stream import ReportChange

if TYPE_CHECKING:
    from chalicelib.domain.locate import Locator
    from chalicelib.store.reports import ReportRepository

logger = Logger(service="fieldreport", child=True)

IMPORTED = "imported"


def needs_routing(report: Report | None) -> bool:
    return report is not None and report.status == Status.RECEIVED and report.unit_code is None


def assignment_instant(report: Report, now: datetime) -> datetime:
    """When the unit receives the report: now, or the instant an imported historical report was given."""
    if report.assigned_at is not None:
        return report.assigned_at
    for entry in report.history:
        if entry.type == IMPORTED:
            given = entry.data.get("assigned_at")
            return parse_instant(given) if isinstance(given, str) else report.received_at
    return now


def assign(report: Report, now: datetime, locator: Locator) -> Report:
    """The report routed: its unit, routing details, deadlines and the public timeline entry (not stored)."""
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
    from chalicelib.domain.routing import decide_unit
    from chalicelib.notify.formatting import vn_datetime

    registry = locator.registry
    day = report.received_at.astimezone(VN_OFFSET).date()
    placement = locator.locate(report.location.lat, report.location.lng, at=day)
    decision = decide_unit(placement, report.category, day, registry)
    unit = registry.get(decision.unit_code)
    unit_name = unit.name if unit else decision.unit_code
    assigned_at = assignment_instant(report, now)
    deadlines = compute_deadlines(
        assigned_at=assigned_at,
        category=report.category,
        calendar=WorkingCalendar.default(),
        policy=DeadlinePolicy.default(),
    )
    routing = Routing(
        method=decision.method,
        uncertain=decision.uncertain,
        distance_m=decision.distance_m,
        reason=decision.reason,
    )
    entry = HistoryEntry(
        at=assigned_at,
        type="assigned",
        actor_sub=None,
        actor_role="system",
        actor_unit=decision.unit_code,
        public=True,
        public_text=f"Đã chuyển đến {unit_name} xử lý; hạn xử lý: {vn_datetime(deadlines.due_at)}.",
        internal_text=decision.reason,
        data={
            "unit": decision.unit_code,
            "method": decision.method,
            "uncertain": decision.uncertain,
            "distance_m": decision.distance_m,
        },
    )
    return report.with_entry(
        entry,
        status=Status.ASSIGNED,
        unit_code=decision.unit_code,
        routing=routing,
        assigned_at=assigned_at,
        triage_due_at=deadlines.triage_due_at,
        due_at=deadlines.due_at,
    )


def route(report: Report, now: datetime, repo: ReportRepository, locator: Locator) -> Report | None:
    """Route and store `report` (as read from the stream or the table). Returns the stored report, or None
    if there was nothing to do (already routed by an earlier delivery, or deleted). The image may be older
    than the table (a redelivery, a photo added meanwhile): a lost race is routed again on the fresh report."""

    def routed(current: Report) -> Report | None:
        return assign(current, now, locator) if needs_routing(current) else None

    outcome = repo.update(report.id, routed, first=report, expect_status=Status.RECEIVED)
    return outcome.report if outcome.saved else None


def route_new_report(
    change: ReportChange,
    clock: clocks.Clock = clocks.now,
    repo: ReportRepository | None = None,
    locator: Locator | None = None,
) -> None:
    """Stream consumer: a report that is `received` with no unit gets its unit, deadlines and timeline entry."""
    if not needs_routing(change.new):
        return
    assert change.new is not None
    if locator is None:
        from chalicelib.domain.locate import Locator  # shapely: loaded by the stream function only

        locator = Locator.default()
    if repo is None:
        from chalicelib.store.reports import ReportRepository

        repo = ReportRepository()
    saved = route(change.new, clock(), repo, locator)
    if saved is not None and saved.routing is not None:
        logger.info(
            "report routed",
            extra={
                "report_id": saved.id,
                "unit": saved.unit_code,
                "method": saved.routing.method,
                "uncertain": saved.routing.uncertain,
            },
        )
