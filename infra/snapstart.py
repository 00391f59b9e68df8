"""Lambda SnapStart for every Python function of the stack (issue 17; docs/deploy.md "Cold starts").

SnapStart runs a function's init once, when a version is published, and starts later execution environments
from a snapshot of that memory: the import of app.py and the work chalicelib/snapstart.py does before the
snapshot are not paid again on a cold start. It applies to published versions only, so:

- every Chalice function gets `AutoPublishAlias: live` (SAM publishes a version when the code or
  configuration changes and points the alias `live` at it) and `SnapStart: {ApplyOn: PublishedVersions}`;
  SAM points the functions' own event sources (DynamoDB stream, S3, schedules) at the alias by itself;
- API Gateway is wired by Chalice's swagger and permissions, not by SAM events: its integration and
  authorizer URIs are pointed at the alias (`<Function>Aliaslive`) here, and each invoke permission gets a twin on the alias;
- the Cognito trigger (a plain AWS::Lambda::Function) gets a version named after its code's hash (so new
  code publishes a new version) and an alias that the user pool and its permission use.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

ALIAS = "live"
SNAPSTART = {"ApplyOn": "PublishedVersions"}


def _functions(chalice_template: dict[str, Any]) -> list[str]:
    return [
        k
        for k, v in chalice_template["Resources"].items()
        if v.get("Type") == "AWS::Serverless::Function"
        and str(v.get("Properties", {}).get("Runtime", "")).startswith("python")
    ]


def alias_id(function: str) -> str:
    """The logical id SAM gives the alias of `AutoPublishAlias` (`<Function>Alias<Name>`). Referred to by that
    id rather than as `<Function>.Alias`: SAM does not resolve the latter inside Chalice's swagger body."""
    return f"{function}Alias{ALIAS}"


def _to_alias(value: Any, functions: list[str]) -> Any:
    """`${F.Arn}` -> the alias's ARN in every string of an API definition (integration and authorizer URIs)."""
    if isinstance(value, dict):
        return {k: _to_alias(v, functions) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_alias(v, functions) for v in value]
    if isinstance(value, str):
        for f in functions:
            value = value.replace(f"${{{f}.Arn}}", f"${{{alias_id(f)}}}")
    return value


def _changed(old: Any, new: Any) -> Any:
    """Only what differs (None if nothing): the merge then touches just the URIs, whatever else merges in."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = {k: d for k in new if (d := _changed(old.get(k), new[k])) is not None}
        return out or None
    return None if old == new else new


def _deep_update(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(target.get(k), dict):
            _deep_update(target[k], v)
        else:
            target[k] = v


def _part(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = resources.setdefault(logical_id, {}).setdefault("Properties", {})
    return props


def merge(
    resources: dict[str, Any], chalice_template: dict[str, Any], api: str, triggers: dict[str, str], pool: str
) -> None:
    """Add SnapStart and the aliases to the merge's `resources` (Chalice's template is read, not changed);
    `triggers` maps the user pool's trigger functions to the key of the pool's LambdaConfig that calls each."""
    functions = _functions(chalice_template)
    for logical_id in functions:
        props = _part(resources, logical_id)
        props["AutoPublishAlias"] = ALIAS
        props["SnapStart"] = SNAPSTART
    base = chalice_template["Resources"]
    if api in base:
        body = base[api]["Properties"]["DefinitionBody"]
        changed = _changed(body, _to_alias(body, functions))
        _deep_update(_part(resources, api).setdefault("DefinitionBody", {}), changed or {})
    for logical_id, resource in base.items():
        if resource.get("Type") != "AWS::Lambda::Permission":
            continue
        target = json.dumps(resource["Properties"].get("FunctionName"))
        for f in functions:
            if f'"{f}"' in target:
                # A permission of its own on the alias (a merge cannot swap Chalice's GetAtt for a Ref, and a
                # grant on the unqualified function does not cover invoking an alias).
                resources[f"{logical_id}OnAlias"] = {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {**resource["Properties"], "FunctionName": {"Ref": alias_id(f)}},
                }
    # The user pool's triggers (sign-up; the staff MFA gate of issue 12) are invoked through aliases too.
    for trigger, key in triggers.items():
        if trigger in resources:
            _trigger(resources, trigger, pool, key)


def _trigger(resources: dict[str, Any], trigger: str, pool: str, key: str) -> None:
    """A version named after the trigger's code and configuration, and the alias the pool calls."""
    function = resources[trigger]
    function["Properties"]["SnapStart"] = SNAPSTART
    code = json.dumps(function["Properties"], sort_keys=True, default=str)
    version = f"{trigger}Version{hashlib.sha256(code.encode()).hexdigest()[:10]}"
    alias = f"{trigger}Alias"
    resources[version] = {
        "Type": "AWS::Lambda::Version",
        "DeletionPolicy": "Retain",  # the alias of the previous deployment may still point at it while updating
        "Properties": {"FunctionName": {"Ref": trigger}},
    }
    resources[alias] = {
        "Type": "AWS::Lambda::Alias",
        "Properties": {
            "FunctionName": {"Ref": trigger},
            "FunctionVersion": {"Fn::GetAtt": [version, "Version"]},
            "Name": ALIAS,
        },
    }
    if pool in resources:
        resources[pool]["Properties"]["LambdaConfig"][key] = {"Ref": alias}
    permission = resources.get(f"{trigger}Permission")
    if permission is not None:
        permission["Properties"]["FunctionName"] = {"Ref": alias}
