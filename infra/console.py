"""The web console in AWS (issue 13): static files in a private S3 bucket behind CloudFront (origin access control),
the API on the same domain under /v1/*, and the Cognito hosted UI (authorization code with PKCE) to sign in.

Same domain means no CORS at all for the console: the browser only ever talks to the distribution, which sends
`/v1/*` to API Gateway (nothing cached but what the API marks public, at most a second; the Authorization header
reaches the API) and everything else to the bucket. Nothing here is public but through CloudFront: the bucket
blocks public access and its policy admits only this distribution's signed requests.
"""

from __future__ import annotations

from typing import Any

from infra.stack import sub
from infra.storage import private_bucket

CONSOLE_BUCKET = "ConsoleBucket"
CONSOLE_BUCKET_POLICY = "ConsoleBucketPolicy"
CONSOLE_OAC = "ConsoleOriginAccessControl"
CONSOLE_DISTRIBUTION = "ConsoleDistribution"
CONSOLE_API_CACHE = "ConsoleApiCachePolicy"
CONSOLE_CLIENT = "ConsoleUserPoolClient"
USER_POOL_DOMAIN = "UserPoolDomain"

# AWS managed policies (ids are fixed by AWS).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"


def console_origin() -> dict[str, Any]:
    return sub(f"https://${{{CONSOLE_DISTRIBUTION}.DomainName}}")


def _bucket(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": private_bucket(sub(f"fieldreport-{stage}-console-${{AWS::AccountId}}")),
    }


def _bucket_policy() -> dict[str, Any]:
    objects = sub(f"${{{CONSOLE_BUCKET}.Arn}}/*")
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": CONSOLE_BUCKET},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "CloudFrontReadsThroughOriginAccessControl",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": objects,
                        "Condition": {
                            "StringEquals": {
                                "AWS:SourceArn": sub(
                                    f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{CONSOLE_DISTRIBUTION}}}"
                                )
                            }
                        },
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                        "Resource": [{"Fn::GetAtt": [CONSOLE_BUCKET, "Arn"]}, objects],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _api_cache_policy(stage: str) -> dict[str, Any]:
    """The API through CloudFront: Authorization in the key (so it reaches the API), at most a second cached."""
    return {
        "Type": "AWS::CloudFront::CachePolicy",
        "Properties": {
            "CachePolicyConfig": {
                "Name": f"fieldreport-{stage}-console-api",
                "Comment": "API behind the console's distribution: nearly no caching, token forwarded",
                "DefaultTTL": 0,
                "MinTTL": 0,
                "MaxTTL": 1,
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": True,
                    "EnableAcceptEncodingBrotli": True,
                    "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]},
                    "QueryStringsConfig": {"QueryStringBehavior": "all"},
                    "CookiesConfig": {"CookieBehavior": "none"},
                },
            }
        },
    }


def _distribution(stage: str, api: str | None, api_stage: str | None) -> dict[str, Any]:
    origins: list[dict[str, Any]] = [
        {
            "Id": "console",
            "DomainName": {"Fn::GetAtt": [CONSOLE_BUCKET, "RegionalDomainName"]},
            "S3OriginConfig": {"OriginAccessIdentity": ""},
            "OriginAccessControlId": {"Fn::GetAtt": [CONSOLE_OAC, "Id"]},
        }
    ]
    behaviors: list[dict[str, Any]] = []
    if api and api_stage:
        origins.append(
            {
                "Id": "api",
                "DomainName": sub(f"${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"),
                "OriginPath": f"/{api_stage}",
                "CustomOriginConfig": {
                    "OriginProtocolPolicy": "https-only",
                    "OriginSSLProtocols": ["TLSv1.2"],
                },
            }
        )
        behaviors.append(
            {
                "PathPattern": "/v1/*",
                "TargetOriginId": "api",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachedMethods": ["GET", "HEAD"],
                "CachePolicyId": {"Ref": CONSOLE_API_CACHE},
                "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
                "Compress": True,
            }
        )
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Comment": f"fieldreport-{stage}: web console and API",
                "Enabled": True,
                "HttpVersion": "http2and3",
                "PriceClass": "PriceClass_200",
                "DefaultRootObject": "index.html",
                "Origins": origins,
                "DefaultCacheBehavior": {
                    "TargetOriginId": "console",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "ResponseHeadersPolicyId": SECURITY_HEADERS,
                    "Compress": True,
                },
                "CacheBehaviors": behaviors,
            }
        },
    }


