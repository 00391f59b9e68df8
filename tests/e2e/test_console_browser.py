"""The web console in a real browser (Chromium, headless) against the local stack started by `make run`.

The people's days from docs (console.md): an officer of Phường Điện Biên Phủ clears a report with clicks only,
on a phone; a rejection asking for more information with the annex's letter; the IOC's table, CSV, reassigning
and hiding on a desktop; the public page without personal data; and someone else's change shown as such.
Every step waits on what the page shows (Playwright's auto-waiting), never on a sleep.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    Console,
    action_buttons,
    sign_in,
    unlabelled_fields,
)

UNIT = "03127"
UNIT_NAME = "UBND Phường Điện Biên Phủ"
OFFICER = "Cán bộ xử lý"
IOC = "Tổ điều hành IOC"
REPORTER = ("Nguyễn Văn An", "+84912345678", "an.nguyen@example.vn")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ASSIGNED_ACTIONS = [
    "Tiếp nhận",
    "Từ chối",
    "Yêu cầu bổ sung thông tin",
    "Trả lời",
    "Trả lại IOC",
    "Ghi chú nội bộ",
]


def assigned_report(stack: Any, description: str) -> str:
    """A citizen's report in Phường Điện Biên Phủ, once routing has assigned it to the ward."""
    token = stack.token("citizen", sub="nguoi-dan-console")
    status, body = stack.request(
        "POST",
        "/v1/reports",
        {"category": "moi-truong", "description": description, "location": {"lat": 21.3862, "lng": 103.0171}},
        token=token,
    )
    assert status == 201, body
    report_id = body["id"]
    stack.wait_for(
        lambda: stack.request("GET", f"/v1/reports/{report_id}", token=token)[1]["status"] == "assigned"
    )
    return report_id


@pytest.fixture
def console(browser: Any, live_stack: Any, request: pytest.FixtureRequest) -> Any:
    opened: list[Console] = []

    def make(viewport: dict[str, int] = PHONE, who: str = "") -> Console:
        c = Console(browser, live_stack.base_url, viewport, f"{request.node.name}{'-' + who if who else ''}")
        opened.append(c)
        return c

    yield make
    for c in opened:
        # Nothing but map tiles may be asked of another host; the page works without them.
        assert all("tile.openstreetmap.org" in u for u in c.outside), c.outside
        c.close()


def test_officer_takes_a_report_from_assigned_to_resolved_with_clicks_on_a_phone(
    console, live_stack, tmp_path
):
    first = assigned_report(live_stack, "Rác thải đổ trộm ven đường Võ Nguyên Giáp, bốc mùi hôi.")
    second = assigned_report(live_stack, "Đèn đường hỏng trước chợ trung tâm.")
    c = console(PHONE)
    page = sign_in(c, OFFICER, UNIT_NAME)

    page.get_by_role("heading", name=f"Hộp việc — {UNIT_NAME}").wait_for()
    page.get_by_role("link", name=first).wait_for()
    ids = page.locator("table.rows tbody tr td:first-child a").all_inner_texts()
    assert ids.index(first) < ids.index(second), "earliest deadline first"
    page.get_by_text("còn 1 ngày làm việc").first.wait_for()  # once the working-day calendar is read
    c.shot("1-queue")

    page.get_by_role("link", name=first).click()
    assert action_buttons(page) == ASSIGNED_ACTIONS
    assert page.get_by_text(REPORTER[1]).is_visible(), "the unit sees the reporter's contact"
    c.shot("2-report")

    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    page.get_by_text("Người dân sẽ nhận được").wait_for()
    page.get_by_role("button", name="Xác nhận: Tiếp nhận").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện: Tiếp nhận").wait_for()
    page.locator("h1 .status", has_text="Đang xử lý").wait_for()
    assert action_buttons(page) == [
        "Từ chối",
        "Yêu cầu bổ sung thông tin",
        "Gia hạn",
        "Trả lời",
        "Trả lại IOC",
        "Ghi chú nội bộ",
    ]

    page.get_by_role("button", name="Gia hạn", exact=True).click()
    assert page.get_by_label("Thời hạn mới (hết ngày)").input_value(), "the earliest allowed day is offered"
    page.get_by_label("Thông báo công khai (lý do, tình trạng giải quyết)").fill(
        "Chờ xe chở rác của công ty môi trường."
    )
    page.get_by_role("button", name="Xác nhận: Gia hạn").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện: Gia hạn").wait_for()
    page.locator(".timeline").first.get_by_text("Chờ xe chở rác", exact=False).wait_for()

    page.get_by_role("button", name="Trả lời", exact=True).click()
    page.get_by_label("Nội dung trả lời (công khai)").fill(
        "Đã thu gom toàn bộ rác thải và xử lý nơi đổ trộm."
    )
    photo = tmp_path / "sau-khi-xu-ly.png"
    photo.write_bytes(PNG)
    page.get_by_label("Ảnh kết quả xử lý").set_input_files(str(photo))
    assert unlabelled_fields(page) == []
    c.shot("3-answer-form")
    page.get_by_role("button", name="Xác nhận: Trả lời").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện: Trả lời").wait_for(timeout=40_000)
    page.locator("h1 .status", has_text="Đã giải quyết").wait_for()
    assert action_buttons(page) == ["Ghi chú nội bộ"]
    c.shot("4-resolved")

    citizen_sees_the_answer(console(PHONE, "public"), first)


