"""Throughput of Locator.locate over the 45 communes.  Prints figures only; never asserts.

Run from the repository root:  python bench/bench_locate.py
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.geo import ProvinceOutline
from chalicelib.domain.locate import Locator
from chalicelib.domain.units import UnitRegistry

DAY = date(2025, 8, 1)
MIN_SECONDS = 1.0
N_POINTS = 20_000


def main() -> None:
    locator = Locator(UnitRegistry.default())
    start = time.perf_counter()
    locator.prepare(DAY)  # includes reading the GeoJSON file
    build_ms = (time.perf_counter() - start) * 1000

    min_lng, min_lat, max_lng, max_lat = ProvinceOutline.default().bounds
    rng = random.Random(20250701)
    points = [(rng.uniform(min_lat, max_lat), rng.uniform(min_lng, max_lng)) for _ in range(N_POINTS)]

    locator.locate_many(points[:100], DAY)  # warm up
    counts: dict[str, int] = {}
    done = 0
    start = time.perf_counter()
    while True:
        for lat, lng in points:
            method = locator.locate(lat, lng, DAY).method
            counts[method] = counts.get(method, 0) + 1
        done += len(points)
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            break
    rate = done / elapsed

    start = time.perf_counter()
    batches = 0
    while True:
        locator.locate_many(points, DAY)
        batches += 1
        many_elapsed = time.perf_counter() - start
        if many_elapsed >= MIN_SECONDS:
            break
    many_rate = batches * len(points) / many_elapsed

    mix = ", ".join(f"{k} {v / done:.0%}" for k, v in sorted(counts.items()))
    print(f"index build (communes, incl. GeoJSON load): {build_ms:.1f} ms")
    print(f"locate: {rate:,.0f} points/s over 45 communes (target >= 20,000)")
    print(f"locate_many: {many_rate:,.0f} points/s over 45 communes")
    print(f"random points in the province bbox: {mix}")


if __name__ == "__main__":
    main()
