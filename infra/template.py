"""The deployable template: Chalice's own SAM template, merged with what the app needs beyond it.

`python -m infra.template package --stage prod --out dist/prod` writes `sam.json` and `deployment.zip` (what
`chalice package --merge-template` would write) plus the `merge.json` it merged in; `template` writes the
merged template alone, without building the zip (for cfn-lint and the tests: the same code path, about 1 s
instead of 15-50 s). Both run Chalice's packager as a library, with one addition: Chalice refuses to package
`@app.on_s3_event` ("CloudFormation does not support modifying the event notifications of existing buckets"),
because it assumes the bucket already exists. Here the bucket is created by the same stack, so the generator
below writes the SAM `S3` event that CloudFormation supports for a bucket of the same template. The handler
and its Chalice event object stay exactly as they are.

What the merge adds (`merge_template`), all derived from one place each:
- the DynamoDB tables of infra/tables.py, with point-in-time recovery, deletion protection, encryption and
  Retain policies; the media bucket; the SES sender identity; the Cognito user pool, app client and groups;
- the stream event source's safety nets (partial batch failures, bisection, bounded retries and record age, a
  dead-letter queue), API Gateway's REGIONAL endpoint, throttling and error answers (infra/gateway.py);
- one least-privilege role for the app's functions and a smaller one for the authorizer, log groups, alarms.

The merge is built from Chalice's unmerged template, so every function (new schedules too) gets its name, role,
environment, log group and alarms without being listed here. The few keys it targets by name are derived from
handler names by Chalice; `check_merge_targets` fails the build when such a key is gone (a renamed handler
would otherwise leave a silently broken entry in the merged template).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from infra import citizen_channels, layers, snapstart
from infra.console import console_environment, console_outputs, console_resources
from infra.functions import inline_code
from infra.gateway import GATEWAY_RESPONSES
from infra.gateway import body as gateway_body
from infra.media import MEDIA_FUNCTION, media_function_budget
from infra.tables import definitions

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "fieldreport"
STAGES = ("dev", "prod")
CODE_URI = "./deployment.zip"

# Logical ids Chalice derives from app.py's handler names (seen in its output): `handle_report_stream` becomes
# the function "HandleReportStream" with the event "HandleReportStreamDynamodbEventSource".
STREAM_FUNCTION = "HandleReportStream"
STREAM_EVENT = "HandleReportStreamDynamodbEventSource"
STREAM_TABLE = "ReportsTable"
API = "RestAPI"

MEDIA_BUCKET = "MediaBucket"
DEAD_LETTER_QUEUE = "StreamDeadLetterQueue"
SENDER_IDENTITY = "SenderIdentity"
USER_POOL = "UserPool"
USER_POOL_CLIENT = "UserPoolClient"
APP_ROLE = "AppRole"
AUTHORIZER_ROLE = "AuthorizerRole"
SIGNUP_FUNCTION = "CitizenSignup"
ALARM_TOPIC = "AlarmTopic"

# The stream's retry policy: a poison record is isolated by bisection, retried a few times, then parked in the
# dead-letter queue (and the DLQ alarm fires) instead of blocking the shard for the stream's 24 hours.
STREAM_RETRIES = 5
STREAM_MAX_RECORD_AGE_SECONDS = 6 * 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600

# Actions for which AWS offers no resource-level permission: the only ones allowed on Resource "*".
TRACING_ACTIONS = frozenset(
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
)
# SMS to a phone number and the account's SMS settings name no resource (issue 15, infra/citizen_channels.py).
STAR_RESOURCE_ACTIONS = TRACING_ACTIONS | {"sns:Publish", "sns:SetSMSAttributes"}
TABLE_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]

GROUP_DESCRIPTIONS = {
    "citizen": "Người dân gửi và theo dõi phản ánh",
    "officer": "Cán bộ đơn vị tiếp nhận và xử lý phản ánh",
    "ioc": "Trung tâm Điều hành thông minh (IOC) của tỉnh",
    "tech": "Kỹ thuật vận hành hệ thống",
}


def _ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def _att(name: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attribute]}


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}"


def table_names(stage: str) -> dict[str, str]:
    """The tables' names, as chalicelib/config.py derives them (RESOURCE_PREFIX defaults to fieldreport-STAGE)."""
    return {key: f"{prefix(stage)}-{key}" for key in ("reports", "ledger", "stats", "idempotency")}


