"""The handling workflow (domain.md steps 3-5): who may do what to a report, in which state, with what effect.

One table, `ACTIONS`, holds one `ActionSpec` per action: which roles may take it, from which statuses, whether an
officer must belong to the report's unit, the status it leads to, the type of the history entry it writes, the
refusal a caller without the role is given, and the action's own rule (a short function below, one per
action). `apply_action` looks the action up, checks the caller and the report against the spec generically,
then calls the action's own rule, which returns the new version of the report with one history entry appended
(who: sub, role, unit; when; what; the public text; internal text for notes). History is never rewritten.
Every other list of actions is read from the table: the console's buttons (domain/permitted.py) and the API's
bodies (api/action_schemas.py).

Checks run in a fixed order so that the answer never leaks more than the caller may know: first the role and
the unit (NotAllowed, 403), then the report's status and its state (TransitionNotAllowed, 409), then the
action's values (Unprocessable, 422, or InvalidInput, 400). A caller who may not see the report at all gets 404
before any of this (the service applies `views.may_see`).

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
- The system acts too: the import of historical reports (services/imports.py) takes the old system's outcome
  (accepted, resolved, rejected, and the citizen's rating) through this same table, as `system_actor`, at the
  original times. Its role, `system`, is never a caller's (see `SYSTEM`).

Pure domain code: standard library and sibling domain modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Final

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
from chalicelib.domain.units import Unit, UnitRegistry

__all__ = [
    "ACTIONS",
    "IMPORTED_REASON",
    "REJECT_REASONS",
    "REQUEST_INFO_TEMPLATE",
    "SYSTEM",
    "Accept",
    "Action",
    "ActionConflict",
    "ActionForbidden",
    "ActionInvalid",
    "ActionSpec",
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
    "Step",
    "Unhide",
    "acting_role",
    "apply_action",
    "check_deletable",
    "give_feedback",
    "refusal",
    "request_info_text",
    "system_actor",
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


# The system's own role and actors (the import of historical reports) are defined with the other actors.
SYSTEM: Final = access.SYSTEM_ROLE
system_actor = access.system_actor


# ------------------------------------------------------------------------------------------------ actions


@dataclass(frozen=True)
class Action:
    """A handling step as the domain takes it (api.md "Actions"); `type` names it there and in `ACTIONS`."""

    type: ClassVar[str]


REJECT_REASONS: Final[Mapping[str, str]] = {
    "invalid_content": "Nội dung phản ánh không hợp lệ",
    "not_field_report": "Không phải là phản ánh hiện trường",
    "duplicate": "Trùng với phản ánh đã gửi trước đó",
    "out_of_remit": "Không thuộc phạm vi, thẩm quyền giải quyết của tỉnh",
}

# A rejection the old system recorded without the reason (services/imports.py): the system's only, never offered
# to people (the console lists REJECT_REASONS).
IMPORTED_REASON: Final = "imported"
_SYSTEM_REJECT_REASONS: Final[Mapping[str, str]] = {
    **REJECT_REASONS,
    IMPORTED_REASON: "Theo dữ liệu hệ thống cũ",
}


@dataclass(frozen=True)
class Accept(Action):
    type: ClassVar[str] = "accept"


@dataclass(frozen=True)
class Reject(Action):
    reason: str  # a key of REJECT_REASONS (not needs_more_info: that is RequestInfo)
    text: str
    duplicate_of: str | None = None
    type: ClassVar[str] = "reject"


@dataclass(frozen=True)
class RequestInfo(Action):
    items: tuple[str, ...]
    type: ClassVar[str] = "request_info"


@dataclass(frozen=True)
class Extend(Action):
    due_at: datetime
    note: str
    type: ClassVar[str] = "extend"


@dataclass(frozen=True)
class Resolve(Action):
    answer: str
    media: tuple[str, ...] = ()
    type: ClassVar[str] = "resolve"


@dataclass(frozen=True)
class Return(Action):
    reason: str
    type: ClassVar[str] = "return"


@dataclass(frozen=True)
class Reassign(Action):
    unit: str
    note: str | None = None
    type: ClassVar[str] = "reassign"


@dataclass(frozen=True)
class Hide(Action):
    reason: str
    type: ClassVar[str] = "hide"


@dataclass(frozen=True)
class Unhide(Action):
    note: str | None = None
    type: ClassVar[str] = "unhide"


@dataclass(frozen=True)
class Comment(Action):
    text: str
    type: ClassVar[str] = "comment"


@dataclass(frozen=True)
class Reopen(Action):
    reason: str
    media: tuple[str, ...] = ()
    type: ClassVar[str] = "reopen"  # the reporter, on a resolved report (issue 15, domain/citizens.py)


# ------------------------------------------------------------------------------------------------ the spec


@dataclass(frozen=True)
class Rule:
    """Who may take an action and from which statuses. `own_unit`: an officer must act for the report's unit
    (an IOC operator acts for the whole province)."""

    roles: frozenset[str]
    statuses: frozenset[Status]
    own_unit: bool = True


def _no_block(report: Report, registry: UnitRegistry) -> ActionConflict | None:
    return None


@dataclass(frozen=True, kw_only=True)
class ActionSpec(Rule):
    """Everything about one action, in one place: who and from where (`Rule`), what it leads to and what it
    writes, the refusal for a caller without the role, and its own rule.

    - `target`: the status the report moves to (None: it keeps its status); a closed target also sets
      `closed_at` and clears the overdue mark.
    - `entry_type`: the history entry's `type` (what the timeline shows); `public`: whether the entry is.
    - `forbidden`: the 403 message for a caller whose role or unit may not take it.
    - `blocked`: the 409 the report's own state gives, once role and status pass (nothing to extend, already
      at the IOC, already hidden...); the console hides the button then too.
    - `own_rule`: checks the action's values and returns the new report (through `Step.record`).
    - `button`: the console's word for it (console.md "Words on the screen"); None when the console has none.
    - `checks_itself`: the action's own rule decides who may take it, with its own refusals (the reporter's
      reopening, domain/citizens.py); roles and statuses then describe it without being applied here.
    """

    command: type[Action]
    target: Status | None
    entry_type: str
    forbidden: str
    own_rule: Callable[[Step, Any], Report]
    public: bool = True
    blocked: Callable[[Report, UnitRegistry], ActionConflict | None] = _no_block
    button: str | None = None
    checks_itself: bool = False

    @property
    def name(self) -> str:
        return self.command.type


@dataclass(frozen=True)
class Step:
    """One action being taken: its spec, the report as read, who takes it in which role, when, and what the
    rules need (calendar, deadline policy, units, the reopening policy: None for the default)."""

    spec: ActionSpec
    report: Report
    actor: Actor
    role: str | None  # None for an action that checks itself
    now: datetime
    calendar: WorkingCalendar
    policy: DeadlinePolicy
    registry: UnitRegistry
    reopen_policy: ReopenPolicy | None = None

    @property
    def was_overdue(self) -> str | None:
        since = self.report.overdue_since
        return None if since is None else since.isoformat()

    def record(
        self,
        public_text: str | None,
        internal_text: str | None = None,
        *,
        data: Mapping[str, Any] | None = None,
        **changes: Any,
    ) -> Report:
        """The report with `changes`, the status the spec leads to (closing: `closed_at` now, the overdue mark
        cleared and recorded as `was_overdue_since`) and this step's history entry appended."""
        spec, report = self.spec, self.report
        assert self.role is not None, f"{spec.name} checks itself and writes its own entry"
        closing = spec.target in CLOSED_STATUSES
        values = {
            "action": spec.name,
            "from_status": report.status.value,
            "to_status": None if spec.target is None else spec.target.value,
            **(data or {}),
            **({"was_overdue_since": self.was_overdue} if closing else {}),
        }
        entry = HistoryEntry(
            at=self.now,
            type=spec.entry_type,
            actor_sub=self.actor.sub,
            actor_role=self.role,
            actor_unit=self.actor.unit_code,
            public=spec.public,
            public_text=public_text,
            internal_text=internal_text,
            data={k: v for k, v in values.items() if v is not None},
        )
        if spec.target is not None:
            changes = {"status": spec.target, **changes}
        if closing:
            changes = {"closed_at": self.now, "overdue_since": None, **changes}
        return report.with_entry(entry, **changes)


