"""Which handling actions a caller may take on a report now, read from the workflow's own table.

The console shows a button for an action exactly when `POST /v1/reports/{id}/actions` would accept it (values
aside): the button is listed when `workflow.refusal` (the role and unit, the status, the report's own state:
the very checks `workflow.apply_action` makes before it looks at the action's values) finds nothing. Deriving
the list here, from the workflow's table, rather than in the browser keeps one rule in one place.

Pure domain code: standard library and sibling domain modules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from chalicelib.domain.report import Report
from chalicelib.domain.units import UnitRegistry
from chalicelib.domain.workflow import ACTIONS, Actor, refusal

# The words on the console's buttons (docs: console.md "Words on the screen"), in the table's order (the usual
# next step first); the API serves them so that the page, the e-mails and the tests share one vocabulary.
ACTION_LABELS: Final[Mapping[str, str]] = {
    name: spec.button for name, spec in ACTIONS.items() if spec.button is not None
}


def allowed_actions(report: Report, actor: Actor, registry: UnitRegistry) -> list[str]:
    """The actions `actor` may take on `report` now, in button order."""
    return [name for name in ACTION_LABELS if refusal(ACTIONS[name], report, actor, registry) is None]
