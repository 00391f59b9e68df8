"""Importing historical reports (moto, the real stream handler): bad lines are reported and store nothing; good
ones are routed with the units of their day of receipt and the deadlines they had, closed as the old system
says, counted in the statistics; importing the same file again changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.domain import workflow
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
from chalicelib.domain.report import HistoryEntry, Report, Status
from chalicelib.domain.units import UnitRegistry
from tests.integration.stats_helpers import import_line, vn

APRIL = "/v1/stats?from=2024-04-01&to=2024-04-30"


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    lines = [
        # 1: still open (the old system never answered it)
        import_line("094", vn(2024, 4, 2, 8, 15), external_id="OLD-1", status="assigned"),
        # 2: resolved on time, rated
        import_line(
            "098",
            vn(2024, 4, 3, 10, 0),
            external_id="OLD-2",
            status="resolved",
            closed_at=vn(2024, 4, 5, 16, 0).isoformat(),
            answer="Đã thu gom rác, vệ sinh khu vực.",
            rating=5,
        ),
        # 3: not JSON
        '{"received_at": "2024-04-03T10:00:00+07:00", ',
        # 4: an unknown category and a location in Hà Nội
        json.dumps(
            {
                "received_at": "2024-04-04T10:00:00+07:00",
                "location": {"lat": 21.0285, "lng": 105.8542},
                "category": "khong-co",
                "description": "Nội dung phản ánh đủ dài để hợp lệ.",
            }
        ),
        "",  # 5: blank lines are ignored
        # 6: closed without its closing time
        import_line("100", vn(2024, 4, 4, 9, 0), status="resolved"),
        # 7: rejected, no external id (the line's content gives the id)
        import_line(
            "103",
            vn(2024, 4, 8, 14, 0),
            status="rejected",
            closed_at=vn(2024, 4, 9, 8, 0).isoformat(),
            answer="Phản ánh không thuộc phạm vi giải quyết.",
        ),
        # 8: in progress; forwarded the next morning (assigned_at), so its deadlines count from then
        import_line(
            "100",
            vn(2024, 4, 12, 22, 0),
            external_id="OLD-8",
            status="in_progress",
            assigned_at=vn(2024, 4, 15, 7, 30).isoformat(),
        ),
        # 9: a receipt in the future
        import_line("094", vn(2099, 1, 1, 8, 0)),
    ]
    path = tmp_path / "he-thong-cu-2024.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _report(report_id: str):
    from chalicelib.store.reports import ReportRepository

    report = ReportRepository().get(report_id)
    assert report is not None
    return report


def test_import_routes_closes_and_counts_historical_reports(client, tokens, stream, jsonl, capsys) -> None:
    from chalicelib.services.imports import import_lines
    from chalicelib.services.stats import StatsService, differences
    from tools.import_reports import main

    assert main([str(jsonl)]) == 1  # some lines were skipped
    out = capsys.readouterr()
    assert "dòng 3: line: không phải JSON hợp lệ" in out.err
    assert "dòng 4: location: vị trí nằm ngoài địa bàn tỉnh Điện Biên" in out.err
    assert "dòng 4:" in out.err and "category" in out.err
    assert "dòng 6: closed_at: bắt buộc với phản ánh đã đóng" in out.err
    assert "dòng 9: received_at: không được là thời điểm trong tương lai" in out.err
    assert "dòng 5" not in out.err
    assert "đã nhập: 4" in out.out

    stream.pump()

    again = import_lines(jsonl.read_text(encoding="utf-8").splitlines(), "he-thong-cu-2024")
    assert (len(again.imported), len(again.already_there), len(again.bad_lines)) == (0, 4, 4)
    stream.pump()

    ids = {r.history[0].data.get("external_id"): r for r in _all_imported()}
    calendar, policy = WorkingCalendar.default(), DeadlinePolicy.default()

    open_one = ids["OLD-1"]
    assert (open_one.status, open_one.unit_code) == (Status.ASSIGNED, "094")
    assert open_one.assigned_at == vn(2024, 4, 2, 8, 15)  # its receipt, not the moment of the import
    expected = compute_deadlines(vn(2024, 4, 2, 8, 15), "moi-truong", calendar, policy)
    assert (open_one.triage_due_at, open_one.due_at) == (expected.triage_due_at, expected.due_at)
    assert [e.type for e in open_one.history] == ["imported", "assigned"]

    resolved = ids["OLD-2"]
    assert (resolved.status, resolved.unit_code) == (Status.RESOLVED, "098")
    assert resolved.closed_at == vn(2024, 4, 5, 16, 0)
    assert resolved.answer == "Đã thu gom rác, vệ sinh khu vực."
    assert resolved.feedback is not None and resolved.feedback.rating == 5
    assert [e.type for e in resolved.history] == ["imported", "assigned", "resolved", "feedback"]
    assert resolved.history[2].actor_role == "system"

    rejected = ids[None]
    assert (rejected.status, rejected.unit_code) == (Status.REJECTED, "103")

    in_progress = ids["OLD-8"]
    assert (in_progress.status, in_progress.unit_code) == (Status.IN_PROGRESS, "100")
    assert in_progress.assigned_at == vn(2024, 4, 15, 7, 30)

    body = json.loads(client.http.get(APRIL, headers=tokens("ioc")).body)
    rows = {r["unit"]["code"]: r for r in body["rows"]}
    assert (rows["094"]["total"], rows["094"]["open"]) == (1, 1)
    tua_chua = rows["098"]
    assert (tua_chua["resolved"], tua_chua["resolved_on_time"], tua_chua["average_rating"]) == (1, 1, 5.0)
    assert tua_chua["median_working_days"] == 2  # Wed 3/4 → Fri 5/4
    assert rows["103"]["rejected"] == 1
    assert body["province"]["total"] == 4  # the re-import counted nothing twice

    service = StatsService()
    assert differences(service.table(*_april()), service.recompute_table(*_april())) == []


# Three outcomes of the old system, as the import's file gives them.
OUTCOMES = [
    import_line(
        "098",
        vn(2024, 4, 3, 10, 0),
        external_id="OLD-R",
        status="resolved",
        closed_at=vn(2024, 4, 5, 16, 0).isoformat(),
        answer="Đã thu gom rác, vệ sinh khu vực.",
        rating=4,
    ),
    import_line(
        "103",
        vn(2024, 4, 8, 14, 0),
        external_id="OLD-X",
        status="rejected",
        closed_at=vn(2024, 4, 9, 8, 0).isoformat(),
        answer="Phản ánh không thuộc phạm vi giải quyết.",
    ),
    import_line("100", vn(2024, 4, 12, 22, 0), external_id="OLD-P", status="in_progress"),
]


def _routed(report: Report) -> Report:
    """The report as the routing consumer left it, before the old system's outcome: its first two entries."""
    assert [e.type for e in report.history[:2]] == ["imported", "assigned"]
    return replace(
        report,
        status=Status.ASSIGNED,
        history=report.history[:2],
        closed_at=None,
        answer=None,
        rejection=None,
        feedback=None,
        version=0,
    )


