"""Citizens (issue 15) through the local stack over HTTP: a citizen with only a phone is told by SMS, one with
the app by push; the second report at the same spot names the first as a possible duplicate; nearby answers
nearest first; a follower hears of the answer; the reporter reopens once, the unit is told, a second time is
refused. SMS and push are read from the dev outbox beside the e-mails."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

UNIT = "03127"
SPOT = {"lat": 21.3902, "lng": 103.0208}  # in Phường Điện Biên Phủ, away from the other e2e reports
REPORT = {
    "category": "dien-chieu-sang",
    "description": "Đèn chiếu sáng công cộng bị hỏng cả tuần nay, đường tối.",
    "location": SPOT,
}
PHONE = "0915 222 333"
PHONE_E164 = "+84915222333"


def _to(item: dict[str, Any]) -> str:
    return " ".join(item.get("to") or [])


def _phone_messages(stack: Any, channel: str, to: str, words: str) -> list[dict[str, Any]]:
    return [m for m in stack.outbox() if m.get("channel") == channel and to in _to(m) and words in m["text"]]


def test_nearby_duplicates_follow_phones_and_reopen(live_stack):
    stack = live_stack
    phone_only = stack.token("citizen", sub="e2e-phone-only", phone_number=PHONE, email="")
    with_app = stack.token("citizen", sub="e2e-with-app", phone_number="", email="")
    officer = stack.token("officer", unit=UNIT, sub="e2e-officer-citizens")

    status, first = stack.request("POST", "/v1/reports", REPORT, token=phone_only)
    assert status == 201, first
    report_id = first["id"]
    assigned = stack.wait_for(lambda: _phone_messages(stack, "sms", PHONE_E164, "chuyển đến"))
    assert len(assigned) == 1 and report_id in assigned[0]["text"]

    status, device = stack.request(
        "POST", "/v1/me/devices", {"platform": "fcm", "token": "e2e-fcm-token-1"}, with_app
    )
    assert status == 201, device
    assert stack.request("GET", "/v1/me/notifications", token=with_app)[1]["channels"] == ["push"]
    near = {
        **REPORT,
        "location": {"lat": SPOT["lat"] + 0.0003, "lng": SPOT["lng"]},  # about 33 m north
        "reporter": {"name": "Lò Thị Mai", "phone": "0988 777 666"},  # the token carries no phone
    }
    status, second = stack.request("POST", "/v1/reports", near, token=with_app)
    assert status == 201, second
    assert [d["id"] for d in second["possible_duplicates"]] == [report_id]

    status, nearby = stack.request(
        "GET", f"/v1/reports/nearby?lat={SPOT['lat']}&lng={SPOT['lng']}&radius_m=200"
    )
    assert status == 200
    ids = [i["id"] for i in nearby["items"]]
    assert ids[:2] == [report_id, second["id"]]
    assert nearby["items"][0]["distance_m"] == 0 and 25 <= nearby["items"][1]["distance_m"] <= 40

    follow = stack.request("POST", f"/v1/reports/{report_id}/followers", token=with_app)
    assert follow == (200, {"report_id": report_id, "following": True, "followers": 1})
    assert stack.request("POST", f"/v1/reports/{report_id}/followers", token=with_app)[1]["followers"] == 1

    for body in ({"type": "accept"}, {"type": "resolve", "answer": "Đã thay bóng đèn."}):
        status, answer = stack.request("POST", f"/v1/reports/{report_id}/actions", body, token=officer)
        assert status == 200, answer
    answered = stack.wait_for(lambda: _phone_messages(stack, "sms", PHONE_E164, "câu trả lời"))
    pushed = stack.wait_for(
        lambda: [m for m in stack.outbox() if m.get("channel") == "push" and "câu trả lời" in m["text"]]
    )
    stack.drain()
    assert len(_phone_messages(stack, "sms", PHONE_E164, "câu trả lời")) == len(answered) == 1
    assert len(pushed) == 1 and report_id in pushed[0]["text"]

    reopen = {"type": "reopen", "reason": "Đèn lại tắt sau hai ngày."}
    status, reopened = stack.request("POST", f"/v1/reports/{report_id}/actions", reopen, token=phone_only)
    assert status == 200, reopened
    assert reopened["status"] == "in_progress" and reopened["timeline"][-1]["type"] == "reopened"
    stack.wait_for(
        lambda: [m for m in stack.outbox() if m["subject"] == f"Phản ánh được mở lại: {report_id}"]
    )
    stack.request(
        "POST", f"/v1/reports/{report_id}/actions", {"type": "resolve", "answer": "Đã sửa."}, officer
    )
    status, refused = stack.request("POST", f"/v1/reports/{report_id}/actions", reopen, token=phone_only)
    assert status == 409 and refused["error"]["code"] == "reopen_limit_reached"
