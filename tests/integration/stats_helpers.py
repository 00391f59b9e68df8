"""Helpers for the statistics tests: reports in given states, and synthetic stream changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.domain.ids import new_id
from chalicelib.domain.report import VN_OFFSET, Location, Report, Reporter, Status

# A point inside each district of 2024 is not needed here: the consumer does not locate reports.
LOCATION = Location(21.386, 103.017)


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN_OFFSET)  # type: ignore[misc]


def new_report(received_at: datetime, **kw: Any) -> Report:
    base = Report(
        id=new_id(int(received_at.timestamp() * 1000)),
        category="moi-truong",
        description="Rác thải đổ trộm ven đường liên xã",
        location=LOCATION,
        reporter=Reporter(sub="citizen-1", name="Nguyễn Văn A", phone="0912345678"),
        received_at=received_at,
    )
    return replace(base, **kw)


def routed(report: Report, unit: str, at: datetime, triage: datetime, due: datetime) -> Report:
    return replace(
        report,
        status=Status.ASSIGNED,
        unit_code=unit,
        assigned_at=at,
        triage_due_at=triage,
        due_at=due,
        version=report.version + 1,
    )


def save_final(reports: list[Report]) -> None:
    """Store reports as they finally are (for the recomputation), bypassing the version check."""
    from chalicelib.store.models import bind
    from chalicelib.store.reports import to_item

    bind()
    for r in reports:
        to_item(r).save()


def truncate(*table_names: str) -> None:
    """Empty tables between hypothesis examples (test only: a Scan is fine here)."""
    import boto3

    ddb = boto3.client("dynamodb", region_name="ap-southeast-1")
    for name in table_names:
        keys = [k["AttributeName"] for k in ddb.describe_table(TableName=name)["Table"]["KeySchema"]]
        for page in ddb.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                ddb.delete_item(TableName=name, Key={k: item[k] for k in keys})


def district_points() -> dict[str, tuple[float, float]]:
    """A point (lat, lng) inside each district-level unit of 2020–2025, from the boundary data itself."""
    import json

    from shapely.geometry import shape

    from chalicelib.domain.units import BOUNDARIES_DIR

    data = json.loads((BOUNDARIES_DIR / "districts-2020-2025-approx.geojson").read_text(encoding="utf-8"))
    points = {}
    for feature in data["features"]:
        p = shape(feature["geometry"]).point_on_surface()
        points[feature["properties"]["code"]] = (round(p.y, 6), round(p.x, 6))
    return points


def import_line(code: str, received_at: datetime, **extra: Any) -> str:
    """One line of the import format for a report received at `received_at` inside district `code`."""
    import json

    lat, lng = district_points_cached()[code]
    line = {
        "received_at": received_at.isoformat(),
        "location": {"lat": lat, "lng": lng},
        "category": "moi-truong",
        "description": "Rác thải sinh hoạt đổ bừa bãi ven đường, gây ô nhiễm.",
        **extra,
    }
    return json.dumps(line, ensure_ascii=False)


_POINTS: dict[str, tuple[float, float]] = {}


def district_points_cached() -> dict[str, tuple[float, float]]:
    if not _POINTS:
        _POINTS.update(district_points())
    return _POINTS
