"""The cold first request a user feels, side by side with a bare Chalice + boto3 app. Prints figures only.

Run from the repository root:  python bench/bench_cold.py

A Lambda cold start imports the handler module once and then runs the first invocation. Each figure here is
exactly that, in a fresh interpreter: `import app`, then one call of the real Lambda entry point (Chalice's
handler) with an API Gateway proxy event, a DynamoDB stream event or a TOKEN authorizer event, against moto's
server (the local stack's emulated AWS, in another process, so its work is not in either figure).

The bare app is a Chalice app with boto3 that makes *the same AWS requests*: the app is run once first (untimed,
which also compiles both to bytecode, as a deployment package is) with every botocore request recorded
(operation and parameters); the bare app's handler replays that list with a boto3 client built on its first
request, as the app builds its own. So the ratio is what the app's own code, libraries and first-use work cost
on top of the same round trips. Runs alternate app / bare (the machine is shared and noisy); medians of RUNS.

Scenarios: GET /v1/reports/{id} (anonymous), GET /v1/reports (a page of 20), POST /v1/reports (a citizen, with
an Idempotency-Key; API Gateway has already run the authorizer, so its verdict rides in the event, as in AWS),
one stream batch of BATCH new reports (routing, forwarding, statistics, citizen notice), and the token
authorizer function itself (a separate Lambda function in AWS: the first POST of a citizen pays its cold start
too), against a bare function that verifies the same token with PyJWT.

BENCH_COLD_ONLY=POST measures one path; BENCH_COLD_PROFILE=dir writes a cProfile of each app's first request
into dir (the figures then include the profiler's cost); BENCH_COLD_XFLAGS="-X importtime" shows what loads.

Tracing is off in both (POWERTOOLS_TRACE_DISABLED=1, as in the local stack): with X-Ray on, the app's first
request also loads the X-Ray SDK, which the bare app has no equivalent of.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REGION, ROOT

RUNS = int(os.environ.get("BENCH_COLD_RUNS", "7"))
BATCH = 5
SEED_REPORTS = BATCH * (RUNS + 1) + 5

BARE_APP = '''
"""A bare Chalice + boto3 app: each handler replays the AWS requests the real app made (BARE_CALLS)."""
import base64
import json
import os

import boto3
from botocore import xform_name
from chalice import Chalice, Response

app = Chalice(app_name="bare")
_clients = {}

# The floor (bench_cold's last ratio): the libraries the app's path cannot do without, loaded up front.
for _name in filter(None, os.environ.get("BARE_PRELOAD", "").split(",")):
    __import__(_name)


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _replay():
    with open(os.environ["BARE_CALLS"], encoding="utf-8") as f:
        calls = json.load(f)
    last = None
    for service, operation, params in calls:
        client = _clients.get(service)
        if client is None:
            client = _clients[service] = boto3.session.Session().client(service)
        try:
            last = getattr(client, xform_name(operation))(**_decode(params))
        except client.exceptions.ClientError:
            pass  # a replayed conditional write may be refused: the round trip is the same
    return last


def _answer(status):
    last = _replay() or {}
    body = {"item": last.get("Item"), "items": last.get("Items")}
    return Response(body=json.dumps(body, default=str), status_code=status,
                    headers={"Content-Type": "application/json"})


@app.route("/v1/reports/{report_id}", methods=["GET"])
def get_report(report_id):
    return _answer(200)


@app.route("/v1/reports", methods=["GET"])
def list_reports():
    return _answer(200)


@app.route("/v1/reports", methods=["POST"])
def submit_report():
    json.loads(app.current_request.raw_body)
    return _answer(201)


@app.on_dynamodb_record(stream_arn=os.environ.get("REPORTS_STREAM_ARN", "arn:aws:dynamodb:x:0:table/t/stream/0"))
def handle_report_stream(event):
    _replay()
    return {"batchItemFailures": []}


def jwt_auth(event, context):
    import jwt

    with open(os.environ["DEV_JWKS_FILE"], encoding="utf-8") as f:
        keys = {k["kid"]: jwt.PyJWK(k) for k in json.load(f)["keys"]}
    token = event["authorizationToken"].partition(" ")[2]
    key = keys[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key=key.key, algorithms=["RS256"], audience=os.environ["JWT_AUDIENCE"],
                        issuer=os.environ["JWT_ISSUER"])
    return {"principalId": claims["sub"], "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [event["methodArn"]]}]}}
'''

# Runs in the fresh interpreter. Everything before `t0` is the harness, not part of either figure.
CHILD = r"""
import base64, json, sys, time, uuid
mode, spec_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
with open(spec_path, encoding="utf-8") as f:
    spec = json.load(f)

