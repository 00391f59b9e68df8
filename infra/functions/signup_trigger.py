"""Cognito's post-confirmation trigger: whoever signs up by themselves is a citizen.

Officers, the IOC and technical staff are created by an administrator and put into their groups by hand
(docs/deploy.md); confirming a new password (the other post-confirmation event) changes nothing. Deployed as
the inline code of the function CitizenSignup (infra/identity.py), so it imports only what the Lambda runtime
has.
"""

from typing import Any

import boto3

cognito = boto3.client("cognito-idp")


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Cognito expects the event back; a post-confirmation trigger has nothing to answer."""
    if event.get("triggerSource") == "PostConfirmation_ConfirmSignUp":
        cognito.admin_add_user_to_group(
            UserPoolId=event["userPoolId"], Username=event["userName"], GroupName="citizen"
        )
    return event
