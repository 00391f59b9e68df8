"""boto3 clients, built lazily and once per container (never at import time: tests start moto first)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    from chalicelib.config import settings

    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=3,
        read_timeout=10,
        signature_version="s3v4" if service == "s3" else None,
    )
    return boto3.session.Session().client(service, region_name=settings().region, config=config)


def reset() -> None:
    """Forget cached clients (tests switch between emulators)."""
    client.cache_clear()
