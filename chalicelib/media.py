"""Photos and videos in S3: upload slots (presigned POST with size and type conditions) and read URLs."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.domain.report import VN_OFFSET

# api.md / issue: jpeg/png/webp/heic up to 15 MB, mp4/mov up to 100 MB.
MB = 1024 * 1024
LIMITS: dict[str, tuple[int, str]] = {
    "image/jpeg": (15 * MB, "jpg"),
    "image/png": (15 * MB, "png"),
    "image/webp": (15 * MB, "webp"),
    "image/heic": (15 * MB, "heic"),
    "video/mp4": (100 * MB, "mp4"),
    "video/quicktime": (100 * MB, "mov"),
}
UPLOAD_TTL = timedelta(minutes=30)
READ_TTL_SECONDS = 3600


def media_key(report_id: str, slot_id: str, content_type: str) -> str:
    return f"reports/{report_id}/{slot_id}.{LIMITS[content_type][1]}"


def report_id_from_key(key: str) -> str | None:
    parts = key.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "reports" else None


def upload_slot(key: str, content_type: str, max_bytes: int, now: datetime) -> dict[str, object]:
    """A presigned POST that S3 itself enforces: exact key, exact content type, size within the limit."""
    s3 = client("s3")
    post = s3.generate_presigned_post(
        Bucket=settings().media_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, max_bytes],
        ],
        ExpiresIn=int(UPLOAD_TTL.total_seconds()),
    )
    return {
        "url": post["url"],
        "fields": post["fields"],
        "expires_at": (now + UPLOAD_TTL).astimezone(VN_OFFSET),
    }


def read_url(key: str) -> str:
    return str(
        client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": settings().media_bucket, "Key": key}, ExpiresIn=READ_TTL_SECONDS
        )
    )
