"""Response schemas of `GET /v1/deliveries` and `POST /v1/deliveries/{delivery_id}/resend` (issues 4, 12):
everything still owed, of every kind (forwarding to a unit, e-mail to a citizen, deadline notice), being
retried or given up."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.api.schemas import CodeName, Out


class DeliveryOut(Out):
    id: str  # opaque; what the IOC's resend names
    kind: Literal["forward", "citizen", "notice", "sms", "push", "follower"]
    report_id: str
    unit: CodeName | None  # the unit concerned; none for a citizen's e-mail or the IOC's escalation
    channel: Literal["email", "webhook", "sms", "push"]
    status: Literal["failed", "given_up", "sent"]
    attempts: int
    last_error: str | None
    assigned_at: datetime | None
    first_failed_at: datetime | None
    next_attempt_at: datetime | None
    given_up_at: datetime | None
    updated_at: datetime | None


class DeliveryList(Out):
    items: list[DeliveryOut]
    next_cursor: str | None
