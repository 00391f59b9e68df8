"""The local stack started the way the README starts it (`make run`), driven over HTTP like a mobile client."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# One Chromium per test process for every browser test module: a fixture imported into two modules would be two
# session fixtures, and Playwright refuses a second sync instance in one process.
from tests.e2e.browser import browser  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveStack:
    def __init__(
        self, base_url: str, state_dir: Path, process: subprocess.Popen[bytes], log_path: Path
    ) -> None:
        from infra.local.tokens import DevIssuer

        self.base_url = base_url
        self.state_dir = state_dir
        self.process = process
        self.log_path = log_path
        self.aws_port: int | None = None
        self._issuer = DevIssuer(state_dir)

    def token(self, role: str, unit: str | None = None, sub: str | None = None, **claims: Any) -> str:
        return self._issuer.token(role, unit, sub, **claims)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        h = {"Content-Type": "application/json", **(headers or {})}
        if token:
            h["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = resp.read()
                status = resp.status
        except urllib.error.HTTPError as e:
            payload = e.read()
            status = e.code
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode("utf-8", "replace")

    def drain(self) -> None:
        """Ask the stream worker to deliver what is pending now."""
        self.request("POST", "/dev/stream/drain")

    def outbox(self) -> list[dict[str, Any]]:
        return self.request("GET", "/dev/outbox")[1]["items"]

    def wait_for(self, check: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s; stack log: {self.log_path}")
            self.drain()
            time.sleep(0.3)


def start_stack(state_dir: Path) -> LiveStack:
    api_port, aws_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "API_PORT": str(api_port),
        "LOCAL_AWS_PORT": str(aws_port),
        "LOCAL_STATE_DIR": str(state_dir),
    }
    for name in list(env):
        if name.startswith("AWS_ENDPOINT_URL"):
            del env[name]
    log_path = state_dir.parent / f"stack-{api_port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the process's lifetime
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run exited with {process.returncode}: {log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/v1/health", timeout=2) as resp:
                if resp.status == 200:
                    stack = LiveStack(base, state_dir, process, log_path)
                    stack.aws_port = aws_port  # for tools that talk to the emulator itself (make import)
                    return stack
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    stop_stack(process)
    raise RuntimeError(f"the local stack did not serve within 90 s: {log_path.read_text()[-3000:]}")


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    stack = start_stack(tmp_path_factory.mktemp("stack") / "state")
    yield stack
    stop_stack(stack.process)
