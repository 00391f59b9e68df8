"""Senders are plug-ins chosen by data (house style; FixMyStreet's send methods): the one way anything leaves the
system — an e-mail to a unit, the IOC or a citizen, a unit's webhook, an SMS, a push notification.

Every message is a `Parcel`, already rendered for its channel, and every sender has one method,
`send(parcel) -> reference`. A unit's data says which of its channels a report is forwarded on (`channels`:
`email` whenever it lists addresses, `webhook` when it names one).

`registry()` is the one place that chooses the implementation: the process's `Senders`, itself a `Sender`
that hands each parcel to the sender of its channel, or to one plugged in for that channel (for every unit or
for one unit). The defaults are the same everywhere: SES (v2) for e-mail, a signed HTTP POST for webhooks,
SNS for SMS and push. In AWS these are the real services. The local stack points the same clients at its
emulator and writes what its SES and SNS accepted to the outbox folder (infra/local/outbox.py) together with
its snapshot, which is why the app never writes that folder itself: an e-mail written before a crash and
sent again after the restore would arrive twice. Tests keep SES on moto (they read what it accepted) and
plug a fake (`RecordingSender`, or one that refuses) where they need one; a unit test hands a fake to the
service directly. Services take `sender: Sender`, and `chalicelib.wiring` gives them `registry()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.domain.units import Unit

EMAIL = "email"
WEBHOOK = "webhook"
SMS = "sms"
PUSH = "push"


@dataclass(frozen=True)
class Parcel:
    """One message, ready to go. E-mail uses recipients/subject/text/html/attachments; a webhook url/secret_env/
    body/timestamp; SMS recipients (one +84 number) and text; push recipients (one device endpoint), subject
    (the title) and text. `unit_code` chooses a sender plugged for one unit."""

    channel: str = EMAIL
    recipients: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    html: str | None = None
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (file name, content type, bytes)
    delivery_id: str = ""
    report_id: str = ""
    unit_code: str = ""
    url: str | None = None
    secret_env: str | None = None
    body: bytes = b""
    timestamp: int = 0


def email(
    to: list[str] | tuple[str, ...],
    subject: str,
    text: str,
    html: str | None = None,
    *,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    report_id: str = "",
    unit_code: str = "",
    delivery_id: str = "",
) -> Parcel:
    """An e-mail parcel: all of `to` on one message."""
    return Parcel(
        channel=EMAIL,
        recipients=tuple(to),
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
        report_id=report_id,
        unit_code=unit_code,
        delivery_id=delivery_id,
    )


class Sender(Protocol):
    def send(self, parcel: Parcel) -> str | None:
        """Deliver or raise; returns the channel's reference (SES message id, HTTP status) if any."""
        ...


class SesEmailSender:
    """One SES message to all of the parcel's recipients."""

    def send(self, parcel: Parcel) -> str | None:
        from chalicelib.notify.email import send_email

        attachments = list(parcel.attachments) or None
        return send_email(list(parcel.recipients), parcel.subject, parcel.text, parcel.html, attachments)


class HttpWebhookSender:
    """A signed POST to the unit's webhook; the secret is read from the variable the unit's data names."""

    def send(self, parcel: Parcel) -> str | None:
        from chalicelib.config import secret
        from chalicelib.notify.webhook import WebhookSecretMissing, post

        key = secret(parcel.secret_env) if parcel.secret_env else None
        if not key or not parcel.url:
            raise WebhookSecretMissing(parcel.secret_env or "")
        return str(post(parcel.url, parcel.body, key, parcel.delivery_id, parcel.timestamp))


class SnsSmsSender:
    def send(self, parcel: Parcel) -> str | None:
        from chalicelib.notify.phone import send_sms

        (number,) = parcel.recipients
        return send_sms(number, parcel.text)


class SnsPushSender:
    def send(self, parcel: Parcel) -> str | None:
        from chalicelib.notify.phone import send_push

        (endpoint,) = parcel.recipients
        return send_push(endpoint, parcel.subject, parcel.text, parcel.report_id)


class RecordingSender:
    """Keeps what it is given instead of sending it (tests, demonstrations)."""

    def __init__(self) -> None:
        self.parcels: list[Parcel] = []

    def send(self, parcel: Parcel) -> str | None:
        self.parcels.append(parcel)
        return f"recorded-{len(self.parcels)}"


class Senders:
    """A sender per channel, and plugs that replace one for every unit or for one unit. A `Sender` itself:
    `send` hands the parcel to the sender of its channel and unit."""

    def __init__(self, defaults: dict[str, Sender]) -> None:
        self._defaults = dict(defaults)
        self._plugged: dict[tuple[str, str | None], Sender] = {}

    def plug(self, channel: str, sender: Sender, unit_code: str | None = None) -> None:
        """Use `sender` for `channel` (for one unit when `unit_code` is given, else for all)."""
        if channel not in self._defaults:
            raise ValueError(f"unknown channel {channel!r}")
        self._plugged[(channel, unit_code)] = sender

    def unplug(self, channel: str, unit_code: str | None = None) -> None:
        self._plugged.pop((channel, unit_code), None)

    def reset(self) -> None:
        """Back to the defaults."""
        self._plugged.clear()

    def default(self, channel: str) -> Sender:
        """The channel's sender when nothing is plugged in."""
        return self._defaults[channel]

    def sender_for(self, channel: str, unit_code: str | None) -> Sender:
        plugged = self._plugged.get((channel, unit_code)) if unit_code else None
        return plugged or self._plugged.get((channel, None)) or self._defaults[channel]

    def send(self, parcel: Parcel) -> str | None:
        return self.sender_for(parcel.channel, parcel.unit_code).send(parcel)


_REGISTRY = Senders(
    {EMAIL: SesEmailSender(), WEBHOOK: HttpWebhookSender(), SMS: SnsSmsSender(), PUSH: SnsPushSender()}
)


def registry() -> Senders:
    """The process's senders: the one place that chooses how a message leaves (see the module's docstring)."""
    return _REGISTRY


def channels(unit: Unit) -> list[str]:
    """The channels a unit's data gives it, in sending order."""
    out = []
    if unit.emails:
        out.append(EMAIL)
    if unit.webhook is not None:
        out.append(WEBHOOK)
    return out


# The registry's plugs as functions: `senders.plug(senders.EMAIL, fake, unit_code="03151")`.
def plug(channel: str, sender: Sender, unit_code: str | None = None) -> None:
    _REGISTRY.plug(channel, sender, unit_code)


def unplug(channel: str, unit_code: str | None = None) -> None:
    _REGISTRY.unplug(channel, unit_code)


def default(channel: str) -> Sender:
    return _REGISTRY.default(channel)


def reset() -> None:
    _REGISTRY.reset()


def sender_for(channel: str, unit_code: str) -> Sender:
    return _REGISTRY.sender_for(channel, unit_code)