def citizen_sees_the_answer(citizen: Console, report_id: str) -> None:
    """The page the citizen's e-mail links to: the answer and its photo, nothing personal."""
    public = citizen.open(f"#/phan-anh/{report_id}")
    public.get_by_text("Đã thu gom toàn bộ rác thải", exact=False).first.wait_for()
    public.get_by_role("img", name="Ảnh 1 của phản ánh").wait_for()
    text = public.locator("main").inner_text()
    assert "Đã giải quyết" in text
    assert not any(p in text for p in REPORTER)
    citizen.shot("5-public")


def test_request_for_information_previews_the_annex_letter(console, live_stack):
    report_id = assigned_report(live_stack, "Hố sâu giữa đường, xe máy dễ ngã.")
    c = console(PHONE)
    page = sign_in(c, OFFICER, UNIT_NAME)
    c.open(f"#/xu-ly/{report_id}")
    page.get_by_role("button", name="Yêu cầu bổ sung thông tin", exact=True).click()
    page.get_by_label("Thông tin cần bổ sung 1").fill("Địa chỉ cụ thể nơi xảy ra sự việc")
    page.get_by_role("button", name="Thêm mục").click()
    page.get_by_label("Thông tin cần bổ sung 2").fill("Ảnh chụp rõ hiện trường")
    preview = page.locator(".preview pre")
    letter = preview.inner_text()
    assert letter.startswith(f"Kính gửi Ông/Bà {REPORTER[0]},")
    assert "(1) Địa chỉ cụ thể nơi xảy ra sự việc\n(2) Ảnh chụp rõ hiện trường" in letter
    assert unlabelled_fields(page) == []
    c.shot("1-letter")
    page.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung thông tin").click()
    page.locator("h1 .status", has_text="Từ chối xử lý").wait_for()
    assert action_buttons(page) == ["Ghi chú nội bộ"]

    public = console(PHONE, "public")
    p = public.open(f"#/phan-anh/{report_id}")
    p.get_by_text("(2) Ảnh chụp rõ hiện trường", exact=False).first.wait_for()
    assert REPORTER[0] not in p.locator("main").inner_text(), "the public letter hides the reporter's name"
    public.shot("2-public")
    # The citizen's e-mail about it links to that public page.
    link = f"{live_stack.base_url}/#/phan-anh/{report_id}"
    live_stack.wait_for(
        lambda: any(link in m["text"] and REPORTER[2] in str(m["to"]) for m in live_stack.outbox())
    )


