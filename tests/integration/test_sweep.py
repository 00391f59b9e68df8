"""The deadline sweep, end to end on moto: the real scheduled handler, the real store, SES.

Reports are written through the repository with chosen assignment times (deadlines from compute_deadlines);
the handling steps go through the handling service with a fixed `now`. Every instant is fixed.
"""

from __future__ import annotations

import email
import email.policy
import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.calendar import VN_TZ, WorkingCalendar
from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
from chalicelib.domain.ids import new_id
from chalicelib.domain.report import Location, Report, Reporter, Status
from infra.local.scheduler import cloudwatch_event

REGION = "ap-southeast-1"
CAL = WorkingCalendar.default()
POLICY = DeadlinePolicy.default()
IOC_ADDRESS = "ioc@dienbien.example.vn"


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


# ------------------------------------------------------------------------------------------------ helpers


def make_report(
    assigned_at: datetime, unit: str = "094", status: Status = Status.ASSIGNED, **changes: Any
) -> Report:
    d = compute_deadlines(assigned_at, "giao-thong", CAL, POLICY)
    report = Report(
        id=new_id(int(assigned_at.timestamp() * 1000)),
        category="giao-thong",
        description="Ổ gà lớn giữa đường <b>nguy hiểm</b>",
        location=Location(21.386, 103.017),
        address="Phường Mường Thanh",
        reporter=Reporter(sub="citizen-1", name="Nguyễn Văn A", phone="0912345678"),
        received_at=assigned_at - timedelta(minutes=2),
        status=status,
        unit_code=unit,
        assigned_at=assigned_at,
        triage_due_at=d.triage_due_at,
        due_at=d.due_at,
    )
    return replace(report, **changes)


def put_reports(reports: list[Report]) -> None:
    """Store reports as the routing step would leave them (one batch write; index keys from to_item)."""
    from chalicelib.store.models import ReportItem
    from chalicelib.store.reports import ReportRepository, to_item

    ReportRepository()  # binds the models to this test's tables
    with ReportItem.batch_write() as batch:
        for report in reports:
            batch.save(to_item(report))


def get_report(report_id: str) -> Report:
    from chalicelib.store.reports import ReportRepository

    report = ReportRepository().get(report_id)
    assert report is not None
    return report


