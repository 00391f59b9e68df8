"""A unit's work queue within a deadline window: the queue index read between two instants, a page a request.

`ReportRepository.unit_queue` takes only an upper bound (`due_before`); the inbox's `overdue=false` needs a
lower one (deadline not yet passed). Both bounds go into the key condition, so a page is always full and the
items read are the items returned (no filtering after the read, except `status`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.report import utc_text
from chalicelib.store.models import ReportItem, bind
from chalicelib.store.reports import Page, decode_cursor, encode_cursor, from_raw, readable


def _narrow(status: str | None, category: str | None) -> Any:
    """Filters on what the window read (status, and the console's category filter)."""
    parts = [
        c
        for c in (
            ReportItem.status == status if status else None,
            ReportItem.category == category if category else None,
        )
        if c is not None
    ]
    return (parts[0] & parts[1]) if len(parts) == 2 else (parts[0] if parts else None)


def unit_queue_window(
    unit: str,
    limit: int,
    cursor: str | None,
    due_after: datetime | None = None,
    due_before: datetime | None = None,
    status: str | None = None,
    category: str | None = None,
) -> Page:
    """Open reports of `unit`, earliest current deadline first (triage while assigned, then resolution), whose
    deadline is at or after `due_after` and strictly before `due_before` (either bound optional)."""
    bind()
    # Keys are "<deadline UTC text>#<id>": "<t>#" sorts before every key of instant t, after earlier ones.
    low = utc_text(due_after) + "#" if due_after else None
    high = utc_text(due_before) + "#" if due_before else None
    condition = None
    if low and high:
        if low >= high:
            return Page(items=[], next_cursor=None)  # an empty window (between needs low <= high)
        condition = ReportItem.queue_sk.between(low, high)  # inclusive, but no key equals "<t>#"
    elif low:
        condition = ReportItem.queue_sk >= low
    elif high:
        condition = ReportItem.queue_sk < high
    start = decode_cursor(cursor, "queue_unit", unit, {"report_id", "queue_unit", "queue_sk"})
    results = ReportItem.queue_index.query(
        unit,
        range_key_condition=condition,
        filter_condition=_narrow(status, category),
        page_size=limit,
        last_evaluated_key=start,
        scan_index_forward=True,
    )
    page = next(results.page_iter)
    return Page(
        items=list(readable(from_raw, page.get("Items", []))),
        next_cursor=encode_cursor(page.get("LastEvaluatedKey")),
    )
