"""The handling workflow (domain.md steps 3-5): who may do what to a report, in which state, with what effect.

One table, `TRANSITIONS`, says for every action which roles may take it, from which statuses, and whether an
officer must belong to the report's unit. `apply_action` checks the caller against that table, then the
action's own rules, and returns the new version of the report with one history entry appended (who: sub, role,
unit; when; what; the public text; internal text for notes). History is never rewritten.

Checks run in a fixed order so that the answer never leaks more than the caller may know: first the role and
the unit (NotAllowed, 403), then the report's state (TransitionNotAllowed, 409), then the action's values
(Unprocessable, 422). A caller who may not see the report at all gets 404 before any of this (the service
applies `views.may_see`).

Choices made here, beyond the letter:
- `extend` is allowed from `in_progress` only: a unit that has not triaged a report must accept or reject it
  first (the triage deadline is what it would otherwise be extending past). The new date must lie after the
  current deadline (`deadlines.validate_extension`) and in the future.
- `resolve` is allowed from `assigned` too: answering at once implies accepting, and doing the right thing
  must be easy.
- `reassign` (IOC) works from `received` as well, so the IOC can place a report that routing could not.
- Closing (`resolved`, `rejected`) clears `overdue_since`, as report.py documents ("cleared by an extension
  or closing"): the statistics count "overdue" as open and marked (domain/stats.py), so a late answer stops
  counting as overdue and counts as resolved, not on time (closed_at > due_at). That the report was overdue
  when it was closed is kept in the closing entry's data (`was_overdue_since`): history is the record.
- When the deadline sweep must next look at a report is derived, never stored: the store indexes
  `watch.next_check_at(report)` on every write, so a new deadline (extend, reassign, return), the end of triage
  (accept) or closing moves the report in the sweep index by itself.
- Hide and unhide entries are not public: the reason may describe the breach itself. The reporter sees the
  reason through `hidden` and is told by e-mail.

Pure domain code: standard library and sibling domain modules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from chalicelib.domain import access
from chalicelib.domain.access import Actor
from chalicelib.domain.calendar import VN_TZ, WorkingCalendar
from chalicelib.domain.citizens import ReopenPolicy, reopen
from chalicelib.domain.deadlines import (
    DeadlineConflict,
    DeadlinePolicy,
    compute_deadlines,
    validate_extension,
)
from chalicelib.domain.errors import (
    InvalidInput,
    NotAllowed,
    ReportNotDeletable,
    TransitionNotAllowed,
    Unprocessable,
)
from chalicelib.domain.report import (
    CLOSED_STATUSES,
    STATUS_LABELS,
    Feedback,
    Hidden,
    HistoryEntry,
    Report,
    Routing,
    Status,
)
from chalicelib.domain.units import UnitRegistry

__all__ = [
    "ENTRY_TYPE",
    "REJECT_REASONS",
    "REQUEST_INFO_TEMPLATE",
    "TARGET_STATUS",
    "TRANSITIONS",
    "Accept",
    "Action",
    "ActionConflict",
    "ActionForbidden",
    "ActionInvalid",
    "ActionType",
    "ActionUnprocessable",
    "Actor",
    "Comment",
    "Extend",
    "Hide",
    "Reassign",
    "Reject",
    "Reopen",
    "RequestInfo",
    "Resolve",
    "Return",
    "Rule",
    "Unhide",
    "acting_role",
    "apply_action",
    "check_deletable",
    "give_feedback",
    "request_info_text",
]


# ------------------------------------------------------------------------------------------------ errors


@dataclass
class ActionForbidden(NotAllowed):
    """The caller's role or unit does not permit this action (403)."""

    code: str = "forbidden"


@dataclass
class ActionConflict(TransitionNotAllowed):
    """The report's state does not permit this action (409); `code` names the reason."""

    code: str = "transition_not_allowed"


@dataclass
class ActionUnprocessable(Unprocessable):
    """Well-formed, but the value breaks a rule (422); `code` names the rule."""

    code: str = "unprocessable"


@dataclass
class ActionInvalid(InvalidInput):
    """A value that is invalid whatever the report's state (400)."""

    code: str = "invalid_input"


def _field(cls: type[Any], code: str, field_name: str, message: str) -> Any:
    return cls(message, [{"field": field_name, "message": message}], code=code)


