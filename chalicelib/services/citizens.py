"""Use cases of citizens as followers and listeners (issue 15): nearby reports, possible duplicates at
submission, following, devices for push, the choice of channels.

Callers are domain actors (domain/access.py), never the HTTP layer's objects. Reads of a report
are GetItems; the nearby search is at most 9 Queries on the geohash index (domain/geohash.py), never a Scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.domain import errors, geohash
from chalicelib.domain.access import Actor
from chalicelib.domain.citizens import CHANNELS, EMAIL, PUSH, SMS, e164_vn, possible_duplicate, shown_nearby
from chalicelib.domain.ids import is_valid_id
from chalicelib.domain.report import Report
from chalicelib.store.citizens import CitizenStore, Device, Follower, Profile, QueryCount
from chalicelib.store.reports import ReportRepository

NOT_FOUND = "Không tìm thấy phản ánh."
MAX_NEARBY = 100


@dataclass(frozen=True)
class Nearby:
    report: Report
    distance_m: float


class CitizenService:
    def __init__(self, repo: ReportRepository | None = None, store: CitizenStore | None = None) -> None:
        self.repo = repo or ReportRepository()
        self.store = store or CitizenStore()

    # --- nearby and duplicates ---

    def nearby(
        self,
        lat: float,
        lng: float,
        radius_m: float,
        category: str | None,
        now: datetime,
        limit: int = 20,
        count: QueryCount | None = None,
    ) -> list[Nearby]:
        """Public reports within `radius_m` of the point, nearest first: open ones and those resolved in the
        last 30 days; hidden and test reports never."""
        found = []
        for report in self.store.in_cells(geohash.cells_for_circle(lat, lng, radius_m), count):
            if category and report.category != category:
                continue
            d = geohash.distance_m(lat, lng, report.location.lat, report.location.lng)
            if d <= radius_m and shown_nearby(report, now):
                found.append(Nearby(report, d))
        found.sort(key=lambda n: (n.distance_m, n.report.id))
        return found[: min(limit, MAX_NEARBY)]

    def possible_duplicates(self, report: Report, count: QueryCount | None = None) -> list[Nearby]:
        """Open public reports of the same category within about 100 m of a new one, nearest first."""
        from chalicelib.domain.citizens import DUPLICATE_RADIUS_M

        lat, lng = report.location.lat, report.location.lng
        out = []
        for other in self.store.in_cells(geohash.cells_for_circle(lat, lng, DUPLICATE_RADIUS_M), count):
            d = geohash.distance_m(lat, lng, other.location.lat, other.location.lng)
            if possible_duplicate(other, report, d):
                out.append(Nearby(other, d))
        out.sort(key=lambda n: (n.distance_m, n.report.id))
        return out[:10]

    # --- following ---

    def _public(self, report_id: str) -> Report:
        report = self.repo.get(report_id) if is_valid_id(report_id) else None
        if report is None or not report.is_public:
            raise errors.ReportNotFound(NOT_FOUND)
        return report

    def follow(self, report_id: str, caller: Actor) -> tuple[Report, bool]:
        """Follow a public report; (report, True) when this call added the follower. Following twice, or
        the reporter following their own report (they are told anyway), changes nothing. The report changing
        under us (an officer acting) is read again (`ReportRepository.update`)."""

        def add(report: Report) -> Report | None:
            # Read first: a repeat costs one GetItem and no refused transaction (a refused TransactWriteItems
            # is also what makes moto replace the table under the local stream worker).
            if report.reporter.sub == caller.sub or self.store.is_following(report.id, caller.sub):
                return None
            return report

        follower = Follower(caller.sub, caller.phone, caller.email)
        return self._change(report_id, add, lambda report: self.store.follow(report, follower))

    def unfollow(self, report_id: str, caller: Actor) -> tuple[Report, bool]:
        def remove(report: Report) -> Report | None:
            return report if self.store.is_following(report.id, caller.sub) else None

        return self._change(report_id, remove, lambda report: self.store.unfollow(report, caller.sub))

    def _change(
        self,
        report_id: str,
        check: Callable[[Report], Report | None],
        write: Callable[[Report], Report | None],
    ) -> tuple[Report, bool]:
        """The follower row and the report's count in one transaction, on the public report as read."""

        def public(report: Report) -> Report | None:
            if not report.is_public:
                raise errors.ReportNotFound(NOT_FOUND)
            return check(report)

        outcome = self.repo.update(report_id, public, first=self._public(report_id), save=write)
        if outcome.report is None:
            raise errors.ReportNotFound(NOT_FOUND)
        return outcome.report, outcome.saved

    def is_following(self, report_id: str, sub: str) -> bool:
        return self.store.is_following(report_id, sub)

    # --- devices ---

    def register_device(self, caller: Actor, platform: str, token: str) -> tuple[Device, bool]:
        """A device that wants push: its SNS platform endpoint, kept under the citizen. The same token
        registered again is the same device (True only the first time)."""
        from chalicelib.notify import phone

        device_id = hashlib.sha256(f"{platform}:{token}".encode()).hexdigest()[:20]
        existing = self.store.device(caller.sub, device_id)
        if existing is not None:
            return existing, False
        try:
            arn = phone.create_endpoint(platform, token)
        except phone.PushUnavailable as e:
            raise errors.Unprocessable(
                "Hệ thống chưa hỗ trợ thông báo đẩy cho loại thiết bị này.",
                [{"field": "platform", "message": "Chưa có ứng dụng nền tảng cho loại thiết bị này."}],
            ) from e
        device = Device(id=device_id, platform=platform, endpoint_arn=arn)
        return device, self.store.add_device(caller.sub, device)

    def remove_device(self, caller: Actor, device_id: str) -> bool:
        """Forget a device and its endpoint; removing one already gone changes nothing (False)."""
        from chalicelib.notify import phone

        device = self.store.device(caller.sub, device_id)
        if device is None:
            return False
        phone.delete_endpoint(device.endpoint_arn)
        return self.store.remove_device(caller.sub, device_id)

    # --- the choice of channels ---

    def preferences(self, caller: Actor) -> tuple[Profile, list[str]]:
        """The stored profile and the channels a notice to this citizen goes out on now."""
        from chalicelib.domain.citizens import channels_for

        profile = self.store.profile(caller.sub)
        email = profile.email or caller.email
        return profile, channels_for(profile.channels, bool(profile.devices), bool(email))

    def choose(self, caller: Actor, channels: list[str] | None) -> tuple[Profile, list[str]]:
        """Keep the citizen's choice (None: back to the default). A channel they cannot be reached on is
        refused (422) rather than silently dropped."""
        profile = self.store.profile(caller.sub)
        phone_number = e164_vn(caller.phone) or profile.phone
        email = caller.email or profile.email
        for i, channel in enumerate(channels or []):
            missing = {
                PUSH: None if profile.devices else "Chưa đăng ký thiết bị nào để nhận thông báo đẩy.",
                SMS: None if phone_number else "Tài khoản chưa có số điện thoại Việt Nam để nhận tin nhắn.",
                EMAIL: None if email else "Tài khoản chưa có địa chỉ e-mail.",
            }[channel]
            if missing:
                raise errors.Unprocessable(missing, [{"field": f"channels.{i}", "message": missing}])
        ordered = None if channels is None else [c for c in CHANNELS if c in channels]
        self.store.save_choice(caller.sub, ordered, phone_number, email)
        return self.preferences(replace(caller, email=email))


