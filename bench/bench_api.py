"""The foundation's figures (issue 2). Prints figures only; never asserts.

Run from the repository root:  python bench/bench_api.py

(a) The import time of app.py against a bare Chalice + boto3 app, measured side by side in the same run: each
    in a fresh interpreter (a Lambda cold start imports the handler module once), alternating, N runs each;
    medians and their ratio (target <= 1.5).
(b) DynamoDB requests per API operation through chalice.test.Client on moto in-process, counted from botocore's
    events: submit (the app's own requests, and the idempotency record's separately; target <= 2 plus the
    idempotency record), get (target 1), a list page (target 1), my reports (target 1); and whether any Scan
    was issued (target: none).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, count_requests, dev_issuer, forget_clients, moto_stack

IMPORT_RUNS = 9
REQUEST_RUNS = 10

BARE_APP = """
import boto3
from chalice import Chalice

app = Chalice(app_name="bare")


@app.route("/")
def index():
    return {"hello": "world"}
"""

# The import is timed inside the child, so interpreter start-up is not part of either figure.
TIMER = (
    "import sys, time; sys.path.insert(0, {path!r}); t = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - t)"
)


def _import_seconds(module: str, path: Path) -> float:
    # No AWS environment, as `chalice package` and a cold start see it: nothing may need one at import time.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", TIMER.format(path=str(path), module=module)],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def import_ratio() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bare_dir = Path(tmp)
        (bare_dir / "bare_app.py").write_text(BARE_APP)
        # warm-up: compile both to bytecode (a deployment package ships .pyc or compiles once)
        _import_seconds("bare_app", bare_dir)
        _import_seconds("app", ROOT)
        bare, ours = [], []
        for _ in range(IMPORT_RUNS):
            bare.append(_import_seconds("bare_app", bare_dir))
            ours.append(_import_seconds("app", ROOT))
    b, a = statistics.median(bare), statistics.median(ours)
    print(f"import bare Chalice + boto3 app: {b * 1000:.0f} ms (median of {IMPORT_RUNS})")
    print(f"import app.py: {a * 1000:.0f} ms (median of {IMPORT_RUNS})")
    print(f"import ratio app.py / bare: {a / b:.2f} (target <= 1.5)")


LIST_QUERIES = {
    "list page (limit 20)": "limit=20",
    "list page (limit 20, category filter)": "limit=20&category=moi-truong",
    "list page (limit 5, bbox filter)": "limit=5&bbox=102.9,21.3,103.1,21.5",
    "list page (limit 20, since)": "limit=20&since=2020-01-01",
}

BODY = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
    "location": {"lat": 21.386, "lng": 103.017},
    "address": "Tổ 5, phường Điện Biên Phủ",
}


def _quiet() -> contextlib.AbstractContextManager[Any]:
    """Powertools writes metrics (EMF) to stdout on every invocation; keep this script's output to figures."""
    return contextlib.redirect_stdout(io.StringIO())


def requests_per_operation() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        issuer = dev_issuer(Path(tmp))
        os.environ["DAILY_REPORT_QUOTA"] = "1000"  # one citizen submits every report measured here
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        with count_requests("dynamodb") as counter, moto_stack():
            from chalice.test import Client

            import app as app_module
            from chalicelib.config import settings

            forget_clients()  # the app builds its clients afresh, inside the counter
            # read the settings now: chalice.test.Client swaps in the "dev" stage's environment per request
            settings()
            citizen = {
                "Authorization": f"Bearer {issuer.token('citizen')}",
                "Content-Type": "application/json",
            }
            figures: dict[str, list[tuple[int, int, int]]] = {}
            operations: dict[str, str] = {}

            def measure(name: str, call: Any) -> Any:
                counter.reset()
                with _quiet():
                    response = call()
                if response.status_code not in (200, 201):  # a broken call is not a figure
                    raise RuntimeError(f"{name}: {response.status_code} {response.body!r}")
                idem = counter.on_table("-idempotency")
                figures.setdefault(name, []).append((counter.total - idem, idem, counter.items_scanned))
                operations[name] = counter.summary()
                return json.loads(response.body)

            with Client(app_module.app, stage_name="dev") as client:
                with _quiet():  # the first request pays for building clients and reading the data files
                    client.http.post("/v1/reports", headers=citizen, body=json.dumps(BODY))
                ids = []
                scans_before = 0
                counter.reset()
                for i in range(REQUEST_RUNS):
                    headers = {**citizen, "Idempotency-Key": f"bench-{i}"}
                    report = measure(
                        "submit",
                        lambda h=headers: client.http.post("/v1/reports", headers=h, body=json.dumps(BODY)),
                    )
                    ids.append(report["id"])
                    measure(
                        "submit, retried",
                        lambda h=headers: client.http.post("/v1/reports", headers=h, body=json.dumps(BODY)),
                    )
                    measure(
                        "submit without Idempotency-Key",
                        lambda: client.http.post("/v1/reports", headers=citizen, body=json.dumps(BODY)),
                    )
                    scans_before += counter.scans
                for report_id in ids:
                    measure("get", lambda r=report_id: client.http.get(f"/v1/reports/{r}"))
                    scans_before += counter.scans
                    measure(
                        "get (reporter)",
                        lambda r=report_id: client.http.get(f"/v1/reports/{r}", headers=citizen),
                    )
                    scans_before += counter.scans
                for name, query in LIST_QUERIES.items():
                    page = measure(name, lambda q=query: client.http.get(f"/v1/reports?{q}"))
                    scans_before += counter.scans
                    if page["next_cursor"]:
                        measure(
                            name,
                            lambda q=query, c=page["next_cursor"]: client.http.get(
                                f"/v1/reports?{q}&cursor={c}"
                            ),
                        )
                        scans_before += counter.scans
                page = measure(
                    "my reports", lambda: client.http.get("/v1/me/reports?limit=20", headers=citizen)
                )
                scans_before += counter.scans
                measure(
                    "my reports",
                    lambda: client.http.get(
                        f"/v1/me/reports?limit=20&cursor={page['next_cursor']}", headers=citizen
                    ),
                )
                scans_before += counter.scans

    def show(name: str, target: str) -> None:
        runs = figures[name]
        app_requests = max(r[0] for r in runs)
        idem = max(r[1] for r in runs)
        scanned = max(r[2] for r in runs)
        extra = f" + {idem} on the idempotency table" if idem else ""
        print(
            f"{name}: {app_requests} DynamoDB requests{extra} per call ({target}); max of {len(runs)} calls; "
            f"at most {scanned} items read per call; {operations[name]}"
        )

    show("submit", "target <= 2 + idempotency")
    show("submit, retried", "answered from the idempotency record")
    show("submit without Idempotency-Key", "target <= 2")
    show("get", "target 1")
    show("get (reporter)", "target 1")
    for name in LIST_QUERIES:
        show(name, "target 1")
    show("my reports", "target 1")
    print(f"Scan requests during all of the above: {scans_before} (target 0)")


def main() -> None:
    import_ratio()
    requests_per_operation()


if __name__ == "__main__":
    main()
