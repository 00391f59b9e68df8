"""What the system keeps about citizens as listeners (issue 15), all in the ledger table:

- followers of a report: pk `followers#<report id>`, sk `<sub>`, data {phone, email} (the contact the token
  carried when they followed; personal data: read only to send notices, never answered to anyone);
- a citizen's notification preferences: pk `me#<sub>`, sk `notifications`, data {channels?, phone, email};
- a citizen's devices for push: pk `me#<sub>`, sk `device#<id>`, data {platform, endpoint_arn}.

None of these rows has a TTL: they last as long as the follow, the choice or the device.
The nearby search reads the reports table's `geo-index`, one Query per geohash cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.report import Report
from chalicelib.store.models import LedgerItem, ReportItem, bind
from chalicelib.store.reports import from_raw, to_item


@dataclass
class QueryCount:
    """DynamoDB requests made, for the benchmarks and the logs."""

    queries: int = 0
    items: int = 0


@dataclass(frozen=True)
class Follower:
    sub: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Device:
    id: str
    platform: str
    endpoint_arn: str


@dataclass(frozen=True)
class Profile:
    channels: tuple[str, ...] | None = None  # None: never chosen, the default applies
    phone: str | None = None
    email: str | None = None
    devices: tuple[Device, ...] = field(default_factory=tuple)


def _followers_pk(report_id: str) -> str:
    return f"followers#{report_id}"


def _me_pk(sub: str) -> str:
    return f"me#{sub}"


class CitizenStore:
    def __init__(self) -> None:
        bind()

    # --- nearby ---

    def in_cells(self, cells: list[str], count: QueryCount | None = None) -> list[Report]:
        """Every report indexed in the given geohash cells: one Query per cell (more only past 1 MB a page)."""
        out: list[Report] = []
        for cell in cells:
            results = ReportItem.geo_index.query(cell)
            for page in results.page_iter:
                if count is not None:
                    count.queries += 1
                    count.items += len(page.get("Items", []))
                out.extend(from_raw(raw) for raw in page.get("Items", []))
        return out

    # --- followers ---

    def is_following(self, report_id: str, sub: str) -> bool:
        try:
            LedgerItem.get(_followers_pk(report_id), sub, consistent_read=True)
        except LedgerItem.DoesNotExist:
            return False
        return True

    def follow(self, report: Report, follower: Follower) -> Report | None:
        """Add the follower and count them on the report in one transaction. None: already following.
        Raises ConcurrentUpdate when the report changed since it was read (the caller reads again)."""
        record = LedgerItem(
            pk=_followers_pk(report.id),
            sk=follower.sub,
            data={"phone": follower.phone, "email": follower.email},
        )
        return self._change(report, +1, lambda tx: tx.save(record, condition=LedgerItem.pk.does_not_exist()))

    def unfollow(self, report: Report, sub: str) -> Report | None:
        """Remove the follower and uncount them. None: was not following."""
        record = LedgerItem(pk=_followers_pk(report.id), sk=sub)
        return self._change(report, -1, lambda tx: tx.delete(record, condition=LedgerItem.pk.exists()))

    def _change(self, report: Report, step: int, ledger_op: Any) -> Report | None:
        new = replace(report, followers=max(0, report.followers + step), version=report.version + 1)
        try:
            with TransactWrite(connection=ReportItem._get_connection().connection) as tx:
                ledger_op(tx)
                tx.save(to_item(new), condition=ReportItem.version == report.version)
        except TransactWriteError as e:
            codes = [r.code if r is not None else None for r in (e.cancellation_reasons or [])]
            # PynamoDB sends deletes before puts: for follow both are puts (ledger first); for unfollow the
            # ledger delete comes first too. So reasons[0] is the ledger row's, reasons[1] the report's.
            if codes and codes[0] == "ConditionalCheckFailed":
                return None
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise ConcurrentUpdate("Phản ánh vừa được cập nhật. Vui lòng thử lại.") from e
            raise
        return new

    def followers(self, report_id: str) -> list[Follower]:
        out = []
        for item in LedgerItem.query(_followers_pk(report_id)):
            data = item.data or {}
            out.append(Follower(sub=item.sk, phone=data.get("phone"), email=data.get("email")))
        return out

    # --- preferences and devices ---

    def profile(self, sub: str) -> Profile:
        """The citizen's choice of channels, contact and devices: one Query of their `me#` rows."""
        channels: tuple[str, ...] | None = None
        phone = email = None
        devices: list[Device] = []
        for item in LedgerItem.query(_me_pk(sub), consistent_read=True):
            data = item.data or {}
            if item.sk == "notifications":
                chosen = data.get("channels")
                channels = tuple(chosen) if isinstance(chosen, list) else None
                phone, email = data.get("phone"), data.get("email")
            elif item.sk.startswith("device#"):
                devices.append(
                    Device(
                        id=item.sk.removeprefix("device#"),
                        platform=data["platform"],
                        endpoint_arn=data["arn"],
                    )
                )
        return Profile(channels=channels, phone=phone, email=email, devices=tuple(devices))

    def save_choice(self, sub: str, channels: list[str] | None, phone: str | None, email: str | None) -> None:
        data: dict[str, Any] = {"phone": phone, "email": email}
        if channels is not None:
            data["channels"] = channels
        LedgerItem(pk=_me_pk(sub), sk="notifications", data=data).save()

    def device(self, sub: str, device_id: str) -> Device | None:
        try:
            item = LedgerItem.get(_me_pk(sub), f"device#{device_id}", consistent_read=True)
        except LedgerItem.DoesNotExist:
            return None
        data = item.data or {}
        return Device(id=device_id, platform=data["platform"], endpoint_arn=data["arn"])

    def add_device(self, sub: str, device: Device) -> bool:
        """False when the device was registered already (a retry from a phone on a weak connection)."""
        item = LedgerItem(
            pk=_me_pk(sub),
            sk=f"device#{device.id}",
            data={"platform": device.platform, "arn": device.endpoint_arn},
        )
        try:
            item.save(condition=LedgerItem.pk.does_not_exist())
        except PutError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def remove_device(self, sub: str, device_id: str) -> bool:
        try:
            LedgerItem(pk=_me_pk(sub), sk=f"device#{device_id}").delete(condition=LedgerItem.pk.exists())
        except DeleteError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
