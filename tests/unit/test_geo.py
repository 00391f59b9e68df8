"""ProvinceOutline (pure Python) against shapely as the oracle."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from chalicelib.domain.geo import METRES_PER_DEGREE, PROVINCE_FILE, ProvinceOutline

PROVINCE = shape(json.loads(PROVINCE_FILE.read_text(encoding="utf-8"))["features"][0]["geometry"])
CENTROID = PROVINCE.centroid


def oracle_distance_m(lat: float, lng: float) -> float:
    """Shapely: 0 inside, else the distance to the outline in a local equirectangular frame."""
    if PROVINCE.covers(Point(lng, lat)):
        return 0.0
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
    local = shapely.transform(PROVINCE, lambda xy: (xy - [lng, lat]) * [kx, METRES_PER_DEGREE])
    return float(local.distance(Point(0.0, 0.0)))


def pushed_out(metres: float) -> Iterator[tuple[float, float, float]]:
    """(lat, lng, oracle distance) of outline vertices moved ``metres`` outward, away from the centroid."""
    coords = list(PROVINCE.exterior.coords)
    for lng, lat in coords[:: max(1, len(coords) // 200)]:
        kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
        dx, dy = (lng - CENTROID.x) * kx, (lat - CENTROID.y) * METRES_PER_DEGREE
        norm = math.hypot(dx, dy)
        p_lng = lng + metres * dx / norm / kx
        p_lat = lat + metres * dy / norm / METRES_PER_DEGREE
        yield p_lat, p_lng, oracle_distance_m(p_lat, p_lng)


def test_dien_bien_phu_centre_is_inside() -> None:
    outline = ProvinceOutline.default()
    assert outline.distance_outside_m(21.386, 103.017) == 0.0
    assert outline.contains(21.386, 103.017)
    assert outline.contains(21.386, 103.017, tolerance_m=0.0)


def test_ha_noi_is_far_outside() -> None:
    outline = ProvinceOutline.default()
    distance = outline.distance_outside_m(21.03, 105.85)
    assert distance > 100_000
    assert distance == pytest.approx(oracle_distance_m(21.03, 105.85), rel=1e-6)
    assert not outline.contains(21.03, 105.85)
    assert not outline.contains(21.03, 105.85, tolerance_m=50_000)


def test_about_500_m_outside_is_accepted_with_1_km_tolerance() -> None:
    outline = ProvinceOutline.default()
    points = [(lat, lng, d) for lat, lng, d in pushed_out(500.0) if 400.0 <= d <= 600.0]
    assert len(points) >= 5
    for lat, lng, expected in points:
        assert outline.distance_outside_m(lat, lng) == pytest.approx(expected, abs=0.5)
        assert outline.contains(lat, lng)  # default tolerance 1 km
        assert not outline.contains(lat, lng, tolerance_m=300.0)


def test_about_3_km_outside_is_refused() -> None:
    outline = ProvinceOutline.default()
    points = [(lat, lng, d) for lat, lng, d in pushed_out(3000.0) if d >= 2000.0]
    assert len(points) >= 5
    for lat, lng, expected in points:
        assert outline.distance_outside_m(lat, lng) == pytest.approx(expected, abs=0.5)
        assert not outline.contains(lat, lng)
        assert outline.contains(lat, lng, tolerance_m=expected + 10.0)


def test_hole_is_outside() -> None:
    """The dissolved outline has one ~40 m² sliver hole between three communes: outside, but within metres."""
    assert len(PROVINCE.interiors) == 1
    hole = shapely.Polygon(PROVINCE.interiors[0])
    inner = hole.point_on_surface()
    outline = ProvinceOutline.default()
    assert 0.0 < outline.distance_outside_m(inner.y, inner.x) < 10.0
    assert outline.contains(inner.y, inner.x)


def test_multipolygon_with_holes() -> None:
    geojson = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                [
                    [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]],
                    [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]],
                ],
                [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]],
            ],
        },
    }
    outline = ProvinceOutline.from_geojson(geojson)
    assert outline.distance_outside_m(0.2, 0.2) == 0.0
    assert outline.distance_outside_m(0.5, 2.5) == 0.0
    assert outline.distance_outside_m(0.5, 0.5) == pytest.approx(
        0.1 * METRES_PER_DEGREE * math.cos(math.radians(0.5))
    )
    assert outline.distance_outside_m(0.5, 1.5) == pytest.approx(
        0.5 * METRES_PER_DEGREE * math.cos(math.radians(0.5))
    )
    assert outline.bounds == (0.0, 0.0, 3.0, 1.0)


def test_invalid_coordinates_raise() -> None:
    outline = ProvinceOutline.default()
    with pytest.raises(ValueError):
        outline.contains(math.nan, 103.0)
    with pytest.raises(ValueError):
        outline.distance_outside_m(91.0, 103.0)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(min_value=20.7, max_value=22.75, allow_nan=False),
    lng=st.floats(min_value=101.95, max_value=103.8, allow_nan=False),
)
def test_agrees_with_shapely(lat: float, lng: float) -> None:
    expected = oracle_distance_m(lat, lng)
    got = ProvinceOutline.default().distance_outside_m(lat, lng)
    if PROVINCE.boundary.distance(Point(lng, lat)) < 1e-9:
        assert got < 1e-3  # on the outline itself
    else:
        assert got == pytest.approx(expected, abs=1e-3)


def test_http_path_modules_do_not_import_shapely() -> None:
    """geo, units and routing run in the HTTP functions: their import must not pull in shapely/numpy."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "import chalicelib.domain.geo, chalicelib.domain.units, chalicelib.domain.routing\n"
        "heavy = {'shapely', 'numpy', 'chalice', 'boto3', 'botocore', 'pynamodb'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
