"""Keeps the local stack's data across restarts: moto holds everything in memory, so the tables and the
media bucket are copied to the local state folder now and then and put back at start.

The local API saves a snapshot before it answers any request that changes something, and the stream worker
after each batch it handles: what was answered 201 survives a `kill -9`, with its idempotency record, and
the stream records not handled yet are kept with it, so a restart routes what was still waiting.

This is local tooling only: it reads whole tables with Scan, which no application path does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STREAM_KEY = "_stream"  # not a table name: table names are "fieldreport-..."
OUTBOX_KEY = "_outbox"


class Snapshot:
    def __init__(self, folder: Path, client_factory: Any, tables: list[str], bucket: str) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ddb = client_factory("dynamodb")
        self.s3 = client_factory("s3")
        self.tables = tables
        self.bucket = bucket
        self.media_dir = folder / "media"
        self._last: str | None = None
        self.pending_stream: list[dict[str, Any]] = []
        self.pending_outbox: list[dict[str, str]] = []

    def save(
        self, stream: list[dict[str, Any]] | None = None, outbox: list[dict[str, str]] | None = None
    ) -> bool:
        """Write the tables (and media) now. `stream`: stream records not handled yet; `outbox`: e-mails sent
        but not yet in the outbox folder. They are kept in the same file as the tables, so one rename commits
        the data together with what is still owed to it: a restart delivers and writes them."""
        data: dict[str, Any] = {STREAM_KEY: stream or [], OUTBOX_KEY: outbox or []}
        for table in self.tables:
            items: list[dict[str, Any]] = []
            kwargs: dict[str, Any] = {"TableName": table}
            while True:
                page = self.ddb.scan(**kwargs)
                items.extend(page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            data[table] = items
        text = json.dumps(data, sort_keys=True)
        if text != self._last:
            tmp = self.folder / "tables.json.tmp"
            tmp.write_text(text)
            os.replace(tmp, self.folder / "tables.json")
            self._last = text
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        for obj in listing.get("Contents", []):
            target = self.media_dir / obj["Key"]
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read())
        if not listing.get("IsTruncated"):
            self._forget_deleted({obj["Key"] for obj in listing.get("Contents", [])})
        return True

    def _forget_deleted(self, keys: set[str]) -> None:
        """A refused upload or a deleted test report's media must not come back at the next start (issue 16)."""
        for key in self.media_keys() - keys:
            (self.media_dir / key).unlink(missing_ok=True)

    def restore(self) -> int:
        """Put saved items and media back; returns the number of items restored. The stream records and
        e-mails the snapshot still owed are left in `pending_stream` and `pending_outbox`."""
        path = self.folder / "tables.json"
        count = 0
        if path.exists():
            data = json.loads(path.read_text())
            self.pending_stream = list(data.get(STREAM_KEY, []))
            self.pending_outbox = list(data.get(OUTBOX_KEY, []))
            for table, items in data.items():
                if table not in self.tables:
                    continue
                for i in range(0, len(items), 25):
                    chunk = [{"PutRequest": {"Item": item}} for item in items[i : i + 25]]
                    self.ddb.batch_write_item(RequestItems={table: chunk})
                    count += len(chunk)
            self._last = json.dumps(data, sort_keys=True)
        if self.media_dir.exists():
            for file in self.media_dir.rglob("*"):
                if file.is_file():
                    key = str(file.relative_to(self.media_dir))
                    self.s3.put_object(Bucket=self.bucket, Key=key, Body=file.read_bytes())
        return count

    def media_keys(self) -> set[str]:
        return (
            {str(p.relative_to(self.media_dir)) for p in self.media_dir.rglob("*") if p.is_file()}
            if self.media_dir.exists()
            else set()
        )
