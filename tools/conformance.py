"""Does the server do what its OpenAPI document says? schemathesis' conformance checks over every operation of
`GET /v1/openapi.json`, called as the public, a citizen, an officer, the IOC and IOC technical staff (issue 11).

For each operation and role, requests the document allows are generated and sent; each answer must have a
status the operation declares (status_code_conformance), a declared content type (content_type_conformance), a
body that matches the declared schema (response_schema_conformance), and must not refuse a request the
document allows (positive_data_acceptance: 400, 413 and 415 are refusals of the request's form; 401/403 name
the caller, 404/409/422/429 the state of the world, which a generator cannot know).

Half of the generated report ids are replaced by a real report's (one the citizen filed, routed to the
officer's unit), so that the 200 answers and their schemas are checked too. `cursor` is left out: it is
opaque, and only the server makes one. Rules that join two fields (`until` not before `since`, `from`..`to`
at most a year) are kept by the generator, as the operations' descriptions say.

    python -m tools.conformance [--examples 6] [--api http://127.0.0.1:8000 --state-dir var/local]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tools.fuzz import role_tokens, start_stack, stop_stack

# The world's refusals a generated request cannot foresee; 400/413/415 would be the document's fault.
ACCEPTED = ["2xx", "401", "403", "404", "409", "422", "429"]
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
SEED_REPORT = {
    "category": "moi-truong",
    "description": "Rác thải đổ bừa bãi ven đường, kiểm thử tính phù hợp của API.",
    "location": {"lat": 21.386, "lng": 103.017},
    "reporter": {"name": "Nguyễn Văn An", "phone": "0912345678"},
}
OPAQUE = ("cursor", "page")  # only the server makes these (next_cursor, the Link header)
PAIRS = (("since", "until"), ("from", "to"))


@dataclass
class Result:
    requests: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"conformance: {self.requests} requests over {len(self.by_operation)} operation×role pairs, "
            f"{len(self.failures)} mismatches"
        )


def seed_report(base_url: str, citizen_token: str) -> str:
    """A report filed by the conformance citizen, for the 200 answers of the report operations."""
    request = urllib.request.Request(  # noqa: S310 - the local stack
        base_url + "/v1/reports",
        data=json.dumps(SEED_REPORT).encode(),
        headers={"Authorization": f"Bearer {citizen_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local stack
        return str(json.load(response)["id"])


def _keep_pairs_in_order(query: dict[str, Any]) -> None:
    """`until` not before `since`; `to` not before `from` and at most 366 days after it: the later bound
    becomes the earlier one when a generated pair breaks the rule."""
    for low, high in PAIRS:
        if low in query and high in query:
            start, end = str(query[low]), str(query[high])
            if low == "from":
                span = (date.fromisoformat(end) - date.fromisoformat(start)).days
                query[high] = end if 0 <= span <= 365 else start
            elif end < start:
                query[high] = start


def _box(text: str) -> str:
    """min before max, longitudes within ±180 and latitudes within ±90, as the parameter says."""
    v = [float(x) for x in text.split(",")]
    lng = sorted(max(-180.0, min(180.0, x)) for x in (v[0], v[2]))
    lat = sorted(max(-90.0, min(90.0, x)) for x in (v[1], v[3]))
    return f"{lng[0]},{lat[0]},{lng[1]},{lat[1]}"


def _prepare(case: Any, report_id: str, rng: random.Random) -> Any:
    for name in OPAQUE:
        (case.query or {}).pop(name, None)
    if case.query:
        _keep_pairs_in_order(case.query)
        if "bbox" in case.query:
            case.query["bbox"] = _box(str(case.query["bbox"]))
        if "start_date" in case.query:  # Open311: an end not before the start, at most 90 days after it
            case.query.pop("end_date", None)
    if isinstance(case.body, dict) and "occurred_at" in case.body:  # not in the future, as its field says
        case.body["occurred_at"] = "2024-04-01T08:00:00+07:00"
    if case.path_parameters and "report_id" in case.path_parameters and rng.random() < 0.5:
        case.path_parameters["report_id"] = report_id
    return case


def _check_operation(
    operation: Any,
    base_url: str,
    headers: dict[str, str],
    examples: int,
    report_id: str,
    out: Result,
    label: str,
) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        positive_data_acceptance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        positive_data_acceptance,
    ]
    rng = random.Random(label)

    @with_seed(11)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def call(case: Any) -> None:
        case = _prepare(case, report_id, rng)
        try:
            case.call_and_validate(base_url=base_url, headers=dict(headers), checks=checks, timeout=60)
        except FailureGroup as failure:  # what did not conform, each with its curl to reproduce it
            out.failures.append(f"{label}: {str(failure)[:1500]}")
        finally:
            out.requests += 1
            out.by_operation[label] = out.by_operation.get(label, 0) + 1

    call()


def conformance(base_url: str, state_dir: Path, examples: int) -> Result:
    from schemathesis import openapi
    from schemathesis.config import SchemathesisConfig

    schema = openapi.from_url(base_url + "/v1/openapi.json", config=SchemathesisConfig.from_dict(CONFIG))
    tokens = role_tokens(state_dir, "conformance")
    citizen = tokens["citizen"]
    assert citizen is not None
    report_id = seed_report(base_url, citizen)
    result = Result()
    for operation in (r.ok() for r in schema.get_all_operations()):
        for role, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            label = f"{operation.method.upper()} {operation.path} as {role}"
            _check_operation(operation, base_url, headers, examples, report_id, result, label)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description="schemathesis' conformance checks, every operation and role."
    )
    parser.add_argument("--examples", type=int, default=6, help="generated requests per operation and role")
    parser.add_argument("--api", help="a running stack's base URL (default: start one)")
    parser.add_argument("--state-dir", default=os.environ.get("LOCAL_STATE_DIR") or "var/local")
    args = parser.parse_args()
    if args.api:
        result = conformance(args.api.rstrip("/"), Path(args.state_dir), args.examples)
    else:
        with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
            state = Path(tmp) / "state"
            base, process = start_stack(state)
            try:
                result = conformance(base, state, args.examples)
            finally:
                stop_stack(process)
    for line in result.failures:
        print("  mismatch:", line)
    print(result.summary(), flush=True)
    return 1 if result.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
