"""The once-only ledger: every side effect that must happen once claims one record here before acting, and records
its outcome after. Forwarding a report to a unit (per channel), the reporter's e-mail, push, SMS and followers'
messages, deadline notices, daily digests, the weekly report, a reopening told to the unit and the reconciler's
routing attempts all go through `claim`, then `done` or `fail`.

A record's `status` is one of four words:

* ``claimed``: an invocation holds the effect and is performing it. Another one takes it over only once the
  claim is older than `LEASE` (its owner died between claiming and recording the outcome);
* ``done``: it happened; nobody claims it again;
* ``failed``: the last attempt failed; the next attempt may claim it at once;
* ``given_up``: retried for a day (or superseded): not claimable until the IOC resends it (`renew`).

One lease, `LEASE` (10 minutes): longer than any function may run (30 s; the upload handler 60 s), shorter than
the 15 minutes between two deadline sweeps, so the next sweep takes over a claim whose sweep died.

One index of what is still owed, the ledger's `gsi1`, for every kind the reconciler retries (`Kind.owed`):

* ``gsi1pk = "RETRY"``, ``gsi1sk = "<next attempt UTC>#<pk>#<sk>"``: claimed (next attempt: when the lease
  ends, should the owner die) or failed (next attempt after a backoff of 5 min, 10, 20, … at most 2 h);
* ``gsi1pk = "RETRY#given_up"``, ``gsi1sk = "<given up UTC>#<pk>#<sk>"``: a day after the first failure.

`done` takes a record off both. The reconciler (services/deliveries.py) reads the first with one Query; the IOC
lists both (`GET /v1/deliveries`). Kinds whose own trigger retries them (a digest or the weekly report: the
scheduled invocation's retry; a reopening: the stream's; routing: the reconciler's Query of unrouted reports)
use the same words and lease but are not listed.

Attributes (`LedgerItem`): `status`, `attempts` (every claim counts one), `updated_at` (UTC text), `data` (the
effect's own ids, set by the first claim; never personal data), `retry` (JSON: kind, first_failed_at,
next_attempt_at, last_error, given_up_at; `last_error` is an error class name, never a message: it could carry
an address), `expires_at` (the table's TTL, per kind).

Records written before the words were unified (``sending`` and ``sent`` of the forwarding ledger, ``sent`` of the
notices) read as ``claimed`` and ``done``, so the local stack's saved state stays valid.
"""

from __future__ import annotations

import base64
import binascii
import calendar as _cal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.report import parse_instant, utc_text
from chalicelib.store.models import LedgerItem, bind
from chalicelib.store.reports import decode_cursor, encode_cursor

CLAIMED, DONE, FAILED, GIVEN_UP = "claimed", "done", "failed", "given_up"
# Words of records written before the ledger had one vocabulary (read, never written).
_LEGACY = {"sending": CLAIMED, "sent": DONE}
LEASE = timedelta(minutes=10)
OWED = "RETRY"
GIVEN_UP_PARTITION = "RETRY#given_up"
FIRST_DELAY = timedelta(minutes=5)
MAX_DELAY = timedelta(hours=2)
GIVE_UP_AFTER = timedelta(days=1)
DEFAULT_TTL = timedelta(days=400)
ERROR_CHARS = 120


@dataclass(frozen=True)
class Kind:
    """A kind of once-only effect: whether the reconciler retries it (and the IOC sees it), how long its
    records live (None: kept)."""

    name: str
    owed: bool = True
    ttl: timedelta | None = DEFAULT_TTL


FORWARD = Kind("forward", ttl=None)  # a report to a unit, per channel: kept, as the record of what was sent
CITIZEN = Kind("citizen")  # the reporter's e-mail, per history entry
NOTICE = Kind("notice", ttl=timedelta(days=180))  # a deadline reminder or breach, to the unit or the IOC
PUSH = Kind("push")
SMS = Kind("sms")
FOLLOWER = Kind("follower")  # a follower's e-mail
DIGEST = Kind("digest", owed=False, ttl=timedelta(days=30))  # retried by Lambda's retry of the schedule
WEEKLY_REPORT = Kind("weekly_report", owed=False)  # likewise
REOPEN = Kind("reopen", owed=False)  # a reopening e-mailed to the unit: retried by the stream
ROUTE = Kind("route", owed=False, ttl=timedelta(days=30))  # the reconciler's attempts to route a report
KINDS = {
    k.name: k for k in (FORWARD, CITIZEN, NOTICE, PUSH, SMS, FOLLOWER, DIGEST, WEEKLY_REPORT, REOPEN, ROUTE)
}


@dataclass(frozen=True)
class Claim:
    """The right to perform one effect now, as `claim` granted it."""

    pk: str
    sk: str
    kind: Kind
    attempts: int  # this one included
    data: dict[str, Any] = field(default_factory=dict)
    retry: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.pk, self.sk


@dataclass(frozen=True)
class Owed:
    """One record as the reconciler and the IOC see it."""

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


@dataclass(frozen=True)
class OwedPage:
    items: list[Owed]
    next_cursor: str | None


