"""The served OpenAPI document says exactly what the server does (issue 11): schemathesis' response-schema,
status-code, content-type and positive-data checks over every operation, as the public, a citizen, an officer,
the IOC and technical staff, on the running local stack (tools/conformance.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

EXAMPLES = 6  # generated requests per operation and role (fixed seed: the same requests on every run)


def test_every_operation_conforms_to_the_document_for_every_role(live_stack):
    from tools.conformance import conformance

    result = conformance(live_stack.base_url, live_stack.state_dir, EXAMPLES)
    print(result.summary())
    operations = {label.rsplit(" as ", 1)[0] for label in result.by_operation}
    roles = {label.rsplit(" as ", 1)[1] for label in result.by_operation}
    assert roles == {"public", "citizen", "officer", "ioc", "tech"}
    assert len(operations) >= 33  # every operation the document declares was called
    assert not result.failures, "\n\n".join(result.failures[:5])


def test_the_document_declares_csv_the_optional_token_the_real_statuses_and_the_roles(live_stack):
    import json
    import urllib.request

    with urllib.request.urlopen(live_stack.base_url + "/v1/openapi.json", timeout=30) as response:
        doc = json.load(response)
    stats = doc["paths"]["/v1/stats"]["get"]
    assert set(stats["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert stats["x-roles"] == ["ioc", "officer"]
    one = doc["paths"]["/v1/reports/{report_id}"]["get"]
    assert {"Authorization"} <= {p["name"] for p in one["parameters"]}
    assert "401" in one["responses"] and {"bearer": []} in one["security"] and {} in one["security"]
    assert len(one["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]) == 2
    delete = doc["paths"]["/v1/reports/{report_id}"]["delete"]
    assert set(delete["responses"]) == {"204", "401", "403", "404", "409"}
    submit = doc["paths"]["/v1/reports"]["post"]
    assert "415" in submit["responses"] and "429" in submit["responses"]
    key = next(p for p in submit["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["maxLength"] == 200
    inbox = {p["name"]: p["schema"] for p in doc["paths"]["/v1/inbox"]["get"]["parameters"]}
    assert inbox["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert inbox["overdue"]["enum"] == ["true", "false"]
    reporter = doc["components"]["schemas"]["ReporterIn"]["properties"]
    assert "pattern" in reporter["phone"] and "pattern" in reporter["email"]
