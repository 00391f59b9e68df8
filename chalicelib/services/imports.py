"""Importing historical reports (issue 7): the province's old system's reports enter as live ones do.

A line of the JSON Lines file becomes a `received` report with its original receipt time and one history
entry of type `imported` (the source, the external id, and what the old system says happened next). It is
stored with one conditional put, under an id derived from the external id (or from the line's content), so
importing a file twice stores nothing twice. From there it takes the SAME stream path as a live report:

1. the routing consumer (chalicelib/services/routing.py) routes it with the units valid on its day of receipt
   and, seeing the `imported` entry, takes its receipt as the assignment instant, so its deadlines are the
   ones it had then;
2. `complete_imported` (a stream consumer, below) then takes the old system's outcome through the workflow
   (domain/workflow.py), as the system actor `importer` and at the original times: accepted (in progress),
   resolved (answer, closing time) or rejected, and the citizen's rating if any. The history entries are the
   workflow's own, as for a live report; only their actor (`system`, sub `import:<source>`) says they came
   from the old system;
3. the statistics counters count every step, and the deadline watch marks the ones still open and overdue.

Format and command: docs/statistics.md ("Importing historical reports"), tools/import_reports.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.report import (
    HistoryEntry,
    Location,
    Report,
    Reporter,
    Status,
    parse_instant,
)
from chalicelib.domain.units import CategoryCatalog

if TYPE_CHECKING:
    from chalicelib.domain import workflow
    from chalicelib.services.stream import ReportChange
    from chalicelib.store.reports import ReportRepository

IMPORTED = "imported"  # the history entry type the routing consumer recognises
IMPORT_SUB_PREFIX = "import:"
DEFAULT_REPORTER_NAME = "Người phản ánh (dữ liệu nhập từ hệ thống cũ)"
DEFAULT_ANSWER = "Đã giải quyết (nội dung trả lời lưu tại hệ thống cũ)."
STATUSES = ("received", "assigned", "in_progress", "resolved", "rejected")
CLOSED = ("resolved", "rejected")
BORDER_TOLERANCE_M = 1000.0
IMPORT_CHUNK = 100  # reports checked for presence per BatchGetItem (DynamoDB's limit)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ImportRecord:
    """One valid line: what the old system knew of a report."""

    line: int
    received_at: datetime
    assigned_at: datetime | None
    lat: float
    lng: float
    category: str
    description: str
    status: str
    closed_at: datetime | None
    answer: str | None
    rating: int | None
    external_id: str | None
    address: str | None
    reporter_name: str | None
    reporter_phone: str | None
    reporter_email: str | None
    fingerprint: str


@dataclass
class LineError:
    line: int
    errors: list[dict[str, str]]

    def text(self) -> str:
        return f"dòng {self.line}: " + "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    bad_lines: list[LineError] = field(default_factory=list)
    total_lines: int = 0


def deterministic_id(received_at: datetime, fingerprint: str) -> str:
    """A ULID whose time part is the receipt (so ids still sort by time) and whose 80 "random" bits come from
    the fingerprint: the same line gives the same id on every import."""
    ms = int(received_at.timestamp() * 1000)
    bits = int.from_bytes(hashlib.sha256(fingerprint.encode("utf-8")).digest()[:10], "big")
    value = (ms << 80) | bits
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _instant(obj: dict[str, Any], key: str, errs: list[dict[str, str]], now: datetime) -> datetime | None:
    value = obj.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        instant = parse_instant(value)
    except ValueError:
        errs.append(
            {
                "field": key,
                "message": "phải là thời điểm ISO 8601 có múi giờ (ví dụ 2024-04-02T08:15:00+07:00)",
            }
        )
        return None
    if instant > now:
        errs.append({"field": key, "message": "không được là thời điểm trong tương lai"})
        return None
    return instant


def _text(obj: dict[str, Any], key: str, errs: list[dict[str, str]], lo: int, hi: int) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not lo <= len(value.strip()) <= hi:
        errs.append({"field": key, "message": f"phải là chuỗi ký tự dài {lo}–{hi} ký tự"})
        return None
    return value.strip()


def parse_line(text: str, line: int, now: datetime) -> ImportRecord | LineError | None:
    """Validate one line; None for a blank line. Every problem of the line is reported, not just the first,
    field by field in the order of the format (docs/statistics.md)."""
    if not text.strip():
        return None
    obj = _json_object(text, line)
    if isinstance(obj, LineError):
        return obj
    errs: list[dict[str, str]] = []
    received_at = _required(obj, "received_at", errs, _instant(obj, "received_at", errs, now))
    lat, lng = _location(obj, errs)
    category = _category(obj, errs)
    description = _required(obj, "description", errs, _text(obj, "description", errs, 10, 4000))
    status = _status(obj, errs)
    assigned_at, closed_at = _handling_times(obj, status, received_at, errs, now)
    answer = _text(obj, "answer", errs, 1, 4000)
    rating = _rating(obj, status, errs)
    external_id = _text(obj, "external_id", errs, 1, 100)
    address = _text(obj, "address", errs, 1, 500)
    names = _reporter(obj, errs)
    if errs or received_at is None or lat is None or lng is None or description is None:
        return LineError(line, errs or [{"field": "line", "message": "không hợp lệ"}])
    return ImportRecord(
        line=line,
        received_at=received_at,
        assigned_at=assigned_at,
        lat=lat,
        lng=lng,
        category=str(category),
        description=description,
        status=status,
        closed_at=closed_at,
        answer=answer,
        rating=rating,
        external_id=external_id,
        address=address,
        reporter_name=names["name"],
        reporter_phone=names["phone"],
        reporter_email=names["email"],
        fingerprint=_fingerprint(obj, external_id),
    )


def _json_object(text: str, line: int) -> dict[str, Any] | LineError:
    try:
        obj = json.loads(text)
    except ValueError:
        return LineError(line, [{"field": "line", "message": "không phải JSON hợp lệ"}])
    if not isinstance(obj, dict):
        return LineError(line, [{"field": "line", "message": "phải là một đối tượng JSON"}])
    return obj


def _required[T](obj: dict[str, Any], key: str, errs: list[dict[str, str]], value: T | None) -> T | None:
    """`value`, after noting a missing `key` (its other problems are already noted)."""
    if obj.get(key) is None:
        errs.append({"field": key, "message": "thiếu trường bắt buộc"})
    return value


def _location(obj: dict[str, Any], errs: list[dict[str, str]]) -> tuple[float | None, float | None]:
    """{lat, lng}: numbers, inside the province (with BORDER_TOLERANCE_M for points drawn on its border)."""
    from chalicelib.domain.geo import ProvinceOutline

    loc = obj.get("location")
    if not isinstance(loc, dict):
        errs.append({"field": "location", "message": "thiếu hoặc không phải đối tượng {lat, lng}"})
        return None, None
    lat, lng = loc.get("lat"), loc.get("lng")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lng)):
        errs.append({"field": "location", "message": "lat và lng phải là số"})
        return None, None
    if not ProvinceOutline.default().contains(float(lat), float(lng), tolerance_m=BORDER_TOLERANCE_M):  # type: ignore[arg-type]
        errs.append({"field": "location", "message": "vị trí nằm ngoài địa bàn tỉnh Điện Biên"})
        return None, None
    return float(lat), float(lng)


def _category(obj: dict[str, Any], errs: list[dict[str, str]]) -> Any:
    category = obj.get("category")
    if not isinstance(category, str) or CategoryCatalog.default().get(category) is None:
        errs.append({"field": "category", "message": "lĩnh vực không tồn tại (xem GET /v1/categories)"})
    return category


def _status(obj: dict[str, Any], errs: list[dict[str, str]]) -> str:
    status = obj.get("status", "assigned")
    if status not in STATUSES:
        errs.append({"field": "status", "message": "phải là một trong " + ", ".join(STATUSES)})
    return str(status)


def _handling_times(
    obj: dict[str, Any], status: str, received_at: datetime | None, errs: list[dict[str, str]], now: datetime
) -> tuple[datetime | None, datetime | None]:
    """When the old system forwarded the report (optional) and closed it (exactly for a closed one), in order."""
    assigned_at = _instant(obj, "assigned_at", errs, now)
    if assigned_at is not None and received_at is not None and assigned_at < received_at:
        errs.append({"field": "assigned_at", "message": "không được trước thời điểm tiếp nhận"})
    closed_at = _instant(obj, "closed_at", errs, now)
    if status in CLOSED and obj.get("closed_at") is None:
        errs.append({"field": "closed_at", "message": "bắt buộc với phản ánh đã đóng (resolved, rejected)"})
    if status not in CLOSED and obj.get("closed_at") is not None:
        errs.append({"field": "closed_at", "message": "chỉ dùng cho phản ánh đã đóng (resolved, rejected)"})
    if closed_at is not None and closed_at < (assigned_at or received_at or closed_at):
        errs.append(
            {"field": "closed_at", "message": "không được trước thời điểm tiếp nhận hoặc chuyển xử lý"}
        )
    return assigned_at, closed_at


def _rating(obj: dict[str, Any], status: str, errs: list[dict[str, str]]) -> int | None:
    rating = obj.get("rating")
    if rating is None:
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errs.append({"field": "rating", "message": "phải là số nguyên từ 1 đến 5"})
        return None
    if status not in CLOSED:
        errs.append({"field": "rating", "message": "chỉ phản ánh đã đóng mới có đánh giá"})
    return rating


def _reporter(obj: dict[str, Any], errs: list[dict[str, str]]) -> dict[str, str | None]:
    reporter = obj.get("reporter") or {}
    if not isinstance(reporter, dict):
        errs.append({"field": "reporter", "message": "phải là đối tượng {name, phone, email}"})
        reporter = {}
    return {k: _text(reporter, k, errs, 1, 254) for k in ("name", "phone", "email")}


def _fingerprint(obj: dict[str, Any], external_id: str | None) -> str:
    """What makes a line the same line on every import: its external id, or else its whole content."""
    if external_id:
        return f"ext:{external_id}"
    return "line:" + json.dumps(obj, sort_keys=True, ensure_ascii=False)


def to_report(record: ImportRecord, source: str, now: datetime) -> Report:
    """The `received` report the import stores; what happened next rides in the `imported` entry's data."""
    outcome: dict[str, Any] = {"status": record.status}
    if record.closed_at is not None:
        outcome["closed_at"] = record.closed_at.isoformat()
    if record.answer is not None:
        outcome["answer"] = record.answer
    if record.rating is not None:
        outcome["rating"] = record.rating
    data: dict[str, Any] = {
        "source": source,
        "imported_at": now.isoformat(),
        "line": record.line,
        "outcome": outcome,
    }
    if record.external_id:
        data["external_id"] = record.external_id
    if record.assigned_at is not None:  # the routing consumer takes it as the assignment instant
        data["assigned_at"] = record.assigned_at.isoformat()
    return Report(
        id=deterministic_id(record.received_at, record.fingerprint),
        category=record.category,
        description=record.description,
        location=Location(record.lat, record.lng),
        address=record.address,
        reporter=Reporter(
            sub=f"{IMPORT_SUB_PREFIX}{source}",
            name=record.reporter_name or DEFAULT_REPORTER_NAME,
            phone=record.reporter_phone or "",
            email=record.reporter_email,
        ),
        received_at=record.received_at,
        history=(
            HistoryEntry(
                at=record.received_at,  # history stays in time order: routing appends at the receipt too
                type=IMPORTED,
                actor_sub=None,
                actor_role="system",
                public=True,
                public_text="Phản ánh được tiếp nhận trên hệ thống cũ và chuyển sang hệ thống này.",
                data=data,
            ),
        ),
    )


