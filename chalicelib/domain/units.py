"""Handling units, category rules and report categories, loaded from data (never from code).

The data lives in ``chalicelib/data/units.json`` and ``chalicelib/data/categories.json``; see the
``_comment`` key of units.json for the format.  Loading is plain ``json`` (no geometry): this module is
used in the HTTP path.

Validity dates are calendar days in local time (Asia/Ho_Chi_Minh); ``valid_to`` is inclusive and ``None``
means "still valid".  A report is routed with the units valid on its day of receipt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
UNITS_FILE = DATA_DIR / "units.json"
CATEGORIES_FILE = DATA_DIR / "categories.json"
BOUNDARIES_DIR = DATA_DIR / "boundaries"

UNIT_KINDS = frozenset({"ward", "commune", "district", "city", "town", "ioc", "department"})
# Kinds that are local governments with a territory (they receive reports by location).
TERRITORIAL_KINDS = frozenset({"ward", "commune", "district", "city", "town"})

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class UnitDataError(ValueError):
    """The units or categories data file is malformed."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where to POST a unit's notifications.

    ``secret_env`` is the name of the environment variable / parameter holding the signing secret.
    """

    url: str
    secret_env: str


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    short_name: str
    kind: str
    valid_from: date
    valid_to: date | None
    emails: tuple[str, ...]
    webhook: Webhook | None
    boundary_file: str | None
    boundary_code: str | None

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Every report of ``category`` received while the rule is valid goes to ``unit``, whatever the place."""

    category: str
    unit: str
    valid_from: date
    valid_to: date | None = None
    note: str | None = None

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str


# --------------------------------------------------------------------------------------------------- parsing


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UnitDataError(f"{where}: '{key}' must be a non-empty string")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UnitDataError(f"{where}: '{key}' must be a non-empty string or null")
    return value


def _date(obj: Mapping[str, Any], key: str, where: str) -> date:
    value = _str(obj, key, where)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UnitDataError(f"{where}: '{key}' is not an ISO date: {value!r}") from exc


def _opt_date(obj: Mapping[str, Any], key: str, where: str) -> date | None:
    if obj.get(key) is None:
        return None
    return _date(obj, key, where)


def _check_period(valid_from: date, valid_to: date | None, where: str) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise UnitDataError(f"{where}: valid_to {valid_to} is before valid_from {valid_from}")


def _parse_unit(raw: Any, index: int) -> Unit:
    where = f"units[{index}]"
    if not isinstance(raw, Mapping):
        raise UnitDataError(f"{where}: must be an object")
    code = _str(raw, "code", where)
    where = f"unit {code}"
    kind = _str(raw, "kind", where)
    if kind not in UNIT_KINDS:
        raise UnitDataError(f"{where}: unknown kind {kind!r}")
    valid_from = _date(raw, "valid_from", where)
    valid_to = _opt_date(raw, "valid_to", where)
    _check_period(valid_from, valid_to, where)

    emails_raw = raw.get("emails", [])
    if not isinstance(emails_raw, list) or not all(isinstance(e, str) and "@" in e for e in emails_raw):
        raise UnitDataError(f"{where}: 'emails' must be a list of e-mail addresses")

    webhook: Webhook | None = None
    wh = raw.get("webhook")
    if wh is not None:
        if not isinstance(wh, Mapping):
            raise UnitDataError(f"{where}: 'webhook' must be an object or null")
        url = _str(wh, "url", f"{where} webhook")
        if not url.startswith("https://"):
            raise UnitDataError(f"{where}: webhook url must use https")
        secret_env = _str(wh, "secret_env", f"{where} webhook")
        if not _ENV_NAME.match(secret_env):
            raise UnitDataError(f"{where}: webhook secret_env must be an environment variable name")
        webhook = Webhook(url=url, secret_env=secret_env)

    boundary_file: str | None = None
    boundary_code: str | None = None
    boundary = raw.get("boundary")
    if boundary is not None:
        if not isinstance(boundary, Mapping):
            raise UnitDataError(f"{where}: 'boundary' must be an object or null")
        boundary_file = _str(boundary, "file", f"{where} boundary")
        boundary_code = _str(boundary, "code", f"{where} boundary")
        if "/" in boundary_file or "\\" in boundary_file or boundary_file.startswith("."):
            raise UnitDataError(f"{where}: boundary file must be a plain file name in boundaries/")

    return Unit(
        code=code,
        name=_str(raw, "name", where),
        short_name=_opt_str(raw, "short_name", where) or _str(raw, "name", where),
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        emails=tuple(emails_raw),
        webhook=webhook,
        boundary_file=boundary_file,
        boundary_code=boundary_code,
    )


