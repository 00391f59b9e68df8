"""Use cases the web console needs beyond the handling workflow (issue 13): what the caller may do to a report
now, and the IOC's list of every report of the province.

What the caller may see and do is decided in chalicelib/domain/access.py and domain/permitted.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import access
from chalicelib.domain.access import Actor
from chalicelib.domain.ids import is_valid_id
from chalicelib.domain.permitted import allowed_actions
from chalicelib.domain.queries import ProvinceFilters
from chalicelib.domain.report import Report
from chalicelib.domain.units import UnitRegistry
from chalicelib.services.handling import HandlingService
from chalicelib.store.province import province_page
from chalicelib.store.reports import Page


@dataclass(frozen=True)
class ReportActions:
    report: Report
    actions: list[str]


PROVINCE_LIST_ONLY_IOC = "Chỉ Tổ điều hành IOC mới xem được danh sách mọi phản ánh của tỉnh."


class ConsoleService:
    def __init__(self, handling: HandlingService | None = None, registry: UnitRegistry | None = None) -> None:
        self.handling = handling or HandlingService()
        self.registry = registry or UnitRegistry.default()

    def actions(self, report_id: str, caller: Actor) -> ReportActions:
        """The actions the caller may take now; 404 for a report the caller may not see (as GET answers)."""
        report = self.handling._visible(report_id, caller)
        return ReportActions(report, allowed_actions(report, caller, self.registry))

    def province(
        self,
        caller: Actor,
        filters: ProvinceFilters,
        report_id: str | None,
        limit: int,
        cursor: str | None,
        now: datetime,
    ) -> Page:
        """Every report of the province for the IOC (and its technical staff), newest first; `report_id` finds
        one report (GetItem) whatever the other filters say."""
        access.require(caller, "ioc", "tech", message=PROVINCE_LIST_ONLY_IOC)
        if report_id is not None:
            report = self.handling.repo.get(report_id) if is_valid_id(report_id) else None
            return Page(items=[report] if report else [], next_cursor=None)
        return province_page(filters, limit, cursor, now)
