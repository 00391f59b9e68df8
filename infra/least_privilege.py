"""Least privilege for the functions and the edge (issue 12, point 6), applied to the merge by
`infra/template.py` (`apply`):

* one IAM role per function, with only what that function calls (`NEEDS`, by handler name); a handler not
  listed yet (a branch adding one) gets the broad app statements until it is listed, and tests/infra names
  every handler of this app that must be listed;
* webhook signing secrets are never in an environment: the functions that sign (the stream, the reconciler,
  the API's resend) read SecureString parameters under `/<prefix>/webhooks/` from SSM at use;
* API access logs in their own log group, with request id, time, method, resource template, status, sizes and
  latency only: no IP address, user agent, path values, query string or token claims (personal data);
* the media bucket refuses any request not made over TLS;
* MFA for officers, the IOC and technical staff: a pre-token-generation trigger leaves staff groups out of the
  token of anyone who has not set up an authenticator app (MFA stays optional for citizens: a roleless token
  still lets staff sign in to set it up);
* a WAF web ACL on the API stage with a per-IP rate rule (`WafRateLimit` requests per 5 minutes), answered in
  the API's own error shape with 429.
"""

from __future__ import annotations

import json
from typing import Any

from infra import template as tpl

READ = ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"]
WRITE = [*READ, "dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
DELETE = [*WRITE, "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"]

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
TABLE_IDS = {
    "reports": "ReportsTable",
    "ledger": "LedgerTable",
    "stats": "StatsTable",
    "idempotency": "IdempotencyTable",
}
WAF = "ApiWebAcl"
BUCKET_POLICY = "MediaBucketPolicy"
ACCESS_LOGS = "ApiAccessLogs"
STAFF_MFA_FUNCTION = "StaffMfaGate"
STAFF_GROUPS = ("officer", "ioc", "tech")
# $context variables only: nothing that identifies a person ($context.identity.*, $context.path, claims).
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "time": "$context.requestTime",
        "method": "$context.httpMethod",
        "resource": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "wafStatus": "$context.waf.status",
    },
    separators=(",", ":"),
)

STAFF_MFA_CODE = """\
import boto3

cognito = boto3.client("cognito-idp")
STAFF = {"officer", "ioc", "tech"}


def handler(event, context):
    groups = (event["request"].get("groupConfiguration") or {}).get("groupsToOverride") or []
    if STAFF & set(groups):
        user = cognito.admin_get_user(UserPoolId=event["userPoolId"], Username=event["userName"])
        if not user.get("UserMFASettingList"):
            kept = [g for g in groups if g not in STAFF]
            event["response"]["claimsOverrideDetails"] = {"groupOverrideDetails": {"groupsToOverride": kept}}
    return event
"""


def secrets_path(stage: str) -> str:
    return f"/{tpl.prefix(stage)}/webhooks/"


def _media(stage: str, suffix: str) -> dict[str, Any]:
    return {
        "Fn::Sub": [
            f"arn:${{AWS::Partition}}:s3:::${{Bucket}}{suffix}",
            {"Bucket": tpl.media_bucket_name(stage)},
        ]
    }


def _media_objects(stage: str) -> list[dict[str, Any]]:
    """Originals under reports/, the images derived from them under derived/ (chalicelib/domain/media.py)."""
    return [_media(stage, "/reports/*"), _media(stage, "/derived/*")]


def _email() -> dict[str, Any]:
    sender_domain = {"Fn::Select": [1, {"Fn::Split": ["@", tpl._ref("SenderEmail")]}]}
    identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
    return tpl._allow(
        "Email",
        ["ses:SendEmail", "ses:SendRawEmail"],
        [
            tpl._sub(identity + "${SenderEmail}"),
            {"Fn::Sub": [identity + "${Domain}", {"Domain": sender_domain}]},
        ],
    )


