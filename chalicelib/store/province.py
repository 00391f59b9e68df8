"""The IOC's list of every report of the province (console, issue 13): one index Query per page, never a Scan.

- no unit: `province-index` (every report, newest first);
- a unit: `unit-index` (every report the unit holds, newest first);
- status, category and overdue narrow what the Query reads (filter expressions). A filtered page can come back
  short, so up to `MAX_ROUNDS` Queries fill one page, each asking for no more than what is still missing: the
  last key read is then exactly where the next page starts.

`overdue` compares `open_due` (the current deadline while the report is open, written by `to_item`) with now,
the same rule as `Report.is_overdue`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition

from chalicelib.domain.queries import ProvinceFilters
from chalicelib.domain.report import utc_text
from chalicelib.store.models import ReportItem, bind
from chalicelib.store.reports import (
    PROVINCE_PARTITION,
    Page,
    decode_cursor,
    encode_cursor,
    from_raw,
)

MAX_ROUNDS = 5


def _condition(filters: ProvinceFilters, now: datetime) -> Condition | None:
    parts: list[Condition] = []
    if filters.status:
        parts.append(ReportItem.status == filters.status)
    if filters.category:
        parts.append(ReportItem.category == filters.category)
    if filters.overdue is True:
        parts.append(ReportItem.open_due < utc_text(now))
    elif filters.overdue is False:
        parts.append(ReportItem.open_due.does_not_exist() | (ReportItem.open_due >= utc_text(now)))
    condition: Condition | None = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def province_page(filters: ProvinceFilters, limit: int, cursor: str | None, now: datetime) -> Page:
    """One page of the province's reports, newest first, as the filters narrow them."""
    bind()
    index: Any
    if filters.unit:
        index, hash_value, attr = ReportItem.unit_index, filters.unit, "unit_code"
    else:
        index, hash_value, attr = ReportItem.province_index, PROVINCE_PARTITION, "all_pk"
    start = decode_cursor(cursor, attr, hash_value, {"report_id", attr, "rcv_sk"})
    condition = _condition(filters, now)
    raws: list[dict[str, Any]] = []
    for _ in range(MAX_ROUNDS):
        results = index.query(
            hash_value,
            filter_condition=condition,
            limit=limit - len(raws),
            page_size=limit - len(raws),
            last_evaluated_key=start,
            scan_index_forward=False,
        )
        page = next(results.page_iter)
        raws.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start or len(raws) >= limit:
            break
    return Page(items=[from_raw(raw) for raw in raws], next_cursor=encode_cursor(start))
