"""The reconciler (issue 12, point 2): nothing accepted stays stuck without anyone noticing.

Run on a schedule (every 5 minutes), it does two things:

1. A report still `received` some minutes after receipt was not routed by the stream (the stream record
   failed, was given up, or never came). It is routed again, the same conditional way the stream does it
   (services/routing.py), so a late stream delivery and the reconciler cannot both route it. Each attempt is
   claimed in the once-only ledger (kind `route`, pk `reconcile#<id>`, sk `route`), which counts them and keeps
   two overlapping runs from routing the same report at once. After `MAX_ROUTE_ATTEMPTS` failures the report
   is placed in the IOC's queue (assigned to the IOC, routing method `unroutable`, reason "Chưa định tuyến
   được"): the IOC is told by the ordinary forwarding e-mail of that assignment and sees it in its inbox,
   where it can assign a unit by hand.
2. Every failed delivery whose next attempt has come is tried again (services/deliveries.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from chalicelib.domain.report import HistoryEntry, Report, Routing, Status
from chalicelib.store import ledger

if TYPE_CHECKING:
    from chalicelib.domain.locate import Locator
    from chalicelib.services.deliveries import Deliveries
    from chalicelib.store.reports import ReportRepository

logger = Logger(service="fieldreport", child=True)

STUCK_AFTER = timedelta(minutes=5)  # the stream routes within seconds; its retries take a few minutes
MAX_ROUTE_ATTEMPTS = 3
MAX_REPORTS_PER_RUN = 100
UNROUTABLE = "unroutable"
UNROUTABLE_TEXT = "Chưa định tuyến được"


def place_with_ioc(report: Report, now: datetime, error: str) -> Report:
    """The report in the IOC's queue: assigned to the IOC with deadlines like any assignment, a public
    timeline entry that says it waits for the IOC, and the error's class name internally."""
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
    from chalicelib.domain.units import UnitRegistry

    registry = UnitRegistry.default()
    ioc = next((u for u in registry.all() if u.kind == "ioc"), registry.fallback)
    deadlines = compute_deadlines(now, report.category, WorkingCalendar.default(), DeadlinePolicy.default())
    reason = f"{UNROUTABLE_TEXT}: {error}"
    entry = HistoryEntry(
        at=now,
        type="assigned",
        actor_sub=None,
        actor_role="system",
        actor_unit=ioc.code,
        public=True,
        public_text=f"Đã chuyển đến {ioc.name} để phân công đơn vị xử lý.",
        internal_text=reason,
        data={"unit": ioc.code, "method": UNROUTABLE, "uncertain": True, "distance_m": None},
    )
    return report.with_entry(
        entry,
        status=Status.ASSIGNED,
        unit_code=ioc.code,
        routing=Routing(method=UNROUTABLE, uncertain=True, distance_m=None, reason=reason),
        assigned_at=now,
        triage_due_at=deadlines.triage_due_at,
        due_at=deadlines.due_at,
    )


def reroute(report: Report, now: datetime, repo: ReportRepository, locator: Locator | None) -> str:
    """Route one stuck report again; after repeated failure put it in the IOC's queue. Returns what
    happened: routed | unroutable | failed | skipped (somebody else routed it meanwhile, or is routing it)."""
    from chalicelib.services.routing import needs_routing, route

    claim = ledger.claim(f"reconcile#{report.id}", "route", ledger.ROUTE, now)
    if claim is None:
        return "skipped"  # an overlapping run holds this report
    try:
        if locator is None:
            from chalicelib.domain.locate import Locator

            locator = Locator.default()
        routed = route(report, now, repo, locator)
    except Exception as exc:
        error = ledger.error_name(exc)
        logger.warning(
            "reconciler could not route",
            extra={"report_id": report.id, "attempt": claim.attempts, "error": error},
        )
        if claim.attempts < MAX_ROUTE_ATTEMPTS:
            ledger.fail(claim, now, error)
            return "failed"
        placed = repo.update(
            report.id,
            lambda current: place_with_ioc(current, now, error) if needs_routing(current) else None,
            first=report,
            expect_status=Status.RECEIVED,
        )
        ledger.done(claim, now)
        if not placed.saved:
            return "skipped"
        logger.warning("report placed in the IOC queue", extra={"report_id": report.id})
        return UNROUTABLE
    ledger.done(claim, now)
    return "routed" if routed is not None else "skipped"


def reconcile(
    now: datetime,
    repo: ReportRepository | None = None,
    locator: Locator | None = None,
    deliveries: Deliveries | None = None,
) -> dict[str, Any]:
    """One run: stuck reports routed again (or given to the IOC), then due retries of failed deliveries."""
    if repo is None:
        from chalicelib.store.reports import ReportRepository

        repo = ReportRepository()
    if deliveries is None:
        from chalicelib import wiring

        deliveries = wiring.deliveries()
    counts = {"routed": 0, "unroutable": 0, "failed": 0, "skipped": 0}
    for report in repo.unrouted(now - STUCK_AFTER, MAX_REPORTS_PER_RUN):
        counts[reroute(report, now, repo, locator)] += 1
    result: dict[str, Any] = {"at": now.isoformat(), **counts, **deliveries.retry_due(now)}
    logger.info("reconciler", extra=result)
    return result
