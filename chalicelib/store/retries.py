"""What is still owed: every once-only effect that failed (a report forwarded to a unit, an e-mail to a
citizen, a deadline notice; SMS and push later) is scheduled for another attempt on the same ledger record.

The record keeps its own claim protocol (store/once.py: a failed record can be claimed again); this module only
adds *when* to try again and *when to stop*. Attempts back off exponentially (5 min, 10, 20, ... at most 2 h);
a day after the first failure the effect is given up and stays listed for the IOC with its last error until
the IOC resends it. Both lists live in the ledger's overloaded index, so the reconciler and the IOC each read
them with one Query, whatever the kind:

* still to be retried: ``gsi1pk = "RETRY"``, ``gsi1sk = "<next attempt UTC>#<pk>#<sk>"`` (due first);
* given up: ``gsi1pk = "RETRY#given_up"``, ``gsi1sk = "<given up UTC>#<pk>#<sk>"``.

A success takes the record off both (the senders' `mark_sent`, once.done). The record's `retry` attribute holds
``{kind, first_failed_at, next_attempt_at, last_error, given_up_at}``; `last_error` is an error class name,
never a message (it could carry an address).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.report import parse_instant, utc_text
from chalicelib.store import once
from chalicelib.store.models import LedgerItem, bind
from chalicelib.store.reports import decode_cursor, encode_cursor

GIVEN_UP_STATUS = "given_up"  # not claimable (store/once.take): only the IOC's resend makes it `failed` again
PENDING = "RETRY"
GIVEN_UP = "RETRY#given_up"
FIRST_DELAY = timedelta(minutes=5)
MAX_DELAY = timedelta(hours=2)
GIVE_UP_AFTER = timedelta(days=1)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 5 min, 10, 20, 40, 80, then every 2 h."""
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


@dataclass(frozen=True)
class Owed:
    """One effect still owed (or given up), as the ledger holds it."""

    pk: str
    sk: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    first_failed_at: datetime | None
    next_attempt_at: datetime | None
    given_up_at: datetime | None
    updated_at: datetime | None
    data: dict[str, Any]

    @property
    def ref(self) -> str:
        """An opaque, URL-safe id for the IOC's resend (the ledger key, which holds no personal data)."""
        return base64.urlsafe_b64encode(f"{self.pk}\n{self.sk}".encode()).decode().rstrip("=")


def parse_ref(ref: str) -> tuple[str, str]:
    try:
        pk, _, sk = base64.urlsafe_b64decode(ref + "=" * (-len(ref) % 4)).decode().partition("\n")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pk = sk = ""
    if not pk or not sk:
        raise InvalidInput(
            "Mã gửi tin không hợp lệ.", [{"field": "delivery_id", "message": "Mã gửi tin không hợp lệ."}]
        )
    return pk, sk