# ------------------------------------------------------------------------------------------------ actors


# One actor type for every path (chalicelib/domain/access.py), re-exported for the workflow's callers.


# ------------------------------------------------------------------------------------------------ actions


class ActionType(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    EXTEND = "extend"
    RESOLVE = "resolve"
    RETURN = "return"
    REASSIGN = "reassign"
    HIDE = "hide"
    UNHIDE = "unhide"
    COMMENT = "comment"
    REOPEN = "reopen"  # the reporter, on a resolved report (issue 15, domain/citizens.py)


REJECT_REASONS: Final[Mapping[str, str]] = {
    "invalid_content": "Nội dung phản ánh không hợp lệ",
    "not_field_report": "Không phải là phản ánh hiện trường",
    "duplicate": "Trùng với phản ánh đã gửi trước đó",
    "out_of_remit": "Không thuộc phạm vi, thẩm quyền giải quyết của tỉnh",
}


@dataclass(frozen=True)
class Accept:
    type: str = field(default=ActionType.ACCEPT, init=False)


@dataclass(frozen=True)
class Reject:
    reason: str  # a key of REJECT_REASONS (not needs_more_info: that is RequestInfo)
    text: str
    duplicate_of: str | None = None
    type: str = field(default=ActionType.REJECT, init=False)


@dataclass(frozen=True)
class RequestInfo:
    items: tuple[str, ...]
    type: str = field(default=ActionType.REQUEST_INFO, init=False)


@dataclass(frozen=True)
class Extend:
    due_at: datetime
    note: str
    type: str = field(default=ActionType.EXTEND, init=False)


@dataclass(frozen=True)
class Resolve:
    answer: str
    media: tuple[str, ...] = ()
    type: str = field(default=ActionType.RESOLVE, init=False)


@dataclass(frozen=True)
class Return:
    reason: str
    type: str = field(default=ActionType.RETURN, init=False)


@dataclass(frozen=True)
class Reassign:
    unit: str
    note: str | None = None
    type: str = field(default=ActionType.REASSIGN, init=False)


@dataclass(frozen=True)
class Hide:
    reason: str
    type: str = field(default=ActionType.HIDE, init=False)


@dataclass(frozen=True)
class Unhide:
    note: str | None = None
    type: str = field(default=ActionType.UNHIDE, init=False)


@dataclass(frozen=True)
class Comment:
    text: str
    type: str = field(default=ActionType.COMMENT, init=False)


@dataclass(frozen=True)
class Reopen:
    reason: str
    media: tuple[str, ...] = ()
    type: str = field(default=ActionType.REOPEN, init=False)


Action = (
    Accept | Reject | RequestInfo | Extend | Resolve | Return | Reassign | Hide | Unhide | Comment | Reopen
)


# ------------------------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Rule:
    """Who may take an action and from which statuses. `own_unit`: an officer must act for the report's unit
    (an IOC operator acts for the whole province)."""

    roles: frozenset[str]
    statuses: frozenset[Status]
    own_unit: bool = True


_OPEN: Final = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})
_ANY: Final = frozenset(Status)
_OFFICER: Final = frozenset({"officer"})
_IOC: Final = frozenset({"ioc"})

TRANSITIONS: Final[Mapping[str, Rule]] = {
    ActionType.ACCEPT: Rule(_OFFICER, frozenset({Status.ASSIGNED})),
    ActionType.REJECT: Rule(_OFFICER, _OPEN),
    ActionType.REQUEST_INFO: Rule(_OFFICER, _OPEN),
    ActionType.EXTEND: Rule(_OFFICER, frozenset({Status.IN_PROGRESS})),
    ActionType.RESOLVE: Rule(_OFFICER, _OPEN),
    ActionType.RETURN: Rule(_OFFICER, _OPEN),
    ActionType.REASSIGN: Rule(_IOC, frozenset({Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS})),
    ActionType.HIDE: Rule(_IOC, _ANY),
    ActionType.UNHIDE: Rule(_IOC, _ANY),
    ActionType.COMMENT: Rule(frozenset({"officer", "ioc"}), _ANY),
    ActionType.REOPEN: Rule(frozenset({"citizen"}), frozenset({Status.RESOLVED}), own_unit=False),
}

