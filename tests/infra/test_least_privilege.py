"""Least privilege for functions and the edge (issue 12, point 6), read from the merged template of each stage:
one role per function with only what it calls, webhook secrets from SSM at use and never in an environment,
API access logs without personal data, a TLS-only media bucket, MFA for staff, a per-IP WAF rate rule.
`make lint` runs cfn-lint over the same templates, SAM-expanded."""

from __future__ import annotations

from typing import Any

import pytest

from infra import api, identity, storage
from infra import least_privilege as lp
from infra import template as tpl


@pytest.fixture(scope="module", params=tpl.STAGES)
def merged(request) -> dict[str, Any]:
    base, merge = tpl.build_merge(request.param)
    return tpl.deep_merge(merge, base)


def _functions(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return tpl.functions(merged)


def _policy(merged: dict[str, Any], logical_id: str) -> dict[str, Any]:
    role = merged["Resources"][logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = merged["Resources"][role]["Properties"]["Policies"]
    return policy["PolicyDocument"]


def _actions(doc: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for s in doc["Statement"]:
        out.update(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    return out


def _table_actions(doc: dict[str, Any]) -> dict[str, set[str]]:
    return {
        s["Resource"][0]["Fn::GetAtt"][0]: set(s["Action"])
        for s in doc["Statement"]
        if s["Sid"].endswith("TableAccess")
    }


def test_every_function_has_a_role_of_its_own_listed_by_what_it_calls(merged):
    functions = _functions(merged)
    auth = tpl.authorizers(merged)
    roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions.values()]
    assert len(set(roles)) == len(roles)  # no role shared
    handlers = {tpl.handler_name(fn) for lid, fn in functions.items() if lid not in auth}
    assert handlers <= set(lp.NEEDS), (
        f"list these handlers in infra/least_privilege.py NEEDS: {handlers - set(lp.NEEDS)}"
    )


def test_each_role_has_only_what_its_function_calls(merged):
    by_handler = {tpl.handler_name(fn): lid for lid, fn in _functions(merged).items()}
    api_handler = _policy(merged, by_handler["api"])
    stream = _policy(merged, by_handler["handle_report_stream"])
    sweep = _policy(merged, by_handler["deadline_sweep"])
    digest = _policy(merged, by_handler["daily_digest"])
    media = _policy(merged, by_handler["media_uploaded"])
    # Only the API deletes (a test report, idempotency records); nobody else may delete or batch-write.
    for lid in by_handler.values():
        if lid == by_handler["api"] or lid in tpl.authorizers(merged):
            continue
        actions = _actions(_policy(merged, lid))
        assert not actions & {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}, lid
        # the upload handler deletes a refused upload (issue 16); nobody else but the API deletes media
        if lid != by_handler["media_uploaded"]:
            assert "s3:DeleteObject" not in actions, lid
        assert not actions & {"s3:DeleteObjectVersion", "s3:ListBucket"}, lid
    assert "dynamodb:DeleteItem" in _table_actions(api_handler)["ReportsTable"]
    # Only the stream reads the stream and writes to its dead-letter queue.
    assert "dynamodb:GetRecords" in _actions(stream) and "sqs:SendMessage" in _actions(stream)
    assert not _actions(api_handler) & {"dynamodb:GetRecords", "sqs:SendMessage"}
    # The digest only reads reports; the media handler touches only reports and reads photos; no e-mail.
    assert _table_actions(digest)["ReportsTable"] == set(lp.READ)
    assert set(_table_actions(media)) == {"ReportsTable"}
    assert not any(a.startswith("ses:") for a in _actions(media))
    # The sweep cannot reach statistics or idempotency records.
    assert set(_table_actions(sweep)) == {"ReportsTable", "LedgerTable"}


def test_the_authorizer_still_has_no_data_access(merged):
    for lid in tpl.authorizers(merged):
        actions = _actions(_policy(merged, lid))
        assert actions <= {"logs:CreateLogStream", "logs:PutLogEvents", *tpl.STAR_RESOURCE_ACTIONS}


def test_webhook_secrets_are_read_from_ssm_by_the_signing_functions_only(merged):
    signing = {h for h, need in lp.NEEDS.items() if "secrets" in need["caps"]}
    assert signing == {"api", "handle_report_stream", "reconcile"}
    for lid, fn in _functions(merged).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert not any("resolve:secretsmanager" in str(v) or "resolve:ssm" in str(v) for v in env.values()), (
            lid
        )
        assert not any(name.startswith("WEBHOOK_SECRET") for name in env), lid
        reads = any(s["Sid"] == "WebhookSecrets" for s in _policy(merged, lid)["Statement"])
        assert reads == (tpl.handler_name(fn) in signing), lid
        assert ("SECRETS_PARAMETER_PATH" in env) == reads, lid
        if reads:
            (statement,) = [s for s in _policy(merged, lid)["Statement"] if s["Sid"] == "WebhookSecrets"]
            assert statement["Action"] == ["ssm:GetParameter"]
            assert statement["Resource"]["Fn::Sub"].endswith(f":parameter{env['SECRETS_PARAMETER_PATH']}*")


def test_api_access_logs_carry_no_personal_data(merged):
    setting = merged["Resources"][tpl.API]["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": [api.ACCESS_LOGS, "Arn"]}
    assert merged["Resources"][api.ACCESS_LOGS]["Type"] == "AWS::Logs::LogGroup"
    fmt = setting["Format"]
    assert "$context.requestId" in fmt and "$context.status" in fmt and "$context.resourcePath" in fmt
    for personal in (
        "identity",
        "$context.path",
        "authorizer",
        "claims",
        "userAgent",
        "sourceIp",
        "querystring",
    ):
        assert personal not in fmt, personal
    assert merged["Resources"]["ApiGatewayAccount"]["Type"] == "AWS::ApiGateway::Account"


def test_the_media_bucket_refuses_requests_without_tls(merged):
    policy = merged["Resources"][storage.BUCKET_POLICY]
    assert policy["Properties"]["Bucket"] == {"Ref": tpl.MEDIA_BUCKET}
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "s3:*")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    suffixes = [r["Fn::Sub"][0].rsplit("}", 1)[-1] for r in statement["Resource"]]
    assert suffixes == ["", "/*"]  # the bucket and every object


class _Cognito:
    def __init__(self, mfa: list[str]) -> None:
        self.mfa = mfa

    def admin_get_user(self, UserPoolId: str, Username: str) -> dict[str, Any]:
        return {"Username": Username, "UserMFASettingList": self.mfa} if self.mfa else {"Username": Username}


def _token_groups(groups: list[str], mfa: list[str]) -> list[str]:
    import boto3

    namespace: dict[str, Any] = {}
    real = boto3.client
    boto3.client = lambda *a, **k: None  # type: ignore[assignment]
    try:
        exec(identity.STAFF_MFA_CODE, namespace)  # noqa: S102 - the template's own inline code
    finally:
        boto3.client = real  # type: ignore[assignment]
    namespace["cognito"] = _Cognito(mfa)
    event = {
        "userPoolId": "pool",
        "userName": "u",
        "request": {"groupConfiguration": {"groupsToOverride": groups}},
        "response": {},
    }
    out = namespace["handler"](event, None)
    override = out["response"].get("claimsOverrideDetails", {}).get("groupOverrideDetails")
    return override["groupsToOverride"] if override else groups


@pytest.mark.parametrize("role", identity.STAFF_GROUPS)
def test_staff_get_their_role_only_with_an_authenticator_app(merged, role):
    pool = merged["Resources"][tpl.USER_POOL]["Properties"]
    # through the alias of a published version (SnapStart, issue 17)
    assert pool["LambdaConfig"]["PreTokenGeneration"] == {"Ref": f"{identity.STAFF_MFA_FUNCTION}Alias"}
    alias = merged["Resources"][f"{identity.STAFF_MFA_FUNCTION}Alias"]["Properties"]
    assert alias["FunctionName"] == {"Ref": identity.STAFF_MFA_FUNCTION}
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert _token_groups([role], mfa=[]) == []  # signs in (to set up MFA) but acts as nobody
    assert _token_groups([role], mfa=["SOFTWARE_TOKEN_MFA"]) == [role]
    assert _token_groups(["citizen"], mfa=[]) == ["citizen"]  # citizens are not asked for MFA


def test_a_waf_rate_rule_per_ip_guards_the_api(merged):
    acl = merged["Resources"][api.WAF]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    assert rule["Statement"]["RateBasedStatement"] == {
        "Limit": {"Ref": "WafRateLimit"},
        "AggregateKeyType": "IP",
    }
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert not rule["VisibilityConfig"]["SampledRequestsEnabled"]  # samples would keep IPs and headers
    association = merged["Resources"][f"{api.WAF}Association"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": [api.WAF, "Arn"]}
    stage = merged["Resources"][tpl.API]["Properties"]["StageName"]
    assert association["ResourceArn"]["Fn::Sub"].endswith(f"/restapis/${{{tpl.API}}}/stages/{stage}")
    assert merged["Parameters"]["WafRateLimit"]["Type"] == "Number"
