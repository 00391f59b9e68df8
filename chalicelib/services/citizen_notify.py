"""Telling the citizen (domain.md step 4): each change of status, an extension, a reassignment and a hiding
are e-mailed to the reporter, where the reporter gave an e-mail, in Vietnamese.

The app reads the same news from the report's public timeline; the e-mail is a copy that goes out once per
(report, history entry): the consumer claims `citizen#<report id>` / `entry#<index>` in the once-only ledger
(store/ledger.py, kind `citizen`) before sending, so a redelivered stream batch sends nothing twice. A failed
send is recorded (and scheduled for the reconciler) and raised, so the record comes back as a batch item failure
and is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib import clock as clocks
from chalicelib.domain.report import HistoryEntry, Report, Status
from chalicelib.notify import senders
from chalicelib.notify.links import public_report_url
from chalicelib.services.stream import ReportChange
from chalicelib.store import ledger

logger = Logger(service="fieldreport", child=True)

# Entries the citizen hears about even when the status does not change.
ALWAYS_TOLD = frozenset({"hidden", "extended", "reassigned"})
IMPORTED = "imported"  # the history entry of a report imported from the old system (services/imports.py)


@dataclass(frozen=True)
class CitizenNotice:
    report: Report
    index: int  # position of the entry in the report's history: stable, since history is append-only
    entry: HistoryEntry

    @property
    def ledger_key(self) -> tuple[str, str]:
        return f"citizen#{self.report.id}", f"entry#{self.index:05d}"


def told_entries(change: ReportChange) -> list[tuple[int, HistoryEntry]]:
    """The entries the reporter is told of, on any channel: those this change appended that changed the status
    (the last one, if several did) or that are always told. None for a new or deleted report, nor for the past
    of an imported one."""
    old, new = change.old, change.new
    if old is None or new is None:
        return []
    fresh = list(enumerate(new.history))[len(old.history) :]
    if not fresh:
        return []
    chosen = {i: e for i, e in fresh if e.type in ALWAYS_TOLD}
    if old.status != new.status:
        i, e = fresh[-1]
        chosen[i] = e
    if any(e.type == IMPORTED for e in new.history):
        # A report brought in from the old system: its past (routed and closed by the import, as "system")
        # was told to the citizen back then; only what people do here from now on is news.
        chosen = {i: e for i, e in chosen.items() if e.actor_role != "system"}
    return sorted(chosen.items())


def notices_for(change: ReportChange) -> list[CitizenNotice]:
    """The reporter's e-mails for this change (told_entries); none for a report without an e-mail."""
    new = change.new
    if new is None or not new.reporter.email:
        return []
    return [CitizenNotice(new, i, e) for i, e in told_entries(change)]


def _unit_name(code: str | None) -> str | None:
    from chalicelib.domain.units import UnitRegistry

    unit = UnitRegistry.default().get(code) if code else None
    return unit.name if unit else code


def compose(notice: CitizenNotice) -> tuple[str, str, str]:
    """Subject, text and HTML of the e-mail (Jinja2 templates; the HTML one autoescapes)."""
    from chalicelib.domain.units import CategoryCatalog
    from chalicelib.notify.email import render

    report, entry = notice.report, notice.entry
    unit = _unit_name(report.unit_code)
    category = CategoryCatalog.default().get(report.category)
    letter = entry.type == "info_requested"
    if entry.type == "hidden":
        subject = "Phản ánh hiện trường của Ông/Bà đã bị ẩn khỏi trang công khai"
        headline = "Phản ánh của Ông/Bà đã bị ẩn khỏi trang công khai do vi phạm quy định về nội dung."
    elif entry.type == "extended":
        subject = "Phản ánh hiện trường được gia hạn thời gian giải quyết"
        headline = f"{unit} đã gia hạn thời gian giải quyết phản ánh của Ông/Bà."
    elif letter:
        subject = "Đề nghị bổ sung thông tin phản ánh hiện trường"
        headline = ""
    else:
        subject = f"Phản ánh hiện trường: {report.status_label}"
        headline = {
            Status.ASSIGNED: f"Phản ánh của Ông/Bà đã được chuyển đến {unit} để xử lý.",
            Status.IN_PROGRESS: f"{unit} đã tiếp nhận và đang xử lý phản ánh của Ông/Bà.",
            Status.RESOLVED: f"{unit} đã trả lời phản ánh của Ông/Bà.",
            Status.REJECTED: "Phản ánh của Ông/Bà không được tiếp nhận xử lý.",
            Status.RECEIVED: "Hệ thống đã tiếp nhận phản ánh của Ông/Bà.",
        }[report.status]
    context: dict[str, object] = {
        "subject": subject,
        "letter": letter,
        "headline": headline,
        "message": entry.public_text,
        "hidden_reason": report.hidden.reason if entry.type == "hidden" and report.hidden else None,
        "reporter_name": report.reporter.name,
        "report_id": report.id,
        "public_url": public_report_url(report.id),
        "category_name": category.name if category else report.category,
        "received_at": report.received_at,
        "status_label": report.status_label,
        "unit_name": unit,
        "due_at": report.due_at if report.is_open else None,
        "closed": report.is_closed and report.feedback is None,
    }
    return subject, render("citizen_status.txt", **context), render("citizen_status.html", **context)


KIND = ledger.CITIZEN


def tell(notice: CitizenNotice, sender: senders.Sender, now: datetime) -> bool:
    """E-mail one notice, once: claim, send, record. A failure is recorded (the ledger schedules another
    attempt) and raised. False when it was sent already (or is being sent)."""
    claim = ledger.claim(*notice.ledger_key, KIND, now)
    if claim is None:
        return False
    email = notice.report.reporter.email
    assert email is not None
    try:
        subject, text, html = compose(notice)
        sender.send(senders.email([email], subject, text, html, report_id=notice.report.id))
    except Exception as exc:
        ledger.fail(claim, now, ledger.error_name(exc))
        logger.exception(
            "citizen e-mail failed", extra={"report_id": notice.report.id, "entry": notice.index}
        )
        raise
    ledger.done(claim, now)
    logger.info("citizen told", extra={"report_id": notice.report.id, "entry": notice.entry.type})
    return True


def notify_reporter(
    change: ReportChange,
    sender: senders.Sender | None = None,
    clock: clocks.Clock = clocks.now,
) -> None:
    """Stream consumer: e-mail the reporter each news of their report, once per history entry."""
    notices = notices_for(change)
    if not notices:
        return
    from chalicelib.services.citizen_channels import wants_email

    if not wants_email(notices[0].report.reporter.sub):
        return  # the reporter chose other channels (GET/PUT /v1/me/notifications, issue 15)
    for notice in notices:
        tell(notice, sender or senders.registry(), clock())


def retry_owed(owed: ledger.Owed, now: datetime, sender: senders.Sender) -> bool:
    """The reconciler's retry of one citizen e-mail (services/deliveries.py), rebuilt from the report's
    history entry; given up if the report or the reporter's e-mail is gone."""
    from chalicelib.store.reports import ReportRepository

    report_id = owed.pk.removeprefix("citizen#")
    index = int(owed.sk.removeprefix("entry#") or -1)
    report = ReportRepository().get(report_id)
    if report is None or not report.reporter.email or not 0 <= index < len(report.history):
        ledger.give_up(owed.pk, owed.sk, KIND.name, now, "Superseded")
        return False
    try:
        return tell(CitizenNotice(report, index, report.history[index]), sender, now)
    except Exception:
        return False  # recorded and scheduled by `tell`