def cw_event(at: datetime, rule: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """What EventBridge delivers to a scheduled function (the local stack's own builder)."""
    return cloudwatch_event(at, rule, REGION, detail)


def sweep(client: Any, at: datetime) -> dict[str, Any]:
    return client.lambda_.invoke("deadline_sweep", cw_event(at, "deadline_sweep")).payload


@dataclass
class Mail:
    to: list[str]
    subject: str
    text: str
    html: str


def outbox() -> list[Mail]:
    """Every message SES accepted, decoded."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    out = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        out.append(
            Mail(
                to=[a.strip() for a in str(parsed["To"]).split(",")],
                subject=str(parsed["Subject"]),
                text=parsed.get_body(("plain",)).get_content(),
                html=parsed.get_body(("html",)).get_content(),
            )
        )
    return out


class DynamoCounter:
    """Counts DynamoDB requests and the items they return, from botocore's after-call events."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.items: Counter[str] = Counter()

    def __call__(self, http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any) -> None:
        operation = model.name
        self.requests[operation] += 1
        if operation in ("Query", "Scan"):
            self.items[operation] += len(parsed.get("Items", []))
        elif operation == "GetItem" and parsed.get("Item"):
            self.items[operation] += 1

    def attach(self) -> DynamoCounter:
        from chalicelib.store.models import ALL_MODELS, bind

        bind()
        for model in ALL_MODELS.values():
            # unique_id: the models share one client, which must count each request once
            model._get_connection().connection.client.meta.events.register(
                "after-call.dynamodb", self, unique_id=f"dynamo-counter-{id(self)}"
            )
        return self

    def reset(self) -> None:
        self.requests.clear()
        self.items.clear()


class FailingSender:
    """An e-mail sender plugged in to fail, as SES does when it rejects a message."""

    def __init__(self) -> None:
        self.calls = 0

    def send(self, parcel: Any) -> str | None:
        self.calls += 1
        raise RuntimeError("SES unavailable")


@pytest.fixture(autouse=True)
def default_senders():
    from chalicelib.notify import senders

    senders.reset()
    yield senders
    senders.reset()


# ------------------------------------------------------------------------------------------------ the story


def test_friday_report_missed_triage_is_notified_once_again_after_an_extension_and_never_once_resolved(
    client,
):
    from chalicelib.domain import workflow
    from chalicelib.domain.access import Actor
    from chalicelib.services.handling import HandlingService

    late = make_report(vn(2025, 4, 25, 10, 0))
    answered = make_report(vn(2025, 4, 25, 10, 30))
    put_reports([late, answered])
    assert late.triage_due_at == vn(2025, 4, 26, 23, 59, 59)  # Saturday 26/4/2025: a make-up working day

    officer = Actor(sub="officer-094", roles=frozenset({"officer"}), unit_code="094")
    handling = HandlingService()
    handling.act(answered.id, workflow.Resolve(answer="Đã vá ổ gà."), officer, vn(2025, 4, 25, 15, 0))

    # Monday 28/4 09:00: the triage deadline has passed. The unit and the IOC are told once; the report is
    # overdue since the deadline passed.
    result = sweep(client, vn(2025, 4, 28, 9, 0))
    mails = outbox()
    assert [m.to for m in mails] == [["ubnd.094@dienbien.example.vn"], [IOC_ADDRESS]]
    unit_mail, ioc_mail = mails
    assert late.id in unit_mail.text and late.id in ioc_mail.text
    assert answered.id not in unit_mail.text + ioc_mail.text  # a resolved report gets nothing
    assert "quá hạn" in unit_mail.subject and "hết ngày Thứ Bảy, 26/04/2025" in unit_mail.text
    assert "&lt;b&gt;nguy hiểm&lt;/b&gt;" in unit_mail.html  # the citizen's text is escaped in HTML
    assert result["overdue_reports"] == 1 and result["emails_sent"] == 2 and result["breaches"] == 1
    stored = get_report(late.id)
    assert stored.overdue_since == vn(2025, 4, 27, 0, 0, 0)
    assert stored.is_overdue(vn(2025, 4, 28, 9, 0))
    assert stored.history[-1].type == "deadline_breached" and not stored.history[-1].public

    # A second sweep (or a rerun of the same one) sends nothing.
    assert sweep(client, vn(2025, 4, 28, 9, 15))["emails_sent"] == 0
    assert sweep(client, vn(2025, 4, 28, 9, 0))["emails_sent"] == 0
    assert len(outbox()) == 2

    # The unit accepts; its resolution deadline (Wednesday 7/5) passes; breach notified.
    handling.act(late.id, workflow.Accept(), officer, vn(2025, 4, 28, 10, 0))
    assert get_report(late.id).due_at == vn(2025, 5, 7, 23, 59, 59)
    sweep(client, vn(2025, 5, 8, 8, 0))
    assert len(outbox()) == 4

    # An extension sets a new deadline; its breach is a new notice.
    handling.act(
        late.id,
        workflow.Extend(due_at=vn(2025, 5, 13, 23, 59, 59), note="Chờ vật liệu."),
        officer,
        vn(2025, 5, 8, 10, 0),
    )
    assert get_report(late.id).overdue_since is None
    assert sweep(client, vn(2025, 5, 9, 8, 0))["emails_sent"] == 0  # new deadline not near yet
    result = sweep(client, vn(2025, 5, 14, 8, 0))
    mails = outbox()
    assert len(mails) == 6 and result["breaches"] == 1
    assert "hết ngày Thứ Ba, 13/05/2025" in mails[4].text
    assert get_report(late.id).overdue_since == vn(2025, 5, 14, 0, 0, 0)

    # Resolved: nothing more, ever.
    handling.act(late.id, workflow.Resolve(answer="Đã sửa xong."), officer, vn(2025, 5, 14, 9, 0))
    assert sweep(client, vn(2025, 6, 30, 8, 0))["items_read"] == 0
    assert len(outbox()) == 6


def test_a_deadline_within_the_next_working_day_is_reminded_once(client):
    # Accepted Monday 5/5: resolution due end of Tuesday 13/5, so reminded from Monday 12/5.
    report = make_report(vn(2025, 5, 5, 9, 0), status=Status.IN_PROGRESS)
    put_reports([report])
    assert sweep(client, vn(2025, 5, 9, 9, 15))["emails_sent"] == 0  # Friday: not near yet
    result = sweep(client, vn(2025, 5, 12, 9, 15))
    mails = outbox()
    assert result["reminders"] == 1 and [m.to for m in mails] == [["ubnd.094@dienbien.example.vn"]]
    assert "sắp đến hạn" in mails[0].subject and "hết ngày Thứ Ba, 13/05/2025" in mails[0].text
    assert get_report(report.id).overdue_since is None
    assert sweep(client, vn(2025, 5, 13, 16, 0))["emails_sent"] == 0
    # Past the deadline: the breach goes to the unit and the IOC.
    assert sweep(client, vn(2025, 5, 14, 0, 15))["emails_sent"] == 2


def test_the_triage_deadline_is_not_reminded_apart_from_the_forwarding_email(client):
    # Triage is always due within the next working day: the forwarding e-mail states it; no extra reminder.
    report = make_report(vn(2025, 5, 5, 9, 0), status=Status.ASSIGNED)
    put_reports([report])
    assert sweep(client, vn(2025, 5, 5, 9, 15))["emails_sent"] == 0
    assert sweep(client, vn(2025, 5, 7, 0, 15))["emails_sent"] == 2  # the breach: unit and IOC


def test_the_sweep_reads_only_the_reports_that_are_due(client):
    # 300 open reports whose next notice is days away (accepted, resolution due Wed 7/5, reminded from 6/5)
    # and 5 whose triage deadline (Fri 25/4) has passed.
    quiet = [
        make_report(vn(2025, 4, 25, 8, 0) + timedelta(seconds=i), status=Status.IN_PROGRESS)
        for i in range(300)
    ]
    due = [make_report(vn(2025, 4, 24, 9, 0) + timedelta(seconds=i)) for i in range(5)]
    put_reports(quiet + due)
    counter = DynamoCounter().attach()

    result = sweep(client, vn(2025, 4, 28, 9, 0))

    assert result["items_read"] == 5 and result["overdue_reports"] == 5
    assert counter.items["Query"] == 5  # the sweep index returned only the due reports
    assert counter.items["GetItem"] == 5  # each re-read once, consistently, before acting on it
    assert counter.requests["Scan"] == 0
    assert sum(counter.items.values()) <= 2 * len(due)


def test_one_email_per_unit_and_one_to_the_ioc_per_sweep(client):
    a = [make_report(vn(2025, 4, 24, 9, 0) + timedelta(minutes=i), unit="094") for i in range(3)]
    b = [make_report(vn(2025, 4, 24, 9, 0) + timedelta(minutes=i), unit="095") for i in range(2)]
    # accepted Mon 21/4: resolution due Tue 29/4, reminded from Mon 28/4
    reminder = make_report(vn(2025, 4, 21, 8, 0), unit="095", status=Status.IN_PROGRESS)
    put_reports(a + b + [reminder])

    result = sweep(client, vn(2025, 4, 28, 9, 0))

    mails = {tuple(m.to): m for m in outbox()}
    assert len(outbox()) == 3 and result["emails_sent"] == 3
    to_094 = mails[("ubnd.094@dienbien.example.vn",)]
    to_095 = mails[("ubnd.095@dienbien.example.vn",)]
    to_ioc = mails[(IOC_ADDRESS,)]
    assert all(r.id in to_094.text for r in a) and not any(r.id in to_094.text for r in [*b, reminder])
    assert all(r.id in to_095.text for r in [*b, reminder]) and not any(r.id in to_095.text for r in a)
    assert "2 phản ánh đã quá hạn, 1 phản ánh sắp đến hạn" in to_095.subject
    assert all(r.id in to_ioc.text for r in a + b) and reminder.id not in to_ioc.text
    assert "5 phản ánh" in to_ioc.subject


def test_a_failed_send_is_retried_by_the_next_sweep_and_sent_once(client, default_senders):
    from chalicelib.store import ledger

    def undelivered() -> list[ledger.Owed]:
        return [o for o in ledger.page(False, 100, None).items if o.kind == "notice"]

    report = make_report(vn(2025, 4, 24, 9, 0))
    put_reports([report])
    failing = FailingSender()
    default_senders.plug(default_senders.EMAIL, failing)

    result = sweep(client, vn(2025, 4, 28, 9, 0))
    assert result["failures"] == 2 and result["emails_sent"] == 0 and outbox() == []
    assert get_report(report.id).overdue_since is not None  # overdue whether or not the e-mail went
    assert {(u.status, u.data["audience"]) for u in undelivered()} == {
        ("failed", "unit"),
        ("failed", "ioc"),
    }

    default_senders.reset()  # SES is back
    result = sweep(client, vn(2025, 4, 28, 9, 15))
    assert result["emails_sent"] == 2 and result["items_read"] == 1
    assert undelivered() == []
    assert sweep(client, vn(2025, 4, 28, 9, 30))["items_read"] == 0  # delivered: out of the sweep index
    assert len(outbox()) == 2


def test_only_the_failed_unit_is_retried(client, default_senders):
    a = make_report(vn(2025, 4, 24, 9, 0), unit="094")
    b = make_report(vn(2025, 4, 24, 9, 5), unit="095")
    put_reports([a, b])
    default_senders.plug(default_senders.EMAIL, FailingSender(), unit_code="095")

    first = sweep(client, vn(2025, 4, 28, 9, 0))
    assert (first["emails_sent"], first["failures"]) == (2, 1)  # 094 and the IOC went; 095 failed
    default_senders.reset()
    second = sweep(client, vn(2025, 4, 28, 9, 15))
    assert (second["emails_sent"], second["items_read"]) == (1, 1)
    mails = outbox()
    assert [m.to for m in mails].count(["ubnd.095@dienbien.example.vn"]) == 1
    assert [m.to for m in mails].count([IOC_ADDRESS]) == 1  # the IOC was not told twice


def test_two_sweeps_at_once_send_nothing_twice(client, default_senders):
    from chalicelib.notify.senders import SesEmailSender
    from chalicelib.services.watch import run_sweep

    reports = [make_report(vn(2025, 4, 24, 9, 0), unit=u) for u in ("094", "095")]
    put_reports(reports)
    now = vn(2025, 4, 28, 9, 0)
    overlapping: list[Any] = []

    class SweepInTheMiddle:
        """While the first sweep sends its first e-mail, a second sweep runs to completion."""

        def send(self, parcel: Any) -> str | None:
            if not overlapping:
                overlapping.append(run_sweep(now))
            return SesEmailSender().send(parcel)

    default_senders.plug(default_senders.EMAIL, SweepInTheMiddle())
    first = run_sweep(now)

    assert overlapping[0].emails_sent == 0 and overlapping[0].items_read == 2
    assert first.emails_sent == 3 and len(outbox()) == 3
    default_senders.reset()
    assert run_sweep(now + timedelta(minutes=15)).emails_sent == 0
    assert all(get_report(r.id).overdue_since == vn(2025, 4, 26, 0, 0) for r in reports)


def test_the_sweep_publishes_the_overdue_metric_and_accepts_a_replay_instant(client, capsys):
    put_reports([make_report(vn(2025, 4, 24, 9, 0))])
    # The event's own time is "now" in real life; `detail.at` replays another instant.
    event = cw_event(vn(2025, 4, 20, 9, 0), "deadline_sweep", detail={"at": "2025-04-28T09:00:00+07:00"})
    result = client.lambda_.invoke("deadline_sweep", event).payload
    assert result["overdue_reports"] == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{") and "_aws" in x]
    assert any(line.get("OverdueReports") == [1.0] or line.get("OverdueReports") == 1.0 for line in lines)
