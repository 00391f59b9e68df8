"""Locator (shapely) and decide_unit."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pytest
import shapely
from shapely.geometry import Point, shape

from chalicelib.domain.locate import METRES_PER_DEGREE, Locator, Placement, format_distance_vi
from chalicelib.domain.routing import RoutingDecision, decide_unit
from chalicelib.domain.units import BOUNDARIES_DIR, UnitRegistry

AFTER = date(2025, 8, 1)
BEFORE = date(2024, 4, 15)


def _load(name: str) -> dict[str, Any]:
    data = json.loads((BOUNDARIES_DIR / name).read_text(encoding="utf-8"))
    return {str(f["properties"]["code"]): shape(f["geometry"]) for f in data["features"]}


COMMUNES = _load("communes-2025.geojson")
DISTRICTS = _load("districts-2020-2025-approx.geojson")
PROVINCE = next(iter(_load("province.geojson").values()))


def local_distance_m(geometry: Any, lat: float, lng: float) -> float:
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
    local = shapely.transform(geometry, lambda xy: (xy - [lng, lat]) * [kx, METRES_PER_DEGREE])
    return float(local.distance(Point(0.0, 0.0)))


@pytest.fixture(scope="module")
def locator() -> Locator:
    return Locator.default()


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [
        (21.386, 103.017, "03127"),  # Điện Biên Phủ centre → Phường Điện Biên Phủ
        (22.03, 103.15, "03151"),  # Mường Lay town → Phường Mường Lay
        (21.59, 103.42, "03253"),  # Tuần Giáo → Xã Tuần Giáo
        (22.18, 102.46, "03160"),  # Mường Nhé → Xã Mường Nhé
    ],
)
def test_known_places(locator: Locator, lat: float, lng: float, code: str) -> None:
    assert COMMUNES[code].contains(Point(lng, lat))  # the polygons agree with the expectation
    assert locator.locate(lat, lng, AFTER) == Placement(code, "polygon", False, 0.0, None)


def test_a_point_inside_each_of_the_45_communes(locator: Locator) -> None:
    assert len(COMMUNES) == 45
    for code, polygon in COMMUNES.items():
        p = polygon.point_on_surface()
        placement = locator.locate(p.y, p.x, AFTER)
        assert (placement.unit_code, placement.method, placement.uncertain) == (code, "polygon", False), code


def test_a_point_inside_each_former_district(locator: Locator) -> None:
    for code, polygon in DISTRICTS.items():
        p = polygon.point_on_surface()
        assert locator.locate(p.y, p.x, BEFORE).unit_code == code


def test_2024_report_goes_to_the_former_city(locator: Locator) -> None:
    placement = locator.locate(21.386, 103.017, BEFORE)
    assert placement == Placement("094", "polygon", False, 0.0, None)
    assert locator.locate(21.386, 103.017, date(2025, 6, 30)).unit_code == "094"
    assert locator.locate(21.386, 103.017, date(2025, 7, 1)).unit_code == "03127"


def _sliver_point(metres: float) -> tuple[float, float, float]:
    """A point ``metres`` outside the outline (a vertex pushed outward), with shapely's distance."""
    centroid = PROVINCE.centroid
    for lng, lat in PROVINCE.exterior.coords[::25]:
        kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
        dx, dy = (lng - centroid.x) * kx, (lat - centroid.y) * METRES_PER_DEGREE
        norm = math.hypot(dx, dy)
        p_lat = lat + metres * dy / norm / METRES_PER_DEGREE
        p_lng = lng + metres * dx / norm / kx
        if PROVINCE.contains(Point(p_lng, p_lat)):
            continue
        d = local_distance_m(PROVINCE, p_lat, p_lng)
        if abs(d - metres) <= 0.05 * metres:
            return p_lat, p_lng, d
    raise AssertionError("no suitable outline vertex")


def test_border_sliver_goes_to_the_nearest_unit(locator: Locator) -> None:
    lat, lng, expected = _sliver_point(300.0)
    nearest = min(COMMUNES, key=lambda code: local_distance_m(COMMUNES[code], lat, lng))
    placement = locator.locate(lat, lng, AFTER)
    assert placement.unit_code == nearest
    assert placement.method == "nearest"
    assert placement.uncertain
    assert placement.distance_m is not None
    assert placement.distance_m == pytest.approx(300.0, abs=50.0)
    assert placement.distance_m == pytest.approx(expected, rel=0.01)
    assert placement.reason is not None and "gần nhất" in placement.reason


def test_gap_between_communes_goes_to_the_nearest(locator: Locator) -> None:
    """The simplified communes leave hairline gaps; a point in one is placed, uncertain, within metres."""
    gaps = shapely.union_all(list(COMMUNES.values())).interiors
    inner = shapely.Polygon(max(gaps, key=lambda ring: shapely.Polygon(ring).area)).point_on_surface()
    placement = locator.locate(inner.y, inner.x, AFTER)
    assert placement.method == "nearest" and placement.uncertain
    assert placement.distance_m is not None and placement.distance_m < 20.0


