"""The deployable template (infra/merge.py merged into Chalice's): what production relies on.

Built with Chalice's packager without the deployment zip (tests/infra/test_package.py shows that the full
`make package` writes the very same template). Every check iterates over what is there, so new functions
(schedules, handlers) are held to the same rules without being named here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra import template as tpl
from infra.gateway import GATEWAY_RESPONSES

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


@pytest.fixture(scope="module")
def built() -> dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """stage -> (Chalice's own template, the merge, the merged template)."""
    out = {}
    for stage in tpl.STAGES:
        base, merge = tpl.build_merge(stage)
        out[stage] = (base, merge, tpl.deep_merge(merge, base))
    return out


@pytest.fixture(scope="module", params=tpl.STAGES)
def merged(request, built) -> dict[str, Any]:
    return built[request.param][2]


def _of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") in types}


POLICY_HOLDERS = (
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
)


def _policy_documents(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every policy document in the template: roles' inline policies and policy resources of any kind."""
    docs = []
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::IAM::Role":
            docs += [(name, p["PolicyDocument"]) for p in props.get("Policies", [])]
        elif resource.get("Type") in POLICY_HOLDERS:
            docs.append((name, props["PolicyDocument"]))
    return docs


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- functions


def test_every_function_runs_on_python_3_13(merged):
    lambdas = _of_type(merged, *LAMBDA_TYPES)
    assert {"APIHandler", "JwtAuth", tpl.STREAM_FUNCTION, "MediaUploaded"} <= set(lambdas)
    assert {k: v["Properties"]["Runtime"] for k, v in lambdas.items()} == dict.fromkeys(lambdas, "python3.13")


def test_every_function_has_a_unique_name_its_own_log_group_and_a_role_of_the_stack(merged):
    resources = merged["Resources"]
    names = {}
    for logical_id, fn in _of_type(merged, *LAMBDA_TYPES).items():
        props = fn["Properties"]
        names[logical_id] = props["FunctionName"]
        assert len(props["FunctionName"]) <= 64
        logs = resources[f"{logical_id}Logs"]
        assert logs["Type"] == "AWS::Logs::LogGroup"
        assert logs["Properties"]["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
        # Not the placeholder ARN of .chalice/config.json: a role this template creates.
        role = props["Role"]["Fn::GetAtt"][0]
        assert resources[role]["Type"] == "AWS::IAM::Role"
    assert len(set(names.values())) == len(names)


def test_the_authorizer_has_no_access_to_data(built):
    base, _, merged = built["prod"]
    assert tpl.authorizers(base) == {"JwtAuth"}
    role = merged["Resources"]["JwtAuth"]["Properties"]["Role"]["Fn::GetAtt"][0]
    actions = {
        a
        for _, doc in _policy_documents({"Resources": {role: merged["Resources"][role]}})
        for s in doc["Statement"]
        for a in _as_list(s["Action"])
    }
    assert actions and all(a.startswith(("logs:", "xray:")) for a in actions)


def test_every_function_is_configured_for_this_stacks_resources(merged):
    stage = merged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["STAGE"]
    for logical_id, fn in _of_type(merged, "AWS::Serverless::Function").items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["STAGE"] == stage
        assert env["AUTH_MODE"] == "cognito", logical_id
        assert env["COGNITO_USER_POOL_ID"] == {"Ref": tpl.USER_POOL}
        assert env["COGNITO_CLIENT_ID"] == {"Ref": tpl.USER_POOL_CLIENT}
        assert env["SENDER_EMAIL"] == {"Ref": "SenderEmail"}
        assert env["APP_BASE_URL"] == {"Ref": "AppBaseUrl"}
        assert env["MEDIA_BUCKET"] == merged["Resources"][tpl.MEDIA_BUCKET]["Properties"]["BucketName"]
        for variable, table in (
            ("REPORTS_TABLE", "ReportsTable"),
            ("LEDGER_TABLE", "LedgerTable"),
            ("STATS_TABLE", "StatsTable"),
            ("IDEMPOTENCY_TABLE", "IdempotencyTable"),
        ):
            assert env[variable] == {"Ref": table}
        assert fn["Properties"]["Tracing"] == "Active"


def test_every_variable_the_template_sets_is_one_the_code_reads(merged):
    """A misspelt name would leave the app on its local default (another stage's table, the dev issuer)."""
    sources = "".join(
        p.read_text(encoding="utf-8") for p in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    )
    units = (ROOT / "chalicelib" / "data" / "units.json").read_text(encoding="utf-8")
    for fn in _of_type(merged, "AWS::Serverless::Function").values():
        for name in fn["Properties"]["Environment"]["Variables"]:
            # POWERTOOLS_* are read by Powertools itself; webhook secrets by the names units.json gives.
            assert name.startswith("POWERTOOLS_") or f'"{name}"' in sources or f'"{name}"' in units, name


def test_schedules_and_event_handlers_come_from_chalice(built):
    base, _, merged = built["dev"]
    for logical_id, fn in _of_type(base, "AWS::Serverless::Function").items():
        assert merged["Resources"][logical_id]["Properties"].get("Events") == fn["Properties"].get(
            "Events"
        ) or (logical_id == tpl.STREAM_FUNCTION)
    schedules = [
        e
        for fn in _of_type(merged, "AWS::Serverless::Function").values()
        for e in fn["Properties"].get("Events", {}).values()
        if e["Type"] == "Schedule"
    ]
    assert schedules, "app.py has scheduled handlers (deadline sweep, digests)"


# ---------------------------------------------------------------- the stream


def test_the_stream_event_reports_partial_failures_and_parks_poison_records(merged):
    events = [
        (logical_id, event)
        for logical_id, fn in _of_type(merged, "AWS::Serverless::Function").items()
        for event in fn["Properties"].get("Events", {}).values()
        if event["Type"] == "DynamoDB"
    ]
    assert [logical_id for logical_id, _ in events] == [tpl.STREAM_FUNCTION]
    props = events[0][1]["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["ReportsTable", "StreamArn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"  # Chalice's, kept by the merge
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert 0 <= props["MaximumRetryAttempts"] <= 10
    assert 60 <= props["MaximumRecordAgeInSeconds"] <= 24 * 3600
    on_failure = props["DestinationConfig"]["OnFailure"]
    queue = merged["Resources"][on_failure["Destination"]["Fn::GetAtt"][0]]
    assert on_failure["Type"] == "SQS" and queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_the_merge_targets_only_names_chalice_generated(built):
    """Every function and event the merge changes by name exists in Chalice's own template: Chalice derives
    these names from app.py's handler names, and renaming a handler must fail here, not in production."""
    for base, merge, _ in built.values():
        for logical_id, resource in merge["Resources"].items():
            if "Type" in resource:
                continue
            assert logical_id in base["Resources"], logical_id
            for event in resource["Properties"].get("Events", {}):
                assert event in base["Resources"][logical_id]["Properties"]["Events"], (logical_id, event)
        assert tpl.check_merge_targets(merge, base) == []


def test_a_renamed_stream_handler_is_caught(built):
    base = copy.deepcopy(built["dev"][0])
    resources = base["Resources"]
    fn = resources.pop(tpl.STREAM_FUNCTION)
    fn["Properties"]["Events"] = {
        "HandleReportChangesDynamodbEventSource": fn["Properties"]["Events"].popitem()[1]
    }
    resources["HandleReportChanges"] = fn
    problems = tpl.check_merge_targets(tpl.merge_template("dev", base), base)
    assert problems and tpl.STREAM_FUNCTION in problems[0]

    base = copy.deepcopy(built["dev"][0])
    events = base["Resources"][tpl.STREAM_FUNCTION]["Properties"]["Events"]
    events["SomethingElse"] = events.pop(tpl.STREAM_EVENT)
    problems = tpl.check_merge_targets(tpl.merge_template("dev", base), base)
    assert problems and tpl.STREAM_EVENT in problems[0]


# ---------------------------------------------------------------- data


def test_every_table_has_point_in_time_recovery_deletion_protection_and_encryption(merged):
    tables = _of_type(merged, "AWS::DynamoDB::Table")
    assert set(tables) == {"ReportsTable", "LedgerTable", "StatsTable", "IdempotencyTable"}
    for logical_id, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical_id
        assert props["DeletionProtectionEnabled"] is True, logical_id
        assert props["SSESpecification"]["SSEEnabled"] is True, logical_id
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", logical_id
        assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert tables["ReportsTable"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    }


def test_the_media_bucket_is_private_encrypted_and_takes_uploads_from_the_apps(merged):
    buckets = _of_type(merged, "AWS::S3::Bucket")
    # The console's own bucket is checked in tests/infra/test_console_infra.py.
    assert set(buckets) == {tpl.MEDIA_BUCKET, "ConsoleBucket"}
    bucket = buckets[tpl.MEDIA_BUCKET]
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["DeletionPolicy"] == "Retain"
    rule = props["CorsConfiguration"]["CorsRules"][0]
    assert "POST" in rule["AllowedMethods"] and rule["AllowedOrigins"] == {"Ref": "AllowedOrigins"}
    assert any("AbortIncompleteMultipartUpload" in r for r in props["LifecycleConfiguration"]["Rules"])


def test_uploads_notify_the_media_handler_from_the_stacks_own_bucket(merged):
    events = merged["Resources"]["MediaUploaded"]["Properties"]["Events"]
    [(_, event)] = events.items()
    assert event["Type"] == "S3"
    assert event["Properties"]["Bucket"] == {"Ref": tpl.MEDIA_BUCKET}
    assert event["Properties"]["Events"] == ["s3:ObjectCreated:*"]
    assert event["Properties"]["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "reports/"}]}}


def test_the_sender_identity_is_the_sender_parameter(merged):
    [identity] = _of_type(merged, "AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == {"Ref": "SenderEmail"}
    assert {"SenderEmail", "AppBaseUrl", "AllowedOrigins", "AlarmEmail"} <= set(merged["Parameters"])


# ---------------------------------------------------------------- IAM


def test_no_policy_statement_allows_a_wildcard_action_or_an_unscoped_resource(merged):
    docs = _policy_documents(merged)
    assert {name for name, _ in docs} >= {tpl.AUTHORIZER_ROLE, "APIHandlerRole", "HandleReportStreamRole"}
    for name, doc in docs:
        for statement in doc["Statement"]:
            assert "NotAction" not in statement and "NotResource" not in statement, name
            if statement["Effect"] == "Deny":  # a deny only takes away (the bucket's TLS-only rule)
                continue
            actions = _as_list(statement["Action"])
            assert actions and all("*" not in a for a in actions), (name, statement)
            resources = _as_list(statement["Resource"])
            assert resources, (name, statement)
            if "*" in resources:
                # Only where AWS offers no resource-level permission.
                assert set(actions) <= tpl.STAR_RESOURCE_ACTIONS, (name, statement)
    for role in _of_type(merged, "AWS::IAM::Role").values():
        assert not role["Properties"].get("ManagedPolicyArns")


def test_each_role_reaches_its_tables_with_their_indexes_and_together_every_table(merged):
    reached = set()
    for name, doc in _policy_documents(merged):
        for statement in doc["Statement"]:
            if not statement["Sid"].endswith("TableAccess") and statement["Sid"] != "Tables":
                continue
            table = statement["Resource"][0]["Fn::GetAtt"][0]
            assert statement["Resource"] == [
                {"Fn::GetAtt": [table, "Arn"]},
                {"Fn::Sub": f"${{{table}.Arn}}/index/*"},
            ], name
            reached.add(table)
    assert reached == set(_of_type(merged, "AWS::DynamoDB::Table"))


# ---------------------------------------------------------------- users


def test_the_user_pool_has_the_apps_groups_and_the_unit_attribute(merged):
    from chalicelib.api.auth import ROLES

    groups = {g["Properties"]["GroupName"] for g in _of_type(merged, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(ROLES)
    pool = merged["Resources"][tpl.USER_POOL]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    schema = {a["Name"]: a for a in pool["Schema"]}
    assert {"email", "name", "phone_number", "unit_code"} <= set(schema)
    client = merged["Resources"][tpl.USER_POOL_CLIENT]["Properties"]
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert "custom:unit_code" in client["ReadAttributes"]
    assert "custom:unit_code" not in client["WriteAttributes"]  # nobody moves themselves into a unit


def test_every_inline_function_fits_in_what_cloudformation_takes(merged):
    """`ZipFile` code is at most 4096 characters; the sign-up trigger's own tests are in test_signup_trigger.py."""
    inline = {
        logical_id: fn["Properties"]["Code"]["ZipFile"]
        for logical_id, fn in _of_type(merged, "AWS::Lambda::Function").items()
        if "ZipFile" in fn["Properties"]["Code"]
    }
    assert tpl.SIGNUP_FUNCTION in inline
    for logical_id, code in inline.items():
        assert 0 < len(code) <= 4096, logical_id
        assert merged["Resources"][logical_id]["Properties"]["Handler"] == "index.handler", logical_id


# ---------------------------------------------------------------- API and alarms


def test_the_api_is_regional_throttled_and_answers_in_the_apis_error_shape(merged):
    api = merged["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == {"Type": "REGIONAL"}
    [settings] = api["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    responses = api["GatewayResponses"]
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for kind, response in responses.items():
        text = response["ResponseTemplates"]["application/json"]
        assert "$" not in text and "#" not in text  # mapping templates are Velocity: no references
        error = json.loads(text)["error"]
        status, code, message = GATEWAY_RESPONSES[kind]
        assert error == {"code": code, "message": message, "details": []}
        assert response.get("StatusCode") == (None if kind.startswith("DEFAULT_") else str(status))
    assert responses["UNAUTHORIZED"]["StatusCode"] == "401"


def test_every_function_has_error_and_throttle_alarms_and_the_queue_and_overdue_reports_too(merged):
    import app as app_module

    alarms = _of_type(merged, "AWS::CloudWatch::Alarm")
    topic = merged["Resources"][tpl.ALARM_TOPIC]
    assert topic["Properties"]["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]
    watched = {
        (a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"]["Ref"])
        for a in alarms.values()
        if a["Properties"]["Namespace"] == "AWS/Lambda"
    }
    for logical_id in _of_type(merged, *LAMBDA_TYPES):
        assert {("Errors", logical_id), ("Throttles", logical_id)} <= watched
    by_metric = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]): a for a in alarms.values()}
    dlq = by_metric[("AWS/SQS", "ApproximateNumberOfMessagesVisible")]["Properties"]
    assert dlq["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [tpl.DEAD_LETTER_QUEUE, "QueueName"]}}
    ]
    assert dlq["Threshold"] == 0 and dlq["ComparisonOperator"] == "GreaterThanThreshold"
    overdue = by_metric[("FieldReport", "OverdueReports")]["Properties"]
    # Powertools publishes with the service as its one default dimension: the alarm must name the same one.
    assert overdue["Dimensions"] == [{"Name": "service", "Value": app_module.metrics.service}]
    assert app_module.metrics.namespace == "FieldReport"
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": tpl.ALARM_TOPIC}]


def test_a_units_webhook_secret_is_never_resolved_into_an_environment(merged):
    """units.json names the secret; the signing function reads it from SSM at use (tests/infra/
    test_least_privilege.py), so no deployment ever copies it into a function's configuration."""
    names = set(tpl.webhook_secrets("prod"))
    for fn in _of_type(merged, "AWS::Serverless::Function").values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert not names & set(env)
        assert "resolve:secretsmanager" not in json.dumps(env)


def test_the_app_role_covers_every_aws_service_the_code_calls(merged):
    """A new `client("...")` in the code needs its statement in infra/least_privilege.py, or it fails only in AWS."""
    import re

    sources = "".join(
        p.read_text(encoding="utf-8") for p in [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")]
    )
    services = set(re.findall(r"""client\(\s*["']([a-z0-9-]+)["']""", sources))
    assert {"dynamodb", "s3", "sesv2", "ssm"} <= services
    iam_prefix = {"sesv2": "ses", "dynamodbstreams": "dynamodb"}
    allowed = {
        a.split(":")[0]
        for name, doc in _policy_documents(merged)
        if name.endswith("Role") and name != tpl.AUTHORIZER_ROLE
        for s in doc["Statement"]
        for a in _as_list(s["Action"])
    }
    assert {iam_prefix.get(s, s) for s in services} <= allowed
