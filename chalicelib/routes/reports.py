"""Reports: intake and reading (api.md "Submitting a report", "Reading reports", "Attachments").

A blueprint made by `blueprint(authorizer, clock)`; each handler parses, calls one service, responds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.common import logger, metrics, once, page, query_params, view
from chalicelib.routes.operation import operation

REPORT = (
    "schemas.ReportPrivate",
    "schemas.ReportPublic",
)  # the private view for the reporter, the unit and the IOC
PUBLIC_QUERY = (
    c.enum("status", c.STATUSES, "Trạng thái"),
    c.text("unit", "Mã đơn vị (GET /v1/units)", 20),
    c.text("category", "Mã lĩnh vực (GET /v1/categories)"),
    c.instant("since", "Nhận từ"),
    c.instant("until", "Nhận đến (không sớm hơn since)"),
    c.query(
        "bbox",
        {"type": "string", "pattern": r"^-?[0-9]{1,3}(\.[0-9]{1,6})?(,-?[0-9]{1,3}(\.[0-9]{1,6})?){3}$"},
        "Khung bản đồ minLng,minLat,maxLng,maxLat (min không lớn hơn max)",
    ),
    c.LIMIT,
    c.CURSOR,
)


def _service() -> Any:
    from chalicelib.wiring import report_service

    return report_service()


def blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)
    _intake(bp, authorizer, clock)
    _reading(bp, authorizer, clock)
    _attachments(bp, authorizer, clock)
    return bp


def _intake(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """A citizen files a report and reserves upload slots for its photos."""

    @operation(
        bp,
        c.Op(
            "post",
            "/v1/reports",
            "Gửi phản ánh",
            auth="bearer",
            roles=("citizen", "tech"),
            body="schemas.SubmitReport",
            ok={201: "citizen_schemas.SubmittedReport"},
            errors=(400, 409, 413, 415, 422, 429),
            idempotent=True,
            description="Kỹ thuật IOC chỉ gửi được phản ánh thử nghiệm (is_test: true).",
        ),
        authorizer,
    )
    def submit_report() -> Response:
        from chalicelib.api.schemas import SubmitReport

        request = bp.current_request
        caller = http.actor_from_request(request)
        body = http.parse_body(request.raw_body, SubmitReport)

        def create() -> tuple[int, Any]:
            from chalicelib.routes.citizens import possible_duplicates_view  # issue 15

            now = clock()
            report = _service().submit(body, caller, now)
            logger.append_keys(report_id=report.id)
            logger.info("report received", extra={"category": report.category})
            metrics.add_metric(name="ReportsReceived", unit=MetricUnit.Count, value=1)
            return 201, {**view(report, caller, now), "possible_duplicates": possible_duplicates_view(report)}

        return once(bp, f"submit:{caller.sub}", create)


def _reading(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """The public list, one report, and the caller's own reports."""

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/reports",
            "Danh sách phản ánh công khai",
            query=PUBLIC_QUERY,
            ok={200: "schemas.ReportList"},
            errors=(400,),
        ),
    )
    def list_reports() -> Response:
        from chalicelib.api.queries import public_filters

        params = query_params(bp)
        found = _service().public_page(public_filters(params), http.parse_limit(params), params.get("cursor"))
        return http.json_response(page(found, None, clock()))

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/reports/{report_id}",
            "Xem một phản ánh",
            auth="optional",
            ok={200: REPORT},
            errors=(404,),
            description="Mọi người xem phần công khai; người gửi, đơn vị được giao và IOC xem cả phần riêng "
            "(gửi kèm mã xác thực). Phản ánh bị ẩn hoặc thử nghiệm: 404 với người khác.",
        ),
    )
    def get_report(report_id: str) -> Response:
        from chalicelib.domain.access import visible

        viewer = http.optional_actor(bp.current_request)
        report = visible(_service().get(report_id), viewer)
        logger.append_keys(report_id=report.id)
        return http.json_response(view(report, viewer, clock()))

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/me/reports",
            "Phản ánh của tôi",
            auth="bearer",
            query=(c.LIMIT, c.CURSOR),
            ok={200: "schemas.ReportList"},
            errors=(400,),
        ),
        authorizer,
    )
    def my_reports() -> Response:
        caller = http.actor_from_request(bp.current_request)
        params = query_params(bp)
        found = _service().mine(caller, http.parse_limit(params), params.get("cursor"))
        return http.json_response(page(found, caller, clock()))


def _attachments(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """Upload slots: the reporter's photos, the unit's photos of the result."""

    @operation(
        bp,
        c.Op(
            "post",
            "/v1/reports/{report_id}/attachments",
            "Xin chỗ tải lên ảnh/video",
            auth="bearer",
            roles=("citizen", "officer"),
            body="schemas.AttachmentRequest",
            ok={201: "schemas.UploadSlot"},
            errors=(400, 403, 404, 409, 413, 415),
            idempotent=True,
            description="Người gửi cho phản ánh của mình; cán bộ đơn vị được giao cho ảnh kết quả (purpose=answer).",
        ),
        authorizer,
    )
    def reserve_attachment(report_id: str) -> Response:
        from chalicelib.api.schemas import AttachmentRequest
        from chalicelib.api.views import upload_slot_view

        request = bp.current_request
        caller = http.actor_from_request(request)
        body = http.parse_body(request.raw_body, AttachmentRequest)
        logger.append_keys(report_id=report_id)

        def reserve() -> tuple[int, Any]:
            now = clock()
            _, media = _service().reserve_attachment(
                report_id, caller, body.content_type, body.size, body.purpose, now
            )
            return 201, upload_slot_view(media, now)

        # A retried request (same Idempotency-Key) gets the same slot instead of using up another of the ten.
        return once(bp, f"attachment:{caller.sub}:{report_id}", reserve)
