"""Forwarding through the real stream handler (moto): once per unit and channel whatever the redeliveries, a
failed delivery retried alone and visible to the IOC, escaped HTML, signed webhooks."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from infra.local.stream_worker import FakeLambdaContext, lambda_record

REGION = "ap-southeast-1"
CITY_CENTRE = (21.386, 103.017)  # 03127 Phường Điện Biên Phủ
MUONG_LAY = (22.03, 103.15)  # 03151 Phường Mường Lay


def _sent() -> list:
    """The e-mails that forwarded a report to a unit (the reporter may get e-mails of their own)."""
    return [
        m
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages
        if email.message_from_string(m.raw_data, policy=email.policy.default)["Subject"].startswith(
            "[PAHT] Phản ánh mới cần xử lý"
        )
    ]


def _messages() -> list[email.message.EmailMessage]:
    return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in _sent()]


def _submit(
    client, tokens, lat: float, lng: float, description: str = "Đèn đường hỏng cả tuần nay, rất tối."
) -> str:
    body = {"category": "dien-chieu-sang", "description": description, "location": {"lat": lat, "lng": lng}}
    response = client.http.post("/v1/reports", headers=tokens("citizen"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["id"]


def _read(client, tokens, report_id: str) -> dict:
    return json.loads(client.http.get(f"/v1/reports/{report_id}", headers=tokens("ioc")).body)


class StreamReader:
    """Reads the table's stream like Lambda's poller, without delivering: the test decides what to deliver."""

    def __init__(self, pump) -> None:
        self.streams = pump.streams
        self.arn = pump.stream_arn
        self.seen: set[str] = set()

    def new_records(self) -> list[dict]:
        out = []
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for record in self.streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
                if record["dynamodb"]["SequenceNumber"] not in self.seen:
                    self.seen.add(record["dynamodb"]["SequenceNumber"])
                    out.append(lambda_record(record, self.arn, REGION))
        return out


def _deliver(records: list[dict]) -> dict:
    import app as app_module

    return app_module.handle_report_stream({"Records": records}, FakeLambdaContext())


class RefusingOnce:
    """A sender plug-in that refuses the first message the way SES does under throttling, then sends for real."""

    def __init__(self, then) -> None:
        self.then = then
        self.refused = 0

    def send(self, parcel):
        if self.refused == 0:
            self.refused += 1
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendEmail"
            )
        return self.then.send(parcel)


@pytest.fixture
def plugged():
    from chalicelib.notify import senders

    yield senders
    senders.reset()


def test_the_same_batch_delivered_twice_assigns_and_sends_once(client, tokens, stream):
    reader = StreamReader(stream)
    ids = [_submit(client, tokens, *CITY_CENTRE), _submit(client, tokens, *MUONG_LAY)]

    inserts = reader.new_records()
    assert [r["eventName"] for r in inserts] == ["INSERT", "INSERT"]
    assert _deliver(inserts) == {"batchItemFailures": []}
    assert _deliver(inserts) == {"batchItemFailures": []}  # Lambda redelivers the same batch

    modifies = reader.new_records()
    assert [r["eventName"] for r in modifies] == ["MODIFY", "MODIFY"]  # one assignment each, not two
    assert _deliver(modifies) == {"batchItemFailures": []}
    assert _deliver(modifies) == {"batchItemFailures": []}
    # And the whole stream once more from the start (a replayed shard).
    assert _deliver(inserts + modifies) == {"batchItemFailures": []}

    assert reader.new_records() == []
    for report_id in ids:
        history = _read(client, tokens, report_id)["history"]
        assert [e["type"] for e in history] == ["received", "assigned"]
    assert sorted(m["To"] for m in _messages()) == [
        "ubnd.03127@dienbien.example.vn",
        "ubnd.03151@dienbien.example.vn",
    ]


def test_a_failing_send_is_retried_alone_and_visible_to_the_ioc_meanwhile(client, tokens, stream, plugged):
    reader = StreamReader(stream)
    refusing = RefusingOnce(plugged.default("email"))
    plugged.plug("email", refusing, unit_code="03151")  # only Mường Lay's e-mail channel misbehaves
    ok_id = _submit(client, tokens, *CITY_CENTRE)
    failing_id = _submit(client, tokens, *MUONG_LAY)

    assert _deliver(reader.new_records()) == {"batchItemFailures": []}  # routing itself succeeds for both
    modifies = reader.new_records()
    result = _deliver(modifies)

    failing_record = next(r for r in modifies if r["dynamodb"]["Keys"]["report_id"]["S"] == failing_id)
    assert result == {"batchItemFailures": [{"itemIdentifier": failing_record["dynamodb"]["SequenceNumber"]}]}
    assert [m["To"] for m in _messages()] == ["ubnd.03127@dienbien.example.vn"]
    assert _read(client, tokens, ok_id)["status"] == "assigned"
    assert _read(client, tokens, failing_id)["status"] == "assigned"

    # The IOC sees it; nobody else may look.
    listing = client.http.get("/v1/deliveries?status=failed", headers=tokens("ioc"))
    assert listing.status_code == 200, listing.body
    from chalicelib.api.deliveries import DeliveryList

    answer = json.loads(listing.body)
    DeliveryList.model_validate(answer)  # the documented shape (OpenAPI), nothing more
    items = answer["items"]
    assert len(items) == 1
    row = items[0]
    assert row["report_id"] == failing_id
    assert row["unit"] == {"code": "03151", "name": "UBND Phường Mường Lay"}
    assert (row["channel"], row["status"], row["attempts"]) == ("email", "failed", 1)
    assert row["last_error"] == "ClientError:Throttling"
    assert row["updated_at"].endswith("+07:00")
    assert "Maximum" not in listing.body.decode() and "@" not in listing.body.decode()
    for headers in (tokens("officer", unit="03151"), tokens("citizen"), tokens("tech")):
        response = client.http.get("/v1/deliveries?status=failed", headers=headers)
        assert response.status_code == 403
        assert json.loads(response.body)["error"]["code"] == "forbidden"
    assert client.http.get("/v1/deliveries?status=failed").status_code == 401
    bad = client.http.get("/v1/deliveries?status=sent", headers=tokens("ioc"))
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["details"][0]["field"] == "status"

    # Lambda retries the failed record alone: it goes through, once; the other is not sent again.
    assert _deliver([failing_record]) == {"batchItemFailures": []}
    assert sorted(m["To"] for m in _messages()) == [
        "ubnd.03127@dienbien.example.vn",
        "ubnd.03151@dienbien.example.vn",
    ]
    assert json.loads(client.http.get("/v1/deliveries", headers=tokens("ioc")).body)["items"] == []
    assert _deliver(modifies) == {"batchItemFailures": []}
    assert len(_sent()) == 2


def test_the_stream_pump_retries_a_failed_delivery_until_it_is_sent(client, tokens, stream, plugged):
    plugged.plug("email", RefusingOnce(plugged.default("email")), unit_code="03127")
    _submit(client, tokens, *CITY_CENTRE)
    _submit(client, tokens, *MUONG_LAY)
    stream.pump()
    assert stream.given_up == []
    assert sorted(m["To"] for m in _messages()) == [
        "ubnd.03127@dienbien.example.vn",
        "ubnd.03151@dienbien.example.vn",
    ]


def test_a_batch_whose_only_record_fails_comes_back_as_a_batch_item_failure(client, tokens, stream, plugged):
    reader = StreamReader(stream)
    plugged.plug("email", RefusingOnce(plugged.default("email")), unit_code="03127")
    _submit(client, tokens, *CITY_CENTRE)
    _deliver(reader.new_records())
    (modify,) = reader.new_records()
    assert _deliver([modify]) == {
        "batchItemFailures": [{"itemIdentifier": modify["dynamodb"]["SequenceNumber"]}]
    }
    assert _deliver([modify]) == {"batchItemFailures": []}


def test_a_description_with_markup_arrives_escaped_in_the_html_email(client, tokens, stream):
    report_id = _submit(
        client, tokens, *CITY_CENTRE, description="Cống bị tắc <script>alert(1)</script> & ngập"
    )
    stream.pump()

    (message,) = _messages()
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<script>" not in html
    assert "Cống bị tắc &lt;script&gt;alert(1)&lt;/script&gt; &amp; ngập" in html
    assert "Cống bị tắc <script>alert(1)</script> & ngập" in text  # plain text is not HTML: kept as typed
    assert f'href="http://127.0.0.1:8000/#/xu-ly/{report_id}"' in html
    assert 'href="https://www.openstreetmap.org/?mlat=21.386&amp;mlon=103.017#map=17/21.386/103.017"' in html


def test_a_new_unit_gets_the_report_the_same_way(client, tokens, stream):
    """A reassignment (the IOC's action, issue 5) changes the unit and restarts the deadlines: the new unit is
    sent the report, once, and told where it comes from; the first unit is not sent it again."""
    from dataclasses import replace

    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
    from chalicelib.domain.report import HistoryEntry
    from chalicelib.store.reports import ReportRepository

    repo = ReportRepository()
    report_id = _submit(client, tokens, *CITY_CENTRE)
    stream.pump()
    report = repo.get(report_id)
    now = datetime.now(UTC)
    deadlines = compute_deadlines(now, report.category, WorkingCalendar.default(), DeadlinePolicy.default())
    moved = report.with_entry(
        HistoryEntry(
            at=now, type="reassigned", actor_sub="ioc-1", actor_role="ioc", public_text="Chuyển đơn vị."
        ),
        unit_code="03151",
        assigned_at=now,
        triage_due_at=deadlines.triage_due_at,
        due_at=deadlines.due_at,
    )
    repo.save(replace(moved, routing=replace(moved.routing, method="manual")))
    stream.pump()
    stream.pump()

    messages = _messages()
    assert [m["To"] for m in messages] == ["ubnd.03127@dienbien.example.vn", "ubnd.03151@dienbien.example.vn"]
    text = messages[-1].get_body(preferencelist=("plain",)).get_content()
    assert "(chuyển từ UBND Phường Điện Biên Phủ)" in text
    assert "Kính gửi UBND Phường Mường Lay" in text


# ------------------------------------------------------------------------------------------------ webhooks


class Receiver:
    """A unit's document-management system: records each POST and answers `answer`."""

    def __init__(self) -> None:
        self.received: list[tuple[Message, bytes]] = []
        self.answer = 204


@pytest.fixture
def receiver():
    """A Receiver listening on 127.0.0.1 for the duration of a test, and its URL."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.headers, body))  # a Message: case-insensitive, as HTTP headers are
            self.send_response(state.answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/paht"
    server.shutdown()
    server.server_close()


def _unit_with_webhook(url: str):
    """A unit as units.json would describe it with a webhook (data there must use https; this one is local)."""
    from datetime import date

    from chalicelib.domain.units import Unit, Webhook

    return Unit(
        code="03127",
        name="UBND Phường Điện Biên Phủ",
        short_name="Phường Điện Biên Phủ",
        kind="ward",
        valid_from=date(2025, 7, 1),
        valid_to=None,
        emails=("ubnd.03127@dienbien.example.vn",),
        webhook=Webhook(url=url, secret_env="WEBHOOK_SECRET_TEST"),
        boundary_file=None,
        boundary_code=None,
    )


def _routed_report(client, tokens, stream) -> object:
    from chalicelib.store.reports import ReportRepository

    report_id = _submit(client, tokens, *CITY_CENTRE)
    stream.pump()
    return ReportRepository().get(report_id)


def test_the_webhook_is_signed_with_the_units_secret_and_sent_once(
    client, tokens, stream, receiver, monkeypatch
):
    from chalicelib.notify.webhook import verify
    from chalicelib.services.forwarding import forward

    handler, url = receiver
    monkeypatch.setenv("WEBHOOK_SECRET_TEST", "s3cr3t-shared-with-the-unit")
    report = _routed_report(client, tokens, stream)  # e-mail already sent by the stream for this assignment
    unit = _unit_with_webhook(url)
    now = datetime.now(UTC)

    outcomes = forward(report, unit, now)
    assert [(o.channel, o.status) for o in outcomes] == [("email", "skipped"), ("webhook", "sent")]

    ((headers, body),) = handler.received
    assert verify(body, "s3cr3t-shared-with-the-unit", headers["X-PAHT-Signature"])
    assert not verify(body, "another-secret", headers["X-PAHT-Signature"])
    assert headers["X-PAHT-Signature"].startswith("sha256=")
    assert headers["X-PAHT-Timestamp"] == str(int(now.timestamp()))
    payload = json.loads(body)
    assert payload["event"] == "report.assigned"
    assert payload["delivery_id"] == headers["X-PAHT-Delivery"]
    assert payload["unit"] == {"code": "03127", "name": "UBND Phường Điện Biên Phủ"}
    assert payload["report"]["id"] == report.id
    assert payload["report"]["reporter"]["phone"] == "+84912345678"  # the unit is entitled to the contact
    assert payload["report"]["due_at"].endswith("23:59:59+07:00")

    # Delivered again (a redelivered batch): nothing more is sent.
    outcomes = forward(report, unit, datetime.now(UTC))
    assert {o.status for o in outcomes} == {"skipped"}
    assert len(handler.received) == 1


def test_a_refused_or_unsigned_webhook_is_a_recorded_failure(client, tokens, stream, receiver, monkeypatch):
    from chalicelib.services.forwarding import failed_deliveries, forward

    handler, url = receiver
    report = _routed_report(client, tokens, stream)
    unit = _unit_with_webhook(url)

    # No secret configured: nothing unsigned leaves.
    monkeypatch.delenv("WEBHOOK_SECRET_TEST", raising=False)
    outcomes = forward(report, unit, datetime.now(UTC))
    assert [(o.channel, o.status, o.error) for o in outcomes][-1] == (
        "webhook",
        "failed",
        "WebhookSecretMissing",
    )
    assert handler.received == []

    # The receiver answers 503: failed again, attempts counted.
    monkeypatch.setenv("WEBHOOK_SECRET_TEST", "s3cr3t")
    handler.answer = 503
    outcomes = forward(report, unit, datetime.now(UTC))
    assert outcomes[-1].error == "WebhookError"
    (row,) = failed_deliveries(20, None)["items"]
    assert (row["channel"], row["attempts"], row["last_error"]) == ("webhook", 2, "WebhookError")

    # It recovers: sent, and off the IOC's list.
    handler.answer = 200
    assert forward(report, unit, datetime.now(UTC))[-1].status == "sent"
    assert failed_deliveries(20, None)["items"] == []
    assert len(handler.received) == 2
