"""The API additions the console needs (issue 13), through the real app on moto: the actions the caller may take
now, and the IOC's list of every report of the province with its filters."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.report import Status
from tests.integration.factories import OTHER_UNIT, UNIT, stored_report


def get(client, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    response = client.http.get(path, headers=headers or {})
    return response.status_code, json.loads(response.body) if response.body else None


def post(client, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
    response = client.http.post(
        path, headers={**headers, "Content-Type": "application/json"}, body=json.dumps(body)
    )
    return response.status_code, json.loads(response.body)


def types(body: dict[str, Any]) -> list[str]:
    return [a["type"] for a in body["actions"]]


def test_the_buttons_follow_the_report_through_its_day(client, tokens):
    report = stored_report(Status.ASSIGNED)
    officer = tokens("officer", unit=UNIT)
    status, body = get(client, f"/v1/reports/{report.id}/actions", officer)
    assert status == 200
    assert types(body) == ["accept", "reject", "request_info", "resolve", "return", "comment"]
    assert [a["label"] for a in body["actions"]][:2] == ["Tiếp nhận", "Từ chối"]
    assert body["request_info_letter"].startswith("Kính gửi Ông/Bà Nguyễn Văn An,")
    assert "{items}" in body["request_info_letter"]

    assert post(client, f"/v1/reports/{report.id}/actions", officer, {"type": "accept"})[0] == 200
    _, body = get(client, f"/v1/reports/{report.id}/actions", officer)
    assert types(body) == ["reject", "request_info", "extend", "resolve", "return", "comment"]
    # What is not listed is refused by the API.
    assert post(client, f"/v1/reports/{report.id}/actions", officer, {"type": "accept"})[0] == 409

    ioc = tokens("ioc")
    _, body = get(client, f"/v1/reports/{report.id}/actions", ioc)
    assert types(body) == ["reassign", "hide", "comment"]
    assert body["request_info_letter"] is None


def test_an_officer_of_another_unit_and_a_citizen_get_nothing_to_press(client, tokens):
    report = stored_report(Status.ASSIGNED)
    status, body = get(client, f"/v1/reports/{report.id}/actions", tokens("officer", unit=OTHER_UNIT))
    assert (status, types(body)) == (200, [])  # the report is public: seen, not acted on
    hidden = stored_report(Status.ASSIGNED, hidden_reason="Vi phạm Điều 9")
    status, body = get(client, f"/v1/reports/{hidden.id}/actions", tokens("officer", unit=OTHER_UNIT))
    assert (status, body["error"]["code"]) == (404, "report_not_found")
    assert get(client, f"/v1/reports/{report.id}/actions")[0] == 401


@pytest.fixture
def province(aws_env):
    return {
        "open": stored_report(Status.ASSIGNED),
        "late": stored_report(Status.IN_PROGRESS, assigned_ago=timedelta(days=20)),
        "other": stored_report(Status.ASSIGNED, unit=OTHER_UNIT, category="giao-thong"),
        "hidden": stored_report(Status.IN_PROGRESS, hidden_reason="Vi phạm"),
        "closed": stored_report(Status.RESOLVED, assigned_ago=timedelta(days=20)),
    }


def ids(client, headers, query: str = "") -> set[str]:
    status, body = get(client, "/v1/ioc/reports" + query, headers)
    assert status == 200, body
    return {row["id"] for row in body["items"]}


def test_the_ioc_finds_any_report_of_the_province(client, tokens, province):
    ioc = tokens("ioc")
    everything = {r.id for r in province.values()}
    assert ids(client, ioc) == everything  # hidden ones too: the IOC unhides them
    assert ids(client, ioc, f"?unit={OTHER_UNIT}") == {province["other"].id}
    assert ids(client, ioc, "?status=resolved") == {province["closed"].id}
    assert ids(client, ioc, "?overdue=true") == {province["late"].id}
    assert ids(client, ioc, "?overdue=false") == everything - {province["late"].id}
    assert ids(client, ioc, "?category=giao-thong") == {province["other"].id}
    assert ids(client, ioc, f"?id={province['hidden'].id.lower()}") == {province["hidden"].id}
    assert ids(client, ioc, f"?unit={UNIT}&overdue=true&status=in_progress") == {province["late"].id}


def test_the_ioc_list_pages_newest_first_with_the_cursor(client, tokens, province):
    ioc = tokens("ioc")
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        status, body = get(client, f"/v1/ioc/reports?limit=2{cursor}", ioc)
        assert status == 200 and len(body["items"]) <= 2
        seen += [row["id"] for row in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == sorted({r.id for r in province.values()}, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=done", "status"),
        ("?overdue=yes", "overdue"),
        ("?id=abc", "id"),
        ("?limit=0", "limit"),
        ("?cursor=xyz", "cursor"),
    ],
)
def test_bad_filters_are_named(client, tokens, aws_env, query, field):
    status, body = get(client, "/v1/ioc/reports" + query, tokens("ioc"))
    assert status == 400
    assert body["error"]["details"][0]["field"] == field


def test_only_the_ioc_lists_the_whole_province(client, tokens, aws_env):
    assert get(client, "/v1/ioc/reports", tokens("officer", unit=UNIT))[0] == 403
    assert get(client, "/v1/ioc/reports", tokens("citizen"))[0] == 403
    assert get(client, "/v1/ioc/reports")[0] == 401


def test_the_inbox_filters_by_category_and_shows_the_first_words(client, tokens, aws_env):
    mine = stored_report(Status.ASSIGNED)
    road = stored_report(Status.ASSIGNED, category="giao-thong")
    officer = tokens("officer", unit=UNIT)
    status, body = get(client, "/v1/inbox?category=giao-thong", officer)
    assert status == 200
    assert [row["id"] for row in body["items"]] == [road.id]
    _, body = get(client, "/v1/inbox", officer)
    row = next(r for r in body["items"] if r["id"] == mine.id)
    assert row["summary"].startswith("Rác thải đổ trộm ven đường")


def test_the_openapi_document_declares_the_additions(client):
    _, doc = get(client, "/v1/openapi.json")
    actions = doc["paths"]["/v1/reports/{report_id}/actions"]["get"]
    assert "ReportActionsOut" in json.dumps(actions["responses"]["200"])
    listed = doc["paths"]["/v1/ioc/reports"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {
        "unit",
        "status",
        "overdue",
        "category",
        "id",
        "cursor",
    }