def media_bucket_name(stage: str) -> dict[str, Any]:
    """Bucket names are global: the account and region make it unique. A name rather than a Ref, because the
    bucket's notification depends on the function, so the function (and its role) must not depend on the bucket."""
    return _sub(f"{prefix(stage)}-media-${{AWS::AccountId}}-${{AWS::Region}}")


# ---------------------------------------------------------------- reading Chalice's template


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


# ---------------------------------------------------------------- the merge


def _parameters() -> dict[str, Any]:
    return {
        "SenderEmail": {
            "Type": "String",
            "Description": "Sender address of every e-mail (verified in SES; the account out of the SES sandbox).",
            "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        },
        "AppBaseUrl": {
            "Type": "String",
            "Description": "Public address of the web console (its CloudFront domain or one aimed at it); e-mails link there.",
            "AllowedPattern": r"^https?://\S+$",
        },
        "AllowedOrigins": {
            "Type": "CommaDelimitedList",
            "Description": "Web origins allowed to upload photos straight to S3 (CORS), e.g. https://phananh.example.vn",
        },
        "AlarmEmail": {
            "Type": "String",
            "Description": "Who is e-mailed when an alarm fires (confirm the SNS subscription e-mail once).",
            "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        },
        "ApiRateLimit": {
            "Type": "Number",
            "Default": 50,
            "MinValue": 1,
            "Description": "API Gateway steady-state requests per second for the stage",
        },
        "ApiBurstLimit": {
            "Type": "Number",
            "Default": 100,
            "MinValue": 1,
            "Description": "API Gateway burst capacity for the stage",
        },
        "OverdueReportsThreshold": {
            "Type": "Number",
            "Default": 0,
            "MinValue": 0,
            "Description": "Alarm when the deadline sweep counts more overdue reports than this",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": 90,
            "AllowedValues": [30, 60, 90, 180, 365, 731],
            "Description": "How long the functions' logs are kept",
        },
        **citizen_channels.PARAMETERS,
    }


def _metadata() -> dict[str, Any]:
    return {
        "AWS::CloudFormation::Interface": {
            "ParameterGroups": [
                {
                    "Label": {"default": "Province settings (docs/deploy.md)"},
                    "Parameters": ["SenderEmail", "AppBaseUrl", "AllowedOrigins", "AlarmEmail"],
                },
                {
                    "Label": {"default": "Limits"},
                    "Parameters": [
                        "ApiRateLimit",
                        "ApiBurstLimit",
                        "OverdueReportsThreshold",
                        "LogRetentionDays",
                    ],
                },
                citizen_channels.PARAMETER_GROUP,
            ]
        },
        "UnitEmails": "The units' e-mail addresses and webhooks are data, versioned with the code in "
        "chalicelib/data/units.json, not parameters: edit that file and package again.",
    }


def _tables(stage: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for logical_id, definition in definitions(table_names(stage)).items():
        props = copy.deepcopy(definition)
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        props["DeletionProtectionEnabled"] = True
        props["SSESpecification"] = {"SSEEnabled": True}
        props["Tags"] = [{"Key": "app", "Value": APP_NAME}, {"Key": "stage", "Value": stage}]
        out[logical_id] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": props,
        }
    return out


def _media_bucket(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": media_bucket_name(stage),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            # Apps upload with the presigned POST of chalicelib/media.py and show photos by presigned GET.
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedMethods": ["POST", "GET", "HEAD"],
                        "AllowedOrigins": _ref("AllowedOrigins"),
                        "AllowedHeaders": ["*"],
                        "ExposedHeaders": ["ETag", "Location"],
                        "MaxAge": 3000,
                    }
                ]
            },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "abort-incomplete-uploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                    {"Id": "expire-tmp", "Status": "Enabled", "Prefix": "tmp/", "ExpirationInDays": 1},
                    {
                        "Id": "expire-old-versions",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    },
                ]
            },
            "Tags": [{"Key": "app", "Value": APP_NAME}, {"Key": "stage", "Value": stage}],
        },
    }


