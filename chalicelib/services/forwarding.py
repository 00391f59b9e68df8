"""Step 2, second half: forward an assigned report to its unit, once per channel (docs/forwarding.md).

The stream consumer `forward_to_unit` acts on every change that gives a report a new assignment: routing
(`received` → `assigned`) and the IOC's reassignment (a new unit, or a new assignment instant); not on the
routing of a historical report imported from the old system, which was forwarded there at the time. It delivers the
report through each channel the unit's data gives it — e-mail always, a signed webhook where configured — and
records each delivery in the once-only ledger (chalicelib/store/ledger.py, kind `forward`) with a conditional
claim, so a redelivered stream batch never sends twice. If a channel fails, the others are still tried; the
failure is recorded for the IOC and raised, so the stream record comes back in `batchItemFailures` and Lambda
retries it alone.

Personal data (the reporter's contact) goes into the message — the unit is entitled to it — and never into logs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib import clock as clocks
from chalicelib.domain.report import Report, Status, utc_text
from chalicelib.domain.units import CategoryCatalog, Unit, UnitRegistry
from chalicelib.notify import links, senders, webhook
from chalicelib.services.stream import ReportChange
from chalicelib.store import ledger

logger = Logger(service="fieldreport", child=True)

SUBJECT = "[PAHT] Phản ánh mới cần xử lý — hạn {due} — {category}"
IMPORTED = "imported"  # history entry type of a report imported from the old system
KIND = ledger.FORWARD
# An opaque, stable namespace for delivery ids (the same delivery keeps its id across retries).
_NAMESPACE = uuid.UUID("6f1d4b52-7c1e-4f57-9a53-2b8f0f3f6a10")


def delivery_key(report_id: str, unit_code: str, assigned_at: datetime, channel: str) -> tuple[str, str]:
    """One delivery per report, unit, assignment instant and channel: pk `report#<id>`,
    sk `delivery#<unit>#<assigned_at UTC>#<channel>`."""
    return f"report#{report_id}", f"delivery#{unit_code}#{utc_text(assigned_at)}#{channel}"


def delivery_id(key: tuple[str, str]) -> str:
    """Stable across retries: a receiver can use it to drop a duplicate (X-PAHT-Delivery)."""
    return str(uuid.uuid5(_NAMESPACE, f"{key[0]}/{key[1]}"))


class DeliveryFailed(Exception):
    """One or more channels failed for a report; the stream record is returned as a batch item failure."""

    def __init__(self, report_id: str, failed: list[tuple[str, str]]) -> None:
        super().__init__(f"report {report_id}: " + ", ".join(f"{ch} ({err})" for ch, err in failed))
        self.report_id = report_id
        self.failed = failed


@dataclass(frozen=True)
class Outcome:
    channel: str
    status: str  # sent | failed | skipped (already sent, or being sent by another attempt)
    error: str | None = None


def is_new_assignment(old: Report | None, new: Report | None) -> bool:
    """Whether this change hands the report to a unit: it is now `assigned`, and before it was not assigned
    to that unit at that instant (first routing, a reassignment, a return to the IOC)."""
    if new is None or new.status != Status.ASSIGNED or not new.unit_code:
        return False
    if old is None or old.status != Status.ASSIGNED:
        return True
    return old.unit_code != new.unit_code or old.assigned_at != new.assigned_at


def is_imported_routing(old: Report | None, new: Report) -> bool:
    """The first routing of a report imported from the old system (services/imports.py)."""
    return (old is None or old.status == Status.RECEIVED) and any(e.type == IMPORTED for e in new.history)


def forward_to_unit(
    change: ReportChange,
    clock: clocks.Clock = clocks.now,
    sender: senders.Sender | None = None,
    registry: UnitRegistry | None = None,
) -> None:
    """Stream consumer: deliver a newly assigned report to its unit through each of the unit's channels."""
    report = change.new
    if report is None or not is_new_assignment(change.old, report):
        return
    if is_imported_routing(change.old, report):
        # A historical report from the old system was forwarded there at the time; routing it here on import
        # must not e-mail units about old cases. A later reassignment of it is forwarded as any other.
        return
    registry = registry or UnitRegistry.default()
    assert report.unit_code is not None
    unit = registry.get(report.unit_code)
    if unit is None:
        # Nothing to deliver to; the report stays visible in the IOC's views under its unknown code.
        logger.error("assigned to an unknown unit", extra={"report_id": report.id, "unit": report.unit_code})
        return
    previous = None
    if change.old is not None and change.old.unit_code and change.old.unit_code != unit.code:
        old_unit = registry.get(change.old.unit_code)
        previous = old_unit.name if old_unit else change.old.unit_code
    outcomes = forward(report, unit, clock(), sender, previous_unit=previous)
    failed = [(o.channel, o.error or "") for o in outcomes if o.status == "failed"]
    if failed:
        raise DeliveryFailed(report.id, failed)


def forward(
    report: Report,
    unit: Unit,
    now: datetime,
    sender: senders.Sender | None = None,
    previous_unit: str | None = None,
    only: str | None = None,
) -> list[Outcome]:
    """Deliver `report` to `unit` on every channel not delivered yet for this assignment (or on `only`).
    A failed channel is recorded in the ledger, which schedules its next attempt."""
    sender = sender or senders.registry()
    assigned_at = report.assigned_at or report.received_at
    outcomes: list[Outcome] = []
    for channel in senders.channels(unit):
        if only is not None and channel != only:
            continue
        data = {
            "report_id": report.id,
            "unit_code": unit.code,
            "assigned_at": utc_text(assigned_at),
            "channel": channel,
        }
        claim = ledger.claim(*delivery_key(report.id, unit.code, assigned_at, channel), KIND, now, data)
        if claim is None:  # sent already, or being sent by another attempt
            outcomes.append(Outcome(channel, "skipped"))
            continue
        outcomes.append(_deliver(claim, channel, report, unit, now, sender, previous_unit))
    return outcomes