def _console_client(stage: str, user_pool: str) -> dict[str, Any]:
    """The console's own app client: the hosted UI's authorization code flow with PKCE (no secret: a browser
    cannot keep one), redirecting only to the console's address (AppBaseUrl: where e-mails link, the
    distribution's domain or a custom domain pointing at it)."""
    return {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {
            "ClientName": f"fieldreport-{stage}-console",
            "UserPoolId": {"Ref": user_pool},
            "GenerateSecret": False,
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "profile"],
            "SupportedIdentityProviders": ["COGNITO"],
            # AppBaseUrl, not the distribution's domain: the API's functions know this client (audience), and
            # the distribution knows the API, so naming the distribution here would be a dependency cycle.
            "CallbackURLs": [sub("${AppBaseUrl}/")],
            "LogoutURLs": [sub("${AppBaseUrl}/")],
            "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
            "IdTokenValidity": 60,
            "AccessTokenValidity": 60,
            "RefreshTokenValidity": 1,
            "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
            "ReadAttributes": ["email", "email_verified", "name", "phone_number", "custom:unit_code"],
            "WriteAttributes": [],
        },
    }


def console_resources(stage: str, user_pool: str, api: str | None, api_stage: str | None) -> dict[str, Any]:
    return {
        CONSOLE_BUCKET: _bucket(stage),
        CONSOLE_BUCKET_POLICY: _bucket_policy(),
        CONSOLE_OAC: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": f"fieldreport-{stage}-console",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        CONSOLE_API_CACHE: _api_cache_policy(stage),
        CONSOLE_DISTRIBUTION: _distribution(stage, api, api_stage),
        USER_POOL_DOMAIN: {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {
                "Domain": sub(f"fieldreport-{stage}-${{AWS::AccountId}}"),
                "UserPoolId": {"Ref": user_pool},
            },
        },
        CONSOLE_CLIENT: _console_client(stage, user_pool),
    }


def console_environment(app_client: str) -> dict[str, Any]:
    """The API accepts ID tokens of both app clients (mobile app, console)."""
    return {"JWT_AUDIENCE": {"Fn::Join": [",", [{"Ref": app_client}, {"Ref": CONSOLE_CLIENT}]]}}


def console_outputs() -> dict[str, Any]:
    """What the deployment writes to the console bucket as /config.json (docs/deploy.md)."""
    config = (
        '{"auth":"cognito","api_base":"",'
        '"tile_url":"https://tile.openstreetmap.org/{z}/{x}/{y}.png","tile_attribution":"© OpenStreetMap",'
        f'"cognito_domain":"https://${{{USER_POOL_DOMAIN}}}.auth.${{AWS::Region}}.amazoncognito.com",'
        f'"client_id":"${{{CONSOLE_CLIENT}}}","redirect_uri":"${{AppBaseUrl}}/"}}'
    )
    return {
        "ConsoleUrl": {"Value": console_origin()},
        "ConsoleBucketName": {"Value": {"Ref": CONSOLE_BUCKET}},
        "ConsoleDistributionId": {"Value": {"Ref": CONSOLE_DISTRIBUTION}},
        "ConsoleUserPoolClientId": {"Value": {"Ref": CONSOLE_CLIENT}},
        "ConsoleConfigJson": {"Value": sub(config)},
    }
