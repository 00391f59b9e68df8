"""Photos and videos on upload (issue 16), through the real S3 event handler on moto: the real type is read from
the bytes; impostors and bombs are refused and deleted with a reason the reporter reads in `media`; photos are
published only as derived images with no metadata left, upright, in three sizes; the original is evidence for the
unit and the IOC alone; a redelivered event derives nothing twice; deleting a test report leaves no object."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlparse

import exifread
import pytest
from PIL import Image

from tests import media_samples as samples
from tests.integration.factories import REPORTER_SUB, UNIT, stored_report

# What a clean derived JPEG may still say about itself: its JFIF header and how it was encoded.
HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression"}
LEAKS = [
    samples.SERIAL.encode(),
    samples.OWNER.encode(),
    samples.MAKER_NOTE,
    samples.XMP_MARKER.encode(),
    samples.IPTC_BYLINE,
    samples.COMMENT.encode(),
    b"Exif",
    b"8BIM",
    b"iPhone",
]


def _s3():
    import boto3

    from chalicelib.config import settings

    return boto3.client("s3", region_name=settings().region), settings().media_bucket


def _event(client, key: str, size: int) -> dict:
    from chalicelib.config import settings

    event = client.events.generate_s3_event(bucket=settings().media_bucket, key=key)
    event["Records"][0]["s3"]["object"]["size"] = size
    event["Records"][0]["awsRegion"] = settings().region
    return event


def _attach(client, tokens, report_id: str, data: bytes, content_type: str, sub: str = REPORTER_SUB) -> str:
    """Reserve a slot as the reporter, upload `data` to it (as the app's presigned POST would), let S3 tell."""
    headers = tokens("citizen", sub=sub) if sub == REPORTER_SUB else tokens("tech", sub=sub)
    body = json.dumps({"content_type": content_type, "size": len(data)})
    response = client.http.post(f"/v1/reports/{report_id}/attachments", headers=headers, body=body)
    assert response.status_code == 201, response.body
    key = json.loads(response.body)["key"]
    s3, bucket = _s3()
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
    client.lambda_.invoke("media_uploaded", _event(client, key, len(data)))
    return key


def _media(client, report_id: str, headers: dict | None = None) -> list[dict]:
    response = client.http.get(f"/v1/reports/{report_id}", headers=headers or {})
    assert response.status_code == 200, response.body
    return json.loads(response.body)["media"]


def _key_of(url: str) -> str:
    """The object key a presigned URL points at (virtual-hosted or path style)."""
    _, bucket = _s3()
    path = urlparse(url).path.lstrip("/")
    return path.removeprefix(f"{bucket}/")


def _object(key: str) -> bytes:
    s3, bucket = _s3()
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _exists(key: str) -> bool:
    s3, bucket = _s3()
    return s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) > 0


@pytest.fixture
def report(aws_env):
    return stored_report()


def _assert_clean(data: bytes) -> Image.Image:
    """No metadata at all: exifread finds no tag, Pillow no EXIF/XMP/ICC/comment, no APPn but JFIF, no COM."""
    assert exifread.process_file(io.BytesIO(data), details=True) == {}
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert set(image.info) <= HARMLESS_INFO, image.info.keys()
    assert dict(image.getexif()) == {}
    found = samples.markers(data)
    assert found[0] == 0xE0  # JFIF
    assert not [m for m in found if 0xE1 <= m <= 0xEF or m == 0xFE], [hex(m) for m in found]
    for leak in LEAKS:
        assert leak not in data, leak
    return image


def _check_sizes(item: dict, expected: dict[str, tuple[int, int]]) -> dict[str, Image.Image]:
    assert item["state"] == "ready" and item["reason"] is None
    assert set(item["sizes"]) == {"thumb", "page", "full"}
    images = {}
    for name, (width, height) in expected.items():
        size = item["sizes"][name]
        data = _object(_key_of(size["url"]))
        image = _assert_clean(data)
        assert image.size == (width, height) == (size["width"], size["height"]), name
        assert size["bytes"] == len(data)
        images[name] = image
    assert item["url"] == item["sizes"]["page"]["url"]
    return images


