"""OpenAPI operations of the citizens' endpoints (issue 15), in the shape of chalicelib/api/openapi.py;
openapi.py includes them with one line. Query parameters carry their real types and bounds."""

from __future__ import annotations

from typing import Any

from chalicelib.api import citizen_schemas as cs


def _q(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


NEARBY_QUERY: list[Any] = [
    _q("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Vĩ độ của điểm tìm (WGS84)", True),
    _q("lng", {"type": "number", "minimum": -180, "maximum": 180}, "Kinh độ của điểm tìm (WGS84)", True),
    _q("radius_m", {"type": "integer", "minimum": 1, "maximum": 2000, "default": 500}, "Bán kính, mét"),
    _q("category", {"type": "string"}, "Mã lĩnh vực (GET /v1/categories)"),
    _q("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Số mục tối đa"),
]

OPERATIONS: list[Any] = [
    (
        "get",
        "/v1/reports/nearby",
        "Phản ánh công khai quanh một điểm, gần nhất trước (đang mở, hoặc đã trả lời trong 30 ngày); mọi người",
        None,
        {200: cs.NearbyList},
        False,
        NEARBY_QUERY,
    ),
    (
        "post",
        "/v1/reports/{report_id}/followers",
        "Theo dõi phản ánh (“tôi cũng gặp vấn đề này”); người dân; gọi lại không đổi gì",
        None,
        {200: cs.Following},
        True,
        [],
    ),
    (
        "delete",
        "/v1/reports/{report_id}/followers",
        "Bỏ theo dõi phản ánh; người dân; gọi lại không đổi gì",
        None,
        {200: cs.Following},
        True,
        [],
    ),
    (
        "post",
        "/v1/me/devices",
        "Đăng ký thiết bị nhận thông báo đẩy (FCM/APNs qua Amazon SNS); người dân; 201 lần đầu, 200 khi đã có",
        cs.DeviceIn,
        {201: cs.DeviceOut, 200: cs.DeviceOut},
        True,
        [],
    ),
    (
        "delete",
        "/v1/me/devices/{device_id}",
        "Bỏ đăng ký thiết bị; người dân; 204 cả khi thiết bị đã được bỏ trước đó",
        None,
        {204: None},
        True,
        [],
    ),
    (
        "get",
        "/v1/me/notifications",
        "Kênh nhận tin của tôi (mặc định: thông báo đẩy nếu có thiết bị, nếu không thì SMS; và e-mail); người dân",
        None,
        {200: cs.NotificationsOut},
        True,
        [],
    ),
    (
        "put",
        "/v1/me/notifications",
        "Chọn kênh nhận tin (push, sms, email; null để về mặc định); người dân; 422 nếu kênh không liên lạc được",
        cs.NotificationsIn,
        {200: cs.NotificationsOut},
        True,
        [],
    ),
]
