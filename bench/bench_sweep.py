"""The deadline sweep over a large table: items read, DynamoDB requests and seconds for one sweep.

Run from the repository root:  python bench/bench_sweep.py [N_OPEN] [N_DUE]   (prints figures; never asserts)

100,000 open reports (default) across the 45 communes and wards, of which 50 have a missed triage deadline; the
others were accepted and their resolution deadline is days away (no notice due). The sweep runs once, as the
scheduled function would, on moto in-process. Target: items read <= 2 x due + number of units (one Query page
of the sparse sweep index returns the due reports; each is re-read once, consistently, before acting on it).

Loading the table is measured separately (batch writes through the PynamoDB model, index keys from `to_item`):
it is moto's cost, not the sweep's.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import count_requests, forget_clients, moto_stack

N_OPEN = 100_000
N_DUE = 50


class ItemCounter:
    """Items returned by DynamoDB reads, from botocore's after-call events."""

    def __init__(self) -> None:
        self.items: Counter[str] = Counter()

    def __call__(self, parsed: Any = None, model: Any = None, **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items[model.name] += len(parsed.get("Items", []))
        elif model.name == "GetItem" and parsed.get("Item"):
            self.items["GetItem"] += 1
        elif model.name == "BatchGetItem":
            self.items["BatchGetItem"] += sum(len(v) for v in parsed.get("Responses", {}).values())

    @property
    def total(self) -> int:
        return sum(self.items.values())


def build_reports(n_open: int, n_due: int) -> tuple[list[Any], int]:
    from chalicelib.domain.calendar import VN_TZ, WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
    from chalicelib.domain.ids import new_id
    from chalicelib.domain.report import HistoryEntry, Location, Report, Reporter, Status
    from chalicelib.domain.units import UnitRegistry

    calendar, policy = WorkingCalendar.default(), DeadlinePolicy.default()
    units = [
        u.code
        for u in UnitRegistry.default().valid_on(datetime(2025, 9, 15).date())
        if u.kind in ("ward", "commune")
    ]
    # Accepted on Friday 12/9/2025: resolution due Monday 22/9, reminded from Friday 19/9: nothing due on 15/9.
    quiet_at = datetime(2025, 9, 12, 9, 0, tzinfo=VN_TZ)
    # Assigned on Thursday 11/9: triage due end of Friday 12/9, missed: a breach is due.
    due_at = datetime(2025, 9, 11, 9, 0, tzinfo=VN_TZ)
    quiet_deadlines = compute_deadlines(quiet_at, "moi-truong", calendar, policy)
    due_deadlines = compute_deadlines(due_at, "moi-truong", calendar, policy)
    reports = []
    for i in range(n_open):
        due = i < n_due
        at = (due_at if due else quiet_at) + timedelta(milliseconds=i)
        d = due_deadlines if due else quiet_deadlines
        reports.append(
            Report(
                id=new_id(int(at.timestamp() * 1000)),
                category="moi-truong",
                description="Rác thải đổ trộm ven đường, bốc mùi hôi.",
                location=Location(21.386, 103.017),
                reporter=Reporter(sub=f"bench-{i % 5000}", name="Người dùng thử", phone="0912345678"),
                received_at=at - timedelta(minutes=1),
                status=Status.ASSIGNED if due else Status.IN_PROGRESS,
                unit_code=units[i % len(units)],
                assigned_at=at,
                triage_due_at=d.triage_due_at,
                due_at=d.due_at,
                history=(HistoryEntry(at=at, type="received", actor_sub=f"bench-{i}", actor_role="citizen"),),
            )
        )
    due_units = len({r.unit_code for r in reports[:n_due]})
    return reports, due_units


def load(reports: list[Any]) -> float:
    from chalicelib.store.models import ReportItem
    from chalicelib.store.reports import ReportRepository, to_item

    ReportRepository()
    began = time.perf_counter()
    with ReportItem.batch_write() as batch:
        for report in reports:
            batch.save(to_item(report))
    return time.perf_counter() - began


def main() -> None:
    n_open = int(sys.argv[1]) if len(sys.argv) > 1 else N_OPEN
    n_due = int(sys.argv[2]) if len(sys.argv) > 2 else N_DUE
    with moto_stack("bench"):
        from chalicelib.domain.calendar import VN_TZ

        began = time.perf_counter()
        reports, due_units = build_reports(n_open, n_due)
        built = time.perf_counter() - began
        load_seconds = load(reports)
        del reports
        print(
            f"sweep: loaded {n_open:,} open reports into moto in {load_seconds:.1f} s "
            f"(built in {built:.1f} s; batch writes, not part of the sweep)"
        )

        forget_clients()  # new clients, so that the counters below see every request of the sweep
        now = datetime(2025, 9, 15, 9, 0, tzinfo=VN_TZ)
        items = ItemCounter()
        with count_requests("dynamodb") as requests, count_requests("sesv2") as mails:
            from chalicelib.services.watch import DeadlineWatch
            from chalicelib.store.models import ALL_MODELS, bind

            bind()
            for model in ALL_MODELS.values():
                model._get_connection().connection.client.meta.events.register(
                    "after-call.dynamodb", items, unique_id="bench-items"
                )  # the models share one client: count each request once
            watch = DeadlineWatch()
            requests.reset()
            began = time.perf_counter()
            result = watch.run_sweep(now)
            seconds = time.perf_counter() - began
            n_requests, summary, n_mails, n_items = (
                requests.total,
                requests.summary(),
                mails.total,
                items.total,
            )
            item_detail = dict(items.items)
            again = watch.run_sweep(now + timedelta(minutes=15))

    target = 2 * n_due + due_units
    print(
        f"sweep: {n_items} items read for {n_due} due of {n_open:,} open reports, {due_units} units "
        f"(target <= 2 x due + units = {target}); {item_detail}"
    )
    print(
        f"sweep: {n_requests} DynamoDB requests ({summary}), {n_requests / max(n_due, 1):.1f} per due report"
    )
    print(
        f"sweep: {seconds:.2f} s for one sweep on moto in-process ({result.emails_sent} e-mails, "
        f"{n_mails} SES requests; {result.breaches} breaches, {result.overdue_reports} overdue reports)"
    )
    print(f"sweep: the next sweep read {again.items_read} items and sent {again.emails_sent} e-mails")


if __name__ == "__main__":
    main()