MAX_SORTED_QUEUE = 2000


def queue_by_followers(
    repo: ReportRepository,
    unit: str,
    limit: int,
    cursor: str | None,
    due_after: datetime | None,
    due_before: datetime | None,
    status: str | None,
    category: str | None = None,
) -> Any:
    """A unit's open reports, most followed first (then earliest deadline): the IOC's and the unit's table
    sorted by `followers` (issue 15). The queue is read whole (Query pages of 100, at most
    MAX_SORTED_QUEUE reports: a unit's open reports), sorted, and paged by position."""
    from chalicelib.store.reports import Page

    offset = 0
    if cursor:
        if not cursor.startswith("f") or not cursor[1:].isdigit():
            raise errors.InvalidInput(
                "Tham số 'cursor' không hợp lệ.",
                [{"field": "cursor", "message": "Con trỏ trang không hợp lệ hoặc thuộc danh sách khác."}],
            )
        offset = int(cursor[1:])
    reports: list[Report] = []
    page_cursor: str | None = None
    while len(reports) < MAX_SORTED_QUEUE:
        page = repo.unit_queue(unit, 100, page_cursor, due_after, due_before, status, category)
        reports.extend(page.items)
        page_cursor = page.next_cursor
        if page_cursor is None:
            break
    # sorted() is stable: equal counts keep the queue's earliest-deadline-first order.
    ordered = sorted(reports, key=lambda r: -r.followers)
    items = ordered[offset : offset + limit]
    more = offset + limit < len(ordered)
    return Page(items=items, next_cursor=f"f{offset + limit}" if more else None)