def test_far_outside_falls_back_to_the_ioc(locator: Locator) -> None:
    placement = locator.locate(21.03, 105.85, AFTER)  # Hà Nội
    assert placement.unit_code == "IOC"
    assert placement.method == "fallback"
    assert placement.uncertain
    assert placement.distance_m is not None and placement.distance_m > 100_000
    assert placement.distance_m == pytest.approx(local_distance_m(PROVINCE, 21.03, 105.85), rel=0.001)
    assert placement.reason is not None
    assert placement.reason.startswith("Vị trí nằm ngoài địa giới tỉnh Điện Biên hơn 1 km")


def test_three_km_outside_falls_back(locator: Locator) -> None:
    lat, lng, expected = _sliver_point(3000.0)
    placement = locator.locate(lat, lng, AFTER)
    assert placement.method == "fallback" and placement.unit_code == "IOC"
    assert placement.distance_m == pytest.approx(expected, rel=0.01)


def test_no_units_or_bad_coordinates_fall_back(locator: Locator) -> None:
    before_2020 = locator.locate(21.386, 103.017, date(2019, 5, 1))
    assert (before_2020.unit_code, before_2020.method, before_2020.distance_m) == ("IOC", "fallback", None)
    assert before_2020.reason == "Không có đơn vị hành chính nào có hiệu lực vào ngày 01/05/2019"
    bad = locator.locate(math.nan, 103.0, AFTER)
    assert (bad.unit_code, bad.method, bad.reason) == ("IOC", "fallback", "Tọa độ vị trí không hợp lệ")


def test_locate_many_matches_locate(locator: Locator) -> None:
    points = [(20.85 + 0.05 * i, 102.1 + 0.05 * j) for i in range(36) for j in range(31)]
    points += [(21.386, 103.017), (math.nan, 1.0), (21.03, 105.85)]
    assert locator.locate_many(points, AFTER) == [locator.locate(lat, lng, AFTER) for lat, lng in points]
    assert locator.locate_many([], AFTER) == []


def test_one_index_per_unit_set(locator: Locator) -> None:
    locator.locate(21.386, 103.017, date(2025, 7, 2))
    locator.locate(21.386, 103.017, date(2026, 1, 1))
    locator.locate(21.386, 103.017, date(2021, 1, 1))
    assert len(locator._by_key) == 2  # communes and districts
    assert Locator.default() is locator


def test_format_distance_vi() -> None:
    assert format_distance_vi(299.6) == "300 m"
    assert format_distance_vi(1000.0) == "1 km"
    assert format_distance_vi(999.7) == "1 km"
    assert format_distance_vi(1500.0) == "1,5 km"
    assert format_distance_vi(244_690.4) == "244,7 km"


# ---------------------------------------------------------------------------------------- decide_unit


def _registry_with_rule() -> UnitRegistry:
    unit = {"valid_to": None, "emails": ["x@dienbien.example.vn"], "webhook": None, "boundary": None}
    return UnitRegistry.from_dict(
        {
            "units": [
                {**unit, "code": "IOC", "name": "IOC", "kind": "ioc", "valid_from": "2020-01-01"},
                {
                    **unit,
                    "code": "SO-XD",
                    "name": "Sở Xây dựng tỉnh Điện Biên",
                    "short_name": "Sở Xây dựng",
                    "kind": "department",
                    "valid_from": "2020-01-01",
                },
                {
                    **unit,
                    "code": "03127",
                    "name": "UBND Phường Điện Biên Phủ",
                    "kind": "ward",
                    "valid_from": "2025-07-01",
                },
            ],
            "fallback": "IOC",
            "category_rules": [
                {
                    "category": "giao-thong",
                    "unit": "SO-XD",
                    "valid_from": "2025-07-01",
                    "valid_to": None,
                    "note": "x",
                }
            ],
        }
    )


def test_category_rule_wins_over_location() -> None:
    registry = _registry_with_rule()
    placement = Placement("03127", "polygon", False, 0.0, None)
    decision = decide_unit(placement, "giao-thong", AFTER, registry)
    assert decision.unit_code == "SO-XD"
    assert decision.method == "category_rule"
    assert not decision.uncertain
    assert decision.reason is not None and "Sở Xây dựng" in decision.reason
    # the nearest-unit doubt is irrelevant for a province-wide department
    nearest = Placement("03127", "nearest", True, 120.0, "…")
    assert not decide_unit(nearest, "giao-thong", AFTER, registry).uncertain


def test_no_rule_keeps_the_placement() -> None:
    registry = _registry_with_rule()
    placement = Placement("03127", "nearest", True, 250.0, "gần nhất")
    assert decide_unit(placement, "y-te", AFTER, registry) == RoutingDecision(
        "03127", "nearest", True, 250.0, "gần nhất"
    )
    # the rule is not valid yet in 2024
    assert decide_unit(placement, "giao-thong", BEFORE, registry).unit_code == "03127"


def test_rule_outside_the_province_stays_uncertain() -> None:
    registry = _registry_with_rule()
    placement = Placement(
        "IOC", "fallback", True, 244_690.0, "Vị trí nằm ngoài địa giới tỉnh Điện Biên hơn 1 km"
    )
    decision = decide_unit(placement, "giao-thong", AFTER, registry)
    assert (decision.unit_code, decision.method, decision.uncertain) == ("SO-XD", "category_rule", True)
    assert decision.reason is not None and "ngoài địa giới" in decision.reason
