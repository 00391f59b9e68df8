"""Use cases of Open311 GeoReport v2 (docs/open311.md): client keys issued by the IOC, filing a report through the
same intake as `POST /v1/reports`, and reading public reports and their updates page by page."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import errors
from chalicelib.domain.ids import is_valid_id
from chalicelib.domain.open311 import key_id_of
from chalicelib.domain.report import HistoryEntry, Report, utc_text
from chalicelib.services.reports import ReportService
from chalicelib.store.open311 import ApiKeyRecord, ApiKeyStore, Open311Reports, RequestWindow
from chalicelib.store.reports import Page

DEFAULT_RATE_LIMIT = 120  # requests per hour and key: a busy 311 app files a few reports a minute at most
# Updates are found through the reports received before them; a report answered later than this after its
# receipt is not in the updates of that day (docs/open311.md). Deadlines are 6 working days.
UPDATES_LOOKBACK = timedelta(days=90)


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    record: ApiKeyRecord
    api_key: str  # shown once, never stored


class ApiKeys:
    """The IOC's registry of Open311 client applications."""

    def __init__(self, store: ApiKeyStore | None = None) -> None:
        self.store = store or ApiKeyStore()

    def issue(self, name: str, rate_limit_per_hour: int | None, now: datetime) -> IssuedKey:
        key_id = secrets.token_hex(6)
        api_key = f"o311.{key_id}.{secrets.token_urlsafe(32)}"
        record = ApiKeyRecord(
            key_id=key_id,
            name=name,
            key_hash=hash_key(api_key),
            rate_limit_per_hour=rate_limit_per_hour or DEFAULT_RATE_LIMIT,
            created_at=utc_text(now),
        )
        self.store.add(record)
        return IssuedKey(record, api_key)

    def revoke(self, key_id: str, now: datetime) -> ApiKeyRecord:
        record = self.store.revoke(key_id, now)
        if record is None:
            raise errors.ReportNotFound(f"Không có khóa Open311 '{key_id}'.")
        return record

    def all(self) -> list[ApiKeyRecord]:
        return self.store.all()

    def authenticate(self, api_key: str | None, now: datetime) -> ApiKeyRecord:
        """The client behind `api_key`, its use counted: a wrong, unknown or revoked key is 403, a key past its
        hourly allowance 429."""
        key_id = key_id_of(api_key or "")
        record = self.store.get(key_id) if key_id else None
        if (
            record is None
            or not record.active
            or not hmac.compare_digest(record.key_hash, hash_key(api_key or ""))
        ):
            raise errors.NotAllowed("Khóa api_key không hợp lệ hoặc đã bị thu hồi.")
        if not self.store.count_use(record.key_id, record.rate_limit_per_hour, now):
            raise errors.QuotaExceeded(
                f"Ứng dụng đã gửi quá {record.rate_limit_per_hour} yêu cầu trong một giờ. Vui lòng thử lại sau."
            )
        return record


@dataclass(frozen=True)
class Filed:
    report: Report
    triage_due_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Update:
    update_id: str
    report: Report
    entry: HistoryEntry


class Open311Service:
    def __init__(
        self,
        reports: ReportService | None = None,
        keys: ApiKeys | None = None,
        pages: Open311Reports | None = None,
    ) -> None:
        self.reports = reports or _report_service()
        self.keys = keys or ApiKeys()
        self.pages = pages or Open311Reports()

    def submit(self, api_key: str | None, body: object, caller: object, now: datetime) -> Filed:
        """File a report for a client application: its key first, then exactly `POST /v1/reports`'s intake
        (validation, the reporter's daily quota, and from the table's stream routing, deadlines, forwarding
        and e-mails). Returns the report and the deadlines its routing will give it."""
        self.keys.authenticate(api_key, now)
        report = self.reports.submit(body, caller, now)  # type: ignore[arg-type]
        triage_due_at, due_at = self.expected_deadlines(report.category, now)
        return Filed(report, triage_due_at, due_at)

    def request(self, report_id: str) -> Report:
        """One public report; hidden and test reports do not exist through Open311."""
        report = self.reports.repo.get(report_id) if is_valid_id(report_id) else None
        if report is None or not report.is_public:
            raise errors.ReportNotFound(f"Không tìm thấy phản ánh '{report_id}'.")
        return report

    def requests_by_ids(self, report_ids: list[str]) -> list[Report]:
        wanted = [i for i in report_ids if is_valid_id(i)]
        return [r for r in self.pages.by_ids(wanted) if r.is_public]

    def requests_page(self, window: RequestWindow) -> Page:
        return self.pages.page(window)

    def updates(
        self, start: datetime, end: datetime, page_size: int, cursor: str | None
    ) -> tuple[list[Update], str | None]:
        """Public timeline entries made in [start, end], from one page of reports received up to
        UPDATES_LOOKBACK before `start` (one Query)."""
        page = self.pages.page(
            RequestWindow(start - UPDATES_LOOKBACK, end, page_size=page_size, cursor=cursor)
        )
        found = [
            Update(f"{report.id}-{n}", report, entry)
            for report in page.items
            for n, entry in enumerate(report.history)
            if entry.public and start <= entry.at <= end
        ]
        found.sort(key=lambda u: (u.entry.at, u.update_id))
        return found, page.next_cursor

    @staticmethod
    def expected_deadlines(category: str, now: datetime) -> tuple[datetime, datetime]:
        """The triage and resolution deadlines a report filed now will get when it is routed (a moment later)."""
        from chalicelib.domain.calendar import WorkingCalendar
        from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines

        deadlines = compute_deadlines(
            assigned_at=now,
            category=category,
            calendar=WorkingCalendar.default(),
            policy=DeadlinePolicy.default(),
        )
        return deadlines.triage_due_at, deadlines.due_at


def _report_service() -> ReportService:
    from chalicelib.config import settings

    return ReportService(quota=settings().daily_report_quota)
