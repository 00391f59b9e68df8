"""The reports table's stream: decode each change and hand it to the consumers, each idempotent.

The consumers, in order, are built by `chalicelib.wiring.stream_consumers` with the one clock and the one
sender. A record whose consumer fails is returned in `batchItemFailures` (Powertools BatchProcessor), so Lambda
retries that record alone; every consumer therefore tolerates seeing a change twice (claims in the once-only
ledger, conditional writes keyed on the report, the unit, the deadline or the event id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.report import Report

logger = Logger(service="fieldreport", child=True)


@dataclass(frozen=True)
class ReportChange:
    event_id: str
    event_name: str  # INSERT | MODIFY | REMOVE
    old: Report | None
    new: Report | None


Consumer = Callable[[ReportChange], None]


def note_seen(change: ReportChange) -> None:
    """The stream function saw a report change (kept first: it makes the flow visible in the logs)."""
    report = change.new or change.old
    if report is not None:
        logger.info(
            "report change",
            extra={"report_id": report.id, "event": change.event_name, "status": report.status.value},
        )


def decode(record: dict[str, Any]) -> ReportChange:
    from chalicelib.store.reports import from_raw

    data = record.get("dynamodb", {})
    old = data.get("OldImage")
    new = data.get("NewImage")
    return ReportChange(
        event_id=str(record.get("eventID")),
        event_name=str(record.get("eventName")),
        old=from_raw(old) if old else None,
        new=from_raw(new) if new else None,
    )


def handle_change(change: ReportChange, consumers: list[Consumer] | None = None) -> None:
    """Give the change to every consumer, even when one fails: a unit whose webhook is down must not keep the
    statistics or the citizen's e-mail from happening. The first failure is raised afterwards, so the record
    is retried; the consumers that succeeded are idempotent and do nothing the second time."""
    failure: Exception | None = None
    if consumers is None:
        from chalicelib import wiring

        consumers = wiring.stream_consumers()
    for consume in consumers:
        try:
            consume(change)
        except Exception as exc:
            report = change.new or change.old
            logger.exception(
                "stream consumer failed",
                extra={
                    "report_id": report.id if report else None,
                    "consumer": getattr(consume, "__name__", "?"),
                },
            )
            failure = failure or exc
    if failure is not None:
        raise failure


def process_stream_batch(event: dict[str, Any], lambda_context: Any = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib import wiring

    consumers = wiring.stream_consumers()

    def record_handler(record: Any) -> None:
        handle_change(decode(record.raw_event), consumers)

    # A batch whose every record failed is still answered with batchItemFailures (not an exception), so that
    # Lambda retries from the first failed record like for any other partial failure.
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    result: dict[str, Any] = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=lambda_context
    )
    return result
