"""The delivery ledger: one record per report, unit, assignment and channel, so a report is sent once.

A stream batch can be delivered again (Lambda retries, a redelivered shard). Before sending, the forwarding
consumer *claims* the delivery with a conditional write that succeeds only if nobody sent it yet:
the record does not exist, or its last attempt failed, or an attempt is stuck in `sending` for longer than a
Lambda can run (the function died between claiming and marking). After sending it marks the record `sent`, or
`failed` with the error's class name (never a message: it could carry personal data).

Failed records are also written under the ledger's overloaded index (`gsi1pk = "DELIVERY#failed"`,
`gsi1sk = updated_at`) so the IOC can list them with one Query; a later success takes them off that list.

Keys: pk = "report#<id>", sk = "delivery#<unit>#<assigned_at UTC>#<channel>".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.report import parse_instant, utc_text
from chalicelib.store import once
from chalicelib.store.models import LedgerItem, bind
from chalicelib.store.reports import decode_cursor, encode_cursor

FAILED_PARTITION = "DELIVERY#failed"
SENDING, SENT, FAILED = "sending", "sent", once.FAILED
# Longer than the stream function's timeout: a claim older than this belongs to an attempt that died.
STALE_CLAIM = timedelta(minutes=15)
# An opaque, stable namespace for delivery ids (the same delivery keeps its id across retries).
_NAMESPACE = uuid.UUID("6f1d4b52-7c1e-4f57-9a53-2b8f0f3f6a10")


@dataclass(frozen=True)
class Delivery:
    report_id: str
    unit_code: str
    assigned_at: str  # UTC text, as in the key
    channel: str
    status: str
    attempts: int
    last_error: str | None
    updated_at: datetime | None

    @property
    def delivery_id(self) -> str:
        """Stable across retries: a receiver can use it to drop a duplicate (X-PAHT-Delivery)."""
        return str(
            uuid.uuid5(
                _NAMESPACE, f"{_pk(self.report_id)}/{_sk(self.unit_code, self.assigned_at, self.channel)}"
            )
        )


@dataclass(frozen=True)
class DeliveryPage:
    items: list[Delivery]
    next_cursor: str | None


def _pk(report_id: str) -> str:
    return f"report#{report_id}"


def _sk(unit_code: str, assigned_at: str, channel: str) -> str:
    return f"delivery#{unit_code}#{assigned_at}#{channel}"


def _from_item(item: LedgerItem) -> Delivery:
    data: dict[str, Any] = item.data or {}
    updated = item.updated_at
    return Delivery(
        report_id=str(data.get("report_id") or item.pk.removeprefix("report#")),
        unit_code=str(data.get("unit_code", "")),
        assigned_at=str(data.get("assigned_at", "")),
        channel=str(data.get("channel", "")),
        status=item.status or "",
        attempts=int(item.attempts or 0),
        last_error=data.get("last_error"),
        updated_at=parse_instant(updated) if updated else None,
    )


class DeliveryLedger:
    """Delivery records in the ledger table; each method is one DynamoDB request."""

    def __init__(self, stale_claim: timedelta = STALE_CLAIM) -> None:
        bind()
        self.stale_claim = stale_claim

    def claim(
        self, report_id: str, unit_code: str, assigned_at: datetime, channel: str, now: datetime
    ) -> Delivery | None:
        """Take the right to send this delivery now; None if it was sent or another attempt is sending it."""
        assigned = utc_text(assigned_at)
        # attempts counts every attempt that got as far as sending, including one that died mid-way.
        item = once.take(
            _pk(report_id),
            _sk(unit_code, assigned, channel),
            now,
            self.stale_claim,
            claimed_status=SENDING,
            # Kept on a retry (if_not_exists), so the last error stays visible while it is retried.
            actions=[
                LedgerItem.data.set(
                    LedgerItem.data
                    | {
                        "report_id": report_id,
                        "unit_code": unit_code,
                        "assigned_at": assigned,
                        "channel": channel,
                    }
                )
            ],
        )
        return None if item is None else _from_item(item)

    @staticmethod
    def key(delivery: Delivery) -> tuple[str, str]:
        """The delivery's ledger key (pk, sk)."""
        return _pk(delivery.report_id), _sk(delivery.unit_code, delivery.assigned_at, delivery.channel)

    def mark_sent(self, delivery: Delivery, now: datetime, reference: str | None = None) -> None:
        """The channel accepted it; it leaves the IOC's list of failed deliveries."""
        data = self._data(delivery, reference=reference)
        LedgerItem(
            pk=_pk(delivery.report_id), sk=_sk(delivery.unit_code, delivery.assigned_at, delivery.channel)
        ).update(
            actions=[
                LedgerItem.status.set(SENT),
                LedgerItem.updated_at.set(utc_text(now)),
                LedgerItem.data.set(data),
                LedgerItem.gsi1pk.remove(),
                LedgerItem.gsi1sk.remove(),
            ]
        )

    def mark_failed(self, delivery: Delivery, now: datetime, error: str) -> None:
        """The channel refused or could not be reached; `error` is an exception class name, no message."""
        stamp = utc_text(now)
        data = self._data(delivery, last_error=error)
        LedgerItem(
            pk=_pk(delivery.report_id), sk=_sk(delivery.unit_code, delivery.assigned_at, delivery.channel)
        ).update(
            actions=[
                LedgerItem.status.set(FAILED),
                LedgerItem.updated_at.set(stamp),
                LedgerItem.data.set(data),
                LedgerItem.gsi1pk.set(FAILED_PARTITION),
                LedgerItem.gsi1sk.set(f"{stamp}#{delivery.report_id}"),
            ]
        )

    def get(self, report_id: str, unit_code: str, assigned_at: datetime, channel: str) -> Delivery | None:
        try:
            item = LedgerItem.get(
                _pk(report_id), _sk(unit_code, utc_text(assigned_at), channel), consistent_read=True
            )
        except LedgerItem.DoesNotExist:
            return None
        return _from_item(item)

    def failed(self, limit: int, cursor: str | None) -> DeliveryPage:
        """Failed deliveries, most recent failure first: one Query page of the ledger's gsi1."""
        start = decode_cursor(cursor, "gsi1pk", FAILED_PARTITION)
        results = LedgerItem.gsi1.query(
            FAILED_PARTITION, scan_index_forward=False, page_size=limit, last_evaluated_key=start
        )
        page = next(results.page_iter)
        items = [_from_item(LedgerItem.from_raw_data(raw)) for raw in page.get("Items", [])]
        return DeliveryPage(items=items, next_cursor=encode_cursor(page.get("LastEvaluatedKey")))

    @staticmethod
    def _data(delivery: Delivery, **extra: Any) -> dict[str, Any]:
        return {
            "report_id": delivery.report_id,
            "unit_code": delivery.unit_code,
            "assigned_at": delivery.assigned_at,
            "channel": delivery.channel,
            **{k: v for k, v in extra.items() if v is not None},
        }
