"""Citizens' phone channels through Amazon SNS (issue 15): SMS to a number, push to a device's platform endpoint.

Push: the app registers its FCM or APNs token; the system makes an SNS platform endpoint under the platform
application of that kind (`FCM_PLATFORM_APP_ARN` / `APNS_PLATFORM_APP_ARN`; where unset, the application
named `<prefix>-fcm` / `<prefix>-apns` is looked up once, with the development issuer only: that is how the
local stack and the tests find the ones they create). SMS: transactional, with the sender id the deployment
names (`SMS_SENDER_ID`); the monthly spending limit is the account's SNS setting that infra/ sets.

Clients are built on first use (chalicelib/aws.py), never at import time.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from chalicelib import aws
from chalicelib.config import citizen_channel_settings, settings

PLATFORMS = {"fcm": "GCM", "apns": "APNS"}


class PushUnavailable(Exception):
    """No platform application is configured for this kind of device."""


@functools.cache
def _application_arn(platform: str) -> str | None:
    configured = citizen_channel_settings().platform_apps.get(platform)
    if configured:
        return configured
    if settings().auth_mode != "dev":
        return None  # in AWS only the deployment's parameters name the applications
    wanted = f"{settings().reports_table.removesuffix('-reports')}-{platform}"
    paginator = aws.client("sns").get_paginator("list_platform_applications")
    for page in paginator.paginate():
        for app in page.get("PlatformApplications", []):
            if app["PlatformApplicationArn"].rsplit("/", 1)[-1] == wanted:
                return str(app["PlatformApplicationArn"])
    return None


def reset() -> None:
    _application_arn.cache_clear()


def create_endpoint(platform: str, token: str) -> str:
    """The SNS platform endpoint for a device token (SNS answers the same endpoint for the same token)."""
    arn = _application_arn(platform)
    if arn is None:
        raise PushUnavailable(platform)
    answer = aws.client("sns").create_platform_endpoint(PlatformApplicationArn=arn, Token=token)
    return str(answer["EndpointArn"])


def delete_endpoint(endpoint_arn: str) -> None:
    aws.client("sns").delete_endpoint(EndpointArn=endpoint_arn)


def send_push(endpoint_arn: str, title: str, text: str, report_id: str) -> str:
    """One notification to one device; the app opens the report from `report_id`."""
    data = {"report_id": report_id}
    message = {
        "default": text,
        "GCM": json.dumps({"notification": {"title": title, "body": text}, "data": data}, ensure_ascii=False),
        "APNS": json.dumps({"aps": {"alert": {"title": title, "body": text}}, **data}, ensure_ascii=False),
    }
    answer = aws.client("sns").publish(
        TargetArn=endpoint_arn, Message=json.dumps(message, ensure_ascii=False), MessageStructure="json"
    )
    return str(answer["MessageId"])


def send_sms(phone_e164: str, text: str) -> str:
    attributes: dict[str, Any] = {
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
    }
    sender_id = citizen_channel_settings().sms_sender_id
    if sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    answer = aws.client("sns").publish(PhoneNumber=phone_e164, Message=text, MessageAttributes=attributes)
    return str(answer["MessageId"])
