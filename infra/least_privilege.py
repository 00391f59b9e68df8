"""Least privilege for the app's functions (issue 12, point 6): who may do what.

* One IAM role per function, with only what that function calls (`NEEDS`, by handler name); a handler not
  listed yet (a branch adding one) gets the broad app statements until it is listed, and tests/infra names
  every handler of this app that must be listed.
* The token authorizer has a role of its own: its logs and tracing, no data.
* Webhook signing secrets are never in an environment: the functions that sign (the stream, the reconciler,
  the API's resend) read SecureString parameters under `/<prefix>/webhooks/` from SSM at use.

The rest of issue 12 is with what it protects: the TLS-only media bucket in infra/storage.py, the staff MFA
gate in infra/identity.py, the access logs and the WAF rate rule in infra/api.py.
"""

from __future__ import annotations

import json
from typing import Any

from infra import citizen_channels
from infra.iam import allow, lambda_role, role_id, tracing, write_logs
from infra.stack import ROOT, att, prefix, ref, sub
from infra.storage import DEAD_LETTER_QUEUE, STREAM_TABLE, media_arn
from infra.tables import logical_ids

AUTHORIZER_ROLE = "AuthorizerRole"

READ = ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"]
WRITE = [*READ, "dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
DELETE = [*WRITE, "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"]
# What the broad statements allow on every table, for a handler not yet in NEEDS.
TABLE_ACTIONS = sorted(DELETE)

# Handler name -> what it calls. Tables: "reports" | "ledger" | "stats" | "idempotency" -> actions.
# Other capabilities: stream (read the reports stream), dlq (its failure destination), media_read (presigned
# photo links), media_write (upload slots, derived images), media_delete (a test report's photos), media_refuse
# (delete a refused upload), email, secrets (sign).
NEEDS: dict[str, dict[str, Any]] = {
    "api": {
        "tables": {"reports": DELETE, "ledger": DELETE, "stats": READ, "idempotency": DELETE},
        "caps": {"media_read", "media_write", "media_delete", "email", "secrets"},
    },
    "handle_report_stream": {
        "tables": {"reports": WRITE, "ledger": WRITE, "stats": WRITE},
        "caps": {"stream", "dlq", "media_read", "email", "secrets"},
    },
    # reads the upload, writes its derived images, deletes what it refuses (issue 16)
    "media_uploaded": {"tables": {"reports": WRITE}, "caps": {"media_read", "media_write", "media_refuse"}},
    "reconcile": {
        "tables": {"reports": WRITE, "ledger": WRITE},
        "caps": {"media_read", "email", "secrets"},
    },
    "deadline_sweep": {"tables": {"reports": WRITE, "ledger": WRITE}, "caps": {"email"}},
    "daily_digest": {"tables": {"reports": READ, "ledger": WRITE}, "caps": {"email"}},
    "weekly_report": {"tables": {"reports": READ, "ledger": WRITE, "stats": READ}, "caps": {"email"}},
}


def secrets_path(stage: str) -> str:
    return f"/{prefix(stage)}/webhooks/"


def webhook_secrets(stage: str, units: dict[str, Any] | None = None) -> dict[str, str]:
    """The units' webhook secret names (units.json names the variable). No longer put into any environment:
    the signing functions read `/fieldreport-STAGE/webhooks/<name>` from SSM at use."""
    if units is None:
        units = json.loads((ROOT / "chalicelib" / "data" / "units.json").read_text(encoding="utf-8"))
    names = sorted(
        {
            u["webhook"]["secret_env"]
            for u in units.get("units", [])
            if (u.get("webhook") or {}).get("secret_env")
        }
    )
    return {n: f"{{{{resolve:secretsmanager:{prefix(stage)}/webhooks:SecretString:{n}}}}}" for n in names}


def role_of(logical_id: str, auth: set[str]) -> str:
    """The logical id of a Chalice function's role (`auth`: the authorizers' logical ids)."""
    return AUTHORIZER_ROLE if logical_id in auth else role_id(logical_id)


def secrets_environment(stage: str, handler: str) -> dict[str, str]:
    """What a function (not the authorizer) is told about webhook secrets: where to read them, if it may."""
    if handler in NEEDS and "secrets" not in NEEDS[handler]["caps"]:
        return {}
    return {"SECRETS_PARAMETER_PATH": secrets_path(stage)}


def authorizer_role(stage: str, log_groups: list[str]) -> dict[str, Any]:
    """The authorizers' role (verifies JWTs: writes its logs, nothing else), if the API has authorizers."""
    if not log_groups:
        return {}
    description = f"{prefix(stage)}: the API's token authorizer (verifies JWTs, no data access)"
    return {AUTHORIZER_ROLE: lambda_role("authorizer", [write_logs(log_groups), tracing()], description)}


def roles(stage: str, handlers: dict[str, str], auth: set[str]) -> dict[str, Any]:
    """A role for each function but the authorizers; `handlers` maps Chalice's logical ids to handler names."""
    app = [logical_id for logical_id in handlers if logical_id not in auth]
    out: dict[str, Any] = {}
    for logical_id in app:
        handler = handlers[logical_id]
        if handler in NEEDS:
            granted = statements(stage, handler, f"{logical_id}Logs")
        else:  # not listed yet: what every function had before, so that the stack still works
            granted = broad_statements(stage, [f"{f}Logs" for f in app])
        out[role_id(logical_id)] = lambda_role(
            handler, granted, f"{prefix(stage)}: the function {handler} only"
        )
    return out


def statements(stage: str, handler: str, logs: str) -> list[dict[str, Any]]:
    """The policy statements of one function: its tables (and their indexes), then its capabilities."""
    need = NEEDS[handler]
    table_ids = logical_ids()
    out = []
    for key, actions in sorted(need["tables"].items()):
        table = table_ids[key]
        out.append(allow(f"{table}Access", sorted(set(actions)), _table_and_indexes(table)))
    caps = need["caps"]
    if "stream" in caps:
        out += _stream()
    if "dlq" in caps:
        out.append(_dead_letters())
    objects = [
        a for cap, a in (("media_read", "s3:GetObject"), ("media_write", "s3:PutObject")) if cap in caps
    ]
    if objects:
        out.append(allow("Media", objects, _media_objects(stage)))
    if "media_delete" in caps:
        out.append(allow("MediaDelete", ["s3:DeleteObject", "s3:DeleteObjectVersion"], _media_objects(stage)))
        out.append(allow("MediaList", ["s3:ListBucket", "s3:ListBucketVersions"], media_arn(stage)))
    if "media_refuse" in caps:  # the upload handler deletes a refused upload, by its key, nothing more
        out.append(allow("MediaRefuse", ["s3:DeleteObject"], _media_objects(stage)))
    if "email" in caps:
        out.append(_email())
    if "secrets" in caps:
        parameters = f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{secrets_path(stage)}*"
        out.append(allow("WebhookSecrets", ["ssm:GetParameter"], sub(parameters)))
    return [*out, write_logs([logs]), tracing()]


def broad_statements(stage: str, log_groups: list[str]) -> list[dict[str, Any]]:
    """Everything any of the app's functions may do, for a handler not yet listed in NEEDS."""
    tables = [arn for table in logical_ids().values() for arn in _table_and_indexes(table)]
    objects = media_arn(stage, "/*")
    return [
        allow("Tables", TABLE_ACTIONS, tables),
        *_stream(),
        _dead_letters(),
        # Upload slots are presigned POSTs and photos presigned GETs, signed with this role's credentials.
        allow("Media", ["s3:GetObject", "s3:PutObject"], objects),
        # Issue 16: refused uploads are deleted; a deleted test report takes its originals and derived images.
        allow("MediaDelete", ["s3:DeleteObject"], objects),
        allow("MediaList", ["s3:ListBucket"], media_arn(stage)),
        _email(),
        write_logs(log_groups),
        tracing(),
        *citizen_channels.statements(),
    ]


def _table_and_indexes(table: str) -> list[dict[str, Any]]:
    return [att(table), sub(f"${{{table}.Arn}}/index/*")]


def _media_objects(stage: str) -> list[dict[str, Any]]:
    """Originals under reports/, the images derived from them under derived/ (chalicelib/domain/media.py)."""
    return [media_arn(stage, "/reports/*"), media_arn(stage, "/derived/*")]


def _stream() -> list[dict[str, Any]]:
    return [
        allow(
            "ReportStream",
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            att(STREAM_TABLE, "StreamArn"),
        ),
        allow("ReportStreamList", ["dynamodb:ListStreams"], sub(f"${{{STREAM_TABLE}.Arn}}/stream/*")),
    ]


def _dead_letters() -> dict[str, Any]:
    return allow("StreamFailures", ["sqs:SendMessage"], att(DEAD_LETTER_QUEUE))


def _email() -> dict[str, Any]:
    """Sending from the sender address, or from anyone at its domain when the domain is the verified identity."""
    sender_domain = {"Fn::Select": [1, {"Fn::Split": ["@", ref("SenderEmail")]}]}
    identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
    return allow(
        "Email",
        ["ses:SendEmail", "ses:SendRawEmail"],
        [sub(identity + "${SenderEmail}"), {"Fn::Sub": [identity + "${Domain}", {"Domain": sender_domain}]}],
    )