# What the report becomes (None: the status does not change).
TARGET_STATUS: Final[Mapping[str, Status | None]] = {
    ActionType.ACCEPT: Status.IN_PROGRESS,
    ActionType.REJECT: Status.REJECTED,
    ActionType.REQUEST_INFO: Status.REJECTED,
    ActionType.EXTEND: None,
    ActionType.RESOLVE: Status.RESOLVED,
    ActionType.RETURN: Status.ASSIGNED,
    ActionType.REASSIGN: Status.ASSIGNED,
    ActionType.HIDE: None,
    ActionType.UNHIDE: None,
    ActionType.COMMENT: None,
    ActionType.REOPEN: Status.IN_PROGRESS,
}

# The history entry's type for each action (what the timeline shows as `type`).
ENTRY_TYPE: Final[Mapping[str, str]] = {
    ActionType.ACCEPT: "accepted",
    ActionType.REJECT: "rejected",
    ActionType.REQUEST_INFO: "info_requested",
    ActionType.EXTEND: "extended",
    ActionType.RESOLVE: "resolved",
    ActionType.RETURN: "returned",
    ActionType.REASSIGN: "reassigned",
    ActionType.HIDE: "hidden",
    ActionType.UNHIDE: "unhidden",
    ActionType.COMMENT: "comment",
    ActionType.REOPEN: "reopened",
}


def acting_role(rule: Rule, report: Report, actor: Actor) -> str | None:
    """The role in which `actor` may take an action under `rule`, or None (decided in domain/access.py)."""
    return access.acting_role(rule.roles, rule.own_unit, report, actor)


# ------------------------------------------------------------------------------------------------ texts

# domain.md, "Reply template for a report that needs more information" (the letter's annex), line by line.
REQUEST_INFO_TEMPLATE: Final = "\n".join(
    (
        "Kính gửi Ông/Bà {name},",
        "Trung tâm Điều hành thông minh tỉnh Điện Biên (IOC Điện Biên) đã nhận được Phản ánh hiện trường"
        " của quý Ông/Bà.",
        "Sau khi đánh giá nội dung, hiện tại cơ quan giải quyết chưa thực hiện xử lý Phản ánh hiện trường"
        " của quý Ông/Bà,",
        "nguyên nhân do chưa xác định được một số thông tin liên quan từ nội dung Phản ánh hiện trường.",
        "Để cơ quan giải quyết có thêm thông tin về Phản ánh hiện trường phục vụ việc xử lý, đề nghị quý"
        " Ông/Bà cung cấp thêm",
        "thông tin sự việc và gửi lại Phản ánh hiện trường, các thông tin cần bổ sung như sau:",
        "{items}",
        "Hoặc xem lại hướng dẫn sử dụng tại mục “Hướng dẫn sử dụng” trên App.",
        "Trân trọng cảm ơn./.",
    )
)


def request_info_text(name: str, items: tuple[str, ...] | list[str]) -> str:
    """The letter's reply asking for more information, filled with the reporter's name and the numbered items
    ("(1) …", "(2) …"), one per line."""
    numbered = "\n".join(f"({i}) {item}" for i, item in enumerate(items, start=1))
    return REQUEST_INFO_TEMPLATE.format(name=name, items=numbered)


def _when(instant: datetime) -> str:
    """A deadline in words (Vietnam time): 'hết ngày 08/05/2026' or '17:00 ngày 15/12/2026'."""
    local = instant.astimezone(VN_TZ)
    if (local.hour, local.minute) == (23, 59):
        return f"hết ngày {local:%d/%m/%Y}"
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _unit_name(registry: UnitRegistry, code: str | None) -> str:
    unit = registry.get(code) if code else None
    return unit.name if unit else (code or "")


# ------------------------------------------------------------------------------------------------ applying


def apply_action(
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    registry: UnitRegistry,
    reopen_policy: ReopenPolicy | None = None,
) -> Report:
    """Take one handling step (api.md "Actions") and return the new report with its history entry appended.

    Raises ActionForbidden (403) when the actor's role or unit may not take the action, ActionConflict (409)
    when the report's status does not allow it, ActionUnprocessable (422) or ActionInvalid (400) when a value
    breaks the action's rule. The report's `version` is left as read: the store's conditional write decides
    whether this change wins.
    """
    if isinstance(action, Reopen):
        # The reporter's own step, with its own rules (period, count; domain/citizens.py).
        return reopen(
            report,
            actor.sub,
            action.reason,
            action.media,
            now,
            calendar,
            reopen_policy or ReopenPolicy.default(),
        )
    new = _step(report, action, actor, now, calendar, policy, registry)
    # A report stays marked overdue only while it still is: accepting it after a missed triage deadline, with
    # the resolution deadline still ahead, ends that, as an extension does (statistics count the mark).
    overdue_since = new.overdue_since if new.overdue_since is not None and new.is_overdue(now) else None
    return replace(new, overdue_since=overdue_since)


