"""Once-only side effects: claim a (pk, sk) record in the ledger with a conditional write before acting.

A stream record can be delivered again; whatever it causes (an e-mail to a citizen, for example) must happen
once. The consumer claims the effect first; only the caller whose claim succeeds acts, then records `done`,
or `release`s the claim when the effect failed so that the retry can claim it again. A claim left behind by
an invocation that died between claiming and recording (status `claimed`, older than the lease) can be taken
over: an effect is then at least attempted, and at most done once per successful claim.

Records: the ledger table's `LedgerItem`, `status` in {claimed, done, failed}, `attempts`, `updated_at` (UTC
text), `expires_at` (epoch seconds, the table's TTL) so that old records go away by themselves.
"""

from __future__ import annotations

import calendar as _cal
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.domain.report import utc_text
from chalicelib.store.models import LedgerItem, bind

CLAIMED, DONE, FAILED = "claimed", "done", "failed"
# Longer than the stream function may run: a claim older than this belongs to an attempt that died.
DEFAULT_LEASE = timedelta(minutes=15)
DEFAULT_TTL = timedelta(days=400)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def take(
    pk: str,
    sk: str,
    now: datetime,
    lease: timedelta,
    claimed_status: str = CLAIMED,
    actions: list[Any] | None = None,
) -> LedgerItem | None:
    """The one claim of every once-only effect (citizen e-mails, deliveries, notices, weekly reports): one
    conditional update that succeeds when the record does not exist, its last attempt failed, or its claim
    (`claimed_status`) is older than `lease`. Counts the attempt; `actions` add the caller's own attributes.
    Returns the claimed record, or None when it was done already or another invocation holds a fresh claim."""
    bind()
    item = LedgerItem(pk=pk, sk=sk)
    takeable = (
        LedgerItem.pk.does_not_exist()
        | (LedgerItem.status == FAILED)
        | ((LedgerItem.status == claimed_status) & (LedgerItem.updated_at < utc_text(now - lease)))
    )
    try:
        item.update(
            actions=[
                LedgerItem.status.set(claimed_status),
                LedgerItem.attempts.add(1),
                LedgerItem.updated_at.set(utc_text(now)),
                *(actions or []),
            ],
            condition=takeable,
        )
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


def expires(at: datetime, ttl: timedelta) -> Any:
    """The action that lets the table's TTL remove the record `ttl` after `at`."""
    return LedgerItem.expires_at.set(_cal.timegm((at + ttl).utctimetuple()))


def claim(
    pk: str,
    sk: str,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
    ttl: timedelta = DEFAULT_TTL,
) -> bool:
    """Take the right to perform the effect (pk, sk). True: go ahead, then call `done` (or `release` on
    failure). False: it was done already, or another invocation holds a fresh claim."""
    at = _now(now)
    return take(pk, sk, at, lease, actions=[expires(at, ttl)]) is not None


def done(pk: str, sk: str, now: datetime | None = None) -> None:
    """The effect happened: nobody claims it again."""
    bind()
    LedgerItem(pk=pk, sk=sk).update(
        actions=[
            LedgerItem.status.set(DONE),
            LedgerItem.updated_at.set(utc_text(_now(now))),
            # Off the list of what is still owed (store/retries.py), if it was there.
            LedgerItem.gsi1pk.remove(),
            LedgerItem.gsi1sk.remove(),
        ]
    )


def release(pk: str, sk: str, now: datetime | None = None) -> None:
    """The effect failed: the next attempt may claim it again."""
    bind()
    LedgerItem(pk=pk, sk=sk).update(
        actions=[LedgerItem.status.set(FAILED), LedgerItem.updated_at.set(utc_text(_now(now)))]
    )


def status(pk: str, sk: str) -> str | None:
    """The record's status (claimed, done, failed), or None when nothing was claimed."""
    bind()
    try:
        return LedgerItem.get(pk, sk, consistent_read=True).status
    except LedgerItem.DoesNotExist:
        return None
