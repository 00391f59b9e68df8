"""`make cost`: docs/cost.md, what running the system costs, from counted requests and published prices.

Run from the repository root:  python -m bench.cost  [--out docs/cost.md]

1. COUNT: LIFECYCLE_REPORTS reports live their whole life through the real handlers on moto in-process: a citizen
   submits (API function), the stream routes, forwards, counts and tells the citizen, the unit's officer
   accepts and resolves (API function), the stream reacts, the citizen rates. Every Lambda invocation, API
   Gateway request, DynamoDB request (with its estimated capacity units), SES e-mail and stream batch is
   counted from botocore's events and the handlers' calls. The schedules are counted per month (the sweep
   every 15 minutes, the digest Monday-Saturday, the weekly report) with one run each measured.
2. PRICE: bench/data/prices-ap-southeast-1.json (the only place prices live, with their date).
3. WRITE: docs/cost.md per 1,000 reports over their whole life, and per month for three sizes.

Estimates, stated in the document: DynamoDB capacity units from the size of what is written (1 WRU per KB,
twice in a transaction) and read (1 RRU per 4 KB strongly consistent, half for a Query); Lambda duration as
CPU time measured here plus 8 ms per AWS request; reads of reports by citizens and officers per report
(READS_PER_REPORT) and photos per report are assumptions, not counts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REGION, ROOT, forget_clients, moto_stack

PRICES = ROOT / "bench" / "data" / "prices-ap-southeast-1.json"
LIFECYCLE_REPORTS = 10
READS_PER_REPORT = 6  # the citizen checks the status 3 times, officers open it 3 times (inbox, detail)
PHOTOS_PER_REPORT = 1.5
PHOTO_MB = 1.5
PHOTO_VIEWS = 4
REQUEST_LATENCY_MS = 8
MONTH_SWEEPS = 4 * 24 * 30
MONTH_DIGESTS = 26
MONTH_WEEKLY = 4.35
SIZES = [
    ("Điện Biên today (130 reports over several months: about 30 a month)", 30),
    ("a province at 1,000 reports a month", 1_000),
    ("a city at 1022's scale (about 50,000 reports a month)", 50_000),
]


class Meter:
    """DynamoDB requests and estimated capacity units, SES e-mails: every client created while watching."""

    def __init__(self) -> None:
        self.ddb: Counter[str] = Counter()
        self.wru = 0.0
        self.rru = 0.0
        self.emails = 0

    def _params(self, event_name: str, params: dict[str, Any] | None = None, **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]
        params = params or {}
        self.ddb[op] += 1
        size = len(json.dumps(params.get("Item", {}))) / 1024
        if op == "PutItem":
            self.wru += max(1, math.ceil(size))
        elif op in ("UpdateItem", "DeleteItem"):
            self.wru += 1
        elif op == "TransactWriteItems":
            for item in params["TransactItems"]:
                for body in item.values():
                    self.wru += 2 * max(1, math.ceil(len(json.dumps(body.get("Item", {}))) / 1024))
        elif op == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for r in requests:
                    self.wru += max(1, math.ceil(len(json.dumps(r.get("PutRequest", {}))) / 1024))

    def _result(self, event_name: str, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]
        parsed = parsed or {}
        if op == "GetItem":
            self.rru += max(1, math.ceil(len(json.dumps(parsed.get("Item", {}))) / 4096))
        elif op in ("Query", "Scan"):
            self.rru += 0.5 * max(1, math.ceil(len(json.dumps(parsed.get("Items", []))) / 4096))
        elif op == "BatchGetItem":
            self.rru += 0.5 * max(1, math.ceil(len(json.dumps(parsed.get("Responses", {}))) / 4096))

    def watch(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        if service == "dynamodb":
            client.meta.events.register("before-parameter-build.dynamodb.*", self._params)
            client.meta.events.register("after-call.dynamodb.*", self._result)
        elif service in ("sesv2", "ses"):
            client.meta.events.register(f"before-call.{service}.SendEmail", self._email)

    def _email(self, **_: Any) -> None:
        self.emails += 1

    def snapshot(self) -> dict[str, float]:
        return {"requests": sum(self.ddb.values()), "wru": self.wru, "rru": self.rru, "emails": self.emails}


class Invocations:
    """Lambda invocations with their CPU time, per function."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.cpu_ms: Counter[str] = Counter()

    def call(self, function: str, handler: Any, event: Any, context: Any) -> Any:
        started = time.process_time()
        try:
            return handler(event, context)
        finally:
            self.count[function] += 1
            self.cpu_ms[function] += (time.process_time() - started) * 1000


