"""PynamoDB models. They must agree with infra/tables.py (a test compares); nothing outside the store sees them."""

from __future__ import annotations

import os
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import settings


def _index(name: str) -> type:
    class Meta:
        index_name = name
        projection = AllProjection()

    return Meta


class PublicIndex(GlobalSecondaryIndex["ReportItem"]):
    Meta = _index("public-index")
    pub_pk = UnicodeAttribute(hash_key=True)
    rcv_sk = UnicodeAttribute(range_key=True)


class PublicUnitIndex(GlobalSecondaryIndex["ReportItem"]):
    Meta = _index("public-unit-index")
    pub_unit = UnicodeAttribute(hash_key=True)
    rcv_sk = UnicodeAttribute(range_key=True)


class ReporterIndex(GlobalSecondaryIndex["ReportItem"]):
    Meta = _index("reporter-index")
    reporter_sub = UnicodeAttribute(hash_key=True)
    rcv_sk = UnicodeAttribute(range_key=True)


class UnitIndex(GlobalSecondaryIndex["ReportItem"]):
    Meta = _index("unit-index")
    unit_code = UnicodeAttribute(hash_key=True)
    rcv_sk = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex["ReportItem"]):
    Meta = _index("queue-index")
    queue_unit = UnicodeAttribute(hash_key=True)
    queue_sk = UnicodeAttribute(range_key=True)


class SweepIndex(GlobalSecondaryIndex["ReportItem"]):
    Meta = _index("sweep-index")
    sweep_pk = UnicodeAttribute(hash_key=True)
    sweep_sk = UnicodeAttribute(range_key=True)


class GeoIndex(GlobalSecondaryIndex["ReportItem"]):
    """Nearby reports (issue 15): the geohash cell of the location (domain/geohash.py)."""

    Meta = _index("geo-index")
    geo_pk = UnicodeAttribute(hash_key=True)
    geo_sk = UnicodeAttribute(range_key=True)


class ProvinceIndex(GlobalSecondaryIndex["ReportItem"]):
    """Every report of the province, newest first: the IOC's list of all reports (console, issue 13)."""

    Meta = _index("province-index")
    all_pk = UnicodeAttribute(hash_key=True)
    rcv_sk = UnicodeAttribute(range_key=True)


class ReportItem(Model):
    """One report. `doc` holds the whole domain object as JSON; the other attributes are index keys and the
    few fields that filters and stream consumers read without decoding `doc`."""

    class Meta:
        table_name = "fieldreport-dev-reports"
        region = "ap-southeast-1"

    report_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    doc = JSONAttribute()
    status = UnicodeAttribute()
    category = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    is_test = BooleanAttribute()
    hidden = BooleanAttribute()
    rcv_sk = UnicodeAttribute()
    reporter_sub = UnicodeAttribute()
    unit_code = UnicodeAttribute(null=True)
    pub_pk = UnicodeAttribute(null=True)
    pub_unit = UnicodeAttribute(null=True)
    queue_unit = UnicodeAttribute(null=True)
    queue_sk = UnicodeAttribute(null=True)
    sweep_pk = UnicodeAttribute(null=True)
    sweep_sk = UnicodeAttribute(null=True)
    geo_pk = UnicodeAttribute(null=True)
    geo_sk = UnicodeAttribute(null=True)
    all_pk = UnicodeAttribute(null=True)
    open_due = UnicodeAttribute(null=True)  # current deadline (UTC text) while open: the IOC's overdue filter

    public_index = PublicIndex()
    public_unit_index = PublicUnitIndex()
    reporter_index = ReporterIndex()
    unit_index = UnitIndex()
    queue_index = QueueIndex()
    sweep_index = SweepIndex()
    geo_index = GeoIndex()
    province_index = ProvinceIndex()


class LedgerIndex(GlobalSecondaryIndex["LedgerItem"]):
    """Overloaded index: failed deliveries for the IOC, notices by sweep, and the like."""

    Meta = _index("gsi1")
    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class LedgerItem(Model):
    """Records that make side effects happen once: deliveries, notices, quotas, applied stream events."""

    class Meta:
        table_name = "fieldreport-dev-ledger"
        region = "ap-southeast-1"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    attempts = NumberAttribute(null=True)
    count = NumberAttribute(null=True)
    data = JSONAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    # A failed effect's retry schedule (chalicelib/store/retries.py): kind, first failure, next attempt.
    retry = JSONAttribute(null=True)

    gsi1 = LedgerIndex()


class StatsItem(Model):
    """Statistics counters per unit and period (see chalicelib/services/stats.py)."""

    class Meta:
        table_name = "fieldreport-dev-stats"
        region = "ap-southeast-1"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    counters = JSONAttribute(null=True)


ALL_MODELS: dict[str, type[Model]] = {"reports": ReportItem, "ledger": LedgerItem, "stats": StatsItem}

_bound: tuple[Any, ...] | None = None


def bind() -> None:
    """Point the models at this stage's tables and endpoint; done lazily, once per configuration."""
    global _bound
    from chalicelib.aws import client

    s = settings()
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    shared = client("dynamodb")
    key = (s.reports_table, s.ledger_table, s.stats_table, s.region, endpoint, id(shared))
    if _bound == key:
        return
    names = {"reports": s.reports_table, "ledger": s.ledger_table, "stats": s.stats_table}
    for name, model in ALL_MODELS.items():
        model.Meta.table_name = names[name]
        model.Meta.region = s.region
        model.Meta.host = endpoint  # type: ignore[attr-defined]
        model._connection = None
        # One DynamoDB client for every model (and the idempotency records): PynamoDB would build one per
        # model, each loading botocore's DynamoDB service model again on the cold start (bench/bench_cold.py).
        model._get_connection().connection._client = shared
    _bound = key
