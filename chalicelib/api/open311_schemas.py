"""Schemas of the IOC's Open311 key administration (`/v1/open311/keys`) and of the GeoReport v2 answers, for
the OpenAPI document (the key routes name these models; routes/open311.py takes its operations from paths())."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.contract import INSTANT_PATTERN
from chalicelib.api.fields import Whole, text_pattern
from chalicelib.api.schemas import Out, _In


class KeyRequest(_In):
    name: Annotated[str, Field(min_length=2, max_length=100, description="Tên ứng dụng được cấp khóa")]
    rate_limit_per_hour: Annotated[
        Whole(ge=1, le=100000) | None,
        Field(description="Số yêu cầu POST tối đa mỗi giờ (mặc định 120)"),
    ] = None


class KeyOut(Out):
    key_id: str
    name: str
    rate_limit_per_hour: int
    created_at: datetime
    revoked_at: datetime | None


class IssuedKeyOut(KeyOut):
    api_key: str = Field(description="Khóa api_key; chỉ hiển thị một lần")


class KeyList(Out):
    items: list[KeyOut]


# --- GeoReport v2 answers (JSON; the XML carries the same fields) ---


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Open311Error(_Wire):
    code: int
    description: str


class Open311Service(_Wire):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class Open311AttributeValue(_Wire):
    key: str
    name: str


class Open311Attribute(_Wire):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[Open311AttributeValue]


class Open311ServiceDefinition(_Wire):
    service_code: str
    attributes: list[Open311Attribute]


class Open311Request(_Wire):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: Annotated[str, Field(max_length=4000)]
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None


class Open311Created(_Wire):
    service_request_id: str
    service_notice: str
    account_id: str | None


class Open311Token(_Wire):
    service_request_id: str
    token: str


class Open311Update(_Wire):
    update_id: str
    service_request_id: str
    status: Literal["open", "closed"]
    updated_datetime: datetime
    description: str
    media_url: str | None


class Open311Endpoint(_Wire):
    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: list[Literal["text/xml", "application/json"]]


class Open311Discovery(_Wire):
    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[Open311Endpoint]


WIRE_MODELS: list[type[BaseModel]] = [
    Open311Error,
    Open311Service,
    Open311ServiceDefinition,
    Open311Request,
    Open311Created,
    Open311Token,
    Open311Update,
    Open311Discovery,
]

# Query parameters of the GeoReport v2 reads, with their real types.
_JURISDICTION: dict[str, Any] = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["dienbien.gov.vn"]},
}
_DATE = {
    "type": "string",
    "pattern": INSTANT_PATTERN,
    "description": "W3C/ISO 8601 có múi giờ, hoặc một ngày YYYY-MM-DD (giờ Việt Nam), năm 2000–2100",
}
_ID_LIST = "^[0-9A-HJKMNP-TV-Z]{26}(,[0-9A-HJKMNP-TV-Z]{26}){0,99}$"
_LINE = {"type": "string", "pattern": text_pattern(False)}
_WINDOW: list[dict[str, Any]] = [
    {"name": "start_date", "in": "query", "required": False, "schema": _DATE},
    {"name": "end_date", "in": "query", "required": False, "schema": _DATE},
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "description": "1, hoặc mã trang sau trong header Link (rel=next)"},
    },
    {
        "name": "page_size",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 100},
    },
]
_REQUEST_QUERY: list[dict[str, Any]] = [
    {
        "name": "service_request_id",
        "in": "query",
        "required": False,
        "schema": {
            "type": "string",
            "pattern": _ID_LIST,
            "description": "Các mã cách nhau bởi dấu phẩy (tối đa 100); bỏ qua các lọc khác",
        },
    },
    {"name": "service_code", "in": "query", "required": False, "schema": {"type": "string"}},
    {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["open", "closed", "open,closed"]},
    },
    *_WINDOW,
]
_FORM_FIELDS: dict[str, Any] = {
    "api_key": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.-]+$"},
    "jurisdiction_id": {"type": "string", "enum": ["dienbien.gov.vn"]},
    "service_code": {"type": "string"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {**_LINE, "maxLength": 500},
    "email": {
        "type": "string",
        "maxLength": 254,
        "pattern": r"^[A-Za-z0-9._-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}$",
    },
    "device_id": {**_LINE, "maxLength": 100},
    "account_id": {**_LINE, "maxLength": 100},
    "first_name": {**_LINE, "minLength": 2, "maxLength": 50},
    "last_name": {**_LINE, "maxLength": 49},
    "phone": {"type": "string", "pattern": r"^(\+84|0)[0-9]{9,10}$"},
    "description": {"type": "string", "minLength": 10, "maxLength": 3000, "pattern": text_pattern(True)},
    "media_url": {"type": "string", "format": "uri"},
}
_RESOURCES = {
    "discovery": "Open311Discovery",
    "services": "Open311Service",
    "requests": "Open311Request",
    "servicerequestupdates": "Open311Update",
}


def _ref(model: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{model}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "application/json": {"schema": schema},
        "text/xml": {
            "schema": {"type": "string", "description": "Các trường như trên, dạng XML của GeoReport v2"}
        },
    }


def _resource(pattern: str, description: str) -> dict[str, Any]:
    return {
        "name": "resource",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": pattern},
    }


def _op(
    summary: str, schema: dict[str, Any], statuses: tuple[int, ...], params: list[dict[str, Any]]
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK", "content": _content(schema)}}
    errors = {"type": "array", "items": _ref("Open311Error")}
    for status in statuses:
        responses[str(status)] = {
            "description": "Lỗi (GeoReport v2: [{code, description}])",
            "content": _content(errors),
        }
    return {
        "summary": summary,
        "tags": ["open311"],
        "parameters": [*params, _JURISDICTION],
        "responses": responses,
    }


def _many(model: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(model)}


def _service_code() -> dict[str, Any]:
    """One of the catalogue's codes (services.json lists them with their names)."""
    from chalicelib.domain.units import CategoryCatalog

    return {"type": "string", "enum": [c.code for c in CategoryCatalog.default().all()]}


