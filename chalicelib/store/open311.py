"""What Open311 (GeoReport v2) needs from the tables: client keys, their rate counters, and report pages.

Keys live in the ledger table: one record per key (`open311#key#<key_id>`, sk `key`), listed for the IOC through
the ledger's overloaded index (`gsi1pk = open311#keys`). Only the SHA-256 of a key is stored; the key itself is
shown once, when it is issued. Report pages are one Query of the same public index as `GET /v1/reports`; a
list of ids is one BatchGetItem.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.report import Report, utc_text
from chalicelib.store.models import LedgerItem, ReportItem, bind
from chalicelib.store.reports import PUBLIC_PARTITION, Page, decode_cursor, encode_cursor, from_item, from_raw

KEYS_PARTITION = "open311#keys"
RATE_WINDOW = timedelta(hours=1)


def _key_pk(key_id: str) -> str:
    return f"open311#key#{key_id}"


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    name: str
    key_hash: str
    rate_limit_per_hour: int
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _record(item: LedgerItem) -> ApiKeyRecord:
    data = item.data or {}
    return ApiKeyRecord(
        key_id=str(data["key_id"]),
        name=str(data["name"]),
        key_hash=str(data["key_hash"]),
        rate_limit_per_hour=int(data["rate_limit_per_hour"]),
        created_at=str(data["created_at"]),
        revoked_at=data.get("revoked_at"),
    )


class ApiKeyStore:
    def __init__(self) -> None:
        bind()

    def add(self, record: ApiKeyRecord) -> None:
        item = LedgerItem(
            pk=_key_pk(record.key_id),
            sk="key",
            gsi1pk=KEYS_PARTITION,
            gsi1sk=f"{record.created_at}#{record.key_id}",
            status="active",
            data={
                "key_id": record.key_id,
                "name": record.name,
                "key_hash": record.key_hash,
                "rate_limit_per_hour": record.rate_limit_per_hour,
                "created_at": record.created_at,
                "revoked_at": None,
            },
        )
        item.save(condition=LedgerItem.pk.does_not_exist())

    def get(self, key_id: str) -> ApiKeyRecord | None:
        try:
            return _record(LedgerItem.get(_key_pk(key_id), "key", consistent_read=True))
        except LedgerItem.DoesNotExist:
            return None

    def revoke(self, key_id: str, now: datetime) -> ApiKeyRecord | None:
        """Mark the key revoked (kept, so the IOC sees who had access and until when); None if unknown."""
        record = self.get(key_id)
        if record is None:
            return None
        if record.revoked_at is not None:
            return record
        item = LedgerItem(pk=_key_pk(key_id), sk="key")
        data = {**self._data(record), "revoked_at": utc_text(now)}
        item.update(actions=[LedgerItem.status.set("revoked"), LedgerItem.data.set(data)])
        return _record(LedgerItem.get(_key_pk(key_id), "key", consistent_read=True))

    @staticmethod
    def _data(record: ApiKeyRecord) -> dict[str, Any]:
        return {
            "key_id": record.key_id,
            "name": record.name,
            "key_hash": record.key_hash,
            "rate_limit_per_hour": record.rate_limit_per_hour,
            "created_at": record.created_at,
            "revoked_at": record.revoked_at,
        }

    def all(self, limit: int = 100) -> list[ApiKeyRecord]:
        """The issued keys, newest first (one Query page: a province issues a handful of keys)."""
        return [
            _record(item)
            for item in LedgerItem.gsi1.query(
                KEYS_PARTITION, scan_index_forward=False, limit=limit, page_size=limit
            )
        ]

    def count_use(self, key_id: str, limit: int, now: datetime) -> bool:
        """Count one request of the key in the current hour; False when the hour's allowance is used up."""
        start = now.replace(minute=0, second=0, microsecond=0)
        counter = LedgerItem(pk=f"open311#rate#{key_id}", sk=utc_text(start))
        expires_at = _cal.timegm((start + 2 * RATE_WINDOW).utctimetuple())
        try:
            counter.update(
                actions=[LedgerItem.count.add(1), LedgerItem.expires_at.set(expires_at)],
                condition=LedgerItem.count.does_not_exist() | (LedgerItem.count < limit),
            )
        except UpdateError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


@dataclass(frozen=True)
class RequestWindow:
    """One page of public reports received in [start, end], newest first, narrowed by status and category."""

    start: datetime
    end: datetime
    statuses: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    page_size: int = 100
    cursor: str | None = None


class Open311Reports:
    def __init__(self) -> None:
        bind()

    def page(self, window: RequestWindow) -> Page:
        """One Query of the public index (the same as `GET /v1/reports`): hidden and test reports are not in it."""
        condition: Condition | None = None
        if window.statuses:
            condition = ReportItem.status.is_in(*sorted(window.statuses))
        if window.categories:
            part = ReportItem.category.is_in(*sorted(window.categories))
            condition = part if condition is None else condition & part
        index = ReportItem.public_index
        key_attrs = {"report_id", "pub_pk", "rcv_sk"}
        start_key = decode_cursor(window.cursor, "pub_pk", PUBLIC_PARTITION, key_attrs)
        results = index.query(
            PUBLIC_PARTITION,
            range_key_condition=ReportItem.rcv_sk.between(utc_text(window.start), utc_text(window.end) + "~"),
            filter_condition=condition,
            scan_index_forward=False,
            page_size=window.page_size,
            last_evaluated_key=start_key,
        )
        page = next(results.page_iter)
        items = [from_raw(raw) for raw in page.get("Items", [])]
        return Page(items=items, next_cursor=encode_cursor(page.get("LastEvaluatedKey")))

    def by_ids(self, report_ids: list[str]) -> list[Report]:
        """The reports with these ids, in the order asked (one BatchGetItem; at most 100 ids)."""
        if not report_ids:
            return []
        found = {item.report_id: from_item(item) for item in ReportItem.batch_get(report_ids)}
        return [found[i] for i in report_ids if i in found]
