"""The alarms, all e-mailed to `AlarmEmail` through one SNS topic: errors and throttles of every function, stream
records waiting in the dead-letter queue, the deadline sweep's overdue reports, stored reports that cannot be
decoded, and server errors of the API.
"""

from __future__ import annotations

from typing import Any

from infra.stack import APP_NAME, att, prefix, ref
from infra.storage import DEAD_LETTER_QUEUE

ALARM_TOPIC = "AlarmTopic"
FIVE_MINUTES = 300


def resources(stage: str, function_names: dict[str, str], api_stage: str | None) -> dict[str, Any]:
    """The topic and every alarm; `function_names` maps each function's logical id to its name, `api_stage` is
    the API's stage (None: no API, no alarm on it)."""
    p = prefix(stage)
    out = {ALARM_TOPIC: _topic(p), **_data_alarms(p), **_function_alarms(function_names)}
    if api_stage is not None:
        out["Api5xxAlarm"] = _alarm(
            f"{p}-api-5xx",
            "The API answered with a server error.",
            _metric(
                "AWS/ApiGateway",
                "5XXError",
                [{"Name": "ApiName", "Value": p}, {"Name": "Stage", "Value": api_stage}],
                "Sum",
            ),
        )
    return out


def _topic(p: str) -> dict[str, Any]:
    return {
        "Type": "AWS::SNS::Topic",
        "Properties": {
            "TopicName": f"{p}-alarms",
            "Subscription": [{"Protocol": "email", "Endpoint": ref("AlarmEmail")}],
        },
    }


def _data_alarms(p: str) -> dict[str, Any]:
    # Powertools Metrics adds the service as a dimension (app.py: Metrics(service="fieldreport")).
    service = [{"Name": "service", "Value": APP_NAME}]
    queue = [{"Name": "QueueName", "Value": att(DEAD_LETTER_QUEUE, "QueueName")}]
    return {
        "DeadLetterQueueAlarm": _alarm(
            f"{p}-stream-dlq",
            "Stream records that failed every retry are waiting in the dead-letter queue (docs/deploy.md).",
            _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, "Maximum"),
        ),
        "OverdueReportsAlarm": _alarm(
            f"{p}-overdue-reports",
            "The deadline sweep counts overdue reports (metric FieldReport/OverdueReports).",
            _metric("FieldReport", "OverdueReports", service, "Maximum"),
            threshold=ref("OverdueReportsThreshold"),
            period=3600,
        ),
        # issue 12: a stored report that cannot be decoded is skipped by every list; someone must repair it.
        "UndecodableReportsAlarm": _alarm(
            f"{p}-undecodable-reports",
            "A stored report could not be decoded and was skipped (metric FieldReport/UndecodableReports).",
            _metric("FieldReport", "UndecodableReports", service, "Sum"),
        ),
    }


def _function_alarms(function_names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for logical_id, name in function_names.items():
        for metric in ("Errors", "Throttles"):
            out[f"{logical_id}{metric}Alarm"] = _alarm(
                f"{name}-{metric.lower()}",
                f"{metric} of the function {name}",
                _metric("AWS/Lambda", metric, [{"Name": "FunctionName", "Value": ref(logical_id)}], "Sum"),
            )
    return out


def _metric(namespace: str, name: str, dimensions: list[dict[str, Any]], statistic: str) -> dict[str, Any]:
    return {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions, "Statistic": statistic}


def _alarm(
    name: str, description: str, metric: dict[str, Any], threshold: Any = 0, period: int = FIVE_MINUTES
) -> dict[str, Any]:
    """Fires when the metric, over one period, is above the threshold; tells the topic again when it is not."""
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
            "AlarmActions": [ref(ALARM_TOPIC)],
            "OKActions": [ref(ALARM_TOPIC)],
        },
    }
