"""Use case of the S3 upload event (issue 16): look at what arrived, refuse what is not a photo or video, derive
the photo's sizes, and record the outcome in the report's `media`.

Idempotent under a redelivered event: an attachment that is `ready` or `rejected` is never processed again, so
nothing is derived twice. Derived images go under `derived/` (domain/media.py), outside the `reports/` prefix the
event listens on, so writing them never counts as a new upload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from aws_lambda_powertools import Logger

from chalicelib import media as storage
from chalicelib.domain.media import (
    DERIVED_TYPE,
    MediaState,
    Rendition,
    derived_key,
    kind_of,
    sniff,
)
from chalicelib.domain.report import Media, Report
from chalicelib.services.reports import ReportService
from chalicelib.store.reports import ReportRepository

logger = Logger(service="fieldreport", child=True)


class MediaService:
    def __init__(self, repo: ReportRepository | None = None) -> None:
        self.repo = repo or ReportRepository()
        self.reports = ReportService(repo=self.repo)

    def process_upload(self, key: str, size: int) -> Media | None:
        """Mark the slot uploaded, then check and derive. Unknown keys (including derived images, should one
        ever be delivered) change nothing. Returns the attachment as recorded."""
        report = self.reports.media_uploaded(key, size)
        slot = _slot(report, key)
        if report is None or slot is None:
            return None
        if slot.state == MediaState.REJECTED:
            storage.delete_objects([key])  # a redelivery after a crash between recording and deleting
            return slot
        if slot.state == MediaState.READY:
            return slot
        try:
            outcome = self._check(report.id, slot)
        except storage.ObjectMissing:
            return None  # deleted meanwhile (its test report was deleted): nothing to show
        if outcome is not None:  # ids, types and sizes only: nothing personal
            logger.info(
                "media checked",
                extra={
                    "report_id": report.id,
                    "state": outcome.state.value,
                    "reason": outcome.reason,
                    "real_type": outcome.real_type,
                    "bytes": size,
                },
            )
        return outcome

    def _check(self, report_id: str, slot: Media) -> Media | None:
        real = sniff(storage.read_object(slot.key, storage.HEAD_BYTES))
        if real is None:
            return self._reject(report_id, slot, "not_photo_or_video")
        if kind_of(real) != kind_of(slot.content_type):
            return self._reject(report_id, slot, "type_mismatch", real)
        if kind_of(real) == "video":
            # Kept as is (docs/media.md: no poster frame); shown only to the unit and the IOC.
            return self._record(
                report_id, slot.key, lambda m: replace(m, state=MediaState.READY, real_type=real)
            )
        return self._derive(report_id, slot, real)

    def _derive(self, report_id: str, slot: Media, real: str) -> Media | None:
        from chalicelib.imaging import PhotoRejected, derive

        data = storage.read_object(slot.key)
        if len(data) > slot.max_bytes:
            return self._reject(report_id, slot, "too_large", real)
        try:
            images = derive(data)
        except PhotoRejected as e:
            return self._reject(report_id, slot, e.code, real)
        renditions = []
        for image in images:
            target = derived_key(slot.key, image.size)
            storage.put_derived(target, image.data, DERIVED_TYPE)
            renditions.append(Rendition(image.size, target, image.width, image.height, len(image.data)))
        recorded = self._record(
            report_id,
            slot.key,
            lambda m: replace(m, state=MediaState.READY, real_type=real, renditions=tuple(renditions)),
        )
        if recorded is None:  # the report went away meanwhile: leave nothing behind
            storage.delete_objects([slot.key, *(r.key for r in renditions)])
        return recorded

    def _reject(self, report_id: str, slot: Media, code: str, real: str | None = None) -> Media | None:
        """Record the refusal first, then delete the file: a crash in between is finished by the redelivery."""
        recorded = self._record(
            report_id, slot.key, lambda m: replace(m, state=MediaState.REJECTED, reason=code, real_type=real)
        )
        storage.delete_objects([slot.key])
        return recorded

    def _record(self, report_id: str, key: str, change: Callable[[Media], Media]) -> Media | None:
        """Apply `change` to the attachment on the fresh report; a lost race with another writer (another
        photo of the same report, an officer's action) is redone, as the change touches this slot alone.
        Returns the attachment as recorded (as found, if it was no longer being processed)."""

        def record(report: Report) -> Report | None:
            slot = _slot(report, key)
            if slot is None or slot.state != MediaState.PROCESSING:
                return None
            changed = change(slot)
            return replace(report, media=tuple(changed if m.key == key else m for m in report.media))

        return _slot(self.repo.update(report_id, record).report, key)


def _slot(report: Report | None, key: str) -> Media | None:
    if report is None:
        return None
    return next((m for m in report.media if m.key == key), None)


def process_upload(key: str, size: int) -> Media | None:
    """The S3 event's entry point, with the services wiring builds."""
    from chalicelib import wiring

    return wiring.media_service().process_upload(key, size)
