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


def _tables_of(params: dict[str, Any] | None) -> list[str]:
    """The tables one DynamoDB request touches (a transaction or a batch may touch several)."""
    params = params or {}
    if "TableName" in params:
        return [str(params["TableName"])]
    if "TransactItems" in params:
        return sorted({op["TableName"] for item in params["TransactItems"] for op in item.values()})
    if "RequestItems" in params:
        return sorted(params["RequestItems"])
    return ["?"]


class RequestCounter:
    """Counts requests per operation for one service (botocore's event name, e.g. "dynamodb").

    For DynamoDB it also counts requests per (table, operation) and the items read: `items_read` (items
    returned: a Query/Scan page's `Count`, 1 for a GetItem that found its item) and `items_scanned` (items
    DynamoDB evaluated before a filter: `ScannedCount`, what a page costs in read capacity)."""

    def __init__(self, service: str = "dynamodb") -> None:
        self.service = service
        self.calls: Counter[str] = Counter()
        self.tables: Counter[tuple[str, str]] = Counter()
        self.items_read = 0
        self.items_scanned = 0
        self._paused = False

    def _on_call(self, event_name: str, **_: Any) -> None:
        if not self._paused:
            self.calls[event_name.rsplit(".", 1)[-1]] += 1

    def _on_params(self, event_name: str, params: dict[str, Any] | None = None, **_: Any) -> None:
        if not self._paused:
            for table in _tables_of(params):
                self.tables[(table, event_name.rsplit(".", 1)[-1])] += 1

    def _on_result(self, event_name: str, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        if self._paused or not parsed:
            return
        if "Count" in parsed:
            self.items_read += int(parsed["Count"])
            self.items_scanned += int(parsed.get("ScannedCount", parsed["Count"]))
        elif "Item" in parsed:
            self.items_read += 1
            self.items_scanned += 1
        elif "Responses" in parsed and isinstance(parsed["Responses"], dict):  # BatchGetItem
            n = sum(len(items) for items in parsed["Responses"].values())
            self.items_read += n
            self.items_scanned += n

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
        if self.service == "dynamodb":
            client.meta.events.register("before-parameter-build.dynamodb.*", self._on_params)
            client.meta.events.register("after-call.dynamodb.*", self._on_result)

    def on_table(self, suffix: str) -> int:
        """Requests to the tables whose name ends with `suffix` (e.g. "-idempotency")."""
        return sum(n for (table, _), n in self.tables.items() if table.endswith(suffix))

    @property
    def scans(self) -> int:
        return self.calls["Scan"]

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()
        self.tables.clear()
        self.items_read = 0
        self.items_scanned = 0

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
    from chalicelib.api import idempotency
    from chalicelib.config import settings
    from chalicelib.store import models

    settings.cache_clear()
    aws.reset()
    idempotency._persistence.cache_clear()
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


def dev_issuer(state_dir: Path) -> Any:
    """A development token issuer in `state_dir`, and the environment that makes the app trust it (call
    before `moto_stack`, which reads the settings afresh): `dev_issuer(d).token("citizen")`."""
    from infra.local.tokens import DevIssuer

    issuer = DevIssuer(state_dir)
    os.environ.update(
        {
            "AUTH_MODE": "dev",
            "DEV_JWKS_FILE": str(issuer.jwks_path),
            "JWT_ISSUER": issuer.issuer,
            "JWT_AUDIENCE": issuer.audience,
        }
    )
    return issuer
