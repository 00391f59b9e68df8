"""Nothing accepted is lost, nothing is stuck unseen (issue 12, point 2), through the real handlers on moto:

* with SES refusing every other call while reports are routed and during a deadline sweep, the scheduled
  reconciler's retries deliver every e-mail (to units, to citizens, deadline notices) exactly once, and
  `GET /v1/deliveries` lists what is still owed meanwhile;
* a delivery failing for a day is given up, listed as such, and the IOC can resend it;
* a report the stream did not route is routed by the reconciler, and one that cannot be routed ends in the
  IOC's queue, the IOC being told.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.local.scheduler import cloudwatch_event
from tests.integration.factories import stored

REGION = "ap-southeast-1"
BODY = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường Võ Nguyên Giáp, bốc mùi khó chịu.",
    "location": {"lat": 21.386, "lng": 103.017},
}
MUONG_LAY = {"lat": 22.06, "lng": 103.15}
IOC_ADDRESS = "ioc@dienbien.example.vn"
CITIZEN_ADDRESS = "an.nguyen@example.vn"


class EveryOtherCallFails:
    """SES refusing every other SendEmail (Throttling), at the client: every sender goes through it."""

    def __init__(self) -> None:
        self.calls = 0
        self.on = True

    def __call__(self, **kwargs) -> None:
        from botocore.exceptions import ClientError

        self.calls += 1
        if self.on and self.calls % 2 == 1:
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendEmail"
            )


@pytest.fixture
def flaky_ses(aws_env):
    from chalicelib import aws

    flaky = EveryOtherCallFails()
    aws.client("sesv2").meta.events.register("before-call.sesv2.SendEmail", flaky)
    return flaky


def _mails() -> list[tuple[list[str], str, str]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    out = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        to = [a.strip() for a in str(parsed["To"]).split(",")]
        out.append((to, str(parsed["Subject"]), parsed.get_body(("plain",)).get_content()))
    return out


def _count(report_id: str, address: str, subject_start: str = "") -> int:
    return sum(
        1
        for to, subject, text in _mails()
        if address in to and subject.startswith(subject_start) and report_id in text
    )


def _reconcile(client, at: datetime) -> dict:
    return client.lambda_.invoke("reconcile", cloudwatch_event(at, "reconcile", REGION)).payload


def _owed(client, tokens, status: str = "failed") -> list[dict]:
    response = client.http.get(f"/v1/deliveries?status={status}&limit=100", headers=tokens("ioc"))
    assert response.status_code == 200, response.body
    from chalicelib.api.deliveries import DeliveryList

    body = json.loads(response.body)
    DeliveryList.model_validate(body)
    return body["items"]


def _retry_until_nothing_owed(client, tokens, start: datetime) -> list[dict]:
    """The schedule firing over the following hours; returns the listing seen before each run."""
    seen = []
    at = start
    for _ in range(12):
        owed = _owed(client, tokens)
        seen.append(owed)
        if not owed:
            return seen
        at += timedelta(hours=2)  # past the longest backoff
        _reconcile(client, at)
    raise AssertionError(f"still owed after the retries: {owed}")


def test_with_ses_failing_every_other_call_every_email_is_delivered_exactly_once(
    client, tokens, stream, flaky_ses
):
    stream.max_attempts = 1  # no help from the stream's own retries: only the scheduled ones
    ids = []
    for i, location in enumerate([BODY["location"], MUONG_LAY, BODY["location"], MUONG_LAY]):
        body = {**BODY, "location": location}
        headers = tokens("citizen", sub=f"flaky-{i}", email_verified=True)
        response = client.http.post("/v1/reports", headers=headers, body=json.dumps(body))
        assert response.status_code == 201, response.body
        ids.append(json.loads(response.body)["id"])
    stream.pump()
    assert flaky_ses.calls >= 8  # a forwarding and a citizen e-mail per report were attempted

    # What failed is listed for the IOC, with its kind, error and next attempt; no personal data.
    owed = _owed(client, tokens)
    assert owed and {o["kind"] for o in owed} <= {"forward", "citizen"}
    assert all(o["last_error"] == "ClientError:Throttling" and o["next_attempt_at"] for o in owed)
    assert "@" not in json.dumps(owed)
    _retry_until_nothing_owed(client, tokens, datetime.now(UTC))
    units = {r: stored(r).unit_code for r in ids}
    for report_id, unit in units.items():
        assert _count(report_id, f"ubnd.{unit}@dienbien.example.vn", "[PAHT] Phản ánh mới") == 1
        assert _count(report_id, CITIZEN_ADDRESS) == 1

    # A month later every deadline has passed: the sweep tells the units and the IOC, SES still flaky.
    later = datetime.now(UTC) + timedelta(days=30)
    payload = client.lambda_.invoke(
        "deadline_sweep", cloudwatch_event(later, "deadline_sweep", REGION)
    ).payload
    assert payload["failures"] >= 1
    stream.pump()
    owed = _owed(client, tokens)
    assert "notice" in {o["kind"] for o in owed}
    _retry_until_nothing_owed(client, tokens, later)
    stream.pump()
    for report_id, unit in units.items():
        unit_notices = sum(
            1
            for to, subject, text in _mails()
            if to == [f"ubnd.{unit}@dienbien.example.vn"]
            and not subject.startswith("[PAHT] Phản ánh mới")
            and report_id in text
        )
        assert unit_notices == 1, report_id
        assert _count(report_id, IOC_ADDRESS) == 1, report_id
        assert _count(report_id, CITIZEN_ADDRESS) == 1  # nothing more for the citizen
    assert _owed(client, tokens) == [] and _owed(client, tokens, "given_up") == []


def test_a_delivery_failing_for_a_day_is_given_up_listed_and_resent_by_the_ioc(
    client, tokens, stream, flaky_ses
):
    from botocore.exceptions import ClientError

    def always(**kwargs):
        raise ClientError({"Error": {"Code": "MessageRejected", "Message": "x"}}, "SendEmail")

    from chalicelib import aws

    ses = aws.client("sesv2")
    flaky_ses.on = False
    ses.meta.events.register("before-call.sesv2.SendEmail", always, unique_id="always")
    response = client.http.post(
        "/v1/reports", headers=tokens("citizen", sub="unlucky", email_verified=True), body=json.dumps(BODY)
    )
    report_id = json.loads(response.body)["id"]
    stream.max_attempts = 1
    stream.pump()
    start = datetime.now(UTC)
    at = start
    while at < start + timedelta(days=1, hours=3):
        at += timedelta(hours=2)
        _reconcile(client, at)
    assert _owed(client, tokens) == []
    given_up = _owed(client, tokens, "given_up")
    assert {(g["kind"], g["report_id"], g["status"]) for g in given_up} == {
        ("forward", report_id, "given_up"),
        ("citizen", report_id, "given_up"),
    }
    assert all(g["last_error"] == "ClientError:MessageRejected" and g["attempts"] > 5 for g in given_up)
    _reconcile(client, at + timedelta(hours=2))  # given up: the schedule leaves it alone
    assert _count(report_id, "ubnd.03127@dienbien.example.vn") == 0

    # Officers may not resend; the IOC may, once SES works again.
    forward = next(g for g in given_up if g["kind"] == "forward")
    path = f"/v1/deliveries/{forward['id']}/resend"
    assert client.http.post(path, headers=tokens("officer", unit="03127")).status_code == 403
    ses.meta.events.unregister("before-call.sesv2.SendEmail", unique_id="always")
    response = client.http.post(path, headers=tokens("ioc"))
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["status"] == "sent"
    assert _count(report_id, "ubnd.03127@dienbien.example.vn", "[PAHT] Phản ánh mới") == 1
    again = client.http.post(path, headers={**tokens("ioc"), "Idempotency-Key": "other"})
    assert again.status_code == 404
    assert json.loads(again.body)["error"]["code"] == "delivery_not_found"
    bad = client.http.post("/v1/deliveries/not-a-delivery/resend", headers=tokens("ioc"))
    assert bad.status_code in (400, 404)
    assert [g["kind"] for g in _owed(client, tokens, "given_up")] == ["citizen"]


def test_a_report_the_stream_did_not_route_is_routed_by_the_reconciler(client, tokens):
    response = client.http.post("/v1/reports", headers=tokens("citizen"), body=json.dumps(BODY))
    report_id = json.loads(response.body)["id"]  # no stream here: nobody routed it
    assert _reconcile(client, datetime.now(UTC))["routed"] == 0  # not stuck yet: the stream has minutes
    result = _reconcile(client, datetime.now(UTC) + timedelta(minutes=6))
    assert result["routed"] == 1
    assert stored(report_id).unit_code == "03127"


def test_a_report_that_cannot_be_routed_goes_to_the_ioc_queue_and_the_ioc_is_told(
    client, tokens, stream, monkeypatch
):
    from chalicelib.domain.locate import Locator

    def broken(self, *args, **kwargs):
        raise RuntimeError("boundary data unreadable")

    monkeypatch.setattr(Locator, "locate", broken)
    response = client.http.post("/v1/reports", headers=tokens("citizen"), body=json.dumps(BODY))
    report_id = json.loads(response.body)["id"]
    stream.max_attempts = 2
    stream.pump()
    assert stored(report_id).status == "received"
    at = datetime.now(UTC)
    results = [_reconcile(client, at + timedelta(minutes=6 + 5 * i)) for i in range(3)]
    assert [r["unroutable"] for r in results] == [0, 0, 1]
    report = stored(report_id)
    assert (report.status, report.unit_code, report.routing.method) == ("assigned", "IOC", "unroutable")
    assert "Chưa định tuyến được" in (report.routing.reason or "")
    stream.pump()
    assert _count(report_id, IOC_ADDRESS, "[PAHT] Phản ánh mới") == 1
    inbox = client.http.get("/v1/inbox?unit=IOC", headers=tokens("ioc"))
    assert report_id in [r["id"] for r in json.loads(inbox.body)["items"]]
    assert _reconcile(client, at + timedelta(minutes=30))["unroutable"] == 0
