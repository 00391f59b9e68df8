"""Citizens' side of a report (issue 15): reopening an answer that did not fix the problem, which reports count
as "nearby", whom a step is told to and on which channels, and the short texts sent to phones.

Choices made here, beyond the letter:
- Reopening is the reporter's, on a resolved report, within `ReopenPolicy.period_days` calendar days of the
  answer (default 7), at most `max_times` (default 1). It returns the report to `in_progress` at the same
  unit with a new resolution deadline `resolution_working_days` working days from the reopening (default 6),
  counted like every deadline (Civil Code 2015, art. 147-148). The previous answer stays in the history and
  the timeline; the report's `answer` is cleared until the unit answers again.
- Followers hear of the public steps only: assigned (and reassigned), extended, answered, rejected, reopened.
  A request for more information is the reporter's business (it addresses them by name): followers hear that
  the report was not accepted, never the letter.
- Default channels: push when the citizen registered a device, else SMS; e-mail too when they gave one (the
  system told reporters by e-mail before phones, and keeps doing so unless they choose otherwise).
- SMS and push texts carry the report id, the step and a link, never a name, phone or description.

Pure domain code: standard library and sibling domain modules only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.errors import NotAllowed, TransitionNotAllowed
from chalicelib.domain.report import HistoryEntry, Report, Status

POLICY_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "deadline_policy.json"

PUSH, SMS, EMAIL = "push", "sms", "email"
CHANNELS: Final = (PUSH, SMS, EMAIL)

# How long a resolved report stays in the nearby search (issue 15: "resolved in the last 30 days").
NEARBY_RESOLVED_DAYS: Final = 30
DUPLICATE_RADIUS_M: Final = 100
NEARBY_STATUSES: Final = frozenset({Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED})

# History entry types that are public steps a follower is told of.
FOLLOWER_STEPS: Final = frozenset({"assigned", "reassigned", "extended", "resolved", "rejected", "reopened"})
REOPENED = "reopened"


# ------------------------------------------------------------------------------------------------ reopening


@dataclass(frozen=True)
class ReopenPolicy:
    period_days: int = 7
    max_times: int = 1
    resolution_working_days: int = 6

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReopenPolicy:
        known = {"period_days", "max_times", "resolution_working_days"}
        values = {k: int(v) for k, v in data.items() if not k.startswith("_")}
        if set(values) - known:
            raise ValueError(f"reopen policy: unknown keys {sorted(set(values) - known)}")
        return cls(**values)

    @classmethod
    def default(cls) -> ReopenPolicy:
        """The `reopen` entry of chalicelib/data/deadline_policy.json, loaded once per process."""
        return _default_reopen_policy()


@functools.cache
def _default_reopen_policy() -> ReopenPolicy:
    data = json.loads(POLICY_PATH.read_text(encoding="utf-8"))
    return ReopenPolicy.from_dict(data.get("reopen", {}))


@dataclass
class ReopenRefused(TransitionNotAllowed):
    """A reopening the policy does not allow (409); `code` names why."""

    code: str = "reopen_refused"


@dataclass
class NotTheReporter(NotAllowed):
    code: str = "forbidden"


def times_reopened(report: Report) -> int:
    return sum(1 for e in report.history if e.type == REOPENED)


def reopen(
    report: Report,
    actor_sub: str,
    reason: str,
    media: tuple[str, ...],
    now: datetime,
    calendar: WorkingCalendar,
    policy: ReopenPolicy,
) -> Report:
    """The reporter says the answer did not fix the problem: back to `in_progress` at the same unit with a new
    resolution deadline. Refused (409) outside the period after the answer or past the allowed number."""
    if actor_sub != report.reporter.sub:
        raise NotTheReporter("Chỉ người gửi phản ánh mới mở lại được phản ánh.")
    if report.status != Status.RESOLVED or report.closed_at is None:
        raise ReopenRefused("Chỉ mở lại được phản ánh đã được trả lời.", code="report_not_resolved")
    if times_reopened(report) >= policy.max_times:
        raise ReopenRefused(
            f"Phản ánh này đã được mở lại {policy.max_times} lần; không thể mở lại thêm.",
            code="reopen_limit_reached",
        )
    if now > report.closed_at + timedelta(days=policy.period_days):
        raise ReopenRefused(
            f"Đã quá {policy.period_days} ngày kể từ khi có câu trả lời; không thể mở lại phản ánh.",
            code="reopen_period_over",
        )
    due_at = calendar.add_working_days(now, policy.resolution_working_days)
    entry = HistoryEntry(
        at=now,
        type=REOPENED,
        actor_sub=actor_sub,
        actor_role="citizen",
        public_text=f"Người phản ánh đề nghị xử lý lại: {reason}",
        data={
            "action": "reopen",
            "from_status": report.status.value,
            "to_status": Status.IN_PROGRESS.value,
            "previous_closed_at": report.closed_at.isoformat(),
            "due_at": due_at.isoformat(),
            **({"media": list(media)} if media else {}),
        },
    )
    return report.with_entry(
        entry, status=Status.IN_PROGRESS, closed_at=None, answer=None, due_at=due_at, overdue_since=None
    )


# ------------------------------------------------------------------------------------------------ nearby


def shown_nearby(report: Report, now: datetime) -> bool:
    """Public, and open or resolved in the last NEARBY_RESOLVED_DAYS days."""
    if not report.is_public or report.status not in NEARBY_STATUSES:
        return False
    if report.status == Status.RESOLVED:
        return report.closed_at is not None and now - report.closed_at <= timedelta(days=NEARBY_RESOLVED_DAYS)
    return True


def possible_duplicate(candidate: Report, new: Report, distance: float) -> bool:
    """An open public report of the same category within DUPLICATE_RADIUS_M of a new one."""
    return (
        candidate.id != new.id
        and candidate.is_public
        and candidate.category == new.category
        and candidate.status in (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
        and distance <= DUPLICATE_RADIUS_M
    )


# ------------------------------------------------------------------------------------------------ channels


def default_channels(has_device: bool, has_email: bool) -> list[str]:
    return [PUSH if has_device else SMS, *([EMAIL] if has_email else [])]


def channels_for(chosen: Iterable[str] | None, has_device: bool, has_email: bool) -> list[str]:
    """The channels a notice goes out on: the citizen's choice when they made one, else the default."""
    if chosen is None:
        return default_channels(has_device, has_email)
    return [c for c in CHANNELS if c in set(chosen)]


