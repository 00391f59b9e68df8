"""The one clock (house style: time is an argument; services get a clock).

`now()` is the default of every `clock` parameter and the clock `chalicelib.wiring` gives the routes and the
services. It is UTC and rounded to the millisecond, because instants are stored to the millisecond
(`utc_text`): what is stored is what is answered, and an instant read back compares equal to the one written.
Services take a `clock` or an instant (a scheduled run's is its event's time) rather than reading the system
time themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def now() -> datetime:
    """Now in UTC, to the millisecond."""
    instant = datetime.now(UTC)
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


__all__ = ["Clock", "now"]
