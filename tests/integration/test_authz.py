"""Nobody acts where they do not belong: for every action and endpoint, an officer of another unit, a citizen,
the reporter, the public (no token) and a wrong role are refused (401, 403 or 404), and nothing changes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.report import Status, report_to_doc
from tests.integration.factories import OTHER_UNIT, REPORTER_NAME, REPORTER_SUB, UNIT, stored, stored_report


def call(client, method: str, path: str, headers: dict[str, str] | None, body: Any = None) -> tuple[int, Any]:
    h = dict(headers) if headers else {"Content-Type": "application/json"}
    raw = None if body is None else json.dumps(body)
    response = getattr(client.http, method)(path, headers=h, body=raw)
    return response.status_code, json.loads(response.body) if response.body else None


def bodies(report) -> dict[str, dict[str, Any]]:
    """A valid body for every action, so that only who is asking decides."""
    return {
        "accept": {"type": "accept"},
        "reject": {"type": "reject", "reason": "invalid_content", "text": "Không rõ nội dung."},
        "request_info": {"type": "request_info", "items": ["Ảnh chụp rõ vị trí"]},
        "extend": {
            "type": "extend",
            "due_at": (report.due_at + timedelta(days=5)).isoformat(),
            "note": "Gia hạn.",
        },
        "resolve": {"type": "resolve", "answer": "Đã xử lý xong."},
        "return": {"type": "return", "reason": "Không thuộc thẩm quyền."},
        "reassign": {"type": "reassign", "unit": OTHER_UNIT, "note": "Chuyển."},
        "hide": {"type": "hide", "reason": "Thông tin cá nhân."},
        "unhide": {"type": "unhide", "note": "Bỏ ẩn."},
        "comment": {"type": "comment", "text": "Ghi chú."},
    }


IOC_ONLY = {"reassign", "hide", "unhide"}


@pytest.fixture
def callers(tokens) -> dict[str, dict[str, str] | None]:
    return {
        "public": None,
        "citizen": tokens("citizen", sub="someone-else"),
        "reporter": tokens("citizen", sub=REPORTER_SUB),
        "officer_other_unit": tokens("officer", unit=OTHER_UNIT),
        "officer_without_unit": tokens("officer"),
        "officer": tokens("officer", unit=UNIT),
        "ioc": tokens("ioc"),
        "tech": tokens("tech"),
    }


def refused(action: str) -> list[str]:
    """Callers who must not take `action` (the officer of the unit is a wrong role for the IOC's actions, and
    the IOC for the unit's own steps)."""
    base = ["public", "citizen", "reporter", "officer_other_unit", "officer_without_unit", "tech"]
    if action in IOC_ONLY:
        return [*base, "officer"]
    if action == "comment":
        return base
    return [*base, "ioc"]


def expected_status(caller: str, hidden: bool) -> int:
    if caller == "public":
        return 401  # the authorizer refuses a missing token
    # technical staff see test reports only (issue 12): an ordinary hidden report does not exist for them
    if hidden and caller in ("citizen", "officer_other_unit", "officer_without_unit", "tech"):
        return 404  # they may not know a hidden report exists
    return 403


@pytest.mark.parametrize("hidden", [False, True], ids=["public_report", "hidden_report"])
def test_every_action_is_refused_to_whoever_does_not_belong_and_changes_nothing(client, callers, hidden):
    report = stored_report(Status.IN_PROGRESS, hidden_reason="Ảnh có biển số xe." if hidden else None)
    before = report_to_doc(stored(report.id))
    problems = []
    for action, body in bodies(report).items():
        for caller in refused(action):
            status, answer = call(client, "post", f"/v1/reports/{report.id}/actions", callers[caller], body)
            want = expected_status(caller, hidden)
            if status != want:
                problems.append(f"{action} by {caller}: {status} {answer}, expected {want}")
    assert problems == []
    assert report_to_doc(stored(report.id)) == before


def test_feedback_is_for_the_reporter_alone(client, callers):
    report = stored_report(Status.RESOLVED)
    before = report_to_doc(stored(report.id))
    for caller in ("public", "citizen", "officer_other_unit", "officer", "ioc", "tech"):
        status, _ = call(client, "post", f"/v1/reports/{report.id}/feedback", callers[caller], {"rating": 5})
        assert status == (401 if caller == "public" else 403), caller
    assert report_to_doc(stored(report.id)) == before


def test_delete_is_for_tech_alone(client, callers):
    real = stored_report()
    test_report = stored_report(is_test=True)
    for report in (real, test_report):
        before = report_to_doc(stored(report.id))
        for caller in ("public", "citizen", "reporter", "officer_other_unit", "officer", "ioc"):
            status, _ = call(client, "delete", f"/v1/reports/{report.id}", callers[caller])
            if caller == "public":
                assert status == 401
            else:
                # A test report is not public: a stranger is told it does not exist.
                assert status in (403, 404), (caller, status)
                if report.is_test and caller in ("citizen", "officer_other_unit"):
                    assert status == 404
        assert report_to_doc(stored(report.id)) == before


def test_the_inbox_is_for_officers_and_the_ioc(client, callers):
    assert call(client, "get", "/v1/inbox", callers["public"])[0] == 401
    assert call(client, "get", "/v1/inbox", callers["citizen"])[0] == 403
    assert call(client, "get", "/v1/inbox", callers["tech"])[0] == 403
    assert call(client, "get", "/v1/inbox", callers["officer_without_unit"])[0] == 403
    assert call(client, "get", f"/v1/inbox?unit={UNIT}", callers["officer_other_unit"])[0] == 403
    assert call(client, "get", "/v1/inbox", callers["officer"])[0] == 200


def test_an_unknown_report_is_404_for_everyone_signed_in(client, callers):
    for caller in ("officer", "ioc", "tech", "citizen"):
        path = "/v1/reports/01M8JY6W045JNDR0AD4ZCRXWV3/actions"
        assert call(client, "post", path, callers[caller], {"type": "comment", "text": "x"})[0] == 404


# ------------------------------------------------------------------------------------ what the public sees


def test_the_public_never_sees_the_reporter_hiding_or_internal_notes(client, callers):
    report = stored_report()
    call(
        client,
        "post",
        f"/v1/reports/{report.id}/actions",
        callers["ioc"],
        {"type": "comment", "text": "SECRET-NOTE gọi 0987654321"},
    )
    call(
        client,
        "post",
        f"/v1/reports/{report.id}/actions",
        callers["ioc"],
        {"type": "hide", "reason": "HIDE-REASON"},
    )
    call(client, "post", f"/v1/reports/{report.id}/actions", callers["ioc"], {"type": "unhide"})
    status, public = call(client, "get", f"/v1/reports/{report.id}", None)
    assert status == 200
    listed = call(client, "get", "/v1/reports", None)[1]["items"]
    assert [r["id"] for r in listed] == [report.id]
    for view in (public, listed[0]):
        assert not {"reporter", "hidden", "history", "is_test", "routing"} & set(view)
        text = json.dumps(view, ensure_ascii=False)
        for secret in ("SECRET-NOTE", "0987654321", "HIDE-REASON", REPORTER_NAME, "0912345678", "an.nguyen"):
            assert secret not in text, secret
    # The reporter sees their own contact details, but not the unit's and the IOC's internal notes.
    mine = json.dumps(
        call(client, "get", f"/v1/reports/{report.id}", callers["reporter"])[1], ensure_ascii=False
    )
    assert REPORTER_NAME in mine and "SECRET-NOTE" not in mine and "HIDE-REASON" not in mine


def test_a_hidden_report_is_404_to_the_public_and_visible_to_its_reporter_unit_and_ioc(client, callers):
    report = stored_report()
    status, _ = call(
        client,
        "post",
        f"/v1/reports/{report.id}/actions",
        callers["ioc"],
        {"type": "hide", "reason": "Nội dung xúc phạm cá nhân."},
    )
    assert status == 200
    assert call(client, "get", f"/v1/reports/{report.id}", None)[0] == 404
    assert report.id not in [r["id"] for r in call(client, "get", "/v1/reports", None)[1]["items"]]
    for caller in ("citizen", "officer_other_unit"):
        assert call(client, "get", f"/v1/reports/{report.id}", callers[caller])[0] == 404
    status, mine = call(client, "get", f"/v1/reports/{report.id}", callers["reporter"])
    assert status == 200 and mine["hidden"]["reason"] == "Nội dung xúc phạm cá nhân."
    assert report.id in [
        r["id"] for r in call(client, "get", "/v1/me/reports", callers["reporter"])[1]["items"]
    ]
    for caller in ("officer", "ioc"):
        status, view = call(client, "get", f"/v1/reports/{report.id}", callers[caller])
        assert status == 200 and view["hidden"]["reason"] == "Nội dung xúc phạm cá nhân."
    # Handling goes on while hidden.
    status, view = call(
        client, "post", f"/v1/reports/{report.id}/actions", callers["officer"], {"type": "accept"}
    )
    assert status == 200 and view["status"] == "in_progress"


def test_the_public_does_not_see_the_reporters_name_in_a_request_for_more_information(client, callers):
    report = stored_report()
    call(
        client,
        "post",
        f"/v1/reports/{report.id}/actions",
        callers["officer"],
        {"type": "request_info", "items": ["Ảnh chụp rõ vị trí"]},
    )
    public = json.dumps(call(client, "get", f"/v1/reports/{report.id}", None)[1], ensure_ascii=False)
    assert REPORTER_NAME not in public
