"""Open311 GeoReport v2 through the real handlers (moto), driven by a real Open311 client library (`georeport`
from PyPI) and read with a standard XML parser: services and definitions, filing a report with an api_key that
is then routed, forwarded and visible through /v1 and Open311, the spec's error shape, hidden and test reports
absent, and no personal data in any answer."""

from __future__ import annotations

import email
import email.policy
import json
import types
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import georeport.georeport
import pytest
import requests
from georeport import GeoReport
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from requests.structures import CaseInsensitiveDict

from chalicelib.domain.report import Status
from tests.integration.factories import REPORTER_EMAIL, REPORTER_NAME, stored_report

ROOT = "http://open311.test/open311/v2"
CITY_CENTRE = ("21.386", "103.017")  # 03127 Phường Điện Biên Phủ
PERSON = {"first_name": "Lò Văn", "last_name": "Sính", "phone": "0987654321", "email": "sinh.lo@example.vn"}
SECRETS = [
    "Lò Văn Sính",
    "0987654321",
    "+84987654321",
    "sinh.lo@example.vn",
    REPORTER_NAME,
    REPORTER_EMAIL,
    "0912345678",
]
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]  # fmt: skip


class ChaliceAdapter(requests.adapters.BaseAdapter):
    """Carries the library's HTTP requests to the app in process (chalice.test.Client) and records every answer."""

    def __init__(self, client) -> None:
        super().__init__()
        self.client = client
        self.answers: list[tuple[str, int, bytes]] = []

    def send(self, request, **kwargs):
        url = urllib.parse.urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        headers = {"Host": url.netloc, **request.headers}  # what urllib3 would add on the wire
        answer = self.client.http.request(request.method, path, headers=headers, body=body)
        self.answers.append((path, answer.status_code, answer.body))
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.body
        response.headers = CaseInsensitiveDict(answer.headers)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def wire(client, monkeypatch):
    """The HTTP the library speaks, into the app: `wire.session` for raw calls, `wire.answers` for every body."""
    adapter = ChaliceAdapter(client)
    session = requests.Session()
    session.mount("http://open311.test/", adapter)
    monkeypatch.setattr(georeport.georeport, "requests", types.SimpleNamespace(get=session.get))
    adapter.session = session
    return adapter


def _lib(fmt: str = "json", jurisdiction: str | None = None) -> GeoReport:
    return GeoReport(ROOT, jurisdiction=jurisdiction, output_format=fmt)


def _xml(body: bytes) -> ET.Element:
    # The standard parser on the app's own answers (no DTD or entities are expected; a stray one fails the test).
    return ET.fromstring(body)  # noqa: S314


