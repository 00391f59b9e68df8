"""Keeps the local stack's data across restarts: moto holds everything in memory, so the tables and the
media bucket are copied to the local state folder now and then and put back at start.

This is local tooling only: it reads whole tables with Scan, which no application path does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


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

    def save(self) -> bool:
        data: dict[str, list[dict[str, Any]]] = {}
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
        """Put saved items and media back; returns the number of items restored."""
        path = self.folder / "tables.json"
        count = 0
        if path.exists():
            data = json.loads(path.read_text())
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