def statements(stage: str, handler: str, logs: str) -> list[dict[str, Any]]:
    """The policy statements of one function: its tables (and their indexes), then its capabilities."""
    need = NEEDS[handler]
    out = []
    for key, actions in sorted(need["tables"].items()):
        table = TABLE_IDS[key]
        out.append(
            tpl._allow(
                f"{table}Access",
                sorted(set(actions)),
                [tpl._att(table), tpl._sub(f"${{{table}.Arn}}/index/*")],
            )
        )
    caps = need["caps"]
    if "stream" in caps:
        out.append(
            tpl._allow(
                "ReportStream",
                ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                tpl._att(tpl.STREAM_TABLE, "StreamArn"),
            )
        )
        out.append(
            tpl._allow(
                "ReportStreamList",
                ["dynamodb:ListStreams"],
                tpl._sub(f"${{{tpl.STREAM_TABLE}.Arn}}/stream/*"),
            )
        )
    if "dlq" in caps:
        out.append(tpl._allow("StreamFailures", ["sqs:SendMessage"], tpl._att(tpl.DEAD_LETTER_QUEUE)))
    objects = [
        a for cap, a in (("media_read", "s3:GetObject"), ("media_write", "s3:PutObject")) if cap in caps
    ]
    if objects:
        out.append(tpl._allow("Media", objects, _media_objects(stage)))
    if "media_delete" in caps:
        out.append(
            tpl._allow("MediaDelete", ["s3:DeleteObject", "s3:DeleteObjectVersion"], _media_objects(stage))
        )
        out.append(tpl._allow("MediaList", ["s3:ListBucket", "s3:ListBucketVersions"], _media(stage, "")))
    if "media_refuse" in caps:  # the upload handler deletes a refused upload, by its key, nothing more
        out.append(tpl._allow("MediaRefuse", ["s3:DeleteObject"], _media_objects(stage)))
    if "email" in caps:
        out.append(_email())
    if "secrets" in caps:
        parameters = f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{secrets_path(stage)}*"
        out.append(tpl._allow("WebhookSecrets", ["ssm:GetParameter"], tpl._sub(parameters)))
    out.append(tpl._allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [tpl._att(logs)]))
    out.append(tpl._tracing())
    return out


def role_id(logical_id: str) -> str:
    return f"{logical_id}Role"


def _roles(stage: str, resources: dict[str, Any], chalice_functions: dict[str, Any], auth: set[str]) -> None:
    """A role per function (the authorizer keeps its own role without data access)."""
    broad = resources.pop(tpl.APP_ROLE, None)
    for logical_id, resource in chalice_functions.items():
        if logical_id in auth:
            continue
        handler = tpl.handler_name(resource)
        props = resources[logical_id]["Properties"]
        env = dict(props["Environment"]["Variables"])
        if handler in NEEDS:
            policy = tpl._policy(statements(stage, handler, f"{logical_id}Logs"))
            if "secrets" in NEEDS[handler]["caps"]:
                env["SECRETS_PARAMETER_PATH"] = secrets_path(stage)
        else:  # not listed yet: what every function had before, so that the stack still works
            assert broad is not None
            policy = broad["Properties"]["Policies"][0]["PolicyDocument"]
            env["SECRETS_PARAMETER_PATH"] = secrets_path(stage)
        props["Environment"] = {"Variables": env}
        props["Role"] = tpl._att(role_id(logical_id))
        resources[role_id(logical_id)] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": f"{tpl.prefix(stage)}: the function {handler} only",
                "AssumeRolePolicyDocument": tpl._lambda_trust(),
                "Policies": [{"PolicyName": handler, "PolicyDocument": policy}],
            },
        }


def _bucket_policy(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": tpl._ref(tpl.MEDIA_BUCKET),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [_media(stage, ""), _media(stage, "/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def _access_logs(stage: str, resources: dict[str, Any]) -> None:
    resources[ACCESS_LOGS] = {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": f"/aws/apigateway/{tpl.prefix(stage)}-access",
            "RetentionInDays": tpl._ref("LogRetentionDays"),
        },
    }
    api = resources[tpl.API]["Properties"]
    api["AccessLogSetting"] = {"DestinationArn": tpl._att(ACCESS_LOGS), "Format": ACCESS_LOG_FORMAT}
    # API Gateway writes to CloudWatch Logs with the account's role (one per account and region).
    resources["ApiGatewayLogsRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": f"{tpl.prefix(stage)}: API Gateway writes the access logs",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "access-logs",
                    "PolicyDocument": tpl._policy(
                        [
                            tpl._allow(
                                "AccessLogs",
                                [
                                    "logs:CreateLogStream",
                                    "logs:DescribeLogStreams",
                                    "logs:PutLogEvents",
                                ],
                                [tpl._att(ACCESS_LOGS), tpl._sub(f"${{{ACCESS_LOGS}.Arn}}:*")],
                            )
                        ]
                    ),
                }
            ],
        },
    }
    resources["ApiGatewayAccount"] = {
        "Type": "AWS::ApiGateway::Account",
        "Properties": {"CloudWatchRoleArn": tpl._att("ApiGatewayLogsRole")},
    }


