"""Geohash cells for the nearby search (issue 15): which cells a circle touches, and distances on the ground.

A report is indexed under the geohash of its location at `CELL_PRECISION` characters. At precision 5 a cell is
about 4.9 km high and, at Điện Biên's latitudes (21-22.5° N), about 4.5 km wide: wider and higher than the
largest search radius (2 km). A circle of at most 2 km around any point therefore lies inside the 3 × 3 block
of cells around the point's own cell, so a search reads at most 9 cells: those of the block that the circle's
bounding box touches (often only 1 to 4).

Pure domain code: standard library only.
"""

from __future__ import annotations

import math
from typing import Final

BASE32: Final = "0123456789bcdefghjkmnpqrstuvwxyz"
CELL_PRECISION: Final = 5
EARTH_RADIUS_M: Final = 6_371_008.8
MAX_RADIUS_M: Final = 2000


def _bounds(precision: int) -> tuple[float, float]:
    """The size of a cell at `precision`, as (degrees of latitude, degrees of longitude)."""
    bits = precision * 5
    lng_bits = (bits + 1) // 2
    lat_bits = bits // 2
    return 180.0 / (1 << lat_bits), 360.0 / (1 << lng_bits)


def encode(lat: float, lng: float, precision: int = CELL_PRECISION) -> str:
    """The geohash of a point (longitude bits first, as in the original scheme)."""
    lat_lo, lat_hi, lng_lo, lng_hi = -90.0, 90.0, -180.0, 180.0
    out: list[str] = []
    bit, ch, even = 0, 0, True
    while len(out) < precision:
        if even:
            mid = (lng_lo + lng_hi) / 2
            if lng >= mid:
                ch, lng_lo = ch | (16 >> bit), mid
            else:
                lng_hi = mid
        else:
            mid = (lat_lo + lat_hi) / 2
            if lat >= mid:
                ch, lat_lo = ch | (16 >> bit), mid
            else:
                lat_hi = mid
        even = not even
        if bit < 4:
            bit += 1
        else:
            out.append(BASE32[ch])
            bit, ch = 0, 0
    return "".join(out)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def cells_for_circle(lat: float, lng: float, radius_m: float, precision: int = CELL_PRECISION) -> list[str]:
    """The cells that a circle's bounding box touches, the centre's own cell first; never more than 9 for a
    radius up to MAX_RADIUS_M (the block of 3 × 3 around the centre's cell)."""
    if radius_m < 0 or radius_m > MAX_RADIUS_M:
        raise ValueError(f"radius must be within 0..{MAX_RADIUS_M} m")
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 1e-6)
    cell_lat, cell_lng = _bounds(precision)
    out = [encode(lat, lng, precision)]
    for step_lat in (-1, 0, 1):
        for step_lng in (-1, 0, 1):
            # A neighbour is touched when the box reaches past the centre cell's edge on that side.
            lat_row = math.floor((lat + 90) / cell_lat)
            lng_col = math.floor((lng + 180) / cell_lng)
            lo_row = math.floor((lat - dlat + 90) / cell_lat)
            hi_row = math.floor((lat + dlat + 90) / cell_lat)
            lo_col = math.floor((lng - dlng + 180) / cell_lng)
            hi_col = math.floor((lng + dlng + 180) / cell_lng)
            row, col = lat_row + step_lat, lng_col + step_lng
            if not (lo_row <= row <= hi_row and lo_col <= col <= hi_col):
                continue
            centre_lat = (row + 0.5) * cell_lat - 90
            centre_lng = (col + 0.5) * cell_lng - 180
            cell = encode(centre_lat, centre_lng, precision)
            if cell not in out:
                out.append(cell)
    return out
