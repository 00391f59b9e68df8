"""API Gateway's own answers (no token, access denied, throttled...) in the API's error shape (api.md).

infra/api.py sets these as Gateway Responses; the local stack answers the same way for the errors that
its Chalice server raises before the app runs (a missing token), so clients see one shape everywhere.
"""

from __future__ import annotations

import json

# Gateway response type -> (status, code, Vietnamese message)
GATEWAY_RESPONSES: dict[str, tuple[int, str, str]] = {
    "UNAUTHORIZED": (401, "missing_token", "Thiếu hoặc sai mã xác thực (Authorization: Bearer)."),
    "ACCESS_DENIED": (403, "forbidden", "Bạn không có quyền thực hiện thao tác này."),
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "Không tìm thấy đường dẫn này."),
    "THROTTLED": (429, "too_many_requests", "Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút."),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "Nội dung yêu cầu quá lớn."),
    "DEFAULT_4XX": (400, "bad_request", "Yêu cầu không hợp lệ."),
    "DEFAULT_5XX": (500, "internal_error", "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."),
}


def body(response_type: str) -> str:
    _, code, message = GATEWAY_RESPONSES[response_type]
    return json.dumps({"error": {"code": code, "message": message, "details": []}}, ensure_ascii=False)
