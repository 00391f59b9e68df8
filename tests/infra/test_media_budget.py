"""The photo handler's memory and time budget (issue 16): stated in .chalice/config.json, set by infra/ in the
deployable template, larger than the API's, and its upload event never fires for the derived images."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.domain.media import DERIVED_PREFIX, ORIGINAL_PREFIX
from infra import template as tpl
from infra.media import MEDIA_FUNCTION, media_function_budget

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=tpl.STAGES)
def staged(request):
    return request.param, tpl.template(request.param)


def test_the_media_function_gets_the_budget_its_configuration_states(staged):
    stage, merged = staged
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    own = config["stages"][stage]["lambda_functions"]["media_uploaded"]
    props = merged["Resources"][MEDIA_FUNCTION]["Properties"]
    assert props["MemorySize"] == own["lambda_memory_size"] == media_function_budget(stage)["MemorySize"]
    assert props["Timeout"] == own["lambda_timeout"] == media_function_budget(stage)["Timeout"]
    api = merged["Resources"]["APIHandler"]["Properties"]
    assert props["MemorySize"] > api.get("MemorySize", 0) and props["Timeout"] >= 30


def test_derived_images_lie_outside_the_prefix_the_upload_event_listens_on(staged):
    _, merged = staged
    [event] = merged["Resources"][MEDIA_FUNCTION]["Properties"]["Events"].values()
    [rule] = event["Properties"]["Filter"]["S3Key"]["Rules"]
    assert rule == {"Name": "prefix", "Value": ORIGINAL_PREFIX}
    assert not DERIVED_PREFIX.startswith(ORIGINAL_PREFIX) and not ORIGINAL_PREFIX.startswith(DERIVED_PREFIX)


def _grants(merged, function: str) -> dict[str, set[str]]:
    """action -> the resources (as JSON text) the function's own role grants it on."""
    from infra.least_privilege import role_id

    role = merged["Resources"][role_id(function)]
    out: dict[str, set[str]] = {}
    for statement in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for action in statement["Action"]:
            out.setdefault(action, set()).update(json.dumps(r) for r in resources)
    return out


def test_the_media_function_reads_originals_writes_derived_images_and_deletes_what_it_refuses(staged):
    _, merged = staged
    grants = _grants(merged, MEDIA_FUNCTION)
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        on = " ".join(grants[action])
        assert f"/{ORIGINAL_PREFIX}*" in on and f"/{DERIVED_PREFIX}*" in on, action


def test_the_api_may_delete_a_test_reports_media_and_list_it(staged):
    _, merged = staged
    grants = _grants(merged, "APIHandler")
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"} <= set(grants)
    assert f"/{DERIVED_PREFIX}*" in " ".join(grants["s3:DeleteObject"])
