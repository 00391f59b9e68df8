"""One Settings object: the only place that reads the environment.

Nothing here runs at import time: `chalice package` imports app.py with no environment, and tests start moto
before the first AWS client is made. Call `settings()` where a value is needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    reports_table: str
    ledger_table: str
    stats_table: str
    idempotency_table: str
    media_bucket: str
    sender: str
    # "cognito" in AWS; "dev" for the local development issuer (key in the local state folder).
    auth_mode: str
    jwt_issuer: str
    jwt_audience: str
    jwks_url: str | None
    dev_jwks_file: str | None
    daily_report_quota: int
    app_base_url: str
    # X-Ray tracing: on in Lambda unless POWERTOOLS_TRACE_DISABLED says otherwise; off everywhere else.
    tracing: bool


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def secret(name: str) -> str | None:
    """A named secret, e.g. a unit's webhook signing key (units.json names the variable, never the value).

    Read at the moment of use, not cached, so a rotated secret is picked up by the next delivery.
    None when unset or empty. (issue 4)

    Deployed, the value is never in the environment (issue 12): the function that signs reads the SecureString
    parameter `<SECRETS_PARAMETER_PATH><name>` from SSM Parameter Store. The local stack and tests may still
    set the variable itself.
    """
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get("SECRETS_PARAMETER_PATH")
    if not path:
        return None
    from chalicelib.aws import client

    ssm = client("ssm")
    try:
        found = ssm.get_parameter(Name=f"{path}{name}", WithDecryption=True)
    except ssm.exceptions.ParameterNotFound:
        return None
    return str(found["Parameter"].get("Value") or "") or None


@cache
def settings() -> Settings:
    stage = _env("STAGE", "dev")
    prefix = _env("RESOURCE_PREFIX", f"fieldreport-{stage}")
    region = _env("AWS_REGION", _env("AWS_DEFAULT_REGION", "ap-southeast-1"))
    pool = os.environ.get("COGNITO_USER_POOL_ID")
    issuer = _env(
        "JWT_ISSUER",
        f"https://cognito-idp.{region}.amazonaws.com/{pool}" if pool else "http://127.0.0.1:8000/dev-issuer",
    )
    return Settings(
        stage=stage,
        region=region,
        reports_table=_env("REPORTS_TABLE", f"{prefix}-reports"),
        ledger_table=_env("LEDGER_TABLE", f"{prefix}-ledger"),
        stats_table=_env("STATS_TABLE", f"{prefix}-stats"),
        idempotency_table=_env("IDEMPOTENCY_TABLE", f"{prefix}-idempotency"),
        media_bucket=_env("MEDIA_BUCKET", f"{prefix}-media"),
        sender=_env("SENDER_EMAIL", "phananh@dienbien.example.vn"),
        auth_mode=_env("AUTH_MODE", "cognito" if pool else "dev"),
        jwt_issuer=issuer,
        jwt_audience=_env("JWT_AUDIENCE", _env("COGNITO_CLIENT_ID", "fieldreport-dev")),
        jwks_url=os.environ.get("JWKS_URL") or (f"{issuer}/.well-known/jwks.json" if pool else None),
        dev_jwks_file=os.environ.get("DEV_JWKS_FILE"),
        daily_report_quota=int(_env("DAILY_REPORT_QUOTA", "20")),
        app_base_url=_env("APP_BASE_URL", "http://127.0.0.1:8000"),
        tracing=bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
        and os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in ("1", "true"),
    )


@dataclass(frozen=True)
class CitizenChannelSettings:
    """SMS and push to citizens (issue 15): the SNS platform applications and the SMS sender id."""

    platform_apps: dict[str, str]
    sms_sender_id: str | None


@cache
def citizen_channel_settings() -> CitizenChannelSettings:
    apps = {
        "fcm": os.environ.get("FCM_PLATFORM_APP_ARN", ""),
        "apns": os.environ.get("APNS_PLATFORM_APP_ARN", ""),
    }
    return CitizenChannelSettings(
        platform_apps={k: v for k, v in apps.items() if v},
        sms_sender_id=os.environ.get("SMS_SENDER_ID") or None,
    )
