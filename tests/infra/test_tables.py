"""One source of truth for the tables: the deployed template, the local stack and the PynamoDB models agree."""

from __future__ import annotations

from typing import Any

import pytest

from infra import template as tpl
from infra.tables import definitions


def _shape(keys: list[dict[str, str]]) -> list[tuple[str, str]]:
    """[(name, HASH), (name, RANGE)] whatever order a library lists them in."""
    return sorted(((k["AttributeName"], k["KeyType"]) for k in keys), key=lambda k: k[1])


def _indexes(gsis: list[dict[str, Any]]) -> dict[str, tuple[list[tuple[str, str]], str]]:
    return {g["IndexName"]: (_shape(g["KeySchema"]), g["Projection"]["ProjectionType"]) for g in gsis}


@pytest.fixture(scope="module")
def template_tables() -> dict[str, dict[str, Any]]:
    merged = tpl.template("prod")
    return {k: v["Properties"] for k, v in merged["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"}


def test_the_template_deploys_the_definitions_of_infra_tables(template_tables):
    defs = definitions(tpl.table_names("prod"))
    assert set(template_tables) == set(defs)
    for logical_id, definition in defs.items():
        for key, value in definition.items():
            assert template_tables[logical_id][key] == value, (logical_id, key)


def test_the_local_stack_creates_the_tables_the_template_deploys(aws_env, template_tables):
    """The emulated tables (tests and `make run`) have the template's keys, indexes, stream and TTL."""
    import boto3

    from chalicelib.config import settings
    from infra.tables import table_names_from_settings

    ddb = boto3.client("dynamodb")
    local_names = table_names_from_settings(settings())
    prod_names = tpl.table_names("prod")
    assert set(local_names) == set(prod_names)
    for key, local_name in local_names.items():
        [deployed] = [t for t in template_tables.values() if t["TableName"] == prod_names[key]]
        table = ddb.describe_table(TableName=local_name)["Table"]
        assert _shape(table["KeySchema"]) == _shape(deployed["KeySchema"]), key
        assert sorted(map(tuple, (a.values() for a in table["AttributeDefinitions"]))) == sorted(
            map(tuple, (a.values() for a in deployed["AttributeDefinitions"]))
        ), key
        assert _indexes(table.get("GlobalSecondaryIndexes", [])) == _indexes(
            deployed.get("GlobalSecondaryIndexes", [])
        ), key
        stream = table.get("StreamSpecification", {})
        if "StreamSpecification" in deployed:
            assert stream.get("StreamEnabled") is True
            assert stream["StreamViewType"] == deployed["StreamSpecification"]["StreamViewType"]
        else:
            assert not stream.get("StreamEnabled"), key
        ttl = ddb.describe_time_to_live(TableName=local_name)["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in deployed:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == deployed["TimeToLiveSpecification"]["AttributeName"], key
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED", key


def test_the_models_agree_with_the_table_definitions():
    """Keys, attribute types and every index, as PynamoDB itself would create the table."""
    from chalicelib.store.models import ALL_MODELS

    names = tpl.table_names("dev")
    defs = {d["TableName"]: d for d in definitions(names).values()}
    assert set(ALL_MODELS) <= set(names)
    for key, model in ALL_MODELS.items():
        definition = defs[names[key]]
        schema = model._get_schema()
        assert _shape(schema["key_schema"]) == _shape(definition["KeySchema"]), key
        attrs = {(a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]}
        assert attrs == {
            (a["AttributeName"], a["AttributeType"]) for a in definition["AttributeDefinitions"]
        }, key
        model_indexes = {
            i["index_name"]: (_shape(i["key_schema"]), i["projection"]["ProjectionType"])
            for i in schema["global_secondary_indexes"]
        }
        assert model_indexes == _indexes(definition.get("GlobalSecondaryIndexes", [])), key
        assert not schema["local_secondary_indexes"]