def word(status: str | None) -> str | None:
    """A stored status in the ledger's words (older records included)."""
    return _LEGACY.get(status, status) if status else None


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 5 min, 10, 20, 40, 80, then every 2 h. (The exponent is
    bounded: attempts keep counting across the IOC's resends, and 5 min × 2⁴⁰ is no longer a timedelta.)"""
    doublings: int = min(max(attempts - 1, 0), 10)
    return min(FIRST_DELAY * (1 << doublings), MAX_DELAY)


def error_name(exc: BaseException) -> str:
    """What the ledger and the logs keep of an error: its class, and for an AWS error the service's code
    (`ClientError:Throttling`); never the message, which could carry an address or other personal data."""
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return f"{type(exc).__name__}:{code}" if code else type(exc).__name__


def expires(at: datetime, ttl: timedelta) -> Any:
    """The action that lets the table's TTL remove the record `ttl` after `at`."""
    return LedgerItem.expires_at.set(_cal.timegm((at + ttl).utctimetuple()))


def _index(partition: str, at: datetime, pk: str, sk: str) -> list[Action]:
    return [LedgerItem.gsi1pk.set(partition), LedgerItem.gsi1sk.set(f"{utc_text(at)}#{pk}#{sk}")]


def claim(pk: str, sk: str, kind: Kind, now: datetime, data: dict[str, Any] | None = None) -> Claim | None:
    """Take the right to perform the effect (pk, sk) now: one conditional update that succeeds when the record
    does not exist, its last attempt failed, or its claim is older than the lease. Counts the attempt; `data`
    (the effect's ids) is kept from the first claim. None: it is done, given up, or another invocation holds
    a fresh claim. The caller performs the effect, then calls `done` or `fail`."""
    bind()
    stale = utc_text(now - LEASE)
    takeable = (
        LedgerItem.pk.does_not_exist()
        | (LedgerItem.status == FAILED)
        | (LedgerItem.status.is_in(CLAIMED, "sending") & (LedgerItem.updated_at < stale))
    )
    actions: list[Action] = [
        LedgerItem.status.set(CLAIMED),
        LedgerItem.attempts.add(1),
        LedgerItem.updated_at.set(utc_text(now)),
    ]
    if kind.ttl is not None:
        actions.append(expires(now, kind.ttl))
    if data is not None:
        actions.append(LedgerItem.data.set(LedgerItem.data | data))
    if kind.owed:  # owed until done: should this invocation die, the reconciler tries again after the lease
        actions += [
            LedgerItem.retry.set(LedgerItem.retry | {"kind": kind.name}),
            *_index(OWED, now + LEASE, pk, sk),
        ]
    item = LedgerItem(pk=pk, sk=sk)
    try:
        item.update(actions=actions, condition=takeable)
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return Claim(pk, sk, kind, int(item.attempts or 0), dict(item.data or {}), dict(item.retry or {}))


def done(claim: Claim, now: datetime, reference: str | None = None) -> None:
    """The effect happened: nobody claims it again, and it is owed no more. `reference`: the channel's own id
    of it (an SES message id, an HTTP status), kept with the record's data."""
    actions: list[Action] = [
        LedgerItem.status.set(DONE),
        LedgerItem.updated_at.set(utc_text(now)),
        LedgerItem.gsi1pk.remove(),
        LedgerItem.gsi1sk.remove(),
    ]
    if reference is not None:
        actions.append(LedgerItem.data.set({**claim.data, "reference": reference}))
    LedgerItem(pk=claim.pk, sk=claim.sk).update(actions=actions)


def fail(claim: Claim, now: datetime, error: str) -> None:
    """The attempt failed (`error`: an error class name, see `error_name`): `failed`, claimable again at once.
    An owed kind is scheduled for its next attempt after the backoff, or given up a day after its first
    failure. One update: the claim carries what the schedule needs."""
    retry = dict(claim.retry)
    first = _instant(retry.get("first_failed_at")) or now
    retry.update(kind=claim.kind.name, first_failed_at=utc_text(first), last_error=error[:ERROR_CHARS])
    outcome, index = FAILED, list[Action]()
    if claim.kind.owed and now - first >= GIVE_UP_AFTER:
        retry.update(given_up_at=utc_text(now), next_attempt_at=None)
        outcome, index = GIVEN_UP, _index(GIVEN_UP_PARTITION, now, claim.pk, claim.sk)
    elif claim.kind.owed:
        at = now + backoff(claim.attempts)
        retry.update(next_attempt_at=utc_text(at), given_up_at=None)
        index = _index(OWED, at, claim.pk, claim.sk)
    LedgerItem(pk=claim.pk, sk=claim.sk).update(
        actions=[
            LedgerItem.status.set(outcome),
            LedgerItem.updated_at.set(utc_text(now)),
            LedgerItem.retry.set(retry),
            *index,
        ]
    )


def fail_unclaimed(pk: str, sk: str, kind: Kind, now: datetime, error: str) -> None:
    """`fail` for an attempt that broke before it could record anything (a bug, the table unreachable for a
    moment): the record stays owed, with its next attempt after the backoff, instead of being due again at
    once. A record done or given up meanwhile is left as it is: marking it failed would send it again."""
    bind()
    item = LedgerItem.get(pk, sk, consistent_read=True)
    if word(item.status) in (DONE, GIVEN_UP):
        return
    attempts = int(item.attempts or 0)
    fail(Claim(pk, sk, kind, attempts, dict(item.data or {}), dict(item.retry or {})), now, error)


def give_up(pk: str, sk: str, kind: str, now: datetime, reason: str) -> None:
    """Stop retrying now (the effect no longer makes sense, e.g. the report went to another unit)."""
    bind()
    item = LedgerItem.get(pk, sk, consistent_read=True)
    retry = {**(item.retry or {}), "kind": kind, "last_error": reason, "given_up_at": utc_text(now)}
    retry["next_attempt_at"] = None
    item.update(
        actions=[
            LedgerItem.status.set(GIVEN_UP),
            LedgerItem.retry.set(retry),
            *_index(GIVEN_UP_PARTITION, now, pk, sk),
        ]
    )


def renew(pk: str, sk: str, now: datetime) -> Owed | None:
    """The IOC resends: the effect is owed again from now, claimable, with a fresh day of retries. None if it
    is unknown, done, or being performed right now (a fresh claim)."""
    bind()
    try:
        item = LedgerItem.get(pk, sk, consistent_read=True)
    except LedgerItem.DoesNotExist:
        return None
    current = word(item.status)
    fresh_claim = current == CLAIMED and (item.updated_at or "") >= utc_text(now - LEASE)
    if item.retry is None or item.gsi1pk not in (OWED, GIVEN_UP_PARTITION) or current == DONE or fresh_claim:
        return None
    retry = {**item.retry, "first_failed_at": utc_text(now), "next_attempt_at": utc_text(now)}
    retry["given_up_at"] = None
    item.update(
        actions=[LedgerItem.status.set(FAILED), LedgerItem.retry.set(retry), *_index(OWED, now, pk, sk)]
    )
    return _owed(item)


def status(pk: str, sk: str) -> str | None:
    """The record's status in the ledger's words, or None when nothing was ever claimed."""
    bind()
    try:
        return word(LedgerItem.get(pk, sk, consistent_read=True).status)
    except LedgerItem.DoesNotExist:
        return None


def get(pk: str, sk: str) -> Owed | None:
    bind()
    try:
        return _owed(LedgerItem.get(pk, sk, consistent_read=True))
    except LedgerItem.DoesNotExist:
        return None


def due(now: datetime, limit: int) -> list[Owed]:
    """Owed effects whose next attempt is at or before `now`, the longest waiting first (one Query)."""
    bind()
    items = LedgerItem.gsi1.query(
        OWED, LedgerItem.gsi1sk <= utc_text(now) + "#~", limit=limit, page_size=limit
    )
    return [_owed(i) for i in items]


def page(given_up: bool, limit: int, cursor: str | None) -> OwedPage:
    """One page of what is still owed (next attempt soonest first) or of what was given up (latest first)."""
    bind()
    partition = GIVEN_UP_PARTITION if given_up else OWED
    start = decode_cursor(cursor, "gsi1pk", partition, {"pk", "sk", "gsi1pk", "gsi1sk"})
    results = LedgerItem.gsi1.query(
        partition, scan_index_forward=not given_up, page_size=limit, last_evaluated_key=start
    )
    raw = next(results.page_iter)
    items = [_owed(LedgerItem.from_raw_data(r)) for r in raw.get("Items", [])]
    return OwedPage(items=items, next_cursor=encode_cursor(raw.get("LastEvaluatedKey")))


def parse_ref(ref: str) -> tuple[str, str]:
    """The ledger key behind an `Owed.ref` (InvalidInput when it is not one)."""
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
    next_attempt = _instant(retry.get("next_attempt_at"))
    if item.gsi1pk == OWED and item.gsi1sk:  # the index says when, a claim's lease end included
        next_attempt = _instant(item.gsi1sk.partition("#")[0]) or next_attempt
    return Owed(
        pk=item.pk,
        sk=item.sk,
        kind=str(retry.get("kind", "")),
        status=word(item.status) or "",
        attempts=int(item.attempts or 0),
        last_error=retry.get("last_error"),
        first_failed_at=_instant(retry.get("first_failed_at")),
        next_attempt_at=next_attempt,
        given_up_at=_instant(retry.get("given_up_at")),
        updated_at=_instant(item.updated_at),
        data=dict(item.data or {}),
    )


__all__ = [
    "CLAIMED",
    "DONE",
    "FAILED",
    "GIVEN_UP",
    "KINDS",
    "LEASE",
    "Claim",
    "Kind",
    "Owed",
    "OwedPage",
    "claim",
    "done",
    "due",
    "error_name",
    "fail",
    "fail_unclaimed",
    "get",
    "give_up",
    "page",
    "parse_ref",
    "renew",
    "status",
]