def acting_role(rule: Rule, report: Report, actor: Actor) -> str | None:
    """The role in which `actor` may take an action under `rule`, or None (decided in domain/access.py)."""
    return access.acting_role(rule.roles, rule.own_unit, report, actor)


def refusal(
    spec: ActionSpec, report: Report, actor: Actor, registry: UnitRegistry
) -> ActionForbidden | ActionConflict | None:
    """Why `actor` may not take the action on `report` as it is now, values aside: 403 for the role or the unit,
    then 409 for the status, then 409 for the report's own state; None when they may."""
    if acting_role(spec, report, actor) is None:
        return ActionForbidden(spec.forbidden)
    if report.status not in spec.statuses:
        return ActionConflict(
            f"Không thể thực hiện thao tác '{spec.name}' khi phản ánh đang ở trạng thái "
            f"“{STATUS_LABELS[report.status]}”.",
            code="report_closed" if report.status in CLOSED_STATUSES else "transition_not_allowed",
        )
    return spec.blocked(report, registry)


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


# ------------------------------------------------------------------------------------------------ own rules


def _accept(step: Step, action: Accept) -> Report:
    unit = _unit_name(step.registry, step.report.unit_code)
    return step.record(f"{unit} đã tiếp nhận phản ánh và đang xử lý.")