def _cognito(stage: str) -> dict[str, Any]:
    from chalicelib.api.auth import ROLES

    out: dict[str, Any] = {
        USER_POOL: {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": prefix(stage),
                "UsernameAttributes": ["email"],
                "UsernameConfiguration": {"CaseSensitive": False},
                "AutoVerifiedAttributes": ["email"],
                "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
                "Schema": [
                    {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                    {"Name": "name", "AttributeDataType": "String", "Required": False, "Mutable": True},
                    {
                        "Name": "phone_number",
                        "AttributeDataType": "String",
                        "Required": False,
                        "Mutable": True,
                    },
                    # In tokens as "custom:unit_code": the unit an officer acts for (chalicelib/api/auth.py).
                    {
                        "Name": "unit_code",
                        "AttributeDataType": "String",
                        "Mutable": True,
                        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "32"},
                    },
                ],
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 10,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireUppercase": False,
                        "RequireSymbols": False,
                        "TemporaryPasswordValidityDays": 7,
                    }
                },
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                "MfaConfiguration": "OPTIONAL",
                "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                "DeletionProtection": "ACTIVE",
                "VerificationMessageTemplate": {
                    "DefaultEmailOption": "CONFIRM_WITH_CODE",
                    "EmailSubject": "Mã xác nhận tài khoản Phản ánh hiện trường",
                    "EmailMessage": "Mã xác nhận tài khoản của bạn là {####}.",
                },
                "LambdaConfig": {"PostConfirmation": _att(SIGNUP_FUNCTION)},
                "UserPoolTags": {"app": APP_NAME, "stage": stage},
            },
        },
        USER_POOL_CLIENT: {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": f"{prefix(stage)}-app",
                "UserPoolId": _ref(USER_POOL),
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
                "IdTokenValidity": 60,
                "AccessTokenValidity": 60,
                "RefreshTokenValidity": 30,
                "TokenValidityUnits": {
                    "IdToken": "minutes",
                    "AccessToken": "minutes",
                    "RefreshToken": "days",
                },
                "ReadAttributes": [
                    "email",
                    "email_verified",
                    "name",
                    "phone_number",
                    "phone_number_verified",
                    "custom:unit_code",
                ],
                # Not custom:unit_code: a user must not be able to move themselves into a unit.
                "WriteAttributes": ["email", "name", "phone_number"],
            },
        },
    }
    for precedence, role in enumerate(reversed(ROLES)):
        out[f"{role.capitalize()}Group"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "GroupName": role,
                "Description": GROUP_DESCRIPTIONS[role],
                "Precedence": precedence,
                "UserPoolId": _ref(USER_POOL),
            },
        }
    return out


def _signup_trigger(stage: str) -> dict[str, Any]:
    """The post-confirmation trigger (infra/functions/signup_trigger.py: whoever signs up by themselves is a
    citizen; officers, the IOC and technical staff are created by an administrator and put into their groups
    by hand, docs/deploy.md) and its role. Its permission on the pool is a separate policy: the pool refers to
    the function, so the function's role cannot refer to the pool without a cycle."""
    name = f"{prefix(stage)}-citizen_signup"
    logs = f"{SIGNUP_FUNCTION}Logs"
    return {
        SIGNUP_FUNCTION: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": name,
                "Runtime": "python3.13",
                "Handler": "index.handler",
                "Timeout": 10,
                "MemorySize": 128,
                "Role": _att(f"{SIGNUP_FUNCTION}Role"),
                "Code": {"ZipFile": inline_code("signup_trigger")},
            },
        },
        logs: _log_group(name),
        f"{SIGNUP_FUNCTION}Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _lambda_trust(),
                "Policies": [
                    {
                        "PolicyName": "logs",
                        "PolicyDocument": _policy(
                            [_allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [_att(logs)])]
                        ),
                    }
                ],
            },
        },
        f"{SIGNUP_FUNCTION}GroupPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "add-citizen-to-group",
                "Roles": [_ref(f"{SIGNUP_FUNCTION}Role")],
                "PolicyDocument": _policy(
                    [_allow("CitizenGroup", ["cognito-idp:AdminAddUserToGroup"], _att(USER_POOL))]
                ),
            },
        },
        f"{SIGNUP_FUNCTION}Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": _att(SIGNUP_FUNCTION),
                "Principal": "cognito-idp.amazonaws.com",
                "SourceArn": _att(USER_POOL),
            },
        },
    }


