"""Request and response schemas of the handling workflow (api.md "Actions, feedback and the table").

`ActionRequest` is the discriminated union on `type` that the OpenAPI document shows. Bodies are parsed in two
steps (`parse_action`): first `type`, then the body of that action, so that a message names the field as the
client wrote it ("due_at", not "extend.due_at") and an unknown or missing `type` is itself named.

The actions are the workflow's table (`workflow.ACTIONS`): `ActionName` is its keys, in its order. Each body is
declared once, with `@_body`; `BODIES`, the union and `to_domain` are read from those declarations, and importing
this module fails if a body is missing for an action of the table or declared for one it does not have.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, RootModel

from chalicelib.api import http
from chalicelib.api.citizen_schemas import ReopenIn
from chalicelib.api.fields import Instant, Line, Whole
from chalicelib.api.fields import LongText as _Long
from chalicelib.api.schemas import CodeName, Out, _In
from chalicelib.domain import workflow

ActionName = Literal[tuple(workflow.ACTIONS)]  # the table's actions, in its order
RejectReason = Literal[tuple(workflow.REJECT_REASONS)]  # what people may give (not the import's own)

Text = _Long(1, 1000)
LongText = _Long(1, 4000)

_DECLARED: dict[str, type[BaseModel]] = {}


def _body[M: type[BaseModel]](model: M) -> M:
    """Declare `model` as the body of the action its `type` literal names."""
    (name,) = get_args(model.model_fields["type"].annotation)
    assert name not in _DECLARED, f"two bodies for {name!r}"
    _DECLARED[name] = model
    return model


class ActionTypeIn(_In):
    type: Annotated[ActionName, Field(description="Thao tác xử lý")]


@_body
class AcceptIn(_In):
    """Tiếp nhận phản ánh (cán bộ đơn vị được giao): assigned → in_progress."""

    type: Literal["accept"]


@_body
class RejectIn(_In):
    """Từ chối xử lý, với loại lý do và lý do công khai."""

    type: Literal["reject"]
    reason: RejectReason
    text: _Long(1, 2000, "Lý do công khai")
    duplicate_of: Annotated[
        str | None, Field(min_length=26, max_length=26, description="Mã phản ánh bị trùng")
    ] = None


@_body
class RequestInfoIn(_In):
    """Đề nghị bổ sung thông tin: trả lời theo mẫu của IOC, liệt kê các thông tin cần bổ sung."""

    type: Literal["request_info"]
    items: Annotated[list[Line(1, 300)], Field(min_length=1, max_length=10)]


@_body
class ExtendIn(_In):
    """Gia hạn (ấn định thời gian giải quyết mới, sau thời hạn hiện tại), kèm thông báo công khai."""

    type: Literal["extend"]
    due_at: Annotated[Instant, Field(description="Thời hạn giải quyết mới (ISO 8601 có múi giờ)")]
    note: _Long(1, 2000, "Lý do và tình trạng đang giải quyết")


@_body
class ResolveIn(_In):
    """Trả lời công khai: resolved. `media`: các khóa tệp ảnh kết quả đã tải lên (purpose=answer)."""

    type: Literal["resolve"]
    answer: LongText
    media: Annotated[list[Line(1, 300)], Field(max_length=10, default_factory=list)]


@_body
class ReturnIn(_In):
    """Chuyển trả phản ánh về IOC để phân công lại."""

    type: Literal["return"]
    reason: Text


@_body
class ReassignIn(_In):
    """IOC chuyển phản ánh cho đơn vị khác (đang hoạt động); thời hạn tính lại."""

    type: Literal["reassign"]
    unit: Line(1, 20, "Mã đơn vị (GET /v1/units)")
    note: _Long(0, 1000) | None = None


@_body
class HideIn(_In):
    """IOC ẩn phản ánh vi phạm (Điều 9) khỏi trang công khai; việc xử lý vẫn tiếp tục."""

    type: Literal["hide"]
    reason: Text


@_body
class UnhideIn(_In):
    type: Literal["unhide"]
    note: _Long(0, 1000) | None = None


@_body
class CommentIn(_In):
    """Ghi chú nội bộ (không bao giờ công khai)."""

    type: Literal["comment"]
    text: _Long(1, 2000)


_body(ReopenIn)  # the reporter's, declared with the citizens' schemas (issue 15)


def _bodies() -> dict[str, type[BaseModel]]:
    """The declared bodies in the table's order; the table and the declarations must name the same actions."""
    missing, extra = set(workflow.ACTIONS) - set(_DECLARED), set(_DECLARED) - set(workflow.ACTIONS)
    if missing or extra:
        raise ImportError(f"action bodies do not match workflow.ACTIONS: missing {missing}, extra {extra}")
    return {name: _DECLARED[name] for name in workflow.ACTIONS}


BODIES: dict[str, type[BaseModel]] = _bodies()

ActionBody = functools.reduce(operator.or_, BODIES.values())  # AcceptIn | RejectIn | …, in the table's order


class ActionRequest(RootModel[Annotated[ActionBody, Field(discriminator="type")]]):
    """One handling step; `type` says which."""


def parse_action(raw: bytes | None) -> BaseModel:
    """The action body, or the 400 that names what is wrong (http.parse_body's Vietnamese messages)."""
    kind = http.parse_body(raw, ActionTypeIn).type
    return http.parse_body(raw, BODIES[kind])


def to_domain(body: BaseModel) -> workflow.Action:
    """The schema's body as the domain's command (the spec's `command`), field by field by name: a list becomes
    a tuple, and an optional text left empty is absent (None)."""
    name = getattr(body, "type", None)
    if name not in BODIES or not isinstance(body, BODIES[name]):
        raise TypeError(f"not an action body: {type(body).__name__}")
    command = workflow.ACTIONS[name].command
    return command(**{f.name: _value(getattr(body, f.name), f) for f in dataclasses.fields(command)})


def _value(value: Any, field: dataclasses.Field[Any]) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if field.default is None:
        return value or None
    return value


class FeedbackIn(_In):
    """Đánh giá mức độ hài lòng (người gửi phản ánh, một lần, khi đã có kết quả)."""

    rating: Whole(ge=1, le=5)
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
    from chalicelib.api.views import headline

    words = report.description.strip()
    row = InboxRow(
        **headline(report, now),  # type: ignore[arg-type]
        hidden=report.hidden is not None,
        summary=words if len(words) <= 90 else words[:89].rsplit(" ", 1)[0] + "…",
    )
    return row.model_dump(mode="json")


def queue_page(found: Any, now: datetime) -> dict[str, Any]:
    """A page of the work queue (or of the province's list) as rows."""
    return {"items": [inbox_row(r, now) for r in found.items], "next_cursor": found.next_cursor}
