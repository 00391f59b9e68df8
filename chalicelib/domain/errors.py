"""Domain errors as types. The HTTP layer maps each to a status and a stable code in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DomainError(Exception):
    """Base of every rule violation the domain reports; `message` is Vietnamese, for people."""

    message: str
    details: list[dict[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """Well-formed request, but a field's value breaks a rule (400)."""


class LocationOutsideProvince(DomainError):
    """The location is outside the province outline beyond the border tolerance (422)."""


class ReportNotFound(DomainError):
    """No such report, or one the caller may not see (404)."""


class NotAllowed(DomainError):
    """The caller's role, unit or relation to the report does not permit this (403)."""


class TransitionNotAllowed(DomainError):
    """The report's current state does not permit this action (409)."""


class ConcurrentUpdate(DomainError):
    """Somebody else changed the report first (409); the caller should reload and retry."""


class ReportNotDeletable(DomainError):
    """Only a test report may be deleted (409)."""


class QuotaExceeded(DomainError):
    """The citizen has reached today's limit of submissions (429)."""


class AttachmentLimit(DomainError):
    """The report already has the maximum number of attachments (409)."""


class Unprocessable(DomainError):
    """Well-formed but not acceptable (422), e.g. an extension that ends before the current deadline."""
