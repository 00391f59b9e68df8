"""The report repository: domain objects in, domain objects out; every read is a GetItem or one Query page."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import ConcurrentUpdate, InvalidInput, QuotaExceeded
from chalicelib.domain.queries import PublicFilters
from chalicelib.domain.report import Report, Status, report_from_doc, report_to_doc, utc_text
from chalicelib.store.models import LedgerItem, ReportItem, bind

PUBLIC_PARTITION = "PUB"
SWEEP_PARTITION = "OPEN"
# Reports received and not routed yet sit in the same sparse index under their own partition, by receipt:
# the reconciler (services/reconcile.py) finds those the stream did not route with one Query, no Scan.
UNROUTED_PARTITION = "UNROUTED"
PROVINCE_PARTITION = "ALL"
# How many times `ReportRepository.update` applies a change before a lost race is the caller's 409: every
# writer that redoes its change on the fresh report (routing, the sweep's outcome, attachments, uploads,
# following) uses this one number.
SAVE_ATTEMPTS = 5


def _window(key: Any, low: str | None, high: str | None) -> Condition | None:
    """`low <= key < high`; no key equals a bound, which ends in "#" (so `between` is exact)."""
    if low and high:
        return key.between(low, high)  # type: ignore[no-any-return]
    if low:
        return key >= low  # type: ignore[no-any-return]
    return key < high if high else None


def _all_of(*parts: Condition | None) -> Condition | None:
    condition: Condition | None = None
    for part in parts:
        if part is not None:
            condition = part if condition is None else condition & part
    return condition


@dataclass(frozen=True)
class Page:
    items: list[Report]
    next_cursor: str | None


@dataclass(frozen=True)
class Updated:
    """What `ReportRepository.update` did: the report as it now stands (the one saved, or the one read when the
    change had nothing to do; None when there is no such report) and whether this call saved it."""

    report: Report | None
    saved: bool


def _rcv_sk(report: Report) -> str:
    return f"{utc_text(report.received_at)}#{report.id}"


def _next_check_at(report: Report) -> datetime | None:
    """When the deadline sweep must next look at the report: the earliest instant a notice not yet delivered
    becomes due (domain/watch.py, issue 6). None keeps the report out of the sparse sweep index."""
    if not report.is_open or report.unit_code is None:
        return None
    from chalicelib.domain.calendar import WorkingCalendar  # lazily: `holidays` is heavy for the HTTP path
    from chalicelib.domain.watch import next_check_at

    return next_check_at(report, WorkingCalendar.default())


def to_item(report: Report) -> ReportItem:
    """Derive every index key from the domain object, so the indexes can never disagree with the report."""
    public = report.is_public
    open_ = report.is_open and report.unit_code is not None
    queue_due = report.triage_due_at if report.status == "assigned" else report.due_at
    check_at = _next_check_at(report)
    item = ReportItem(
        report_id=report.id,
        version=report.version,
        doc=report_to_doc(report),
        status=report.status.value,
        category=report.category,
        lat=report.location.lat,
        lng=report.location.lng,
        is_test=report.is_test,
        hidden=report.hidden is not None,
        rcv_sk=_rcv_sk(report),
        reporter_sub=report.reporter.sub,
        unit_code=report.unit_code,
        pub_pk=PUBLIC_PARTITION if public else None,
        pub_unit=report.unit_code if public and report.unit_code else None,
        queue_unit=report.unit_code if open_ else None,
        queue_sk=f"{utc_text(queue_due)}#{report.id}" if open_ and queue_due else None,
        sweep_pk=SWEEP_PARTITION if check_at else None,
        sweep_sk=f"{utc_text(check_at)}#{report.id}" if check_at else None,
        all_pk=PROVINCE_PARTITION,
        open_due=utc_text(report.current_deadline) if report.current_deadline else None,
    )
    if report.status == "received" and report.unit_code is None:
        item.sweep_pk, item.sweep_sk = UNROUTED_PARTITION, _rcv_sk(report)
    _geo_keys(item, report)
    return item


def _geo_keys(item: ReportItem, report: Report) -> None:
    """The nearby index (issue 15): public reports that are open or resolved, under their geohash cell. A
    resolved one stays until its 30 days are read past (domain/citizens.shown_nearby filters them)."""
    from chalicelib.domain import geohash
    from chalicelib.domain.citizens import NEARBY_STATUSES

    if not report.is_public or report.status not in NEARBY_STATUSES:
        return
    lat, lng = report.location.lat, report.location.lng
    item.geo_pk = geohash.encode(lat, lng)
    item.geo_sk = f"{geohash.encode(lat, lng, 9)}#{report.id}"


def from_item(item: ReportItem) -> Report:
    return report_from_doc(item.doc)


def from_raw(raw: dict[str, Any]) -> Report:
    """Decode a raw DynamoDB item (a query page or a stream image) into a report."""
    return from_item(ReportItem.from_raw_data(raw))


def readable(decode: Any, rows: Any) -> Iterator[Report]:
    """Each row decoded, skipping (logged, counted, alarmed) any that cannot be: one unreadable report must not
    take a whole list down with it (issue 12: a year-999 instant once made every read of the public list a
    500). The log carries the report's id and the error type, never the row (it holds personal data)."""
    for row in rows:
        try:
            yield decode(row)
        except Exception as e:  # any decoding failure: KeyError, ValueError, TypeError, a model error
            report_id = row.get("report_id", {}).get("S") if isinstance(row, dict) else row.report_id
            undecodable_report(str(report_id), type(e).__name__)


