"""Schemas and OpenAPI operations of the console's API additions (issue 13): the actions the caller may take on a
report now, and the IOC's list of every report of the province."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chalicelib.api import http
from chalicelib.api.action_schemas import ActionName
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
