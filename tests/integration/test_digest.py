"""The daily digest, end to end on moto: the real scheduled handler, the units' queues, SES."""

from __future__ import annotations

import pytest

from chalicelib.domain.report import Status
from tests.integration.test_sweep import (
    FailingSender,
    cw_event,
    make_report,
    outbox,
    put_reports,
    vn,
)


def digest(client, at):
    return client.lambda_.invoke("daily_digest", cw_event(at, "daily_digest")).payload


@pytest.fixture(autouse=True)
def default_senders():
    from chalicelib.notify import senders

    senders.reset()
    yield senders
    senders.reset()


def open_reports():
    return [
        make_report(vn(2025, 4, 24, 9, 0), unit="094"),  # triage due Fri 25/4: overdue on Monday
        make_report(vn(2025, 4, 26, 15, 0), unit="094"),  # Saturday (working): triage due end of Monday 28/4
        make_report(vn(2025, 4, 22, 9, 0), unit="094", status=Status.IN_PROGRESS),  # due end of Tue 29/4
        make_report(vn(2025, 4, 25, 11, 0), unit="095", status=Status.IN_PROGRESS),  # resolution due 7/5
    ]


def test_each_unit_with_open_reports_gets_one_digest_on_a_working_day(client):
    reports = open_reports()
    closed = make_report(vn(2025, 4, 24, 9, 0), unit="096", status=Status.RESOLVED)
    put_reports([*reports, closed])

    result = digest(client, vn(2025, 4, 28, 7, 30))  # Monday 07:30 in Vietnam = 00:30 UTC

    mails = {tuple(m.to): m for m in outbox()}
    assert set(mails) == {("ubnd.094@dienbien.example.vn",), ("ubnd.095@dienbien.example.vn",)}
    assert result["emails_sent"] == 2 and result["items_read"] == 4  # reads grow with open reports only
    to_094 = mails[("ubnd.094@dienbien.example.vn",)]
    assert "Tổng hợp ngày 28/04/2025" in to_094.subject and "1 quá hạn, 1 đến hạn hôm nay" in to_094.subject
    overdue_part, rest = to_094.text.split("Đến hạn hôm nay (", 1)
    assert reports[0].id in overdue_part and reports[1].id not in overdue_part
    due_part, new_part = rest.split("Mới chuyển đến (", 1)
    assert reports[1].id in due_part
    assert reports[1].id in new_part and reports[0].id not in new_part  # new since Saturday 00:00
    assert closed.id not in "".join(m.text for m in outbox())

    # A rerun the same day sends nothing more.
    again = digest(client, vn(2025, 4, 28, 7, 45))
    assert again["emails_sent"] == 0 and again["already_sent"] == 2 and len(outbox()) == 2


def test_no_digest_on_a_day_off(client):
    put_reports(open_reports())
    sunday = digest(client, vn(2025, 4, 27, 7, 30))
    holiday = digest(client, vn(2025, 4, 30, 7, 30))  # 30/4, a public holiday on a Wednesday
    assert (sunday["working_day"], holiday["working_day"]) == (False, False)
    assert sunday["items_read"] == 0 and outbox() == []
    # The make-up Saturday 26/4/2025 is a working day: the MON-SAT schedule fires and the digest goes.
    assert digest(client, vn(2025, 4, 26, 7, 30))["emails_sent"] >= 1


def test_a_failed_digest_fails_the_run_and_the_retry_sends_only_what_is_missing(client, default_senders):
    put_reports(open_reports())
    default_senders.plug(default_senders.EMAIL, FailingSender(), unit_code="095")
    from chalicelib.services.watch import DigestIncomplete

    with pytest.raises(DigestIncomplete, match="095"):
        digest(client, vn(2025, 4, 28, 7, 30))
    assert [m.to for m in outbox()] == [["ubnd.094@dienbien.example.vn"]]

    default_senders.reset()
    retry = digest(client, vn(2025, 4, 28, 7, 30))  # Lambda retries the same event
    assert retry["emails_sent"] == 1 and retry["already_sent"] == 1
    assert [m.to for m in outbox()] == [["ubnd.094@dienbien.example.vn"], ["ubnd.095@dienbien.example.vn"]]