def _step(
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    registry: UnitRegistry,
) -> Report:
    kind = ActionType(action.type)
    rule = TRANSITIONS[kind]
    role = acting_role(rule, report, actor)
    if role is None:
        raise ActionForbidden(_FORBIDDEN[kind])
    if report.status not in rule.statuses:
        raise ActionConflict(
            f"Không thể thực hiện thao tác '{kind.value}' khi phản ánh đang ở trạng thái "
            f"“{STATUS_LABELS[report.status]}”.",
            code="report_closed" if report.status in CLOSED_STATUSES else "transition_not_allowed",
        )

    def entry(
        public_text: str | None, internal_text: str | None = None, public: bool = True, **data: Any
    ) -> HistoryEntry:
        data = {"action": kind.value, "from_status": report.status.value, **data}
        return HistoryEntry(
            at=now,
            type=ENTRY_TYPE[kind],
            actor_sub=actor.sub,
            actor_role=role,
            actor_unit=actor.unit_code,
            public=public,
            public_text=public_text,
            internal_text=internal_text,
            data={k: v for k, v in data.items() if v is not None},
        )

    def closing(**changes: Any) -> dict[str, Any]:
        return {
            "closed_at": now,
            "overdue_since": None,
            **changes,
        }

    was_overdue = None if report.overdue_since is None else report.overdue_since.isoformat()

    match action:
        case Accept():
            unit = _unit_name(registry, report.unit_code)
            return report.with_entry(
                entry(f"{unit} đã tiếp nhận phản ánh và đang xử lý.", to_status=Status.IN_PROGRESS.value),
                status=Status.IN_PROGRESS,
            )

        case Reject(reason=reason, text=text, duplicate_of=duplicate_of):
            if reason not in REJECT_REASONS:
                raise _field(ActionInvalid, "invalid_input", "reason", "Lý do từ chối không hợp lệ.")
            if reason == "duplicate":
                if not duplicate_of:
                    raise _field(
                        ActionInvalid,
                        "invalid_input",
                        "duplicate_of",
                        "Thiếu trường bắt buộc 'duplicate_of' (mã phản ánh bị trùng).",
                    )
                if duplicate_of == report.id:
                    raise _field(
                        ActionUnprocessable,
                        "duplicate_of_self",
                        "duplicate_of",
                        "Một phản ánh không thể trùng với chính nó.",
                    )
            label = REJECT_REASONS[reason]
            suffix = f" (phản ánh {duplicate_of})" if reason == "duplicate" else ""
            public_text = f"Từ chối xử lý. Lý do: {label}{suffix}. {text}".strip()
            rejection = {"reason": reason, "text": text}
            if reason == "duplicate":
                rejection["duplicate_of"] = duplicate_of or ""
            return report.with_entry(
                entry(
                    public_text,
                    to_status=Status.REJECTED.value,
                    reason=reason,
                    duplicate_of=duplicate_of,
                    was_overdue_since=was_overdue,
                ),
                **closing(status=Status.REJECTED, rejection=rejection, answer=public_text),
            )

        case RequestInfo(items=items):
            if not items or any(not i.strip() for i in items):
                raise _field(
                    ActionInvalid, "invalid_input", "items", "Cần ít nhất một thông tin cần bổ sung."
                )
            text = request_info_text(report.reporter.name, items)
            return report.with_entry(
                entry(
                    text,
                    to_status=Status.REJECTED.value,
                    reason="needs_more_info",
                    items=list(items),
                    was_overdue_since=was_overdue,
                ),
                **closing(
                    status=Status.REJECTED,
                    rejection={"reason": "needs_more_info", "items": list(items)},
                    answer=text,
                ),
            )

        case Extend(due_at=due_at, note=note):
            current = report.due_at
            if current is None:
                raise ActionConflict("Phản ánh chưa có thời hạn giải quyết để gia hạn.", code="no_deadline")
            try:
                new_due = validate_extension(current, due_at)
            except DeadlineConflict as e:
                raise _field(
                    ActionUnprocessable,
                    "deadline_not_after_current",
                    "due_at",
                    f"Thời hạn mới phải sau thời hạn hiện tại ({_when(current)}).",
                ) from e
            if new_due <= now:
                raise _field(
                    ActionUnprocessable,
                    "deadline_in_past",
                    "due_at",
                    "Thời hạn mới phải là một thời điểm trong tương lai.",
                )
            public_text = f"Gia hạn thời gian giải quyết đến {_when(new_due)}. {note}".strip()
            return report.with_entry(
                entry(
                    public_text,
                    previous_due_at=current.isoformat(),
                    due_at=new_due.isoformat(),
                    was_overdue_since=was_overdue,
                ),
                due_at=new_due,
                overdue_since=None,
            )

        case Resolve(answer=answer, media=keys):
            if not answer.strip():
                raise _field(ActionInvalid, "invalid_input", "answer", "Thiếu nội dung trả lời 'answer'.")
            slots = {m.key: m for m in report.media if m.purpose == "answer"}
            for i, key in enumerate(keys):
                slot = slots.get(key)
                if slot is None:
                    raise _field(
                        ActionUnprocessable,
                        "media_not_found",
                        f"media.{i}",
                        "Tệp đính kèm không thuộc phần trả lời của phản ánh này.",
                    )
                if not slot.uploaded:
                    raise _field(
                        ActionUnprocessable,
                        "media_not_uploaded",
                        f"media.{i}",
                        "Tệp đính kèm chưa được tải lên xong.",
                    )
            return report.with_entry(
                entry(
                    answer,
                    to_status=Status.RESOLVED.value,
                    media=list(keys) or None,
                    was_overdue_since=was_overdue,
                ),
                **closing(status=Status.RESOLVED, answer=answer),
            )

        case Return(reason=reason):
            ioc = registry.fallback
            if report.unit_code == ioc.code:
                raise ActionConflict("Phản ánh đang ở IOC.", code="already_at_ioc")
            unit = _unit_name(registry, report.unit_code)
            return _assign(
                report,
                ioc.code,
                now,
                calendar,
                policy,
                entry(
                    f"{unit} chuyển trả phản ánh về {ioc.name} để phân công lại đơn vị xử lý.",
                    reason,
                    to_status=Status.ASSIGNED.value,
                    from_unit=report.unit_code,
                    to_unit=ioc.code,
                ),
                Routing(method="manual", uncertain=False, reason="returned"),
            )

        case Reassign(unit=code, note=note):
            day = now.astimezone(VN_TZ).date()
            target = registry.get(code)
            if target is None:
                raise _field(ActionUnprocessable, "unknown_unit", "unit", f"Không có đơn vị mã '{code}'.")
            if target not in registry.valid_on(day):
                raise _field(
                    ActionUnprocessable,
                    "unit_not_valid",
                    "unit",
                    f"Đơn vị '{target.name}' không còn hoạt động.",
                )
            if code == report.unit_code:
                raise _field(
                    ActionUnprocessable,
                    "same_unit",
                    "unit",
                    "Phản ánh đã thuộc đơn vị này; chọn một đơn vị khác.",
                )
            return _assign(
                report,
                code,
                now,
                calendar,
                policy,
                entry(
                    f"Phản ánh được chuyển đến {target.name} để xử lý.",
                    note,
                    to_status=Status.ASSIGNED.value,
                    from_unit=report.unit_code,
                    to_unit=code,
                ),
                Routing(method="manual", uncertain=False, reason=note),
            )

        case Hide(reason=reason):
            if not reason.strip():
                raise _field(ActionInvalid, "invalid_input", "reason", "Thiếu lý do ẩn phản ánh 'reason'.")
            if report.hidden is not None:
                raise ActionConflict("Phản ánh đã bị ẩn.", code="already_hidden")
            return report.with_entry(entry(None, reason, public=False), hidden=Hidden(reason=reason, at=now))

        case Unhide(note=note):
            if report.hidden is None:
                raise ActionConflict("Phản ánh không bị ẩn.", code="not_hidden")
            return report.with_entry(
                entry(None, note, public=False, hidden_reason=report.hidden.reason), hidden=None
            )

        case Comment(text=text):
            if not text.strip():
                raise _field(ActionInvalid, "invalid_input", "text", "Thiếu nội dung ghi chú 'text'.")
            return report.with_entry(entry(None, text, public=False))

    raise AssertionError(f"unhandled action {action!r}")  # pragma: no cover - the match is exhaustive


