"""HTTP plumbing shared by every route: parsing bodies, the caller, and domain errors as responses.

Errors follow api.md: `{"error": {"code", "message", "details": [{"field", "message"}]}}` with Vietnamese
messages that name the field. Bad input never yields a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.api.auth import AuthError, actor_from_context, verify_token
from chalicelib.domain import errors
from chalicelib.domain.access import Actor

if TYPE_CHECKING:  # pydantic loads with the first body parsed: a read or a stream record never needs it, and
    # Powertools' batch utility loads its ~170 ms of parser models only if pydantic is already imported.
    from pydantic import BaseModel, ValidationError

MAX_BODY_BYTES = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


_DOMAIN_STATUS: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.InvalidInput: (400, "invalid_input"),
    errors.LocationOutsideProvince: (422, "location_outside_province"),
    errors.ReportNotFound: (404, "report_not_found"),
    errors.NotAllowed: (403, "forbidden"),
    errors.TransitionNotAllowed: (409, "transition_not_allowed"),
    errors.ConcurrentUpdate: (409, "version_conflict"),
    errors.ReportNotDeletable: (409, "report_not_deletable"),
    errors.QuotaExceeded: (429, "too_many_reports"),
    errors.AttachmentLimit: (409, "attachment_limit"),
    errors.Unprocessable: (422, "unprocessable"),
}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return Response(body=text, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return json_response(
        {"error": {"code": code, "message": message, "details": details or []}}, status, headers
    )


def error_for(exc: Exception) -> Response | None:
    """The response for a known error type, or None for a bug (which the app turns into a 500)."""
    if isinstance(exc, HttpError):
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
    if isinstance(exc, AuthError):
        return error_response(401, exc.code, exc.message, headers={"WWW-Authenticate": "Bearer"})
    for cls in type(exc).__mro__:
        if cls in _DOMAIN_STATUS:
            status, code = _DOMAIN_STATUS[cls]
            assert isinstance(exc, errors.DomainError)
            return error_response(status, getattr(exc, "code", None) or code, exc.message, exc.details)
    return None


# --- request bodies ---

_MESSAGES: dict[str, str] = {
    "missing": "Thiếu trường bắt buộc '{field}'.",
    "string_too_short": "Trường '{field}' phải có ít nhất {min_length} ký tự.",
    "string_too_long": "Trường '{field}' chỉ được tối đa {max_length} ký tự.",
    "string_type": "Trường '{field}' phải là chuỗi ký tự.",
    "float_type": "Trường '{field}' phải là số.",
    "int_type": "Trường '{field}' phải là số nguyên.",
    "bool_type": "Trường '{field}' phải là true hoặc false.",
    "greater_than_equal": "Trường '{field}' phải lớn hơn hoặc bằng {ge}.",
    "less_than_equal": "Trường '{field}' phải nhỏ hơn hoặc bằng {le}.",
    "greater_than": "Trường '{field}' phải lớn hơn {gt}.",
    "less_than": "Trường '{field}' phải nhỏ hơn {lt}.",
    "literal_error": "Giá trị của trường '{field}' không hợp lệ; cho phép: {expected}.",
    "model_type": "Trường '{field}' phải là một đối tượng JSON.",
    "model_attributes_type": "Trường '{field}' phải là một đối tượng JSON.",
    "dict_type": "Trường '{field}' phải là một đối tượng JSON.",
    "list_type": "Trường '{field}' phải là một danh sách.",
    "too_short": "Trường '{field}' phải có ít nhất {min_length} phần tử.",
    "too_long": "Trường '{field}' chỉ được tối đa {max_length} phần tử.",
    "datetime_type": "Trường '{field}' phải là thời điểm ISO 8601 có múi giờ.",
    "datetime_parsing": "Trường '{field}' phải là thời điểm ISO 8601 có múi giờ.",
    "datetime_from_date_parsing": "Trường '{field}' phải là thời điểm ISO 8601 có múi giờ.",
    "timezone_aware": "Trường '{field}' phải ghi rõ múi giờ (ví dụ +07:00).",
    "date_from_datetime_parsing": "Trường '{field}' phải là ngày dạng YYYY-MM-DD.",
    "date_parsing": "Trường '{field}' phải là ngày dạng YYYY-MM-DD.",
    "date_type": "Trường '{field}' phải là ngày dạng YYYY-MM-DD.",
    "text_control": "Trường '{field}' chứa ký tự điều khiển hoặc ký tự đảo chiều văn bản không được phép.",
    "instant_range": "Trường '{field}' phải là thời điểm trong khoảng năm {min_year}–{max_year}.",
}
_VALUE_MESSAGES = {
    "phone": "Trường '{field}' phải là số điện thoại Việt Nam hợp lệ (ví dụ 0912345678).",
    "email": "Trường '{field}' phải là địa chỉ thư điện tử hợp lệ.",
}


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    details = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "body"
        ctx = dict(err.get("ctx") or {})
        kind = err["type"]
        if kind == "value_error":
            template = _VALUE_MESSAGES.get(
                str(ctx.get("error")), "Giá trị của trường '{field}' không hợp lệ."
            )
        else:
            template = _MESSAGES.get(kind, "Giá trị của trường '{field}' không hợp lệ.")
        try:
            message = template.format(field=field, **{k: v for k, v in ctx.items() if k != "field"})
        except (KeyError, IndexError):
            message = f"Giá trị của trường '{field}' không hợp lệ."
        details.append({"field": field, "message": message})
    return details


def parse_body[M: BaseModel](raw: bytes | None, model: type[M]) -> M:
    """Validate a JSON request body against a schema, or raise the 400/413 that says what is wrong."""
    raw = raw or b""
    if len(raw) > MAX_BODY_BYTES:
        raise HttpError(413, "payload_too_large", "Nội dung yêu cầu vượt quá 1 MB.")
    if not raw.strip():
        raise HttpError(400, "malformed_json", "Thiếu nội dung JSON của yêu cầu.")
    from pydantic import ValidationError

    try:
        return model.model_validate_json(raw)
    except ValidationError as e:
        if any(err["type"] == "json_invalid" for err in e.errors()):
            raise HttpError(400, "malformed_json", "Nội dung yêu cầu không phải JSON hợp lệ.") from e
        if any(
            err["type"] in ("model_type", "model_attributes_type") and not err["loc"] for err in e.errors()
        ):
            raise HttpError(400, "malformed_json", "Nội dung yêu cầu phải là một đối tượng JSON.") from e
        details = validation_details(e)
        raise HttpError(400, "invalid_input", details[0]["message"], details) from e


def parse_query(params: dict[str, str] | None, name: str, parse: Callable[[str], Any], label: str) -> Any:
    """One query parameter through `parse`, or a 400 naming it."""
    value = (params or {}).get(name)
    if value is None or value == "":
        return None
    try:
        return parse(value)
    except (ValueError, TypeError) as e:
        message = f"Tham số '{name}' không hợp lệ: cần {label}."
        raise HttpError(400, "invalid_query", message, [{"field": name, "message": message}]) from e


def parse_limit(params: dict[str, str] | None) -> int:
    def _limit(v: str) -> int:
        n = int(v)
        if not 1 <= n <= 100:
            raise ValueError(v)
        return n

    return parse_query(params, "limit", _limit, "số nguyên từ 1 đến 100") or 20


# --- the caller ---


def actor_from_request(request: Any) -> Actor:
    """The caller that the built-in authorizer let through; its verdict rides in the authorizer context."""
    ctx = (request.context or {}).get("authorizer") or {}
    if ctx.get("auth_error"):
        raise AuthError(ctx["auth_error"], ctx.get("auth_message") or "Mã xác thực không hợp lệ.")
    if not ctx.get("sub"):
        raise AuthError("missing_token", "Thiếu mã xác thực (Authorization: Bearer).")
    return actor_from_context(ctx)


def optional_actor(request: Any) -> Actor | None:
    """For public routes that show more to a signed-in caller: no header is anonymous, a bad one is a 401."""
    header = (request.headers or {}).get("authorization")
    if not header:
        return None
    return verify_token(header)
