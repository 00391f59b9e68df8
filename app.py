"""The Chalice app: routes, event bindings and middleware. Each handler parses, calls one service, responds.

Nothing here creates an AWS client or needs an environment variable at import time (`chalice package` imports
this file with no environment; tests start moto first). Heavy modules (holidays, shapely, jinja2) are imported
inside the handlers that need them, so the HTTP cold start does not pay for them.
"""

from __future__ import annotations

import functools
import os
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from chalice import AuthResponse, Chalice, ConvertToMiddleware, Cron, Rate, Response

from chalicelib import snapstart
from chalicelib.api import http
from chalicelib.api.auth import AuthError, verify_token
from chalicelib.api.schemas import AttachmentRequest, SubmitReport
from chalicelib.domain.instants import parse_day
from chalicelib.domain.report import parse_instant
from chalicelib.routes.citizens import blueprint as citizens_blueprint
from chalicelib.routes.console import console_blueprint
from chalicelib.routes.open311 import bp as open311_routes
from chalicelib.wiring import clock
from chalicelib.wiring import handling_service as _handling
from chalicelib.wiring import report_service as _services

APP_NAME = "fieldreport"


class FieldReportApp(Chalice):
    """Chalice turns an exception raised in a view into its own 500 before any middleware sees it. So every
    route's view is guarded when it is registered: domain and input errors become api.md's error shape, anything
    else a logged 500 without details. Bad input never yields a 5xx."""

    def _register_route(self, name: str, user_handler: Any, kwargs: Any, **unused: Any) -> None:
        @functools.wraps(user_handler)
        def guarded(*args: Any, **kw: Any) -> Any:
            try:
                return user_handler(*args, **kw)
            except Exception as exc:
                response = http.error_for(exc)
                if response is not None:
                    return response
                logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
                return http.error_response(
                    500, "internal_error", "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."
                )

        super()._register_route(name, guarded, kwargs, **unused)


app = FieldReportApp(app_name=APP_NAME, configure_logs=False)
app.api.cors = False

logger = Logger(service=APP_NAME)
metrics = Metrics(namespace="FieldReport", service=APP_NAME)

# clear_state: keys appended in one invocation (report_id) must not stick to the next one (warm container).
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)))


@functools.cache
def _tracer() -> Any:
    """The X-Ray tracer, built on first use and only where tracing is on: creating it loads the X-Ray SDK and
    a botocore client (about 0.3-1 s), which a cold start should pay only when traces are wanted."""
    from chalicelib.config import settings

    if not settings().tracing:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=APP_NAME)


@app.middleware("all")
def trace(event: Any, get_response: Any) -> Any:
    tracer = _tracer()
    if tracer is None:
        return get_response(event)
    return ConvertToMiddleware(tracer.capture_lambda_handler)(event, get_response)


app.register_middleware(ConvertToMiddleware(metrics.log_metrics))

# SnapStart (issue 17): the work done before the snapshot and redone after each restore (chalicelib/snapstart.py).
snapstart.register()

# The stream ARN is read at import time and must be a string; the packaged template replaces it with the
# table's real stream (infra/template.py), and the local stack feeds the handler itself.
REPORTS_STREAM_ARN = os.environ.get(
    "REPORTS_STREAM_ARN",
    "arn:aws:dynamodb:ap-southeast-1:000000000000:table/fieldreport-dev-reports/stream/1970-01-01T00:00:00.000",
)
MEDIA_BUCKET_NAME = os.environ.get("MEDIA_BUCKET", "fieldreport-dev-media")


@app.authorizer(ttl_seconds=60)
def jwt_auth(auth_request: Any) -> AuthResponse:
    """Built-in authorizer: verifies the bearer JWT. A bad token is not rejected here but marked, so that the
    route answers 401 in the API's own error shape, the same way locally and in AWS."""
    try:
        principal = verify_token(auth_request.token)
    except AuthError as e:
        return AuthResponse(
            routes=["*"], principal_id="anonymous", context={"auth_error": e.code, "auth_message": e.message}
        )
    return AuthResponse(routes=["*"], principal_id=principal.sub, context=principal.to_context())


def _media_url(key: str, ttl_seconds: int | None = None) -> str:
    from chalicelib.media import READ_TTL_SECONDS, read_url

    return read_url(key, ttl_seconds or READ_TTL_SECONDS)


