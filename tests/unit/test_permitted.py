"""The console's buttons: `allowed_actions` lists an action exactly when the workflow would take it (issue 13).

Checked against `apply_action` itself for every status, every kind of caller, hidden or not, at a unit or back at
the IOC: an action is listed if and only if applying it (with a valid body) is not refused as forbidden (403) or
as not allowed in this state (409).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.domain import errors
from chalicelib.domain.permitted import ACTION_LABELS, allowed_actions
from chalicelib.domain.report import Hidden, Status
from chalicelib.domain.workflow import ACTIONS as SPECS
from tests.unit.test_workflow import ACTIONS, ACTORS, REGISTRY, act, make_report

CONSOLE_WORDS = [
    "Tiếp nhận",
    "Từ chối",
    "Yêu cầu bổ sung thông tin",
    "Gia hạn",
    "Trả lời",
    "Trả lại IOC",
    "Chuyển đơn vị xử lý",
    "Ẩn",
    "Bỏ ẩn",
    "Ghi chú nội bộ",
]


def _accepted(report, name: str, who: str) -> bool:
    try:
        act(report, ACTIONS[name], who)
    except (errors.NotAllowed, errors.TransitionNotAllowed):
        return False
    return True


@pytest.mark.parametrize("at_ioc", [False, True], ids=["at-unit", "at-ioc"])
@pytest.mark.parametrize("hidden", [False, True], ids=["shown", "hidden"])
@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
@pytest.mark.parametrize("who", list(ACTORS))
def test_listed_exactly_when_the_workflow_accepts(
    who: str, status: Status, hidden: bool, at_ioc: bool
) -> None:
    report = make_report(status)
    if hidden:
        report = replace(report, hidden=Hidden(reason="Vi phạm", at=datetime(2026, 4, 28, tzinfo=UTC)))
    if at_ioc:
        report = replace(report, unit_code=REGISTRY.fallback.code)
    listed = allowed_actions(report, ACTORS[who], REGISTRY)
    expected = [name for name in ACTIONS if _accepted(report, name, who)]
    assert sorted(listed) == sorted(expected)


def test_buttons_carry_the_consoles_words_in_order() -> None:
    assert list(ACTION_LABELS.values()) == CONSOLE_WORDS
    officer = allowed_actions(make_report(Status.IN_PROGRESS), ACTORS["officer"], REGISTRY)
    assert [ACTION_LABELS[a] for a in officer] == [
        "Từ chối",
        "Yêu cầu bổ sung thông tin",
        "Gia hạn",
        "Trả lời",
        "Trả lại IOC",
        "Ghi chú nội bộ",
    ]


def test_every_action_the_consoles_users_can_take_has_a_button_read_from_the_table() -> None:
    console_users = {"officer", "ioc"}
    assert set(ACTION_LABELS) == {name for name, spec in SPECS.items() if spec.roles & console_users}
    assert {name: spec.button for name, spec in SPECS.items() if spec.button} == ACTION_LABELS
