"""Schemas and OpenAPI operations of the console's API additions (issue 13): the actions the caller may take on a
report now, and the IOC's list of every report of the province."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chalicelib.api import http
from chalicelib.api.action_schemas import ActionName, InboxPage
from chalicelib.api.schemas import CodeName, Out


class AllowedAction(Out):
    type: ActionName
    label: Annotated[str, Field(description="Tên nút trên trang quản trị (console.md)")]


class ReportActionsOut(Out):
    """What the caller may do to the report now: exactly the actions `POST …/actions` would accept (values
    aside), with the texts the forms preview."""

    report_id: Annotated[str, Field(min_length=26, max_length=26)]
    status: str
    actions: list[AllowedAction]
    reject_reasons: list[CodeName]
    request_info_letter: Annotated[
        str | None,
        Field(description="Thư gửi người dân theo mẫu (phụ lục), '{items}' là chỗ của các mục cần bổ sung"),
    ]


def province_filters(params: dict[str, str] | None) -> dict[str, Any]:
    """The IOC list's query parameters, each checked (a 400 names the one that is wrong)."""
    from chalicelib.domain.queries import ProvinceFilters
    from chalicelib.domain.report import Status

    def _status(v: str) -> str:
        return Status(v).value

    def _bool(v: str) -> bool:
        if v not in ("true", "false"):
            raise ValueError(v)
        return v == "true"

    def _id(v: str) -> str:
        if len(v) != 26 or not v.isalnum():
            raise ValueError(v)
        return v.upper()

    return {
        "filters": ProvinceFilters(
            unit=http.parse_query(params, "unit", str, "mã đơn vị"),
            status=http.parse_query(
                params, "status", _status, "một trong " + ", ".join(s.value for s in Status)
            ),
            category=http.parse_query(params, "category", str, "mã lĩnh vực"),
            overdue=http.parse_query(params, "overdue", _bool, "true hoặc false"),
        ),
        "report_id": http.parse_query(params, "id", _id, "mã phản ánh 26 ký tự"),
        "limit": http.parse_limit(params),
        "cursor": (params or {}).get("cursor"),
    }


# Included by chalicelib/api/openapi.py (same shape as its OPERATIONS).
OPERATIONS: list[Any] = [
    (
        "get",
        "/v1/reports/{report_id}/actions",
        "Các thao tác người gọi được thực hiện trên phản ánh lúc này (cán bộ đơn vị được giao; IOC)",
        None,
        {200: ReportActionsOut},
        True,
        [],
    ),
    (
        "get",
        "/v1/ioc/reports",
        "Mọi phản ánh của tỉnh, mới nhất trước (IOC, kỹ thuật IOC); lọc theo đơn vị, trạng thái, quá hạn, lĩnh vực, mã",
        None,
        {200: InboxPage},
        True,
        ["unit", "status", "overdue", "category", "id", "limit", "cursor"],
    ),
]


def actions_view(result: Any) -> dict[str, Any]:
    """The service's ReportActions as `ReportActionsOut`."""
    from chalicelib.domain.permitted import ACTION_LABELS
    from chalicelib.domain.workflow import REJECT_REASONS, request_info_text

    report = result.report
    letter = None
    if "request_info" in result.actions:
        letter = request_info_text(report.reporter.name, ["{items}"]).replace("(1) {items}", "{items}")
    body = ReportActionsOut(
        report_id=report.id,
        status=report.status.value,
        actions=[AllowedAction(type=a, label=ACTION_LABELS[a]) for a in result.actions],
        reject_reasons=[CodeName(code=c, name=n) for c, n in REJECT_REASONS.items()],
        request_info_letter=letter,
    )
    return body.model_dump(mode="json")


_STATUS_ENUM = ["received", "assigned", "in_progress", "rejected", "resolved"]
_PARAMETERS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("/v1/ioc/reports", "get"): {
        "unit": {"type": "string", "maxLength": 20, "description": "Mã đơn vị (GET /v1/units)"},
        "status": {"type": "string", "enum": _STATUS_ENUM},
        "overdue": {"type": "string", "enum": ["true", "false"]},
        "category": {"type": "string", "description": "Mã lĩnh vực (GET /v1/categories)"},
        "id": {"type": "string", "minLength": 26, "maxLength": 26, "description": "Mã phản ánh"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "cursor": {"type": "string", "description": "next_cursor của trang trước"},
    },
    ("/v1/inbox", "get"): {"category": {"type": "string", "description": "Mã lĩnh vực (GET /v1/categories)"}},
    ("/v1/reports/{report_id}/actions", "get"): {
        "report_id": {"type": "string", "minLength": 26, "maxLength": 26},
    },
}


def refine_parameters(paths: dict[str, Any]) -> None:
    """Give the console's parameters their real types, enums and bounds (the generic builder says 'string')."""
    for (path, method), schemas in _PARAMETERS.items():
        operation = paths.get(path, {}).get(method)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["name"] in schemas:
                parameter["schema"] = schemas[parameter["name"]]
        if operation is not None and path == "/v1/ioc/reports":
            operation["description"] = "Vai trò: Tổ điều hành IOC (ioc), Kỹ thuật IOC (tech)."
        elif operation is not None and path.endswith("/actions"):
            operation["description"] = "Người gọi đã đăng nhập và được xem phản ánh (404 nếu không)."
