"""Senders are plug-ins chosen by data (house style; FixMyStreet's send methods).

A unit's data says which channels it has: `email` whenever it lists addresses, `webhook` when it names one.
Each channel has a default sender (SES, signed HTTP POST). Another sender can be plugged in for a channel, for
every unit or for one unit: the local stack or a test records messages instead of sending them, or makes one
unit's channel fail. Plugging is the registry's public interface, not a patch of this module.

What a sender receives is a `Parcel`: the message already rendered for its channel, plus the delivery's ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.domain.units import Unit

EMAIL = "email"
WEBHOOK = "webhook"


@dataclass(frozen=True)
class Parcel:
    """One delivery, ready to go. E-mail uses recipients/subject/text/html; a webhook uses url/secret_env/body."""

    delivery_id: str
    report_id: str
    unit_code: str
    channel: str
    recipients: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    html: str | None = None
    url: str | None = None
    secret_env: str | None = None
    body: bytes = b""
    timestamp: int = 0


class Sender(Protocol):
    def send(self, parcel: Parcel) -> str | None:
        """Deliver or raise; returns the channel's reference (SES message id, HTTP status) if any."""
        ...


class SesEmailSender:
    """One SES message to all of the unit's addresses."""

    def send(self, parcel: Parcel) -> str | None:
        from chalicelib.notify.email import send_email

        return send_email(list(parcel.recipients), parcel.subject, parcel.text, parcel.html)


class HttpWebhookSender:
    """A signed POST to the unit's webhook; the secret is read from the variable the unit's data names."""

    def send(self, parcel: Parcel) -> str | None:
        from chalicelib.config import secret
        from chalicelib.notify.webhook import WebhookSecretMissing, post

        key = secret(parcel.secret_env) if parcel.secret_env else None
        if not key or not parcel.url:
            raise WebhookSecretMissing(parcel.secret_env or "")
        return str(post(parcel.url, parcel.body, key, parcel.delivery_id, parcel.timestamp))


class RecordingSender:
    """Keeps what it is given instead of sending it (tests, demonstrations)."""

    def __init__(self) -> None:
        self.parcels: list[Parcel] = []

    def send(self, parcel: Parcel) -> str | None:
        self.parcels.append(parcel)
        return f"recorded-{len(self.parcels)}"


_DEFAULTS: dict[str, Sender] = {EMAIL: SesEmailSender(), WEBHOOK: HttpWebhookSender()}
_plugged: dict[tuple[str, str | None], Sender] = {}


def channels(unit: Unit) -> list[str]:
    """The channels a unit's data gives it, in sending order."""
    out = []
    if unit.emails:
        out.append(EMAIL)
    if unit.webhook is not None:
        out.append(WEBHOOK)
    return out


def default(channel: str) -> Sender:
    return _DEFAULTS[channel]


def plug(channel: str, sender: Sender, unit_code: str | None = None) -> None:
    """Use `sender` for `channel` (for one unit when `unit_code` is given, else for all)."""
    if channel not in _DEFAULTS:
        raise ValueError(f"unknown channel {channel!r}")
    _plugged[(channel, unit_code)] = sender


def unplug(channel: str, unit_code: str | None = None) -> None:
    _plugged.pop((channel, unit_code), None)


def reset() -> None:
    """Back to the default senders."""
    _plugged.clear()


def sender_for(channel: str, unit_code: str) -> Sender:
    return _plugged.get((channel, unit_code)) or _plugged.get((channel, None)) or _DEFAULTS[channel]
