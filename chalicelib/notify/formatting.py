"""How dates and numbers look in Vietnamese messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.report import VN_OFFSET

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def vn_datetime(value: datetime | None) -> str:
    """'17:00 Thứ Sáu, 08/05/2026' in Vietnam time; a deadline at 23:59:59 reads 'hết ngày ...'."""
    if value is None:
        return "—"
    local = value.astimezone(VN_OFFSET)
    day = f"{WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"
    if (local.hour, local.minute) == (23, 59):
        return f"hết ngày {day}"
    return f"{local:%H:%M} {day}"


def vn_date(value: datetime | None) -> str:
    return "—" if value is None else f"{value.astimezone(VN_OFFSET):%d/%m/%Y}"


FILTERS: dict[str, Any] = {"vn_datetime": vn_datetime, "vn_date": vn_date}
