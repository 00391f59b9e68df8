"""Request and response schemas (pydantic v2). The OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.api.fields import Instant, Line, LongText, Whole

_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _In(BaseModel):
    # Strict JSON parsing: "21.3" is not a number and 1 is not a string. Unknown fields are ignored so that a
    # newer app still talks to an older server.
    # defer_build: a model's validator is built on its first use, not at import, so a cold start builds only
    # the schemas its request needs (bench/bench_cold.py).
    model_config = ConfigDict(strict=True, extra="ignore", str_strip_whitespace=True, defer_build=True)


class LocationIn(_In):
    lat: Annotated[float, Field(ge=-90, le=90, description="Vĩ độ (WGS84)")]
    lng: Annotated[float, Field(ge=-180, le=180, description="Kinh độ (WGS84)")]


class ReporterIn(_In):
    name: Line(2, 100) | None = None
    phone: Annotated[
        Line(0, 20) | None,
        Field(json_schema_extra={"pattern": r"^(\+84|0)[0-9]{9,10}$"}, description="Số điện thoại Việt Nam"),
    ] = None
    email: Annotated[
        Line(0, 254) | None,
        Field(
            description="Bỏ qua: thư chính thức chỉ gửi đến e-mail đã xác minh của tài khoản (email_verified)",
            json_schema_extra={"pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
        ),
    ] = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is None:
            return v
        compact = re.sub(r"[\s.\-()]", "", v)
        if not _PHONE.match(compact):
            raise ValueError("phone")
        return compact

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not _EMAIL.match(v):
            raise ValueError("email")
        return v


class SubmitReport(_In):
    category: Line(1, 50, "Mã lĩnh vực (GET /v1/categories)")
    description: LongText(10, 4000)
    location: LocationIn
    address: Line(0, 500) | None = None
    occurred_at: Instant | None = None
    reporter: ReporterIn | None = None
    is_test: bool = False


class AttachmentRequest(_In):
    content_type: Literal[
        "image/jpeg", "image/png", "image/webp", "image/heic", "video/mp4", "video/quicktime"
    ]
    size: Annotated[Whole(gt=0), Field(description="Kích thước tệp (byte)")]
    purpose: Literal["report", "answer"] = "report"


# --- responses ---


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class CodeName(Out):
    code: str
    name: str


class LocationOut(Out):
    lat: float
    lng: float


class MediaSizeOut(Out):
    url: Annotated[
        str, Field(description="Ảnh đã xử lý (JPEG, không còn siêu dữ liệu), liên kết có thời hạn")
    ]
    width: Annotated[int, Field(ge=1)]
    height: Annotated[int, Field(ge=1)]
    bytes: Annotated[int, Field(ge=1)]


class MediaSizesOut(Out):
    """Issue 16: a list row (about 320 px), a page (about 1280 px) and the full photo (at most 2048 px)."""

    thumb: MediaSizeOut
    page: MediaSizeOut
    full: MediaSizeOut


class MediaOriginalOut(Out):
    """The file as uploaded, evidence for the unit and the IOC only: a link valid for minutes."""

    url: str
    content_type: str
    bytes: int | None


class MediaOut(Out):
    id: str
    kind: Literal["photo", "video"]
    content_type: str
    state: Literal["processing", "ready", "rejected"]
    reason: Annotated[str | None, Field(description="Vì sao tệp bị từ chối (tiếng Việt), khi state=rejected")]
    reason_code: (
        Literal["not_photo_or_video", "type_mismatch", "too_many_pixels", "unreadable", "too_large"] | None
    )
    url: Annotated[str | None, Field(description="Ảnh cỡ trang (sizes.page); không bao giờ là tệp gốc")]
    sizes: MediaSizesOut | None


class MediaPrivateOut(MediaOut):
    original: MediaOriginalOut | None


class TimelineEntry(Out):
    at: datetime
    type: str
    text: str | None


class ReporterOut(Out):
    name: str
    phone: str
    email: str | None


class HiddenOut(Out):
    reason: str
    at: datetime


class RoutingOut(Out):
    method: str
    uncertain: bool
    distance_m: float | None
    reason: str | None


class HistoryOut(Out):
    at: datetime
    type: str
    actor_role: str
    actor_unit: str | None
    actor_sub: str | None
    public: bool
    public_text: str | None
    internal_text: str | None


class ReportPublic(Out):
    id: str
    category: CodeName
    description: str
    location: LocationOut
    address: str | None
    status: Literal["received", "assigned", "in_progress", "rejected", "resolved"]
    status_label: str
    unit: CodeName | None
    received_at: datetime
    triage_due_at: datetime | None
    due_at: datetime | None
    overdue: bool
    closed_at: datetime | None
    answer: str | None
    media: list[MediaOut]
    timeline: list[TimelineEntry]
    rating: int | None
    followers: Annotated[int, Field(ge=0, description="Số người theo dõi (“tôi cũng gặp vấn đề này”)")] = 0


class ReportPrivate(ReportPublic):
    media: list[MediaPrivateOut]  # type: ignore[assignment]
    reporter: ReporterOut
    hidden: HiddenOut | None
    is_test: bool
    routing: RoutingOut | None
    history: list[HistoryOut]
    occurred_at: datetime | None


class ReportList(Out):
    items: list[ReportPrivate | ReportPublic]
    next_cursor: str | None


class CategoryOut(Out):
    code: str
    name: str


class CategoryList(Out):
    items: list[CategoryOut]


class UnitOut(Out):
    code: str
    name: str
    kind: str
    valid_from: str
    valid_to: str | None


class UnitList(Out):
    items: list[UnitOut]


class UploadSlot(Out):
    key: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    content_type: str
    expires_at: datetime


class CalendarDayOut(Out):
    date: str
    working: bool
    name: str | None


class DayOffOut(Out):
    date: str
    name: str


class CalendarOut(Out):
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    working_days: int
    days_off: list[DayOffOut]
    days: list[CalendarDayOut]


class Health(Out):
    status: Literal["ok"]
    stage: str


class ErrorDetail(Out):
    field: str
    message: str


class ErrorBody(Out):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorResponse(Out):
    error: ErrorBody
