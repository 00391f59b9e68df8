"""The statistics counters under the stream's delivery guarantees (moto): each change is counted once, however
often its batch is redelivered, and the counters always equal the table recomputed from the reports."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.report import Feedback, Report, Status
from chalicelib.services.stream import ReportChange
from tests.integration.stats_helpers import new_report, routed, save_final, truncate, vn

APRIL = (date(2024, 4, 1), date(2024, 4, 30))
UNITS = ["094", "098", "100", "103", "IOC"]


def _service():
    from chalicelib.services.stats import StatsService

    return StatsService()


def test_a_redelivered_change_is_counted_once(aws_env) -> None:
    from chalicelib.services.stats import apply_change

    received = new_report(vn(2024, 4, 2, 9, 0))
    assigned = routed(
        received, "094", vn(2024, 4, 2, 9, 1), vn(2024, 4, 3, 23, 59, 59), vn(2024, 4, 10, 23, 59, 59)
    )
    change = ReportChange("evt-1", "MODIFY", received, assigned)
    for _ in range(3):  # Lambda retried the batch twice
        apply_change(change)
    table = _service().table(*APRIL)
    row = table.row("094")
    assert row is not None and (row.total, row.open) == (1, 1)

    overdue = replace(assigned, overdue_since=vn(2024, 4, 4, 0, 0, 0), version=assigned.version + 1)
    apply_change(ReportChange("evt-2", "MODIFY", assigned, overdue))
    apply_change(ReportChange("evt-2", "MODIFY", assigned, overdue))
    row = _service().table(*APRIL).row("094")
    assert row is not None and (row.total, row.open, row.overdue, row.overdue_rate_label) == (1, 1, 1, "100%")

    save_final([overdue])
    assert _service().recompute_table(*APRIL) == _service().table(*APRIL)


def test_a_change_the_table_does_not_show_writes_nothing(aws_env) -> None:
    from chalicelib.services.stats import StatsService

    received = new_report(vn(2024, 4, 2, 9, 0))
    assigned = routed(
        received, "094", vn(2024, 4, 2, 9, 1), vn(2024, 4, 3, 23, 59, 59), vn(2024, 4, 10, 23, 59, 59)
    )
    commented = replace(assigned, address="Tổ 7", version=assigned.version + 1)
    service = StatsService()
    assert service.apply_change(ReportChange("evt-a", "INSERT", None, received)) is False  # not forwarded yet
    assert service.apply_change(ReportChange("evt-b", "MODIFY", assigned, commented)) is False


def test_a_table_request_reads_cells_not_reports(aws_env) -> None:
    """50 reports on 3 days for 2 units: the table reads 6 cells with one Query."""
    from chalicelib.services.stats import apply_change
    from chalicelib.store.stats import ReadCost

    for i in range(50):
        day = 2 + i % 3
        r = new_report(vn(2024, 4, day, 8, i))
        a = routed(
            r, UNITS[i % 2], vn(2024, 4, day, 8, 30), vn(2024, 4, day + 1, 23, 59, 59), vn(2024, 4, 12, 23)
        )
        apply_change(ReportChange(f"e{i}", "MODIFY", r, a))
    cost = ReadCost()
    table = _service().table(*APRIL, cost=cost)
    assert table.province is not None and table.province.total == 50
    assert (cost.requests, cost.items) == (1, 6)


# --------------------------------------------------------------------------------- property: random lifecycles

ACTIONS = ["route", "accept", "sweep", "extend", "reassign", "resolve", "reject", "rate", "touch"]


def _lifecycle(rng: random.Random, base: Report, steps: list[str]) -> list[Report]:
    """The versions a report goes through under `steps` (steps that do not apply are skipped)."""
    versions = [base]
    r = base
    clock = base.received_at
    for step in steps:
        clock = clock + timedelta(hours=rng.randint(1, 90))
        nxt: Report | None = None
        if step == "route" and r.status == Status.RECEIVED:
            nxt = routed(r, rng.choice(UNITS), clock, clock + timedelta(days=1), clock + timedelta(days=8))
        elif step == "accept" and r.status == Status.ASSIGNED:
            nxt = replace(r, status=Status.IN_PROGRESS)
        elif step == "sweep" and r.is_open and r.overdue_since is None:
            nxt = replace(r, overdue_since=clock)
        elif step == "extend" and r.status == Status.IN_PROGRESS and r.due_at is not None:
            nxt = replace(r, due_at=max(r.due_at, clock) + timedelta(days=5), overdue_since=None)
        elif step == "reassign" and r.is_open:
            unit = rng.choice([u for u in UNITS if u != r.unit_code])
            nxt = routed(r, unit, clock, clock + timedelta(days=1), clock + timedelta(days=8))
            nxt = replace(nxt, overdue_since=None)
        elif step == "resolve" and r.is_open:
            nxt = replace(r, status=Status.RESOLVED, closed_at=clock, overdue_since=None)
        elif step == "reject" and r.is_open:
            nxt = replace(r, status=Status.REJECTED, closed_at=clock, overdue_since=None)
        elif step == "rate" and r.is_closed and r.feedback is None:
            nxt = replace(r, feedback=Feedback(rating=rng.randint(1, 5), comment=None, at=clock))
        elif step == "touch":
            nxt = replace(r, address=f"Tổ {rng.randint(1, 30)}")
        if nxt is not None:
            r = replace(nxt, version=r.version + 1)
            versions.append(r)
    return versions


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    lifecycles=st.lists(st.lists(st.sampled_from(ACTIONS), min_size=0, max_size=9), min_size=1, max_size=8),
    redeliver=st.floats(0.0, 0.6),
)
def test_incremental_equals_recomputed_with_redelivered_batches(aws_env, seed, lifecycles, redeliver) -> None:
    from chalicelib.config import settings as app_settings
    from chalicelib.services.stats import StatsService, cell_differences, differences

    s = app_settings()
    truncate(s.stats_table, s.ledger_table, s.reports_table)
    rng = random.Random(seed)
    streams: list[list[ReportChange]] = []
    finals: list[Report] = []
    for n, steps in enumerate(lifecycles):
        # Receipts across April, some near midnight in Vietnam (the cell's day is the Vietnamese day).
        received_at = vn(2024, 4, rng.randint(1, 30), rng.choice([0, 6, 23]), rng.randint(0, 59))
        base = new_report(received_at, is_test=rng.random() < 0.1)
        versions = _lifecycle(rng, base, steps)
        changes = [ReportChange(f"r{n}-0", "INSERT", None, versions[0])]
        changes += [
            ReportChange(f"r{n}-{k}", "MODIFY", old, new)
            for k, (old, new) in enumerate(itertools.pairwise(versions), start=1)
        ]
        streams.append(changes)
        finals.append(versions[-1])

    # Interleave the reports' changes (each report's in order, as a stream shard keeps them), in batches;
    # a failed batch is delivered again from its first record, as Lambda does.
    pending = [list(c) for c in streams]
    order: list[ReportChange] = []
    while any(pending):
        queue = rng.choice([p for p in pending if p])
        order.append(queue.pop(0))
    service = StatsService()
    position = 0
    while position < len(order):
        batch = order[position : position + rng.randint(1, 5)]
        for change in batch:
            service.apply_change(change)
        if rng.random() < redeliver:
            for change in batch:  # the whole batch again (a timeout after the work was done)
                service.apply_change(change)
        position += len(batch)

    save_final(finals)
    incremental = service.cells(*APRIL)
    recomputed = service.recomputed_cells(*APRIL)
    assert cell_differences(incremental, recomputed) == []
    assert differences(service.table(*APRIL), service.recompute_table(*APRIL)) == []


@pytest.mark.parametrize("bad", [("2024-04-30", "2024-04-01"), ("2024-01-01", "2025-01-01")])
def test_period_limits(bad) -> None:
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.services.stats import check_period

    with pytest.raises(InvalidInput):
        check_period(date.fromisoformat(bad[0]), date.fromisoformat(bad[1]))
    assert check_period(date(2024, 1, 1), date(2024, 12, 31)) == (date(2024, 1, 1), date(2024, 12, 31))


def test_the_admin_check_prints_both_tables_and_the_differences(aws_env, capsys) -> None:
    from chalicelib.services.stats import apply_change
    from chalicelib.store.stats import StatsStore
    from tools.stats_check import main

    r = new_report(vn(2024, 4, 2, 9, 0))
    a = routed(r, "094", vn(2024, 4, 2, 9, 1), vn(2024, 4, 3, 23, 59, 59), vn(2024, 4, 10, 23, 59, 59))
    apply_change(ReportChange("evt-1", "MODIFY", r, a))
    save_final([a])
    assert main(["--from", "2024-04-01", "--to", "2024-04-30"]) == 0
    out = capsys.readouterr().out
    assert "Khớp" in out and "Tính lại từ các phản ánh" in out

    from chalicelib.domain.stats import CellKey

    StatsStore().put_cells(
        {CellKey(date(2024, 4, 2), "094"): {"total": 2, "open": 2}}, "2024-04-02T02:00:00.00Z"
    )
    assert main(["--from", "2024-04-01", "--to", "2024-04-30"]) == 1
    out = capsys.readouterr().out
    assert "KHÔNG KHỚP" in out and "2024-04-02#094" in out
