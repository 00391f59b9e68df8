"""What every blueprint's handlers share: a report as the caller may see it, a page of them, a POST answered
once per Idempotency-Key, the app's metrics. Nothing heavy is imported here at import time (the cold start)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from chalice import Blueprint, Response

from chalicelib.api import http
from chalicelib.domain.access import Actor

# The app's logger (app.py injects the Lambda context into it) and its metrics (flushed after each
# invocation); the services' child loggers write through it.
logger = Logger(service="fieldreport")
metrics = Metrics(namespace="FieldReport", service="fieldreport")


def media_url(key: str, ttl_seconds: int | None = None) -> str:
    from chalicelib.media import READ_TTL_SECONDS, read_url

    return read_url(key, ttl_seconds or READ_TTL_SECONDS)


def view(report: Any, viewer: Actor | None, now: datetime) -> dict[str, Any]:
    from chalicelib.api.views import report_view

    return report_view(report, viewer, now, media_url)


def page(found: Any, viewer: Actor | None, now: datetime) -> dict[str, Any]:
    return {"items": [view(r, viewer, now) for r in found.items], "next_cursor": found.next_cursor}


def once(bp: Blueprint, scope: str, call: Any) -> Response:
    """Answer a POST that creates or changes something once per Idempotency-Key (api.md): `call` returns the
    status and body; a retry with the same key and body gets the first answer."""
    from chalicelib.api.idempotency import run_idempotent

    request = bp.current_request
    status, payload = run_idempotent(
        request.headers.get("idempotency-key"), scope, request.raw_body or b"", call, bp.lambda_context
    )
    return http.json_response(payload, status)


def query_params(bp: Blueprint) -> dict[str, str]:
    return bp.current_request.query_params or {}
