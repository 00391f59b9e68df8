"""Routes the web console needs (issue 13): what the caller may do to a report now, and the IOC's list of
every report of the province. Each handler parses, makes one service call and responds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.operation import operation

PROVINCE_QUERY = (
    c.text("unit", "Mã đơn vị (GET /v1/units)", 20),
    c.enum("status", c.STATUSES, "Trạng thái"),
    c.enum("overdue", c.BOOLEAN, "true: đang quá hạn; false: không quá hạn"),
    c.text("category", "Mã lĩnh vực (GET /v1/categories)"),
    c.query("id", c.REPORT_ID, "Tìm một phản ánh theo mã (bỏ qua các bộ lọc khác)"),
    c.LIMIT,
    c.CURSOR,
)


def console_blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/reports/{report_id}/actions",
            "Các thao tác người gọi được thực hiện trên phản ánh lúc này",
            auth="bearer",
            ok={200: "console_schemas.ReportActionsOut"},
            errors=(404,),
            description="Người gọi đã đăng nhập và được xem phản ánh (404 nếu không); danh sách có thể rỗng.",
        ),
        authorizer,
    )
    def report_actions(report_id: str) -> Response:
        """The actions the caller may take on the report now, so the console offers no button the API refuses."""
        from chalicelib.api.console_schemas import actions_view
        from chalicelib.wiring import console_service

        caller = http.actor_from_request(bp.current_request)
        result = console_service().actions(report_id, caller)
        return http.json_response(actions_view(result), headers={"Cache-Control": "no-store"})

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/ioc/reports",
            "Mọi phản ánh của tỉnh, mới nhất trước; lọc theo đơn vị, trạng thái, quá hạn, lĩnh vực, mã",
            auth="bearer",
            roles=("ioc", "tech"),
            gate=True,
            query=PROVINCE_QUERY,
            ok={200: "action_schemas.InboxPage"},
            errors=(400, 403),
        ),
        authorizer,
    )
    def province_reports() -> Response:
        """Every report of the province for the IOC, newest first, with the console's filters."""
        from chalicelib.api.action_schemas import queue_page
        from chalicelib.api.console_schemas import province_filters
        from chalicelib.wiring import console_service

        request = bp.current_request
        caller = http.actor_from_request(request)
        query = province_filters(request.query_params)
        now = clock()
        page = console_service().province(caller, now=now, **query)
        return http.json_response(queue_page(page, now))

    return bp
