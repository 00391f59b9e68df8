"""Open311 GeoReport v2 on the wire: formats (`.xml` and `.json`), the spec's error shape, its query parameters
and form fields, and what a report looks like to an Open311 client (docs/open311.md).

XML is built with xml.etree, which escapes every text; Vietnamese stays UTF-8 in both formats. No answer carries
the reporter's name, phone or e-mail.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalice import Response
from pydantic import ValidationError

from chalicelib.api import http
from chalicelib.api.media_views import public_photo_key
from chalicelib.api.schemas import SubmitReport
from chalicelib.domain import errors
from chalicelib.domain.access import Actor
from chalicelib.domain.open311 import (
    CLOSED,
    JURISDICTION_ID,
    OPEN,
    STATUSES_OF,
    attributes_for,
    latest_public_text,
    open311_status,
    without_personal_data,
)
from chalicelib.domain.report import VN_OFFSET, Report, parse_instant, vn_time
from chalicelib.domain.units import CategoryCatalog, UnitRegistry

if TYPE_CHECKING:
    from chalicelib.store.open311 import RequestWindow

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_DESCRIPTION = 4000
WINDOW = timedelta(days=90)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 200
MAX_IDS = 100
# The singular element of each list in XML (the spec's examples: <attributes><attribute>, <values><value>...).
ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
# /v1's field names in the intake's messages, as an Open311 client names them.
FIELD_NAMES = {
    "reporter.name": "first_name/last_name",
    "reporter.phone": "phone",
    "reporter.email": "email",
    "location.lat": "lat",
    "location.lng": "long",
    "location": "lat/long",
    "category": "service_code",
    "address": "address_string",
}

MediaUrl = Callable[[str], str]


class Open311Error(Exception):
    """An answer in the spec's error shape: the HTTP status and `[{code, description}]`."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------- formats


def split_format(name: str) -> tuple[str, str]:
    """'requests.json' -> ('requests', 'json'); a resource without a known extension is not there (404)."""
    base, dot, fmt = name.rpartition(".")
    if not dot or fmt not in CONTENT_TYPES or not base:
        raise Open311Error(404, "Không có tài nguyên này; đường dẫn phải kết thúc bằng .xml hoặc .json.")
    return base, fmt


# Characters XML 1.0 cannot carry at all, even escaped (control characters other than tab and line breaks): one of
# them in a description would make the whole answer unreadable to every client's parser.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            child = ET.SubElement(element, key)
            if isinstance(inner, list):
                for item in inner:
                    _fill(ET.SubElement(child, ITEM_TAGS.get(key, "item")), item)
            else:
                _fill(child, inner)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, item: str | None, body: Any) -> str:
    """`body` as the spec's XML: a list becomes <root><item>...</item></root>, an object <root>...</root>."""
    element = ET.Element(root)
    if item is None:
        _fill(element, body)
    else:
        for row in body:
            _fill(ET.SubElement(element, item), row)
    # Text, not bytes: Chalice sends a str body as UTF-8, and bytes only for binary media types.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    raise TypeError(type(value).__name__)


