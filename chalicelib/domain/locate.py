"""Find the handling unit whose territory contains a report's location (shapely).

This module imports shapely and numpy: import it lazily, only in the routing stream function — never in
the HTTP path (use ``chalicelib.domain.geo`` there).

How a point is placed, with the units valid on the report's day of receipt:
1. inside a unit's polygon → that unit (``method="polygon"``, certain);
2. inside none, but within ``tolerance_m`` (1 km) of one → the nearest unit, flagged uncertain with the
   distance: the data is simplified (≈ 50 m) and has hairline gaps between units, so such points are in
   the province or on its border and an operator should confirm (``method="nearest"``);
3. otherwise → the fallback unit (the IOC) with the distance to the nearest unit and a Vietnamese reason
   (``method="fallback"``).

Geometry and distances: the polygons are stored in a "scaled" plane ``(lon·c0, lat)`` with
``c0 = cos(φ0)`` at the middle latitude of the unit set, so one unit ≈ one degree of latitude in both
directions (containment is unchanged by this scaling).  The nearest unit is found in that plane; the
distance to it is then converted to metres with the local scale at the query point
(``x = R·cos(lat)·Δlon``, ``y = R·Δlat``).  Error: below 0.1 % within a few km, about 1 % at a few
hundred km; the choice between two units whose distances differ by less than ~0.6 % can go either way
(irrelevant for routing).

One STRtree of prepared polygon pieces (see ``_Index``) is built per distinct unit set (in practice two:
the 45 communes from 2025-07-01 and the 10 former districts before) and kept for the life of the
container (``Locator.default()`` is cached).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from chalicelib.domain.units import BOUNDARIES_DIR, Unit, UnitRegistry

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0
DEFAULT_TOLERANCE_M = 1000.0

METHOD_POLYGON = "polygon"
METHOD_NEAREST = "nearest"
METHOD_FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a point falls.

    ``distance_m``: 0.0 inside a polygon; metres to the nearest unit otherwise; None if not computed
    (invalid coordinates, no unit valid that day).  ``reason``: Vietnamese, for operators; None when the
    placement is certain.
    """

    unit_code: str
    method: str  # "polygon" | "nearest" | "fallback"
    uncertain: bool
    distance_m: float | None
    reason: str | None


def format_distance_vi(metres: float) -> str:
    """'300 m', '1 km', '1,5 km', '244,7 km' (Vietnamese decimal comma)."""
    if metres < 999.5:
        return f"{round(metres)} m"
    km = round(metres / 1000.0, 1)
    text = f"{km:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} km"


@cache
def _features(path: Path) -> dict[str, Any]:
    """code → shapely geometry (lon/lat) of a boundary file; loaded once per process."""
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {str(f["properties"]["code"]): shape(f["geometry"]) for f in data["features"]}


class _Index:
    """STRtree over the prepared, scaled polygons of one unit set, cut into grid pieces.

    Each unit polygon is cut along a square grid (``_CELL`` scaled units ≈ 11 km) into pieces.  The pieces
    have tight bounding boxes and few vertices, which makes both the containment query and the nearest-unit
    search (branch and bound on boxes) much faster than on the whole, ragged commune polygons.  A point is
    in a unit iff it is in one of its pieces; its distance to a unit is the minimum over the pieces.
    """

    __slots__ = ("c0", "codes", "names", "owner", "pieces", "tree")

    def __init__(self, units: Sequence[Unit], boundaries_dir: Path) -> None:
        raw = []
        for unit in units:
            assert unit.boundary_file is not None and unit.boundary_code is not None
            features = _features(boundaries_dir / unit.boundary_file)
            geometry = features.get(unit.boundary_code)
            if geometry is None:
                raise ValueError(
                    f"unit {unit.code}: no feature {unit.boundary_code!r} in {unit.boundary_file}"
                )
            raw.append(geometry)
        lonlat = np.array(raw, dtype=object)
        _, min_lat, _, max_lat = shapely.total_bounds(lonlat)
        self.c0: float = math.cos(math.radians((min_lat + max_lat) / 2.0))
        scale = np.array([self.c0, 1.0])
        scaled = shapely.transform(lonlat, lambda xy: xy * scale)

        pieces: list[Any] = []
        owner: list[int] = []
        for k, geometry in enumerate(scaled):
            parts = _cut(geometry, _CELL)
            pieces.extend(parts)
            owner.extend([k] * len(parts))
        self.pieces = np.array(pieces, dtype=object)
        self.owner = np.array(owner, dtype=np.int64)
        shapely.prepare(self.pieces)
        self.tree = shapely.STRtree(self.pieces)
        self.codes: tuple[str, ...] = tuple(u.code for u in units)
        self.names: tuple[str, ...] = tuple(u.short_name for u in units)


