"""Shared fixtures. Integration tests run the real handlers against moto's in-process AWS (`mock_aws`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

REGION = "ap-southeast-1"

# Hypothesis under CI=true: the same examples on every run (derandomize), no example database carried between
# runs, and no deadline (a shared 2-core machine makes timings meaningless). A failure still prints the example.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")


def _reset_caches() -> None:
    from chalicelib import aws
    from chalicelib.config import settings

    settings.cache_clear()
    aws.reset()
    from chalicelib.api import auth, idempotency

    auth._dev_keys.cache_clear()
    idempotency._persistence.cache_clear()
    from chalicelib.store import models

    models._bound = None
    from chalicelib import config
    from chalicelib.notify import phone

    config.citizen_channel_settings.cache_clear()
    phone.reset()


@pytest.fixture(scope="session")
def dev_issuer(tmp_path_factory: pytest.TempPathFactory):
    """One development issuer per test session: an RSA key takes a second or more to generate."""
    from infra.local.tokens import DevIssuer

    return DevIssuer(tmp_path_factory.mktemp("issuer") / "state")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, dev_issuer) -> Iterator[None]:
    """moto in-process, with the tables, bucket and sender created from infra's definitions."""
    from moto import mock_aws

    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "STAGE": "test",
        "AUTH_MODE": "dev",
        "DEV_JWKS_FILE": str(dev_issuer.jwks_path),
        "JWT_ISSUER": dev_issuer.issuer,
        "JWT_AUDIENCE": dev_issuer.audience,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "FieldReportTest",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    _reset_caches()
    with mock_aws():
        import boto3

        from chalicelib.config import settings
        from infra.local.resources import create_resources

        session = boto3.session.Session(region_name=REGION)
        create_resources(settings(), lambda service: session.client(service))
        yield
    _reset_caches()


@pytest.fixture
def client(aws_env):
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app, stage_name="dev") as c:
        yield c


@pytest.fixture
def tokens(dev_issuer):
    """tokens("citizen"), tokens("officer", unit="03127"), tokens("ioc") ... -> Authorization headers."""

    def make(role: str, unit: str | None = None, sub: str | None = None, **extra) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {dev_issuer.token(role, unit, sub, **extra)}",
            "Content-Type": "application/json",
        }

    return make


@pytest.fixture
def stream(aws_env):
    """Feeds the reports table's stream to the real stream handler: `stream.pump()` after a write."""
    import boto3

    import app as app_module
    from chalicelib.config import settings
    from infra.local.stream_worker import StreamPump

    session = boto3.session.Session(region_name=REGION)

    def client(service: str):
        # moto's in-process router only matches the streams endpoint with a trailing slash.
        if service == "dynamodbstreams":
            return session.client(service, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com/")
        return session.client(service)

    return StreamPump(client, settings().reports_table, app_module.handle_report_stream, REGION)