def _assign(
    report: Report,
    unit: str,
    now: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    history: HistoryEntry,
    routing: Routing,
) -> Report:
    """Give the report to `unit` from now: status `assigned`, both deadlines restart (domain.md step 3)."""
    deadlines = compute_deadlines(now, report.category, calendar, policy)
    return report.with_entry(
        history,
        status=Status.ASSIGNED,
        unit_code=unit,
        routing=routing,
        assigned_at=now,
        triage_due_at=deadlines.triage_due_at,
        due_at=deadlines.due_at,
        overdue_since=None,
    )


_FORBIDDEN: Final[Mapping[str, str]] = {
    ActionType.ACCEPT: "Chỉ cán bộ của đơn vị được giao mới tiếp nhận được phản ánh này.",
    ActionType.REJECT: "Chỉ cán bộ của đơn vị được giao mới từ chối được phản ánh này.",
    ActionType.REQUEST_INFO: "Chỉ cán bộ của đơn vị được giao mới yêu cầu bổ sung thông tin được.",
    ActionType.EXTEND: "Chỉ cán bộ của đơn vị được giao mới gia hạn được phản ánh này.",
    ActionType.RESOLVE: "Chỉ cán bộ của đơn vị được giao mới trả lời được phản ánh này.",
    ActionType.RETURN: "Chỉ cán bộ của đơn vị được giao mới chuyển trả được phản ánh này.",
    ActionType.REASSIGN: "Chỉ Tổ điều hành IOC mới chuyển phản ánh cho đơn vị khác được.",
    ActionType.HIDE: "Chỉ Tổ điều hành IOC mới ẩn được phản ánh.",
    ActionType.UNHIDE: "Chỉ Tổ điều hành IOC mới bỏ ẩn được phản ánh.",
    ActionType.COMMENT: "Chỉ cán bộ của đơn vị được giao và Tổ điều hành IOC mới ghi chú được.",
    ActionType.REOPEN: "Chỉ người gửi phản ánh mới mở lại được phản ánh.",
}


