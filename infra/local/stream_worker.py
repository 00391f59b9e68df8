"""Feeds the reports table's DynamoDB stream to the app's real stream handler, the way Lambda does.

Used by the local stack (a polling thread) and by integration tests (`pump()` until quiet). Records are
delivered in Lambda's shape (epoch `ApproximateCreationDateTime`, `eventSourceARN`), in batches; when the
handler answers `batchItemFailures`, the batch is retried from the first failed record (Lambda's checkpoint
behaviour with ReportBatchItemFailures), up to `max_attempts`, after which the record is given up on, as
Lambda does after its retries; whatever it failed to do stays recorded as failed for the IOC.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("devstack.stream")


@dataclass
class FakeLambdaContext:
    function_name: str = "fieldreport-dev-handle_report_stream"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:000000000000:function:fieldreport-dev"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/fieldreport-dev"
    log_stream_name: str = "local"
    deadline_ms: float = field(default_factory=lambda: time.time() * 1000 + 60_000)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.deadline_ms - time.time() * 1000))


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A dynamodbstreams `get_records` record, reshaped into what Lambda delivers."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }


class StreamPump:
    def __init__(
        self,
        client_factory: Callable[[str], Any],
        table_name: str,
        handler: Callable[[dict[str, Any], Any], Any],
        region: str,
        batch_size: int = 25,
        max_attempts: int = 3,
        position_file: Path | None = None,
        start: str = "TRIM_HORIZON",
    ) -> None:
        self.ddb = client_factory("dynamodb")
        self.streams = client_factory("dynamodbstreams")
        self.table_name = table_name
        self.handler = handler
        self.region = region
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.position_file = position_file
        self.start = start
        self.stream_arn = self.ddb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._iterators: dict[str, str | None] = {}
        self._pending: list[dict[str, Any]] = []
        self._attempts: dict[str, int] = {}
        self.delivered = 0
        self.given_up: list[str] = []

    def _load_positions(self) -> dict[str, str]:
        if self.position_file and self.position_file.exists():
            saved = json.loads(self.position_file.read_text())
            if saved.get("stream_arn") == self.stream_arn:
                return dict(saved.get("shards", {}))
        return {}

    def _save_position(self, shard_id: str, sequence: str) -> None:
        if not self.position_file:
            return
        saved = {"stream_arn": self.stream_arn, "shards": self._load_positions()}
        saved["shards"][shard_id] = sequence
        self.position_file.write_text(json.dumps(saved))

    def _shard_iterators(self) -> None:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        positions = self._load_positions()
        for shard in shards:
            sid = shard["ShardId"]
            if sid in self._iterators:
                continue
            if sid in positions:
                it = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=sid,
                    ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=positions[sid],
                )
            else:
                it = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=sid, ShardIteratorType=self.start
                )
            self._iterators[sid] = it["ShardIterator"]

    def _fetch(self) -> list[tuple[str, dict[str, Any]]]:
        self._shard_iterators()
        out: list[tuple[str, dict[str, Any]]] = []
        for sid, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            resp = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            self._iterators[sid] = resp.get("NextShardIterator")
            out.extend((sid, r) for r in resp.get("Records", []))
        return out

    def _deliver(self, batch: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        """Invoke the handler once; returns the records to retry (from the first failure on)."""
        event = {"Records": [lambda_record(r, self.stream_arn, self.region) for _, r in batch]}
        result = self.handler(event, FakeLambdaContext()) or {}
        failures = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        if not failures:
            return []
        first = next(i for i, (_, r) in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures)
        return batch[first:]

    def pump_once(self) -> int:
        """Fetch what is new and deliver it; returns how many records were delivered successfully."""
        queue = self._pending + self._fetch()
        self._pending = []
        done = 0
        while queue:
            batch = queue[: self.batch_size]
            retry = self._deliver(batch)
            ok = batch[: len(batch) - len(retry)]
            for sid, r in ok:
                self._save_position(sid, r["dynamodb"]["SequenceNumber"])
            done += len(ok)
            if retry:
                seq = retry[0][1]["dynamodb"]["SequenceNumber"]
                self._attempts[seq] = self._attempts.get(seq, 0) + 1
                if self._attempts[seq] >= self.max_attempts:
                    log.warning("stream record %s given up after %d attempts", seq, self._attempts[seq])
                    self.given_up.append(seq)
                    self._save_position(retry[0][0], seq)
                    queue = retry[1:] + queue[len(batch) :]
                    continue
                # Lambda retries the batch from the failed record: keep it for the next round.
                self._pending = retry + queue[len(batch) :]
                break
            queue = queue[len(batch) :]
        self.delivered += done
        return done

    def pump(self, rounds: int = 20) -> int:
        """Deliver until nothing new arrives (handlers write reports, which makes new records)."""
        total = 0
        for _ in range(rounds):
            n = self.pump_once()
            total += n
            if n == 0 and not self._pending:
                break
        return total
