"""The edge of the API, added to the REST API Chalice writes: a REGIONAL endpoint with tracing, the stage's
throttling, API Gateway's own answers in the API's error shape (infra/gateway.py), access logs without
personal data (issue 12) and a WAF web ACL with a per-IP rate rule answered with 429 in that shape.
"""

from __future__ import annotations

import json
from typing import Any

from infra.gateway import GATEWAY_RESPONSES
from infra.gateway import body as gateway_body
from infra.iam import allow, policy, trust
from infra.stack import att, prefix, ref, sub

API = "RestAPI"  # Chalice's logical id for the REST API
ACCESS_LOGS = "ApiAccessLogs"
WAF = "ApiWebAcl"

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

PARAMETERS: dict[str, Any] = {
    "WafRateLimit": {
        "Type": "Number",
        "Default": 600,
        "MinValue": 100,
        "Description": "Requests one IP address may make to the API in 5 minutes before WAF answers 429",
    }
}


def stage_name(chalice_template: dict[str, Any]) -> str | None:
    """The API's stage in Chalice's template (None when the app has no routes)."""
    api = chalice_template["Resources"].get(API)
    return None if api is None else str(api["Properties"]["StageName"])


def rest_api(stage: str) -> dict[str, Any]:
    """What the merge changes in Chalice's REST API."""
    return {
        "Properties": {
            "Name": prefix(stage),
            "EndpointConfiguration": {"Type": "REGIONAL"},
            "TracingEnabled": True,
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": ref("ApiRateLimit"),
                    "ThrottlingBurstLimit": ref("ApiBurstLimit"),
                    "MetricsEnabled": True,
                }
            ],
            "GatewayResponses": _gateway_responses(),
            "AccessLogSetting": {"DestinationArn": att(ACCESS_LOGS), "Format": ACCESS_LOG_FORMAT},
        }
    }


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


def access_logs(stage: str) -> dict[str, Any]:
    """The access logs' group, and the account's role with which API Gateway writes to CloudWatch Logs (one per
    account and region)."""
    may = allow(
        "AccessLogs",
        ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        [att(ACCESS_LOGS), sub(f"${{{ACCESS_LOGS}.Arn}}:*")],
    )
    return {
        ACCESS_LOGS: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/apigateway/{prefix(stage)}-access",
                "RetentionInDays": ref("LogRetentionDays"),
            },
        },
        "ApiGatewayLogsRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": f"{prefix(stage)}: API Gateway writes the access logs",
                "AssumeRolePolicyDocument": trust("apigateway.amazonaws.com"),
                "Policies": [{"PolicyName": "access-logs", "PolicyDocument": policy([may])}],
            },
        },
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": att("ApiGatewayLogsRole")},
        },
    }


def waf(stage: str, api_stage: str) -> dict[str, Any]:
    """The web ACL (`WafRateLimit` requests per IP address in 5 minutes) and its association with the stage."""
    content = gateway_body("THROTTLED")  # the API's own error shape, as API Gateway's throttling answers
    rule = {
        "Name": "per-ip-rate",
        "Priority": 0,
        "Statement": {"RateBasedStatement": {"Limit": ref("WafRateLimit"), "AggregateKeyType": "IP"}},
        "Action": {"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "tooMany"}}},
        "VisibilityConfig": {
            "SampledRequestsEnabled": False,  # samples would keep IP addresses and headers
            "CloudWatchMetricsEnabled": True,
            "MetricName": f"{prefix(stage)}-per-ip-rate",
        },
    }
    acl = {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": f"{prefix(stage)}-api",
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "CustomResponseBodies": {"tooMany": {"ContentType": "APPLICATION_JSON", "Content": content}},
            "Rules": [rule],
            "VisibilityConfig": {
                "SampledRequestsEnabled": False,
                "CloudWatchMetricsEnabled": True,
                "MetricName": f"{prefix(stage)}-api",
            },
        },
    }
    stage_arn = (
        f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{{API}}}/stages/{api_stage}"
    )
    association = {
        "Type": "AWS::WAFv2::WebACLAssociation",
        # The stage is created by the SAM API (its logical id is <Api><StageName>Stage).
        "DependsOn": [f"{API}{api_stage}Stage"],
        "Properties": {"ResourceArn": sub(stage_arn), "WebACLArn": att(WAF)},
    }
    return {WAF: acl, f"{WAF}Association": association}
