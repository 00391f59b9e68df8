"""Real photos and impostors, made in the tests (issue 16): a phone JPEG with every metadata block a phone or an
editor writes, a HEIC, a PNG with text chunks, an HTML page, a decompression bomb, MP4/MOV headers.

The EXIF block is written byte by byte (TIFF structure) because Pillow cannot write an embedded thumbnail (IFD1)
or a maker note; what it holds is exactly what a phone leaks: GPS position, make, model, serial number, owner.
"""

from __future__ import annotations

import io
import struct
import zlib

OWNER = "Nguyễn Văn An"
SERIAL = "SN-C39XK2LQ"
MAKER_NOTE = b"Apple iOS\x00secret-maker-note"
XMP_MARKER = "xmp-owner-marker"
IPTC_BYLINE = b"iptc-byline-marker"
COMMENT = "comment-owner-marker"

# TIFF field types
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7
_SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1}


def _ascii(text: str) -> tuple[int, int, bytes]:
    raw = text.encode("utf-8") + b"\x00"
    return ASCII, len(raw), raw


def _rationals(*pairs: tuple[int, int]) -> tuple[int, int, bytes]:
    return RATIONAL, len(pairs), b"".join(struct.pack("<II", n, d) for n, d in pairs)


def _ifd_size(entries: dict[int, tuple[int, int, bytes]]) -> int:
    data = sum(len(raw) + len(raw) % 2 for _, _, raw in entries.values() if len(raw) > 4)
    return 2 + 12 * len(entries) + 4 + data


def _ifd(entries: dict[int, tuple[int, int, bytes]], start: int, next_ifd: int) -> bytes:
    head = struct.pack("<H", len(entries))
    data = b""
    data_start = start + 2 + 12 * len(entries) + 4
    for tag in sorted(entries):
        kind, count, raw = entries[tag]
        if len(raw) <= 4:
            value = raw.ljust(4, b"\x00")
        else:
            value = struct.pack("<I", data_start + len(data))
            data += raw + (b"\x00" if len(raw) % 2 else b"")
        head += struct.pack("<HHI", tag, kind, count) + value
    return head + struct.pack("<I", next_ifd) + data


def exif_block(orientation: int, thumbnail: bytes) -> bytes:
    """APP1 payload: IFD0 (make, model, orientation, owner), Exif IFD (serial, maker note), GPS IFD (a
    position in Điện Biên Phủ), IFD1 with an embedded JPEG thumbnail."""
    pointer = (LONG, 1, b"\x00\x00\x00\x00")
    ifd0 = {
        0x010F: _ascii("Apple"),
        0x0110: _ascii("iPhone 15 Pro"),
        0x0112: (SHORT, 1, struct.pack("<H", orientation)),
        0x013B: _ascii(OWNER),
        0x8769: pointer,
        0x8825: pointer,
    }
    exif = {0x9003: _ascii("2026:11:28 07:30:00"), 0x927C: (UNDEFINED, len(MAKER_NOTE), MAKER_NOTE)}
    exif[0xA431] = _ascii(SERIAL)
    gps = {
        0x0000: (BYTE, 4, bytes([2, 3, 0, 0])),
        0x0001: _ascii("N"),
        0x0002: _rationals((21, 1), (23, 1), (1234, 100)),
        0x0003: _ascii("E"),
        0x0004: _rationals((103, 1), (1, 1), (200, 100)),
    }
    ifd1 = {0x0103: (SHORT, 1, struct.pack("<H", 6)), 0x0201: pointer, 0x0202: pointer}
    at0 = 8
    at_exif = at0 + _ifd_size(ifd0)
    at_gps = at_exif + _ifd_size(exif)
    at1 = at_gps + _ifd_size(gps)
    at_thumb = at1 + _ifd_size(ifd1)
    ifd0[0x8769] = (LONG, 1, struct.pack("<I", at_exif))
    ifd0[0x8825] = (LONG, 1, struct.pack("<I", at_gps))
    ifd1[0x0201] = (LONG, 1, struct.pack("<I", at_thumb))
    ifd1[0x0202] = (LONG, 1, struct.pack("<I", len(thumbnail)))
    tiff = (
        b"II*\x00"
        + struct.pack("<I", at0)
        + _ifd(ifd0, at0, at1)
        + _ifd(exif, at_exif, 0)
        + _ifd(gps, at_gps, 0)
        + _ifd(ifd1, at1, 0)
        + thumbnail
    )
    return b"Exif\x00\x00" + tiff


