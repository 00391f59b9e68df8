"""Two officers acting at once cannot both win: the write is conditional on the version read."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest

from chalicelib.domain import errors, workflow
from chalicelib.domain.access import Actor
from chalicelib.domain.report import Report, Status
from chalicelib.services.handling import HandlingService
from chalicelib.store.reports import ReportRepository
from tests.integration.factories import UNIT, stored, stored_report


class BothReadFirst(ReportRepository):
    """The repository as two concurrent requests see it: neither writes before both have read. Writes are
    serialised, as DynamoDB serialises writes to one item (moto in-process does not promise that itself)."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.read = threading.Barrier(parties, timeout=10)
        self.write = threading.Lock()

    def get(self, report_id: str) -> Report | None:
        report = super().get(report_id)
        self.read.wait()
        return report

    def save(self, report: Report, extra_condition=None) -> Report:
        with self.write:
            return super().save(report, extra_condition)


def officer(n: int) -> Actor:
    return Actor(sub=f"officer-{n}", roles=frozenset({"officer"}), unit_code=UNIT)


def race(report_id: str, actions: list[workflow.Action]) -> list[object]:
    repo = BothReadFirst(len(actions))
    service = HandlingService(repo=repo)
    outcomes: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        try:
            outcomes[i] = service.act(report_id, actions[i], officer(i), datetime.now(UTC))
        except errors.DomainError as e:
            outcomes[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.parametrize(
    "actions",
    [
        [workflow.Accept(), workflow.Accept()],
        [workflow.Resolve(answer="Đã xử lý (cán bộ 1)."), workflow.Resolve(answer="Đã xử lý (cán bộ 2).")],
        [
            workflow.Resolve(answer="Đã xử lý."),
            workflow.Reject(reason="invalid_content", text="Không hợp lệ."),
        ],
    ],
    ids=["accept_accept", "resolve_resolve", "resolve_reject"],
)
def test_two_officers_at_once_exactly_one_wins(aws_env, actions):
    report = stored_report(Status.ASSIGNED)
    outcomes = race(report.id, actions)
    winners = [o for o in outcomes if isinstance(o, Report)]
    losers = [o for o in outcomes if isinstance(o, errors.DomainError)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], errors.ConcurrentUpdate)
    saved = stored(report.id)
    assert saved is not None
    assert saved.version == report.version + 1
    assert len(saved.history) == len(report.history) + 1
    assert saved.history[-1].actor_sub == winners[0].history[-1].actor_sub


def test_the_loser_of_a_race_gets_409_version_conflict_over_http(aws_env, client, tokens):
    """Through the app: the second of two writes from the same read is answered 409 `version_conflict`."""
    report = stored_report(Status.IN_PROGRESS)
    repo = ReportRepository()
    read = repo.get(report.id)
    assert read is not None
    # Someone else's write lands between our read and our write.
    status = client.http.post(
        f"/v1/reports/{report.id}/actions",
        headers=tokens("officer", unit=UNIT),
        body=json.dumps({"type": "comment", "text": "Cán bộ khác ghi chú."}),
    ).status_code
    assert status == 200
    service = HandlingService(repo)
    me = workflow.Actor("officer-1", frozenset({"officer"}), UNIT)
    now = datetime.now(UTC)
    late = workflow.apply_action(
        read,
        workflow.Resolve(answer="Đã xử lý."),
        me,
        now,
        service.calendar,
        service.policy,
        service.registry,
    )
    with pytest.raises(errors.ConcurrentUpdate) as e:
        repo.save(late)
    from chalicelib.api.http import error_for

    response = error_for(e.value)
    assert response is not None and response.status_code == 409
    assert json.loads(response.body)["error"]["code"] == "version_conflict"
    saved = stored(report.id)
    assert saved is not None and saved.status == Status.IN_PROGRESS and saved.history[-1].type == "comment"