_CELL = 0.1  # grid step for cutting polygons, in scaled units (≈ 0.1° of latitude ≈ 11 km)


def _cut(geometry: Any, cell: float) -> list[Any]:
    """The polygonal pieces of ``geometry`` in the cells of a grid of step ``cell``.

    Neighbouring cells share exactly the same edge coordinates, so the pieces tile the polygon.
    """
    x0, y0, x1, y1 = geometry.bounds
    xe = math.floor(x0 / cell) * cell + cell * np.arange(math.ceil((x1 - x0) / cell) + 2)
    ye = math.floor(y0 / cell) * cell + cell * np.arange(math.ceil((y1 - y0) / cell) + 2)
    xe = xe[: int(np.searchsorted(xe, x1, side="right")) + 1]
    ye = ye[: int(np.searchsorted(ye, y1, side="right")) + 1]
    grid_x, grid_y = np.meshgrid(np.arange(len(xe) - 1), np.arange(len(ye) - 1))
    ix, iy = grid_x.ravel(), grid_y.ravel()
    boxes = shapely.box(xe[ix], ye[iy], xe[ix + 1], ye[iy + 1])
    boxes = boxes[shapely.intersects(geometry, boxes)]
    parts = shapely.get_parts(shapely.intersection(geometry, boxes))
    polygons = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]  # 3 = Polygon
    return list(polygons)


