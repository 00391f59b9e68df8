"""The repository's one update-with-retry (ReportRepository.update) on moto: read, change, save on the version
read; a lost race re-applies the change to the fresh report, and the last lost race is the caller's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.report import Report
from tests.integration.factories import stored, stored_report


def test_a_conflicting_writer_in_between_gets_the_change_reapplied_on_the_fresh_report(aws_env):
    from chalicelib.store.reports import ReportRepository

    repo = ReportRepository()
    report = stored_report(repo=repo)
    seen: list[Report] = []

    def change(current: Report) -> Report:
        seen.append(current)
        if len(seen) == 1:  # an officer saves between our read and our write
            repo.save(replace(current, address="Số 1, đường Võ Nguyên Giáp"))
        return replace(current, followers=current.followers + 1)

    outcome = repo.update(report.id, change)
    assert outcome.saved and len(seen) == 2
    assert seen[1].address == "Số 1, đường Võ Nguyên Giáp"  # re-applied to the fresh report
    after = stored(report.id)
    assert after is not None and after == outcome.report
    assert (after.address, after.followers, after.version) == (
        "Số 1, đường Võ Nguyên Giáp",
        1,
        report.version + 2,
    )


def test_after_the_last_attempt_the_conflict_is_the_callers(aws_env):
    from chalicelib.store.reports import SAVE_ATTEMPTS, ReportRepository

    repo = ReportRepository()
    report = stored_report(repo=repo)
    calls = []

    def always_overtaken(current: Report) -> Report:
        calls.append(current.version)
        repo.save(replace(current, address=f"lần {len(calls)}"))
        return replace(current, followers=current.followers + 1)

    with pytest.raises(ConcurrentUpdate):
        repo.update(report.id, always_overtaken, attempts=3)
    assert len(calls) == 3 and stored(report.id).followers == 0
    with pytest.raises(ConcurrentUpdate):
        repo.update(report.id, always_overtaken)
    assert len(calls) == 3 + SAVE_ATTEMPTS


def test_a_change_with_nothing_to_do_saves_nothing_and_a_missing_report_is_none(aws_env):
    from chalicelib.domain.ids import new_id
    from chalicelib.store.reports import ReportRepository

    repo = ReportRepository()
    report = stored_report(repo=repo)
    outcome = repo.update(report.id, lambda current: None)
    assert not outcome.saved and outcome.report == stored(report.id)
    assert outcome.report.version == report.version
    missing = repo.update(new_id(), lambda current: current)
    assert missing.report is None and not missing.saved


def test_a_stale_first_copy_is_read_again_and_an_expected_status_is_a_condition(aws_env):
    from chalicelib.domain.report import Status
    from chalicelib.store.reports import ReportRepository

    repo = ReportRepository()
    report = stored_report(repo=repo)
    repo.save(replace(report, address="đã sửa"))  # the copy we hold is now one version behind
    outcome = repo.update(report.id, lambda r: replace(r, followers=2), first=report)
    assert outcome.saved and outcome.report.address == "đã sửa" and outcome.report.followers == 2

    received = stored_report(status=Status.RECEIVED, unit=None, repo=repo)
    repo.save(replace(received, status=Status.ASSIGNED, unit_code="03127"))  # routed meanwhile
    tries: list[Status] = []

    def route_again(current: Report) -> Report | None:
        tries.append(current.status)
        return replace(current, address="x") if current.status == Status.RECEIVED else None

    # `received` is now a late stream image: its write loses, the fresh read says there is nothing to do.
    routed = repo.update(received.id, route_again, first=received, expect_status=Status.RECEIVED)
    assert not routed.saved and routed.report.status == Status.ASSIGNED
    assert tries == [Status.RECEIVED, Status.ASSIGNED]