def undecodable_report(report_id: str, error_type: str) -> None:
    """Log and count a stored report that cannot be decoded (metric UndecodableReports, alarmed)."""
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    Logger(service="fieldreport", child=True).error(
        "undecodable report skipped", extra={"report_id": report_id, "error_type": error_type}
    )
    with single_metric(
        name="UndecodableReports", unit=MetricUnit.Count, value=1, namespace="FieldReport"
    ) as metric:
        metric.add_dimension(name="service", value="fieldreport")


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _is_key(key: Any, key_attrs: set[str] | None) -> bool:
    """A DynamoDB key of string attributes (every key attribute in infra/tables.py is a string), with exactly
    `key_attrs` when given: a forged or truncated cursor must be a 400, not DynamoDB's ValidationException."""
    if not isinstance(key, dict) or not 2 <= len(key) <= 4:
        return False
    if key_attrs is not None and set(key) != key_attrs:
        return False
    return all(
        isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str) and v["S"] for v in key.values()
    )


def decode_cursor(
    cursor: str | None, partition_attr: str, partition_value: str, key_attrs: set[str] | None = None
) -> dict[str, Any] | None:
    """An opaque cursor back into a key, refusing one that belongs to another list or is not a key at all."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        ok = _is_key(key, key_attrs) and key[partition_attr]["S"] == partition_value
    except (binascii.Error, ValueError, UnicodeDecodeError, AttributeError, KeyError, TypeError):
        ok = False
    if not ok:
        raise InvalidInput(
            "Tham số 'cursor' không hợp lệ.",
            [{"field": "cursor", "message": "Con trỏ trang không hợp lệ hoặc thuộc danh sách khác."}],
        )
    return key  # type: ignore[no-any-return]


class ReportRepository:
    """Reports in DynamoDB. Writes are conditional on the version read, so two writers cannot both win."""

    def __init__(self) -> None:
        bind()

    def get(self, report_id: str) -> Report | None:
        try:
            item = ReportItem.get(report_id, consistent_read=True)
        except ReportItem.DoesNotExist:
            return None
        return from_item(item)

    def create_absent(self, reports: list[Report]) -> list[str]:
        """Store those of `reports` whose id is not stored yet; returns the ids that were already there.

        For imports (issue 17): one BatchGetItem per 100 ids and one BatchWriteItem per 25 new reports instead of
        a conditional put each (about 0.05 requests per report instead of 1). A batch write cannot be
        conditional, so the check comes first; only a second import of the same lines running at the same
        moment could rewrite a report it saw absent, with the same content."""
        if not reports:
            return []
        existing = {
            item.report_id
            for item in ReportItem.batch_get([r.id for r in reports], attributes_to_get=["report_id"])
        }
        with ReportItem.batch_write() as batch:
            for report in reports:
                if report.id not in existing:
                    batch.save(to_item(report))
        return [r.id for r in reports if r.id in existing]

    def create(
        self, report: Report, quota_key: tuple[str, str] | None, quota_max: int, expires_at: int
    ) -> None:
        """Store a new report and count it against the reporter's daily quota in one transaction."""
        item = to_item(report)
        if quota_key is None:
            item.save(condition=ReportItem.report_id.does_not_exist())
            return
        counter = LedgerItem(pk=quota_key[0], sk=quota_key[1])
        try:
            with TransactWrite(connection=ReportItem._get_connection().connection) as tx:
                tx.update(
                    counter,
                    actions=[LedgerItem.count.add(1), LedgerItem.expires_at.set(expires_at)],
                    condition=LedgerItem.count.does_not_exist() | (LedgerItem.count < quota_max),
                )
                tx.save(item, condition=ReportItem.report_id.does_not_exist())
        except TransactWriteError as e:
            # PynamoDB sends condition checks, deletes, puts, then updates, whatever the order of the calls
            # above: the report's put comes first and the counter's update last.
            reasons = e.cancellation_reasons
            counter = reasons[-1] if reasons else None
            if counter is not None and counter.code == "ConditionalCheckFailed":
                raise QuotaExceeded(
                    f"Bạn đã gửi tối đa {quota_max} phản ánh trong ngày hôm nay. Vui lòng gửi lại vào ngày mai."
                ) from e
            raise

    def save(self, report: Report, extra_condition: Condition | None = None) -> Report:
        """Write a changed report whose `version` is the one read; returns it with the version bumped."""
        new = replace(report, version=report.version + 1)
        condition = ReportItem.version == report.version
        if extra_condition is not None:
            condition = condition & extra_condition
        try:
            to_item(new).save(condition=condition)
        except PutError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(
                    "Phản ánh vừa được người khác cập nhật. Vui lòng tải lại và thử lại."
                ) from e
            raise
        return new

    def update(
        self,
        report_id: str,
        change: Callable[[Report], Report | None],
        attempts: int = SAVE_ATTEMPTS,
        *,
        first: Report | None = None,
        expect_status: Status | None = None,
        save: Callable[[Report], Report | None] | None = None,
    ) -> Updated:
        """Read the report (consistently), apply `change`, save it conditionally on the version read (and, with
        `expect_status`, on the stored status); when another writer got in first, read it again and re-apply
        `change` to the fresh report, `attempts` times in all. The last ConcurrentUpdate propagates.

        `change` returns the changed report (its `version` still the one read), or None when there is nothing
        to do. `first`: the report as the caller already has it (a stream image, a report just read), tried
        before any read. `save`: another conditional write of the changed report (a transaction with a ledger
        row) that raises ConcurrentUpdate like `save`, or returns None when it declined."""
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        condition = ReportItem.status == expect_status.value if expect_status is not None else None
        write = save or (lambda changed: self.save(changed, extra_condition=condition))
        current = first if first is not None else self.get(report_id)
        for attempt in range(1, attempts + 1):
            if current is None:
                return Updated(None, saved=False)
            changed = change(current)
            if changed is None:
                return Updated(current, saved=False)
            try:
                stored = write(changed)
            except ConcurrentUpdate:
                if attempt == attempts:
                    raise
                current = self.get(report_id)
                continue
            return Updated(current, saved=False) if stored is None else Updated(stored, saved=True)
        raise AssertionError("unreachable")

    def delete(self, report: Report) -> None:
        try:
            ReportItem(report_id=report.id).delete(condition=ReportItem.version == report.version)
        except Exception as e:  # pynamodb DeleteError
            if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise ConcurrentUpdate("Phản ánh vừa được người khác cập nhật. Vui lòng tải lại.") from e
            raise

    # --- queries: one page, one request ---

    def _page(
        self, index: Any, hash_value: str, partition_attr: str, limit: int, cursor: str | None, **kwargs: Any
    ) -> Page:
        key_attrs = {"report_id", *(k["AttributeName"] for k in index._get_schema()["key_schema"])}
        start = decode_cursor(cursor, partition_attr, hash_value, key_attrs)
        results = index.query(hash_value, page_size=limit, last_evaluated_key=start, **kwargs)
        page = next(results.page_iter)
        items = list(readable(from_raw, page.get("Items", [])))
        return Page(items=items, next_cursor=encode_cursor(page.get("LastEvaluatedKey")))

    def public_page(self, filters: PublicFilters, limit: int, cursor: str | None) -> Page:
        """The public list, newest first. `unit` picks its own index; the other filters narrow one page."""
        range_condition = None
        low = utc_text(filters.since) if filters.since else None
        high = utc_text(filters.until) + "~" if filters.until else None
        if low and high:
            range_condition = ReportItem.rcv_sk.between(low, high)
        elif low:
            range_condition = ReportItem.rcv_sk >= low
        elif high:
            range_condition = ReportItem.rcv_sk <= high
        condition: Condition | None = None
        for part in (
            ReportItem.status == filters.status if filters.status else None,
            ReportItem.category == filters.category if filters.category else None,
            ReportItem.lng.between(filters.bbox[0], filters.bbox[2])
            & ReportItem.lat.between(filters.bbox[1], filters.bbox[3])
            if filters.bbox
            else None,
        ):
            if part is not None:
                condition = part if condition is None else condition & part
        if filters.unit:
            index, hash_value, attr = ReportItem.public_unit_index, filters.unit, "pub_unit"
        else:
            index, hash_value, attr = ReportItem.public_index, PUBLIC_PARTITION, "pub_pk"
        return self._page(
            index,
            hash_value,
            attr,
            limit,
            cursor,
            range_key_condition=range_condition,
            filter_condition=condition,
            scan_index_forward=False,
        )

    def by_reporter(self, sub: str, limit: int, cursor: str | None) -> Page:
        return self._page(
            ReportItem.reporter_index, sub, "reporter_sub", limit, cursor, scan_index_forward=False
        )

    def unit_queue(
        self,
        unit: str,
        limit: int,
        cursor: str | None,
        due_after: datetime | None = None,
        due_before: datetime | None = None,
        status: str | None = None,
        category: str | None = None,
    ) -> Page:
        """A unit's open reports, earliest current deadline first (triage while assigned, then resolution),
        whose deadline is at or after `due_after` and strictly before `due_before` (either bound optional:
        `due_before=now` is what is overdue, as `Report.is_overdue` says). Both bounds are in the key
        condition, so a page is full and what is read is what is returned (status and category narrow it)."""
        # Keys are "<deadline UTC text>#<id>": "<t>#" sorts before every key of instant t, after earlier ones.
        low = utc_text(due_after) + "#" if due_after else None
        high = utc_text(due_before) + "#" if due_before else None
        if low and high and low >= high:
            return Page(items=[], next_cursor=None)  # an empty window (between needs low <= high)
        return self._page(
            ReportItem.queue_index,
            unit,
            "queue_unit",
            limit,
            cursor,
            range_key_condition=_window(ReportItem.queue_sk, low, high),
            filter_condition=_all_of(
                ReportItem.status == status if status else None,
                ReportItem.category == category if category else None,
            ),
            scan_index_forward=True,
        )

    def by_unit(
        self, unit: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Report]:
        """Every report a unit holds, by receipt time (statistics recomputation; admin only)."""
        cond = None
        if since and until:
            cond = ReportItem.rcv_sk.between(utc_text(since), utc_text(until) + "~")
        yield from readable(from_item, ReportItem.unit_index.query(unit, range_key_condition=cond))

    def due_for_check(self, until: datetime, limit: int | None = None) -> Iterator[Report]:
        """Open reports whose next deadline check is at or before `until` (the deadline sweep's index),
        earliest first; at most `limit`, so that a backlog is read in bounded portions."""
        rows = ReportItem.sweep_index.query(
            SWEEP_PARTITION,
            range_key_condition=ReportItem.sweep_sk <= utc_text(until) + "~",
            limit=limit,
            page_size=min(limit, 100) if limit else None,
        )
        yield from readable(from_item, rows)

    def unrouted(self, received_before: datetime, limit: int) -> list[Report]:
        """Reports still `received` without a unit, received before `received_before`, oldest first."""
        items = ReportItem.sweep_index.query(
            UNROUTED_PARTITION,
            range_key_condition=ReportItem.sweep_sk < utc_text(received_before) + "#",
            limit=limit,
            page_size=limit,
        )
        return [from_item(item) for item in items]


__all__ = [
    "SAVE_ATTEMPTS",
    "Page",
    "PublicFilters",
    "ReportRepository",
    "UpdateError",
    "Updated",
    "from_raw",
    "readable",
    "to_item",
]
