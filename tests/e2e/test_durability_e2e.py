"""`kill -9` of `make run` in the middle of a burst of submissions loses nothing that was answered 201
(issue 12, point 3): after `make run` again every such report is there, routed and forwarded exactly once,
and its Idempotency-Key still answers the same report. And the citizen's 21st report of the day (429) does
not stop the stream worker: later reports are still routed."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import LiveStack, start_stack, stop_stack

pytestmark = pytest.mark.e2e

REPORT = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường Võ Nguyên Giáp, bốc mùi khó chịu.",
    "location": {"lat": 21.386, "lng": 103.017},
}
BURST = 50
KILL_AFTER = 20  # answers seen before the kill; the rest of the burst is in flight or not sent yet
FORWARD_SUBJECT = "[PAHT] Phản ánh mới cần xử lý"


def _forwards(stack: LiveStack) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in stack.outbox():
        if message["subject"].startswith(FORWARD_SUBJECT):
            for line in set((message.get("text") or "").split()):
                counts[line] = counts.get(line, 0) + 1
    return counts


def test_kill_9_in_a_burst_loses_no_report_that_was_answered_201(tmp_path):
    state = tmp_path / "state"
    stack = start_stack(state)
    answered: dict[int, str] = {}  # request number -> report id, for every 201
    lock = threading.Lock()
    killed = threading.Event()

    def submit(n: int) -> None:
        if killed.is_set():
            return
        token = stack.token("citizen", sub=f"burst-{n}")
        try:
            status, body = stack.request(
                "POST", "/v1/reports", REPORT, token=token, headers={"Idempotency-Key": f"burst-key-{n}"}
            )
        except OSError:
            return  # the connection died with the process: not answered, so not promised
        if status != 201:
            return
        with lock:
            answered[n] = body["id"]
            if len(answered) >= KILL_AFTER and not killed.is_set():
                killed.set()
                os.killpg(stack.process.pid, signal.SIGKILL)

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(submit, range(BURST)))
    finally:
        if not killed.is_set():
            os.killpg(stack.process.pid, signal.SIGKILL)
        stack.process.wait(timeout=30)
    assert len(answered) >= KILL_AFTER

    stack = start_stack(state)
    try:
        ioc = stack.token("ioc")

        def all_assigned() -> bool:
            for report_id in answered.values():
                status, report = stack.request("GET", f"/v1/reports/{report_id}", token=ioc)
                if status != 200 or report["status"] != "assigned":
                    return False
            return True

        stack.wait_for(all_assigned, timeout=60)
        stack.wait_for(lambda: all(_forwards(stack).get(i, 0) >= 1 for i in answered.values()), timeout=60)
        stack.drain()
        forwards = _forwards(stack)
        assert {i: forwards.get(i, 0) for i in answered.values()} == {i: 1 for i in answered.values()}

        # The idempotency record survived too: the client's retry gets its report, not a second one.
        n, report_id = next(iter(answered.items()))
        status, again = stack.request(
            "POST",
            "/v1/reports",
            REPORT,
            token=stack.token("citizen", sub=f"burst-{n}"),
            headers={"Idempotency-Key": f"burst-key-{n}"},
        )
        assert status == 201 and again["id"] == report_id
    finally:
        stop_stack(stack.process)


def test_reports_after_a_citizens_21st_of_the_day_are_still_routed(live_stack):
    token = live_stack.token("citizen", sub="e2e-quota-21")
    statuses = [live_stack.request("POST", "/v1/reports", REPORT, token=token)[0] for _ in range(21)]
    assert statuses == [201] * 20 + [429]

    later = []
    for i in range(2):
        status, created = live_stack.request(
            "POST", "/v1/reports", REPORT, token=live_stack.token("citizen", sub=f"e2e-after-quota-{i}")
        )
        assert status == 201
        later.append(created["id"])

    def routed() -> bool:
        return all(
            live_stack.request("GET", f"/v1/reports/{i}", token=live_stack.token("ioc"))[1]["status"]
            == "assigned"
            for i in later
        )

    live_stack.wait_for(routed, timeout=30)
