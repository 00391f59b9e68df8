"""Photos on the local stack (issue 16), as the app does it: reserve a slot, POST the file to the presigned URL
(multipart form, to the emulated S3), and watch the report's `media` go from processing to ready with its three
derived sizes, each a clean JPEG fetched through its own link; an impostor ends up rejected with a reason.
The local stack delivers S3's upload event itself (infra/local/devstack.py polls the `reports/` prefix)."""

from __future__ import annotations

import io
import urllib.request
import uuid
from typing import Any

import exifread
import pytest
from PIL import Image

from tests import media_samples as samples

pytestmark = pytest.mark.e2e

REPORT = {
    "category": "giao-thong",
    "description": "Ổ gà lớn giữa đường, xe máy đi qua rất nguy hiểm.",
    "location": {"lat": 21.386, "lng": 103.017},
}


def _post_form(url: str, fields: dict[str, str], data: bytes, content_type: str) -> int:
    """The browser/app side of a presigned POST: form fields first, the file last."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _upload(stack: Any, token: str, report_id: str, data: bytes, content_type: str) -> str:
    status, slot = stack.request(
        "POST",
        f"/v1/reports/{report_id}/attachments",
        {"content_type": content_type, "size": len(data)},
        token=token,
    )
    assert status == 201, slot
    assert _post_form(slot["url"], slot["fields"], data, content_type) in (200, 201, 204)
    return str(slot["key"]).rsplit("/", 1)[-1].split(".")[0]


def _item(stack: Any, token: str, report_id: str, slot_id: str, state: str) -> dict[str, Any] | None:
    media = stack.request("GET", f"/v1/reports/{report_id}", token=token)[1]["media"]
    found = [m for m in media if m["id"] == slot_id and m["state"] == state]
    return found[0] if found else None


def test_a_photo_uploaded_through_the_slot_gets_its_derived_sizes(live_stack):
    citizen = live_stack.token("citizen", sub="e2e-media-citizen")
    status, report = live_stack.request("POST", "/v1/reports", REPORT, token=citizen)
    assert status == 201, report
    photo = _upload(live_stack, citizen, report["id"], samples.phone_jpeg(1600, 1200), "image/jpeg")
    fake = _upload(live_stack, citizen, report["id"], samples.html_impostor(), "image/jpeg")

    item = live_stack.wait_for(lambda: _item(live_stack, citizen, report["id"], photo, "ready"), timeout=60)
    assert {n: (s["width"], s["height"]) for n, s in item["sizes"].items()} == {
        "thumb": (240, 320),
        "page": (960, 1280),
        "full": (1200, 1600),
    }
    for size in item["sizes"].values():
        with urllib.request.urlopen(size["url"], timeout=30) as response:
            data = response.read()
        assert len(data) == size["bytes"]
        assert Image.open(io.BytesIO(data)).size == (size["width"], size["height"])
        assert exifread.process_file(io.BytesIO(data)) == {} and samples.SERIAL.encode() not in data

    refused = live_stack.wait_for(
        lambda: _item(live_stack, citizen, report["id"], fake, "rejected"), timeout=60
    )
    assert refused["reason_code"] == "not_photo_or_video" and "xoá" in refused["reason"]
    public = live_stack.request("GET", f"/v1/reports/{report['id']}")[1]["media"]
    assert [m["id"] for m in public] == [photo]