def _view(report: Any, viewer: Any) -> dict[str, Any]:
    from chalicelib.api.views import report_view

    return report_view(report, viewer, clock(), _media_url)


def _page(page: Any, viewer: Any) -> dict[str, Any]:
    return {"items": [_view(r, viewer) for r in page.items], "next_cursor": page.next_cursor}


def _once(scope: str, call: Any) -> Response:
    """Answer a POST that creates or changes something once per Idempotency-Key (api.md): `call` returns the
    status and body; a retry with the same key and body gets the first answer."""
    from chalicelib.api.idempotency import run_idempotent

    request = app.current_request
    status, payload = run_idempotent(
        request.headers.get("idempotency-key"), scope, request.raw_body or b"", call, app.lambda_context
    )
    return http.json_response(payload, status)


# ---------------------------------------------------------------- reports: intake and reading (foundation)

# Chalice answers a wrong Content-Type (415) or method (405) itself, before any view runs, in its own shape
# ({"Code", "Message"}); these give them api.md's error shape like every other 4xx.
_CHALICE_ERRORS = {
    405: ("method_not_allowed", "Phương thức HTTP này không được hỗ trợ cho đường dẫn này.", None),
    415: (
        "unsupported_media_type",
        "Nội dung yêu cầu phải là JSON (Content-Type: application/json).",
        "Content-Type",
    ),
}


@app.middleware("http")
def chalice_errors_in_api_shape(event: Any, get_response: Any) -> Response:
    response = get_response(event)
    known = _CHALICE_ERRORS.get(response.status_code)
    if known is None or not isinstance(response.body, dict) or "Code" not in response.body:
        return response
    code, message, field = known
    details = [{"field": field, "message": message}] if field else []
    headers = {k: v for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    return http.error_response(response.status_code, code, message, details, headers)


@app.middleware("http")
def cache_headers(event: Any, get_response: Any) -> Response:
    """no-store on private answers, Vary: Authorization on caller-dependent ones (chalicelib/api/caching.py)."""
    from chalicelib.api.caching import add_cache_headers

    return add_cache_headers(event.path, event.headers, get_response(event))


@app.route("/v1/reports", methods=["POST"], authorizer=jwt_auth)
def submit_report() -> Response:
    request = app.current_request
    caller = http.principal_from_request(request)
    body = http.parse_body(request.raw_body, SubmitReport)

    def create() -> tuple[int, Any]:
        report = _services().submit(body, caller, clock())
        logger.append_keys(report_id=report.id)
        logger.info("report received", extra={"category": report.category})
        metrics.add_metric(name="ReportsReceived", unit=MetricUnit.Count, value=1)
        from chalicelib.routes.citizens import possible_duplicates_view  # issue 15

        return 201, {**_view(report, caller), "possible_duplicates": possible_duplicates_view(report)}

    return _once(f"submit:{caller.sub}", create)


# ---------------------------------------------------------------- citizens: nearby, follow, phones (issue 15)
# Registered before `/v1/reports/{report_id}` so that `/v1/reports/nearby` is never taken for a report id.

app.register_blueprint(citizens_blueprint(jwt_auth, clock))


@app.route("/v1/reports", methods=["GET"])
def list_reports() -> Response:
    from chalicelib.api.queries import public_filters

    params = app.current_request.query_params
    page = _services().public_page(
        public_filters(params), http.parse_limit(params), (params or {}).get("cursor")
    )
    return http.json_response(_page(page, None))


@app.route("/v1/reports/{report_id}", methods=["GET"])
def get_report(report_id: str) -> Response:
    from chalicelib.api.views import may_see
    from chalicelib.domain.errors import ReportNotFound

    viewer = http.optional_principal(app.current_request)
    report = _services().get(report_id)
    if not may_see(report, viewer):
        raise ReportNotFound("Không tìm thấy phản ánh.")
    logger.append_keys(report_id=report.id)
    return http.json_response(_view(report, viewer))


@app.route("/v1/me/reports", methods=["GET"], authorizer=jwt_auth)
def my_reports() -> Response:
    request = app.current_request
    caller = http.principal_from_request(request)
    params = request.query_params
    page = _services().mine(caller, http.parse_limit(params), (params or {}).get("cursor"))
    return http.json_response(_page(page, caller))


@app.route("/v1/reports/{report_id}/attachments", methods=["POST"], authorizer=jwt_auth)
def reserve_attachment(report_id: str) -> Response:
    request = app.current_request
    caller = http.principal_from_request(request)
    body = http.parse_body(request.raw_body, AttachmentRequest)
    logger.append_keys(report_id=report_id)

    def reserve() -> tuple[int, Any]:
        from chalicelib.api.views import upload_slot_view

        now = clock()
        _, media = _services().reserve_attachment(
            report_id, caller, body.content_type, body.size, body.purpose, now
        )
        return 201, upload_slot_view(media, now)

    # A retried request (same Idempotency-Key) gets the same slot instead of using up another of the ten.
    return _once(f"attachment:{caller.sub}:{report_id}", reserve)


@app.on_s3_event(bucket=MEDIA_BUCKET_NAME, events=["s3:ObjectCreated:*"], prefix="reports/")
def media_uploaded(event: Any) -> None:
    """S3 tells us an upload slot was used: the report's `media` lists it from now on, `processing` until its
    bytes are checked and its photo sizes derived (issue 16; Pillow is imported here only, never by the API)."""
    from chalicelib.services.media import process_upload

    process_upload(event.key, int(event.to_dict()["Records"][0]["s3"]["object"].get("size", 0)))


# ---------------------------------------------------------------- reference data and service endpoints


@app.route("/v1/categories", methods=["GET"])
def list_categories() -> Response:
    from chalicelib.domain.units import CategoryCatalog

    items = [{"code": c.code, "name": c.name} for c in CategoryCatalog.default().all()]
    return http.json_response({"items": items}, headers={"Cache-Control": "public, max-age=3600"})


@app.route("/v1/units", methods=["GET"])
def list_units() -> Response:
    from chalicelib.domain.units import UnitRegistry

    params = app.current_request.query_params
    on = http.parse_query(params, "valid_on", parse_day, "ngày dạng YYYY-MM-DD (năm 2000–2100)")
    registry = UnitRegistry.default()
    units = registry.valid_on(on) if on else registry.all()
    items = [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "valid_from": u.valid_from.isoformat(),
            "valid_to": u.valid_to.isoformat() if u.valid_to else None,
        }
        for u in units
    ]
    return http.json_response({"items": items}, headers={"Cache-Control": "public, max-age=3600"})


