"""Everything still owed, of every kind, and what the IOC does about it (issue 12, point 2).

A failed effect (forwarding to a unit, an e-mail to a citizen, a deadline notice, a push or SMS) stays owed in
the once-only ledger (store/ledger.py), with its next attempt. The reconciler (`retry_due`, run on a schedule)
tries each one whose time has come again through the kind's own sender, which claims the record exactly as the
first attempt did, so a retry never sends twice. The IOC lists them (`listing`, `GET /v1/deliveries`) and can
resend one now (`resend`).

A kind is registered in `KINDS` as "module:function", imported only when needed; the function takes the owed
record, the instant and the sender, performs the effect once (or records its failure again) and returns True
when it was sent now. A new channel or kind adds a `ledger.Kind` and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain import errors
from chalicelib.domain.errors import ReportNotFound
from chalicelib.domain.report import parse_instant, vn_time
from chalicelib.notify import senders
from chalicelib.store import ledger
from chalicelib.store.ledger import Owed

logger = Logger(service="fieldreport", child=True)

KINDS: dict[str, str] = {
    ledger.FORWARD.name: "chalicelib.services.forwarding:retry_owed",
    ledger.CITIZEN.name: "chalicelib.services.citizen_notify:retry_owed",
    ledger.NOTICE.name: "chalicelib.services.watch:retry_owed",
    # issue 15: push, SMS and a follower's e-mail, rebuilt from the report's history
    ledger.PUSH.name: "chalicelib.services.citizen_channels:retry_owed",
    ledger.SMS.name: "chalicelib.services.citizen_channels:retry_owed",
    ledger.FOLLOWER.name: "chalicelib.services.citizen_channels:retry_owed",
}
MAX_PER_RUN = 100  # a backlog is worked through over several runs, oldest first

Retry = Callable[[Owed, datetime, senders.Sender], bool]


class DeliveryNotFound(ReportNotFound):
    """No such delivery owed (unknown, or already sent) (404)."""

    code = "delivery_not_found"


def _handler(kind: str) -> Retry | None:
    ref = KINDS.get(kind)
    if ref is None:
        return None
    module, _, name = ref.partition(":")
    handler: Retry = getattr(importlib.import_module(module), name)
    return handler


def _status(owed: Owed) -> str:
    """The API's word for a record: `sent` once done, `given_up`, else `failed` (owed, a claim included)."""
    if owed.status == ledger.DONE:
        return "sent"
    return "given_up" if owed.status == ledger.GIVEN_UP or owed.given_up_at else "failed"


def _row(owed: Owed) -> dict[str, Any]:
    from chalicelib.domain.units import UnitRegistry

    data = owed.data
    report_id = str(data.get("report_id") or owed.pk.partition("#")[2])
    unit_code = data.get("unit_code") or data.get("unit")
    if owed.kind == ledger.NOTICE.name and data.get("audience") == "ioc":
        unit_code = None
    unit = UnitRegistry.default().get(unit_code) if unit_code else None
    status = _status(owed)
    try:
        assigned = parse_instant(data["assigned_at"]) if data.get("assigned_at") else None
    except ValueError:
        assigned = None
    return {
        "id": owed.ref,
        "kind": owed.kind,
        "report_id": report_id,
        "unit": {"code": unit_code, "name": unit.name if unit else unit_code} if unit_code else None,
        "channel": data.get("channel") or _channel(owed.kind),
        "status": status,
        "attempts": owed.attempts,
        "last_error": owed.last_error,
        "assigned_at": vn_time(assigned),
        "first_failed_at": vn_time(owed.first_failed_at),
        "next_attempt_at": vn_time(owed.next_attempt_at) if status == "failed" else None,
        "given_up_at": vn_time(owed.given_up_at),
        "updated_at": vn_time(owed.updated_at),
    }


def _channel(kind: str) -> str:
    return {ledger.PUSH.name: "push", ledger.SMS.name: "sms"}.get(kind, "email")


class Deliveries:
    """The reconciler's retries and the IOC's list and resend, with the sender every retry sends through."""

    def __init__(self, sender: senders.Sender | None = None) -> None:
        self.sender = sender or senders.registry()

    def attempt(self, owed: Owed, now: datetime) -> bool:
        """Try one owed effect again through its kind's sender. A sender that breaks before it could record
        anything (a bug, the table unreachable) still leaves the record owed, never spinning."""
        handler = _handler(owed.kind)
        if handler is None:
            ledger.give_up(owed.pk, owed.sk, owed.kind, now, "UnknownKind")
            return False
        try:
            return handler(owed, now, self.sender)
        except Exception as exc:
            logger.exception("retry failed", extra={"kind": owed.kind, "key": owed.ref})
            ledger.fail_unclaimed(owed.pk, owed.sk, ledger.KINDS[owed.kind], now, ledger.error_name(exc))
            return False

    def retry_due(self, now: datetime, limit: int = MAX_PER_RUN) -> dict[str, int]:
        """The reconciler's second half: every owed effect whose next attempt has come, tried once."""
        counts = {"retried": 0, "sent": 0}
        for owed in ledger.due(now, limit):
            counts["retried"] += 1
            counts["sent"] += int(self.attempt(owed, now))
        return counts

    def listing(self, status: str, limit: int, cursor: str | None) -> dict[str, Any]:
        """GET /v1/deliveries: `failed` (still owed, next attempt soonest first) or `given_up` (latest first),
        every kind. No personal data: report ids, units, channels, error class names."""
        page = ledger.page(status == "given_up", limit, cursor)
        return {"items": [_row(o) for o in page.items], "next_cursor": page.next_cursor}

    def resend(self, ref: str, now: datetime) -> dict[str, Any]:
        """The IOC resends one owed effect now (given up or waiting for its next attempt); it gets a fresh day
        of retries if this attempt fails too. Answers the delivery as it stands afterwards."""
        try:
            pk, sk = ledger.parse_ref(ref)
        except errors.InvalidInput:  # not an id this system gave: as for an unknown one
            raise DeliveryNotFound("Không tìm thấy lượt gửi tin cần gửi lại.") from None
        owed = ledger.renew(pk, sk, now)
        if owed is None:
            raise DeliveryNotFound("Không tìm thấy lượt gửi tin cần gửi lại.")
        self.attempt(owed, now)
        after = ledger.get(pk, sk)
        assert after is not None
        return _row(after)


# The handlers' entry points, with the services wiring builds.


def listing(status: str, limit: int, cursor: str | None) -> dict[str, Any]:
    from chalicelib import wiring

    return wiring.deliveries().listing(status, limit, cursor)


def resend(ref: str, now: datetime) -> dict[str, Any]:
    from chalicelib import wiring

    return wiring.deliveries().resend(ref, now)


def retry_due(now: datetime, limit: int = MAX_PER_RUN) -> dict[str, int]:
    from chalicelib import wiring

    return wiring.deliveries().retry_due(now, limit)