def _iptc_segment() -> bytes:
    """APP13 (Photoshop 3.0 / IPTC-IIM) with a by-line (2:80), as photo editors write it."""
    record = b"\x1c\x02\x50" + struct.pack(">H", len(IPTC_BYLINE)) + IPTC_BYLINE
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def two_colour(width: int, height: int, top: str = "red", bottom: str = "blue"):  # type: ignore[no-untyped-def]
    """Top half one colour, bottom half another: the orientation of a derived image can be read from it."""
    from PIL import Image

    image = Image.new("RGB", (width, height), bottom)
    image.paste(Image.new("RGB", (width, height // 2), top), (0, 0))
    return image


def phone_jpeg(width: int = 2400, height: int = 1800, orientation: int = 6, icc: bool = True) -> bytes:
    """A JPEG as a phone writes it (stored sideways, orientation tag), plus what editors add: EXIF with GPS,
    serial, owner and maker note, an embedded thumbnail, XMP, IPTC, an ICC profile and a comment."""
    from PIL import Image, ImageCms

    thumb = io.BytesIO()
    Image.new("RGB", (160, 120), "green").save(thumb, "JPEG")
    out = io.BytesIO()
    xmp = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{XMP_MARKER}"/>'
        f"</rdf:RDF></x:xmpmeta>"
    ).encode()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() if icc else None
    two_colour(width, height).save(
        out,
        "JPEG",
        quality=90,
        exif=exif_block(orientation, thumb.getvalue()),
        xmp=xmp,
        comment=COMMENT,
        icc_profile=profile,
    )
    data = out.getvalue()
    return data[:2] + _iptc_segment() + data[2:]


def heic(width: int = 1600, height: int = 1200) -> bytes:
    """An iPhone-style HEIC with EXIF (GPS, serial, owner), written by pillow-heif."""
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(out, "HEIF", quality=70, exif=exif_block(1, b""))
    return out.getvalue()


def png_with_text(width: int = 1000, height: int = 700) -> bytes:
    """A PNG with transparency, tEXt/iTXt chunks (author, comment, XMP) as editors and screenshots write."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", OWNER)
    info.add_text("Comment", COMMENT)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{XMP_MARKER}</x:xmpmeta>")
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (width // 2, height), (0, 128, 0, 255)), (0, 0))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def html_impostor() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert('xss')</script>Not a photo</body></html>"


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid PNG header declaring 1.6 billion pixels over a few hundred bytes of compressed zeros: decoding
    it would take about 4.8 GB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 16, 9)  # the first rows only; never decoded anyway
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def iso_video(brand: bytes = b"mp42") -> bytes:
    """The start of an MP4 (or, with brand b"qt  ", a MOV): an ftyp box, then media data."""
    ftyp = b"ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"isom"
    return struct.pack(">I", 4 + len(ftyp)) + ftyp + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8


def markers(jpeg: bytes) -> list[int]:
    """The JPEG segment markers before the image data (APPn, COM, DQT...)."""
    found = []
    i = 2
    while i + 4 <= len(jpeg) and jpeg[i] == 0xFF:
        marker = jpeg[i + 1]
        found.append(marker)
        if marker == 0xDA:  # start of scan: the entropy-coded data follows
            break
        i += 2 + struct.unpack(">H", jpeg[i + 2 : i + 4])[0]
    return found
