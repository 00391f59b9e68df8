"""The console's part of the deployable template (issue 13): a private bucket that only the distribution reads,
the API on the same domain, and the hosted UI's code-with-PKCE client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import template as tpl


@pytest.fixture(scope="module", params=tpl.STAGES)
def merged(request) -> dict[str, Any]:
    base, merge = tpl.build_merge(request.param)
    return tpl.deep_merge(merge, base)


def _one(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r.get("Type") == kind]


def test_the_console_bucket_is_private_and_read_only_by_the_distribution(merged):
    bucket = merged["Resources"]["ConsoleBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    policy = merged["Resources"]["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in policy if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in allows] == [{"Service": "cloudfront.amazonaws.com"}]
    assert allows[0]["Action"] == "s3:GetObject"
    assert "ConsoleDistribution" in json.dumps(allows[0]["Condition"])
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in policy)


def test_the_distribution_serves_the_console_through_origin_access_control_and_the_api_beside_it(merged):
    (oac,) = _one(merged, "AWS::CloudFront::OriginAccessControl")
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    config = merged["Resources"]["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins["console"]["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origins["console"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert "RestAPI" in json.dumps(origins["api"]["DomainName"])
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    assert "POST" in api["AllowedMethods"] and api["TargetOriginId"] == "api"
    policy = merged["Resources"]["ConsoleApiCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert policy["MaxTTL"] <= 1
    assert policy["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"] == ["Authorization"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_hosted_ui_client_uses_the_code_flow_without_a_secret_and_the_api_accepts_its_tokens(merged):
    client = merged["Resources"]["ConsoleUserPoolClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"] and client["GenerateSecret"] is False
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["WriteAttributes"] == []
    assert merged["Resources"]["UserPoolDomain"]["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    functions = tpl.functions(merged)
    assert functions
    for resource in functions.values():
        audience = resource["Properties"]["Environment"]["Variables"]["JWT_AUDIENCE"]
        assert {"Ref": "ConsoleUserPoolClient"} in audience["Fn::Join"][1]
    assert "ConsoleConfigJson" in merged["Outputs"]


def test_no_dev_route_is_deployed():
    import app

    assert not [path for path in app.app.routes if path.startswith("/dev")]
