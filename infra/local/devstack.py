"""`make run`: the whole system on this machine, in one process tree.

- moto's server on 127.0.0.1 (DynamoDB with streams, S3, SES) as the embedded AWS; the tables, bucket and sender
  identity are created from infra/'s definitions, and the data saved by the last run is put back;
- the app's HTTP API (Chalice's local server) on 127.0.0.1:8000;
- a stream worker that feeds the reports table's stream to the app's real stream handler in Lambda's shape,
  honouring `batchItemFailures`;
- a scheduler that fires the app's real scheduled handlers at their EventBridge times (UTC);
- an e-mail outbox: every message sent is saved as .eml under the state folder and listed by `GET /dev/outbox`;
  `POST /dev/schedule/<handler>?at=<ISO instant>` fires a scheduled handler as of that instant (`make sla`).

The /dev routes are added to the app object here, in this process only: they are never part of a deployment.
One lock serialises every invocation of the app, as one Lambda container handles one event at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("devstack")
APP_LOCK = threading.RLock()


def aws_environment(aws_port: int) -> dict[str, str]:
    """What makes boto3, PynamoDB and Powertools talk to the local stack's emulated AWS (tools use it too)."""
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "STAGE": "local",
    }


def _environment(state: Path, aws_port: int, api_port: int, issuer: Any) -> dict[str, str]:
    return {
        **aws_environment(aws_port),
        "AUTH_MODE": "dev",
        "DEV_JWKS_FILE": str(issuer.jwks_path.resolve()),
        "JWT_ISSUER": issuer.issuer,
        "JWT_AUDIENCE": issuer.audience,
        "APP_BASE_URL": f"http://127.0.0.1:{api_port}",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "FieldReportLocal",
        "POWERTOOLS_DEV": "0",
    }


