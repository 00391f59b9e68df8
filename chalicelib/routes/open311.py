"""Open311 GeoReport v2 under /open311/v2/ (docs/open311.md), and the IOC's key administration under
/v1/open311/keys. Each handler parses, makes one service call and answers in the requested format; every error
under /open311/v2 is in the spec's shape `[{code, description}]`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.domain import access
from chalicelib.routes.common import logger
from chalicelib.routes.operation import operation
from chalicelib.wiring import api_keys as _keys
from chalicelib.wiring import clock
from chalicelib.wiring import open311_service as _service


class _Wire:
    """chalicelib.api.open311 (XML, the spec's shapes: 45 ms to import), loaded by the first Open311 request
    rather than by every cold start of the API."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("chalicelib.api.open311"), name)


wire = _Wire()

bp = Blueprint(__name__)

BASE = "/open311/v2"
FORM = ("application/x-www-form-urlencoded", "multipart/form-data", "application/json", "text/plain")


def _spec(path: str, method: str) -> Any:
    """The GeoReport operation as chalicelib/api/open311_schemas.py writes it (XML and forms), read when the
    document is built, not when the API starts."""

    def build() -> Any:
        from chalicelib.api.open311_schemas import paths

        return paths()[BASE + path][method]

    return build


def _geo(method: str, path: str, summary: str, **kw: Any) -> c.Op:
    return c.Op(method, BASE + path, summary, raw=_spec(path, method), **kw)


def _media_url(key: str) -> str:
    from chalicelib.media import read_url

    return read_url(key)


def _requested_format() -> str:
    # `path` is the route's template here; the resource with its extension is the path parameter.
    resource = str((bp.current_request.uri_params or {}).get("resource", "")).lower()
    return "xml" if resource.endswith(".xml") else "json"


def spec_errors(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Every error of an Open311 route in the spec's shape and the requested format; a bug is a logged 500."""

    @functools.wraps(handler)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        fmt = _requested_format()
        try:
            wire.check_jurisdiction(bp.current_request.query_params)
            return handler(*args, **kwargs)
        except Exception as exc:
            response = wire.error_for(exc, fmt)
            if response is None:
                logger.exception("unhandled Open311 error", extra={"error_type": type(exc).__name__})
                response = wire.error_response(fmt, 500, "Hệ thống đang gặp sự cố. Vui lòng thử lại sau.")
            return response

    return guarded


def _base_url() -> str:
    """This deployment's /open311/v2 as the client reached it (API Gateway adds its stage to the path)."""
    request = bp.current_request
    headers = request.headers or {}
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip()
    full = str((request.context or {}).get("path") or "")
    prefix = full[: full.find(BASE)] if BASE in full else ""
    return f"{scheme}://{headers.get('host', '127.0.0.1')}{prefix}{BASE}"


# ---------------------------------------------------------------- GeoReport v2


@operation(bp, _geo("get", "/{resource}", "Open311: discovery, services, requests, servicerequestupdates"))
@spec_errors
def open311_resource(resource: str) -> Response:
    name, fmt = wire.split_format(resource)
    params = bp.current_request.query_params
    if name == "discovery":
        from chalicelib.config import settings

        body = wire.discovery(_base_url(), settings().stage == "prod")
        return wire.respond(fmt, "discovery", None, body, headers={"Cache-Control": "public, max-age=3600"})
    if name == "services":
        from chalicelib.domain.units import CategoryCatalog

        rows = [wire.service_row(c.code, c.name) for c in CategoryCatalog.default().all()]
        return wire.respond(
            fmt, "services", "service", rows, headers={"Cache-Control": "public, max-age=3600"}
        )
    if name == "requests":
        return _requests(fmt, params)
    if name == "servicerequestupdates":
        start, end = wire.date_window(params, clock())
        updates, cursor = _service().updates(start, end, wire.page_size(params), wire.page_cursor(params))
        rows = [
            wire.update_row(u.update_id, u.report, u.entry.at, u.entry.type, u.entry.public_text)
            for u in updates
        ]
        link = wire.next_link(f"{_base_url()}/servicerequestupdates.{fmt}", params, cursor)
        return wire.respond(fmt, "service_requests_updates", "request_update", rows, headers=link)
    raise wire.Open311Error(404, f"Không có tài nguyên '{resource}'.")


def _requests(fmt: str, params: dict[str, str] | None) -> Response:
    ids = wire.service_request_ids(params)
    if ids is not None:
        reports, cursor = _service().requests_by_ids(ids), None
    else:
        page = _service().requests_page(wire.request_window(params, clock()))
        reports, cursor = page.items, page.next_cursor
    rows = [wire.request_row(r, _media_url) for r in reports]
    link = wire.next_link(f"{_base_url()}/requests.{fmt}", params, cursor)
    return wire.respond(
        fmt, "service_requests", "request", rows, headers={"Cache-Control": "no-cache", **link}
    )


@operation(bp, _geo("post", "/{resource}", "Open311: gửi phản ánh (api_key)", content_types=FORM))
@spec_errors
def open311_post(resource: str) -> Response:
    name, fmt = wire.split_format(resource)
    if name != "requests":
        raise wire.Open311Error(405, "Chỉ 'requests' nhận yêu cầu POST.")
    request = bp.current_request
    content_type = (request.headers or {}).get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise wire.Open311Error(400, "Nội dung yêu cầu phải là form (application/x-www-form-urlencoded).")
    form = wire.submission(request.raw_body)
    filed = _service().submit(form.api_key, form.body, form.caller, clock())
    logger.append_keys(report_id=filed.report.id)
    logger.info("report received through Open311", extra={"category": filed.report.category})
    row = {
        "service_request_id": filed.report.id,
        "service_notice": wire.filed_notice(filed.triage_due_at, filed.due_at),
        "account_id": form.account_id,
    }
    return wire.respond(fmt, "service_requests", "request", [row])


@operation(bp, _geo("get", "/services/{resource}", "Open311: định nghĩa dịch vụ"))
@spec_errors
def open311_service_definition(resource: str) -> Response:
    from chalicelib.domain.units import CategoryCatalog

    code, fmt = wire.split_format(resource)
    if CategoryCatalog.default().get(code) is None:
        raise wire.Open311Error(404, f"Không có dịch vụ '{code}'; xem GET services.{fmt}.")
    return wire.respond(
        fmt,
        "service_definition",
        None,
        wire.service_definition(code),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@operation(bp, _geo("get", "/requests/{resource}", "Open311: một phản ánh"))
@spec_errors
def open311_request(resource: str) -> Response:
    report_id, fmt = wire.split_format(resource)
    row = wire.request_row(_service().request(report_id), _media_url)
    return wire.respond(fmt, "service_requests", "request", [row], headers={"Cache-Control": "no-cache"})


@operation(bp, _geo("get", "/tokens/{resource}", "Open311: mã phản ánh theo token"))
@spec_errors
def open311_token(resource: str) -> Response:
    """A POST answers with the id at once; a client that asks by token gets the same id (token = id)."""
    token, fmt = wire.split_format(resource)
    report = _service().request(token)
    return wire.respond(
        fmt, "service_requests", "request", [{"service_request_id": report.id, "token": token}]
    )


# ---------------------------------------------------------------- the IOC's client keys (api.md error shape)


def _ioc() -> Any:
    caller = http.optional_actor(bp.current_request)
    if caller is None:
        from chalicelib.api.auth import AuthError

        raise AuthError("missing_token", "Thiếu mã xác thực (Authorization: Bearer).")
    access.require(caller, "ioc")
    return caller


def _key_view(record: Any, api_key: str | None = None) -> dict[str, Any]:
    from chalicelib.domain.report import parse_instant, vn_time

    view = {
        "key_id": record.key_id,
        "name": record.name,
        "rate_limit_per_hour": record.rate_limit_per_hour,
        "created_at": vn_time(parse_instant(record.created_at)),
        "revoked_at": vn_time(parse_instant(record.revoked_at)) if record.revoked_at else None,
    }
    return {**view, "api_key": api_key} if api_key else view


def _key_op(method: str, path: str, summary: str, **kw: Any) -> c.Op:
    """The IOC's key administration: the token is checked by the route itself (this blueprint has no
    authorizer), so its 401 and 403 are the API's own."""
    return c.Op(method, path, summary, auth="bearer", roles=("ioc",), **kw)


@operation(
    bp,
    _key_op(
        "post",
        "/v1/open311/keys",
        "Cấp khóa Open311 cho một ứng dụng",
        body="open311_schemas.KeyRequest",
        ok={201: "open311_schemas.IssuedKeyOut"},
        errors=(400, 403, 413, 415),
    ),
)
def issue_open311_key() -> Response:
    from chalicelib.api.open311_schemas import KeyRequest

    _ioc()
    body = http.parse_body(bp.current_request.raw_body, KeyRequest)
    issued = _keys().issue(body.name, body.rate_limit_per_hour, clock())
    logger.info("Open311 key issued", extra={"key_id": issued.record.key_id})
    return http.json_response(_key_view(issued.record, issued.api_key), 201, {"Cache-Control": "no-store"})


@operation(
    bp,
    _key_op(
        "get",
        "/v1/open311/keys",
        "Các khóa Open311 đã cấp",
        ok={200: "open311_schemas.KeyList"},
        errors=(403,),
    ),
)
def list_open311_keys() -> Response:
    _ioc()
    return http.json_response(
        {"items": [_key_view(r) for r in _keys().all()]}, headers={"Cache-Control": "no-store"}
    )


@operation(
    bp,
    _key_op(
        "delete",
        "/v1/open311/keys/{key_id}",
        "Thu hồi một khóa Open311",
        path_params={"key_id": {"type": "string", "minLength": 1, "maxLength": 64}},
        ok={200: "open311_schemas.KeyOut"},
        errors=(403, 404),
    ),
)
def revoke_open311_key(key_id: str) -> Response:
    _ioc()
    record = _keys().revoke(key_id, clock())
    logger.info("Open311 key revoked", extra={"key_id": key_id})
    return http.json_response(_key_view(record))