def _deliver(
    claim: ledger.Claim,
    channel: str,
    report: Report,
    unit: Unit,
    now: datetime,
    sender: senders.Sender,
    previous_unit: str | None,
) -> Outcome:
    log_keys = {"report_id": report.id, "unit": unit.code, "channel": channel, "attempt": claim.attempts}
    try:
        parcel = build_parcel(channel, report, unit, delivery_id(claim.key), now, previous_unit)
        reference = sender.send(parcel)
    except Exception as exc:  # any failure of a channel is recorded and retried, whatever its kind
        error = ledger.error_name(exc)
        ledger.fail(claim, now, error)
        logger.warning("delivery failed", extra={**log_keys, "error_type": error})
        return Outcome(channel, "failed", error)
    ledger.done(claim, now, reference)
    logger.info("delivered", extra=log_keys)
    return Outcome(channel, "sent")


# --------------------------------------------------------------------------------------------- content


def _photo_urls(report: Report) -> list[str]:
    uploaded = [m for m in report.media if m.uploaded and m.purpose == "report"]
    if not uploaded:
        return []
    from chalicelib.media import read_url

    return [read_url(m.key) for m in uploaded]


def _category_name(code: str) -> str:
    category = CategoryCatalog.default().get(code)
    return category.name if category else code


def email_content(report: Report, unit: Unit, previous_unit: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the e-mail that forwards `report` to `unit`; the HTML escapes what citizens typed."""
    from chalicelib.notify.email import render
    from chalicelib.notify.formatting import vn_datetime

    category = _category_name(report.category)
    routing = report.routing
    context: dict[str, Any] = {
        "unit_name": unit.name,
        "previous_unit": previous_unit,
        "is_test": report.is_test,
        "report_id": report.id,
        "category_name": category,
        "description": report.description,
        "received_at": report.received_at,
        "occurred_at": report.occurred_at,
        "triage_due_at": report.triage_due_at,
        "due_at": report.due_at,
        "lat": report.location.lat,
        "lng": report.location.lng,
        "map_url": links.map_url(report.location.lat, report.location.lng),
        "address": report.address,
        "uncertain": bool(routing and routing.uncertain),
        "routing_reason": routing.reason if routing else None,
        "photos": _photo_urls(report),
        "reporter_name": report.reporter.name,
        "reporter_phone": report.reporter.phone,
        "reporter_email": report.reporter.email,
        "link": links.console_report_url(report.id),
    }
    subject = SUBJECT.format(due=vn_datetime(report.due_at), category=category)
    return subject, render("forward.txt", **context), render("forward.html", **context)


def build_parcel(
    channel: str,
    report: Report,
    unit: Unit,
    delivery: str,
    now: datetime,
    previous_unit: str | None = None,
) -> senders.Parcel:
    """The delivery with id `delivery`, as its channel sends it."""
    common: dict[str, Any] = {
        "delivery_id": delivery,
        "report_id": report.id,
        "unit_code": unit.code,
        "channel": channel,
        "timestamp": int(now.timestamp()),
    }
    if channel == senders.EMAIL:
        subject, text, html = email_content(report, unit, previous_unit)
        return senders.Parcel(**common, recipients=unit.emails, subject=subject, text=text, html=html)
    if channel == senders.WEBHOOK:
        assert unit.webhook is not None
        return senders.Parcel(
            **common,
            url=unit.webhook.url,
            secret_env=unit.webhook.secret_env,
            body=webhook.assigned_body(report, unit, delivery, now),
        )
    raise ValueError(f"unknown channel {channel!r}")


# --------------------------------------------------------------------------------------------- the IOC's view


def failed_deliveries(limit: int, cursor: str | None) -> dict[str, Any]:
    """GET /v1/deliveries?status=failed: what is still owed, every kind (services/deliveries.py)."""
    from chalicelib.services.deliveries import listing

    return listing("failed", limit, cursor)


def retry_owed(owed: ledger.Owed, now: datetime, sender: senders.Sender) -> bool:
    """The reconciler's retry of one failed delivery to a unit (services/deliveries.py): sent once through
    the same claim as the first attempt; given up if the report has meanwhile gone to another unit or
    another assignment (that one has its own delivery)."""
    from chalicelib.domain.report import parse_instant
    from chalicelib.store.reports import ReportRepository

    data = owed.data
    report = ReportRepository().get(str(data.get("report_id", "")))
    unit = UnitRegistry.default().get(str(data.get("unit_code", "")))
    current = (
        report is not None
        and unit is not None
        and report.unit_code == unit.code
        and report.assigned_at is not None
        and report.assigned_at == parse_instant(str(data.get("assigned_at")))
    )
    if not current:
        ledger.give_up(owed.pk, owed.sk, KIND.name, now, "Superseded")
        return False
    assert report is not None and unit is not None
    outcomes = forward(report, unit, now, sender, only=str(data.get("channel")))
    return any(o.status == "sent" for o in outcomes)
