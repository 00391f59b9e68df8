"""Telling citizens on their phones, and followers on every channel (issue 15). A stream consumer.

For each change of a report:
- the reporter hears of the same news as by e-mail (services/citizen_notify.py sends that e-mail) on push or
  SMS, as their choice of channels says (domain/citizens.channels_for);
- followers hear of the public steps (assigned, reassigned, extended, answered, rejected, reopened) on their
  channels, e-mail included;
- a report rejected as a duplicate makes its reporter a follower of the original;
- a reopened report is e-mailed to its unit at once.

Every message is claimed in the once-only ledger (store/once.py) before it is sent, exactly as the citizen
e-mail is: pk `citizen#<report id>`, sk `entry#<index>#<channel>#<sub>[#<device>]` (the unit's reopen notice:
pk `unit-reopen#<report id>`, sk `entry#<index>`). A redelivered stream record sends nothing twice; a failed
send releases its claim and the record is retried (after the other messages were tried).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from chalicelib.domain.citizens import (
    EMAIL,
    FOLLOWER_STEPS,
    PUSH,
    REOPENED,
    SMS,
    channels_for,
    e164_vn,
    phone_text,
    told_step,
)
from chalicelib.domain.report import VN_OFFSET, HistoryEntry, Report
from chalicelib.services.stream import ReportChange
from chalicelib.store.retries import Owed

logger = Logger(service="fieldreport", child=True)

# Kinds of owed deliveries (services/deliveries.KINDS): push, SMS, and a follower's e-mail.
KIND_OF = {PUSH: "push", SMS: "sms", EMAIL: "follower"}


@dataclass(frozen=True)
class Listener:
    sub: str
    phone: str | None
    email: str | None
    reporter: bool


@dataclass(frozen=True)
class Message:
    """One message on one channel to one address, with its ledger key."""

    pk: str
    sk: str
    channel: str
    to: str
    subject: str
    text: str
    report_id: str


def reporter_entries(change: ReportChange) -> list[tuple[int, HistoryEntry]]:
    """The entries the reporter is told of: the same rule as the citizen e-mail, without needing an address."""
    from chalicelib.services.citizen_notify import told_entries

    return told_entries(change)


def follower_entries(change: ReportChange) -> list[tuple[int, HistoryEntry]]:
    old, new = change.old, change.new
    if old is None or new is None or not new.is_public:
        return []
    return [(i, e) for i, e in list(enumerate(new.history))[len(old.history) :] if e.type in FOLLOWER_STEPS]


def _unit_name(code: str | None) -> str | None:
    from chalicelib.domain.units import UnitRegistry

    unit = UnitRegistry.default().get(code) if code else None
    return unit.name if unit else code


def _link(report_id: str) -> str:
    """What a citizen opens: the public page of the report (notify/links.py builds every link)."""
    from chalicelib.notify.links import public_report_url

    return public_report_url(report_id)


def messages_for(report: Report, index: int, entry: HistoryEntry, listener: Listener) -> list[Message]:
    """The messages one listener gets for one entry, on the channels they chose (or the default)."""
    from chalicelib.store.citizens import CitizenStore

    profile = CitizenStore().profile(listener.sub)
    email = listener.email or profile.email
    channels = channels_for(profile.channels, bool(profile.devices), bool(email))
    original = (report.rejection or {}).get("duplicate_of")
    text = phone_text(
        told_step(entry, report), report.id, _link(report.id), _unit_name(report.unit_code), original
    )
    subject = "Cập nhật phản ánh hiện trường" + ("" if listener.reporter else " bạn theo dõi")
    pk, base = f"citizen#{report.id}", f"entry#{index:05d}"
    out: list[Message] = []
    if PUSH in channels:
        for device in profile.devices:
            sk = f"{base}#push#{listener.sub}#{device.id}"
            out.append(Message(pk, sk, PUSH, device.endpoint_arn, subject, text, report.id))
    phone = e164_vn(listener.phone) or profile.phone
    if SMS in channels and phone:
        out.append(Message(pk, f"{base}#sms#{listener.sub}", SMS, phone, subject, text, report.id))
    # The reporter's e-mail is citizen_notify's (with the full letter); a follower's is this short one.
    if EMAIL in channels and email and not listener.reporter:
        out.append(Message(pk, f"{base}#email#{listener.sub}", EMAIL, email, subject, text, report.id))
    return out


def _send(message: Message) -> object:
    from chalicelib.notify import phone

    if message.channel == PUSH:
        return phone.send_push(message.to, message.subject, message.text, message.report_id)
    if message.channel == SMS:
        return phone.send_sms(message.to, message.text)
    from chalicelib.notify.email import send_email

    return send_email([message.to], message.subject, message.text, None)


Send = Callable[[Message], object]


def deliver(messages: list[Message], send: Send = _send, clock: Callable[[], datetime] | None = None) -> int:
    """Send each message once (ledger claim first); returns how many were sent now. Tries every message and
    raises the first failure afterwards, so the stream retries only what is missing."""
    from chalicelib.store import once

    now = clock or (lambda: datetime.now(UTC))
    sent, failure = 0, None
    for m in messages:
        if not once.claim(m.pk, m.sk, now()):
            continue
        try:
            send(m)
        except Exception as exc:
            from chalicelib.store import retries

            once.release(m.pk, m.sk, now())
            retries.schedule(
                m.pk, m.sk, KIND_OF[m.channel], now(), type(exc).__name__
            )  # retried by the reconciler
            logger.exception("citizen message failed", extra={"report_id": m.report_id, "channel": m.channel})
            failure = failure or exc
            continue
        once.done(m.pk, m.sk, now())
        sent += 1
        logger.info("citizen told", extra={"report_id": m.report_id, "channel": m.channel})
    if failure is not None:
        raise failure
    return sent


def planned(change: ReportChange) -> list[Message]:
    """Every message this change causes, to the reporter and to each follower."""
    from chalicelib.store.citizens import CitizenStore

    new = change.new
    if new is None:
        return []
    out: list[Message] = []
    reporter = Listener(new.reporter.sub, new.reporter.phone, new.reporter.email, reporter=True)
    for i, entry in reporter_entries(change):
        out.extend(messages_for(new, i, entry, reporter))
    steps = follower_entries(change)
    if steps:
        for f in CitizenStore().followers(new.id):
            listener = Listener(f.sub, f.phone, f.email, reporter=False)
            for i, entry in steps:
                out.extend(messages_for(new, i, entry, listener))
    return out


def wants_email(sub: str) -> bool:
    """Whether the reporter's e-mail goes out: yes unless they chose channels without it."""
    from chalicelib.store.citizens import CitizenStore

    chosen = CitizenStore().profile(sub).channels
    return chosen is None or EMAIL in chosen


