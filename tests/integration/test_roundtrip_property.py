"""Issue 12: whatever the API accepts can be read back. Hypothesis draws submissions over the request schema's
fields (any text, any instant with any offset, over the whole datetime range); each one answered 201 must read
back identically from the store and through every view: the report, the reporter's list, the public list."""

from __future__ import annotations

import itertools
import json
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.report import parse_instant, report_from_doc, report_to_doc

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
# Half from the years a report may name (2000 to the present), half from the whole range datetime allows.
INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2026, 11, 30), timezones=OFFSETS),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS),
)
TEXT = st.text(max_size=60)
BODIES = st.fixed_dictionaries(
    {
        "category": st.sampled_from(["moi-truong", "giao-thong", "y-te"]),
        "description": st.text(min_size=5, max_size=200),
        "location": st.just({"lat": 21.386, "lng": 103.017}),
        "reporter": st.fixed_dictionaries({"name": TEXT, "phone": st.just("0912345678")}),
    },
    optional={"address": TEXT, "occurred_at": INSTANTS.map(lambda d: d.isoformat())},
)
SUBS = itertools.count()


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(body=BODIES)
def test_every_accepted_submission_reads_back_the_same_everywhere(client, tokens, body):
    headers = tokens("citizen", sub=f"roundtrip-{next(SUBS)}")
    response = client.http.post("/v1/reports", headers=headers, body=json.dumps(body))
    assert response.status_code in (201, 400), response.body  # never a 5xx
    if response.status_code == 400:
        return
    created = json.loads(response.body)
    # only the submit answer carries the open reports nearby (issue 15); the report itself is the rest
    assert isinstance(created.pop("possible_duplicates"), list)
    assert created["description"] == unicodedata.normalize("NFC", body["description"]).strip()
    if "occurred_at" in body:
        sent = datetime.fromisoformat(body["occurred_at"])
        back = datetime.fromisoformat(created["occurred_at"])
        assert back == sent.replace(microsecond=sent.microsecond // 1000 * 1000)
        assert 2000 <= back.astimezone(UTC).year <= 2100

    read = client.http.get(f"/v1/reports/{created['id']}", headers=headers)
    assert read.status_code == 200 and json.loads(read.body) == created
    mine = json.loads(client.http.get("/v1/me/reports", headers=headers).body)["items"]
    assert mine == [created]
    public = client.http.get(f"/v1/reports/{created['id']}")
    assert public.status_code == 200
    public_view = json.loads(public.body)
    assert public_view == {k: v for k, v in created.items() if k in public_view}
    listed = json.loads(client.http.get("/v1/reports?limit=100").body)["items"]
    assert public_view in listed

    from chalicelib.store.reports import ReportRepository

    stored = ReportRepository().get(created["id"])
    assert stored is not None and report_from_doc(report_to_doc(stored)) == stored
    assert parse_instant(report_to_doc(stored)["received_at"]) == stored.received_at
