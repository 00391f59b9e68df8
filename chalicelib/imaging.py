"""Derived images of a photo, with Pillow (and pillow-heif for iPhone HEIC): orientation applied, every metadata
block dropped, re-encoded as JPEG in the sizes of domain/media.py.

Only the S3 upload handler imports this module (through services/media.py, inside the handler): Pillow and
libheif take tens of milliseconds and megabytes to load, which the HTTP API's cold start must not pay.

Why nothing survives: a photo's metadata lives in EXIF (GPS position, camera serial, owner's name, maker notes,
an embedded thumbnail that may show the uncropped photo), XMP, IPTC (APP13), ICC profiles, JPEG comments and
PNG text chunks. Pillow keeps some of these in `Image.info` and writes some back on save (a JPEG's comment, for
one), so the pixels are copied into an image with an empty `info` and saved with no metadata arguments; the
tests read every derived image back with Pillow and exifread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib.domain.media import MAX_PIXELS, SIZES, fit

# JPEG quality per size: a list thumbnail tolerates more compression than the photo an officer zooms into.
QUALITY = {"thumb": 75, "page": 80, "full": 85}


class PhotoRejected(Exception):
    """The bytes are not a photo this system accepts; `code` is a key of domain.media.REASONS."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DerivedImage:
    size: str
    data: bytes
    width: int
    height: int


@cache
def _pillow() -> Any:
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    # Pillow's own guard as a second line: it warns above this and raises above twice this.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")


def _open(data: bytes) -> Any:
    """Open without decoding, and refuse a bomb by its declared dimensions before any pixel is decoded."""
    image_module = _pillow()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            image = image_module.open(io.BytesIO(data), formats=FORMATS)
    except (image_module.DecompressionBombError, image_module.DecompressionBombWarning) as e:
        raise PhotoRejected("too_many_pixels") from e
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError... for a broken header
        raise PhotoRejected("unreadable") from e
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoRejected("too_many_pixels")
    return image


def _to_srgb(image: Any) -> Any:
    """Pixels in sRGB, then without the profile: a wide-gamut (Display P3) or CMYK photo keeps its colours
    although the ICC block, like every other metadata block, is dropped."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        from PIL import ImageCms

        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: plain conversion below
    return image


def _flatten(image: Any) -> Any:
    """RGB pixels; transparency (PNG, WebP) laid on white, as a JPEG has no alpha."""
    image_module = _pillow()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = image_module.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _decoded(data: bytes) -> Any:
    """The photo as displayed: decoded (JPEG at a reduced scale when it is far larger than the largest size,
    which saves most of the memory), turned upright by its EXIF orientation, in sRGB RGB, with empty info."""
    from PIL import ImageOps

    image = _open(data)
    try:
        largest = max(SIZES.values())
        if image.format == "JPEG":
            image.draft("RGB", fit(*image.size, largest))
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        pixels = _flatten(_to_srgb(upright))
    except PhotoRejected:
        raise
    except MemoryError:
        raise
    except Exception as e:  # truncated or corrupt pixel data
        raise PhotoRejected("unreadable") from e
    pixels.info.clear()
    return pixels


def derive(data: bytes) -> list[DerivedImage]:
    """Every size of domain.media.SIZES, largest first, each made from the next larger one (cheaper, and
    Lanczos from a close size looks the same). Raises PhotoRejected for what is not a usable photo."""
    image_module = _pillow()
    source = _decoded(data)
    out: list[DerivedImage] = []
    for size, longest in sorted(SIZES.items(), key=lambda item: -item[1]):
        width, height = fit(*source.size, longest)
        if (width, height) != source.size:
            source = source.resize((width, height), image_module.Resampling.LANCZOS, reducing_gap=3.0)
        source.info.clear()
        buffer = io.BytesIO()
        # No exif/icc_profile/xmp/comment arguments: the file carries pixels and a bare JFIF header only.
        source.save(buffer, "JPEG", quality=QUALITY[size], optimize=True, progressive=True)
        out.append(DerivedImage(size, buffer.getvalue(), width, height))
    return out