_VN_MOBILE = re.compile(r"^(?:\+?84|0)(\d{9})$")


def e164_vn(phone: str | None) -> str | None:
    """A Vietnamese number in E.164 (+84 and nine digits), from the forms people write: 0912 345 678,
    84912345678, +84 912.345.678. None when it is not such a number (an SMS is then not sent)."""
    if not phone:
        return None
    digits = re.sub(r"[\s.\-()]", "", phone)
    m = _VN_MOBILE.match(digits)
    return f"+84{m.group(1)}" if m else None


# ------------------------------------------------------------------------------------------------ texts

_STEP_TEXT: Final[Mapping[str, str]] = {
    "assigned": "đã được chuyển đến {unit} xử lý",
    "reassigned": "đã được chuyển đến {unit} xử lý",
    "accepted": "đang được {unit} xử lý",
    "extended": "được gia hạn giải quyết",
    "resolved": "đã có câu trả lời",
    "rejected": "không được tiếp nhận xử lý",
    "info_requested": "cần bổ sung thông tin",
    "reopened": "đã được mở lại để xử lý tiếp",
    "hidden": "đã bị ẩn khỏi trang công khai",
    "duplicate_followed": "trùng với phản ánh {original}; bạn sẽ nhận tin về phản ánh đó",
}


def told_step(entry: HistoryEntry, report: Report) -> str:
    """The step a citizen is told of for a history entry: assigned/resolved/... (the status change when the
    entry changed it), so texts do not depend on the entry's own wording."""
    if entry.type == "rejected" and (report.rejection or {}).get("reason") == "duplicate":
        return "duplicate_followed"
    return entry.type


def phone_text(step: str, report_id: str, link: str, unit: str | None, original: str | None = None) -> str:
    """A short Vietnamese text for SMS and push: the report id, what happened and a link; nothing personal."""
    template = _STEP_TEXT.get(step, "có cập nhật mới")
    what = template.format(unit=unit or "cơ quan có thẩm quyền", original=original or "")
    return f"PAHT {report_id} {what}. Xem: {link}"
