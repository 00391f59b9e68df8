"""Through the local stack over HTTP: a submitted report becomes `assigned` to the commune it lies in, within
seconds, and the unit's e-mail shows up in the outbox."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

DESCRIPTION = "Cột đèn chiếu sáng bị đổ nghiêng ra lòng đường <b>nguy hiểm</b>, cần xử lý gấp."


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [(21.386, 103.017, "03127"), (21.59, 103.42, "03253")],
)
def test_submitted_report_is_assigned_to_its_commune_and_emailed(live_stack, lat, lng, code):
    citizen = live_stack.token("citizen", sub=f"e2e-routing-{code}")
    body = {"category": "dien-chieu-sang", "description": DESCRIPTION, "location": {"lat": lat, "lng": lng}}
    status, created = live_stack.request("POST", "/v1/reports", body, token=citizen)
    assert status == 201, created
    report_id = created["id"]

    def assigned():
        status, report = live_stack.request("GET", f"/v1/reports/{report_id}", token=citizen)
        return report if status == 200 and report["status"] == "assigned" else None

    report = live_stack.wait_for(assigned, timeout=30)
    assert report["unit"]["code"] == code
    assert report["triage_due_at"].endswith("23:59:59+07:00") and report["due_at"].endswith("23:59:59+07:00")
    assert "assigned" in [e["type"] for e in report["timeline"]]

    def forwarded():
        return [
            m
            for m in live_stack.outbox()
            if m["subject"].startswith("[PAHT] Phản ánh mới cần xử lý") and report_id in (m.get("text") or "")
        ]

    (message,) = live_stack.wait_for(forwarded, timeout=30)
    assert message["to"] == [f"ubnd.{code}@dienbien.example.vn"]
    assert message["subject"].endswith("— Điện, chiếu sáng công cộng")
    assert message["subject"].startswith("[PAHT] Phản ánh mới cần xử lý — hạn ")
    assert "&lt;b&gt;nguy hiểm&lt;/b&gt;" in message["html"] and "<b>nguy hiểm</b>" not in message["html"]

    # The IOC sees no failed delivery for it.
    status, failed = live_stack.request("GET", "/v1/deliveries?status=failed", token=live_stack.token("ioc"))
    assert status == 200 and report_id not in [d["report_id"] for d in failed["items"]]
