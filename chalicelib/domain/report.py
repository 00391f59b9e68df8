"""The field report (phản ánh hiện trường): its states, its history and its public and private faces.

domain.md, "Lifecycle": a report is received (step 1), assigned to a handling unit (step 2), accepted or
rejected (step 3), answered (step 4) and rated (step 5). `rejected` and `resolved` are closed. Every change is
an entry in the history that is never rewritten; the public timeline is the public subset of that history.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from chalicelib.domain.instants import utc_text as utc_text  # re-exported: stored instants
from chalicelib.domain.media import MediaState, Rendition


class Status(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REJECTED = "rejected"
    RESOLVED = "resolved"


STATUS_LABELS: dict[Status, str] = {
    Status.RECEIVED: "Đã tiếp nhận",
    Status.ASSIGNED: "Đã chuyển xử lý",
    Status.IN_PROGRESS: "Đang xử lý",
    Status.REJECTED: "Từ chối xử lý",
    Status.RESOLVED: "Đã giải quyết",
}

CLOSED_STATUSES = frozenset({Status.REJECTED, Status.RESOLVED})
OPEN_STATUSES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})

MAX_ATTACHMENTS = 10

# Vietnam keeps UTC+7 all year (no DST): answers show instants in +07:00 (api.md).
VN_OFFSET = timezone(timedelta(hours=7))


def vn_time(instant: datetime | None) -> datetime | None:
    return None if instant is None else instant.astimezone(VN_OFFSET)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant with an offset (a trailing Z included)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"instant without offset: {text}")
    return value


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float


@dataclass(frozen=True)
class Reporter:
    """Personal data (Nghị định 13/2023): shown only to the reporter, the assigned unit and the IOC."""

    sub: str
    name: str
    phone: str
    email: str | None = None


@dataclass(frozen=True)
class Media:
    """An attachment slot: reserved when the app asks for an upload URL, `uploaded` once the object exists."""

    key: str
    content_type: str
    max_bytes: int
    reserved_at: datetime
    uploaded: bool = False
    size: int | None = None
    purpose: str = "report"  # "report" (the citizen's) or "answer" (photos of the result)
    # Issue 16: set by the upload handler once it has looked at the bytes (domain/media.py).
    state: MediaState = MediaState.PROCESSING
    reason: str | None = None  # a key of domain.media.REASONS when rejected
    real_type: str | None = None  # the type read from the bytes
    renditions: tuple[Rendition, ...] = ()


@dataclass(frozen=True)
class Routing:
    method: str  # polygon | nearest | fallback | category_rule | manual
    uncertain: bool
    distance_m: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Hidden:
    reason: str
    at: datetime


@dataclass(frozen=True)
class Feedback:
    rating: int
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One thing that happened to a report. Never rewritten; `public_text` is what the timeline shows."""

    at: datetime
    type: str
    actor_sub: str | None
    actor_role: str  # citizen | officer | ioc | tech | system
    actor_unit: str | None = None
    public: bool = True
    public_text: str | None = None
    internal_text: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    id: str
    category: str
    description: str
    location: Location
    reporter: Reporter
    received_at: datetime
    status: Status = Status.RECEIVED
    address: str | None = None
    occurred_at: datetime | None = None
    is_test: bool = False
    unit_code: str | None = None
    routing: Routing | None = None
    assigned_at: datetime | None = None
    triage_due_at: datetime | None = None
    due_at: datetime | None = None
    closed_at: datetime | None = None
    answer: str | None = None
    rejection: dict[str, Any] | None = None
    media: tuple[Media, ...] = ()
    hidden: Hidden | None = None
    feedback: Feedback | None = None
    history: tuple[HistoryEntry, ...] = ()
    # Deadlines for which the unit was already told (reminder or breach), keyed "kind:deadline".
    notices: tuple[str, ...] = ()
    # Set by the deadline watch when a deadline has passed; cleared by an extension or closing.
    overdue_since: datetime | None = None
    # Citizens who follow the report ("tôi cũng gặp vấn đề này", issue 15): a count; who they are is in the
    # ledger (store/citizens.py), never in the report.
    followers: int = 0
    version: int = 0

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_public(self) -> bool:
        """Listed publicly: neither hidden (Điều 9) nor a technical test report."""
        return self.hidden is None and not self.is_test

    @property
    def current_deadline(self) -> datetime | None:
        """The deadline the unit must meet next: triage while the report waits to be accepted, then resolution."""
        if self.is_closed:
            return None
        if self.status == Status.ASSIGNED and self.triage_due_at is not None:
            return min(self.triage_due_at, self.due_at) if self.due_at else self.triage_due_at
        return self.due_at

    def is_overdue(self, now: datetime) -> bool:
        """domain.md: overdue (quá hạn) when the current deadline has passed and the report is not closed.
        While a report waits for triage, a missed triage deadline (1 working day) already makes it overdue."""
        deadline = self.current_deadline
        return deadline is not None and now > deadline

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def with_entry(self, entry: HistoryEntry, **changes: Any) -> Report:
        """A new version of the report with `changes` applied and `entry` appended to its history."""
        return replace(self, history=(*self.history, entry), **changes)

    def timeline(self) -> list[HistoryEntry]:
        return [e for e in self.history if e.public]


# --- serialisation: the store keeps a report as one JSON document; stream consumers decode the same ---


def _dt(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)


def _pdt(value: str | None) -> datetime | None:
    return None if value is None else parse_instant(value)


