"""The deadline watch: the sweep (every 15 minutes) and the daily digest (working days, 07:30 Vietnam time).

The sweep reads the sweep index up to `now` (only reports with a notice due: see domain/watch.py), re-reads
each report consistently (the index may lag behind the table), and for every notice due:

1. claims each delivery in the once-only ledger (store/ledger.py, kind `notice`) before anything is sent, so
   a rerun or two sweeps at once send nothing twice;
2. sends ONE e-mail per unit listing its reports (reminders and breaches) and ONE escalation e-mail to the IOC
   listing every breach, through the sender (notify/senders.py; plugged per unit);
3. records each outcome in the ledger (`done`, or `failed` so that the next sweep retries it);
4. saves the report (`ReportRepository.update`: on a concurrent update it re-reads and recomputes): a breach marks it
   overdue (`overdue_since`), and the keys of notices fully delivered go into `notices`, which moves the
   report's place in the sweep index to its next notice (or out of the index).

A notice not yet delivered keeps the report in the sweep index, so a failed send is retried by the next sweep
without any other bookkeeping. docs/deadline-watch.md has the rules and the schedules.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.calendar import WorkingCalendar, local_day
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.report import Report, Status, utc_text
from chalicelib.domain.units import CategoryCatalog, Unit, UnitRegistry
from chalicelib.domain.watch import (
    BREACH,
    DEADLINE_LABELS,
    REMINDER,
    RESOLUTION,
    TRIAGE,
    Notice,
    daily_digest_lists,
    due_notices,
    record_outcome,
)
from chalicelib.notify import senders
from chalicelib.notify.links import console_queue_url, console_report_url
from chalicelib.store import ledger
from chalicelib.store.reports import ReportRepository

logger = Logger(service="fieldreport", child=True)

RECIPIENTS_FILE = Path(__file__).resolve().parent.parent / "data" / "recipients.json"
UNIT = "unit"
IOC = "ioc"
DESCRIPTION_CHARS = 200
# A sweep handles at most this many reports (earliest due first); the rest wait for the next sweep. It keeps
# one run well inside the Lambda timeout after an outage or a bulk import.
MAX_REPORTS_PER_SWEEP = 300
DIGEST_PAGE = 100

# User-facing text (Vietnamese).
SUBJECT_UNIT = "[Phản ánh hiện trường] {parts} – {unit}"
SUBJECT_UNIT_BREACH = "{n} phản ánh đã quá hạn"
SUBJECT_UNIT_REMINDER = "{n} phản ánh sắp đến hạn"
SUBJECT_IOC = "[IOC] Cảnh báo: {n} phản ánh hiện trường vừa quá hạn ({units} đơn vị)"
SUBJECT_DIGEST = (
    "[Phản ánh hiện trường] Tổng hợp ngày {day}: {overdue} quá hạn, {due} đến hạn hôm nay – {unit}"
)
DIGEST_SECTIONS = ("Quá hạn", "Đến hạn hôm nay", "Mới chuyển đến")


def notice_delivery_key(report_id: str, notice_key: str, audience: str) -> tuple[str, str]:
    """One delivery per report, deadline notice and audience (`unit` or `ioc`)."""
    return f"notice#{report_id}", f"{notice_key}#{audience}"


def digest_key(day: date, unit_code: str) -> tuple[str, str]:
    """One digest per working day and unit."""
    return f"digest#{day.isoformat()}", unit_code


# ------------------------------------------------------------------------------------------------ recipients


@dataclass(frozen=True)
class Recipients:
    """Who gets the watch's e-mails (chalicelib/data/recipients.json)."""

    ioc_escalation: tuple[str, ...]
    digest_cc: tuple[str, ...] = ()
    weekly_report: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipients:
        def addresses(key: str) -> tuple[str, ...]:
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(a, str) and "@" in a for a in value):
                raise ValueError(f"recipients.json: '{key}' must be a list of e-mail addresses")
            return tuple(value)

        out = cls(addresses("ioc_escalation"), addresses("digest_cc"), addresses("weekly_report"))
        if not out.ioc_escalation:
            raise ValueError("recipients.json: 'ioc_escalation' needs at least one address")
        return out

    @staticmethod
    @cache
    def default() -> Recipients:
        with RECIPIENTS_FILE.open(encoding="utf-8") as f:
            return Recipients.from_dict(json.load(f))


