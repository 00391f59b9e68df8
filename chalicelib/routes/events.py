"""What the app's event bindings do (app.py binds them, since Lambda finds each as `app.<name>`): the reports
table's stream, an uploaded photo, and the scheduled runs. Each calls one service and publishes its metric."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.domain.report import parse_instant
from chalicelib.routes.common import logger, metrics


def scheduled_now(event: Any) -> datetime:
    """The instant a scheduled run stands for: `detail.at` when given (a replay), else the event's `time`
    (EventBridge's scheduled instant; `make sla AT=...` sends an event whose time is AT)."""
    detail = getattr(event, "detail", None)
    at = detail.get("at") if isinstance(detail, dict) else None
    return parse_instant(str(at or event.time))


def report_stream(event: Any) -> dict[str, Any]:
    """Every change of a report: route new ones, forward to a new unit, keep statistics, tell the citizen.
    Failed records come back as `batchItemFailures` so Lambda retries just those."""
    from chalicelib.services.stream import process_stream_batch

    # event.context: app.lambda_context is only set by Chalice for HTTP requests, never for stream events.
    return process_stream_batch(event.to_dict(), event.context)


def media_uploaded(event: Any) -> None:
    """S3 tells us an upload slot was used: the report's `media` lists it from now on, `processing` until its
    bytes are checked and its photo sizes derived (issue 16; Pillow is imported here only, never by the API)."""
    from chalicelib.services.media import process_upload

    process_upload(event.key, int(event.to_dict()["Records"][0]["s3"]["object"].get("size", 0)))


def reconcile(event: Any) -> dict[str, Any]:
    """Nothing accepted stays stuck unseen (issue 12): see chalicelib/services/reconcile.py."""
    from chalicelib.services.reconcile import reconcile as run_reconcile

    result = run_reconcile(scheduled_now(event))
    metrics.add_metric(name="UnroutableReports", unit=MetricUnit.Count, value=result["unroutable"])
    return result


def deadline_sweep(event: Any) -> dict[str, Any]:
    """Find reports with a notice due (sparse sweep index), tell their units and the IOC, mark breaches
    overdue. Publishes "OverdueReports" (reports in breach seen by this sweep); the IOC's alarm is on it."""
    from chalicelib.services.watch import run_sweep

    result = run_sweep(scheduled_now(event))
    metrics.add_metric(name="OverdueReports", unit=MetricUnit.Count, value=result.overdue_reports)
    return result.as_dict()


def daily_digest(event: Any) -> dict[str, Any]:
    """Each unit with open reports gets its morning list: due today, overdue, new since the previous working
    day. Raises after trying every unit if a digest failed: Lambda's retry sends the missing ones."""
    from chalicelib.services.watch import daily_digest as run_digest

    result = run_digest(scheduled_now(event))
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=result.emails_sent)
    metrics.add_metric(name="DigestFailures", unit=MetricUnit.Count, value=result.failures)
    result.raise_if_incomplete()
    return result.as_dict()


def weekly_report(event: Any) -> dict[str, Any]:
    """The weekly IOC report (issue 6): last week's table and the year to date, e-mailed to the IOC. "Now" is
    the event's scheduled time, so a replay (`make weekly AT=...`) reports the week it would have."""
    from chalicelib.wiring import stats_service

    summary = stats_service().weekly_report(parse_instant(event.time))
    logger.info("weekly report", extra={k: v for k, v in summary.items() if k != "recipients"})
    return dict(summary)
