"""What each caller may see of a report: public fields for everyone, private ones for its reporter, its unit's
officers and the IOC (api.md; personal data per Nghị định 13/2023).

The views are plain JSON values, built without pydantic: a read (or a stream record that sends a webhook) must
not pay for pydantic's import and schema build on a cold start (bench/bench_cold.py). Their shape is still the
contract's: schemas.ReportPublic and ReportPrivate document it, and tests/unit/test_views_contract.py checks that
every view validates against its model and dumps to exactly itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.api.media_views import media_items
from chalicelib.domain.access import Actor, may_see_private, sees_internals
from chalicelib.domain.report import Media, Report, vn_time
from chalicelib.domain.units import CategoryCatalog, UnitRegistry

MediaUrl = Callable[..., str]  # (key) for a derived image, (key, ttl_seconds) for an original


def instant(value: datetime | None) -> str | None:
    """An instant as the API writes it: ISO 8601 at +07:00 (what pydantic's JSON mode gives for the schemas)."""
    shown = vn_time(value)
    return None if shown is None else shown.isoformat()


def category_of(report: Report) -> dict[str, str]:
    category = CategoryCatalog.default().get(report.category)
    return {"code": report.category, "name": category.name if category else report.category}


def unit_of(report: Report) -> dict[str, str] | None:
    if report.unit_code is None:
        return None
    unit = UnitRegistry.default().get(report.unit_code)
    return {"code": report.unit_code, "name": unit.name if unit else report.unit_code}


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
        received_at=instant(report.received_at),
        triage_due_at=instant(report.triage_due_at),
        due_at=instant(report.due_at),
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
        return public
    # A reporter sees their own report, not the unit's internal notes about it.
    own = viewer is not None and viewer.sub == report.reporter.sub and not sees_internals(report, viewer)
    return {**public, **_private_fields(report, notes=not own)}


def _public_fields(
    report: Report, viewer: Actor | None, now: datetime, media_url: MediaUrl, private_ok: bool
) -> dict[str, object]:
    def shown(text: str | None) -> str | None:
        return text if private_ok else _without_reporter(text, report)

    return dict(
        **headline(report, now),
        description=report.description,
        location={"lat": float(report.location.lat), "lng": float(report.location.lng)},
        closed_at=instant(report.closed_at),
        answer=shown(report.answer),
        media=media_items(report, viewer, private_ok, media_url),
        timeline=[
            {"at": instant(e.at), "type": e.type, "text": shown(e.public_text)} for e in report.timeline()
        ],
        rating=report.feedback.rating if report.feedback else None,
    )


def _private_fields(report: Report, notes: bool) -> dict[str, object]:
    """The private part; without the unit's `notes` (internal texts, who acted, internal entries) for the
    reporter."""
    r = report.routing
    hidden = report.hidden
    return dict(
        reporter={
            "name": report.reporter.name,
            "phone": report.reporter.phone,
            "email": report.reporter.email,
        },
        hidden=None if hidden is None else {"reason": hidden.reason, "at": instant(hidden.at)},
        is_test=report.is_test,
        routing=None
        if r is None
        else {
            "method": r.method,
            "uncertain": r.uncertain,
            "distance_m": None if r.distance_m is None else float(r.distance_m),
            "reason": r.reason,
        },
        history=[
            {
                "at": instant(e.at),
                "type": e.type,
                "actor_role": e.actor_role,
                "actor_unit": e.actor_unit,
                "actor_sub": e.actor_sub if notes else None,
                "public": e.public,
                "public_text": e.public_text,
                "internal_text": e.internal_text if notes else None,
            }
            for e in report.history
            if notes or e.public
        ],
        occurred_at=instant(report.occurred_at),
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