def test_a_phone_photo_is_published_upright_in_three_sizes_with_no_metadata_left(client, tokens, report):
    original = samples.phone_jpeg(2400, 1800, orientation=6)  # stored sideways: displayed 1800 x 2400
    tags = exifread.process_file(io.BytesIO(original), details=True)
    assert {"GPS GPSLatitude", "Image Orientation", "JPEGThumbnail", "EXIF BodySerialNumber"} <= set(tags)
    key = _attach(client, tokens, report.id, original, "image/jpeg")

    [item] = _media(client, report.id)
    assert item["kind"] == "photo" and item["content_type"] == "image/jpeg"
    images = _check_sizes(item, {"thumb": (240, 320), "page": (960, 1280), "full": (1536, 2048)})
    for image in images.values():  # stored top red / bottom blue, turned 90° clockwise for display
        rgb = image.convert("RGB")
        left, right = rgb.getpixel((4, rgb.height // 2)), rgb.getpixel((rgb.width - 5, rgb.height // 2))
        assert left[2] > 200 and left[0] < 60, left  # blue
        assert right[0] > 200 and right[2] < 60, right  # red
    assert key not in json.dumps(item)
    assert sum(s["bytes"] for s in (item["sizes"]["thumb"], item["sizes"]["page"])) < len(original)


def test_an_upright_photo_without_a_colour_profile_keeps_nothing_either(client, tokens, report):
    """Pillow carries a JPEG's comment from the decoded image into the one it saves unless told otherwise."""
    original = samples.phone_jpeg(1600, 1200, orientation=1, icc=False)
    assert samples.COMMENT in Image.open(io.BytesIO(original)).info["comment"].decode()
    _attach(client, tokens, report.id, original, "image/jpeg")

    [item] = _media(client, report.id)
    images = _check_sizes(item, {"thumb": (320, 240), "page": (1280, 960), "full": (1600, 1200)})
    top = images["full"].convert("RGB").getpixel((800, 10))
    assert top[0] > 200 and top[2] < 60  # red stays on top: orientation 1 means no turn


def test_an_iphone_heic_is_published_as_clean_jpegs(client, tokens, report):
    original = samples.heic(1600, 1200)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it does carry a GPS position
    _attach(client, tokens, report.id, original, "image/heic")

    [item] = _media(client, report.id)
    assert item["content_type"] == "image/heic"
    images = _check_sizes(item, {"thumb": (320, 240), "page": (1280, 960), "full": (1600, 1200)})
    assert images["full"].convert("RGB").getpixel((800, 600))[0] > 200  # orange, not garbage


def test_a_png_with_text_chunks_loses_them_and_its_transparency_becomes_white(client, tokens, report):
    original = samples.png_with_text(1000, 700)
    assert "Author" in Image.open(io.BytesIO(original)).info
    _attach(client, tokens, report.id, original, "image/png")

    [item] = _media(client, report.id)
    images = _check_sizes(item, {"thumb": (320, 224), "page": (1000, 700), "full": (1000, 700)})
    page = images["page"].convert("RGB")
    assert page.getpixel((900, 350)) == (255, 255, 255)  # transparent half on white
    assert page.getpixel((100, 350))[1] > 100  # the green half


@pytest.mark.parametrize(
    ("data", "declared", "code"),
    [
        (samples.html_impostor(), "image/jpeg", "not_photo_or_video"),
        (b"%PDF-1.7\n" + b"0" * 100, "image/png", "not_photo_or_video"),
        (b"GIF89a" + b"\x00" * 100, "image/webp", "not_photo_or_video"),
        (samples.png_bomb(), "image/png", "too_many_pixels"),
        (samples.phone_jpeg(200, 100)[:300], "image/jpeg", "unreadable"),  # cut off mid-way
        (samples.phone_jpeg(200, 100), "video/mp4", "type_mismatch"),
        (samples.iso_video(), "image/jpeg", "type_mismatch"),
    ],
)
def test_an_impostor_or_a_bomb_is_deleted_and_the_reporter_told_why(
    client, tokens, report, data, declared, code
):
    key = _attach(client, tokens, report.id, data, declared)

    assert not _exists(key)
    [item] = _media(client, report.id, tokens("citizen", sub=REPORTER_SUB))
    assert item["state"] == "rejected" and item["reason_code"] == code
    assert item["sizes"] is None and item["url"] is None and item["original"] is None
    assert "xoá" in item["reason"]  # Vietnamese, with its diacritics
    assert _media(client, report.id) == []  # nothing public
    ioc = _media(client, report.id, tokens("ioc"))
    assert ioc[0]["state"] == "rejected" and ioc[0]["original"] is None


@pytest.mark.parametrize(("brand", "declared"), [(b"mp42", "video/mp4"), (b"qt  ", "video/quicktime")])
def test_a_video_is_checked_and_kept_for_the_unit_and_the_ioc_only(client, tokens, report, brand, declared):
    data = samples.iso_video(brand)
    key = _attach(client, tokens, report.id, data, declared)

    assert _exists(key)
    assert _media(client, report.id) == []
    [mine] = _media(client, report.id, tokens("citizen", sub=REPORTER_SUB))
    assert mine["kind"] == "video" and mine["state"] == "ready" and mine["original"] is None
    for viewer in (tokens("officer", unit=UNIT), tokens("ioc")):
        [item] = _media(client, report.id, viewer)
        assert item["content_type"] == declared and _key_of(item["original"]["url"]) == key
        assert item["original"]["bytes"] == len(data)


def test_the_original_photo_is_for_the_unit_and_the_ioc_only_and_briefly(client, tokens, report):
    key = _attach(client, tokens, report.id, samples.phone_jpeg(800, 600), "image/jpeg")

    public = [
        client.http.get(f"/v1/reports/{report.id}").body,
        client.http.get(f"/v1/reports/{report.id}", headers=tokens("citizen", sub="someone-else")).body,
        client.http.get(f"/v1/reports/{report.id}", headers=tokens("officer", unit="03151")).body,
        client.http.get("/v1/reports").body,
    ]
    for body in public:
        assert key not in body.decode()
        answer = json.loads(body)
        media = answer["items"][0]["media"] if "items" in answer else answer["media"]
        assert [set(m) for m in media] == [
            {"id", "kind", "content_type", "state", "reason", "reason_code", "url", "sizes"}
        ]
        assert all(_key_of(s["url"]).startswith("derived/") for s in media[0]["sizes"].values())
    [mine] = _media(client, report.id, tokens("citizen", sub=REPORTER_SUB))
    assert mine["original"] is None and key not in json.dumps(mine)
    from chalicelib.api.media_views import public_photo_key
    from chalicelib.store.reports import ReportRepository

    # what anything public outside /v1 (Open311's media_url) is given: the page size, never the original
    assert public_photo_key(ReportRepository().get(report.id)) == _key_of(media[0]["sizes"]["page"]["url"])
    for viewer in (tokens("officer", unit=UNIT), tokens("ioc")):
        [item] = _media(client, report.id, viewer)
        url = item["original"]["url"]
        assert _key_of(url) == key
        assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == ["600"]  # minutes, not hours
    # technical staff test the system: an ordinary report's original (GPS of a home, perhaps) is not theirs
    [seen_by_tech] = _media(client, report.id, tokens("tech"))
    assert seen_by_tech.get("original") is None and key not in json.dumps(seen_by_tech)


def test_a_redelivered_event_derives_nothing_twice(client, tokens, report):
    from chalicelib.store.reports import ReportRepository

    data = samples.phone_jpeg(800, 600)
    key = _attach(client, tokens, report.id, data, "image/jpeg")
    [item] = _media(client, report.id)
    thumb = _key_of(item["sizes"]["thumb"]["url"])
    s3, bucket = _s3()
    s3.put_object(Bucket=bucket, Key=thumb, Body=b"marker: not derived again")
    version = ReportRepository().get(report.id).version

    client.lambda_.invoke("media_uploaded", _event(client, key, len(data)))
    client.lambda_.invoke("media_uploaded", _event(client, key, len(data)))

    assert _object(thumb) == b"marker: not derived again"
    assert ReportRepository().get(report.id).version == version
    [again] = _media(client, report.id)
    assert again["state"] == "ready"
    assert {n: (_key_of(v["url"]), v["bytes"]) for n, v in again["sizes"].items()} == {
        n: (_key_of(v["url"]), v["bytes"]) for n, v in item["sizes"].items()
    }


def test_a_derived_image_never_counts_as_an_upload(client, tokens, report):
    import app as app_module
    from chalicelib.store.reports import ReportRepository

    _attach(client, tokens, report.id, samples.phone_jpeg(800, 600), "image/jpeg")
    [item] = _media(client, report.id)
    derived = [_key_of(s["url"]) for s in item["sizes"].values()]
    [source] = [s for s in app_module.app.event_sources if getattr(s, "bucket", None)]
    assert source.prefix == "reports/"
    assert not any(k.startswith(source.prefix) for k in derived)  # S3 never sends their event at all
    before = ReportRepository().get(report.id)

    for k in derived:  # and were one delivered anyway, it would change nothing
        client.lambda_.invoke("media_uploaded", _event(client, k, 10))

    after = ReportRepository().get(report.id)
    assert after.version == before.version and after.media == before.media
    assert all(_exists(k) for k in derived)


def test_deleting_a_test_report_deletes_its_originals_and_derived_images(client, tokens):
    tech = tokens("tech", sub="tech-1")
    body = {
        "category": "moi-truong",
        "description": "Phản ánh thử nghiệm của cán bộ kỹ thuật.",
        "location": {"lat": 21.386, "lng": 103.017},
        "reporter": {"name": "Cán bộ kỹ thuật", "phone": "0912345678"},
        "is_test": True,
    }
    created = client.http.post("/v1/reports", headers=tech, body=json.dumps(body))
    assert created.status_code == 201, created.body
    report_id = json.loads(created.body)["id"]
    photo = _attach(client, tokens, report_id, samples.phone_jpeg(800, 600), "image/jpeg", sub="tech-1")
    video = _attach(client, tokens, report_id, samples.iso_video(), "video/mp4", sub="tech-1")
    derived = [_key_of(s["url"]) for s in _media(client, report_id, tech)[0]["sizes"].values()]
    assert all(_exists(k) for k in [photo, video, *derived])

    assert client.http.delete(f"/v1/reports/{report_id}", headers=tech).status_code == 204

    s3, bucket = _s3()
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []) if report_id in o["Key"]]
    assert left == []