def read_lines(lines: Iterable[str], now: datetime) -> tuple[list[ImportRecord], list[LineError], int]:
    records: list[ImportRecord] = []
    bad: list[LineError] = []
    count = 0
    for number, text in enumerate(lines, start=1):
        count = number
        parsed = parse_line(text, number, now)
        if isinstance(parsed, LineError):
            bad.append(parsed)
        elif parsed is not None:
            records.append(parsed)
    return records, bad, count


def import_lines(
    lines: Iterable[str],
    source: str,
    repo: ReportRepository | None = None,
    clock: Callable[[], datetime] = _now,
    dry_run: bool = False,
) -> ImportResult:
    """Validate every line, then store each valid one with one conditional put (nothing half-written: a bad
    line stores nothing, a stored line is a whole report). Already-imported lines are left alone."""
    from chalicelib.domain.errors import ConcurrentUpdate

    now = clock()
    records, bad, count = read_lines(lines, now)
    result = ImportResult(bad_lines=bad, total_lines=count)
    if dry_run:
        result.imported = [to_report(r, source, now).id for r in records]
        return result
    if repo is None:
        from chalicelib.store.reports import ReportRepository

        repo = ReportRepository()
    if hasattr(
        repo, "create_absent"
    ):  # batch writes (issue 17): checked for presence, then written 25 a request
        for start in range(0, len(records), IMPORT_CHUNK):
            chunk: dict[str, Report] = {}
            for record in records[start : start + IMPORT_CHUNK]:
                report = to_report(record, source, now)
                if report.id in chunk:  # the same line twice in the file: stored once, as before
                    result.already_there.append(report.id)
                chunk[report.id] = report
            there = set(repo.create_absent(list(chunk.values())))
            result.already_there += [i for i in chunk if i in there]
            result.imported += [i for i in chunk if i not in there]
        return result
    for record in records:
        report = to_report(record, source, now)
        try:
            repo.create(report, None, 0, 0)
        except Exception as e:
            if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                result.already_there.append(report.id)
                continue
            if isinstance(e, ConcurrentUpdate):  # pragma: no cover - defensive
                result.already_there.append(report.id)
                continue
            raise
        result.imported.append(report.id)
    return result


