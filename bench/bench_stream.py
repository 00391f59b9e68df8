"""Throughput of the stream function and of the historical import (issue 17). Prints figures only.

Run from the repository root:  python bench/bench_stream.py

moto's server runs in ANOTHER process (the local stack's emulated AWS), so this process's CPU time is the
app's own work (decoding records, routing with shapely, rendering e-mails, botocore) and not the emulator's.

(a) The stream: BATCH new reports are submitted through the API handler, then the reports table's stream is
    fed to the real stream handler in batches of 25, as Lambda does, until nothing new arrives (a new report's
    INSERT is routed, which writes the report: a MODIFY that forwarding, statistics and the citizen notice
    consume...). Printed: records per second of handler time, CPU ms per record, and the DynamoDB and SES
    requests per record and per new report, counted from botocore's events. A first round warms up the
    function (a cold start is bench_cold.py's business).
(b) The import of 100,000 historical reports (tools/import_reports.py's code path, JSON Lines in): time and
    requests per report (about two minutes against moto's server; BENCH_IMPORT_REPORTS=2000 for a quick look,
    then the figures for 100,000 are projected from it).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REGION, ROOT, RequestCounter, count_requests, dev_issuer, forget_clients

BATCH = 25
# The requests per report do not depend on the file's size (one BatchGetItem per 100 reports, one BatchWriteItem
# per 25), so a smaller sample (BENCH_IMPORT_REPORTS) gives the same per-report figures, projected to 100,000.
IMPORT_REPORTS = int(os.environ.get("BENCH_IMPORT_REPORTS", "100000"))
IMPORT_TARGET = 100_000
POINTS = [(21.386, 103.017), (22.03, 103.15), (21.59, 103.42), (22.18, 102.46), (21.2, 103.2)]


@contextmanager
def moto_server() -> Any:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = (
        "import logging, sys, time; logging.getLogger('werkzeug').setLevel(logging.ERROR); "
        "from moto.server import ThreadedMotoServer; "
        f"s = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False); s.start(); "
        "sys.stdout.write('up\\n'); sys.stdout.flush(); time.sleep(86400)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _setup(port: int, tmp: Path) -> Any:
    from infra.local.devstack import aws_environment

    issuer = dev_issuer(tmp)
    os.environ.update(aws_environment(port))
    os.environ.update(
        {
            "STAGE": "bench",
            "DAILY_REPORT_QUOTA": "1000000",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    forget_clients()
    import boto3

    from chalicelib.config import settings
    from infra.local.resources import create_resources

    create_resources(
        settings(),
        lambda service: boto3.client(service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}"),
    )
    return issuer


def _submit(issuer: Any, n: int, offset: int) -> None:
    import app
    from bench.bench_cold import BODY, _post_spec
    from infra.local.stream_worker import FakeLambdaContext

    token = issuer.token("citizen")
    for i in range(n):
        lat, lng = POINTS[(i + offset) % len(POINTS)]
        spec = _post_spec(token, f"stream-{offset + i}", {**BODY, "location": {"lat": lat, "lng": lng}})
        out = app.app(spec["event"], FakeLambdaContext())
        if out["statusCode"] != 201:
            raise RuntimeError(f"submit failed: {out}")


class TimedHandler:
    def __init__(self) -> None:
        import app

        self.handler = app.handle_report_stream
        self.wall = 0.0
        self.cpu = 0.0
        self.records = 0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return self.handler(event, context)
        finally:
            self.wall += time.perf_counter() - w
            self.cpu += time.process_time() - c
            self.records += len(event["Records"])


def stream_throughput(port: int, issuer: Any) -> None:
    import boto3

    from chalicelib.config import settings
    from infra.local.stream_worker import StreamPump

    def factory(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}")

    timed = TimedHandler()
    pump = StreamPump(factory, settings().reports_table, timed, REGION, batch_size=25)
    with count_requests("dynamodb") as ddb, count_requests("sesv2") as ses:
        forget_clients()
        _submit(issuer, BATCH, 0)  # warm-up round
        pump.pump(rounds=50)
        _submit(issuer, BATCH, BATCH)
        timed.wall = timed.cpu = 0.0
        timed.records = 0
        ddb.reset()
        ses.reset()
        pump.pump(rounds=50)
    n = timed.records
    print(f"stream: {BATCH} new reports made {n} stream records, fed in batches of 25 (warm function)")
    print(
        f"stream: {timed.cpu * 1000 / n:.1f} CPU ms per record, {timed.cpu * 1000 / BATCH:.1f} CPU ms per new "
        f"report: {n / timed.cpu:.0f} records/s of the function's own CPU (one environment; the requests' "
        f"latency in AWS comes on top)"
    )
    print(
        f"stream: {n / timed.wall:.1f} records/s wall clock against moto's server on this machine "
        f"({timed.wall * 1000:.0f} ms for {n} records: moto's latency, not the app's)"
    )
    _per("stream", ddb, n, BATCH)
    _per("stream", ses, n, BATCH)
    print(f"stream: requests by operation: DynamoDB {ddb.summary()}; SES {ses.summary()}")
    if pump.given_up:
        print(f"stream: {len(pump.given_up)} records given up (a failure: see the handler's log)")


def _per(prefix: str, counter: RequestCounter, records: int, reports: int) -> None:
    print(
        f"{prefix}: {counter.service} requests: {counter.total} = {counter.total / records:.2f} per record, "
        f"{counter.total / reports:.2f} per new report"
    )


def _history_lines(n: int) -> list[str]:
    """n lines in docs/statistics.md's format: closed, rejected and open reports spread over 2024."""
    start = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    lines = []
    for i in range(n):
        lat, lng = POINTS[i % len(POINTS)]
        received = start + timedelta(minutes=5 * i)
        line: dict[str, Any] = {
            "external_id": f"old-{i}",
            "received_at": received.isoformat(),
            "category": "moi-truong",
            "description": f"Phản ánh cũ số {i}: rác thải ven đường.",
            "location": {"lat": lat, "lng": lng},
            "status": ("resolved", "rejected", "in_progress")[i % 3],
        }
        if line["status"] != "in_progress":
            line["closed_at"] = (received + timedelta(days=3)).isoformat()
        lines.append(json.dumps(line, ensure_ascii=False))
    return lines


def import_throughput() -> None:
    from chalicelib.services.imports import import_lines

    lines = _history_lines(IMPORT_REPORTS)
    with count_requests("dynamodb") as ddb:
        forget_clients()
        began = time.perf_counter()
        cpu = time.process_time()
        result = import_lines(lines, "bench")
        wall = time.perf_counter() - began
        cpu = time.process_time() - cpu
    n = len(result.imported)
    if result.bad_lines or n != IMPORT_REPORTS:
        raise RuntimeError(f"import: {n} imported, bad lines {result.bad_lines[:3]}")
    print(
        f"import: {n} historical reports in {wall:.1f} s ({n / wall:.0f} reports/s against moto; "
        f"{cpu * 1000 / n:.2f} CPU ms per report)"
    )
    print(f"import: {ddb.total} DynamoDB requests = {ddb.total / n:.3f} per report ({ddb.summary()})")
    if n != IMPORT_TARGET:
        print(
            f"import: projected for {IMPORT_TARGET:,} reports: {IMPORT_TARGET * cpu / n / 60:.1f} min of CPU, "
            f"{IMPORT_TARGET * ddb.total / n:,.0f} DynamoDB requests"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, moto_server() as port:
        issuer = _setup(port, Path(tmp))
        stream_throughput(port, issuer)
        import_throughput()


if __name__ == "__main__":
    main()
