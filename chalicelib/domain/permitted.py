"""Which handling actions a caller may take on a report now, read from the workflow's own table.

The console shows a button for an action exactly when `POST /v1/reports/{id}/actions` would accept it (values
aside): the same `TRANSITIONS` rule, the same unit check (`acting_role`) and the same state checks that
`workflow.apply_action` makes before it looks at the action's values. Deriving the list here, from the
workflow, rather than in the browser keeps one rule in one place.

Pure domain code: standard library and sibling domain modules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from chalicelib.domain.report import Report
from chalicelib.domain.units import UnitRegistry
from chalicelib.domain.workflow import TRANSITIONS, ActionType, Actor, acting_role

# The words on the console's buttons (docs: console.md "Words on the screen"); the API serves them so that the
# page, the e-mails and the tests share one vocabulary.
ACTION_LABELS: Final[Mapping[str, str]] = {
    ActionType.ACCEPT: "Tiếp nhận",
    ActionType.REJECT: "Từ chối",
    ActionType.REQUEST_INFO: "Yêu cầu bổ sung thông tin",
    ActionType.EXTEND: "Gia hạn",
    ActionType.RESOLVE: "Trả lời",
    ActionType.RETURN: "Trả lại IOC",
    ActionType.REASSIGN: "Chuyển đơn vị xử lý",
    ActionType.HIDE: "Ẩn",
    ActionType.UNHIDE: "Bỏ ẩn",
    ActionType.COMMENT: "Ghi chú nội bộ",
}

# The order buttons appear in: the usual next step first.
ACTION_ORDER: Final = tuple(ACTION_LABELS)


def _state_allows(kind: ActionType, report: Report, registry: UnitRegistry) -> bool:
    """The checks apply_action makes on the report itself (409s) once role and status pass."""
    if kind is ActionType.EXTEND:
        return report.due_at is not None
    if kind is ActionType.RETURN:
        return report.unit_code != registry.fallback.code
    if kind is ActionType.HIDE:
        return report.hidden is None
    if kind is ActionType.UNHIDE:
        return report.hidden is not None
    return True


def allowed_actions(report: Report, actor: Actor, registry: UnitRegistry) -> list[str]:
    """The actions `actor` may take on `report` now, in button order."""
    allowed = []
    for name in ACTION_ORDER:
        kind = ActionType(name)
        rule = TRANSITIONS[kind]
        if acting_role(rule, report, actor) is None or report.status not in rule.statuses:
            continue
        if _state_allows(kind, report, registry):
            allowed.append(kind.value)
    return allowed
