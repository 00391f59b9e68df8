"""Routing and forwarding: DynamoDB requests per routed report, and what the HTTP functions' cold start imports.

Run from the repository root:  python bench/bench_routing.py   (prints figures; never asserts)

- requests per routed report: the routing consumer (one conditional put) plus the forwarding consumer (a claim
  and a mark per channel; one channel, e-mail, for the communes), counted from botocore events on moto;
- the same for the whole stream handler, all consumers registered today (informational: other issues add theirs);
- the HTTP path: `import app` and the modules its HTTP handlers import, in a fresh interpreter, must not import
  shapely (nor numpy): only the stream function pays for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REGION, ROOT, count_requests, moto_stack

N_REPORTS = 30
POINTS = [(21.386, 103.017), (22.03, 103.15), (21.59, 103.42), (22.18, 102.46), (21.2, 103.2)]
HEAVY = ("shapely", "numpy", "jinja2", "holidays")
HTTP_MODULES = (
    "app",
    "chalicelib.services.reports",
    "chalicelib.api.views",
    "chalicelib.api.idempotency",
    "chalicelib.media",
    "chalicelib.services.forwarding",  # GET /v1/deliveries
)


def _report(i: int, now: datetime):
    from chalicelib.domain.ids import new_id
    from chalicelib.domain.report import HistoryEntry, Location, Report, Reporter

    lat, lng = POINTS[i % len(POINTS)]
    return Report(
        id=new_id(int(now.timestamp() * 1000) + i),
        category="moi-truong",
        description="Rác thải đổ trộm ven đường, bốc mùi hôi.",
        location=Location(lat, lng),
        reporter=Reporter(sub=f"bench-{i}", name="Người dùng thử", phone="0912345678"),
        received_at=now,
        history=(HistoryEntry(at=now, type="received", actor_sub=f"bench-{i}", actor_role="citizen"),),
    )


def consumer_requests() -> tuple[float, str, float]:
    """Mean DynamoDB requests of route_new_report + forward_to_unit per report, and ms per report."""
    from chalicelib.domain.locate import Locator
    from chalicelib.services.forwarding import forward_to_unit
    from chalicelib.services.routing import route_new_report
    from chalicelib.services.stream import ReportChange
    from chalicelib.store.reports import ReportRepository

    with count_requests("dynamodb") as counter, moto_stack():
        repo = ReportRepository()
        now = datetime.now(UTC)
        Locator.default().prepare(now.date())
        reports = [_report(i, now) for i in range(N_REPORTS + 1)]
        for report in reports:
            repo.create(report, None, 0, 0)
        # Warm up (index build, calendar year, templates) on the first report, not counted.
        route_new_report(ReportChange("warm", "INSERT", None, reports[0]))
        routed = repo.get(reports[0].id)
        forward_to_unit(ReportChange("warm2", "MODIFY", reports[0], routed))
        counter.reset()
        elapsed = 0.0
        for i, report in enumerate(reports[1:]):
            start = time.perf_counter()
            route_new_report(ReportChange(f"i{i}", "INSERT", None, report))
            elapsed += time.perf_counter() - start
            with counter.paused():  # the stream image of the next record, not a request of the consumers
                routed = repo.get(report.id)
            start = time.perf_counter()
            forward_to_unit(ReportChange(f"m{i}", "MODIFY", report, routed))
            elapsed += time.perf_counter() - start
        return counter.total / N_REPORTS, counter.summary(), elapsed / N_REPORTS * 1000


def handler_requests() -> tuple[float, str]:
    """Mean DynamoDB requests of the whole stream handler per submitted report (all registered consumers)."""
    import boto3

    with count_requests("dynamodb") as counter, moto_stack():
        from chalicelib.config import settings
        from chalicelib.services.stream import process_stream_batch
        from chalicelib.store.reports import ReportRepository
        from infra.local.stream_worker import StreamPump

        session = boto3.session.Session(region_name=REGION)

        def client(service: str):
            if service == "dynamodbstreams":
                return session.client(
                    service, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com/"
                )
            return session.client(service)

        # The handler's body (app.handle_report_stream decodes nothing more than `event.to_dict()`).
        pump = StreamPump(client, settings().reports_table, process_stream_batch, REGION)
        repo = ReportRepository()
        now = datetime.now(UTC) - timedelta(minutes=1)
        repo.create(_report(0, now), None, 0, 0)
        pump.pump()  # warm up
        counter.reset()
        for i in range(1, N_REPORTS + 1):
            repo.create(_report(i, now), None, 0, 0)
        counter.reset()
        pump.pump()
        return counter.total / N_REPORTS, counter.summary()


def http_path_imports(runs: int = 3) -> tuple[list[str], float, float, float]:
    """In a fresh interpreter with no environment (as `chalice package` imports app.py): which heavy modules the
    HTTP path imports, the import times (ms) of `app` and of the HTTP handlers' modules, and what importing the
    locator adds on top (the stream function's extra cold start). Best of `runs`."""
    code = (
        "import importlib, json, sys, time\n"
        "t = time.perf_counter()\n"
        "import app\n"
        "t_app = time.perf_counter() - t\n"
        f"for m in {list(HTTP_MODULES)!r}: importlib.import_module(m)\n"
        "t_all = time.perf_counter() - t\n"
        f"heavy = [m for m in {list(HEAVY)!r} if m in sys.modules]\n"
        "t = time.perf_counter()\n"
        "import chalicelib.services.routing, chalicelib.domain.locate\n"
        "t_locate = time.perf_counter() - t\n"
        "print(json.dumps([heavy, t_app * 1000, t_all * 1000, t_locate * 1000]))\n"
    )
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": ""},
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    heavy = sorted({m for r in results for m in r[0]})
    return heavy, min(r[1] for r in results), min(r[2] for r in results), min(r[3] for r in results)


def main() -> None:
    per_report, detail, ms = consumer_requests()
    print(f"routing: {per_report:g} DynamoDB requests per routed report (target <= 3) [{detail}]")
    print(f"routing: {ms:.1f} ms per report to route and forward (moto in-process, e-mail to moto SES)")
    total, detail = handler_requests()
    print(
        f"routing: {total:g} DynamoDB requests per report for the whole stream handler, all consumers [{detail}]"
    )
    heavy, t_app, t_all, t_locate = http_path_imports()
    print(f"routing: HTTP path imports shapely: {'yes' if 'shapely' in heavy else 'no'}")
    print(f"routing: HTTP path heavy modules imported: {', '.join(heavy) or 'none'} (of {', '.join(HEAVY)})")
    print(f"routing: import app {t_app:.0f} ms; with the HTTP handlers' modules {t_all:.0f} ms (best of 3)")
    print(
        f"routing: the stream function's routing adds {t_locate:.0f} ms of imports (shapely, numpy, locator)"
    )


if __name__ == "__main__":
    main()