# --- the stream consumer: the old system's outcome, once the report is routed ---


def imported_entry(report: Report) -> HistoryEntry | None:
    return next((e for e in report.history if e.type == IMPORTED), None)


def outcome_applied(report: Report) -> bool:
    """Whether the old system's outcome is in the history already: a step the import took as the system or,
    in reports stored before it went through the workflow, an entry it marked `import_outcome`."""
    return any(e.data.get("import_outcome") or _taken_by_the_import(e) for e in report.history)


def _taken_by_the_import(entry: HistoryEntry) -> bool:
    from chalicelib.domain.workflow import SYSTEM

    return entry.actor_role == SYSTEM and (entry.actor_sub or "").startswith(IMPORT_SUB_PREFIX)


def importer(report: Report) -> workflow.Actor:
    """The import acting on one of its reports: the system, under the sub it gave the report's reporter
    ('import:<source>'), for the unit the report was routed to. It stands for the old system, where the unit
    answered and the citizen rated; the workflow's table says which steps the system may take."""
    from chalicelib.domain.workflow import system_actor

    return system_actor(report.reporter.sub, report.unit_code)


def apply_outcome(report: Report, entry: HistoryEntry) -> Report | None:
    """The report after the old system's outcome (accepted, resolved or rejected, and the rating), taken
    through the workflow by the importer at the original times; None when there is nothing to apply."""
    from chalicelib.domain import workflow  # with the calendar: only when an outcome is applied

    outcome = entry.data.get("outcome") or {}
    status = outcome.get("status")
    actor = importer(report)
    if status == Status.IN_PROGRESS.value:
        return _take(report, workflow.Accept(), actor, report.assigned_at or report.received_at)
    if status not in CLOSED:
        return None
    closed_at = parse_instant(outcome["closed_at"])
    answer = outcome.get("answer")
    closing: workflow.Action
    if status == Status.RESOLVED.value:
        closing = workflow.Resolve(answer=answer or DEFAULT_ANSWER)
    else:  # the old system kept no reason: the system's own one says so
        closing = workflow.Reject(reason=workflow.IMPORTED_REASON, text=answer or "")
    closed = _take(report, closing, actor, closed_at)
    rating = outcome.get("rating")
    if isinstance(rating, int):
        closed = workflow.give_feedback(closed, actor, rating, None, closed_at)
    return closed


