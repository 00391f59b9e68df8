"""GET /v1/stats through the real app (moto): who may see what, the period's checks, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest

from chalicelib.domain.report import Feedback, Status
from chalicelib.services.stream import ReportChange
from tests.integration.stats_helpers import new_report, routed, save_final, vn

URL = "/v1/stats?from=2024-04-01&to=2024-04-30"


@pytest.fixture
def counted(aws_env):
    """Three reports of April 2024: two at Thành phố Điện Biên Phủ (one overdue), one at Huyện Tủa Chùa resolved
    in 2 working days. Counted by the stream consumer, as the live system does."""
    from chalicelib.services.stats import apply_change

    finals = []
    for i, (unit, state) in enumerate([("094", "overdue"), ("094", "open"), ("098", "resolved")]):
        r = new_report(vn(2024, 4, 8, 9, i))
        a = routed(r, unit, vn(2024, 4, 8, 9, 30), vn(2024, 4, 9, 23, 59, 59), vn(2024, 4, 16, 23, 59, 59))
        apply_change(ReportChange(f"a{i}", "MODIFY", r, a))
        final = a
        if state == "overdue":
            final = replace(a, overdue_since=vn(2024, 4, 10, 0, 0, 0), version=2)
        elif state == "resolved":
            final = replace(
                a,
                status=Status.RESOLVED,
                closed_at=vn(2024, 4, 10, 15, 0),
                feedback=Feedback(rating=4, comment=None, at=vn(2024, 4, 11, 8, 0)),
                version=2,
            )
        if final is not a:
            apply_change(ReportChange(f"b{i}", "MODIFY", a, final))
        finals.append(final)
    save_final(finals)
    return finals


def test_the_ioc_gets_every_unit_and_the_province(client, tokens, counted) -> None:
    response = client.http.get(URL, headers=tokens("ioc"))
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body["from"] == "2024-04-01" and body["to"] == "2024-04-30"
    rows = {r["unit"]["code"]: r for r in body["rows"]}
    assert len(rows) == 10  # the 10 district-level units of 2024, with or without reports
    assert rows["094"] == {
        "unit": {"code": "094", "name": "UBND Thành phố Điện Biên Phủ"},
        "total": 2,
        "resolved": 0,
        "resolved_on_time": 0,
        "rejected": 0,
        "open": 2,
        "overdue": 1,
        "overdue_rate": 50.0,
        "overdue_rate_label": "50%",
        "median_working_days": None,
        "average_rating": None,
        "reopened": 0,
    }
    assert rows["098"]["resolved_on_time"] == 1
    assert rows["098"]["median_working_days"] == 2
    assert rows["098"]["average_rating"] == 4.0
    assert rows["101"]["total"] == 0 and rows["101"]["overdue_rate_label"] == "0%"
    province = body["province"]
    assert (province["total"], province["resolved"], province["overdue"]) == (3, 1, 1)
    assert province["overdue_rate_label"] == "33,3%" and province["unit"]["code"] == "11"


def test_an_officer_sees_only_their_unit(client, tokens, counted) -> None:
    response = client.http.get(URL, headers=tokens("officer", unit="098"))
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert [r["unit"]["code"] for r in body["rows"]] == ["098"]
    assert body["rows"][0]["resolved"] == 1
    assert body["province"] is None
    # A commune of 2025 asking about April 2024 sees its own (empty) row, nothing of the others.
    body = json.loads(client.http.get(URL, headers=tokens("officer", unit="03127")).body)
    assert [(r["unit"]["code"], r["total"]) for r in body["rows"]] == [("03127", 0)]


@pytest.mark.parametrize("role", ["citizen", "tech"])
def test_others_are_refused(client, tokens, aws_env, role) -> None:
    response = client.http.get(URL, headers=tokens(role))
    assert response.status_code == 403
    assert json.loads(response.body)["error"]["code"] == "forbidden"


def test_without_a_token_401(client, aws_env) -> None:
    assert client.http.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2024-04-30", "from"),
        ("from=2024-04-01", "to"),
        ("from=2024-04-31&to=2024-05-01", "from"),
        ("from=2024-04-30&to=2024-04-01", "to"),
        ("from=2024-01-01&to=2025-01-01", "to"),  # 367 days
        ("from=2024-04-01&to=2024-04-30&format=xlsx", "format"),
    ],
)
def test_bad_periods_are_400_naming_the_field(client, tokens, aws_env, query, field) -> None:
    response = client.http.get(f"/v1/stats?{query}", headers=tokens("ioc"))
    assert response.status_code == 400, response.body
    error = json.loads(response.body)["error"]
    assert error["details"][0]["field"] == field
    assert error["message"]


def test_a_whole_leap_year_is_allowed(client, tokens, aws_env) -> None:
    response = client.http.get("/v1/stats?from=2024-01-01&to=2024-12-31", headers=tokens("ioc"))
    assert response.status_code == 200


def test_csv_for_excel_is_the_same_table(client, tokens, counted) -> None:
    response = client.http.get(URL + "&format=csv", headers=tokens("ioc"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="thong-ke-paht-2024-04-01_2024-04-30.csv"'
    )
    raw = response.body
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "STT",
        "Đơn vị",
        "Tổng PAHT",
        "Đã giải quyết",
        "Giải quyết đúng hạn",
        "Từ chối",
        "Đang xử lý",
        "Quá hạn giải quyết",
        "Tỷ lệ PAHT quá hạn giải quyết",
        "Số ngày làm việc (trung vị)",
        "Đánh giá trung bình",
        "Mở lại",
    ]
    as_json = json.loads(client.http.get(URL, headers=tokens("ioc")).body)
    for line, row in zip(rows[1:-1], as_json["rows"], strict=True):
        assert line[1] == row["unit"]["name"]
        assert [int(x) for x in line[2:8]] == [
            row[k] for k in ("total", "resolved", "resolved_on_time", "rejected", "open", "overdue")
        ]
        assert line[8] == row["overdue_rate_label"]
    assert rows[-1][1:4] == ["Tổng cộng", "3", "1"]
    assert rows[-1][8] == "33,3%"


def test_the_openapi_document_describes_the_table(client) -> None:
    doc = json.loads(client.http.get("/v1/openapi.json").body)
    op = doc["paths"]["/v1/stats"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"from", "to", "format"}
    schema = doc["components"]["schemas"]["StatsTable"]
    assert set(schema["properties"]) == {"from", "to", "rows", "province"}
    assert "overdue_rate_label" in doc["components"]["schemas"]["StatsRow"]["properties"]
