"""The composition root: the one place that builds the services, each with the one clock (`chalicelib.clock`)
and the one sender (`chalicelib.notify.senders.registry()`).

The HTTP routes (app.py, chalicelib/routes/), the stream handler (services/stream.py) and the scheduled and S3
handlers' entry points (`run_sweep`, `daily_digest`, `reconcile`, `process_upload`, the deliveries' `listing`
and `resend`) take their services from here. A service built without these arguments gets the same two
defaults, so a test may build one with fakes and nothing else changes.

Importing this module costs nothing: every service is imported when it is first asked for, so the HTTP cold
start does not load the stream's modules (shapely, holidays, jinja2 stay out of it).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from chalicelib.clock import Clock, now

if TYPE_CHECKING:
    from chalicelib.notify.senders import Sender
    from chalicelib.services.citizens import CitizenService
    from chalicelib.services.console import ConsoleService
    from chalicelib.services.deliveries import Deliveries
    from chalicelib.services.handling import HandlingService
    from chalicelib.services.media import MediaService
    from chalicelib.services.open311 import ApiKeys, Open311Service
    from chalicelib.services.reports import ReportService
    from chalicelib.services.stats import StatsService
    from chalicelib.services.stream import Consumer
    from chalicelib.services.watch import DeadlineWatch

clock: Clock = now


def sender() -> Sender:
    """How every message leaves: SES, signed webhooks, SNS, or what a test or the local stack plugs in."""
    from chalicelib.notify.senders import registry

    return registry()


def report_service() -> ReportService:
    from chalicelib.config import settings
    from chalicelib.services.reports import ReportService

    return ReportService(quota=settings().daily_report_quota)


def handling_service() -> HandlingService:
    from chalicelib.services.handling import HandlingService

    return HandlingService()


def console_service() -> ConsoleService:
    from chalicelib.services.console import ConsoleService

    return ConsoleService(handling=handling_service())


def citizen_service() -> CitizenService:
    from chalicelib.services.citizens import CitizenService

    return CitizenService()


def media_service() -> MediaService:
    from chalicelib.services.media import MediaService

    return MediaService()


def open311_service() -> Open311Service:
    from chalicelib.services.open311 import Open311Service

    return Open311Service(reports=report_service(), keys=api_keys())


def api_keys() -> ApiKeys:
    from chalicelib.services.open311 import ApiKeys

    return ApiKeys()


def stats_service() -> StatsService:
    from chalicelib.services.stats import StatsService

    return StatsService(clock=clock, sender=sender())


def deadline_watch() -> DeadlineWatch:
    from chalicelib.services.watch import DeadlineWatch

    return DeadlineWatch(sender=sender())


def deliveries() -> Deliveries:
    from chalicelib.services.deliveries import Deliveries

    return Deliveries(sender=sender())


def _consumer(function: Any, **dependencies: Any) -> Consumer:
    """`function` with its dependencies bound, keeping its name for the stream's logs."""
    bound = functools.partial(function, **dependencies)
    functools.update_wrapper(bound, function)
    consumer: Consumer = bound
    return consumer


def stream_consumers() -> list[Consumer]:
    """The reports table's stream consumers, in order (services/stream.py hands each change to every one)."""
    from chalicelib.services import (
        citizen_channels,
        citizen_notify,
        forwarding,
        imports,
        routing,
        stats,
        stream,
    )

    messages = sender()
    return [
        stream.note_seen,  # first: it makes the flow visible in the logs
        # routing and forwarding (issue 4)
        _consumer(routing.route_new_report, clock=clock),
        _consumer(forwarding.forward_to_unit, clock=clock, sender=messages),
        # statistics counters (issue 7), and the old system's outcome of an imported report (issue 17)
        stats.apply_change,  # through stats_service()
        imports.complete_imported,
        # telling the citizen (issue 5)
        _consumer(citizen_notify.notify_reporter, sender=messages, clock=clock),
        # push, SMS, followers, duplicates followed, reopenings to the unit (issue 15)
        _consumer(citizen_channels.notify_channels, sender=messages, clock=clock),
    ]
