"""Shared helpers for the benchmarks: moto in-process with the app's resources, and an AWS request counter.

Requests are counted from botocore's own events (`before-call.<service>.<Operation>`), so what is counted is
what would go over the wire: every client created while `count_requests()` is active is watched, whatever
created it (PynamoDB's botocore session, boto3 in chalicelib.aws, Powertools).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGION = "ap-southeast-1"


class RequestCounter:
    """Counts requests per operation for one service (botocore's event name, e.g. "dynamodb")."""

    def __init__(self, service: str = "dynamodb") -> None:
        self.service = service
        self.calls: Counter[str] = Counter()
        self._paused = False

    def _on_call(self, event_name: str, **_: Any) -> None:
        if not self._paused:
            self.calls[event_name.rsplit(".", 1)[-1]] += 1

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Requests made inside are not counted (set-up reads that are not part of what is measured)."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def watch(self, client: Any) -> None:
        client.meta.events.register(f"before-call.{self.service}.*", self._on_call)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()

    def summary(self) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(self.calls.items())) or "none"


@contextmanager
def count_requests(service: str = "dynamodb") -> Iterator[RequestCounter]:
    """Watch every botocore client created inside the block (the app builds its clients lazily)."""
    import botocore.session

    counter = RequestCounter(service)
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        counter.watch(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def forget_clients() -> None:
    """Drop the app's cached clients and model connections so that the next use builds new ones."""
    from chalicelib import aws
    from chalicelib.config import settings
    from chalicelib.store import models

    settings.cache_clear()
    aws.reset()
    models._bound = None


@contextmanager
def moto_stack(stage: str = "bench") -> Iterator[None]:
    """moto in-process with the app's tables, bucket and verified sender (as tests/conftest.py `aws_env`)."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "STAGE": stage,
            "AUTH_MODE": "dev",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_NAMESPACE": "FieldReportBench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    forget_clients()
    from moto import mock_aws

    with mock_aws():
        import boto3

        from chalicelib.config import settings
        from infra.local.resources import create_resources

        session = boto3.session.Session(region_name=REGION)
        create_resources(settings(), lambda service: session.client(service))
        yield
    forget_clients()
