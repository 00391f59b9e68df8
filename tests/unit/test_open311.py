"""Open311's pure parts: the status mapping of open311.md, the category questions, personal data taken out of
public texts, the key's shape, and XML that every parser can read whatever the citizen typed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from chalicelib.domain.open311 import (
    answers_text,
    key_id_of,
    open311_status,
    status_after,
    without_personal_data,
)
from chalicelib.domain.report import Location, Report, Reporter, Status


def _report(
    name: str = "Nguyễn Văn An", phone: str = "0912345678", email: str | None = "an@example.vn"
) -> Report:
    return Report(
        id="01JABCDEFGHJKMNPQRSTVWXYZ0",
        category="moi-truong",
        description="x" * 10,
        location=Location(21.386, 103.017),
        reporter=Reporter(sub="s", name=name, phone=phone, email=email),
        received_at=datetime(2026, 11, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.RECEIVED, "open"),
        (Status.ASSIGNED, "open"),
        (Status.IN_PROGRESS, "open"),
        (Status.RESOLVED, "closed"),
        (Status.REJECTED, "closed"),
    ],
)
def test_statuses_map_to_open_and_closed(status, expected):
    assert open311_status(status) == expected


def test_an_update_is_closed_after_an_answer_or_a_rejection_only():
    assert [status_after(t) for t in ("received", "assigned", "accepted", "resolved", "rejected")] == [
        "open",
        "open",
        "open",
        "closed",
        "closed",
    ]


def test_answers_become_readable_lines_and_wrong_ones_are_named():
    assert answers_text("giao-thong", {"loai-su-co": ["sat-lo"]}) == (
        "Loại sự cố giao thông: Sạt lở, đất đá lấp đường",
        [],
    )
    assert answers_text("giao-thong", {}) == ("", [])
    assert answers_text("giao-thong", {"loai-su-co": ["khong-co"]})[1] == ["loai-su-co"]
    assert answers_text("giao-thong", {"loai-su-co": ["o-ga", "sat-lo"]})[1] == [
        "loai-su-co"
    ]  # one value only
    assert answers_text("khac", {"mau-sac": ["do"]})[1] == ["mau-sac"]  # a question nobody asked


def test_personal_data_is_taken_out_of_public_texts_in_every_form():
    report = _report()
    text = "Gửi nguyễn văn an (0912345678, +84912345678, AN@example.vn): đã xong."
    assert without_personal_data(text, report) == "Gửi *** (***, ***, ***): đã xong."


def test_a_short_name_does_not_garble_other_words():
    report = _report(name="An")
    assert (
        without_personal_data("Anh Bình ở bản Phiêng Ban; gửi An.", report)
        == "Anh Bình ở bản Phiêng Ban; gửi ***."
    )


def test_only_keys_of_the_issued_shape_have_an_id():
    assert key_id_of("o311.0a1b2c3d4e5f.secret") == "0a1b2c3d4e5f"
    for bad in ("", "o311..secret", "o311.XYZ.secret", "abc.0a1b.secret", "o311.0a1b", "o311.0a1b.s.t"):
        assert key_id_of(bad) is None, bad


def test_xml_escapes_markup_keeps_vietnamese_and_drops_characters_xml_cannot_carry():
    from chalicelib.api.open311 import to_xml

    text = 'Đường <b>ngập</b> & "trơn"\x00\x0b ổ gà 🚧'
    document = to_xml("service_requests", "request", [{"description": text, "status_notes": None}])
    root = ET.fromstring(document.encode("utf-8"))  # noqa: S314 - our own output
    assert root.find("request/description").text == 'Đường <b>ngập</b> & "trơn" ổ gà 🚧'
    assert root.find("request/status_notes").text is None
