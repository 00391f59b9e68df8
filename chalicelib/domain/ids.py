"""Report identifiers: ULIDs, opaque to clients and sortable by creation time (api.md)."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32


def new_id(now_ms: int | None = None) -> str:
    """A 26-character ULID: 48 bits of milliseconds since the epoch, then 80 random bits."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_valid_id(value: str) -> bool:
    """Whether a path parameter can be a report id at all (so junk never reaches the database)."""
    return len(value) == 26 and all(c in _ALPHABET for c in value) and value[0] in "01234567"
