"""Issue 12 part A through the real handlers (moto): every bullet reproduced, then refused or survived.

Instants outside years 2000-2100 are 400s naming the field (they once gave 500s or a report no list could
read); an unreadable stored report is skipped by the lists; free text is what a person types; technical staff
see test reports only; official e-mail goes to the verified address alone; the attachment route does not tell
outsiders which reports exist; private answers are never cached; odd tokens are refused.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from chalicelib.domain.report import Status
from tests.integration.factories import REPORTER_SUB, UNIT, stored, stored_report

GOOD = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
    "location": {"lat": 21.386, "lng": 103.017},
    "reporter": {"name": "Trần Thị Hoa", "phone": "0912345678"},
}


def _post(client, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    response = client.http.post(path, headers=headers, body=json.dumps(body, ensure_ascii=False))
    return response.status_code, json.loads(response.body) if response.body else None


def _get(client, path: str, headers: dict[str, str] | None = None):
    response = client.http.get(path, headers=headers or {})
    return response.status_code, json.loads(response.body), response.headers


def _field(answer: Any) -> str:
    return answer["error"]["details"][0]["field"]


def _table_count() -> int:
    import boto3

    from chalicelib.config import settings

    ddb = boto3.client("dynamodb", region_name=settings().region)
    return ddb.scan(TableName=settings().reports_table, Select="COUNT")["Count"]  # tests may scan


# --------------------------------------------------------------------------------------------- instants


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0999-12-31T00:00:00+00:00",
        "0001-01-01T00:00:00+07:00",
        "1999-12-31T23:59:59+00:00",
        "2101-01-01T00:00:00Z",
    ],
)
def test_an_instant_outside_2000_to_2100_is_a_400_naming_the_field_and_nothing_is_stored(
    client, tokens, occurred_at
):
    status, answer = _post(client, "/v1/reports", tokens("citizen"), {**GOOD, "occurred_at": occurred_at})
    assert status == 400, answer
    assert _field(answer) == "occurred_at"
    assert "2000" in answer["error"]["message"] and "2100" in answer["error"]["message"]
    assert _table_count() == 0
    status, page, _ = _get(client, "/v1/reports")
    assert status == 200 and page["items"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/reports?since=0001-01-01", "since"),
        ("/v1/reports?until=9999-12-31", "until"),
        ("/v1/reports?since=0001-01-01T00:00:00%2B07:00", "since"),
        ("/v1/reports?until=9999-12-31T23:59:59%2B00:00", "until"),
        ("/v1/inbox?due_before=0001-01-01", "due_before"),
        ("/v1/inbox?due_before=9999-12-31T23:59:59Z", "due_before"),
        ("/v1/calendar?from=9999-12-01&to=9999-12-31", "from"),
        ("/v1/stats?from=0001-01-01&to=0001-01-31", "from"),
        ("/v1/units?valid_on=9999-12-31", "valid_on"),
    ],
)
def test_extreme_dates_in_a_query_are_a_400_naming_the_parameter(client, tokens, path, field):
    status, answer, _ = _get(client, path, tokens("ioc"))
    assert status == 400, answer
    assert _field(answer) == field


def test_an_extension_to_year_9999_is_a_400_and_changes_nothing(client, tokens):
    report = stored_report(Status.IN_PROGRESS)
    before = stored(report.id)
    body = {"type": "extend", "due_at": "9999-12-31T23:59:59+07:00", "note": "Cần thêm thời gian."}
    status, answer = _post(client, f"/v1/reports/{report.id}/actions", tokens("officer", unit=UNIT), body)
    assert status == 400, answer
    assert _field(answer) == "due_at"
    assert stored(report.id) == before


def test_a_stored_report_that_cannot_be_decoded_is_skipped_by_every_list_and_logged(
    client, tokens, capsys, caplog
):
    """The year-999 report of the issue, written as the old code stored it: the lists still answer."""
    from chalicelib.store.models import ReportItem

    good = stored_report(Status.ASSIGNED)
    broken = stored_report(Status.ASSIGNED, reporter_name="Lê Văn Bí")
    item = ReportItem.get(broken.id)
    item.doc = {**item.doc, "received_at": "999-12-31T00:00:00.000Z"}
    item.save()
    capsys.readouterr()
    caplog.set_level("ERROR")

    status, page, _ = _get(client, "/v1/reports")
    assert status == 200
    assert [r["id"] for r in page["items"]] == [good.id]
    status, mine, _ = _get(client, "/v1/me/reports", tokens("citizen", sub=REPORTER_SUB))
    assert status == 200 and [r["id"] for r in mine["items"]] == [good.id]
    status, inbox, _ = _get(client, "/v1/inbox", tokens("officer", unit=UNIT))
    assert status == 200 and [r["id"] for r in inbox["items"]] == [good.id]

    skipped = [r for r in caplog.records if r.getMessage() == "undecodable report skipped"]
    assert len(skipped) == 3 and {r.report_id for r in skipped} == {broken.id}
    assert '"UndecodableReports"' in capsys.readouterr().out  # the metric the alarm watches
    assert "Lê Văn Bí" not in caplog.text and "0912345678" not in caplog.text


# ------------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "Rác thải đổ trộm\x00 ven đường"),
        ("description", "Rác thải đổ trộm\x1b[31m ven đường"),
        ("description", "Rác thải đổ trộm\r ven đường"),
        ("description", "Rác thải đổ trộm \u202eveN ven đường"),
        ("description", "Rác thải đổ trộm \x85 ven đường"),
        ("description", "Rác" + "\u200b" * 10),
        ("address", "Tổ 5\n phường Điện Biên Phủ"),
        ("reporter.name", "\u200b\u200b"),
        ("reporter.name", "Hoa\u202e"),
        ("reporter.name", "Trần\x00Hoa"),
    ],
)
def test_text_no_person_types_is_a_400_naming_the_field(client, tokens, field, value):
    body = json.loads(json.dumps(GOOD))
    if field == "reporter.name":
        body["reporter"]["name"] = value
    else:
        body[field] = value
    status, answer = _post(client, "/v1/reports", tokens("citizen"), body)
    assert status == 400, answer
    assert _field(answer) == field
    assert field in answer["error"]["message"]
    assert _table_count() == 0


def test_decomposed_vietnamese_is_stored_composed_and_newlines_and_tabs_stay_in_long_texts(client, tokens):
    description = "Đường bị sạt lở.\n\tXe không đi được, đề nghị xử lý."
    nfd = unicodedata.normalize("NFD", description)
    assert nfd != description
    body = {
        **GOOD,
        "description": nfd,
        "reporter": {"name": unicodedata.normalize("NFD", "Lò Thị Bình"), "phone": "0912345678"},
    }
    status, report = _post(client, "/v1/reports", tokens("citizen"), body)
    assert status == 201, report
    assert report["description"] == description
    assert report["reporter"]["name"] == "Lò Thị Bình"
    assert stored(report["id"]).description == description


def test_an_action_text_with_a_control_character_is_refused(client, tokens):
    report = stored_report(Status.IN_PROGRESS)
    body = {"type": "comment", "text": "Ghi chú\x07"}
    status, answer = _post(client, f"/v1/reports/{report.id}/actions", tokens("officer", unit=UNIT), body)
    assert status == 400 and _field(answer) == "text"


# ------------------------------------------------------------------------------------------------ roles


def test_technical_staff_see_no_personal_data_of_ordinary_reports(client, tokens):
    report = stored_report(Status.ASSIGNED)
    hidden = stored_report(Status.ASSIGNED, hidden_reason="Ảnh có biển số xe.")
    tech = tokens("tech")
    status, seen, _ = _get(client, f"/v1/reports/{report.id}", tech)
    assert status == 200
    assert "reporter" not in seen and "history" not in seen
    assert _get(client, f"/v1/reports/{hidden.id}", tech)[0] == 404


def test_technical_staff_submit_test_reports_only(client, tokens):
    status, answer = _post(client, "/v1/reports", tokens("tech"), GOOD)
    assert status == 403 and _field(answer) == "is_test"
    assert _table_count() == 0
    status, test_report = _post(client, "/v1/reports", tokens("tech"), {**GOOD, "is_test": True})
    assert status == 201 and test_report["is_test"] is True
    assert "reporter" in test_report  # their own test report, in full


def test_official_email_goes_to_the_verified_address_not_the_body(client, tokens):
    body = {**GOOD, "reporter": {**GOOD["reporter"], "email": "someone.else@example.com"}}
    status, report = _post(client, "/v1/reports", tokens("citizen"), body)
    assert status == 201
    assert report["reporter"]["name"] == "Trần Thị Hoa"  # the body may add a contact name and phone
    assert stored(report["id"]).reporter.email == "an.nguyen@example.vn"

    status, report = _post(
        client, "/v1/reports", tokens("citizen", sub="unverified", email_verified=False), body
    )
    assert status == 201
    assert stored(report["id"]).reporter.email is None


@pytest.mark.parametrize("purpose", ["report", "answer"])
def test_attachments_on_a_report_one_may_not_see_are_a_404_like_an_unknown_one(client, tokens, purpose):
    hidden = stored_report(Status.IN_PROGRESS, hidden_reason="Ảnh có biển số xe.")
    body = {"content_type": "image/jpeg", "size": 1000, "purpose": purpose}
    unknown = "01M8JY6W045JNDR0AD4ZCRXWV3"
    for headers in (tokens("citizen", sub="stranger"), tokens("officer", unit="03151")):
        assert _post(client, f"/v1/reports/{unknown}/attachments", headers, body)[0] == 404
        status, answer = _post(client, f"/v1/reports/{hidden.id}/attachments", headers, body)
        assert status == 404, answer
    assert stored(hidden.id).media == ()


def test_private_answers_are_not_stored_by_caches_and_vary_by_caller(client, tokens):
    report = stored_report(Status.ASSIGNED)
    _, _, headers = _get(client, f"/v1/reports/{report.id}", tokens("ioc"))
    assert headers["Cache-Control"] == "no-store"
    assert "Authorization" in headers["Vary"]
    _, _, headers = _get(client, f"/v1/reports/{report.id}")
    assert "Authorization" in headers["Vary"] and headers["Cache-Control"] != "no-store"
    _, _, headers = _get(client, "/v1/me/reports", tokens("citizen"))
    assert headers["Cache-Control"] == "no-store"
    _, _, headers = _get(client, "/v1/inbox", tokens("officer", unit=UNIT))
    assert headers["Cache-Control"] == "no-store"
    _, _, headers = _get(client, "/v1/categories", tokens("citizen"))
    assert headers["Cache-Control"].startswith("public")


@pytest.mark.parametrize(
    "claims",
    [
        {"ttl": 2 * 24 * 3600},
        {"sub": ""},
        {"token_use": None},
    ],
    ids=["lives-two-days", "empty-sub", "no-token-use"],
)
def test_odd_tokens_are_refused_on_every_route(client, dev_issuer, claims):
    ttl = claims.pop("ttl", 3600)
    token_claims = dev_issuer.claims("ioc", ttl=ttl)
    token_claims.update(claims)
    token_claims = {k: v for k, v in token_claims.items() if v is not None}
    headers = {"Authorization": f"Bearer {dev_issuer.sign(token_claims)}", "Content-Type": "application/json"}
    report = stored_report(Status.ASSIGNED)
    for method, path in [
        ("get", "/v1/me/reports"),
        ("get", "/v1/inbox"),
        ("get", f"/v1/reports/{report.id}"),
        ("get", "/v1/reports"),
    ]:
        response = getattr(client.http, method)(path, headers=headers)
        if path == "/v1/reports":
            continue  # the public list never reads the token
        assert response.status_code == 401, (path, response.body)
    assert _post(client, "/v1/reports", headers, GOOD)[0] == 401
    assert _table_count() == 1