def _take(report: Report, action: workflow.Action, actor: workflow.Actor, at: datetime) -> Report:
    from chalicelib.domain import workflow
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy
    from chalicelib.domain.units import UnitRegistry

    return workflow.apply_action(
        report, action, actor, at, WorkingCalendar.default(), DeadlinePolicy.default(), UnitRegistry.default()
    )


def complete_imported(change: ReportChange, repo: ReportRepository | None = None) -> None:
    """Stream consumer: once an imported report has been routed (it is `assigned`), apply the old system's
    outcome. The write is conditional on the version read and the status still `assigned`; the outcome is
    applied once (its entries are marked), so a redelivery or a later reassignment does not repeat it."""
    from chalicelib.domain.errors import ConcurrentUpdate

    current = change.new
    if current is None or current.status != Status.ASSIGNED or current.unit_code is None:
        return
    if imported_entry(current) is None or outcome_applied(current):
        return
    if repo is None:
        from chalicelib.store.reports import ReportRepository

        repo = ReportRepository()
    from chalicelib.store.models import ReportItem

    for _ in range(3):
        if current is None or current.status != Status.ASSIGNED or outcome_applied(current):
            return
        entry = imported_entry(current)
        changed = apply_outcome(current, entry) if entry is not None else None
        if changed is None:
            return
        try:
            repo.save(changed, extra_condition=ReportItem.status == Status.ASSIGNED.value)
            return
        except ConcurrentUpdate:
            current = repo.get(current.id)
    raise ConcurrentUpdate(f"imported report {change.new.id if change.new else ''} kept changing")
