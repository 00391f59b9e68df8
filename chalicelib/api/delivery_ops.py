"""OpenAPI operations of what is still owed (issue 12): the IOC's resend. Included from openapi.py."""

from __future__ import annotations

from typing import Any

from chalicelib.api import deliveries

OPERATIONS: list[Any] = [
    (
        "post",
        "/v1/deliveries/{delivery_id}/resend",
        "Gửi lại ngay một lượt gửi tin bị lỗi hoặc đã bỏ cuộc (IOC); trả về trạng thái sau khi gửi",
        None,
        {200: deliveries.DeliveryOut},
        True,
        [],
    ),
]
