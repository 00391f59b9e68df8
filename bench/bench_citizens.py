"""Citizens (issue 15): DynamoDB requests of the nearby search, and what telling a citizen costs.

Run from the repository root:  python bench/bench_citizens.py   (prints figures; never asserts)

- nearby: 600 public reports scattered over about 6 × 6 km around Điện Biên Phủ (a fixed seed), searched from
  several points with radii of 100 m to 2 km: Queries on the geohash index (target: at most 9, one per
  neighbouring cell), items read, and whether any request was a Scan;
- possible duplicates at submission (radius 100 m): the same figures;
- telling: one report answered, with its reporter (phone only) and 10 followers (5 with the app, 5 with a
  phone): DynamoDB and SNS requests per notice sent, and what a redelivered stream record costs (nothing sent).
Requests are counted from botocore's `before-call` events on moto in-process.
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import count_requests, forget_clients, moto_stack

CENTRE = (21.386, 103.017)
REPORTS = 600
FOLLOWERS = 10


def _fresh_clients() -> None:
    """New clients inside a counting block, so that every request they make is counted."""
    from chalicelib.store.models import bind

    forget_clients()
    bind()


def _reports(now: datetime) -> list[object]:
    from chalicelib.domain.ids import new_id
    from chalicelib.domain.report import HistoryEntry, Location, Report, Reporter, Status

    rng = random.Random(15)
    out = []
    statuses = [Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED]
    for i in range(REPORTS):
        status = statuses[i % len(statuses)]
        received = now - timedelta(days=rng.randint(0, 60), minutes=i)
        out.append(
            Report(
                id=new_id(int(received.timestamp() * 1000)),
                category=rng.choice(["moi-truong", "giao-thong", "dien-chieu-sang"]),
                description="Phản ánh để đo chi phí tìm kiếm lân cận.",
                location=Location(
                    CENTRE[0] + rng.uniform(-0.027, 0.027), CENTRE[1] + rng.uniform(-0.029, 0.029)
                ),
                reporter=Reporter(sub=f"bench-{i}", name="Người dân", phone="0912345678"),
                received_at=received,
                status=status,
                unit_code="03127",
                closed_at=received + timedelta(days=1)
                if status in (Status.RESOLVED, Status.REJECTED)
                else None,
                history=(HistoryEntry(at=received, type="received", actor_sub=None, actor_role="citizen"),),
            )
        )
    return out


def bench_nearby(now: datetime) -> None:
    from chalicelib.services.citizens import CitizenService
    from chalicelib.store.citizens import QueryCount
    from chalicelib.store.reports import ReportRepository

    repo = ReportRepository()
    for report in _reports(now):
        repo.create(report, None, 0, 0)  # type: ignore[arg-type]
    service = CitizenService()
    rng = random.Random(7)
    points = [CENTRE] + [
        (CENTRE[0] + rng.uniform(-0.02, 0.02), CENTRE[1] + rng.uniform(-0.02, 0.02)) for _ in range(9)
    ]
    print(f"nearby over {REPORTS} reports, {len(points)} points per radius:")
    for radius in (100, 500, 1000, 2000):
        worst = found_total = read_total = 0
        scans = 0
        for lat, lng in points:
            count = QueryCount()
            with count_requests() as counter:
                _fresh_clients()
                found = service.nearby(lat, lng, radius, None, now, limit=100, count=count)
            worst = max(worst, counter.calls["Query"])
            scans += counter.calls["Scan"]
            found_total += len(found)
            read_total += counter.items_read
        print(
            f"  radius {radius:>4} m: at most {worst} Queries per search (target <= 9), {scans} Scans, "
            f"{read_total / len(points):.0f} items read and {found_total / len(points):.1f} shown per search"
        )
    report = _reports(now)[0]
    with count_requests() as counter:
        _fresh_clients()
        dups = service.possible_duplicates(report)  # type: ignore[arg-type]
    print(
        f"possible duplicates at submission (100 m): {counter.calls['Query']} Queries, "
        f"{counter.items_read} items read, {len(dups)} found"
    )


def bench_telling(now: datetime) -> None:
    from chalicelib.domain.access import Actor
    from chalicelib.domain.ids import new_id
    from chalicelib.domain.report import HistoryEntry, Status
    from chalicelib.services.citizen_channels import deliver, planned
    from chalicelib.services.citizens import CitizenService
    from chalicelib.services.stream import ReportChange
    from chalicelib.store.reports import ReportRepository

    repo = ReportRepository()
    report = replace(_reports(now)[1], id=new_id(), status=Status.IN_PROGRESS)  # type: ignore[type-var]
    repo.create(report, None, 0, 0)  # type: ignore[arg-type]
    service = CitizenService()
    for i in range(FOLLOWERS):
        caller = Actor(f"follower-{i}", frozenset({"citizen"}), phone=None if i < 5 else f"09123450{i:02d}")
        if i < 5:
            service.register_device(caller, "fcm", f"bench-device-token-{i:04d}")
        service.follow(report.id, caller)
    old = repo.get(report.id)
    assert old is not None
    entry = HistoryEntry(
        at=now, type="resolved", actor_sub="o", actor_role="officer", public_text="Đã xử lý."
    )
    new = old.with_entry(entry, status=Status.RESOLVED, closed_at=now, answer="Đã xử lý.")
    change = ReportChange("bench", "MODIFY", old, new)
    with count_requests("sns") as sns, count_requests() as ddb:
        _fresh_clients()
        messages = planned(change)
        sent = deliver(messages)
    per = max(sent, 1)
    print(
        f"telling the reporter and {FOLLOWERS} followers of an answer: {sent} notices "
        f"({sum(1 for m in messages if m.channel == 'push')} push, {sum(1 for m in messages if m.channel == 'sms')} SMS)"
    )
    print(
        f"  DynamoDB: {ddb.total} requests ({dict(ddb.calls)}), {ddb.total / per:.1f} per notice; "
        f"SNS: {sns.total} requests, {sns.total / per:.1f} per notice"
    )
    with count_requests("sns") as sns, count_requests() as ddb:
        _fresh_clients()
        again = deliver(planned(change))
    print(f"  redelivered record: {again} sent, {ddb.total} DynamoDB and {sns.total} SNS requests")


def main() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with moto_stack():
        bench_nearby(now)
    with moto_stack():
        bench_telling(now)


if __name__ == "__main__":
    main()
