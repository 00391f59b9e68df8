"""`Idempotency-Key` on POST /v1/reports (api.md): a retry with the same key and body returns the first answer and
stores nothing new; the same key with another body is a 409; keys are scoped to the caller."""

from __future__ import annotations

import json

BODY = {
    "category": "giao-thong",
    "description": "Ổ gà lớn giữa đường Võ Nguyên Giáp, nguy hiểm cho xe máy.",
    "location": {"lat": 21.386, "lng": 103.017},
}


def _post(client, headers, key: str | None, body: dict = BODY):
    extra = {"Idempotency-Key": key} if key else {}
    return client.http.post("/v1/reports", headers={**headers, **extra}, body=json.dumps(body))


def _report_count() -> int:
    import boto3

    from chalicelib.config import settings

    ddb = boto3.client("dynamodb", region_name=settings().region)
    return ddb.scan(TableName=settings().reports_table, Select="COUNT")["Count"]  # tests may scan


def _my_ids(client, headers) -> list[str]:
    return [r["id"] for r in json.loads(client.http.get("/v1/me/reports", headers=headers).body)["items"]]


def test_a_retry_with_the_same_key_and_body_returns_the_first_answer_and_stores_nothing_new(client, tokens):
    headers = tokens("citizen")
    first = _post(client, headers, "8c1f4d2e-retry")
    assert first.status_code == 201, first.body

    again = _post(client, headers, "8c1f4d2e-retry")
    assert again.status_code == 201
    assert json.loads(again.body) == json.loads(first.body)
    assert _report_count() == 1
    assert _my_ids(client, headers) == [json.loads(first.body)["id"]]


def test_the_retry_is_not_counted_against_the_daily_quota(client, tokens, monkeypatch):
    from chalicelib.config import settings

    monkeypatch.setenv("DAILY_REPORT_QUOTA", "1")
    settings.cache_clear()
    assert settings().daily_report_quota == 1  # read outside a request (chalice.test.Client swaps the env)
    headers = tokens("citizen")
    assert _post(client, headers, "only-one").status_code == 201
    assert _post(client, headers, "only-one").status_code == 201
    assert _post(client, headers, "a-second-one").status_code == 429
    assert _report_count() == 1


def test_the_same_key_with_another_body_is_a_409_and_stores_nothing(client, tokens):
    headers = tokens("citizen")
    assert _post(client, headers, "same-key").status_code == 201

    other = _post(
        client, headers, "same-key", {**BODY, "description": "Một nội dung khác hẳn, về đèn đường."}
    )
    assert other.status_code == 409
    error = json.loads(other.body)["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["message"]
    assert _report_count() == 1


def test_two_citizens_with_the_same_key_do_not_collide(client, tokens):
    alice, bob = tokens("citizen", sub="alice"), tokens("citizen", sub="bob")
    a = _post(client, alice, "shared-key")
    b = _post(client, bob, "shared-key")
    assert a.status_code == b.status_code == 201
    a_report, b_report = json.loads(a.body), json.loads(b.body)
    assert a_report["id"] != b_report["id"]
    assert _report_count() == 2
    assert _my_ids(client, alice) == [a_report["id"]]
    assert _my_ids(client, bob) == [b_report["id"]]
    # the retry of each still answers each their own report
    assert json.loads(_post(client, bob, "shared-key").body)["id"] == b_report["id"]


def test_without_a_key_each_post_is_a_new_report(client, tokens):
    headers = tokens("citizen")
    first, second = _post(client, headers, None), _post(client, headers, None)
    assert first.status_code == second.status_code == 201
    assert json.loads(first.body)["id"] != json.loads(second.body)["id"]
    assert _report_count() == 2


def test_a_key_longer_than_200_characters_is_a_400(client, tokens):
    response = _post(client, tokens("citizen"), "k" * 201)
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["code"] == "invalid_idempotency_key"
    assert _report_count() == 0


def test_a_refused_submission_does_not_use_up_the_key(client, tokens):
    headers = tokens("citizen")
    outside = {**BODY, "location": {"lat": 21.03, "lng": 105.85}}
    assert _post(client, headers, "fix-and-retry", outside).status_code == 422
    response = _post(client, headers, "fix-and-retry")
    assert response.status_code == 201, response.body
    assert _report_count() == 1
