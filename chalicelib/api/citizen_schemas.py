"""Request and response schemas of the citizens' endpoints (issue 15); the OpenAPI document is generated from
them (chalicelib/routes/citizens.py)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field

from chalicelib.api import http
from chalicelib.api.schemas import Out, ReportPrivate, ReportPublic, _In

Channel = Literal["push", "sms", "email"]
Platform = Literal["fcm", "apns"]


class NearbyReport(ReportPublic):
    distance_m: Annotated[int, Field(ge=0, le=2000, description="Khoảng cách đến điểm tìm, mét")]


class NearbyList(Out):
    items: list[NearbyReport]
    next_cursor: Annotated[None, Field(description="Luôn null: kết quả gần nhất trước, tối đa `limit` mục")]


class PossibleDuplicate(Out):
    id: str
    status: Literal["received", "assigned", "in_progress"]
    status_label: str
    description: str
    distance_m: Annotated[int, Field(ge=0, le=100)]


class Following(Out):
    report_id: str
    following: Annotated[bool, Field(description="Người gọi có đang theo dõi phản ánh không")]
    followers: Annotated[int, Field(ge=0, description="Số người theo dõi")]


class DeviceIn(_In):
    """Một thiết bị nhận thông báo đẩy: nền tảng và mã thiết bị (token) do FCM/APNs cấp cho ứng dụng."""

    platform: Platform
    token: Annotated[str, Field(min_length=8, max_length=4096, pattern=r"^[A-Za-z0-9:_\-.]+$")]


class DeviceOut(Out):
    id: str
    platform: Platform


class NotificationsIn(_In):
    """Kênh nhận tin; `null` để trở về mặc định (đẩy nếu đã đăng ký thiết bị, nếu không thì SMS; và e-mail)."""

    channels: Annotated[list[Channel] | None, Field(max_length=3)]


class NotificationsOut(Out):
    channels: Annotated[list[Channel], Field(description="Các kênh tin được gửi đến lúc này")]
    chosen: Annotated[bool, Field(description="false: đang dùng mặc định")]
    devices: list[DeviceOut]


class ReopenIn(_In):
    """Người gửi phản ánh mở lại phản ánh đã trả lời (trong thời hạn, một lần), kèm lý do và ảnh nếu có."""

    type: Literal["reopen"]
    reason: Annotated[
        str, Field(min_length=1, max_length=2000, description="Lý do: vấn đề chưa được khắc phục")
    ]
    media: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=300)]], Field(max_length=10, default_factory=list)
    ]


def nearby_query(params: dict[str, str] | None) -> dict[str, Any]:
    """lat, lng (required), radius_m (1..2000, default 500), category, limit; a 400 names what is wrong."""

    def _coord(low: float, high: float) -> Any:
        def parse(v: str) -> float:
            x = float(v)
            if not math.isfinite(x) or not low <= x <= high:
                raise ValueError(v)
            return x

        return parse

    def _radius(v: str) -> int:
        n = int(v)
        if not 1 <= n <= 2000:
            raise ValueError(v)
        return n

    lat = http.parse_query(params, "lat", _coord(-90, 90), "vĩ độ từ -90 đến 90")
    lng = http.parse_query(params, "lng", _coord(-180, 180), "kinh độ từ -180 đến 180")
    for name, value in (("lat", lat), ("lng", lng)):
        if value is None:
            message = f"Thiếu tham số bắt buộc '{name}'."
            raise http.HttpError(400, "invalid_query", message, [{"field": name, "message": message}])
    return {
        "lat": lat,
        "lng": lng,
        "radius_m": http.parse_query(params, "radius_m", _radius, "số nguyên từ 1 đến 2000 (mét)") or 500,
        "category": http.parse_query(params, "category", str, "mã lĩnh vực"),
        "limit": http.parse_limit(params),
    }


class SubmittedReport(ReportPrivate):
    """The submit answer: the report as its reporter sees it, with the open reports it may repeat."""

    possible_duplicates: Annotated[
        list[PossibleDuplicate],
        Field(description="Phản ánh đang mở cùng lĩnh vực trong khoảng 100 m, gần nhất trước"),
    ]
