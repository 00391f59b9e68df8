"""Use cases the web console needs beyond the handling workflow (issue 13): what the caller may do to a report
now, and the IOC's list of every report of the province.

The caller arrives as the API's principal but is only read through `sub`, `roles`, `unit_code` and `has`, so
this module needs nothing from `chalicelib.api`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import workflow
from chalicelib.domain.ids import is_valid_id
from chalicelib.domain.permitted import allowed_actions
from chalicelib.domain.report import Report
from chalicelib.domain.units import UnitRegistry
from chalicelib.services.handling import HandlingService, actor_of
from chalicelib.store.province import ProvinceFilters, province_page
from chalicelib.store.reports import Page


@dataclass(frozen=True)
class ReportActions:
    report: Report
    actions: list[str]


def _forbid_unless(caller: Any, *roles: str) -> None:
    if not any(caller.has(r) for r in roles):
        raise workflow.ActionForbidden("Chỉ Tổ điều hành IOC mới xem được danh sách mọi phản ánh của tỉnh.")


class ConsoleService:
    def __init__(self, handling: HandlingService | None = None, registry: UnitRegistry | None = None) -> None:
        self.handling = handling or HandlingService()
        self.registry = registry or UnitRegistry.default()

    def actions(self, report_id: str, caller: Any) -> ReportActions:
        """The actions the caller may take now; 404 for a report the caller may not see (as GET answers)."""
        report = self.handling._visible(report_id, caller)
        return ReportActions(report, allowed_actions(report, actor_of(caller), self.registry))

    def province(
        self,
        caller: Any,
        filters: ProvinceFilters,
        report_id: str | None,
        limit: int,
        cursor: str | None,
        now: datetime,
    ) -> Page:
        """Every report of the province for the IOC (and its technical staff), newest first; `report_id` finds
        one report (GetItem) whatever the other filters say."""
        _forbid_unless(caller, "ioc", "tech")
        if report_id is not None:
            report = self.handling.repo.get(report_id) if is_valid_id(report_id) else None
            return Page(items=[report] if report else [], next_cursor=None)
        return province_page(filters, limit, cursor, now)