def _log_group(function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": f"/aws/lambda/{function}",
            "RetentionInDays": _ref("LogRetentionDays"),
        },
    }


def _lambda_trust() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


def _allow(sid: str, actions: list[str], resource: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def _policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _tracing() -> dict[str, Any]:
    return _allow("Tracing", sorted(TRACING_ACTIONS), "*")


def _app_statements(stage: str, log_groups: list[str]) -> list[dict[str, Any]]:
    table_ids = list(definitions(table_names(stage)))
    tables: list[Any] = []
    for logical_id in table_ids:
        tables += [_att(logical_id), _sub(f"${{{logical_id}.Arn}}/index/*")]
    sender_domain = {"Fn::Select": [1, {"Fn::Split": ["@", _ref("SenderEmail")]}]}
    identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
    bucket_objects = {
        "Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}/*", {"Bucket": media_bucket_name(stage)}]
    }
    return [
        _allow("Tables", TABLE_ACTIONS, tables),
        _allow(
            "ReportStream",
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            _att(STREAM_TABLE, "StreamArn"),
        ),
        _allow("ReportStreamList", ["dynamodb:ListStreams"], _sub(f"${{{STREAM_TABLE}.Arn}}/stream/*")),
        _allow("StreamFailures", ["sqs:SendMessage"], _att(DEAD_LETTER_QUEUE)),
        # Upload slots are presigned POSTs and photos presigned GETs, signed with this role's credentials.
        _allow("Media", ["s3:GetObject", "s3:PutObject"], bucket_objects),
        # Issue 16: refused uploads are deleted; a deleted test report takes its originals and derived images.
        _allow("MediaDelete", ["s3:DeleteObject"], bucket_objects),
        _allow(
            "MediaList",
            ["s3:ListBucket"],
            {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": media_bucket_name(stage)}]},
        ),
        _allow(
            "Email",
            ["ses:SendEmail", "ses:SendRawEmail"],
            [
                _sub(identity + "${SenderEmail}"),
                {"Fn::Sub": [identity + "${Domain}", {"Domain": sender_domain}]},
            ],
        ),
        _allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [_att(g) for g in log_groups]),
        _tracing(),
        *citizen_channels.statements(),
    ]


def webhook_secrets(stage: str, units: dict[str, Any] | None = None) -> dict[str, str]:
    """The units' webhook secret names (units.json names the variable). No longer put into any environment:
    the signing functions read `/fieldreport-STAGE/webhooks/<name>` from SSM at use (infra/least_privilege.py)."""
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


def _environment(stage: str) -> dict[str, Any]:
    """What chalicelib/config.py reads, pointing at this stack's resources."""
    variables = {
        "reports": "REPORTS_TABLE",
        "ledger": "LEDGER_TABLE",
        "stats": "STATS_TABLE",
        "idempotency": "IDEMPOTENCY_TABLE",
    }
    env: dict[str, Any] = {
        "STAGE": stage,
        "RESOURCE_PREFIX": prefix(stage),
        "AUTH_MODE": "cognito",
        "COGNITO_USER_POOL_ID": _ref(USER_POOL),
        "COGNITO_CLIENT_ID": _ref(USER_POOL_CLIENT),
        "MEDIA_BUCKET": media_bucket_name(stage),
        "SENDER_EMAIL": _ref("SenderEmail"),
        "APP_BASE_URL": _ref("AppBaseUrl"),
        "REPORTS_STREAM_ARN": _att(STREAM_TABLE, "StreamArn"),
    }
    names = table_names(stage)
    key_of = {name: key for key, name in names.items()}
    for logical_id, spec in definitions(names).items():
        env[variables[key_of[spec["TableName"]]]] = _ref(logical_id)
    env.update(citizen_channels.environment())
    return env


def _gateway_responses() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, (status, _, _) in GATEWAY_RESPONSES.items():
        response: dict[str, Any] = {"ResponseTemplates": {"application/json": gateway_body(kind)}}
        # The DEFAULT_* families keep the status API Gateway chose (403, 413, 429, 502, 504...).
        if not kind.startswith("DEFAULT_"):
            response["StatusCode"] = str(status)
        if status == 401:
            response["ResponseParameters"] = {"Headers": {"WWW-Authenticate": "'Bearer'"}}
        out[kind] = response
    return out


