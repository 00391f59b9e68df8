"""What is still owed (issues 4 and 12): the IOC's list of failed and given-up deliveries, and its resend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.common import once, query_params
from chalicelib.routes.operation import operation


def blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/deliveries",
            "Các lần gửi tin bị lỗi, mọi loại: đang thử lại (failed) hoặc đã bỏ cuộc (given_up)",
            auth="bearer",
            roles=("ioc",),
            gate=True,
            query=(
                c.enum("status", ["failed", "given_up"], "failed (mặc định) hoặc given_up"),
                c.LIMIT,
                c.CURSOR,
            ),
            ok={200: "deliveries.DeliveryList"},
            errors=(400, 403),
        ),
        authorizer,
    )
    def list_deliveries() -> Response:
        from chalicelib.services.deliveries import listing

        params = query_params(bp)
        status = http.parse_query(params, "status", _status, "'failed' hoặc 'given_up'") or "failed"
        return http.json_response(listing(status, http.parse_limit(params), params.get("cursor")))

    @operation(
        bp,
        c.Op(
            "post",
            "/v1/deliveries/{delivery_id}/resend",
            "Gửi lại ngay một lượt gửi tin bị lỗi hoặc đã bỏ cuộc; trả về trạng thái sau khi gửi",
            auth="bearer",
            roles=("ioc",),
            gate=True,
            path_params={"delivery_id": {"type": "string", "minLength": 1, "maxLength": 400}},
            ok={200: "deliveries.DeliveryOut"},
            errors=(400, 403, 404, 409),
            idempotent=True,
        ),
        authorizer,
    )
    def resend_delivery(delivery_id: str) -> Response:
        from chalicelib.services.deliveries import resend

        caller = http.actor_from_request(bp.current_request)
        return once(bp, f"resend:{caller.sub}:{delivery_id}", lambda: (200, resend(delivery_id, clock())))

    return bp


def _status(value: str) -> str:
    if value not in ("failed", "given_up"):
        raise ValueError(value)
    return value