def _parse_at(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError("AT needs an offset, e.g. 2025-04-28T09:00:00+07:00")
    return at


class DevStack:
    def __init__(self, state: Path, host: str, api_port: int, aws_port: int, run_schedules: bool) -> None:
        from infra.local.tokens import DevIssuer

        self.state = state
        self.host = host
        self.api_port = api_port
        self.aws_port = aws_port
        self.run_schedules = run_schedules
        self.stop_event = threading.Event()
        state.mkdir(parents=True, exist_ok=True)
        self.issuer = DevIssuer(state)
        os.environ.update(_environment(state, aws_port, api_port, self.issuer))

    # --- start ---

    def start(self) -> None:
        import boto3
        from moto.server import ThreadedMotoServer

        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self.moto.start()
        session = boto3.session.Session(region_name=os.environ["AWS_REGION"])
        self.client = lambda service: session.client(service)

        from chalicelib.config import settings
        from infra.local.outbox import Outbox
        from infra.local.resources import create_resources
        from infra.local.snapshot import Snapshot
        from infra.tables import table_names_from_settings

        self.settings = settings()
        create_resources(self.settings, self.client)
        self.snapshot = Snapshot(
            self.state / "data",
            self.client,
            list(table_names_from_settings(self.settings).values()),
            self.settings.media_bucket,
        )
        restored = self.snapshot.restore()
        self.media_seen = self.snapshot.media_keys()
        self.outbox = Outbox(self.state / "outbox", self.settings.region)

        sys.path.insert(0, str(ROOT))
        import app as app_module

        self.app_module = app_module
        self._add_dev_routes()

        from infra.local.scheduler import scheduled_handlers
        from infra.local.stream_worker import StreamPump

        # LATEST: the restore's own writes are not news; what the last run had not handled yet was saved
        # with the data and is delivered first, with its original event ids (the consumers' once-only keys).
        self.pump = StreamPump(
            self.client,
            self.settings.reports_table,
            self._locked(app_module.handle_report_stream),
            self.settings.region,
            start="LATEST",
            dead_letter=self._dead_letter,
        )
        self.pump.requeue(self.snapshot.pending_stream)
        self.outbox.write(self.snapshot.pending_outbox)
        self.schedules = scheduled_handlers(app_module.app)
        now = datetime.now(UTC)
        self.next_fire = {name: s.next_after(now) for name, s in self.schedules.items()}
        self._serve_api()
        self.worker = threading.Thread(target=self._loop, name="stream-scheduler-outbox", daemon=True)
        self.worker.start()
        print(
            f"\nPhản ánh hiện trường — local stack ready\n"
            f"  API        http://{self.host}:{self.api_port}/v1/health\n"
            f"  AWS (moto) http://127.0.0.1:{self.aws_port}  (restored {restored} items)\n"
            f"  outbox     http://{self.host}:{self.api_port}/dev/outbox  ({self.state / 'outbox'})\n"
            f"  schedules  {', '.join(f'{n}: {s.expression}' for n, s in self.schedules.items()) or 'none'}"
            f"{'' if self.run_schedules else ' (automatic firing off)'}\n"
            f"  token      make token ROLE=citizen\n",
            flush=True,
        )

    def commit(self) -> None:
        """Save the data now, with the stream records not handled yet and the e-mails not yet in the outbox
        folder (one file rename), then write those e-mails: a `kill -9` at any moment loses nothing that
        was answered and writes no e-mail twice."""
        with APP_LOCK:
            messages = self.outbox.take()
            try:
                self.snapshot.save(self.pump.undelivered(), messages)
            finally:
                self.outbox.write(messages)

    def _dead_letter(self, record: dict[str, Any], reason: str) -> None:
        """The local dead-letter queue: a stream record given up on is kept (and listed by
        GET /dev/dead-letter), as Lambda's OnFailure destination keeps it in SQS."""
        entry = {"reason": reason, "at": datetime.now(UTC).isoformat(), "record": record}
        with open(self.state / "dead-letter.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str, ensure_ascii=False) + "\n")

    def dead_letters(self) -> list[dict[str, Any]]:
        path = self.state / "dead-letter.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def _locked(self, handler: Any) -> Any:
        def call(event: dict[str, Any], context: Any) -> Any:
            with APP_LOCK:
                return handler(event, context)

        return call

    # --- the API server ---

    def _serve_api(self) -> None:
        from chalice.config import Config
        from chalice.local import ChaliceRequestHandler, LocalDevServer, create_local_server

        from infra.gateway import body as gateway_body

        stack = self

        class Handler(ChaliceRequestHandler):
            def _generic_handle(self) -> None:
                from infra.local.console import serve_console

                if serve_console(self):  # the web console's files (issue 13)
                    return
                with APP_LOCK:
                    super()._generic_handle()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

            def __getattr__(self, name: str) -> Any:
                # http.server looks up do_<METHOD>; any other method gets a 405 in the API's shape, not a 501.
                if name.startswith("do_"):
                    from infra.local.methods import answer_unserved

                    return lambda: answer_unserved(self)
                raise AttributeError(name)

            def _send_http_response(self, code: int, headers: Any, body: Any) -> None:
                # Persist before answering: a client told 201 must find its report after any crash.
                if self.command not in ("GET", "HEAD", "OPTIONS"):
                    stack.commit()
                super()._send_http_response(code, headers, body)

            def _send_error_response(self, error: Any) -> None:
                # Answer API Gateway's own errors the way infra/ configures its Gateway Responses.
                raw = error.body or b""
                kind = None
                if b"Missing Authentication Token" in raw:
                    kind = "MISSING_AUTHENTICATION_TOKEN"
                elif error.CODE == 401:
                    kind = "UNAUTHORIZED"
                elif error.CODE == 403:
                    kind = "ACCESS_DENIED"
                if kind is None:
                    super()._send_error_response(error)
                    return
                from infra.gateway import GATEWAY_RESPONSES

                status = GATEWAY_RESPONSES[kind][0]
                self._send_http_response(
                    status, {"Content-Type": "application/json; charset=utf-8"}, gateway_body(kind)
                )

        with open(ROOT / ".chalice" / "config.json", encoding="utf-8") as f:
            config = Config.create(
                chalice_stage="dev",
                app_name="fieldreport",
                config_from_disk=json.load(f),
                project_dir=str(ROOT),
            )
        create_local_server(self.app_module.app, config, self.host, self.api_port)  # installs local app class
        self.server = LocalDevServer(
            self.app_module.app, config, self.host, self.api_port, handler_cls=Handler
        )
        threading.Thread(target=self.server.server.serve_forever, name="api", daemon=True).start()

    def _add_dev_routes(self) -> None:
        from chalice import Response

        app = self.app_module.app
        stack = self
        from infra.local.console import add_token_route

        add_token_route(app, self.issuer)  # the console's development sign-in (issue 13)

        @app.route("/dev/outbox", methods=["GET"])
        def dev_outbox() -> Response:
            stack.commit()
            return Response(
                body=json.dumps({"items": stack.outbox.items()}, ensure_ascii=False),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )

        @app.route("/dev/schedule/{name}", methods=["POST"])
        def dev_schedule(name: str) -> Response:
            params = app.current_request.query_params or {}
            try:
                at = _parse_at(params.get("at"))
                result = stack.fire(name, at)
            except (KeyError, ValueError) as e:
                return Response(
                    body=json.dumps({"error": {"code": "bad_schedule", "message": str(e), "details": []}}),
                    status_code=400,
                    headers={"Content-Type": "application/json"},
                )
            return Response(
                body=json.dumps(
                    {"handler": name, "at": at.isoformat(), "result": result}, default=str, ensure_ascii=False
                ),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )

        @app.route("/dev/dead-letter", methods=["GET"])
        def dev_dead_letter() -> Response:
            """Stream records given up on (the local dead-letter queue), oldest first."""
            return Response(
                body=json.dumps({"items": stack.dead_letters()}, ensure_ascii=False, default=str),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )

        @app.route("/dev/stream/drain", methods=["POST"])
        def dev_drain() -> Response:
            """Deliver pending stream records now (tests use it to wait for the stream worker)."""
            delivered = stack.pump.pump()
            return Response(
                body=json.dumps({"delivered": delivered}), headers={"Content-Type": "application/json"}
            )

    # --- schedules, stream, media, outbox ---

    def fire(self, name: str, at: datetime) -> Any:
        if name not in self.schedules:
            raise KeyError(f"no scheduled handler '{name}'; known: {', '.join(sorted(self.schedules))}")
        from infra.local.scheduler import cloudwatch_event
        from infra.local.stream_worker import FakeLambdaContext

        handler = getattr(self.app_module, name)
        with APP_LOCK:
            result = handler(
                cloudwatch_event(at, name, self.settings.region), FakeLambdaContext(function_name=name)
            )
        # Let the effects (stream consumers, e-mails) settle before answering.
        with APP_LOCK:
            self.pump.pump()
        self.commit()
        return result

    def _sync_media(self) -> None:
        listing = self.client("s3").list_objects_v2(Bucket=self.settings.media_bucket, Prefix="reports/")
        for obj in listing.get("Contents", []):
            key = obj["Key"]
            if key in self.media_seen:
                continue
            from infra.local.stream_worker import FakeLambdaContext

            event = {
                "Records": [
                    {
                        "eventVersion": "2.1",
                        "eventSource": "aws:s3",
                        "awsRegion": self.settings.region,
                        "eventName": "ObjectCreated:Post",
                        "s3": {
                            "bucket": {"name": self.settings.media_bucket},
                            "object": {"key": key, "size": obj.get("Size", 0)},
                        },
                    }
                ]
            }
            with APP_LOCK:
                self.app_module.media_uploaded(event, FakeLambdaContext(function_name="media_uploaded"))
            self.media_seen.add(key)
            self.commit()

    def _loop(self) -> None:
        last_snapshot = 0.0
        while not self.stop_event.is_set():
            try:
                with APP_LOCK:
                    handled = self.pump.pump_once()
                if handled:
                    self.commit()  # what the consumers wrote and sent, before anything else happens
                self._sync_media()
                now = datetime.now(UTC)
                if self.run_schedules:
                    for name, when in list(self.next_fire.items()):
                        if now >= when:
                            self.next_fire[name] = self.schedules[name].next_after(when)
                            try:
                                self.fire(name, when)
                            except Exception:
                                log.exception("scheduled handler %s failed", name)
                if time.monotonic() - last_snapshot > 5:
                    self.commit()
                    last_snapshot = time.monotonic()
            except Exception:
                log.exception("local stack worker error")
            self.stop_event.wait(0.5)

    def stop(self) -> None:
        self.stop_event.set()
        try:
            with APP_LOCK:
                self.pump.pump()
            self.commit()
        finally:
            self.server.server.shutdown()
            self.moto.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the whole system locally.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("API_PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("LOCAL_AWS_PORT", "4566")))
    parser.add_argument("--state-dir", default=os.environ.get("LOCAL_STATE_DIR", "var/local"))
    parser.add_argument(
        "--no-schedules", action="store_true", help="do not fire scheduled handlers by the clock"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    stack = DevStack(Path(args.state_dir), args.host, args.port, args.aws_port, not args.no_schedules)
    stack.start()
    stopped = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stopped.wait()
    print("stopping: saving data to", Path(args.state_dir) / "data", flush=True)
    stack.stop()


if __name__ == "__main__":
    main()