class Locator:
    """Places points in the units of a registry valid on a given day."""

    def __init__(
        self,
        registry: UnitRegistry,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        boundaries_dir: Path = BOUNDARIES_DIR,
    ) -> None:
        self._registry = registry
        self._tolerance_m = float(tolerance_m)
        self._boundaries_dir = boundaries_dir
        self._by_key: dict[tuple[tuple[str, str, str], ...], _Index] = {}
        self._by_day: dict[date, _Index | None] = {}

    @staticmethod
    @cache
    def default() -> Locator:
        """Locator over ``UnitRegistry.default()``; one per process: indexes are built once per container."""
        return Locator(UnitRegistry.default())

    @property
    def registry(self) -> UnitRegistry:
        return self._registry

    @property
    def tolerance_m(self) -> float:
        return self._tolerance_m

    # ------------------------------------------------------------------------------------------- indexes

    def prepare(self, at: date) -> None:
        """Build (if not built yet) the index of the unit set valid on ``at``."""
        self._index_for(at)

    def _index_for(self, at: date) -> _Index | None:
        try:
            return self._by_day[at]
        except KeyError:
            pass
        units = [u for u in self._registry.valid_on(at) if u.boundary_file and u.boundary_code]
        index: _Index | None = None
        if units:
            key = tuple(sorted((u.code, u.boundary_file or "", u.boundary_code or "") for u in units))
            index = self._by_key.get(key)
            if index is None:
                index = _Index(units, self._boundaries_dir)
                self._by_key[key] = index
        if len(self._by_day) < 10_000:
            self._by_day[at] = index
        return index

    # ------------------------------------------------------------------------------------------- queries

    def locate(self, lat: float, lng: float, at: date) -> Placement:
        """The unit for a point (WGS84 degrees) for a report received on day ``at`` (local date)."""
        if not _valid_coordinates(lat, lng):
            return self._fallback(None, "Tọa độ vị trí không hợp lệ")
        index = self._index_for(at)
        if index is None:
            return self._no_units(at)
        # Queries take a one-element array: shapely's scalar wrappers cost more than the GEOS work here.
        point = shapely.points(np.array(((lng * index.c0, lat),)))
        hits = index.tree.query(point, predicate="intersects")[1]
        if hits.size:
            # Several units only on a shared border: take the first unit in data order, deterministically.
            return Placement(index.codes[int(index.owner[hits].min())], METHOD_POLYGON, False, 0.0, None)
        return self._outside(index, point, lat)

    def locate_many(self, points: Iterable[tuple[float, float]], at: date) -> list[Placement]:
        """``locate`` for many ``(lat, lng)`` points of one day; containment is one vectorised query."""
        pts = list(points)
        if not pts:
            return []
        index = self._index_for(at)
        if index is None:
            return [self.locate(lat, lng, at) for lat, lng in pts]
        coords = np.array(pts, dtype=float).reshape(-1, 2)
        valid = (
            np.isfinite(coords).all(axis=1) & (np.abs(coords[:, 0]) <= 90.0) & (np.abs(coords[:, 1]) <= 180.0)
        )
        safe = np.where(valid[:, None], coords, 0.0)
        geoms = shapely.points(safe[:, 1] * index.c0, safe[:, 0])
        point_idx, tree_idx = index.tree.query(geoms, predicate="intersects")
        # For a point with several hits (a shared border), keep the smallest tree index, as ``locate`` does.
        no_hit = len(index.codes)
        first_hit = np.full(len(pts), no_hit, dtype=np.int64)
        np.minimum.at(first_hit, point_idx, index.owner[tree_idx])
        result: list[Placement] = []
        for i, (lat, _lng) in enumerate(pts):
            if not valid[i]:
                result.append(self._fallback(None, "Tọa độ vị trí không hợp lệ"))
            elif first_hit[i] < no_hit:
                result.append(Placement(index.codes[int(first_hit[i])], METHOD_POLYGON, False, 0.0, None))
            else:
                result.append(self._outside(index, geoms[i : i + 1], float(lat)))
        return result

    # ------------------------------------------------------------------------------------------- internals

    def _outside(self, index: _Index, point: Any, lat: float) -> Placement:
        """A point in no polygon: the nearest unit within the tolerance, else the fallback.

        ``point`` is a one-element array holding the point in the scaled plane.
        """
        tol = self._tolerance_m
        # Search radius in scaled units, widened so no unit within ``tol`` metres is missed in any direction
        # (1 scaled unit = METRES_PER_DEGREE·cos(lat)/c0 m east-west, METRES_PER_DEGREE m north-south).
        ratio = math.cos(math.radians(lat)) / index.c0
        radius = tol / (METRES_PER_DEGREE * min(1.0, ratio)) * 1.01
        near = index.tree.query_nearest(point, max_distance=radius, all_matches=False)[1]
        if near.size:
            piece = int(near[0])
            i = int(index.owner[piece])
            distance = self._metres(index, point, piece, ratio)
            if distance <= tol:
                name = index.names[i]
                reason = (
                    f"Vị trí không nằm trong ranh giới đơn vị hành chính nào, cách {name} khoảng "
                    f"{format_distance_vi(distance)}; tạm giao đơn vị gần nhất, cần xác nhận"
                )
                return Placement(index.codes[i], METHOD_NEAREST, True, distance, reason)
        piece = int(index.tree.query_nearest(point, all_matches=False)[1][0])
        i = int(index.owner[piece])
        distance = self._metres(index, point, piece, ratio)
        reason = (
            f"Vị trí nằm ngoài địa giới tỉnh Điện Biên hơn {format_distance_vi(tol)} "
            f"(cách {index.names[i]} khoảng {format_distance_vi(distance)})"
        )
        return self._fallback(distance, reason)

    @staticmethod
    def _metres(index: _Index, point: Any, piece: int, ratio: float) -> float:
        """Distance in metres from the scaled point to a piece, with the local scale at the point."""
        line = shapely.shortest_line(point, index.pieces[piece])
        (x1, y1), (x2, y2) = shapely.get_coordinates(line)
        dx = (x2 - x1) * ratio * METRES_PER_DEGREE
        dy = (y2 - y1) * METRES_PER_DEGREE
        return float(math.hypot(dx, dy))

    def _fallback(self, distance: float | None, reason: str) -> Placement:
        return Placement(self._registry.fallback.code, METHOD_FALLBACK, True, distance, reason)

    def _no_units(self, at: date) -> Placement:
        return self._fallback(
            None, f"Không có đơn vị hành chính nào có hiệu lực vào ngày {at.day:02d}/{at.month:02d}/{at.year}"
        )


def _valid_coordinates(lat: float, lng: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lng) and -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0
