"""The Chalice app: its middleware, its authorizer, its event bindings and the registration of its blueprints.

Routes live in blueprints by area (chalicelib/routes/), each declaring its OpenAPI contract next to it; event
bindings stay here because Lambda finds each as `app.<name>`, and what they do is in chalicelib/routes/events.py.
Nothing here creates an AWS client or needs an environment variable at import time (`chalice package` imports
this file with no environment; tests start moto first). Heavy modules (holidays, shapely, jinja2) are imported
inside the handlers that need them, so the HTTP cold start does not pay for them.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from chalice import AuthResponse, Chalice, ConvertToMiddleware, Cron, Rate, Response

from chalicelib import snapstart
from chalicelib.api import http
from chalicelib.api.auth import AuthError, actor_context, verify_token
from chalicelib.routes import citizens, deliveries, events, handling, reference, reports, statistics
from chalicelib.routes.common import logger, metrics
from chalicelib.routes.console import console_blueprint
from chalicelib.routes.open311 import bp as open311_routes
from chalicelib.wiring import clock

APP_NAME = "fieldreport"

app = Chalice(app_name=APP_NAME, configure_logs=False)
app.api.cors = False

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
    return AuthResponse(routes=["*"], principal_id=principal.sub, context=actor_context(principal))


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


# ---------------------------------------------------------------- the blueprints, by area
# Citizens first: `/v1/reports/nearby` must never be taken for a report id.
app.register_blueprint(citizens.blueprint(jwt_auth, clock))
app.register_blueprint(reports.blueprint(jwt_auth, clock))
app.register_blueprint(handling.blueprint(jwt_auth, clock))
app.register_blueprint(statistics.blueprint(jwt_auth))
app.register_blueprint(deliveries.blueprint(jwt_auth, clock))
app.register_blueprint(reference.bp)
app.register_blueprint(open311_routes)
app.register_blueprint(console_blueprint(jwt_auth, clock))


# ---------------------------------------------------------------- event bindings (chalicelib/routes/events.py)


@app.on_dynamodb_record(stream_arn=REPORTS_STREAM_ARN, batch_size=25, starting_position="TRIM_HORIZON")
def handle_report_stream(event: Any) -> dict[str, Any]:
    return events.report_stream(event)


@app.on_s3_event(bucket=MEDIA_BUCKET_NAME, events=["s3:ObjectCreated:*"], prefix="reports/")
def media_uploaded(event: Any) -> None:
    events.media_uploaded(event)


# Every 5 minutes: reports the stream did not route, and failed deliveries whose next attempt has come.
@app.schedule(Rate(5, unit=Rate.MINUTES))
def reconcile(event: Any) -> dict[str, Any]:
    return events.reconcile(event)


# Every 15 minutes: reminders before a deadline, breaches after it (docs/deadline-watch.md).
@app.schedule(Rate(15, unit=Rate.MINUTES))
def deadline_sweep(event: Any) -> dict[str, Any]:
    return events.deadline_sweep(event)


# EventBridge cron is in UTC. Vietnam is UTC+7 all year (no daylight saving time), so 07:30 in Vietnam is
# 00:30 UTC on the same day. It fires Monday to Saturday because the Government sometimes declares a Saturday
# a make-up working day; the handler itself skips any day that is not a working day (WorkingCalendar), which
# also covers holidays that fall on weekdays.
@app.schedule(Cron(30, 0, "?", "*", "MON-SAT", "*"))
def daily_digest(event: Any) -> dict[str, Any]:
    return events.daily_digest(event)


# Monday 08:00 in Vietnam (UTC+7, no daylight saving time) is Monday 01:00 UTC: EventBridge cron is in UTC.
@app.schedule(Cron(0, 1, "?", "*", "MON", "*"))
def weekly_report(event: Any) -> dict[str, Any]:
    return events.weekly_report(event)
