"""The Cognito post-confirmation trigger (infra/functions/signup_trigger.py), called with the events Cognito
sends, against Cognito emulated by moto: whoever confirms their own sign-up becomes a citizen, and nothing else
the trigger is called for changes anyone's groups."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import template as tpl

CITIZEN = "dan@example.vn"


@pytest.fixture
def cognito(monkeypatch) -> Iterator[Any]:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("cognito-idp")


@pytest.fixture
def pool(cognito) -> str:
    pool_id: str = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
    for role in ("citizen", "officer", "ioc", "tech"):
        cognito.create_group(UserPoolId=pool_id, GroupName=role)
    cognito.admin_create_user(UserPoolId=pool_id, Username=CITIZEN)
    return pool_id


@pytest.fixture
def trigger(cognito) -> ModuleType:
    """The module as Lambda loads it: its client is made at import, here inside moto."""
    from infra.functions import signup_trigger

    return importlib.reload(signup_trigger)


def _event(pool: str, source: str) -> dict[str, Any]:
    """A post-confirmation event as Cognito sends it (the fields the trigger reads, and a few it does not)."""
    return {
        "version": "1",
        "region": "ap-southeast-1",
        "userPoolId": pool,
        "userName": CITIZEN,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client"},
        "triggerSource": source,
        "request": {"userAttributes": {"sub": "5a4c", "email": CITIZEN, "email_verified": "true"}},
        "response": {},
    }


def _groups(cognito: Any, pool: str) -> list[str]:
    listed = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=CITIZEN)["Groups"]
    return [g["GroupName"] for g in listed]


def test_whoever_confirms_their_own_sign_up_becomes_a_citizen(cognito, pool, trigger):
    event = _event(pool, "PostConfirmation_ConfirmSignUp")
    # Cognito expects the event back, unchanged: a post-confirmation trigger has nothing to answer.
    assert trigger.handler(event, None) == _event(pool, "PostConfirmation_ConfirmSignUp")
    assert _groups(cognito, pool) == ["citizen"]


def test_confirming_a_new_password_changes_no_group(cognito, pool, trigger):
    event = _event(pool, "PostConfirmation_ConfirmForgotPassword")
    assert trigger.handler(event, None) == _event(pool, "PostConfirmation_ConfirmForgotPassword")
    assert _groups(cognito, pool) == []


def test_an_event_without_a_trigger_source_changes_no_group(cognito, pool, trigger):
    event = _event(pool, "")
    del event["triggerSource"]
    assert trigger.handler(event, None) is event
    assert _groups(cognito, pool) == []


@pytest.mark.parametrize("stage", tpl.STAGES)
def test_the_template_deploys_this_file_as_it_is(stage):
    from infra.functions import inline_code

    function = tpl.merge_template(stage, tpl.chalice_template(stage))["Resources"][tpl.SIGNUP_FUNCTION]
    assert function["Properties"]["Code"] == {"ZipFile": inline_code("signup_trigger")}
    assert function["Properties"]["Handler"] == "index.handler"  # ZipFile code is written to index.py
