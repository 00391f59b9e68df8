"""What a list of reports is asked for: the filters each reading path accepts, parsed at the edge (api/) and
read by the store. Plain values, so that the edge, the services and the store share them without depending
on one another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PublicFilters:
    """GET /v1/reports: the public list, newest first."""

    status: str | None = None
    unit: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lng, min_lat, max_lng, max_lat


@dataclass(frozen=True)
class InboxFilters:
    """GET /v1/inbox: a unit's work queue, earliest deadline first."""

    unit: str | None = None
    status: str | None = None
    overdue: bool | None = None
    due_before: datetime | None = None
    sort: str | None = None  # "due" (default) or "followers": most followed first (issue 15)
    category: str | None = None


@dataclass(frozen=True)
class ProvinceFilters:
    """GET /v1/ioc/reports: every report of the province, newest first (the IOC)."""

    unit: str | None = None
    status: str | None = None
    category: str | None = None
    overdue: bool | None = None