def _key(client, tokens, name: str = "FixMyStreet Điện Biên", rate: int | None = None) -> str:
    body: dict = {"name": name}
    if rate:
        body["rate_limit_per_hour"] = rate
    response = client.http.post("/v1/open311/keys", headers=tokens("ioc"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["api_key"]


def _form(api_key: str | None, **changes) -> dict[str, str]:
    form = {
        "service_code": "giao-thong",
        "lat": CITY_CENTRE[0],
        "long": CITY_CENTRE[1],
        "address_string": "Đường Võ Nguyên Giáp, gần cầu Mường Thanh",
        "description": "Ổ gà lớn giữa đường, xe máy đi đêm rất nguy hiểm <cẩn thận> & tối.",
        "attribute[loai-su-co]": "o-ga",
        "account_id": "fms-42",
        **PERSON,
        **changes,
    }
    if api_key is not None:
        form["api_key"] = api_key
    return {k: v for k, v in form.items() if v is not None}


def _post(wire, fmt: str, form: dict[str, str]):
    return wire.session.post(
        f"{ROOT}/requests.{fmt}",
        data=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def _errors(response, fmt: str) -> list[dict]:
    if fmt == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()
    assert response.headers["Content-Type"].startswith("text/xml")
    root = _xml(response.content)
    assert root.tag == "errors"
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]


def _offset_datetime(text: str | None) -> datetime | None:
    if text in (None, ""):
        return None
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None, f"{text} has no offset"
    return value


def _check_request(row: dict) -> None:
    """GeoReport v2 field definitions of a request (json; an XML row is turned into the same dict)."""
    assert list(row) == REQUEST_FIELDS
    assert row["service_request_id"] and row["service_code"] and row["service_name"]
    assert row["status"] in ("open", "closed")
    assert len(row["description"]) <= 4000
    assert _offset_datetime(row["requested_datetime"]) is not None
    assert _offset_datetime(row["updated_datetime"]) is not None
    _offset_datetime(row["expected_datetime"])
    assert -90 <= float(row["lat"]) <= 90 and -180 <= float(row["long"]) <= 180


def _xml_rows(body: bytes, root: str = "service_requests", item: str = "request") -> list[dict]:
    element = _xml(body)
    assert element.tag == root
    rows = []
    for child in element:
        assert child.tag == item
        rows.append({field.tag: field.text for field in child})
    return rows


def _forwarded() -> list:
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages
    messages = [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent]
    return [m for m in messages if m["Subject"].startswith("[PAHT] Phản ánh mới cần xử lý")]


# --- services and definitions, read by the client library ---


def test_the_library_reads_services_and_definitions_in_both_formats(wire):
    from chalicelib.domain.units import CategoryCatalog

    catalog = {c.code: c.name for c in CategoryCatalog.default().all()}
    as_json = _lib("json").get_service_list()
    assert {s["service_code"]: s["service_name"] for s in as_json} == catalog
    assert all(s["metadata"] in (True, False) and s["type"] == "realtime" for s in as_json)
    as_xml = _lib("xml").get_service_list()
    assert {s["service_code"]: s["service_name"] for s in as_xml} == catalog  # UTF-8 Vietnamese intact
    assert {s["service_code"]: s["metadata"] for s in as_xml} == {
        s["service_code"]: "true" if s["metadata"] else "false" for s in as_json
    }

    definition = _lib("json").get_service_definition("giao-thong")
    assert definition["service_code"] == "giao-thong"
    [attribute] = definition["attributes"]
    assert attribute["code"] == "loai-su-co" and attribute["datatype"] == "singlevaluelist"
    assert {"key": "o-ga", "name": "Ổ gà, hư hỏng mặt đường"} in attribute["values"]
    xml_definition = _lib("xml").get_service_definition("giao-thong")
    assert xml_definition["attributes"]["attribute"]["code"] == "loai-su-co"
    assert _lib("json").get_service_definition("khac")["attributes"] == []

    for path, status, body in wire.answers:
        if path.split("?")[0].endswith(".xml"):
            _xml(body)  # every XML answer parses with the standard parser
        assert status == 200


def test_discovery_names_this_endpoint_and_both_formats(wire):
    response = wire.session.get(f"{ROOT}/discovery.json")
    assert response.status_code == 200
    [endpoint] = response.json()["endpoints"]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = _xml(wire.session.get(f"{ROOT}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


# --- filing a report through Open311 is filing a report ---


def test_a_form_post_with_a_key_is_routed_forwarded_and_visible_through_v1_and_open311(
    client, tokens, stream, wire
):
    api_key = _key(client, tokens)
    response = _post(wire, "xml", _form(api_key))
    assert response.status_code == 200, response.text
    [created] = _xml_rows(response.content)
    report_id = created["service_request_id"]
    assert created["account_id"] == "fms-42"
    assert "chậm nhất" in created["service_notice"]

    stream.pump()

    v1 = json.loads(client.http.get(f"/v1/reports/{report_id}", headers=tokens("ioc")).body)
    assert v1["status"] == "assigned" and v1["unit"]["code"] == "03127"
    assert v1["reporter"] == {"name": "Lò Văn Sính", "phone": "0987654321", "email": "sinh.lo@example.vn"}
    assert v1["description"].startswith("Ổ gà lớn giữa đường, xe máy đi đêm rất nguy hiểm <cẩn thận> & tối.")
    assert "Loại sự cố giao thông: Ổ gà, hư hỏng mặt đường" in v1["description"]
    assert any(report_id in m.get_body(("plain",)).get_content() for m in _forwarded())

    for fmt in ("json", "xml"):
        seen = _lib(fmt).get_service_request(report_id)
        assert seen["agency_responsible"] == v1["unit"]["name"]
        assert _offset_datetime(seen["expected_datetime"]) == datetime.fromisoformat(v1["due_at"])
        assert seen["status"] == "open"
        assert seen["description"] == v1["description"]
    # The notice given at filing states the deadlines routing then set.
    from chalicelib.notify.formatting import vn_datetime

    assert vn_datetime(datetime.fromisoformat(v1["due_at"])) in created["service_notice"]


def test_filing_needs_a_valid_unrevoked_key_and_changes_nothing_otherwise(client, tokens, wire):
    api_key = _key(client, tokens)
    forged = api_key[:-4] + "AAAA"
    for fmt in ("json", "xml"):
        for key in (None, "", "not-a-key", forged):
            response = _post(wire, fmt, _form(key))
            assert response.status_code == 403, response.text
            [error] = _errors(response, fmt)
            assert error["code"] == 403 and "api_key" in error["description"]
    records = json.loads(client.http.get("/v1/open311/keys", headers=tokens("ioc")).body)["items"]
    revoked = client.http.delete(f"/v1/open311/keys/{records[0]['key_id']}", headers=tokens("ioc"))
    assert revoked.status_code == 200 and json.loads(revoked.body)["revoked_at"]
    assert _post(wire, "json", _form(api_key)).status_code == 403
    assert json.loads(client.http.get("/v1/reports").body)["items"] == []


def test_each_key_has_its_own_rate_limit(client, tokens, wire):
    slow, other = _key(client, tokens, "Ứng dụng A", rate=2), _key(client, tokens, "Ứng dụng B")
    assert [_post(wire, "json", _form(slow)).status_code for _ in range(2)] == [200, 200]
    refused = _post(wire, "json", _form(slow))
    assert refused.status_code == 429 and _errors(refused, "json")[0]["code"] == 429
    assert _post(wire, "json", _form(other)).status_code == 200


def test_the_daily_quota_of_v1_applies_to_a_person_filing_through_open311(client, tokens, wire, monkeypatch):
    from chalicelib.config import settings

    api_key = _key(client, tokens)
    # Read outside a request (chalice.test.Client swaps in the dev stage's environment for each one).
    monkeypatch.setenv("DAILY_REPORT_QUOTA", "2")
    settings.cache_clear()
    assert settings().daily_report_quota == 2
    assert [_post(wire, "json", _form(api_key)).status_code for _ in range(2)] == [200, 200]
    refused = _post(wire, "json", _form(api_key))
    assert refused.status_code == 429 and "2" in refused.json()[0]["description"]
    assert _post(wire, "json", _form(api_key, phone="0911222333")).status_code == 200  # another person
    settings.cache_clear()


@pytest.mark.parametrize(
    ("changes", "status", "names"),
    [
        ({"lat": "10.77", "long": "106.70"}, 422, "Điện Biên"),  # Ho Chi Minh City
        ({"service_code": "khong-co"}, 400, "service_code"),
        ({"phone": None}, 400, "'phone'"),
        ({"phone": "12345"}, 400, "'phone'"),
        ({"first_name": None, "last_name": None}, 400, "first_name"),
        ({"description": "ngắn"}, 400, "'description'"),
        ({"description": "x" * 4001, "attribute[loai-su-co]": None}, 400, "'description'"),
        ({"lat": None}, 400, "'lat'"),
        ({"long": "abc"}, 400, "'long'"),
        ({"attribute[loai-su-co]": "khong-co"}, 400, "attribute[loai-su-co]"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_bad_input_is_refused_in_the_spec_shape_naming_the_field(
    client, tokens, wire, changes, status, names
):
    api_key = _key(client, tokens)
    for fmt in ("json", "xml"):
        response = _post(wire, fmt, _form(api_key, **changes))
        assert response.status_code == status, response.text
        [error] = _errors(response, fmt)
        assert error["code"] == status and names in error["description"]
    assert json.loads(client.http.get("/v1/reports").body)["items"] == []


def test_jurisdiction_is_this_province_or_not_found(client, tokens, wire):
    stored_report()
    assert len(_lib("json", "dienbien.gov.vn").get_service_requests()) == 1
    for fmt in ("json", "xml"):
        response = wire.session.get(f"{ROOT}/requests.{fmt}", params={"jurisdiction_id": "hanoi.gov.vn"})
        assert response.status_code == 404
        assert _errors(response, fmt)[0]["code"] == 404
    api_key = _key(client, tokens)
    assert _post(wire, "json", _form(api_key, jurisdiction_id="hanoi.gov.vn")).status_code == 404


# --- reading ---


def test_hidden_and_test_reports_do_not_exist_through_open311(aws_env, wire):
    shown = stored_report()
    hidden = stored_report(hidden_reason="Nội dung xúc phạm")
    test = stored_report(is_test=True)
    assert [r["service_request_id"] for r in _lib().get_service_requests()] == [shown.id]
    ids = ",".join((shown.id, hidden.id, test.id))
    assert [r["service_request_id"] for r in _lib().get_service_requests(service_request_id=ids)] == [
        shown.id
    ]
    for report in (hidden, test):
        for resource in ("requests", "tokens"):
            for fmt in ("json", "xml"):
                response = wire.session.get(f"{ROOT}/{resource}/{report.id}.{fmt}")
                assert response.status_code == 404
                assert _errors(response, fmt)[0]["code"] == 404


def test_filters_status_service_code_and_the_90_day_window(aws_env, wire):
    now = datetime.now(UTC)
    open_ = stored_report()
    closed = stored_report(status=Status.RESOLVED)
    old = stored_report(assigned_ago=timedelta(days=120))
    other = stored_report(category="giao-thong")
    lib = _lib("xml")
    ids = lambda rows: {r["service_request_id"] for r in (rows if isinstance(rows, list) else [rows])}  # noqa: E731
    assert ids(lib.get_service_requests()) == {open_.id, closed.id, other.id}
    assert ids(lib.get_service_requests(status="closed")) == {closed.id}
    assert ids(lib.get_service_requests(status="open")) == {open_.id, other.id}
    assert ids(lib.get_service_requests(service_code="giao-thong")) == {other.id}
    start = (now - timedelta(days=125)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    assert ids(lib.get_service_requests(start_date=start, end_date=end)) == {old.id}
    too_long = wire.session.get(
        f"{ROOT}/requests.json",
        params={"start_date": (now - timedelta(days=200)).isoformat(), "end_date": now.isoformat()},
    )
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]
    bad = wire.session.get(f"{ROOT}/requests.json", params={"status": "pending"})
    assert bad.status_code == 400 and "status" in bad.json()[0]["description"]


def test_pages_follow_the_link_one_after_another(aws_env, wire):
    made = {stored_report().id for _ in range(3)}
    first = wire.session.get(f"{ROOT}/requests.json", params={"page_size": "2"})
    assert len(first.json()) == 2
    link = first.headers["Link"]
    assert link.endswith('rel="next"')
    second = wire.session.get(link[1 : link.index(">")])
    assert {r["service_request_id"] for r in first.json() + second.json()} == made
    assert wire.session.get(f"{ROOT}/requests.json", params={"page": "2"}).status_code == 400
    assert wire.session.get(f"{ROOT}/requests.json", params={"page": "1"}).status_code == 200


def test_updates_and_tokens(client, tokens, stream, wire):
    api_key = _key(client, tokens)
    report_id = _post(wire, "json", _form(api_key)).json()[0]["service_request_id"]
    stream.pump()
    updates = wire.session.get(f"{ROOT}/servicerequestupdates.json").json()
    mine = [u for u in updates if u["service_request_id"] == report_id]
    assert [u["status"] for u in mine] == ["open", "open"]
    assert all(_offset_datetime(u["updated_datetime"]) for u in mine)
    assert "Đã chuyển đến" in mine[-1]["description"]
    xml_updates = _xml_rows(
        wire.session.get(f"{ROOT}/servicerequestupdates.xml").content,
        "service_requests_updates",
        "request_update",
    )
    assert [u["update_id"] for u in xml_updates] == [u["update_id"] for u in updates]
    [token] = wire.session.get(f"{ROOT}/tokens/{report_id}.json").json()
    assert token == {"service_request_id": report_id, "token": report_id}


def test_every_answer_follows_the_spec_and_carries_no_personal_data(client, tokens, stream, wire):
    api_key = _key(client, tokens)
    mine = _post(wire, "json", _form(api_key)).json()[0]["service_request_id"]
    stream.pump()
    # A unit's answer that addresses the reporter by name, phone and e-mail (the letters do).
    stored_report(
        status=Status.RESOLVED,
        answer=f"Kính gửi {REPORTER_NAME} (0912345678, {REPORTER_EMAIL}): đã xử lý xong.",
        description=f"Tôi là {REPORTER_NAME}, số 0912345678: rác ở ngõ 3 chưa ai dọn.",
    )
    for fmt in ("json", "xml"):
        rows = _lib(fmt).get_service_requests()
        rows = rows if isinstance(rows, list) else [rows]
        _lib(fmt).get_service_request(mine)
        wire.session.get(f"{ROOT}/tokens/{mine}.{fmt}")
        wire.session.get(f"{ROOT}/servicerequestupdates.{fmt}")
        wire.session.get(f"{ROOT}/discovery.{fmt}")
        _lib(fmt).get_service_list()
        _lib(fmt).get_service_definition("giao-thong")
        _post(wire, fmt, _form(api_key, lat="10.77", long="106.70"))
        _post(wire, fmt, _form(None))
    for path, _status, body in wire.answers:
        text = body.decode("utf-8")
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in the answer to {path}"
        if path.split("?")[0].endswith(".xml"):
            root = _xml(body)
            if root.tag == "service_requests" and root.find("request/status") is not None:
                for row in _xml_rows(body):
                    _check_request(row)
        elif "/requests" in path and _status == 200 and isinstance(json.loads(text), list):
            for row in json.loads(text):
                if "status" in row:
                    _check_request(row)
    assert len(wire.answers) == 1 + 2 * 9  # every call above was answered and searched
    listed = _lib("json").get_service_requests(status="closed")
    assert listed[0]["status_notes"] == "Kính gửi *** (***, ***): đã xử lý xong."


def test_unknown_resources_and_formats_are_404_in_the_spec_shape(wire):
    for path in ("/nothing.json", "/services/khong-co.xml", "/requests/01ABC.json", "/services.csv"):
        response = wire.session.get(ROOT + path)
        assert response.status_code == 404, path
        fmt = "xml" if path.endswith(".xml") else "json"
        assert _errors(response, fmt)[0]["code"] == 404


# --- the IOC's keys ---


def test_only_the_ioc_issues_lists_and_revokes_keys_and_no_key_is_shown_again(client, tokens):
    for headers in ({}, tokens("citizen"), tokens("officer", unit="03127")):
        response = client.http.post(
            "/v1/open311/keys", headers=headers, body=json.dumps({"name": "Ứng dụng X"})
        )
        assert response.status_code in (401, 403)
        assert json.loads(response.body)["error"]["code"]
    api_key = _key(client, tokens, "Ứng dụng Mường Thanh")
    listed = client.http.get("/v1/open311/keys", headers=tokens("ioc"))
    assert api_key not in listed.body.decode()
    [record] = json.loads(listed.body)["items"]
    assert record["name"] == "Ứng dụng Mường Thanh" and record["revoked_at"] is None
    assert "key_hash" not in record
    assert client.http.delete("/v1/open311/keys/ffffffffffff", headers=tokens("ioc")).status_code == 404
