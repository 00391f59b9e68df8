"""Citizens (issue 15) through the real app on moto: nearby reports, possible duplicates, following, reopening,
and notices by push, SMS and e-mail, each once under redelivery."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from chalicelib.domain.ids import new_id
from chalicelib.domain.report import VN_OFFSET, Location, Reporter, Status, parse_instant
from chalicelib.services.stream import ReportChange
from tests.integration.factories import REPORTER_SUB, UNIT, stored, stored_report

REGION = "ap-southeast-1"
UNIT_EMAIL = "ubnd.03127@dienbien.example.vn"  # the unit of the factories (units.json)
HERE = (21.386, 103.017)  # the factories' reports stand here (Phường Điện Biên Phủ)


def call(client, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None):
    raw = None if body is None else json.dumps(body)
    response = getattr(client.http, method)(
        path, headers=headers or {"Content-Type": "application/json"}, body=raw
    )
    return response.status_code, json.loads(response.body) if response.body else None


def at(lat_offset_m: float, lng_offset_m: float = 0.0) -> Location:
    """A point so many metres north and east of HERE."""
    return Location(HERE[0] + lat_offset_m / 111_195, HERE[1] + lng_offset_m / 103_500)


def sms_sent() -> list[tuple[str, str]]:
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def pushes_sent() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for arn, endpoint in sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints.items():
        out.extend((arn, json.loads(m)) for m in endpoint.messages.values())
    return out


def emails_to(address: str) -> list[Any]:
    """(subject, text) of each e-mail sent to `address`."""
    out = []
    for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        if address in str(m.destinations):
            parsed = email.message_from_string(m.raw_data, policy=email.policy.default)
            text = next(p.get_content() for p in parsed.walk() if p.get_content_type() == "text/plain")
            out.append((str(parsed["Subject"]), text))
    return out


def citizen(tokens, sub: str, phone: str | None = "0987654321", email: str = "") -> dict[str, str]:
    return tokens("citizen", sub=sub, phone_number=phone or "", email=email)


# --------------------------------------------------------------------------------------------- nearby


def test_nearby_answers_nearest_first_with_distances_and_leaves_out_hidden_and_test_reports(client):
    far = stored_report(location=at(900))
    near = stored_report(location=at(50))
    middle = stored_report(location=at(0, 300))
    stored_report(location=at(20), hidden_reason="Có thông tin cá nhân.")
    stored_report(location=at(10), is_test=True)
    stored_report(location=at(2500))  # outside the radius
    old = stored_report(status=Status.RESOLVED, location=at(30))
    long_ago = stored_report(status=Status.RESOLVED, location=at(40), assigned_ago=timedelta(days=45))
    recent = stored_report(status=Status.RESOLVED, location=at(60), assigned_ago=timedelta(days=3))

    status, body = call(client, "get", f"/v1/reports/nearby?lat={HERE[0]}&lng={HERE[1]}&radius_m=1000")
    assert status == 200, body
    ids = [i["id"] for i in body["items"]]
    assert ids == [old.id, near.id, recent.id, middle.id, far.id]
    assert long_ago.id not in ids
    distances = [i["distance_m"] for i in body["items"]]
    assert distances == sorted(distances)
    assert 45 <= distances[1] <= 55 and 850 <= distances[-1] <= 950
    assert all("reporter" not in i for i in body["items"])
    assert body["items"][0]["followers"] == 0


def test_nearby_filters_by_category_and_refuses_bad_parameters(client):
    stored_report(location=at(30))
    status, body = call(client, "get", f"/v1/reports/nearby?lat={HERE[0]}&lng={HERE[1]}&category=giao-thong")
    assert status == 200 and body["items"] == []
    for query, field in (
        (f"lng={HERE[1]}", "lat"),
        (f"lat=abc&lng={HERE[1]}", "lat"),
        (f"lat={HERE[0]}&lng={HERE[1]}&radius_m=2001", "radius_m"),
        (f"lat={HERE[0]}&lng={HERE[1]}&radius_m=0", "radius_m"),
    ):
        status, body = call(client, "get", f"/v1/reports/nearby?{query}")
        assert status == 400, query
        assert body["error"]["details"][0]["field"] == field
        assert "tham số" in body["error"]["message"].lower()


def test_a_submission_next_to_an_open_report_of_the_same_category_names_it_as_a_possible_duplicate(
    client, tokens
):
    open_one = stored_report(location=at(40))
    stored_report(location=at(60), category="giao-thong")  # another category
    stored_report(location=at(400))  # too far
    stored_report(status=Status.RESOLVED, location=at(10))  # not open
    body = {
        "category": "moi-truong",
        "description": "Rác thải lại bị đổ trộm ở đây, chưa ai dọn.",
        "location": {"lat": HERE[0], "lng": HERE[1]},
    }
    status, answer = call(client, "post", "/v1/reports", citizen(tokens, "nguoi-dan-2"), body)
    assert status == 201, answer
    dups = answer["possible_duplicates"]
    assert [d["id"] for d in dups] == [open_one.id]
    assert 35 <= dups[0]["distance_m"] <= 45 and dups[0]["status"] == "assigned"


# --------------------------------------------------------------------------------------------- following


def test_following_and_unfollowing_twice_changes_nothing_the_second_time(client, tokens):
    report = stored_report()
    follower = citizen(tokens, "nguoi-theo-doi")
    path = f"/v1/reports/{report.id}/followers"
    assert call(client, "post", path, follower) == (
        200,
        {"report_id": report.id, "following": True, "followers": 1},
    )
    assert call(client, "post", path, follower)[1]["followers"] == 1
    _status, view = call(client, "get", f"/v1/reports/{report.id}")
    assert view["followers"] == 1
    assert "nguoi-theo-doi" not in json.dumps(view) and "0987654321" not in json.dumps(view)
    officer_view = call(client, "get", f"/v1/reports/{report.id}", tokens("officer", unit=UNIT))[1]
    assert officer_view["followers"] == 1 and "0987654321" not in json.dumps(officer_view)
    assert call(client, "delete", path, follower)[1] == {
        "report_id": report.id,
        "following": False,
        "followers": 0,
    }
    assert call(client, "delete", path, follower)[1]["followers"] == 0
    assert stored(report.id).followers == 0


def test_only_citizens_follow_and_only_visible_reports(client, tokens):
    hidden = stored_report(hidden_reason="Vi phạm.")
    status, _ = call(client, "post", f"/v1/reports/{hidden.id}/followers", citizen(tokens, "x"))
    assert status == 404
    report = stored_report()
    status, _ = call(client, "post", f"/v1/reports/{report.id}/followers", tokens("officer", unit=UNIT))
    assert status == 403
    status, _body = call(client, "post", f"/v1/reports/{report.id}/followers")
    assert status == 401


def test_a_follower_is_told_when_the_report_is_answered(client, tokens, stream):
    report = stored_report(status=Status.IN_PROGRESS)
    stream.pump()
    call(client, "post", f"/v1/reports/{report.id}/followers", citizen(tokens, "f-sms", "0977 111 222"))
    call(
        client,
        "post",
        f"/v1/reports/{report.id}/followers",
        citizen(tokens, "f-mail", None, "theo.doi@example.vn"),
    )
    stream.pump()
    assert sms_sent() == []
    status, _ = call(
        client,
        "post",
        f"/v1/reports/{report.id}/actions",
        tokens("officer", unit=UNIT),
        {"type": "resolve", "answer": "Đã thu gom rác."},
    )
    assert status == 200
    stream.pump()
    to_follower = [(to, text) for to, text in sms_sent() if to == "+84977111222"]
    assert len(to_follower) == 1
    assert report.id in to_follower[0][1] and "đã có câu trả lời" in to_follower[0][1]
    assert "Nguyễn" not in to_follower[0][1]
    mails = emails_to("theo.doi@example.vn")
    assert len(mails) == 1 and report.id in mails[0][1] and "bạn theo dõi" in mails[0][0]


# --------------------------------------------------------------------------------------------- reopening


def reopen(client, headers, report_id: str, reason: str = "Rác vẫn còn nguyên, chưa ai dọn."):
    return call(
        client, "post", f"/v1/reports/{report_id}/actions", headers, {"type": "reopen", "reason": reason}
    )


def test_reopen_within_the_period_works_once_resets_the_deadline_and_is_counted(client, tokens, stream):
    from chalicelib.domain.calendar import WorkingCalendar

    report = stored_report(status=Status.RESOLVED, assigned_ago=timedelta(days=3))
    stream.pump()
    reporter = tokens("citizen", sub=REPORTER_SUB)
    status, body = reopen(client, reporter, report.id)
    assert status == 200, body
    assert body["status"] == "in_progress" and body["closed_at"] is None and body["answer"] is None
    assert body["timeline"][-1]["type"] == "reopened"
    assert "Rác vẫn còn nguyên" in body["timeline"][-1]["text"]
    new_due = parse_instant(body["due_at"])
    reopened_at = parse_instant(body["timeline"][-1]["at"])
    assert new_due == WorkingCalendar.default().add_working_days(reopened_at, 6)
    assert new_due > report.due_at
    stream.pump()
    to_unit = emails_to(UNIT_EMAIL)
    assert [subject for subject, _ in to_unit if "mở lại" in subject] == [
        f"Phản ánh được mở lại: {report.id}"
    ]

    officer = tokens("officer", unit=UNIT)
    call(client, "post", f"/v1/reports/{report.id}/actions", officer, {"type": "resolve", "answer": "Xong."})
    stream.pump()
    status, body = reopen(client, reporter, report.id)
    assert status == 409 and body["error"]["code"] == "reopen_limit_reached"
    assert "không thể mở lại" in body["error"]["message"]

    day = report.received_at.astimezone(VN_OFFSET).date().isoformat()
    table = call(client, "get", f"/v1/stats?from={day}&to={day}", tokens("ioc"))[1]
    row = next(r for r in table["rows"] if r["unit"]["code"] == UNIT)
    assert (row["total"], row["resolved"], row["reopened"]) == (1, 1, 1)
    csv_text = client.http.get(f"/v1/stats?from={day}&to={day}&format=csv", headers=tokens("ioc")).body
    assert "Mở lại" in csv_text.decode("utf-8-sig").splitlines()[0]


def test_reopen_after_the_period_or_by_someone_else_is_refused(client, tokens):
    late = stored_report(status=Status.RESOLVED, assigned_ago=timedelta(days=8))
    status, body = reopen(client, tokens("citizen", sub=REPORTER_SUB), late.id)
    assert status == 409 and body["error"]["code"] == "reopen_period_over"
    assert body["error"]["message"] == "Đã quá 7 ngày kể từ khi có câu trả lời; không thể mở lại phản ánh."
    assert stored(late.id).status == Status.RESOLVED
    fresh = stored_report(status=Status.RESOLVED)
    assert reopen(client, citizen(tokens, "nguoi-khac"), fresh.id)[0] == 403
    open_one = stored_report(status=Status.IN_PROGRESS)
    assert reopen(client, tokens("citizen", sub=REPORTER_SUB), open_one.id)[0] == 409
    status, body = call(
        client,
        "post",
        f"/v1/reports/{fresh.id}/actions",
        tokens("citizen", sub=REPORTER_SUB),
        {"type": "reopen"},
    )
    assert status == 400 and body["error"]["details"][0]["field"] == "reason"


# --------------------------------------------------------------------------------------------- channels


def _change(old, new) -> ReportChange:
    return ReportChange(event_id="e1", event_name="MODIFY", old=old, new=new)


def test_a_citizen_with_a_device_and_no_email_gets_assigned_and_answered_as_push_once(client, tokens):
    from chalicelib.services.citizen_channels import notify_channels

    me = tokens("citizen", sub="co-app", phone_number="", email="")
    status, device = call(
        client, "post", "/v1/me/devices", me, {"platform": "fcm", "token": "fcm-token-123456"}
    )
    assert status == 201, device
    assert call(client, "post", "/v1/me/devices", me, {"platform": "fcm", "token": "fcm-token-123456"}) == (
        200,
        device,
    )
    assert call(client, "get", "/v1/me/notifications", me)[1] == {
        "channels": ["push"],
        "chosen": False,
        "devices": [device],
    }
    assigned = stored_report(reporter_sub="co-app", email=None)
    received = replace(assigned, status=Status.RECEIVED, history=assigned.history[:1])
    resolved = replace(
        assigned,
        status=Status.RESOLVED,
        history=(*assigned.history, replace(assigned.history[-1], type="resolved", public_text="Đã dọn.")),
    )
    notify_channels(_change(received, assigned))
    notify_channels(_change(received, assigned))  # redelivered
    notify_channels(_change(assigned, resolved))
    notify_channels(_change(assigned, resolved))
    pushes = pushes_sent()
    assert len(pushes) == 2
    bodies = [json.loads(p["GCM"])["notification"]["body"] for _, p in pushes]
    assert "chuyển đến" in bodies[0] and "đã có câu trả lời" in bodies[1]
    assert all(assigned.id in b for b in bodies)
    assert sms_sent() == []

    assert call(client, "delete", f"/v1/me/devices/{device['id']}", me)[0] == 204
    assert call(client, "delete", f"/v1/me/devices/{device['id']}", me)[0] == 204
    assert call(client, "get", "/v1/me/notifications", me)[1]["channels"] == ["sms"]


def test_a_citizen_with_only_a_phone_gets_them_as_sms_once(client, stream):
    report = stored_report(status=Status.RECEIVED, unit=None, email=None, id=new_id())
    stream.pump()  # routing assigns it: the "assigned" notice
    texts = [t for to, t in sms_sent() if to == "+84912345678"]
    assert len(texts) == 1 and "đã được chuyển đến" in texts[0]
    before = stored(report.id)
    officer_resolve = replace(
        before,
        status=Status.RESOLVED,
        closed_at=datetime.now(UTC),
        history=(*before.history, replace(before.history[-1], type="resolved", actor_role="officer")),
    )
    from chalicelib.services.citizen_channels import notify_channels

    notify_channels(_change(before, officer_resolve))
    notify_channels(_change(before, officer_resolve))
    texts = [t for to, t in sms_sent() if to == "+84912345678"]
    assert len(texts) == 2 and "đã có câu trả lời" in texts[1]
    assert all(len(t) <= 160 for t in texts)


def test_preferences_are_the_citizens_choice_and_refuse_a_channel_they_cannot_be_reached_on(client, tokens):
    me = citizen(tokens, "chon-kenh", "0912 000 111", "chon@example.vn")
    assert call(client, "get", "/v1/me/notifications", me)[1]["channels"] == ["sms", "email"]
    assert call(client, "put", "/v1/me/notifications", me, {"channels": ["email"]})[1] == {
        "channels": ["email"],
        "chosen": True,
        "devices": [],
    }
    status, body = call(client, "put", "/v1/me/notifications", me, {"channels": ["push"]})
    assert status == 422 and body["error"]["details"][0]["field"] == "channels.0"
    status, body = call(client, "put", "/v1/me/notifications", me, {"channels": ["fax"]})
    assert status == 400
    assert call(client, "put", "/v1/me/notifications", me, {"channels": None})[1]["chosen"] is False


def test_an_sms_goes_only_where_the_citizen_chose(client, tokens):
    from chalicelib.services.citizen_channels import notify_channels

    me = tokens("citizen", sub=REPORTER_SUB)
    assert call(client, "put", "/v1/me/notifications", me, {"channels": ["email"]})[0] == 200
    report = stored_report()
    resolved = replace(
        report,
        status=Status.RESOLVED,
        history=(*report.history, replace(report.history[-1], type="resolved")),
    )
    notify_channels(_change(report, resolved))
    assert sms_sent() == []


def test_rejecting_a_duplicate_makes_its_reporter_follow_the_original_and_tells_them(client, tokens, stream):
    original = stored_report(reporter_sub="nguoi-dau-tien")
    duplicate = stored_report(reporter=Reporter(REPORTER_SUB, "Lò Văn Dũng", "0977 000 111"))
    stream.pump()
    status, body = call(
        client,
        "post",
        f"/v1/reports/{duplicate.id}/actions",
        tokens("officer", unit=UNIT),
        {"type": "reject", "reason": "duplicate", "text": "Đã có phản ánh.", "duplicate_of": original.id},
    )
    assert status == 200, body
    stream.pump()
    assert stored(original.id).followers == 1
    texts = [t for to, t in sms_sent() if to == "+84977000111" and duplicate.id in t]
    assert len(texts) == 1 and original.id in texts[0]
    call(
        client, "post", f"/v1/reports/{original.id}/actions", tokens("officer", unit=UNIT), {"type": "accept"}
    )
    call(
        client,
        "post",
        f"/v1/reports/{original.id}/actions",
        tokens("officer", unit=UNIT),
        {"type": "resolve", "answer": "Đã xử lý."},
    )
    stream.pump()
    told = [t for to, t in sms_sent() if to == "+84977000111" and original.id in t and "câu trả lời" in t]
    assert len(told) == 1


@pytest.mark.parametrize(
    ("written", "e164"),
    [("0912345678", "+84912345678"), ("+84 912.345.678", "+84912345678"), ("84912345678", "+84912345678")],
)
def test_vietnamese_numbers_become_e164(written, e164):
    from chalicelib.domain.citizens import e164_vn

    assert e164_vn(written) == e164


def test_the_unit_and_the_ioc_see_follower_counts_and_can_sort_their_table_by_them(client, tokens):
    quiet = stored_report(assigned_ago=timedelta(hours=3))
    popular = stored_report(assigned_ago=timedelta(hours=1))
    some = stored_report(assigned_ago=timedelta(hours=2))
    for i in range(3):
        call(client, "post", f"/v1/reports/{popular.id}/followers", citizen(tokens, f"fan-{i}"))
    call(client, "post", f"/v1/reports/{some.id}/followers", citizen(tokens, "fan-0"))
    ioc = tokens("ioc")
    status, by_due = call(client, "get", f"/v1/inbox?unit={UNIT}", ioc)
    assert status == 200
    assert [r["id"] for r in by_due["items"]] == [quiet.id, some.id, popular.id]
    status, page = call(client, "get", f"/v1/inbox?unit={UNIT}&sort=followers&limit=2", ioc)
    assert [(r["id"], r["followers"]) for r in page["items"]] == [(popular.id, 3), (some.id, 1)]
    status, rest = call(
        client, "get", f"/v1/inbox?unit={UNIT}&sort=followers&cursor={page['next_cursor']}", ioc
    )
    assert [r["id"] for r in rest["items"]] == [quiet.id] and rest["next_cursor"] is None
    officer = call(client, "get", "/v1/inbox?sort=followers", tokens("officer", unit=UNIT))[1]
    assert [r["followers"] for r in officer["items"]] == [3, 1, 0]
    assert call(client, "get", f"/v1/inbox?unit={UNIT}&sort=loudest", ioc)[0] == 400


def test_a_failed_sms_is_retried_by_the_reconciler_and_sent_exactly_once(client, tokens, stream):
    """SNS refusing the first Publish: the stream's attempt fails, the scheduled retry sends it, once."""
    from botocore.exceptions import ClientError

    from chalicelib import aws
    from infra.local.scheduler import cloudwatch_event

    refusals = []

    def refuse_first(**kwargs) -> None:
        if not refusals:
            refusals.append(1)
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")

    aws.client("sns").meta.events.register("before-call.sns.Publish", refuse_first)
    stream.max_attempts = 1  # no help from the stream's own retries: only the scheduled ones
    report = stored_report(status=Status.RECEIVED, unit=None, email=None, id=new_id())
    stream.pump()  # routing assigns it; the "assigned" SMS fails once
    assert refusals and not [t for to, t in sms_sent() if to == "+84912345678"]
    owed = json.loads(client.http.get("/v1/deliveries?limit=100", headers=tokens("ioc")).body)["items"]
    assert [(o["kind"], o["report_id"]) for o in owed if o["kind"] == "sms"] == [("sms", report.id)]
    at = datetime.now(UTC)
    for hours in (2, 4):  # past the backoff, twice: the second run finds nothing more to send
        client.lambda_.invoke("reconcile", cloudwatch_event(at + timedelta(hours=hours), "reconcile", REGION))
    texts = [t for to, t in sms_sent() if to == "+84912345678"]
    assert len(texts) == 1 and "đã được chuyển đến" in texts[0]
    owed = json.loads(client.http.get("/v1/deliveries?limit=100", headers=tokens("ioc")).body)["items"]
    assert [o for o in owed if o["kind"] == "sms"] == []