def notify_channels(change: ReportChange) -> None:
    """Stream consumer: push, SMS and followers' e-mails; duplicates followed; the unit told of a reopening."""
    failure: Exception | None = None
    for step in (_follow_original, _tell_unit_of_reopening, lambda c: deliver(planned(c))):
        try:
            step(change)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def _follow_original(change: ReportChange) -> None:
    """Rejected as a duplicate of another report: the reporter follows the original from now on (idempotent:
    following twice changes nothing)."""
    from chalicelib.domain.access import Actor
    from chalicelib.domain.errors import ReportNotFound
    from chalicelib.services.citizens import CitizenService

    old, new = change.old, change.new
    if old is None or new is None or old.status == new.status or not new.rejection:
        return
    original = new.rejection.get("duplicate_of")
    if new.rejection.get("reason") != "duplicate" or not original:
        return
    try:
        CitizenService().follow(
            original,
            Actor(
                new.reporter.sub, frozenset({"citizen"}), phone=new.reporter.phone, email=new.reporter.email
            ),
        )
    except ReportNotFound:
        logger.info("duplicate of a report that is not public", extra={"report_id": new.id})


def _tell_unit_of_reopening(change: ReportChange) -> None:
    """A reopened report goes back to its unit at once: an e-mail to the unit's addresses, once."""
    from chalicelib.domain.units import UnitRegistry
    from chalicelib.notify.email import send_email
    from chalicelib.notify.links import console_report_url
    from chalicelib.store import once

    old, new = change.old, change.new
    if old is None or new is None:
        return
    for i, entry in list(enumerate(new.history))[len(old.history) :]:
        unit = UnitRegistry.default().get(new.unit_code) if new.unit_code else None
        if entry.type != REOPENED or unit is None or not unit.emails:
            continue
        pk, sk = f"unit-reopen#{new.id}", f"entry#{i:05d}"
        if not once.claim(pk, sk):
            continue
        due = f"{new.due_at.astimezone(VN_OFFSET):%H:%M ngày %d/%m/%Y}" if new.due_at else ""
        text = (
            f"Phản ánh {new.id} đã được người phản ánh đề nghị xử lý lại.\n"
            f"Lý do: {entry.public_text or ''}\nThời hạn giải quyết mới: {due}\nXử lý: {console_report_url(new.id)}\n"
        )
        try:
            send_email(list(unit.emails), f"Phản ánh được mở lại: {new.id}", text, None)
        except Exception:
            once.release(pk, sk)
            raise
        once.done(pk, sk)


def retry_owed(owed: Owed, now: datetime) -> bool:
    """The reconciler's retry of one push, SMS or follower e-mail (services/deliveries.py): the message is
    rebuilt from the report's history entry and the listener, then sent once; given up if either is gone."""
    from chalicelib.store import retries
    from chalicelib.store.citizens import CitizenStore
    from chalicelib.store.reports import ReportRepository

    pk, sk = owed.pk, owed.sk
    _, index, _, sub, *_ = sk.split("#") + [""] * 4
    report = ReportRepository().get(pk.removeprefix("citizen#"))
    listener = None
    if report is not None and report.reporter.sub == sub:
        listener = Listener(sub, report.reporter.phone, report.reporter.email, reporter=True)
    elif report is not None:
        found = [f for f in CitizenStore().followers(report.id) if f.sub == sub]
        listener = Listener(sub, found[0].phone, found[0].email, reporter=False) if found else None
    wanted = []
    if report is not None and listener is not None and index.isdigit() and int(index) < len(report.history):
        entry = report.history[int(index)]
        wanted = [m for m in messages_for(report, int(index), entry, listener) if m.sk == sk]
    if not wanted:
        retries.give_up(pk, sk, owed.kind, now, "Superseded")
        return False
    try:
        return deliver(wanted, clock=lambda: now) == 1
    except Exception:
        return False  # recorded and scheduled again by `deliver`
