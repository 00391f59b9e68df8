"""What SnapStart's before-snapshot hook does (chalicelib/snapstart.py): the first request's one-time work,
without sending any AWS request (a connection opened before the snapshot would be stale after a restore)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import snapstart


@pytest.fixture
def sent(aws_env) -> Any:
    """Every AWS request sent while the test runs (botocore's before-send, on every client created)."""
    import botocore.session

    calls: list[str] = []
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-send", lambda **kw: calls.append(kw["request"].url))
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    yield calls
    botocore.session.Session.create_client = original  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "handler", ["app.app", "app.jwt_auth", "app.handle_report_stream", "app.deadline_sweep"]
)
def test_priming_sends_no_request_and_fails_no_step(sent, monkeypatch, caplog, handler):
    monkeypatch.setenv("_HANDLER", handler)
    snapstart.prime()
    assert sent == []
    assert "priming step" not in caplog.text


def test_the_api_function_is_primed_with_its_clients_and_schemas(sent, monkeypatch):
    from chalicelib import aws
    from chalicelib.api import schemas
    from chalicelib.store.models import ReportItem

    monkeypatch.setenv("_HANDLER", "app.app")
    snapstart.prime()
    assert schemas.SubmitReport.__pydantic_complete__ and schemas.ReportPublic.__pydantic_complete__
    # the models and the idempotency records share the client built before the snapshot
    assert ReportItem._get_connection().connection._client is aws.client("dynamodb")
    assert sent == []
