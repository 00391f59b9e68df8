"""Deliveries that must happen once: deadline notices and daily digests, claimed in the ledger before sending.

A delivery is one record in the ledger table, claimed with a conditional write before the e-mail goes out:

* ``claimed``: a sweep owns it and is sending; another sweep that finds it claimed leaves it alone, unless the
  claim is older than the lease (the owner died between claiming and recording the outcome);
* ``sent``: done; nobody sends it again;
* ``failed``: the send failed; the next run claims it again and retries.

Undelivered records (claimed or failed) carry ``gsi1pk = "undelivered"`` so the IOC can list them; a sent
record leaves that index. Keys:

* a notice: ``pk = "notice#<report id>"``, ``sk = "<notice key>#<audience>"`` (audience ``unit`` or ``ioc``):
  one record per report, per deadline notice, per recipient group;
* a digest: ``pk = "digest#<local day>"``, ``sk = "<unit code>"``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.report import utc_text
from chalicelib.store import once
from chalicelib.store.models import LedgerItem, bind

UNDELIVERED_PARTITION = "undelivered"
DEFAULT_LEASE = timedelta(
    minutes=10
)  # longer than a sweep can run (Lambda timeout 30 s), shorter than 15 min
NOTICE_TTL = timedelta(days=180)
DIGEST_TTL = timedelta(days=30)


class Claim(StrEnum):
    CLAIMED = "claimed"  # this caller owns the delivery and must send it, then record the outcome
    SENT = "sent"  # already delivered
    BUSY = "busy"  # another run holds a fresh claim


def notice_delivery_key(report_id: str, notice_key: str, audience: str) -> tuple[str, str]:
    return f"notice#{report_id}", f"{notice_key}#{audience}"


def digest_key(day: date, unit_code: str) -> tuple[str, str]:
    return f"digest#{day.isoformat()}", unit_code


class NoticeLedger:
    """Claims and outcomes of once-only deliveries (the ledger table)."""

    def __init__(self, lease: timedelta = DEFAULT_LEASE) -> None:
        bind()
        self.lease = lease

    def claim(
        self, key: tuple[str, str], now: datetime, data: dict[str, Any], ttl: timedelta = NOTICE_TTL
    ) -> Claim:
        """Claim a delivery: succeeds for a new one, a failed one, or one whose claim is older than the
        lease (its owner died before recording the outcome)."""
        pk, sk = key
        taken = once.take(
            pk,
            sk,
            now,
            self.lease,
            actions=[
                LedgerItem.data.set(data),
                once.expires(now, ttl),
                LedgerItem.gsi1pk.set(UNDELIVERED_PARTITION),
                LedgerItem.gsi1sk.set(f"{utc_text(now)}#{pk}#{sk}"),
            ],
        )
        if taken is None:
            return Claim.SENT if self.status(key) == "sent" else Claim.BUSY
        return Claim.CLAIMED

    def status(self, key: tuple[str, str]) -> str | None:
        try:
            item = LedgerItem.get(key[0], key[1], consistent_read=True)
        except LedgerItem.DoesNotExist:
            return None
        return item.status

    def mark_sent(self, key: tuple[str, str], now: datetime) -> None:
        LedgerItem(pk=key[0], sk=key[1]).update(
            actions=[
                LedgerItem.status.set("sent"),
                LedgerItem.updated_at.set(utc_text(now)),
                LedgerItem.gsi1pk.remove(),
                LedgerItem.gsi1sk.remove(),
            ]
        )

    def mark_failed(self, key: tuple[str, str], now: datetime, data: dict[str, Any], error: str) -> None:
        now_text = utc_text(now)
        LedgerItem(pk=key[0], sk=key[1]).update(
            actions=[
                LedgerItem.status.set("failed"),
                LedgerItem.updated_at.set(now_text),
                LedgerItem.data.set({**data, "error": error[:300]}),
                LedgerItem.gsi1pk.set(UNDELIVERED_PARTITION),
                LedgerItem.gsi1sk.set(f"{now_text}#{key[0]}#{key[1]}"),
            ]
        )

    def undelivered(self, limit: int = 100) -> list[dict[str, Any]]:
        """Deliveries claimed or failed and not yet sent, oldest first (for the IOC; one Query)."""
        from chalicelib.store import retries

        out = []
        # Claimed ones wait here; failed ones are on the list of what is still owed, with every other kind.
        claimed = list(LedgerItem.gsi1.query(UNDELIVERED_PARTITION, limit=limit))
        owed = [
            i
            for i in LedgerItem.gsi1.query(retries.PENDING, limit=limit)
            if i.pk.startswith(("notice#", "digest#"))
        ]
        for item in claimed + owed:
            out.append(
                {
                    "pk": item.pk,
                    "sk": item.sk,
                    "status": item.status,
                    "attempts": int(item.attempts or 0),
                    "updated_at": item.updated_at,
                    "data": item.data or {},
                }
            )
        return out


__all__ = ["Claim", "NoticeLedger", "digest_key", "notice_delivery_key"]