def respond(
    fmt: str, root: str, item: str | None, body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    payload = (
        to_xml(root, item, body)
        if fmt == "xml"
        else json.dumps(body, ensure_ascii=False, default=_json_default)
    )
    return Response(
        body=payload,
        status_code=status,
        headers={"Content-Type": CONTENT_TYPES[fmt], "Vary": "Accept-Encoding", **(headers or {})},
    )


def error_response(fmt: str, status: int, description: str) -> Response:
    return respond(fmt, "errors", "error", [{"code": status, "description": description}], status)


def error_for(exc: Exception, fmt: str) -> Response | None:
    """The spec-shaped answer to a known error (the status /v1 gives it), or None for a bug."""
    if isinstance(exc, Open311Error):
        return error_response(fmt, exc.status, exc.description)
    response = http.error_for(exc)
    if response is None:
        return None
    message = exc.message if isinstance(exc, http.HttpError | errors.DomainError) else str(exc)
    details = exc.details if isinstance(exc, http.HttpError | errors.DomainError) else []
    field = details[0].get("field") if details else None
    return error_response(fmt, response.status_code, _open311_names(message, field))


def _open311_names(message: str, field: str | None = None) -> str:
    """The intake's message in an Open311 client's words: its field names, and the field named always."""
    for ours, theirs in FIELD_NAMES.items():
        message = message.replace(f"'{ours}'", f"'{theirs}'")
    message = message.replace("GET /v1/categories", "GET services")
    name = FIELD_NAMES.get(field, field) if field else None
    if name and f"'{name}'" not in message:
        message = f"{message} (trường '{name}')"
    return message


# ---------------------------------------------------------------- query parameters


def check_jurisdiction(params: dict[str, str] | None) -> None:
    given = (params or {}).get("jurisdiction_id")
    if given and given.strip().lower() != JURISDICTION_ID:
        raise Open311Error(
            404, f"Không có đơn vị hành chính '{given}'; hệ thống này phục vụ '{JURISDICTION_ID}'."
        )


def _instant(params: dict[str, str], name: str, end_of_day: bool = False) -> datetime | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:  # a date alone is that whole day in Vietnam time
            day = date.fromisoformat(value) + timedelta(days=1 if end_of_day else 0)
            start = datetime.combine(day, datetime.min.time(), VN_OFFSET)
            return start - timedelta(milliseconds=1) if end_of_day else start
        return parse_instant(value)
    except ValueError as e:
        raise Open311Error(
            400,
            f"Tham số '{name}' không hợp lệ: cần thời điểm W3C/ISO 8601 có múi giờ, ví dụ 2026-11-01T00:00:00+07:00.",
        ) from e


def date_window(params: dict[str, str] | None, now: datetime) -> tuple[datetime, datetime]:
    """start_date..end_date; without them the last 90 days; never more than 90 days (the spec's rule)."""
    p = params or {}
    start, end = _instant(p, "start_date"), _instant(p, "end_date", end_of_day=True)
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:  # up to now; a start still to come is an empty window, not the client's error
        end = max(start, min(now, start + WINDOW))
    if end < start:
        raise Open311Error(400, "Tham số 'end_date' không hợp lệ: phải không sớm hơn 'start_date'.")
    if end - start > WINDOW + timedelta(days=1):
        raise Open311Error(400, "Khoảng 'start_date'..'end_date' không được dài quá 90 ngày.")
    return start, end


def page_size(params: dict[str, str] | None) -> int:
    value = ((params or {}).get("page_size") or "").strip()
    if not value:
        return DEFAULT_PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise Open311Error(400, f"Tham số 'page_size' không hợp lệ: cần số nguyên từ 1 đến {MAX_PAGE_SIZE}.")
    return int(value)


def page_cursor(params: dict[str, str] | None) -> str | None:
    """`page`: absent or 1 is the first page; a later page is the token of the previous answer's `Link` (one
    Query per page, so a page is reached from the one before it, not by its number)."""
    value = ((params or {}).get("page") or "").strip()
    if value in ("", "1"):
        return None
    if value.isdigit():
        raise Open311Error(
            400,
            "Tham số 'page' không hợp lệ: trang sau lấy theo liên kết 'Link: rel=\"next\"' của trang trước, "
            "hoặc thu hẹp 'end_date' đến trước phản ánh cũ nhất đã nhận.",
        )
    return value


def _codes(params: dict[str, str], name: str, allowed: set[str], label: str) -> frozenset[str] | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    codes = frozenset(c.strip() for c in raw.split(",") if c.strip())
    unknown = sorted(codes - allowed)
    if unknown:
        raise Open311Error(400, f"Tham số '{name}' không hợp lệ: '{unknown[0]}' không phải {label}.")
    return codes


def service_request_ids(params: dict[str, str] | None) -> list[str] | None:
    raw = ((params or {}).get("service_request_id") or "").strip()
    if not raw:
        return None
    ids = list(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
    if len(ids) > MAX_IDS:
        raise Open311Error(400, f"Tham số 'service_request_id' chỉ được tối đa {MAX_IDS} mã.")
    return ids


def request_window(params: dict[str, str] | None, now: datetime) -> RequestWindow:
    from chalicelib.store.open311 import RequestWindow

    p = params or {}
    start, end = date_window(p, now)
    statuses = _codes(p, "status", {OPEN, CLOSED}, "'open' hoặc 'closed'")
    categories = CategoryCatalog.default()
    codes = _codes(p, "service_code", {c.code for c in categories.all()}, "mã dịch vụ (GET services)")
    return RequestWindow(
        start=start,
        end=end,
        statuses=frozenset().union(*(STATUSES_OF[s] for s in statuses)) if statuses else None,
        categories=codes,
        page_size=page_size(p),
        cursor=page_cursor(p),
    )


def next_link(base_url: str, params: dict[str, str] | None, cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    query = urllib.parse.urlencode(
        {**{k: v for k, v in (params or {}).items() if k != "page"}, "page": cursor}
    )
    return {"Link": f'<{base_url}?{query}>; rel="next"'}


# ---------------------------------------------------------------- the form of POST requests


@dataclass(frozen=True)
class Submission:
    api_key: str | None
    body: SubmitReport
    caller: Actor
    account_id: str | None


def _form(raw: bytes | None) -> dict[str, list[str]]:
    raw = raw or b""
    if len(raw) > http.MAX_BODY_BYTES:
        raise Open311Error(413, "Nội dung yêu cầu vượt quá 1 MB.")
    try:
        return urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as e:
        raise Open311Error(400, "Nội dung yêu cầu phải là form mã hóa UTF-8.") from e


def _coordinate(form: dict[str, list[str]], name: str) -> float:
    value = (form.get(name) or [""])[0].strip()
    if not value:
        raise Open311Error(400, "Cần vị trí 'lat' và 'long' (WGS84) của nơi cần xử lý.")
    try:
        number = float(value)
    except ValueError as e:
        raise Open311Error(400, f"Trường '{name}' phải là số.") from e
    if not math.isfinite(number):
        raise Open311Error(400, f"Trường '{name}' phải là số.")
    return number


def _attribute_answers(form: dict[str, list[str]]) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for key, values in form.items():
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            answers.setdefault(code, []).extend(values)
    return answers


def _description(form: dict[str, list[str]], category: str) -> str:
    """The citizen's text, then the answers to the category's questions and a linked photo: nothing the client
    sent is lost, and the unit reads it all in the report."""
    from chalicelib.domain.open311 import answers_text

    text = (form.get("description") or [""])[0].strip()
    if CategoryCatalog.default().get(category) is None:
        return text  # the intake refuses the unknown service_code, naming it
    answers, wrong = answers_text(category, _attribute_answers(form))
    if wrong:
        raise Open311Error(400, f"Trường 'attribute[{wrong[0]}]' không hợp lệ (xem GET services/{category}).")
    media_url = (form.get("media_url") or [""])[0].strip()
    if media_url and urllib.parse.urlsplit(media_url).scheme not in ("http", "https"):
        raise Open311Error(400, "Trường 'media_url' phải là địa chỉ http(s).")
    extra = [part for part in (answers, f"Ảnh/video: {media_url}" if media_url else "") if part]
    return "\n\n".join([text, *extra]) if text and extra else text


def submission(raw: bytes | None) -> Submission:
    """The form of `POST requests`, validated by the same schema as `POST /v1/reports` (SubmitReport)."""
    form = _form(raw)

    def one(name: str) -> str | None:
        value = (form.get(name) or [""])[0].strip()
        return value or None

    check_jurisdiction({"jurisdiction_id": one("jurisdiction_id") or ""})
    category = one("service_code") or ""
    name = " ".join(p for p in (one("first_name"), one("last_name")) if p) or None
    data = {
        "category": category,
        "description": (form.get("description") or [""])[0].strip(),
        "location": {"lat": _coordinate(form, "lat"), "lng": _coordinate(form, "long")},
        "address": one("address_string"),
        "reporter": {"name": name, "phone": one("phone"), "email": one("email")},
    }
    try:
        # The citizen's own text first (its length rules are theirs), then with the answers and photo link added.
        SubmitReport.model_validate(data)
        body = SubmitReport.model_validate({**data, "description": _description(form, category)})
    except ValidationError as e:
        raise Open311Error(400, _open311_names(http.validation_details(e)[0]["message"])) from e
    return Submission(one("api_key"), body, client_caller(one("api_key"), body), one("account_id"))


def client_caller(api_key: str | None, body: SubmitReport) -> Actor:
    """The citizen behind a client application: a pseudonymous id per application and phone, so the daily quota
    of `/v1` counts this person's reports (the phone itself is personal data, kept only in the report)."""
    from chalicelib.domain.open311 import key_id_of

    key_id = key_id_of(api_key or "") or "none"
    phone = (body.reporter.phone if body.reporter else None) or ""
    digest = hashlib.sha256(f"{key_id}:{phone}".encode()).hexdigest()[:24]
    # The e-mail is the client application's word: it holds a key the IOC issued (and can revoke) for vouching
    # for its users, as FixMyStreet does by confirming addresses. A /v1 body cannot do this (issue 12).
    email = body.reporter.email if body.reporter else None
    return Actor(sub=f"open311-{key_id}-{digest}", roles=frozenset({"citizen"}), email=email)


# ---------------------------------------------------------------- what clients read


def service_row(code: str, name: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": name,
        "description": name,
        "metadata": bool(attributes_for(code)),
        "type": "realtime",
        "keywords": "",
        "group": "Phản ánh hiện trường",
    }


def service_definition(code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": "Chọn một giá trị trong danh sách." if a.values else "",
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for a in attributes_for(code)
        ],
    }


def _notice(report: Report) -> str | None:
    from chalicelib.notify.formatting import vn_datetime

    if report.is_closed:
        return None
    if report.due_at is None:
        return "Đang chuyển đến đơn vị có thẩm quyền xử lý."
    return f"Đơn vị xử lý phải trả lời chậm nhất {vn_datetime(report.due_at)}."


def filed_notice(triage_due_at: datetime, due_at: datetime) -> str:
    from chalicelib.notify.formatting import vn_datetime

    return (
        "Hệ thống đã tiếp nhận phản ánh và chuyển đến đơn vị có thẩm quyền. Đơn vị phải tiếp nhận chậm nhất "
        f"{vn_datetime(triage_due_at)} và trả lời chậm nhất {vn_datetime(due_at)} (tính theo ngày làm việc)."
    )


def request_row(report: Report, media_url: MediaUrl) -> dict[str, Any]:
    """A report as a GeoReport v2 `request`: public fields only, personal data taken out of every text."""
    category = CategoryCatalog.default().get(report.category)
    unit = UnitRegistry.default().get(report.unit_code) if report.unit_code else None
    # Only a derived image is public: the original may carry the reporter's GPS position (issue 16).
    photo_key = public_photo_key(report)
    public = report.timeline()
    description = without_personal_data(report.description, report) or ""
    return {
        "service_request_id": report.id,
        "status": open311_status(report.status),
        "status_notes": without_personal_data(latest_public_text(report), report),
        "service_name": category.name if category else report.category,
        "service_code": report.category,
        "description": description[:MAX_DESCRIPTION],
        "agency_responsible": unit.name if unit else None,
        "service_notice": _notice(report),
        "requested_datetime": vn_time(report.received_at),
        "updated_datetime": vn_time(max((e.at for e in public), default=report.received_at)),
        "expected_datetime": vn_time(report.due_at),
        "address": without_personal_data(report.address, report),
        "address_id": None,
        "zipcode": None,
        "lat": report.location.lat,
        "long": report.location.lng,
        "media_url": media_url(photo_key) if photo_key else None,
    }


def update_row(
    update_id: str, report: Report, at: datetime, entry_type: str, text: str | None
) -> dict[str, Any]:
    from chalicelib.domain.open311 import status_after

    return {
        "update_id": update_id,
        "service_request_id": report.id,
        "status": status_after(entry_type),
        "updated_datetime": vn_time(at),
        "description": without_personal_data(text, report) or "",
        "media_url": None,
    }


def discovery(base_url: str, production: bool) -> dict[str, Any]:
    return {
        "changeset": "2026-12-01T00:00:00+07:00",
        "contact": "Trung tâm Giám sát, điều hành đô thị thông minh (IOC) tỉnh Điện Biên",
        "key_service": "Khóa api_key do IOC cấp cho từng ứng dụng (xem README, mục Open311).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base_url,
                "changeset": "2026-12-01T00:00:00+07:00",
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