def _principal(role: str, sub: str, unit: str | None = None) -> dict[str, str]:
    from chalicelib.api.auth import actor_context
    from chalicelib.domain.access import Actor

    p = Actor(
        sub=sub,
        roles=frozenset({role}),
        unit_code=unit,
        name="Nguyễn Văn An",
        email="an@example.vn",
        phone="+84912345678",
    )
    return {**actor_context(p), "principalId": sub}


def lifecycle(meter: Meter, calls: Invocations) -> dict[str, float]:
    """LIFECYCLE_REPORTS reports from submission to rating; returns the counts per report."""
    import boto3

    import app
    from bench.bench_cold import BODY, POINTS, api_event
    from chalicelib.config import settings
    from infra.local.stream_worker import FakeLambdaContext, StreamPump

    session = boto3.session.Session(region_name=REGION)

    def client(service: str) -> Any:
        # moto's in-process router only matches the streams endpoint with a trailing slash (tests/conftest.py).
        if service == "dynamodbstreams":
            return session.client(service, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com/")
        return session.client(service)

    pump = StreamPump(
        client,
        settings().reports_table,
        lambda e, c: calls.call("stream", app.handle_report_stream, e, c),
        REGION,
    )

    def http(method: str, resource: str, path: str, body: Any, who: dict[str, str], key: str) -> Any:
        event = api_event(
            method,
            resource,
            path,
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
            body=json.dumps(body, ensure_ascii=False),
            authorizer=who,
            path_params={"report_id": path.split("/")[3]} if "{report_id}" in resource else None,
        )
        calls.count["authorizer"] += 1  # API Gateway caches the verdict 60 s; counted once per request here
        out = calls.call("api", app.app, event, FakeLambdaContext())
        if out["statusCode"] >= 300:
            raise RuntimeError(f"{method} {path}: {out['statusCode']} {out['body'][:200]}")
        return json.loads(out["body"])

    ids = []
    for i in range(LIFECYCLE_REPORTS):
        lat, lng = POINTS[i % len(POINTS)]
        citizen = _principal("citizen", f"citizen-{i}")
        report = http(
            "POST",
            "/v1/reports",
            "/v1/reports",
            {**BODY, "location": {"lat": lat, "lng": lng}},
            citizen,
            f"submit-{i}",
        )
        ids.append((report["id"], citizen))
    pump.pump(rounds=50)
    for n, (rid, _citizen) in enumerate(ids):
        from chalicelib.store.reports import ReportRepository

        stored = ReportRepository().get(rid)
        assert stored is not None and stored.unit_code, rid
        officer = _principal("officer", f"officer-{stored.unit_code}", stored.unit_code)
        path = f"/v1/reports/{rid}/actions"
        http("POST", "/v1/reports/{report_id}/actions", path, {"type": "accept"}, officer, f"a-{n}")
        http(
            "POST",
            "/v1/reports/{report_id}/actions",
            path,
            {"type": "resolve", "answer": "Đã xử lý xong."},
            officer,
            f"r-{n}",
        )
    pump.pump(rounds=50)
    for n, (rid, citizen) in enumerate(ids):
        http(
            "POST",
            "/v1/reports/{report_id}/feedback",
            f"/v1/reports/{rid}/feedback",
            {"rating": 5},
            citizen,
            f"f-{n}",
        )
    pump.pump(rounds=50)
    got = meter.snapshot()
    return {k: v / LIFECYCLE_REPORTS for k, v in got.items()} | {
        "stream_batches": calls.count["stream"] / LIFECYCLE_REPORTS,
        "api_calls": calls.count["api"] / LIFECYCLE_REPORTS,
    }


def schedules(meter: Meter, calls: Invocations) -> dict[str, dict[str, float]]:
    """One run of each schedule, measured (with the lifecycle's reports in the tables)."""
    import app
    from infra.local.stream_worker import FakeLambdaContext

    out = {}
    for name, handler in (
        ("sweep", app.deadline_sweep),
        ("digest", app.daily_digest),
        ("weekly", app.weekly_report),
    ):
        before = meter.snapshot()
        event = {
            "time": datetime(2026, 6, 2, 1, 0, tzinfo=UTC).isoformat().replace("+00:00", "Z"),
            "detail": {},
            "source": "aws.events",
            "detail-type": "Scheduled Event",
            "resources": [],
            "id": "cost",
            "account": "000000000000",
            "region": REGION,
            "version": "0",
        }
        calls.call(name, handler, event, FakeLambdaContext())
        after = meter.snapshot()
        out[name] = {k: after[k] - before[k] for k in after}
    return out


def count() -> tuple[dict[str, float], dict[str, dict[str, float]], Invocations]:
    import botocore.session

    meter = Meter()
    calls = Invocations()
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        meter.watch(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        with moto_stack():
            forget_clients()
            per_report = lifecycle(meter, calls)
            runs = schedules(meter, calls)
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]
    return per_report, runs, calls


def _lambda_cost(
    p: dict[str, Any], invocations: float, cpu_ms: float, requests: float, memory_gb: float
) -> float:
    """Requests plus GB-seconds: duration = CPU measured + REQUEST_LATENCY_MS per AWS request."""
    if invocations == 0:
        return 0.0
    duration_s = (cpu_ms + REQUEST_LATENCY_MS * requests) / 1000
    return (
        invocations * p["lambda_requests_per_million"] / 1e6
        + duration_s * memory_gb * p["lambda_gb_second_x86"]
    )


def per_report_cost(
    p: dict[str, Any], r: dict[str, float], calls: Invocations, memory_gb: float
) -> dict[str, float]:
    """USD per report over its whole life, by service (schedules excluded: they are per month)."""
    n = LIFECYCLE_REPORTS
    reads = READS_PER_REPORT
    api_requests = r["api_calls"] + reads
    lam = _lambda_cost(p, calls.count["api"] / n + reads, calls.cpu_ms["api"] / n, r["requests"], memory_gb)
    lam += _lambda_cost(p, calls.count["stream"] / n, calls.cpu_ms["stream"] / n, 0, memory_gb)
    lam += _lambda_cost(p, calls.count["authorizer"] / n, 2.0, 0, memory_gb)
    photos_gb = PHOTOS_PER_REPORT * PHOTO_MB / 1024
    return {
        "DynamoDB (on-demand units)": (r["wru"] + reads * 0)
        * p["dynamodb_on_demand_write_per_million_units"]
        / 1e6
        + (r["rru"] + reads * 1) * p["dynamodb_on_demand_read_per_million_units"] / 1e6,
        "Lambda": lam,
        "API Gateway": api_requests * p["api_gateway_rest_per_million"] / 1e6,
        "SES e-mail": r["emails"] * p["ses_per_1000_emails"] / 1000,
        "S3 photos (upload, views)": PHOTOS_PER_REPORT * p["s3_put_per_1000"] / 1000
        + PHOTOS_PER_REPORT * PHOTO_VIEWS * p["s3_get_per_1000"] / 1000
        + photos_gb * PHOTO_VIEWS * p["s3_transfer_out_per_gb"],
    }


def monthly_fixed(
    p: dict[str, Any], runs: dict[str, dict[str, float]], calls: Invocations, memory_gb: float
) -> float:
    total = 0.0
    for name, per_month in (("sweep", MONTH_SWEEPS), ("digest", MONTH_DIGESTS), ("weekly", MONTH_WEEKLY)):
        run = runs[name]
        total += per_month * _lambda_cost(p, 1, calls.cpu_ms[name], run["requests"], memory_gb)
        total += per_month * (run["wru"] * p["dynamodb_on_demand_write_per_million_units"] / 1e6)
        total += per_month * (run["rru"] * p["dynamodb_on_demand_read_per_million_units"] / 1e6)
        total += per_month * run["emails"] * p["ses_per_1000_emails"] / 1000
    return total


def storage_month(p: dict[str, Any], reports_stored: float) -> float:
    """Tables (report ~4 KB with its ledger and counters, PITR) and photos, for the reports kept so far."""
    gb = reports_stored * 4 / 1024 / 1024
    photos = reports_stored * PHOTOS_PER_REPORT * PHOTO_MB / 1024
    return (
        gb * (p["dynamodb_storage_per_gb_month"] + p["dynamodb_pitr_per_gb_month"])
        + photos * p["s3_standard_per_gb_month"]
    )


def render(
    p: dict[str, Any], r: dict[str, float], runs: dict[str, dict[str, float]], calls: Invocations
) -> str:
    memory_gb = (
        json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]["lambda_memory_size"]
        / 1024
    )
    per = per_report_cost(p, r, calls, memory_gb)
    per_total = sum(per.values())
    fixed = monthly_fixed(p, runs, calls, memory_gb)
    sms = r["emails"] * p["sns_sms_vietnam_per_message"]
    n = LIFECYCLE_REPORTS
    lines = [
        "# What running the system costs",
        "",
        "Generated by `make cost` (bench/cost.py) — do not edit by hand. Prices: "
        f"`bench/data/prices-ap-southeast-1.json`, {p['region']}, as of **{p['as_of']}** ({p['currency']}, list "
        "prices, no free tier). Counts: the real handlers on moto, "
        f"{n} reports from submission to the citizen's rating.",
        "",
        f"Prices checked: {p.get('checked', 'not since as_of')}",
        "",
        "## Counted per report, over its whole life",
        "",
        "| what | per report |",
        "|---|---|",
        f"| API function invocations (submit, accept, resolve, rate) | {calls.count['api'] / n:.1f} |",
        f"| stream function invocations (batches of up to 25; here {n} reports share them) | {calls.count['stream'] / n:.2f} |",
        f"| DynamoDB requests | {r['requests']:.1f} |",
        f"| DynamoDB write units / read units (estimated from item sizes) | {r['wru']:.1f} / {r['rru']:.1f} |",
        f"| SES e-mails (unit, citizen) | {r['emails']:.1f} |",
        f"| assumed reads of the report (GET, 1 RRU each) | {READS_PER_REPORT} |",
        f"| assumed photos ({PHOTO_MB} MB each, viewed {PHOTO_VIEWS} times) | {PHOTOS_PER_REPORT} |",
        "",
        "Schedules, per run measured: "
        + "; ".join(
            f"{k}: {v['requests']:.0f} DynamoDB requests, {v['emails']:.0f} e-mails" for k, v in runs.items()
        )
        + f". Per month: {MONTH_SWEEPS} sweeps, {MONTH_DIGESTS} digests, {MONTH_WEEKLY} weekly reports.",
        "",
        "## Per 1,000 reports over their whole life",
        "",
        "| service | USD |",
        "|---|---|",
        *[f"| {k} | {v * 1000:.3f} |" for k, v in per.items()],
        f"| **total** | **{per_total * 1000:.2f}** |",
        "",
        f"If every e-mail counted above went by SMS instead (SNS to Vietnam, {p['sns_sms_vietnam_per_message']} USD "
        f"per message): about {sms * 1000:.0f} USD more per 1,000 reports — SMS would dominate every other cost.",
        "",
        "## Per month",
        "",
        "Schedules and storage do not depend on how many reports arrive this month; storage grows with the "
        "reports kept (here: a year of them).",
        "",
        "| size | reports/month | reports | schedules | storage (a year kept) | total USD/month |",
        "|---|---|---|---|---|---|",
    ]
    for label, monthly in SIZES:
        reports = monthly * per_total
        storage = storage_month(p, monthly * 12)
        lines.append(
            f"| {label} | {monthly:,} | {reports:.3f} | {fixed:.3f} | {storage:.3f} | **{reports + fixed + storage:.2f}** |"
        )
    lines += [
        "",
        "Not included: CloudWatch logs and alarms, X-Ray traces, the console's CloudFront distribution "
        f"(static files: {p['cloudfront_asia_per_gb']} USD/GB, {p['cloudfront_https_per_10k']} USD per 10,000 "
        "requests; a few cents a month at these sizes), SnapStart's cache and restores "
        f"({p['lambda_snapstart_cache_gb_second']} USD per GB-second cached, {p['lambda_snapstart_restore_per_gb']} "
        "USD per GB restored), data transfer of API answers, and the AWS free tier.",
        "",
        "Estimates: DynamoDB units from item sizes (1 write unit per KB, doubled in transactions; 1 read unit per "
        "4 KB, half for queries); Lambda duration = CPU time measured here + "
        f"{REQUEST_LATENCY_MS} ms per AWS request, at the prod stage's memory ({memory_gb:.0f} GB); reads and "
        "photos per report are assumptions (bench/cost.py).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "cost.md")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ["DAILY_REPORT_QUOTA"] = "1000"
    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    per_report, runs, calls = count()
    text = render(prices, per_report, runs, calls)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
