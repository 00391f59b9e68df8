"""`make fuzz`: schemathesis against the local stack's served OpenAPI, for each role (issue 12).

Every operation of `GET /v1/openapi.json` is called with generated requests (valid ones and ones that break
the schema) as the public, a citizen, an officer, the IOC and IOC technical staff, with tokens from the
stack's development issuer. It prints the number of requests and of server errors (5xx), each 5xx with its
request, and exits non-zero when there was one. Without `--api` it starts a stack of its own (free ports, a
temporary state folder) and stops it at the end.

    python -m tools.fuzz [--requests 2000] [--api http://127.0.0.1:8000 --state-dir var/local]
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROLES: dict[str, dict[str, str] | None] = {
    "public": None,
    "citizen": {"role": "citizen"},
    "officer": {"role": "officer", "unit": "03127"},
    "ioc": {"role": "ioc"},
    "tech": {"role": "tech"},
}


@dataclass
class FuzzResult:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    @property
    def five_xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        by_status = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return f"fuzz: {self.requests} requests, {self.five_xx} server errors (5xx); by status {by_status}"


def role_tokens(state_dir: Path, prefix: str) -> dict[str, str | None]:
    """A development token for each of ROLES (None for the public), subjects named `<prefix>-<role>`."""
    from infra.local.tokens import DevIssuer

    issuer = DevIssuer(state_dir)
    return {
        name: None if spec is None else issuer.token(spec["role"], spec.get("unit"), f"{prefix}-{name}")
        for name, spec in ROLES.items()
    }


# A random category or point is refused before anything is stored (400, 422); with a real one the generated
# description, names, address and instants go all the way through the store, the stream and every view.
PLAUSIBLE_SUBMISSION = {"category": "moi-truong", "location": {"lat": 21.386, "lng": 103.017}}


def _plausible(case: Any) -> Any:
    if case.method.upper() == "POST" and case.path == "/v1/reports" and isinstance(case.body, dict):
        case.body.update(PLAUSIBLE_SUBMISSION)
    return case


def _run_operation(
    operation: Any, base_url: str, headers: dict[str, str], examples: int, seed: int, out: FuzzResult
) -> None:
    import requests
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(_plausible),
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    # A fixed seed per pass: the same requests on every run, different ones in each pass.
    @with_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: Any) -> None:
        try:
            response = case.call(base_url=base_url, headers=dict(headers), timeout=60)
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, ValueError, UnicodeError):
            return  # the client itself cannot send it: never reaches the server
        out.requests += 1
        out.statuses[response.status_code] += 1
        if response.status_code >= 500:
            request = response.request
            body = request.body[:300] if isinstance(request.body, bytes | str) else request.body
            out.server_errors.append(
                f"{response.status_code} {request.method} {request.url} body={body!r} "
                f"answer={response.text[:300]!r}"
            )

    call()


def fuzz(base_url: str, state_dir: Path, total: int) -> FuzzResult:
    """About `total` generated requests, spread evenly over the roles and the served operations."""
    from schemathesis import openapi

    schema = openapi.from_url(base_url + "/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    tokens = role_tokens(state_dir, "fuzz")
    result = FuzzResult()
    # Hypothesis stops early on operations with few distinct requests: passes go on until `total` is reached.
    for seed in range(1, 20):
        missing = total - result.requests
        if missing <= 0:
            break
        per_operation = max(1, math.ceil(missing / (len(tokens) * len(operations))))
        for role, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            for operation in operations:
                _run_operation(operation, base_url, headers, per_operation, seed, result)
            print(f"  pass {seed} {role:8}: {result.requests} requests, {result.five_xx} 5xx", flush=True)
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_stack(state_dir: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """`python -m infra.local.devstack` on free ports; returns its base URL once it serves."""
    api_port, aws_port = _free_port(), _free_port()
    env = {**os.environ, "API_PORT": str(api_port), "LOCAL_AWS_PORT": str(aws_port)}
    env = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}
    log = open(state_dir.parent / "stack.log", "wb")  # noqa: SIM115 - open for the process's lifetime
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "infra.local.devstack", "--state-dir", str(state_dir), "--no-schedules"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(base + "/v1/health", timeout=2) as resp:  # noqa: S310 - local
                if resp.status == 200:
                    return base, process
        except OSError:
            time.sleep(0.3)
    stop_stack(process)
    raise RuntimeError(f"the local stack did not start; see {state_dir.parent / 'stack.log'}")


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description="Fuzz the local stack's API from its OpenAPI document.")
    parser.add_argument("--requests", type=int, default=2000, help="about how many requests in all")
    parser.add_argument("--api", help="a running stack's base URL (default: start one)")
    parser.add_argument("--state-dir", default=os.environ.get("LOCAL_STATE_DIR") or "var/local")
    args = parser.parse_args()
    if args.api:
        result = fuzz(args.api.rstrip("/"), Path(args.state_dir), args.requests)
    else:
        with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
            state = Path(tmp) / "state"
            base, process = start_stack(state)
            try:
                result = fuzz(base, state, args.requests)
            finally:
                stop_stack(process)
    for line in result.server_errors:
        print("  5xx:", line)
    print(result.summary(), flush=True)
    return 1 if result.five_xx else 0


if __name__ == "__main__":
    sys.exit(main())
