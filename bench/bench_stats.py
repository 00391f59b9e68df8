"""The IOC table's cost does not grow with the number of reports: a stats request at 1,000 and at 100,000
reports, items read and time side by side. Prints figures only; never asserts.

Run from the repository root:  python bench/bench_stats.py

Set-up (moto in process, the tables created from infra's definitions):
- reports of April for the 10 district-level units, spread over every (day, unit) cell, with random
  lifecycles: open, overdue (marked by the sweep), resolved on time or late, rejected, rated;
- first, for 100 reports, the counters built by the REAL stream consumer
  (`services.stats.apply_change`, one transaction per change, every change delivered twice) are compared with
  the cells computed directly from the same reports by the same pure functions (`domain.stats.contribution`);
- feeding 100,000 reports' changes through moto's transactions would take hours (moto copies the tables on
  every transaction), so the 1,000- and 100,000-report sets are loaded as cells computed by those same pure
  functions and written directly (`StatsStore.put_cells`, every cell with the same fields as the consumer
  writes): the comparison above shows that this is what the consumer would have written.
Both sets go into the same table (the 1,000 reports in April 2024, the 100,000 in April 2025), and
`StatsService.table(<April>)` — what GET /v1/stats calls — is timed for each, alternately; its DynamoDB requests
and items read are counted from botocore's events. Times are moto's (in process): they measure the work of
reading and decoding the items, not DynamoDB's network latency.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REGION = "ap-southeast-1"
APRIL = (date(2024, 4, 1), date(2024, 4, 30))
PERIODS = {2024: APRIL, 2025: (date(2025, 4, 1), date(2025, 4, 30))}
UNITS = ["094", "095", "096", "097", "098", "099", "100", "101", "102", "103"]
REPEAT = 15


def _environment() -> None:
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "STAGE": "bench",
            "POWERTOOLS_TRACE_DISABLED": "1",
        }
    )


def _reset() -> None:
    from chalicelib import aws
    from chalicelib.config import settings
    from chalicelib.store import models

    settings.cache_clear()
    aws.reset()
    models._bound = None


def _create_tables() -> None:
    import boto3

    from chalicelib.config import settings
    from infra.local.resources import create_resources

    session = boto3.session.Session(region_name=REGION)
    create_resources(settings(), lambda service: session.client(service))


def _lifecycles(n: int, seed: int, year: int = 2024) -> list[tuple[Any, ...]]:
    """n reports as (received, assigned, final) versions, round-robin over the 300 cells of April `year`."""
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
    from chalicelib.domain.ids import new_id
    from chalicelib.domain.report import VN_OFFSET, Feedback, Location, Report, Reporter, Status

    calendar, policy = WorkingCalendar.default(), DeadlinePolicy.default()
    rng = random.Random(seed)
    reporter = Reporter(sub="bench", name="Người phản ánh", phone="0912345678")
    out = []
    for i in range(n):
        cell = i % (30 * len(UNITS))
        day, unit = 1 + cell // len(UNITS), UNITS[cell % len(UNITS)]
        received_at = datetime(year, 4, day, rng.randint(0, 23), rng.randint(0, 59), tzinfo=VN_OFFSET)
        received = Report(
            id=new_id(int(received_at.timestamp() * 1000)),
            category="moi-truong",
            description="Phản ánh dùng cho bench",
            location=Location(21.386, 103.017),
            reporter=reporter,
            received_at=received_at,
        )
        assigned_at = received_at + timedelta(minutes=2)
        deadlines = compute_deadlines(assigned_at, "moi-truong", calendar, policy)
        assigned = replace(
            received,
            status=Status.ASSIGNED,
            unit_code=unit,
            assigned_at=assigned_at,
            triage_due_at=deadlines.triage_due_at,
            due_at=deadlines.due_at,
            version=1,
        )
        fate = rng.random()
        closed_at = assigned_at + timedelta(hours=rng.randint(1, 400))
        if fate < 0.2:
            final = assigned
        elif fate < 0.4:
            final = replace(assigned, overdue_since=deadlines.due_at + timedelta(seconds=1))
        elif fate < 0.9:
            final = replace(assigned, status=Status.RESOLVED, closed_at=closed_at)
        else:
            final = replace(assigned, status=Status.REJECTED, closed_at=closed_at)
        if final.is_closed and rng.random() < 0.3:
            final = replace(final, feedback=Feedback(rating=rng.randint(1, 5), comment=None, at=closed_at))
        out.append((received, assigned, replace(final, version=2) if final is not assigned else assigned))
    return out


class _Counter:
    """DynamoDB requests and items read, from botocore's events on the client the store uses."""

    def __init__(self, client: Any) -> None:
        self.requests: dict[str, int] = {}
        self.items = 0
        client.meta.events.register("before-call.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.Query", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self.requests[model.name] = self.requests.get(model.name, 0) + 1

    def _after(self, parsed: Any, **_: Any) -> None:
        self.items += int(parsed.get("Count", 0))

    def reset(self) -> None:
        self.requests, self.items = {}, 0


def _consumer_check(n: int) -> dict[str, Any]:
    """Counters built by the real stream consumer for n reports equal the cells computed directly."""
    from moto import mock_aws

    _reset()
    with mock_aws():
        _create_tables()
        from chalicelib.domain.calendar import WorkingCalendar
        from chalicelib.domain.stats import cells_from_reports
        from chalicelib.services.stats import StatsService, cell_differences
        from chalicelib.services.stream import ReportChange

        lifecycles = _lifecycles(n, seed=7)
        service = StatsService()
        direct = cells_from_reports((final for _, _, final in lifecycles), WorkingCalendar.default())
        changes = 0
        start = time.perf_counter()
        for k, (received, assigned, final) in enumerate(lifecycles):
            steps = [(None, received), (received, assigned)]
            if final is not assigned:
                steps.append((assigned, final))
            for j, (old, new) in enumerate(steps):
                service.apply_change(ReportChange(f"{k}-{j}", "MODIFY" if old else "INSERT", old, new))
                service.apply_change(
                    ReportChange(f"{k}-{j}", "MODIFY" if old else "INSERT", old, new)
                )  # again
                changes += 1
        seconds = time.perf_counter() - start
        same = cell_differences(service.cells(*APRIL), direct) == []
    _reset()
    return {"n": n, "changes": changes, "same": same, "seconds": seconds}


def _measure(sets: dict[int, int]) -> list[dict[str, Any]]:
    """Load each set (year -> number of reports) into April of its year, in ONE table, then time the two
    table requests alternately, so that the machine's load affects both alike."""
    from moto import mock_aws

    _reset()
    with mock_aws():
        _create_tables()
        from chalicelib.aws import client
        from chalicelib.domain.calendar import WorkingCalendar
        from chalicelib.domain.report import utc_text
        from chalicelib.domain.stats import cells_from_reports
        from chalicelib.services.stats import StatsService
        from chalicelib.store.stats import StatsStore

        service = StatsService()
        results: dict[int, dict[str, Any]] = {}
        for year, n in sets.items():
            start = time.perf_counter()
            lifecycles = _lifecycles(n, seed=n, year=year)
            cells = cells_from_reports((final for _, _, final in lifecycles), WorkingCalendar.default())
            StatsStore().put_cells(cells, utc_text(datetime.now().astimezone()))
            results[year] = {"n": n, "load_s": time.perf_counter() - start, "times": []}

        counter = _Counter(client("dynamodb"))
        for year in sets:
            service.table(*PERIODS[year])  # warm up (first client call, registry, calendar)
        for _ in range(REPEAT):
            for year in sets:
                counter.reset()
                t0 = time.perf_counter()
                table = service.table(*PERIODS[year])
                results[year]["times"].append(time.perf_counter() - t0)
                assert table.province is not None
                results[year].update(
                    total=table.province.total, requests=dict(counter.requests), items=counter.items
                )
        for r in results.values():
            r["ms"] = statistics.median(r["times"]) * 1000
    _reset()
    return list(results.values())


def main() -> None:
    _environment()
    check = _consumer_check(100)
    small, large = _measure({2024: 1_000, 2025: 100_000})
    print(
        f"stats: counters built by the stream consumer equal the cells computed from the same reports "
        f"({check['n']} reports, {check['changes']} changes each delivered twice, {check['seconds']:.1f} s in moto): "
        f"{'yes' if check['same'] else 'NO'} (so the 1,000 and 100,000 sets below are loaded as computed cells)"
    )
    for r in (small, large):
        requests = ", ".join(f"{v} {k}" for k, v in sorted(r["requests"].items()))
        print(
            f"stats: {r['n']:>7,} reports (province total {r['total']:,}): {requests} per request, "
            f"{r['items']} items read, {r['ms']:.1f} ms per table (median of {REPEAT}; moto in process)"
        )
    print(
        f"stats: items read at 100,000 vs 1,000 reports: {large['items']} vs {small['items']} "
        f"(target: the same; bounded by 10 units x 30 days = 300)"
    )
    print(f"stats: time ratio 100,000 / 1,000 reports: {large['ms'] / small['ms']:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