def _reject(step: Step, action: Reject) -> Report:
    reason, duplicate_of = action.reason, action.duplicate_of
    reasons = _SYSTEM_REJECT_REASONS if step.role == SYSTEM else REJECT_REASONS
    if reason not in reasons:
        raise _field(ActionInvalid, "invalid_input", "reason", "Lý do từ chối không hợp lệ.")
    if reason == "duplicate":
        _check_duplicate_of(step.report, duplicate_of)
    suffix = f" (phản ánh {duplicate_of})" if reason == "duplicate" else ""
    public_text = f"Từ chối xử lý. Lý do: {reasons[reason]}{suffix}. {action.text}".strip()
    rejection = {"reason": reason, "text": action.text}
    if reason == "duplicate":
        rejection["duplicate_of"] = duplicate_of or ""
    return step.record(
        public_text,
        data={"reason": reason, "duplicate_of": duplicate_of},
        rejection=rejection,
        answer=public_text,
    )


def _check_duplicate_of(report: Report, duplicate_of: str | None) -> None:
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


def _request_info(step: Step, action: RequestInfo) -> Report:
    items = action.items
    if not items or any(not i.strip() for i in items):
        raise _field(ActionInvalid, "invalid_input", "items", "Cần ít nhất một thông tin cần bổ sung.")
    text = request_info_text(step.report.reporter.name, items)
    return step.record(
        text,
        data={"reason": "needs_more_info", "items": list(items)},
        rejection={"reason": "needs_more_info", "items": list(items)},
        answer=text,
    )


def _no_deadline(report: Report, registry: UnitRegistry) -> ActionConflict | None:
    if report.due_at is None:
        return ActionConflict("Phản ánh chưa có thời hạn giải quyết để gia hạn.", code="no_deadline")
    return None


