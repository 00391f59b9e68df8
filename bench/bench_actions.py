"""The handling workflow: DynamoDB requests per action (issue 5, target <= 2 plus the idempotency record).

Run from the repository root:  python bench/bench_actions.py   (prints figures; never asserts)

- per action, in the service (`HandlingService.act`): one consistent GetItem and one conditional PutItem;
- per action through the app (POST /v1/reports/{id}/actions via chalice.test.Client) with an Idempotency-Key:
  the same two on the reports table, plus the idempotency records (Powertools: a conditional put of the
  in-progress record and the update that stores the answer);
- a retried action (same key, same body): what answering from the idempotency record costs.
Requests are counted per table from botocore's `before-call` events on moto in-process.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import moto_stack

N = 20  # reports per action kind


class TableCounter:
    """DynamoDB requests by (table, operation)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()

    def on_call(self, event_name: str, params: dict[str, Any] | None = None, **_: Any) -> None:
        table = (params or {}).get("TableName", "?")
        self.calls[(str(table).rsplit("-", 1)[-1], event_name.rsplit(".", 1)[-1])] += 1

    def total(self, table: str | None = None) -> int:
        return sum(n for (t, _), n in self.calls.items() if table is None or t == table)

    def summary(self) -> str:
        return ", ".join(f"{t}:{op} {n}" for (t, op), n in sorted(self.calls.items())) or "none"


@contextmanager
def counting() -> Iterator[TableCounter]:
    import botocore.session

    counter = TableCounter()
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build.dynamodb.*", counter.on_call)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def _store(unit: str = "03127", status: str = "assigned") -> Any:
    from chalicelib.domain.report import Status
    from tests.integration.factories import stored_report

    return stored_report(Status(status), unit=unit)


def _bodies(report: Any) -> dict[str, dict[str, Any]]:
    return {
        "accept": {"type": "accept"},
        "comment": {"type": "comment", "text": "Đã cử cán bộ kiểm tra."},
        "extend": {
            "type": "extend",
            "due_at": (report.due_at + timedelta(days=5)).isoformat(),
            "note": "Chờ.",
        },
        "resolve": {"type": "resolve", "answer": "Đã xử lý xong."},
    }


def service_requests() -> dict[str, tuple[float, str]]:
    """Mean requests per action in the service, by action kind."""
    from chalicelib.domain import workflow
    from chalicelib.domain.access import Actor
    from chalicelib.services.handling import HandlingService

    officer = Actor(sub="bench-officer", roles=frozenset({"officer"}), unit_code="03127")
    ioc = Actor(sub="bench-ioc", roles=frozenset({"ioc"}))
    out: dict[str, tuple[float, str]] = {}
    with counting() as counter, moto_stack():
        service = HandlingService()
        reports = [_store() for _ in range(N)]
        service.act(reports[0].id, workflow.Comment(text="warm"), officer, datetime.now(UTC))  # warm up
        plan: list[tuple[str, Any, Actor]] = [
            ("accept", lambda r: workflow.Accept(), officer),
            ("comment", lambda r: workflow.Comment(text="Ghi chú."), officer),
            ("extend", lambda r: workflow.Extend(due_at=r.due_at + timedelta(days=5), note="Chờ."), officer),
            ("hide", lambda r: workflow.Hide(reason="Thông tin cá nhân."), ioc),
            ("resolve", lambda r: workflow.Resolve(answer="Đã xử lý xong."), officer),
        ]
        for name, make, who in plan:
            counter.calls.clear()
            for report in reports:
                service.act(report.id, make(report), who, datetime.now(UTC))
            out[name] = (counter.total() / len(reports), counter.summary())
        others = [_store() for _ in range(N)]
        counter.calls.clear()
        for report in others:
            service.act(report.id, workflow.Reassign(unit="03151"), ioc, datetime.now(UTC))
        out["reassign"] = (counter.total() / N, counter.summary())
    return out


def http_requests() -> tuple[float, float, str, float, str]:
    """Through the app with an Idempotency-Key: requests per action (all, reports table) and for a retry."""
    from chalice.test import Client

    from infra.local.tokens import DevIssuer

    state = tempfile.TemporaryDirectory(prefix="bench-actions-")
    issuer = DevIssuer(Path(state.name))
    os.environ.update(
        {"DEV_JWKS_FILE": str(issuer.jwks_path), "JWT_ISSUER": issuer.issuer, "JWT_AUDIENCE": issuer.audience}
    )
    headers = {
        "Authorization": f"Bearer {issuer.token('officer', '03127')}",
        "Content-Type": "application/json",
    }
    with counting() as counter, moto_stack():
        from chalicelib.api import auth, idempotency

        auth._dev_keys.cache_clear()
        idempotency._persistence.cache_clear()
        import app as app_module

        reports = [_store() for _ in range(N + 1)]
        with Client(app_module.app, stage_name="dev") as client:

            def post(report: Any, body: dict[str, Any], key: str) -> int:
                response = client.http.post(
                    f"/v1/reports/{report.id}/actions",
                    headers={**headers, "Idempotency-Key": key},
                    body=json.dumps(body),
                )
                return int(response.status_code)

            post(reports[0], {"type": "accept"}, "warm")
            counter.calls.clear()
            for i, report in enumerate(reports[1:]):
                status = post(report, {"type": "accept"}, f"k{i}")
                assert status == 200, status
            first = counter.total() / N
            first_reports = counter.total("reports") / N
            first_summary = counter.summary()
            counter.calls.clear()
            for i, report in enumerate(reports[1:]):
                post(report, {"type": "accept"}, f"k{i}")
            retry = counter.total() / N
            retry_summary = counter.summary()
    state.cleanup()
    return first, first_reports, first_summary, retry, retry_summary


def main() -> None:
    for name, (mean, summary) in service_requests().items():
        print(f"actions: {mean:.1f} DynamoDB requests per {name} in the service ({summary}) (target <= 2)")
    first, on_reports, summary, retry, retry_summary = http_requests()
    print(
        f"actions: {on_reports:.1f} DynamoDB requests on the reports table per action over HTTP with an "
        f"Idempotency-Key, {first:.1f} with the idempotency records ({summary}) (target <= 2 plus the idempotency record)"
    )
    print(f"actions: {retry:.1f} DynamoDB requests per retried action, same key ({retry_summary})")


if __name__ == "__main__":
    main()
