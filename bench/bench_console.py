"""The first load of the officer's work queue in the console: bytes (compressed) and requests (issue 13).

A commune office on 3G must get its queue quickly: the target is at most 300 KB, map tiles excluded. The local
stack is started as `make run` starts it, with one report in the queue; Chromium (the browser tests' Debian
package) opens the queue with an empty cache as a signed-in officer, and every response is counted: headers
plus the body as sent. The local API server does not compress JSON while CloudFront does (Compress: true), so
each body is also counted at its gzip size, and the smaller of the two is the figure that matters in AWS.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.browser import CHROMIUM, FLAGS, PHONE  # noqa: E402
from tests.e2e.conftest import start_stack, stop_stack  # noqa: E402

TARGET = 300 * 1024


def main() -> None:
    if not CHROMIUM.exists():
        print("Chromium is missing (make test installs it): skipped")
        return
    state = Path(tempfile.mkdtemp(prefix="bench-console-")) / "state"
    os.environ.setdefault("CONSOLE_TILE_URL", "")
    stack = start_stack(state)
    try:
        citizen = stack.token("citizen")
        status, report = stack.request(
            "POST",
            "/v1/reports",
            {
                "category": "moi-truong",
                "description": "Rác thải đổ trộm",
                "location": {"lat": 21.3862, "lng": 103.0171},
            },
            token=citizen,
        )
        assert status == 201, report
        stack.wait_for(
            lambda: (
                stack.request("GET", f"/v1/reports/{report['id']}", token=citizen)[1]["status"] == "assigned"
            )
        )
        token = stack.token("officer", "03127")
        measure(stack.base_url, token)
    finally:
        stop_stack(stack.process)
        shutil.rmtree(state.parent, ignore_errors=True)


def measure(base_url: str, token: str) -> None:
    from playwright.sync_api import sync_playwright

    rows: list[tuple[str, int, int]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport=PHONE)
        # Signed in already (the session holds the token), as after the development or Cognito sign-in.
        session = {
            "token": token,
            "sub": "dev-officer-03127",
            "roles": ["officer"],
            "unit": "03127",
            "name": "Cán bộ",
            "exp": 4102444800,
        }
        context.add_init_script(f"sessionStorage.setItem('paht.session', {json.dumps(json.dumps(session))})")
        page = context.new_page()
        responses = []
        page.on("requestfinished", lambda r: responses.append(r))
        page.goto(f"{base_url}/#/hop-viec", wait_until="networkidle")
        page.locator("table.rows tbody tr").first.wait_for()
        page.wait_for_load_state("networkidle")
        for request in responses:
            sizes = request.sizes()
            response = request.response()
            body = response.body() if response else b""
            sent = sizes["responseHeadersSize"] + sizes["responseBodySize"]
            packed = sizes["responseHeadersSize"] + min(
                sizes["responseBodySize"], len(gzip.compress(body, 6))
            )
            rows.append((request.url.removeprefix(base_url), sent, packed))
        browser.close()
    print(f"{'request':60} {'as sent':>9} {'gzip':>9}")
    for url, sent, packed in rows:
        print(f"{url[:60]:60} {sent:>9,} {packed:>9,}")
    total_sent = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    print(
        f"first load of the queue: {len(rows)} requests, {total_sent:,} bytes as the local stack sends them"
    )
    print(
        f"first load of the queue: {total:,} bytes compressed ({total / 1024:.1f} KB; target ≤ {TARGET // 1024} KB:"
        f" {'met' if total <= TARGET else 'NOT met'}), map tiles excluded (the queue loads no map)"
    )


if __name__ == "__main__":
    main()
