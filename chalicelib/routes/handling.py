"""The handling of a report, steps 3-5 (api.md "Actions"): an action, the citizen's rating, deleting a test
report, and the work queue. Who may act is decided by the workflow and domain/access.py from the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.common import logger, metrics, once, query_params, view
from chalicelib.routes.operation import operation
from chalicelib.routes.reports import REPORT

INBOX_QUERY = (
    c.text("unit", "Mã đơn vị (chỉ IOC; cán bộ: đơn vị mình)", 20),
    c.enum("status", c.STATUSES, "Trạng thái (danh sách việc chỉ có phản ánh đang mở)"),
    c.enum("overdue", c.BOOLEAN, "true: đã quá hạn; false: chưa quá hạn"),
    c.instant("due_before", "Hạn trước thời điểm"),
    c.text("category", "Mã lĩnh vực (GET /v1/categories)"),
    c.enum(
        "sort",
        ["due", "followers"],
        "due: hạn sớm nhất trước (mặc định); followers: nhiều người theo dõi nhất",
    ),
    c.LIMIT,
    c.CURSOR,
)


def _handling() -> Any:
    from chalicelib.wiring import handling_service

    return handling_service()


def blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)
    _action(bp, authorizer, clock)
    _feedback(bp, authorizer, clock)
    _queue(bp, authorizer, clock)
    return bp


def _action(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """An action of the unit, the IOC or the reporter."""

    @operation(
        bp,
        c.Op(
            "post",
            "/v1/reports/{report_id}/actions",
            "Một bước xử lý phản ánh: tiếp nhận, từ chối, gia hạn, trả lời, chuyển, ẩn, mở lại…",
            auth="bearer",
            roles=("officer", "ioc", "citizen"),
            body="action_schemas.ActionRequest",
            ok={200: REPORT},
            errors=(400, 403, 404, 409, 413, 415, 422),
            idempotent=True,
            description="Cán bộ đơn vị được giao và IOC xử lý; người gửi mở lại phản ánh của mình (reopen).",
        ),
        authorizer,
    )
    def act_on_report(report_id: str) -> Response:
        from chalicelib.api.action_schemas import parse_action, to_domain

        request = bp.current_request
        caller = http.actor_from_request(request)
        body = parse_action(request.raw_body or b"")
        logger.append_keys(report_id=report_id)

        def act() -> tuple[int, Any]:
            now = clock()
            report = _handling().act(report_id, to_domain(body), caller, now)
            logger.info(
                "report action", extra={"action": getattr(body, "type", ""), "status": report.status.value}
            )
            metrics.add_metric(name="ReportActions", unit=MetricUnit.Count, value=1)
            return 200, view(report, caller, now)

        return once(bp, f"action:{caller.sub}:{report_id}", act)


def _feedback(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """The reporter rates the answer, once, on a closed report."""

    @operation(
        bp,
        c.Op(
            "post",
            "/v1/reports/{report_id}/feedback",
            "Đánh giá mức độ hài lòng (người gửi phản ánh, một lần, khi đã có kết quả)",
            auth="bearer",
            roles=("citizen",),
            body="action_schemas.FeedbackIn",
            ok={201: REPORT},
            errors=(400, 403, 404, 409, 413, 415),
            idempotent=True,
        ),
        authorizer,
    )
    def give_feedback(report_id: str) -> Response:
        from chalicelib.api.action_schemas import FeedbackIn

        request = bp.current_request
        caller = http.actor_from_request(request)
        body = http.parse_body(request.raw_body, FeedbackIn)
        logger.append_keys(report_id=report_id)

        def rate() -> tuple[int, Any]:
            now = clock()
            report = _handling().feedback(report_id, body.rating, body.comment, caller, now)
            metrics.add_metric(name="ReportRatings", unit=MetricUnit.Count, value=1)
            return 201, view(report, caller, now)

        return once(bp, f"feedback:{caller.sub}:{report_id}", rate)


def _queue(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """Deleting a test report, and the work queue."""

    @operation(
        bp,
        c.Op(
            "delete",
            "/v1/reports/{report_id}",
            "Xóa phản ánh thử nghiệm (kỹ thuật IOC); phản ánh khác không bao giờ bị xóa (409)",
            auth="bearer",
            roles=("tech",),
            ok={204: None},
            errors=(403, 404, 409),
        ),
        authorizer,
    )
    def delete_report(report_id: str) -> Response:
        caller = http.actor_from_request(bp.current_request)
        _handling().delete(report_id, caller)
        logger.append_keys(report_id=report_id)
        logger.info("test report deleted")
        return Response(body="", status_code=204)

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/inbox",
            "Danh sách việc: phản ánh đang mở của đơn vị, hạn sớm nhất trước",
            auth="bearer",
            roles=("officer", "ioc"),
            gate=True,
            query=INBOX_QUERY,
            ok={200: "action_schemas.InboxPage"},
            errors=(400, 403),
            description="Cán bộ: đơn vị mình (unit khác: 403); IOC: mọi đơn vị (mặc định: hàng đợi của IOC).",
        ),
        authorizer,
    )
    def inbox() -> Response:
        from chalicelib.api.action_schemas import inbox_filters, queue_page

        caller = http.actor_from_request(bp.current_request)
        params = query_params(bp)
        now = clock()
        found = _handling().inbox(
            caller, inbox_filters(params), http.parse_limit(params), params.get("cursor"), now
        )
        return http.json_response(queue_page(found, now))
