"""Use cases of step 1 (intake) and of reading reports: submit, read, list, attach photos."""

from __future__ import annotations

import calendar as _cal
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain import access, errors
from chalicelib.domain.access import Actor
from chalicelib.domain.geo import ProvinceOutline
from chalicelib.domain.ids import is_valid_id, new_id
from chalicelib.domain.queries import PublicFilters
from chalicelib.domain.report import (
    MAX_ATTACHMENTS,
    VN_OFFSET,
    HistoryEntry,
    Location,
    Media,
    Report,
    Reporter,
)
from chalicelib.domain.units import CategoryCatalog
from chalicelib.store.reports import Page, ReportRepository

BORDER_TOLERANCE_M = 1000.0


class Place(Protocol):
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...


class Contact(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...


class Submission(Protocol):
    """What a citizen submits, as parsed at the edge (api/schemas.SubmitReport, from /v1 and Open311)."""

    @property
    def category(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def location(self) -> Place: ...
    @property
    def address(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime | None: ...
    @property
    def reporter(self) -> Contact | None: ...
    @property
    def is_test(self) -> bool: ...


def _field_error(cls: type[errors.DomainError], field: str, message: str) -> errors.DomainError:
    return cls(message, [{"field": field, "message": message}])


class ReportService:
    def __init__(self, repo: ReportRepository | None = None, quota: int = 20) -> None:
        self.repo = repo or ReportRepository()
        self.quota = quota

    # --- step 1: intake ---

    def submit(self, body: Submission, caller: Actor, now: datetime) -> Report:
        """Accept a citizen's report (api.md "Submitting a report"); routing follows from the table's stream."""
        access.check_submit(caller, body.is_test)
        if CategoryCatalog.default().get(body.category) is None:
            raise _field_error(
                errors.InvalidInput,
                "category",
                f"Lĩnh vực '{body.category}' không tồn tại; xem danh sách tại GET /v1/categories.",
            )
        lat, lng = body.location.lat, body.location.lng
        if not ProvinceOutline.default().contains(lat, lng, tolerance_m=BORDER_TOLERANCE_M):
            raise _field_error(
                errors.LocationOutsideProvince,
                "location",
                "Vị trí phản ánh nằm ngoài địa bàn tỉnh Điện Biên. Vui lòng chọn lại vị trí trên bản đồ.",
            )
        name, phone = _contact(body, caller)
        if body.occurred_at is not None and body.occurred_at > now + timedelta(minutes=10):
            raise _field_error(
                errors.InvalidInput,
                "occurred_at",
                "Trường 'occurred_at' không được là thời điểm trong tương lai.",
            )
        report = _new_report(body, caller, name, phone, now)
        quota_key = None
        if not caller.has("tech"):
            day = now.astimezone(VN_OFFSET).date()
            quota_key = (f"quota#{caller.sub}", day.isoformat())
        expires = _cal.timegm((now + timedelta(days=2)).utctimetuple())
        self.repo.create(report, quota_key, self.quota, expires)
        return report

    # --- reading ---

    def get(self, report_id: str) -> Report:
        report = self.repo.get(report_id) if is_valid_id(report_id) else None
        if report is None:
            raise errors.ReportNotFound("Không tìm thấy phản ánh.")
        return report

    def public_page(self, filters: PublicFilters, limit: int, cursor: str | None) -> Page:
        return self.repo.public_page(filters, limit, cursor)

    def mine(self, caller: Actor, limit: int, cursor: str | None) -> Page:
        return self.repo.by_reporter(caller.sub, limit, cursor)

    # --- attachments ---

    def reserve_attachment(
        self, report_id: str, caller: Actor, content_type: str, size: int, purpose: str, now: datetime
    ) -> tuple[Report, Media]:
        """Reserve an upload slot: the reporter for their report, the unit's officer for photos of the result.
        A slot is only appended, so a save that lost a race (another slot, an upload, an action) is redone on
        the fresh report rather than refused: an app reserving several photos at once gets them all."""
        from chalicelib.media import LIMITS, media_key

        def add_slot(report: Report) -> Report:
            _check_attachment(report, caller, content_type, size, purpose)
            media = Media(
                key=media_key(report.id, new_id(int(now.timestamp() * 1000)), content_type),
                content_type=content_type,
                max_bytes=LIMITS[content_type][0],
                reserved_at=now,
                purpose=purpose,
            )
            return replace(report, media=(*report.media, media))

        saved = self.repo.update(report_id, add_slot, first=self.get(report_id)).report
        if saved is None:  # deleted (a test report) while we were adding the slot
            raise errors.ReportNotFound("Không tìm thấy phản ánh.")
        return saved, saved.media[-1]  # add_slot appends or raises

    def media_uploaded(self, key: str, size: int) -> Report | None:
        """S3 says an object arrived: mark its slot uploaded (idempotent; unknown keys are ignored).
        Photos are uploaded in parallel, so the marks race one another: a lost race is redone on the fresh
        report (S3's own retries of a failed event are few and minutes apart)."""
        from chalicelib.media import report_id_from_key

        report_id = report_id_from_key(key)
        if report_id is None or not is_valid_id(report_id):
            return None

        def mark(report: Report) -> Report | None:
            slots = [m for m in report.media if m.key == key]
            if not slots or slots[0].uploaded:
                return None
            media = tuple(replace(m, uploaded=True, size=size) if m.key == key else m for m in report.media)
            return replace(report, media=media)

        return self.repo.update(report_id, mark).report


def _contact(body: Submission, caller: Actor) -> tuple[str, str]:
    """The reporter's name and phone: the body's, else the account's (both required)."""
    given = body.reporter
    name = (given.name if given else None) or caller.name
    phone = (given.phone if given else None) or caller.phone
    if not name:
        raise _field_error(errors.InvalidInput, "reporter.name", "Thiếu trường bắt buộc 'reporter.name'.")
    if not phone:
        raise _field_error(errors.InvalidInput, "reporter.phone", "Thiếu trường bắt buộc 'reporter.phone'.")
    return name, phone


def _new_report(body: Submission, caller: Actor, name: str, phone: str, now: datetime) -> Report:
    """The report as received. Official e-mail goes to the account's verified address alone (None when it has
    none): the body may add a contact name and phone, but must not make the system write to an address of its
    choosing."""
    return Report(
        id=new_id(int(now.timestamp() * 1000)),
        category=body.category,
        description=body.description,
        location=Location(body.location.lat, body.location.lng),
        address=body.address,
        occurred_at=body.occurred_at,
        reporter=Reporter(sub=caller.sub, name=name, phone=phone, email=caller.email),
        received_at=now,
        is_test=body.is_test,
        history=(
            HistoryEntry(
                at=now,
                type="received",
                actor_sub=caller.sub,
                actor_role="tech" if caller.has("tech") else "citizen",
                public_text="Hệ thống đã tiếp nhận phản ánh.",
            ),
        ),
    )


def _check_attachment(report: Report, caller: Actor, content_type: str, size: int, purpose: str) -> None:
    """Whether the caller may attach this file to the report now (404, 403, 400, 409 otherwise)."""
    from chalicelib.media import LIMITS

    access.check_attach(report, caller, purpose)
    max_bytes = LIMITS[content_type][0]
    if size > max_bytes:
        message = f"Tệp {content_type} chỉ được tối đa {max_bytes // (1024 * 1024)} MB."
        raise _field_error(errors.InvalidInput, "size", message)
    if sum(1 for m in report.media if m.purpose == purpose) >= MAX_ATTACHMENTS:
        raise errors.AttachmentLimit(f"Mỗi phản ánh chỉ được đính kèm tối đa {MAX_ATTACHMENTS} tệp.")
