"""The stack's parameters: what a province sets when it deploys (its sender address, the console's address,
the origins allowed to upload, who is told of alarms) and the limits it may change, grouped for
CloudFormation's console (docs/deploy.md explains each).
"""

from __future__ import annotations

from typing import Any

from infra import api, citizen_channels


def parameters() -> dict[str, Any]:
    """Every parameter, those of issue 15 (citizens' phones) and of the WAF included."""
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
        **api.PARAMETERS,
    }


def metadata() -> dict[str, Any]:
    """How CloudFormation's console groups the parameters, and where the rest of a province's settings are."""
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