# ------------------------------------------------------------------------------------------------ results


@dataclass
class SweepResult:
    at: str
    items_read: int = 0  # reports read from the sweep index
    reports_notified: int = 0  # reports with at least one notice delivered by this sweep
    emails_sent: int = 0
    failures: int = 0  # e-mails that failed (their notices are retried by the next sweep)
    reminders: int = 0  # reminder notices delivered
    breaches: int = 0  # breach notices delivered (to the unit)
    overdue_reports: int = 0  # reports in breach seen by this sweep (metric "OverdueReports")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DigestResult:
    at: str
    day: str
    working_day: bool
    units_checked: int = 0
    items_read: int = 0
    emails_sent: int = 0
    already_sent: int = 0
    failures: int = 0
    failed_units: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def raise_if_incomplete(self) -> None:
        if self.failures:
            raise DigestIncomplete(f"{self.failures} digest(s) not sent: {', '.join(self.failed_units)}")


class DigestIncomplete(RuntimeError):
    """Some digests could not be sent. Raised after every unit was tried, so that Lambda's retry of the
    scheduled invocation sends the missing ones (those sent are not sent again)."""


# ------------------------------------------------------------------------------------------------ the sweep


@dataclass
class _Delivery:
    report: Report
    notice: Notice
    audience: str
    claim: ledger.Claim


@dataclass
class _Work:
    report: Report
    due: list[Notice]
    claimed: list[_Delivery] = field(default_factory=list)
    sent: set[tuple[str, str]] = field(default_factory=set)  # (notice key, audience) delivered, now or before