def _extend(step: Step, action: Extend) -> Report:
    current = step.report.due_at
    assert current is not None, "refused before (_no_deadline)"
    new_due = _new_deadline(current, action.due_at, step.now)
    return step.record(
        f"Gia hạn thời gian giải quyết đến {_when(new_due)}. {action.note}".strip(),
        data={
            "previous_due_at": current.isoformat(),
            "due_at": new_due.isoformat(),
            "was_overdue_since": step.was_overdue,
        },
        due_at=new_due,
        overdue_since=None,
    )


def _new_deadline(current: datetime, asked: datetime, now: datetime) -> datetime:
    """An extension's date: after the current deadline (deadlines.validate_extension) and in the future."""
    try:
        new_due = validate_extension(current, asked)
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
    return new_due


def _resolve(step: Step, action: Resolve) -> Report:
    if not action.answer.strip():
        raise _field(ActionInvalid, "invalid_input", "answer", "Thiếu nội dung trả lời 'answer'.")
    _check_answer_media(step.report, action.media)
    return step.record(action.answer, data={"media": list(action.media) or None}, answer=action.answer)


def _check_answer_media(report: Report, keys: tuple[str, ...]) -> None:
    """Photos of the result: the report's own answer slots, uploaded."""
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


def _at_ioc(report: Report, registry: UnitRegistry) -> ActionConflict | None:
    if report.unit_code == registry.fallback.code:
        return ActionConflict("Phản ánh đang ở IOC.", code="already_at_ioc")
    return None


def _return(step: Step, action: Return) -> Report:
    ioc = step.registry.fallback
    unit = _unit_name(step.registry, step.report.unit_code)
    return step.record(
        f"{unit} chuyển trả phản ánh về {ioc.name} để phân công lại đơn vị xử lý.",
        action.reason,
        data={"from_unit": step.report.unit_code, "to_unit": ioc.code},
        **_assignment(step, ioc.code, Routing(method="manual", uncertain=False, reason="returned")),
    )


def _reassign(step: Step, action: Reassign) -> Report:
    target = _reassignment_target(step, action.unit)
    return step.record(
        f"Phản ánh được chuyển đến {target.name} để xử lý.",
        action.note,
        data={"from_unit": step.report.unit_code, "to_unit": action.unit},
        **_assignment(step, action.unit, Routing(method="manual", uncertain=False, reason=action.note)),
    )


def _reassignment_target(step: Step, code: str) -> Unit:
    """Another unit, valid today (units change over time: domain.md "Where reports go")."""
    target = step.registry.get(code)
    if target is None:
        raise _field(ActionUnprocessable, "unknown_unit", "unit", f"Không có đơn vị mã '{code}'.")
    if target not in step.registry.valid_on(step.now.astimezone(VN_TZ).date()):
        raise _field(
            ActionUnprocessable,
            "unit_not_valid",
            "unit",
            f"Đơn vị '{target.name}' không còn hoạt động.",
        )
    if code == step.report.unit_code:
        raise _field(
            ActionUnprocessable,
            "same_unit",
            "unit",
            "Phản ánh đã thuộc đơn vị này; chọn một đơn vị khác.",
        )
    return target


def _assignment(step: Step, unit: str, routing: Routing) -> dict[str, Any]:
    """The report given to `unit` from now: both deadlines restart (domain.md step 3); the table sets `assigned`."""
    deadlines = compute_deadlines(step.now, step.report.category, step.calendar, step.policy)
    return {
        "unit_code": unit,
        "routing": routing,
        "assigned_at": step.now,
        "triage_due_at": deadlines.triage_due_at,
        "due_at": deadlines.due_at,
        "overdue_since": None,
    }


def _already_hidden(report: Report, registry: UnitRegistry) -> ActionConflict | None:
    if report.hidden is not None:
        return ActionConflict("Phản ánh đã bị ẩn.", code="already_hidden")
    return None


def _hide(step: Step, action: Hide) -> Report:
    if not action.reason.strip():
        raise _field(ActionInvalid, "invalid_input", "reason", "Thiếu lý do ẩn phản ánh 'reason'.")
    return step.record(None, action.reason, hidden=Hidden(reason=action.reason, at=step.now))


