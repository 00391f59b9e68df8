"""What each caller may see of a report: public fields for everyone, private ones for its reporter, its unit's
officers and the IOC (api.md; personal data per Nghị định 13/2023)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.api import schemas
from chalicelib.api.media_views import media_items
from chalicelib.domain.access import Actor, may_see_private, sees_internals
from chalicelib.domain.report import Media, Report, vn_time
from chalicelib.domain.units import CategoryCatalog, UnitRegistry

MediaUrl = Callable[..., str]  # (key) for a derived image, (key, ttl_seconds) for an original


def category_of(report: Report) -> schemas.CodeName:
    category = CategoryCatalog.default().get(report.category)
    return schemas.CodeName(code=report.category, name=category.name if category else report.category)


def unit_of(report: Report) -> schemas.CodeName | None:
    if report.unit_code is None:
        return None
    unit = UnitRegistry.default().get(report.unit_code)
    return schemas.CodeName(code=report.unit_code, name=unit.name if unit else report.unit_code)


def _without_reporter(text: str | None, report: Report) -> str | None:
    """A public text with the reporter's name taken out: a unit's letter may address the reporter by name
    (the request for more information does), but the public never sees it (Nghị định 13/2023)."""
    name = report.reporter.name.strip()
    return text.replace(name, "***") if text and name else text


def headline(report: Report, now: datetime) -> dict[str, object]:
    """What every list shows of a report, its queue row as its full view: where it stands and by when."""
    return dict(
        id=report.id,
        category=category_of(report),
        address=report.address,
        status=report.status.value,
        status_label=report.status_label,
        unit=unit_of(report),
        received_at=vn_time(report.received_at),
        triage_due_at=vn_time(report.triage_due_at),
        due_at=vn_time(report.due_at),
        overdue=report.is_overdue(now),
        followers=report.followers,
    )


def report_view(
    report: Report, viewer: Actor | None, now: datetime, media_url: MediaUrl
) -> dict[str, object]:
    """The report as `viewer` may see it: the private view for the reporter, the unit and the IOC (without the
    internal notes for the reporter), else the public one, with the reporter's name taken out of its texts."""
    private_ok = may_see_private(report, viewer)
    public = _public_fields(report, viewer, now, media_url, private_ok)
    if not private_ok:
        return schemas.ReportPublic(**public).model_dump(mode="json")  # type: ignore[arg-type]
    private = schemas.ReportPrivate(**public, **_private_fields(report))  # type: ignore[arg-type]
    # A reporter sees their own report, not the unit's internal notes about it.
    if viewer is not None and viewer.sub == report.reporter.sub and not sees_internals(report, viewer):
        private.history = [h for h in private.history if h.public]
        for h in private.history:
            h.internal_text = None
            h.actor_sub = None
    return private.model_dump(mode="json")


def _public_fields(
    report: Report, viewer: Actor | None, now: datetime, media_url: MediaUrl, private_ok: bool
) -> dict[str, object]:
    def shown(text: str | None) -> str | None:
        return text if private_ok else _without_reporter(text, report)

    return dict(
        **headline(report, now),
        description=report.description,
        location=schemas.LocationOut(lat=report.location.lat, lng=report.location.lng),
        closed_at=vn_time(report.closed_at),
        answer=shown(report.answer),
        media=media_items(report, viewer, private_ok, media_url),
        timeline=[
            schemas.TimelineEntry(at=vn_time(e.at), type=e.type, text=shown(e.public_text))
            for e in report.timeline()
        ],
        rating=report.feedback.rating if report.feedback else None,
    )


def _private_fields(report: Report) -> dict[str, object]:
    r = report.routing
    hidden = report.hidden
    return dict(
        reporter=schemas.ReporterOut(
            name=report.reporter.name, phone=report.reporter.phone, email=report.reporter.email
        ),
        hidden=None if hidden is None else schemas.HiddenOut(reason=hidden.reason, at=vn_time(hidden.at)),  # type: ignore[arg-type]
        is_test=report.is_test,
        routing=None
        if r is None
        else schemas.RoutingOut(
            method=r.method, uncertain=r.uncertain, distance_m=r.distance_m, reason=r.reason
        ),
        history=[
            schemas.HistoryOut(
                at=vn_time(e.at),  # type: ignore[arg-type]
                type=e.type,
                actor_role=e.actor_role,
                actor_unit=e.actor_unit,
                actor_sub=e.actor_sub,
                public=e.public,
                public_text=e.public_text,
                internal_text=e.internal_text,
            )
            for e in report.history
        ],
        occurred_at=vn_time(report.occurred_at),
    )


def upload_slot_view(media: Media, now: datetime) -> dict[str, object]:
    """An upload slot as the app receives it: where and how to POST the file, until when (+07:00)."""
    from chalicelib.media import upload_slot

    slot = upload_slot(media.key, media.content_type, media.max_bytes, now)
    expires_at = slot.pop("expires_at")
    assert isinstance(expires_at, datetime)
    return {
        "key": media.key,
        "max_bytes": media.max_bytes,
        "content_type": media.content_type,
        **slot,
        "expires_at": expires_at.isoformat(),
    }
