"""Request and response schemas of the handling workflow (api.md "Actions, feedback and the table").

`ActionRequest` is the discriminated union on `type` that the OpenAPI document shows. Bodies are parsed in two
steps (`parse_action`): first `type`, then the body of that action, so that a message names the field as the
client wrote it ("due_at", not "extend.due_at") and an unknown or missing `type` is itself named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from chalicelib.api import http
from chalicelib.api.citizen_schemas import ReopenIn
from chalicelib.api.fields import Instant, Line
from chalicelib.api.fields import LongText as _Long
from chalicelib.api.schemas import CodeName, Out, _In
from chalicelib.domain import workflow

ActionName = Literal[
    "accept",
    "reject",
    "request_info",
    "extend",
    "resolve",
    "return",
    "reassign",
    "hide",
    "unhide",
    "comment",
    "reopen",
]
RejectReason = Literal["invalid_content", "not_field_report", "duplicate", "out_of_remit"]

Text = _Long(1, 1000)
LongText = _Long(1, 4000)


class ActionTypeIn(_In):
    type: Annotated[ActionName, Field(description="Thao tác xử lý")]


class AcceptIn(_In):
    """Tiếp nhận phản ánh (cán bộ đơn vị được giao): assigned → in_progress."""

    type: Literal["accept"]


class RejectIn(_In):
    """Từ chối xử lý, với loại lý do và lý do công khai."""

    type: Literal["reject"]
    reason: RejectReason
    text: _Long(1, 2000, "Lý do công khai")
    duplicate_of: Annotated[
        str | None, Field(min_length=26, max_length=26, description="Mã phản ánh bị trùng")
    ] = None


class RequestInfoIn(_In):
    """Đề nghị bổ sung thông tin: trả lời theo mẫu của IOC, liệt kê các thông tin cần bổ sung."""

    type: Literal["request_info"]
    items: Annotated[list[Line(1, 300)], Field(min_length=1, max_length=10)]


class ExtendIn(_In):
    """Gia hạn (ấn định thời gian giải quyết mới, sau thời hạn hiện tại), kèm thông báo công khai."""

    type: Literal["extend"]
    due_at: Annotated[Instant, Field(description="Thời hạn giải quyết mới (ISO 8601 có múi giờ)")]
    note: _Long(1, 2000, "Lý do và tình trạng đang giải quyết")


class ResolveIn(_In):
    """Trả lời công khai: resolved. `media`: các khóa tệp ảnh kết quả đã tải lên (purpose=answer)."""

    type: Literal["resolve"]
    answer: LongText
    media: Annotated[list[Line(1, 300)], Field(max_length=10, default_factory=list)]


class ReturnIn(_In):
    """Chuyển trả phản ánh về IOC để phân công lại."""

    type: Literal["return"]
    reason: Text


class ReassignIn(_In):
    """IOC chuyển phản ánh cho đơn vị khác (đang hoạt động); thời hạn tính lại."""

    type: Literal["reassign"]
    unit: Line(1, 20, "Mã đơn vị (GET /v1/units)")
    note: _Long(0, 1000) | None = None


class HideIn(_In):
    """IOC ẩn phản ánh vi phạm (Điều 9) khỏi trang công khai; việc xử lý vẫn tiếp tục."""

    type: Literal["hide"]
    reason: Text


class UnhideIn(_In):
    type: Literal["unhide"]
    note: _Long(0, 1000) | None = None


class CommentIn(_In):
    """Ghi chú nội bộ (không bao giờ công khai)."""

    type: Literal["comment"]
    text: _Long(1, 2000)


ActionBody = (
    AcceptIn
    | RejectIn
    | RequestInfoIn
    | ExtendIn
    | ResolveIn
    | ReturnIn
    | ReassignIn
    | HideIn
    | UnhideIn
    | CommentIn
    | ReopenIn
)


class ActionRequest(RootModel[Annotated[ActionBody, Field(discriminator="type")]]):
    """One handling step; `type` says which."""


BODIES: dict[str, type[BaseModel]] = {
    "accept": AcceptIn,
    "reject": RejectIn,
    "request_info": RequestInfoIn,
    "extend": ExtendIn,
    "resolve": ResolveIn,
    "return": ReturnIn,
    "reassign": ReassignIn,
    "hide": HideIn,
    "unhide": UnhideIn,
    "comment": CommentIn,
    "reopen": ReopenIn,
}


def parse_action(raw: bytes | None) -> BaseModel:
    """The action body, or the 400 that names what is wrong (http.parse_body's Vietnamese messages)."""
    kind = http.parse_body(raw, ActionTypeIn).type
    return http.parse_body(raw, BODIES[kind])


def to_domain(body: BaseModel) -> workflow.Action:
    """The schema's body as the domain's command."""
    match body:
        case AcceptIn():
            return workflow.Accept()
        case RejectIn():
            return workflow.Reject(reason=body.reason, text=body.text, duplicate_of=body.duplicate_of)
        case RequestInfoIn():
            return workflow.RequestInfo(items=tuple(body.items))
        case ExtendIn():
            return workflow.Extend(due_at=body.due_at, note=body.note)
        case ResolveIn():
            return workflow.Resolve(answer=body.answer, media=tuple(body.media))
        case ReturnIn():
            return workflow.Return(reason=body.reason)
        case ReassignIn():
            return workflow.Reassign(unit=body.unit, note=body.note or None)
        case HideIn():
            return workflow.Hide(reason=body.reason)
        case UnhideIn():
            return workflow.Unhide(note=body.note or None)
        case CommentIn():
            return workflow.Comment(text=body.text)
        case ReopenIn():
            return workflow.Reopen(reason=body.reason, media=tuple(body.media))
    raise TypeError(f"not an action body: {type(body).__name__}")


class FeedbackIn(_In):
    """Đánh giá mức độ hài lòng (người gửi phản ánh, một lần, khi đã có kết quả)."""

    rating: Annotated[int, Field(ge=1, le=5)]
    comment: _Long(0, 1000) | None = None


# --- the inbox ---


class InboxRow(Out):
    id: str
    category: CodeName
    status: Literal["received", "assigned", "in_progress", "rejected", "resolved"]
    status_label: str
    unit: CodeName | None
    received_at: datetime
    triage_due_at: datetime | None
    due_at: datetime | None
    overdue: bool
    address: str | None
    hidden: bool
    followers: Annotated[int, Field(ge=0, description="Số người theo dõi (issue 15)")] = 0
    summary: Annotated[str, Field(description="Những chữ đầu của nội dung phản ánh (trang quản trị)")] = ""


class InboxPage(Out):
    items: list[InboxRow]
    next_cursor: str | None


def inbox_filters(params: dict[str, str] | None) -> Any:
    """The inbox's query parameters, each checked (a 400 names the one that is wrong)."""
    from chalicelib.domain.instants import in_range, parse_day
    from chalicelib.domain.queries import InboxFilters
    from chalicelib.domain.report import VN_OFFSET, Status, parse_instant

    def _status(v: str) -> str:
        return Status(v).value

    def _bool(v: str) -> bool:
        if v not in ("true", "false"):
            raise ValueError(v)
        return v == "true"

    def _sort(v: str) -> str:
        if v not in ("due", "followers"):
            raise ValueError(v)
        return v

    def _instant(v: str) -> datetime:
        if len(v) == 10:  # a day: deadlines before it starts (Vietnam time)
            return datetime.combine(parse_day(v), datetime.min.time(), VN_OFFSET)
        return in_range(parse_instant(v))

    return InboxFilters(
        unit=http.parse_query(params, "unit", str, "mã đơn vị"),
        status=http.parse_query(params, "status", _status, "một trong " + ", ".join(s.value for s in Status)),
        overdue=http.parse_query(params, "overdue", _bool, "true hoặc false"),
        due_before=http.parse_query(
            params,
            "due_before",
            _instant,
            "thời điểm ISO 8601 hoặc ngày YYYY-MM-DD, trong khoảng năm 2000–2100",
        ),
        sort=http.parse_query(params, "sort", _sort, "'due' hoặc 'followers'"),
        category=http.parse_query(params, "category", str, "mã lĩnh vực"),
    )


def inbox_row(report: Any, now: datetime) -> dict[str, Any]:
    """One line of the work queue: what an officer scans in a list, no personal data (the queue is read by
    those who may see the report; the row shows only public fields, its hidden flag and its first words)."""
    from chalicelib.api.views import category_of, unit_of
    from chalicelib.domain.report import vn_time

    words = report.description.strip()
    row = InboxRow(
        id=report.id,
        category=category_of(report),
        status=report.status.value,
        status_label=report.status_label,
        unit=unit_of(report),
        received_at=vn_time(report.received_at),
        triage_due_at=vn_time(report.triage_due_at),
        due_at=vn_time(report.due_at),
        overdue=report.is_overdue(now),
        address=report.address,
        hidden=report.hidden is not None,
        followers=report.followers,
        summary=words if len(words) <= 90 else words[:89].rsplit(" ", 1)[0] + "…",
    )
    return row.model_dump(mode="json")