def _instant(text: Any) -> datetime | None:
    try:
        return parse_instant(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def _owed(item: LedgerItem) -> Owed:
    retry: dict[str, Any] = item.retry or {}
    return Owed(
        pk=item.pk,
        sk=item.sk,
        kind=str(retry.get("kind", "")),
        status=item.status or "",
        attempts=int(item.attempts or 0),
        last_error=retry.get("last_error"),
        first_failed_at=_instant(retry.get("first_failed_at")),
        next_attempt_at=_instant(retry.get("next_attempt_at")),
        given_up_at=_instant(retry.get("given_up_at")),
        updated_at=_instant(item.updated_at),
        data=dict(item.data or {}),
    )


def get(pk: str, sk: str) -> Owed | None:
    bind()
    try:
        return _owed(LedgerItem.get(pk, sk, consistent_read=True))
    except LedgerItem.DoesNotExist:
        return None


def schedule(pk: str, sk: str, kind: str, now: datetime, error: str) -> Owed:
    """The effect (pk, sk) just failed (its record is `failed`): plan the next attempt, or give it up if its
    first failure is a day old. Returns the record as now scheduled."""
    bind()
    item = LedgerItem.get(pk, sk, consistent_read=True)
    retry: dict[str, Any] = dict(item.retry or {})
    first = _instant(retry.get("first_failed_at")) or now
    retry.update(kind=kind, first_failed_at=utc_text(first), last_error=error[:120])
    status = item.status
    if now - first >= GIVE_UP_AFTER:
        retry.update(given_up_at=utc_text(now), next_attempt_at=None)
        partition, stamp, status = GIVEN_UP, now, GIVEN_UP_STATUS
    else:
        stamp = now + backoff(int(item.attempts or 1))
        retry.update(next_attempt_at=utc_text(stamp), given_up_at=None)
        partition = PENDING
    item.update(
        actions=[
            LedgerItem.status.set(status),
            LedgerItem.retry.set(retry),
            LedgerItem.gsi1pk.set(partition),
            LedgerItem.gsi1sk.set(f"{utc_text(stamp)}#{pk}#{sk}"),
        ]
    )
    return _owed(item)


def give_up(pk: str, sk: str, kind: str, now: datetime, reason: str) -> None:
    """Stop retrying now (the effect no longer makes sense, e.g. the report went to another unit)."""
    bind()
    item = LedgerItem.get(pk, sk, consistent_read=True)
    retry = {**(item.retry or {}), "kind": kind, "last_error": reason, "given_up_at": utc_text(now)}
    retry["next_attempt_at"] = None
    item.update(
        actions=[
            LedgerItem.status.set(GIVEN_UP_STATUS),
            LedgerItem.retry.set(retry),
            LedgerItem.gsi1pk.set(GIVEN_UP),
            LedgerItem.gsi1sk.set(f"{utc_text(now)}#{pk}#{sk}"),
        ]
    )


def renew(pk: str, sk: str, now: datetime) -> Owed | None:
    """The IOC resends: the effect is owed again from now, with a fresh day of retries. None if unknown or
    already done."""
    bind()
    try:
        item = LedgerItem.get(pk, sk, consistent_read=True)
    except LedgerItem.DoesNotExist:
        return None
    if item.retry is None or item.gsi1pk not in (PENDING, GIVEN_UP):
        return None
    retry = {**item.retry, "first_failed_at": utc_text(now), "next_attempt_at": utc_text(now)}
    retry["given_up_at"] = None
    item.update(
        actions=[
            LedgerItem.status.set(once.FAILED),  # claimable again
            LedgerItem.retry.set(retry),
            LedgerItem.gsi1pk.set(PENDING),
            LedgerItem.gsi1sk.set(f"{utc_text(now)}#{pk}#{sk}"),
        ]
    )
    return _owed(item)


def due(now: datetime, limit: int) -> list[Owed]:
    """Effects whose next attempt is at or before `now`, the longest waiting first (one Query)."""
    bind()
    items = LedgerItem.gsi1.query(
        PENDING, LedgerItem.gsi1sk <= utc_text(now) + "#~", limit=limit, page_size=limit
    )
    return [_owed(i) for i in items]


@dataclass(frozen=True)
class OwedPage:
    items: list[Owed]
    next_cursor: str | None


def page(given_up: bool, limit: int, cursor: str | None) -> OwedPage:
    """One page of what is still owed (next attempt soonest first) or of what was given up (latest first)."""
    bind()
    partition = GIVEN_UP if given_up else PENDING
    start = decode_cursor(cursor, "gsi1pk", partition, {"pk", "sk", "gsi1pk", "gsi1sk"})
    results = LedgerItem.gsi1.query(
        partition, scan_index_forward=not given_up, page_size=limit, last_evaluated_key=start
    )
    raw = next(results.page_iter)
    items = [_owed(LedgerItem.from_raw_data(r)) for r in raw.get("Items", [])]
    return OwedPage(items=items, next_cursor=encode_cursor(raw.get("LastEvaluatedKey")))