def _alarm(
    name: str, description: str, metric: dict[str, Any], threshold: Any, period: int
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmDescription": description,
            **metric,
            "Period": period,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [_ref(ALARM_TOPIC)],
            "OKActions": [_ref(ALARM_TOPIC)],
        },
    }


def _alarms(stage: str, function_names: dict[str, str], api_stage: str | None) -> dict[str, Any]:
    p = prefix(stage)
    out: dict[str, Any] = {
        ALARM_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": f"{p}-alarms",
                "Subscription": [{"Protocol": "email", "Endpoint": _ref("AlarmEmail")}],
            },
        },
        "DeadLetterQueueAlarm": _alarm(
            f"{p}-stream-dlq",
            "Stream records that failed every retry are waiting in the dead-letter queue (docs/deploy.md).",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": _att(DEAD_LETTER_QUEUE, "QueueName")}],
                "Statistic": "Maximum",
            },
            0,
            300,
        ),
        "OverdueReportsAlarm": _alarm(
            f"{p}-overdue-reports",
            "The deadline sweep counts overdue reports (metric FieldReport/OverdueReports).",
            {
                "Namespace": "FieldReport",
                "MetricName": "OverdueReports",
                # Powertools Metrics adds the service as a dimension (app.py: Metrics(service="fieldreport")).
                "Dimensions": [{"Name": "service", "Value": APP_NAME}],
                "Statistic": "Maximum",
            },
            _ref("OverdueReportsThreshold"),
            3600,
        ),
        # issue 12: a stored report that cannot be decoded is skipped by every list; someone must repair it.
        "UndecodableReportsAlarm": _alarm(
            f"{p}-undecodable-reports",
            "A stored report could not be decoded and was skipped (metric FieldReport/UndecodableReports).",
            {
                "Namespace": "FieldReport",
                "MetricName": "UndecodableReports",
                "Dimensions": [{"Name": "service", "Value": APP_NAME}],
                "Statistic": "Sum",
            },
            0,
            300,
        ),
    }
    for logical_id, name in function_names.items():
        for metric in ("Errors", "Throttles"):
            out[f"{logical_id}{metric}Alarm"] = _alarm(
                f"{name}-{metric.lower()}",
                f"{metric} of the function {name}",
                {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": _ref(logical_id)}],
                    "Statistic": "Sum",
                },
                0,
                300,
            )
    if api_stage is not None:
        out["Api5xxAlarm"] = _alarm(
            f"{p}-api-5xx",
            "The API answered with a server error.",
            {
                "Namespace": "AWS/ApiGateway",
                "MetricName": "5XXError",
                "Dimensions": [{"Name": "ApiName", "Value": p}, {"Name": "Stage", "Value": api_stage}],
                "Statistic": "Sum",
            },
            0,
            300,
        )
    return out


