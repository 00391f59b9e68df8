"""The handling workflow: one transition table decides who may do what in which state (no AWS at all)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import errors, workflow
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
from chalicelib.domain.report import (
    Feedback,
    Hidden,
    HistoryEntry,
    Location,
    Media,
    Report,
    Reporter,
    Status,
)
from chalicelib.domain.units import UnitRegistry
from chalicelib.domain.watch import next_check_at
from chalicelib.domain.workflow import (
    Accept,
    Action,
    ActionSpec,
    Actor,
    Comment,
    Extend,
    Hide,
    Reassign,
    Reject,
    Reopen,
    RequestInfo,
    Resolve,
    Return,
    Unhide,
    apply_action,
    check_deletable,
    give_feedback,
)

UNIT = "03127"  # Phường Điện Biên Phủ
OTHER_UNIT = "03151"  # Phường Mường Lay
# Tuesday 2026-04-28 10:00 in Vietnam: assigned then, triage due end of Wed 29/4, answer due end of Fri 8/5.
ASSIGNED_AT = datetime(2026, 4, 28, 3, 0, tzinfo=UTC)
NOW = datetime(2026, 4, 29, 2, 0, tzinfo=UTC)  # Wednesday 09:00 in Vietnam

CALENDAR = WorkingCalendar.default()
POLICY = DeadlinePolicy.default()
REGISTRY = UnitRegistry.default()

ACTORS = {
    "reporter": Actor("citizen-1", frozenset({"citizen"})),
    "citizen": Actor("citizen-2", frozenset({"citizen"})),
    "officer": Actor("officer-1", frozenset({"officer"}), UNIT),
    "officer_other_unit": Actor("officer-2", frozenset({"officer"}), OTHER_UNIT),
    "officer_no_unit": Actor("officer-3", frozenset({"officer"})),
    "ioc": Actor("ioc-1", frozenset({"ioc"})),
    "tech": Actor("tech-1", frozenset({"tech"})),
}


def make_report(status: Status = Status.ASSIGNED, **changes) -> Report:
    deadlines = compute_deadlines(ASSIGNED_AT, "moi-truong", CALENDAR, POLICY)
    report = Report(
        id="01JD0000000000000000000000",
        category="moi-truong",
        description="Rác thải đổ trộm ven đường, bốc mùi.",
        location=Location(21.386, 103.017),
        reporter=Reporter(sub="citizen-1", name="Nguyễn Văn A", phone="0912345678", email="a@example.vn"),
        received_at=ASSIGNED_AT - timedelta(minutes=1),
        status=status,
        unit_code=UNIT,
        assigned_at=ASSIGNED_AT,
        triage_due_at=deadlines.triage_due_at,
        due_at=deadlines.due_at,
        closed_at=ASSIGNED_AT + timedelta(hours=1) if status in (Status.REJECTED, Status.RESOLVED) else None,
        history=(
            HistoryEntry(
                at=ASSIGNED_AT - timedelta(minutes=1),
                type="received",
                actor_sub="citizen-1",
                actor_role="citizen",
                public_text="Hệ thống đã tiếp nhận phản ánh.",
            ),
            HistoryEntry(
                at=ASSIGNED_AT,
                type="assigned",
                actor_sub=None,
                actor_role="system",
                public_text="Đã chuyển xử lý.",
            ),
        ),
        version=3,
    )
    return replace(report, **changes)


def act(report: Report, action, who: str | Actor = "officer", now: datetime = NOW) -> Report:
    actor = ACTORS[who] if isinstance(who, str) else who
    return apply_action(report, action, actor, now, CALENDAR, POLICY, REGISTRY)


# A valid body for each action, so that only role, unit and state decide.
ACTIONS = {
    "accept": Accept(),
    "reject": Reject(reason="invalid_content", text="Ảnh không thể hiện vị trí sự việc."),
    "request_info": RequestInfo(items=("Ảnh chụp rõ vị trí",)),
    "extend": Extend(
        due_at=datetime(2026, 5, 15, 10, 0, tzinfo=UTC), note="Đang phối hợp với công ty môi trường."
    ),
    "resolve": Resolve(answer="Đã thu gom rác và xử lý vi phạm."),
    "return": Return(reason="Không thuộc thẩm quyền của phường."),
    "reassign": Reassign(unit=OTHER_UNIT, note="Vị trí thuộc phường Mường Lay."),
    "hide": Hide(reason="Nội dung có thông tin cá nhân của người khác."),
    "unhide": Unhide(note="Đã xem xét lại."),
    "comment": Comment(text="Đã gọi điện cho tổ dân phố."),
}

# The specification, written out independently of the table under test.
ALLOWED_ROLES = {
    "accept": {"officer"},
    "reject": {"officer"},
    "request_info": {"officer"},
    "extend": {"officer"},
    "resolve": {"officer"},
    "return": {"officer"},
    "reassign": {"ioc"},
    "hide": {"ioc"},
    "unhide": {"ioc"},
    "comment": {"officer", "ioc"},
}
ALL = set(Status)
ALLOWED_STATUSES = {
    "accept": {Status.ASSIGNED},
    "reject": {Status.ASSIGNED, Status.IN_PROGRESS},
    "request_info": {Status.ASSIGNED, Status.IN_PROGRESS},
    "extend": {Status.IN_PROGRESS},
    "resolve": {Status.ASSIGNED, Status.IN_PROGRESS},
    "return": {Status.ASSIGNED, Status.IN_PROGRESS},
    "reassign": {Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS},
    "hide": ALL,
    "unhide": ALL,
    "comment": ALL,
}
TARGET = {
    "accept": Status.IN_PROGRESS,
    "reject": Status.REJECTED,
    "request_info": Status.REJECTED,
    "resolve": Status.RESOLVED,
    "return": Status.ASSIGNED,
    "reassign": Status.ASSIGNED,
}


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("name", list(ACTIONS))
def test_transition_table(name: str, who: str, status: Status) -> None:
    report = make_report(status)
    if name == "unhide":
        report = replace(report, hidden=Hidden(reason="Thông tin cá nhân.", at=ASSIGNED_AT))
    action = ACTIONS[name]
    role_ok = who in ALLOWED_ROLES[name]  # only the officer of the report's own unit is "officer" here
    if not role_ok:
        with pytest.raises(errors.NotAllowed):
            act(report, action, who)
        return
    if status not in ALLOWED_STATUSES[name]:
        with pytest.raises(errors.TransitionNotAllowed):
            act(report, action, who)
        return
    new = act(report, action, who)
    assert new.history[: len(report.history)] == report.history  # never rewritten
    assert len(new.history) == len(report.history) + 1
    entry = new.history[-1]
    assert (entry.actor_sub, entry.actor_role, entry.actor_unit, entry.at) == (
        ACTORS[who].sub,
        who,
        ACTORS[who].unit_code,
        NOW,
    )
    assert new.status == TARGET.get(name, status)
    assert new.version == report.version  # the store bumps it, conditionally


def test_the_reporter_and_other_roles_never_act_even_with_a_matching_unit_claim() -> None:
    report = make_report()
    citizen_with_unit = Actor("citizen-9", frozenset({"citizen"}), UNIT)
    with pytest.raises(errors.NotAllowed):
        apply_action(report, Accept(), citizen_with_unit, NOW, CALENDAR, POLICY, REGISTRY)
    tech_with_unit = Actor("tech-9", frozenset({"tech"}), UNIT)
    with pytest.raises(errors.NotAllowed):
        apply_action(report, Comment(text="x"), tech_with_unit, NOW, CALENDAR, POLICY, REGISTRY)


def test_role_is_checked_before_state_so_a_stranger_learns_nothing() -> None:
    closed = make_report(Status.RESOLVED)
    with pytest.raises(errors.NotAllowed):
        act(closed, Accept(), "officer_other_unit")


def test_acting_on_a_closed_report_is_report_closed() -> None:
    with pytest.raises(errors.TransitionNotAllowed) as e:
        act(make_report(Status.REJECTED), Resolve(answer="Đã xử lý."))
    assert e.value.code == "report_closed"


EXPECTED_REQUEST_INFO = """Kính gửi Ông/Bà Nguyễn Văn A,
Trung tâm Điều hành thông minh tỉnh Điện Biên (IOC Điện Biên) đã nhận được Phản ánh hiện trường của quý Ông/Bà.
Sau khi đánh giá nội dung, hiện tại cơ quan giải quyết chưa thực hiện xử lý Phản ánh hiện trường của quý Ông/Bà,
nguyên nhân do chưa xác định được một số thông tin liên quan từ nội dung Phản ánh hiện trường.
Để cơ quan giải quyết có thêm thông tin về Phản ánh hiện trường phục vụ việc xử lý, đề nghị quý Ông/Bà cung cấp thêm
thông tin sự việc và gửi lại Phản ánh hiện trường, các thông tin cần bổ sung như sau:
(1) Ảnh chụp rõ vị trí
(2) Số nhà gần nhất
Hoặc xem lại hướng dẫn sử dụng tại mục “Hướng dẫn sử dụng” trên App.
Trân trọng cảm ơn./."""


def test_request_info_answers_with_the_letters_template_exactly() -> None:
    new = act(make_report(), RequestInfo(items=("Ảnh chụp rõ vị trí", "Số nhà gần nhất")))
    assert new.status == Status.REJECTED
    assert new.answer == EXPECTED_REQUEST_INFO
    assert new.history[-1].public_text == EXPECTED_REQUEST_INFO
    assert new.history[-1].type == "info_requested"
    assert new.rejection == {"reason": "needs_more_info", "items": ["Ảnh chụp rõ vị trí", "Số nhà gần nhất"]}
    assert new.closed_at == NOW


def test_reject_records_the_reason_kind_and_public_text() -> None:
    new = act(
        make_report(),
        Reject(
            reason="duplicate",
            text="Đã có phản ánh cùng nội dung.",
            duplicate_of="01JD0000000000000000000001",
        ),
    )
    assert new.status == Status.REJECTED
    assert new.rejection == {
        "reason": "duplicate",
        "text": "Đã có phản ánh cùng nội dung.",
        "duplicate_of": "01JD0000000000000000000001",
    }
    assert "Đã có phản ánh cùng nội dung." in (new.history[-1].public_text or "")
    assert new.history[-1].public


def test_reject_as_duplicate_needs_the_other_report() -> None:
    with pytest.raises(errors.InvalidInput):
        act(make_report(), Reject(reason="duplicate", text="Trùng."))
    with pytest.raises(errors.Unprocessable):
        act(make_report(), Reject(reason="duplicate", text="Trùng.", duplicate_of=make_report().id))


def test_extend_sets_the_new_deadline_and_clears_the_overdue_mark() -> None:
    report = make_report(Status.IN_PROGRESS, overdue_since=datetime(2026, 5, 8, 17, 0, tzinfo=UTC))
    late = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)  # after the deadline: still allowed
    new_due = datetime(2026, 5, 15, 10, 0, tzinfo=UTC)
    new = act(report, Extend(due_at=new_due, note="Đang chờ kết quả kiểm tra."), now=late)
    assert new.due_at == new_due
    assert new.overdue_since is None
    assert not new.is_overdue(late)
    # The deadline watch looks at it again from the reminder before the new deadline, not before.
    check = next_check_at(new, CALENDAR)
    assert check is not None and late < check < new_due
    entry = new.history[-1]
    assert entry.type == "extended" and entry.public
    assert "15/05/2026" in (entry.public_text or "") and "Đang chờ kết quả kiểm tra." in (
        entry.public_text or ""
    )


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(hours=-5)])
def test_extend_to_the_same_or_an_earlier_date_is_refused(offset: timedelta) -> None:
    report = make_report(Status.IN_PROGRESS)
    assert report.due_at is not None
    with pytest.raises(errors.Unprocessable) as e:
        act(report, Extend(due_at=report.due_at + offset, note="Gia hạn."))
    assert e.value.code == "deadline_not_after_current"
    assert e.value.details[0]["field"] == "due_at"


def test_extend_to_a_date_already_past_is_refused() -> None:
    report = make_report(Status.IN_PROGRESS)
    assert report.due_at is not None
    much_later = report.due_at + timedelta(days=10)
    with pytest.raises(errors.Unprocessable) as e:
        act(report, Extend(due_at=report.due_at + timedelta(days=1), note="Gia hạn."), now=much_later)
    assert e.value.code == "deadline_in_past"


def test_resolve_publishes_the_answer_and_closes_recording_a_past_overdue() -> None:
    overdue_since = datetime(2026, 5, 8, 17, 0, tzinfo=UTC)
    report = make_report(Status.IN_PROGRESS, overdue_since=overdue_since)
    new = act(report, Resolve(answer="Đã thu gom rác."))
    assert (new.status, new.answer, new.closed_at) == (Status.RESOLVED, "Đã thu gom rác.", NOW)
    assert new.overdue_since is None and next_check_at(new, CALENDAR) is None
    assert new.history[-1].data["was_overdue_since"] == overdue_since.isoformat()
    assert new.timeline()[-1].public_text == "Đã thu gom rác."


def test_resolve_accepts_only_the_reports_own_uploaded_answer_photos() -> None:
    def slot(key: str, purpose: str, uploaded: bool) -> Media:
        return Media(
            key=key,
            content_type="image/jpeg",
            max_bytes=1,
            reserved_at=ASSIGNED_AT,
            uploaded=uploaded,
            purpose=purpose,
        )

    report = make_report(
        Status.IN_PROGRESS,
        media=(
            slot("reports/R/a.jpg", "answer", True),
            slot("reports/R/b.jpg", "answer", False),
            slot("reports/R/c.jpg", "report", True),
        ),
    )
    new = act(report, Resolve(answer="Đã xử lý.", media=("reports/R/a.jpg",)))
    assert new.history[-1].data["media"] == ["reports/R/a.jpg"]
    for key, code in [
        ("reports/R/b.jpg", "media_not_uploaded"),
        ("reports/R/c.jpg", "media_not_found"),
        ("reports/OTHER/x.jpg", "media_not_found"),
    ]:
        with pytest.raises(errors.Unprocessable) as e:
            act(report, Resolve(answer="Đã xử lý.", media=(key,)))
        assert e.value.code == code
        assert e.value.details[0]["field"] == "media.0"


def test_reassign_restarts_the_deadlines_for_the_new_unit() -> None:
    report = make_report(Status.IN_PROGRESS, overdue_since=NOW, notices=("triage:x",))
    later = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)
    new = act(report, Reassign(unit=OTHER_UNIT, note="Sai địa bàn."), "ioc", now=later)
    expected = compute_deadlines(later, "moi-truong", CALENDAR, POLICY)
    assert new.unit_code == OTHER_UNIT and new.status == Status.ASSIGNED
    assert (new.assigned_at, new.triage_due_at, new.due_at) == (
        later,
        expected.triage_due_at,
        expected.due_at,
    )
    assert new.routing is not None and new.routing.method == "manual"
    assert new.overdue_since is None
    assert next_check_at(new, CALENDAR) is not None
    entry = new.history[-1]
    assert entry.data["from_unit"] == UNIT and entry.data["to_unit"] == OTHER_UNIT
    assert entry.internal_text == "Sai địa bàn."
    assert "Phường Mường Lay" in (entry.public_text or "")


@pytest.mark.parametrize(
    ("unit", "code"),
    [("NOPE", "unknown_unit"), ("094", "unit_not_valid"), (UNIT, "same_unit")],
)
def test_reassign_needs_another_unit_valid_today(unit: str, code: str) -> None:
    with pytest.raises(errors.Unprocessable) as e:
        act(make_report(), Reassign(unit=unit), "ioc")
    assert e.value.code == code


def test_a_district_unit_was_valid_for_a_reassignment_in_2024() -> None:
    when = datetime(2024, 4, 10, 3, 0, tzinfo=UTC)
    report = make_report(unit_code="095")
    assert act(report, Reassign(unit="094"), "ioc", now=when).unit_code == "094"


def test_return_gives_the_report_back_to_the_ioc() -> None:
    new = act(make_report(Status.IN_PROGRESS), Return(reason="Không thuộc thẩm quyền của phường."))
    assert (new.unit_code, new.status) == (REGISTRY.fallback.code, Status.ASSIGNED)
    assert new.history[-1].internal_text == "Không thuộc thẩm quyền của phường."
    with pytest.raises(errors.TransitionNotAllowed) as e:
        act(make_report(unit_code="IOC"), Return(reason="x"), Actor("o", frozenset({"officer"}), "IOC"))
    assert e.value.code == "already_at_ioc"


def test_hide_and_unhide_keep_handling_going_and_are_internal() -> None:
    report = make_report()
    hidden = act(report, Hide(reason="Có thông tin cá nhân."), "ioc")
    assert hidden.hidden is not None and hidden.hidden.reason == "Có thông tin cá nhân."
    assert not hidden.is_public and hidden.timeline() == report.timeline()
    accepted = act(hidden, Accept())
    assert accepted.status == Status.IN_PROGRESS and accepted.hidden is not None
    with pytest.raises(errors.TransitionNotAllowed) as e:
        act(hidden, Hide(reason="Lần nữa."), "ioc")
    assert e.value.code == "already_hidden"
    shown = act(accepted, Unhide(), "ioc")
    assert shown.hidden is None and shown.is_public
    with pytest.raises(errors.TransitionNotAllowed) as e:
        act(shown, Unhide(), "ioc")
    assert e.value.code == "not_hidden"


def test_comments_are_never_public() -> None:
    new = act(make_report(), Comment(text="Số điện thoại tổ trưởng: 0987654321"), "ioc")
    assert not new.history[-1].public and new.history[-1].public_text is None
    assert new.timeline() == make_report().timeline()


def test_a_full_lifecycle_only_ever_appends() -> None:
    report = make_report()
    steps = [
        (Accept(), "officer"),
        (Comment(text="Đã cử cán bộ kiểm tra."), "officer"),
        (Extend(due_at=datetime(2026, 5, 20, 10, 0, tzinfo=UTC), note="Chờ phối hợp."), "officer"),
        (Hide(reason="Ảnh có biển số xe."), "ioc"),
        (Resolve(answer="Đã xử lý xong."), "officer"),
    ]
    for action, who in steps:
        new = act(report, action, who)
        assert new.history[:-1] == report.history
        report = new
    assert [e.type for e in report.history][2:] == ["accepted", "comment", "extended", "hidden", "resolved"]


# --- the table: one spec per action ---

# The refusals a caller without the role or unit is given (403), written out independently of the table.
FORBIDDEN = {
    "accept": "Chỉ cán bộ của đơn vị được giao mới tiếp nhận được phản ánh này.",
    "reject": "Chỉ cán bộ của đơn vị được giao mới từ chối được phản ánh này.",
    "request_info": "Chỉ cán bộ của đơn vị được giao mới yêu cầu bổ sung thông tin được.",
    "extend": "Chỉ cán bộ của đơn vị được giao mới gia hạn được phản ánh này.",
    "resolve": "Chỉ cán bộ của đơn vị được giao mới trả lời được phản ánh này.",
    "return": "Chỉ cán bộ của đơn vị được giao mới chuyển trả được phản ánh này.",
    "reassign": "Chỉ Tổ điều hành IOC mới chuyển phản ánh cho đơn vị khác được.",
    "hide": "Chỉ Tổ điều hành IOC mới ẩn được phản ánh.",
    "unhide": "Chỉ Tổ điều hành IOC mới bỏ ẩn được phản ánh.",
    "comment": "Chỉ cán bộ của đơn vị được giao và Tổ điều hành IOC mới ghi chú được.",
    "reopen": "Chỉ người gửi phản ánh mới mở lại được phản ánh.",
}
ENTRY_TYPES = {
    "accept": "accepted",
    "reject": "rejected",
    "request_info": "info_requested",
    "extend": "extended",
    "resolve": "resolved",
    "return": "returned",
    "reassign": "reassigned",
    "hide": "hidden",
    "unhide": "unhidden",
    "comment": "comment",
    "reopen": "reopened",
}
TABLE = workflow.ACTIONS  # the specs (ACTIONS above: a valid body for each)
EVERY_ACTION = {**ACTIONS, "reopen": Reopen(reason="Rác vẫn còn nguyên.")}


def _commands() -> set[type]:
    found = {v for v in vars(workflow).values() if isinstance(v, type) and issubclass(v, Action)}
    return found - {Action}


def test_one_spec_per_action_keyed_by_its_name() -> None:
    assert list(TABLE) == list(EVERY_ACTION)  # the order the console shows the buttons in
    assert {spec.command for spec in TABLE.values()} == _commands()
    for name, spec in TABLE.items():
        assert isinstance(spec, ActionSpec) and spec.name == name == spec.command.type
        assert spec.roles and spec.statuses
        assert spec.roles <= {"citizen", "officer", "ioc", "tech", "system"}
    assert {n: s.entry_type for n, s in TABLE.items()} == ENTRY_TYPES
    assert {n: s.forbidden for n, s in TABLE.items()} == FORBIDDEN
    assert {n: s.target for n, s in TABLE.items() if s.target} == {**TARGET, "reopen": Status.IN_PROGRESS}
    # What people may do, as the specification above says (the system's role is the import's, tested there).
    assert {n: s.roles - {"system"} for n, s in TABLE.items() if n in ALLOWED_ROLES} == ALLOWED_ROLES
    assert {n: set(s.statuses) for n, s in TABLE.items() if n in ALLOWED_STATUSES} == ALLOWED_STATUSES


def _taken(name: str) -> tuple[Report, Report]:
    """The action applied, with a valid body, by a caller and on a report the spec allows."""
    spec = TABLE[name]
    status = next(s for s in (Status.IN_PROGRESS, Status.ASSIGNED, Status.RESOLVED) if s in spec.statuses)
    report = make_report(status)
    if name == "unhide":
        report = replace(report, hidden=Hidden(reason="Thông tin cá nhân.", at=ASSIGNED_AT))
    who = {"citizen": "reporter", "officer": "officer", "ioc": "ioc"}[min(spec.roles - {"system"})]
    return report, act(report, EVERY_ACTION[name], who)


@pytest.mark.parametrize("name", list(TABLE))
def test_applying_an_action_does_what_its_spec_says(name: str) -> None:
    spec = TABLE[name]
    report, new = _taken(name)
    entry = new.history[-1]
    assert new.history[:-1] == report.history
    assert new.status == (spec.target or report.status)
    assert (entry.type, entry.public, entry.data["action"]) == (spec.entry_type, spec.public, name)
    assert entry.data["from_status"] == report.status.value
    assert entry.data.get("to_status") == (spec.target.value if spec.target else None)
    assert (new.closed_at == NOW) is (spec.target in (Status.RESOLVED, Status.REJECTED))


@pytest.mark.parametrize("name", list(TABLE))
def test_a_caller_without_the_role_is_refused_with_the_specs_words(name: str) -> None:
    spec = TABLE[name]
    status = next(iter(spec.statuses))
    outsider = "tech" if name != "comment" else "citizen"
    with pytest.raises(errors.NotAllowed) as e:
        act(make_report(status), EVERY_ACTION[name], outsider)
    assert e.value.message == FORBIDDEN[name]
    assert e.value.code == "forbidden"  # type: ignore[attr-defined]


def test_a_status_the_spec_does_not_allow_names_the_action_and_the_status() -> None:
    with pytest.raises(errors.TransitionNotAllowed) as e:
        act(make_report(Status.ASSIGNED), ACTIONS["extend"])
    assert e.value.message == (
        "Không thể thực hiện thao tác 'extend' khi phản ánh đang ở trạng thái “Đã chuyển xử lý”."
    )
    assert e.value.code == "transition_not_allowed"  # type: ignore[attr-defined]


def test_the_reporters_reopening_keeps_its_own_refusals() -> None:
    resolved = make_report(Status.RESOLVED)
    with pytest.raises(errors.TransitionNotAllowed) as e:
        act(make_report(Status.IN_PROGRESS), EVERY_ACTION["reopen"], "reporter")
    assert e.value.code == "report_not_resolved"  # type: ignore[attr-defined]
    with pytest.raises(errors.NotAllowed) as forbidden:
        act(resolved, EVERY_ACTION["reopen"], "officer")
    assert forbidden.value.message == FORBIDDEN["reopen"]


# --- the system: the import of historical reports takes the old system's outcome through the table ---

IMPORTER = workflow.system_actor("import:he-thong-cu-2024", UNIT)
OLD_SYSTEMS_STEPS = {"accept", "reject", "resolve"}


def test_the_system_takes_only_the_steps_the_old_system_recorded() -> None:
    assert {name for name, spec in TABLE.items() if "system" in spec.roles} == OLD_SYSTEMS_STEPS
    for name in set(EVERY_ACTION) - OLD_SYSTEMS_STEPS - {"reopen"}:
        spec = TABLE[name]
        with pytest.raises(errors.NotAllowed) as e:
            act(make_report(next(iter(spec.statuses))), EVERY_ACTION[name], IMPORTER)
        assert e.value.message == FORBIDDEN[name]
    new = act(make_report(), Accept(), IMPORTER, now=ASSIGNED_AT)
    entry = new.history[-1]
    assert (entry.actor_sub, entry.actor_role, entry.actor_unit, entry.at) == (
        "import:he-thong-cu-2024",
        "system",
        UNIT,
        ASSIGNED_AT,
    )


@pytest.mark.parametrize(
    "roles", [{"citizen"}, {"officer"}, {"ioc"}, {"tech"}, {"citizen", "officer", "ioc", "tech"}]
)
def test_no_role_a_token_can_carry_acts_as_the_system(roles: set[str]) -> None:
    caller = Actor("import:he-thong-cu-2024", frozenset(roles), UNIT)
    for spec in TABLE.values():
        assert workflow.acting_role(spec, make_report(), caller) != "system"


def test_only_the_system_gives_the_old_systems_rejection() -> None:
    with pytest.raises(errors.InvalidInput):
        act(make_report(), Reject(reason=workflow.IMPORTED_REASON, text="Không xử lý."))
    assert workflow.IMPORTED_REASON not in workflow.REJECT_REASONS  # not offered on the console
    new = act(make_report(), Reject(reason=workflow.IMPORTED_REASON, text=""), IMPORTER)
    assert new.status == Status.REJECTED
    assert new.answer == "Từ chối xử lý. Lý do: Theo dữ liệu hệ thống cũ."
    assert new.rejection == {"reason": "imported", "text": ""}


def test_the_system_records_the_rating_of_the_reporter_it_stands_for() -> None:
    imported = make_report(Status.RESOLVED, reporter=replace(make_report().reporter, sub=IMPORTER.sub))
    rated = give_feedback(imported, IMPORTER, 5, None, NOW)
    assert (rated.history[-1].actor_role, rated.history[-1].actor_sub) == ("system", IMPORTER.sub)
    with pytest.raises(errors.NotAllowed):
        give_feedback(make_report(Status.RESOLVED), IMPORTER, 5, None, NOW)  # someone else's report


# --- step 5 and deleting ---


def test_feedback_once_by_the_reporter_on_a_closed_report() -> None:
    closed = make_report(Status.RESOLVED)
    rated = give_feedback(closed, ACTORS["reporter"], 4, "Xử lý nhanh.", NOW)
    assert rated.feedback == Feedback(rating=4, comment="Xử lý nhanh.", at=NOW)
    assert rated.history[-1].public_text and "4/5" in rated.history[-1].public_text
    assert rated.history[-1].internal_text == "Xử lý nhanh."
    with pytest.raises(errors.TransitionNotAllowed) as e:
        give_feedback(rated, ACTORS["reporter"], 5, None, NOW)
    assert e.value.code == "feedback_already_given"
    with pytest.raises(errors.TransitionNotAllowed) as e:
        give_feedback(make_report(Status.IN_PROGRESS), ACTORS["reporter"], 5, None, NOW)
    assert e.value.code == "report_not_closed"
    for who in ("citizen", "officer", "ioc", "tech"):
        with pytest.raises(errors.NotAllowed):
            give_feedback(closed, ACTORS[who], 5, None, NOW)
    for rating in (0, 6):
        with pytest.raises(errors.InvalidInput):
            give_feedback(closed, ACTORS["reporter"], rating, None, NOW)


def test_only_tech_deletes_and_only_a_test_report() -> None:
    check_deletable(make_report(is_test=True), ACTORS["tech"])
    with pytest.raises(errors.ReportNotDeletable):
        check_deletable(make_report(), ACTORS["tech"])
    for who in ("reporter", "officer", "ioc"):
        with pytest.raises(errors.NotAllowed):
            check_deletable(make_report(is_test=True), ACTORS[who])
