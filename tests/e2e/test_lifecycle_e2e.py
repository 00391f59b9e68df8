"""The handling lifecycle through the local stack over HTTP, as the apps would drive it: a citizen submits, the
system routes, the unit's officer accepts, extends, answers; the citizen is told and rates the answer. A second
report gets a request for more information whose text is the letter's template, exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.report import parse_instant

pytestmark = pytest.mark.e2e

UNIT = "03127"  # Phường Điện Biên Phủ: the city centre below lies in it
CITIZEN_NAME = "Nguyễn Văn An"  # the development issuer's sample citizen (infra/local/tokens.py)
CITIZEN_EMAIL = "an.nguyen@example.vn"

REPORT = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường Võ Nguyên Giáp, bốc mùi khó chịu.",
    "location": {"lat": 21.386, "lng": 103.017},
    "address": "Tổ 5, phường Điện Biên Phủ",
}


def _submit_and_wait_assigned(stack: Any, citizen: str) -> dict[str, Any]:
    status, created = stack.request("POST", "/v1/reports", REPORT, token=citizen)
    assert status == 201, created

    def assigned() -> dict[str, Any] | None:
        report = stack.request("GET", f"/v1/reports/{created['id']}", token=citizen)[1]
        return report if report["status"] == "assigned" else None

    report: dict[str, Any] = stack.wait_for(assigned)
    assert report["unit"]["code"] == UNIT
    return report


def _act(stack: Any, report_id: str, token: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    status, answer = stack.request(
        "POST", f"/v1/reports/{report_id}/actions", body, token=token, headers={"Idempotency-Key": key}
    )
    assert status == 200, answer
    return answer  # type: ignore[no-any-return]


def _mails_to(stack: Any, address: str, subject: str) -> list[dict[str, Any]]:
    def to(item: dict[str, Any]) -> str:
        value = item.get("to")
        return " ".join(value) if isinstance(value, list) else str(value)

    return [m for m in stack.outbox() if address in to(m) and m["subject"] == subject]


def test_submit_accept_extend_resolve_and_rate(live_stack):
    citizen = live_stack.token("citizen", sub="e2e-lifecycle-citizen")
    officer = live_stack.token("officer", unit=UNIT, sub="e2e-officer-03127")
    report = _submit_and_wait_assigned(live_stack, citizen)
    rid = report["id"]

    accepted = _act(live_stack, rid, officer, {"type": "accept"}, f"{rid}-accept")
    assert accepted["status"] == "in_progress"
    # A retry of the same request (the app lost the answer) changes nothing and answers the same.
    again = _act(live_stack, rid, officer, {"type": "accept"}, f"{rid}-accept")
    assert again["history"] == accepted["history"]

    new_due = parse_instant(accepted["due_at"]) + timedelta(days=3)
    extended = _act(
        live_stack,
        rid,
        officer,
        {"type": "extend", "due_at": new_due.isoformat(), "note": "Đang phối hợp với công ty môi trường."},
        f"{rid}-extend",
    )
    assert parse_instant(extended["due_at"]) == new_due

    resolved = _act(
        live_stack,
        rid,
        officer,
        {"type": "resolve", "answer": "Đã thu gom toàn bộ rác thải và xử phạt người vi phạm."},
        f"{rid}-resolve",
    )
    assert resolved["status"] == "resolved"

    status, rated = live_stack.request("POST", f"/v1/reports/{rid}/feedback", {"rating": 5}, token=citizen)
    assert status == 201, rated
    status, public = live_stack.request("GET", f"/v1/reports/{rid}")
    assert status == 200 and public["rating"] == 5 and "reporter" not in public
    assert [e["type"] for e in public["timeline"]] == [
        "received",
        "assigned",
        "accepted",
        "extended",
        "resolved",
        "feedback",
    ]
    # The citizen was told of each step by e-mail (the stream worker delivers within seconds).
    for subject in (
        "Phản ánh hiện trường: Đang xử lý",
        "Phản ánh hiện trường được gia hạn thời gian giải quyết",
        "Phản ánh hiện trường: Đã giải quyết",
    ):
        assert live_stack.wait_for(
            lambda s=subject: [m for m in _mails_to(live_stack, CITIZEN_EMAIL, s) if rid in m["text"]]
        ), subject


def test_request_for_more_information_uses_the_letters_template_exactly(live_stack):
    citizen = live_stack.token("citizen", sub="e2e-request-info-citizen")
    officer = live_stack.token("officer", unit=UNIT, sub="e2e-officer-03127")
    report = _submit_and_wait_assigned(live_stack, citizen)
    expected = "\n".join(
        [
            f"Kính gửi Ông/Bà {CITIZEN_NAME},",
            "Trung tâm Điều hành thông minh tỉnh Điện Biên (IOC Điện Biên) đã nhận được Phản ánh hiện trường"
            " của quý Ông/Bà.",
            "Sau khi đánh giá nội dung, hiện tại cơ quan giải quyết chưa thực hiện xử lý Phản ánh hiện trường"
            " của quý Ông/Bà,",
            "nguyên nhân do chưa xác định được một số thông tin liên quan từ nội dung Phản ánh hiện trường.",
            "Để cơ quan giải quyết có thêm thông tin về Phản ánh hiện trường phục vụ việc xử lý, đề nghị quý"
            " Ông/Bà cung cấp thêm",
            "thông tin sự việc và gửi lại Phản ánh hiện trường, các thông tin cần bổ sung như sau:",
            "(1) Ảnh chụp rõ vị trí",
            "(2) Số nhà gần nhất",
            "Hoặc xem lại hướng dẫn sử dụng tại mục “Hướng dẫn sử dụng” trên App.",
            "Trân trọng cảm ơn./.",
        ]
    )
    answer = _act(
        live_stack,
        report["id"],
        officer,
        {"type": "request_info", "items": ["Ảnh chụp rõ vị trí", "Số nhà gần nhất"]},
        f"{report['id']}-info",
    )
    assert answer["status"] == "rejected"
    assert answer["answer"] == expected
    status, mine = live_stack.request("GET", f"/v1/reports/{report['id']}", token=citizen)
    assert status == 200 and mine["timeline"][-1]["text"] == expected
    # This report's letter: other tests in the same stack write to the same citizen with the same subject.
    mails = live_stack.wait_for(
        lambda: [
            m
            for m in _mails_to(live_stack, CITIZEN_EMAIL, "Đề nghị bổ sung thông tin phản ánh hiện trường")
            if report["id"] in m["text"]
        ]
    )
    assert any(expected in m["text"] for m in mails), [m["text"] for m in mails]
