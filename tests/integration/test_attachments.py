"""Attachment slots (api.md): the reporter gets a presigned S3 POST whose policy S3 itself enforces (type and size);
at most 10 per report; once S3 reports the upload, the report's `media` lists it.

moto enforces neither signatures nor policy conditions, so the limits are checked by reading the policy."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

MB = 1024 * 1024
BODY = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
    "location": {"lat": 21.386, "lng": 103.017},
}


@pytest.fixture
def report_id(client, tokens) -> str:
    response = client.http.post("/v1/reports", headers=tokens("citizen"), body=json.dumps(BODY))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["id"]


def _reserve(client, headers, report_id: str, **body):
    return client.http.post(f"/v1/reports/{report_id}/attachments", headers=headers, body=json.dumps(body))


def _slot(client, headers, report_id: str, content_type: str = "image/jpeg", size: int = 2 * MB) -> dict:
    response = _reserve(client, headers, report_id, content_type=content_type, size=size)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _policy(slot: dict) -> dict:
    return json.loads(base64.b64decode(slot["fields"]["policy"]))


def _conditions(slot: dict) -> tuple[dict[str, str], list]:
    exact: dict[str, str] = {}
    ranges = []
    for c in _policy(slot)["conditions"]:
        if isinstance(c, dict):
            exact.update(c)
        else:
            ranges.append(c)
    return exact, ranges


@pytest.mark.parametrize(
    ("content_type", "limit", "extension"),
    [
        ("image/jpeg", 15 * MB, "jpg"),
        ("image/png", 15 * MB, "png"),
        ("image/webp", 15 * MB, "webp"),
        ("image/heic", 15 * MB, "heic"),
        ("video/mp4", 100 * MB, "mp4"),
        ("video/quicktime", 100 * MB, "mov"),
    ],
)
def test_the_reporter_gets_a_presigned_post_limited_to_the_type_and_size(
    client, tokens, report_id, content_type, limit, extension
):
    from chalicelib.config import settings

    slot = _slot(client, tokens("citizen"), report_id, content_type, size=1000)

    assert slot["key"].startswith(f"reports/{report_id}/") and slot["key"].endswith(f".{extension}")
    assert slot["max_bytes"] == limit and slot["content_type"] == content_type
    assert slot["url"]
    assert slot["expires_at"].endswith("+07:00")  # api.md: answers in Vietnam time
    assert slot["fields"]["key"] == slot["key"]
    assert slot["fields"]["Content-Type"] == content_type
    exact, ranges = _conditions(slot)
    assert exact["Content-Type"] == content_type
    assert exact["key"] == slot["key"]
    assert exact["bucket"] == settings().media_bucket
    assert ["content-length-range", 1, limit] in ranges
    assert _policy(slot)["expiration"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content_type": "image/gif", "size": 1000}, "content_type"),
        ({"content_type": "application/pdf", "size": 1000}, "content_type"),
        ({"size": 1000}, "content_type"),
        ({"content_type": "image/jpeg"}, "size"),
        ({"content_type": "image/jpeg", "size": 0}, "size"),
        ({"content_type": "image/jpeg", "size": "1000"}, "size"),
        ({"content_type": "image/jpeg", "size": 15 * MB + 1}, "size"),
        ({"content_type": "video/mp4", "size": 100 * MB + 1}, "size"),
        ({"content_type": "image/jpeg", "size": 1000, "purpose": "selfie"}, "purpose"),
    ],
)
def test_an_unsupported_type_or_a_size_over_the_limit_is_a_400(client, tokens, report_id, body, field):
    response = _reserve(client, tokens("citizen"), report_id, **body)
    assert response.status_code == 400, response.body
    error = json.loads(response.body)["error"]
    assert error["details"][0]["field"] == field
    assert _media_slots(report_id) == 0


def test_exactly_the_limit_is_allowed(client, tokens, report_id):
    assert _slot(client, tokens("citizen"), report_id, "image/jpeg", size=15 * MB)["max_bytes"] == 15 * MB
    assert _slot(client, tokens("citizen"), report_id, "video/mp4", size=100 * MB)["max_bytes"] == 100 * MB


def _media_slots(report_id: str) -> int:
    from chalicelib.store.reports import ReportRepository

    report = ReportRepository().get(report_id)
    assert report is not None
    return len(report.media)


def test_the_eleventh_slot_is_a_409(client, tokens, report_id):
    headers = tokens("citizen")
    keys = {_slot(client, headers, report_id)["key"] for _ in range(10)}
    assert len(keys) == 10

    response = _reserve(client, headers, report_id, content_type="image/png", size=1000)
    assert response.status_code == 409
    error = json.loads(response.body)["error"]
    assert error["code"] == "attachment_limit"
    assert "10" in error["message"]
    assert _media_slots(report_id) == 10


@pytest.mark.parametrize(
    ("role", "unit", "sub", "purpose"),
    [
        ("citizen", None, "another-citizen", "report"),
        ("officer", "03127", None, "report"),
        ("officer", "03127", None, "answer"),  # not (yet) assigned to that unit
        ("ioc", None, None, "report"),
    ],
)
def test_only_the_reporter_may_attach(client, tokens, report_id, role, unit, sub, purpose):
    response = _reserve(
        client,
        tokens(role, unit=unit, sub=sub),
        report_id,
        content_type="image/jpeg",
        size=1000,
        purpose=purpose,
    )
    assert response.status_code in (403, 404), response.body
    assert "error" in json.loads(response.body)
    assert _media_slots(report_id) == 0


def _s3_event(client, key: str, size: int) -> dict:
    from chalicelib.config import settings

    event = client.events.generate_s3_event(bucket=settings().media_bucket, key=key)
    event["Records"][0]["s3"]["object"]["size"] = size
    event["Records"][0]["awsRegion"] = settings().region
    return event


def _upload(client, key: str, data: bytes) -> None:
    import boto3

    from chalicelib.config import settings

    s3 = boto3.client("s3", region_name=settings().region)
    s3.put_object(Bucket=settings().media_bucket, Key=key, Body=data, ContentType="image/jpeg")
    client.lambda_.invoke("media_uploaded", _s3_event(client, key, len(data)))


def test_after_the_upload_the_report_lists_the_media_for_everyone(client, tokens, report_id):
    from tests.media_samples import phone_jpeg

    headers = tokens("citizen")
    jpeg = phone_jpeg(400, 300)
    photo = _slot(client, headers, report_id, "image/jpeg", size=len(jpeg))
    never_uploaded = _slot(client, headers, report_id, "video/mp4", size=4)

    def media(viewer_headers) -> list[dict]:
        response = client.http.get(f"/v1/reports/{report_id}", headers=viewer_headers)
        assert response.status_code == 200
        return json.loads(response.body)["media"]

    assert media({}) == [] and media(headers) == []

    _upload(client, photo["key"], jpeg)
    _upload(client, photo["key"], jpeg)  # S3 may deliver the event twice

    slot_id = photo["key"].rsplit("/", 1)[-1].split(".")[0]
    for viewer in ({}, headers):
        listed = media(viewer)
        assert len(listed) == 1
        assert listed[0]["content_type"] == "image/jpeg" and listed[0]["state"] == "ready"
        assert listed[0]["id"] == slot_id and f"{slot_id}/page.jpg" in listed[0]["url"]
        # issue 16: what is listed is a derived image, never the uploaded original
        assert photo["key"] not in json.dumps(listed)
        assert never_uploaded["key"] not in json.dumps(listed)
    listed = json.loads(client.http.get("/v1/reports").body)["items"][0]["media"]
    assert [m["content_type"] for m in listed] == ["image/jpeg"]


@pytest.mark.parametrize(
    "key",
    [
        "reports/01JD0000000000000000000000/01JD0000000000000000000001.jpg",
        "reports/{report_id}/01JD0000000000000000000001.jpg",  # the report exists, the slot does not
        "reports/junk/x.jpg",
        "other/x.jpg",
    ],
)
def test_an_upload_event_for_an_unknown_key_changes_nothing(client, tokens, report_id, key):
    from chalicelib.domain.report import report_to_doc
    from chalicelib.store.reports import ReportRepository

    _slot(client, tokens("citizen"), report_id, "image/jpeg", size=1000)
    repo = ReportRepository()
    before = report_to_doc(repo.get(report_id))
    # no exception: S3 would retry forever
    client.lambda_.invoke("media_uploaded", _s3_event(client, key.format(report_id=report_id), 10))
    after = repo.get(report_id)
    assert report_to_doc(after) == before
    assert [m.uploaded for m in after.media] == [False]
    assert repo.get("01JD0000000000000000000000") is None


def test_a_retried_request_with_the_same_idempotency_key_gets_the_same_slot(client, tokens, report_id):
    headers = {**tokens("citizen"), "Idempotency-Key": "photo-1"}
    first = _reserve(client, headers, report_id, content_type="image/jpeg", size=1000)
    again = _reserve(client, headers, report_id, content_type="image/jpeg", size=1000)
    assert first.status_code == again.status_code == 201
    assert json.loads(again.body)["key"] == json.loads(first.body)["key"]
    assert json.loads(again.body)["expires_at"].endswith("+07:00")
    assert _media_slots(report_id) == 1
    other = _reserve(client, headers, report_id, content_type="video/mp4", size=1000)
    assert other.status_code == 409
    assert json.loads(other.body)["error"]["code"] == "idempotency_key_reused"


def test_uploads_that_race_each_other_are_all_listed(client, tokens, report_id):
    """A phone uploads its photos in parallel: the S3 events mark their slots at the same time. Each mark that
    loses the race to another is redone on the fresh report instead of failing."""
    from dataclasses import replace

    from chalicelib.services.reports import ReportService
    from chalicelib.store.reports import ReportRepository

    headers = tokens("citizen")
    first, second = (_slot(client, headers, report_id, "image/jpeg", size=4) for _ in range(2))

    class RacedRepository(ReportRepository):
        """Between this writer's read and its write, another upload's mark is saved (a real conflict)."""

        raced = False

        def save(self, report, extra_condition=None):
            if not self.raced:
                self.raced = True
                other = ReportRepository()
                fresh = other.get(report.id)
                marked = tuple(
                    replace(m, uploaded=True, size=4) if m.key == second["key"] else m for m in fresh.media
                )
                other.save(replace(fresh, media=marked))
            return super().save(report, extra_condition)

    repo = RacedRepository()
    ReportService(repo=repo).media_uploaded(first["key"], 4)

    assert repo.raced
    # Both marks survive; the reporter sees both attachments (processing: their bytes were never sent here).
    listed = json.loads(client.http.get(f"/v1/reports/{report_id}", headers=headers).body)["media"]
    assert sorted(m["id"] for m in listed) == sorted(
        slot["key"].rsplit("/", 1)[-1].split(".")[0] for slot in (first, second)
    )
    assert {m["state"] for m in listed} == {"processing"}


def test_slots_reserved_while_another_writer_changes_the_report_are_not_refused(client, tokens, report_id):
    from dataclasses import replace

    from chalicelib.domain.access import Actor
    from chalicelib.services.reports import ReportService
    from chalicelib.store.reports import ReportRepository

    class RacedRepository(ReportRepository):
        """Between this writer's read and its write, the report is changed by somebody else."""

        raced = False

        def save(self, report, extra_condition=None):
            if not self.raced:
                self.raced = True
                other = ReportRepository()
                fresh = other.get(report.id)
                other.save(replace(fresh, address="Tổ 6, phường Điện Biên Phủ"))
            return super().save(report, extra_condition)

    reporter = Actor(sub="dev-citizen-user", roles=frozenset({"citizen"}))
    repo = RacedRepository()
    _, media = ReportService(repo=repo).reserve_attachment(
        report_id, reporter, "image/png", 1000, "report", datetime.now(UTC)
    )
    assert repo.raced
    stored = ReportRepository().get(report_id)
    assert [m.key for m in stored.media] == [media.key]
    assert stored.address == "Tổ 6, phường Điện Biên Phủ"
