"""SnapStart on every Python function, wired through aliases, and a package per need (infra/snapstart.py,
infra/layers.py). Iterates over what is in the template, so new functions are held to the same rules."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import layers
from infra import template as tpl

LAMBDA_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


@pytest.fixture(scope="module", params=tpl.STAGES)
def merged(request) -> dict[str, Any]:
    return tpl.template(request.param)


def _functions(t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every function that serves a request or an event; not the custom resource that sets the account's SMS
    settings once per deployment (a snapshot would only add cost there)."""
    from infra.citizen_channels import FUNCTION as DEPLOY_TIME_ONLY

    return {k: v for k, v in t["Resources"].items() if v["Type"] in LAMBDA_TYPES and k != DEPLOY_TIME_ONLY}


def test_every_python_function_has_snapstart_on_published_versions(merged):
    functions = _functions(merged)
    assert len(functions) >= 7
    for logical_id, f in functions.items():
        props = f["Properties"]
        assert props["Runtime"].startswith("python3.13"), logical_id
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}, logical_id
        if f["Type"] == "AWS::Serverless::Function":
            assert props["AutoPublishAlias"] == "live", logical_id


def test_api_gateway_invokes_the_aliases_and_may_do_so(merged):
    body = json.dumps(merged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"])
    assert ".Arn}/invocations" not in body  # nothing left pointing at the unpublished function
    assert "${APIHandlerAliaslive}/invocations" in body and "${JwtAuthAliaslive}/invocations" in body
    granted = {
        json.dumps(r["Properties"]["FunctionName"])
        for r in merged["Resources"].values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    assert {'{"Ref": "APIHandlerAliaslive"}', '{"Ref": "JwtAuthAliaslive"}'} <= granted


def test_the_cognito_trigger_is_called_through_an_alias_of_a_version_named_after_its_code(merged):
    r = merged["Resources"]
    alias = r["CitizenSignupAlias"]["Properties"]
    version_id = alias["FunctionVersion"]["Fn::GetAtt"][0]
    assert r[version_id]["Type"] == "AWS::Lambda::Version"
    assert r["UserPool"]["Properties"]["LambdaConfig"]["PostConfirmation"] == {"Ref": "CitizenSignupAlias"}
    assert r["CitizenSignupPermission"]["Properties"]["FunctionName"] == {"Ref": "CitizenSignupAlias"}


def test_only_the_functions_that_locate_a_point_carry_the_geo_layer(merged):
    r = merged["Resources"]
    assert r[layers.GEO_LAYER]["Properties"]["ContentUri"] == f"./{layers.GEO_ZIP}"
    assert r[layers.IMAGE_LAYER]["Properties"]["ContentUri"] == f"./{layers.IMAGE_ZIP}"
    carrying = {
        layer: {
            k for k, f in _functions(merged).items() if {"Ref": layer} in f["Properties"].get("Layers", [])
        }
        for layer in (layers.GEO_LAYER, layers.IMAGE_LAYER)
    }
    assert carrying == {
        layers.GEO_LAYER: set(layers.GEO_FUNCTIONS),
        layers.IMAGE_LAYER: set(layers.IMAGE_FUNCTIONS),  # only the upload handler reads photos (issue 16)
    }


def test_the_package_keeps_the_models_of_every_service_the_code_calls():
    found = layers.used_services()
    assert {"dynamodb", "s3", "sesv2", "xray"} <= found
    assert "ec2" not in found


def test_split_moves_geo_packages_to_the_layer_and_drops_unused_service_models(tmp_path: Path):
    package = tmp_path / "deployment.zip"
    names = [
        "app.py",
        "chalicelib/__init__.py",
        "numpy/__init__.py",
        "numpy.libs/libopenblas.so",
        "shapely/__init__.py",
        "shapely-2.2.0.dist-info/METADATA",
        "botocore/data/endpoints.json",
        "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
        "botocore/data/ec2/2016-11-15/service-2.json.gz",
        "numpyish/__init__.py",  # a package whose name only starts like numpy stays
    ]
    with zipfile.ZipFile(package, "w") as z:
        for n in names:
            z.writestr(n, "x")
    layer = layers.split_package(package, keep={"dynamodb"})
    code = set(zipfile.ZipFile(package).namelist())
    geo = set(zipfile.ZipFile(layer).namelist())
    assert code == {
        "app.py",
        "chalicelib/__init__.py",
        "botocore/data/endpoints.json",
        "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
        "numpyish/__init__.py",
    }
    assert geo == {
        "python/numpy/__init__.py",
        "python/numpy.libs/libopenblas.so",
        "python/shapely/__init__.py",
        "python/shapely-2.2.0.dist-info/METADATA",
    }
