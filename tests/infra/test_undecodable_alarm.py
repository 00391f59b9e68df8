"""Issue 12: a stored report that the lists skip as undecodable raises an alarm, on the metric the store
publishes (namespace FieldReport, dimension service=fieldreport, as Powertools writes it)."""

from __future__ import annotations

import json

from infra import alarms


def test_an_undecodable_report_raises_the_alarm_on_the_metric_the_store_publishes(capsys):
    from chalicelib.store.reports import undecodable_report

    alarm = alarms.resources("dev", {}, None)["UndecodableReportsAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("FieldReport", "UndecodableReports")
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": alarms.ALARM_TOPIC}]

    capsys.readouterr()
    undecodable_report("01M8JY6W045JNDR0AD4ZCRXWV3", "ValueError")
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    published = emf[0]["_aws"]["CloudWatchMetrics"][0]
    assert published["Namespace"] == alarm["Namespace"]
    assert [m["Name"] for m in published["Metrics"]] == [alarm["MetricName"]]
    assert {d["Name"]: emf[0][d["Name"]] for d in alarm["Dimensions"]} == {
        d["Name"]: d["Value"] for d in alarm["Dimensions"]
    }
