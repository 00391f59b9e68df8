"""The report views are plain JSON built without pydantic (so a cold read does not load it), yet they must be
exactly what the documented schemas say: every view validates against its model (extra fields forbidden) and
dumps back to itself, for every kind of caller and every shape a report takes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api import schemas
from chalicelib.api.views import report_view
from chalicelib.domain.access import Actor
from chalicelib.domain.media import MediaState, Rendition
from chalicelib.domain.report import Feedback, Hidden, HistoryEntry, Media, Routing, Status
from tests.unit.test_workflow import ASSIGNED_AT, NOW, UNIT, make_report

VIEWERS = {
    "anonymous": None,
    "reporter": Actor("citizen-1", frozenset({"citizen"})),
    "other citizen": Actor("citizen-2", frozenset({"citizen"})),
    "officer of the unit": Actor("officer-1", frozenset({"officer"}), UNIT),
    "officer elsewhere": Actor("officer-2", frozenset({"officer"}), "03151"),
    "ioc": Actor("ioc-1", frozenset({"ioc"})),
    "tech": Actor("tech-1", frozenset({"tech"})),
}


def _photo(n: int, state: MediaState, renditions: bool = True) -> Media:
    key = f"reports/01JD0000000000000000000000/0{n}JD000000000000000000000{n}.jpg"
    return Media(
        key=key,
        content_type="image/jpeg",
        max_bytes=10_000_000,
        reserved_at=ASSIGNED_AT,
        uploaded=True,
        size=5_200_000,
        state=state,
        reason="type_mismatch" if state == MediaState.REJECTED else None,
        real_type="image/jpeg",
        renditions=tuple(
            Rendition(size=s, key=f"derived/{n}/{s}.jpg", width=w, height=w * 3 // 4, bytes=w * 100)
            for s, w in (("thumb", 320), ("page", 1280), ("full", 2048))
        )
        if renditions
        else (),
    )


def _shapes() -> dict[str, object]:
    base = make_report()
    internal = HistoryEntry(
        at=ASSIGNED_AT + timedelta(minutes=5),
        type="comment",
        actor_sub="officer-1",
        actor_role="officer",
        actor_unit=UNIT,
        public=False,
        internal_text="Đã gọi điện cho tổ dân phố.",
    )
    return {
        "just received": replace(
            base,
            status=Status.RECEIVED,
            unit_code=None,
            triage_due_at=None,
            due_at=None,
            history=base.history[:1],
        ),
        "assigned with routing": replace(base, routing=Routing("nearest", True, 1234, "Gần ranh giới")),
        "integer distance and coordinates": replace(
            base, routing=Routing("polygon", False, 0, None), location=replace(base.location, lat=21, lng=103)
        ),
        "with an internal comment": replace(base, history=(*base.history, internal)),
        "hidden": replace(base, hidden=Hidden("Thông tin cá nhân của người khác.", ASSIGNED_AT)),
        "resolved with rating": replace(
            base,
            status=Status.RESOLVED,
            closed_at=NOW,
            answer="Đã thu gom rác, Nguyễn Văn A đã được báo.",
            feedback=Feedback(5, "Cảm ơn", NOW),
        ),
        "photos in every state": replace(
            base,
            media=(
                _photo(1, MediaState.READY),
                _photo(2, MediaState.PROCESSING, renditions=False),
                _photo(3, MediaState.REJECTED, renditions=False),
            ),
        ),
        "a test report without e-mail": replace(
            base, is_test=True, reporter=replace(base.reporter, email=None), occurred_at=ASSIGNED_AT
        ),
        "followed, microseconds": replace(
            base, followers=3, received_at=datetime(2026, 4, 28, 2, 59, 1, 123456, tzinfo=UTC)
        ),
    }


def _url(key: str, ttl: int | None = None) -> str:
    return f"https://media.example/{key}" + (f"?ttl={ttl}" if ttl else "")


SHAPES = _shapes()


@pytest.mark.parametrize("viewer", list(VIEWERS))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_view_is_exactly_its_documented_schema(shape: str, viewer: str) -> None:
    view = report_view(SHAPES[shape], VIEWERS[viewer], NOW, _url)  # type: ignore[arg-type]
    model = schemas.ReportPrivate if "reporter" in view else schemas.ReportPublic
    assert model.model_validate(view).model_dump(mode="json") == view


def test_who_gets_the_private_part_and_the_units_notes() -> None:
    report = SHAPES["with an internal comment"]
    views = {name: report_view(report, who, NOW, _url) for name, who in VIEWERS.items()}  # type: ignore[arg-type]
    assert {name for name, v in views.items() if "reporter" in v} == {
        "reporter",
        "officer of the unit",
        "ioc",
    }
    mine = views["reporter"]["history"]
    assert all(h["public"] and h["internal_text"] is None and h["actor_sub"] is None for h in mine)  # type: ignore[index]
    theirs = views["officer of the unit"]["history"]
    assert any(h["internal_text"] == "Đã gọi điện cho tổ dân phố." for h in theirs)  # type: ignore[index]


def test_the_public_never_reads_the_reporters_name_or_an_unfinished_photo() -> None:
    resolved = report_view(SHAPES["resolved with rating"], None, NOW, _url)
    assert "Nguyễn Văn A" not in str(resolved)
    photos = report_view(SHAPES["photos in every state"], None, NOW, _url)
    assert [m["state"] for m in photos["media"]] == ["ready"]  # type: ignore[index]
    assert "reports/" not in str(photos["media"])


def test_instants_are_written_at_vietnam_time_with_their_microseconds() -> None:
    view = report_view(SHAPES["followed, microseconds"], None, NOW, _url)
    assert view["received_at"] == "2026-04-28T09:59:01.123456+07:00"
    assert view["followers"] == 3
