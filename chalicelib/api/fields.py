"""Field types for request bodies: bounded instants and free text as a person types it (issue 12).

- Instants lie in years 2000-2100 (domain/instants.py): outside them the store cannot keep them readable.
- Free text is NFC-normalised (some keyboards send Vietnamese decomposed, NFD: "ạ" as "a" + U+0323), so that
  search, comparison and e-mails see one spelling. C0/C1 control characters (NUL, ESC, CR, ...) and bidi
  overrides (U+202E turns "gpj.exe" into "exe.jpg") are refused with a field error; long texts keep newline
  and tab. Zero-width characters do not count towards a minimum length: "Rác" plus ten U+200B is three
  characters, not thirteen. Lengths are counted after normalisation, so an NFD text is not refused as too long.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from chalicelib.domain.instants import MAX_YEAR, MIN_YEAR, InstantOutOfRange, in_range

_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_LONG = re.compile(f"[{_CONTROLS}{_BIDI}]")
_FORBIDDEN_SHORT = re.compile(f"[\t\n{_CONTROLS}{_BIDI}]")
# Zero width space/non-joiner/joiner, word joiner, BOM, left-to-right and right-to-left marks.
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")


def visible_length(text: str) -> int:
    """The characters a reader sees: zero-width ones and surrounding blanks left out."""
    return len(_ZERO_WIDTH.sub("", text).strip())


def clean_text(value: str, min_length: int, max_length: int, multiline: bool) -> str:
    """`value` in NFC, or a field error (pydantic's own error types, so the messages stay those of api.md)."""
    text = unicodedata.normalize("NFC", value)
    if (_FORBIDDEN_LONG if multiline else _FORBIDDEN_SHORT).search(text):
        raise PydanticCustomError("text_control", "control or bidi override character")
    if visible_length(text) < min_length:
        raise PydanticCustomError("string_too_short", "too short", {"min_length": min_length})
    if len(text) > max_length:
        raise PydanticCustomError("string_too_long", "too long", {"max_length": max_length})
    return text


def text_pattern(multiline: bool) -> str:
    """What the document promises is accepted: no control or bidi character, no zero-width one, and no blank
    at either end (blanks at the ends are trimmed, so a text of blanks alone would be too short)."""
    forbidden = "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\u200b-\\u200f\\u2060\\ufeff"
    if not multiline:
        forbidden += "\\t\\n"
    inner, edge = f"[^{forbidden}]", f"[^\\s{forbidden}]"
    return f"^({edge}({inner}*{edge})?)?$"


def _text_type(min_length: int, max_length: int, multiline: bool, description: str | None) -> Any:
    def check(value: str) -> str:
        return clean_text(value, min_length, max_length, multiline)

    # The bounds are checked by `check` (after NFC); the schema still shows them to clients.
    schema: dict[str, Any] = {"maxLength": max_length, "pattern": text_pattern(multiline)}
    if min_length:
        schema["minLength"] = min_length
    return Annotated[str, Field(description=description, json_schema_extra=schema), AfterValidator(check)]


def Line(min_length: int = 0, max_length: int = 300, description: str | None = None) -> Any:
    """A one-line text (a name, an address, a reason): no control character at all."""
    return _text_type(min_length, max_length, False, description)


def LongText(min_length: int = 0, max_length: int = 4000, description: str | None = None) -> Any:
    """A text of several lines (a description, an answer): newline and tab allowed."""
    return _text_type(min_length, max_length, True, description)


def _bounded(value: datetime) -> datetime:
    try:
        # The store keeps milliseconds: the answer to a write must already say what every later read says.
        return in_range(value).replace(microsecond=value.microsecond // 1000 * 1000)
    except (InstantOutOfRange, OverflowError):
        raise PydanticCustomError(
            "instant_range", "instant out of range", {"min_year": MIN_YEAR, "max_year": MAX_YEAR}
        ) from None


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_bounded),
    Field(
        json_schema_extra={
            "x-year-range": [MIN_YEAR, MAX_YEAR],
            "pattern": r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]"
            r"(:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-2]):00)$",
        }
    ),
]


def _whole(value: Any) -> Any:
    """A whole number written as 2.0 is the integer 2 (JSON does not tell them apart); 2.5 stays refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeNumber = Annotated[int, BeforeValidator(_whole)]


def Whole(**bounds: int) -> Any:
    """A whole number within `bounds` (ge, gt, le, lt), as the document states them."""
    return Annotated[int, Field(**bounds), BeforeValidator(_whole)]