class DeadlineWatch:
    def __init__(
        self,
        repo: ReportRepository | None = None,
        sender: senders.Sender | None = None,
        calendar: WorkingCalendar | None = None,
        registry: UnitRegistry | None = None,
        recipients: Recipients | None = None,
        max_reports: int = MAX_REPORTS_PER_SWEEP,
    ) -> None:
        self.repo = repo or ReportRepository()
        self.sender = sender or senders.registry()
        self.calendar = calendar or WorkingCalendar.default()
        self.registry = registry or UnitRegistry.default()
        self.recipients = recipients or Recipients.default()
        self.max_reports = max_reports

    # --- the sweep ---

    def run_sweep(self, now: datetime) -> SweepResult:
        result = SweepResult(at=utc_text(now))
        work: list[_Work] = []
        for listed in islice(self.repo.due_for_check(now, limit=self.max_reports), self.max_reports):
            result.items_read += 1
            item = self._claim(listed.id, now)
            if item is None:
                continue
            work.append(item)
            if any(n.kind == BREACH for n in item.due):
                result.overdue_reports += 1
        self._process(work, now, result)
        logger.info("deadline sweep", extra=result.as_dict())
        return result

    def retry_report(self, report_id: str, now: datetime) -> SweepResult:
        """The reconciler's retry of a report's failed notices (services/deliveries.py): the sweep's own
        claim-send-record for this one report, so a notice the sweep sends meanwhile is not sent twice."""
        result = SweepResult(at=utc_text(now))
        item = self._claim(report_id, now)
        if item is not None:
            result.items_read = 1
            self._process([item], now, result)
        return result

    def _process(self, work: list[_Work], now: datetime, result: SweepResult) -> None:
        notified: set[str] = set()
        by_unit: dict[str, list[_Delivery]] = defaultdict(list)
        to_ioc: list[_Delivery] = []
        for item in work:
            for d in item.claimed:
                (to_ioc if d.audience == IOC else by_unit[item.report.unit_code or ""]).append(d)
        index = {item.report.id: item for item in work}
        for unit_code, deliveries in sorted(by_unit.items()):
            self._deliver(deliveries, now, result, index, unit_code=unit_code)
        if to_ioc:
            self._deliver(to_ioc, now, result, index, unit_code=None)

        for item in work:
            delivered = [n.key for n in item.due if all((n.key, a) in item.sent for a in self._audiences(n))]
            just_sent = [d for d in item.claimed if (d.notice.key, d.audience) in item.sent]
            if just_sent:
                notified.add(item.report.id)
                for d in just_sent:
                    if d.audience == UNIT:
                        if d.notice.kind == REMINDER:
                            result.reminders += 1
                        else:
                            result.breaches += 1
            breaches = [n for n in item.due if n.kind == BREACH]
            self._save(item.report, now, breaches, delivered)
        result.reports_notified = len(notified)

    @staticmethod
    def _audiences(notice: Notice) -> tuple[str, ...]:
        return (UNIT, IOC) if notice.kind == BREACH else (UNIT,)

    def _claim(self, report_id: str, now: datetime) -> _Work | None:
        """Re-read a listed report (consistent: the index may lag) and claim the deliveries of its due
        notices."""
        report = self.repo.get(report_id)
        if report is None:
            return None
        due = due_notices(report, now, self.calendar)
        if not due:
            return None
        item = _Work(report=report, due=due)
        for notice in due:
            for audience in self._audiences(notice):
                key = notice_delivery_key(report.id, notice.key, audience)
                data = {
                    "report_id": report.id,
                    "unit": report.unit_code,
                    "notice": notice.key,
                    "audience": audience,
                }
                claim = ledger.claim(*key, ledger.NOTICE, now, data)
                if claim is not None:
                    item.claimed.append(_Delivery(report, notice, audience, claim))
                elif ledger.status(*key) == ledger.DONE:
                    item.sent.add((notice.key, audience))
                # else another sweep holds a fresh claim: it sends and records this one
        return item

    def _deliver(
        self,
        deliveries: list[_Delivery],
        now: datetime,
        result: SweepResult,
        work_index: dict[str, _Work],
        unit_code: str | None,
    ) -> None:
        """One e-mail for a group of deliveries, to a unit (`unit_code`) or to the IOC (None); the outcome of
        each delivery goes to the ledger."""
        try:
            if unit_code is None:
                to, subject, text, html = self._ioc_message(deliveries, now)
                plug_code, delivery_id = self._ioc_unit_code(), f"escalation:{utc_text(now)}"
            else:
                to, subject, text, html = self._unit_message(unit_code, deliveries, now)
                plug_code, delivery_id = unit_code, f"notice:{utc_text(now)}:{unit_code}"
            self.sender.send(
                senders.email(to, subject, text, html, unit_code=plug_code, delivery_id=delivery_id)
            )
        except Exception as exc:
            error = ledger.error_name(exc)
            logger.warning(
                "deadline notice not sent",
                extra={"unit": unit_code or IOC, "error": error, "notices": len(deliveries)},
            )
            result.failures += 1
            for d in deliveries:
                ledger.fail(d.claim, now, error)
            return
        result.emails_sent += 1
        for d in deliveries:
            ledger.done(d.claim, now)
            work_index[d.report.id].sent.add((d.notice.key, d.audience))

    def _save(self, report: Report, now: datetime, breaches: list[Notice], delivered: list[str]) -> None:
        """Mark overdue and record delivered notices; on a concurrent update, re-read and recompute."""
        try:
            self.repo.update(
                report.id, lambda current: record_outcome(current, now, breaches, delivered), first=report
            )
        except ConcurrentUpdate:
            # The notices stay delivered in the ledger: the next sweep finds them done and records them then.
            logger.warning("deadline outcome not saved after retries", extra={"report_id": report.id})

    # --- content ---

    def _ioc_unit_code(self) -> str:
        return next((u.code for u in self.registry.all() if u.kind == "ioc"), self.registry.fallback.code)

    def _unit(self, code: str | None) -> Unit | None:
        return self.registry.get(code) if code else None

    def _unit_name(self, code: str | None) -> str:
        unit = self._unit(code)
        return unit.name if unit else (code or "Chưa xác định đơn vị")

    def _unit_recipients(self, code: str | None) -> list[str]:
        unit = self._unit(code)
        # A unit without an address must not go unnoticed: its notices go to the IOC.
        return list(unit.emails) if unit and unit.emails else list(self.recipients.ioc_escalation)

    def _row(self, report: Report, deadline_kind: str, deadline: datetime | None) -> dict[str, Any]:

        category = CategoryCatalog.default().get(report.category)
        description = " ".join(report.description.split())
        if len(description) > DESCRIPTION_CHARS:
            description = description[: DESCRIPTION_CHARS - 1].rstrip() + "…"
        return {
            "id": report.id,
            "category": category.name if category else report.category,
            "address": report.address or f"{report.location.lat:.5f}, {report.location.lng:.5f}",
            "description": description,
            "status": report.status_label,
            "deadline": deadline,
            "deadline_label": DEADLINE_LABELS[deadline_kind],
            "url": console_report_url(report.id),
            "unit_code": report.unit_code,
        }

    @staticmethod
    def _render(template: str, **context: Any) -> tuple[str, str]:
        from chalicelib.notify.email import SENDER_NAME, render

        return (
            render(f"{template}.txt", sender_name=SENDER_NAME, **context),
            render(f"{template}.html", sender_name=SENDER_NAME, **context),
        )

    def _unit_message(
        self, unit_code: str, deliveries: list[_Delivery], now: datetime
    ) -> tuple[list[str], str, str, str]:
        rows = {
            kind: [
                self._row(d.report, d.notice.deadline_kind, d.notice.deadline)
                for d in sorted(deliveries, key=lambda d: (d.notice.deadline, d.report.id))
                if d.notice.kind == kind
            ]
            for kind in (BREACH, REMINDER)
        }
        parts = []
        if rows[BREACH]:
            parts.append(SUBJECT_UNIT_BREACH.format(n=len(rows[BREACH])))
        if rows[REMINDER]:
            parts.append(SUBJECT_UNIT_REMINDER.format(n=len(rows[REMINDER])))
        unit = self._unit(unit_code)
        subject = SUBJECT_UNIT.format(parts=", ".join(parts), unit=unit.short_name if unit else unit_code)
        text, html = self._render(
            "deadline_unit",
            subject=subject,
            unit_name=self._unit_name(unit_code),
            now=now,
            breaches=rows[BREACH],
            reminders=rows[REMINDER],
        )
        return self._unit_recipients(unit_code), subject, text, html

    def _ioc_message(self, deliveries: list[_Delivery], now: datetime) -> tuple[list[str], str, str, str]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in sorted(deliveries, key=lambda d: (d.report.unit_code or "", d.notice.deadline, d.report.id)):
            groups[d.report.unit_code or ""].append(
                self._row(d.report, d.notice.deadline_kind, d.notice.deadline)
            )
        group_list = [
            {"unit_code": code or "—", "unit_name": self._unit_name(code), "rows": rows}
            for code, rows in groups.items()
        ]
        subject = SUBJECT_IOC.format(n=len(deliveries), units=len(group_list))
        text, html = self._render(
            "deadline_ioc", subject=subject, now=now, total=len(deliveries), groups=group_list
        )
        return list(self.recipients.ioc_escalation), subject, text, html

    # --- the daily digest ---

    def digest_units(self, day: date) -> list[Unit]:
        """The units valid on `day`, plus the IOC (which holds reports no other unit can take)."""
        units = self.registry.valid_on(day)
        ioc = self.registry.get(self._ioc_unit_code())
        if ioc is not None and all(u.code != ioc.code for u in units):
            units.append(ioc)
        return units

    def _open_reports(self, unit_code: str) -> Iterable[Report]:
        cursor: str | None = None
        while True:
            page = self.repo.unit_queue(unit_code, DIGEST_PAGE, cursor)
            yield from page.items
            cursor = page.next_cursor
            if not cursor:
                return

    def daily_digest(self, now: datetime) -> DigestResult:
        """Each unit with open reports gets its list (due today, overdue, new), once per working day."""
        today = local_day(now)
        result = DigestResult(
            at=utc_text(now), day=today.isoformat(), working_day=self.calendar.is_working_day(today)
        )
        if not result.working_day:
            logger.info("daily digest skipped: not a working day", extra={"day": today.isoformat()})
            return result
        for unit in self.digest_units(today):
            result.units_checked += 1
            self._digest_unit(unit, today, now, result)
        logger.info("daily digest", extra=result.as_dict())
        return result

    def _digest_unit(self, unit: Unit, today: date, now: datetime, result: DigestResult) -> None:
        """One unit's digest, once: claimed in the ledger, sent, recorded (a failure is retried by Lambda's
        retry of the scheduled invocation, which claims the failed digest again)."""
        reports = list(self._open_reports(unit.code))
        result.items_read += len(reports)
        digest = daily_digest_lists(reports, now, self.calendar)
        if digest.is_empty:
            return
        data = {"unit": unit.code, "day": today.isoformat(), "open": digest.open_count}
        claim = ledger.claim(*digest_key(today, unit.code), ledger.DIGEST, now, data)
        if claim is None:
            result.already_sent += 1
            return
        try:
            to, subject, text, html = self._digest_message(unit, digest, now)
            delivery_id = f"digest:{today.isoformat()}:{unit.code}"
            self.sender.send(
                senders.email(to, subject, text, html, unit_code=unit.code, delivery_id=delivery_id)
            )
        except Exception as exc:
            error = ledger.error_name(exc)
            logger.warning("daily digest not sent", extra={"unit": unit.code, "error": error})
            ledger.fail(claim, now, error)
            result.failures += 1
            result.failed_units.append(unit.code)
            return
        ledger.done(claim, now)
        result.emails_sent += 1

    def _digest_message(self, unit: Unit, digest: Any, now: datetime) -> tuple[list[str], str, str, str]:
        def rows(reports: Iterable[Report]) -> list[dict[str, Any]]:
            out = []
            for r in reports:
                deadline = r.current_deadline
                triage = r.status == Status.ASSIGNED and deadline is not None and deadline == r.triage_due_at
                out.append(self._row(r, TRIAGE if triage else RESOLUTION, deadline))
            return out

        overdue, due_today, new = rows(digest.overdue), rows(digest.due_today), rows(digest.new)
        day_text = f"{digest.day:%d/%m/%Y}"
        subject = SUBJECT_DIGEST.format(
            day=day_text, overdue=len(overdue), due=len(due_today), unit=unit.short_name
        )
        text, html = self._render(
            "digest",
            subject=subject,
            queue_url=console_queue_url(),
            unit_name=unit.name,
            day_text=day_text,
            since=digest.since,
            open_count=digest.open_count,
            overdue=overdue,
            due_today=due_today,
            new=new,
            sections=list(zip(DIGEST_SECTIONS, (overdue, due_today, new), strict=True)),
        )
        to = list(unit.emails) or list(self.recipients.ioc_escalation)
        to += [a for a in self.recipients.digest_cc if a not in to]
        return to, subject, text, html


