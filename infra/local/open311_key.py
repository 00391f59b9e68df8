"""`make open311-key NAME=<client> [RATE=<per hour>]`: issue an Open311 api_key on the running local stack.

It asks the stack's own admin route (`POST /v1/open311/keys`) as the IOC, with a development IOC token signed
by the issuer in the local state folder (LOCAL_STATE_DIR, as `make run` uses it), and prints the key alone on its
last line. In AWS the IOC calls the same route with its own token (README, "Open311").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from infra.local.tokens import DEFAULT_STATE_DIR, DevIssuer


def issue(api: str, state_dir: Path, name: str, rate: int | None) -> dict[str, object]:
    token = DevIssuer(state_dir).token("ioc", sub="make-open311-key")
    body: dict[str, object] = {"name": name}
    if rate:
        body["rate_limit_per_hour"] = rate
    request = urllib.request.Request(
        api.rstrip("/") + "/v1/open311/keys",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description="Issue an Open311 api_key on the running local stack.")
    parser.add_argument("--name", required=True, help="the client application, e.g. 'FixMyStreet Điện Biên'")
    parser.add_argument("--rate", type=int, help="POST requests per hour allowed (default 120)")
    parser.add_argument("--api", default=f"http://127.0.0.1:{os.environ.get('API_PORT', '8000')}")
    parser.add_argument("--state-dir", default=os.environ.get("LOCAL_STATE_DIR") or str(DEFAULT_STATE_DIR))
    args = parser.parse_args()
    try:
        issued = issue(args.api, Path(args.state_dir), args.name, args.rate)
    except urllib.error.HTTPError as e:
        print(f"the stack refused: {e.code} {e.read().decode('utf-8', 'replace')}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as e:
        print(f"no local stack at {args.api} ({e}); start it with `make run`", file=sys.stderr)
        return 1
    print(
        f"# Open311 key {issued['key_id']} for {issued['name']}, {issued['rate_limit_per_hour']} POST/hour; "
        "shown once, send it as the api_key form field"
    )
    print(issued["api_key"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
