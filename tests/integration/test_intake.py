"""Step 1 through the real handlers (moto): a citizen submits a report, reads it back, finds it in the public
list and in their own list; the list filters and the cursor; test reports; the daily quota."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

CITY_CENTRE = {"lat": 21.386, "lng": 103.017}  # Điện Biên Phủ
TUAN_GIAO = {"lat": 21.59, "lng": 103.42}
MUONG_LAY = {"lat": 22.04, "lng": 103.15}

PRIVATE_FIELDS = {"reporter", "hidden", "is_test", "routing", "history"}


def _body(**changes) -> dict:
    body = {
        "category": "moi-truong",
        "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
        "location": dict(CITY_CENTRE),
        "address": "Tổ 5, phường Điện Biên Phủ",
        "reporter": {"name": "Trần Thị Hoa", "phone": "0912 345 678", "email": "hoa.tran@example.vn"},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _submit(client, headers, **changes):
    return client.http.post("/v1/reports", headers=headers, body=json.dumps(_body(**changes)))


def _created(client, headers, **changes) -> dict:
    response = _submit(client, headers, **changes)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _get(client, path: str, headers=None) -> tuple[int, dict]:
    response = client.http.get(path, headers=headers or {})
    return response.status_code, json.loads(response.body)


def _ids(page: dict) -> list[str]:
    return [r["id"] for r in page["items"]]


def _stored_count() -> int:
    import boto3

    from chalicelib.config import settings

    ddb = boto3.client("dynamodb", region_name=settings().region)
    return ddb.scan(TableName=settings().reports_table, Select="COUNT")["Count"]  # tests may scan


# --- submit and read back ---


def test_a_submission_answers_201_with_the_report_and_its_private_fields_for_the_reporter(client, tokens):
    report = _created(client, tokens("citizen"))

    assert report["status"] == "received"
    assert report["status_label"] == "Đã tiếp nhận"
    assert report["category"] == {"code": "moi-truong", "name": "Môi trường, rác thải"}
    assert report["location"] == CITY_CENTRE
    assert report["address"] == "Tổ 5, phường Điện Biên Phủ"
    assert report["received_at"].endswith("+07:00")
    assert [e["type"] for e in report["timeline"]] == ["received"]
    assert report["timeline"][0]["text"] == "Hệ thống đã tiếp nhận phản ánh."
    assert report["media"] == [] and report["unit"] is None and report["overdue"] is False
    # the reporter sees their personal data (phone normalised) and the private fields; the e-mail is the
    # token's verified one, never the body's (issue 12: the body cannot redirect official e-mail)
    assert report["reporter"] == {
        "name": "Trần Thị Hoa",
        "phone": "0912345678",
        "email": "an.nguyen@example.vn",
    }
    assert report["is_test"] is False and report["hidden"] is None and report["routing"] is None
    assert [h["type"] for h in report["history"]] == ["received"]


def test_the_reporter_reads_it_back_and_the_public_sees_no_private_field(client, tokens):
    report = _created(client, tokens("citizen"))

    status, mine = _get(client, f"/v1/reports/{report['id']}", tokens("citizen"))
    assert status == 200
    # The submit answer alone adds the reports it may repeat (issue 15); the report itself is the same.
    assert report.pop("possible_duplicates") == []
    assert mine == report

    status, public = _get(client, f"/v1/reports/{report['id']}")
    assert status == 200
    assert PRIVATE_FIELDS.isdisjoint(public)
    assert "occurred_at" not in public
    assert "0912345678" not in json.dumps(public) and "Trần Thị Hoa" not in json.dumps(
        public, ensure_ascii=False
    )
    assert {k: v for k, v in report.items() if k in public} == public


def test_the_report_is_in_the_public_list_newest_first_and_in_my_reports(client, tokens):
    first = _created(client, tokens("citizen"))
    second = _created(client, tokens("citizen"), description="Đèn đường hỏng cả tuần nay, rất tối.")
    other = _created(client, tokens("citizen", sub="someone-else"))

    status, page = _get(client, "/v1/reports")
    assert status == 200
    assert _ids(page) == [other["id"], second["id"], first["id"]]
    assert page["next_cursor"] is None
    assert all(PRIVATE_FIELDS.isdisjoint(item) for item in page["items"])

    status, mine = _get(client, "/v1/me/reports", tokens("citizen"))
    assert status == 200
    assert _ids(mine) == [second["id"], first["id"]]
    assert mine["items"][0]["reporter"]["name"] == "Trần Thị Hoa"


def test_reporter_name_and_phone_come_from_the_token_when_the_body_has_none(client, tokens):
    report = _created(client, tokens("citizen"), reporter=None)
    assert report["reporter"] == {
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "email": "an.nguyen@example.vn",
    }


def test_without_a_phone_in_the_token_or_the_body_the_submission_is_refused(client, tokens):
    response = _submit(client, tokens("citizen", phone_number=None), reporter={"name": "Trần Thị Hoa"})
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["details"][0]["field"] == "reporter.phone"
    assert _stored_count() == 0


# --- filters and the cursor ---


@pytest.fixture
def three_reports(client, tokens) -> list[dict]:
    """Oldest first: city centre (moi-truong), Tuần Giáo (giao-thong), Mường Lay (moi-truong)."""
    return [
        _created(client, tokens("citizen"), location=CITY_CENTRE),
        _created(client, tokens("citizen"), location=TUAN_GIAO, category="giao-thong"),
        _created(client, tokens("citizen"), location=MUONG_LAY),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=moi-truong", [2, 0]),
        ("category=giao-thong", [1]),
        ("category=y-te", []),
        ("status=received", [2, 1, 0]),
        ("status=resolved", []),
        ("bbox=102.9,21.3,103.1,21.5", [0]),
        ("bbox=102.9,21.3,103.5,21.7", [1, 0]),
        ("bbox=103.0,21.9,103.3,22.1&category=moi-truong", [2]),
        ("unit=03127", []),  # nothing is routed yet (routing comes through the stream)
    ],
)
def test_public_list_filters(client, three_reports, query, expected):
    status, page = _get(client, f"/v1/reports?{query}&limit=100")
    assert status == 200, page
    assert _ids(page) == [three_reports[i]["id"] for i in expected]


def test_public_list_since_and_until_select_by_receipt_instant(client, three_reports):
    first, second, _ = (r["received_at"] for r in three_reports)

    status, page = _get(client, f"/v1/reports?since={quote(second)}")
    assert status == 200, page
    assert _ids(page) == [three_reports[2]["id"], three_reports[1]["id"]]

    status, page = _get(client, f"/v1/reports?until={quote(first)}")
    assert _ids(page) == [three_reports[0]["id"]]

    status, page = _get(client, f"/v1/reports?since={quote(second)}&until={quote(second)}")
    assert _ids(page) == [three_reports[1]["id"]]

    day = second[:10]  # a date alone is a whole day in Vietnam time
    status, page = _get(client, f"/v1/reports?since={day}&until={day}")
    assert status == 200, page
    assert set(_ids(page)) >= {three_reports[1]["id"]}


def test_public_list_pages_with_the_cursor(client, three_reports):
    status, page1 = _get(client, "/v1/reports?limit=1")
    assert status == 200 and len(page1["items"]) == 1 and page1["next_cursor"]
    status, page2 = _get(client, f"/v1/reports?limit=1&cursor={page1['next_cursor']}")
    assert status == 200 and len(page2["items"]) == 1
    assert _ids(page1) == [three_reports[2]["id"]]
    assert _ids(page2) == [three_reports[1]["id"]]
    status, rest = _get(client, f"/v1/reports?limit=5&cursor={page2['next_cursor']}")
    assert _ids(rest) == [three_reports[0]["id"]] and rest["next_cursor"] is None


def test_my_reports_pages_with_the_cursor(client, tokens, three_reports):
    status, page1 = _get(client, "/v1/me/reports?limit=1", tokens("citizen"))
    assert status == 200 and page1["next_cursor"]
    status, page2 = _get(client, f"/v1/me/reports?limit=1&cursor={page1['next_cursor']}", tokens("citizen"))
    assert status == 200
    assert _ids(page1) + _ids(page2) == [three_reports[2]["id"], three_reports[1]["id"]]


def _forged_cursor(key: dict) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "make_cursor",
    [
        pytest.param(lambda public, mine: mine, id="my-list-cursor-on-public-list"),
        pytest.param(lambda public, mine: "not-a-cursor!!", id="garbage"),
        pytest.param(lambda public, mine: "e30", id="empty-object"),
        pytest.param(lambda public, mine: _forged_cursor({"pub_pk": {"S": "PUB"}}), id="incomplete-key"),
        pytest.param(
            lambda public, mine: _forged_cursor(
                {"pub_pk": {"S": "PUB"}, "rcv_sk": {"N": "1"}, "report_id": {"S": "x"}}
            ),
            id="wrong-types",
        ),
    ],
)
def test_a_foreign_or_garbage_cursor_on_the_public_list_is_a_400(client, tokens, three_reports, make_cursor):
    _, public = _get(client, "/v1/reports?limit=1")
    _, mine = _get(client, "/v1/me/reports?limit=1", tokens("citizen"))
    status, body = _get(
        client, f"/v1/reports?limit=1&cursor={quote(make_cursor(public['next_cursor'], mine['next_cursor']))}"
    )
    assert status == 400, body
    assert body["error"]["details"][0]["field"] == "cursor"


def test_a_public_list_cursor_on_my_reports_is_a_400(client, tokens, three_reports):
    _, public = _get(client, "/v1/reports?limit=1")
    status, body = _get(client, f"/v1/me/reports?cursor={public['next_cursor']}", tokens("citizen"))
    assert status == 400
    assert body["error"]["details"][0]["field"] == "cursor"


def test_a_cursor_of_another_citizens_list_is_a_400(client, tokens, three_reports):
    _, mine = _get(client, "/v1/me/reports?limit=1", tokens("citizen"))
    status, body = _get(
        client, f"/v1/me/reports?cursor={mine['next_cursor']}", tokens("citizen", sub="other")
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=open", "status"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-12-01&until=2026-11-01", "until"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=103.1,21.3,102.9,21.5", "bbox"),
        ("bbox=nan,21.3,103.1,21.5", "bbox"),
        ("bbox=-inf,21.3,inf,21.5", "bbox"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, three_reports, query, field):
    status, body = _get(client, f"/v1/reports?{query}")
    assert status == 400, body
    assert body["error"]["details"][0]["field"] == field
    assert field in body["error"]["message"]


# --- test reports ---


def test_a_test_report_from_tech_is_never_in_the_public_list(client, tokens):
    real = _created(client, tokens("citizen"))
    test = _created(client, tokens("tech"), is_test=True)
    assert test["is_test"] is True

    _, page = _get(client, "/v1/reports")
    assert _ids(page) == [real["id"]]
    for query in ("category=moi-truong", "status=received", "bbox=102,21,104,22"):
        _, page = _get(client, f"/v1/reports?{query}")
        assert test["id"] not in _ids(page)
    assert _get(client, f"/v1/reports/{test['id']}")[0] == 404
    assert _get(client, f"/v1/reports/{test['id']}", tokens("citizen"))[0] == 404
    status, seen = _get(client, f"/v1/reports/{test['id']}", tokens("tech"))
    assert status == 200 and seen["is_test"] is True
    _, mine = _get(client, "/v1/me/reports", tokens("tech"))
    assert _ids(mine) == [test["id"]]


def test_is_test_from_a_citizen_is_a_403_and_nothing_is_stored(client, tokens):
    response = _submit(client, tokens("citizen"), is_test=True)
    assert response.status_code == 403
    error = json.loads(response.body)["error"]
    assert error["details"][0]["field"] == "is_test"
    assert _stored_count() == 0


@pytest.mark.parametrize("role", ["officer", "ioc"])
def test_staff_other_than_tech_cannot_submit(client, tokens, role):
    response = _submit(client, tokens(role, unit="03127" if role == "officer" else None))
    assert response.status_code == 403
    assert _stored_count() == 0


# --- the daily quota ---


def test_the_fourth_report_of_the_day_over_a_quota_of_three_is_a_429_and_nothing_is_stored(
    client, tokens, monkeypatch
):
    from chalicelib.config import settings

    # chalice.test.Client swaps in the "dev" stage's environment (STAGE=dev, DAILY_REPORT_QUOTA=20) for each
    # request, so the settings are read here, outside a request, and stay cached.
    monkeypatch.setenv("DAILY_REPORT_QUOTA", "3")
    settings.cache_clear()
    assert settings().daily_report_quota == 3
    for _ in range(3):
        _created(client, tokens("citizen"))

    response = _submit(client, tokens("citizen"))
    assert response.status_code == 429
    error = json.loads(response.body)["error"]
    assert error["code"] == "too_many_reports"
    assert "3" in error["message"]
    assert _stored_count() == 3
    _, mine = _get(client, "/v1/me/reports", tokens("citizen"))
    assert len(mine["items"]) == 3

    # the quota is per citizen: somebody else still may
    _created(client, tokens("citizen", sub="neighbour"))
    # and tech (test reports) is not counted
    _created(client, tokens("tech"), is_test=True)
    assert _stored_count() == 5
    settings.cache_clear()