def merge_template(stage: str, chalice_template: dict[str, Any]) -> dict[str, Any]:
    """The template to merge into Chalice's (Chalice's deep merge: dicts merged, anything else replaced)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {STAGES}")
    if any(r.get("Type") == "AWS::Logs::LogGroup" for r in chalice_template["Resources"].values()):
        raise ValueError(
            "remove log_retention_in_days from .chalice/config.json: infra/template.py makes the log groups"
        )
    chalice_functions = functions(chalice_template)
    auth = authorizers(chalice_template)
    resources: dict[str, Any] = {}
    resources.update(_tables(stage))
    resources[DEAD_LETTER_QUEUE] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": f"{prefix(stage)}-stream-dlq",
            "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
        },
    }
    resources[MEDIA_BUCKET] = _media_bucket(stage)
    resources[SENDER_IDENTITY] = {
        "Type": "AWS::SES::EmailIdentity",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {"EmailIdentity": _ref("SenderEmail")},
    }
    resources.update(_cognito(stage))
    resources.update(_signup_trigger(stage))
    resources.update(citizen_channels.resources(prefix(stage), _log_group, _lambda_trust, _policy))

    names: dict[str, str] = {}
    app_logs: list[str] = []
    auth_logs: list[str] = []
    environment = {**_environment(stage), **console_environment(USER_POOL_CLIENT)}  # issue 13
    for logical_id, resource in chalice_functions.items():
        name = function_name(stage, resource)
        names[logical_id] = name
        logs = f"{logical_id}Logs"
        resources[logs] = _log_group(name)
        (auth_logs if logical_id in auth else app_logs).append(logs)
        resources[logical_id] = {
            "Properties": {
                "FunctionName": name,
                "Role": _att(AUTHORIZER_ROLE if logical_id in auth else APP_ROLE),
                "Tracing": "Active",
                "Environment": {"Variables": environment},
            }
        }
    if MEDIA_FUNCTION in resources:  # issue 16: the photo handler's memory and time budget (infra/media.py)
        resources[MEDIA_FUNCTION]["Properties"].update(media_function_budget(stage))
    resources[APP_ROLE] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": f"{prefix(stage)}: the app's functions",
            "AssumeRolePolicyDocument": _lambda_trust(),
            "Policies": [{"PolicyName": "app", "PolicyDocument": _policy(_app_statements(stage, app_logs))}],
        },
    }
    if auth_logs:
        auth_statements = [
            _allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [_att(g) for g in auth_logs])
        ]
        resources[AUTHORIZER_ROLE] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": f"{prefix(stage)}: the API's token authorizer (verifies JWTs, no data access)",
                "AssumeRolePolicyDocument": _lambda_trust(),
                "Policies": [
                    {"PolicyName": "authorizer", "PolicyDocument": _policy([*auth_statements, _tracing()])}
                ],
            },
        }

    # Targets Chalice's names: if the handler were renamed, check_merge_targets reports this entry.
    stream_function = resources.setdefault(STREAM_FUNCTION, {"Properties": {}})
    stream_function["Properties"]["Events"] = {
        STREAM_EVENT: {
            "Properties": {
                "Stream": _att(STREAM_TABLE, "StreamArn"),
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "BisectBatchOnFunctionError": True,
                "MaximumRetryAttempts": STREAM_RETRIES,
                "MaximumRecordAgeInSeconds": STREAM_MAX_RECORD_AGE_SECONDS,
                "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": _att(DEAD_LETTER_QUEUE)}},
            }
        }
    }

    api_stage = None
    if API in chalice_template["Resources"]:
        api_stage = chalice_template["Resources"][API]["Properties"]["StageName"]
        resources[API] = {
            "Properties": {
                "Name": prefix(stage),
                "EndpointConfiguration": {"Type": "REGIONAL"},
                "TracingEnabled": True,
                "MethodSettings": [
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingRateLimit": _ref("ApiRateLimit"),
                        "ThrottlingBurstLimit": _ref("ApiBurstLimit"),
                        "MetricsEnabled": True,
                    }
                ],
                "GatewayResponses": _gateway_responses(),
            }
        }
    resources.update(console_resources(stage, USER_POOL, API if api_stage else None, api_stage))  # issue 13
    from infra import least_privilege  # one role per function, TLS-only bucket, MFA, WAF, access logs

    extra_parameters = least_privilege.apply(stage, resources, chalice_functions, auth, api_stage)
    names[SIGNUP_FUNCTION] = f"{prefix(stage)}-citizen_signup"
    names[least_privilege.STAFF_MFA_FUNCTION] = least_privilege.staff_mfa_name(stage)
    names[citizen_channels.FUNCTION] = citizen_channels.function_name(prefix(stage))
    resources.update(_alarms(stage, names, api_stage))

    layers.merge(resources, chalice_template, APP_NAME, stage)  # numpy/shapely only where a point is located
    snapstart.merge(
        resources, chalice_template, API, SIGNUP_FUNCTION, USER_POOL
    )  # versions, aliases, SnapStart

    outputs = {
        "UserPoolId": {"Value": _ref(USER_POOL)},
        "UserPoolClientId": {"Value": _ref(USER_POOL_CLIENT)},
        "MediaBucketName": {"Value": _ref(MEDIA_BUCKET)},
        "StreamDeadLetterQueueUrl": {"Value": _ref(DEAD_LETTER_QUEUE)},
        "AlarmTopicArn": {"Value": _ref(ALARM_TOPIC)},
        **console_outputs(),  # issue 13
    }
    for logical_id in definitions(table_names(stage)):
        outputs[f"{logical_id}Name"] = {"Value": _ref(logical_id)}
    return {
        "Description": f"Phản ánh hiện trường (field reports), stage {stage}: API, event handlers and their data.",
        "Metadata": _metadata(),
        "Parameters": {**_parameters(), **extra_parameters},
        "Resources": resources,
        "Outputs": outputs,
    }


def check_merge_targets(merge: dict[str, Any], chalice_template: dict[str, Any]) -> list[str]:
    """What the merge changes by name must exist in Chalice's template: a resource without a Type (a partial
    override) and every event under a function's Events. Chalice derives these names from handler names, so
    after a rename the merge would add a broken resource or event instead of changing the real one."""
    problems = []
    base = chalice_template["Resources"]
    for logical_id, resource in merge["Resources"].items():
        if "Type" in resource:
            continue
        if logical_id not in base:
            problems.append(f"merge changes resource {logical_id!r}, which Chalice's template does not have")
            continue
        events = resource.get("Properties", {}).get("Events", {})
        for event in events:
            if event not in base[logical_id]["Properties"].get("Events", {}):
                problems.append(
                    f"merge changes event {event!r} of {logical_id!r}, which Chalice did not generate"
                )
    return problems


def deep_merge(merge: dict[str, Any], chalice_template: dict[str, Any]) -> dict[str, Any]:
    """Chalice's own merge (what `chalice package --merge-template` does)."""
    from chalice.package import TemplateDeepMerger

    return TemplateDeepMerger().merge(copy.deepcopy(merge), copy.deepcopy(chalice_template))


