"""Reference data and service endpoints: categories, units, the working calendar, health, the OpenAPI
document. Public and cacheable."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.common import query_params
from chalicelib.routes.operation import operation

DAY = "ngày dạng YYYY-MM-DD (năm 2000–2100)"
MAX_CALENDAR_DAYS = 366

bp = Blueprint(__name__)


@operation(bp, c.Op("get", "/v1/categories", "Danh mục lĩnh vực", ok={200: "schemas.CategoryList"}))
def list_categories() -> Response:
    from chalicelib.domain.units import CategoryCatalog

    items = [{"code": k.code, "name": k.name} for k in CategoryCatalog.default().all()]
    return http.json_response({"items": items}, headers={"Cache-Control": "public, max-age=3600"})


@operation(
    bp,
    c.Op(
        "get",
        "/v1/units",
        "Đơn vị xử lý",
        query=(c.day("valid_on", "Chỉ các đơn vị còn hiệu lực vào ngày này"),),
        ok={200: "schemas.UnitList"},
        errors=(400,),
    ),
)
def list_units() -> Response:
    from chalicelib.domain.instants import parse_day
    from chalicelib.domain.units import UnitRegistry

    on = http.parse_query(query_params(bp), "valid_on", parse_day, DAY)
    registry = UnitRegistry.default()
    items = [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "valid_from": u.valid_from.isoformat(),
            "valid_to": u.valid_to.isoformat() if u.valid_to else None,
        }
        for u in (registry.valid_on(on) if on else registry.all())
    ]
    return http.json_response({"items": items}, headers={"Cache-Control": "public, max-age=3600"})


@operation(
    bp,
    c.Op(
        "get",
        "/v1/calendar",
        "Lịch ngày làm việc và ngày nghỉ",
        query=(
            c.day("from", "Ngày đầu", required=True),
            c.day("to", "Ngày cuối, không sớm hơn from, tối đa 366 ngày", required=True),
        ),
        ok={200: "schemas.CalendarOut"},
        errors=(400,),
    ),
)
def working_calendar() -> Response:
    """Working days and days off with their names, so apps and officers can see why a deadline falls where it
    does (at most a year per request)."""
    from chalicelib.domain.instants import parse_day
    from chalicelib.services.calendar import calendar_between

    params = query_params(bp)
    start = http.parse_query(params, "from", parse_day, DAY)
    end = http.parse_query(params, "to", parse_day, DAY)
    return http.json_response(
        calendar_between(start, end, MAX_CALENDAR_DAYS), headers={"Cache-Control": "public, max-age=86400"}
    )


@operation(bp, c.Op("get", "/v1/health", "Tình trạng hệ thống", ok={200: "schemas.Health"}))
def health() -> Response:
    from chalicelib.config import settings

    return http.json_response({"status": "ok", "stage": settings().stage})


@operation(bp, c.Op("get", "/v1/openapi.json", "Tài liệu OpenAPI", ok={200: None}))
def openapi() -> Response:
    from chalicelib.api.openapi import document

    return http.json_response(document(), headers={"Cache-Control": "public, max-age=300"})
