"""The DynamoDB tables, defined once.

`infra/storage.py` puts these into the CloudFormation template that `chalice package` writes, and the local
stack creates its tables from the same definitions (`create_table_params`), so the two cannot drift. The
PynamoDB models in `chalicelib/store/models.py` must agree with them: a test compares. The access patterns each
index serves are in docs/data-model.md.
"""

from __future__ import annotations

from typing import Any


def _gsi(name: str, hash_key: str, range_key: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def _attrs(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": "S"} for n in names]


# Logical id (CloudFormation) -> definition. "TableName" is filled in per stage by `definitions()`.
_TABLES: dict[str, dict[str, Any]] = {
    "ReportsTable": {
        "key": "reports",
        "AttributeDefinitions": _attrs(
            "report_id",
            "pub_pk",
            "pub_unit",
            "rcv_sk",
            "reporter_sub",
            "unit_code",
            "queue_unit",
            "queue_sk",
            "sweep_pk",
            "sweep_sk",
            "geo_pk",
            "geo_sk",
            "all_pk",
        ),
        "KeySchema": [{"AttributeName": "report_id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            _gsi("public-index", "pub_pk", "rcv_sk"),
            _gsi("public-unit-index", "pub_unit", "rcv_sk"),
            _gsi("reporter-index", "reporter_sub", "rcv_sk"),
            _gsi("unit-index", "unit_code", "rcv_sk"),
            _gsi("queue-index", "queue_unit", "queue_sk"),
            _gsi("sweep-index", "sweep_pk", "sweep_sk"),
            # nearby reports (issue 15): geohash cell -> reports there; sparse, public and open or resolved
            _gsi("geo-index", "geo_pk", "geo_sk"),
            _gsi("province-index", "all_pk", "rcv_sk"),
        ],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
    },
    "LedgerTable": {
        "key": "ledger",
        "AttributeDefinitions": _attrs("pk", "sk", "gsi1pk", "gsi1sk"),
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [_gsi("gsi1", "gsi1pk", "gsi1sk")],
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
    },
    "StatsTable": {
        "key": "stats",
        "AttributeDefinitions": _attrs("pk", "sk"),
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    },
    "IdempotencyTable": {
        "key": "idempotency",
        "AttributeDefinitions": _attrs("id"),
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
    },
}


def definitions(names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Table definitions keyed by logical id; `names` maps "reports"/"ledger"/"stats"/"idempotency" to names."""
    out: dict[str, dict[str, Any]] = {}
    for logical_id, spec in _TABLES.items():
        d = {k: v for k, v in spec.items() if k != "key"}
        d["TableName"] = names[spec["key"]]
        d["BillingMode"] = "PAY_PER_REQUEST"
        out[logical_id] = d
    return out


def logical_ids() -> dict[str, str]:
    """ "reports"/"ledger"/"stats"/"idempotency" -> the table's logical id in the template."""
    return {spec["key"]: logical_id for logical_id, spec in _TABLES.items()}


def create_table_params(definition: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """boto3 `create_table` arguments and, if any, `update_time_to_live` arguments for one definition."""
    params = {
        k: definition[k]
        for k in ("TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
        if k in definition
    }
    if "StreamSpecification" in definition:
        params["StreamSpecification"] = {"StreamEnabled": True, **definition["StreamSpecification"]}
    ttl = definition.get("TimeToLiveSpecification")
    ttl_params = (
        None if ttl is None else {"TableName": definition["TableName"], "TimeToLiveSpecification": ttl}
    )
    return params, ttl_params


def table_names_from_settings(s: Any) -> dict[str, str]:
    return {
        "reports": s.reports_table,
        "ledger": s.ledger_table,
        "stats": s.stats_table,
        "idempotency": s.idempotency_table,
    }
