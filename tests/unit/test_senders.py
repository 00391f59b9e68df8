"""The one way a message leaves (chalicelib/notify/senders.py): one interface, a default per channel, plugs for
every unit or one unit, and the registry every service is given. No AWS: nothing is sent."""

from __future__ import annotations

import pytest

from chalicelib.notify import senders


class Fake:
    def __init__(self, name: str) -> None:
        self.name = name
        self.parcels: list[senders.Parcel] = []

    def send(self, parcel: senders.Parcel) -> str | None:
        self.parcels.append(parcel)
        return self.name


@pytest.fixture
def registry():
    defaults = {channel: Fake(f"default-{channel}") for channel in (senders.EMAIL, senders.WEBHOOK)}
    return senders.Senders(defaults), defaults


def test_the_process_sends_through_ses_webhooks_and_sns_unless_something_is_plugged_in():
    chosen = senders.registry()
    assert isinstance(chosen.sender_for(senders.EMAIL, "03127"), senders.SesEmailSender)
    assert isinstance(chosen.sender_for(senders.WEBHOOK, "03127"), senders.HttpWebhookSender)
    assert isinstance(chosen.sender_for(senders.SMS, ""), senders.SnsSmsSender)
    assert isinstance(chosen.sender_for(senders.PUSH, ""), senders.SnsPushSender)
    assert senders.registry() is chosen  # one registry per process: the one every service is given


def test_a_parcel_goes_to_its_channels_sender_and_a_plug_for_one_unit_wins_over_one_for_all(registry):
    chosen, defaults = registry
    assert chosen.send(senders.email(["a@x.vn"], "s", "t", unit_code="03127")) == "default-email"
    everyone, one_unit = Fake("all"), Fake("03151")
    chosen.plug(senders.EMAIL, everyone)
    chosen.plug(senders.EMAIL, one_unit, unit_code="03151")
    assert chosen.send(senders.email(["a@x.vn"], "s", "t", unit_code="03127")) == "all"
    assert chosen.send(senders.email(["b@x.vn"], "s", "t", unit_code="03151")) == "03151"
    assert chosen.send(senders.email(["c@x.vn"], "s", "t")) == "all"  # a citizen's e-mail: no unit
    webhook = senders.Parcel(channel=senders.WEBHOOK, unit_code="03151", url="https://x.vn/h")
    assert chosen.send(webhook) == "default-webhook"  # plugs are per channel
    chosen.unplug(senders.EMAIL, unit_code="03151")
    assert chosen.send(senders.email(["b@x.vn"], "s", "t", unit_code="03151")) == "all"
    chosen.reset()
    assert chosen.send(senders.email(["b@x.vn"], "s", "t", unit_code="03151")) == "default-email"
    assert [p.recipients for p in defaults[senders.EMAIL].parcels] == [("a@x.vn",), ("b@x.vn",)]


def test_only_a_known_channel_can_be_plugged(registry):
    chosen, _ = registry
    with pytest.raises(ValueError):
        chosen.plug("fax", Fake("fax"))


def test_an_email_parcel_carries_everything_the_message_needs():
    parcel = senders.email(
        ("ioc@x.vn", "lanh.dao@x.vn"),
        "Báo cáo tuần",
        "văn bản",
        "<p>văn bản</p>",
        attachments=(("bang.csv", "text/csv", b"a,b\r\n"),),
        delivery_id="weekly_report:2024-04-22",
    )
    assert parcel.channel == senders.EMAIL and parcel.recipients == ("ioc@x.vn", "lanh.dao@x.vn")
    assert parcel.attachments[0][0] == "bang.csv" and parcel.unit_code == ""


def test_the_composition_root_hands_every_service_the_one_sender_and_the_one_clock():
    from chalicelib import clock, wiring

    assert wiring.sender() is senders.registry()
    assert wiring.clock is clock.now
    instant = clock.now()
    assert instant.tzinfo is not None and instant.microsecond % 1000 == 0
