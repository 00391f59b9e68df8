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
# Enough for every signature domain/media.py `sniff` knows (ftyp boxes with their compatible brands).
HEAD_BYTES = 64


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


def read_url(key: str, ttl_seconds: int = READ_TTL_SECONDS) -> str:
    return str(
        client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": settings().media_bucket, "Key": key}, ExpiresIn=ttl_seconds
        )
    )


# --- the upload handler's S3 operations (services/media.py) ---


class ObjectMissing(Exception):
    """The object is gone (deleted with its test report, or already refused)."""


def read_object(key: str, max_bytes: int | None = None) -> bytes:
    """The object's bytes; only its first `max_bytes` when given (a video is never read whole)."""
    s3 = client("s3")
    extra = {"Range": f"bytes=0-{max_bytes - 1}"} if max_bytes else {}
    try:
        response = s3.get_object(Bucket=settings().media_bucket, Key=key, **extra)
    except s3.exceptions.NoSuchKey as e:
        raise ObjectMissing(key) from e
    return bytes(response["Body"].read())


def put_derived(key: str, data: bytes, content_type: str) -> None:
    # A derived image never changes once written (its key names its slot and size): cache it for good.
    client("s3").put_object(
        Bucket=settings().media_bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        CacheControl="private, max-age=31536000, immutable",
    )


def delete_objects(keys: list[str]) -> None:
    """Delete these objects (deleting one that does not exist is not an error in S3)."""
    s3 = client("s3")
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
        chunk = keys[start : start + 1000]
        if chunk:
            s3.delete_objects(
                Bucket=settings().media_bucket,
                Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
            )


def delete_report_media(report_id: str) -> int:
    """Every object of a (test) report, originals and derived images alike, every version of each (the bucket
    is versioned: a plain delete would only hide them). Returns how many versions went."""
    from chalicelib.domain.media import report_prefixes

    s3 = client("s3")
    bucket = settings().media_bucket
    versions: list[dict[str, str]] = []
    for prefix in report_prefixes(report_id):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            versions += [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
    for i in range(0, len(versions), 1000):  # DeleteObjects takes at most 1,000 keys
        s3.delete_objects(Bucket=bucket, Delete={"Objects": versions[i : i + 1000], "Quiet": True})
    return len(versions)
