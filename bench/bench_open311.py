"""Open311 GeoReport v2 (issue 14): DynamoDB requests per Open311 GET. Prints figures only; never asserts.

Run from the repository root:  python bench/bench_open311.py

Through chalice.test.Client on moto in-process, with 150 public reports (and hidden and test ones) stored first,
counted from botocore's events: every GET of /open311/v2 in JSON and XML (target: 1 per page of requests, 0 for
the catalogue answers), the next page by its Link, a list of ids, and a form POST for comparison; and whether any
Scan was issued (target: none).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import urllib.parse
import warnings
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import count_requests, dev_issuer, forget_clients, moto_stack

REPORTS = 150
RUNS = 5


def _quiet() -> contextlib.AbstractContextManager[Any]:
    return contextlib.redirect_stdout(io.StringIO())


def _seed(n: int) -> list[str]:
    from tests.integration.factories import stored_report

    ids = [stored_report().id for _ in range(n)]
    stored_report(hidden_reason="Nội dung xúc phạm")
    stored_report(is_test=True)
    return ids


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        issuer = dev_issuer(Path(tmp))
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        with count_requests("dynamodb") as counter, moto_stack():
            from chalice.test import Client

            import app as app_module
            from chalicelib.config import settings

            forget_clients()
            settings()
            with counter.paused():
                ids = _seed(REPORTS)
            figures: dict[str, list[tuple[int, int, str]]] = {}

            def measure(name: str, call: Any) -> Any:
                counter.reset()
                with _quiet():
                    response = call()
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: {response.status_code} {response.body!r}")
                figures.setdefault(name, []).append((counter.total, counter.scans, counter.summary()))
                return response

            ioc = {"Authorization": f"Bearer {issuer.token('ioc')}", "Content-Type": "application/json"}
            with Client(app_module.app, stage_name="dev") as client:
                with _quiet():
                    created = client.http.post(
                        "/v1/open311/keys", headers=ioc, body=json.dumps({"name": "bench"})
                    )
                api_key = json.loads(created.body)["api_key"]
                base = "/open311/v2"
                for _ in range(RUNS):
                    for fmt in ("json", "xml"):
                        measure(f"discovery.{fmt}", lambda f=fmt: client.http.get(f"{base}/discovery.{f}"))
                        measure(f"services.{fmt}", lambda f=fmt: client.http.get(f"{base}/services.{f}"))
                        measure(
                            f"services/giao-thong.{fmt}",
                            lambda f=fmt: client.http.get(f"{base}/services/giao-thong.{f}"),
                        )
                        first = measure(
                            f"requests.{fmt} (default 90 days, page_size 100)",
                            lambda f=fmt: client.http.get(f"{base}/requests.{f}"),
                        )
                        link = first.headers.get("Link") or first.headers.get("link")
                        if link:
                            nxt = urllib.parse.urlsplit(link[1 : link.index(">")])
                            measure(
                                f"requests.{fmt}, next page by its Link",
                                lambda f=nxt: client.http.get(f"{f.path}?{f.query}"),
                            )
                        measure(
                            f"requests.{fmt}?status=open&service_code=moi-truong",
                            lambda f=fmt: client.http.get(
                                f"{base}/requests.{f}?status=open&service_code=moi-truong"
                            ),
                        )
                        measure(
                            f"requests.{fmt}?service_request_id=<20 ids>",
                            lambda f=fmt: client.http.get(
                                f"{base}/requests.{f}?service_request_id={','.join(ids[:20])}"
                            ),
                        )
                        measure(
                            f"requests/<id>.{fmt}",
                            lambda f=fmt: client.http.get(f"{base}/requests/{ids[0]}.{f}"),
                        )
                        measure(
                            f"tokens/<id>.{fmt}", lambda f=fmt: client.http.get(f"{base}/tokens/{ids[0]}.{f}")
                        )
                        measure(
                            f"servicerequestupdates.{fmt}",
                            lambda f=fmt: client.http.get(f"{base}/servicerequestupdates.{f}"),
                        )
                form = urllib.parse.urlencode(
                    {
                        "api_key": api_key,
                        "service_code": "moi-truong",
                        "lat": "21.386",
                        "long": "103.017",
                        "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
                        "first_name": "Lò Văn",
                        "last_name": "Sính",
                        "phone": "0987654321",
                    }
                )
                form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
                for _ in range(RUNS):
                    measure(
                        "POST requests.json (for comparison)",
                        lambda: client.http.post(f"{base}/requests.json", headers=form_headers, body=form),
                    )

    print(f"{REPORTS} public reports stored (and one hidden, one test); max over {RUNS} calls each")
    scans = 0
    for name, runs in figures.items():
        requests = max(r[0] for r in runs)
        scans += sum(r[1] for r in runs)
        print(f"{name}: {requests} DynamoDB requests per call ({runs[-1][2]})")
    print(f"Scan requests issued: {scans} (target: none)")


if __name__ == "__main__":
    main()
