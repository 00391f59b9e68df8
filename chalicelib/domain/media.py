"""Photos and videos attached to a report (issue 16): what a file really is, the sizes derived from a photo, the
states an attachment goes through and what the reporter is told when one is refused.

Pure rules: the bytes are looked at here, never fetched (the service does that) and never decoded (chalicelib/
imaging.py does, with Pillow, only inside the S3 upload handler).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})

# The derived sizes, by the longest side in pixels: a list row, a report page, the full photo (issue 16).
# A photo smaller than a size is never enlarged: that size is the photo at its own dimensions.
SIZES: dict[str, int] = {"thumb": 320, "page": 1280, "full": 2048}

# More pixels than this is refused before anything is decoded: a decompression bomb (a few KB of PNG that
# decodes to gigabytes), or a photo no phone takes by default. 120 MP lets through the largest phone sensors'
# full-resolution mode (108 MP); decoding that many RGB pixels takes ~360 MB, within the function's budget.
MAX_PIXELS = 120_000_000

# Every derived image sits under this prefix, outside `reports/` (the prefix the upload event listens on), so
# writing one never looks like a new upload and never triggers processing again.
DERIVED_PREFIX = "derived/"
ORIGINAL_PREFIX = "reports/"
DERIVED_TYPE = "image/jpeg"


class MediaState(StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"


# What the reporter reads in the report's media list when a file is refused (and deleted).
REASONS: dict[str, str] = {
    "not_photo_or_video": (
        "Tệp không phải là ảnh (JPEG, PNG, WebP, HEIC) hoặc video (MP4, MOV) nên đã bị xoá. "
        "Vui lòng gửi lại ảnh hoặc video chụp tại hiện trường."
    ),
    "type_mismatch": (
        "Nội dung tệp không khớp với loại đã khai báo khi tải lên (ảnh hay video) nên đã bị xoá. "
        "Vui lòng tải lên lại đúng loại tệp."
    ),
    "too_many_pixels": (
        f"Ảnh quá lớn (hơn {MAX_PIXELS // 1_000_000} triệu điểm ảnh) nên đã bị xoá. "
        "Vui lòng gửi ảnh có độ phân giải thấp hơn."
    ),
    "unreadable": (
        "Không đọc được ảnh (tệp bị hỏng hoặc chưa tải lên hết) nên đã bị xoá. Vui lòng gửi lại ảnh."
    ),
    "too_large": "Tệp vượt quá dung lượng cho phép nên đã bị xoá.",
}

# ISO base media file format brands (the `ftyp` box), by what the file is.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})
_HEIF_GENERIC = frozenset({b"mif1", b"msf1"})
_MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"mmp4",
        b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"MSNV", b"dash",
    }
)  # fmt: skip
_MOV_BRANDS = frozenset({b"qt  "})


def _ftyp(head: bytes) -> tuple[bytes, set[bytes]] | None:
    """The major and compatible brands of an ISO BMFF file's leading `ftyp` box (MP4, MOV, HEIF)."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[0:4], "big")
    if size < 16:
        return None
    body = head[16 : min(size, len(head))]
    compatible = {body[i : i + 4] for i in range(0, len(body) - 3, 4)}
    return head[8:12], compatible


def sniff(head: bytes) -> str | None:
    """The real type of a file from its first bytes (at least 64 given), whatever type was declared:
    one of PHOTO_TYPES or VIDEO_TYPES, or None for anything else (HTML, PDF, GIF, an executable...)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[0:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    brands = _ftyp(head)
    if brands is None:
        return None
    major, compatible = brands
    if major in _HEIC_BRANDS or (major in _HEIF_GENERIC and compatible & _HEIC_BRANDS):
        return "image/heic"
    if major in _MOV_BRANDS:
        return "video/quicktime"
    if major in _MP4_BRANDS or compatible & _MP4_BRANDS:
        return "video/mp4"
    return None


def kind_of(content_type: str) -> str:
    """ "photo" or "video"."""
    return "video" if content_type in VIDEO_TYPES else "photo"


def fit(width: int, height: int, longest: int) -> tuple[int, int]:
    """Dimensions with the longest side at most `longest`, the aspect kept; never enlarged, never zero."""
    scale = longest / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def slot_of(original_key: str) -> tuple[str, str] | None:
    """(report id, slot id) of an original's key `reports/<report>/<slot>.<ext>`; None for any other key."""
    parts = original_key.split("/")
    if len(parts) != 3 or parts[0] + "/" != ORIGINAL_PREFIX or "." not in parts[2]:
        return None
    return parts[1], parts[2].split(".", 1)[0]


def derived_key(original_key: str, size: str) -> str:
    """Where a derived size of an original is stored: beside it, under a prefix of its own."""
    slot = slot_of(original_key)
    if slot is None:
        raise ValueError(f"not an original's key: {original_key}")
    report_id, slot_id = slot
    return f"{DERIVED_PREFIX}{report_id}/{slot_id}/{size}.jpg"


def report_prefixes(report_id: str) -> tuple[str, str]:
    """Every object of a report lies under one of these: its originals and their derived images."""
    return f"{ORIGINAL_PREFIX}{report_id}/", f"{DERIVED_PREFIX}{report_id}/"


@dataclass(frozen=True)
class Rendition:
    """One derived image of a photo: no metadata, orientation applied, re-encoded as JPEG."""

    size: str  # thumb | page | full
    key: str
    width: int
    height: int
    bytes: int
