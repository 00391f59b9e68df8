"""Open311 on the running local stack (`make run`), as the README points a client at it: discovery answers,
`make open311-key` issues a key, a form POST with it files a report that a GeoReport client then reads over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from georeport import GeoReport

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_discovery_answers_on_the_running_stack(live_stack):
    with urllib.request.urlopen(live_stack.base_url + "/open311/v2/discovery.json", timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/json")
        body = json.loads(response.read())
    [endpoint] = body["endpoints"]
    assert endpoint["url"] == live_stack.base_url + "/open311/v2"
    with urllib.request.urlopen(live_stack.base_url + "/open311/v2/discovery.xml", timeout=30) as response:
        assert ET.fromstring(response.read()).tag == "discovery"  # noqa: S314 - the stack's own answer


def test_make_open311_key_then_a_client_files_and_follows_a_report(live_stack):
    port = urllib.parse.urlsplit(live_stack.base_url).port
    env = {**os.environ, "API_PORT": str(port), "LOCAL_STATE_DIR": str(live_stack.state_dir)}
    result = subprocess.run(
        ["make", "--no-print-directory", "open311-key", "NAME=FixMyStreet Điện Biên"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    api_key = result.stdout.strip().splitlines()[-1]
    assert api_key.startswith("o311.")

    form = {
        "api_key": api_key,
        "service_code": "cap-thoat-nuoc",
        "lat": "21.386",
        "long": "103.017",
        "description": "Vỡ ống nước sạch trước số nhà 12, nước chảy tràn ra đường.",
        "attribute[loai-su-co]": "vo-ong",
        "first_name": "Quàng Thị",
        "last_name": "Mai",
        "phone": "0977111222",
    }
    request = urllib.request.Request(
        live_stack.base_url + "/open311/v2/requests.json",
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        [created] = json.loads(response.read())
    report_id = created["service_request_id"]

    client = GeoReport(live_stack.base_url + "/open311/v2", jurisdiction="dienbien.gov.vn")
    live_stack.wait_for(lambda: client.get_service_request(report_id)["agency_responsible"])
    seen = client.get_service_request(report_id)
    assert seen["status"] == "open" and seen["expected_datetime"]
    assert "Quàng Thị Mai" not in json.dumps(seen, ensure_ascii=False)
