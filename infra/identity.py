"""Who the users are: the Cognito user pool (sign-in by e-mail; name, phone and the unit an officer acts for),
the apps' client, a group per role of chalicelib/api/auth.py, and the pool's two triggers with their roles:

- after a confirmed sign-up, whoever signed up by themselves is put into `citizen`
  (infra/functions/signup_trigger.py); officers, the IOC and technical staff are created by an administrator
  and put into their groups by hand (docs/deploy.md);
- before a token is issued, staff groups are left out of the token of anyone who has not set up an
  authenticator app (issue 12; MFA stays optional for citizens: a roleless token still lets staff sign in to
  set it up).

Each trigger's permission on the pool is a policy of its own: the pool refers to the function, so the
function's role cannot refer to the pool without a cycle.
"""

from __future__ import annotations

from typing import Any

from infra.functions import inline_code, inline_function
from infra.iam import allow, lambda_role, policy, role_id, write_logs
from infra.stack import APP_NAME, att, log_group, prefix, ref, retained

USER_POOL = "UserPool"
USER_POOL_CLIENT = "UserPoolClient"
SIGNUP_FUNCTION = "CitizenSignup"
STAFF_MFA_FUNCTION = "StaffMfaGate"
# The pool's triggers: function -> the pool's LambdaConfig key that calls it.
TRIGGERS = {SIGNUP_FUNCTION: "PostConfirmation", STAFF_MFA_FUNCTION: "PreTokenGeneration"}
STAFF_GROUPS = ("officer", "ioc", "tech")

GROUP_DESCRIPTIONS = {
    "citizen": "Người dân gửi và theo dõi phản ánh",
    "officer": "Cán bộ đơn vị tiếp nhận và xử lý phản ánh",
    "ioc": "Trung tâm Điều hành thông minh (IOC) của tỉnh",
    "tech": "Kỹ thuật vận hành hệ thống",
}

STAFF_MFA_CODE = """\
import boto3

cognito = boto3.client("cognito-idp")
STAFF = {"officer", "ioc", "tech"}


def handler(event, context):
    groups = (event["request"].get("groupConfiguration") or {}).get("groupsToOverride") or []
    if STAFF & set(groups):
        user = cognito.admin_get_user(UserPoolId=event["userPoolId"], Username=event["userName"])
        if not user.get("UserMFASettingList"):
            kept = [g for g in groups if g not in STAFF]
            event["response"]["claimsOverrideDetails"] = {"groupOverrideDetails": {"groupsToOverride": kept}}
    return event
"""


def signup_function_name(stage: str) -> str:
    return f"{prefix(stage)}-citizen_signup"


def staff_mfa_name(stage: str) -> str:
    return f"{prefix(stage)}-staff_mfa_gate"


def cognito(stage: str) -> dict[str, Any]:
    """The user pool, its client for the apps and the groups."""
    return {USER_POOL: _user_pool(stage), USER_POOL_CLIENT: _user_pool_client(stage), **_groups()}


def _user_pool(stage: str) -> dict[str, Any]:
    return retained(
        "AWS::Cognito::UserPool",
        {
            "UserPoolName": prefix(stage),
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "AutoVerifiedAttributes": ["email"],
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
            "Schema": _attributes(),
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 10,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireUppercase": False,
                    "RequireSymbols": False,
                    "TemporaryPasswordValidityDays": 7,
                }
            },
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            "MfaConfiguration": "OPTIONAL",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "DeletionProtection": "ACTIVE",
            "VerificationMessageTemplate": {
                "DefaultEmailOption": "CONFIRM_WITH_CODE",
                "EmailSubject": "Mã xác nhận tài khoản Phản ánh hiện trường",
                "EmailMessage": "Mã xác nhận tài khoản của bạn là {####}.",
            },
            "LambdaConfig": {key: att(function) for function, key in TRIGGERS.items()},
            "UserPoolTags": {"app": APP_NAME, "stage": stage},
        },
    )


def _attributes() -> list[dict[str, Any]]:
    return [
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
        {"Name": "name", "AttributeDataType": "String", "Required": False, "Mutable": True},
        {"Name": "phone_number", "AttributeDataType": "String", "Required": False, "Mutable": True},
        # In tokens as "custom:unit_code": the unit an officer acts for (chalicelib/api/auth.py).
        {
            "Name": "unit_code",
            "AttributeDataType": "String",
            "Mutable": True,
            "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "32"},
        },
    ]


def _user_pool_client(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {
            "ClientName": f"{prefix(stage)}-app",
            "UserPoolId": ref(USER_POOL),
            "GenerateSecret": False,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
            "IdTokenValidity": 60,
            "AccessTokenValidity": 60,
            "RefreshTokenValidity": 30,
            "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
            "ReadAttributes": [
                "email",
                "email_verified",
                "name",
                "phone_number",
                "phone_number_verified",
                "custom:unit_code",
            ],
            # Not custom:unit_code: a user must not be able to move themselves into a unit.
            "WriteAttributes": ["email", "name", "phone_number"],
        },
    }


def _groups() -> dict[str, Any]:
    from chalicelib.api.auth import ROLES

    return {
        f"{role.capitalize()}Group": {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "GroupName": role,
                "Description": GROUP_DESCRIPTIONS[role],
                "Precedence": precedence,
                "UserPoolId": ref(USER_POOL),
            },
        }
        for precedence, role in enumerate(reversed(ROLES))
    }


def signup_trigger(stage: str) -> dict[str, Any]:
    """The post-confirmation trigger: whoever signs up by themselves joins `citizen`."""
    return _trigger(
        SIGNUP_FUNCTION,
        signup_function_name(stage),
        inline_code("signup_trigger"),
        timeout=10,
        policy_id=f"{SIGNUP_FUNCTION}GroupPolicy",
        policy_name="add-citizen-to-group",
        may=allow("CitizenGroup", ["cognito-idp:AdminAddUserToGroup"], att(USER_POOL)),
    )


def staff_mfa_gate(stage: str) -> dict[str, Any]:
    """The pre-token-generation trigger: no staff group in a token without an authenticator app."""
    return _trigger(
        STAFF_MFA_FUNCTION,
        staff_mfa_name(stage),
        STAFF_MFA_CODE,
        timeout=5,
        policy_id=f"{STAFF_MFA_FUNCTION}PoolPolicy",
        policy_name="read-mfa-settings",
        may=allow("ReadUser", ["cognito-idp:AdminGetUser"], att(USER_POOL)),
    )


def _trigger(
    function: str,
    name: str,
    code: str,
    *,
    timeout: int,
    policy_id: str,
    policy_name: str,
    may: dict[str, Any],
) -> dict[str, Any]:
    """A trigger of the pool: the function, its log group, its role (logs only), the policy `policy_id` that
    lets it do what it does on the pool (`may`) and Cognito's permission to call it."""
    logs = f"{function}Logs"
    return {
        function: inline_function(name, role_id(function), code, timeout),
        logs: log_group(name),
        role_id(function): lambda_role("logs", [write_logs([logs])]),
        policy_id: {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": policy_name,
                "Roles": [ref(role_id(function))],
                "PolicyDocument": policy([may]),
            },
        },
        f"{function}Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": att(function),
                "Principal": "cognito-idp.amazonaws.com",
                "SourceArn": att(USER_POOL),
            },
        },
    }