# ---------------------------------------------------------------- running Chalice's packager


def _chalice_parts(stage: str, project_dir: Path) -> tuple[Any, Any]:
    """Chalice's config for the stage and the package options (service principals for the region)."""
    from botocore.session import Session
    from chalice.awsclient import TypedAWSClient
    from chalice.cli.factory import CLIFactory
    from chalice.package import PackageOptions

    config = CLIFactory(str(project_dir)).create_config_obj(stage)
    session = Session()
    if not session.get_config_variable("region"):
        session.set_config_variable("region", os.environ.get("AWS_REGION", "ap-southeast-1"))
    return config, PackageOptions(TypedAWSClient(session))


def _generator_class() -> type:
    from chalice.package import SAMTemplateGenerator, UnsupportedFeatureError
    from chalice.utils import to_cfn_resource_name

    class Generator(SAMTemplateGenerator):  # type: ignore[misc]
        """Chalice's SAM generator plus `@app.on_s3_event` for the stack's own media bucket."""

        def _generate_s3bucketnotification(self, resource: Any, template: dict[str, Any]) -> None:
            if not str(resource.bucket).endswith("-media"):
                raise UnsupportedFeatureError(
                    f"on_s3_event for bucket {resource.bucket!r}: only the media bucket is created by the stack"
                )
            function = template["Resources"][to_cfn_resource_name(resource.lambda_function.resource_name)]
            event_name = self._register_cfn_resource_name(resource.resource_name)
            props: dict[str, Any] = {"Bucket": _ref(MEDIA_BUCKET), "Events": list(resource.events)}
            rules = [
                {"Name": n, "Value": v}
                for n, v in (("prefix", resource.prefix), ("suffix", resource.suffix))
                if v
            ]
            if rules:
                props["Filter"] = {"S3Key": {"Rules": rules}}
            function["Properties"].setdefault("Events", {})[event_name] = {"Type": "S3", "Properties": props}

    return Generator


def _template_only_stage(config: Any) -> Any:
    """Chalice's build stage without the step that pip-installs and zips the package."""
    from chalice.deploy import deployer
    from chalice.deploy.swagger import CFNSwaggerGenerator
    from chalice.utils import UI, OSUtils

    class NoZip(deployer.BaseDeployStep):  # type: ignore[misc]
        def handle_deploymentpackage(self, config: Any, resource: Any) -> None:
            resource.filename = CODE_URI

    full = deployer.create_build_stage(OSUtils(), UI(), CFNSwaggerGenerator(), config)
    steps = [NoZip() if isinstance(s, deployer.DeploymentPackager) else s for s in full._steps]
    return deployer.BuildStage(steps=steps)