def _not_hidden(report: Report, registry: UnitRegistry) -> ActionConflict | None:
    if report.hidden is None:
        return ActionConflict("Phản ánh không bị ẩn.", code="not_hidden")
    return None


def _unhide(step: Step, action: Unhide) -> Report:
    hidden = step.report.hidden
    assert hidden is not None, "refused before (_not_hidden)"
    return step.record(None, action.note, data={"hidden_reason": hidden.reason}, hidden=None)


def _comment(step: Step, action: Comment) -> Report:
    if not action.text.strip():
        raise _field(ActionInvalid, "invalid_input", "text", "Thiếu nội dung ghi chú 'text'.")
    return step.record(None, action.text)


def _reopen(step: Step, action: Reopen) -> Report:
    """The reporter's own step, with its own rules and refusals (period, count; domain/citizens.py)."""
    policy = step.reopen_policy or ReopenPolicy.default()
    return reopen(step.report, step.actor.sub, action.reason, action.media, step.now, step.calendar, policy)


# ------------------------------------------------------------------------------------------------ the table

_OPEN: Final = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})
_ANY: Final = frozenset(Status)
_OFFICER: Final = frozenset({"officer"})
_IOC: Final = frozenset({"ioc"})
# What the old system can have recorded of a report (services/imports.py): accepted, answered, rejected.
_OFFICER_OR_SYSTEM: Final = frozenset({"officer", SYSTEM})


def _table(*specs: ActionSpec) -> Mapping[str, ActionSpec]:
    table = {spec.name: spec for spec in specs}
    assert len(table) == len(specs), "one spec per action"
    return MappingProxyType(table)


