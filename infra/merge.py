"""The template merged into Chalice's: what the app needs beyond the functions and API Chalice writes.

`merge_template` builds it from Chalice's unmerged template, so every function (new schedules too) gets its
name, role, environment, log group and alarms without being listed here. Its parts, one concern each:

- infra/storage.py: the tables of infra/tables.py, the media bucket, the stream's dead-letter queue, the SES
  sender identity;
- infra/identity.py: the Cognito user pool, app client, groups and triggers;
- infra/chalice_functions.py: each function's name, log group, environment; the stream event's safety nets;
- infra/least_privilege.py (and infra/iam.py): a role per function, with only what it calls;
- infra/api.py: API Gateway's REGIONAL endpoint, throttling, error answers, access logs and WAF;
- infra/console.py, infra/citizen_channels.py: the web console (issue 13); SMS and push (issue 15);
- infra/alarms.py: alarms on every function, the queue, overdue reports and the API;
- infra/layers.py, infra/snapstart.py: the layers; SnapStart, versions and aliases (issue 17);
- infra/parameters.py: the parameters a province sets.

`deep_merge` is Chalice's own merge (dicts merged, anything else replaced). The few keys the merge targets by
name are derived from handler names by Chalice; `check_merge_targets` fails the build when such a key is
gone (a renamed handler would otherwise leave a silently broken entry in the merged template).
"""

from __future__ import annotations

import copy
from typing import Any

from infra import alarms, api, citizen_channels, identity, layers, least_privilege, snapstart, storage
from infra.chalice_functions import authorizers, configure, function_name, functions, handler_name
from infra.console import console_outputs, console_resources
from infra.parameters import metadata, parameters
from infra.stack import APP_NAME, STAGES, prefix, ref
from infra.tables import logical_ids


def merge_template(stage: str, chalice_template: dict[str, Any]) -> dict[str, Any]:
    """The template to merge into Chalice's (Chalice's deep merge: dicts merged, anything else replaced)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {STAGES}")
    if any(r.get("Type") == "AWS::Logs::LogGroup" for r in chalice_template["Resources"].values()):
        raise ValueError(
            "remove log_retention_in_days from .chalice/config.json: infra/chalice_functions.py makes the log groups"
        )
    return {
        "Description": f"Phản ánh hiện trường (field reports), stage {stage}: API, event handlers and their data.",
        "Metadata": metadata(),
        "Parameters": parameters(),
        "Resources": _resources(stage, chalice_template),
        "Outputs": _outputs(stage),
    }


def _resources(stage: str, chalice_template: dict[str, Any]) -> dict[str, Any]:
    """Every resource the merge adds or changes. Chalice's merge appends new resources in this order, which is
    the order they were added in as the template grew (issue by issue): kept, so the template reads the same."""
    chalice_functions = functions(chalice_template)
    auth = authorizers(chalice_template)
    api_stage = api.stage_name(chalice_template)
    resources = {
        **storage.resources(stage),
        **identity.cognito(stage),
        **identity.signup_trigger(stage),
        **citizen_channels.resources(prefix(stage)),  # issue 15
        **configure(stage, chalice_functions, auth),
        **least_privilege.authorizer_role(stage, [f"{f}Logs" for f in chalice_functions if f in auth]),
    }
    if api_stage is not None:
        resources[api.API] = api.rest_api(stage)
    api_id = api.API if api_stage else None
    resources.update(console_resources(stage, identity.USER_POOL, api_id, api_stage))  # issue 13
    # issue 12: a role per function, a TLS-only bucket, MFA for staff, access logs without personal data, WAF
    handlers = {logical_id: handler_name(resource) for logical_id, resource in chalice_functions.items()}
    resources.update(least_privilege.roles(stage, handlers, auth))
    resources[storage.BUCKET_POLICY] = storage.bucket_policy(stage)
    resources.update(identity.staff_mfa_gate(stage))
    if api_stage is not None:
        resources.update(api.access_logs(stage))
        resources.update(api.waf(stage, api_stage))
    resources.update(alarms.resources(stage, _function_names(stage, chalice_functions), api_stage))
    layers.merge(resources, chalice_template, APP_NAME, stage)  # numpy/shapely only where a point is located
    snapstart.merge(resources, chalice_template, api.API, identity.TRIGGERS, identity.USER_POOL)  # issue 17
    return resources


def _function_names(stage: str, chalice_functions: dict[str, Any]) -> dict[str, str]:
    """Logical id -> name of every function of the stack: Chalice's and the stack's own."""
    names = {logical_id: function_name(stage, resource) for logical_id, resource in chalice_functions.items()}
    names[identity.SIGNUP_FUNCTION] = identity.signup_function_name(stage)
    names[identity.STAFF_MFA_FUNCTION] = identity.staff_mfa_name(stage)
    names[citizen_channels.FUNCTION] = citizen_channels.function_name(prefix(stage))
    return names


def _outputs(stage: str) -> dict[str, Any]:
    outputs = {
        "UserPoolId": {"Value": ref(identity.USER_POOL)},
        "UserPoolClientId": {"Value": ref(identity.USER_POOL_CLIENT)},
        "MediaBucketName": {"Value": ref(storage.MEDIA_BUCKET)},
        "StreamDeadLetterQueueUrl": {"Value": ref(storage.DEAD_LETTER_QUEUE)},
        "AlarmTopicArn": {"Value": ref(alarms.ALARM_TOPIC)},
        **console_outputs(),  # issue 13
    }
    for logical_id in logical_ids().values():
        outputs[f"{logical_id}Name"] = {"Value": ref(logical_id)}
    return outputs


def check_merge_targets(merge: dict[str, Any], chalice_template: dict[str, Any]) -> list[str]:
    """What the merge changes by name must exist in Chalice's template: a resource without a Type (a partial
    override) and every event under a function's Events. Chalice derives these names from handler names, so
    after a rename the merge would add a broken resource or event instead of changing the real one."""
    problems = []
    base = chalice_template["Resources"]
    for logical_id, resource in merge["Resources"].items():
        if "Type" in resource:
            continue
        if logical_id not in base:
            problems.append(f"merge changes resource {logical_id!r}, which Chalice's template does not have")
            continue
        events = resource.get("Properties", {}).get("Events", {})
        for event in events:
            if event not in base[logical_id]["Properties"].get("Events", {}):
                problems.append(
                    f"merge changes event {event!r} of {logical_id!r}, which Chalice did not generate"
                )
    return problems


def deep_merge(merge: dict[str, Any], chalice_template: dict[str, Any]) -> dict[str, Any]:
    """Chalice's own merge (what `chalice package --merge-template` does)."""
    from chalice.package import TemplateDeepMerger

    return TemplateDeepMerger().merge(copy.deepcopy(merge), copy.deepcopy(chalice_template))
