"""Statistics (issue 7): counters kept from the reports table's stream, the IOC table, its recomputation from
the reports themselves, and the weekly IOC report (issue 6's e-mail, built from the same table).

Design in docs/statistics.md. In short: each report adds a vector to the cell (day of receipt, unit)
(`chalicelib.domain.stats.contribution`); the stream consumer `apply_change` adds
contribution(new) − contribution(old) to the cells, exactly once per stream event; a table request reads the
cells of its period with one Query; `recompute_table` builds the same table from the reports (a Query per
unit, no Scan) to prove the counters right.
"""

from __future__ import annotations

import calendar as _cal
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib import clock as clocks
from chalicelib.domain import access, errors
from chalicelib.domain.report import VN_OFFSET, Report, utc_text
from chalicelib.domain.stats import (
    MAX_PERIOD_DAYS,
    CellKey,
    Row,
    Table,
    build_table,
    cells_from_reports,
    delta,
    receipt_day,
    row_from_sums,
)
from chalicelib.domain.units import UnitRegistry
from chalicelib.notify.links import console_report_url

if TYPE_CHECKING:
    from chalicelib.domain.access import Actor
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.notify.senders import Sender
    from chalicelib.services.stream import ReportChange
    from chalicelib.store.reports import ReportRepository
    from chalicelib.store.stats import ReadCost, StatsStore

# Stream records live 24 hours; a marker kept a few days longer outlives every possible redelivery.
EVENT_MARKER_DAYS = 4
RECIPIENTS_FILE = Path(__file__).resolve().parent.parent / "data" / "recipients.json"
WEEKLY_TOP_OVERDUE = 10


