"""A report's `media` as each caller may see it (issue 16).

- Anyone (public views, and so Open311): ready photos only, and only their derived images (no metadata).
- The reporter, the unit and the IOC: every uploaded attachment with its state, and why it was refused.
- The assigned unit's officers and the IOC (and tech staff, on test reports): also the original, by a link valid for minutes,
  as evidence. The reporter has the original on their phone; nobody else ever gets it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.access import Actor, sees_internals
from chalicelib.domain.media import REASONS, SIZES, MediaState, kind_of
from chalicelib.domain.report import Media, Report

# media_url(key) for a derived image; media_url(key, ttl_seconds) for an original.
MediaUrl = Callable[..., str]
# An original is evidence for the unit and the IOC only: its link lasts minutes, a derived image's an hour.
ORIGINAL_TTL_SECONDS = 600


def _sizes(m: Media, media_url: MediaUrl) -> dict[str, Any] | None:
    by_size = {r.size: r for r in m.renditions}
    if set(by_size) != set(SIZES):
        return None
    return {
        name: {"url": media_url(r.key), "width": r.width, "height": r.height, "bytes": r.bytes}
        for name, r in by_size.items()
    }


def _item(m: Media, media_url: MediaUrl) -> dict[str, Any]:
    content_type = m.real_type or m.content_type
    sizes = _sizes(m, media_url) if m.state == MediaState.READY else None
    rejected = m.state == MediaState.REJECTED
    return {
        "id": m.key.rsplit("/", 1)[-1].split(".", 1)[0],
        "kind": kind_of(content_type),
        "content_type": content_type,
        "state": m.state.value,
        "reason": REASONS.get(m.reason or "") if rejected else None,
        "reason_code": m.reason if rejected else None,
        "url": sizes["page"]["url"] if sizes else None,
        "sizes": sizes,
    }


def media_items(
    report: Report, viewer: Actor | None, private_ok: bool, media_url: MediaUrl
) -> list[dict[str, Any]]:
    """The `media` list of the report's view; `private_ok`: the viewer may see the report's private fields."""
    uploaded = [m for m in report.media if m.uploaded]
    if not private_ok:
        items = [_item(m, media_url) for m in uploaded if m.state == MediaState.READY]
        return [i for i in items if i["sizes"] is not None]
    originals = sees_internals(report, viewer)
    out = []
    for m in uploaded:
        item = _item(m, media_url)
        original = None
        if originals and m.state != MediaState.REJECTED:  # a refused file is deleted
            original = {
                "url": media_url(m.key, ORIGINAL_TTL_SECONDS),
                "content_type": m.real_type or m.content_type,
                "bytes": m.size,
            }
        out.append({**item, "original": original})
    return out


def public_photo_key(report: Report, size: str = "page") -> str | None:
    """The key of the report's first ready photo in `size`, for anything public (Open311's `media_url`)."""
    for m in report.media:
        if m.uploaded and m.state == MediaState.READY:
            key = next((r.key for r in m.renditions if r.size == size), None)
            if key is not None:
                return key
    return None