@app.route("/v1/health", methods=["GET"])
def health() -> Response:
    from chalicelib.config import settings

    return http.json_response({"status": "ok", "stage": settings().stage})


@app.route("/v1/openapi.json", methods=["GET"])
def openapi() -> Response:
    from chalicelib.api.openapi import document

    return http.json_response(document(), headers={"Cache-Control": "public, max-age=300"})


# ---------------------------------------------------------------- the reports table's stream


@app.on_dynamodb_record(stream_arn=REPORTS_STREAM_ARN, batch_size=25, starting_position="TRIM_HORIZON")
def handle_report_stream(event: Any) -> dict[str, Any]:
    """Every change of a report: route new ones, forward to a new unit, keep statistics, tell the citizen.
    Failed records come back as `batchItemFailures` so Lambda retries just those."""
    from chalicelib.services.stream import process_stream_batch

    # event.context: app.lambda_context is only set by Chalice for HTTP requests, never for stream events.
    return process_stream_batch(event.to_dict(), event.context)


# ---------------------------------------------------------------- calendar (issue 3)

MAX_CALENDAR_DAYS = 366


@app.route("/v1/calendar", methods=["GET"])
def working_calendar() -> Response:
    """Working days and days off with their names, so apps and officers can see why a deadline falls where
    it does (at most a year per request)."""
    from chalicelib.services.calendar import calendar_between

    params = app.current_request.query_params
    start = http.parse_query(params, "from", parse_day, "ngày dạng YYYY-MM-DD (năm 2000–2100)")
    end = http.parse_query(params, "to", parse_day, "ngày dạng YYYY-MM-DD (năm 2000–2100)")
    return http.json_response(
        calendar_between(start, end, MAX_CALENDAR_DAYS), headers={"Cache-Control": "public, max-age=86400"}
    )


# ---------------------------------------------------------------- routing and forwarding (issue 4)


@app.route("/v1/deliveries", methods=["GET"], authorizer=jwt_auth)
def list_deliveries() -> Response:
    """The IOC's list of what is still owed, every kind: being retried (`failed`) or `given_up`."""
    from chalicelib.services.deliveries import listing

    request = app.current_request
    caller = http.principal_from_request(request)
    http.require_role(caller, "ioc")
    params = request.query_params

    def _failed(v: str) -> str:
        if v not in ("failed", "given_up"):
            raise ValueError(v)
        return v

    status = http.parse_query(params, "status", _failed, "'failed' hoặc 'given_up'") or "failed"
    page = listing(status, http.parse_limit(params), (params or {}).get("cursor"))
    return http.json_response(page)


