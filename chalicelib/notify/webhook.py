"""Signed webhooks: POST a JSON body to a unit's document-management system (docs/forwarding.md).

Headers:
- `X-PAHT-Signature: sha256=<hex>`: HMAC-SHA256 of the raw request body with the unit's shared secret;
- `X-PAHT-Timestamp`: when it was sent (Unix seconds; the body's `sent_at` says the same and is signed);
- `X-PAHT-Delivery`: the delivery's id, the same on every retry of the same delivery (drop duplicates by it).

Standard library only (urllib), with a timeout and no redirects: a 3xx, 4xx or 5xx answer is a failure that the
stream retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.domain.report import Report
    from chalicelib.domain.units import Unit

SIGNATURE_HEADER = "X-PAHT-Signature"
TIMESTAMP_HEADER = "X-PAHT-Timestamp"
DELIVERY_HEADER = "X-PAHT-Delivery"
USER_AGENT = "PAHT-DienBien-Webhook/1"
TIMEOUT_SECONDS = 10.0
EVENT_ASSIGNED = "report.assigned"


class WebhookError(Exception):
    """The receiver did not accept the delivery (a non-2xx answer)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"webhook answered HTTP {status}")
        self.status = status


class WebhookSecretMissing(Exception):
    """The unit's signing secret is not configured: nothing unsigned is ever sent."""


def sign(body: bytes, secret: str) -> str:
    """The `X-PAHT-Signature` value for `body`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """What a receiver does: recompute the signature over the raw body and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer we do not follow: urllib raises it as an HTTPError


_opener = urllib.request.build_opener(_NoRedirect)


def post(
    url: str, body: bytes, secret: str, delivery_id: str, timestamp: int, timeout: float = TIMEOUT_SECONDS
) -> int:
    """POST `body` (JSON) signed with `secret`; returns the HTTP status (2xx) or raises."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):  # units.json itself demands https
        raise ValueError("webhook url must be http(s)")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(body, secret),
            TIMESTAMP_HEADER: str(timestamp),
            DELIVERY_HEADER: delivery_id,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(1024)
    except urllib.error.HTTPError as e:
        raise WebhookError(e.code) from None
    if not 200 <= status < 300:
        raise WebhookError(status)
    return status


def assigned_body(report: Report, unit: Unit, delivery_id: str, now: datetime) -> bytes:
    """The JSON a unit's system receives when a report is assigned to it: the report as an officer of that unit
    sees it in the API (the private view, rendered by chalicelib/api/views.py: one view for every edge)."""
    from chalicelib.api.views import report_view
    from chalicelib.domain.access import unit_actor
    from chalicelib.domain.report import vn_time
    from chalicelib.media import read_url
    from chalicelib.notify import links

    sent_at = vn_time(now)
    assert sent_at is not None
    payload = {
        "event": EVENT_ASSIGNED,
        "delivery_id": delivery_id,
        "sent_at": sent_at.isoformat(),
        "unit": {"code": unit.code, "name": unit.name},
        "report": report_view(report, unit_actor(unit.code), now, read_url),
        "links": {"report": links.console_report_url(report.id)},
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
