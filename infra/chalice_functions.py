"""The app's functions as Chalice writes them (API handler, token authorizer, stream, S3 upload, schedules), and
what the merge gives each: its name, log group, role, tracing and the environment chalicelib/config.py reads;
the photo handler its memory and time (infra/media.py); the stream event its safety nets (partial batch
failures, bisection, bounded retries and record age, then the dead-letter queue).

Every function Chalice generates is found in its template, so a new handler gets all this without being
listed here. Only the stream function and its event are named: Chalice derives their logical ids from
app.py's handler name, and infra/merge.py's `check_merge_targets` fails the build when they are gone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra import citizen_channels
from infra.api import API
from infra.console import console_environment
from infra.identity import USER_POOL, USER_POOL_CLIENT
from infra.least_privilege import role_of, secrets_environment
from infra.media import MEDIA_FUNCTION, media_function_budget
from infra.stack import att, log_group, prefix, ref
from infra.storage import DEAD_LETTER_QUEUE, STREAM_TABLE, media_bucket_name
from infra.tables import logical_ids

# Logical ids Chalice derives from app.py's handler names (seen in its output): `handle_report_stream` becomes
# the function "HandleReportStream" with the event "HandleReportStreamDynamodbEventSource".
STREAM_FUNCTION = "HandleReportStream"
STREAM_EVENT = "HandleReportStreamDynamodbEventSource"

# The stream's retry policy: a poison record is isolated by bisection, retried a few times, then parked in the
# dead-letter queue (and the DLQ alarm fires) instead of blocking the shard for the stream's 24 hours.
STREAM_RETRIES = 5
STREAM_MAX_RECORD_AGE_SECONDS = 6 * 3600

# The variable chalicelib/config.py reads each table's name from.
TABLE_VARIABLES = {
    "reports": "REPORTS_TABLE",
    "ledger": "LEDGER_TABLE",
    "stats": "STATS_TABLE",
    "idempotency": "IDEMPOTENCY_TABLE",
}


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Chalice's functions: logical id -> resource (APIHandler, the authorizer, every event handler)."""
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == "AWS::Serverless::Function"}


def handler_name(resource: dict[str, Any]) -> str:
    """`app.deadline_sweep` -> "deadline_sweep"; Chalice's API handler (`app.app`) -> "api"."""
    name = str(resource["Properties"]["Handler"]).rsplit(".", 1)[-1]
    return "api" if name == "app" else name


def function_name(stage: str, resource: dict[str, Any]) -> str:
    return f"{prefix(stage)}-{handler_name(resource)}"


def authorizers(template: dict[str, Any]) -> set[str]:
    """Logical ids of the functions API Gateway calls as authorizers (from the swagger Chalice wrote)."""
    found: set[str] = set()
    api = template["Resources"].get(API)
    if api is None:
        return found
    security = api["Properties"].get("DefinitionBody", {}).get("securityDefinitions", {})
    for definition in security.values():
        uri = json.dumps(definition.get("x-amazon-apigateway-authorizer", {}).get("authorizerUri", ""))
        # `${F.Arn}` as Chalice writes it, or `${FAliaslive}` once SnapStart points it at the alias (infra/snapstart.py)
        found.update(re.findall(r"\$\{(\w+?)(?:Aliaslive\}|\.Arn\})", uri))
    return found


def configure(stage: str, chalice_functions: dict[str, Any], auth: set[str]) -> dict[str, Any]:
    """Each function's log group and what the merge changes in it; `auth`: the authorizers' logical ids."""
    environment = {**app_environment(stage), **console_environment(USER_POOL_CLIENT)}  # issue 13
    out: dict[str, Any] = {}
    for logical_id, resource in chalice_functions.items():
        name = function_name(stage, resource)
        variables = environment
        if logical_id not in auth:
            variables = {**environment, **secrets_environment(stage, handler_name(resource))}
        out[f"{logical_id}Logs"] = log_group(name)
        out[logical_id] = {
            "Properties": {
                "FunctionName": name,
                "Role": att(role_of(logical_id, auth)),
                "Tracing": "Active",
                "Environment": {"Variables": variables},
            }
        }
    if MEDIA_FUNCTION in out:  # issue 16: the photo handler's memory and time budget
        out[MEDIA_FUNCTION]["Properties"].update(media_function_budget(stage))
    # Targets Chalice's names: if the handler were renamed, check_merge_targets reports this entry.
    stream_function = out.setdefault(STREAM_FUNCTION, {"Properties": {}})
    stream_function["Properties"]["Events"] = {STREAM_EVENT: {"Properties": stream_event()}}
    return out


def stream_event() -> dict[str, Any]:
    """What the merge sets on the reports stream's event source (Chalice writes the rest)."""
    return {
        "Stream": att(STREAM_TABLE, "StreamArn"),
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": STREAM_RETRIES,
        "MaximumRecordAgeInSeconds": STREAM_MAX_RECORD_AGE_SECONDS,
        "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": att(DEAD_LETTER_QUEUE)}},
    }


def app_environment(stage: str) -> dict[str, Any]:
    """What chalicelib/config.py reads, pointing at this stack's resources."""
    env: dict[str, Any] = {
        "STAGE": stage,
        "RESOURCE_PREFIX": prefix(stage),
        "AUTH_MODE": "cognito",
        "COGNITO_USER_POOL_ID": ref(USER_POOL),
        "COGNITO_CLIENT_ID": ref(USER_POOL_CLIENT),
        "MEDIA_BUCKET": media_bucket_name(stage),
        "SENDER_EMAIL": ref("SenderEmail"),
        "APP_BASE_URL": ref("AppBaseUrl"),
        "REPORTS_STREAM_ARN": att(STREAM_TABLE, "StreamArn"),
    }
    env.update({TABLE_VARIABLES[key]: ref(logical_id) for key, logical_id in logical_ids().items()})
    env.update(citizen_channels.environment())
    return env
