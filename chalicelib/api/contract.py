"""Each HTTP operation's contract, declared next to its route (chalicelib/routes/): its parameters with their real
types, formats, enums and bounds, its request and response schemas, the statuses it can really answer, and
the roles that may call it. The OpenAPI document (api/openapi.py) is built from what the routes declared, so
what is served and what is documented cannot drift apart; the conformance test (tests/e2e/
test_conformance_e2e.py) calls every operation as every role and fails on any mismatch.

Parameters are described so that a client generated from the document sends only what the server accepts:
instants and days within the years the server takes (2000–2100), limits within their bounds, ids of their
length. A few rules involve two fields (`until` not before `since`, at most a year of calendar); each is said
in its operation's description.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # declaring a route loads no pydantic (http.py says why)
    from pydantic import BaseModel

Auth = Literal["none", "bearer", "optional"]

# Statuses and what each means in this API (api.md "Errors").
STATUS_TEXT: Mapping[int, str] = {
    200: "OK",
    201: "Đã tạo",
    204: "Không có nội dung",
    400: "Dữ liệu không hợp lệ (error.details nêu trường sai)",
    401: "Thiếu hoặc sai mã xác thực",
    403: "Vai trò của người gọi không được phép",
    404: "Không tìm thấy (hoặc người gọi không được xem)",
    409: "Trạng thái hiện tại không cho phép, hoặc xung đột phiên bản",
    413: "Nội dung yêu cầu quá lớn (tối đa 1 MB)",
    415: "Content-Type không được hỗ trợ",
    422: "Hợp lệ về hình thức nhưng không xử lý được (ví dụ: vị trí ngoài tỉnh)",
    429: "Vượt giới hạn (số phản ánh trong ngày, số yêu cầu của khóa)",
}

ROLE_NAMES: Mapping[str, str] = {
    "citizen": "người dân",
    "officer": "cán bộ đơn vị",
    "ioc": "Tổ điều hành IOC",
    "tech": "kỹ thuật IOC",
}

# Year bounds the server accepts for every day and instant (domain/instants.py).
DAY_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"
INSTANT_PATTERN = (
    r"^(20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-2]):00))?$"
)
REPORT_ID = {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$", "description": "Mã phản ánh (26 ký tự)"}


# A schema is named "module.Model" (a module of chalicelib/api/) and imported when the document is built, so
# that declaring a route does not load its schemas (and what they import) into every cold start.
ModelRef = str | tuple[str, ...] | None


def resolve(ref: str) -> type[BaseModel]:
    from pydantic import BaseModel

    module, _, name = ref.rpartition(".")
    model = getattr(importlib.import_module(f"chalicelib.api.{module}"), name)
    assert isinstance(model, type) and issubclass(model, BaseModel), ref
    return model


@dataclass(frozen=True)
class Op:
    """One operation: what its route accepts and answers.

    `ok` maps success statuses to the response model ("module.Model", a tuple of them for any of them, or None:
    no body, or a free object); `errors` are the 4xx it can answer besides 401 (from `auth`) and 403 (from
    `roles`). `roles`: who may call (empty: anyone); with `gate`, the route refuses other roles (403) before
    the handler runs; without it, the service decides from the report (an officer of its unit)."""

    method: str
    path: str
    summary: str
    auth: Auth = "none"
    roles: tuple[str, ...] = ()
    gate: bool = False
    query: tuple[dict[str, Any], ...] = ()
    path_params: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    body: str | None = None
    ok: Mapping[int, ModelRef] = field(default_factory=lambda: {200: None})
    errors: tuple[int, ...] = ()
    csv: bool = False
    idempotent: bool = False
    description: str = ""
    content_types: tuple[str, ...] = ("application/json",)
    raw: Callable[[], Mapping[str, Any]] | None = None  # a hand-written operation (Open311: XML, forms)

    @property
    def key(self) -> tuple[str, str]:
        return self.path, self.method


OPERATIONS: dict[tuple[str, str], Op] = {}


def declare(op: Op) -> Op:
    """Called by the route decorator: the operation becomes part of the served document."""
    OPERATIONS[op.key] = op
    return op


# ------------------------------------------------------------------------------------------------ parameters


def query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def enum(name: str, values: list[str], description: str) -> dict[str, Any]:
    return query(name, {"type": "string", "enum": values}, description)


def text(name: str, description: str, max_length: int = 50) -> dict[str, Any]:
    return query(name, {"type": "string", "minLength": 1, "maxLength": max_length}, description)


def day(name: str, description: str, required: bool = False) -> dict[str, Any]:
    schema = {"type": "string", "format": "date", "pattern": DAY_PATTERN}
    return query(name, schema, description + " (YYYY-MM-DD, năm 2000–2100)", required)


def instant(name: str, description: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": INSTANT_PATTERN}
    return query(name, schema, description + " (ngày YYYY-MM-DD hoặc thời điểm ISO 8601, năm 2000–2100)")


LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Số mục tối đa mỗi trang"
)
CURSOR = query("cursor", {"type": "string", "minLength": 1}, "next_cursor của trang trước")
BOOLEAN = ["true", "false"]
STATUSES = ["received", "assigned", "in_progress", "rejected", "resolved"]
