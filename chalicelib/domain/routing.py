"""Decide the handling unit of a report from its placement and category (pure Python, no shapely).

``decide_unit`` takes the ``Placement`` computed by ``chalicelib.domain.locate.Locator`` (only the
routing stream function imports that module) and applies the category rules of the unit registry:

- a category rule valid on the day of receipt wins over the location: the report goes to the rule's
  unit (typically a provincial department, which has no territory), ``method="category_rule"``; it is
  certain, except when the location was outside the province (placement ``fallback``): then it stays
  ``uncertain`` with the placement's reason, so the IOC can check that the report concerns Điện Biên;
- otherwise the placement decides (``polygon`` / ``nearest`` / ``fallback``), unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from chalicelib.domain.units import UnitRegistry

if TYPE_CHECKING:  # locate.py imports shapely; at run time routing needs only the Placement's attributes
    from chalicelib.domain.locate import Placement

METHOD_CATEGORY_RULE = "category_rule"


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    unit_code: str
    method: str  # "polygon" | "nearest" | "fallback" | "category_rule"
    uncertain: bool
    distance_m: float | None
    reason: str | None  # Vietnamese, for operators


def decide_unit(placement: Placement, category: str, at: date, registry: UnitRegistry) -> RoutingDecision:
    """The unit that must handle a report of ``category`` received on ``at`` and placed at ``placement``."""
    unit = registry.rule_for(category, at)
    if unit is not None:
        rule_reason = f"Lĩnh vực “{category}” được giao cho {unit.short_name} theo quy tắc phân công"
        if placement.method == "fallback":
            reason = f"{rule_reason}; {placement.reason}" if placement.reason else rule_reason
            return RoutingDecision(unit.code, METHOD_CATEGORY_RULE, True, placement.distance_m, reason)
        return RoutingDecision(unit.code, METHOD_CATEGORY_RULE, False, placement.distance_m, rule_reason)
    return RoutingDecision(
        placement.unit_code, placement.method, placement.uncertain, placement.distance_m, placement.reason
    )