@app.route("/v1/deliveries/{delivery_id}/resend", methods=["POST"], authorizer=jwt_auth)
def resend_delivery(delivery_id: str) -> Response:
    """The IOC sends one failed or given-up delivery again now (issue 12); 200 with how it stands."""
    from chalicelib.services.deliveries import resend

    caller = http.principal_from_request(app.current_request)
    http.require_role(caller, "ioc")
    return _once(f"resend:{caller.sub}:{delivery_id}", lambda: (200, resend(delivery_id, clock())))


# Every 5 minutes: reports the stream did not route, and failed deliveries whose next attempt has come.
@app.schedule(Rate(5, unit=Rate.MINUTES))
def reconcile(event: Any) -> dict[str, Any]:
    """Nothing accepted stays stuck unseen (issue 12): see chalicelib/services/reconcile.py."""
    from chalicelib.services.reconcile import reconcile as run_reconcile

    result = run_reconcile(_scheduled_now(event))
    metrics.add_metric(name="UnroutableReports", unit=MetricUnit.Count, value=result["unroutable"])
    return result


# ---------------------------------------------------------------- handling workflow (issue 5)


@app.route("/v1/reports/{report_id}/actions", methods=["POST"], authorizer=jwt_auth)
def act_on_report(report_id: str) -> Response:
    """One step of the handling (api.md "Actions"); 200 with the report as the caller may see it."""
    from chalicelib.api.action_schemas import parse_action, to_domain

    request = app.current_request
    caller = http.principal_from_request(request)
    body = parse_action(request.raw_body or b"")
    logger.append_keys(report_id=report_id)

    def act() -> tuple[int, Any]:
        report = _handling().act(report_id, to_domain(body), caller, clock())
        logger.info(
            "report action", extra={"action": getattr(body, "type", ""), "status": report.status.value}
        )
        metrics.add_metric(name="ReportActions", unit=MetricUnit.Count, value=1)
        return 200, _view(report, caller)

    return _once(f"action:{caller.sub}:{report_id}", act)


@app.route("/v1/reports/{report_id}/feedback", methods=["POST"], authorizer=jwt_auth)
def give_feedback(report_id: str) -> Response:
    """The reporter rates the answer, once, on a closed report; 201 with the report."""
    from chalicelib.api.action_schemas import FeedbackIn

    request = app.current_request
    caller = http.principal_from_request(request)
    body = http.parse_body(request.raw_body, FeedbackIn)
    logger.append_keys(report_id=report_id)

    def rate() -> tuple[int, Any]:
        report = _handling().feedback(report_id, body.rating, body.comment, caller, clock())
        metrics.add_metric(name="ReportRatings", unit=MetricUnit.Count, value=1)
        return 201, _view(report, caller)

    return _once(f"feedback:{caller.sub}:{report_id}", rate)


@app.route("/v1/reports/{report_id}", methods=["DELETE"], authorizer=jwt_auth)
def delete_report(report_id: str) -> Response:
    """IOC technical staff delete a test report; any other report is never deleted (409)."""
    caller = http.principal_from_request(app.current_request)
    _handling().delete(report_id, caller)
    logger.append_keys(report_id=report_id)
    logger.info("test report deleted")
    return Response(body="", status_code=204)


@app.route("/v1/inbox", methods=["GET"], authorizer=jwt_auth)
def inbox() -> Response:
    """The work queue: an officer's own unit, any unit for the IOC; earliest deadline first."""
    from chalicelib.api.action_schemas import inbox_filters, inbox_row

    request = app.current_request
    caller = http.principal_from_request(request)
    params = request.query_params
    now = clock()
    page = _handling().inbox(
        caller, inbox_filters(params), http.parse_limit(params), (params or {}).get("cursor"), now
    )
    return http.json_response(
        {"items": [inbox_row(r, caller, now) for r in page.items], "next_cursor": page.next_cursor}
    )


# ---------------------------------------------------------------- deadline watch: schedules (issue 6)


