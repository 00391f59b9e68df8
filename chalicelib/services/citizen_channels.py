"""Telling citizens on their phones, and followers on every channel (issue 15). A stream consumer.

For each change of a report:
- the reporter hears of the same news as by e-mail (services/citizen_notify.py sends that e-mail) on push or
  SMS, as their choice of channels says (domain/citizens.channels_for);
- followers hear of the public steps (assigned, reassigned, extended, answered, rejected, reopened) on their
  channels, e-mail included;
- a report rejected as a duplicate makes its reporter a follower of the original;
- a reopened report is e-mailed to its unit at once.

Every message is claimed in the once-only ledger (store/ledger.py) before it is sent, exactly as the citizen
e-mail is: pk `citizen#<report id>`, sk `entry#<index>#<channel>#<sub>[#<device>]`, kinds `push`, `sms`,
`follower` (the unit's reopen notice: pk `unit-reopen#<report id>`, sk `entry#<index>`, kind `reopen`). Every
message leaves through the one sender (notify/senders.py), on its channel. A redelivered stream record sends
nothing twice; a failed send is recorded and the record is retried (after the other messages were tried).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib import clock as clocks
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
from chalicelib.notify import links, senders
from chalicelib.services.stream import ReportChange
from chalicelib.store import ledger

logger = Logger(service="fieldreport", child=True)

# The ledger's kind of each channel's messages (services/deliveries.KINDS retries them).
KIND_OF = {PUSH: ledger.PUSH, SMS: ledger.SMS, EMAIL: ledger.FOLLOWER}
# The sender's channel of each of the citizen's channels.
CHANNEL_OF = {PUSH: senders.PUSH, SMS: senders.SMS, EMAIL: senders.EMAIL}


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


def messages_for(report: Report, index: int, entry: HistoryEntry, listener: Listener) -> list[Message]:
    """The messages one listener gets for one entry, on the channels they chose (or the default)."""
    from chalicelib.store.citizens import CitizenStore

    profile = CitizenStore().profile(listener.sub)
    email = listener.email or profile.email
    channels = channels_for(profile.channels, bool(profile.devices), bool(email))
    original = (report.rejection or {}).get("duplicate_of")
    text = phone_text(
        told_step(entry, report),
        report.id,
        links.public_report_url(report.id),
        _unit_name(report.unit_code),
        original,
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


def parcel_of(message: Message) -> senders.Parcel:
    """The message as its channel sends it: a push (title and text), an SMS, or a short e-mail."""
    return senders.Parcel(
        channel=CHANNEL_OF[message.channel],
        recipients=(message.to,),
        subject=message.subject,
        text=message.text,
        report_id=message.report_id,
    )


def deliver(
    messages: list[Message], sender: senders.Sender | None = None, clock: clocks.Clock = clocks.now
) -> int:
    """Send each message once (ledger claim first); returns how many were sent now. Tries every message and
    raises the first failure afterwards, so the stream retries only what is missing."""
    sender = sender or senders.registry()
    sent, failure = 0, None
    for m in messages:
        now = clock()
        claim = ledger.claim(m.pk, m.sk, KIND_OF[m.channel], now)
        if claim is None:
            continue
        try:
            sender.send(parcel_of(m))
        except Exception as exc:
            ledger.fail(claim, now, ledger.error_name(exc))  # retried by the reconciler
            logger.exception("citizen message failed", extra={"report_id": m.report_id, "channel": m.channel})
            failure = failure or exc
            continue
        ledger.done(claim, clock())
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


def notify_channels(
    change: ReportChange, sender: senders.Sender | None = None, clock: clocks.Clock = clocks.now
) -> None:
    """Stream consumer: push, SMS and followers' e-mails; duplicates followed; the unit told of a reopening."""
    sender = sender or senders.registry()
    steps = (
        lambda: _follow_original(change),
        lambda: _tell_unit_of_reopening(change, sender, clock()),
        lambda: deliver(planned(change), sender, clock),
    )
    failure: Exception | None = None
    for step in steps:
        try:
            step()
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


def _tell_unit_of_reopening(change: ReportChange, sender: senders.Sender, now: datetime) -> None:
    """A reopened report goes back to its unit at once: an e-mail to the unit's addresses, once."""
    from chalicelib.domain.units import UnitRegistry

    old, new = change.old, change.new
    if old is None or new is None:
        return
    for i, entry in list(enumerate(new.history))[len(old.history) :]:
        unit = UnitRegistry.default().get(new.unit_code) if new.unit_code else None
        if entry.type != REOPENED or unit is None or not unit.emails:
            continue
        claim = ledger.claim(f"unit-reopen#{new.id}", f"entry#{i:05d}", ledger.REOPEN, now)
        if claim is None:
            continue
        due = f"{new.due_at.astimezone(VN_OFFSET):%H:%M ngày %d/%m/%Y}" if new.due_at else ""
        text = (
            f"Phản ánh {new.id} đã được người phản ánh đề nghị xử lý lại.\n"
            f"Lý do: {entry.public_text or ''}\nThời hạn giải quyết mới: {due}\n"
            f"Xử lý: {links.console_report_url(new.id)}\n"
        )
        subject = f"Phản ánh được mở lại: {new.id}"
        try:
            sender.send(senders.email(unit.emails, subject, text, report_id=new.id, unit_code=unit.code))
        except Exception as exc:
            ledger.fail(claim, now, ledger.error_name(exc))  # the stream's retry claims it again
            raise
        ledger.done(claim, now)


def retry_owed(owed: ledger.Owed, now: datetime, sender: senders.Sender) -> bool:
    """The reconciler's retry of one push, SMS or follower e-mail (services/deliveries.py): the message is
    rebuilt from the report's history entry and the listener, then sent once; given up if either is gone."""
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
        ledger.give_up(pk, sk, owed.kind, now, "Superseded")
        return False
    try:
        return deliver(wanted, sender, clock=lambda: now) == 1
    except Exception:
        return False  # recorded and scheduled again by `deliver`
