"""The OpenAPI 3.1 document, generated from the pydantic schemas: the full truth of the HTTP contract."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import (
    action_schemas,
    console_schemas,
    deliveries,
    delivery_ops,
    open311_schemas,
    schemas,
    stats_schemas,
)
from chalicelib.api.citizen_openapi import OPERATIONS as CITIZEN_OPERATIONS
from chalicelib.api.citizen_schemas import SubmittedReport

REF = "#/components/schemas/{model}"

# (method, path, summary, request model, {status: response model}, needs auth, query parameters: a name, or a
# whole OpenAPI parameter object with its real type and bounds)
Operation = tuple[
    str, str, str, type[BaseModel] | None, dict[int, type[BaseModel] | None], bool, list[str | dict[str, Any]]
]

OPERATIONS: list[Operation] = [
    ("post", "/v1/reports", "Gửi phản ánh", schemas.SubmitReport, {201: SubmittedReport}, True, []),
    (
        "get",
        "/v1/reports",
        "Danh sách phản ánh công khai",
        None,
        {200: schemas.ReportList},
        False,
        ["status", "unit", "category", "since", "until", "bbox", "limit", "cursor"],
    ),
    ("get", "/v1/reports/{report_id}", "Xem một phản ánh", None, {200: schemas.ReportPrivate}, False, []),
    ("get", "/v1/me/reports", "Phản ánh của tôi", None, {200: schemas.ReportList}, True, ["limit", "cursor"]),
    (
        "post",
        "/v1/reports/{report_id}/attachments",
        "Xin chỗ tải lên ảnh/video",
        schemas.AttachmentRequest,
        {201: schemas.UploadSlot},
        True,
        [],
    ),
    ("get", "/v1/categories", "Danh mục lĩnh vực", None, {200: schemas.CategoryList}, False, []),
    ("get", "/v1/units", "Đơn vị xử lý", None, {200: schemas.UnitList}, False, ["valid_on"]),
    (
        "get",
        "/v1/calendar",
        "Lịch ngày làm việc và ngày nghỉ",
        None,
        {200: schemas.CalendarOut},
        False,
        ["from", "to"],
    ),
    ("get", "/v1/health", "Tình trạng hệ thống", None, {200: schemas.Health}, False, []),
    ("get", "/v1/openapi.json", "Tài liệu OpenAPI", None, {200: None}, False, []),
]

# Later modules add their operations here (handling, statistics, calendar).
EXTRA_OPERATIONS: list[Operation] = [
    # routing and forwarding (issue 4)
    (
        "get",
        "/v1/deliveries",
        "Các lần gửi tin bị lỗi, mọi loại, đang thử lại (status=failed) hoặc đã bỏ cuộc (status=given_up) (IOC)",
        None,
        {200: deliveries.DeliveryList},
        True,
        ["status", "limit", "cursor"],
    ),
    # handling workflow (issue 5)
    (
        "post",
        "/v1/reports/{report_id}/actions",
        "Một bước xử lý phản ánh (cán bộ đơn vị được giao; IOC): tiếp nhận, từ chối, gia hạn, trả lời, chuyển…",
        action_schemas.ActionRequest,
        {200: schemas.ReportPrivate},
        True,
        [],
    ),
    (
        "post",
        "/v1/reports/{report_id}/feedback",
        "Đánh giá mức độ hài lòng (người gửi phản ánh, một lần, khi đã có kết quả)",
        action_schemas.FeedbackIn,
        {201: schemas.ReportPrivate},
        True,
        [],
    ),
    (
        "delete",
        "/v1/reports/{report_id}",
        "Xóa phản ánh thử nghiệm (kỹ thuật IOC)",
        None,
        {204: None},
        True,
        [],
    ),
    (
        "get",
        "/v1/inbox",
        "Danh sách việc: phản ánh đang mở của đơn vị, hạn sớm nhất trước (cán bộ: đơn vị mình; IOC: mọi đơn vị)",
        None,
        {200: action_schemas.InboxPage},
        True,
        ["unit", "status", "overdue", "due_before", "category", "sort", "limit", "cursor"],
    ),
    # statistics (issue 7)
    (
        "get",
        "/v1/stats",
        "Bảng thống kê giải quyết phản ánh theo đơn vị (IOC; cán bộ: đơn vị mình); format=csv cho Excel",
        None,
        {200: stats_schemas.StatsTable},
        True,
        ["from", "to", "format"],
    ),
    # Open311 GeoReport v2 (issue 14): the IOC's client keys; the /open311/v2 paths are added in document()
    *open311_schemas.OPERATIONS,
]

EXTRA_OPERATIONS += delivery_ops.OPERATIONS  # what is still owed: the IOC's resend (issue 12)


# citizens: nearby, followers, devices, notifications (issue 15)
EXTRA_OPERATIONS += CITIZEN_OPERATIONS
EXTRA_OPERATIONS += console_schemas.OPERATIONS  # web console (issue 13)


def _all_models() -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {"ErrorResponse": schemas.ErrorResponse}
    seen.update({m.__name__: m for m in open311_schemas.WIRE_MODELS})  # Open311 (issue 14)
    for _, _, _, req, responses, _, _ in OPERATIONS + EXTRA_OPERATIONS:
        for m in [req, *responses.values()]:
            if m is not None:
                seen[m.__name__] = m
    return list(seen.values())


def _json(model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {"application/json": {"schema": {"type": "object"}}}
    return {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}


@cache
def document() -> dict[str, Any]:
    models = _all_models()
    _, defs = models_json_schema(
        [(m, "validation" if m.__name__ in _request_names() else "serialization") for m in models],
        ref_template=REF,
    )
    error = {"description": "Lỗi (api.md)", "content": _json(schemas.ErrorResponse)}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, req, responses, auth, query in OPERATIONS + EXTRA_OPERATIONS:
        op: dict[str, Any] = {"summary": summary, "responses": {}}
        params = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in _path_params(path)
        ]
        params += [
            q
            if isinstance(q, dict)
            else {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
            for q in query
        ]
        if method == "post":
            params.append(
                {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
            )
        if params:
            op["parameters"] = params
        if req is not None:
            op["requestBody"] = {"required": True, "content": _json(req)}
        for status, model in responses.items():
            op["responses"][str(status)] = (
                {"description": "Không có nội dung"}
                if status == 204
                else {"description": "OK", "content": _json(model)}
            )
        for status in ("400", "404", "409", "413", "422", "429") if method != "get" else ("400", "404"):
            op["responses"].setdefault(status, error)
        if auth:
            op["security"] = [{"bearer": []}]
            op["responses"]["401"] = error
            op["responses"]["403"] = error
        paths.setdefault(path, {})[method] = op
    paths.update(open311_schemas.paths())  # Open311 GeoReport v2 (issue 14)
    console_schemas.refine_parameters(paths)  # web console (issue 13)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Phản ánh hiện trường — Điện Biên",
            "version": "1.0.0",
            "description": "API tiếp nhận, chuyển xử lý và theo dõi phản ánh hiện trường.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _request_names() -> set[str]:
    return {req.__name__ for _, _, _, req, _, _, _ in OPERATIONS + EXTRA_OPERATIONS if req is not None}


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