# ---------------------------------------------------------------------------------------- step 5 and deleting


def give_feedback(report: Report, actor: Actor, rating: int, comment: str | None, now: datetime) -> Report:
    """The reporter rates the answer (domain.md step 5): once, on a closed report, 1 to 5.

    The rating is public (api.md `rating`); the comment is for the unit and the IOC.
    """
    if actor.sub != report.reporter.sub:
        raise ActionForbidden("Chỉ người gửi phản ánh mới đánh giá được.")
    if not report.is_closed:
        raise ActionConflict("Chỉ đánh giá được phản ánh đã có kết quả xử lý.", code="report_not_closed")
    if report.feedback is not None:
        raise ActionConflict("Phản ánh này đã được đánh giá.", code="feedback_already_given")
    if isinstance(rating, bool) or not 1 <= rating <= 5:
        raise _field(ActionInvalid, "invalid_input", "rating", "Trường 'rating' phải từ 1 đến 5.")
    history = HistoryEntry(
        at=now,
        type="feedback",
        actor_sub=actor.sub,
        actor_role="citizen",
        public_text=f"Người phản ánh đánh giá mức độ hài lòng: {rating}/5.",
        internal_text=comment or None,
        data={"rating": rating},
    )
    return report.with_entry(history, feedback=Feedback(rating=rating, comment=comment or None, at=now))


def check_deletable(report: Report, actor: Actor) -> None:
    """domain.md: a report is never deleted, except a test report, by IOC technical staff."""
    if not actor.has("tech"):
        raise ActionForbidden("Chỉ cán bộ kỹ thuật IOC mới được xóa phản ánh thử nghiệm.")
    if not report.is_test:
        raise ReportNotDeletable("Chỉ xóa được phản ánh thử nghiệm; phản ánh thật không bao giờ bị xóa.")
