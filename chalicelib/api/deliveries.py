"""Response schemas of `GET /v1/deliveries` (issue 4): deliveries of reports to units that failed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.api.schemas import CodeName, Out


class DeliveryOut(Out):
    report_id: str
    unit: CodeName
    channel: Literal["email", "webhook"]
    status: Literal["sending", "sent", "failed"]
    attempts: int
    last_error: str | None
    assigned_at: datetime | None
    updated_at: datetime | None


class DeliveryList(Out):
    items: list[DeliveryOut]
    next_cursor: str | None