# In the order the console shows the buttons: the usual next step first.
ACTIONS: Final[Mapping[str, ActionSpec]] = _table(
    ActionSpec(
        command=Accept,
        roles=_OFFICER_OR_SYSTEM,
        statuses=frozenset({Status.ASSIGNED}),
        target=Status.IN_PROGRESS,
        entry_type="accepted",
        forbidden="Chỉ cán bộ của đơn vị được giao mới tiếp nhận được phản ánh này.",
        own_rule=_accept,
        button="Tiếp nhận",
    ),
    ActionSpec(
        command=Reject,
        roles=_OFFICER_OR_SYSTEM,
        statuses=_OPEN,
        target=Status.REJECTED,
        entry_type="rejected",
        forbidden="Chỉ cán bộ của đơn vị được giao mới từ chối được phản ánh này.",
        own_rule=_reject,
        button="Từ chối",
    ),
    ActionSpec(
        command=RequestInfo,
        roles=_OFFICER,
        statuses=_OPEN,
        target=Status.REJECTED,
        entry_type="info_requested",
        forbidden="Chỉ cán bộ của đơn vị được giao mới yêu cầu bổ sung thông tin được.",
        own_rule=_request_info,
        button="Yêu cầu bổ sung thông tin",
    ),
    ActionSpec(
        command=Extend,
        roles=_OFFICER,
        statuses=frozenset({Status.IN_PROGRESS}),
        target=None,
        entry_type="extended",
        forbidden="Chỉ cán bộ của đơn vị được giao mới gia hạn được phản ánh này.",
        own_rule=_extend,
        blocked=_no_deadline,
        button="Gia hạn",
    ),
    ActionSpec(
        command=Resolve,
        roles=_OFFICER_OR_SYSTEM,
        statuses=_OPEN,
        target=Status.RESOLVED,
        entry_type="resolved",
        forbidden="Chỉ cán bộ của đơn vị được giao mới trả lời được phản ánh này.",
        own_rule=_resolve,
        button="Trả lời",
    ),
    ActionSpec(
        command=Return,
        roles=_OFFICER,
        statuses=_OPEN,
        target=Status.ASSIGNED,
        entry_type="returned",
        forbidden="Chỉ cán bộ của đơn vị được giao mới chuyển trả được phản ánh này.",
        own_rule=_return,
        blocked=_at_ioc,
        button="Trả lại IOC",
    ),
    ActionSpec(
        command=Reassign,
        roles=_IOC,
        statuses=frozenset({Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS}),
        target=Status.ASSIGNED,
        entry_type="reassigned",
        forbidden="Chỉ Tổ điều hành IOC mới chuyển phản ánh cho đơn vị khác được.",
        own_rule=_reassign,
        button="Chuyển đơn vị xử lý",
    ),
    ActionSpec(
        command=Hide,
        roles=_IOC,
        statuses=_ANY,
        target=None,
        entry_type="hidden",
        forbidden="Chỉ Tổ điều hành IOC mới ẩn được phản ánh.",
        own_rule=_hide,
        public=False,
        blocked=_already_hidden,
        button="Ẩn",
    ),
    ActionSpec(
        command=Unhide,
        roles=_IOC,
        statuses=_ANY,
        target=None,
        entry_type="unhidden",
        forbidden="Chỉ Tổ điều hành IOC mới bỏ ẩn được phản ánh.",
        own_rule=_unhide,
        public=False,
        blocked=_not_hidden,
        button="Bỏ ẩn",
    ),
    ActionSpec(
        command=Comment,
        roles=frozenset({"officer", "ioc"}),
        statuses=_ANY,
        target=None,
        entry_type="comment",
        forbidden="Chỉ cán bộ của đơn vị được giao và Tổ điều hành IOC mới ghi chú được.",
        own_rule=_comment,
        public=False,
        button="Ghi chú nội bộ",
    ),
    ActionSpec(
        command=Reopen,
        roles=frozenset({"citizen"}),
        statuses=frozenset({Status.RESOLVED}),
        own_unit=False,
        target=Status.IN_PROGRESS,
        entry_type="reopened",
        forbidden="Chỉ người gửi phản ánh mới mở lại được phản ánh.",
        own_rule=_reopen,
        checks_itself=True,  # the citizen's app, not the console: no button
    ),
)


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
    when the report's status or state does not allow it, ActionUnprocessable (422) or ActionInvalid (400)
    when a value breaks the action's rule. The report's `version` is left as read: the store's conditional
    write decides whether this change wins.
    """
    spec = ACTIONS[action.type]
    role = _admitted_role(spec, report, actor, registry)
    step = Step(spec, report, actor, role, now, calendar, policy, registry, reopen_policy)
    new = spec.own_rule(step, action)
    # A report stays marked overdue only while it still is: accepting it after a missed triage deadline, with
    # the resolution deadline still ahead, ends that, as an extension does (statistics count the mark).
    overdue_since = new.overdue_since if new.overdue_since is not None and new.is_overdue(now) else None
    return replace(new, overdue_since=overdue_since)


def _admitted_role(spec: ActionSpec, report: Report, actor: Actor, registry: UnitRegistry) -> str | None:
    """The role the actor takes the action in, or the table's refusal raised; None for an action that checks
    who takes it itself."""
    if spec.checks_itself:
        return None
    error = refusal(spec, report, actor, registry)
    if error is not None:
        raise error
    return acting_role(spec, report, actor)


# ---------------------------------------------------------------------------------------- step 5 and deleting


def give_feedback(report: Report, actor: Actor, rating: int, comment: str | None, now: datetime) -> Report:
    """The reporter rates the answer (domain.md step 5): once, on a closed report, 1 to 5.

    The rating is public (api.md `rating`); the comment is for the unit and the IOC. The import records the
    rating a citizen gave on the old system as the system actor that stands for that reporter (its sub is the
    imported report's reporter sub), so the entry says `system`.
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
        actor_role=SYSTEM if actor.has(SYSTEM) else "citizen",
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
