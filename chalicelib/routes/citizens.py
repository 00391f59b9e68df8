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

from chalicelib.api import http

# No personal data ever goes into these answers: follower counts only, a caller's own devices only.


def _caller(request: Any) -> Any:
    from chalicelib.services.citizens import Caller

    principal = http.principal_from_request(request)
    http.require_role(principal, "citizen")
    return Caller(sub=principal.sub, phone=principal.phone, email=principal.email)


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


def blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)

    def service() -> Any:
        from chalicelib.wiring import citizen_service

        return citizen_service()

    @bp.route("/v1/reports/nearby", methods=["GET"])
    def nearby_reports() -> Response:
        from chalicelib.api.citizen_schemas import nearby_query

        q = nearby_query(bp.current_request.query_params)
        now = clock()
        found = service().nearby(q["lat"], q["lng"], q["radius_m"], q["category"], now, q["limit"])
        return http.json_response({"items": [nearby_item(n, now) for n in found], "next_cursor": None})

    @bp.route("/v1/reports/{report_id}/followers", methods=["POST"], authorizer=authorizer)
    def follow_report(report_id: str) -> Response:
        report, _ = service().follow(report_id, _caller(bp.current_request))
        return http.json_response(_following(report, True))

    @bp.route("/v1/reports/{report_id}/followers", methods=["DELETE"], authorizer=authorizer)
    def unfollow_report(report_id: str) -> Response:
        report, _ = service().unfollow(report_id, _caller(bp.current_request))
        return http.json_response(_following(report, False))

    @bp.route("/v1/me/devices", methods=["POST"], authorizer=authorizer)
    def register_device() -> Response:
        from chalicelib.api.citizen_schemas import DeviceIn

        request = bp.current_request
        caller = _caller(request)
        body = http.parse_body(request.raw_body, DeviceIn)
        device, created = service().register_device(caller, body.platform, body.token)
        return http.json_response({"id": device.id, "platform": device.platform}, 201 if created else 200)

    @bp.route("/v1/me/devices/{device_id}", methods=["DELETE"], authorizer=authorizer)
    def remove_device(device_id: str) -> Response:
        service().remove_device(_caller(bp.current_request), device_id)
        return Response(body="", status_code=204)

    @bp.route("/v1/me/notifications", methods=["GET"], authorizer=authorizer)
    def get_notifications() -> Response:
        return http.json_response(_notifications(*service().preferences(_caller(bp.current_request))))

    @bp.route("/v1/me/notifications", methods=["PUT"], authorizer=authorizer)
    def put_notifications() -> Response:
        from chalicelib.api.citizen_schemas import NotificationsIn

        request = bp.current_request
        caller = _caller(request)
        body = http.parse_body(request.raw_body, NotificationsIn)
        return http.json_response(_notifications(*service().choose(caller, body.channels)))

    return bp
