"""What Amazon SNS needs for telling citizens on their phones (issue 15), merged by infra/merge.py.

- Push: CloudFormation has no resource for SNS platform applications (they hold the FCM key and the APNs
  certificate), so the province creates them once in the console or CLI and passes their ARNs as parameters
  (`FcmPlatformApplicationArn`, `ApnsPlatformApplicationArn`; empty: that kind of device cannot register).
- SMS: the account's SNS SMS settings (monthly spending limit, default sender id, transactional type) are set by
  a small custom resource, since CloudFormation has no resource for them either; the sender id is also sent
  with each message.
"""

from __future__ import annotations

from typing import Any

from infra.functions import inline_function
from infra.iam import allow, lambda_role, role_id, write_logs
from infra.stack import att, log_group, ref, sub

SMS_SETTINGS_FUNCTION = "SmsSettings"
FUNCTION = f"{SMS_SETTINGS_FUNCTION}Function"


def function_name(stage_prefix: str) -> str:
    return f"{stage_prefix}-sms_settings"


APP_ARN_PATTERN = r"^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app/{kind}/[A-Za-z0-9_.-]+$"

PARAMETERS: dict[str, Any] = {
    "FcmPlatformApplicationArn": {
        "Type": "String",
        "Default": "",
        "Description": "SNS platform application (FCM) for Android push; empty: no Android push",
        "AllowedPattern": APP_ARN_PATTERN.replace("{kind}", "GCM"),
    },
    "ApnsPlatformApplicationArn": {
        "Type": "String",
        "Default": "",
        "Description": "SNS platform application (APNS) for iPhone push; empty: no iPhone push",
        "AllowedPattern": APP_ARN_PATTERN.replace("{kind}", "APNS"),
    },
    "SmsSenderId": {
        "Type": "String",
        "Default": "PHANANHDB",
        "Description": "SMS sender id (1-11 letters or digits, registered with the carriers for Vietnam)",
        "AllowedPattern": r"^[A-Za-z0-9]{1,11}$",
    },
    "SmsMonthlySpendLimit": {
        "Type": "Number",
        "Default": 50,
        "MinValue": 1,
        "Description": "Most the account may spend on SMS in a month, USD (raise the SNS quota first)",
    },
}

PARAMETER_GROUP = {
    "Label": {"default": "Citizens' phones: push and SMS (docs/api.md)"},
    "Parameters": list(PARAMETERS),
}

# Runs at deploy time only: sets the account's SMS settings from the parameters.
SMS_SETTINGS_CODE = """\
import json
import urllib.request

import boto3


def _answer(event, context, status, reason=""):
    body = json.dumps({
        "Status": status, "Reason": reason or status, "PhysicalResourceId": "sms-settings",
        "StackId": event["StackId"], "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=10)


def handler(event, context):
    try:
        if event["RequestType"] in ("Create", "Update"):
            p = event["ResourceProperties"]
            boto3.client("sns").set_sms_attributes(attributes={
                "MonthlySpendLimit": str(p["MonthlySpendLimit"]),
                "DefaultSenderID": p["DefaultSenderID"],
                "DefaultSMSType": "Transactional",
            })
        _answer(event, context, "SUCCESS")
    except Exception as e:
        _answer(event, context, "FAILED", str(e)[:200])
"""


def environment() -> dict[str, Any]:
    """What chalicelib/config.citizen_channel_settings reads."""
    return {
        "FCM_PLATFORM_APP_ARN": ref("FcmPlatformApplicationArn"),
        "APNS_PLATFORM_APP_ARN": ref("ApnsPlatformApplicationArn"),
        "SMS_SENDER_ID": ref("SmsSenderId"),
    }


def statements() -> list[dict[str, Any]]:
    """The app's SNS permissions: endpoints under this account's platform applications, and Publish, which for
    a phone number has no resource to name (AWS requires "*" for SMS)."""
    account = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}"
    return [
        allow(
            "PushEndpoints",
            ["sns:CreatePlatformEndpoint"],
            [sub(account + ":app/GCM/*"), sub(account + ":app/APNS/*")],
        ),
        allow("PushEndpointRemoval", ["sns:DeleteEndpoint"], [sub(account + ":endpoint/*")]),
        allow("PhoneMessages", ["sns:Publish"], "*"),
    ]


def resources(stage_prefix: str) -> dict[str, Any]:
    """The custom resource that sets the account's SMS settings, its function, role and log group."""
    name = function_name(stage_prefix)
    logs = f"{FUNCTION}Logs"
    # SNS's SMS settings belong to the account: there is no resource to name.
    may = [write_logs([logs]), allow("SmsSettings", ["sns:SetSMSAttributes"], "*")]
    return {
        FUNCTION: inline_function(name, role_id(FUNCTION), SMS_SETTINGS_CODE, 30),
        logs: log_group(name),
        role_id(FUNCTION): lambda_role("sms-settings", may),
        SMS_SETTINGS_FUNCTION: {
            "Type": "Custom::SmsSettings",
            "Properties": {
                "ServiceToken": att(FUNCTION),
                "MonthlySpendLimit": ref("SmsMonthlySpendLimit"),
                "DefaultSenderID": ref("SmsSenderId"),
            },
        },
    }
