"""Removing what a deleted (test) report leaves in the ledger: its deliveries, citizen e-mails and messages,
deadline notices, reopenings told to its unit and routing attempts, each kept under a partition named after the
report, so a Query per partition finds them (no Scan). A kind of record keyed by report adds its prefix to
`REPORT_PARTITIONS`."""

from __future__ import annotations

from chalicelib.store.models import LedgerItem, bind

REPORT_PARTITIONS = ("report#", "citizen#", "notice#", "unit-reopen#", "reconcile#")


def delete_report_records(report_id: str) -> int:
    """Delete every ledger record of the report; returns how many."""
    bind()
    count = 0
    with LedgerItem.batch_write() as batch:
        for prefix in REPORT_PARTITIONS:
            for item in LedgerItem.query(f"{prefix}{report_id}", attributes_to_get=["pk", "sk"]):
                batch.delete(item)
                count += 1
    return count
