"""Who is acting and what they may see or do: the one place that decides access (issue 11).

Every path asks here, whether the question comes from an HTTP route, the stream, an Open311 client or the
import: may this actor see the report at all, its private fields, its internal history, its original photos;
may they act in a role, submit, attach, read a queue or the statistics.

- The reporter's name, phone and e-mail and the internal history are for the reporter, the assigned unit and
  the IOC (domain.md "Visibility and keeping data"; Nghị định 13/2023).
- IOC technical staff test the system: they see test reports in full and, of ordinary reports, only what the
  public sees (issue 12).
- A hidden or test report does not exist for anyone else (404, not 403), so that outsiders cannot tell which
  ids exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from chalicelib.domain import errors
from chalicelib.domain.report import Report

# The roles a signed-in caller can hold (Cognito groups). `system` is never one of them: it is held only by
# the system's own actors (the import of historical reports), built in code, never from a token.
ROLES: Final = ("citizen", "officer", "ioc", "tech")
SYSTEM_ROLE: Final = "system"
# When an actor holds several roles, the first that permits an action is the one recorded in the history.
ROLE_PRIORITY: Final = ("ioc", "officer", "tech", "citizen")
FORBIDDEN: Final = "Bạn không có quyền thực hiện thao tác này."
NOT_FOUND: Final = "Không tìm thấy phản ánh."


@dataclass(frozen=True)
class Actor:
    """Who acts: the token's subject and roles, for an officer the unit they act for, and the contact details
    the identity provider vouches for (the e-mail only when verified)."""

    sub: str
    roles: frozenset[str]
    unit_code: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def has(self, role: str) -> bool:
        return role in self.roles

    def has_any(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


def system_actor(sub: str, unit_code: str | None = None) -> Actor:
    """The system acting, under a `sub` that says which part of it acts (the import: 'import:<source>'), for
    `unit_code` when it records a unit's step (the entry's `actor_unit`). No token can name such a sub
    (api/auth.py refuses subjects with a ':'), nor hold the `system` role."""
    return Actor(sub=sub, roles=frozenset({SYSTEM_ROLE}), unit_code=unit_code)


def unit_actor(unit_code: str) -> Actor:
    """The assigned unit itself, as its systems see a report (the webhook's private view)."""
    return Actor(sub=f"unit:{unit_code}", roles=frozenset({"officer"}), unit_code=unit_code)


def require(actor: Actor, *roles: str, message: str = FORBIDDEN) -> None:
    """403 unless the actor holds one of `roles`."""
    if not actor.has_any(*roles):
        raise errors.NotAllowed(message)


# ------------------------------------------------------------------------------------------------ seeing


def is_units_officer(report: Report, actor: Actor) -> bool:
    return actor.has("officer") and actor.unit_code is not None and actor.unit_code == report.unit_code


def sees_internals(report: Report, actor: Actor | None) -> bool:
    """The IOC, the unit's officers and, for a test report, technical staff: the history with internal notes,
    and the original photos (evidence; an original may carry the GPS position of the reporter's home)."""
    if actor is None:
        return False
    return actor.has("ioc") or (actor.has("tech") and report.is_test) or is_units_officer(report, actor)


def may_see_private(report: Report, actor: Actor | None) -> bool:
    """The reporter's details and the history: the reporter, and whoever sees the internals."""
    if actor is None:
        return False
    return sees_internals(report, actor) or actor.sub == report.reporter.sub


def may_see(report: Report, actor: Actor | None) -> bool:
    """A hidden or test report is not there for the public (404), but is for those entitled to it."""
    return report.is_public or may_see_private(report, actor)


def visible(report: Report | None, actor: Actor | None) -> Report:
    """The report if the actor may see it; otherwise 404, as for a report that does not exist."""
    if report is None or not may_see(report, actor):
        raise errors.ReportNotFound(NOT_FOUND)
    return report


# ------------------------------------------------------------------------------------------------ doing


def acting_role(roles: frozenset[str], own_unit: bool, report: Report, actor: Actor) -> str | None:
    """The role in which `actor` may take an action open to `roles`, or None. With `own_unit`, an officer
    counts only for the unit the report is assigned to (api.md: "officer of the assigned unit"). A system
    actor acts as the system only, where `roles` lets it."""
    if actor.has(SYSTEM_ROLE):
        return SYSTEM_ROLE if SYSTEM_ROLE in roles else None
    for role in ROLE_PRIORITY:
        if role not in roles or not actor.has(role):
            continue
        if role == "officer" and own_unit and not is_units_officer(report, actor):
            continue
        return role
    return None


def check_submit(actor: Actor, is_test: bool) -> None:
    """Citizens file reports; technical staff file test reports only (a public report from them would reach
    a unit as real work), and nobody else may mark a report as a test."""
    if not actor.has_any("citizen", "tech"):
        raise errors.NotAllowed("Chỉ người dân (tài khoản công dân) mới gửi được phản ánh.")
    if is_test and not actor.has("tech"):
        raise _on_field("is_test", "Chỉ cán bộ kỹ thuật IOC mới được tạo phản ánh thử nghiệm (is_test).")
    if actor.has("tech") and not actor.has("citizen") and not is_test:
        raise _on_field("is_test", "Cán bộ kỹ thuật IOC chỉ được tạo phản ánh thử nghiệm (is_test: true).")


def check_attach(report: Report, actor: Actor, purpose: str) -> None:
    """The reporter adds photos to their open report; the unit's officer adds photos of the result. Whoever may
    not see the report is told it does not exist, whatever the purpose."""
    if purpose == "answer":
        allowed = is_units_officer(report, actor) and report.is_open
    else:
        allowed = actor.sub == report.reporter.sub and not report.is_closed
    if allowed:
        return
    visible(report, actor)
    raise errors.NotAllowed("Bạn không thể đính kèm tệp cho phản ánh này.")


def queue_unit(actor: Actor, requested: str | None, fallback: str) -> str:
    """Whose work queue the actor may read: an officer their own unit's, the IOC any unit's (by default the
    IOC's own queue, `fallback`)."""
    if actor.has("ioc"):
        return requested or fallback
    if actor.has("officer") and actor.unit_code:
        if requested and requested != actor.unit_code:
            raise errors.NotAllowed("Cán bộ chỉ xem được danh sách việc của đơn vị mình.")
        return actor.unit_code
    raise errors.NotAllowed("Chỉ cán bộ đơn vị và Tổ điều hành IOC mới có danh sách việc.")


def stats_scope(actor: Actor) -> str | None:
    """Which rows of the statistics the actor may read: None for every unit and the province (the IOC), else
    the officer's own unit code."""
    if actor.has("ioc"):
        return None
    if actor.has("officer") and actor.unit_code:
        return actor.unit_code
    raise errors.NotAllowed("Chỉ Tổ điều hành IOC và cán bộ xử lý của đơn vị mới xem được thống kê.")


def _on_field(field: str, message: str) -> errors.NotAllowed:
    return errors.NotAllowed(message, [{"field": field, "message": message}])