def report_to_doc(report: Report) -> dict[str, Any]:
    """The report as JSON-safe data (instants in UTC text). The keys and their order are the stored format:
    documents written since the first version must still load (`report_from_doc`)."""
    return {
        "id": report.id,
        "category": report.category,
        "description": report.description,
        "location": {"lat": report.location.lat, "lng": report.location.lng},
        "reporter": _reporter_doc(report.reporter),
        "received_at": _dt(report.received_at),
        "status": report.status.value,
        "address": report.address,
        "occurred_at": _dt(report.occurred_at),
        "is_test": report.is_test,
        "unit_code": report.unit_code,
        "routing": None if report.routing is None else _routing_doc(report.routing),
        "assigned_at": _dt(report.assigned_at),
        "triage_due_at": _dt(report.triage_due_at),
        "due_at": _dt(report.due_at),
        "closed_at": _dt(report.closed_at),
        "answer": report.answer,
        "rejection": report.rejection,
        "media": [_media_doc(m) for m in report.media],
        "hidden": None
        if report.hidden is None
        else {"reason": report.hidden.reason, "at": _dt(report.hidden.at)},
        "feedback": None if report.feedback is None else _feedback_doc(report.feedback),
        "history": [_entry_doc(e) for e in report.history],
        "notices": list(report.notices),
        "overdue_since": _dt(report.overdue_since),
        "followers": report.followers,
        "version": report.version,
    }


def _reporter_doc(reporter: Reporter) -> dict[str, Any]:
    return {"sub": reporter.sub, "name": reporter.name, "phone": reporter.phone, "email": reporter.email}


def _routing_doc(routing: Routing) -> dict[str, Any]:
    return {
        "method": routing.method,
        "uncertain": routing.uncertain,
        "distance_m": routing.distance_m,
        "reason": routing.reason,
    }


def _media_doc(m: Media) -> dict[str, Any]:
    return {
        "key": m.key,
        "content_type": m.content_type,
        "max_bytes": m.max_bytes,
        "reserved_at": _dt(m.reserved_at),
        "uploaded": m.uploaded,
        "size": m.size,
        "purpose": m.purpose,
        "state": m.state.value,
        "reason": m.reason,
        "real_type": m.real_type,
        "renditions": [
            {"size": r.size, "key": r.key, "width": r.width, "height": r.height, "bytes": r.bytes}
            for r in m.renditions
        ],
    }


def _feedback_doc(feedback: Feedback) -> dict[str, Any]:
    return {"rating": feedback.rating, "comment": feedback.comment, "at": _dt(feedback.at)}


def _entry_doc(e: HistoryEntry) -> dict[str, Any]:
    return {
        "at": _dt(e.at),
        "type": e.type,
        "actor_sub": e.actor_sub,
        "actor_role": e.actor_role,
        "actor_unit": e.actor_unit,
        "public": e.public,
        "public_text": e.public_text,
        "internal_text": e.internal_text,
        "data": e.data,
    }


def report_from_doc(doc: dict[str, Any]) -> Report:
    """The inverse of `report_to_doc`; keys added over time are optional, with the defaults they had."""
    routing, hidden, feedback = doc.get("routing"), doc.get("hidden"), doc.get("feedback")
    received_at = parse_instant(doc["received_at"])
    return Report(
        id=doc["id"],
        category=doc["category"],
        description=doc["description"],
        location=Location(float(doc["location"]["lat"]), float(doc["location"]["lng"])),
        reporter=Reporter(**doc["reporter"]),
        received_at=received_at,
        status=Status(doc["status"]),
        address=doc.get("address"),
        occurred_at=_pdt(doc.get("occurred_at")),
        is_test=bool(doc.get("is_test", False)),
        unit_code=doc.get("unit_code"),
        routing=None if routing is None else Routing(**routing),
        assigned_at=_pdt(doc.get("assigned_at")),
        triage_due_at=_pdt(doc.get("triage_due_at")),
        due_at=_pdt(doc.get("due_at")),
        closed_at=_pdt(doc.get("closed_at")),
        answer=doc.get("answer"),
        rejection=doc.get("rejection"),
        media=tuple(_media_from_doc(m) for m in doc.get("media", [])),
        hidden=None if hidden is None else Hidden(reason=hidden["reason"], at=parse_instant(hidden["at"])),
        feedback=None if feedback is None else _feedback_from_doc(feedback),
        history=tuple(_entry_from_doc(e) for e in doc.get("history", [])),
        notices=tuple(doc.get("notices", [])),
        overdue_since=_pdt(doc.get("overdue_since")),
        followers=int(doc.get("followers", 0)),
        version=int(doc.get("version", 0)),
    )


def _media_from_doc(m: dict[str, Any]) -> Media:
    return Media(
        key=m["key"],
        content_type=m["content_type"],
        max_bytes=int(m["max_bytes"]),
        reserved_at=parse_instant(m["reserved_at"]),
        uploaded=bool(m.get("uploaded", False)),
        size=m.get("size"),
        purpose=m.get("purpose", "report"),
        state=MediaState(m.get("state", MediaState.PROCESSING)),
        reason=m.get("reason"),
        real_type=m.get("real_type"),
        renditions=tuple(
            Rendition(r["size"], r["key"], int(r["width"]), int(r["height"]), int(r["bytes"]))
            for r in m.get("renditions", [])
        ),
    )


def _feedback_from_doc(feedback: dict[str, Any]) -> Feedback:
    return Feedback(
        rating=int(feedback["rating"]), comment=feedback.get("comment"), at=parse_instant(feedback["at"])
    )


def _entry_from_doc(e: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        at=parse_instant(e["at"]),
        type=e["type"],
        actor_sub=e.get("actor_sub"),
        actor_role=e["actor_role"],
        actor_unit=e.get("actor_unit"),
        public=bool(e.get("public", True)),
        public_text=e.get("public_text"),
        internal_text=e.get("internal_text"),
        data=e.get("data") or {},
    )
