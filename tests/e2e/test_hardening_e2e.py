"""Issue 12 on the running local stack: a short fuzz run finds no server error, unserved methods get a 405 in
the API's shape, and `make token` signs with the key of the stack's own state folder."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

SHORT_RUN = 300


def test_a_short_fuzz_run_over_every_role_finds_no_server_error(live_stack):
    from tools.fuzz import fuzz

    result = fuzz(live_stack.base_url, live_stack.state_dir, SHORT_RUN)
    print(result.summary())
    assert result.requests >= SHORT_RUN
    assert result.server_errors == []
    assert result.five_xx == 0


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PROPFIND"])
def test_a_method_the_api_does_not_serve_is_a_405_in_the_api_shape(live_stack, method):
    status, body = live_stack.request(method, "/v1/reports")
    assert status == 405
    assert body["error"]["code"] == "method_not_allowed"
    assert "Phương thức" in body["error"]["message"]
    # and the stack still serves afterwards
    assert live_stack.request("GET", "/v1/health")[0] == 200


def test_make_token_signs_with_the_key_of_local_state_dir(live_stack):
    out = subprocess.run(
        ["make", "--no-print-directory", "token", "ROLE=citizen", f"LOCAL_STATE_DIR={live_stack.state_dir}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    token = out.strip().splitlines()[-1]
    status, body = live_stack.request("GET", "/v1/me/reports", token=token)
    assert status == 200, body