def _epoch(instant: datetime) -> int:
    return _cal.timegm(instant.astimezone(UTC).utctimetuple())


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants of start 00:00 and of the last stored instant of `end` in Vietnam time (receipt days)."""
    since = datetime.combine(start, time.min, VN_OFFSET)
    until = datetime.combine(end + timedelta(days=1), time.min, VN_OFFSET) - timedelta(milliseconds=10)
    return since, until


def check_period(start: date | None, end: date | None) -> tuple[date, date]:
    """A table period: both days given, from ≤ to, at most MAX_PERIOD_DAYS days (else InvalidInput)."""

    def bad(field: str, message: str) -> errors.InvalidInput:
        return errors.InvalidInput(message, [{"field": field, "message": message}])

    if start is None:
        raise bad("from", "Thiếu tham số 'from' (ngày bắt đầu, dạng YYYY-MM-DD).")
    if end is None:
        raise bad("to", "Thiếu tham số 'to' (ngày kết thúc, dạng YYYY-MM-DD).")
    if end < start:
        raise bad("to", "Ngày kết thúc 'to' phải không sớm hơn ngày bắt đầu 'from'.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise bad("to", f"Mỗi lần thống kê tối đa {MAX_PERIOD_DAYS} ngày.")
    return start, end


@dataclass(frozen=True)
class View:
    """The table as one caller may see it: `province` is None for an officer (own unit's row only)."""

    table: Table
    rows: tuple[Row, ...]
    province: Row | None


class StatsService:
    def __init__(
        self,
        store: StatsStore | None = None,
        repo: ReportRepository | None = None,
        registry: UnitRegistry | None = None,
        calendar: WorkingCalendar | None = None,
        clock: clocks.Clock = clocks.now,
        sender: Sender | None = None,
    ) -> None:
        self._store = store
        self._repo = repo
        self._calendar = calendar
        self.registry = registry or UnitRegistry.default()
        self.clock = clock
        self._sender = sender

    @property
    def calendar(self) -> WorkingCalendar:
        """Loaded only by what needs working days (the consumer, the checks, the weekly report): `holidays` is
        heavy and a table request does not need it."""
        if self._calendar is None:
            from chalicelib.domain.calendar import WorkingCalendar

            self._calendar = WorkingCalendar.default()
        return self._calendar

    @property
    def store(self) -> StatsStore:
        if self._store is None:
            from chalicelib.store.stats import StatsStore

            self._store = StatsStore()
        return self._store

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            from chalicelib.notify.senders import registry

            self._sender = registry()
        return self._sender

    @property
    def repo(self) -> ReportRepository:
        if self._repo is None:
            from chalicelib.store.reports import ReportRepository

            self._repo = ReportRepository()
        return self._repo

    # --- the counters ---

    def apply_change(self, change: ReportChange) -> bool:
        """Count one change of a report, once. Returns False when nothing changed or it was counted before."""
        deltas = delta(change.old, change.new, self.calendar)
        if not deltas:
            return False
        now = self.clock()
        expires = _epoch(now + timedelta(days=EVENT_MARKER_DAYS))
        return self.store.apply(change.event_id, deltas, utc_text(now), expires)

    # --- the table ---

    def cells(self, start: date, end: date, cost: ReadCost | None = None) -> dict[CellKey, dict[str, int]]:
        return dict(self.store.cells(f"{start.isoformat()}#", f"{end.isoformat()}#~", cost))

    def table(self, start: date, end: date, cost: ReadCost | None = None) -> Table:
        """The IOC table of start..end (days of receipt, Vietnam time) from the counters: one Query."""
        start, end = check_period(start, end)
        return build_table(self.cells(start, end, cost).items(), start, end, self.registry)

    def recomputed_cells(self, start: date, end: date) -> dict[CellKey, dict[str, int]]:
        """The cells as the reports say: every report of every unit that may hold reports of the period
        (a Query per unit on the unit index, by receipt time; no Scan). For checks, not for requests."""
        since, until = period_bounds(start, end)
        reports: list[Report] = []
        codes = {u.code for u in self.registry.all()}
        for code in sorted(codes):
            reports.extend(r for r in self.repo.by_unit(code, since, until) if start <= receipt_day(r) <= end)
        return cells_from_reports(reports, self.calendar)

    def recompute_table(self, start: date, end: date) -> Table:
        start, end = check_period(start, end)
        return build_table(self.recomputed_cells(start, end).items(), start, end, self.registry)

    def view(self, start: date, end: date, caller: Actor) -> View:
        """GET /v1/stats: the IOC sees every unit and the province; an officer only their own unit's row and
        no province total; anyone else is refused."""
        scope = access.stats_scope(caller)
        table = self.table(start, end)
        if scope is None:
            return View(table, table.rows, table.province)
        row = table.row(scope)
        if row is None:  # a unit not valid in the period: its row is all zeros
            unit = self.registry.get(scope)
            row = row_from_sums(scope, unit.name if unit else scope, {})
        return View(replace(table, rows=(row,), province=None), (row,), None)

    # --- the weekly IOC report ---

    def weekly_report(self, now: datetime, recipients: list[str] | None = None) -> dict[str, Any]:
        """Monday's e-mail to the IOC: the table of the past week (Monday–Sunday) and of the year to date,
        the longest-overdue open reports, and both tables attached as CSV. Sent once per week (ledger)."""
        week_start, week_end, year_start = weekly_periods(now)
        to = recipients if recipients is not None else weekly_recipients()
        summary: dict[str, Any] = {
            "week": [week_start.isoformat(), week_end.isoformat()],
            "year_to_date": [year_start.isoformat(), week_end.isoformat()],
            "recipients": to,
            "overdue_listed": 0,
            "sent": False,
        }
        parcel = self._weekly_parcel(now, to, summary)
        if not to:
            return summary
        from chalicelib.store import ledger

        claim = ledger.claim("weekly_report", week_start.isoformat(), ledger.WEEKLY_REPORT, now)
        if claim is None:
            return summary  # this week's report went out already (a redelivered or replayed schedule)
        try:
            self.sender.send(parcel)
        except Exception as exc:
            ledger.fail(claim, now, ledger.error_name(exc))  # the schedule's retry claims it again
            raise
        ledger.done(claim, now)
        summary["sent"] = True
        return summary

    def _weekly_parcel(self, now: datetime, to: list[str], summary: dict[str, Any]) -> Any:
        """The weekly report's e-mail (what `summary` says it holds), with both tables as CSV files."""
        from chalicelib.domain.stats import table_csv
        from chalicelib.notify import senders
        from chalicelib.notify.email import render

        week_start, week_end, year_start = weekly_periods(now)
        week = self.table(week_start, week_end)
        year = self.table(year_start, week_end)
        overdue = self.longest_overdue(now)
        summary["overdue_listed"] = len(overdue)
        week_label = f"{week_start:%d/%m/%Y} – {week_end:%d/%m/%Y}"
        context = {
            "week_label": week_label,
            "sections": [
                {"title": f"Tuần qua: {week_label}", "table": week},
                {"title": f"Từ đầu năm: {year_start:%d/%m/%Y} – {week_end:%d/%m/%Y}", "table": year},
            ],
            "overdue": overdue,
            "now": now,
            "top": WEEKLY_TOP_OVERDUE,
        }
        attachments = tuple(
            (
                f"thong-ke-paht-{start.isoformat()}_{week_end.isoformat()}.csv",
                "text/csv",
                table_csv(t).encode(),
            )
            for start, t in ((week_start, week), (year_start, year))
        )
        return senders.email(
            to,
            f"Báo cáo tuần: tình hình giải quyết phản ánh hiện trường {week_label}",
            render("weekly_report.txt", **context),
            render("weekly_report.html", **context),
            attachments=attachments,
            delivery_id=f"weekly_report:{week_start.isoformat()}",
        )

    def longest_overdue(self, now: datetime, top: int = WEEKLY_TOP_OVERDUE) -> list[OverdueItem]:
        """The `top` open reports marked overdue whose deadline passed longest ago: the first page of each unit's
        work queue (earliest deadline first, deadlines before now), so at most units × `top` items are read."""
        found: list[Report] = []
        for unit in self.registry.all():
            page = self.repo.unit_queue(unit.code, top, None, due_before=now)
            # Marked by the deadline sweep, as the table counts them (so the list and the table agree).
            found.extend(r for r in page.items if not r.is_test and r.overdue_since is not None)
        found.sort(key=lambda r: (r.current_deadline or now, r.id))
        from chalicelib.domain.units import CategoryCatalog

        catalog = CategoryCatalog.default()
        items = []
        for report in found[:top]:
            deadline = report.current_deadline or now
            unit = self.registry.get(report.unit_code or "")
            category = catalog.get(report.category)
            items.append(
                OverdueItem(
                    report_id=report.id,
                    unit_code=report.unit_code or "",
                    unit_name=unit.name if unit else (report.unit_code or ""),
                    category=report.category,
                    category_name=category.name if category else report.category,
                    link=console_report_url(report.id),
                    received_at=report.received_at,
                    deadline=deadline,
                    working_days_overdue=self.calendar.working_days_between(deadline, now),
                    days_overdue=max(
                        0, (now.astimezone(VN_OFFSET).date() - deadline.astimezone(VN_OFFSET).date()).days
                    ),
                )
            )
        return items


@dataclass(frozen=True)
class OverdueItem:
    report_id: str
    unit_code: str
    unit_name: str
    category: str
    category_name: str
    link: str
    received_at: datetime
    deadline: datetime
    working_days_overdue: int
    days_overdue: int


def weekly_periods(now: datetime) -> tuple[date, date, date]:
    """For a run at `now`: the previous Monday–Sunday (Vietnam time) and 1 January of that Sunday's year."""
    today = now.astimezone(VN_OFFSET).date()
    this_monday = today - timedelta(days=today.weekday())
    week_start = this_monday - timedelta(days=7)
    week_end = this_monday - timedelta(days=1)
    return week_start, week_end, date(week_end.year, 1, 1)


def weekly_recipients(path: Path = RECIPIENTS_FILE) -> list[str]:
    """The IOC's addresses for the weekly report: data (chalicelib/data/recipients.json, "weekly_report")."""
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    value = data.get("weekly_report", [])
    return [str(v) for v in value] if isinstance(value, list) else []


def table_dict(view: View) -> dict[str, Any]:
    """api.md's answer: {"from", "to", "rows": [row...], "province": row | null}."""
    return {
        "from": view.table.start.isoformat(),
        "to": view.table.end.isoformat(),
        "rows": [row_dict(r) for r in view.rows],
        "province": row_dict(view.province) if view.province is not None else None,
    }


def row_dict(row: Row) -> dict[str, Any]:
    return {
        "unit": {"code": row.unit_code, "name": row.unit_name},
        "total": row.total,
        "resolved": row.resolved,
        "resolved_on_time": row.resolved_on_time,
        "rejected": row.rejected,
        "open": row.open,
        "overdue": row.overdue,
        "overdue_rate": row.overdue_rate,
        "overdue_rate_label": row.overdue_rate_label,
        "median_working_days": row.median_working_days,
        "average_rating": row.average_rating,
        "reopened": row.reopened,
    }


def differences(a: Table, b: Table) -> list[str]:
    """Row by row, what differs between two tables (empty when they agree)."""
    out = []
    rows_a = {r.unit_code: r for r in [*a.rows, *([a.province] if a.province else [])]}
    rows_b = {r.unit_code: r for r in [*b.rows, *([b.province] if b.province else [])]}
    for code in sorted(set(rows_a) | set(rows_b)):
        ra, rb = rows_a.get(code), rows_b.get(code)
        if ra != rb:
            out.append(f"{code}: {ra} != {rb}")
    return out


def cell_differences(
    a: Mapping[CellKey, Mapping[str, int]], b: Mapping[CellKey, Mapping[str, int]]
) -> list[str]:
    out = []
    for key in sorted(set(a) | set(b)):
        va = {k: v for k, v in a.get(key, {}).items() if v}
        vb = {k: v for k, v in b.get(key, {}).items() if v}
        if va != vb:
            out.append(f"{key.sort_key}: {va} != {vb}")
    return out


# --- the stream consumer (registered in chalicelib/services/stream.py CONSUMERS) ---


def apply_change(change: ReportChange) -> None:
    """Statistics counters: add this change's delta to the cells, exactly once per stream event."""
    from chalicelib import wiring

    wiring.stats_service().apply_change(change)