class Context:
    function_name = "fieldreport-bench-" + spec["handler"]
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:000000000000:function:" + function_name
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000

calls = []
if mode == "record":
    import botocore.session
    def _enc(v):
        if isinstance(v, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(v)).decode()}
        if isinstance(v, dict):
            return {k: _enc(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [_enc(x) for x in v]
        return v
    original = botocore.session.Session.create_client
    def create_client(self, *a, **kw):
        client = original(self, *a, **kw)
        def on_params(event_name, params=None, **_):
            _, service, operation = event_name.split(".")
            calls.append([client.meta.service_model.service_name, operation, _enc(params or {})])
        client.meta.events.register("before-parameter-build.*.*", on_params)
        return client
    botocore.session.Session.create_client = create_client

t0 = time.perf_counter()
if mode == "bare":
    import bare_app as module
else:
    import app as module
if mode == "primed":  # SnapStart: what the before-snapshot hook does is in the snapshot, not in the cold start
    import os
    os.environ["_HANDLER"] = "app." + spec["handler"]
    from chalicelib import snapstart
    snapstart.prime()
    snapstart.reseed()
t1 = time.perf_counter()
handler = getattr(module, spec["handler"])
profile = spec.get("profile") if mode == "app" else None
if profile:  # BENCH_COLD_PROFILE: where the app's first request goes (the figures then include the profiler)
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
if "events" in spec:  # seeding (untimed): many events in one interpreter
    result = {"results": [handler(e, Context()) for e in spec["events"]]}
else:
    result = handler(spec["event"], Context())
t2 = time.perf_counter()
if profile:
    profiler.disable()
    profiler.dump_stats(profile)
status = result.get("statusCode") if isinstance(result, dict) else None
with open(out_path, "w", encoding="utf-8") as f:
    json.dump({"import": t1 - t0, "first": t2 - t1, "status": status, "calls": calls, "result": result}, f,
              default=str)
"""


def api_event(method: str, resource: str, path: str, **kw: Any) -> dict[str, Any]:
    """An API Gateway REST (proxy) event as Lambda receives it."""
    headers = {
        "Host": "abc.execute-api.ap-southeast-1.amazonaws.com",
        "User-Agent": "bench",
        **kw.get("headers", {}),
    }
    query = kw.get("query") or None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": kw.get("path_params"),
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/dev{path}",
            "stage": "dev",
            "requestId": "bench",
            "identity": {"sourceIp": "203.113.0.1", "userAgent": "bench"},
            "authorizer": kw.get("authorizer"),
        },
        "body": kw.get("body"),
        "isBase64Encoded": False,
    }


class Harness:
    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        (tmp / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        self.n = 0

    def run(
        self, mode: str, spec: dict[str, Any], calls_file: Path | None = None, preload: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        self.n += 1
        spec_path = self.tmp / f"spec-{self.n}.json"
        if mode == "app" and os.environ.get("BENCH_COLD_PROFILE"):
            spec = {**spec, "profile": str(Path(os.environ["BENCH_COLD_PROFILE"]) / f"app-{self.n}.prof")}
        out_path = self.tmp / f"out-{self.n}.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        env = dict(self.env)
        if calls_file is not None:
            env["BARE_CALLS"] = str(calls_file)
        env["BARE_PRELOAD"] = ",".join(preload)
        cwd = self.tmp if mode == "bare" else ROOT
        flags = os.environ.get("BENCH_COLD_XFLAGS", "").split()  # e.g. "-X importtime" to see what loads
        subprocess.run(
            [sys.executable, *flags, "-c", CHILD, mode, str(spec_path), str(out_path)],
            cwd=cwd,
            env={**env, "PYTHONPATH": str(cwd)},
            check=True,
            stdout=subprocess.DEVNULL,  # Powertools' metric lines (EMF)
        )
        out: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        return out


def _environment(aws_port: int, issuer: Any, stream_arn: str) -> dict[str, str]:
    from infra.local.devstack import aws_environment

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **aws_environment(aws_port),
        "STAGE": "bench",
        "AUTH_MODE": "dev",
        "DEV_JWKS_FILE": str(issuer.jwks_path.resolve()),
        "JWT_ISSUER": issuer.issuer,
        "JWT_AUDIENCE": issuer.audience,
        "DAILY_REPORT_QUOTA": "100000",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "fieldreport",
        "POWERTOOLS_METRICS_NAMESPACE": "FieldReportBench",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "REPORTS_STREAM_ARN": stream_arn,
    }


BODY = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
    "location": {"lat": 21.386, "lng": 103.017},
    "address": "Tổ 5, phường Điện Biên Phủ",
}
POINTS = [(21.386, 103.017), (22.03, 103.15), (21.59, 103.42), (22.18, 102.46), (21.2, 103.2)]


def _post_spec(token: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.api.auth import actor_context, verify_token

    principal = verify_token(f"Bearer {token}")
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": key,
    }
    event = api_event(
        "POST",
        "/v1/reports",
        "/v1/reports",
        headers=headers,
        body=json.dumps(body, ensure_ascii=False),
        authorizer={**actor_context(principal), "principalId": principal.sub},
    )
    return {"handler": "app", "event": event}


def _stream_records(env: dict[str, str], stream_arn: str) -> list[dict[str, Any]]:
    import boto3

    from infra.local.stream_worker import lambda_record

    streams = boto3.client("dynamodbstreams", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=REGION)
    out = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            out += [
                lambda_record(r, stream_arn, REGION) for r in page["Records"] if r["eventName"] == "INSERT"
            ]
            it = page.get("NextShardIterator") if page["Records"] else None
    return out


def _specs(h: Harness, env: dict[str, str], issuer: Any, stream_arn: str) -> dict[str, Any]:
    """Seed reports through the app's own POST (untimed), then build every scenario's event."""
    token = issuer.token("citizen")
    events = []
    for i in range(SEED_REPORTS):
        lat, lng = POINTS[i % len(POINTS)]
        body = {**BODY, "location": {"lat": lat, "lng": lng}}
        events.append(_post_spec(token, f"seed-{i}", body)["event"])
    out = h.run("app", {"handler": "app", "events": events})
    ids = []
    for result in out["result"]["results"]:
        if result["statusCode"] != 201:
            raise RuntimeError(f"seeding failed: {result}")
        ids.append(json.loads(result["body"])["id"])
    records = _stream_records(env, stream_arn)
    if len(records) < BATCH * (RUNS + 1):
        raise RuntimeError(f"only {len(records)} stream records for {RUNS + 1} batches of {BATCH}")
    return {
        "token": token,
        "report_id": ids[0],
        "records": records,
    }


def _scenarios(seed: dict[str, Any]) -> dict[str, Any]:
    """name -> function(run number) -> spec; every run gets a fresh event where the work must be fresh."""
    rid = seed["report_id"]
    token = seed["token"]
    records = seed["records"]
    return {
        "GET /v1/reports/{id}": lambda n: {
            "handler": "app",
            "event": api_event(
                "GET", "/v1/reports/{report_id}", f"/v1/reports/{rid}", path_params={"report_id": rid}
            ),
        },
        "GET /v1/reports": lambda n: {
            "handler": "app",
            "event": api_event("GET", "/v1/reports", "/v1/reports", query={"limit": "20"}),
        },
        "POST /v1/reports": lambda n: _post_spec(token, f"bench-{n}-{os.getpid()}", BODY),
        f"stream batch of {BATCH}": lambda n: {
            "handler": "handle_report_stream",
            "event": {"Records": records[n * BATCH : (n + 1) * BATCH]},
        },
        "token authorizer": lambda n: {
            "handler": "jwt_auth",
            "event": {
                "type": "TOKEN",
                "authorizationToken": f"Bearer {token}",
                "methodArn": "arn:aws:execute-api:ap-southeast-1:000000000000:abc/dev/POST/v1/reports",
            },
        },
    }


# The libraries each path's work needs and that the bare app does not load: the customer's (Powertools' logger
# and metrics middleware, PynamoDB for the store; pydantic to validate a body and Powertools' idempotency for
# POST; Powertools' batch utility for a stream batch) and what the work itself requires (shapely to locate a
# point, Jinja2 to write the unit's e-mail). "bare + libraries" is the bare app with these imported first: the
# least any app doing this work with these libraries can take, so app / floor is what the app's own code costs.
_API_LIBRARIES = ("aws_lambda_powertools.logging", "aws_lambda_powertools.metrics", "pynamodb.models")
FLOOR: dict[str, tuple[str, ...]] = {
    "GET /v1/reports/{id}": _API_LIBRARIES,
    "GET /v1/reports": _API_LIBRARIES,
    # pydantic.main, not pydantic: `import pydantic` is lazy and loads BaseModel only when it is first named
    "POST /v1/reports": (*_API_LIBRARIES, "pydantic.main", "aws_lambda_powertools.utilities.idempotency"),
    f"stream batch of {BATCH}": (
        *_API_LIBRARIES,
        "aws_lambda_powertools.utilities.batch",
        "shapely",
        "jinja2",
    ),
    "token authorizer": (),  # the bare authorizer already loads PyJWT and cryptography
}


def _ok(name: str, out: dict[str, Any]) -> None:
    status = out.get("status")
    if status is not None and status >= 400:
        raise RuntimeError(f"{name}: status {status}")
    result = out.get("result")
    if isinstance(result, dict) and result.get("batchItemFailures"):
        raise RuntimeError(f"{name}: {result}")


def measure(
    h: Harness, seed: dict[str, Any]
) -> list[tuple[str, float, float, float, float, int, float, float]]:
    rows = []
    only = os.environ.get("BENCH_COLD_ONLY", "")  # e.g. "POST" to measure one path
    for name, make in _scenarios(seed).items():
        if only not in name:
            continue
        # untimed: records the AWS requests for the bare app, and compiles the app to bytecode
        recorded = h.run("record", make(0))
        _ok(name, recorded)
        if os.environ.get("BENCH_COLD_DEBUG"):
            print(name, [c[:2] for c in recorded["calls"]], str(recorded["result"])[:300], file=sys.stderr)
        calls_file = h.tmp / f"calls-{len(rows)}.json"
        calls_file.write_text(json.dumps(recorded["calls"]), encoding="utf-8")
        h.run("bare", make(0), calls_file, FLOOR[name])  # compiles the floor's libraries too
        app_runs, bare_runs, floor_runs, primed_runs = [], [], [], []
        for n in range(1, RUNS + 1):
            out = h.run("app", make(n))
            _ok(name, out)
            app_runs.append(out)
            bare_runs.append(h.run("bare", make(n), calls_file))
            floor_runs.append(h.run("bare", make(n), calls_file, FLOOR[name]))
            if "stream" not in name:  # a stream batch's records are used up by the app's run
                primed = h.run("primed", make(n))
                _ok(name, primed)
                primed_runs.append(primed["first"])
        med = statistics.median
        rows.append(
            (
                name,
                med(r["import"] for r in app_runs),
                med(r["first"] for r in app_runs),
                med(r["import"] for r in bare_runs),
                med(r["first"] for r in bare_runs),
                len(recorded["calls"]),
                med(primed_runs) if primed_runs else float("nan"),
                med(r["import"] + r["first"] for r in floor_runs),
            )
        )
    return rows


def main() -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request

    from bench.common import dev_issuer
    from infra.local.devstack import aws_environment

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        issuer = dev_issuer(tmp)
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            os.environ.update(aws_environment(port))
            os.environ["STAGE"] = "bench"
            import boto3

            from chalicelib.config import settings
            from infra.local.resources import create_resources

            settings.cache_clear()
            streams = create_resources(
                settings(),
                lambda service: boto3.client(
                    service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}"
                ),
            )
            stream_arn = streams[settings().reports_table]
            env = _environment(port, issuer, stream_arn)
            h = Harness(tmp, env)
            seed = _specs(h, env, issuer, stream_arn)
            rows = measure(h, seed)
        finally:
            server.stop()
    print(f"cold first request, fresh interpreter each, median of {RUNS} alternating runs (ms):")
    print(
        f"  {'':24} {'app import':>10} {'+ first':>8} {'= total':>8} | {'bare import':>11} {'+ first':>8} "
        f"{'= total':>8} | {'ratio':>5} | {'bare + libraries':>16} {'ratio':>5} | AWS requests | "
        "after a SnapStart prime: first"
    )
    worst = worst_floor = 0.0
    for name, ai, af, bi, bf, calls, primed, floor in rows:
        ratio = (ai + af) / (bi + bf)
        worst = max(worst, ratio)
        worst_floor = max(worst_floor, (ai + af) / floor)
        print(
            f"  {name:24} {ai * 1000:10.0f} {af * 1000:8.0f} {(ai + af) * 1000:8.0f} | {bi * 1000:11.0f} "
            f"{bf * 1000:8.0f} {(bi + bf) * 1000:8.0f} | {ratio:5.2f} | {floor * 1000:16.0f} "
            f"{(ai + af) / floor:5.2f} | {calls:12} | "
            + ("-" if primed != primed else f"{primed * 1000:.0f}")
        )
    print(f"cold first request: worst ratio app / bare {worst:.2f} (target <= 1.3)")
    print(
        f"cold first request: worst ratio app / (bare + the libraries its work needs) {worst_floor:.2f}; "
        "libraries per path:"
    )
    for name, libraries in FLOOR.items():
        print(f"  {name:24} {', '.join(libraries) or '(none beyond the bare function)'}")
    print(
        "with SnapStart the import and the primed work are in the snapshot: a cold start is Lambda's restore "
        "(not measurable here) plus the last column"
    )


if __name__ == "__main__":
    main()
