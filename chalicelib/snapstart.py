"""Lambda SnapStart hooks (issue 17; infra/snapstart.py turns SnapStart on, docs/deploy.md "Cold starts").

With SnapStart, Lambda runs the init (the import of app.py) once when a version is published, calls the
before-snapshot hooks, and snapshots the memory; every later execution environment starts from that snapshot
and runs the after-restore hooks before its first request. So:

- `prime` (before the snapshot) does what a cold start's first request would otherwise pay, and nothing that
  must be fresh: it imports the modules the function's handler imports lazily, builds the AWS clients (no
  request is sent: a connection opened now would be stale after restore), loads the unit registry, the
  category catalogue and the working calendar, and builds the request schemas. What it does
  depends on the function (Lambda's `_HANDLER`), so the API function does not load shapely, which it does
  not carry (infra/layers.py).
- `reseed` (after every restore): many environments are restored from ONE snapshot, so whatever was random
  in memory at snapshot time is identical in all of them. `random`'s generator is reseeded from the OS.
  Report ids (chalicelib/domain/ids.py) and uuid4 read os.urandom on each call and so differ anyway;
  tests/unit/test_snapstart.py checks both in two "restored" processes forked from one state.

Outside Lambda (tests, the local stack) the hooks are registered with the PyPI copy of snapshot-restore-py
when it is installed, and never called; without it, `register` does nothing.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable

log = logging.getLogger(__name__)


def _handler() -> str:
    """The handler this function runs: "app" (the API), "jwt_auth", "handle_report_stream", a schedule..."""
    return os.environ.get("_HANDLER", "app.app").rsplit(".", 1)[-1]


def _api() -> None:
    from chalicelib.api import idempotency, queries, schemas, views  # noqa: F401
    from chalicelib.aws import client
    from chalicelib.services import reports  # noqa: F401

    # Deferred at import (defer_build): built here, once. Responses need none: the views are plain JSON.
    for model in (schemas.SubmitReport, schemas.AttachmentRequest):
        model.model_rebuild(force=True)
    idempotency._persistence()
    client("s3")  # presigned photo URLs


def _auth() -> None:
    import jwt  # noqa: F401  (with cryptography)

    from chalicelib.api import auth  # noqa: F401


def _stream() -> None:
    from chalicelib.aws import client
    from chalicelib.services import stream  # noqa: F401

    try:
        from chalicelib.domain.locate import Locator
    except ImportError:  # the geo layer is not attached to this function
        return
    Locator.default()
    client("sesv2")


def _calendar() -> None:
    """The working calendar's tables for this year and the next (deadlines are computed in them)."""
    from datetime import date

    from chalicelib import clock
    from chalicelib.domain.calendar import WorkingCalendar

    calendar = WorkingCalendar.default()
    year = clock.now().year  # a snapshot lives for months at most: the years it will be asked about
    for y in (year, year + 1):
        calendar.is_working_day(date(y, 6, 1))


PRIMERS: dict[str, tuple[Callable[[], None], ...]] = {
    "app": (_api, _auth, _calendar),
    "jwt_auth": (_auth,),
    "handle_report_stream": (_stream, _calendar),
}


def prime() -> None:
    """Before the snapshot: the first request's one-time work. A step that fails is logged and skipped (the
    function then pays for it on its first request, as without SnapStart); it never fails the deployment."""
    from chalicelib.domain.units import CategoryCatalog, UnitRegistry
    from chalicelib.store.models import bind

    steps: tuple[Callable[[], None], ...] = (bind, CategoryCatalog.default, UnitRegistry.default)
    for step in steps + PRIMERS.get(_handler(), (_calendar,)):
        try:
            step()
        except Exception:
            log.exception("snapstart: priming step %s failed", getattr(step, "__name__", step))


def reseed() -> None:
    """After a restore: copies of one snapshot must not share a random sequence."""
    random.seed()


def register() -> bool:
    """Register the hooks with Lambda's runtime (snapshot_restore_py); False where there is no such module."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(prime)
    register_after_restore(reseed)
    return True
