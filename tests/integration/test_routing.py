"""Routing through the real stream handler (moto): a stored report becomes `assigned` to the right unit, with its
deadlines and a public timeline entry, and its unit gets the e-mail."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.domain.report import VN_OFFSET, HistoryEntry, Location, Report, Reporter, parse_instant

CITY_CENTRE = (21.386, 103.017)


def _sent() -> list:
    """The e-mails that forwarded a report to a unit (the reporter may get e-mails of their own)."""
    return [
        m
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages
        if email.message_from_string(m.raw_data, policy=email.policy.default)["Subject"].startswith(
            "[PAHT] Phản ánh mới cần xử lý"
        )
    ]


def _submit(
    client,
    tokens,
    lat: float,
    lng: float,
    description: str = "Rác thải đổ trộm ven đường, bốc mùi hôi.",
    category: str = "moi-truong",
) -> str:
    body = {
        "category": category,
        "description": description,
        "location": {"lat": lat, "lng": lng},
        "address": "Tổ 5, phường Điện Biên Phủ",
    }
    response = client.http.post("/v1/reports", headers=tokens("citizen"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["id"]


def _read(client, tokens, report_id: str) -> dict:
    response = client.http.get(f"/v1/reports/{report_id}", headers=tokens("ioc"))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def _store(lat: float, lng: float, received_at: datetime, history_extra=()) -> str:
    """A report written straight through the repository (the API never backdates a receipt)."""
    from chalicelib.domain.ids import new_id
    from chalicelib.store.reports import ReportRepository

    report = Report(
        id=new_id(int(received_at.timestamp() * 1000)),
        category="giao-thong",
        description="Ổ gà lớn giữa đường, nguy hiểm cho xe máy.",
        location=Location(lat, lng),
        reporter=Reporter(sub="imported-citizen", name="Lò Văn Dũng", phone="0912000111"),
        received_at=received_at,
        history=(
            HistoryEntry(
                at=received_at,
                type="received",
                actor_sub="imported-citizen",
                actor_role="citizen",
                public_text="Hệ thống đã tiếp nhận phản ánh.",
            ),
            *history_extra,
        ),
    )
    ReportRepository().create(report, None, 0, 0)
    return report.id


def test_a_submitted_report_is_assigned_to_its_ward_with_deadlines_and_an_email(client, tokens, stream):
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.deadlines import DeadlinePolicy, compute_deadlines
    from chalicelib.notify.formatting import vn_datetime

    report_id = _submit(client, tokens, *CITY_CENTRE)
    assert _read(client, tokens, report_id)["status"] == "received"

    stream.pump()

    report = _read(client, tokens, report_id)
    assert report["status"] == "assigned"
    assert report["unit"] == {"code": "03127", "name": "UBND Phường Điện Biên Phủ"}
    assert report["routing"] == {"method": "polygon", "uncertain": False, "distance_m": 0.0, "reason": None}
    (assigned,) = [e for e in report["history"] if e["type"] == "assigned"]
    assigned_at = parse_instant(assigned["at"])
    expected = compute_deadlines(
        assigned_at, "moi-truong", WorkingCalendar.default(), DeadlinePolicy.default()
    )
    assert parse_instant(report["triage_due_at"]) == expected.triage_due_at
    assert parse_instant(report["due_at"]) == expected.due_at
    assert report["triage_due_at"].endswith("23:59:59+07:00")
    assert [e["type"] for e in report["timeline"]] == ["received", "assigned"]
    assert report["timeline"][-1]["text"] == (
        f"Đã chuyển đến UBND Phường Điện Biên Phủ xử lý; hạn xử lý: {vn_datetime(expected.due_at)}."
    )
    # The public sees the same timeline and unit, without the routing details.
    public = json.loads(client.http.get(f"/v1/reports/{report_id}").body)
    assert public["unit"]["code"] == "03127" and "routing" not in public

    sent = _sent()
    assert len(sent) == 1
    message = email.message_from_string(sent[0].raw_data, policy=email.policy.default)
    assert message["To"] == "ubnd.03127@dienbien.example.vn"
    assert message["Subject"] == (
        f"[PAHT] Phản ánh mới cần xử lý — hạn {vn_datetime(expected.due_at)} — Môi trường, rác thải"
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Rác thải đổ trộm ven đường, bốc mùi hôi." in text
    assert f"/#/xu-ly/{report_id}" in text
    assert "https://www.openstreetmap.org/?mlat=21.386&mlon=103.017#map=17/21.386/103.017" in text
    assert vn_datetime(expected.triage_due_at) in text
    # The unit is entitled to the reporter's contact (from the citizen's token).
    assert "Nguyễn Văn An" in text and "+84912345678" in text and "an.nguyen@example.vn" in text


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [(22.03, 103.15, "03151"), (21.59, 103.42, "03253"), (22.18, 102.46, "03160")],
)
def test_submitted_reports_go_to_the_commune_they_are_in(client, tokens, stream, lat, lng, code):
    report_id = _submit(client, tokens, lat, lng)
    stream.pump()
    report = _read(client, tokens, report_id)
    assert (report["status"], report["unit"]["code"]) == ("assigned", code)
    assert [m for m in _sent() if f"ubnd.{code}@" in m.raw_data]


def test_a_report_received_in_2024_goes_to_the_former_city(client, tokens, stream):
    received = datetime(2024, 4, 15, 10, 0, tzinfo=VN_OFFSET)
    report_id = _store(*CITY_CENTRE, received)

    stream.pump()

    report = _read(client, tokens, report_id)
    assert report["status"] == "assigned"
    assert report["unit"] == {"code": "094", "name": "UBND Thành phố Điện Biên Phủ"}
    assert [email.message_from_string(m.raw_data)["To"] for m in _sent()] == ["ubnd.094@dienbien.example.vn"]


def test_an_imported_report_keeps_the_deadlines_it_had_then(client, tokens, stream):
    # Received Monday 15/4/2024; Thursday 18/4/2024 was Giỗ Tổ Hùng Vương, so 6 working days end on 24/4.
    received = datetime(2024, 4, 15, 10, 0, tzinfo=VN_OFFSET)
    marker = HistoryEntry(
        at=received,
        type="imported",
        actor_sub=None,
        actor_role="system",
        public=False,
        data={"assigned_at": "2024-04-15T03:00:00Z"},
    )
    report_id = _store(*CITY_CENTRE, received, (marker,))

    stream.pump()

    report = _read(client, tokens, report_id)
    assert report["unit"]["code"] == "094"
    assert report["triage_due_at"] == "2024-04-16T23:59:59+07:00"
    assert report["due_at"] == "2024-04-24T23:59:59+07:00"
    (assigned,) = [e for e in report["history"] if e["type"] == "assigned"]
    assert assigned["at"] == "2024-04-15T10:00:00+07:00"
    # The old system forwarded it at the time: importing it e-mails nobody.
    assert _sent() == []


def test_a_report_far_outside_goes_to_the_ioc_with_the_reason(client, tokens, stream):
    # The API refuses such a location (422); a report can still arrive from an import.
    report_id = _store(21.03, 105.85, datetime.now(UTC) - timedelta(minutes=5))

    stream.pump()

    report = _read(client, tokens, report_id)
    assert report["unit"]["code"] == "IOC"
    assert report["routing"]["method"] == "fallback" and report["routing"]["uncertain"] is True
    assert "ngoài địa giới tỉnh Điện Biên" in report["routing"]["reason"]
    message = email.message_from_string(_sent()[0].raw_data, policy=email.policy.default)
    assert message["To"] == "ioc@dienbien.example.vn"
    assert "vị trí chưa xác định chắc chắn" in message.get_body(preferencelist=("plain",)).get_content()


def test_a_routed_report_is_never_routed_again(client, tokens, stream):
    """A report already assigned (a later change, a redelivery) is left alone: one assignment entry."""
    report_id = _submit(client, tokens, *CITY_CENTRE)
    stream.pump()
    first = _read(client, tokens, report_id)
    stream.pump()
    again = _read(client, tokens, report_id)
    assert again["history"] == first["history"]
    assert len(_sent()) == 1


def test_a_photo_slot_reserved_before_routing_is_kept(client, tokens, stream):
    """The stream image is older than the table (the reporter reserved an upload slot meanwhile): routing
    re-reads the report and routes the fresh copy instead of overwriting the change."""
    from chalicelib.store.reports import ReportRepository

    report_id = _submit(client, tokens, *CITY_CENTRE)
    slot = client.http.post(
        f"/v1/reports/{report_id}/attachments",
        headers=tokens("citizen"),
        body=json.dumps({"content_type": "image/jpeg", "size": 1000}),
    )
    assert slot.status_code == 201, slot.body

    stream.pump()

    report = ReportRepository().get(report_id)
    assert report.status == "assigned" and report.unit_code == "03127"
    assert [m.key for m in report.media] == [json.loads(slot.body)["key"]]
    assert [e.type for e in report.history].count("assigned") == 1
    assert len(_sent()) == 1
