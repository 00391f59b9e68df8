"""Citizens' endpoints (issue 15): nearby reports, following, devices for push, the choice of channels.

A blueprint made by `blueprint(authorizer, clock)` so that it uses app.py's authorizer and clock; app.py
registers it with one line. Each handler parses, calls one service function, responds. Nothing heavy is
imported here at import time (the HTTP cold start).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.operation import operation

FOLLOWERS = "/v1/reports/{report_id}/followers"
NEARBY_QUERY = (
    c.query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Vĩ độ của điểm tìm (WGS84)", True),
    c.query("lng", {"type": "number", "minimum": -180, "maximum": 180}, "Kinh độ của điểm tìm (WGS84)", True),
    c.query("radius_m", {"type": "integer", "minimum": 1, "maximum": 2000, "default": 500}, "Bán kính, mét"),
    c.text("category", "Mã lĩnh vực (GET /v1/categories)"),
    c.LIMIT,
)
NOTIFICATIONS = "/v1/me/notifications"

# No personal data ever goes into these answers: follower counts only, a caller's own devices only.


def _media_url(key: str) -> str:
    from chalicelib.media import read_url

    return read_url(key)


def nearby_item(found: Any, now: datetime) -> dict[str, Any]:
    from chalicelib.api.views import report_view

    view = report_view(found.report, None, now, _media_url)
    view["distance_m"] = round(found.distance_m)
    return view


def possible_duplicates_view(report: Any) -> list[dict[str, Any]]:
    """`possible_duplicates` of the submit answer (issue 15): id, status, a short description, distance."""
    from chalicelib.wiring import citizen_service

    return [
        {
            "id": n.report.id,
            "status": n.report.status.value,
            "status_label": n.report.status_label,
            "description": n.report.description[:200],
            "distance_m": round(n.distance_m),
        }
        for n in citizen_service().possible_duplicates(report)
    ]


def _following(report: Any, following: bool) -> dict[str, Any]:
    return {"report_id": report.id, "following": following, "followers": report.followers}


def _notifications(profile: Any, channels: list[str]) -> dict[str, Any]:
    return {
        "channels": channels,
        "chosen": profile.channels is not None,
        "devices": [{"id": d.id, "platform": d.platform} for d in profile.devices],
    }


def _service() -> Any:
    from chalicelib.wiring import citizen_service

    return citizen_service()


def _op(method: str, path: str, summary: str, **kw: Any) -> c.Op:
    """A citizen's own operation: signed in as a citizen (others: 403 before anything is read)."""
    return c.Op(method, path, summary, auth="bearer", roles=("citizen",), gate=True, **kw)


def blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)
    _nearby_and_following(bp, authorizer, clock)
    _devices(bp, authorizer)
    _channels(bp, authorizer)
    return bp


def _nearby_and_following(bp: Blueprint, authorizer: Any, clock: Callable[[], datetime]) -> None:
    """Nearby reports, and following one."""

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/reports/nearby",
            "Phản ánh công khai quanh một điểm, gần nhất trước (đang mở, hoặc đã trả lời trong 30 ngày)",
            query=NEARBY_QUERY,
            ok={200: "citizen_schemas.NearbyList"},
            errors=(400,),
        ),
    )
    def nearby_reports() -> Response:
        from chalicelib.api import citizen_schemas as cs

        q = cs.nearby_query(bp.current_request.query_params)
        now = clock()
        found = _service().nearby(q["lat"], q["lng"], q["radius_m"], q["category"], now, q["limit"])
        return http.json_response({"items": [nearby_item(n, now) for n in found], "next_cursor": None})

    following = {"ok": {200: "citizen_schemas.Following"}, "errors": (403, 404)}

    @operation(
        bp,
        _op(
            "post",
            FOLLOWERS,
            "Theo dõi phản ánh (“tôi cũng gặp vấn đề này”); gọi lại không đổi gì",
            **following,
        ),
        authorizer,
    )
    def follow_report(report_id: str) -> Response:
        report, _ = _service().follow(report_id, http.actor_from_request(bp.current_request))
        return http.json_response(_following(report, True))

    @operation(
        bp, _op("delete", FOLLOWERS, "Bỏ theo dõi phản ánh; gọi lại không đổi gì", **following), authorizer
    )
    def unfollow_report(report_id: str) -> Response:
        report, _ = _service().unfollow(report_id, http.actor_from_request(bp.current_request))
        return http.json_response(_following(report, False))


def _devices(bp: Blueprint, authorizer: Any) -> None:
    """Devices for push notifications (FCM/APNs through Amazon SNS)."""

    @operation(
        bp,
        _op(
            "post",
            "/v1/me/devices",
            "Đăng ký thiết bị nhận thông báo đẩy (FCM/APNs qua Amazon SNS); 201 lần đầu, 200 khi đã có",
            body="citizen_schemas.DeviceIn",
            ok={201: "citizen_schemas.DeviceOut", 200: "citizen_schemas.DeviceOut"},
            errors=(400, 403, 413, 415, 422),
        ),
        authorizer,
    )
    def register_device() -> Response:
        request = bp.current_request
        caller = http.actor_from_request(request)
        from chalicelib.api.citizen_schemas import DeviceIn

        body = http.parse_body(request.raw_body, DeviceIn)
        device, created = _service().register_device(caller, body.platform, body.token)
        return http.json_response({"id": device.id, "platform": device.platform}, 201 if created else 200)

    @operation(
        bp,
        _op(
            "delete",
            "/v1/me/devices/{device_id}",
            "Bỏ đăng ký thiết bị; 204 cả khi thiết bị đã được bỏ trước đó",
            path_params={"device_id": {"type": "string", "minLength": 1, "maxLength": 100}},
            ok={204: None},
            errors=(403,),
        ),
        authorizer,
    )
    def remove_device(device_id: str) -> Response:
        _service().remove_device(http.actor_from_request(bp.current_request), device_id)
        return Response(body="", status_code=204)


def _channels(bp: Blueprint, authorizer: Any) -> None:
    """The channels a citizen is told through (push, SMS, e-mail)."""

    @operation(
        bp,
        _op(
            "get",
            NOTIFICATIONS,
            "Kênh nhận tin của tôi (mặc định: thông báo đẩy nếu có thiết bị, nếu không thì SMS; và e-mail)",
            ok={200: "citizen_schemas.NotificationsOut"},
            errors=(403,),
        ),
        authorizer,
    )
    def get_notifications() -> Response:
        return http.json_response(
            _notifications(*_service().preferences(http.actor_from_request(bp.current_request)))
        )

    @operation(
        bp,
        _op(
            "put",
            NOTIFICATIONS,
            "Chọn kênh nhận tin (push, sms, email; null để về mặc định); 422 nếu kênh không liên lạc được",
            body="citizen_schemas.NotificationsIn",
            ok={200: "citizen_schemas.NotificationsOut"},
            errors=(400, 403, 413, 415, 422),
        ),
        authorizer,
    )
    def put_notifications() -> Response:
        request = bp.current_request
        caller = http.actor_from_request(request)
        from chalicelib.api.citizen_schemas import NotificationsIn

        body = http.parse_body(request.raw_body, NotificationsIn)
        return http.json_response(_notifications(*_service().choose(caller, body.channels)))
