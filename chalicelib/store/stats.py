"""Statistics counters in DynamoDB: one item per cell (day of receipt, unit), each counter a top-level Number.

Keys (stats table): pk = "CELL", sk = "<YYYY-MM-DD>#<unit code>". All cells share one partition and sort by
day, so the table of any period is ONE Query over a key range (paginated at 1 MB), and the items it reads are
bounded by units × days, whatever the number of reports. Counters are top-level attributes (`total`, `open`,
`wd_3`, ...) because DynamoDB's ADD works on top-level Numbers only; the model's `counters` JSON attribute is
not used for them. Every cell has the same fields (domain.stats.CELL_FIELDS, zeros included: a cell is created
whole before its first count), so a cell's size, and with it the bytes and read capacity of a table request,
is the same however many reports it counts.

Exactly once: a change is applied in one transaction that puts an event marker in the ledger
(pk = "event#<stream event id>", sk = "stats", only if absent; it expires a few days after the stream's
24-hour retention) and ADDs the deltas to the cells. A redelivered event fails the marker's condition and the
whole transaction is cancelled: nothing is counted twice.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.domain.stats import CELL_FIELDS, CellKey

CELL_PARTITION = "CELL"
EVENT_MARKER_SK = "stats"
_KEY_ATTRS = frozenset({"pk", "sk", "counters", "updated_at"})


@dataclass
class ReadCost:
    """What a read cost: Query requests, items read and read capacity (for benches and logs)."""

    requests: int = 0
    items: int = 0
    capacity: float = 0.0
    pages: list[int] = field(default_factory=list)


def _marker_key(event_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"event#{event_id}"}, "sk": {"S": EVENT_MARKER_SK}}


def _cell_key(key: CellKey) -> dict[str, Any]:
    return {"pk": {"S": CELL_PARTITION}, "sk": {"S": key.sort_key}}


def _update(table: str, key: CellKey, vector: Mapping[str, int], now_text: str) -> dict[str, Any]:
    names: dict[str, str] = {"#u": "updated_at"}
    values: dict[str, Any] = {":u": {"S": now_text}}
    adds = []
    for i, (name, value) in enumerate(sorted(vector.items())):
        names[f"#c{i}"] = name
        values[f":c{i}"] = {"N": str(int(value))}
        adds.append(f"#c{i} :c{i}")
    return {
        "Update": {
            "TableName": table,
            "Key": _cell_key(key),
            "UpdateExpression": f"SET #u = :u ADD {', '.join(adds)}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _zero_cell(key: CellKey, now_text: str, vector: Mapping[str, int] | None = None) -> dict[str, Any]:
    """A whole cell item: every field of CELL_FIELDS (zeros included), plus any other counter of `vector`."""
    vector = vector or {}
    fields = sorted(set(vector) | set(CELL_FIELDS))
    return {
        **_cell_key(key),
        "updated_at": {"S": now_text},
        **{name: {"N": str(int(vector.get(name, 0)))} for name in fields},
    }


# Cells this container has already made sure exist with every field, per DynamoDB client (so per emulator in
# tests). Bounded: forgetting only costs one more conditional put.
_SEEDED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_SEEDED_MAX = 20_000


def _counters(item: Mapping[str, Any]) -> dict[str, int]:
    return {k: int(v["N"]) for k, v in item.items() if k not in _KEY_ATTRS and "N" in v}


class StatsStore:
    """The counters of the statistics table and the ledger's event markers."""

    def __init__(self) -> None:
        s = settings()
        self.table = s.stats_table
        self.ledger = s.ledger_table
        self.ddb = client("dynamodb")

    def apply(
        self, event_id: str, deltas: Mapping[CellKey, Mapping[str, int]], now_text: str, expires_at: int
    ) -> bool:
        """ADD `deltas` to their cells unless event `event_id` was applied before. True when applied now."""
        self._seed(deltas, now_text)
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.ledger,
                    "Item": {
                        **_marker_key(event_id),
                        "updated_at": {"S": now_text},
                        "expires_at": {"N": str(expires_at)},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        items += [
            _update(self.table, key, vector, now_text) for key, vector in sorted(deltas.items()) if vector
        ]
        try:
            self.ddb.transact_write_items(TransactItems=items)
        except self.ddb.exceptions.TransactionCanceledException as e:
            reasons = e.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False  # this event was counted already: a redelivery
            raise
        return True

    def _seed(self, keys: Iterable[CellKey], now_text: str) -> None:
        """Make sure each cell exists with all its fields (zeros) before counting in it: a conditional put the
        first time this container meets the cell, which never overwrites a cell that exists. Every cell thus has
        the same fields, hence the same size, however many reports it counts."""
        seeded = _SEEDED.setdefault(self.ddb, set())
        for key in keys:
            if key.sort_key in seeded:
                continue
            with contextlib.suppress(self.ddb.exceptions.ConditionalCheckFailedException):  # it exists
                self.ddb.put_item(
                    TableName=self.table,
                    Item=_zero_cell(key, now_text),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            if len(seeded) >= _SEEDED_MAX:
                seeded.clear()
            seeded.add(key.sort_key)

    def cells(
        self, start_sk: str, end_sk: str, cost: ReadCost | None = None
    ) -> Iterator[tuple[CellKey, dict[str, int]]]:
        """Every cell whose sort key lies in start_sk..end_sk (inclusive): one Query, paginated."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": {"S": CELL_PARTITION},
                ":lo": {"S": start_sk},
                ":hi": {"S": end_sk},
            },
            "ReturnConsumedCapacity": "TOTAL",
        }
        while True:
            page = self.ddb.query(**kwargs)
            if cost is not None:
                cost.requests += 1
                cost.items += int(page.get("Count", 0))
                cost.pages.append(int(page.get("Count", 0)))
                cost.capacity += float((page.get("ConsumedCapacity") or {}).get("CapacityUnits", 0.0))
            for item in page.get("Items", []):
                yield CellKey.from_sort_key(item["sk"]["S"]), _counters(item)
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def put_cells(self, cells: Mapping[CellKey, Mapping[str, int]], now_text: str) -> None:
        """Write whole cells (replacing them). Only to load a benchmark: live counters change by `apply`."""
        requests = [
            {"PutRequest": {"Item": _zero_cell(key, now_text, vector)}} for key, vector in cells.items()
        ]
        for i in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.table: requests[i : i + 25]}
            while pending:
                pending = self.ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
