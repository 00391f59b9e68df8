"""IAM building blocks: policy statements and documents, the role a Lambda function assumes, and the actions
that AWS lets no policy scope to a resource. Who gets which statement is in infra/least_privilege.py.
"""

from __future__ import annotations

from typing import Any

from infra.stack import att

# Actions for which AWS offers no resource-level permission: the only ones allowed on Resource "*".
TRACING_ACTIONS = frozenset(
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
)
# SMS to a phone number and the account's SMS settings name no resource (issue 15, infra/citizen_channels.py).
STAR_RESOURCE_ACTIONS = TRACING_ACTIONS | {"sns:Publish", "sns:SetSMSAttributes"}


def role_id(function: str) -> str:
    """The logical id of the role of the function `function` (a logical id too)."""
    return f"{function}Role"


def allow(sid: str, actions: list[str], resource: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def tracing() -> dict[str, Any]:
    return allow("Tracing", sorted(TRACING_ACTIONS), "*")


def write_logs(log_groups: list[str]) -> dict[str, Any]:
    """Writing to these log groups (logical ids), as every function does to its own."""
    return allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [att(g) for g in log_groups])


def trust(service: str) -> dict[str, Any]:
    """The trust policy that lets `service` (e.g. lambda.amazonaws.com) assume a role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def lambda_trust() -> dict[str, Any]:
    return trust("lambda.amazonaws.com")


def lambda_role(
    policy_name: str, statements: list[dict[str, Any]], description: str | None = None
) -> dict[str, Any]:
    """A role for a Lambda function with one inline policy."""
    props: dict[str, Any] = {} if description is None else {"Description": description}
    props["AssumeRolePolicyDocument"] = lambda_trust()
    props["Policies"] = [{"PolicyName": policy_name, "PolicyDocument": policy(statements)}]
    return {"Type": "AWS::IAM::Role", "Properties": props}
