"""Query parameters of the list endpoints, parsed into what the store takes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from chalicelib.api import http
from chalicelib.domain.instants import in_range, parse_day
from chalicelib.domain.queries import PublicFilters
from chalicelib.domain.report import VN_OFFSET, Status, parse_instant


def public_filters(params: dict[str, str] | None) -> PublicFilters:
    """The public list's filters (api.md), each refused with a 400 naming the parameter when malformed."""

    def _status(v: str) -> str:
        return Status(v).value

    def _instant(v: str, end_of_day: bool = False) -> datetime:
        if len(v) == 10:
            # A date alone is the whole day in Vietnam time: `until=2026-11-29` includes the 29th.
            day = parse_day(v) + timedelta(days=1 if end_of_day else 0)
            start = datetime.combine(day, datetime.min.time(), VN_OFFSET)
            return start - timedelta(milliseconds=1) if end_of_day else start
        return in_range(parse_instant(v))

    def _bbox(v: str) -> tuple[float, float, float, float]:
        parts = [float(p) for p in v.split(",")]
        if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
            raise ValueError(v)
        min_lng, min_lat, max_lng, max_lat = parts
        if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise ValueError(v)
        return min_lng, min_lat, max_lng, max_lat

    label = "thời điểm ISO 8601 hoặc ngày YYYY-MM-DD, trong khoảng năm 2000–2100"
    since = http.parse_query(params, "since", _instant, label)
    until = http.parse_query(params, "until", lambda v: _instant(v, end_of_day=True), label)
    if since is not None and until is not None and until < since:
        message = "Tham số 'until' không hợp lệ: phải không sớm hơn 'since'."
        raise http.HttpError(400, "invalid_query", message, [{"field": "until", "message": message}])
    return PublicFilters(
        status=http.parse_query(params, "status", _status, "một trong " + ", ".join(s.value for s in Status)),
        unit=http.parse_query(params, "unit", str, "mã đơn vị"),
        category=http.parse_query(params, "category", str, "mã lĩnh vực"),
        since=since,
        until=until,
        bbox=http.parse_query(params, "bbox", _bbox, "minLng,minLat,maxLng,maxLat"),
    )
