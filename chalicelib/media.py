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


def delete_report_media(report_id: str) -> int:
    """Delete every object of a (test) report, every version of it (the bucket is versioned: a plain delete
    would only hide them); returns how many versions went. Objects are listed by the report's own prefix."""
    s3 = client("s3")
    bucket = settings().media_bucket
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix=f"reports/{report_id}/"
    ):
        versions = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for i in range(0, len(versions), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": versions[i : i + 1000], "Quiet": True})
            deleted += len(versions[i : i + 1000])
    return deleted