def _waf(stage: str, api_stage: str) -> dict[str, Any]:
    from infra.gateway import body as gateway_body

    content = gateway_body("THROTTLED")  # the API's own error shape, as API Gateway's throttling answers
    acl = {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": f"{tpl.prefix(stage)}-api",
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "CustomResponseBodies": {"tooMany": {"ContentType": "APPLICATION_JSON", "Content": content}},
            "Rules": [
                {
                    "Name": "per-ip-rate",
                    "Priority": 0,
                    "Statement": {
                        "RateBasedStatement": {"Limit": tpl._ref("WafRateLimit"), "AggregateKeyType": "IP"}
                    },
                    "Action": {
                        "Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "tooMany"}}
                    },
                    "VisibilityConfig": {
                        "SampledRequestsEnabled": False,  # samples would keep IP addresses and headers
                        "CloudWatchMetricsEnabled": True,
                        "MetricName": f"{tpl.prefix(stage)}-per-ip-rate",
                    },
                }
            ],
            "VisibilityConfig": {
                "SampledRequestsEnabled": False,
                "CloudWatchMetricsEnabled": True,
                "MetricName": f"{tpl.prefix(stage)}-api",
            },
        },
    }
    association = {
        "Type": "AWS::WAFv2::WebACLAssociation",
        # The stage is created by the SAM API (its logical id is <Api><StageName>Stage).
        "DependsOn": [f"{tpl.API}{api_stage}Stage"],
        "Properties": {
            "ResourceArn": tpl._sub(
                f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{{tpl.API}}}/stages/{api_stage}"
            ),
            "WebACLArn": tpl._att(WAF),
        },
    }
    return {WAF: acl, f"{WAF}Association": association}


def staff_mfa_name(stage: str) -> str:
    return f"{tpl.prefix(stage)}-staff_mfa_gate"


def _staff_mfa(stage: str, resources: dict[str, Any]) -> None:
    name = staff_mfa_name(stage)
    logs = f"{STAFF_MFA_FUNCTION}Logs"
    resources[STAFF_MFA_FUNCTION] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.13",
            "Handler": "index.handler",
            "Timeout": 5,
            "MemorySize": 128,
            "Role": tpl._att(role_id(STAFF_MFA_FUNCTION)),
            "Code": {"ZipFile": STAFF_MFA_CODE},
        },
    }
    resources[logs] = tpl._log_group(name)
    resources[role_id(STAFF_MFA_FUNCTION)] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": tpl._lambda_trust(),
            "Policies": [
                {
                    "PolicyName": "logs",
                    "PolicyDocument": tpl._policy(
                        [tpl._allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [tpl._att(logs)])]
                    ),
                }
            ],
        },
    }
    # Separate from the role: the pool refers to the function, so the role cannot refer to the pool.
    resources[f"{STAFF_MFA_FUNCTION}PoolPolicy"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "read-mfa-settings",
            "Roles": [tpl._ref(role_id(STAFF_MFA_FUNCTION))],
            "PolicyDocument": tpl._policy(
                [tpl._allow("ReadUser", ["cognito-idp:AdminGetUser"], tpl._att(tpl.USER_POOL))]
            ),
        },
    }
    resources[f"{STAFF_MFA_FUNCTION}Permission"] = {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": tpl._att(STAFF_MFA_FUNCTION),
            "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": tpl._att(tpl.USER_POOL),
        },
    }
    pool = resources[tpl.USER_POOL]["Properties"]
    pool["LambdaConfig"]["PreTokenGeneration"] = tpl._att(STAFF_MFA_FUNCTION)
    pool["MfaConfiguration"] = "OPTIONAL"
    pool["EnabledMfas"] = ["SOFTWARE_TOKEN_MFA"]


def parameters() -> dict[str, Any]:
    return {
        "WafRateLimit": {
            "Type": "Number",
            "Default": 600,
            "MinValue": 100,
            "Description": "Requests one IP address may make to the API in 5 minutes before WAF answers 429",
        }
    }


def apply(
    stage: str,
    resources: dict[str, Any],
    chalice_functions: dict[str, Any],
    auth: set[str],
    api_stage: str | None,
) -> dict[str, Any]:
    """Change the merge's resources in place; returns the parameters to add."""
    _roles(stage, resources, chalice_functions, auth)
    resources[BUCKET_POLICY] = _bucket_policy(stage)
    _staff_mfa(stage, resources)
    if api_stage is not None:
        _access_logs(stage, resources)
        resources.update(_waf(stage, api_stage))
    return parameters()
