"""Who may see what of a report (domain.md "Visibility and keeping data"; Nghị định 13/2023).

The reporter's name, phone and e-mail and the internal history are for the reporter, the assigned unit and the
IOC. IOC technical staff test the system: they see test reports in full, and of ordinary reports only what the
public sees (issue 12). A hidden or test report does not exist for anyone else (404, not 403).
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.report import Report


class Viewer(Protocol):
    sub: str
    unit_code: str | None

    def has(self, role: str) -> bool: ...


def is_units_officer(report: Report, viewer: Viewer) -> bool:
    return viewer.has("officer") and viewer.unit_code is not None and viewer.unit_code == report.unit_code


def sees_internals(report: Report, viewer: Viewer) -> bool:
    """The IOC, the unit's officers and, for a test report, technical staff: the history with internal notes."""
    return viewer.has("ioc") or (viewer.has("tech") and report.is_test) or is_units_officer(report, viewer)


def may_see_private(report: Report, viewer: Viewer | None) -> bool:
    if viewer is None:
        return False
    return sees_internals(report, viewer) or viewer.sub == report.reporter.sub


def may_see(report: Report, viewer: Viewer | None) -> bool:
    """A hidden or test report is not there for the public (404), but is for those entitled to it."""
    return report.is_public or may_see_private(report, viewer)