def _scheduled_now(event: Any) -> datetime:
    """The instant a scheduled run stands for: `detail.at` when given (a replay), else the event's `time`
    (EventBridge's scheduled instant; `make sla AT=...` sends an event whose time is AT)."""
    detail = getattr(event, "detail", None)
    at = detail.get("at") if isinstance(detail, dict) else None
    return parse_instant(str(at or event.time))


# Every 15 minutes: reminders before a deadline, breaches after it (docs/deadline-watch.md).
@app.schedule(Rate(15, unit=Rate.MINUTES))
def deadline_sweep(event: Any) -> dict[str, Any]:
    """Find reports with a notice due (sparse sweep index), tell their units and the IOC, mark breaches
    overdue. Publishes "OverdueReports" (reports in breach seen by this sweep); the IOC's alarm is on it."""
    from chalicelib.services.watch import run_sweep

    result = run_sweep(_scheduled_now(event))
    metrics.add_metric(name="OverdueReports", unit=MetricUnit.Count, value=result.overdue_reports)
    return result.as_dict()


# EventBridge cron is in UTC. Vietnam is UTC+7 all year (no daylight saving time), so 07:30 in Vietnam is
# 00:30 UTC on the same day. It fires Monday to Saturday because the Government sometimes declares a Saturday
# a make-up working day; the handler itself skips any day that is not a working day (WorkingCalendar), which
# also covers holidays that fall on weekdays.
@app.schedule(Cron(30, 0, "?", "*", "MON-SAT", "*"))
def daily_digest(event: Any) -> dict[str, Any]:
    """Each unit with open reports gets its morning list: due today, overdue, new since the previous
    working day. Raises after trying every unit if a digest failed: Lambda's retry sends the missing ones."""
    from chalicelib.services.watch import daily_digest as run_digest

    result = run_digest(_scheduled_now(event))
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=result.emails_sent)
    metrics.add_metric(name="DigestFailures", unit=MetricUnit.Count, value=result.failures)
    result.raise_if_incomplete()
    return result.as_dict()


# ---------------------------------------------------------------- statistics (issue 7)


@app.route("/v1/stats", methods=["GET"], authorizer=jwt_auth)
def stats_table() -> Response:
    """The IOC table for `from`..`to` (days of receipt, Vietnam time), from the counters: one Query.
    The IOC sees every unit and the province; an officer only their unit's row. `format=csv` for Excel."""
    from chalicelib.api.stats_schemas import StatsTable
    from chalicelib.domain.stats import table_csv
    from chalicelib.services.stats import check_period, table_dict
    from chalicelib.wiring import stats_service

    request = app.current_request
    caller = http.principal_from_request(request)
    http.require_role(caller, "ioc", "officer")
    params = request.query_params
    start, end = check_period(
        http.parse_query(params, "from", parse_day, "ngày dạng YYYY-MM-DD (năm 2000–2100)"),
        http.parse_query(params, "to", parse_day, "ngày dạng YYYY-MM-DD (năm 2000–2100)"),
    )

    def _format(v: str) -> str:
        if v not in ("json", "csv"):
            raise ValueError(v)
        return v

    fmt = http.parse_query(params, "format", _format, "'json' hoặc 'csv'") or "json"
    view = stats_service().view(start, end, caller)
    if fmt == "csv":
        filename = f"thong-ke-paht-{start.isoformat()}_{end.isoformat()}.csv"
        return Response(
            body=table_csv(view.table),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
    body = StatsTable.model_validate(table_dict(view)).model_dump(mode="json", by_alias=True)
    return http.json_response(body)


# Monday 08:00 in Vietnam (UTC+7, no daylight saving time) is Monday 01:00 UTC: EventBridge cron is in UTC.
@app.schedule(Cron(0, 1, "?", "*", "MON", "*"))
def weekly_report(event: Any) -> dict[str, Any]:
    """The weekly IOC report (issue 6): last week's table and the year to date, e-mailed to the IOC. "Now" is
    the event's scheduled time, so a replay (`make weekly AT=...`) reports the week it would have."""
    from chalicelib.wiring import stats_service

    summary = stats_service().weekly_report(parse_instant(event.time))
    logger.info("weekly report", extra={k: v for k, v in summary.items() if k != "recipients"})
    return summary


# ---------------------------------------------------------------- Open311 GeoReport v2 (issue 14)

app.register_blueprint(open311_routes)

# ---------------------------------------------------------------- web console (issue 13)

app.register_blueprint(console_blueprint(jwt_auth, clock))