def _parse_rule(raw: Any, index: int) -> CategoryRule:
    where = f"category_rules[{index}]"
    if not isinstance(raw, Mapping):
        raise UnitDataError(f"{where}: must be an object")
    valid_from = _date(raw, "valid_from", where)
    valid_to = _opt_date(raw, "valid_to", where)
    _check_period(valid_from, valid_to, where)
    return CategoryRule(
        category=_str(raw, "category", where),
        unit=_str(raw, "unit", where),
        valid_from=valid_from,
        valid_to=valid_to,
        note=_opt_str(raw, "note", where),
    )


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------------------------------- registry


class UnitRegistry:
    """All handling units (of every period), the fallback unit and the category rules."""

    __slots__ = ("_by_code", "_fallback", "_rules", "_units", "_valid_cache")

    def __init__(self, units: Iterable[Unit], fallback: str, rules: Iterable[CategoryRule] = ()) -> None:
        self._units: tuple[Unit, ...] = tuple(units)
        self._by_code: dict[str, Unit] = {}
        for unit in self._units:
            if unit.code in self._by_code:
                raise UnitDataError(f"duplicate unit code {unit.code}")
            self._by_code[unit.code] = unit
        if fallback not in self._by_code:
            raise UnitDataError(f"fallback unit {fallback!r} is not a unit")
        self._fallback = self._by_code[fallback]
        self._rules: tuple[CategoryRule, ...] = tuple(rules)
        for rule in self._rules:
            if rule.unit not in self._by_code:
                raise UnitDataError(f"category rule for {rule.category!r} names unknown unit {rule.unit!r}")
        self._valid_cache: dict[date, tuple[Unit, ...]] = {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnitRegistry:
        units_raw = data.get("units")
        if not isinstance(units_raw, list):
            raise UnitDataError("'units' must be a list")
        rules_raw = data.get("category_rules", [])
        if not isinstance(rules_raw, list):
            raise UnitDataError("'category_rules' must be a list")
        fallback = data.get("fallback")
        if not isinstance(fallback, str):
            raise UnitDataError("'fallback' must be a unit code")
        return cls(
            (_parse_unit(u, i) for i, u in enumerate(units_raw)),
            fallback,
            (_parse_rule(r, i) for i, r in enumerate(rules_raw)),
        )

    @classmethod
    def from_file(cls, path: Path) -> UnitRegistry:
        data = _read_json(path)
        if not isinstance(data, Mapping):
            raise UnitDataError(f"{path}: must hold a JSON object")
        return cls.from_dict(data)

    @staticmethod
    @cache
    def default() -> UnitRegistry:
        """The registry of ``chalicelib/data/units.json``, loaded once per process."""
        return UnitRegistry.from_file(UNITS_FILE)

    @property
    def fallback(self) -> Unit:
        return self._fallback

    @property
    def rules(self) -> tuple[CategoryRule, ...]:
        return self._rules

    def get(self, code: str) -> Unit | None:
        return self._by_code.get(code)

    def all(self) -> list[Unit]:
        return list(self._units)

    def valid_on(self, day: date) -> list[Unit]:
        cached = self._valid_cache.get(day)
        if cached is None:
            cached = tuple(u for u in self._units if u.is_valid_on(day))
            if len(self._valid_cache) < 4096:
                self._valid_cache[day] = cached
        return list(cached)

    def rule_for(self, category: str, day: date) -> Unit | None:
        """The unit of the first rule for ``category`` valid on ``day`` (its unit valid too), or None."""
        for rule in self._rules:
            if rule.category == category and rule.is_valid_on(day):
                unit = self._by_code[rule.unit]
                if unit.is_valid_on(day):
                    return unit
        return None


class CategoryCatalog:
    """The report categories (lĩnh vực), in display order."""

    __slots__ = ("_by_code", "_categories")

    def __init__(self, categories: Iterable[Category]) -> None:
        self._categories: tuple[Category, ...] = tuple(categories)
        self._by_code: dict[str, Category] = {}
        for category in self._categories:
            if category.code in self._by_code:
                raise UnitDataError(f"duplicate category code {category.code}")
            self._by_code[category.code] = category

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CategoryCatalog:
        raw = data.get("categories")
        if not isinstance(raw, list):
            raise UnitDataError("'categories' must be a list")
        categories: list[Category] = []
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise UnitDataError(f"categories[{i}]: must be an object")
            where = f"categories[{i}]"
            categories.append(Category(code=_str(item, "code", where), name=_str(item, "name", where)))
        return cls(categories)

    @classmethod
    def from_file(cls, path: Path) -> CategoryCatalog:
        data = _read_json(path)
        if not isinstance(data, Mapping):
            raise UnitDataError(f"{path}: must hold a JSON object")
        return cls.from_dict(data)

    @staticmethod
    @cache
    def default() -> CategoryCatalog:
        """The catalogue of ``chalicelib/data/categories.json``, loaded once per process."""
        return CategoryCatalog.from_file(CATEGORIES_FILE)

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def all(self) -> list[Category]:
        return list(self._categories)
