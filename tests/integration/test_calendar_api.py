"""GET /v1/calendar: why a deadline falls where it does, for apps and officers."""

from __future__ import annotations

import pytest


def test_april_may_2025_shows_the_holidays_and_the_make_up_saturday(client):
    r = client.http.get("/v1/calendar?from=2025-04-25&to=2025-05-05")
    assert r.status_code == 200
    body = r.json_body
    days = {d["date"]: d for d in body["days"]}
    assert days["2025-04-26"]["working"] is True  # make-up Saturday
    assert days["2025-04-26"]["name"] == "Ngày làm việc bù"
    assert days["2025-04-30"]["working"] is False and days["2025-05-01"]["working"] is False
    assert days["2025-05-02"]["working"] is False  # swapped for 26/4
    assert {d["date"] for d in body["days_off"]} == {"2025-04-30", "2025-05-01", "2025-05-02"}
    # 25/4, 26/4 (Saturday), 28/4, 29/4 and 5/5
    assert body["working_days"] == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2025-05-05", "from"),
        ("from=2025-04-25", "to"),
        ("from=25/04/2025&to=2025-05-05", "from"),
        ("from=2025-05-05&to=2025-04-25", "to"),
        ("from=2024-01-01&to=2025-06-30", "to"),
    ],
)
def test_bad_ranges_are_refused_naming_the_parameter(client, query, field):
    r = client.http.get(f"/v1/calendar?{query}")
    assert r.status_code == 400
    assert r.json_body["error"]["details"][0]["field"] == field
