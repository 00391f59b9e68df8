"""The weekly IOC report (Monday 08:00 Vietnam time): last week's table and the year to date, as GET /v1/stats
gives them row by row, the longest-overdue open reports, both tables attached as CSV, sent once."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import replace
from datetime import UTC, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.domain.report import Status
from chalicelib.services.stream import ReportChange
from tests.integration.stats_helpers import new_report, routed, save_final, vn

MONDAY_08_00 = vn(2024, 4, 29, 8, 0)  # the schedule fires at 01:00 UTC
RECIPIENTS = Path(__file__).resolve().parents[2] / "chalicelib" / "data" / "recipients.json"
WEEK = "from=2024-04-22&to=2024-04-28"
YEAR = "from=2024-01-01&to=2024-04-28"


def _sent() -> list:
    return ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages


class _Tables(HTMLParser):
    """The <table>s of an HTML document as lists of rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def reports(aws_env):
    """Reports of 2024 counted by the stream consumer: some in the reported week, some earlier in the year;
    12 open and overdue (one of them a technical test report), one resolved."""
    from chalicelib.services.stats import apply_change

    finals = []
    units = ["094", "098", "100", "103"]
    for i in range(12):
        received = vn(2024, 4, 1, 9, 0) + timedelta(days=2 * i, minutes=i)
        r = new_report(received, is_test=(i == 0))
        due = received + timedelta(days=8)
        a = routed(r, units[i % 4], received + timedelta(minutes=5), received + timedelta(days=1), due)
        overdue = replace(a, overdue_since=due + timedelta(seconds=1), version=a.version + 1)
        apply_change(ReportChange(f"a{i}", "MODIFY", r, a))
        apply_change(ReportChange(f"o{i}", "MODIFY", a, overdue))
        finals.append(overdue)
    r = new_report(vn(2024, 4, 23, 10, 0))
    a = routed(r, "100", vn(2024, 4, 23, 10, 5), vn(2024, 4, 24, 23, 59, 59), vn(2024, 5, 3, 23, 59, 59))
    done = replace(a, status=Status.RESOLVED, closed_at=vn(2024, 4, 25, 9, 0), version=a.version + 1)
    apply_change(ReportChange("a-r", "MODIFY", r, a))
    apply_change(ReportChange("c-r", "MODIFY", a, done))
    finals.append(done)
    save_final(finals)
    return finals


def _fire(client):
    from infra.local.scheduler import cloudwatch_event

    event = cloudwatch_event(MONDAY_08_00, "weekly_report", "ap-southeast-1")
    return client.lambda_.invoke("weekly_report", event).payload


def test_the_weekly_report_is_the_stats_table_and_is_sent_once(client, tokens, reports) -> None:
    summary = _fire(client)
    assert summary["sent"] is True
    assert summary["week"] == ["2024-04-22", "2024-04-28"]
    assert summary["year_to_date"] == ["2024-01-01", "2024-04-28"]
    sent = _sent()
    assert len(sent) == 1
    message = email.message_from_string(sent[0].raw_data, policy=email.policy.default)
    recipients = json.loads(RECIPIENTS.read_text(encoding="utf-8"))["weekly_report"]
    assert [a.strip() for a in message["To"].split(",")] == recipients
    assert "22/04/2024 – 28/04/2024" in message["Subject"]

    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()
    parser = _Tables()
    parser.feed(html)
    week_table, year_table, overdue_table = parser.tables

    for table, query in ((week_table, WEEK), (year_table, YEAR)):
        api = json.loads(client.http.get(f"/v1/stats?{query}", headers=tokens("ioc")).body)
        expected = [
            [
                str(i),
                r["unit"]["name"],
                str(r["total"]),
                str(r["resolved"]),
                str(r["overdue"]),
                r["overdue_rate_label"],
            ]
            for i, r in enumerate(api["rows"], start=1)
        ]
        p = api["province"]
        expected.append(
            ["", "Tổng cộng", str(p["total"]), str(p["resolved"]), str(p["overdue"]), p["overdue_rate_label"]]
        )
        assert table[1:] == expected, query

    # The attachments are the very CSV files GET /v1/stats?format=csv gives for the same periods.
    attachments = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    assert set(attachments) == {
        "thong-ke-paht-2024-04-22_2024-04-28.csv",
        "thong-ke-paht-2024-01-01_2024-04-28.csv",
    }
    for query, name in ((WEEK, "2024-04-22_2024-04-28"), (YEAR, "2024-01-01_2024-04-28")):
        api_csv = client.http.get(f"/v1/stats?{query}&format=csv", headers=tokens("ioc")).body
        assert attachments[f"thong-ke-paht-{name}.csv"] == api_csv  # the bytes a mail client saves

    # The 10 longest overdue, oldest deadline first; the technical test report is not among them.
    listed = [row[1] for row in overdue_table[1:]]
    real = sorted(
        (r for r in reports if not r.is_test and r.status != Status.RESOLVED), key=lambda r: r.triage_due_at
    )
    assert listed == [r.id for r in real[:10]]
    assert reports[0].id not in html

    assert _fire(client)["sent"] is False  # a redelivered or replayed schedule sends nothing twice
    assert len(_sent()) == 1


def test_the_schedule_is_monday_08_00_in_vietnam() -> None:
    import app as app_module
    from infra.local.scheduler import scheduled_handlers

    schedule = scheduled_handlers(app_module.app)["weekly_report"]
    assert schedule.expression == "cron(0 1 ? * MON *)"
    assert MONDAY_08_00.astimezone(UTC).hour == 1 and MONDAY_08_00.weekday() == 0


def test_the_periods_of_a_monday_run() -> None:
    from datetime import date

    from chalicelib.services.stats import weekly_periods

    assert weekly_periods(MONDAY_08_00) == (date(2024, 4, 22), date(2024, 4, 28), date(2024, 1, 1))
    # The first Monday of 2025: last week straddles the new year; the year to date is 2024's whole year.
    assert weekly_periods(vn(2025, 1, 6, 8, 0)) == (date(2024, 12, 30), date(2025, 1, 5), date(2025, 1, 1))
    assert weekly_periods(vn(2024, 1, 1, 8, 0)) == (date(2023, 12, 25), date(2023, 12, 31), date(2023, 1, 1))