def _as_the_workflow_takes_it(routed: Report, steps: list) -> Report:
    """`steps` taken by the import's system actor through the workflow itself, at their own times."""
    actor = workflow.system_actor(routed.reporter.sub, routed.unit_code)
    calendar, policy, registry = WorkingCalendar.default(), DeadlinePolicy.default(), UnitRegistry.default()
    report = routed
    for step, at in steps:
        if isinstance(step, int):
            report = workflow.give_feedback(report, actor, step, None, at)
        else:
            report = workflow.apply_action(report, step, actor, at, calendar, policy, registry)
    return report


def test_the_imports_history_is_what_the_workflow_writes(stream) -> None:
    from chalicelib.services.imports import import_lines

    assert len(import_lines(OUTCOMES, "he-thong-cu-2024").imported) == 3
    stream.pump()
    found = {r.history[0].data["external_id"]: r for r in _all_imported()}

    resolved = found["OLD-R"]
    expected = _as_the_workflow_takes_it(
        _routed(resolved),
        [
            (workflow.Resolve(answer="Đã thu gom rác, vệ sinh khu vực."), vn(2024, 4, 5, 16, 0)),
            (4, vn(2024, 4, 5, 16, 0)),
        ],
    )
    rejected = found["OLD-X"]
    expected_rejected = _as_the_workflow_takes_it(
        _routed(rejected),
        [
            (
                workflow.Reject(
                    reason=workflow.IMPORTED_REASON, text="Phản ánh không thuộc phạm vi giải quyết."
                ),
                vn(2024, 4, 9, 8, 0),
            )
        ],
    )
    accepted = found["OLD-P"]
    expected_accepted = _as_the_workflow_takes_it(
        _routed(accepted), [(workflow.Accept(), accepted.assigned_at)]
    )
    for stored, taken in [(resolved, expected), (rejected, expected_rejected), (accepted, expected_accepted)]:
        assert stored.history == taken.history
        assert replace(stored, version=0) == replace(taken, version=0)
        assert {(e.actor_role, e.actor_sub) for e in stored.history[2:]} == {
            ("system", "import:he-thong-cu-2024")
        }

    assert [e.type for e in resolved.history] == ["imported", "assigned", "resolved", "feedback"]
    assert (resolved.status, resolved.answer, resolved.closed_at) == (
        Status.RESOLVED,
        "Đã thu gom rác, vệ sinh khu vực.",
        vn(2024, 4, 5, 16, 0),
    )
    assert resolved.feedback is not None and resolved.feedback.rating == 4
    assert rejected.rejection == {"reason": "imported", "text": "Phản ánh không thuộc phạm vi giải quyết."}
    assert (accepted.status, [e.type for e in accepted.history]) == (
        Status.IN_PROGRESS,
        ["imported", "assigned", "accepted"],
    )