def test_ioc_reads_the_table_downloads_csv_reassigns_and_hides_on_a_desktop(console, live_stack):
    report_id = assigned_report(live_stack, "Cây đổ chắn ngang đường sau mưa lớn.")
    c = console(DESKTOP)
    page = sign_in(c, IOC)

    page.get_by_role("link", name="Thống kê").click()
    province = page.locator("table.stats tfoot tr")
    province.wait_for()
    rates = page.locator("table.stats td:last-child").all_inner_texts()
    assert rates and all(re.fullmatch(r"\d+(,\d)?%", r) for r in rates), rates
    page.get_by_role("button", name="Tỷ lệ quá hạn").click()  # sortable
    c.shot("1-stats")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải xuống CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(content)))
    assert len(table) > 2 and any(UNIT_NAME in ",".join(row) for row in table)
    assert download.value.suggested_filename.startswith("thong-ke-paht-")

    page.get_by_role("link", name="Tất cả phản ánh").click()
    page.get_by_label("Mã phản ánh").fill(report_id)
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=report_id).click()
    buttons = action_buttons(page)
    assert buttons == ["Chuyển đơn vị xử lý", "Ẩn", "Ghi chú nội bộ"]
    page.get_by_role("button", name="Chuyển đơn vị xử lý", exact=True).click()
    page.get_by_label("Đơn vị xử lý mới").select_option(label="UBND Phường Mường Thanh")
    page.get_by_role("button", name="Xác nhận: Chuyển đơn vị xử lý").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện: Chuyển đơn vị xử lý").wait_for()
    page.locator(".facts").get_by_text("UBND Phường Mường Thanh").wait_for()

    page.get_by_role("button", name="Ẩn", exact=True).click()
    page.get_by_label("Lý do ẩn (vi phạm Điều 9)").fill("Nội dung có lời lẽ xúc phạm cá nhân.")
    page.get_by_role("button", name="Xác nhận: Ẩn").click()
    page.get_by_text("Đã ẩn khỏi trang công khai", exact=False).wait_for()
    assert action_buttons(page) == ["Chuyển đơn vị xử lý", "Bỏ ẩn", "Ghi chú nội bộ"]
    c.shot("2-hidden")

    public = console(DESKTOP, "public")
    p = public.open(f"#/phan-anh/{report_id}")
    p.get_by_text(f"Không tìm thấy phản ánh {report_id}.").wait_for()


def test_public_page_and_map_show_no_personal_data_and_send_no_token(console, live_stack):
    report_id = assigned_report(live_stack, "Cống thoát nước bị tắc gây ngập.")
    officer = console(DESKTOP, "officer")
    sign_in(officer, OFFICER, UNIT_NAME)
    # Signed in or not, the public page asks the API anonymously.
    page = officer.open(f"#/phan-anh/{report_id}")
    page.get_by_text("Cống thoát nước bị tắc gây ngập.").wait_for()
    text = page.locator("main").inner_text()
    assert not any(p in text for p in REPORTER)
    asked = [h for url, h in officer.api_requests if url.endswith(f"/v1/reports/{report_id}")]
    assert asked and not any("authorization" in h for h in asked)
    officer.shot("1-public")
    page = officer.open("#/ban-do")
    page.get_by_role("region", name="Bản đồ phản ánh").wait_for()
    page.locator(".list li").first.wait_for()
    assert not any(p in page.locator("main").inner_text() for p in REPORTER)
    officer.shot("2-map")


def test_someone_elses_change_is_shown_and_the_page_reloads_with_the_keyboard(console, live_stack):
    report_id = assigned_report(live_stack, "Biển báo giao thông bị đổ.")
    c = console(PHONE)
    page = sign_in(c, OFFICER, UNIT_NAME)
    c.open(f"#/xu-ly/{report_id}")
    assert "Tiếp nhận" in action_buttons(page)
    # A colleague accepts the same report from another device meanwhile.
    colleague = live_stack.token("officer", UNIT, sub="dong-nghiep")
    status, _ = live_stack.request(
        "POST", f"/v1/reports/{report_id}/actions", {"type": "accept"}, token=colleague
    )
    assert status == 200
    page.get_by_role("button", name="Tiếp nhận", exact=True).focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Xác nhận: Tiếp nhận").focus()
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="Người khác vừa thay đổi phản ánh này").wait_for()
    page.locator("h1 .status", has_text="Đang xử lý").wait_for()
    assert "Tiếp nhận" not in action_buttons(page)
    c.shot("1-conflict")


def test_the_forwarding_e_mails_link_opens_the_consoles_page_of_the_report(console, live_stack):
    report_id = assigned_report(live_stack, "Nắp cống bị vỡ trên vỉa hè.")
    mail = live_stack.wait_for(
        lambda: next(
            (m for m in live_stack.outbox() if report_id in m["text"] and "ubnd.03127" in str(m["to"])), None
        )
    )
    link = re.search(r'href="([^"]+)">Xử lý phản ánh trên hệ thống', mail["html"]).group(1)
    assert link == f"{live_stack.base_url}/#/xu-ly/{report_id}"
    c = console(PHONE)
    page = c.open(link.removeprefix(live_stack.base_url + "/"))
    page.get_by_label("Vai trò").select_option(label=OFFICER)
    page.get_by_label("Đơn vị").select_option(label=UNIT_NAME)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.get_by_role("heading", name=re.compile(f"Phản ánh {report_id}")).wait_for()
    assert "Tiếp nhận" in action_buttons(page)
    c.shot("1-from-email")
