"""The pure media rules (issue 16): a file's real type from its first bytes, the derived sizes, the keys."""

from __future__ import annotations

import struct

import pytest

from chalicelib.domain.media import (
    DERIVED_PREFIX,
    ORIGINAL_PREFIX,
    derived_key,
    fit,
    report_prefixes,
    slot_of,
    sniff,
)


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (struct.pack(">I", 4 + len(body)) + body).ljust(64, b"\x00")


@pytest.mark.parametrize(
    ("head", "real"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\xff\xd8\xff\xe1\x12\x34Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (_ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
        (_ftyp(b"mif1", b"mif1", b"heic", b"miaf"), "image/heic"),  # what pillow-heif and iPhones write
        (_ftyp(b"mp42", b"mp42", b"isom"), "video/mp4"),
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
        (_ftyp(b"3gp4", b"3gp4"), "video/mp4"),  # older Android phones
        (_ftyp(b"qt  ", b"qt  "), "video/quicktime"),  # iPhone video
        (_ftyp(b"avif", b"avif", b"mif1"), None),  # AVIF is not on the list
        (_ftyp(b"mif1", b"mif1", b"avif"), None),
        (b"<!DOCTYPE html><html>", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"%PDF-1.7", None),
        (b"MZ\x90\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"\x00\x00\x00\x08ftyp", None),  # a box too short to hold a brand
        (b"", None),
    ],
)
def test_the_real_type_comes_from_the_bytes(head, real):
    assert sniff(head) == real


@pytest.mark.parametrize(
    ("size", "longest", "expected"),
    [
        ((4000, 3000), 320, (320, 240)),
        ((3000, 4000), 1280, (960, 1280)),
        ((4032, 3024), 2048, (2048, 1536)),
        ((800, 600), 2048, (800, 600)),  # never enlarged
        ((2048, 10), 320, (320, 2)),
        ((20000, 1), 320, (320, 1)),  # never zero
    ],
)
def test_sizes_keep_the_aspect_and_never_enlarge(size, longest, expected):
    assert fit(*size, longest) == expected


def test_derived_keys_sit_beside_the_original_outside_the_upload_prefix():
    key = "reports/01JD0000000000000000000000/01JD0000000000000000000001.jpg"
    assert slot_of(key) == ("01JD0000000000000000000000", "01JD0000000000000000000001")
    derived = derived_key(key, "thumb")
    assert derived == "derived/01JD0000000000000000000000/01JD0000000000000000000001/thumb.jpg"
    assert not derived.startswith(ORIGINAL_PREFIX) and slot_of(derived) is None
    assert report_prefixes("01JD0000000000000000000000") == (
        "reports/01JD0000000000000000000000/",
        f"{DERIVED_PREFIX}01JD0000000000000000000000/",
    )
    with pytest.raises(ValueError):
        derived_key(derived, "page")


def test_the_http_api_never_loads_pillow():
    """Pillow and libheif are for the upload handler only: the API's cold start must not pay for them."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, app; from chalicelib.api import views, media_views; from chalicelib.services import media; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'pillow_heif')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