def chalice_template(stage: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """Chalice's own (unmerged) SAM template for the stage, without building the deployment package."""
    from chalice.package import ApplicationGraphBuilder, DependencyBuilder, ResourceBuilder

    config, options = _chalice_parts(stage, project_dir)
    builder = ResourceBuilder(ApplicationGraphBuilder(), DependencyBuilder(), _template_only_stage(config))
    template: dict[str, Any] = _generator_class()(config, options).generate(
        builder.construct_resources(config, stage)
    )
    return template


def build_merge(stage: str, project_dir: Path = ROOT) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Chalice's template, the merge for it); raises when the merge targets a name Chalice no longer makes."""
    base = chalice_template(stage, project_dir)
    merge = merge_template(stage, base)
    problems = check_merge_targets(merge, base)
    if problems:
        raise RuntimeError("infra/template.py is out of step with app.py:\n  " + "\n  ".join(problems))
    return base, merge


def template(stage: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """The deployable template, as `package` writes it, without building the deployment package."""
    base, merge = build_merge(stage, project_dir)
    return deep_merge(merge, base)


def package(stage: str, out_dir: Path, project_dir: Path = ROOT) -> Path:
    """`chalice package --merge-template` with the S3-aware generator: out_dir/sam.json and deployment.zip."""
    from chalice.deploy.deployer import create_build_stage
    from chalice.deploy.swagger import CFNSwaggerGenerator
    from chalice.package import (
        ApplicationGraphBuilder,
        AppPackager,
        CompositePostProcessor,
        DependencyBuilder,
        JSONTemplateSerializer,
        ResourceBuilder,
        SAMCodeLocationPostProcessor,
        TemplateDeepMerger,
        TemplateMergePostProcessor,
    )
    from chalice.utils import UI, OSUtils

    _, merge = build_merge(stage, project_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    merge_path = out_dir / "merge.json"
    merge_path.write_text(json.dumps(merge, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    config, options = _chalice_parts(stage, project_dir)
    osutils = OSUtils()
    serializer = JSONTemplateSerializer()
    packager = AppPackager(
        _generator_class()(config, options),
        ResourceBuilder(
            ApplicationGraphBuilder(),
            DependencyBuilder(),
            create_build_stage(osutils, UI(), CFNSwaggerGenerator(), config),
        ),
        CompositePostProcessor(
            [
                SAMCodeLocationPostProcessor(osutils=osutils),
                TemplateMergePostProcessor(
                    osutils=osutils,
                    merger=TemplateDeepMerger(),
                    template_serializer=serializer,
                    merge_template=str(merge_path),
                ),
            ]
        ),
        serializer,
        osutils,
    )
    packager.package_app(config, str(out_dir), stage)
    layers.split_package(out_dir / "deployment.zip")  # geo packages to their layer, unused models out
    return out_dir / "sam.json"


def package_size(zip_path: Path) -> tuple[int, int, int]:
    """(bytes zipped, bytes unzipped, files) of a deployment package."""
    with zipfile.ZipFile(zip_path) as z:
        infos = z.infolist()
    return zip_path.stat().st_size, sum(i.file_size for i in infos), len(infos)


def describe_size(zip_path: Path) -> str:
    zipped, unzipped, files = package_size(zip_path)
    return (
        f"deployment package: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped, {files} files "
        f"(Lambda limits: 250 MB unzipped; zips over 50 MB must go through S3, as `aws cloudformation package` does)"
    )


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.template", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_pkg = sub.add_parser("package", help="sam.json + deployment.zip (+ merge.json) into --out")
    p_pkg.add_argument("--stage", choices=STAGES, default="dev")
    p_pkg.add_argument("--out", type=Path, required=True, help="directory, e.g. dist/prod")
    p_tpl = sub.add_parser("template", help="the merged template only (no deployment package)")
    p_tpl.add_argument("--stage", choices=STAGES, default="dev")
    p_tpl.add_argument("--out", type=Path, required=True, help="file, e.g. dist/cfn-lint/sam-dev.json")
    args = parser.parse_args(argv)
    if args.command == "package":
        sam = package(args.stage, args.out)
        print(f"wrote {sam} and {args.out / 'deployment.zip'}")
        print(describe_size(args.out / "deployment.zip"))
    else:
        _write(args.out, template(args.stage))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
