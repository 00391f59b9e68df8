"""The README's promise: `make run` serves the API; a citizen's token submits, reads back, finds it listed;
bad tokens get the API's error shape; data survives a restart without replaying old events."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import start_stack, stop_stack

pytestmark = pytest.mark.e2e

REPORT = {
    "category": "giao-thong",
    "description": "Ổ gà lớn giữa đường Võ Nguyên Giáp, gần cầu Mường Thanh",
    "location": {"lat": 21.386, "lng": 103.017},
}


def test_citizen_submits_reads_back_and_finds_it_listed(live_stack):
    token = live_stack.token("citizen", sub="e2e-citizen-1")
    status, created = live_stack.request("POST", "/v1/reports", REPORT, token=token)
    assert status == 201, created
    status, read = live_stack.request("GET", f"/v1/reports/{created['id']}", token=token)
    assert status == 200 and read["description"] == REPORT["description"]
    assert read["reporter"]["name"]
    status, public = live_stack.request("GET", f"/v1/reports/{created['id']}")
    assert status == 200 and "reporter" not in public
    status, listed = live_stack.request("GET", "/v1/reports?limit=100")
    assert status == 200 and created["id"] in [r["id"] for r in listed["items"]]


def test_missing_and_forged_tokens_are_refused_in_the_api_error_shape(live_stack):
    status, body = live_stack.request("POST", "/v1/reports", REPORT)
    assert status == 401 and body["error"]["code"] == "missing_token"
    status, body = live_stack.request("POST", "/v1/reports", REPORT, token="not-a-jwt")
    assert status == 401 and body["error"]["code"] == "invalid_token"
    status, body = live_stack.request("GET", "/v1/nowhere")
    assert status == 404 and body["error"]["code"] == "not_found"


def test_data_survives_a_restart_without_replaying_old_events(tmp_path):
    state = tmp_path / "state"
    stack = start_stack(state)
    try:
        token = stack.token("citizen", sub="e2e-restart")
        status, created = stack.request("POST", "/v1/reports", REPORT, token=token)
        assert status == 201
        stack.wait_for(
            lambda: (
                stack.request("GET", f"/v1/reports/{created['id']}", token=token)[1]["status"] == "assigned"
            )
        )
        stack.wait_for(lambda: stack.outbox())
        before = stack.request("GET", f"/v1/reports/{created['id']}", token=token)[1]
        mails_before = len(stack.outbox())
    finally:
        stop_stack(stack.process)
    stack = start_stack(state)
    try:
        status, after = stack.request("GET", f"/v1/reports/{created['id']}", token=token)
        assert status == 200
        assert after["status"] == before["status"]
        assert len(after["timeline"]) == len(before["timeline"])
        stack.drain()
        assert len(stack.outbox()) == mails_before
    finally:
        stop_stack(stack.process)


def test_make_sla_runs_the_sweep_as_of_an_instant_and_the_notices_reach_the_outbox(live_stack):
    import json
    import subprocess
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    token = live_stack.token("citizen", sub="e2e-sla")
    status, created = live_stack.request("POST", "/v1/reports", REPORT, token=token)
    assert status == 201
    live_stack.wait_for(
        lambda: (
            live_stack.request("GET", f"/v1/reports/{created['id']}", token=token)[1]["status"] == "assigned"
        )
    )
    later = (
        datetime.now(UTC) + timedelta(days=12)
    ).isoformat()  # past the triage deadline, whatever holidays
    run = subprocess.run(
        ["make", "--no-print-directory", "-s", "sla", f"AT={later}", f"API={live_stack.base_url}"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(run.stdout[: run.stdout.rindex("}") + 1])["result"]
    assert result["breaches"] >= 1 and result["emails_sent"] >= 2
    subjects = [m["subject"] for m in live_stack.outbox()]
    assert any("quá hạn" in s and s.startswith("[IOC]") for s in subjects)