def test_no_caller_can_act_as_the_import(client, tokens, stream) -> None:
    """The import's system actor is built in code: a token naming the `system` group carries no role at all
    (the workflow refuses it), and one naming the import's sub is refused outright (401)."""
    from chalicelib.services.imports import import_lines

    import_lines(OUTCOMES[2:], "he-thong-cu-2024")
    stream.pump()
    (report,) = _all_imported()
    assert report.status == Status.IN_PROGRESS
    impostor = tokens("system", sub=report.reporter.sub, unit=report.unit_code)
    group_only = tokens("system", sub="someone-in-a-system-group", unit=report.unit_code)

    def post(headers: dict, body: dict) -> int:
        path = f"/v1/reports/{report.id}/actions"
        return client.http.post(path, headers=headers, body=json.dumps(body)).status_code

    assert post(impostor, {"type": "resolve", "answer": "Đã xử lý."}) == 401
    assert post(group_only, {"type": "resolve", "answer": "Đã xử lý."}) == 403
    assert post(group_only, {"type": "comment", "text": "Ghi chú."}) == 403
    # the system's reason is not the API's
    assert post(group_only, {"type": "reject", "reason": "imported", "text": "x"}) == 400
    assert _report(report.id).history == report.history


def test_an_outcome_applied_before_the_import_went_through_the_workflow_is_not_applied_again() -> None:
    """Reports stored earlier carry the import's own entries, marked `import_outcome`: still recognised."""
    from chalicelib.services.imports import outcome_applied

    at = vn(2024, 4, 5, 16, 0)
    earlier = HistoryEntry(
        at=at,
        type="resolved",
        actor_sub=None,
        actor_role="system",
        actor_unit="098",
        public_text="Đã giải quyết.",
        data={"to_status": "resolved", "import_outcome": True, "source": "he-thong-cu-2024"},
    )
    assigned = HistoryEntry(at=at, type="assigned", actor_sub=None, actor_role="system", actor_unit="098")
    assert outcome_applied(_stub((assigned, earlier)))
    assert not outcome_applied(_stub((assigned,)))


def _stub(history: tuple[HistoryEntry, ...]) -> Report:
    from chalicelib.domain.report import Location, Reporter

    return Report(
        id="01HV0000000000000000000000",
        category="moi-truong",
        description="Rác thải sinh hoạt đổ bừa bãi.",
        location=Location(21.4, 103.0),
        reporter=Reporter(sub="import:he-thong-cu-2024", name="Người phản ánh", phone=""),
        received_at=vn(2024, 4, 3, 10, 0),
        history=history,
    )


def test_dry_run_stores_nothing(aws_env, jsonl, capsys) -> None:
    from tools.import_reports import main

    assert main([str(jsonl), "--dry-run"]) == 1
    assert "hợp lệ (chạy thử, chưa lưu): 4" in capsys.readouterr().out
    assert _all_imported() == []


def test_ids_are_stable_and_time_sortable() -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.ids import is_valid_id
    from chalicelib.services.imports import deterministic_id

    a = deterministic_id(vn(2024, 4, 2, 8, 15), "ext:OLD-1")
    assert a == deterministic_id(vn(2024, 4, 2, 8, 15), "ext:OLD-1") and is_valid_id(a)
    assert a != deterministic_id(vn(2024, 4, 2, 8, 15), "ext:OLD-2")
    assert a < deterministic_id(datetime(2024, 4, 2, 2, 0, tzinfo=UTC), "ext:OLD-0")


def _april():
    from datetime import date

    return date(2024, 4, 1), date(2024, 4, 30)


def _all_imported():
    from chalicelib.domain.units import UnitRegistry
    from chalicelib.store.reports import ReportRepository, from_raw

    repo = ReportRepository()
    found = []
    for unit in UnitRegistry.default().all():
        found.extend(r for r in repo.by_unit(unit.code) if r.reporter.sub.startswith("import:"))
    # Reports not routed yet have no unit: look them up through the reporter index as well.
    import boto3

    from chalicelib.config import settings

    ddb = boto3.client("dynamodb", region_name="ap-southeast-1")
    pages = ddb.get_paginator("query").paginate(
        TableName=settings().reports_table,
        IndexName="reporter-index",
        KeyConditionExpression="reporter_sub = :s",
        ExpressionAttributeValues={":s": {"S": "import:he-thong-cu-2024"}},
    )
    seen = {r.id for r in found}
    for page in pages:
        found.extend(r for r in (from_raw(i) for i in page["Items"]) if r.id not in seen)
    return found