def retry_owed(owed: ledger.Owed, now: datetime, sender: senders.Sender) -> bool:
    """The reconciler's retry of a failed deadline notice: the report's due notices, claimed and sent as the
    sweep does. A notice no longer due (the report was closed, extended or reassigned meanwhile) is given up:
    nothing will ever claim it again."""
    report_id = str(owed.data.get("report_id") or owed.pk.removeprefix("notice#"))
    sent = DeadlineWatch(sender=sender).retry_report(report_id, now).emails_sent > 0
    after = ledger.get(owed.pk, owed.sk)
    untouched = after is not None and after.attempts == owed.attempts and after.status != ledger.DONE
    fresh_claim = (
        after is not None
        and after.status == ledger.CLAIMED
        and (after.updated_at is None or after.updated_at >= now - ledger.LEASE)
    )
    if untouched and not fresh_claim:
        ledger.give_up(owed.pk, owed.sk, ledger.NOTICE.name, now, "Superseded")
    return sent


def run_sweep(now: datetime) -> SweepResult:
    """The scheduled sweep as of `now` (the event's time)."""
    from chalicelib import wiring

    return wiring.deadline_watch().run_sweep(now)


def daily_digest(now: datetime) -> DigestResult:
    """The daily digest as of `now` (the event's time); `result.raise_if_incomplete()` after publishing."""
    from chalicelib import wiring

    return wiring.deadline_watch().daily_digest(now)


__all__ = [
    "DeadlineWatch",
    "DigestIncomplete",
    "DigestResult",
    "Recipients",
    "SweepResult",
    "daily_digest",
    "run_sweep",
]
