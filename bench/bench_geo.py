"""Cost of the province-outline checks every submission makes (contains, distance outside), per call.
Prints figures only; never asserts (moved here from tests/unit/test_geo.py, issue 12).

Run from the repository root:  python bench/bench_geo.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.geo import ProvinceOutline


def main() -> None:
    outline = ProvinceOutline.default()
    points = [(20.8 + 0.02 * i, 102.0 + 0.019 * j) for i in range(90) for j in range(90)]
    outline.contains(*points[0])  # warm up (reads the outline)
    start = time.perf_counter()
    for lat, lng in points:
        outline.contains(lat, lng)
    contains_ms = (time.perf_counter() - start) / len(points) * 1000
    start = time.perf_counter()
    for lat, lng in points:
        outline.distance_outside_m(lat, lng)
    distance_ms = (time.perf_counter() - start) / len(points) * 1000
    print(f"province outline over a {len(points)}-point grid:")
    print(f"  contains            {contains_ms:.3f} ms per call")
    print(f"  distance_outside_m  {distance_ms:.3f} ms per call")


if __name__ == "__main__":
    main()
