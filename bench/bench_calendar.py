"""Benchmark of the working-day calendar: prints figures, never asserts.

Run from the repository root: ``python bench/bench_calendar.py``. Target: at least 50,000 deadline
computations (``add_working_days``) per second with a warm cache.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.calendar import WorkingCalendar

TARGET = 50_000
MIN_SECONDS = 1.0


def _starts(count: int, seed: int = 20250425) -> list[datetime]:
    rng = random.Random(seed)
    first = datetime(2024, 1, 1, tzinfo=UTC)
    span = int((datetime(2027, 12, 31, tzinfo=UTC) - first).total_seconds())
    return [first + timedelta(seconds=rng.randrange(span)) for _ in range(count)]


def bench_add_working_days() -> float:
    """Computations per second of add_working_days, random starts over 2024-2027, n in {1, 6}."""
    calendar = WorkingCalendar.default()
    starts = _starts(10_000)
    for start in starts:  # warm the per-year cache
        calendar.add_working_days(start, 6)
    calls = 0
    began = time.perf_counter()
    elapsed = 0.0
    while elapsed < MIN_SECONDS:
        for start in starts:
            calendar.add_working_days(start, 1)
            calendar.add_working_days(start, 6)
        calls += 2 * len(starts)
        elapsed = time.perf_counter() - began
    return calls / elapsed


def bench_cold_year() -> float:
    """Milliseconds to build one year's table (the first call that touches a year)."""
    years = range(2030, 2040)
    began = time.perf_counter()
    calendar = WorkingCalendar()
    for year in years:
        calendar.add_working_days(datetime(year, 6, 1, tzinfo=UTC), 1)
    return (time.perf_counter() - began) * 1000 / len(years)


def main() -> None:
    rate = bench_add_working_days()
    print(f"calendar: add_working_days {rate:,.0f} computations/s (target >= {TARGET:,})")
    print(f"calendar: first use of a year {bench_cold_year():.1f} ms (holidays package + table)")


if __name__ == "__main__":
    main()