def _post() -> dict[str, Any]:
    post = _op(
        "Open311: gửi phản ánh (requests.{xml,json}, form; cần api_key do IOC cấp)",
        _many("Open311Created"),
        (400, 403, 404, 405, 413, 422, 429),
        [_resource("^requests\\.(xml|json)$", "requests.xml hoặc requests.json")],
    )
    post["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": [
                        "api_key",
                        "service_code",
                        "lat",
                        "long",
                        "description",
                        "phone",
                        "first_name",
                    ],
                    "properties": {**_FORM_FIELDS, "service_code": _service_code()},
                    # attribute[<code>]=…: each service's own, as GET services/{code} defines them
                    "additionalProperties": False,
                }
            }
        },
    }
    return post


def paths() -> dict[str, Any]:
    """The GeoReport v2 routes (docs/open311.md), one per route template the app registers: the resource and its
    format are the last path segment (`requests.json`, `services/giao-thong.xml`). Reads are public; a POST
    needs an api_key issued by the IOC."""
    base = "/open311/v2"
    names = "|".join(_RESOURCES)
    listing = _op(
        "Open311: discovery.{xml,json}, services.{xml,json}, requests.{xml,json}, servicerequestupdates.{xml,json}",
        {"anyOf": [_ref("Open311Discovery"), *(_many(m) for k, m in _RESOURCES.items() if k != "discovery")]},
        (400, 404),
        [
            _resource(f"^({names})\\.(xml|json)$", "Tài nguyên và định dạng"),
            *(q if q["name"] != "service_code" else {**q, "schema": _service_code()} for q in _REQUEST_QUERY),
        ],
    )
    post = _post()
    file = "^[A-Za-z0-9-]+\\.(xml|json)$"
    return {
        f"{base}/{{resource}}": {"get": listing, "post": post},
        f"{base}/services/{{resource}}": {
            "get": _op(
                "Open311: định nghĩa dịch vụ services/{service_code}.{xml,json}",
                _ref("Open311ServiceDefinition"),
                (404,),
                [_resource(file, "Mã dịch vụ và định dạng, ví dụ giao-thong.json")],
            )
        },
        f"{base}/requests/{{resource}}": {
            "get": _op(
                "Open311: một phản ánh requests/{service_request_id}.{xml,json}",
                _many("Open311Request"),
                (404,),
                [_resource(file, "Mã phản ánh và định dạng")],
            )
        },
        f"{base}/tokens/{{resource}}": {
            "get": _op(
                "Open311: mã phản ánh theo token tokens/{token}.{xml,json}",
                _many("Open311Token"),
                (404,),
                [_resource(file, "Token và định dạng")],
            )
        },
    }
