"""What every part of the template shares: the stack's name per stage, CloudFormation's intrinsic functions,
the tags, the shape of a resource kept when the stack is deleted, and a function's log group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the project Chalice packages
APP_NAME = "fieldreport"
STAGES = ("dev", "prod")


def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def att(name: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attribute]}


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def prefix(stage: str) -> str:
    """What every name of the stage starts with (chalicelib/config.py's RESOURCE_PREFIX defaults to it)."""
    return f"{APP_NAME}-{stage}"


def tags(stage: str) -> list[dict[str, str]]:
    return [{"Key": "app", "Value": APP_NAME}, {"Key": "stage", "Value": stage}]


def retained(resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A resource that holds what cannot be made again (data, users): kept when the stack is deleted or the
    resource replaced."""
    return {
        "Type": resource_type,
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def log_group(function: str) -> dict[str, Any]:
    """The log group of the function named `function`, made by the stack so that its retention is set."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": f"/aws/lambda/{function}",
            "RetentionInDays": ref("LogRetentionDays"),
        },
    }
