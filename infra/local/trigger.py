"""`make sla AT=...`, `make digest`, `make weekly`: fire a scheduled handler of the running local stack."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


def main() -> None:
    parser = argparse.ArgumentParser(description="Fire a scheduled handler in the running local stack.")
    parser.add_argument("handler", help="e.g. deadline_sweep, daily_digest, weekly_report")
    parser.add_argument("--at", help="the instant the handler runs as of, ISO 8601 with offset")
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    query = f"?at={urllib.parse.quote(args.at)}" if args.at else ""
    request = urllib.request.Request(
        f"{args.api}/dev/schedule/{args.handler}{query}",
        method="POST",
        data=b"{}",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            print(json.dumps(json.loads(response.read()), ensure_ascii=False, indent=2))
    except urllib.error.HTTPError as e:
        print(e.read().decode(), file=sys.stderr)
        sys.exit(1)
    except urllib.error.URLError as e:
        print(
            f"the local stack is not running at {args.api} ({e.reason}); start it with `make run`",
            file=sys.stderr,
        )
        sys.exit(1)
    print("see the e-mails: curl -s http://127.0.0.1:8000/dev/outbox")


if __name__ == "__main__":
    main()
