"""Units, category rules and categories loaded from chalicelib/data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.units import (
    BOUNDARIES_DIR,
    CategoryCatalog,
    Unit,
    UnitDataError,
    UnitRegistry,
)

COMMUNE_KINDS = {"ward", "commune"}
DISTRICT_KINDS = {"district", "city", "town"}


def _registry() -> UnitRegistry:
    return UnitRegistry.default()


def test_45_communes_valid_from_2025_07_01() -> None:
    valid = _registry().valid_on(date(2025, 7, 1))
    communes = [u for u in valid if u.kind in COMMUNE_KINDS]
    assert len(communes) == 45
    assert sum(u.kind == "ward" for u in communes) == 3
    assert sum(u.kind == "commune" for u in communes) == 42
    assert all(u.name == f"UBND {u.short_name}" for u in communes)
    assert all(u.short_name.startswith("Phường ") == (u.kind == "ward") for u in communes)
    assert not [u for u in valid if u.kind in DISTRICT_KINDS]


def test_10_districts_valid_before_the_reform() -> None:
    for day in (date(2020, 1, 1), date(2024, 4, 15), date(2025, 6, 30)):
        valid = _registry().valid_on(day)
        districts = [u for u in valid if u.kind in DISTRICT_KINDS]
        assert sorted(u.code for u in districts) == [f"{c:03d}" for c in range(94, 104)]
        assert not [u for u in valid if u.kind in COMMUNE_KINDS]
    registry = _registry()
    assert registry.get("094") is not None and registry.get("094").kind == "city"  # type: ignore[union-attr]
    assert registry.get("095").kind == "town"  # type: ignore[union-attr]
    assert registry.get("099").short_name == "Huyện Tuần Giáo"  # type: ignore[union-attr]


def test_no_unit_before_2020() -> None:
    assert _registry().valid_on(date(2019, 12, 31)) == []


def test_example_unit_fields() -> None:
    unit = _registry().get("03127")
    assert unit == Unit(
        code="03127",
        name="UBND Phường Điện Biên Phủ",
        short_name="Phường Điện Biên Phủ",
        kind="ward",
        valid_from=date(2025, 7, 1),
        valid_to=None,
        emails=("ubnd.03127@dienbien.example.vn",),
        webhook=None,
        boundary_file="communes-2025.geojson",
        boundary_code="03127",
    )
    assert unit.is_valid_on(date(2025, 7, 1))
    assert not unit.is_valid_on(date(2025, 6, 30))
    district = _registry().get("094")
    assert district is not None
    assert district.is_valid_on(date(2025, 6, 30)) and not district.is_valid_on(date(2025, 7, 1))


def test_ioc_is_the_fallback_and_always_valid() -> None:
    registry = _registry()
    ioc = registry.fallback
    assert ioc.code == "IOC"
    assert ioc.kind == "ioc"
    assert ioc.name == "Trung tâm Điều hành thông minh tỉnh Điện Biên (IOC)"
    assert ioc.emails == ("ioc@dienbien.example.vn",)
    assert ioc.boundary_file is None
    assert ioc in registry.valid_on(date(2021, 3, 1)) and ioc in registry.valid_on(date(2030, 1, 1))


def test_departments_have_no_boundary_and_no_default_rules() -> None:
    registry = _registry()
    departments = [u for u in registry.all() if u.kind == "department"]
    assert departments
    assert all(u.boundary_file is None for u in departments)
    assert registry.rules == ()
    assert registry.rule_for("giao-thong", date(2025, 8, 1)) is None


def test_all_emails_are_placeholders_and_no_webhooks_by_default() -> None:
    units = _registry().all()
    assert len(units) == 45 + 10 + 1 + len([u for u in units if u.kind == "department"])
    assert all(u.emails and all(e.endswith("@dienbien.example.vn") for e in u.emails) for u in units)
    assert all(u.webhook is None for u in units)


def test_every_boundary_refers_to_an_existing_feature() -> None:
    features: dict[str, set[str]] = {}
    for unit in _registry().all():
        if unit.boundary_file is None:
            assert unit.kind in {"ioc", "department"}
            continue
        assert unit.boundary_code is not None
        if unit.boundary_file not in features:
            data = json.loads((BOUNDARIES_DIR / unit.boundary_file).read_text(encoding="utf-8"))
            features[unit.boundary_file] = {str(f["properties"]["code"]) for f in data["features"]}
        assert unit.boundary_code in features[unit.boundary_file], unit.code
    assert set(features) == {"communes-2025.geojson", "districts-2020-2025-approx.geojson"}


def test_categories() -> None:
    catalog = CategoryCatalog.default()
    assert [(c.code, c.name) for c in catalog.all()] == [
        ("giao-thong", "Giao thông, đường sá"),
        ("moi-truong", "Môi trường, rác thải"),
        ("trat-tu-do-thi", "Trật tự đô thị, xây dựng"),
        ("dien-chieu-sang", "Điện, chiếu sáng công cộng"),
        ("cap-thoat-nuoc", "Cấp thoát nước"),
        ("dat-dai", "Đất đai"),
        ("an-ninh-trat-tu", "An ninh trật tự"),
        ("y-te", "Y tế"),
        ("giao-duc", "Giáo dục"),
        ("khac", "Khác"),
    ]
    assert catalog.get("y-te") is not None and catalog.get("y-te").name == "Y tế"  # type: ignore[union-attr]
    assert catalog.get("nope") is None


def test_defaults_are_cached() -> None:
    assert UnitRegistry.default() is UnitRegistry.default()
    assert CategoryCatalog.default() is CategoryCatalog.default()


# ---------------------------------------------------------------------------------------- rules, validation


def _data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "units": [
            {
                "code": "IOC",
                "name": "IOC",
                "kind": "ioc",
                "valid_from": "2020-01-01",
                "valid_to": None,
                "emails": ["ioc@dienbien.example.vn"],
                "webhook": None,
                "boundary": None,
            },
            {
                "code": "SO-XD",
                "name": "Sở Xây dựng tỉnh Điện Biên",
                "short_name": "Sở Xây dựng",
                "kind": "department",
                "valid_from": "2020-01-01",
                "valid_to": None,
                "emails": ["soxd@dienbien.example.vn"],
                "webhook": {"url": "https://hooks.example.vn/soxd", "secret_env": "WEBHOOK_SECRET_SO_XD"},
                "boundary": None,
            },
        ],
        "fallback": "IOC",
        "category_rules": [],
    }
    data.update(extra)
    return data


def test_rule_for_respects_validity() -> None:
    registry = UnitRegistry.from_dict(
        _data(
            category_rules=[
                {
                    "category": "giao-thong",
                    "unit": "SO-XD",
                    "valid_from": "2025-07-01",
                    "valid_to": "2025-12-31",
                }
            ]
        )
    )
    assert registry.rule_for("giao-thong", date(2025, 6, 30)) is None
    rule_unit = registry.rule_for("giao-thong", date(2025, 7, 1))
    assert rule_unit is not None and rule_unit.code == "SO-XD"
    assert registry.rule_for("giao-thong", date(2025, 12, 31)) is not None
    assert registry.rule_for("giao-thong", date(2026, 1, 1)) is None
    assert registry.rule_for("y-te", date(2025, 8, 1)) is None
    webhook = rule_unit.webhook
    assert webhook is not None and webhook.secret_env == "WEBHOOK_SECRET_SO_XD"
    assert rule_unit.name == "Sở Xây dựng tỉnh Điện Biên" and rule_unit.short_name == "Sở Xây dựng"


@pytest.mark.parametrize(
    "extra",
    [
        {"fallback": "NOPE"},
        {"category_rules": [{"category": "x", "unit": "NOPE", "valid_from": "2025-01-01"}]},
        {"category_rules": [{"category": "x", "unit": "IOC", "valid_from": "2025-13-01"}]},
        {"units": [{"code": "IOC", "name": "IOC", "kind": "spaceship", "valid_from": "2020-01-01"}]},
        {
            "units": [
                {
                    "code": "IOC",
                    "name": "IOC",
                    "kind": "ioc",
                    "valid_from": "2020-01-01",
                    "valid_to": "2019-01-01",
                }
            ]
        },
        {
            "units": [
                {
                    "code": "IOC",
                    "name": "IOC",
                    "kind": "ioc",
                    "valid_from": "2020-01-01",
                    "webhook": {"url": "https://x.example.vn", "secret_env": "the secret itself"},
                }
            ]
        },
        {"units": [{"code": "IOC", "name": "IOC", "kind": "ioc", "valid_from": "2020-01-01"}] * 2},
    ],
)
def test_malformed_data_is_rejected(extra: dict[str, Any]) -> None:
    with pytest.raises(UnitDataError):
        UnitRegistry.from_dict(_data(**extra))


def test_territorial_units_match_the_build_output() -> None:
    """Every unit tools/build_units.py derives from the boundary data is in units.json with the same
    period and boundary (names, e-mails, webhooks and extra departments may be edited by hand)."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("build_units", root / "tools" / "build_units.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    stored = {
        u["code"]: u for u in json.loads((root / "chalicelib/data/units.json").read_text("utf-8"))["units"]
    }
    keys = ("kind", "valid_from", "valid_to", "boundary")
    for unit in built["units"]:
        if unit["boundary"] is not None:
            assert {k: stored[unit["code"]][k] for k in keys} == {k: unit[k] for k in keys}
