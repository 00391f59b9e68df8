"""The composition root on moto: the services `chalicelib.wiring` builds send through the one sender, so a fake
plugged into it (or handed to a service) sees every message and SES sees none; a failure is recorded in the one
ledger and the next attempt sends once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.notify import senders

MONDAY_08_00 = datetime(2024, 4, 29, 1, 0, tzinfo=UTC)


def _ses() -> list:
    return ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages


class Refusing:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, parcel: senders.Parcel) -> str | None:
        self.calls += 1
        raise ConnectionError("SES unreachable")


@pytest.fixture
def recording(aws_env):
    fake = senders.RecordingSender()
    senders.plug(senders.EMAIL, fake)
    yield fake
    senders.reset()


def test_a_fake_plugged_into_the_one_sender_gets_what_the_wired_services_send(recording):
    from chalicelib import wiring

    assert wiring.deadline_watch().sender is senders.registry()
    assert wiring.deliveries().sender is senders.registry()
    summary = wiring.stats_service().weekly_report(MONDAY_08_00)
    assert summary["sent"] is True and _ses() == []
    (parcel,) = recording.parcels
    assert parcel.channel == senders.EMAIL and parcel.subject.startswith("Báo cáo tuần")
    assert [name for name, _, _ in parcel.attachments] == [
        "thong-ke-paht-2024-04-22_2024-04-28.csv",
        "thong-ke-paht-2024-01-01_2024-04-28.csv",
    ]
    assert wiring.stats_service().weekly_report(MONDAY_08_00)["sent"] is False  # once a week (ledger)
    assert len(recording.parcels) == 1


def test_a_weekly_report_that_failed_is_sent_by_the_schedules_retry_once(aws_env):
    from chalicelib.services.stats import StatsService
    from chalicelib.store import ledger

    refusing = Refusing()
    with pytest.raises(ConnectionError):
        StatsService(sender=refusing).weekly_report(MONDAY_08_00)
    assert ledger.status("weekly_report", "2024-04-22") == ledger.FAILED
    assert ledger.page(False, 10, None).items == []  # its own trigger retries it: not the IOC's list
    recorded = senders.RecordingSender()
    assert StatsService(sender=recorded).weekly_report(MONDAY_08_00)["sent"] is True
    assert StatsService(sender=recorded).weekly_report(MONDAY_08_00)["sent"] is False
    assert refusing.calls == 1 and len(recorded.parcels) == 1 and _ses() == []
