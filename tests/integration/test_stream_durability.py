"""The stream as the local stack and these tests read it (issue 12, point 3): it keeps routing after moto
replaces the reports table (a refused TransactWriteItems: the citizen's over-quota report, answered 429),
records read but not handled survive a restart of the worker, and a record that always fails goes to the
dead-letter queue instead of vanishing."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.report import Status
from tests.integration.factories import stored

BODY = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường Võ Nguyên Giáp, bốc mùi khó chịu.",
    "location": {"lat": 21.386, "lng": 103.017},
}


def _submit(client, headers) -> tuple[int, dict]:
    response = client.http.post("/v1/reports", headers=headers, body=json.dumps(BODY))
    return response.status_code, json.loads(response.body or b"null")


@pytest.fixture
def quota_of_two(monkeypatch):
    from chalicelib.config import settings

    # Read outside a request so that chalice.test.Client's stage environment does not replace it.
    monkeypatch.setenv("DAILY_REPORT_QUOTA", "2")
    settings.cache_clear()
    assert settings().daily_report_quota == 2
    yield
    settings.cache_clear()


def test_reports_after_a_refused_over_quota_report_are_still_routed(client, tokens, stream, quota_of_two):
    citizen = tokens("citizen", sub="busy-citizen")
    first = [_submit(client, citizen)[1]["id"] for _ in range(2)]
    assert stream.pump() > 0
    status, _ = _submit(client, citizen)  # the third of the day: the transaction is refused
    assert status == 429

    later = [_submit(client, tokens("citizen", sub=f"neighbour-{i}"))[1]["id"] for i in range(3)]
    stream.pump()

    for report_id in first + later:
        report = stored(report_id)
        assert report is not None and report.status == Status.ASSIGNED, report_id
        assert report.unit_code == "03127"


def test_a_new_worker_delivers_what_the_old_one_had_read_but_not_handled(client, tokens, stream):
    """What the local stack does across a restart: the records not handled are saved with the data and
    given to the next worker, which routes them (and a record handled twice changes nothing)."""
    import app as app_module
    from chalicelib.config import settings
    from infra.local.stream_worker import StreamPump

    ids = [_submit(client, tokens("citizen", sub=f"restart-{i}"))[1]["id"] for i in range(3)]
    saved = json.loads(json.dumps(stream.undelivered()))  # what goes into the snapshot file
    assert {r["dynamodb"]["Keys"]["report_id"]["S"] for r in saved} == set(ids)
    assert all(stored(i).status == Status.RECEIVED for i in ids)

    # The next run starts at LATEST (the restore's own writes are not news) and gets the saved records.
    seen: list[str] = []

    def handler(event, context):
        seen.extend(r["eventID"] for r in event["Records"])
        return app_module.handle_report_stream(event, context)

    again = StreamPump(
        lambda service: stream.ddb if service == "dynamodb" else stream.streams,
        settings().reports_table,
        handler,
        stream.region,
        start="LATEST",
    )
    again.requeue(saved)
    again.pump()
    assert seen[:3] == [r["eventID"] for r in saved]
    assert all(stored(i).status == Status.ASSIGNED for i in ids)


def test_a_record_that_always_fails_goes_to_the_dead_letter_queue(client, tokens, stream):
    from chalicelib.config import settings
    from infra.local.stream_worker import StreamPump

    dead: list[tuple[dict, str]] = []

    def failing(event, context):
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in event["Records"]
            ]
        }

    pump = StreamPump(
        lambda service: stream.ddb if service == "dynamodb" else stream.streams,
        settings().reports_table,
        failing,
        stream.region,
        max_attempts=2,
        dead_letter=lambda record, reason: dead.append((record, reason)),
    )
    _, created = _submit(client, tokens("citizen"))
    pump.pump()
    assert len(dead) == 1
    record, reason = dead[0]
    assert record["dynamodb"]["Keys"]["report_id"]["S"] == created["id"]
    assert reason == "RetryAttemptsExhausted"
    assert pump.pump() == 0 and len(dead) == 1  # given up once, not again and again
