"""The handling workflow through the real app (chalice.test.Client) on moto: actions, feedback, delete, inbox,
and the e-mail that tells the citizen."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.api.action_schemas import BODIES, ActionBody, ActionName, parse_action, to_domain
from chalicelib.domain import workflow
from chalicelib.domain.report import VN_OFFSET, Status, parse_instant, report_to_doc
from chalicelib.services.stream import ReportChange
from tests.integration.factories import (
    OTHER_UNIT,
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_SUB,
    UNIT,
    stored,
    stored_report,
)


def call(
    client,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: Any = None,
    key: str | None = None,
) -> tuple[int, Any]:
    h = dict(headers or {"Content-Type": "application/json"})
    if key:
        h["Idempotency-Key"] = key
    raw = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
    response = getattr(client.http, method)(path, headers=h, body=raw)
    return response.status_code, json.loads(response.body) if response.body else None


def act(client, report_id: str, headers: dict[str, str], body: dict[str, Any], key: str | None = None):
    return call(client, "post", f"/v1/reports/{report_id}/actions", headers, body, key)


@pytest.fixture
def officer(tokens):
    return tokens("officer", unit=UNIT)


@pytest.fixture
def reporter(tokens):
    return tokens("citizen", sub=REPORTER_SUB)


def _sent() -> list[Any]:
    return ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages


def _text_of(message: Any) -> tuple[str, str, str]:
    parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
    parts = {p.get_content_type(): p.get_content() for p in parsed.walk() if not p.is_multipart()}
    return str(parsed["Subject"]), parts["text/plain"], parts["text/html"]


# --------------------------------------------------------------------------------------------- the lifecycle


def test_accept_extend_resolve_with_a_photo_then_the_reporter_rates(client, officer, reporter, tokens):
    report = stored_report()
    status, body = act(client, report.id, officer, {"type": "accept"})
    assert status == 200, body
    assert body["status"] == "in_progress" and body["status_label"] == "Đang xử lý"

    new_due = (report.due_at + timedelta(days=3)).astimezone(UTC)
    status, body = act(
        client,
        report.id,
        officer,
        {
            "type": "extend",
            "due_at": new_due.isoformat(),
            "note": "Đang phối hợp với công ty môi trường đô thị.",
        },
    )
    assert status == 200, body
    assert parse_instant(body["due_at"]) == new_due and body["due_at"].endswith("+07:00")
    assert "Đang phối hợp với công ty môi trường đô thị." in body["timeline"][-1]["text"]

    # A photo of the result: an answer slot reserved by the officer, uploaded (S3 tells the app), then cited.
    status, slot = call(
        client,
        "post",
        f"/v1/reports/{report.id}/attachments",
        officer,
        {"content_type": "image/jpeg", "size": 2048, "purpose": "answer"},
    )
    assert status == 201, slot
    import boto3

    from chalicelib.config import settings
    from tests.media_samples import phone_jpeg

    # issue 16: the handler reads the photo itself, so the object must be there (as after the app's POST)
    boto3.client("s3", region_name=settings().region).put_object(
        Bucket=settings().media_bucket, Key=slot["key"], Body=phone_jpeg(400, 300)
    )
    event = client.events.generate_s3_event(bucket=settings().media_bucket, key=slot["key"])
    client.lambda_.invoke("media_uploaded", event)

    status, body = act(
        client,
        report.id,
        officer,
        {
            "type": "resolve",
            "answer": "Đã thu gom toàn bộ rác thải và xử phạt người vi phạm.",
            "media": [slot["key"]],
        },
    )
    assert status == 200, body
    assert body["status"] == "resolved" and body["closed_at"] is not None
    assert body["answer"] == "Đã thu gom toàn bộ rác thải và xử phạt người vi phạm."

    status, body = call(
        client,
        "post",
        f"/v1/reports/{report.id}/feedback",
        reporter,
        {"rating": 5, "comment": "Cảm ơn phường."},
    )
    assert status == 201, body
    assert body["rating"] == 5

    status, public = call(client, "get", f"/v1/reports/{report.id}", {})
    assert status == 200
    assert public["rating"] == 5 and public["status"] == "resolved"
    assert [e["type"] for e in public["timeline"]] == [
        "received",
        "assigned",
        "accepted",
        "extended",
        "resolved",
        "feedback",
    ]
    assert len(public["media"]) == 1
    assert "reporter" not in public and "history" not in public
    saved = stored(report.id)
    assert (
        saved is not None and saved.version == 7
    )  # one write per step, plus reserving, uploading and deriving the photo
    assert [e.type for e in saved.history][2:] == ["accepted", "extended", "resolved", "feedback"]
    assert saved.history[3].actor_sub == "dev-officer-03127" and saved.history[3].actor_unit == UNIT


EXPECTED_LETTER = "\n".join(
    [
        f"Kính gửi Ông/Bà {REPORTER_NAME},",
        "Trung tâm Điều hành thông minh tỉnh Điện Biên (IOC Điện Biên) đã nhận được Phản ánh hiện trường"
        " của quý Ông/Bà.",
        "Sau khi đánh giá nội dung, hiện tại cơ quan giải quyết chưa thực hiện xử lý Phản ánh hiện trường"
        " của quý Ông/Bà,",
        "nguyên nhân do chưa xác định được một số thông tin liên quan từ nội dung Phản ánh hiện trường.",
        "Để cơ quan giải quyết có thêm thông tin về Phản ánh hiện trường phục vụ việc xử lý, đề nghị quý Ông/Bà"
        " cung cấp thêm",
        "thông tin sự việc và gửi lại Phản ánh hiện trường, các thông tin cần bổ sung như sau:",
        "(1) Ảnh chụp rõ vị trí",
        "(2) Số nhà gần nhất",
        "Hoặc xem lại hướng dẫn sử dụng tại mục “Hướng dẫn sử dụng” trên App.",
        "Trân trọng cảm ơn./.",
    ]
)


def test_request_info_answers_the_reporter_with_the_letters_template_exactly(client, officer, reporter):
    report = stored_report()
    status, body = act(
        client,
        report.id,
        officer,
        {"type": "request_info", "items": ["Ảnh chụp rõ vị trí", "Số nhà gần nhất"]},
    )
    assert status == 200, body
    assert body["status"] == "rejected"
    assert body["answer"] == EXPECTED_LETTER
    status, mine = call(client, "get", f"/v1/reports/{report.id}", reporter)
    assert mine["answer"] == EXPECTED_LETTER
    assert mine["timeline"][-1] == {
        "at": mine["timeline"][-1]["at"],
        "type": "info_requested",
        "text": EXPECTED_LETTER,
    }


def test_reject_reassign_return_hide_and_comment_through_the_api(client, officer, tokens):
    ioc = tokens("ioc")
    dup = stored_report()
    report = stored_report()
    status, body = act(
        client,
        report.id,
        officer,
        {
            "type": "reject",
            "reason": "duplicate",
            "text": "Đã có phản ánh cùng nội dung.",
            "duplicate_of": dup.id,
        },
    )
    assert status == 200 and body["status"] == "rejected"
    assert dup.id in body["timeline"][-1]["text"]

    moved = stored_report()
    status, body = act(
        client, moved.id, ioc, {"type": "reassign", "unit": OTHER_UNIT, "note": "Sai địa bàn."}
    )
    assert status == 200, body
    assert body["unit"]["code"] == OTHER_UNIT and body["routing"]["method"] == "manual"
    # The old unit's officer can no longer act on it; the new unit's can.
    assert act(client, moved.id, officer, {"type": "accept"})[0] == 403
    status, body = act(
        client,
        moved.id,
        tokens("officer", unit=OTHER_UNIT),
        {"type": "return", "reason": "Không thuộc địa bàn."},
    )
    assert status == 200 and body["unit"]["code"] == "IOC" and body["status"] == "assigned"

    status, body = act(client, moved.id, ioc, {"type": "hide", "reason": "Ảnh chứa biển số xe cá nhân."})
    assert status == 200 and body["hidden"]["reason"] == "Ảnh chứa biển số xe cá nhân."
    status, body = act(client, moved.id, ioc, {"type": "comment", "text": "Đã liên hệ tổ dân phố."})
    assert status == 200
    assert body["history"][-1]["internal_text"] == "Đã liên hệ tổ dân phố."


def test_a_retried_action_with_the_same_key_returns_the_first_answer_and_changes_nothing(client, officer):
    report = stored_report()
    first = act(client, report.id, officer, {"type": "accept"}, key="k-accept-1")
    again = act(client, report.id, officer, {"type": "accept"}, key="k-accept-1")
    assert first[0] == again[0] == 200
    assert first[1] == again[1]
    saved = stored(report.id)
    assert saved is not None and [e.type for e in saved.history].count("accepted") == 1
    other = act(client, report.id, officer, {"type": "comment", "text": "khác"}, key="k-accept-1")
    assert other[0] == 409 and other[1]["error"]["code"] == "idempotency_key_reused"


# --------------------------------------------------------------------------------------------- refusals


def _unchanged(report_id: str, before) -> None:
    after = stored(report_id)
    assert after is not None and report_to_doc(after) == report_to_doc(before)


def test_resolving_a_rejected_report_is_refused(client, officer):
    report = stored_report(Status.REJECTED)
    status, body = act(client, report.id, officer, {"type": "resolve", "answer": "Đã xử lý."})
    assert (status, body["error"]["code"]) == (409, "report_closed")
    _unchanged(report.id, stored(report.id) or report)


@pytest.mark.parametrize("shift", [timedelta(0), timedelta(hours=-6)])
def test_extending_to_the_same_or_an_earlier_date_is_refused(client, officer, shift):
    report = stored_report(Status.IN_PROGRESS)
    before = stored(report.id)
    status, body = act(
        client,
        report.id,
        officer,
        {"type": "extend", "due_at": (report.due_at + shift).isoformat(), "note": "Gia hạn."},
    )
    assert (status, body["error"]["code"]) == (422, "deadline_not_after_current")
    assert body["error"]["details"][0]["field"] == "due_at"
    _unchanged(report.id, before)


def test_feedback_twice_or_on_an_open_report_is_refused(client, reporter):
    open_report = stored_report(Status.IN_PROGRESS)
    status, body = call(client, "post", f"/v1/reports/{open_report.id}/feedback", reporter, {"rating": 4})
    assert (status, body["error"]["code"]) == (409, "report_not_closed")
    closed = stored_report(Status.RESOLVED)
    assert call(client, "post", f"/v1/reports/{closed.id}/feedback", reporter, {"rating": 4})[0] == 201
    before = stored(closed.id)
    status, body = call(client, "post", f"/v1/reports/{closed.id}/feedback", reporter, {"rating": 1})
    assert (status, body["error"]["code"]) == (409, "feedback_already_given")
    _unchanged(closed.id, before)


def test_only_a_test_report_can_be_deleted_and_only_by_tech(client, tokens):
    tech = tokens("tech")
    real = stored_report()
    status, body = call(client, "delete", f"/v1/reports/{real.id}", tech)
    assert (status, body["error"]["code"]) == (409, "report_not_deletable")
    _unchanged(real.id, stored(real.id) or real)
    test_report = stored_report(is_test=True, reporter_sub="dev-tech-user")
    assert call(client, "delete", f"/v1/reports/{test_report.id}", tokens("ioc"))[0] == 403
    status, body = call(client, "delete", f"/v1/reports/{test_report.id}", tech)
    assert status == 204 and body is None
    assert stored(test_report.id) is None
    assert call(client, "get", f"/v1/reports/{test_report.id}", tech)[0] == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "type"),
        ({"type": "approve"}, "type"),
        ({"type": "extend", "due_at": "2027-01-01T00:00:00", "note": "x"}, "due_at"),
        ({"type": "extend", "note": "x"}, "due_at"),
        ({"type": "reject", "reason": "rude", "text": "x"}, "reason"),
        ({"type": "request_info", "items": []}, "items"),
        ({"type": "hide"}, "reason"),
        ({"type": "resolve", "answer": ""}, "answer"),
    ],
)
def test_a_malformed_action_is_a_400_naming_the_field(client, officer, body, field):
    report = stored_report(Status.IN_PROGRESS)
    status, answer = act(client, report.id, officer, body)
    assert status == 400, answer
    assert answer["error"]["details"][0]["field"] == field
    assert f"'{field}'" in answer["error"]["message"]


@pytest.mark.parametrize(
    "body", [{"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": 3, "comment": "x" * 1001}]
)
def test_a_malformed_rating_is_a_400(client, reporter, body):
    report = stored_report(Status.RESOLVED)
    status, answer = call(client, "post", f"/v1/reports/{report.id}/feedback", reporter, body)
    assert status == 400, answer


# --------------------------------------------------------------------------------------------- bodies and the table

# api.md "Actions": a body per action as a client writes it, and the domain command it stands for.
API_BODIES = {
    "accept": ({"type": "accept"}, workflow.Accept()),
    "reject": (
        {
            "type": "reject",
            "reason": "duplicate",
            "text": "Trùng.",
            "duplicate_of": "01JD0000000000000000000001",
        },
        workflow.Reject(reason="duplicate", text="Trùng.", duplicate_of="01JD0000000000000000000001"),
    ),
    "request_info": (
        {"type": "request_info", "items": ["Ảnh chụp rõ vị trí", "Số nhà gần nhất"]},
        workflow.RequestInfo(items=("Ảnh chụp rõ vị trí", "Số nhà gần nhất")),
    ),
    "extend": (
        {"type": "extend", "due_at": "2026-12-15T17:00:00+07:00", "note": "Chờ vật liệu."},
        workflow.Extend(due_at=datetime(2026, 12, 15, 17, 0, tzinfo=VN_OFFSET), note="Chờ vật liệu."),
    ),
    "resolve": (
        {"type": "resolve", "answer": "Đã vá ổ gà.", "media": ["reports/R/a.jpg"]},
        workflow.Resolve(answer="Đã vá ổ gà.", media=("reports/R/a.jpg",)),
    ),
    "return": (
        {"type": "return", "reason": "Không thuộc thẩm quyền."},
        workflow.Return(reason="Không thuộc thẩm quyền."),
    ),
    "reassign": (
        {"type": "reassign", "unit": OTHER_UNIT, "note": ""},
        workflow.Reassign(unit=OTHER_UNIT, note=None),
    ),
    "hide": ({"type": "hide", "reason": "Thông tin cá nhân."}, workflow.Hide(reason="Thông tin cá nhân.")),
    "unhide": ({"type": "unhide"}, workflow.Unhide(note=None)),
    "comment": ({"type": "comment", "text": "Đã gọi tổ trưởng."}, workflow.Comment(text="Đã gọi tổ trưởng.")),
    "reopen": (
        {"type": "reopen", "reason": "Ổ gà vẫn còn."},
        workflow.Reopen(reason="Ổ gà vẫn còn.", media=()),
    ),
}


def test_the_api_names_and_bodies_are_the_workflows_table():
    assert get_args(ActionName) == tuple(workflow.ACTIONS) == tuple(API_BODIES)
    assert tuple(BODIES) == tuple(workflow.ACTIONS)
    assert get_args(ActionBody) == tuple(BODIES.values())
    for name, body in BODIES.items():
        assert get_args(body.model_fields["type"].annotation) == (name,)


@pytest.mark.parametrize("name", list(API_BODIES))
def test_each_body_becomes_the_command_of_its_spec(name):
    raw, command = API_BODIES[name]
    body = parse_action(json.dumps(raw).encode())
    assert type(body) is BODIES[name]
    assert to_domain(body) == command
    assert type(to_domain(body)) is workflow.ACTIONS[name].command


def test_the_served_document_shows_one_body_per_action_discriminated_by_type(client):
    document = json.loads(client.http.get("/v1/openapi.json").body)
    post = document["paths"]["/v1/reports/{report_id}/actions"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert schema["discriminator"]["propertyName"] == "type"
    mapping = schema["discriminator"]["mapping"]
    assert {name: ref.rsplit("/", 1)[1] for name, ref in mapping.items()} == {
        name: body.__name__ for name, body in BODIES.items()
    }
    assert len(schema["oneOf"]) == len(workflow.ACTIONS)


# --------------------------------------------------------------------------------------------- the inbox


def test_the_inbox_lists_the_units_open_reports_earliest_deadline_first(client, officer, tokens):
    late = stored_report(Status.IN_PROGRESS, assigned_ago=timedelta(days=30))  # long overdue
    fresh = stored_report(Status.ASSIGNED, assigned_ago=timedelta(minutes=5))
    stored_report(Status.RESOLVED)
    stored_report(Status.ASSIGNED, unit=OTHER_UNIT)
    status, page = call(client, "get", "/v1/inbox", officer)
    assert status == 200, page
    ids = [row["id"] for row in page["items"]]
    assert ids == [late.id, fresh.id]
    row = page["items"][0]
    assert row["overdue"] is True and row["due_at"].endswith("+07:00") and row["triage_due_at"]
    assert set(row) == {
        "id",
        "category",
        "status",
        "status_label",
        "unit",
        "received_at",
        "triage_due_at",
        "due_at",
        "overdue",
        "address",
        "hidden",
        "followers",  # a count, never who (issue 15)
        "summary",  # the first words of the description (the console's queue, issue 13)
    }

    assert [r["id"] for r in call(client, "get", "/v1/inbox?overdue=true", officer)[1]["items"]] == [late.id]
    assert [r["id"] for r in call(client, "get", "/v1/inbox?overdue=false", officer)[1]["items"]] == [
        fresh.id
    ]
    assert [r["id"] for r in call(client, "get", "/v1/inbox?status=assigned", officer)[1]["items"]] == [
        fresh.id
    ]
    before = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert [r["id"] for r in call(client, "get", f"/v1/inbox?due_before={before}", officer)[1]["items"]] == [
        late.id
    ]
    first = call(client, "get", "/v1/inbox?limit=1", officer)[1]
    assert [r["id"] for r in first["items"]] == [late.id] and first["next_cursor"]
    second = call(client, "get", f"/v1/inbox?limit=1&cursor={first['next_cursor']}", officer)[1]
    assert [r["id"] for r in second["items"]] == [fresh.id]

    ioc = tokens("ioc")
    assert [r["id"] for r in call(client, "get", f"/v1/inbox?unit={UNIT}", ioc)[1]["items"]] == [
        late.id,
        fresh.id,
    ]
    at_ioc = stored_report(unit="IOC")
    assert [r["id"] for r in call(client, "get", "/v1/inbox", ioc)[1]["items"]] == [at_ioc.id]

    assert call(client, "get", f"/v1/inbox?unit={OTHER_UNIT}", officer)[0] == 403
    status, body = call(client, "get", "/v1/inbox?cursor=bm90LWEta2V5", officer)
    assert status == 400 and body["error"]["details"][0]["field"] == "cursor"
    other_units_cursor = call(client, "get", f"/v1/inbox?unit={UNIT}&limit=1", ioc)[1]["next_cursor"]
    assert (
        call(client, "get", f"/v1/inbox?cursor={other_units_cursor}", ioc)[0] == 400
    )  # IOC's queue, not 03127's
    status, body = call(client, "get", "/v1/inbox?overdue=maybe", officer)
    assert status == 400 and body["error"]["details"][0]["field"] == "overdue"


# --------------------------------------------------------------------------------------------- the citizen's e-mail


def _change(old, new) -> ReportChange:
    return ReportChange(event_id="e1", event_name="MODIFY", old=old, new=new)


def test_the_reporter_is_emailed_once_per_change_even_when_the_stream_redelivers(client, officer):
    from chalicelib.services.citizen_notify import notify_reporter

    report = stored_report()
    before = stored(report.id)
    act(
        client,
        report.id,
        officer,
        {"type": "request_info", "items": ["Ảnh chụp rõ vị trí", "Số nhà gần nhất"]},
    )
    after = stored(report.id)
    notify_reporter(_change(before, after))
    notify_reporter(_change(before, after))  # the same record again
    sent = _sent()
    assert len(sent) == 1
    assert set(sent[0].destinations) == {REPORTER_EMAIL}
    subject, text, html = _text_of(sent[0])
    assert subject == "Đề nghị bổ sung thông tin phản ánh hiện trường"
    assert EXPECTED_LETTER in text
    assert "(1) Ảnh chụp rõ vị trí" in html


def test_a_hidden_report_tells_the_reporter_why_with_the_reason_escaped(client, tokens):
    from chalicelib.services.citizen_notify import notify_reporter

    report = stored_report()
    before = stored(report.id)
    act(
        client,
        report.id,
        tokens("ioc"),
        {"type": "hide", "reason": "Có <b>thông tin cá nhân</b> của người khác."},
    )
    notify_reporter(_change(before, stored(report.id)))
    subject, text, html = _text_of(_sent()[-1])
    assert "ẩn" in subject
    assert "Có <b>thông tin cá nhân</b> của người khác." in text
    assert "&lt;b&gt;thông tin cá nhân&lt;/b&gt;" in html and "<b>thông tin" not in html


def test_no_email_for_an_internal_comment_or_a_reporter_without_email(client, officer):
    from chalicelib.services.citizen_notify import notify_reporter

    report = stored_report()
    before = stored(report.id)
    act(client, report.id, officer, {"type": "comment", "text": "Ghi chú nội bộ."})
    notify_reporter(_change(before, stored(report.id)))
    silent = stored_report(email=None)
    before = stored(silent.id)
    act(client, silent.id, officer, {"type": "accept"})
    notify_reporter(_change(before, stored(silent.id)))
    assert _sent() == []


def test_a_failed_send_is_retried_and_then_sent_once(client, officer):
    from chalicelib.services.citizen_notify import notify_reporter

    report = stored_report()
    before = stored(report.id)
    act(client, report.id, officer, {"type": "accept"})
    change = _change(before, stored(report.id))

    class Broken:
        def send(self, parcel: Any) -> None:
            raise ConnectionError("SES unreachable")

    with pytest.raises(ConnectionError):
        notify_reporter(change, sender=Broken())
    notify_reporter(change)  # SES, through the sender every service is given
    notify_reporter(change)
    sent = _sent()
    assert len(sent) == 1
    subject, text, _ = _text_of(sent[0])
    assert subject == "Phản ánh hiện trường: Đang xử lý"
    assert "Phường Điện Biên Phủ đã tiếp nhận và đang xử lý phản ánh của Ông/Bà." in text


def test_the_stream_tells_the_citizen_through_the_registered_consumer(client, officer):
    from chalicelib.wiring import stream_consumers

    assert "notify_reporter" in [c.__name__ for c in stream_consumers()]
    report = stored_report()
    before = stored(report.id)
    act(client, report.id, officer, {"type": "resolve", "answer": "Đã xử lý xong."})
    after = replace(stored(report.id))
    from chalicelib.services.citizen_notify import notify_reporter

    notify_reporter(_change(before, after))
    subject, text, _ = _text_of(_sent()[-1])
    assert subject == "Phản ánh hiện trường: Đã giải quyết"
    assert "Đã xử lý xong." in text and "đánh giá mức độ hài lòng" in text


def test_the_past_of_an_imported_report_is_not_emailed_but_new_steps_are(client, officer):
    from chalicelib.domain.report import HistoryEntry
    from chalicelib.services.citizen_notify import notify_reporter

    report = stored_report()
    imported_entry = HistoryEntry(
        at=report.received_at,
        type="imported",
        actor_sub=None,
        actor_role="system",
        public_text="Hệ thống cũ.",
    )
    received = replace(report, status=Status.RECEIVED, history=(imported_entry,))
    routed = received.with_entry(
        HistoryEntry(at=report.received_at, type="assigned", actor_sub=None, actor_role="system"),
        status=Status.ASSIGNED,
    )
    notify_reporter(_change(received, routed))
    assert _sent() == []
    accepted = routed.with_entry(
        HistoryEntry(
            at=datetime.now(UTC), type="accepted", actor_sub="o", actor_role="officer", actor_unit=UNIT
        ),
        status=Status.IN_PROGRESS,
    )
    notify_reporter(_change(routed, accepted))
    assert len(_sent()) == 1
