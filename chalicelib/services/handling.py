"""Use cases of steps 3-5 (domain.md): act on a report, rate the answer, delete a test report, the work queue.

Every change is one read and one conditional write: GetItem (consistent), the domain's transition
(`workflow.apply_action`), then `ReportRepository.save`, which succeeds only if the version is still the one
read. Two officers acting at once therefore cannot both win: the loser gets ConcurrentUpdate (409
`version_conflict`), and the history holds one entry. Forwarding to a new unit and telling the citizen follow
from the table's stream (services/forwarding.py, services/citizen_notify.py); nothing is sent from here.

Who may see a report at all is decided before what they may do to it: a caller who may not see it (a hidden or
test report, for an officer of another unit or a citizen who did not send it) gets 404, as for a report that
does not exist; one who may see it but not act gets 403.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import access, workflow
from chalicelib.domain.access import Actor
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.deadlines import DeadlinePolicy
from chalicelib.domain.ids import is_valid_id
from chalicelib.domain.queries import InboxFilters
from chalicelib.domain.report import OPEN_STATUSES, Report, Status
from chalicelib.domain.units import UnitRegistry
from chalicelib.store.reports import Page, ReportRepository


class HandlingService:
    def __init__(
        self,
        repo: ReportRepository | None = None,
        calendar: WorkingCalendar | None = None,
        policy: DeadlinePolicy | None = None,
        registry: UnitRegistry | None = None,
    ) -> None:
        self.repo = repo or ReportRepository()
        self.calendar = calendar or WorkingCalendar.default()
        self.policy = policy or DeadlinePolicy.default()
        self.registry = registry or UnitRegistry.default()

    def _visible(self, report_id: str, caller: Actor) -> Report:
        return access.visible(self.repo.get(report_id) if is_valid_id(report_id) else None, caller)

    # --- steps 3 and 4: the unit's and the IOC's actions ---

    def act(self, report_id: str, action: workflow.Action, caller: Actor, now: datetime) -> Report:
        """One handling step; returns the stored report. Raises 404/403/409/422/400 domain errors."""
        report = self._visible(report_id, caller)
        # apply_action turns deadlines.DeadlineConflict (a ValueError) into 422 `deadline_not_after_current`.
        changed = workflow.apply_action(
            report, action, caller, now, self.calendar, self.policy, self.registry
        )
        return self.repo.save(changed)

    # --- step 5: the citizen's rating ---

    def feedback(
        self, report_id: str, rating: int, comment: str | None, caller: Actor, now: datetime
    ) -> Report:
        report = self._visible(report_id, caller)
        return self.repo.save(workflow.give_feedback(report, caller, rating, comment, now))

    # --- deleting a test report (IOC technical staff) ---

    def delete(self, report_id: str, caller: Actor) -> None:
        report = self._visible(report_id, caller)
        workflow.check_deletable(report, caller)
        self.repo.delete(report)
        # A test report leaves nothing behind: its photos (every version) and its ledger records.
        from chalicelib.media import delete_report_media
        from chalicelib.store.cleanup import delete_report_records

        delete_report_media(report.id)
        delete_report_records(report.id)

    # --- the work queue ---

    def inbox(
        self, caller: Actor, filters: InboxFilters, limit: int, cursor: str | None, now: datetime
    ) -> Page:
        """An officer's own unit, or for the IOC any unit (default: the IOC's own queue), earliest deadline
        first. `overdue=true`: the current deadline has passed; `false`: it has not."""
        unit = access.queue_unit(caller, filters.unit, self.registry.fallback.code)
        if filters.status is not None and Status(filters.status) not in OPEN_STATUSES:
            return Page(items=[], next_cursor=None)  # the queue holds open reports only
        due_after = None
        due_before = filters.due_before
        if filters.overdue is True:
            due_before = now if due_before is None else min(due_before, now)
        elif filters.overdue is False:
            due_after = now
        if filters.sort == "followers":
            from chalicelib.services.citizens import queue_by_followers

            return queue_by_followers(
                self.repo, unit, limit, cursor, due_after, due_before, filters.status, filters.category
            )
        return self.repo.unit_queue(
            unit, limit, cursor, due_after, due_before, filters.status, filters.category
        )
